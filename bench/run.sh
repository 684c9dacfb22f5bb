#!/usr/bin/env bash
# Benchmark on one generated capture, all in one run on the same machine, so the numbers are ratios
# against references measured side by side:
#   tcpdump -r FILE -w /dev/null   the floor: reading the file and nothing else
#   tshark -r FILE                 Wireshark's CLI without our plugin
#   ovmsdump --json > /dev/null    our decoder, all lines decrypted and decoded to JSON (one decoding
#                                  thread per core; and with --threads 1)
#   tshark -r FILE with the plugin and keys
# Usage: bench/run.sh [BUILD_DIR] [MESSAGES]   (default build, 1000000)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="$(cd "${1:-$here/../build}" && pwd)"
messages="${2:-1000000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
pcap="$work/load.pcap"
keys="$work/keys.yaml"

"$build/tools/simulator/ovms-sim" --scenario load --cars 50 --apps 50 --messages "$messages" --seed 1 \
  --out "$pcap" --keys-out "$keys" >/dev/null

# Best of N wall-clock seconds of a command (N=3), output discarded.
best() {
  local best_t="" t
  for _ in 1 2 3; do
    local start end
    start=$(date +%s.%N)
    "$@" >/dev/null 2>&1 || true
    end=$(date +%s.%N)
    t=$(echo "$end - $start" | bc -l)
    if [ -z "$best_t" ] || [ "$(echo "$t < $best_t" | bc -l)" = 1 ]; then best_t=$t; fi
  done
  printf '%.3f' "$best_t"
}

# tshark as root ignores plugin folders: run it in a private mount namespace where the system
# plugin folder is our build's (see shared/PLATFORM.md).
sysplugins=/usr/lib/x86_64-linux-gnu/wireshark/plugins/4.0
tshark_with_plugin() {
  if [ "$(id -u)" -eq 0 ]; then
    unshare -m sh -c "mount --bind '$build/plugins/4.0' '$sysplugins' && tshark $*"
  else
    WIRESHARK_PLUGIN_DIR="$build/plugins" tshark "$@"
  fi
}
export -f tshark_with_plugin
export build sysplugins
export WIRESHARK_CONFIG_DIR="$work/wsconfig"
mkdir -p "$WIRESHARK_CONFIG_DIR"

size=$(stat -c %s "$pcap")
lines=$("$build/cli/ovmsdump" -r "$pcap" -k "$keys" --json | wc -l)
decrypted=$("$build/cli/ovmsdump" -r "$pcap" -k "$keys" --json | grep -c '"plain":"' || true)
frames=$(capinfos -c -M "$pcap" 2>/dev/null | awk -F: '/Number of packets/ {gsub(/ /, "", $2); print $2 " frames"}')

t_tcpdump=$(best tcpdump -r "$pcap" -w /dev/null)
t_ovmsdump=$(best "$build/cli/ovmsdump" -r "$pcap" -k "$keys" --json)
t_ovmsdump_text=$(best "$build/cli/ovmsdump" -r "$pcap" -k "$keys")
t_ovmsdump_one=$(best "$build/cli/ovmsdump" -r "$pcap" -k "$keys" --json --threads 1)
# Exactly `tshark -r FILE`, as a user would run it; --disable-protocol keeps an installed copy of our
# plugin out of the reference.
t_tshark=$(best tshark -r "$pcap" --disable-protocol ovms)
have_plugin=no
if [ -f "$build/plugins/4.0/epan/ovms.so" ]; then
  have_plugin=yes
  t_tshark_plugin=$(best bash -c "tshark_with_plugin -r '$pcap' -o 'ovms.keys_file:$keys'")
fi

ratio() { echo "scale=2; $1 / $2" | bc -l; }
mb=$(echo "scale=1; $size / 1000000" | bc -l)
echo "## Benchmark run $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores"
echo
echo "Capture: ovms-sim --scenario load --cars 50 --apps 50 --messages $messages --seed 1"
echo "($mb MB, $frames, $lines OVMS lines, $decrypted decrypted)"
echo
echo "| command | seconds (best of 3) | ratio |"
echo "|---|---|---|"
echo "| tcpdump -r FILE -w /dev/null (reading floor) | $t_tcpdump | 1.00 × tcpdump |"
echo "| ovmsdump --json > /dev/null | $t_ovmsdump | $(ratio "$t_ovmsdump" "$t_tcpdump") × tcpdump |"
echo "| ovmsdump (text) > /dev/null | $t_ovmsdump_text | $(ratio "$t_ovmsdump_text" "$t_tcpdump") × tcpdump |"
echo "| ovmsdump --json --threads 1 > /dev/null | $t_ovmsdump_one | $(ratio "$t_ovmsdump_one" "$t_ovmsdump") × ovmsdump --json (default threads) |"
echo "| tshark -r FILE (no plugin) | $t_tshark | $(ratio "$t_tshark" "$t_ovmsdump") × ovmsdump --json |"
if [ "$have_plugin" = yes ]; then
  echo "| tshark -r FILE with the plugin and keys | $t_tshark_plugin | $(ratio "$t_tshark_plugin" "$t_tshark") × tshark without |"
fi
echo
echo "ovmsdump --json: $(echo "scale=0; $lines / $t_ovmsdump" | bc -l) lines/s, $(echo "scale=1; $size / $t_ovmsdump / 1000000" | bc -l) MB/s"
