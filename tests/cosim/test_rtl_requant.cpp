// hw/rtl/requant.sv under Verilator against sim/isa/quant.hpp's requantize(), the fp32 arithmetic of ONNX Runtime:
// every one of the 2^23 scale significands, each with an accumulator and an exponent drawn so that the product lands
// in the range where the roundings matter, then the corners (ties, zero, INT32_MIN, subnormal, infinite and NaN
// scales, saturation under every zero point).
#include <catch2/catch.hpp>

#include <bit>
#include <cstdint>
#include <random>

#include "Vrequant.h"
#include "sim/isa/quant.hpp"

namespace {

namespace q = systole::quant;

struct RequantBench {
  VerilatedContext context;
  Vrequant dut{&context};
  std::uint64_t checked = 0, mismatches = 0;

  std::int32_t eval(std::int32_t acc, std::uint32_t scale, std::int32_t zp, std::int32_t lo, std::int32_t hi) {
    dut.acc_i = static_cast<std::uint32_t>(acc);
    dut.scale_i = scale;
    dut.zero_point_i = static_cast<std::uint32_t>(zp);
    dut.lo_i = static_cast<std::uint32_t>(lo);
    dut.hi_i = static_cast<std::uint32_t>(hi);
    dut.eval();
    return static_cast<std::int32_t>(dut.out_o);
  }

  void check(std::int32_t acc, std::uint32_t scale, std::int32_t zp, std::int32_t lo, std::int32_t hi) {
    const std::int32_t want = q::requantize_bits(acc, static_cast<std::int32_t>(scale), zp, lo, hi);
    const std::int32_t got = eval(acc, scale, zp, lo, hi);
    ++checked;
    if (got != want) {
      if (++mismatches <= 10) {
        UNSCOPED_INFO("acc " << acc << " scale 0x" << std::hex << scale << std::dec << " ("
                             << std::bit_cast<float>(scale) << ") zp " << zp << " [" << lo << ", " << hi << "]: rtl "
                             << got << ", quant.hpp " << want);
      }
    }
  }
};

// An accumulator of a random bit length (1 to 32 bits), so small and large magnitudes are equally likely.
std::int32_t random_acc(std::mt19937_64& rng) {
  const int bits = static_cast<int>(rng() % 32) + 1;
  const auto magnitude = static_cast<std::int64_t>(rng() & ((std::uint64_t{1} << bits) - 1));
  const std::int64_t v = (rng() & 1) ? -magnitude : magnitude;
  return static_cast<std::int32_t>(std::clamp<std::int64_t>(v, q::kInt32Min, q::kInt32Max));
}

}  // namespace

TEST_CASE("requant.sv equals quant.hpp for every scale significand", "[cosim]") {
  const std::uint64_t seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  RequantBench bench;
  for (std::uint32_t mantissa = 0; mantissa < (1u << 23); ++mantissa) {
    const std::int32_t acc = random_acc(rng);
    // Product exponent near the accumulator's: |acc * scale| from about 2^-3 to 2^12, where both roundings act
    // (plus a sign bit drawn at random).
    const int acc_bits = std::bit_width(static_cast<std::uint32_t>(acc < 0 ? -static_cast<std::int64_t>(acc) : acc));
    const int exponent = std::clamp(127 - acc_bits + static_cast<int>(rng() % 16) - 3, 1, 254);
    const std::uint32_t scale =
        (static_cast<std::uint32_t>(rng() & 1) << 31) | (static_cast<std::uint32_t>(exponent) << 23) | mantissa;
    const auto zp = static_cast<std::int32_t>(static_cast<std::int64_t>(rng() % 256) - 128);
    bench.check(acc, scale, zp, -128, 127);
    bench.check(acc, scale, 0, q::kInt32Min, q::kInt32Max);
  }
  CHECK(bench.mismatches == 0);
  CHECK(bench.checked == 2 * (std::uint64_t{1} << 23));
}

TEST_CASE("requant.sv equals quant.hpp on ties, zero, extremes and special scales", "[cosim]") {
  RequantBench bench;
  const std::int32_t accs[] = {
      0,        1,        -1,        2,        3,         -3,         5,       127,        -128,         16777215,
      16777216, 16777217, -16777217, 33554435, 123456789, -987654321, 1 << 30, -(1 << 30), q::kInt32Max, q::kInt32Min};
  // Exponents across the whole range: zero/subnormal (0), tiny, around 1.0, large, and infinity/NaN (255).
  const std::uint32_t exponents[] = {0,   1,   60,  100, 110, 118, 120, 122, 124, 125, 126,
                                     127, 128, 129, 135, 140, 150, 160, 200, 254, 255};
  const std::uint32_t mantissas[] = {0, 1, 0x400000, 0x7fffff, 0x2aaaab, 0x555555, 0x0ccccd};
  const std::int32_t zps[] = {0, -128, 127, 255, q::kInt32Min, q::kInt32Max, -2000000000, 2000000000};
  for (std::int32_t acc : accs) {
    for (std::uint32_t e : exponents) {
      for (std::uint32_t m : mantissas) {
        for (std::uint32_t sign : {0u, 1u}) {
          const std::uint32_t scale = (sign << 31) | (e << 23) | m;
          for (std::int32_t zp : zps) {
            bench.check(acc, scale, zp, q::kInt32Min, q::kInt32Max);
            bench.check(acc, scale, zp, -128, 127);
            bench.check(acc, scale, zp, 0, 255);
          }
        }
      }
    }
  }
  // Exact ties at every rounding position: odd accumulators times 2^-k.
  for (int k = 1; k <= 31; ++k) {
    for (std::int32_t acc = -4099; acc <= 4099; acc += 2) {
      bench.check(acc * (1 << std::min(k, 18)) + 1, static_cast<std::uint32_t>(127 - k) << 23, 0, q::kInt32Min,
                  q::kInt32Max);
      bench.check(acc, static_cast<std::uint32_t>(127 - k) << 23, 3, q::kInt32Min, q::kInt32Max);
    }
  }
  CHECK(bench.mismatches == 0);
}
