// Bad inputs to the reference kernels throw std::invalid_argument naming the operator and the problem.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "sim/ref/ref_kernels.hpp"

using namespace systole::ref;
using Catch::Contains;

namespace {

const OutSpec kOut{1.0f, 0, ElemType::kInt8};

QTensor image(std::vector<std::int64_t> shape, ElemType type = ElemType::kInt8) {
  std::int64_t count = 1;
  for (const auto d : shape) count *= d;
  return {std::move(shape), type, std::vector<std::int32_t>(static_cast<std::size_t>(count), 0), per_tensor(1.0f, 0)};
}

}  // namespace

TEST_CASE("tensor validation errors name the operator and the problem", "[unit]") {
  const QTensor w = image({1, 1, 1, 1});
  QTensor x = image({1, 1, 2, 2});

  x.values.pop_back();
  REQUIRE_THROWS_WITH(qlinear_conv(x, w, {}, {}, kOut),
                      Contains("qlinear_conv: x has 3 values") && Contains("[1, 1, 2, 2] needs 4"));
  x = image({1, 1, 2, 2}, ElemType::kUint8);
  x.values[2] = 256;
  REQUIRE_THROWS_WITH(qlinear_conv(x, w, {}, {}, kOut),
                      Contains("qlinear_conv: x value 256 at index 2 is outside the uint8 range [0, 255]"));
  x = image({1, 1, 2, 2});
  x.values[0] = -129;
  REQUIRE_THROWS_WITH(relu(x), Contains("relu: x value -129") && Contains("int8 range [-128, 127]"));
  x.shape = {1, -1, 2, 2};
  REQUIRE_THROWS_WITH(relu(x), Contains("relu: x has shape [1, -1, 2, 2]"));

  x = image({1, 1, 2, 2});
  x.q.scale = {0.0f};
  REQUIRE_THROWS_WITH(max_pool(x, {}, kOut), Contains("max_pool: x scale[0] = 0 must be finite and > 0"));
  x.q.scale = {std::nanf("")};
  REQUIRE_THROWS_WITH(requantize(x, kOut), Contains("requantize: x scale[0] = nan"));
  x.q = per_tensor(1.0f, 128);
  REQUIRE_THROWS_WITH(requantize(x, kOut), Contains("requantize: x zero_point[0] = 128 is outside the int8 range"));
  x.q = QuantParams{{1.0f}, {}, 0};
  REQUIRE_THROWS_WITH(dequantize_linear(x), Contains("dequantize_linear: x has 1 scales but 0 zero points"));
  x.q = per_channel({1.0f, 1.0f, 1.0f}, {0, 0, 0}, 2);
  REQUIRE_THROWS_WITH(dequantize_linear(x), Contains("3 per-channel scales but its dimension 2 is 2"));
  x.q = per_channel({1.0f, 1.0f}, {0, 0}, 4);
  REQUIRE_THROWS_WITH(dequantize_linear(x), Contains("quantization axis 4 is outside its rank 4"));
  x = image({2}, ElemType::kInt32);
  x.q = per_tensor(1.0f, 3);
  REQUIRE_THROWS_WITH(dequantize_linear(x), Contains("x is int32, so its zero point must be 0"));
}

TEST_CASE("output spec errors", "[unit]") {
  const QTensor x = image({4});
  REQUIRE_THROWS_WITH(requantize(x, OutSpec{-1.0f, 0, ElemType::kInt8}),
                      Contains("requantize: output scale -1 must be finite and > 0"));
  REQUIRE_THROWS_WITH(requantize(x, OutSpec{std::numeric_limits<float>::infinity(), 0, ElemType::kInt8}),
                      Contains("requantize: output scale inf"));
  REQUIRE_THROWS_WITH(requantize(x, OutSpec{1.0f, -1, ElemType::kUint8}),
                      Contains("requantize: output zero point -1 is outside the uint8 range"));
  REQUIRE_THROWS_WITH(requantize(x, OutSpec{1.0f, 5, ElemType::kInt32}),
                      Contains("requantize: an int32 output needs zero point 0"));
}

TEST_CASE("qlinear_conv errors", "[unit]") {
  const QTensor x = image({1, 4, 3, 3});
  REQUIRE_THROWS_WITH(qlinear_conv(image({4, 3, 3}), image({1, 4, 1, 1}), {}, {}, kOut),
                      Contains("qlinear_conv: x has shape [4, 3, 3]; expected rank 4 (N, C, H, W)"));
  REQUIRE_THROWS_WITH(qlinear_conv(x, image({2, 3, 1, 1}), {}, {}, kOut),
                      Contains("qlinear_conv: w has 3 input channels per group but x has 4 channels in 1 groups"));
  ConvAttrs attrs;
  attrs.group = 3;
  REQUIRE_THROWS_WITH(qlinear_conv(x, image({3, 1, 1, 1}), {}, attrs, kOut),
                      Contains("qlinear_conv: group = 3 must divide both the input channels (4)"));
  REQUIRE_THROWS_WITH(qlinear_conv(x, image({2, 4, 1, 1}), {1, 2, 3}, {}, kOut),
                      Contains("qlinear_conv: bias has 3 values; expected one per output channel (2)"));
  REQUIRE_THROWS_WITH(qlinear_conv(x, image({1, 4, 5, 1}), {}, {}, kOut),
                      Contains("qlinear_conv: the dilated kernel spans 5 along H but the padded input has only 3"));
  attrs = ConvAttrs{};
  attrs.strides = {0, 1};
  REQUIRE_THROWS_WITH(qlinear_conv(x, image({1, 4, 1, 1}), {}, attrs, kOut),
                      Contains("qlinear_conv: strides[0] = 0 is outside [1, 2^31)"));
  attrs = ConvAttrs{};
  attrs.pads = {0, -1, 0, 0};
  REQUIRE_THROWS_WITH(qlinear_conv(x, image({1, 4, 1, 1}), {}, attrs, kOut), Contains("pads[1] (left) = -1"));
  QTensor wq = image({2, 4, 1, 1});
  wq.q = per_channel({1.0f, 1.0f, 1.0f, 1.0f}, {0, 0, 0, 0}, 1);
  REQUIRE_THROWS_WITH(qlinear_conv(x, wq, {}, {}, kOut),
                      Contains("qlinear_conv: per-channel w must be quantized along axis 0"));
  REQUIRE_THROWS_WITH(qlinear_conv(image({1, 4, 3, 3}, ElemType::kInt32), image({1, 4, 1, 1}), {}, {}, kOut),
                      Contains("qlinear_conv: x is int32; expected int8 or uint8"));
  // bias 2^31 - 1 plus one product of 1 does not fit the int32 accumulator.
  QTensor one = image({1, 1, 1, 1});
  one.values = {1};
  REQUIRE_THROWS_WITH(qlinear_conv(one, one, {std::numeric_limits<std::int32_t>::max()}, {}, kOut),
                      Contains("qlinear_conv: a sum of 2147483648 overflows the int32 accumulator"));
}

TEST_CASE("qlinear_matmul and qgemm errors", "[unit]") {
  REQUIRE_THROWS_WITH(qlinear_matmul(image({2, 3}), image({2, 2}), kOut),
                      Contains("qlinear_matmul: inner dimensions differ: a [2, 3] has K = 3, b [2, 2] has K = 2"));
  REQUIRE_THROWS_WITH(qlinear_matmul(image({2, 1, 2}), image({3, 2, 1}), kOut),
                      Contains("qlinear_matmul: batch dimensions [2] and [3] do not broadcast"));
  REQUIRE_THROWS_WITH(qlinear_matmul(image({3}), image({3, 1}), kOut), Contains("must both have rank >= 2"));
  QTensor b = image({2, 2});
  b.q = per_channel({1.0f, 1.0f}, {0, 0}, 0);
  REQUIRE_THROWS_WITH(qlinear_matmul(image({2, 2}), b, kOut),
                      Contains("qlinear_matmul: per-channel b must be quantized along axis 1"));
  QTensor a = image({2, 2});
  a.q = per_channel({1.0f, 1.0f}, {0, 0}, 0);
  REQUIRE_THROWS_WITH(qlinear_matmul(a, image({2, 2}), kOut), Contains("qlinear_matmul: a has 2 per-channel scales"));

  GemmAttrs attrs;
  attrs.alpha = 0.0f;
  REQUIRE_THROWS_WITH(qgemm(image({2, 2}), image({2, 2}), {}, attrs, kOut), Contains("qgemm: alpha = 0"));
  REQUIRE_THROWS_WITH(qgemm(image({2, 2}), image({2, 3}), {1, 2}, {}, kOut),
                      Contains("qgemm: bias has 2 values; expected one per output column (3)"));
  attrs = GemmAttrs{};
  attrs.trans_b = true;
  b = image({3, 2});
  b.q = per_channel({1.0f, 1.0f}, {0, 0}, 1);  // with trans_b, N lies on axis 0
  REQUIRE_THROWS_WITH(qgemm(image({2, 2}), b, {}, attrs, kOut),
                      Contains("qgemm: per-channel b must be quantized along axis 0"));
  REQUIRE_THROWS_WITH(qgemm(image({2, 2, 1}), image({2, 2}), {}, {}, kOut),
                      Contains("qgemm: a has shape [2, 2, 1]; expected rank 2"));
}

TEST_CASE("elementwise and quantization errors", "[unit]") {
  REQUIRE_THROWS_WITH(qlinear_add(image({2, 3}), image({2}), kOut),
                      Contains("qlinear_add: shapes [2, 3] and [2] do not broadcast (3 vs 2)"));
  REQUIRE_THROWS_WITH(qlinear_add(image({2}, ElemType::kInt32), image({2}), kOut),
                      Contains("qlinear_add: a is int32; expected int8 or uint8"));
  REQUIRE_THROWS_WITH(qlinear_mul(image({2}), image({3}), kOut),
                      Contains("qlinear_mul: shapes [2] and [3] do not broadcast"));
  QTensor bc = image({2});
  bc.q = per_channel({1.0f, 1.0f}, {0, 0}, 0);
  REQUIRE_THROWS_WITH(qlinear_mul(image({2}), bc, kOut), Contains("qlinear_mul: b has 2 per-channel scales"));
  REQUIRE_THROWS_WITH(qlinear_mul(image({2}), image({2}), OutSpec{0.0f, 0, ElemType::kInt8}),
                      Contains("qlinear_mul: output scale 0 must be finite and > 0"));
  REQUIRE_THROWS_WITH(clip(image({2}), -129, 0), Contains("clip: min = -129 is outside the int8 range of x"));
  REQUIRE_THROWS_WITH(clip(image({2}, ElemType::kUint8), 0, 256), Contains("clip: max = 256"));
  REQUIRE_THROWS_WITH(quantize_linear({1.0f, 2.0f}, {3}, kOut),
                      Contains("quantize_linear: shape [3] needs 3 values but 2 were given"));
  REQUIRE_THROWS_WITH(quantize_linear({1.0f, std::nanf("")}, {2}, kOut),
                      Contains("quantize_linear: value at index 1 is NaN"));
}

TEST_CASE("pooling errors", "[unit]") {
  const QTensor x = image({1, 1, 3, 3});
  PoolAttrs attrs;
  REQUIRE_THROWS_WITH(max_pool(x, attrs, kOut), Contains("max_pool: kernel H = 0 is outside [1, 2^31)"));
  attrs.kernel = {2, 2};
  attrs.pads = {0, 0, 0, 2};
  REQUIRE_THROWS_WITH(average_pool(x, attrs, kOut),
                      Contains("average_pool: pads[3] = 2 must be smaller than the kernel along W (2)"));
  attrs.pads = {0, 0, 0, 0};
  attrs.kernel = {4, 1};
  REQUIRE_THROWS_WITH(max_pool(x, attrs, kOut), Contains("max_pool: the dilated kernel spans 4 along H"));
  attrs.kernel = {2, 1};
  attrs.dilations = {3, 1};
  REQUIRE_THROWS_WITH(max_pool(x, attrs, kOut), Contains("spans 4 along H"));
  // A dilated window can cover only padding: H = 1, pads 1 top and bottom, kernel 2, dilation 2 -> taps at -1, 1.
  attrs.pads = {1, 0, 1, 0};
  attrs.dilations = {2, 1};
  attrs.kernel = {2, 1};
  attrs.strides = {1, 1};
  REQUIRE_THROWS_WITH(max_pool(image({1, 1, 1, 1}), attrs, kOut),
                      Contains("max_pool: window (0, 0) covers no input element, only padding"));
  // ONNX Runtime's QLinearAveragePool ignores dilations; the reference refuses them.
  REQUIRE_THROWS_WITH(average_pool(image({1, 1, 1, 1}), attrs, kOut),
                      Contains("average_pool: dilations (2, 1) must be 1: ONNX Runtime's QLinearAveragePool"));
  REQUIRE_THROWS_WITH(max_pool(image({1, 3, 3}), PoolAttrs{}, kOut),
                      Contains("max_pool: x has shape [1, 3, 3]; expected rank 4"));
  REQUIRE_THROWS_WITH(global_average_pool(image({1, 3}), kOut),
                      Contains("global_average_pool: x has shape [1, 3]; expected rank >= 3"));
  QTensor xc = image({1, 2, 1, 1});
  xc.q = per_channel({1.0f, 1.0f}, {0, 0}, 1);
  REQUIRE_THROWS_WITH(global_average_pool(xc, kOut),
                      Contains("global_average_pool: x has 2 per-channel scales; it must be quantized per tensor"));

  // MLAS's range for QLinearGlobalAveragePool: scale x_scale / (y_scale * count) in [2^-32, 256).
  QTensor big = image({1, 1, 2, 2});
  big.q = per_tensor(1024.0f, 0);  // 1024 / (1 * 4) = 256
  REQUIRE_THROWS_WITH(global_average_pool(big, kOut),
                      Contains("global_average_pool: x_scale / (y_scale * 4) = 256 is outside [2^-32, 256)"));
  big.q = per_tensor(1023.0f, 0);  // 255.75: accepted
  CHECK(global_average_pool(big, kOut).values == std::vector<std::int32_t>{0});
  big.q = per_tensor(0x1p-30f, 0);  // 2^-32: accepted; half of it is not
  CHECK_NOTHROW(global_average_pool(big, kOut));
  big.q = per_tensor(0x1p-31f, 0);
  REQUIRE_THROWS_WITH(global_average_pool(big, kOut), Contains("is outside [2^-32, 256)"));
  // The kernel covering the whole image takes the same path in average_pool.
  PoolAttrs whole;
  whole.kernel = {2, 2};
  big.q = per_tensor(1024.0f, 0);
  REQUIRE_THROWS_WITH(average_pool(big, whole, kOut), Contains("average_pool: x_scale / (y_scale * 4) = 256"));
  REQUIRE_THROWS_WITH(global_average_pool(image({1, 1, 4096, 4096}), kOut),
                      Contains("global_average_pool: averaging 16777216 elements; ONNX Runtime's"));
}
