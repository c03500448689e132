#!/usr/bin/env bash
# Debian packages the test suite drives for real: Chromium (browser end-to-end), ffmpeg (recordings
# -> fake camera), PostgreSQL (the second store), Python with PyJWT + cryptography and openssl/jq/xxd
# (the relying-party examples of docs/VERIFY.md), nginx and Caddy (the reverse-proxy recipes of
# docs/DEPLOY.md). Installs what is missing when run as root; otherwise names it and stops.
# Source it or run it.
livegate_missing_packages() {
  local need=()
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  command -v ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
  /usr/bin/python3 -c 'import jwt, cryptography' >/dev/null 2>&1 || need+=(python3-jwt python3-cryptography)
  command -v openssl >/dev/null 2>&1 || need+=(openssl)
  command -v jq >/dev/null 2>&1 || need+=(jq)
  command -v xxd >/dev/null 2>&1 || need+=(xxd)
  [ -x /usr/sbin/nginx ] || need+=(nginx-light)
  [ -x /usr/bin/caddy ] || need+=(caddy)
  echo "${need[@]}"
}

livegate_install_system_deps() {
  local need
  need="$(livegate_missing_packages)"
  [ -z "$need" ] && return 0
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "livegate: the tests need these Debian packages: $need (install them, e.g. sudo apt-get install $need)" >&2
    return 1
  fi
  echo "livegate: apt-get install $need" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >/dev/null
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then livegate_install_system_deps; fi
