// qlinear_add, relu, clip, requantize, quantize_linear and dequantize_linear on hand-worked cases.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "sim/ref/ref_kernels.hpp"

using namespace systole::ref;
using V = std::vector<std::int32_t>;
using Shape = std::vector<std::int64_t>;

TEST_CASE("qlinear_add int8, equal scales, saturating at both ends", "[unit]") {
  // All scales 0.5: multipliers a = b = 0.5 (of 2 * 0.5), out = 1 / (2^20 * 0.5); the sum is a + b exactly.
  const QTensor a{{4}, ElemType::kInt8, {3, -100, 100, -1}, per_tensor(0.5f, 0)};
  const QTensor b{{4}, ElemType::kInt8, {4, -50, 50, 0}, per_tensor(0.5f, 0)};
  // 7, -150 -> -128, 150 -> 127, -1.
  const QTensor y = qlinear_add(a, b, OutSpec{0.5f, 0, ElemType::kInt8});
  CHECK(y.shape == Shape{4});
  CHECK(y.values == V{7, -128, 127, -1});
}

TEST_CASE("qlinear_add uint8, different scales, b broadcast over rows", "[unit]") {
  // real = 0.5 (a - 128) + 0.25 (b - 100), output scale 1, zero point 50.
  // a - 128 = [2 4 -6; 10 0 -2], b - 100 = [4 -8 2].
  const QTensor a{{2, 3}, ElemType::kUint8, {130, 132, 122, 138, 128, 126}, per_tensor(0.5f, 128)};
  const QTensor b{{3}, ElemType::kUint8, {104, 92, 102}, per_tensor(0.25f, 100)};
  // row 0: 1 + 1 = 2, 2 - 2 = 0, -3 + 0.5 = -2.5; row 1: 5 + 1 = 6, 0 - 2 = -2, -1 + 0.5 = -0.5.
  // Both inputs land exactly on 2^20 * real; the final rounding shift sends ties away from zero:
  // -2.5 -> -3 and -0.5 -> -1 (ONNX Runtime's float path rounds half to even: -2 and 0, within 1 LSB).
  const QTensor y = qlinear_add(a, b, OutSpec{1.0f, 50, ElemType::kUint8});
  CHECK(y.shape == Shape{2, 3});
  CHECK(y.values == V{52, 50, 47, 56, 48, 49});
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
  SECTION("ties round away from zero") {
    // sx / sy = 0.25: 2 -> 0.5 -> 1, -2 -> -1, 6 -> 1.5 -> 2, -6 -> -2, 10 -> 2.5 -> 3, -10 -> -3.
    const QTensor x{{6}, ElemType::kInt8, {2, -2, 6, -6, 10, -10}, per_tensor(0.25f, 0)};
    CHECK(requantize(x, OutSpec{1.0f, 0, ElemType::kInt8}).values == V{1, -1, 2, -2, 3, -3});
  }
  SECTION("a multiplier too small for the fixed-point form is zero: all zero point") {
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
}

TEST_CASE("dequantize_linear per tensor and per channel", "[unit]") {
  const QTensor x{{3}, ElemType::kInt8, {-128, 0, 5}, per_tensor(0.5f, 2)};
  CHECK(dequantize_linear(x) == std::vector<float>{-65.0f, -1.0f, 1.5f});
  // Axis 1: column 0 scale 1 zero point 0, column 1 scale 0.5 zero point 4.
  const QTensor xc{{2, 2}, ElemType::kUint8, {1, 2, 3, 4}, per_channel({1.0f, 0.5f}, {0, 4}, 1)};
  CHECK(dequantize_linear(xc) == std::vector<float>{1.0f, -1.0f, 3.0f, 0.0f});
  // Round trip: quantize(dequantize(x)) == x for every int8 value at an exact power-of-two scale.
  QTensor all{{256}, ElemType::kInt8, {}, per_tensor(0.125f, -3)};
  for (std::int32_t v = -128; v <= 127; ++v) all.values.push_back(v);
  CHECK(quantize_linear(dequantize_linear(all), {256}, OutSpec{0.125f, -3, ElemType::kInt8}).values == all.values);
}
