#!/usr/bin/env bash
# The inspector's benchmark: the model code of the window (ovms-bench-inspector) on the generated
# one-million-message capture, against `ovmsdump --json > /dev/null` on the same file in the same run.
# Usage: inspector-gui/bench/run.sh [BUILD_DIR] [MESSAGES]   (default build, 1000000)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="$(cd "${1:-$here/../../build}" && pwd)"
messages="${2:-1000000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$build/tools/simulator/ovms-sim" --scenario load --cars 50 --apps 50 --messages "$messages" --seed 1 \
  --out "$work/load.pcap" --keys-out "$work/keys.yaml" >/dev/null
chmod 600 "$work/keys.yaml"
best() {  # best of 3 wall-clock seconds
  local b="" t s e
  for _ in 1 2 3; do
    s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N)
    t=$(echo "$e - $s" | bc -l)
    if [ -z "$b" ] || [ "$(echo "$t < $b" | bc -l)" = 1 ]; then b=$t; fi
  done
  printf '%.3f' "$b"
}
ref=$(best "$build/cli/ovmsdump" -r "$work/load.pcap" -k "$work/keys.yaml" --json)
# Three runs of the inspector too; each step's best (peak memory: the largest).
out=$(for _ in 1 2 3; do "$build/inspector-gui/ovms-bench-inspector" "$work/load.pcap" "$work/keys.yaml"; done)
get() {
  echo "$out" | awk -v k="$1" '$1 == k { if (k == "peak_mib") { if ($2 > v) v = $2 } else if (v == "" || $2 < v) v = $2 }
                                END { print v }'
}
printf 'capture: %s records, %s bytes\n' "$(get records)" "$(stat -c %s "$work/load.pcap")"
printf '%-44s %8s s  1.00x\n' "ovmsdump --json > /dev/null (reference, best of 3)" "$ref"
for step in load filter chart; do
  s=$(get ${step}_s)
  printf '%-44s %8s s  %.3fx\n' "inspector $step (best of 3)" "$s" "$(echo "$s / $ref" | bc -l)"
done
printf 'filter shows %s rows; chart has %s points; peak memory %s MiB\n' \
  "$(get filter_shown)" "$(get chart_points)" "$(get peak_mib)"
