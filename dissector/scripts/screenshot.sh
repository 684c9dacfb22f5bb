#!/bin/sh
# Regenerates docs/images/wireshark-ovms.png: Wireshark (Qt) under Xvfb with the build tree's plugin, a
# decrypted status message selected and its tree expanded.
# Usage: dissector/scripts/screenshot.sh [BUILD_DIR] [PCAP] [KEYS] [FRAME] [OUT]
# Needs: wireshark-qt, xvfb (xvfb-run, xauth), xdotool, imagemagick (import). As root it runs Wireshark in a
# private mount namespace where the system plugin folder is BUILD_DIR/plugins/4.0 (root ignores the others).
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$here/build}" && pwd)
pcap=$(readlink -f "${2:-$here/samples/basic.pcap}")
keys=$(readlink -f "${3:-$here/samples/keys.yaml}")
frame=${4:-18}
out=$(readlink -f "${5:-$here/docs/images/wireshark-ovms.png}")
system_dir=${OVMS_WS_SYSTEM_PLUGIN_DIR:-/usr/lib/x86_64-linux-gnu/wireshark/plugins/4.0}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/cfg"
cat > "$work/cfg/preferences" <<PREFS
ovms.keys_file: $keys
gui.update.enabled: FALSE
gui.layout_type: 1
PREFS
cat > "$work/cfg/recent_common" <<RECENT
gui.geometry_main_x: 0
gui.geometry_main_y: 0
gui.geometry_main_width: 1400
gui.geometry_main_height: 900
gui.geometry_main_maximized: FALSE
privs.warn_if_elevated: FALSE
RECENT
cat > "$work/cfg/recent" <<RECENT
gui.geometry_main_upper_pane: 150
gui.geometry_main_lower_pane: 430
RECENT
# The clicks: the OVMS row (5th top-level row of the details pane), Shift+Right (Expand Subtrees), then the
# status message's first field, so that the byte pane shows the "Decrypted OVMS" data source.
cat > "$work/session.sh" <<SESSION
#!/bin/sh
export WIRESHARK_CONFIG_DIR="$work/cfg"
wireshark -r "$pcap" -Y ovms -g $frame >"$work/wireshark.log" 2>&1 &
sleep 10
w=\$(xdotool search --name "\$(basename "$pcap")" | head -1)
xdotool windowmove "\$w" 0 0 windowsize "\$w" 1400 900
sleep 2
xdotool mousemove 80 322 click 1
sleep 1
xdotool key shift+Right
sleep 2
xdotool mousemove 120 542 click 1
sleep 2
import -window root "$out"
kill \$! 2>/dev/null || true
SESSION
chmod +x "$work/session.sh"
run="xvfb-run -a -s '-screen 0 1400x900x24' '$work/session.sh'"
if [ "$(id -u)" = 0 ]; then
  unshare -m sh -c "mount --bind '$build/plugins/4.0' '$system_dir' && $run"
else
  WIRESHARK_PLUGIN_DIR="$build/plugins" sh -c "$run"
fi
echo "wrote $out"
