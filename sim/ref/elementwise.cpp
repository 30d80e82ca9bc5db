// Elementwise operators: QLinearAdd with numpy broadcasting, ReLU and Clip on quantized values.
#include <algorithm>
#include <string>
#include <utility>

#include "sim/isa/quant.hpp"
#include "sim/ref/ref_detail.hpp"
#include "sim/ref/ref_kernels.hpp"

namespace systole::ref {

QTensor qlinear_add(const QTensor& a, const QTensor& b, const OutSpec& out) {
  constexpr std::string_view kOp = "qlinear_add";
  validate_tensor(a, kOp, "a");
  validate_tensor(b, kOp, "b");
  detail::check_out_spec(out, kOp);
  // The 2^20 headroom of the integer scheme is sized for 8-bit inputs (quant::kAddLeftShift).
  detail::require_8bit(a, kOp, "a");
  detail::require_8bit(b, kOp, "b");
  detail::require_per_tensor(a, kOp, "a");
  detail::require_per_tensor(b, kOp, "b");

  const quant::AddMultipliers m = quant::add_multipliers(a.q.scale[0], b.q.scale[0], out.scale);
  QTensor y = detail::make_output(detail::broadcast_shapes(a.shape, b.shape, kOp, "shapes"), out, kOp);
  const std::int32_t lo = type_min(out.type), hi = type_max(out.type);
  std::vector<std::int64_t> index;
  for (std::int64_t i = 0; i < static_cast<std::int64_t>(y.values.size()); ++i) {
    detail::unravel(i, y.shape, index);
    const std::int32_t av = a.values[detail::broadcast_offset(index, a.shape)];
    const std::int32_t bv = b.values[detail::broadcast_offset(index, b.shape)];
    y.values[i] = quant::add_requantized(av, a.q.zero_point[0], bv, b.q.zero_point[0], m, out.zero_point, lo, hi);
  }
  return y;
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
