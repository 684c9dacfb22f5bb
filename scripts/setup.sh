#!/usr/bin/env bash
# Installs what the build needs (Debian 12 packages, only those missing), then configures and builds
# everything with Ninja into build/ (incrementally). Safe to run again and again.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build pkg-config
  wireshark-dev libwireshark-dev tshark
  qt6-base-dev libqt6opengl6-dev qt6-charts-dev
  libpcap-dev zlib1g-dev libssl-dev libyaml-cpp-dev libgtest-dev libgmock-dev
  xvfb xauth tcpdump openssl python3 util-linux mount bc
  socat  # bench/proxy_relay.py: the plain TCP relay ovms-proxy is measured against
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  # wireshark-common asks a debconf question: answer it non-interactively.
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

build_type="${OVMS_BUILD_TYPE:-RelWithDebInfo}"
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="$build_type" >/dev/null
fi
# Two cores: two jobs.
cmake --build build -j "${OVMS_JOBS:-2}"
