#include "compiler/ir.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace systole::compiler {
namespace {

std::string value_text(const Graph& g, int id) {
  if (id < 0) return "-";
  const Value& v = g.values[static_cast<std::size_t>(id)];
  std::ostringstream s;
  s << "%" << id << ":" << v.name << " " << dtype_name(v.dtype) << shape_text(v.shape);
  if (v.dtype != DType::kFloat32) {
    if (v.channel_scale.empty()) {
      char buf[48];
      std::snprintf(buf, sizeof buf, " s=%.6g zp=%d", static_cast<double>(v.scale), v.zero_point);
      s << buf;
    } else {
      s << " per-channel(" << v.channel_scale.size() << ")";
    }
  }
  if (v.is_const) s << " const";
  return s.str();
}

}  // namespace

std::int64_t Value::elements() const {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

int Graph::add_value(Value v) {
  if (checked_element_count(v.shape, kMaxValueElements) < 0) {
    throw ValueTooLarge("tensor " + quote(v.name) + " of shape " + shape_text(v.shape) + " has more than the " +
                        std::to_string(kMaxValueElements) + " elements a tensor may have");
  }
  values.push_back(std::move(v));
  return static_cast<int>(values.size()) - 1;
}

std::string Graph::dump() const {
  std::ostringstream out;
  out << "inputs:";
  for (int id : inputs) out << " " << value_text(*this, id);
  out << "\n";
  for (const Node& n : nodes) {
    out << value_text(*this, n.output) << " = " << op_name(n.op.kind) << "(";
    for (std::size_t i = 0; i < n.inputs.size(); ++i) out << (i ? ", " : "") << value_text(*this, n.inputs[i]);
    out << ")";
    for (const auto& [k, v] : n.op.ints) {
      out << " " << k << "=";
      for (std::size_t i = 0; i < v.size(); ++i) out << (i ? "," : "") << v[i];
    }
    for (const auto& [k, v] : n.op.floats) {
      out << " " << k << "=";
      for (std::size_t i = 0; i < v.size() && i < 4; ++i) out << (i ? "," : "") << v[i];
      if (v.size() > 4) out << ",...";
    }
    out << "  [" << n.name << "] " << (n.placement == Placement::kAccel ? "accel" : "host");
    if (!n.reason.empty()) out << " (" << n.reason << ")";
    out << "\n";
  }
  out << "outputs:";
  for (int id : outputs) out << " " << value_text(*this, id);
  out << "\n";
  return out.str();
}

}  // namespace systole::compiler
