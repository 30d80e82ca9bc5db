#include "perf/baselines/cpu/vnni_kernels.hpp"

#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cstring>

// The kernels are compiled for AVX-512 VNNI whatever the build's target; available() guards every call. The OpenMP
// loops stay in plain functions that call the target ones (GCC does not carry the target attribute into the
// outlined loop bodies).
#define SYSTOLE_VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx512vbmi,fma")))
// g++ 12 warns inside its own avx512fintrin.h that the intrinsics' undefined pass-through operand (the unmasked forms
// are its masked builtins with an all-ones mask) is used uninitialized.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

namespace systole::cpu::vnni {

bool available() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni") &&
         __builtin_cpu_supports("avx512vbmi");
}

namespace {

// c += a (unsigned bytes) . b (signed bytes), per group of 4. Inline assembly: g++ 12 compiles the intrinsic with
// register copies that halve its rate (../shared/notes-toolchain.md).
SYSTOLE_VNNI inline void dpbusd(__m512i& c, __m512i a, __m512i b) {
  asm("vpdpbusd %2, %1, %0" : "+v"(c) : "v"(a), "v"(b));
}

// Requant's arithmetic on 16 sums: rne(float32(sum) * scale) + zero_point, clamped. Clamping the product to
// [lo - zero_point, hi - zero_point] before rounding gives the same result as clamping after (the bounds are integers)
// and keeps the conversion in range; both conversions round to nearest even (MXCSR's default, as quant.hpp's
// static_cast and nearbyint).
struct Requant16 {
  __m512 lo, hi;
  __m512i zero_point;

  SYSTOLE_VNNI explicit Requant16(const Requant& rq)
      : lo(_mm512_set1_ps(static_cast<float>(rq.lo - rq.zero_point))),
        hi(_mm512_set1_ps(static_cast<float>(rq.hi - rq.zero_point))),
        zero_point(_mm512_set1_epi32(rq.zero_point)) {}

  SYSTOLE_VNNI __m512i operator()(__m512i sum, __m512 scale) const {
    __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(sum), scale);
    v = _mm512_min_ps(_mm512_max_ps(v, lo), hi);
    return _mm512_add_epi32(_mm512_cvtps_epi32(v), zero_point);
  }
};

SYSTOLE_VNNI inline __mmask16 lanes16(std::int64_t valid) {
  return valid >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << valid) - 1);
}

SYSTOLE_VNNI inline __mmask64 lanes64(std::int64_t valid) {
  return valid >= 64 ? ~__mmask64{0} : (__mmask64{1} << valid) - 1;
}

constexpr int kMr = 6;  // rows per tile: 6 x 4 accumulators + 4 weight vectors + a broadcast of 32 registers

// One tile: MR rows of A against the first NV 16-column vectors of one 64-column panel of B (NV < 4 only in the last
// panel of an N that is not a multiple of 64), over all of K, then the epilogue into C. A row is read in `taps`
// segments of `quads` groups of 4 bytes: segment t of row r at rows[t * kMr + r] (a plain GEMM has one segment per
// row; a convolution one per kernel tap). The accumulators are named variables (g++ keeps an array of them in memory,
// which makes the loop load-bound).
#define SYSTOLE_TILE_ACC(r) \
  __m512i c##r##0 = _mm512_setzero_si512(), c##r##1 = c##r##0, c##r##2 = c##r##0, c##r##3 = c##r##0
#define SYSTOLE_TILE_PTR(r) const std::uint8_t* p##r = MR > r ? seg[r] : nullptr
#define SYSTOLE_TILE_ROW(r)                        \
  if constexpr (MR > r) {                          \
    std::int32_t quad;                             \
    std::memcpy(&quad, p##r + 4 * q, 4);           \
    const __m512i va = _mm512_set1_epi32(quad);    \
    dpbusd(c##r##0, va, b0);                       \
    if constexpr (NV > 1) dpbusd(c##r##1, va, b1); \
    if constexpr (NV > 2) dpbusd(c##r##2, va, b2); \
    if constexpr (NV > 3) dpbusd(c##r##3, va, b3); \
  }
#define SYSTOLE_TILE_STORE(r) \
  if constexpr (MR > r) store(r, c##r##0, c##r##1, c##r##2, c##r##3)

template <int MR, int NV>
SYSTOLE_VNNI void tile(const std::uint8_t* const* rows, std::int64_t taps, std::int64_t quads, const std::int8_t* bp,
                       const std::int32_t* rowsum, const Requant& rq, std::int64_t n0, std::int64_t n, std::uint8_t* c,
                       std::int64_t ldc) {
  SYSTOLE_TILE_ACC(0);
  SYSTOLE_TILE_ACC(1);
  SYSTOLE_TILE_ACC(2);
  SYSTOLE_TILE_ACC(3);
  SYSTOLE_TILE_ACC(4);
  SYSTOLE_TILE_ACC(5);
  for (std::int64_t t = 0; t < taps; ++t) {
    const std::uint8_t* const* seg = rows + t * kMr;
    SYSTOLE_TILE_PTR(0);
    SYSTOLE_TILE_PTR(1);
    SYSTOLE_TILE_PTR(2);
    SYSTOLE_TILE_PTR(3);
    SYSTOLE_TILE_PTR(4);
    SYSTOLE_TILE_PTR(5);
    for (std::int64_t q = 0; q < quads; ++q, bp += 256) {
      const __m512i b0 = _mm512_loadu_si512(bp);
      const __m512i b1 = NV > 1 ? _mm512_loadu_si512(bp + 64) : b0;
      const __m512i b2 = NV > 2 ? _mm512_loadu_si512(bp + 128) : b0;
      const __m512i b3 = NV > 3 ? _mm512_loadu_si512(bp + 192) : b0;
      SYSTOLE_TILE_ROW(0);
      SYSTOLE_TILE_ROW(1);
      SYSTOLE_TILE_ROW(2);
      SYSTOLE_TILE_ROW(3);
      SYSTOLE_TILE_ROW(4);
      SYSTOLE_TILE_ROW(5);
    }
  }
  const Requant16 requant(rq);
  const bool row_term = !rq.zb.empty();
  auto store = [&](int r, __m512i acc0, __m512i acc1, __m512i acc2, __m512i acc3) SYSTOLE_VNNI {
    const __m512i acc[4] = {acc0, acc1, acc2, acc3};
    for (int j = 0; j < NV; ++j) {
      const std::int64_t col = n0 + 16 * j;
      __m512i sum = _mm512_add_epi32(acc[j], _mm512_loadu_si512(rq.offset.data() + col));
      if (row_term) {
        sum = _mm512_sub_epi32(
            sum, _mm512_mullo_epi32(_mm512_set1_epi32(rowsum[r]), _mm512_loadu_si512(rq.zb.data() + col)));
      }
      _mm512_mask_cvtepi32_storeu_epi8(c + r * ldc + col, lanes16(n - col),
                                       requant(sum, _mm512_loadu_ps(rq.scale.data() + col)));
    }
  };
  SYSTOLE_TILE_STORE(0);
  SYSTOLE_TILE_STORE(1);
  SYSTOLE_TILE_STORE(2);
  SYSTOLE_TILE_STORE(3);
  SYSTOLE_TILE_STORE(4);
  SYSTOLE_TILE_STORE(5);
}
#undef SYSTOLE_TILE_ACC
#undef SYSTOLE_TILE_PTR
#undef SYSTOLE_TILE_ROW
#undef SYSTOLE_TILE_STORE

using TileFn = void (*)(const std::uint8_t* const*, std::int64_t, std::int64_t, const std::int8_t*, const std::int32_t*,
                        const Requant&, std::int64_t, std::int64_t, std::uint8_t*, std::int64_t);
template <int NV>
constexpr std::array<TileFn, kMr + 1> kTilesOf = {nullptr,     tile<1, NV>, tile<2, NV>, tile<3, NV>,
                                                  tile<4, NV>, tile<5, NV>, tile<6, NV>};
// kTiles[vectors][rows]
constexpr std::array<std::array<TileFn, kMr + 1>, 5> kTiles = {std::array<TileFn, kMr + 1>{}, kTilesOf<1>, kTilesOf<2>,
                                                               kTilesOf<3>, kTilesOf<4>};

// The GEMM's loop over tiles: blocks of rows x panels as tasks, panel-major, so that the threads share a panel of
// weights at a time. segments(r0, mr, table) fills the tile's row segments (taps x kMr pointers).
template <typename Segments>
void run_tiles(std::int64_t rows, std::int64_t taps, std::int64_t quads, const PackedB& b, const std::int32_t* rowsum,
               const Requant& rq, std::uint8_t* c, std::int64_t ldc, int threads, Segments segments) {
  const std::int64_t block = rows >= 16 * kMr * threads ? 8 * kMr : kMr;
  const std::int64_t blocks = (rows + block - 1) / block;
  const std::int64_t tasks = blocks * b.panels;
#pragma omp parallel num_threads(threads) if (threads > 1 && tasks > 1)
  {
    std::vector<const std::uint8_t*> table(static_cast<std::size_t>(taps * kMr));
#pragma omp for schedule(dynamic, 1)
    for (std::int64_t t = 0; t < tasks; ++t) {
      const std::int64_t panel = t / blocks, r0 = t % blocks * block, r1 = std::min(rows, r0 + block);
      const std::int8_t* bp = b.data.data() + panel * b.k4 * 64;
      const auto nv = static_cast<int>(std::min<std::int64_t>(4, (b.n - panel * 64 + 15) / 16));
      for (std::int64_t r = r0; r < r1; r += kMr) {
        const auto mr = static_cast<int>(std::min<std::int64_t>(kMr, r1 - r));
        segments(r, mr, table.data());
        kTiles[nv][mr](table.data(), taps, quads, bp, rowsum ? rowsum + r : nullptr, rq, panel * 64, b.n, c + r * ldc,
                       ldc);
      }
    }
  }
}

// Where each kernel tap of output pixel (n, oy, ox) reads its channels: the input pixel under it, or `pad` where the
// tap is off the input. Tap (i, j) goes to taps[(i * kw + j) * stride].
void window_taps(const std::uint8_t* x, const Window& win, std::int64_t n, std::int64_t oy, std::int64_t ox,
                 const std::uint8_t* pad, const std::uint8_t** taps, std::int64_t stride) {
  const std::uint8_t* image = x + n * win.h * win.w * win.c;
  for (std::int64_t i = 0; i < win.kh; ++i) {
    const std::int64_t iy = oy * win.sh - win.pt + i * win.dh;
    for (std::int64_t j = 0; j < win.kw; ++j) {
      const std::int64_t ix = ox * win.sw - win.pl + j * win.dw;
      const bool inside = iy >= 0 && iy < win.h && ix >= 0 && ix < win.w;
      taps[(i * win.kw + j) * stride] = inside ? image + (iy * win.w + ix) * win.c : pad;
    }
  }
}

// One output pixel of a depthwise convolution, every channel: per group of 4 taps, 16 channels' bytes of each tap
// interleaved into [channel][tap] (VPERMB) and multiplied with VPDPBUSD.
SYSTOLE_VNNI void depthwise_pixel(const std::uint8_t* const* taps, const PackedDepthwise& w, const Requant& rq,
                                  std::uint8_t* y) {
  alignas(64) static constexpr auto kInterleave = [] {
    std::array<std::uint8_t, 64> idx{};
    for (int j = 0; j < 64; ++j) idx[static_cast<std::size_t>(j)] = static_cast<std::uint8_t>(16 * (j % 4) + j / 4);
    return idx;
  }();
  const __m512i interleave = _mm512_load_si512(kInterleave.data());
  const Requant16 requant(rq);
  const bool row_term = !rq.zb.empty();
  for (std::int64_t c = 0; c < w.channels; c += 16) {
    __m512i acc = _mm512_setzero_si512(), xsum = acc;
    for (std::int64_t g = 0; g < w.groups; ++g) {
      const std::uint8_t* const* t = taps + 4 * g;
      __m512i v = _mm512_castsi128_si512(_mm_loadu_si128(reinterpret_cast<const __m128i*>(t[0] + c)));
      v = _mm512_inserti32x4(v, _mm_loadu_si128(reinterpret_cast<const __m128i*>(t[1] + c)), 1);
      v = _mm512_inserti32x4(v, _mm_loadu_si128(reinterpret_cast<const __m128i*>(t[2] + c)), 2);
      v = _mm512_inserti32x4(v, _mm_loadu_si128(reinterpret_cast<const __m128i*>(t[3] + c)), 3);
      v = _mm512_permutexvar_epi8(interleave, v);
      dpbusd(acc, v, _mm512_loadu_si512(w.data.data() + (g * w.padded + c) * 4));
      if (row_term) dpbusd(xsum, v, _mm512_loadu_si512(w.ones.data() + g * 64));
    }
    __m512i sum = _mm512_add_epi32(acc, _mm512_loadu_si512(rq.offset.data() + c));
    if (row_term) sum = _mm512_sub_epi32(sum, _mm512_mullo_epi32(xsum, _mm512_loadu_si512(rq.zb.data() + c)));
    _mm512_mask_cvtepi32_storeu_epi8(y + c, lanes16(w.channels - c),
                                     requant(sum, _mm512_loadu_ps(rq.scale.data() + c)));
  }
}

// Max over the taps on the input (null: off it) of one output pixel, every channel.
SYSTOLE_VNNI void max_pool_pixel(const std::uint8_t* const* taps, std::int64_t count, std::int64_t channels,
                                 std::uint8_t* y) {
  for (std::int64_t c = 0; c < channels; c += 64) {
    const __mmask64 mask = lanes64(channels - c);
    __m512i best = _mm512_setzero_si512();  // every window has an input tap, and bytes are at least 0
    for (std::int64_t t = 0; t < count; ++t) {
      if (taps[t]) best = _mm512_max_epu8(best, _mm512_maskz_loadu_epi8(mask, taps[t] + c));
    }
    _mm512_mask_storeu_epi8(y + c, mask, best);
  }
}

SYSTOLE_VNNI void add_range(const std::uint8_t* a, const std::uint8_t* b, std::int64_t begin, std::int64_t end,
                            const AddParams& p, std::uint8_t* y) {
  const __m512i offset_a = _mm512_set1_epi32(p.offset_a), offset_b = _mm512_set1_epi32(p.offset_b);
  const __m512i lo = _mm512_set1_epi32(p.lo), hi = _mm512_set1_epi32(p.hi), offset_y = _mm512_set1_epi32(p.offset_y);
  const __m512 ra = _mm512_set1_ps(p.ra), rb = _mm512_set1_ps(p.rb), f = _mm512_set1_ps(p.f);
  for (std::int64_t i = begin; i < end; i += 16) {
    const __mmask16 mask = lanes16(end - i);
    const __m512 va =
        _mm512_cvtepi32_ps(_mm512_sub_epi32(_mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(mask, a + i)), offset_a));
    const __m512 vb =
        _mm512_cvtepi32_ps(_mm512_sub_epi32(_mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(mask, b + i)), offset_b));
    // cvtps2dq: round to nearest even, INT32_MIN when out of range or NaN (x86_to_int32)
    const __m512i v = _mm512_cvtps_epi32(_mm512_fmadd_ps(va, ra, _mm512_fmadd_ps(vb, rb, f)));
    const __m512i clamped = _mm512_min_epi32(_mm512_max_epi32(v, lo), hi);
    _mm512_mask_cvtepi32_storeu_epi8(y + i, mask, _mm512_add_epi32(clamped, offset_y));
  }
}

}  // namespace

SYSTOLE_VNNI void quantize(const float* x, std::int64_t count, const QuantizeParams& p, std::uint8_t* y,
                           std::int64_t stride) {
  const __m512 scale = _mm512_set1_ps(p.scale);
  const __m512 lo = _mm512_set1_ps(static_cast<float>(p.lo - p.zero_point));
  const __m512 hi = _mm512_set1_ps(static_cast<float>(p.hi - p.zero_point));
  const __m512i add = _mm512_set1_epi32(p.zero_point + p.offset);
  alignas(64) std::int32_t lanes[16];
  for (std::int64_t i = 0; i < count; i += 16) {
    const __mmask16 mask = lanes16(count - i);
    const __m512 q = _mm512_div_ps(_mm512_maskz_loadu_ps(mask, x + i), scale);
    const __m512i v = _mm512_add_epi32(_mm512_cvtps_epi32(_mm512_min_ps(_mm512_max_ps(q, lo), hi)), add);
    if (stride == 1) {
      _mm512_mask_cvtepi32_storeu_epi8(y + i, mask, v);
      continue;
    }
    _mm512_store_si512(lanes, v);
    for (std::int64_t l = 0; l < std::min<std::int64_t>(16, count - i); ++l) {
      y[(i + l) * stride] = static_cast<std::uint8_t>(lanes[l]);
    }
  }
}

void gemm(const std::uint8_t* a, std::int64_t lda, std::int64_t rows, const PackedB& b, const std::int32_t* rowsum,
          const Requant& rq, std::uint8_t* c, std::int64_t ldc, int threads) {
  run_tiles(rows, 1, b.k4 / 4, b, rowsum, rq, c, ldc, threads,
            [&](std::int64_t r0, int mr, const std::uint8_t** table) {
              for (int r = 0; r < mr; ++r) table[r] = a + (r0 + r) * lda;
            });
}

void conv_gemm(const std::uint8_t* x, const Window& win, const std::uint8_t* pad, const PackedB& b, const Requant& rq,
               std::uint8_t* c, int threads) {
  const std::int64_t taps = win.kh * win.kw;
  run_tiles(win.n * win.oh * win.ow, taps, win.c / 4, b, nullptr, rq, c, b.n, threads,
            [&](std::int64_t r0, int mr, const std::uint8_t** table) {
              for (int r = 0; r < mr; ++r) {
                const std::int64_t p = r0 + r;
                window_taps(x, win, p / (win.oh * win.ow), p / win.ow % win.oh, p % win.ow, pad, table + r, kMr);
              }
            });
}

void row_sums(const std::uint8_t* a, std::int64_t lda, std::int64_t rows, std::int64_t k, std::int32_t* out,
              int threads) {
#pragma omp parallel for num_threads(threads) if (threads > 1 && rows * k > 65536)
  for (std::int64_t r = 0; r < rows; ++r) {
    std::int32_t s = 0;
    for (std::int64_t i = 0; i < k; ++i) s += a[r * lda + i];
    out[r] = s;
  }
}

void im2col(const std::uint8_t* x, const Window& win, std::uint8_t pad, std::uint8_t* a, std::int64_t lda,
            std::int32_t* rowsum, int threads) {
  const std::int64_t k = win.kh * win.kw * win.c, pixels = win.n * win.oh * win.ow;
#pragma omp parallel for num_threads(threads) if (threads > 1 && pixels * k > 65536)
  for (std::int64_t p = 0; p < pixels; ++p) {
    const std::int64_t n = p / (win.oh * win.ow), oy = p / win.ow % win.oh, ox = p % win.ow;
    std::uint8_t* row = a + p * lda;
    for (std::int64_t i = 0; i < win.kh; ++i) {
      std::uint8_t* dst = row + i * win.kw * win.c;
      const std::int64_t iy = oy * win.sh - win.pt + i * win.dh;
      if (iy < 0 || iy >= win.h) {
        std::memset(dst, pad, static_cast<std::size_t>(win.kw * win.c));
        continue;
      }
      const std::uint8_t* src_row = x + (n * win.h + iy) * win.w * win.c;
      const std::int64_t x0 = ox * win.sw - win.pl;
      if (win.dw == 1 && x0 >= 0 && x0 + win.kw <= win.w) {  // the whole row of taps is one run of the input
        std::memcpy(dst, src_row + x0 * win.c, static_cast<std::size_t>(win.kw * win.c));
        continue;
      }
      for (std::int64_t j = 0; j < win.kw; ++j) {
        const std::int64_t ix = x0 + j * win.dw;
        if (ix < 0 || ix >= win.w) {
          std::memset(dst + j * win.c, pad, static_cast<std::size_t>(win.c));
        } else {
          std::memcpy(dst + j * win.c, src_row + ix * win.c, static_cast<std::size_t>(win.c));
        }
      }
    }
    std::memset(row + k, 0, static_cast<std::size_t>(lda - k));
    if (rowsum) {
      std::int32_t s = 0;
      for (std::int64_t i = 0; i < k; ++i) s += row[i];
      rowsum[p] = s;
    }
  }
}

void depthwise(const std::uint8_t* x, const Window& win, const std::uint8_t* pad, const PackedDepthwise& w,
               const Requant& rq, std::uint8_t* y, int threads) {
  const std::int64_t out_rows = win.n * win.oh;
#pragma omp parallel num_threads(threads) if (threads > 1 && out_rows * win.ow * win.c > 16384)
  {
    std::vector<const std::uint8_t*> taps(static_cast<std::size_t>(w.groups * 4), pad);  // past kh * kw: pad
#pragma omp for
    for (std::int64_t row = 0; row < out_rows; ++row) {  // one output row at a time: no division per pixel
      const std::int64_t n = row / win.oh, oy = row % win.oh;
      for (std::int64_t ox = 0; ox < win.ow; ++ox) {
        window_taps(x, win, n, oy, ox, pad, taps.data(), 1);
        depthwise_pixel(taps.data(), w, rq, y + (row * win.ow + ox) * win.c);
      }
    }
  }
}

void max_pool(const std::uint8_t* x, const Window& win, std::uint8_t* y, int threads) {
  const std::int64_t out_rows = win.n * win.oh;
#pragma omp parallel num_threads(threads) if (threads > 1 && out_rows * win.ow * win.c > 65536)
  {
    std::vector<const std::uint8_t*> taps(static_cast<std::size_t>(win.kh * win.kw));
#pragma omp for
    for (std::int64_t row = 0; row < out_rows; ++row) {  // one output row at a time: no division per pixel
      const std::int64_t n = row / win.oh, oy = row % win.oh;
      for (std::int64_t ox = 0; ox < win.ow; ++ox) {
        window_taps(x, win, n, oy, ox, nullptr, taps.data(), 1);
        max_pool_pixel(taps.data(), win.kh * win.kw, win.c, y + (row * win.ow + ox) * win.c);
      }
    }
  }
}

void add(const std::uint8_t* a, const std::uint8_t* b, std::int64_t count, const AddParams& p, std::uint8_t* y,
         int threads) {
  constexpr std::int64_t kChunk = 16384;
  const std::int64_t chunks = (count + kChunk - 1) / kChunk;
#pragma omp parallel for num_threads(threads) if (threads > 1 && chunks > 1)
  for (std::int64_t t = 0; t < chunks; ++t) add_range(a, b, t * kChunk, std::min(count, (t + 1) * kChunk), p, y);
}

}  // namespace systole::cpu::vnni
