// qlinear_matmul and qgemm on hand-worked cases: exact int32 sums, then quant::requantize with ONNX Runtime's
// fp32 scale.
#include <catch2/catch.hpp>

#include "sim/ref/ref_kernels.hpp"

using namespace systole::ref;
using V = std::vector<std::int32_t>;
using Shape = std::vector<std::int64_t>;

TEST_CASE("qlinear_matmul int8 2-D, per tensor", "[unit]") {
  // a - 1 = [1 2 -1; 0 -2 4], b + 1 = [1 2; 3 0; 0 4].
  const QTensor a{{2, 3}, ElemType::kInt8, {2, 3, 0, 1, -1, 5}, per_tensor(0.5f, 1)};
  const QTensor b{{3, 2}, ElemType::kInt8, {0, 1, 2, -1, -1, 3}, per_tensor(0.5f, -1)};
  // row 0: [1 + 6 + 0, 2 + 0 - 4] = [7, -2]; row 1: [0 - 6 + 0, 0 + 0 + 16] = [-6, 16].
  // scale 0.5 * 0.5 / 0.25 = 1; zero point 2.
  const QTensor y = qlinear_matmul(a, b, OutSpec{0.25f, 2, ElemType::kInt8});
  CHECK(y.shape == Shape{2, 2});
  CHECK(y.values == V{9, 0, -4, 18});
}

TEST_CASE("qlinear_matmul uint8 with per-column b scales and zero points", "[unit]") {
  // a - 128 = [2 -2; 0 3]; b per column (axis 1): scales 1, 0.5, 0.25, zero points 0, 0, 1;
  // b - zb = [1 2 4; 3 -2 8].
  const QTensor a{{2, 2}, ElemType::kUint8, {130, 126, 128, 131}, per_tensor(1.0f, 128)};
  const QTensor b{{2, 3}, ElemType::kInt8, {1, 2, 5, 3, -2, 9}, per_channel({1.0f, 0.5f, 0.25f}, {0, 0, 1}, 1)};
  // acc row 0: [2 - 6, 4 + 4, 8 - 16] = [-4, 8, -8]; row 1: [9, -6, 24].
  // times 1, 0.5, 0.25 per column: [-4, 4, -2], [9, -3, 6]; plus 128.
  const QTensor y = qlinear_matmul(a, b, OutSpec{1.0f, 128, ElemType::kUint8});
  CHECK(y.shape == Shape{2, 3});
  CHECK(y.values == V{124, 132, 126, 137, 125, 134});
}

TEST_CASE("qlinear_matmul broadcasts batch dimensions", "[unit]") {
  // b: three [2, 1] matrices b0 = [1 1]^T, b1 = [2 0]^T, b2 = [0 -1]^T.
  const QTensor b{{3, 2, 1}, ElemType::kInt8, {1, 1, 2, 0, 0, -1}, per_tensor(1.0f, 0)};
  const OutSpec out{1.0f, 0, ElemType::kInt8};

  SECTION("[2, 1, 1, 2] x [3, 2, 1] -> [2, 3, 1, 1]") {
    // a0 = [1 2], a1 = [3 -1]; out[i][j] = a_i . b_j: [3, 2, -2], [2, 6, 1].
    const QTensor a{{2, 1, 1, 2}, ElemType::kInt8, {1, 2, 3, -1}, per_tensor(1.0f, 0)};
    const QTensor y = qlinear_matmul(a, b, out);
    CHECK(y.shape == Shape{2, 3, 1, 1});
    CHECK(y.values == V{3, 2, -2, 2, 6, 1});
  }
  SECTION("rank-2 a against a rank-3 b") {
    const QTensor a{{1, 2}, ElemType::kInt8, {1, 2}, per_tensor(1.0f, 0)};
    const QTensor y = qlinear_matmul(a, b, out);
    CHECK(y.shape == Shape{3, 1, 1});
    CHECK(y.values == V{3, 2, -2});
  }
  SECTION("[2, 2, 2] x [2, 1]: b shared by both batches") {
    // a0 = [1 0; 0 1], a1 = [2 2; -1 1] (uint8, zero point 10); b = b0 with zero point 0 -> row sums.
    const QTensor a{{2, 2, 2}, ElemType::kUint8, {11, 10, 10, 11, 12, 12, 9, 11}, per_tensor(1.0f, 10)};
    const QTensor b2{{2, 1}, ElemType::kInt8, {1, 1}, per_tensor(1.0f, 0)};
    const QTensor y = qlinear_matmul(a, b2, out);
    CHECK(y.shape == Shape{2, 2, 1});
    CHECK(y.values == V{1, 1, 4, 0});
  }
}

TEST_CASE("qgemm with trans_b, bias and alpha", "[unit]") {
  // a - 128 = [1 2; -1 0]; b is [N, K] = [1 1; 2 -1], so B = b^T = [1 2; 1 -1].
  const QTensor a{{2, 2}, ElemType::kUint8, {129, 130, 127, 128}, per_tensor(1.0f, 128)};
  const QTensor b{{2, 2}, ElemType::kInt8, {1, 1, 2, -1}, per_tensor(1.0f, 0)};
  GemmAttrs attrs;
  attrs.trans_b = true;
  attrs.alpha = 0.5f;
  // A B = [3 0; -1 -2]; + bias [10, -4] = [13 -4; 9 -6]; x alpha 0.5: 6.5 -> 6, -2, 4.5 -> 4, -3 (half to even).
  const QTensor y = qgemm(a, b, {10, -4}, attrs, OutSpec{1.0f, 0, ElemType::kInt8});
  CHECK(y.shape == Shape{2, 2});
  CHECK(y.values == V{6, -2, 4, -3});
}

TEST_CASE("qgemm forms the scale as ((alpha * sa) * sb) / sy in fp32", "[unit]") {
  // alpha 0.3, sa 0.01, sb 0.1, sy 0.01: ((0.3f * 0.01f) * 0.1f) / 0.01f = 0x1.eb852p-6; acc 15 * 10 = 150 gives 4.5
  // -> 4. alpha * ((sa * sb) / sy) is one ulp larger and would give 4.5000005 -> 5.
  const QTensor a{{1, 1}, ElemType::kInt8, {15}, per_tensor(0.01f, 0)};
  const QTensor b{{1, 1}, ElemType::kInt8, {10}, per_tensor(0.1f, 0)};
  GemmAttrs attrs;
  attrs.alpha = 0.3f;
  CHECK(qgemm(a, b, {}, attrs, OutSpec{0.01f, 0, ElemType::kInt8}).values == V{4});
  // QLinearMatMul: (sa * sb) / sy. 0.01f * 0.001f / 0.03f, acc 1500 -> 0.50000006 -> 1.
  const QTensor a2{{1, 1}, ElemType::kInt8, {15}, per_tensor(0.01f, 0)};
  const QTensor b2{{1, 1}, ElemType::kInt8, {100}, per_tensor(0.001f, 0)};
  CHECK(qlinear_matmul(a2, b2, OutSpec{0.03f, 0, ElemType::kInt8}).values == V{1});
}

TEST_CASE("qgemm with trans_a and per-column b", "[unit]") {
  // a is [K, M] = [1 2; 3 4], so A = [1 3; 2 4]; b = I with column scales 1, 0.5.
  const QTensor a{{2, 2}, ElemType::kInt8, {1, 2, 3, 4}, per_tensor(1.0f, 0)};
  const QTensor b{{2, 2}, ElemType::kInt8, {1, 0, 0, 1}, per_channel({1.0f, 0.5f}, {0, 0}, 1)};
  GemmAttrs attrs;
  attrs.trans_a = true;
  // A I = [1 3; 2 4]; column 1 x 0.5: 1.5 -> 2 (even), 2.
  const QTensor y = qgemm(a, b, {}, attrs, OutSpec{1.0f, 0, ElemType::kInt8});
  CHECK(y.shape == Shape{2, 2});
  CHECK(y.values == V{1, 2, 2, 2});
  // Without trans_a the product is a itself: [1, 2 x 0.5, 3, 4 x 0.5].
  CHECK(qgemm(a, b, {}, GemmAttrs{}, OutSpec{1.0f, 0, ElemType::kInt8}).values == V{1, 1, 3, 2});
}
