// Conversions between quantizations and to/from float: requantize, QuantizeLinear, DequantizeLinear, as ONNX
// Runtime computes them on x86 (MLAS MlasQuantizeLinear in onnxruntime/core/mlas/lib/quantize.cpp and its AVX-512F
// kernel; DequantizeLinear in onnxruntime/core/providers/cpu/quantization/quantize_linear.cc).
#include <algorithm>
#include <cmath>
#include <string>

#include "sim/ref/ref_detail.hpp"
#include "sim/ref/ref_kernels.hpp"

namespace systole::ref {

std::int32_t detail::quantize(float v, float scale, std::int32_t zero_point, ElemType type) {
  const float lo = static_cast<float>(type_min(type) - std::int64_t{zero_point});  // exact: |bound| <= 2^32
  const float hi = static_cast<float>(type_max(type) - std::int64_t{zero_point});
  const float q = v / scale;                                         // DIVPS: a true division, not v * (1 / scale)
  const float clamped = std::isnan(q) ? lo : std::clamp(q, lo, hi);  // MAXPS(q, lo) returns lo for NaN
  // CVTPS2DQ rounds half to even. The int32 type's upper bound rounds up to 2^31 in float: clamp once more.
  const std::int64_t r = static_cast<std::int64_t>(std::nearbyint(clamped)) + zero_point;
  return static_cast<std::int32_t>(std::clamp<std::int64_t>(r, type_min(type), type_max(type)));
}

QTensor requantize(const QTensor& x, const OutSpec& out) {
  constexpr std::string_view kOp = "requantize";
  validate_tensor(x, kOp, "x");
  detail::check_out_spec(out, kOp);
  detail::require_per_tensor(x, kOp, "x");
  // A DequantizeLinear -> QuantizeLinear pair with different parameters stays in float in ONNX Runtime.
  QTensor y = detail::make_output(x.shape, out, kOp);
  for (std::size_t i = 0; i < x.values.size(); ++i) {
    y.values[i] = detail::quantize(detail::dequantize(x.values[i], x.q.zero_point[0], x.q.scale[0]), out.scale,
                                   out.zero_point, out.type);
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
  for (std::size_t i = 0; i < values.size(); ++i) {
    // ORT maps NaN to the type's minimum as a side effect of MAXPS; a NaN activation is a bug upstream, reported.
    if (std::isnan(values[i])) detail::fail(kOp, "value at index " + std::to_string(i) + " is NaN");
    y.values[i] = detail::quantize(values[i], out.scale, out.zero_point, out.type);  // +-inf saturates
  }
  return y;
}

std::vector<float> dequantize_linear(const QTensor& x) {
  validate_tensor(x, "dequantize_linear", "x");
  std::vector<float> y(x.values.size());
  for (std::size_t i = 0; i < x.values.size(); ++i) {
    const std::size_t c = detail::channel_of(x, static_cast<std::int64_t>(i));
    y[i] = detail::dequantize(x.values[i], x.q.zero_point[c], x.q.scale[c]);
  }
  return y;
}

}  // namespace systole::ref
