#!/usr/bin/env bash
# Runs the whole test suite (vitest). Extra arguments go to vitest, e.g. a path filter.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
exec npx vitest run "$@"
