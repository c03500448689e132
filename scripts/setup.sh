#!/usr/bin/env bash
# Prepares a checkout to run: Node >= 22.12 on PATH, dependencies installed, models present,
# verification page built. Each step is skipped when already done. Source it or run it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/node24.sh"
cd "$LIVEGATE_ROOT"

# Dependencies: reinstall when the lockfile changed since the last install.
stamp=node_modules/.livegate-lock.sha256
lock_hash="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_hash" ]; then
  echo "livegate: installing dependencies (npm ci)..." >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$lock_hash" >"$stamp"
fi

# Models: a local mirror first (LIVEGATE_MODEL_MIRROR, else ../shared/models when present), then upstream.
mirror="${LIVEGATE_MODEL_MIRROR:-}"
if [ -z "$mirror" ] && [ -d "$LIVEGATE_ROOT/../shared/models" ]; then mirror="$LIVEGATE_ROOT/../shared/models"; fi
if ! node server/cli.ts models verify >/dev/null 2>&1; then
  echo "livegate: fetching models${mirror:+ (mirror: $mirror)}..." >&2
  node server/cli.ts models fetch ${mirror:+--mirror "$mirror"} >&2
fi

# The verification page: rebuilt when a source file is newer than the build.
if [ -f capture/vite.config.ts ]; then
  if [ ! -f dist/capture/index.html ] || [ -n "$(find capture workers -newer dist/capture/index.html -type f -print -quit 2>/dev/null)" ]; then
    echo "livegate: building the verification page..." >&2
    npm run --silent build:capture >&2
  fi
fi
