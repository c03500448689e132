#!/usr/bin/env bash
# Runs the whole test suite (vitest). Extra arguments go to vitest, e.g. a path filter.
# On a fresh Debian machine (as root) it first installs the system packages the tests drive.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/system-deps.sh"
livegate_install_system_deps
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
exec npx vitest run "$@"
