// QLinearMatMul (numpy-broadcast batches) and com.microsoft QGemm, as plain loops.
//
// ONNX Runtime: an exact int32 accumulation (MlasGemm), then MlasRequantizeOutput with one fp32 scale per output
// column -- quant::requantize. QLinearMatMul (quantize_linear_matmul.cc) forms it as (sa * sb[n]) / sy; QGemm
// (contrib_ops/cpu/quantization/quant_gemm.cc, ComputeOutputScale) as ((alpha * sa) * sb[n]) / sy, every step
// rounded to fp32 -- quant::requant_scale(alpha * sa, sb[n], sy).
#include <cmath>
#include <string>

#include "sim/isa/quant.hpp"
#include "sim/ref/ref_detail.hpp"
#include "sim/ref/ref_kernels.hpp"

namespace systole::ref {

namespace {

// Per-column quantization of b: one fp32 requantization scale and zero point per output column n. b must be per tensor
// or per channel along `column_axis` (the axis of b that holds N).
struct ColumnQuant {
  std::vector<float> scale;
  std::vector<std::int32_t> zero_point;
};

ColumnQuant column_quant(const QTensor& a, const QTensor& b, int column_axis, std::int64_t n_cols, float alpha,
                         const OutSpec& out, std::string_view op) {
  if (b.q.scale.size() > 1 && detail::channel_axis(b) != column_axis) {
    detail::fail(op, "per-channel b must be quantized along axis " + std::to_string(column_axis) +
                         " (its output columns), not axis " + std::to_string(b.q.axis));
  }
  ColumnQuant cq;
  const float a_scale = alpha * a.q.scale[0];  // QGemm: alpha * a_scale first, in fp32; exact for alpha = 1
  for (std::int64_t n = 0; n < n_cols; ++n) {
    const std::size_t qc = b.q.scale.size() > 1 ? static_cast<std::size_t>(n) : 0;
    cq.scale.push_back(quant::requant_scale(a_scale, b.q.scale[qc], out.scale));
    cq.zero_point.push_back(b.q.zero_point[qc]);
  }
  return cq;
}

}  // namespace

QTensor qlinear_matmul(const QTensor& a, const QTensor& b, const OutSpec& out) {
  constexpr std::string_view kOp = "qlinear_matmul";
  detail::check_8bit_operands(a, b, out, kOp);
  if (a.shape.size() < 2 || b.shape.size() < 2) {
    detail::fail(kOp, "a " + detail::shape_str(a.shape) + " and b " + detail::shape_str(b.shape) +
                          " must both have rank >= 2 ([..., M, K] and [..., K, N])");
  }
  const std::size_t ra = a.shape.size(), rb = b.shape.size();
  const std::int64_t rows = a.shape[ra - 2], depth = a.shape[ra - 1], cols = b.shape[rb - 1];
  if (b.shape[rb - 2] != depth) {
    detail::fail(kOp, "inner dimensions differ: a " + detail::shape_str(a.shape) + " has K = " + std::to_string(depth) +
                          ", b " + detail::shape_str(b.shape) + " has K = " + std::to_string(b.shape[rb - 2]));
  }
  const ColumnQuant cq = column_quant(a, b, static_cast<int>(rb) - 1, cols, 1.0f, out, kOp);

  const std::vector<std::int64_t> batch_a(a.shape.begin(), a.shape.end() - 2);
  const std::vector<std::int64_t> batch_b(b.shape.begin(), b.shape.end() - 2);
  const std::vector<std::int64_t> batch_shape = detail::broadcast_shapes(batch_a, batch_b, kOp, "batch dimensions");
  const std::int64_t batches = detail::element_count(batch_shape);
  std::vector<std::int64_t> shape = batch_shape;
  shape.push_back(rows);
  shape.push_back(cols);
  QTensor y = detail::make_output(shape, out, kOp);

  const std::int32_t za = a.q.zero_point[0];
  const std::int32_t lo = type_min(out.type), hi = type_max(out.type);
  std::vector<std::int64_t> index;
  for (std::int64_t batch = 0; batch < batches; ++batch) {
    detail::unravel(batch, batch_shape, index);
    const std::int64_t a_base = detail::broadcast_offset(index, batch_a) * rows * depth;
    const std::int64_t b_base = detail::broadcast_offset(index, batch_b) * depth * cols;
    for (std::int64_t i = 0; i < rows; ++i) {
      for (std::int64_t j = 0; j < cols; ++j) {
        std::int64_t acc = 0;
        for (std::int64_t k = 0; k < depth; ++k) {
          acc += std::int64_t{detail::centered(a.values[a_base + i * depth + k], za)} *
                 detail::centered(b.values[b_base + k * cols + j], cq.zero_point[j]);
        }
        y.values[(batch * rows + i) * cols + j] =
            quant::requantize(detail::to_accumulator(acc, kOp), cq.scale[j], out.zero_point, lo, hi);
      }
    }
  }
  return y;
}

QTensor qgemm(const QTensor& a, const QTensor& b, const std::vector<std::int32_t>& bias, const GemmAttrs& attrs,
              const OutSpec& out) {
  constexpr std::string_view kOp = "qgemm";
  detail::check_8bit_operands(a, b, out, kOp);
  detail::require_rank(a, 2, attrs.trans_a ? "([K, M] with trans_a)" : "([M, K])", kOp, "a");
  detail::require_rank(b, 2, attrs.trans_b ? "([N, K] with trans_b)" : "([K, N])", kOp, "b");
  if (!std::isfinite(attrs.alpha) || !(attrs.alpha > 0.0f)) {
    detail::fail(kOp, "alpha = " + std::to_string(attrs.alpha) + " must be finite and > 0");
  }
  const std::int64_t rows = attrs.trans_a ? a.shape[1] : a.shape[0];
  const std::int64_t depth = attrs.trans_a ? a.shape[0] : a.shape[1];
  const std::int64_t depth_b = attrs.trans_b ? b.shape[1] : b.shape[0];
  const std::int64_t cols = attrs.trans_b ? b.shape[0] : b.shape[1];
  if (depth_b != depth) {
    detail::fail(kOp, "inner dimensions differ: a " + detail::shape_str(a.shape) +
                          " gives K = " + std::to_string(depth) + ", b " + detail::shape_str(b.shape) +
                          " gives K = " + std::to_string(depth_b));
  }
  if (!bias.empty() && static_cast<std::int64_t>(bias.size()) != cols) {
    detail::fail(kOp, "bias has " + std::to_string(bias.size()) + " values; expected one per output column (" +
                          std::to_string(cols) + ")");
  }
  const ColumnQuant cq = column_quant(a, b, attrs.trans_b ? 0 : 1, cols, attrs.alpha, out, kOp);

  QTensor y = detail::make_output({rows, cols}, out, kOp);
  const std::int32_t za = a.q.zero_point[0];
  const std::int32_t lo = type_min(out.type), hi = type_max(out.type);
  for (std::int64_t i = 0; i < rows; ++i) {
    for (std::int64_t j = 0; j < cols; ++j) {
      std::int64_t acc = bias.empty() ? 0 : bias[j];
      for (std::int64_t k = 0; k < depth; ++k) {
        const std::int32_t av = attrs.trans_a ? a.values[k * rows + i] : a.values[i * depth + k];
        const std::int32_t bv = attrs.trans_b ? b.values[j * depth + k] : b.values[k * cols + j];
        acc += std::int64_t{detail::centered(av, za)} * detail::centered(bv, cq.zero_point[j]);
      }
      y.values[i * cols + j] = quant::requantize(detail::to_accumulator(acc, kOp), cq.scale[j], out.zero_point, lo, hi);
    }
  }
  return y;
}

}  // namespace systole::ref
