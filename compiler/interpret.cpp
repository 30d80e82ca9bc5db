#include "compiler/interpret.hpp"

#include <cstring>

#include "systole/error.hpp"

namespace systole::compiler {

OpDesc host_op(const Graph& g, const Node& node) {
  OpDesc op = node.op;
  if (node.inputs.size() > 1 && node.inputs[1] >= 0) {
    const Value& w = g.values[static_cast<std::size_t>(node.inputs[1])];
    if (!w.channel_scale.empty()) {
      op.floats["w_scale"].assign(w.channel_scale.begin(), w.channel_scale.end());
      op.ints["w_zero_point"].assign(w.channel_zero_point.begin(), w.channel_zero_point.end());
    }
  }
  return op;
}

runtime::HostValue const_value(const Value& v) {
  runtime::HostValue h;
  h.dtype = v.dtype;
  h.shape = v.shape;
  h.ints = v.data;
  h.floats = v.fdata;
  h.scale = v.channel_scale.empty() ? v.scale : v.channel_scale[0];
  h.zero_point = v.channel_scale.empty() ? v.zero_point : v.channel_zero_point[0];
  return h;
}

void bind_graph_inputs(const Graph& g, const std::map<std::string, Tensor>& inputs,
                       std::vector<runtime::HostValue>& values, std::string_view who) {
  for (int id : g.inputs) {
    const Value& v = g.values[static_cast<std::size_t>(id)];
    const auto it = inputs.find(v.name);
    if (it == inputs.end()) throw UserError(std::string(who) + ": input " + quote(v.name) + " is not bound");
    const Tensor& t = it->second;
    if (t.dtype != v.dtype || t.shape != v.shape) {
      throw UserError(std::string(who) + ": input " + quote(v.name) + " is " + std::string(dtype_name(t.dtype)) + " " +
                      t.shape_text() + ", expected " + std::string(dtype_name(v.dtype)) + " " + shape_text(v.shape));
    }
    values[static_cast<std::size_t>(id)] = runtime::host_value(t, v.scale, v.zero_point);
  }
}

std::vector<runtime::HostValue> interpret(const Graph& g, const std::map<std::string, Tensor>& inputs) {
  std::vector<runtime::HostValue> values(g.values.size());
  for (std::size_t i = 0; i < g.values.size(); ++i) {
    if (g.values[i].is_const) values[i] = const_value(g.values[i]);
  }
  bind_graph_inputs(g, inputs, values, "interpret");
  for (const Node& n : g.nodes) {
    std::vector<const runtime::HostValue*> in;
    for (int id : n.inputs) in.push_back(id < 0 ? nullptr : &values[static_cast<std::size_t>(id)]);
    const Value& out = g.values[static_cast<std::size_t>(n.output)];
    values[static_cast<std::size_t>(n.output)] =
        runtime::run_host_op(host_op(g, n), in, {out.dtype, out.scale, out.zero_point, out.shape});
  }
  return values;
}

std::map<std::string, Tensor> graph_outputs(const Graph& g, const std::vector<runtime::HostValue>& values) {
  std::map<std::string, Tensor> out;
  for (int id : g.outputs) {
    const Value& v = g.values[static_cast<std::size_t>(id)];
    out.emplace(v.name, runtime::tensor_of(values[static_cast<std::size_t>(id)]));
  }
  return out;
}

}  // namespace systole::compiler
