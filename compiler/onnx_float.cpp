// ONNX import: float operators, which run on the host (the accelerator has no form for them). In QDQ models they
// sit between a DequantizeLinear and a QuantizeLinear: softmax, layer-norm (ReduceMean, Sub, Pow, Sqrt, Div, Mul,
// Add), GELU (Div, Erf, Add, Mul), attention's transposes. Their operands become float IR values: a dequantize
// node for a quantized value, a float constant for an initializer, and for the float result of a quantized
// operator with no QuantizeLinear after it, that operator with an int32 output, then a dequantize. An Add of a
// constant bias to a gemm's float result folds into the gemm instead, so it stays on the accelerator.
#include <algorithm>
#include <numeric>

#include "compiler/onnx_importer.hpp"

namespace systole::compiler::onnx_detail {
namespace {

using Kind = Binding::Kind;

// A [N] or [1, N] constant: the shapes a gemm bias may have.
bool bias_shape(const std::vector<std::int64_t>& s, std::int64_t n) {
  return (s.size() == 1 && s[0] == n) || (s.size() == 2 && s[0] == 1 && s[1] == n);
}

OpKind float_kind(const std::string& op) {
  if (op == "Add") return OpKind::kFloatAdd;
  if (op == "Sub") return OpKind::kFloatSub;
  if (op == "Mul") return OpKind::kFloatMul;
  if (op == "Div") return OpKind::kFloatDiv;
  if (op == "Pow") return OpKind::kFloatPow;
  if (op == "Sqrt") return OpKind::kFloatSqrt;
  if (op == "Erf") return OpKind::kFloatErf;
  if (op == "ReduceMean") return OpKind::kFloatReduceMean;
  if (op == "Softmax") return OpKind::kFloatSoftmax;
  return OpKind::kFloatTranspose;
}

}  // namespace

bool Importer::float_operands() const {
  bool any_float = false;
  for (int i = 0; i < node_->input_size(); ++i) {
    const Binding* b = optional_input(i);
    if (b == nullptr) continue;
    switch (b->kind) {
      case Kind::kQuant:
      case Kind::kQConst:
      case Kind::kRaw: return false;
      case Kind::kFloat:
      case Kind::kPending: any_float = true; break;
      case Kind::kConst: any_float = any_float || is_float_elem(b->constant_elem()); break;
      default: break;
    }
  }
  return any_float;
}

int Importer::float_constant(const std::string& name, const Binding& b) {
  const auto it = float_consts_.find(name);
  if (it != float_consts_.end()) return it->second;
  Value v;
  v.name = name;
  v.dtype = DType::kFloat32;
  v.is_const = true;
  if (b.kind == Kind::kViewConst) {  // DequantizeLinear of a constant: (q - zero point) * scale, in float
    const QConst& c = b.qconst;
    const std::vector<std::int32_t> q = c.data();
    std::int64_t inner = 1, dim = 1;
    if (c.q.per_channel()) {
      dim = c.shape[static_cast<std::size_t>(c.q.axis)];
      for (std::size_t i = static_cast<std::size_t>(c.q.axis) + 1; i < c.shape.size(); ++i) inner *= c.shape[i];
    }
    v.shape = c.shape;
    v.fdata.resize(q.size());
    for (std::size_t i = 0; i < q.size(); ++i) {
      const auto ch = static_cast<std::size_t>((static_cast<std::int64_t>(i) / inner) % dim);
      v.fdata[i] = static_cast<float>(q[i] - c.q.zero_point[ch]) * c.q.scale[ch];
    }
  } else {
    const ConstTensor& c = b.constant();
    v.shape = c.shape;
    v.fdata.resize(static_cast<std::size_t>(c.count()));
    for (std::size_t i = 0; i < v.fdata.size(); ++i) v.fdata[i] = static_cast<float>(c.real(i));
  }
  const int id = g_.add_value(std::move(v));
  float_consts_[name] = id;
  return id;
}

int Importer::dequantized(int value, const std::string& name, const std::string& node) {
  const auto it = dequantized_.find(value);
  if (it != dequantized_.end()) return it->second;
  Value v;
  v.name = name;
  v.dtype = DType::kFloat32;
  v.shape = val(value).shape;
  OpDesc op;
  op.kind = OpKind::kDequantize;
  const int id = emit(node, op, {value}, std::move(v));
  dequantized_[value] = id;
  return id;
}

int Importer::pending_float(const std::shared_ptr<const Pending>& pending, const std::string& name) {
  const auto it = pending_floats_.find(pending.get());
  if (it != pending_floats_.end()) return it->second.second;
  const Pending& p = *pending;
  const OpBuild& b = p.build;
  const OpKind kind = b.op.kind;
  int id = -1;
  if ((kind == OpKind::kConv || kind == OpKind::kGemm || kind == OpKind::kMatMul) &&
      b.mode != OpBuild::Mode::kKeepsInput && b.mode != OpBuild::Mode::kClipOnly) {
    // The int32 accumulator at scale alpha * sa * sw: requantizing to it multiplies by exactly 1. With
    // per-channel weights, at the smallest channel's scale: channel n multiplies by sw[n] / min sw >= 1, so its
    // result rounds to a step no coarser than its own accumulator's (and saturates only beyond the int32 range).
    const Value& a = val(b.inputs.at(0));
    const Value& w = val(b.inputs.at(1));
    const auto alpha = b.op.floats.count("alpha") ? static_cast<float>(b.op.floats.at("alpha").at(0)) : 1.0f;
    const float sw =
        w.channel_scale.empty() ? w.scale : *std::min_element(w.channel_scale.begin(), w.channel_scale.end());
    QParams acc;
    acc.dtype = DType::kInt32;
    acc.scale = {alpha * a.scale * sw};
    acc.zero_point = {0};
    const int q = finish(p, acc, p.float_name + "_acc", p.node);
    id = dequantized(q, name, p.node);
  } else if (kind == OpKind::kAdd && p.clips.empty()) {  // both operands in float, then a float add
    const int x = dequantized(b.inputs.at(0), val(b.inputs[0]).name + "_float", p.node);
    const int y = dequantized(b.inputs.at(1), val(b.inputs[1]).name + "_float", p.node);
    Value v;
    v.name = name;
    v.dtype = DType::kFloat32;
    v.shape = b.shape;
    OpDesc op;
    op.kind = OpKind::kFloatAdd;
    id = emit(p.node, op, {x, y}, std::move(v));
  } else {
    fail("input " + quote(name) + " is the float result of node " + quote(p.node) + " (" + p.op_type +
         ") with no QuantizeLinear in between; quantize it (QDQ) so every operator reads quantized tensors");
  }
  pending_floats_[pending.get()] = {pending, id};
  return id;
}

int Importer::float_operand(int index) {
  const Binding& b = input(index);
  const std::string& name = node_->input(index);
  switch (b.kind) {
    case Kind::kFloat: return b.value;
    case Kind::kView: return dequantized(b.value, name, b.producer);
    case Kind::kViewConst: return float_constant(name, b);
    case Kind::kConst:
      if (!is_float_elem(b.constant_elem()) && node_->op_type() != "Pow") {
        fail("input " + quote(name) + " is an integer constant where a float tensor is expected");
      }
      return float_constant(name, b);
    case Kind::kPending: return pending_float(b.pending, name);
    default: break;
  }
  fail("input " + quote(name) + " is an integer tensor; dequantize it (DequantizeLinear) before the float operator " +
       node_->op_type());
}

void Importer::float_result(OpDesc op, std::vector<int> inputs, std::vector<std::int64_t> shape) {
  Value v;
  v.name = node_->output(0);
  v.dtype = DType::kFloat32;
  v.shape = std::move(shape);
  Binding r;
  r.kind = Kind::kFloat;
  r.value = emit(node_name(), std::move(op), std::move(inputs), std::move(v));
  bind(0, std::move(r));
}

bool Importer::fold_bias() {
  for (int i = 0; i < 2; ++i) {
    const Binding& p = input(i);
    const Binding& c = input(1 - i);
    if (p.kind != Kind::kPending) continue;
    const OpBuild& b = p.pending->build;
    const bool no_bias = b.inputs.size() < 3 || b.inputs[2] < 0;
    if (b.op.kind != OpKind::kGemm || !no_bias || !p.pending->clips.empty()) return false;
    const bool constant = (c.kind == Kind::kConst && is_float_elem(c.constant_elem())) ||
                          (c.kind == Kind::kViewConst && c.qconst.q.dtype == DType::kInt32);
    const std::int64_t n = b.shape.at(1);
    if (!constant || !bias_shape(shape_of(c), n)) return false;
    // The bias in int32 at the gemm's accumulator scale alpha * sa * sw[n], rounded half to even (as ONNX Runtime's
    // quantizer makes it); an int32 DequantizeLinear already at that scale is taken as it is.
    const Value& a = val(b.inputs[0]);
    const Value& w = val(b.inputs[1]);
    QParams wq;
    wq.dtype = w.dtype;
    wq.scale = w.channel_scale.empty() ? std::vector<float>{w.scale} : w.channel_scale;
    wq.zero_point = w.channel_scale.empty() ? std::vector<std::int32_t>{w.zero_point} : w.channel_zero_point;
    const auto alpha = b.op.floats.count("alpha") ? static_cast<float>(b.op.floats.at("alpha").at(0)) : 1.0f;
    auto folded = std::make_shared<Pending>(*p.pending);
    folded->build.inputs.resize(3);
    folded->build.inputs[2] = bias_value(1 - i, static_cast<double>(alpha * a.scale), wq, 1.0, n);
    folded->float_name = node_->output(0);
    Binding r;
    r.kind = Kind::kPending;
    r.pending = std::move(folded);
    bind(0, std::move(r));
    return true;
  }
  return false;
}

void Importer::add_op() {
  if (fold_bias()) return;
  if (float_operands()) {
    float_op();
  } else {
    qdq_op();
  }
}

void Importer::float_op() {
  const std::string& op = node_->op_type();
  OpDesc d;
  d.kind = float_kind(op);
  if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div" || op == "Pow") {
    const int x = float_operand(0), y = float_operand(1);
    float_result(d, {x, y}, broadcast_shape(val(x).shape, val(y).shape));
    return;
  }
  const int x = float_operand(0);
  const std::vector<std::int64_t> xs = val(x).shape;
  const auto rank = static_cast<std::int64_t>(xs.size());
  if (op == "Sqrt" || op == "Erf") {
    float_result(d, {x}, xs);
  } else if (op == "ReduceMean") {
    std::vector<std::int64_t> axes = attr_ints(*node_, "axes", {});
    if (optional_input(1) != nullptr) {  // opset 18: axes as an input
      const ConstTensor& a = const_input(1, "axes");
      for (std::size_t i = 0; i < static_cast<std::size_t>(a.count()); ++i) axes.push_back(a.integer(i));
    }
    if (axes.empty() && attr_int(*node_, "noop_with_empty_axes", 0) != 0) {
      Binding r;
      r.kind = Kind::kFloat;
      r.value = x;
      bind(0, std::move(r));
      return;
    }
    const bool keep = attr_int(*node_, "keepdims", 1) != 0;
    std::vector<bool> reduced(xs.size(), axes.empty());
    for (auto& a : axes) {
      a = normalize_axis(a, rank);
      reduced[static_cast<std::size_t>(a)] = true;
    }
    std::vector<std::int64_t> shape;
    for (std::size_t i = 0; i < xs.size(); ++i) {
      if (!reduced[i]) shape.push_back(xs[i]);
      if (reduced[i] && keep) shape.push_back(1);
    }
    d.ints = {{"axes", axes}, {"keepdims", {keep ? 1 : 0}}};
    float_result(d, {x}, shape);
  } else if (op == "Softmax") {
    const std::int64_t axis = normalize_axis(attr_int(*node_, "axis", opset_ >= 13 ? -1 : 1), rank);
    d.ints = {{"axis", {axis}}};
    if (opset_ >= 13 || axis == rank - 1) {
      float_result(d, {x}, xs);
      return;
    }
    // Before opset 13, Softmax normalizes over all axes from `axis` on: the 2-D [outer, inner] form, one axis.
    const auto split = xs.begin() + static_cast<std::ptrdiff_t>(axis);
    const std::int64_t outer = std::accumulate(xs.begin(), split, std::int64_t{1}, std::multiplies<>());
    const std::int64_t inner = std::accumulate(split, xs.end(), std::int64_t{1}, std::multiplies<>());
    OpDesc reshape;
    reshape.kind = OpKind::kReshape;
    Value flat;
    flat.name = node_->output(0) + "_2d";
    flat.dtype = DType::kFloat32;
    flat.shape = {outer, inner};
    const int f = emit(node_name(), reshape, {x}, flat);
    flat.name = node_->output(0) + "_2d_softmax";
    d.ints = {{"axis", {1}}};
    const int s = emit(node_name(), d, {f}, std::move(flat));
    float_result(reshape, {s}, xs);
  } else {  // Transpose
    const std::vector<std::int64_t> perm = transpose_perm(rank);
    std::vector<std::int64_t> shape;
    for (const auto p : perm) shape.push_back(xs[static_cast<std::size_t>(p)]);
    d.ints = {{"perm", perm}};
    float_result(d, {x}, shape);
  }
}

std::vector<std::int64_t> Importer::transpose_perm(std::int64_t rank) const {
  std::vector<std::int64_t> perm = attr_ints(*node_, "perm", {});
  if (perm.empty()) {  // reverse the axes
    for (std::int64_t i = rank; i-- > 0;) perm.push_back(i);
    return perm;
  }
  std::vector<bool> seen(static_cast<std::size_t>(rank), false);
  bool ok = static_cast<std::int64_t>(perm.size()) == rank;
  for (auto& p : perm) {
    if (p < 0) p += rank;
    ok = ok && p >= 0 && p < rank && !seen[static_cast<std::size_t>(p)];
    if (ok) seen[static_cast<std::size_t>(p)] = true;
  }
  if (!ok) {
    fail("perm " + shape_text(attr_ints(*node_, "perm", {})) + " is not a permutation of the " + std::to_string(rank) +
         " axes of input " + quote(node_->input(0)));
  }
  return perm;
}

void Importer::transpose_quantized() {
  // No integer transpose on the host: the float one between a dequantize and a quantize with the same parameters,
  // which gives back exactly the integers ((q - zp) * s / s rounds to q - zp).
  const int x = input(0).value;
  if (params_unknown_.count(x)) fail("input " + quote(node_->input(0)) + " has no known quantization yet");
  const Value in = val(x);
  const int f = dequantized(x, in.name + "_float", node_name());
  const std::vector<std::int64_t> perm = transpose_perm(static_cast<std::int64_t>(in.shape.size()));
  Value t;
  t.name = node_->output(0) + "_float";
  t.dtype = DType::kFloat32;
  for (const auto p : perm) t.shape.push_back(in.shape[static_cast<std::size_t>(p)]);
  OpDesc op;
  op.kind = OpKind::kFloatTranspose;
  op.ints = {{"perm", perm}};
  Value out = in;
  out.name = node_->output(0);
  out.shape = t.shape;
  const int tf = emit(node_name(), op, {f}, std::move(t));
  OpDesc q;
  q.kind = OpKind::kQuantize;
  Binding r;
  r.kind = Kind::kQuant;
  r.value = emit(node_name(), q, {tf}, std::move(out));
  bind(0, std::move(r));
}

int Importer::rows_of(int value) {
  const auto it = rows_.find(value);
  if (it != rows_.end()) return it->second;
  Value v = val(value);
  const std::int64_t k = v.shape.back();
  v.name += "_rows";
  v.shape = {v.elements() / k, k};
  OpDesc reshape;
  reshape.kind = OpKind::kReshape;
  const int id = emit(node_name(), reshape, {value}, std::move(v));
  rows_[value] = id;
  return id;
}

}  // namespace systole::compiler::onnx_detail
