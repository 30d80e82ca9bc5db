// sim/isa/fp32.hpp, the vector unit's fp32 operations, against this CPU's SSE instructions (ADDSS, MULSS, DIVSS,
// CVTSI2SS, CVTSS2SI) on special values, boundaries and random bit patterns: the portable definition must give x86's
// bits, NaN payloads and the default NaN included.
#include <catch2/catch.hpp>

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include <bit>
#include <random>
#include <vector>

#include "sim/isa/fp32.hpp"

namespace {

using Bits = std::uint32_t;

float f(Bits b) {
  return std::bit_cast<float>(b);
}
Bits bits(__m128 v) {
  return std::bit_cast<Bits>(_mm_cvtss_f32(v));
}
// The instructions themselves, in inline assembly: a compiler may swap the operands of a commutative add or multiply
// (clang does, through the intrinsics too), and which NaN SSE returns depends on the order. a is the destination
// operand, whose NaN SSE returns first.
Bits sse_add(Bits a, Bits b) {
  float x = f(a);
  asm("addss %1, %0" : "+x"(x) : "x"(f(b)));
  return std::bit_cast<Bits>(x);
}
Bits sse_mul(Bits a, Bits b) {
  float x = f(a);
  asm("mulss %1, %0" : "+x"(x) : "x"(f(b)));
  return std::bit_cast<Bits>(x);
}
Bits sse_div(Bits a, Bits b) {
  float x = f(a);
  asm("divss %1, %0" : "+x"(x) : "x"(f(b)));
  return std::bit_cast<Bits>(x);
}

std::vector<Bits> operands() {
  std::vector<Bits> v;
  for (Bits sign : {0u, 0x8000'0000u}) {
    for (Bits b : {0x0000'0000u, 0x0000'0001u, 0x007f'ffffu, 0x0080'0000u, 0x3f80'0000u, 0x3f80'0001u, 0x3effffffu,
                   0x4b00'0000u, 0x4f00'0000u, 0x4effffffu,  0x7f7f'ffffu, 0x7f80'0000u, 0x7f80'0001u, 0x7fc0'0000u,
                   0x7fc1'2345u, 0x7fa0'0000u, 0x3c23d70au,  0x4f7fffffu,  0x4f000001u,  0x3f000000u,  0x3fc00000u}) {
      v.push_back(sign | b);
    }
  }
  std::mt19937 rng(20261207);
  for (int i = 0; i < 3000; ++i) v.push_back(static_cast<Bits>(rng()));
  return v;
}

}  // namespace

TEST_CASE("fp32 add, mul and div give x86 SSE's bits on every operand pair", "[unit]") {
  const std::vector<Bits> ops = operands();
  std::size_t mismatches = 0;
  for (Bits a : ops) {
    for (std::size_t j = 0; j < ops.size(); j += 7) {
      const Bits b = ops[j];
      const bool ok = systole::fp32::add(a, b) == sse_add(a, b) && systole::fp32::mul(a, b) == sse_mul(a, b) &&
                      systole::fp32::div(a, b) == sse_div(a, b);
      if (!ok && mismatches++ < 5) UNSCOPED_INFO(std::hex << "a 0x" << a << ", b 0x" << b);
    }
  }
  CHECK(mismatches == 0);
}

TEST_CASE("fp32 conversions give CVTSI2SS and CVTSS2SI's results", "[unit]") {
  std::size_t mismatches = 0;
  for (Bits b : operands()) {
    const auto i = static_cast<std::int32_t>(b);
    if (systole::fp32::from_int(i) != bits(_mm_cvtsi32_ss(_mm_setzero_ps(), i))) ++mismatches;
    if (systole::fp32::to_int(b) != _mm_cvtss_si32(_mm_set_ss(f(b)))) {
      if (mismatches++ < 5) UNSCOPED_INFO(std::hex << "0x" << b);
    }
  }
  CHECK(mismatches == 0);
  CHECK(systole::fp32::to_int(0x4f00'0000u) == INT32_MIN);  // 2^31: out of range
  CHECK(systole::fp32::to_int(0x3fc0'0000u) == 2);          // 1.5: half to even
  CHECK(systole::fp32::to_int(0x4020'0000u) == 2);          // 2.5
}

#endif
