#!/usr/bin/env bash
# Set up, build, and run every test: the README's second command (and what CI runs).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cd build
ctest --output-on-failure -j 2 "$@"
cd ..
# The sanitizer run (docs/reliability.md): ASan + UBSan build of the unit tests, ovmsdump over the
# samples and the malformed corpus, the fuzz corpus replay. OVMS_SANITIZE=0 skips it.
[ "${OVMS_SANITIZE:-1}" = 0 ] || scripts/sanitize.sh
