// sim/isa/quant.hpp on hand-worked values: the arithmetic every Systole level must match bit for bit.
#include <catch2/catch.hpp>

#include "sim/isa/quant.hpp"

namespace q = systole::quant;

namespace {
constexpr std::int32_t kOne30 = std::int32_t{1} << 30;  // 0.5 as a Q31 multiplier
}  // namespace

TEST_CASE("saturating_rounding_doubling_high_mul rounds a*b/2^31 and saturates MIN*MIN", "[unit]") {
  // 2^30 * 2^30 / 2^31 = 2^29 exactly.
  CHECK(q::saturating_rounding_doubling_high_mul(kOne30, kOne30) == (1 << 29));
  // 5 * 2^30 / 2^31 = 2.5 -> 3; 3 * 2^30 / 2^31 = 1.5 -> 2.
  CHECK(q::saturating_rounding_doubling_high_mul(5, kOne30) == 3);
  CHECK(q::saturating_rounding_doubling_high_mul(3, kOne30) == 2);
  // Negative ties go up, not away from zero (gemmlowp): nudge 1 - 2^30, then a truncating division.
  // -3 * 2^30 / 2^31 = -1.5: (-3*2^30 + 1 - 2^30) / 2^31 = (1 - 2^32) / 2^31 = -1.99.. -> -1.
  CHECK(q::saturating_rounding_doubling_high_mul(-3, kOne30) == -1);
  CHECK(q::saturating_rounding_doubling_high_mul(-1, kOne30) == 0);  // -0.5 -> 0
  // Just past the tie: (-3*2^30 - 1) / 2^31 < -1.5 -> -2.
  CHECK(q::saturating_rounding_doubling_high_mul(-3, kOne30 + 1) == -2);
  // (-2^31) * (-2^31) / 2^31 = 2^31 does not fit: the one saturating case.
  CHECK(q::saturating_rounding_doubling_high_mul(q::kInt32Min, q::kInt32Min) == q::kInt32Max);
  static_assert(q::saturating_rounding_doubling_high_mul(q::kInt32Min, q::kInt32Min) == q::kInt32Max);
  // (-2^31) * (2^31 - 1) / 2^31 = -(2^31 - 1) exactly.
  CHECK(q::saturating_rounding_doubling_high_mul(q::kInt32Min, q::kInt32Max) == -2147483647);
  // (2^31 - 1)^2 / 2^31 = 2^31 - 2 + 2^-31 -> 2147483646.
  CHECK(q::saturating_rounding_doubling_high_mul(q::kInt32Max, q::kInt32Max) == 2147483646);
}

TEST_CASE("rounding_divide_by_pot rounds ties away from zero, negatives included", "[unit]") {
  CHECK(q::rounding_divide_by_pot(5, 1) == 3);               // 2.5 -> 3
  CHECK(q::rounding_divide_by_pot(-5, 1) == -3);             // -2.5 -> -3
  CHECK(q::rounding_divide_by_pot(-3, 1) == -2);             // -1.5 -> -2
  CHECK(q::rounding_divide_by_pot(-1, 1) == -1);             // -0.5 -> -1
  CHECK(q::rounding_divide_by_pot(1, 1) == 1);               // 0.5 -> 1
  CHECK(q::rounding_divide_by_pot(-6, 2) == -2);             // -1.5 -> -2
  CHECK(q::rounding_divide_by_pot(-5, 2) == -1);             // -1.25 -> -1
  CHECK(q::rounding_divide_by_pot(-7, 2) == -2);             // -1.75 -> -2
  CHECK(q::rounding_divide_by_pot(6, 2) == 2);               // 1.5 -> 2
  CHECK(q::rounding_divide_by_pot(-7, 0) == -7);             // exponent 0: unchanged
  CHECK(q::rounding_divide_by_pot(q::kInt32Min, 31) == -1);  // -2^31 / 2^31 = -1 exactly
  CHECK(q::rounding_divide_by_pot(q::kInt32Max, 31) == 1);   // 0.99.. -> 1
  CHECK(q::rounding_divide_by_pot(-kOne30, 31) == -1);       // -0.5 -> -1
  CHECK(q::rounding_divide_by_pot(kOne30 - 1, 31) == 0);     // just under 0.5 -> 0
}

TEST_CASE("quantize_multiplier on hand values", "[unit]") {
  auto check = [](double real, std::int32_t multiplier, std::int32_t shift) {
    const q::Multiplier m = q::quantize_multiplier(real);
    INFO("real = " << real);
    CHECK(m.multiplier == multiplier);
    CHECK(m.shift == shift);
  };
  check(1.0, kOne30, 1);             // 1.0 = 0.5 * 2^1
  check(0.5, kOne30, 0);             // 0.5 = 0.5 * 2^0
  check(0.75, 1610612736, 0);        // 0.75 * 2^31
  check(0.25, kOne30, -1);           // 0.5 * 2^-1
  check(1.0 / 3.0, 1431655765, -1);  // (2/3) * 2^31 = 1431655765.33 -> 1431655765, times 2^-1
  check(1.0 - 1e-12, kOne30, 1);     // q * 2^31 rounds up to 2^31: renormalised to 0.5 * 2^1
  check(0.0, 0, 0);                  // zero multiplier
  check(-1.0, 0, 0);                 // invalid: zero
  check(std::nan(""), 0, 0);
  check(std::ldexp(1.0, -40), 0, 0);             // 0.5 * 2^-39: exponent below -31 flushes to zero
  check(std::ldexp(1.0, -32), kOne30, -31);      // 0.5 * 2^-31: the smallest representable exponent
  check(std::ldexp(1.0, 40), q::kInt32Max, 31);  // too large: saturates
}

TEST_CASE("multiply_by_quantized_multiplier: identity for 1.0, saturating left shift", "[unit]") {
  const q::Multiplier one = q::quantize_multiplier(1.0);
  for (std::int32_t v = -70000; v <= 70000; ++v) {
    if (q::multiply_by_quantized_multiplier(v, one.multiplier, one.shift) != v) FAIL("not identity at " << v);
  }
  CHECK(q::multiply_by_quantized_multiplier(kOne30, one.multiplier, one.shift) == kOne30);
  // 2^30 * 4 does not fit: the shifted value saturates to 2^31 - 1 before the multiply by 0.5, and
  // round((2^31 - 1) / 2) = 2^30.
  CHECK(q::multiply_by_quantized_multiplier(kOne30, kOne30, 3) == kOne30);
  CHECK(q::multiply_by_quantized_multiplier(-kOne30, kOne30, 3) == -kOne30);  // -2^31 * 0.5 exactly
  // A shift of 40 is clamped to 31: 1 * 2^31 saturates to 2^31 - 1, times 0.5 -> 2^30.
  CHECK(q::multiply_by_quantized_multiplier(1, kOne30, 40) == kOne30);
  CHECK(q::multiply_by_quantized_multiplier(123456, 0, 0) == 0);
}

TEST_CASE("requantize: rounding, zero point, saturation, zero multiplier", "[unit]") {
  const q::Multiplier quarter = q::quantize_multiplier(0.25);  // {2^30, -1}: exact halving, then a rounding shift
  // acc * 0.25 where the halving is exact, so the tie is decided by rounding_divide_by_pot: away from zero.
  CHECK(q::requantize(2, quarter, 0, -128, 127) == 1);     // 0.5 -> 1
  CHECK(q::requantize(-2, quarter, 0, -128, 127) == -1);   // -0.5 -> -1
  CHECK(q::requantize(6, quarter, 0, -128, 127) == 2);     // 1.5 -> 2
  CHECK(q::requantize(-6, quarter, 0, -128, 127) == -2);   // -1.5 -> -2
  CHECK(q::requantize(-10, quarter, 0, -128, 127) == -3);  // -2.5 -> -3
  CHECK(q::requantize(-9, quarter, 0, -128, 127) == -2);   // -2.25 -> -2
  // Double rounding, as gemmlowp: 1 * 0.25 first halves 1 -> round(0.5) = 1, then 1 / 2 -> 1.
  CHECK(q::requantize(1, quarter, 0, -128, 127) == 1);
  // Multiplier 0.5 ({2^30, 0}) rounds once, in the high multiply: -1.5 -> -1 (ties up).
  CHECK(q::requantize(-3, q::quantize_multiplier(0.5), 0, -128, 127) == -1);
  // Zero point added after scaling; saturation at both ends of the output type.
  const q::Multiplier one = q::quantize_multiplier(1.0);
  CHECK(q::requantize(27, one, 100, 0, 255) == 127);
  CHECK(q::requantize(200, one, 100, 0, 255) == 255);
  CHECK(q::requantize(-101, one, 100, 0, 255) == 0);
  CHECK(q::requantize(q::kInt32Max, one, 127, -128, 127) == 127);  // int64 zero-point add cannot wrap
  CHECK(q::requantize(q::kInt32Min, one, -128, -128, 127) == -128);
  // A zero multiplier maps everything to the zero point.
  CHECK(q::requantize(123456, q::Multiplier{}, 7, -128, 127) == 7);
  CHECK(q::requantize(-123456, q::quantize_multiplier(0.0), -3, -128, 127) == -3);
}

TEST_CASE("add_multipliers and add_requantized on hand values", "[unit]") {
  // sa = 0.5, sb = 0.25, sy = 1: twice_max = 1, a = 0.5, b = 0.25, out = 1 / 2^20 = 0.5 * 2^-19.
  const q::AddMultipliers m = q::add_multipliers(0.5, 0.25, 1.0);
  CHECK(m.a.multiplier == kOne30);
  CHECK(m.a.shift == 0);
  CHECK(m.b.multiplier == kOne30);
  CHECK(m.b.shift == -1);
  CHECK(m.out.multiplier == kOne30);
  CHECK(m.out.shift == -19);
  // 0.5 * 10 + 0.25 * 4 = 6: a: 10 * 2^20 * 0.5 = 5 * 2^20; b: 4 * 2^20 * 0.25 = 2^20; sum 6 * 2^20; / 2^20 = 6.
  CHECK(q::add_requantized(10, 0, 4, 0, m, 0, -128, 127) == 6);
  // The same with zero points: a = 13 - 3 = 10, b = 1 - (-3) = 4, output zero point 5.
  CHECK(q::add_requantized(13, 3, 1, -3, m, 5, -128, 127) == 11);
  // Ties: 0.5 * 1 = 0.5 -> 1 and 0.5 * -1 = -0.5 -> -1 (away from zero, decided by the final rounding shift).
  CHECK(q::add_requantized(1, 0, 0, 0, m, 0, -128, 127) == 1);
  CHECK(q::add_requantized(-1, 0, 0, 0, m, 0, -128, 127) == -1);
  // Saturation: 0.5 * 255 + 0.25 * 255 = 191.25 -> 191, clamped to 127; the negative end to -128.
  CHECK(q::add_requantized(255, 0, 255, 0, m, 0, -128, 127) == 127);
  CHECK(q::add_requantized(-255, 0, -255, 0, m, 0, -128, 127) == -128);
  // Invalid scales give zero multipliers: the result is the output zero point.
  const q::AddMultipliers zero = q::add_multipliers(0.0, 0.25, 1.0);
  CHECK(zero.out.multiplier == 0);
  CHECK(q::add_requantized(100, 0, 100, 0, zero, 9, -128, 127) == 9);
  // Wide inputs saturate instead of overflowing: (2^31 - 1 - (-2^31)) * 2^20 clamps to 2^31 - 1; times 0.5 gives
  // 2^30 (sa = sb = sy = 1: a = 0.5, out = 2 / 2^20), and 2^30 * 2^-19 = 2048.
  CHECK(q::add_requantized(q::kInt32Max, q::kInt32Min, 0, 0, q::add_multipliers(1.0, 1.0, 1.0), 0, q::kInt32Min,
                           q::kInt32Max) == 2048);
}
