// The GPU baseline's own kernels (kernels.cuh). Every fp32 step is a _rn intrinsic in the reference kernel's order;
// the build also passes --fmad=false, so no multiply and add are contracted behind our back.
#include <climits>

#include "perf/baselines/cuda/kernels.cuh"

namespace systole::cuda::kernels {
namespace {

constexpr int kThreads = 256;

unsigned blocks(long long count) {
  return static_cast<unsigned>((count + kThreads - 1) / kThreads);
}

// Launches `kernel` over `count` threads; nothing for an empty tensor (a launch of zero blocks is an error).
template <typename Kernel, typename... Args>
void launch(Kernel kernel, long long count, cudaStream_t s, Args... args) {
  if (count > 0) kernel<<<blocks(count), kThreads, 0, s>>>(args...);
}

__device__ __forceinline__ int load8(const std::uint8_t* p, long long i, bool is_signed) {
  return is_signed ? static_cast<int>(static_cast<signed char>(p[i])) : static_cast<int>(p[i]);
}

__device__ __forceinline__ long long clamp64(long long v, long long lo, long long hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}

// quant::scaled_rne: rne(float32(acc) * scale), saturating at +-2^33 as quant.hpp does.
__device__ __forceinline__ long long scaled_rne(int acc, float scale) {
  constexpr long long kSat = 1LL << 33;
  if (acc == 0) return 0;
  if (!isfinite(scale)) return ((acc < 0) != (signbit(scale) != 0)) ? -kSat : kSat;
  const float v = __fmul_rn(__int2float_rn(acc), scale);
  if (!(fabsf(v) < 8589934592.0f)) return v < 0.0f ? -kSat : kSat;
  return __float2ll_rn(v);  // round half to even, exact below 2^33
}

// quant::requantize, then the fused clip.
__device__ __forceinline__ int requantize_out(int acc, float scale, int zero, const OutRange& r) {
  int y = static_cast<int>(clamp64(scaled_rne(acc, scale) + zero, r.lo, r.hi));
  if (r.clip) y = min(r.clip_hi, max(y, r.clip_lo));
  return y;
}

// ref detail::dequantize: an exact integer subtraction, one fp32 multiply.
__device__ __forceinline__ float dequant(int x, int zero, float scale) {
  return __fmul_rn(__int2float_rn(x - zero), scale);
}

// ref detail::quantize: a true division, a clamp in float (NaN -> lower bound), round half to even, the zero point.
__device__ __forceinline__ int quant(float v, float scale, int zero, int lo, int hi) {
  const float flo = __ll2float_rn(static_cast<long long>(lo) - zero);
  const float fhi = __ll2float_rn(static_cast<long long>(hi) - zero);
  const float q = __fdiv_rn(v, scale);
  const float c = isnan(q) ? flo : (q < flo ? flo : (fhi < q ? fhi : q));
  return static_cast<int>(clamp64(__float2ll_rn(c) + zero, lo, hi));
}

// ref detail::x86_to_int32 (CVTPS2DQ): NaN and values outside [-2^31, 2^31) give INT_MIN.
__device__ __forceinline__ int x86_int(float v) {
  return (v >= -2147483648.0f && v < 2147483648.0f) ? __float2int_rn(v) : INT_MIN;
}

__global__ void im2col_kernel(Im2col p) {
  const long long i = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x;
  const long long rows = static_cast<long long>(p.n) * p.oh * p.ow;
  if (i >= rows * p.kp) return;
  const long long row = i / p.kp;
  const int col = static_cast<int>(i % p.kp);
  int v = 0;
  if (col < p.k) {
    const int tw = col % p.kw, th = (col / p.kw) % p.kh, c = col / (p.kw * p.kh);
    const int ow = static_cast<int>(row % p.ow), oh = static_cast<int>((row / p.ow) % p.oh);
    const long long n = row / (static_cast<long long>(p.ow) * p.oh);
    const int ih = oh * p.stride_h - p.pad_t + th * p.dil_h, iw = ow * p.stride_w - p.pad_l + tw * p.dil_w;
    if (ih < 0 || ih >= p.h || iw < 0 || iw >= p.w) {
      v = p.x_zero;
    } else {
      const int raw = load8(p.x, ((n * p.c + c) * p.h + ih) * p.w + iw, !p.x_uint8);
      v = p.x_uint8 ? raw - 128 : raw;
    }
    if (p.rowsum && v != 0) atomicAdd(&p.rowsum[row], v);
  }
  p.a[i] = static_cast<std::int8_t>(v);
}

__global__ void pack_rows_kernel(PackRows p) {
  const long long i = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= p.m * p.kp) return;
  const long long row = i / p.kp;
  const int col = static_cast<int>(i % p.kp);
  int v = 0;
  if (col < p.k) {
    const int raw = load8(p.x, row * p.k + col, !p.x_uint8);
    v = p.x_uint8 ? raw - 128 : raw;
    if (p.rowsum && v != 0) atomicAdd(&p.rowsum[row], v);
  }
  p.a[i] = static_cast<std::int8_t>(v);
}

__global__ void epilogue_kernel(Epilogue p) {
  const long long i = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= p.rows * p.cols) return;
  const long long r = i / p.cols;
  const int c = static_cast<int>(i % p.cols);
  long long v = static_cast<long long>(p.acc[i]) + p.bias[c] - static_cast<long long>(p.x_zero) * p.colsum_w[c];
  if (p.rowsum) v += -static_cast<long long>(p.zw[c]) * p.rowsum[r] + static_cast<long long>(p.k) * p.x_zero * p.zw[c];
  const int y = requantize_out(static_cast<int>(v), p.scale[c], p.y_zero, p.range);
  const long long at = p.plane ? (r / p.plane * p.cols + c) * p.plane + r % p.plane : i;
  p.y[at] = static_cast<std::uint8_t>(y);
}

__global__ void direct_conv_kernel(DirectConv p) {
  const long long i = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= static_cast<long long>(p.n) * p.m * p.oh * p.ow) return;
  const int ow = static_cast<int>(i % p.ow), oh = static_cast<int>((i / p.ow) % p.oh);
  const int m = static_cast<int>((i / (static_cast<long long>(p.ow) * p.oh)) % p.m);
  const long long n = i / (static_cast<long long>(p.ow) * p.oh * p.m);
  const int cpg = p.c / p.group, g = m / (p.m / p.group);
  int acc = p.bias[m];
  for (int cc = 0; cc < cpg; ++cc) {
    const long long plane = (n * p.c + g * cpg + cc) * p.h;
    const short* wrow = p.wc + (static_cast<long long>(m) * cpg + cc) * p.kh * p.kw;
    for (int th = 0; th < p.kh; ++th) {
      const int ih = oh * p.stride_h - p.pad_t + th * p.dil_h;
      if (ih < 0 || ih >= p.h) continue;
      for (int tw = 0; tw < p.kw; ++tw) {
        const int iw = ow * p.stride_w - p.pad_l + tw * p.dil_w;
        if (iw < 0 || iw >= p.w) continue;
        acc += (load8(p.x, (plane + ih) * p.w + iw, p.x_signed) - p.x_zero) * wrow[th * p.kw + tw];
      }
    }
  }
  p.y[i] = static_cast<std::uint8_t>(requantize_out(acc, p.scale[m], p.y_zero, p.range));
}

__global__ void direct_gemm_kernel(DirectGemm p) {
  const long long i = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= p.rows * p.cols) return;
  const long long r = i / p.cols;
  const int c = static_cast<int>(i % p.cols);
  int acc = p.bias[c];
  for (int k = 0; k < p.k; ++k) {
    acc += (load8(p.a, r * p.k + k, p.a_signed) - p.a_zero) * p.bc[static_cast<long long>(c) * p.k + k];
  }
  p.y[i] = static_cast<std::uint8_t>(requantize_out(acc, p.scale[c], p.y_zero, p.range));
}

__global__ void add_kernel(Add p) {
  const long long i = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= p.count) return;
  const float a = __int2float_rn(load8(p.a, i, p.a_signed)), b = __int2float_rn(load8(p.b, i, p.b_signed));
  const float v = __fmaf_rn(a, p.ra, __fmaf_rn(b, p.rb, p.f));
  int y = static_cast<int>(clamp64(x86_int(v), p.range.lo, p.range.hi));
  if (p.range.clip) y = min(p.range.clip_hi, max(y, p.range.clip_lo));
  p.y[i] = static_cast<std::uint8_t>(y);
}

__global__ void clip_kernel(const std::uint8_t* x, std::uint8_t* y, long long count, bool is_signed, int lo, int hi) {
  const long long i = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= count) return;
  y[i] = static_cast<std::uint8_t>(min(hi, max(load8(x, i, is_signed), lo)));
}

__device__ __forceinline__ int load_int(const void* x, long long i, int bytes, bool is_signed) {
  return bytes == 4 ? static_cast<const int*>(x)[i] : load8(static_cast<const std::uint8_t*>(x), i, is_signed);
}
__device__ __forceinline__ void store_int(void* y, long long i, int bytes, int v) {
  if (bytes == 4) {
    static_cast<int*>(y)[i] = v;
  } else {
    static_cast<std::uint8_t*>(y)[i] = static_cast<std::uint8_t>(v);
  }
}

__global__ void quantize_kernel(Quant p) {
  const long long i = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= p.count) return;
  store_int(p.y, i, p.y_bytes, quant(static_cast<const float*>(p.x)[i], p.y_scale, p.y_zero, p.y_lo, p.y_hi));
}

__global__ void dequantize_kernel(Quant p) {
  const long long i = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= p.count) return;
  static_cast<float*>(p.y)[i] = dequant(load_int(p.x, i, p.x_bytes, p.x_signed), p.x_zero, p.x_scale);
}

__global__ void requantize_kernel(Quant p) {
  const long long i = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= p.count) return;
  const float v = dequant(load_int(p.x, i, p.x_bytes, p.x_signed), p.x_zero, p.x_scale);
  store_int(p.y, i, p.y_bytes, quant(v, p.y_scale, p.y_zero, p.y_lo, p.y_hi));
}

__global__ void max_pool_kernel(MaxPool p) {
  const long long i = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= static_cast<long long>(p.n) * p.c * p.oh * p.ow) return;
  const int ow = static_cast<int>(i % p.ow), oh = static_cast<int>((i / p.ow) % p.oh);
  const long long nc = i / (static_cast<long long>(p.ow) * p.oh);
  bool any = false;
  int best = 0;
  for (int th = 0; th < p.kh; ++th) {
    const int ih = oh * p.stride_h - p.pad_t + th * p.dil_h;
    if (ih < 0 || ih >= p.h) continue;  // padding never wins
    for (int tw = 0; tw < p.kw; ++tw) {
      const int iw = ow * p.stride_w - p.pad_l + tw * p.dil_w;
      if (iw < 0 || iw >= p.w) continue;
      const int v = load8(p.x, (nc * p.h + ih) * p.w + iw, p.x_signed);
      if (!any || v > best) best = v;
      any = true;
    }
  }
  const int y = p.same ? best : quant(dequant(best, p.x_zero, p.x_scale), p.y_scale, p.y_zero, p.y_lo, p.y_hi);
  p.y[i] = static_cast<std::uint8_t>(y);
}

__global__ void global_average_kernel(GlobalAverage p) {
  const long long warp = (static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
  const int lane = threadIdx.x % 32;
  if (warp >= p.planes) return;  // whole warps leave together: planes are per warp
  const std::uint8_t* x = p.x + warp * p.plane;
  long long sum = 0;
  for (int j = lane; j < p.plane; j += 32) sum += load8(x, j, p.x_signed) - p.x_zero;
  for (int offset = 16; offset > 0; offset /= 2) sum += __shfl_down_sync(0xffffffffu, sum, offset);
  if (lane == 0)
    p.y[warp] = static_cast<std::uint8_t>(requantize_out(static_cast<int>(sum), p.scale, p.y_zero, p.range));
}

}  // namespace

void im2col(const Im2col& p, cudaStream_t s) {
  launch(im2col_kernel, static_cast<long long>(p.n) * p.oh * p.ow * p.kp, s, p);
}
void pack_rows(const PackRows& p, cudaStream_t s) {
  launch(pack_rows_kernel, p.m * p.kp, s, p);
}
void epilogue(const Epilogue& p, cudaStream_t s) {
  launch(epilogue_kernel, p.rows * p.cols, s, p);
}
void direct_conv(const DirectConv& p, cudaStream_t s) {
  launch(direct_conv_kernel, static_cast<long long>(p.n) * p.m * p.oh * p.ow, s, p);
}
void direct_gemm(const DirectGemm& p, cudaStream_t s) {
  launch(direct_gemm_kernel, p.rows * p.cols, s, p);
}
void add(const Add& p, cudaStream_t s) {
  launch(add_kernel, p.count, s, p);
}
void clip(const std::uint8_t* x, std::uint8_t* y, long long count, bool is_signed, int lo, int hi, cudaStream_t s) {
  launch(clip_kernel, count, s, x, y, count, is_signed, lo, hi);
}
void quantize(const Quant& p, cudaStream_t s) {
  launch(quantize_kernel, p.count, s, p);
}
void dequantize(const Quant& p, cudaStream_t s) {
  launch(dequantize_kernel, p.count, s, p);
}
void requantize(const Quant& p, cudaStream_t s) {
  launch(requantize_kernel, p.count, s, p);
}
void max_pool(const MaxPool& p, cudaStream_t s) {
  launch(max_pool_kernel, static_cast<long long>(p.n) * p.c * p.oh * p.ow, s, p);
}
void global_average(const GlobalAverage& p, cudaStream_t s) {
  launch(global_average_kernel, p.planes * 32, s, p);
}

}  // namespace systole::cuda::kernels
