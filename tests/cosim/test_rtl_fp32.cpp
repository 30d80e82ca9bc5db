// hw/rtl/fp32_{add,mul,div,from_int,to_int}.sv under Verilator against this x86 CPU's own fp32 operations (SSE with
// MXCSR at its default: round to nearest even, no flush to zero, no denormals-are-zero), the arithmetic of ONNX
// Runtime's QLinearAveragePool (sim/ref/pool.cpp, average_pool). Bit for bit, over: every pair of a set of special
// and boundary values; millions of operands drawn where the roundings are hard (nearby exponents for cancellation
// and alignment, subnormal and overflowing results, significands with long runs of zeros or ones); constructed exact
// ties; every dequantization product (x - zx) * scale for every scale significand; conversions around every power of
// two, every n + 1/2 and the int32 range's edges; and the composed AveragePool step. Coverage counters check that
// the draws reach ties, subnormal, zero, infinite and NaN results. Random cases print their seed.
#include <xmmintrin.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "Vfp32_add.h"
#include "Vfp32_div.h"
#include "Vfp32_from_int.h"
#include "Vfp32_mul.h"
#include "Vfp32_to_int.h"
#include "sim/ref/ref_detail.hpp"

namespace {

using Bits = std::uint32_t;
using Rng = std::mt19937_64;
namespace detail = systole::ref::detail;

constexpr Bits kSign = 0x8000'0000u;
constexpr float kInf = std::numeric_limits<float>::infinity();

Bits bits(float f) {
  return std::bit_cast<Bits>(f);
}
float value(Bits b) {
  return std::bit_cast<float>(b);
}
Bits make(Bits sign, Bits exponent, Bits fraction) {
  return (sign << 31) | (exponent << 23) | fraction;
}
Bits exponent_of(Bits b) {
  return (b >> 23) & 0xffu;
}
bool is_nan(Bits b) {
  return (b & 0x7fff'ffffu) > 0x7f80'0000u;
}
bool is_finite(Bits b) {
  return exponent_of(b) != 0xffu;
}

// The CPU's operations. Out of line, so a is in xmm0 (x86-64 ABI) and the instruction is ADDSS xmm0, xmm1: a is its
// first operand, which SSE returns when both operands are NaNs. Compiled with -ffp-contract=off (systole_warnings).
[[gnu::noinline]] float cpu_add(float a, float b) {
  return a + b;
}
[[gnu::noinline]] float cpu_sub(float a, float b) {
  return a - b;
}
[[gnu::noinline]] float cpu_mul(float a, float b) {
  return a * b;
}
[[gnu::noinline]] float cpu_div(float a, float b) {
  return a / b;
}
// CVTSI2SS, and CVTSS2SI (rounding as MXCSR says: to nearest even; out of range and NaN give INT32_MIN).
float cpu_from_int(std::int32_t v) {
  return static_cast<float>(v);
}
std::int32_t cpu_to_int(float v) {
  return _mm_cvtss_si32(_mm_set_ss(v));
}

enum class Op { kAdd, kSub, kMul, kDiv };

struct Units {
  VerilatedContext context;
  Vfp32_add add{&context};
  Vfp32_mul mul{&context};
  Vfp32_div div{&context};
  Vfp32_from_int from_int{&context};
  Vfp32_to_int to_int{&context};

  // a - b is a + (b with its sign flipped), as the vector unit will issue it.
  Bits binary(Op op, Bits a, Bits b) {
    switch (op) {
      case Op::kAdd:
      case Op::kSub:
        add.a_i = a;
        add.b_i = op == Op::kSub ? b ^ kSign : b;
        add.eval();
        return add.sum_o;
      case Op::kMul:
        mul.a_i = a;
        mul.b_i = b;
        mul.eval();
        return mul.product_o;
      case Op::kDiv:
        div.a_i = a;
        div.b_i = b;
        div.eval();
        return div.quotient_o;
    }
    return 0;
  }
  Bits convert_from_int(std::int32_t v) {
    from_int.value_i = static_cast<Bits>(v);
    from_int.eval();
    return from_int.result_o;
  }
  std::int32_t convert_to_int(Bits v) {
    to_int.value_i = v;
    to_int.eval();
    return static_cast<std::int32_t>(to_int.result_o);
  }
};

// SUBSS returns a NaN b with its own sign; the flipped-sign addition returns it flipped, so a NaN b is compared with
// ADDSS a, -b.
float reference(Op op, float a, float b) {
  switch (op) {
    case Op::kAdd: return cpu_add(a, b);
    case Op::kSub: return std::isnan(b) ? cpu_add(a, -b) : cpu_sub(a, b);
    case Op::kMul: return cpu_mul(a, b);
    case Op::kDiv: return cpu_div(a, b);
  }
  return 0.0f;
}

// The two values halfway between |r| and its fp32 neighbours, exact in double.
std::array<double, 2> midpoints(float r) {
  const float m = std::fabs(r);
  return {(static_cast<double>(m) + std::nextafter(m, 0.0f)) / 2,
          (static_cast<double>(m) + std::nextafter(m, kInf)) / 2};
}

// Whether the exact result of a finite operation lies halfway between two fp32 values (rounded result r). Sums and
// products are exact in double (sums only with exponents within 29, all that can tie); a quotient is a midpoint
// mid exactly when mid * b == a.
bool exact_tie(Op op, float a, float b, float r) {
  for (double mid : midpoints(r)) {
    const double da = std::fabs(static_cast<double>(a)), db = std::fabs(static_cast<double>(b));
    switch (op) {
      case Op::kAdd:
      case Op::kSub: {
        if (std::abs(static_cast<int>(exponent_of(bits(a))) - static_cast<int>(exponent_of(bits(b)))) > 29)
          return false;
        const double exact = op == Op::kAdd ? static_cast<double>(a) + b : static_cast<double>(a) - b;
        if (std::fabs(exact) == mid) return true;
        break;
      }
      case Op::kMul:
        if (da * db == mid) return true;
        break;
      case Op::kDiv:
        if (mid * db == da) return true;
        break;
    }
  }
  return false;
}

// One unit's checks: counts, the first mismatches, and what the results covered.
struct Tally {
  const char* name;
  std::uint64_t checked = 0, mismatches = 0;
  std::uint64_t ties = 0, subnormal = 0, zero = 0, overflow = 0, nan = 0;

  bool record(bool equal) {
    ++checked;
    return !equal && ++mismatches <= 10;
  }
  void cover_result(Bits r) {
    if (exponent_of(r) == 0) ++((r & 0x7fff'ffffu) == 0 ? zero : subnormal);
    if (is_nan(r)) ++nan;
  }
};

struct BinaryCheck {
  Units& units;
  Op op;
  Tally tally;

  void operator()(Bits a, Bits b) {
    const Bits want = bits(reference(op, value(a), value(b)));
    const Bits got = units.binary(op, a, b);
    if (tally.record(got == want)) {
      UNSCOPED_INFO(tally.name << " 0x" << std::hex << a << ", 0x" << b << ": rtl 0x" << got << ", cpu 0x" << want
                               << std::dec << " (" << value(a) << ", " << value(b) << ")");
    }
    tally.cover_result(want);
    if (is_finite(a) && is_finite(b) && !is_nan(want)) {
      if (!is_finite(want)) ++tally.overflow;
      if (exact_tie(op, value(a), value(b), value(want))) ++tally.ties;
    }
  }
};

void report(const Tally& t) {
  UNSCOPED_INFO(t.name << ": " << t.checked << " checked, " << t.mismatches << " mismatches; results: " << t.ties
                       << " exact ties, " << t.subnormal << " subnormal, " << t.zero << " zero, " << t.overflow
                       << " overflowed, " << t.nan << " NaN");
}

// Special and boundary values: every exponent class (zero/subnormal, the smallest normals, around 1, the largest
// finite, infinity/NaN) with fractions 0, 1, 2, 3, half-way, all ones and patterns; both signs. Among them +-0, the
// smallest and largest subnormals, the smallest normal, +-1, the largest finite value, +-infinity, quiet NaNs and
// signalling NaNs (fraction 1, 2, 3, 0x3fffff, ...) with payloads.
std::vector<Bits> special_values() {
  const Bits exponents[] = {0, 1, 2, 23, 24, 25, 26, 100, 126, 127, 128, 150, 151, 229, 253, 254, 255};
  const Bits fractions[] = {0,         1,         2,         3,         0x00'0100, 0x2a'aaaa,
                            0x3f'ffff, 0x40'0000, 0x40'0001, 0x55'5555, 0x7f'fffe, 0x7f'ffff};
  std::vector<Bits> values;
  for (Bits sign : {0u, 1u}) {
    for (Bits e : exponents) {
      for (Bits f : fractions) values.push_back(make(sign, e, f));
    }
  }
  return values;
}

// 23 fraction bits drawn so that roundings are hard: uniform; an odd value above a random number of trailing zeros
// (exact ties); one to three bits set; a run of ones; all ones less one bit; zero.
Bits random_fraction(Rng& rng) {
  switch (rng() % 6) {
    case 0: return static_cast<Bits>(rng()) & 0x7f'ffffu;
    case 1: return static_cast<Bits>((rng() | 1) << (rng() % 24)) & 0x7f'ffffu;
    case 2: {
      Bits f = 0;
      for (int n = static_cast<int>(rng() % 3); n >= 0; --n) f |= Bits{1} << (rng() % 23);
      return f;
    }
    case 3: return static_cast<Bits>(((std::uint64_t{1} << (rng() % 24)) - 1) << (rng() % 23)) & 0x7f'ffffu;
    case 4: return 0x7f'ffffu ^ (Bits{1} << (rng() % 23));
    default: return 0;
  }
}

// An exponent field: mostly anywhere finite, often at the subnormal and overflow ends, rarely infinity/NaN.
Bits random_exponent(Rng& rng) {
  switch (rng() % 10) {
    case 0: return 0;
    case 1: return static_cast<Bits>(1 + rng() % 4);
    case 2: return static_cast<Bits>(250 + rng() % 5);
    case 3: return rng() % 8 == 0 ? 255 : static_cast<Bits>(rng() % 255);
    default: return static_cast<Bits>(rng() % 255);
  }
}

Bits clamp_exponent(int e) {
  return static_cast<Bits>(std::clamp(e, 0, 254));
}
Bits random_sign(Rng& rng) {
  return static_cast<Bits>(rng() & 1);
}
int uniform(Rng& rng, int lo, int hi) {
  return lo + static_cast<int>(rng() % static_cast<std::uint64_t>(hi - lo + 1));
}

// b's exponent relative to a's, per operation: for sums equal, one apart or within 30 (cancellation, alignment);
// for products and quotients such that the result lands near the subnormal range or near overflow, or anywhere.
Bits partner_exponent(Op op, Bits ea, Rng& rng) {
  const int e = static_cast<int>(ea);
  const int where = static_cast<int>(rng() % 8);
  if (op == Op::kAdd || op == Op::kSub) {
    if (where < 2) return ea;
    if (where < 4) return clamp_exponent(e + (rng() & 1 ? 1 : -1));
    if (where < 7) return clamp_exponent(e + (rng() & 1 ? 1 : -1) * uniform(rng, 2, 30));
    return random_exponent(rng);
  }
  // Result exponent field t (before rounding): a * b gives ea + eb - 127, a / b gives ea - eb + 127.
  int t = uniform(rng, 1, 254);
  if (where < 3)
    t = uniform(rng, -30, 3);
  else if (where < 5)
    t = uniform(rng, 250, 258);
  else if (where < 6)
    return random_exponent(rng);
  return clamp_exponent(op == Op::kMul ? t + 127 - e : e + 127 - t);
}

// A 24-bit significand (hidden bit set) that is an odd number times 2^zeros.
Bits significand_with_trailing_zeros(Rng& rng, int zeros) {
  const Bits odd = (static_cast<Bits>(rng()) | 1u | (Bits{1} << (23 - zeros))) & ((Bits{1} << (24 - zeros)) - 1);
  return odd << zeros;
}

// Operands whose exact result lies halfway between two fp32 values (most of them; the tally counts the ones that do).
// Sum: the smaller operand's bits below the larger's last place are 100..0. Product: the significands' trailing zeros
// add up to the round position (22 or 23). Quotient (ties exist only for subnormal results): b a power of two, a's
// bits below the subnormal grid 100..0.
std::array<Bits, 2> tie_operands(Op op, Rng& rng) {
  const Bits sa = random_sign(rng), sb = random_sign(rng);
  if (op == Op::kAdd || op == Op::kSub) {
    const int d = uniform(rng, 1, 24);
    const int ea = uniform(rng, d + 1, 254);
    const Bits b_sig =
        ((static_cast<Bits>(rng()) | 0x80'0000u) & 0xff'ffffu & ~((Bits{1} << d) - 1)) | (Bits{1} << (d - 1));
    return {make(sa, static_cast<Bits>(ea), random_fraction(rng)),
            make(sb, static_cast<Bits>(ea - d), b_sig & 0x7f'ffffu)};
  }
  if (op == Op::kMul) {
    const int za = uniform(rng, 0, 23);
    const int zb = std::max(0, (rng() & 1 ? 23 : 22) - za);
    // Mostly normal results; a quarter near the subnormal range, where the round position moves.
    const int ea = uniform(rng, 1, 254);
    const int t = rng() % 4 == 0 ? uniform(rng, -24, 2) : uniform(rng, 1, 254);
    return {make(sa, static_cast<Bits>(ea), significand_with_trailing_zeros(rng, za) & 0x7f'ffffu),
            make(sb, clamp_exponent(t + 127 - ea), significand_with_trailing_zeros(rng, zb) & 0x7f'ffffu)};
  }
  const int s = uniform(rng, 1, 24);  // the result is shifted s places right into the subnormal range
  const int ea = uniform(rng, 1, 128 - s);
  const Bits a_sig = ((static_cast<Bits>(rng()) | 0x80'0000u) & ~((Bits{1} << s) - 1)) | (Bits{1} << (s - 1));
  return {make(sa, static_cast<Bits>(ea), a_sig & 0x7f'ffffu), make(sb, static_cast<Bits>(ea + 126 + s), 0)};
}

void random_pairs(Units& units, Op op, const char* name, std::uint64_t pairs, std::uint64_t ties) {
  const std::uint64_t seed = std::random_device{}();
  INFO(name << " seed " << seed);
  Rng rng(seed);
  BinaryCheck check{units, op, {name}};
  for (std::uint64_t n = 0; n < pairs; ++n) {
    const Bits a = make(random_sign(rng), random_exponent(rng), random_fraction(rng));
    const Bits b = make(random_sign(rng), partner_exponent(op, exponent_of(a), rng), random_fraction(rng));
    if (n % 2 == 0)
      check(a, b);
    else
      check(b, a);
  }
  for (std::uint64_t n = 0; n < ties; ++n) {
    const auto [a, b] = tie_operands(op, rng);
    check(a, b);
  }
  report(check.tally);
  CHECK(check.tally.mismatches == 0);
  // The draws reach what they are for.
  CHECK(check.tally.ties > ties / 4);
  CHECK(check.tally.subnormal > pairs / 100);
  CHECK(check.tally.zero > pairs / 1000);
  CHECK(check.tally.overflow > pairs / 1000);
  CHECK(check.tally.nan > pairs / 1000);
}

// Whether an integer lies halfway between two fp32 values: above 2^24, its bits below fp32's last place are 100..0.
bool int_tie(std::int32_t v) {
  const std::uint64_t m = static_cast<std::uint64_t>(std::abs(static_cast<std::int64_t>(v)));
  const int excess = static_cast<int>(std::bit_width(m)) - 24;
  return excess > 0 && (m & ((std::uint64_t{1} << excess) - 1)) == std::uint64_t{1} << (excess - 1);
}

}  // namespace

TEST_CASE("fp32 units equal the CPU on every pair of special and boundary values", "[cosim][fp32]") {
  Units units;
  const std::vector<Bits> values = special_values();
  for (Op op : {Op::kAdd, Op::kSub, Op::kMul, Op::kDiv}) {
    const char* names[] = {"fp32_add", "fp32_add as a - b", "fp32_mul", "fp32_div"};
    BinaryCheck check{units, op, {names[static_cast<int>(op)]}};
    for (Bits a : values) {
      for (Bits b : values) check(a, b);
    }
    report(check.tally);
    CHECK(check.tally.mismatches == 0);
    CHECK(check.tally.checked == values.size() * values.size());
  }
  Tally to_int{"fp32_to_int"};
  for (Bits v : values) {
    const std::int32_t want = cpu_to_int(value(v)), got = units.convert_to_int(v);
    if (to_int.record(got == want))
      UNSCOPED_INFO("fp32_to_int 0x" << std::hex << v << std::dec << ": rtl " << got << ", cpu " << want);
  }
  CHECK(to_int.mismatches == 0);
}

TEST_CASE("fp32_add equals ADDSS and SUBSS on biased random pairs and exact ties", "[cosim][fp32]") {
  Units units;
  random_pairs(units, Op::kAdd, "fp32_add", 6'000'000, 1'000'000);
  random_pairs(units, Op::kSub, "fp32_add as a - b", 2'000'000, 500'000);
}

TEST_CASE("fp32_mul equals MULSS on biased random pairs and exact ties", "[cosim][fp32]") {
  Units units;
  random_pairs(units, Op::kMul, "fp32_mul", 6'000'000, 1'000'000);
}

TEST_CASE("fp32_div equals DIVSS on biased random pairs and exact ties", "[cosim][fp32]") {
  Units units;
  random_pairs(units, Op::kDiv, "fp32_div", 4'000'000, 1'000'000);
}

// pool.cpp's dequantize: float(x - zx) * scale with x - zx in [-510, 510] (uint8 and int8 values and zero points);
// float(x - zx) made by fp32_from_int, all 1,021 of them checked. `check_scale(check, centred, m)` checks the products
// for scale significand m.
template <typename CheckScale>
void dequantization_products(Units& units, const char* name, CheckScale check_scale) {
  BinaryCheck check{units, Op::kMul, {name}};
  Tally from_int{"fp32_from_int, x - zx"};
  std::array<Bits, 1021> centred{};
  for (std::int32_t d = -510; d <= 510; ++d) {
    const Bits want = bits(cpu_from_int(d)), got = units.convert_from_int(d);
    if (from_int.record(got == want)) {
      UNSCOPED_INFO("fp32_from_int " << d << ": rtl 0x" << std::hex << got << ", cpu 0x" << want);
    }
    centred[static_cast<std::size_t>(d + 510)] = got;
  }
  for (Bits m = 0; m < (Bits{1} << 23); ++m) check_scale(check, centred, m);
  report(check.tally);
  CHECK(from_int.mismatches == 0);
  CHECK(check.tally.mismatches == 0);
  CHECK(check.tally.ties > 1000);
}

TEST_CASE("fp32_mul equals MULSS on dequantization products for every scale significand", "[cosim][fp32]") {
  // Every one of the 2^23 scale significands with three centred values (all 1,021 in turn) and one of a few exponents
  // (scales from 2^-23 to 2^3), the sign from a fraction bit.
  Units units;
  const Bits exponents[] = {104, 112, 117, 120, 122, 124, 126, 127, 130};
  dequantization_products(units, "fp32_mul, dequantization", [&](BinaryCheck& check, const auto& centred, Bits m) {
    const Bits scale = make(m >> 22 & 1, exponents[m % std::size(exponents)], m);
    for (Bits k = 0; k < 3; ++k) check(centred[(m * 3 + k) % centred.size()], scale);
  });
}

TEST_CASE("fp32_mul equals MULSS on every dequantization product", "[.][cosim_long][fp32]") {
  // Every centred value times every scale significand, scales in [2^-7, 2^-6): the roundings of a normal product do
  // not depend on the exponent (8.6e9 products).
  Units units;
  dequantization_products(units, "fp32_mul, every dequantization",
                          [&](BinaryCheck& check, const auto& centred, Bits m) {
                            for (Bits x : centred) check(x, make(0, 120, m));
                          });
}

TEST_CASE("fp32_from_int and fp32_to_int equal the CPU on every input", "[.][cosim_long][fp32]") {
  Units units;
  Tally from_int{"fp32_from_int, every int32"}, to_int{"fp32_to_int, every fp32"};
  for (std::uint64_t n = 0; n < (std::uint64_t{1} << 32); ++n) {
    const auto v = static_cast<Bits>(n);
    const auto i = static_cast<std::int32_t>(v);
    const Bits want_float = bits(cpu_from_int(i)), got_float = units.convert_from_int(i);
    if (from_int.record(got_float == want_float)) {
      UNSCOPED_INFO("fp32_from_int " << i << ": rtl 0x" << std::hex << got_float << ", cpu 0x" << want_float);
    }
    const std::int32_t want_int = cpu_to_int(value(v)), got_int = units.convert_to_int(v);
    if (to_int.record(got_int == want_int)) {
      UNSCOPED_INFO("fp32_to_int 0x" << std::hex << v << std::dec << ": rtl " << got_int << ", cpu " << want_int);
    }
  }
  report(from_int);
  report(to_int);
  CHECK(from_int.mismatches == 0);
  CHECK(to_int.mismatches == 0);
}

TEST_CASE("fp32_add, fp32_mul and fp32_div equal the CPU on 10x the random pairs", "[.][cosim_long][fp32]") {
  Units units;
  random_pairs(units, Op::kAdd, "fp32_add", 60'000'000, 10'000'000);
  random_pairs(units, Op::kSub, "fp32_add as a - b", 20'000'000, 5'000'000);
  random_pairs(units, Op::kMul, "fp32_mul", 60'000'000, 10'000'000);
  random_pairs(units, Op::kDiv, "fp32_div", 40'000'000, 10'000'000);
}

TEST_CASE("fp32_from_int equals CVTSI2SS around every power of two, on ties and at random", "[cosim][fp32]") {
  const std::uint64_t seed = std::random_device{}();
  INFO("seed " << seed);
  Rng rng(seed);
  Units units;
  Tally tally{"fp32_from_int"};
  const auto check = [&](std::int64_t wide) {
    const auto v = static_cast<std::int32_t>(std::clamp<std::int64_t>(wide, INT32_MIN, INT32_MAX));
    const Bits want = bits(cpu_from_int(v)), got = units.convert_from_int(v);
    if (tally.record(got == want))
      UNSCOPED_INFO("fp32_from_int " << v << ": rtl 0x" << std::hex << got << ", cpu 0x" << want);
    if (int_tie(v)) ++tally.ties;
  };
  // Every integer within 4096 of +-2^k, then ties and their neighbours at each exponent: 2^k + j * ulp + ulp / 2 + {-1,
  // 0, 1}.
  for (int k = 0; k <= 31; ++k) {
    for (std::int64_t j = -4096; j <= 4096; ++j) {
      check((std::int64_t{1} << k) + j);
      check(-(std::int64_t{1} << k) + j);
    }
  }
  for (int k = 24; k <= 30; ++k) {
    const std::int64_t ulp = std::int64_t{1} << (k - 23);
    for (int n = 0; n < 20'000; ++n) {
      const std::int64_t base =
          (std::int64_t{1} << k) + static_cast<std::int64_t>(rng() % (Bits{1} << 23)) * ulp + ulp / 2;
      for (std::int64_t delta : {-1, 0, 1}) {
        check(base + delta);
        check(-(base + delta));
      }
    }
  }
  // Random values of a random bit length, so that every magnitude is as likely.
  for (int n = 0; n < 10'000'000; ++n) {
    const int length = static_cast<int>(rng() % 33);
    const auto magnitude = static_cast<std::int64_t>(rng() & ((std::uint64_t{1} << length) - 1));
    check(rng() & 1 ? -magnitude : magnitude);
  }
  report(tally);
  CHECK(tally.mismatches == 0);
  CHECK(tally.ties > 100'000);
}

TEST_CASE("fp32_to_int equals CVTSS2SI around every n + 1/2, at the int32 edges and at random", "[cosim][fp32]") {
  const std::uint64_t seed = std::random_device{}();
  INFO("seed " << seed);
  Rng rng(seed);
  Units units;
  Tally tally{"fp32_to_int"};
  Tally pool_ref{"pool.cpp's x86_to_int32(nearbyint)"};
  const auto check = [&](Bits v) {
    const std::int32_t want = cpu_to_int(value(v)), got = units.convert_to_int(v);
    if (tally.record(got == want))
      UNSCOPED_INFO("fp32_to_int 0x" << std::hex << v << std::dec << " (" << value(v) << "): rtl " << got << ", cpu "
                                     << want);
    // The C++ reference model rounds the same way (pool.cpp's quantize step).
    const std::int32_t model = detail::x86_to_int32(std::nearbyint(value(v)));
    if (pool_ref.record(model == want))
      UNSCOPED_INFO("x86_to_int32 0x" << std::hex << v << std::dec << ": " << model << ", cpu " << want);
    const float f = std::fabs(value(v));
    if (f < 0x1p23f && f - std::floor(f) == 0.5f) ++tally.ties;
  };
  // n + 1/2 and the two floats on each side, for every n below 2^23 (above, every float is an integer), either sign.
  for (Bits n = 0; n < (Bits{1} << 23); ++n) {
    const Bits half = bits(static_cast<float>(n) + 0.5f) | (n & 1) << 31;
    for (Bits delta : {-2, -1, 0, 1, 2}) check(half + delta);
  }
  // The int32 edges: every float within 4096 places of +-2^31 and +-2^32, and every float from 2^30 to 2^31 that
  // is a multiple of 2^7 (all of them), both signs.
  for (float edge : {0x1p31f, 0x1p32f}) {
    for (int delta = -4096; delta <= 4096; ++delta) {
      const Bits v = static_cast<Bits>(static_cast<std::int64_t>(bits(edge)) + delta);
      check(v);
      check(v | kSign);
    }
  }
  // Random patterns: uniform, and with exponents from 2^-3 to 2^33 where the rounding and the range matter.
  for (int n = 0; n < 5'000'000; ++n) {
    check(static_cast<Bits>(rng()));
    check(make(random_sign(rng), static_cast<Bits>(uniform(rng, 124, 160)), random_fraction(rng)));
  }
  report(tally);
  CHECK(tally.mismatches == 0);
  CHECK(pool_ref.mismatches == 0);
  CHECK(tally.ties >= Bits{1} << 23);
}

TEST_CASE("the units composed into pool.cpp's AveragePool step equal its C++", "[cosim][fp32]") {
  // average_pool's fp32 path for one output: sum += dequantize(x, zx, sx) over the taps, average = sum / float(count),
  // q = x86_to_int32(nearbyint(average / sy + float(zy))), with random scales, zero points, windows and values.
  const std::uint64_t seed = std::random_device{}();
  INFO("seed " << seed);
  Rng rng(seed);
  Units units;
  Tally tally{"AveragePool step"};
  for (int n = 0; n < 100'000; ++n) {
    const bool is_signed = rng() & 1;
    const int lo = is_signed ? -128 : 0, hi = is_signed ? 127 : 255;
    const float sx = value(make(0, static_cast<Bits>(uniform(rng, 110, 130)), random_fraction(rng)));
    const float sy = value(make(0, static_cast<Bits>(uniform(rng, 110, 130)), random_fraction(rng)));
    const std::int32_t zx = uniform(rng, lo, hi), zy = uniform(rng, lo, hi);
    const int count = uniform(rng, 1, 64);
    std::vector<std::int32_t> xs(static_cast<std::size_t>(count));
    for (auto& x : xs) x = rng() % 4 == 0 ? (rng() & 1 ? lo : hi) : uniform(rng, lo, hi);

    float sum = 0.0f;
    for (std::int32_t x : xs) sum += detail::dequantize(x, zx, sx);
    const float average = sum / static_cast<float>(count);
    const std::int32_t want = detail::x86_to_int32(std::nearbyint(average / sy + static_cast<float>(zy)));

    Bits rtl_sum = 0;
    for (std::int32_t x : xs) {
      const Bits dq = units.binary(Op::kMul, units.convert_from_int(x - zx), bits(sx));
      rtl_sum = units.binary(Op::kAdd, rtl_sum, dq);
    }
    const Bits rtl_average = units.binary(Op::kDiv, rtl_sum, units.convert_from_int(count));
    const Bits scaled = units.binary(Op::kDiv, rtl_average, bits(sy));
    const std::int32_t got = units.convert_to_int(units.binary(Op::kAdd, scaled, units.convert_from_int(zy)));
    if (tally.record(got == want && rtl_sum == bits(sum) && rtl_average == bits(average))) {
      UNSCOPED_INFO("window " << n << ": rtl sum 0x" << std::hex << rtl_sum << " average 0x" << rtl_average << std::dec
                              << " q " << got << "; C++ 0x" << std::hex << bits(sum) << " 0x" << bits(average)
                              << std::dec << " " << want);
    }
  }
  report(tally);
  CHECK(tally.mismatches == 0);
}
