#!/usr/bin/env bash
# Installs the Debian packages trnsim needs, if any is missing, then configures and builds
# trnsim in Release into build/ (or $TRNSIM_BUILD_DIR). Extra arguments go to cmake;
# $TRNSIM_EXTRA_PACKAGES names packages a caller needs besides (scripts/fuzz.sh: clang).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(g++ cmake pkg-config libsystemc-dev libeigen3-dev libyaml-cpp-dev nlohmann-json3-dev python3-numpy
          python3-matplotlib python3-distributed libcli11-dev libgtest-dev libbenchmark-dev
          ${TRNSIM_EXTRA_PACKAGES:-})
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""
  [[ $(id -u) -eq 0 ]] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

build_dir=${TRNSIM_BUILD_DIR:-build}
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$build_dir" -j "$(nproc)"
