#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: install what is missing, build (Release), and run the shipped GEMM
# example program on the default embedded backend (the functional simulator), checking its output.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/bootstrap.sh
cmake --preset default >/dev/null
cmake --build --preset default
out=build/example
./build/tools/systole run build/models/gemm.sys --backend functional \
  --input a=models/programs/gemm_a.npy --output-dir "$out" --stats "$out/stats.json"
cmp -s <(tail -c 1024 "$out/y.npy") <(tail -c 1024 models/programs/gemm_y_expected.npy) \
  && echo "result: y matches models/programs/gemm_y_expected.npy bit for bit" \
  || { echo "result: y differs from models/programs/gemm_y_expected.npy" >&2; exit 1; }
