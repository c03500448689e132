#!/usr/bin/env bash
# Runs Livegate: server, verification page and MCP endpoint, embedded SQLite under ./data,
# signing key generated on first start. Extra arguments go to `livegate start`.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
exec node server/cli.ts start "$@"
