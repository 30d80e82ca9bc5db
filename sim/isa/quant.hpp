// Quantization arithmetic: the one definition of requantization every Systole level follows bit for bit.
//
// Integer-only, as gemmlowp and TFLite define it: a real scale s is represented by a Q31 multiplier M in
// [2^30, 2^31) and a power-of-two exponent `shift` so that s = M * 2^(shift - 31). requantize() multiplies with
// rounding (saturating doubling high multiply, then rounding divide by a power of two), adds the output zero point
// and clamps. Ties: the high multiply rounds them towards +infinity, the power-of-two divide away from zero (both
// exactly as gemmlowp). The functional model, the reference kernels, the SystemC model and the RTL all compute
// exactly this; ONNX Runtime (float requantization) agrees within 1 LSB.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace systole::quant {

constexpr std::int32_t kInt32Min = std::numeric_limits<std::int32_t>::min();
constexpr std::int32_t kInt32Max = std::numeric_limits<std::int32_t>::max();

// A real multiplier in fixed point: value = multiplier * 2^(shift - 31). shift > 0 shifts left.
struct Multiplier {
  std::int32_t multiplier = 0;
  std::int32_t shift = 0;
};

// round(a * b / 2^31), ties towards +infinity (gemmlowp's nudge then truncating division), saturating the single
// overflow case (INT32_MIN * INT32_MIN).
constexpr std::int32_t saturating_rounding_doubling_high_mul(std::int32_t a, std::int32_t b) {
  if (a == kInt32Min && b == kInt32Min) return kInt32Max;
  const std::int64_t ab = static_cast<std::int64_t>(a) * b;
  const std::int64_t nudge = ab >= 0 ? (std::int64_t{1} << 30) : (1 - (std::int64_t{1} << 30));
  return static_cast<std::int32_t>((ab + nudge) / (std::int64_t{1} << 31));
}

// x / 2^exponent rounded to nearest, ties away from zero; exponent in [0, 31].
constexpr std::int32_t rounding_divide_by_pot(std::int32_t x, int exponent) {
  const std::int32_t mask = static_cast<std::int32_t>((std::int64_t{1} << exponent) - 1);
  const std::int32_t remainder = x & mask;
  const std::int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

// x * M * 2^(shift - 31). The shift is clamped to [-31, 31]; a left shift saturates to int32 before the multiply,
// so the function is total (hardware needs defined results for every register value).
constexpr std::int32_t multiply_by_quantized_multiplier(std::int32_t x, std::int32_t multiplier, std::int32_t shift) {
  const int s = std::clamp(shift, -31, 31);
  const int left = s > 0 ? s : 0;
  const int right = s > 0 ? 0 : -s;
  const std::int64_t shifted = static_cast<std::int64_t>(x) * (std::int64_t{1} << left);
  const auto sat = static_cast<std::int32_t>(std::clamp<std::int64_t>(shifted, kInt32Min, kInt32Max));
  return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(sat, multiplier), right);
}

// The full requantization step of every quantized operator: scale, add the output zero point (saturating),
// clamp to [lo, hi].
constexpr std::int32_t requantize(std::int32_t acc, Multiplier m, std::int32_t zero_point, std::int32_t lo,
                                  std::int32_t hi) {
  const std::int64_t v =
      static_cast<std::int64_t>(multiply_by_quantized_multiplier(acc, m.multiplier, m.shift)) + zero_point;
  return static_cast<std::int32_t>(std::clamp<std::int64_t>(v, lo, hi));
}

// The fixed-point form of a real multiplier (TFLite's QuantizeMultiplier). real must be finite and >= 0;
// real == 0 gives multiplier 0. Reals too small for a shift of -31 flush to zero, too large saturate.
inline Multiplier quantize_multiplier(double real) {
  if (!(real > 0.0) || !std::isfinite(real)) return {};
  int exponent = 0;
  const double q = std::frexp(real, &exponent);  // real = q * 2^exponent, q in [0.5, 1)
  auto m = static_cast<std::int64_t>(std::llround(q * static_cast<double>(std::int64_t{1} << 31)));
  if (m == (std::int64_t{1} << 31)) {
    m /= 2;
    ++exponent;
  }
  if (exponent < -31) return {};
  if (exponent > 31) return {kInt32Max, 31};
  return {static_cast<std::int32_t>(m), exponent};
}

// Elementwise addition of two quantized values with different scales, TFLite's integer scheme
// (reference_ops::Add): both inputs are centred and shifted left by kAddLeftShift bits of headroom, scaled onto
// the common scale 2 * max(sa, sb) (each factor is then at most 0.5, so the two terms cannot overflow), summed
// and requantized to the output scale. With 8-bit inputs, (a - za) * 2^20 needs 29 bits.
constexpr int kAddLeftShift = 20;

// The three multipliers of an addition y = a + b with real scales sa, sb (inputs) and sy (output).
struct AddMultipliers {
  Multiplier a;    // sa / (2 * max(sa, sb))
  Multiplier b;    // sb / (2 * max(sa, sb))
  Multiplier out;  // 2 * max(sa, sb) / (2^kAddLeftShift * sy)
};

// Scales must be finite and > 0; any other input gives all-zero multipliers (every sum then requantizes to the
// output zero point), so the function is total like quantize_multiplier.
inline AddMultipliers add_multipliers(double sa, double sb, double sy) {
  if (!(sa > 0.0) || !(sb > 0.0) || !(sy > 0.0)) return {};
  const double twice_max = 2.0 * std::max(sa, sb);
  return {quantize_multiplier(sa / twice_max), quantize_multiplier(sb / twice_max),
          quantize_multiplier(twice_max / (static_cast<double>(std::int64_t{1} << kAddLeftShift) * sy))};
}

// One input of an addition on the common scale: (x - zero_point) * 2^kAddLeftShift, saturated to int32 (reached
// only when |x - zero_point| >= 2^11, never with 8-bit inputs), times m.
constexpr std::int32_t add_scaled_input(std::int32_t x, std::int32_t zero_point, Multiplier m) {
  const std::int64_t shifted = (static_cast<std::int64_t>(x) - zero_point) * (std::int64_t{1} << kAddLeftShift);
  const auto sat = static_cast<std::int32_t>(std::clamp<std::int64_t>(shifted, kInt32Min, kInt32Max));
  return multiply_by_quantized_multiplier(sat, m.multiplier, m.shift);
}

// The quantized sum of a (zero point za) and b (zero point zb) with output zero point zy, clamped to [lo, hi]:
// requantize(add_scaled_input(a) + add_scaled_input(b), m.out, zy, lo, hi). The sum saturates to int32 (again
// only reachable with wide inputs), so the function is total.
constexpr std::int32_t add_requantized(std::int32_t a, std::int32_t za, std::int32_t b, std::int32_t zb,
                                       const AddMultipliers& m, std::int32_t zy, std::int32_t lo, std::int32_t hi) {
  const std::int64_t sum = static_cast<std::int64_t>(add_scaled_input(a, za, m.a)) + add_scaled_input(b, zb, m.b);
  const auto sat = static_cast<std::int32_t>(std::clamp<std::int64_t>(sum, kInt32Min, kInt32Max));
  return requantize(sat, m.out, zy, lo, hi);
}

}  // namespace systole::quant
