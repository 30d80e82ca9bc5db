// Reference kernels: quantized operators with ONNX QLinear semantics, written as plain loops.
//
// They are the oracle the compiler and the functional model are checked against, and the CPU kernels the
// runtime uses for operators placed on the host. Clarity over speed: one output element at a time.
//
// Each computes bit for bit what ONNX Runtime 1.30 computes on x86-64 CPUs (AVX2 / AVX-512) for the operator, or
// for the QDQ group ORT fuses into it; each kernel's comment names the ORT source it follows.
//
// Rules every kernel follows:
// - Tensors are row-major; images are NCHW as in ONNX. Values are held as int32 whatever the element type.
// - Operators ORT runs on an int32 accumulator (conv, matmul, gemm, global average pool) requantize through
//   quant::requantize (sim/isa/quant.hpp), the one definition of requantization. The others repeat ORT's fp32
//   steps one rounding at a time, fused multiply-adds exactly where ORT's kernels have them.
// - Accumulators are exact. Sums are formed in int64 and must fit the int32 accumulator; a sum that does not is
//   rejected, not wrapped. Any accepted result therefore equals what a wrapping int32 accumulator gives.
// - Activations are quantized per tensor; weights (conv w, matmul/gemm b) may be per output channel.
// - Bad input (shapes, attributes, quantization parameters, values outside their element type) throws
//   std::invalid_argument with a message "<operator>: <what is wrong>".
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

namespace systole::ref {

enum class ElemType { kInt8, kUint8, kInt32 };

std::int32_t type_min(ElemType type);
std::int32_t type_max(ElemType type);
std::string_view type_name(ElemType type);

// real = scale * (q - zero_point). One entry: per tensor. More: per channel along `axis` (negative counts from
// the end), one entry per index of that axis. int32 tensors have zero point 0, as in ONNX.
struct QuantParams {
  std::vector<float> scale;
  std::vector<std::int32_t> zero_point;
  int axis = 0;
};

QuantParams per_tensor(float scale, std::int32_t zero_point);
QuantParams per_channel(std::vector<float> scales, std::vector<std::int32_t> zero_points, int axis);

struct QTensor {
  std::vector<std::int64_t> shape;
  ElemType type = ElemType::kInt8;
  std::vector<std::int32_t> values;  // row-major, product(shape) of them
  QuantParams q;
};

// Quantization of an operator's output (always per tensor).
struct OutSpec {
  float scale = 1.0f;
  std::int32_t zero_point = 0;
  ElemType type = ElemType::kInt8;
};

// Checks shape, value count, value range and quantization parameters; throws "<op>: <name> ..." on the first
// problem. Every kernel calls it on its inputs.
void validate_tensor(const QTensor& t, std::string_view op, std::string_view name);

// --- Convolution -------------------------------------------------------------------------------------------

// QLinearConv attributes for 2-D NCHW; the kernel size comes from w. auto_pad is resolved by the caller.
struct ConvAttrs {
  std::array<std::int64_t, 2> strides{1, 1};
  std::array<std::int64_t, 4> pads{0, 0, 0, 0};  // ONNX order: top, left, bottom, right
  std::array<std::int64_t, 2> dilations{1, 1};
  std::int64_t group = 1;
  bool fused_relu = false;  // clamp below at the output zero point (real 0)
};

// x [N, C, H, W] int8/uint8 per tensor; w [M, C/group, kH, kW] int8/uint8, per tensor or per output channel
// (axis 0); bias empty or M int32 values with scale sx * sw[m] and zero point 0. Returns [N, M, OH, OW]:
//   acc = bias[m] + sum (x - zx) * (w - zw[m])   (padding contributes 0: padded x equals zx)
//   y   = quant::requantize(acc, quant::requant_scale(sx, sw[m], sy), zy, lo, hi)   (ORT qlinearconv.cc)
QTensor qlinear_conv(const QTensor& x, const QTensor& w, const std::vector<std::int32_t>& bias, const ConvAttrs& attrs,
                     const OutSpec& out);

// --- Matrix products ---------------------------------------------------------------------------------------

// ONNX QLinearMatMul for rank >= 2: a [..., M, K] per tensor, b [..., K, N] per tensor or per column (axis =
// last, N entries); batch dimensions broadcast as in numpy. Returns [broadcast batch..., M, N]:
//   y = quant::requantize(sum (a - za) * (b - zb[n]), quant::requant_scale(sa, sb[n], sy), zy, lo, hi)
// (ORT quantize_linear_matmul.cc).
QTensor qlinear_matmul(const QTensor& a, const QTensor& b, const OutSpec& out);

// com.microsoft QGemm attributes. alpha > 0 folds into the requantization scale.
struct GemmAttrs {
  bool trans_a = false;
  bool trans_b = false;
  float alpha = 1.0f;
};

// a [M, K] ([K, M] with trans_a), b [K, N] ([N, K] with trans_b), per tensor or per output column (the axis of
// b that holds N); bias empty or N int32 values with scale alpha * sa * sb[n]. Returns [M, N]:
//   y = quant::requantize(bias[n] + sum (a - za) * (b - zb[n]), quant::requant_scale(alpha * sa, sb[n], sy), ...)
// with alpha * sa rounded to fp32 first (ORT quant_gemm.cc ComputeOutputScale).
QTensor qgemm(const QTensor& a, const QTensor& b, const std::vector<std::int32_t>& bias, const GemmAttrs& attrs,
              const OutSpec& out);

// --- Elementwise -------------------------------------------------------------------------------------------

// com.microsoft QLinearAdd with numpy broadcasting, 8-bit per-tensor inputs (MLAS qladd_avx2.cpp), in fp32 on the
// stored integers a, b with rA = sa / sy, rB = sb / sy, F = float(zy) - fma(rA, za, rB * zb):
//   y = saturate(rne(fma(a, rA, fma(b, rB, F))))
// Where ORT's broadcasting makes a one value repeated along its innermost span, the roles of a and b swap
// (F = zy - fma(rB, zb, rA * za), y = rne(fma(b, rB, fma(a, rA, F)))), and a span of one element folds the
// first operand in first; elementwise.cpp has the details. Out-of-range or NaN sums give the type minimum (x86).
QTensor qlinear_add(const QTensor& a, const QTensor& b, const OutSpec& out);

// com.microsoft QLinearMul with numpy broadcasting, 8-bit per-tensor inputs (MLAS qlmul.cpp, no FMA):
//   y = saturate(rne(float((a - za) * (b - zb)) * ((sa * sb) / sy) + float(zy)))
QTensor qlinear_mul(const QTensor& a, const QTensor& b, const OutSpec& out);

// max(x, zero point of x's channel); the output keeps x's quantization.
QTensor relu(const QTensor& x);

// ONNX Clip on the stored integers: min(max_q, max(x, min_q)) (all max_q when min_q > max_q). Bounds are in x's
// element type; the output keeps x's quantization.
QTensor clip(const QTensor& x, std::int32_t min_q, std::int32_t max_q);

// --- Pooling (x [N, C, H, W] int8/uint8 per tensor) --------------------------------------------------------

struct PoolAttrs {
  std::array<std::int64_t, 2> kernel{0, 0};  // required: kH, kW >= 1
  std::array<std::int64_t, 2> strides{1, 1};
  std::array<std::int64_t, 4> pads{0, 0, 0, 0};  // top, left, bottom, right; each < its kernel size (as ORT)
  std::array<std::int64_t, 2> dilations{1, 1};
  bool ceil_mode = false;          // windows that would start in the bottom/right padding are dropped
  bool count_include_pad = false;  // average_pool only: divide by kH * kW
};

// Max over the input elements of each window (padding never wins). With the output quantization equal to the
// input's, that max (ORT drops the Q/DQ pair); otherwise quantize_linear(dequantize_linear(max)) as ORT's
// DequantizeLinear -> float MaxPool -> QuantizeLinear gives.
QTensor max_pool(const QTensor& x, const PoolAttrs& attrs, const OutSpec& out);

// com.microsoft QLinearAveragePool (ORT contrib_ops/cpu/quantization/qlinear_pool.cc); dilations must be 1. A
// kernel covering the whole unpadded image is global_average_pool's integer path. Otherwise in fp32: the sum, in
// window order, of sx * float(x - zx) over the window's input elements, divided by count (kH * kW with
// count_include_pad, else the number of input elements), then (int32)nearbyintf(avg / sy + float(zy)),
// saturated.
QTensor average_pool(const QTensor& x, const PoolAttrs& attrs, const OutSpec& out);

// QLinearGlobalAveragePool (MLAS qlgavgpool.cpp): x [N, C, D1, ...] -> [N, C, 1, ...], count = D1 * D2 * ...:
//   y = quant::requantize(sum (x - zx), quant::global_average_scale(sx, sy, count), zy, lo, hi)
// ORT refuses count >= 2^24 and a scale outside [2^-32, 256); so does this kernel.
QTensor global_average_pool(const QTensor& x, const OutSpec& out);

// --- Quantization ------------------------------------------------------------------------------------------

// The same real values in another quantization, as ORT's DequantizeLinear -> QuantizeLinear pair computes it:
// saturate(rne(float(x - zx) * sx / sy) + zy), every step in fp32.
QTensor requantize(const QTensor& x, const OutSpec& out);

// ONNX QuantizeLinear: saturate(round_half_to_even(v / scale) + zero_point), the division done in float (MLAS
// MlasQuantizeLinear). NaN is rejected.
QTensor quantize_linear(const std::vector<float>& values, const std::vector<std::int64_t>& shape, const OutSpec& out);

// ONNX DequantizeLinear: float(x - zero_point) * scale (integer subtraction, one fp32 multiply), per tensor or
// per channel.
std::vector<float> dequantize_linear(const QTensor& x);

}  // namespace systole::ref
