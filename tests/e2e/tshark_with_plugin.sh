#!/bin/sh
# Runs tshark with the OVMS plugin from a build tree: tshark_with_plugin.sh BUILD_DIR [tshark arguments...]
#
# As root, tshark ignores WIRESHARK_PLUGIN_DIR and the personal plugin folder. Then this script runs it in
# a private mount namespace where Wireshark's system plugin folder is BUILD_DIR/plugins/<version>; as a
# normal user it sets WIRESHARK_PLUGIN_DIR. Set WIRESHARK_CONFIG_DIR to isolate preferences and UAT files.
#   OVMS_WS_SYSTEM_PLUGIN_DIR  Wireshark's versioned system plugin folder
#                              (default /usr/lib/x86_64-linux-gnu/wireshark/plugins/4.0)
#   TSHARK                     the tshark binary (default: tshark on PATH)
set -eu
if [ $# -lt 1 ]; then
  echo "usage: $0 BUILD_DIR [tshark arguments...]" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
shift
system_dir=${OVMS_WS_SYSTEM_PLUGIN_DIR:-/usr/lib/x86_64-linux-gnu/wireshark/plugins/4.0}
version=$(basename "$system_dir")
ours="$build/plugins/$version"
tshark=${TSHARK:-tshark}
if [ ! -f "$ours/epan/ovms.so" ]; then
  echo "$0: $ours/epan/ovms.so does not exist (build the ovms_plugin target)" >&2
  exit 2
fi
if [ "$(id -u)" = 0 ]; then
  # $0 inside sh -c is the first argument after the script: the plugin folder; then the system folder.
  exec unshare -m sh -c 'mount --bind "$0" "$1" && shift && exec "$@"' "$ours" "$system_dir" "$tshark" "$@"
fi
WIRESHARK_PLUGIN_DIR="$build/plugins" exec "$tshark" "$@"
