#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: install what is missing, build (Release), compile the shipped digits
# CNN (quantized ONNX) for the default arch and run it on the 360 held-back digits on the default embedded backend
# (the functional simulator), printing its predictions and accuracy.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/bootstrap.sh
cmake --preset default >/dev/null
cmake --build --preset default
out=build/example
mkdir -p "$out"
./build/tools/systole compile models/digits/digits_cnn_qdq_b8.onnx --arch default -o "$out/digits_cnn.sys" \
  --report "$out/digits_cnn_report.json"
./build/tools/systole run "$out/digits_cnn.sys" --backend functional \
  --input input=models/digits/digits_test_x.npy --labels models/digits/digits_test_y.npy \
  --output-dir "$out" --stats "$out/stats.json"
