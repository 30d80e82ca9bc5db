// Elementwise operators: QLinearAdd and QLinearMul with numpy broadcasting, ReLU and Clip on quantized values.
//
// QLinearAdd and QLinearMul follow ONNX Runtime's CPU kernels on x86 (contrib_ops/cpu/quantization/
// qlinear_binary_op.cc over MLAS qladd_avx2.cpp / qlmul.cpp), which QDQ Add and Mul fuse into. Both work in fp32
// on the raw stored integers and end in CVTPS2DQ (round half to even) and saturating packs (detail::x86_to_int32,
// then a clamp to the output type).
#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "sim/ref/ref_detail.hpp"
#include "sim/ref/ref_kernels.hpp"

namespace systole::ref {

namespace {

using Shape = std::vector<std::int64_t>;

// One input's iterator in ONNX Runtime's Broadcaster (core/providers/cpu/math/element_wise_ops.h): runs of
// dimensions over which the input either advances (delta > 0) or repeats (delta <= 0), innermost first.
struct BroadcastRuns {
  std::vector<std::int64_t> deltas;
  std::vector<std::int64_t> counts;
  std::int64_t count = 1;

  void init(std::int64_t axis, std::int64_t largest) {
    deltas.push_back(axis > 1 ? 1 : 0);
    counts.push_back(largest);
    count *= axis;
  }
  void append(std::int64_t axis, std::int64_t largest) {
    if (axis > 1 ? deltas.back() <= 0 : deltas.back() > 0) {  // the input stops or starts repeating: a new run
      deltas.push_back(axis > 1 ? count : -count);
      counts.push_back(1);
    }
    counts.back() *= largest;
    count *= axis;
  }
};

// How ONNX Runtime cuts the output into spans, each one MLAS call: the span length and whether a or b is a single
// repeated value over the span. A port of the Broadcaster constructor, quirks included.
struct SpanPlan {
  std::int64_t span = 1;
  bool a_scalar = false;
  bool b_scalar = false;
};

SpanPlan span_plan(const Shape& a, const Shape& b) {
  BroadcastRuns ra, rb;
  const std::size_t max_rank = std::max(a.size(), b.size()), min_rank = std::min(a.size(), b.size());
  auto dim_a = [&](std::size_t i) { return a[a.size() - 1 - i]; };  // i-th dimension from the end
  auto dim_b = [&](std::size_t i) { return b[b.size() - 1 - i]; };
  auto out_dim = [](std::int64_t x, std::int64_t y) { return std::min(x, y) == 0 ? std::int64_t{0} : std::max(x, y); };
  std::size_t i = 0;
  if (min_rank == 0) {
    if (a.empty() && b.empty()) {
      ra.init(1, 1);
      rb.init(1, 1);
    } else if (a.empty()) {
      ra.init(1, dim_b(0));
      rb.init(dim_b(0), dim_b(0));
    } else {
      ra.init(dim_a(0), dim_a(0));
      rb.init(1, dim_a(0));
    }
    i = 1;
  } else {
    for (; i < min_rank; ++i) {  // trailing dimensions of 1 on both sides are skipped
      const std::int64_t d = out_dim(dim_a(i), dim_b(i));
      if (d <= 1 && i + 1 < min_rank) continue;
      ra.init(dim_a(i), d);
      rb.init(dim_b(i), d);
      ++i;
      break;
    }
  }
  for (; i < min_rank; ++i) {
    if (std::max(dim_a(i), dim_b(i)) == 1) continue;
    const std::int64_t d = out_dim(dim_a(i), dim_b(i));
    ra.append(dim_a(i), d);
    rb.append(dim_b(i), d);
  }
  for (; i < max_rank; ++i) {
    if (max_rank == b.size()) {
      ra.append(1, dim_b(i));
      rb.append(dim_b(i), dim_b(i));
    } else {
      ra.append(dim_a(i), dim_a(i));
      rb.append(1, dim_a(i));
    }
  }
  return {std::min(ra.counts.front(), rb.counts.front()), ra.deltas.front() == 0, rb.deltas.front() == 0};
}

struct BinaryOperands {
  Shape shape;    // the broadcast output shape
  SpanPlan plan;  // ONNX Runtime's spans over it
  float sa, sb;   // input scales
  std::int32_t za, zb;
};

BinaryOperands check_binary(const QTensor& a, const QTensor& b, const OutSpec& out, std::string_view op) {
  detail::check_8bit_operands(a, b, out, op);
  detail::require_per_tensor(b, op, "b");
  return {detail::broadcast_shapes(a.shape, b.shape, op, "shapes"),
          span_plan(a.shape, b.shape),
          a.q.scale[0],
          b.q.scale[0],
          a.q.zero_point[0],
          b.q.zero_point[0]};
}

// Applies f(a value, b value) to every output element, a and b broadcast as numpy does.
template <typename F>
QTensor broadcast_apply(const QTensor& a, const QTensor& b, const Shape& shape, const OutSpec& out, std::string_view op,
                        F f) {
  QTensor y = detail::make_output(shape, out, op);
  const std::int32_t lo = type_min(out.type), hi = type_max(out.type);
  std::vector<std::int64_t> index;
  for (std::int64_t i = 0; i < static_cast<std::int64_t>(y.values.size()); ++i) {
    detail::unravel(i, y.shape, index);
    const std::int32_t v =
        f(a.values[detail::broadcast_offset(index, a.shape)], b.values[detail::broadcast_offset(index, b.shape)]);
    y.values[i] = std::clamp(v, lo, hi);  // PACKSSDW, then PACKSSWB / PACKUSWB: saturation
  }
  return y;
}

}  // namespace

QTensor qlinear_add(const QTensor& a, const QTensor& b, const OutSpec& out) {
  constexpr std::string_view kOp = "qlinear_add";
  const BinaryOperands o = check_binary(a, b, out, kOp);
  // MlasQLinearAddKernelAvx2Helper(A, B) per span: rA = sA / sC, rB = sB / sC; F = zC - (rA zA + rB zB), which GCC
  // contracts to fma(rA, zA, rB zB); then per element fma(A, rA, fma(B, rB, F)) (a repeated B is folded into F
  // first by a mul + add that GCC contracts the same way). A span of one element takes the IsScalarA branch,
  // fma(B, rB, fma(A, rA, F)). ORT calls MLAS with (A, B) = (a, b), but with (b, a) where a repeats over the span.
  const bool swap = o.plan.a_scalar;
  const bool a_first = o.plan.span == 1;  // MLAS's A is folded into F first
  const float r_a = o.sa / out.scale, r_b = o.sb / out.scale;
  const float r_first = swap ? r_b : r_a, r_second = swap ? r_a : r_b;  // MLAS's rA, rB
  const float z_first = static_cast<float>(swap ? o.zb : o.za), z_second = static_cast<float>(swap ? o.za : o.zb);
  const float fixed = static_cast<float>(out.zero_point) - std::fma(r_first, z_first, r_second * z_second);
  return broadcast_apply(a, b, o.shape, out, kOp, [&](std::int32_t av, std::int32_t bv) {
    const float first = static_cast<float>(swap ? bv : av), second = static_cast<float>(swap ? av : bv);
    const float v = a_first ? std::fma(second, r_second, std::fma(first, r_first, fixed))
                            : std::fma(first, r_first, std::fma(second, r_second, fixed));
    return detail::x86_to_int32(v);
  });
}

QTensor qlinear_mul(const QTensor& a, const QTensor& b, const OutSpec& out) {
  constexpr std::string_view kOp = "qlinear_mul";
  const BinaryOperands o = check_binary(a, b, out, kOp);
  // MLAS qlmul.cpp (SSE2, no FMA): r = (sA * sB) / sC; float((a - za) (b - zb)) * r + zC, each step rounded. The
  // operand swap ORT makes for a repeated a commutes here.
  const float ratio = (o.sa * o.sb) / out.scale;
  const float zc = static_cast<float>(out.zero_point);
  return broadcast_apply(a, b, o.shape, out, kOp, [&](std::int32_t av, std::int32_t bv) {
    const float product = static_cast<float>(detail::centered(av, o.za) * detail::centered(bv, o.zb)) * ratio;
    return detail::x86_to_int32(product + zc);
  });
}

QTensor relu(const QTensor& x) {
  validate_tensor(x, "relu", "x");
  QTensor y = x;
  for (std::int64_t i = 0; i < static_cast<std::int64_t>(y.values.size()); ++i) {
    y.values[i] = std::max(y.values[i], x.q.zero_point[detail::channel_of(x, i)]);  // real 0
  }
  return y;
}

QTensor clip(const QTensor& x, std::int32_t min_q, std::int32_t max_q) {
  constexpr std::string_view kOp = "clip";
  validate_tensor(x, kOp, "x");
  const std::int32_t lo = type_min(x.type), hi = type_max(x.type);
  for (const auto& [name, bound] : {std::pair{"min", min_q}, std::pair{"max", max_q}}) {
    if (bound < lo || bound > hi) {
      detail::fail(kOp, std::string(name) + " = " + std::to_string(bound) + " is outside the " +
                            std::string(type_name(x.type)) + " range of x");
    }
  }
  QTensor y = x;
  for (std::int32_t& v : y.values) v = std::min(max_q, std::max(v, min_q));  // ONNX: all max when min > max
  return y;
}

}  // namespace systole::ref
