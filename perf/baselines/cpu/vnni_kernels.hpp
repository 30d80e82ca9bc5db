// The CPU baseline's own int8 kernels, for AVX-512 VNNI machines: a GEMM with the requantization fused into its
// epilogue (convolutions through it, reading their NHWC input in place: an im2col only where the channels are not a
// multiple of 4 or a weight zero point needs the row sums), a depthwise
// convolution, max pooling, same-shape QLinearAdd and global average pooling, all on NHWC bytes and all bit for bit
// the reference kernels' arithmetic (quant.hpp's requantization, MLAS's QLinearAdd).
//
// Why our own and not oneDNN for these: oneDNN 2.6 adds a destination zero point before rounding (rne(v + zp) is not
// rne(v) + zp at ties) and adds the bias in fp32 after converting the accumulator, so its int8 outputs are not
// quant.hpp's; its exact path (int32 out, then a requantization pass) writes and reads four bytes per output element,
// which costs more than the convolution on ResNet-50's layers.
//
// Stored bytes: every 8-bit activation is held as unsigned bytes, uint8 values as they are and int8 values plus 128
// (offset binary), so that every kernel multiplies unsigned activations by signed weights (VPDPBUSD) and compares
// bytes without sign. A stored zero point is the zero point plus that offset; (x - zx) is the same either way.
#pragma once

#include <cstdint>
#include <vector>

namespace systole::cpu::vnni {

// Whether this CPU runs these kernels (AVX-512 F, BW, VL, VNNI and VBMI).
bool available();

// The requantization of a kernel's int32 sums, per output channel c of an output row r:
//   y = clamp(rne(float32(sum + offset[c] - zb[c] * rowsum[r]) * scale[c]) + zero_point, lo, hi)
// which is quant::requantize with the clamp narrowed to [lo, hi] (the type's range met with a fused clip), in stored
// terms (zero_point, lo and hi include the output's offset). Scales must be finite (the caller checks). Vectors are
// padded to whole 64-channel panels.
struct Requant {
  std::vector<std::int32_t> offset;
  std::vector<std::int32_t> zb;  // empty: no row-sum term (every weight zero point is 0)
  std::vector<float> scale;
  std::int32_t zero_point = 0;
  std::int32_t lo = 0;
  std::int32_t hi = 255;
};

// Signed weights B [K, N] packed for the GEMM: panels of 64 columns, K in groups of 4 (VPDPBUSD's depth), zero past K
// and N. colsum[n] = sum over k of B[k][n].
struct PackedB {
  std::int64_t k = 0, n = 0;
  std::int64_t k4 = 0;      // K rounded up to a multiple of 4
  std::int64_t panels = 0;  // ceil(N / 64)
  std::vector<std::int8_t> data;
  std::vector<std::int32_t> colsum;
};

// Packs B[k][n] = at(k, n) (a signed byte) for k < K, n < N.
template <typename At>
PackedB pack_b(std::int64_t k, std::int64_t n, At at) {
  PackedB p;
  p.k = k, p.n = n, p.k4 = (k + 3) / 4 * 4, p.panels = (n + 63) / 64;
  p.data.assign(static_cast<std::size_t>(p.panels * p.k4 * 64), 0);
  p.colsum.assign(static_cast<std::size_t>(p.panels * 64), 0);
  for (std::int64_t kk = 0; kk < k; ++kk) {
    for (std::int64_t nn = 0; nn < n; ++nn) {
      const std::int8_t v = at(kk, nn);
      p.data[static_cast<std::size_t>(((nn / 64) * p.k4 + kk / 4 * 4) * 64 + (nn % 64) * 4 + kk % 4)] = v;
      p.colsum[static_cast<std::size_t>(nn)] += v;
    }
  }
  return p;
}

// The bytes every buffer a kernel reads needs past its last element: rows of A are read in groups of 4 bytes (to
// K rounded up; the weights there are 0) and channel vectors in 64-byte loads.
constexpr std::size_t kSlack = 64;

// The geometry of a 2-D window over NHWC bytes (convolution or pooling).
struct Window {
  std::int64_t n = 0, h = 0, w = 0, c = 0;  // input
  std::int64_t kh = 1, kw = 1;
  std::int64_t sh = 1, sw = 1, dh = 1, dw = 1;
  std::int64_t pt = 0, pl = 0;  // top and left padding
  std::int64_t oh = 0, ow = 0;  // output
};

// C[r][n] = requant(sum over k < K of A[r][k] * B[k][n]) for r < rows, n < N: A unsigned bytes at row stride lda,
// C at row stride ldc. rowsum (sum over k < K of A[r][k]) only when rq.zb is not empty. On `threads` OpenMP threads.
void gemm(const std::uint8_t* a, std::int64_t lda, std::int64_t rows, const PackedB& b, const std::int32_t* rowsum,
          const Requant& rq, std::uint8_t* c, std::int64_t ldc, int threads);

// The same GEMM for a convolution without its im2col: row r of A is output pixel r of `win`, its K = kh * kw * c
// bytes the c channels under each tap in (kh, kw) order, read from the NHWC input x, or from `pad` (c bytes of the
// input's stored zero point) where a tap is off the input. Needs c a multiple of 4 and no row-sum term.
void conv_gemm(const std::uint8_t* x, const Window& win, const std::uint8_t* pad, const PackedB& b, const Requant& rq,
               std::uint8_t* c, int threads);

// sum over k < K of A[r][k], for r < rows.
void row_sums(const std::uint8_t* a, std::int64_t lda, std::int64_t rows, std::int64_t k, std::int32_t* out,
              int threads);

// Rows of A for a convolution: one per output pixel (n, oh, ow), K = kh * kw * c in (kh, kw, c) order, padding taps
// set to `pad` (the stored input zero point), bytes from K to lda set to 0. rowsum: see gemm (may be null).
void im2col(const std::uint8_t* x, const Window& win, std::uint8_t pad, std::uint8_t* a, std::int64_t lda,
            std::int32_t* rowsum, int threads);

// Depthwise weights packed for the kernel: the taps in groups of 4 (VPDPBUSD's depth), per group [channel][4] signed
// bytes with the channels padded to 64; `ones` marks the real taps of each group (1 bytes, 64 per group) for the
// row-sum term. sum[c] is channel c's weight sum.
struct PackedDepthwise {
  std::int64_t channels = 0, taps = 0, groups = 0, padded = 0;
  std::vector<std::int8_t> data;
  std::vector<std::int8_t> ones;
  std::vector<std::int32_t> sum;
};

// Packs w(c, t) (a signed byte) for channel c < channels and tap t < taps.
template <typename At>
PackedDepthwise pack_depthwise(std::int64_t channels, std::int64_t taps, At at) {
  PackedDepthwise p;
  p.channels = channels, p.taps = taps, p.groups = (taps + 3) / 4, p.padded = (channels + 63) / 64 * 64;
  p.data.assign(static_cast<std::size_t>(p.groups * p.padded * 4), 0);
  p.ones.assign(static_cast<std::size_t>(p.groups * 64), 0);
  p.sum.assign(static_cast<std::size_t>(p.padded), 0);
  for (std::int64_t t = 0; t < taps; ++t) {
    for (std::int64_t c = 0; c < 16; ++c) p.ones[static_cast<std::size_t>(t / 4 * 64 + c * 4 + t % 4)] = 1;
    for (std::int64_t c = 0; c < channels; ++c) {
      const std::int8_t v = at(c, t);
      p.data[static_cast<std::size_t>((t / 4 * p.padded + c) * 4 + t % 4)] = v;
      p.sum[static_cast<std::size_t>(c)] += v;
    }
  }
  return p;
}

// Depthwise convolution (one input channel per output channel, `win.c` of them) on NHWC bytes, every tap read from
// the input or from `pad` (channels + kSlack bytes of the input's stored zero point) off it:
//   y[p][c] = requant(sum over taps of x w) with rq.zb (if any) multiplying the sum over taps of x.
void depthwise(const std::uint8_t* x, const Window& win, const std::uint8_t* pad, const PackedDepthwise& w,
               const Requant& rq, std::uint8_t* y, int threads);

// Max over each window's input taps (every window has one), per channel.
void max_pool(const std::uint8_t* x, const Window& win, std::uint8_t* y, int threads);

// com.microsoft QLinearAdd of two same-shape tensors as MLAS computes it (ref::qlinear_add): per element
// v = fma(a, ra, fma(b, rb, f)) on the integers (stored byte minus its offset), then x86's conversion (rne; out of
// range or NaN: INT32_MIN), clamped to [lo, hi] (the type's range met with a fused clip), stored with offset_y.
struct AddParams {
  float ra = 0, rb = 0, f = 0;
  std::int32_t offset_a = 0, offset_b = 0;
  std::int32_t lo = 0, hi = 255, offset_y = 0;
};
void add(const std::uint8_t* a, const std::uint8_t* b, std::int64_t count, const AddParams& p, std::uint8_t* y,
         int threads);

// QuantizeLinear of `count` floats (none NaN) as ref::detail::quantize: rne(clamp(x / scale, lo - zp, hi - zp)) + zp
// (a true division; the bounds are the type's), stored as y[i * stride] with `offset` added.
struct QuantizeParams {
  float scale = 1;
  std::int32_t zero_point = 0, lo = 0, hi = 255, offset = 0;
};
void quantize(const float* x, std::int64_t count, const QuantizeParams& p, std::uint8_t* y, std::int64_t stride);

}  // namespace systole::cpu::vnni
