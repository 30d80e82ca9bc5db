// ONNX import, QOperator form: QLinearConv, QLinearMatMul, QGemm, QLinearAdd, QLinear(Global)AveragePool, and
// MatMulInteger/ConvInteger (int32 accumulator outputs).
#include <optional>

#include "compiler/onnx_importer.hpp"

namespace systole::compiler::onnx_detail {
namespace {

using Kind = Binding::Kind;

}  // namespace

DType Importer::operand_type(int index) const {
  const Binding& b = input(index);
  if (b.kind == Kind::kQuant) return val(b.value).dtype;
  bool ok = false;
  const DType t = b.kind == Kind::kConst ? dtype_of_elem(b.constant_elem(), ok) : DType::kFloat32;
  if (!ok || t == DType::kFloat32) {
    fail("input " + quote(node_->input(index)) + " must be an int8 or uint8 tensor (quantized activation or weight)");
  }
  return t;
}

int Importer::quant_operand(int index, const QParams& q) {
  const Binding& b = input(index);
  if (b.kind == Kind::kQuant) {
    use_params(b.value, q, node_->input(index));
    return b.value;
  }
  if (q.per_channel()) fail("operand " + quote(node_->input(index)) + " is quantized per channel; expected per tensor");
  return const_value(make_qconst(b, q, node_->input(index)));
}

void Importer::qlinear_op() {
  const std::string& op = node_->op_type();
  Binding r;
  r.kind = Kind::kQuant;
  OpBuild b;
  QParams y;
  if (op == "QLinearConv") {
    const int x = quant_operand(0, read_qparams(1, 2, operand_type(0), true));
    QParams wq = read_qparams(4, 5, operand_type(3), true);
    wq.axis = 0;
    const QConst w = make_qconst(const_binding(3, "weight"), wq, node_->input(3));
    y = read_qparams(6, 7, DType::kUint8, false);
    b = conv_build(x, w, 8);
  } else if (op == "QLinearMatMul") {
    const int a = quant_operand(0, read_qparams(1, 2, operand_type(0), true));
    QParams bq = read_qparams(4, 5, operand_type(3), true);
    y = read_qparams(6, 7, DType::kUint8, false);
    if (input(3).kind == Kind::kConst) {
      bq.axis = static_cast<std::int64_t>(input(3).constant_shape().size()) - 1;  // per column
      b = gemm_build(a, make_qconst(input(3), bq, node_->input(3)), -1, true);
    } else {
      const int bv = quant_operand(3, bq);
      b.op.kind = OpKind::kMatMul;
      b.inputs = {a, bv};
      b.shape = matmul_shape(val(a).shape, val(bv).shape);
    }
  } else if (op == "QGemm") {
    if (optional_input(7) == nullptr) {
      fail(
          "has no y_scale, so its output is float; only QGemm with a quantized output (y_scale, y_zero_point) is "
          "supported");
    }
    const int a = quant_operand(0, read_qparams(1, 2, operand_type(0), true));
    QParams bq = read_qparams(4, 5, operand_type(3), true);
    bq.axis = attr_int(*node_, "transB", 0) != 0 ? 0 : 1;
    const QConst w = make_qconst(const_binding(3, "B"), bq, node_->input(3));
    y = read_qparams(7, 8, DType::kUint8, false);
    b = gemm_build(a, w, 6, false);
  } else if (op == "QLinearAdd") {
    const int a = quant_operand(0, read_qparams(1, 2, operand_type(0), true));
    const int c = quant_operand(3, read_qparams(4, 5, operand_type(3), true));
    y = read_qparams(6, 7, DType::kUint8, false);
    b.op.kind = OpKind::kAdd;
    b.inputs = {a, c};
    b.shape = broadcast_shape(val(a).shape, val(c).shape);
  } else {  // QLinearAveragePool, QLinearGlobalAveragePool
    if (attr_int(*node_, "channels_last", 0) != 0) {
      fail("channels_last = 1 is not supported; quantize with NCHW pooling (channels_last = 0)");
    }
    const int x = quant_operand(0, read_qparams(1, 2, operand_type(0), true));
    y = read_qparams(3, 4, DType::kUint8, false);
    b = pool_build(x, op == "QLinearAveragePool" ? OpKind::kAveragePool : OpKind::kGlobalAveragePool);
  }
  if (y.per_channel()) fail("has a per-channel output scale; outputs are quantized per tensor");
  r.value = emit_build(node_name(), b, b.op, act(node_->output(0), b.result_shape(), y));
  bind(0, std::move(r));
}

std::optional<float> Importer::scalar_constant(const std::string& name) const {
  const auto it = env_.find(name);
  if (it != env_.end()) {
    if (it->second.kind != Kind::kConst || element_count(it->second.constant_shape()) != 1) return std::nullopt;
    const ConstTensor& c = it->second.constant();
    if (!c.is_float() || c.count() != 1) return std::nullopt;
    return static_cast<float>(c.floats[0]);
  }
  for (const auto& n : model_.graph().node()) {  // a Constant node after the current one
    if (n.op_type() == "Constant" && n.output_size() == 1 && n.output(0) == name) {
      const ConstTensor c = constant_value(n);
      if (c.is_float() && c.count() == 1) return static_cast<float>(c.floats[0]);
    }
  }
  return std::nullopt;
}

// The scale the consumers of an int32 accumulator give it: DequantizeLinear(acc, s) or Mul(Cast(acc), s).
std::optional<float> Importer::accumulator_scale(const std::string& name) const {
  std::optional<float> scale;
  const auto it = consumers_.find(name);
  if (it == consumers_.end()) return std::nullopt;
  for (const onnx::NodeProto* c : it->second) {
    std::optional<float> s;
    if (c->op_type() == "DequantizeLinear" && c->input_size() > 1) s = scalar_constant(c->input(1));
    if (c->op_type() == "Cast" && c->output_size() == 1 && consumers_.count(c->output(0))) {
      for (const onnx::NodeProto* m : consumers_.at(c->output(0))) {
        if (m->op_type() != "Mul" || m->input_size() != 2) return std::nullopt;
        const auto here = scalar_constant(m->input(m->input(0) == c->output(0) ? 1 : 0));
        if (!here || (s && *s != *here)) return std::nullopt;
        s = here;
      }
    }
    if (!s || (scale && *scale != *s)) return std::nullopt;
    scale = s;
  }
  return scale;
}

void Importer::integer_op() {
  const bool conv = node_->op_type() == "ConvInteger";
  const Binding& a = input(0);
  if (a.kind != Kind::kQuant) {
    fail("input " + quote(node_->input(0)) + " must be a quantized tensor with static parameters (QuantizeLinear); " +
         "dynamic quantization (DynamicQuantizeLinear) is not supported");
  }
  // The zero points come from the node; the scales do not exist here. The input keeps its scale (1 if nothing
  // states one), and the weight gets the scale that makes the int32 result's scale the one its consumer applies.
  QParams aq;
  aq.dtype = operand_type(0);
  aq.scale = {params_unknown_.count(a.value) ? 1.0f : val(a.value).scale};
  aq.zero_point = {0};
  if (optional_input(2) != nullptr) {
    const ConstTensor& z = const_input(2, "zero point");
    if (z.count() != 1) fail("zero point " + quote(node_->input(2)) + " must be a scalar (per-tensor input)");
    aq.zero_point = {static_cast<std::int32_t>(z.integer(0))};
  }
  use_params(a.value, aq, node_->input(0));
  const float sa = aq.scale[0];
  const float out_scale = accumulator_scale(node_->output(0)).value_or(sa);
  QParams wq;
  wq.dtype = operand_type(1);
  wq.zero_point = {0};
  if (optional_input(3) != nullptr) {
    const ConstTensor& z = const_input(3, "zero point");
    wq.zero_point.clear();
    for (std::size_t i = 0; i < static_cast<std::size_t>(z.count()); ++i) {
      wq.zero_point.push_back(static_cast<std::int32_t>(z.integer(i)));
    }
  }
  for (const std::int32_t z : wq.zero_point) {
    if (z < dtype_min(wq.dtype) || z > dtype_max(wq.dtype)) fail("a weight zero point is outside its type");
  }
  wq.scale.assign(wq.zero_point.size(), out_scale / sa);
  wq.axis = conv ? 0 : 1;
  const QConst w = make_qconst(const_binding(1, "weight"), wq, node_->input(1));
  const OpBuild b = conv ? conv_build(a.value, w, -1) : gemm_build(a.value, w, -1, true);
  QParams y;
  y.dtype = DType::kInt32;
  y.scale = {out_scale};
  y.zero_point = {0};
  Binding r;
  r.kind = Kind::kQuant;
  r.value = emit_build(node_name(), b, b.op, act(node_->output(0), b.result_shape(), y));
  bind(0, std::move(r));
}

}  // namespace systole::compiler::onnx_detail
