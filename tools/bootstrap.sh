#!/usr/bin/env bash
# Installs the Debian 12 packages Systole builds and tests with. Idempotent: installs only what is missing,
# so a second run is a no-op that prints nothing but its summary line.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git clang-format clang libclang-rt-14-dev libomp-dev
  catch2 libcli11-dev nlohmann-json3-dev libtomlplusplus-dev libeigen3-dev zlib1g-dev
  libonnx-dev libprotobuf-dev protobuf-compiler
  libsystemc-dev verilator yosys libxrt-dev uuid-dev libdnnl-dev
  python3 python3-numpy python3-onnx python3-sklearn
  parallel chromium  # the exploration tests: two sweep shards at once (GNU parallel), the report rendered headless
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# Node.js and npm run ONNX Runtime (onnxruntime-node) as the external reference; any install that provides both
# commands will do (Debian's nodejs + npm otherwise).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  missing+=(nodejs npm)
fi

if ((${#missing[@]})); then
  echo "bootstrap: installing ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=600 update -qq
  "${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}"
fi
echo "bootstrap: all ${#packages[@]} packages present"
