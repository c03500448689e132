#!/usr/bin/env bash
# Runs the whole test suite (vitest). Extra arguments go to vitest, e.g. a path filter.
# On a fresh Debian machine (as root) it first installs the system packages the tests drive.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/system-deps.sh"
livegate_install_system_deps
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

# The browser suites write raw camera video (test/.cache/y4m, about 2 GB) and databases: refuse
# to start on a nearly full disk rather than fail halfway with unrelated-looking errors.
need_gb=3
avail_kb=$(df -Pk . | awk 'NR==2 {print $4}')
if [ "${avail_kb:-0}" -lt $((need_gb * 1024 * 1024)) ]; then
  echo "error: disk_full: $((avail_kb / 1024)) MB free on $(df -P . | awk 'NR==2 {print $6}'); the tests need about ${need_gb} GB." >&2
  echo "next step: free space (test/.cache can be deleted: $(du -sh test/.cache 2>/dev/null | cut -f1 || echo 0) here) and run again." >&2
  exit 1
fi
exec npx vitest run "$@"
