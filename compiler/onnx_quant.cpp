// ONNX import: quantization parameters and their checks, IR values, weights and biases, and turning an operator
// that waited for its QuantizeLinear into IR nodes (with its fused or separate clip, and a requantize if needed).
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "compiler/onnx_importer.hpp"

namespace systole::compiler::onnx_detail {
namespace {

using Kind = Binding::Kind;
constexpr double kInf = std::numeric_limits<double>::infinity();

// ONNX QuantizeLinear rounding (numpy's round).
double round_half_even(double x) {
  const double r = std::round(x);
  return std::abs(x - std::trunc(x)) == 0.5 ? 2.0 * std::round(x / 2.0) : r;
}

std::int32_t saturate(double v, std::int32_t lo, std::int32_t hi) {
  if (std::isnan(v)) return 0;
  return static_cast<std::int32_t>(std::clamp(v, static_cast<double>(lo), static_cast<double>(hi)));
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

DType dtype_of_elem(int elem, bool& ok) {
  ok = true;
  switch (elem) {
    case onnx::TensorProto::INT8: return DType::kInt8;
    case onnx::TensorProto::UINT8: return DType::kUint8;
    case onnx::TensorProto::INT32: return DType::kInt32;
    case onnx::TensorProto::FLOAT: return DType::kFloat32;
    default: ok = false; return DType::kFloat32;
  }
}

std::int32_t quantize_bound(double v, float scale, std::int32_t zero_point, DType t) {
  if (v == -kInf) return dtype_min(t);
  if (v == kInf) return dtype_max(t);
  const float q = static_cast<float>(v) / scale;  // in float, as QuantizeLinear
  return saturate(round_half_even(static_cast<double>(q)) + zero_point, dtype_min(t), dtype_max(t));
}

QParams Importer::read_qparams(int scale_index, int zp_index, DType data_type, bool data_type_known) const {
  const ConstTensor& s = const_input(scale_index, "scale");
  const std::string& s_name = node_->input(scale_index);
  if (!s.is_float() || s.count() < 1 || s.shape.size() > 1) {
    fail("scale " + quote(s_name) + " must be a float scalar or 1-D float tensor");
  }
  QParams q;
  q.axis = attr_int(*node_, "axis", 1);
  for (std::size_t i = 0; i < s.floats.size(); ++i) {
    const auto v = static_cast<float>(s.floats[i]);
    if (!std::isfinite(v) || !(v > 0.0f)) {
      fail("scale " + quote(s_name) + (s.floats.size() > 1 ? "[" + std::to_string(i) + "]" : "") + " = " + num(v) +
           " must be finite and > 0; fix the quantization parameters");
    }
    q.scale.push_back(v);
  }
  q.dtype = data_type_known ? data_type : DType::kUint8;  // ONNX: no zero point means uint8 and 0
  const Binding* zb = optional_input(zp_index);
  if (zb == nullptr) {
    q.zero_point.assign(q.scale.size(), 0);
    return q;
  }
  const ConstTensor& z = const_input(zp_index, "zero point");
  const std::string& z_name = node_->input(zp_index);
  bool ok = false;
  const DType zt = dtype_of_elem(z.elem, ok);
  if (!ok || zt == DType::kFloat32) {
    fail("zero point " + quote(z_name) + " has type " + onnx::TensorProto::DataType_Name(z.elem) +
         "; it must be int8, uint8 or int32");
  }
  if (data_type_known && zt != data_type) {
    fail("zero point " + quote(z_name) + " is " + std::string(dtype_name(zt)) + " but the data '" +
         node_->input(scale_index - 1) + "' is " + std::string(dtype_name(data_type)) +
         "; a zero point must have the type of its data");
  }
  q.dtype = zt;
  if (z.count() != s.count()) {
    fail("zero point " + quote(z_name) + " has " + std::to_string(z.count()) + " values but scale " + quote(s_name) +
         " has " + std::to_string(s.count()));
  }
  for (std::size_t i = 0; i < z.ints.size(); ++i) {
    if (z.ints[i] < dtype_min(zt) || z.ints[i] > dtype_max(zt)) {
      fail("zero point " + quote(z_name) + " = " + std::to_string(z.ints[i]) + " is outside the " +
           std::string(dtype_name(zt)) + " range");
    }
    if (zt == DType::kInt32 && z.ints[i] != 0) fail("zero point " + quote(z_name) + " of int32 data must be 0");
    q.zero_point.push_back(static_cast<std::int32_t>(z.ints[i]));
  }
  return q;
}

void Importer::check_qparams(QParams& q, const std::vector<std::int64_t>& shape, const std::string& tensor) const {
  if (!q.per_channel()) return;
  const auto rank = static_cast<std::int64_t>(shape.size());
  if (q.axis < -rank || q.axis >= rank) {
    fail("" + quote(tensor) + " is quantized along axis " + std::to_string(q.axis) + " but has rank " +
         std::to_string(rank));
  }
  if (q.axis < 0) q.axis += rank;
  const std::int64_t dim = shape[static_cast<std::size_t>(q.axis)];
  if (dim != static_cast<std::int64_t>(q.scale.size())) {
    fail("" + quote(tensor) + " has " + std::to_string(q.scale.size()) + " per-channel scales but its dimension " +
         std::to_string(q.axis) + " (the quantization axis) is " + std::to_string(dim) +
         "; give one scale per channel");
  }
}

QConst Importer::make_qconst(const Binding& c, const QParams& q, const std::string& name) const {
  bool ok = false;
  const DType t = dtype_of_elem(c.constant_elem(), ok);
  if (!ok || t == DType::kFloat32) fail("" + quote(name) + " must be an int8, uint8 or int32 constant");
  if (t != q.dtype) {
    fail("" + quote(name) + " is " + std::string(dtype_name(t)) + " but its zero point is " +
         std::string(dtype_name(q.dtype)) + "; a zero point must have the type of its data");
  }
  QConst qc;
  qc.name = name;
  qc.shape = c.constant_shape();
  qc.q = q;
  check_qparams(qc.q, qc.shape, name);
  auto check_range = [&](std::int64_t v) {
    if (v < dtype_min(t) || v > dtype_max(t)) {
      fail("" + quote(name) + " holds " + std::to_string(v) + ", outside the " + std::string(dtype_name(t)) + " range");
    }
  };
  const onnx::TensorProto* init = c.initializer;
  if (init != nullptr && init->has_raw_data()) {
    qc.source = init;  // raw int8/uint8/int32 bytes are in range by construction; decoded when an IR value needs them
  } else if (init != nullptr) {
    for (const std::int32_t v : init->int32_data()) check_range(v);
    qc.source = init;
  } else {
    const ConstTensor& ct = c.constant();
    std::vector<std::int32_t> data(ct.ints.size());
    for (std::size_t i = 0; i < ct.ints.size(); ++i) {
      check_range(ct.ints[i]);
      data[i] = static_cast<std::int32_t>(ct.ints[i]);
    }
    qc.values = std::make_shared<const std::vector<std::int32_t>>(std::move(data));
  }
  return qc;
}

void Importer::use_params(int value, const QParams& q, const std::string& tensor) {
  Value& v = g_.values[static_cast<std::size_t>(value)];
  if (q.per_channel()) fail("" + quote(tensor) + " is an activation quantized per channel; only weights may be");
  if (params_unknown_.erase(value) > 0) {
    v.scale = q.scale[0];
    v.zero_point = q.zero_point[0];
    return;
  }
  const float a = v.scale, b = q.scale[0];
  if (v.dtype != q.dtype || v.zero_point != q.zero_point[0] || std::abs(a - b) > 1e-6f * std::max(a, b)) {
    fail("" + quote(tensor) + " is " + std::string(dtype_name(v.dtype)) + " with scale " + num(a) + ", zero point " +
         std::to_string(v.zero_point) + " where it is produced, but this node reads it as " +
         std::string(dtype_name(q.dtype)) + " with scale " + num(b) + ", zero point " +
         std::to_string(q.zero_point[0]) + "; the two must agree");
  }
}

Value act(const std::string& name, const std::vector<std::int64_t>& shape, const QParams& q) {
  Value v;
  v.name = name;
  v.dtype = q.dtype;
  v.shape = shape;
  v.scale = q.scale.at(0);
  v.zero_point = q.zero_point.at(0);
  return v;
}

int Importer::const_value(const QConst& c) {
  Value v;
  v.name = c.name;
  v.dtype = c.q.dtype;
  v.shape = c.shape;
  v.is_const = true;
  if (c.q.per_channel()) {
    v.channel_scale = c.q.scale;
    v.channel_zero_point = c.q.zero_point;
  } else {
    v.scale = c.q.scale.at(0);
    v.zero_point = c.q.zero_point.at(0);
  }
  // A weight shared by several nodes becomes one value: the same parameters and the same integers (the same
  // initializer or import-time data, or equal values).
  const auto it = const_ids_.find(c.name);
  const bool same_params = it != const_ids_.end() && [&] {
    const Value& old = g_.values[static_cast<std::size_t>(it->second)];
    return old.dtype == v.dtype && old.shape == v.shape && old.scale == v.scale && old.zero_point == v.zero_point &&
           old.channel_scale == v.channel_scale && old.channel_zero_point == v.channel_zero_point;
  }();
  if (same_params) {
    const QConst& prev = const_sources_.at(it->second);
    if ((c.source != nullptr && c.source == prev.source) || (c.values && c.values == prev.values)) return it->second;
  }
  v.data = c.data();
  if (same_params && g_.values[static_cast<std::size_t>(it->second)].data == v.data) return it->second;
  const int id = g_.add_value(std::move(v));
  const_ids_[c.name] = id;
  QConst origin;  // where the integers came from, without them
  origin.source = c.source;
  origin.values = c.values;
  const_sources_[id] = std::move(origin);
  return id;
}

int Importer::bias_value(int index, double in_scale, const QParams& wq, double beta, std::int64_t channels) {
  const Binding* b = optional_input(index);
  if (b == nullptr) return -1;
  const std::string& name = node_->input(index);
  const std::vector<std::int64_t> shape = shape_of(*b);
  if (element_count(shape) != channels || shape.size() > 2 || (shape.size() == 2 && shape[0] != 1)) {
    fail("bias " + quote(name) + " has shape " + shape_text(shape) + "; expected [" + std::to_string(channels) + "]");
  }
  Value v;
  v.name = b->kind == Kind::kViewConst ? b->qconst.name : name;
  v.dtype = DType::kInt32;
  v.shape = {channels};
  v.is_const = true;
  const std::vector<std::int32_t> bias_data =
      b->kind == Kind::kViewConst ? b->qconst.data() : std::vector<std::int32_t>{};
  for (std::int64_t m = 0; m < channels; ++m) {
    const auto i = static_cast<std::size_t>(m);
    // The bias scale: sx * sw[m] computed in float, as ONNX Runtime's quantizer does.
    const float target = static_cast<float>(in_scale) * wq.scale[wq.per_channel() ? i : 0];
    if (wq.per_channel()) v.channel_scale.push_back(target);
    v.scale = m == 0 ? target : v.scale;
    if (b->kind == Kind::kConst && b->constant().elem == onnx::TensorProto::INT32) {  // QOperator: already sx*sw
      v.data.push_back(static_cast<std::int32_t>(b->constant().ints[i]));
    } else if (b->kind == Kind::kConst && b->constant().is_float()) {
      const float q = static_cast<float>(beta * b->constant().floats[i]) / target;
      v.data.push_back(saturate(round_half_even(q), dtype_min(DType::kInt32), dtype_max(DType::kInt32)));
    } else if (b->kind == Kind::kViewConst && b->qconst.q.dtype == DType::kInt32) {
      const QParams& bq = b->qconst.q;
      const std::size_t c = bq.per_channel() ? i : 0;
      const double ratio = beta * bq.scale[c] / target;
      const std::int32_t raw = bias_data[i];
      v.data.push_back(std::abs(ratio - 1.0) < 1e-5 && bq.zero_point[c] == 0
                           ? raw
                           : saturate(round_half_even(ratio * (raw - bq.zero_point[c])), dtype_min(DType::kInt32),
                                      dtype_max(DType::kInt32)));
    } else {
      fail("bias " + quote(name) + " must be a float initializer or the DequantizeLinear of an int32 one");
    }
  }
  if (wq.per_channel()) v.channel_zero_point.assign(static_cast<std::size_t>(channels), 0);
  return g_.add_value(std::move(v));
}

int Importer::emit(const std::string& node_name, OpDesc op, std::vector<int> inputs, Value out) {
  const int id = g_.add_value(std::move(out));
  Node n;
  n.name = node_name;
  n.op = std::move(op);
  n.inputs = std::move(inputs);
  n.output = id;
  g_.nodes.push_back(std::move(n));
  return id;
}

int Importer::emit_build(const std::string& node_name, const OpBuild& b, OpDesc op, Value out) {
  if (b.out_shape.empty()) return emit(node_name, std::move(op), b.inputs, std::move(out));
  Value rows = out;
  rows.name += "_rows";
  rows.shape = b.shape;
  const int id = emit(node_name, std::move(op), b.inputs, std::move(rows));
  OpDesc reshape;
  reshape.kind = OpKind::kReshape;
  return emit(node_name, reshape, {id}, std::move(out));
}

std::string Importer::node_name() const {
  return node_->name().empty() ? node_->output(0) : node_->name();
}

int Importer::finish(const Pending& p, const QParams& out, const std::string& out_name, const std::string& q_node) {
  double lo = -kInf, hi = kInf;
  for (const ClipStep& c : p.clips) {
    lo = std::max(lo, c.lo);
    hi = std::min(hi, c.hi);
  }
  const bool clipped = !p.clips.empty();
  const OpBuild& b = p.build;
  auto value = [&](const std::string& name, DType t, float scale, std::int32_t zp) {
    Value v;
    v.name = name;
    v.dtype = t;
    v.shape = b.result_shape();
    v.scale = scale;
    v.zero_point = zp;
    return v;
  };
  auto bounds = [&](DType t, float scale, std::int32_t zp) {
    return std::vector<std::int64_t>{quantize_bound(lo, scale, zp, t), quantize_bound(hi, scale, zp, t)};
  };
  const float sy = out.scale[0];
  const std::int32_t zy = out.zero_point[0];
  OpDesc clip;
  clip.kind = OpKind::kClip;
  if (b.mode == OpBuild::Mode::kFusedClip) {
    OpDesc op = b.op;
    if (clipped) op.ints["clip"] = bounds(out.dtype, sy, zy);
    return emit_build(p.node, b, op, value(out_name, out.dtype, sy, zy));
  }
  if (b.mode == OpBuild::Mode::kOutQuant) {
    int v = emit_build(p.node, b, b.op, value(clipped ? p.float_name : out_name, out.dtype, sy, zy));
    if (clipped) {
      clip.ints["clip"] = bounds(out.dtype, sy, zy);
      v = emit(p.clips.back().node, clip, {v}, value(out_name, out.dtype, sy, zy));
    }
    return v;
  }
  // max_pool and a lone Relu/Clip keep their input's quantization; a different QuantizeLinear adds a requantize.
  const Value x = g_.values[static_cast<std::size_t>(b.inputs.at(0))];
  const bool same = x.dtype == out.dtype && x.zero_point == zy && std::abs(x.scale - sy) <= 1e-6f * sy;
  int v = b.inputs[0];
  if (b.mode == OpBuild::Mode::kKeepsInput) {
    v = emit(p.node, b.op, b.inputs, value(clipped || !same ? p.float_name : out_name, x.dtype, x.scale, x.zero_point));
  }
  if (clipped) {
    clip.ints["clip"] = bounds(x.dtype, x.scale, x.zero_point);
    v = emit(p.clips.back().node, clip, {v},
             value(same ? out_name : p.clips.back().out_name, x.dtype, x.scale, x.zero_point));
  }
  if (!same) {
    OpDesc rq;
    rq.kind = OpKind::kRequantize;
    v = emit(q_node, rq, {v}, value(out_name, out.dtype, sy, zy));
  }
  return v;
}

}  // namespace systole::compiler::onnx_detail
