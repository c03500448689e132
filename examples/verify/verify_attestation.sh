#!/usr/bin/env bash
# Verify a Livegate attestation offline with openssl, jq and xxd: ES256 signature against the
# JWKS, typ, issuer, audience, expiry, the action hash, the nonce, and verdict live.
#
#   verify_attestation.sh JWKS_FILE ISSUER AUDIENCE ACTION_SHA256 [NONCE] < token.jwt
#
# ACTION_SHA256 is the hex SHA-256 of the RFC 8785 canonical JSON of {"description", "details"}
# for the action you are about to execute (docs/VERIFY.md shows how to compute it).
# Exit 0 and the claims on stdout when every check passes; exit 1 and "REJECT <reason>: ..." on
# stderr otherwise.
set -euo pipefail

LEEWAY_S=30
# DER prefix of a P-256 SubjectPublicKeyInfo (id-ecPublicKey, prime256v1), before 04 || X || Y.
P256_SPKI_PREFIX=3059301306072a8648ce3d020106082a8648ce3d030107034200

reject() { echo "REJECT $1: $2" >&2; exit 1; }
[ $# -ge 4 ] || { echo "usage: $0 JWKS_FILE ISSUER AUDIENCE ACTION_SHA256 [NONCE] < token" >&2; exit 2; }
jwks_file=$1 issuer=$2 audience=$3 action_sha256=$4 nonce=${5-}

b64url_decode() {
  local s
  s=$(printf '%s' "$1" | tr '_-' '/+')
  case $((${#s} % 4)) in 2) s="$s==" ;; 3) s="$s=" ;; 1) return 1 ;; esac
  printf '%s' "$s" | base64 -d 2>/dev/null
}
hex() { xxd -p | tr -d '\n'; }
# One DER INTEGER from a 32-byte big-endian hex value: leading zero bytes dropped, 00 added when the high bit is set.
der_int() {
  local v
  v=$(printf '%s' "$1" | sed 's/^\(00\)*//')
  [ -n "$v" ] || v=00
  [ $((16#${v:0:2})) -lt 128 ] || v="00$v"
  printf '02%02x%s' $((${#v} / 2)) "$v"
}

token=$(tr -d ' \r\n')
IFS=. read -r h p s rest <<<"$token"
[ -n "${h:-}" ] && [ -n "${p:-}" ] && [ -n "${s:-}" ] && [ -z "${rest:-}" ] || reject malformed "not a compact JWS"
header=$(b64url_decode "$h") || reject malformed "header is not base64url"
claims=$(b64url_decode "$p") || reject malformed "payload is not base64url"
jq -e 'type == "object"' >/dev/null 2>&1 <<<"$header" || reject malformed "header is not JSON"
jq -e 'type == "object"' >/dev/null 2>&1 <<<"$claims" || reject malformed "payload is not JSON"

[ "$(jq -r .alg <<<"$header")" = ES256 ] || reject alg_not_allowed "alg is not ES256"
[ "$(jq -r .typ <<<"$header")" = livegate-attestation+jwt ] || reject typ_invalid "typ is not livegate-attestation+jwt"
kid=$(jq -r '.kid // ""' <<<"$header")
jwk=$(jq -c --arg kid "$kid" '[.keys[] | select(.kid == $kid and .kty == "EC" and .crv == "P-256")][0] // empty' "$jwks_file")
[ -n "$jwk" ] || reject unknown_kid "no P-256 key \"$kid\" in $jwks_file"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
x=$(b64url_decode "$(jq -r .x <<<"$jwk")" | hex)
y=$(b64url_decode "$(jq -r .y <<<"$jwk")" | hex)
[ ${#x} -eq 64 ] && [ ${#y} -eq 64 ] || reject unknown_kid "key \"$kid\" is not a P-256 point"
printf '%s04%s%s' "$P256_SPKI_PREFIX" "$x" "$y" | xxd -r -p >"$tmp/key.der"
openssl pkey -pubin -inform DER -in "$tmp/key.der" -out "$tmp/key.pem" 2>/dev/null || reject unknown_kid "key \"$kid\" does not load"

# JWS ES256 signatures are R || S (32 bytes each); openssl wants DER SEQUENCE { INTEGER R, INTEGER S }.
sig=$(b64url_decode "$s" | hex) || reject signature_invalid "signature is not base64url"
[ ${#sig} -eq 128 ] || reject signature_invalid "signature is not 64 bytes"
body="$(der_int "${sig:0:64}")$(der_int "${sig:64:64}")"
printf '30%02x%s' $((${#body} / 2)) "$body" | xxd -r -p >"$tmp/sig.der"
printf '%s' "$h.$p" | openssl dgst -sha256 -verify "$tmp/key.pem" -signature "$tmp/sig.der" >/dev/null 2>&1 ||
  reject signature_invalid "the signature does not verify with key \"$kid\""

now=$(date +%s)
check() { jq -e --arg v "$2" --argjson now "$now" --argjson leeway "$LEEWAY_S" "$1" >/dev/null <<<"$claims"; }
check '.iss == $v' "$issuer" || reject issuer_mismatch "iss is not $issuer"
check '.aud | if type == "array" then index($v) != null else . == $v end' "$audience" || reject audience_mismatch "aud does not name $audience"
check '(.exp | type) == "number" and .exp + $leeway > $now' '' || reject expired "the attestation has expired"
check '((.nbf // .iat) | type) == "number" and (.nbf // .iat) - $leeway <= $now' '' || reject not_yet_valid "the attestation is not valid yet"
check '.attestation.action_sha256 == $v' "$action_sha256" || reject action_mismatch "the attestation is for another action"
if [ -n "$nonce" ]; then check '.nonce == $v' "$nonce" || reject nonce_mismatch "the attestation does not echo this nonce"; fi
check '.attestation.verdict == "live"' '' || reject verdict_not_live "verdict is $(jq -r .attestation.verdict <<<"$claims"), not live"
printf '%s\n' "$claims"
