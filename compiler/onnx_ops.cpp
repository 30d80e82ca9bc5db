// ONNX import: the attributes and shapes of conv, gemm/matmul and the pools (shared by the QDQ and QOperator
// forms), and the operators of the QDQ form, which wait for their QuantizeLinear.
#include <algorithm>

#include "compiler/onnx_importer.hpp"

namespace systole::compiler::onnx_detail {
namespace {

using Kind = Binding::Kind;

std::vector<std::int64_t> pair_attr(const onnx::NodeProto& n, const char* name, std::int64_t fallback,
                                    std::int64_t min) {
  const auto v = attr_ints(n, name, {fallback, fallback});
  if (v.size() != 2) throw ImportFailure(std::string(name) + " needs 2 values (2-D operators only)");
  for (const auto x : v) {
    if (x < min) throw ImportFailure(std::string(name) + " has the value " + std::to_string(x));
  }
  return v;
}

// pads {top, left, bottom, right} with auto_pad resolved.
std::vector<std::int64_t> resolve_pads(const onnx::NodeProto& n, const std::vector<std::int64_t>& x,
                                       const std::vector<std::int64_t>& kernel,
                                       const std::vector<std::int64_t>& strides,
                                       const std::vector<std::int64_t>& dilations) {
  const std::string mode = attr_string(n, "auto_pad", "NOTSET");
  if (mode == "NOTSET" || mode.empty()) {
    const auto pads = attr_ints(n, "pads", {0, 0, 0, 0});
    if (pads.size() != 4) throw ImportFailure("pads needs 4 values (2-D operators only)");
    for (const auto p : pads) {
      if (p < 0) throw ImportFailure("pads has the negative value " + std::to_string(p));
    }
    return pads;
  }
  if (mode == "VALID") return {0, 0, 0, 0};
  if (mode != "SAME_UPPER" && mode != "SAME_LOWER") {
    throw ImportFailure("auto_pad " + quote(mode) + " is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID");
  }
  std::vector<std::int64_t> pads(4);
  for (std::size_t i = 0; i < 2; ++i) {
    const std::int64_t in = x[2 + i], out = (in + strides[i] - 1) / strides[i];
    const std::int64_t total =
        std::max<std::int64_t>(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - in);
    const std::int64_t small = total / 2, big = total - small;  // SAME_UPPER puts the odd one at the end
    pads[i] = mode == "SAME_UPPER" ? small : big;
    pads[i + 2] = mode == "SAME_UPPER" ? big : small;
  }
  return pads;
}

// Output extent of a window axis; ceil_mode drops a last window that would start in the end padding (as ORT).
std::int64_t extent(std::int64_t in, std::int64_t k, std::int64_t s, std::int64_t d, std::int64_t pb, std::int64_t pe,
                    bool ceil_mode) {
  const std::int64_t span = in + pb + pe - ((k - 1) * d + 1);
  if (span < 0) {
    throw ImportFailure("the window (" + std::to_string((k - 1) * d + 1) + ") is larger than the padded input (" +
                        std::to_string(in + pb + pe) + ")");
  }
  std::int64_t out = (ceil_mode ? span + s - 1 : span) / s + 1;
  if (ceil_mode && (out - 1) * s >= in + pb) --out;
  return out;
}

}  // namespace

std::vector<std::int64_t> matmul_shape(const std::vector<std::int64_t>& a, const std::vector<std::int64_t>& b) {
  if (a.size() < 2 || b.size() < 2) {
    throw ImportFailure("MatMul operands " + shape_text(a) + " and " + shape_text(b) +
                        " must have rank >= 2 (1-D operands are not supported)");
  }
  if (a.back() != b[b.size() - 2]) {
    throw ImportFailure("MatMul operands " + shape_text(a) + " and " + shape_text(b) + " differ in K");
  }
  auto out = broadcast_shape({a.begin(), a.end() - 2}, {b.begin(), b.end() - 2});
  out.push_back(a[a.size() - 2]);
  out.push_back(b.back());
  return out;
}

OpBuild Importer::conv_build(int x, const QConst& w, int bias_index) {
  const std::vector<std::int64_t> xs = val(x).shape;
  const float sx = val(x).scale;
  if (xs.size() != 4 || w.shape.size() != 4) {
    fail("only 2-D convolutions are supported (4-D NCHW input and weight); input " + quote(node_->input(0)) +
         " has shape " + shape_text(xs) + " and weight " + quote(w.name) + " " + shape_text(w.shape));
  }
  if (w.q.per_channel() && w.q.axis != 0) {
    fail("weight " + quote(w.name) + " is quantized per channel along axis " + std::to_string(w.q.axis) +
         "; conv weights need axis 0 (output channels)");
  }
  const std::vector<std::int64_t> kernel{w.shape[2], w.shape[3]};
  if (attr_ints(*node_, "kernel_shape", kernel) != kernel) fail("kernel_shape differs from the weight's shape");
  OpBuild b;
  const auto strides = pair_attr(*node_, "strides", 1, 1), dilations = pair_attr(*node_, "dilations", 1, 1);
  const auto pads = resolve_pads(*node_, xs, kernel, strides, dilations);
  const std::int64_t group = attr_int(*node_, "group", 1), channels = xs[1], m = w.shape[0];
  if (group < 1 || channels % group != 0 || m % group != 0 || w.shape[1] * group != channels) {
    fail("group = " + std::to_string(group) + " does not fit input channels " + std::to_string(channels) +
         " and weight shape " + shape_text(w.shape));
  }
  b.shape = {xs[0], m, extent(xs[2], kernel[0], strides[0], dilations[0], pads[0], pads[2], false),
             extent(xs[3], kernel[1], strides[1], dilations[1], pads[1], pads[3], false)};
  b.op.kind = OpKind::kConv;
  b.op.ints = {{"strides", strides}, {"pads", pads}, {"dilations", dilations}, {"group", {group}}};
  const int wid = const_value(w);
  b.inputs = {x, wid, bias_value(bias_index, sx, w.q, 1.0, m)};
  b.mode = OpBuild::Mode::kFusedClip;
  return b;
}

OpBuild Importer::gemm_build(int a, const QConst& w, int bias_index, bool matmul) {
  std::vector<std::int64_t> as = val(a).shape;
  const float sa = val(a).scale;
  if (w.shape.size() != 2) fail("weight " + quote(w.name) + " has shape " + shape_text(w.shape) + "; expected 2-D");
  const bool trans_a = !matmul && attr_int(*node_, "transA", 0) != 0;
  const bool trans_b = !matmul && attr_int(*node_, "transB", 0) != 0;
  const float alpha = matmul ? 1.0f : attr_float(*node_, "alpha", 1.0f);
  const float beta = matmul ? 1.0f : attr_float(*node_, "beta", 1.0f);
  if (!(alpha > 0.0f)) fail("alpha = " + std::to_string(alpha) + " is not supported (alpha must be > 0)");
  const std::int64_t n_axis = trans_b ? 0 : 1;
  if (w.q.per_channel() && w.q.axis != n_axis) {
    fail("weight " + quote(w.name) + " is quantized per channel along axis " + std::to_string(w.q.axis) +
         "; it must be the output-column axis " + std::to_string(n_axis));
  }
  OpBuild b;
  if (matmul && as.size() > 2) {  // batched activation times a constant matrix: a gemm on its rows
    b.out_shape = matmul_shape(as, w.shape);
    a = rows_of(a);
    as = val(a).shape;
  }
  if (as.size() != 2) fail("input " + quote(node_->input(0)) + " has shape " + shape_text(as) + "; expected 2-D");
  const std::int64_t k = trans_a ? as[0] : as[1], kb = trans_b ? w.shape[1] : w.shape[0];
  const std::int64_t n = w.shape[static_cast<std::size_t>(n_axis)];
  if (k != kb) fail("shapes " + shape_text(as) + " and " + shape_text(w.shape) + " differ in K");
  const int wid = const_value(w);
  b.op.kind = OpKind::kGemm;
  b.op.ints = {{"trans_a", {trans_a ? 1 : 0}}, {"trans_b", {trans_b ? 1 : 0}}};
  if (alpha != 1.0f) b.op.floats["alpha"] = {static_cast<double>(alpha)};
  b.shape = {trans_a ? as[1] : as[0], n};
  b.inputs = {a, wid, bias_value(bias_index, static_cast<double>(alpha * sa), w.q, beta, n)};
  b.mode = OpBuild::Mode::kFusedClip;
  return b;
}

OpBuild Importer::pool_build(int x, OpKind kind) {
  const std::vector<std::int64_t> xs = val(x).shape;
  OpBuild b;
  b.op.kind = kind;
  b.inputs = {x};
  if (kind == OpKind::kGlobalAveragePool) {
    if (xs.size() < 3) fail("input " + quote(node_->input(0)) + " has shape " + shape_text(xs) + "; expected NCHW");
    b.shape = xs;
    std::fill(b.shape.begin() + 2, b.shape.end(), 1);
    return b;
  }
  if (xs.size() != 4) {
    fail("only 2-D pooling is supported (4-D NCHW input); input " + quote(node_->input(0)) + " has shape " +
         shape_text(xs));
  }
  if (node_->output_size() > 1 && !node_->output(1).empty()) fail("the Indices output is not supported");
  const auto kernel = attr_ints(*node_, "kernel_shape", {});
  if (kernel.size() != 2 || kernel[0] < 1 || kernel[1] < 1) fail("kernel_shape must hold 2 sizes >= 1");
  const auto strides = pair_attr(*node_, "strides", 1, 1), dilations = pair_attr(*node_, "dilations", 1, 1);
  const auto pads = resolve_pads(*node_, xs, kernel, strides, dilations);
  for (std::size_t i = 0; i < 4; ++i) {
    if (pads[i] >= kernel[i % 2]) fail("pads " + shape_text(pads) + " must be smaller than the kernel");
  }
  const bool ceil_mode = attr_int(*node_, "ceil_mode", 0) != 0;
  b.shape = {xs[0], xs[1], extent(xs[2], kernel[0], strides[0], dilations[0], pads[0], pads[2], ceil_mode),
             extent(xs[3], kernel[1], strides[1], dilations[1], pads[1], pads[3], ceil_mode)};
  b.op.ints = {{"kernel", kernel},
               {"strides", strides},
               {"pads", pads},
               {"dilations", dilations},
               {"ceil_mode", {ceil_mode ? 1 : 0}}};
  if (kind == OpKind::kAveragePool) {
    b.op.ints["count_include_pad"] = {attr_int(*node_, "count_include_pad", 0) != 0 ? 1 : 0};
  }
  b.mode = kind == OpKind::kMaxPool ? OpBuild::Mode::kKeepsInput : OpBuild::Mode::kOutQuant;
  return b;
}

void Importer::qdq_op() {
  const std::string& op = node_->op_type();
  if (op == "MaxPool" && input(0).kind == Kind::kQuant) {  // QOperator: max over 8-bit values, same quantization
    const int x = input(0).value;
    if (params_unknown_.count(x)) fail("input " + quote(node_->input(0)) + " has no known quantization yet");
    OpBuild b = pool_build(x, OpKind::kMaxPool);
    Value out = val(x);
    out.name = node_->output(0);
    out.shape = b.shape;
    Binding r;
    r.kind = Kind::kQuant;
    r.value = emit(node_name(), b.op, b.inputs, std::move(out));
    bind(0, std::move(r));
    return;
  }
  OpBuild b;
  if (op == "Conv") {
    const int x = view_input(0);  // the activation first: its message is the one that fits a float model
    b = conv_build(x, weight_input(1), 2);
  } else if (op == "Gemm") {
    const int a = view_input(0);
    if (input(1).kind == Kind::kView) fail("has two activation inputs; Gemm needs a constant B (use MatMul)");
    b = gemm_build(a, weight_input(1), 2, false);
  } else if (op == "MatMul") {
    const int a = view_input(0);
    if (input(1).kind == Kind::kView) {
      b.op.kind = OpKind::kMatMul;
      b.inputs = {a, input(1).value};
      b.shape = matmul_shape(val(a).shape, val(input(1).value).shape);
    } else {
      b = gemm_build(a, weight_input(1), -1, true);
    }
  } else if (op == "Add") {
    b.op.kind = OpKind::kAdd;
    b.mode = OpBuild::Mode::kFusedClip;
    for (int i = 0; i < 2; ++i) {
      const Binding& in = input(i);
      if (in.kind == Kind::kViewConst && in.qconst.q.per_channel()) {
        fail("operand " + quote(node_->input(i)) + " is quantized per channel; Add needs per-tensor operands");
      }
      b.inputs.push_back(in.kind == Kind::kViewConst ? const_value(in.qconst) : view_input(i));
    }
    b.shape = broadcast_shape(val(b.inputs[0]).shape, val(b.inputs[1]).shape);
  } else {
    b = pool_build(view_input(0), op == "MaxPool"       ? OpKind::kMaxPool
                                  : op == "AveragePool" ? OpKind::kAveragePool
                                                        : OpKind::kGlobalAveragePool);
  }
  auto p = std::make_shared<Pending>();
  p->node = node_name();
  p->op_type = op;
  p->float_name = node_->output(0);
  p->build = std::move(b);
  Binding r;
  r.kind = Kind::kPending;
  r.pending = std::move(p);
  bind(0, std::move(r));
}

}  // namespace systole::compiler::onnx_detail
