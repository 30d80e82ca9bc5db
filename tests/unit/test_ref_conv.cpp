// qlinear_conv on hand-worked cases, and a property test: a 1x1 conv equals a matmul on the reshaped tensors.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <iostream>
#include <random>

#include "sim/ref/ref_kernels.hpp"

using namespace systole::ref;
using V = std::vector<std::int32_t>;

TEST_CASE("qlinear_conv uint8, 2x2 kernel, stride 1, bias", "[unit]") {
  // x - 128 = [2 0 -2; 4 1 0; 0 -1 3], w = [1 -1; 2 0]; scale 0.5 * 0.25 / 0.125 = 1.
  const QTensor x{{1, 1, 3, 3}, ElemType::kUint8, {130, 128, 126, 132, 129, 128, 128, 127, 131}, per_tensor(0.5f, 128)};
  const QTensor w{{1, 1, 2, 2}, ElemType::kInt8, {1, -1, 2, 0}, per_tensor(0.25f, 0)};
  const OutSpec out{0.125f, 100, ElemType::kUint8};
  // acc(0,0) = 2 + 0 + 8 + 0 = 10; (0,1) = 0 + 2 + 2 + 0 = 4; (1,0) = 4 - 1 + 0 + 0 = 3; (1,1) = 1 + 0 - 2 + 0 = -1.
  const QTensor y = qlinear_conv(x, w, {}, ConvAttrs{}, out);
  CHECK(y.shape == std::vector<std::int64_t>{1, 1, 2, 2});
  CHECK(y.type == ElemType::kUint8);
  CHECK(y.values == V{110, 104, 103, 99});
  CHECK(y.q.scale == std::vector<float>{0.125f});
  CHECK(y.q.zero_point == V{100});
  // bias -3 (scale sx * sw, zero point 0) adds to every accumulator.
  CHECK(qlinear_conv(x, w, {-3}, ConvAttrs{}, out).values == V{107, 101, 100, 96});

  SECTION("fused ReLU clamps at the output zero point") {
    ConvAttrs relu;
    relu.fused_relu = true;
    CHECK(qlinear_conv(x, w, {}, relu, out).values == V{110, 104, 103, 100});  // 99 -> 100 (real 0)
  }
}

TEST_CASE("qlinear_conv int8, stride 2, asymmetric padding", "[unit]") {
  // x - (-1) = c = [1..16] row-major in a 4x4 plane; w = [1 0 -1; 0 2 0; -1 0 1]; pads top 1, right 1.
  // Padded 5x5, stride 2: OH = (5 - 3) / 2 + 1 = 2, OW = 2. Window rows start at 2 oh - 1, cols at 2 ow.
  QTensor x{{1, 1, 4, 4}, ElemType::kInt8, {}, per_tensor(0.5f, -1)};
  for (std::int32_t v = 0; v < 16; ++v) x.values.push_back(v);
  const QTensor w{{1, 1, 3, 3}, ElemType::kInt8, {1, 0, -1, 0, 2, 0, -1, 0, 1}, per_tensor(0.5f, 0)};
  ConvAttrs attrs;
  attrs.strides = {2, 2};
  attrs.pads = {1, 0, 0, 1};
  // (0,0): rows -1..1, cols 0..2: 2*c(0,1) - c(1,0) + c(1,2) = 4 - 5 + 7 = 6
  // (0,1): rows -1..1, cols 2..4: 2*c(0,3) - c(1,2) + pad = 8 - 7 = 1
  // (1,0): rows 1..3, cols 0..2: c(1,0) - c(1,2) + 2*c(2,1) - c(3,0) + c(3,2) = 5 - 7 + 20 - 13 + 15 = 20
  // (1,1): rows 1..3, cols 2..4: c(1,2) + 2*c(2,3) - c(3,2) = 7 + 24 - 15 = 16
  // scale 0.5 * 0.5 / 0.5 = 0.5: 3, 0.5 -> 0 (half to even), 10, 8; plus zero point -5.
  const QTensor y = qlinear_conv(x, w, {}, attrs, OutSpec{0.5f, -5, ElemType::kInt8});
  CHECK(y.shape == std::vector<std::int64_t>{1, 1, 2, 2});
  CHECK(y.values == V{-2, -5, 5, 3});
}

TEST_CASE("qlinear_conv dilation 2 with uint8 weights and saturation", "[unit]") {
  // c(r, k) = x - 10 = 5 r + k on a 5x5 plane; w - 2 = [1 2; 3 4] dilated by 2 (spans 3x3): OH = OW = 3.
  QTensor x{{1, 1, 5, 5}, ElemType::kUint8, {}, per_tensor(1.0f, 10)};
  for (std::int32_t v = 0; v < 25; ++v) x.values.push_back(v + 10);
  const QTensor w{{1, 1, 2, 2}, ElemType::kUint8, {3, 4, 5, 6}, per_tensor(1.0f, 2)};
  ConvAttrs attrs;
  attrs.dilations = {2, 2};
  // acc = c + 2 (c + 2) + 3 (c + 10) + 4 (c + 12) = 10 c + 82 with c = 5 oh + ow:
  // 82 92 102 / 132 142 152 / 182 192 202; scale 1, zero point 60: the last, 262, saturates to 255.
  const QTensor y = qlinear_conv(x, w, {}, attrs, OutSpec{1.0f, 60, ElemType::kUint8});
  CHECK(y.shape == std::vector<std::int64_t>{1, 1, 3, 3});
  CHECK(y.values == V{142, 152, 162, 192, 202, 212, 242, 252, 255});
}

TEST_CASE("qlinear_conv groups = 2 picks each group's input channels", "[unit]") {
  // C = 4, M = 4, 1x1 kernel; group 0 (oc 0, 1) reads channels 0, 1; group 1 (oc 2, 3) reads channels 2, 3.
  const QTensor x{
      {1, 4, 2, 2}, ElemType::kInt8, {1, 2, 3, 4, 10, 20, 30, 40, -1, -2, -3, -4, 5, 5, 5, 5}, per_tensor(1.0f, 0)};
  const QTensor w{{4, 2, 1, 1}, ElemType::kInt8, {1, 1, 2, -1, 1, 0, 0, 3}, per_tensor(1.0f, 0)};
  ConvAttrs attrs;
  attrs.group = 2;
  // oc0 = ch0 + ch1 = 11 22 33 44; oc1 = 2 ch0 - ch1 = -8 -16 -24 -32; oc2 = ch2 = -1 -2 -3 -4; oc3 = 3 ch3 = 15.
  const QTensor y = qlinear_conv(x, w, {}, attrs, OutSpec{1.0f, 0, ElemType::kInt8});
  CHECK(y.shape == std::vector<std::int64_t>{1, 4, 2, 2});
  CHECK(y.values == V{11, 22, 33, 44, -8, -16, -24, -32, -1, -2, -3, -4, 15, 15, 15, 15});
}

TEST_CASE("qlinear_conv depthwise with per-channel weights and top-left padding", "[unit]") {
  // x - 128: ch0 = [1 2; 3 4], ch1 = [-1 0; 2 -3]. Per-channel w: ch0 sw 0.5 zw 1, w - 1 = [1 0; 0 1];
  // ch1 sw 0.25 zw -2, w + 2 = [0 2; 2 0]. Scales 0.25 * sw / 0.125: ch0 1.0, ch1 0.5.
  const QTensor x{{1, 2, 2, 2}, ElemType::kUint8, {129, 130, 131, 132, 127, 128, 130, 125}, per_tensor(0.25f, 128)};
  const QTensor w{{2, 1, 2, 2}, ElemType::kInt8, {2, 1, 1, 2, -2, 0, 0, -2}, per_channel({0.5f, 0.25f}, {1, -2}, 0)};
  ConvAttrs attrs;
  attrs.group = 2;
  attrs.pads = {1, 1, 0, 0};  // top 1, left 1: OH = OW = 2 + 1 - 2 + 1 = 2; window (oh, ow) covers rows oh-1..oh
  // ch0: c(oh-1, ow-1) + c(oh, ow): 0+1, 0+2, 0+3, 1+4 = 1 2 3 5 (x 1.0)
  // ch1: 2 (c(oh-1, ow) + c(oh, ow-1)): 0, 2*(-1), 2*(-1), 2*(0+2) = 0 -2 -2 4 (x 0.5 -> 0 -1 -1 2)
  const QTensor y = qlinear_conv(x, w, {}, attrs, OutSpec{0.125f, 3, ElemType::kInt8});
  CHECK(y.shape == std::vector<std::int64_t>{1, 2, 2, 2});
  CHECK(y.values == V{4, 5, 6, 8, 3, 2, 2, 5});
}

TEST_CASE("qlinear_conv requantizes with (sx * sw) / sy in fp32", "[unit]") {
  // 0.01f * 0.001f / 0.03f = 0x1.5d867ep-12, one ulp above 0.01f * (0.001f / 0.03f). acc 1500 gives 0.50000006 -> 1
  // (the other order: exactly 0.5 -> 0); acc 7500 gives 2.5000002 -> 3 (the other order: 2.5 -> 2).
  const QTensor x{{1, 1, 1, 2}, ElemType::kInt8, {15, 75}, per_tensor(0.01f, 0)};
  const QTensor w{{2, 1, 1, 1}, ElemType::kInt8, {100, 100}, per_channel({0.001f, 0.002f}, {0, 0}, 0)};
  const QTensor y = qlinear_conv(x, w, {}, ConvAttrs{}, OutSpec{0.03f, 0, ElemType::kInt8});
  // Channel 1: 0.01f * 0.002f / 0.03f is twice channel 0's scale (powers of two commute): 1500 -> 1.0000001 -> 1,
  // 7500 -> 5.0000005 -> 5.
  CHECK(y.values == V{1, 3, 1, 5});
}

TEST_CASE("qlinear_conv pointwise over a batch of 2", "[unit]") {
  // n0: ch0 = [1 2], ch1 = [3 4]; n1: ch0 = [5 6], ch1 = [7 8]; oc0 = ch0, oc1 = ch1, oc2 = ch0 - ch1.
  const QTensor x{{2, 2, 1, 2}, ElemType::kUint8, {1, 2, 3, 4, 5, 6, 7, 8}, per_tensor(1.0f, 0)};
  const QTensor w{{3, 2, 1, 1}, ElemType::kInt8, {1, 0, 0, 1, 1, -1}, per_tensor(1.0f, 0)};
  const QTensor y = qlinear_conv(x, w, {}, ConvAttrs{}, OutSpec{1.0f, 10, ElemType::kUint8});
  CHECK(y.shape == std::vector<std::int64_t>{2, 3, 1, 2});
  CHECK(y.values == V{11, 12, 13, 14, 8, 8, 15, 16, 17, 18, 8, 8});
}

TEST_CASE("qlinear_conv 1x1 equals qlinear_matmul and qgemm on reshaped tensors (random)", "[unit]") {
  const char* env = std::getenv("SYSTOLE_TEST_SEED");
  const unsigned seed = env ? static_cast<unsigned>(std::strtoul(env, nullptr, 10)) : std::random_device{}();
  std::cout << "conv 1x1 vs matmul: seed " << seed << " (set SYSTOLE_TEST_SEED to replay)\n";
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  auto real = [&](float lo, float hi) { return std::uniform_real_distribution<float>(lo, hi)(rng); };

  for (int trial = 0; trial < 50; ++trial) {
    const std::int64_t n = uniform(1, 2), c = uniform(1, 6), h = uniform(1, 4), wd = uniform(1, 4), m = uniform(1, 5);
    const std::int64_t hw = h * wd;
    const ElemType xt = uniform(0, 1) ? ElemType::kUint8 : ElemType::kInt8;
    QTensor x{{n, c, h, wd}, xt, {}, per_tensor(real(0.01f, 0.1f), uniform(type_min(xt), type_max(xt)))};
    for (std::int64_t i = 0; i < n * c * hw; ++i) x.values.push_back(uniform(type_min(xt), type_max(xt)));
    QTensor w{{m, c, 1, 1}, ElemType::kInt8, {}, per_channel({}, {}, 0)};
    for (std::int64_t i = 0; i < m; ++i) {
      w.q.scale.push_back(real(0.001f, 0.05f));
      w.q.zero_point.push_back(uniform(-3, 3));
    }
    for (std::int64_t i = 0; i < m * c; ++i) w.values.push_back(uniform(-128, 127));
    const ElemType yt = uniform(0, 1) ? ElemType::kUint8 : ElemType::kInt8;
    const OutSpec out{real(0.01f, 0.5f), uniform(type_min(yt), type_max(yt)), yt};
    const QTensor y = qlinear_conv(x, w, {}, ConvAttrs{}, out);

    // a[n, p, c] = x[n, c, p] (rank 3); b[c, m] = w[m, c] (rank 2, broadcast over n), per column m.
    QTensor a{{n, hw, c}, xt, std::vector<std::int32_t>(x.values.size()), x.q};
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t p = 0; p < hw; ++p)
        for (std::int64_t k = 0; k < c; ++k) a.values[(i * hw + p) * c + k] = x.values[(i * c + k) * hw + p];
    QTensor b{{c, m},
              ElemType::kInt8,
              std::vector<std::int32_t>(w.values.size()),
              per_channel(w.q.scale, w.q.zero_point, -1)};
    for (std::int64_t k = 0; k < c; ++k)
      for (std::int64_t j = 0; j < m; ++j) b.values[k * m + j] = w.values[j * c + k];
    const QTensor mm = qlinear_matmul(a, b, out);
    REQUIRE(mm.shape == std::vector<std::int64_t>{n, hw, m});
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t p = 0; p < hw; ++p)
        for (std::int64_t j = 0; j < m; ++j) {
          INFO("trial " << trial << " n " << i << " p " << p << " m " << j);
          REQUIRE(y.values[(i * m + j) * hw + p] == mm.values[(i * hw + p) * m + j]);
        }

    // qgemm on batch 0 with w as [M, C] and trans_b: per-channel along b's axis 0.
    const QTensor a0{{hw, c}, xt, std::vector<std::int32_t>(a.values.begin(), a.values.begin() + hw * c), x.q};
    const QTensor w2{{m, c}, ElemType::kInt8, w.values, w.q};
    GemmAttrs ga;
    ga.trans_b = true;
    const QTensor g = qgemm(a0, w2, {}, ga, out);
    for (std::int64_t p = 0; p < hw; ++p)
      for (std::int64_t j = 0; j < m; ++j) REQUIRE(y.values[j * hw + p] == g.values[p * m + j]);
  }
}
