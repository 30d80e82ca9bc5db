// The CPU baseline: runs an imported quantized ONNX graph (compiler::Graph, not a compiled program) on the host CPU,
// bit for bit what the functional model and the IR interpreter compute.
//
// Convolutions, matmuls and gemms run on oneDNN's int8 primitives (u8/s8 x s8 -> s32, VNNI on AVX-512 machines);
// their exact int32 accumulators are then corrected for the zero points and requantized by quant::requantize, the one
// requantization every level uses. Everything else, and the forms oneDNN cannot express exactly (a weight zero point
// on a convolution, activation x activation products), runs on the reference kernels (runtime::run_host_op), as the
// interpreter does. The same kernels run the host steps of accelerator runs: register.cpp makes prepare_onednn the
// runtime's host-op provider in every program that links systole_backends.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "compiler/ir.hpp"
#include "runtime/host_kernels.hpp"
#include "systole/tensor.hpp"

namespace systole::cpu {

struct Options {
  int threads = 0;  // OpenMP threads oneDNN uses; 0: every core
};

// How the baseline runs each node: "onednn" or "reference" (with the reason), for reports and tests.
struct NodePlan {
  std::string name;
  std::string engine;
  std::string reason;
};

// Why oneDNN cannot run this operator exactly, or "" when it can (runtime::HostOpProvider's arguments).
std::string onednn_refusal(const OpDesc& op, const std::vector<const runtime::HostValue*>& inputs,
                           const std::vector<bool>& constant, const runtime::OutDesc& out);

// The operator on oneDNN, prepared from its inputs' shapes and quantization and its constant weights; an empty
// function where onednn_refusal gives a reason. A runtime::HostOpProvider.
runtime::PreparedHostOp prepare_onednn(const OpDesc& op, const std::vector<const runtime::HostValue*>& inputs,
                                       const std::vector<bool>& constant, const runtime::OutDesc& out);

class Baseline {
 public:
  // Prepares every primitive (weights reordered once); the graph is copied.
  Baseline(const compiler::Graph& graph, const Options& options = {});
  ~Baseline();
  Baseline(const Baseline&) = delete;
  Baseline& operator=(const Baseline&) = delete;

  // Runs the graph on named inputs (the graph inputs' dtypes and shapes); returns the outputs by name.
  std::map<std::string, Tensor> run(const std::map<std::string, Tensor>& inputs);

  const std::vector<NodePlan>& plan() const;
  int threads() const;
  // Seconds each node took in the last run (plan()'s order).
  const std::vector<double>& node_seconds() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace systole::cpu
