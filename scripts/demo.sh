#!/usr/bin/env bash
# Set up, build, and decode the bundled sample capture with its keys: the README's first command.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# A checkout leaves the sample keys readable by everyone, and ovmsdump warns about such a keys file.
chmod 600 samples/keys.yaml
exec build/cli/ovmsdump -r samples/all.pcap -k samples/keys.yaml "$@"
