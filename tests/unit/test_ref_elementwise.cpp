// qlinear_add, qlinear_mul, relu, clip, requantize, quantize_linear and dequantize_linear on hand-worked cases,
// with ONNX Runtime's fp32 arithmetic.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "sim/ref/ref_kernels.hpp"

using namespace systole::ref;
using V = std::vector<std::int32_t>;
using Shape = std::vector<std::int64_t>;

TEST_CASE("qlinear_add int8, equal scales, saturating at both ends", "[unit]") {
  // All scales 0.5: rA = rB = 1, F = 0, so the fp32 sum is a + b exactly.
  const QTensor a{{4}, ElemType::kInt8, {3, -100, 100, -1}, per_tensor(0.5f, 0)};
  const QTensor b{{4}, ElemType::kInt8, {4, -50, 50, 0}, per_tensor(0.5f, 0)};
  // 7, -150 -> -128, 150 -> 127, -1.
  const QTensor y = qlinear_add(a, b, OutSpec{0.5f, 0, ElemType::kInt8});
  CHECK(y.shape == Shape{4});
  CHECK(y.values == V{7, -128, 127, -1});
}

TEST_CASE("qlinear_add uint8, different scales, b broadcast over rows: ties to even", "[unit]") {
  // rA = 0.5, rB = 0.25, F = 50 - (0.5 * 128 + 0.25 * 100) = -39; every step is exact in fp32, so
  // y = rne(0.5 (a - 128) + 0.25 (b - 100)) + 50. a - 128 = [2 4 -6; 10 0 -2], b - 100 = [4 -8 2].
  const QTensor a{{2, 3}, ElemType::kUint8, {130, 132, 122, 138, 128, 126}, per_tensor(0.5f, 128)};
  const QTensor b{{3}, ElemType::kUint8, {104, 92, 102}, per_tensor(0.25f, 100)};
  // row 0: 1 + 1 = 2, 2 - 2 = 0, -3 + 0.5 = -2.5 -> -2; row 1: 5 + 1 = 6, 0 - 2 = -2, -1 + 0.5 = -0.5 -> 0.
  const QTensor y = qlinear_add(a, b, OutSpec{1.0f, 50, ElemType::kUint8});
  CHECK(y.shape == Shape{2, 3});
  CHECK(y.values == V{52, 50, 48, 56, 48, 50});
}

TEST_CASE("qlinear_add broadcasts both operands", "[unit]") {
  // [2, 1] + [1, 3] -> [2, 3]: [1, 2] down, [10, 20, 30] across.
  const QTensor a{{2, 1}, ElemType::kInt8, {1, 2}, per_tensor(1.0f, 0)};
  const QTensor b{{1, 3}, ElemType::kInt8, {10, 20, 30}, per_tensor(1.0f, 0)};
  const QTensor y = qlinear_add(a, b, OutSpec{1.0f, 0, ElemType::kInt8});
  CHECK(y.shape == Shape{2, 3});
  CHECK(y.values == V{11, 21, 31, 12, 22, 32});
  // A scalar-like [1] operand against a [2, 2] one, into int8 with zero point -10.
  const QTensor s{{1}, ElemType::kInt8, {5}, per_tensor(1.0f, 0)};
  const QTensor m{{2, 2}, ElemType::kInt8, {0, 1, -1, 100}, per_tensor(1.0f, 0)};
  CHECK(qlinear_add(m, s, OutSpec{1.0f, -10, ElemType::kInt8}).values == V{-5, -4, -6, 95});
}

// The fp32 cases below were found by a search and checked with exact rational arithmetic (each fp32 step computed
// exactly, then rounded once to nearest even). Common parameters: int8, sa = sb = 0.01, za = zb = -3, sc = 0.1,
// zc = -5: rA = rB = 0.01f / 0.1f = 0x1.9999999p-4 (just below 0.1), F = -5 - fma(rA, -3, rB * -3).
TEST_CASE("qlinear_add fuses the multiply-adds as ONNX Runtime's AVX2 kernel does", "[unit]") {
  const OutSpec out{0.1f, -5, ElemType::kInt8};
  // fma(a, rA, fma(b, rB, F)) = -7.4999995 -> -7 and -2.5000002 -> -3; separately rounded products and sums land
  // on the ties -7.5 -> -8 and -2.5 -> -2 instead.
  const QTensor a{{2}, ElemType::kInt8, {-18, 9}, per_tensor(0.01f, -3)};
  const QTensor b{{2}, ElemType::kInt8, {-13, 10}, per_tensor(0.01f, -3)};
  CHECK(qlinear_add(a, b, out).values == V{-7, -3});
}

TEST_CASE("qlinear_add follows ONNX Runtime's operand order under broadcasting", "[unit]") {
  const OutSpec out{0.1f, -5, ElemType::kInt8};
  const QTensor a_vec{{2}, ElemType::kInt8, {-19, 3}, per_tensor(0.01f, -3)};
  const QTensor b_vec{{2}, ElemType::kInt8, {18, 16}, per_tensor(0.01f, -3)};
  // Elementwise: fma(a, rA, fma(b, rB, F)) = -4.5 -> -4 and -2.5000002 -> -3.
  CHECK(qlinear_add(a_vec, b_vec, out).values == V{-4, -3});
  SECTION("a repeated over the span: ORT swaps the operands") {
    // F' = -5 - fma(rB, zb, rA * za), y = fma(b, rB, fma(a, rA, F')): -4.5000005 -> -5 and -2.5 -> -2.
    const QTensor a0{{1}, ElemType::kInt8, {-19}, per_tensor(0.01f, -3)};
    const QTensor a1{{1}, ElemType::kInt8, {3}, per_tensor(0.01f, -3)};
    CHECK(qlinear_add(a0, QTensor{{2}, ElemType::kInt8, {18, 0}, per_tensor(0.01f, -3)}, out).values[0] == -5);
    CHECK(qlinear_add(a1, QTensor{{2}, ElemType::kInt8, {16, 0}, per_tensor(0.01f, -3)}, out).values[0] == -2);
    // [2, 1] + [1, 2]: a is one value per row of the innermost span, so the whole output takes the swapped order.
    const QTensor a_col{{2, 1}, ElemType::kInt8, {-19, 3}, per_tensor(0.01f, -3)};
    const QTensor b_row{{1, 2}, ElemType::kInt8, {18, 16}, per_tensor(0.01f, -3)};
    const QTensor y = qlinear_add(a_col, b_row, out);
    CHECK(y.shape == Shape{2, 2});
    CHECK(y.values[0] == -5);  // (-19, 18)
    CHECK(y.values[3] == -2);  // (3, 16)
  }
  SECTION("b repeated over the span: the elementwise order") {
    const QTensor b0{{1}, ElemType::kInt8, {18}, per_tensor(0.01f, -3)};
    CHECK(qlinear_add(QTensor{{2}, ElemType::kInt8, {-19, 0}, per_tensor(0.01f, -3)}, b0, out).values[0] == -4);
    const QTensor b_col{{2, 1}, ElemType::kInt8, {18, 16}, per_tensor(0.01f, -3)};
    const QTensor a_row{{1, 2}, ElemType::kInt8, {-19, 3}, per_tensor(0.01f, -3)};
    const QTensor y = qlinear_add(a_row, b_col, out);
    CHECK(y.values[0] == -4);  // (-19, 18)
    CHECK(y.values[3] == -3);  // (3, 16)
  }
  SECTION("a span of one element folds the first operand into F first") {
    // sa = 0.01, sb = 0.03, za = -3, zb = 3, sc = 0.1, zc = 0; a = -15, b = 2. A one-element span (a [1] + b [1],
    // or [3, 1] + [1]) is ORT's swapped call with MLAS's IsScalarA branch: y = fma(a, rA, fma(b, rB, F')) =
    // -1.4999999 -> -1. The elementwise and swapped orders give -1.5 -> -2.
    const OutSpec o{0.1f, 0, ElemType::kInt8};
    const QTensor a1{{1}, ElemType::kInt8, {-15}, per_tensor(0.01f, -3)};
    const QTensor b1{{1}, ElemType::kInt8, {2}, per_tensor(0.03f, 3)};
    CHECK(qlinear_add(a1, b1, o).values == V{-1});
    const QTensor a3{{3, 1}, ElemType::kInt8, {-15, -12, 0}, per_tensor(0.01f, -3)};
    CHECK(qlinear_add(a3, b1, o).values[0] == -1);
    const QTensor a2{{2}, ElemType::kInt8, {-15, -15}, per_tensor(0.01f, -3)};
    const QTensor b2{{2}, ElemType::kInt8, {2, 2}, per_tensor(0.03f, 3)};
    CHECK(qlinear_add(a2, b2, o).values == V{-2, -2});
  }
}

TEST_CASE("qlinear_add: a sum past int32 gives the type minimum, as x86 conversion does", "[unit]") {
  // rA = 1e30 / 1e-5 = 1e35: a = 1 gives 1e35, which CVTPS2DQ turns into INT32_MIN; the packs saturate it low.
  const QTensor a{{2}, ElemType::kInt8, {1, -1}, per_tensor(1.0e30f, 0)};
  const QTensor b{{2}, ElemType::kInt8, {0, 0}, per_tensor(1.0f, 0)};
  CHECK(qlinear_add(a, b, OutSpec{1.0e-5f, 0, ElemType::kInt8}).values == V{-128, -128});
  const QTensor au{{1}, ElemType::kUint8, {1}, per_tensor(1.0e30f, 0)};
  const QTensor bu{{1}, ElemType::kUint8, {0}, per_tensor(1.0f, 0)};
  CHECK(qlinear_add(au, bu, OutSpec{1.0e-5f, 0, ElemType::kUint8}).values == V{0});
}

TEST_CASE("qlinear_mul rounds the product and the zero-point add separately", "[unit]") {
  // r = (0.01f * 0.02f) / 0.01f = 0x1.47ae14p-6 (0.019999999552965164). p = (a - za) (b - zb).
  // p = 225: 225 r = 4.4999999 -> 4.5 in fp32, -5 -> -0.5 -> 0; one fma would give -0.50000012 -> -1.
  // p = 325: 325 r = 6.4999999 -> 6.5, -5 -> 1.5 -> 2; an fma gives 1.4999999 -> 1.
  const QTensor a{{3}, ElemType::kInt8, {15, 13, -2}, per_tensor(0.01f, 0)};
  const QTensor b{{3}, ElemType::kInt8, {20, 30, 50}, per_tensor(0.02f, 5)};
  // p = 15 * 15, 13 * 25, -2 * 45 = -90: -90 r = -1.8 -> -6.8 -> -7.
  const QTensor y = qlinear_mul(a, b, OutSpec{0.01f, -5, ElemType::kInt8});
  CHECK(y.values == V{0, 2, -7});
  // Broadcast a [2, 1] column against b [3]; uint8 saturation: p * 4 + 10 with scales 1, 2 / 0.5.
  const QTensor col{{2, 1}, ElemType::kUint8, {3, 200}, per_tensor(1.0f, 0)};
  const QTensor row{{3}, ElemType::kUint8, {0, 1, 2}, per_tensor(2.0f, 0)};
  const QTensor yb = qlinear_mul(col, row, OutSpec{0.5f, 10, ElemType::kUint8});
  CHECK(yb.shape == Shape{2, 3});
  CHECK(yb.values == V{10, 22, 34, 10, 255, 255});
}

TEST_CASE("relu clamps at the zero point", "[unit]") {
  const QTensor x8{{4}, ElemType::kInt8, {-10, -3, -2, 5}, per_tensor(0.1f, -3)};
  const QTensor y8 = relu(x8);
  CHECK(y8.values == V{-3, -3, -2, 5});
  CHECK(y8.q.zero_point == V{-3});
  CHECK(relu(QTensor{{4}, ElemType::kUint8, {0, 127, 128, 200}, per_tensor(0.1f, 128)}).values ==
        V{128, 128, 128, 200});
  // Per channel along axis 0: row 0 zero point 0, row 1 zero point 10.
  CHECK(relu(QTensor{{2, 2}, ElemType::kUint8, {0, 5, 5, 15}, per_channel({1.0f, 1.0f}, {0, 10}, 0)}).values ==
        V{0, 5, 10, 15});
}

TEST_CASE("clip bounds the stored integers", "[unit]") {
  const QTensor x{{5}, ElemType::kInt8, {-100, -5, 0, 7, 100}, per_tensor(1.0f, 0)};
  CHECK(clip(x, -5, 7).values == V{-5, -5, 0, 7, 7});
  CHECK(clip(QTensor{{3}, ElemType::kUint8, {1, 2, 3}, per_tensor(1.0f, 0)}, 2, 255).values == V{2, 2, 3});
  // ONNX: min > max makes every value max.
  CHECK(clip(QTensor{{3}, ElemType::kUint8, {1, 2, 3}, per_tensor(1.0f, 0)}, 5, 2).values == V{2, 2, 2});
}

TEST_CASE("requantize keeps real values across scale, zero point and type", "[unit]") {
  SECTION("int8 -> uint8, same scale: a zero-point shift") {
    const QTensor x{{5}, ElemType::kInt8, {-128, -1, 0, 1, 127}, per_tensor(0.5f, 0)};
    const QTensor y = requantize(x, OutSpec{0.5f, 128, ElemType::kUint8});
    CHECK(y.type == ElemType::kUint8);
    CHECK(y.values == V{0, 127, 128, 129, 255});
  }
  SECTION("scale x2 saturates at both ends") {
    // sx / sy = 1 / 0.5 = 2.
    const QTensor x{{4}, ElemType::kInt8, {-128, -64, 63, 64}, per_tensor(1.0f, 0)};
    CHECK(requantize(x, OutSpec{0.5f, 0, ElemType::kInt8}).values == V{-128, -128, 126, 127});
  }
  SECTION("ties round to even") {
    // x * 0.25 / 1: 2 -> 0.5 -> 0, -2 -> 0, 6 -> 1.5 -> 2, -6 -> -2, 10 -> 2.5 -> 2, -10 -> -2.
    const QTensor x{{6}, ElemType::kInt8, {2, -2, 6, -6, 10, -10}, per_tensor(0.25f, 0)};
    CHECK(requantize(x, OutSpec{1.0f, 0, ElemType::kInt8}).values == V{0, 0, 2, -2, 2, -2});
  }
  SECTION("dequantize then divide, each in fp32") {
    // 15 * 0.01f = 0x1.333332p-3, / 0.02f = 7.4999995 -> 7 (the real 15 * 0.01 / 0.02 is the tie 7.5 -> 8);
    // likewise -15 -> -7; 5 * 0.03f / 0.02f = 7.4999995 -> 7 with sx = 0.03.
    const QTensor x{{3}, ElemType::kInt8, {15, -15, 16}, per_tensor(0.01f, 0)};
    CHECK(requantize(x, OutSpec{0.02f, 0, ElemType::kInt8}).values == V{7, -7, 8});
    const QTensor x3{{2}, ElemType::kInt8, {5, 9}, per_tensor(0.03f, 0)};
    CHECK(requantize(x3, OutSpec{0.02f, 0, ElemType::kInt8}).values == V{7, 13});  // 9: 13.499999 -> 13
  }
  SECTION("a scale ratio below fp32's reach: all zero point") {
    const QTensor x{{3}, ElemType::kInt8, {-128, 0, 127}, per_tensor(1e-30f, 0)};
    CHECK(requantize(x, OutSpec{1.0f, 4, ElemType::kInt8}).values == V{4, 4, 4});
  }
  SECTION("int32 accumulators to int8") {
    // sx / sy = 0.001 / 0.01 = 0.1: 1000 -> 100, -1500 -> -150 -> -128, 200000 -> 20000 -> 127, 14 -> 1.4 -> 1.
    const QTensor x{{4}, ElemType::kInt32, {1000, -1500, 200000, 14}, per_tensor(0.001f, 0)};
    CHECK(requantize(x, OutSpec{0.01f, 0, ElemType::kInt8}).values == V{100, -128, 127, 1});
  }
}

TEST_CASE("quantize_linear rounds half to even and saturates", "[unit]") {
  const float inf = std::numeric_limits<float>::infinity();
  // v / 0.5: 0.5 -> 0, 1.5 -> 2, 2.5 -> 2, -0.5 -> 0, -1.5 -> -2, 2000 -> 127, -2000 -> -128, 0.6 -> 1, inf -> 127.
  const QTensor y = quantize_linear({0.25f, 0.75f, 1.25f, -0.25f, -0.75f, 1000.0f, -1000.0f, 0.3f, inf}, {9},
                                    OutSpec{0.5f, 0, ElemType::kInt8});
  CHECK(y.shape == Shape{9});
  CHECK(y.values == V{0, 2, 2, 0, -2, 127, -128, 1, 127});
  CHECK(y.q.scale == std::vector<float>{0.5f});
  // uint8, zero point 128, scale 2: round(v / 2) + 128: 3 -> 1.5 -> 2 -> 130; -5 -> -2.5 -> -2 -> 126; -inf -> 0.
  CHECK(quantize_linear({3.0f, -5.0f, 1000.0f, -inf}, {2, 2}, OutSpec{2.0f, 128, ElemType::kUint8}).values ==
        V{130, 126, 255, 0});
  // A true division: 0x1.8cccccp+0 / 0.1f = 15.499999 -> 15, where times 1 / 0.1f (= 10 in fp32) gives the tie
  // 15.5 -> 16. Into int32: the type's range, zero point 0.
  CHECK(quantize_linear({0x1.8cccccp+0f, -0x1.8cccccp+0f}, {2}, OutSpec{0.1f, 0, ElemType::kInt8}).values ==
        V{15, -15});
  CHECK(quantize_linear({3.0e9f, -3.0e9f, 2.5f}, {3}, OutSpec{1.0f, 0, ElemType::kInt32}).values ==
        V{std::numeric_limits<std::int32_t>::max(), std::numeric_limits<std::int32_t>::min(), 2});
}

TEST_CASE("dequantize_linear per tensor and per channel", "[unit]") {
  const QTensor x{{3}, ElemType::kInt8, {-128, 0, 5}, per_tensor(0.5f, 2)};
  CHECK(dequantize_linear(x) == std::vector<float>{-65.0f, -1.0f, 1.5f});
  // Axis 1: column 0 scale 1 zero point 0, column 1 scale 0.5 zero point 4.
  const QTensor xc{{2, 2}, ElemType::kUint8, {1, 2, 3, 4}, per_channel({1.0f, 0.5f}, {0, 4}, 1)};
  CHECK(dequantize_linear(xc) == std::vector<float>{1.0f, -1.0f, 3.0f, 0.0f});
  // One fp32 multiply of the exact difference: (100 - (-28)) * 0.1f = 128 * 0.1f, exact as a power of two times
  // 0.1f; 3 * 0.1f rounds to 0x1.333334p-2 (not the nearest float to 0.3, 0x1.333333p-2).
  const QTensor xf{{2}, ElemType::kInt8, {100, -25}, per_tensor(0.1f, -28)};
  CHECK(dequantize_linear(xf) == std::vector<float>{128 * 0.1f, 0x1.333334p-2f});
  // Round trip: quantize(dequantize(x)) == x for every int8 value at an exact power-of-two scale.
  QTensor all{{256}, ElemType::kInt8, {}, per_tensor(0.125f, -3)};
  for (std::int32_t v = -128; v <= 127; ++v) all.values.push_back(v);
  CHECK(quantize_linear(dequantize_linear(all), {256}, OutSpec{0.125f, -3, ElemType::kInt8}).values == all.values);
}
