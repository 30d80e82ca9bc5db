// The GPU baseline: runs an imported quantized ONNX graph (compiler::Graph, not a compiled program) on an NVIDIA GPU,
// bit for bit what the functional model and the IR interpreter compute, with the CPU baseline's shape of API
// (perf/baselines/cpu/cpu_baseline.hpp).
//
// Convolutions and gemms run as int8 x int8 -> int32 GEMMs on cuBLASLt (IMMA tensor cores): the convolution's input is
// unfolded (im2col, padded with its zero point) into an int8 matrix, uint8 operands shift by -128, and the exact int32
// accumulator is then corrected for the zero points and requantized by the project's own epilogue kernel, which
// repeats quant::requantize's fp32 steps with explicitly rounded CUDA intrinsics. Grouped and depthwise convolutions,
// pools, adds, clips and (de)quantizations run on the project's own kernels (kernels.cu), each following its reference
// kernel in sim/ref operation for operation. Whatever has no GPU kernel here (the float operators, activation x
// activation products, broadcasting adds, transposed gemm operands) runs on the reference kernels on the host,
// inside the same CUDA graph (a host node between copies). plan() says which engine runs each node and why.
//
// The whole network, from the copy of the inputs to the copy of the outputs, is one CUDA graph, captured at
// construction and replayed by every run. This header includes no CUDA header: plain C++ code (bench.cpp) uses it.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "compiler/ir.hpp"
#include "systole/tensor.hpp"

namespace systole::cuda {

struct Options {
  int batch = 0;   // inferences per run; 0: the model's own batch (perf/baselines/batch.hpp rebatches the graph)
  int device = 0;  // CUDA device ordinal
};

// How the baseline runs each node: "cublaslt", "cuda" (own kernel) or "host" (reference kernel; `reason` says why).
struct NodePlan {
  std::string name;
  std::string engine;
  std::string reason;
};

// The GPU the baseline would use, and whether there is one.
struct DeviceInfo {
  bool available = false;
  std::string why_not;         // when not available: the CUDA error (no driver, no device)
  std::string name;            // "NVIDIA H100 80GB HBM3"
  int compute_capability = 0;  // 90 for sm_90
  double int8_peak_ops = 0;    // dense int8 tensor-core peak in ops/s from the SM count and clock; 0: unknown arch
  std::string versions;        // "cuda runtime 13.0, driver 13.0, cublasLt 130000"
};
DeviceInfo device_info(int device = 0);

// Dense int8 GEMM C[m, n] = A[m, k] B[k, n] (int32 output) on cuBLASLt, timed over `repeat` runs after a warm-up;
// returns the median rate in ops/s (2 m n k per run). Throws UserError without a GPU.
double gemm_int8_ops_per_s(int m, int n, int k, int repeat);

class Baseline {
 public:
  // Prepares every kernel, uploads the weights and captures the CUDA graph; the graph is copied (and rebatched).
  // Throws UserError without a GPU.
  Baseline(const compiler::Graph& graph, const Options& options = {});
  ~Baseline();
  Baseline(const Baseline&) = delete;
  Baseline& operator=(const Baseline&) = delete;

  // Runs the graph on named inputs (the graph inputs' dtypes and shapes at this batch); returns the outputs by name.
  std::map<std::string, Tensor> run(const std::map<std::string, Tensor>& inputs);
  // Replays the CUDA graph on the inputs of the last run() and waits for it: the device time of one run, host
  // conversions left out (for benchmarks).
  void replay();

  const std::vector<NodePlan>& plan() const;
  int batch() const;
  const compiler::Graph& graph() const;  // as run (rebatched)

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace systole::cuda
