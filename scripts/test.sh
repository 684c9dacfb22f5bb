#!/usr/bin/env bash
# Set up, build, and run every test: the README's second command (and what CI runs).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cd build
ctest --output-on-failure -j 2 "$@"
