// Quantization arithmetic: the one definition of requantization every Systole level follows bit for bit, and it is
// the one ONNX Runtime computes (MLAS's MlasRequantizeOutput, onnxruntime/core/mlas/lib/quantize.cpp):
//
//   v = float32(acc) * scale          int32 -> fp32 rounds to nearest even when |acc| > 2^24; the product rounds
//                                     to nearest even in fp32 (one multiply, no fused operation)
//   y = clamp(rne(v) + zero_point, lo, hi)   rne: round half to even to an integer, exactly
//
// `scale` is an fp32 value formed in float32 as ONNX Runtime forms it for the operator (requant_scale() for
// QLinearConv, QLinearMatMul and QGemm, global_average_scale() for QLinearGlobalAveragePool). The accelerator holds
// it as its IEEE-754 bit pattern in an int32 accumulator lane (vec requant and store parameter rows), and the RTL
// (hw/rtl/requant.sv) reproduces these two roundings in integer logic; tests/cosim/test_rtl_requant.cpp checks it
// against this function over every scale mantissa.
//
// The function is total, as hardware must be for every register value: a zero or subnormal scale gives 0 (the
// product is below 2^-95, so it rounds to 0 in fp32 arithmetic too), an infinite or NaN scale saturates by the
// signs of acc and the scale (0 when acc is 0). The verifier and the compiler only ever produce finite scales.
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace systole::quant {

constexpr std::int32_t kInt32Min = std::numeric_limits<std::int32_t>::min();
constexpr std::int32_t kInt32Max = std::numeric_limits<std::int32_t>::max();

// The product magnitude past which every result saturates whatever the zero point (|zero_point| <= 2^31, so
// rne(v) + zero_point > 2^31 - 1 once |v| >= 2^33). Below it rne(v) is exact in int64.
constexpr float kSaturatingMagnitude = 8589934592.0f;  // 2^33

// rne(float32(acc) * scale) as an int64 in [-2^33, 2^33]; every value of that range beyond +-2^31 + 2^31 behaves
// alike under the zero point and clamp that follow.
inline std::int64_t scaled_rne(std::int32_t acc, float scale) {
  if (acc == 0) return 0;
  if (!std::isfinite(scale)) {
    const bool negative = (acc < 0) != std::signbit(scale);
    return negative ? -std::int64_t{1} << 33 : std::int64_t{1} << 33;
  }
  const float v = static_cast<float>(acc) * scale;
  if (!(std::fabs(v) < kSaturatingMagnitude)) return v < 0 ? -(std::int64_t{1} << 33) : std::int64_t{1} << 33;
  return static_cast<std::int64_t>(std::nearbyint(v));  // the default rounding mode: half to even
}

// The requantization step of every quantized operator: scale, add the output zero point, clamp to [lo, hi].
inline std::int32_t requantize(std::int32_t acc, float scale, std::int32_t zero_point, std::int32_t lo,
                               std::int32_t hi) {
  const std::int64_t v = scaled_rne(acc, scale) + zero_point;
  return static_cast<std::int32_t>(std::clamp<std::int64_t>(v, lo, hi));
}

// The same with the scale as the fp32 bit pattern an accumulator lane holds.
inline std::int32_t requantize_bits(std::int32_t acc, std::int32_t scale_bits, std::int32_t zero_point, std::int32_t lo,
                                    std::int32_t hi) {
  return requantize(acc, std::bit_cast<float>(scale_bits), zero_point, lo, hi);
}

inline std::int32_t scale_bits(float scale) {
  return std::bit_cast<std::int32_t>(scale);
}

// The output scale of QLinearConv, QLinearMatMul and QGemm (alpha = 1): (x_scale * w_scale) / y_scale, each step
// in float32, in ONNX Runtime's order (qlinearconv.cc, quantize_linear_matmul.cc). QGemm with alpha != 1 forms
// (alpha * a_scale) * b_scale / y_scale (quant_gemm.cc); pass alpha * a_scale, rounded to float32, as x_scale.
inline float requant_scale(float x_scale, float w_scale, float y_scale) {
  const float xw = x_scale * w_scale;
  return xw / y_scale;
}

// QLinearGlobalAveragePool's scale (MLAS qlgavgpool.cpp): x_scale / (y_scale * float(count)), in float32. The
// accumulator is sum(x) - x_zero_point * count, exact in int32.
inline float global_average_scale(float x_scale, float y_scale, std::int64_t count) {
  const float denominator = y_scale * static_cast<float>(count);
  return x_scale / denominator;
}

}  // namespace systole::quant
