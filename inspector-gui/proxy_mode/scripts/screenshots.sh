#!/usr/bin/env bash
# Screenshots of proxy mode with a held status (the simulator's server and car on free loopback ports),
# under Xvfb, into docs/images/inspector-proxy-*.png. Usage: inspector-gui/proxy_mode/scripts/screenshots.sh [BUILD_DIR]
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
export XDG_CONFIG_HOME="$(mktemp -d)"
trap 'rm -rf "$XDG_CONFIG_HOME"' EXIT
xvfb-run -a -s "-screen 0 1600x1000x24" "$build/inspector-gui/proxy_mode/ovms-inspector-proxy-shot" \
  "$build/tools/simulator/ovms-sim" "$root/samples/keys.yaml" "$root/docs/images"
ls "$root"/docs/images/inspector-proxy-*.png
