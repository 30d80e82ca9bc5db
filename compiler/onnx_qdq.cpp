// ONNX import, QDQ form: QuantizeLinear/DequantizeLinear, operators on dequantized tensors, Relu/Clip, views.
#include <algorithm>
#include <cmath>

#include "compiler/onnx_importer.hpp"

namespace systole::compiler::onnx_detail {
namespace {

using Kind = Binding::Kind;

}  // namespace

int Importer::view_input(int index) const {
  const Binding& b = input(index);
  if (b.kind == Kind::kView) return b.value;
  const std::string& name = node_->input(index);
  if (b.kind == Kind::kPending) {
    fail("input " + quote(name) + " is the float result of node " + quote(b.pending->node) + " (" + b.pending->op_type +
         ") with no QuantizeLinear in between; quantize it (QDQ) so every operator reads quantized tensors");
  }
  if (b.kind == Kind::kViewConst) fail("input " + quote(name) + " is a constant where an activation is expected");
  fail("computes in float: input '" + name +
       "' is not dequantized from a quantized tensor; quantize the model (QDQ or QOperator) so that every input of " +
       node_->op_type() + " comes from a DequantizeLinear");
}

const QConst& Importer::weight_input(int index) const {
  const Binding& b = input(index);
  if (b.kind == Kind::kViewConst) return b.qconst;
  if (b.kind == Kind::kConst && is_float_elem(b.constant_elem())) {
    fail("computes in float: weight '" + node_->input(index) +
         "' is a float initializer; quantize the weights (DequantizeLinear of an int8 initializer)");
  }
  view_input(index);  // fails with the message that fits
  fail("input " + quote(node_->input(index)) + " must be a constant weight");
}

void Importer::quantize_linear() {
  const Binding& x = input(0);
  const std::string& out_name = node_->output(0);
  QParams q = read_qparams(1, 2, DType::kUint8, false);
  Binding r;
  if (x.kind == Kind::kConst) {  // a float weight quantized in the graph (PyTorch export): fold it
    const ConstTensor& xc = x.constant();
    if (!xc.is_float()) fail("input " + quote(node_->input(0)) + " must be float");
    r.kind = Kind::kQConst;
    r.qconst.name = out_name;
    r.qconst.shape = xc.shape;
    check_qparams(q, r.qconst.shape, node_->input(0));
    std::int64_t inner = 1, dim = 1;
    if (q.per_channel()) {
      dim = xc.shape[static_cast<std::size_t>(q.axis)];
      for (std::size_t i = static_cast<std::size_t>(q.axis) + 1; i < xc.shape.size(); ++i) inner *= xc.shape[i];
    }
    std::vector<std::int32_t> data(xc.floats.size());
    for (std::size_t i = 0; i < xc.floats.size(); ++i) {
      const auto c = static_cast<std::size_t>((static_cast<std::int64_t>(i) / inner) % dim);
      data[i] = quantize_bound(xc.floats[i], q.scale[c], q.zero_point[c], q.dtype);
    }
    r.qconst.values = std::make_shared<const std::vector<std::int32_t>>(std::move(data));
    r.qconst.q = q;
    bind(0, std::move(r));
    return;
  }
  if (q.per_channel()) fail("quantizes an activation per axis; only constant weights may be quantized per channel");
  r.kind = Kind::kQuant;
  if (x.kind == Kind::kFloat) {
    OpDesc op;
    op.kind = OpKind::kQuantize;
    r.value = emit(node_name(), op, {x.value}, act(out_name, g_.values[static_cast<std::size_t>(x.value)].shape, q));
  } else if (x.kind == Kind::kView) {
    const Value& v = g_.values[static_cast<std::size_t>(x.value)];
    if (v.dtype == q.dtype && v.zero_point == q.zero_point[0] && std::abs(v.scale - q.scale[0]) <= 1e-6f * v.scale) {
      r.value = x.value;  // DequantizeLinear then QuantizeLinear with the same parameters: the same tensor
    } else {
      OpDesc op;
      op.kind = OpKind::kRequantize;
      r.value = emit(node_name(), op, {x.value}, act(out_name, v.shape, q));
    }
  } else if (x.kind == Kind::kPending) {
    r.value = finish(*x.pending, q, out_name, node_name());
  } else {
    fail("input " + quote(node_->input(0)) + " is not a float tensor the importer can quantize");
  }
  bind(0, std::move(r));
}

void Importer::dequantize_linear() {
  const Binding& x = input(0);
  const std::string& name = node_->input(0);
  Binding r;
  if (x.kind == Kind::kQuant) {
    const QParams q = read_qparams(1, 2, g_.values[static_cast<std::size_t>(x.value)].dtype, true);
    use_params(x.value, q, name);
    r.kind = Kind::kView;
    r.value = x.value;
  } else if (x.kind == Kind::kConst) {
    bool ok = false;
    const DType t = dtype_of_elem(x.constant_elem(), ok);
    if (!ok || t == DType::kFloat32) fail("input " + quote(name) + " must be an int8, uint8 or int32 tensor");
    r.kind = Kind::kViewConst;
    r.qconst = make_qconst(x, read_qparams(1, 2, t, true), name);
  } else if (x.kind == Kind::kQConst) {
    r.kind = Kind::kViewConst;
    r.qconst = x.qconst;
    r.qconst.q = read_qparams(1, 2, x.qconst.q.dtype, true);
    check_qparams(r.qconst.q, r.qconst.shape, name);
  } else {
    fail("input " + quote(name) + " is not a quantized tensor");
  }
  bind(0, std::move(r));
}

ClipStep Importer::clip_step() const {
  ClipStep c;
  c.node = node_name();
  c.out_name = node_->output(0);
  if (node_->op_type() == "Relu") {
    c.lo = 0.0;
    return c;
  }
  if (has_attr(*node_, "min") || has_attr(*node_, "max")) {  // Clip before opset 11
    c.lo = attr_float(*node_, "min", -std::numeric_limits<float>::infinity());
    c.hi = attr_float(*node_, "max", std::numeric_limits<float>::infinity());
    return c;
  }
  for (int i = 1; i <= 2; ++i) {
    if (optional_input(i) == nullptr) continue;
    const ConstTensor& t = const_input(i, i == 1 ? "min" : "max");
    if (t.count() != 1) fail("Clip bound " + quote(node_->input(i)) + " must be a scalar");
    (i == 1 ? c.lo : c.hi) = t.real(0);
  }
  return c;
}

void Importer::relu_or_clip() {
  const Binding& x = input(0);
  Binding r;
  r.kind = Kind::kPending;
  if (x.kind == Kind::kPending) {  // fused into the operator before, or a clip node after it
    auto p = std::make_shared<Pending>(*x.pending);
    p->clips.push_back(clip_step());
    r.pending = std::move(p);
  } else if (x.kind == Kind::kView) {  // a Relu/Clip on its own
    auto p = std::make_shared<Pending>();
    p->node = node_name();
    p->op_type = node_->op_type();
    p->float_name = node_->output(0);
    p->build.mode = OpBuild::Mode::kClipOnly;
    p->build.inputs = {x.value};
    p->build.shape = g_.values[static_cast<std::size_t>(x.value)].shape;
    p->clips.push_back(clip_step());
    r.pending = std::move(p);
  } else if (x.kind == Kind::kQuant) {  // on a quantized tensor (QOperator): bounds in its own type
    const Value& v = g_.values[static_cast<std::size_t>(x.value)];
    std::int64_t lo = node_->op_type() == "Relu" ? v.zero_point : dtype_min(v.dtype), hi = dtype_max(v.dtype);
    if (node_->op_type() == "Clip") {
      if (optional_input(1) != nullptr) lo = const_input(1, "min").integer(0);
      if (optional_input(2) != nullptr) hi = const_input(2, "max").integer(0);
    }
    OpDesc op;
    op.kind = OpKind::kClip;
    op.ints["clip"] = {lo, hi};
    Value out = v;
    out.name = node_->output(0);
    r.kind = Kind::kQuant;
    r.value = emit(node_name(), op, {x.value}, std::move(out));
  } else {
    view_input(0);
  }
  bind(0, std::move(r));
}

void Importer::view_op() {
  const Binding& x = input(0);
  const std::string& op = node_->op_type();
  if (op == "Identity") {
    bind(0, x);
    return;
  }
  const std::vector<std::int64_t> in = shape_of(x);
  std::vector<std::int64_t> shape;
  std::vector<std::int64_t> axes = attr_ints(*node_, "axes", {});
  if ((op == "Squeeze" || op == "Unsqueeze") && optional_input(1) != nullptr) {
    const ConstTensor& a = const_input(1, "axes");
    for (std::size_t i = 0; i < a.ints.size(); ++i) axes.push_back(a.integer(i));
  }
  if (op == "Reshape") {
    shape = reshape_target(in, const_input(1, "shape"), attr_int(*node_, "allowzero", 0) != 0);
  } else if (op == "Flatten") {
    shape = flatten_shape(in, attr_int(*node_, "axis", 1));
  } else if (op == "Squeeze") {
    shape = squeeze_shape(in, axes);
  } else {
    shape = unsqueeze_shape(in, axes);
  }
  Binding r;
  if (x.kind == Kind::kView || x.kind == Kind::kQuant || x.kind == Kind::kFloat) {
    Value out = g_.values[static_cast<std::size_t>(x.value)];
    if (x.kind == Kind::kQuant && params_unknown_.count(x.value)) {
      fail("input " + quote(node_->input(0)) + " has no known quantization yet; no operator before states it");
    }
    out.name = node_->output(0);
    out.shape = shape;
    OpDesc reshape;
    reshape.kind = OpKind::kReshape;
    r.kind = x.kind;
    r.value = emit(node_name(), reshape, {x.value}, std::move(out));
  } else if ((x.kind == Kind::kQConst || x.kind == Kind::kViewConst) && !x.qconst.q.per_channel()) {
    r = x;
    r.qconst.shape = shape;
  } else {
    view_input(0);
  }
  bind(0, std::move(r));
}

void Importer::cast_or_mul() {
  const std::string& op = node_->op_type();
  const Binding& x = input(0);
  Binding r;
  if (op == "Cast") {
    if (attr_int(*node_, "to", 0) != onnx::TensorProto::FLOAT) unsupported();
    if (x.kind == Kind::kQuant && g_.values[static_cast<std::size_t>(x.value)].dtype == DType::kInt32) {
      r.kind = Kind::kRaw;  // the integer accumulator as float: the Mul by its scale that follows dequantizes it
      r.value = x.value;
    } else if (x.kind == Kind::kView || x.kind == Kind::kFloat) {
      r = x;
    } else {
      unsupported();
    }
    bind(0, std::move(r));
    return;
  }
  const Binding& y = input(1);
  const Binding* raw = x.kind == Kind::kRaw ? &x : y.kind == Kind::kRaw ? &y : nullptr;
  const Binding* c = raw == &x ? &y : &x;
  auto floating = [](const Binding& b) {  // a float operand: dequantized, float, or a float constant
    return b.kind == Kind::kView || b.kind == Kind::kViewConst || b.kind == Kind::kFloat || b.kind == Kind::kPending ||
           (b.kind == Kind::kConst && is_float_elem(b.constant_elem()));
  };
  if (raw == nullptr && floating(x) && floating(y) && (x.kind != Kind::kConst || y.kind != Kind::kConst)) {
    float_op();  // a float Mul on the host (layer-norm's gamma, GELU)
    return;
  }
  if (raw == nullptr || c->kind != Kind::kConst || !c->constant().is_float() || c->constant().count() != 1) {
    unsupported();
  }
  const Value& v = g_.values[static_cast<std::size_t>(raw->value)];
  const auto s = static_cast<float>(c->constant().floats[0]);
  if (!(std::abs(s - v.scale) <= 1e-6f * v.scale)) {
    fail("multiplies the int32 accumulator " + quote(v.name) + " by " + std::to_string(s) +
         ", not by its scale; only a Mul by the product of the input and weight scales is supported");
  }
  r.kind = Kind::kView;
  r.value = raw->value;
  bind(0, std::move(r));
}

}  // namespace systole::compiler::onnx_detail
