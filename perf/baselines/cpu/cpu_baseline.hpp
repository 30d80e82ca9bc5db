// The CPU baseline: runs an imported quantized ONNX graph (compiler::Graph, not a compiled program) on the host CPU,
// bit for bit what the functional model and the IR interpreter compute (docs/cpu-baseline.md).
//
// Each node runs on the first engine that takes it: the baseline's own AVX-512 VNNI kernels (vnni_kernels.hpp:
// convolutions, products, pools, adds, quantization, on int8 bytes kept between them), oneDNN's int8 primitives
// (their exact int32 accumulators corrected for the zero points and requantized by quant::requantize), or the
// reference kernels (runtime::run_host_op), as the interpreter runs them. The same kernels run the host steps of
// accelerator runs: register.cpp makes prepare_host_op the runtime's host-op provider in every program that links
// systole_backends.
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

// The operator on the baseline's own kernels (the VNNI ones where this CPU has them and they take the operator,
// else oneDNN), for one host step of an accelerator run: its host values are converted to bytes and back around the
// kernel. An empty function where neither takes it. The runtime's host-op provider (register.cpp).
runtime::PreparedHostOp prepare_host_op(const OpDesc& op, const std::vector<const runtime::HostValue*>& inputs,
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
