// Conversions between quantizations and to/from float: requantize, QuantizeLinear, DequantizeLinear.
#include <algorithm>
#include <cmath>
#include <string>

#include "sim/isa/quant.hpp"
#include "sim/ref/ref_detail.hpp"
#include "sim/ref/ref_kernels.hpp"

namespace systole::ref {

namespace {

// Round to nearest, ties to even (ONNX QuantizeLinear), independent of the floating-point environment.
double round_half_even(double v) {
  const double down = std::floor(v);
  const double frac = v - down;
  if (frac < 0.5) return down;
  if (frac > 0.5) return down + 1.0;
  return std::fmod(down, 2.0) == 0.0 ? down : down + 1.0;
}

}  // namespace

QTensor requantize(const QTensor& x, const OutSpec& out) {
  constexpr std::string_view kOp = "requantize";
  validate_tensor(x, kOp, "x");
  detail::check_out_spec(out, kOp);
  detail::require_per_tensor(x, kOp, "x");
  const quant::Multiplier m = quant::quantize_multiplier(static_cast<double>(x.q.scale[0]) / out.scale);
  QTensor y = detail::make_output(x.shape, out, kOp);
  for (std::size_t i = 0; i < x.values.size(); ++i) {
    y.values[i] = quant::requantize(detail::centered(x.values[i], x.q.zero_point[0]), m, out.zero_point,
                                    type_min(out.type), type_max(out.type));
  }
  return y;
}

QTensor quantize_linear(const std::vector<float>& values, const std::vector<std::int64_t>& shape, const OutSpec& out) {
  constexpr std::string_view kOp = "quantize_linear";
  detail::check_out_spec(out, kOp);
  const std::int64_t count = detail::element_count(shape);
  if (count != static_cast<std::int64_t>(values.size())) {
    detail::fail(kOp, "shape " + detail::shape_str(shape) + " needs " + std::to_string(count) + " values but " +
                          std::to_string(values.size()) + " were given");
  }
  QTensor y = detail::make_output(shape, out, kOp);
  const auto lo = static_cast<double>(type_min(out.type));
  const auto hi = static_cast<double>(type_max(out.type));
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (std::isnan(values[i])) detail::fail(kOp, "value at index " + std::to_string(i) + " is NaN");
    const float scaled = values[i] / out.scale;  // in float, as ONNX defines it; +-inf saturates below
    const double q = round_half_even(scaled) + out.zero_point;
    y.values[i] = static_cast<std::int32_t>(std::clamp(q, lo, hi));
  }
  return y;
}

std::vector<float> dequantize_linear(const QTensor& x) {
  validate_tensor(x, "dequantize_linear", "x");
  std::vector<float> y(x.values.size());
  for (std::size_t i = 0; i < x.values.size(); ++i) {
    const std::size_t c = detail::channel_of(x, static_cast<std::int64_t>(i));
    y[i] = static_cast<float>(detail::centered(x.values[i], x.q.zero_point[c])) * x.q.scale[c];
  }
  return y;
}

}  // namespace systole::ref
