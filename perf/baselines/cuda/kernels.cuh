// The GPU baseline's own kernels: each repeats, element by element, the arithmetic of its reference kernel (sim/ref)
// and of quant.hpp, with every fp32 operation an explicitly rounded intrinsic (__int2float_rn, __fmul_rn, __fdiv_rn,
// __fadd_rn, __fmaf_rn where the reference has std::fma), so neither nvcc's contraction nor fast-math can change a
// bit. Tensors are row-major (NCHW for images) as in the graph; 8-bit values are one byte each (`is_signed` says how
// to read it), int32 and float32 four bytes.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace systole::cuda::kernels {

// An 8-bit output's saturation bounds with an optional fused clip ({lo, hi} applied after the requantization).
struct OutRange {
  int lo = -128, hi = 127;  // the type
  int clip_lo = -128, clip_hi = 127;
  bool clip = false;
};

// im2col of one convolution (group 1) into A [rows = N * OH * OW, kp] int8: tap (c, kh, kw) at column
// (c * KH + kh) * KW + kw; taps in the padding take the input's zero point; columns k..kp-1 are 0. uint8 input
// shifts by -128 (its zero point too, which `x_zero` already is). With `rowsum`, adds each row's sum (atomics).
struct Im2col {
  const std::uint8_t* x;
  std::int8_t* a;
  int* rowsum;  // nullptr: not needed
  int n, c, h, w, kh, kw, oh, ow;
  int stride_h, stride_w, pad_t, pad_l, dil_h, dil_w;
  int k, kp;
  int x_zero;  // after the shift
  bool x_uint8;
};
void im2col(const Im2col& p, cudaStream_t s);

// A gemm's A [m, k] (8-bit) into int8 [m, kp], shifted and zero-padded; optional row sums.
struct PackRows {
  const std::uint8_t* x;
  std::int8_t* a;
  int* rowsum;
  long long m;
  int k, kp;
  bool x_uint8;
};
void pack_rows(const PackRows& p, cudaStream_t s);

// The epilogue of a GEMM-path node: acc [rows, cols] int32 (cols = output channels) ->
//   v = acc + bias[c] - zx * colsum_w[c] - zw[c] * rowsum[r] + k * zx * zw[c]   (int64, exact)
//   y = clip(requantize(v, scale[c], zy, type))
// stored at y[(r / plane * cols + c) * plane + r % plane] (NCHW, conv) or y[r * cols + c] (plane 0: gemm).
struct Epilogue {
  const int* acc;
  std::uint8_t* y;
  const int* bias;      // per column (zeros where absent)
  const int* colsum_w;  // per column, of the shifted int8 weights
  const int* zw;        // per column, after the shift
  const float* scale;   // per column
  const int* rowsum;    // nullptr when every zw is 0
  long long rows;
  int cols, k, x_zero, y_zero, plane;
  OutRange range;
};
void epilogue(const Epilogue& p, cudaStream_t s);

// Direct convolution (any group, dilation, zero points), one output element per thread, NCHW:
//   acc = bias[m] + sum (x - zx) * wc[m, ...]   (wc: the weights minus their zero point, int16)
struct DirectConv {
  const std::uint8_t* x;
  std::uint8_t* y;
  const short* wc;  // [M, C / group, KH, KW]
  const int* bias;
  const float* scale;  // per output channel
  int n, c, h, w, m, kh, kw, oh, ow, group;
  int stride_h, stride_w, pad_t, pad_l, dil_h, dil_w;
  int x_zero, y_zero;
  bool x_signed;
  OutRange range;
};
void direct_conv(const DirectConv& p, cudaStream_t s);

// Direct gemm: y[r, c] = requantize(bias[c] + sum_k (a[r, k] - za) * bc[c, k]), a [rows, k] 8-bit, bc int16 [cols, k].
struct DirectGemm {
  const std::uint8_t* a;
  std::uint8_t* y;
  const short* bc;
  const int* bias;
  const float* scale;
  long long rows;
  int cols, k, a_zero, y_zero;
  bool a_signed;
  OutRange range;
};
void direct_gemm(const DirectGemm& p, cudaStream_t s);

// QLinearAdd of two tensors of the same shape (ref::qlinear_add when ONNX Runtime's span is the whole tensor):
//   y = clip(saturate(x86_int(fma(a, ra, fma(b, rb, f)))))
struct Add {
  const std::uint8_t* a;
  const std::uint8_t* b;
  std::uint8_t* y;
  long long count;
  float ra, rb, f;
  bool a_signed, b_signed;
  OutRange range;
};
void add(const Add& p, cudaStream_t s);

// min(hi, max(x, lo)) on 8-bit values.
void clip(const std::uint8_t* x, std::uint8_t* y, long long count, bool is_signed, int lo, int hi, cudaStream_t s);

// QuantizeLinear of float32 values; DequantizeLinear of 8-bit or int32 values (per tensor); requantize (both).
struct Quant {
  const void* x;
  void* y;
  long long count;
  int x_bytes;  // 1 or 4 (int32) for dequantize and requantize
  bool x_signed;
  float x_scale;
  int x_zero;
  float y_scale;
  int y_zero, y_lo, y_hi;
  int y_bytes;  // 1 or 4
};
void quantize(const Quant& p, cudaStream_t s);    // float -> int
void dequantize(const Quant& p, cudaStream_t s);  // int -> float
void requantize(const Quant& p, cudaStream_t s);  // int -> int

// MaxPool (NCHW): the integer max of the window's input taps; with `same` false, quantize(dequantize(max)).
struct MaxPool {
  const std::uint8_t* x;
  std::uint8_t* y;
  int n, c, h, w, kh, kw, oh, ow;
  int stride_h, stride_w, pad_t, pad_l, dil_h, dil_w;
  bool x_signed, same;
  float x_scale, y_scale;
  int x_zero, y_zero, y_lo, y_hi;
};
void max_pool(const MaxPool& p, cudaStream_t s);

// QLinearGlobalAveragePool: y[nc] = requantize(sum (x - zx) over the plane, scale, zy), one warp per plane.
struct GlobalAverage {
  const std::uint8_t* x;
  std::uint8_t* y;
  long long planes;
  int plane;
  bool x_signed;
  int x_zero, y_zero;
  float scale;
  OutRange range;
};
void global_average(const GlobalAverage& p, cudaStream_t s);

}  // namespace systole::cuda::kernels
