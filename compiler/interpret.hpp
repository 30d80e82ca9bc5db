// The IR interpreter: runs a graph op by op with the host kernels (the reference kernels). It is the oracle for
// compiled programs: a program must give the same bits as this on every shipped model and config.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/ir.hpp"
#include "runtime/host_kernels.hpp"

namespace systole::compiler {

// The OpDesc a host step (or the interpreter) runs for `node`: the node's op plus the weight's per-channel
// quantization as attributes (w_scale, w_zero_point).
OpDesc host_op(const Graph& g, const Node& node);

// A value as the host kernels see it (constants from their data; activations need a run).
runtime::HostValue const_value(const Value& v);

// Checks `inputs` against the graph's inputs (each bound, with its dtype and shape) and stores each at its value id;
// errors start with `who`.
void bind_graph_inputs(const Graph& g, const std::map<std::string, Tensor>& inputs,
                       std::vector<runtime::HostValue>& values, std::string_view who);

// Runs the graph on named inputs; returns every value by id (empty for values not computed).
std::vector<runtime::HostValue> interpret(const Graph& g, const std::map<std::string, Tensor>& inputs);

// The graph's outputs as tensors, by name.
std::map<std::string, Tensor> graph_outputs(const Graph& g, const std::vector<runtime::HostValue>& values);

}  // namespace systole::compiler
