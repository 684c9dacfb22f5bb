#!/usr/bin/env bash
# Screenshots of the inspector on the bundled samples, under Xvfb, into docs/images/ (shown in
# inspector-gui/README.md). Usage: inspector-gui/scripts/screenshots.sh [BUILD_DIR]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
out="$root/docs/images"
mkdir -p "$out"
# A settings folder of our own: no window layout or recent files from the user's own runs.
export XDG_CONFIG_HOME="$(mktemp -d)"
trap 'rm -rf "$XDG_CONFIG_HOME"' EXIT
shot() {  # NAME CAPTURE TAB FRAME [FILTER]
  local filter=()
  [ $# -ge 5 ] && filter=(-Y "$5")
  xvfb-run -a -s "-screen 0 1600x1000x24" "$build/inspector-gui/ovms-inspector" "$root/samples/$2" \
    -k "$root/samples/keys.yaml" --tab "$3" --frame "$4" --screenshot "$out/inspector-$1.png" "${filter[@]}"
  echo "docs/images/inspector-$1.png"
}
shot timeline all.pcap timeline 34
shot charts all.pcap charts 34
shot map all.pcap map 34 'location.latitude > 0' 
shot statistics commands.pcap statistics 10
shot paranoid paranoid.pcap timeline 7 'inner.code == "S"'
# File › Export › Fields as CSV: the fields dialog, as the export test builds it (the names typed "status.").
if [ -x "$build/tests/gui/inspector_export_tests" ]; then
  INSPECTOR_EXPORT_SHOT="$out/inspector-export-fields.png" xvfb-run -a -s "-screen 0 1600x1000x24" \
    "$build/tests/gui/inspector_export_tests" fieldsDialog >/dev/null
  echo "docs/images/inspector-export-fields.png"
fi
