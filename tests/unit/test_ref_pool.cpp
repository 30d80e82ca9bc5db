// max_pool, average_pool and global_average_pool on hand-worked cases, with ONNX Runtime's arithmetic.
#include <catch2/catch.hpp>

#include "sim/ref/ref_kernels.hpp"

using namespace systole::ref;
using V = std::vector<std::int32_t>;
using Shape = std::vector<std::int64_t>;

namespace {

PoolAttrs pool(std::int64_t kh, std::int64_t kw, std::int64_t sh, std::int64_t sw) {
  PoolAttrs a;
  a.kernel = {kh, kw};
  a.strides = {sh, sw};
  return a;
}

}  // namespace

TEST_CASE("max_pool: padding never wins", "[unit]") {
  // 3x3 input, 2x2 kernel, stride 2, pads 1 on every side: OH = OW = (3 + 2 - 2) / 2 + 1 = 2.
  // Window rows {-1, 0} and {1, 2}, columns likewise.
  PoolAttrs attrs = pool(2, 2, 2, 2);
  attrs.pads = {1, 1, 1, 1};

  SECTION("uint8, every value below the zero point") {
    // A padded value equal to the zero point (100) would win every window.
    const QTensor x{{1, 1, 3, 3}, ElemType::kUint8, {10, 20, 30, 40, 50, 60, 70, 80, 90}, per_tensor(1.0f, 100)};
    const QTensor y = max_pool(x, attrs, OutSpec{1.0f, 100, ElemType::kUint8});
    CHECK(y.shape == Shape{1, 1, 2, 2});
    CHECK(y.values == V{10, 30, 70, 90});  // {10}, {20, 30}, {40, 70}, {50, 60, 80, 90}
  }
  SECTION("int8, every value negative") {
    // A padded 0 would win every window.
    const QTensor x{{1, 1, 3, 3}, ElemType::kInt8, {-10, -20, -30, -40, -50, -60, -70, -80, -90}, per_tensor(1.0f, 0)};
    CHECK(max_pool(x, attrs, OutSpec{1.0f, 0, ElemType::kInt8}).values == V{-10, -20, -40, -50});
  }
}

TEST_CASE("max_pool ceil_mode", "[unit]") {
  const QTensor x{{1, 1, 1, 5}, ElemType::kInt8, {3, 1, 4, 1, 5}, per_tensor(1.0f, 0)};
  PoolAttrs attrs = pool(1, 2, 1, 2);
  const OutSpec out{1.0f, 0, ElemType::kInt8};
  // W = 5, kernel 2, stride 2: floor((5 - 2) / 2) + 1 = 2 windows; ceil gives 3, the last one {4, 5} clipped.
  CHECK(max_pool(x, attrs, out).values == V{3, 4});
  attrs.ceil_mode = true;
  CHECK(max_pool(x, attrs, out).values == V{3, 4, 5});

  SECTION("a window that would start in the right padding is dropped") {
    // W = 4, pad right 1: ceil((4 + 1 - 2) / 2) + 1 = 3, but window 2 starts at 4 = W: dropped -> 2 windows.
    const QTensor x4{{1, 1, 1, 4}, ElemType::kInt8, {1, 2, 3, 4}, per_tensor(1.0f, 0)};
    attrs.pads = {0, 0, 0, 1};
    const QTensor y = max_pool(x4, attrs, out);
    CHECK(y.shape == Shape{1, 1, 1, 2});
    CHECK(y.values == V{2, 4});
  }
}

TEST_CASE("max_pool requantizes when the output quantization differs", "[unit]") {
  // 1x2 windows with stride 2 over two rows: maxima -10, 3, 60, 123. int8 0.5 -> uint8 0.25, zero point 10:
  // y = 2 max + 10 = -10 -> 0 (saturated), 16, 130, 256 -> 255 (saturated).
  const QTensor x{{1, 1, 2, 4}, ElemType::kInt8, {-10, -20, 3, 1, 60, 59, 123, 100}, per_tensor(0.5f, 0)};
  const QTensor y = max_pool(x, pool(1, 2, 1, 2), OutSpec{0.25f, 10, ElemType::kUint8});
  CHECK(y.shape == Shape{1, 1, 2, 2});
  CHECK(y.values == V{0, 16, 130, 255});
}

TEST_CASE("max_pool between different quantizations is DequantizeLinear, max, QuantizeLinear in fp32", "[unit]") {
  // Maxima 15 and -15: 15 * 0.01f = 0x1.333332p-3, / 0.02f = 7.4999995 -> 7 (the real 7.5 would round to 8).
  const QTensor x{{1, 1, 1, 4}, ElemType::kInt8, {15, 2, -15, -16}, per_tensor(0.01f, 0)};
  CHECK(max_pool(x, pool(1, 2, 1, 2), OutSpec{0.02f, 0, ElemType::kInt8}).values == V{7, -7});
  // A zero point only (same scale): x - 3 + 100, exact.
  const QTensor xz{{1, 1, 1, 2}, ElemType::kInt8, {-128, 127}, per_tensor(0.37f, 3)};
  CHECK(max_pool(xz, pool(1, 1, 1, 1), OutSpec{0.37f, 100, ElemType::kUint8}).values == V{0, 224});
}

TEST_CASE("max_pool with the input's quantization is the identity", "[unit]") {
  // A 1x1 window: ORT drops the Q/DQ pair, so every value passes through unchanged.
  for (const ElemType t : {ElemType::kInt8, ElemType::kUint8}) {
    QTensor x{{1, 1, 1, 256}, t, {}, per_tensor(0.0371f, t == ElemType::kInt8 ? -7 : 131)};
    for (std::int32_t v = type_min(t); v <= type_max(t); ++v) x.values.push_back(v);
    CHECK(max_pool(x, pool(1, 1, 1, 1), OutSpec{0.0371f, x.q.zero_point[0], t}).values == x.values);
  }
}

TEST_CASE("average_pool with padding, count_include_pad both ways", "[unit]") {
  // x - 100 = [4 8; 12 -4]; 2x2 kernel, stride 1, pads 1 on every side: 3x3 windows, window (oh, ow) covers
  // rows oh-1..oh and columns ow-1..ow. Sums over the input part and input element counts:
  //   4/1  12/2  8/1
  //  16/2  20/4  4/2
  //  12/1   8/2 -4/1
  const QTensor x{{1, 1, 2, 2}, ElemType::kUint8, {104, 108, 112, 96}, per_tensor(1.0f, 100)};
  PoolAttrs attrs = pool(2, 2, 1, 1);
  attrs.pads = {1, 1, 1, 1};
  const OutSpec out{1.0f, 100, ElemType::kUint8};

  // Excluding padding: 4 6 8 / 8 5 2 / 12 4 -4, plus 100.
  CHECK(average_pool(x, attrs, out).values == V{104, 106, 108, 108, 105, 102, 112, 104, 96});
  // Including padding, every count is 4: 1 3 2 / 4 5 1 / 3 2 -1, plus 100.
  attrs.count_include_pad = true;
  const QTensor y = average_pool(x, attrs, out);
  CHECK(y.shape == Shape{1, 1, 3, 3});
  CHECK(y.values == V{101, 103, 102, 104, 105, 101, 103, 102, 99});
}

TEST_CASE("average_pool ceil_mode clips windows at the padded edge", "[unit]") {
  // W = 5, kernel 3, stride 2, pad left 1: floor((5 + 1 - 3) / 2) + 1 = 2, ceil gives 3.
  // Window taps at 2 ow - 1 + {0, 1, 2}: {-1, 0, 1}, {1, 2, 3}, {3, 4, 5}; -1 is padding, 5 lies past the
  // padded edge (W + pad right = 5) and never counts.
  const QTensor x{{1, 1, 1, 5}, ElemType::kInt8, {6, 9, 3, 12, 0}, per_tensor(1.0f, 0)};
  PoolAttrs attrs = pool(1, 3, 1, 2);
  attrs.pads = {0, 1, 0, 0};
  attrs.ceil_mode = true;
  const OutSpec out{1.0f, 0, ElemType::kInt8};
  // Excluding padding: 15 / 2 = 7.5 -> 8 (even); 24 / 3 = 8; 12 / 2 = 6.
  const QTensor y = average_pool(x, attrs, out);
  CHECK(y.shape == Shape{1, 1, 1, 3});
  CHECK(y.values == V{8, 8, 6});
  // Including padding ORT divides by the whole kernel, 3, even for the last window, which runs past the padded
  // edge: 15 / 3 = 5; 24 / 3 = 8; 12 / 3 = 4.
  attrs.count_include_pad = true;
  CHECK(average_pool(x, attrs, out).values == V{5, 8, 4});
  // Ties to even (kernel 2, stride 2): [9, 6] -> 7.5 -> 8, [13, 0] -> 6.5 -> 6.
  const QTensor x4{{1, 1, 1, 4}, ElemType::kInt8, {9, 6, 13, 0}, per_tensor(1.0f, 0)};
  CHECK(average_pool(x4, pool(1, 2, 1, 2), out).values == V{8, 6});
}

TEST_CASE("average_pool sums dequantized values in fp32 unless the kernel covers the image", "[unit]") {
  // sx = sy = 0.01, x = [-10, -5, 0]. Window [-10, -5]: -0.1f + -0.05f = -0.15000001, / 2 = -0.075000003,
  // / 0.01f = -7.4999995 -> -7. The integer path would give rne(-15 * 0.5) = -8.
  const OutSpec out{0.01f, 0, ElemType::kInt8};
  const QTensor x{{1, 1, 1, 3}, ElemType::kInt8, {-10, -5, 0}, per_tensor(0.01f, 0)};
  CHECK(average_pool(x, pool(1, 2, 1, 1), out).values == V{-7, -2});  // [-5, 0]: -2.5 -> -2
  // The same window as the whole image without padding: QLinearGlobalAveragePool's integer path, -7.5 -> -8.
  const QTensor x2{{1, 1, 1, 2}, ElemType::kInt8, {-10, -5}, per_tensor(0.01f, 0)};
  CHECK(average_pool(x2, pool(1, 2, 1, 1), out).values == V{-8});
  CHECK(global_average_pool(x2, out).values == V{-8});
  // A pad brings the fp32 path back: pad left 1 gives the windows [pad, -10] -> -10 and [-10, -5] -> -7.
  PoolAttrs padded = pool(1, 2, 1, 1);
  padded.pads = {0, 1, 0, 0};
  CHECK(average_pool(x2, padded, out).values == V{-10, -7});
  // The zero point is added in fp32 before rounding: -7.4999995 + 100 = 92.5 in fp32 -> 92 (even).
  CHECK(average_pool(x, pool(1, 2, 1, 1), OutSpec{0.01f, 100, ElemType::kUint8}).values == V{92, 98});
}

TEST_CASE("global_average_pool", "[unit]") {
  SECTION("int8 into a different scale") {
    // x + 1: ch0 = [1 2 3 6] (sum 12), ch1 = [-8 0 0 0] (sum -8); multiplier 0.5 / (0.25 * 4) = 0.5.
    const QTensor x{{1, 2, 2, 2}, ElemType::kInt8, {0, 1, 2, 5, -9, -1, -1, -1}, per_tensor(0.5f, -1)};
    const QTensor y = global_average_pool(x, OutSpec{0.25f, 3, ElemType::kInt8});
    CHECK(y.shape == Shape{1, 2, 1, 1});
    CHECK(y.values == V{9, -1});  // 6 + 3, -4 + 3
  }
  SECTION("uint8 over 9 elements: a scale that is not a power of two") {
    // scale = 1 / (1 * 9.0f) = 0x1.c71c72p-4. Image 0: x - 128 = 9 on the diagonal, sum 27: 27 * scale = 3.0000000
    // in fp32 -> 3 -> 131. Image 1: one 13: 13 * scale = 1.44 -> 1 -> 129.
    const QTensor x{{2, 1, 3, 3},
                    ElemType::kUint8,
                    {137, 128, 128, 128, 137, 128, 128, 128, 137, 141, 128, 128, 128, 128, 128, 128, 128, 128},
                    per_tensor(1.0f, 128)};
    CHECK(global_average_pool(x, OutSpec{1.0f, 128, ElemType::kUint8}).values == V{131, 129});
  }
  SECTION("ties to even after one fp32 multiply") {
    // Sums 2, 6, 10 over 4 elements, scale 1 / 4: 0.5 -> 0, 1.5 -> 2, 2.5 -> 2.
    const QTensor x{{1, 3, 2, 2}, ElemType::kInt8, {2, 0, 0, 0, 3, 3, 0, 0, 10, 0, 0, 0}, per_tensor(1.0f, 0)};
    CHECK(global_average_pool(x, OutSpec{1.0f, 0, ElemType::kInt8}).values == V{0, 2, 2});
  }
}
