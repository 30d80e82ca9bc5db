// sim/isa/quant.hpp on hand-worked values: the arithmetic every Systole level must match bit for bit, ONNX Runtime's
// MlasRequantizeOutput: clamp(rne(float32(acc) * scale) + zero_point, lo, hi).
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "sim/isa/quant.hpp"

namespace q = systole::quant;

namespace {

constexpr std::int32_t kLo8 = -128, kHi8 = 127;

std::int32_t rq8(std::int32_t acc, float scale, std::int32_t zero_point = 0) {
  return q::requantize(acc, scale, zero_point, kLo8, kHi8);
}

std::int32_t rq32(std::int32_t acc, float scale) {
  return q::requantize(acc, scale, 0, q::kInt32Min, q::kInt32Max);
}

}  // namespace

TEST_CASE("requantize rounds the fp32 product half to even", "[unit]") {
  CHECK(rq8(1, 0.5f) == 0);    // 0.5 -> 0
  CHECK(rq8(3, 0.5f) == 2);    // 1.5 -> 2
  CHECK(rq8(5, 0.5f) == 2);    // 2.5 -> 2 (half away from zero would give 3)
  CHECK(rq8(7, 0.5f) == 4);    // 3.5 -> 4
  CHECK(rq8(-1, 0.5f) == 0);   // -0.5 -> 0 (away from zero: -1)
  CHECK(rq8(-3, 0.5f) == -2);  // -1.5 -> -2
  CHECK(rq8(-5, 0.5f) == -2);  // -2.5 -> -2
  CHECK(rq8(10, 0.25f) == 2);  // 2.5 -> 2
  CHECK(rq8(6, 0.25f) == 2);   // 1.5 -> 2
  CHECK(rq8(9, 0.25f) == 2);   // 2.25 -> 2
  CHECK(rq8(11, 0.25f) == 3);  // 2.75 -> 3
}

TEST_CASE("requantize rounds the product to fp32 before rounding to an integer", "[unit]") {
  // 0.001f = 0x1.0624dep-10 is a little above 0.001: 500 * 0.001f = 0.5000000237 exactly, above the tie, but the
  // fp32 product rounds to 0.5, which rounds to even: 0. Computing the product exactly would give 1.
  CHECK(rq8(500, 0.001f) == 0);
  // 1250 * 0.002f = 2.5000001187 exactly, 2.5 in fp32 -> 2.
  CHECK(rq8(1250, 0.002f) == 2);
  CHECK(rq8(-500, 0.001f) == 0);
}

TEST_CASE("requantize converts the accumulator to fp32 first (inexact above 2^24)", "[unit]") {
  CHECK(rq32(16777216, 1.0f) == 16777216);
  CHECK(rq32(16777217, 1.0f) == 16777216);      // 2^24 + 1: a tie between 2^24 and 2^24 + 2 -> even
  CHECK(rq32(16777219, 1.0f) == 16777220);      // between 2^24 + 2 (odd mantissa) and 2^24 + 4 -> 2^24 + 4
  CHECK(rq32(-16777217, 1.0f) == -16777216);    // symmetric
  CHECK(rq32(2147483647, 0.5f) == 1073741824);  // 2^31 - 1 -> 2^31 in fp32, times 0.5
  CHECK(rq32(q::kInt32Min, 1.0f) == q::kInt32Min);
  // 33554431 = 2^25 - 1 -> 2^25; times 0.25: 2^23 (the exact 8388607.75 would round to 8388608 too, so take 0.75:
  // 2^25 * 0.75 = 25165824 where the exact product 25165823.25 rounds to 25165823).
  CHECK(rq32(33554431, 0.75f) == 25165824);
}

TEST_CASE("requantize adds the zero point after rounding, then clamps", "[unit]") {
  CHECK(rq8(3, 0.5f, 10) == 12);  // 1.5 -> 2, + 10
  CHECK(rq8(5, 0.5f, 11) == 13);  // 2.5 -> 2, + 11; rounding after the add would give 13.5 -> 14
  CHECK(rq8(10, 1.0f, 120) == 127);
  CHECK(rq8(-10, 1.0f, -120) == -128);
  CHECK(rq8(117, 1.0f, 10) == 127);
  CHECK(rq8(116, 1.0f, 10) == 126);
  CHECK(q::requantize(-300, 1.0f, 128, 0, 255) == 0);
  CHECK(q::requantize(200, 0.5f, 128, 0, 255) == 228);
  // Clamp to a fused-ReLU range [zero point, hi].
  CHECK(q::requantize(-7, 1.0f, 5, 5, 127) == 5);
  // Huge products saturate whatever the zero point.
  CHECK(rq8(q::kInt32Max, 1.0f, -128) == 127);
  CHECK(rq8(q::kInt32Min, 1.0f, 127) == -128);
  CHECK(rq32(q::kInt32Max, 4.0f) == q::kInt32Max);
  CHECK(q::requantize(q::kInt32Min, 3.0e38f, 0, q::kInt32Min, q::kInt32Max) == q::kInt32Min);  // product -inf
  CHECK(q::requantize(1000, 1.0f, q::kInt32Max, q::kInt32Min, q::kInt32Max) == q::kInt32Max);
}

TEST_CASE("requantize is total over zero, subnormal, infinite and NaN scales", "[unit]") {
  const float denorm = std::numeric_limits<float>::denorm_min();
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  CHECK(rq8(q::kInt32Max, 0.0f, 5) == 5);
  CHECK(rq8(q::kInt32Max, denorm, 5) == 5);  // ~3e-36 -> 0
  CHECK(rq8(q::kInt32Min, -denorm, -7) == -7);
  CHECK(rq8(q::kInt32Max, 1.0e-38f, 0) == 0);
  CHECK(rq8(1, inf) == 127);
  CHECK(rq8(-1, inf) == -128);
  CHECK(rq8(1, -inf) == -128);
  CHECK(rq8(-1, -inf) == 127);
  CHECK(rq8(0, inf, 7) == 7);
  CHECK(rq8(5, nan) == 127);  // a positive NaN saturates by the sign of acc
  CHECK(rq8(-5, nan) == -128);
  CHECK(rq8(5, std::copysign(nan, -1.0f)) == -128);
  CHECK(rq8(0, nan, 3) == 3);
  CHECK(rq32(q::kInt32Max, inf) == q::kInt32Max);
}

TEST_CASE("requantize_bits reads the scale from its IEEE-754 pattern", "[unit]") {
  CHECK(q::scale_bits(0.5f) == 0x3F000000);
  CHECK(q::scale_bits(1.0f) == 0x3F800000);
  CHECK(q::requantize_bits(5, 0x3F000000, 0, kLo8, kHi8) == 2);  // 2.5 -> 2
  CHECK(q::requantize_bits(500, q::scale_bits(0.001f), 0, kLo8, kHi8) == 0);
  CHECK(q::requantize_bits(3, 0x7F800000, 0, kLo8, kHi8) == 127);  // +inf
  CHECK(q::requantize_bits(3, 0x00000001, 9, kLo8, kHi8) == 9);    // the smallest subnormal
}

TEST_CASE("requant_scale is (x_scale * w_scale) / y_scale in fp32, in that order", "[unit]") {
  CHECK(q::requant_scale(0.5f, 0.25f, 0.125f) == 1.0f);
  CHECK(q::requant_scale(0.5f, 0.5f, 0.25f) == 1.0f);
  // Found by a search over xs = i / 100, ws = j / 1000, ys = k / 100: 0.01f * 0.001f / 0.03f. The other orders
  // round differently: xs * (ws / ys) gives 0x1.5d867cp-12, one ulp lower.
  const float xs = 0.01f, ws = 0.001f, ys = 0.03f;
  REQUIRE(xs == 0x1.47ae14p-7f);
  REQUIRE(ws == 0x1.0624dep-10f);
  REQUIRE(ys == 0x1.eb851ep-6f);
  CHECK(q::requant_scale(xs, ws, ys) == 0x1.5d867ep-12f);
  CHECK(xs * (ws / ys) == 0x1.5d867cp-12f);
  // Overflow and underflow follow fp32: the product overflows before the division.
  CHECK(std::isinf(q::requant_scale(1.0e30f, 1.0e30f, 1.0e30f)));
  CHECK(q::requant_scale(1.0e-30f, 1.0e-30f, 1.0e-30f) == 0.0f);
}

TEST_CASE("global_average_scale is x_scale / (y_scale * float(count))", "[unit]") {
  CHECK(q::global_average_scale(1.0f, 0.5f, 4) == 0.5f);
  CHECK(q::global_average_scale(0.5f, 0.25f, 4) == 0.5f);
  CHECK(q::global_average_scale(1.0f, 1.0f, 9) == 1.0f / 9.0f);
  // The count converts to fp32: 2^24 + 1 -> 2^24.
  CHECK(q::global_average_scale(1.0f, 1.0f, 16777217) == 0x1p-24f);
  // Denominator first: 0.1f / (0.1f * 3) = 0.1f / 0x1.333334p-2 = 0x1.555554p-2, while (0.1f / 0.1f) / 3 is the
  // correctly rounded third, 0x1.555556p-2 (found by a search over small scales and counts).
  CHECK(0.1f * 3.0f == 0x1.333334p-2f);
  CHECK(q::global_average_scale(0.1f, 0.1f, 3) == 0x1.555554p-2f);
  CHECK(q::global_average_scale(0.1f, 0.1f, 13) == 0x1.3b13bp-4f);  // (0.1f / 0.1f) / 13 = 0x1.3b13b2p-4
  // Requantizing with it: 13 / 9 = 1.44 -> 1 (a fixed-point multiplier with two roundings can give 2).
  CHECK(rq8(13, q::global_average_scale(1.0f, 1.0f, 9)) == 1);
  CHECK(rq8(27, q::global_average_scale(1.0f, 1.0f, 9)) == 3);
}
