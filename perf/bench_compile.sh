#!/usr/bin/env bash
# Generates the full-size networks (models/gen_large.py, random quantized weights; not committed) if missing and
# prints their compile times for an arch (default: default). Run after a Release build.
#   perf/bench_compile.sh [ARCH]
set -euo pipefail
cd "$(dirname "$0")/.."
arch=${1:-default}
dir=build/models-large
mkdir -p "$dir"
for m in resnet18 resnet50 mobilenetv2 bert_layer; do
  [[ -f $dir/$m.onnx ]] || /usr/bin/python3 models/gen_large.py "$dir" --only "$m" >/dev/null
done
./build/perf/bench_compile --arch "$arch" --json build/bench_compile.json \
  "$dir"/resnet18.onnx "$dir"/resnet50.onnx "$dir"/mobilenetv2.onnx "$dir"/bert_layer.onnx \
  models/digits/digits_cnn_qdq_b8.onnx models/digits/digits_mlp_qop_b8.onnx
