#!/usr/bin/env bash
# The GPU baseline's check on a machine with an NVIDIA GPU (H100 class), in under 10 minutes: builds the GPU targets,
# runs the bit-exactness suite (tests/cuda), then the benchmarks: cuBLASLt's int8 GEMM 4096^3 against the dense int8
# peak, ResNet-50 (models/gen_large.py) at batch 1 and 64 on bench_cuda, and `systole bench --baseline cuda` at both
# batches, whose outputs must equal the CPU baseline's byte for byte. Figures and JSON land in the build folder.
#
#   perf/gpu_check.sh [BUILD_DIR]        (default: build-gpu; CUDA_ARCH=90 by default, JOBS=nproc)
#
# Needs the project's Debian packages (tools/bootstrap.sh) and a CUDA toolkit with cuBLASLt. Exits non-zero on a
# failure, and with 77 where there is no GPU (nothing was checked).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build-gpu}
jobs=${JOBS:-$(nproc)}
arch=${CUDA_ARCH:-90}
start=$SECONDS
step() { printf '\n== %s (%ds)\n' "$1" $((SECONDS - start)); }

step "device"
if ! nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,memory.total --format=csv; then
  echo "gpu_check: no NVIDIA GPU here (nvidia-smi failed): nothing checked" >&2
  exit 77
fi

step "configure and build (sm_$arch, $jobs jobs)"
# Verilator's RTL models are not needed here and take minutes to build: left out of this build folder.
cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES="$arch" \
  -DCMAKE_DISABLE_FIND_PACKAGE_verilator=ON >/dev/null
cmake --build "$build" --target test_cuda bench_cuda systole -j "$jobs"

step "bit-exactness: tests/cuda (random layers, digits models)"
rc=0
timeout 300 "$build/tests/test_cuda" --durations yes || rc=$?
if [ "$rc" -eq 77 ]; then
  echo "gpu_check: test_cuda found no GPU" >&2
  exit 77
elif [ "$rc" -ne 0 ]; then
  echo "gpu_check: test_cuda failed ($rc)" >&2
  exit 1
fi

step "ResNet-50 (models/gen_large.py)"
models=$build/models-large
if [ ! -f "$models/resnet50.onnx" ]; then
  /usr/bin/python3 "$src/models/gen_large.py" "$models" --only resnet50
fi
input=$(/usr/bin/python3 -c "import onnx,sys; print(onnx.load(sys.argv[1]).graph.input[0].name)" "$models/resnet50.onnx")

step "bench_cuda: GEMM 4096^3, ResNet-50 at batch 1 and 64"
timeout 300 "$build/perf/bench_cuda" --gemm 4096 --repeat 20 --batch 1,64 --json "$build/bench_cuda.json" \
  "$models/resnet50.onnx=$models/resnet50_input.npy"

step "systole bench --baseline cuda (batch 1 and 64) against the CPU baseline's outputs"
for batch in 1 64; do
  out=$build/gpu_check/b$batch
  mkdir -p "$out"
  /usr/bin/python3 -c "import numpy as np, sys; np.save(sys.argv[2], np.repeat(np.load(sys.argv[1]), $batch, axis=0))" \
    "$models/resnet50_input.npy" "$out/input.npy"
  args=(--batch "$batch" --input "$input=$out/input.npy")
  timeout 200 "$build/tools/systole" bench "$models/resnet50.onnx" --baseline cuda --repeat 20 "${args[@]}" \
    --output-dir "$out/cuda" --json "$out/cuda.json"
  timeout 200 "$build/tools/systole" bench "$models/resnet50.onnx" --baseline cpu --repeat 1 "${args[@]}" \
    --output-dir "$out/cpu" --json "$out/cpu.json"
  for f in "$out"/cpu/*.npy; do
    cmp "$f" "$out/cuda/$(basename "$f")" || { echo "gpu_check: $f differs between cpu and cuda" >&2; exit 1; }
  done
done
step "done: $build/bench_cuda.json, $build/gpu_check/b*/cuda.json"
