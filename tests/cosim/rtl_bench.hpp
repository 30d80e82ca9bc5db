// Helpers shared by the Verilator unit benches: clocking, reset, seeds and lane packing for the models that
// hw/verif verilates (one static library per RTL configuration).
//
// Cycle convention of every bench: cycle t is the time between rising edge t and rising edge t + 1. A bench sets the
// inputs of cycle t, calls settle() and reads the outputs of cycle t (registered outputs show the state after edge
// t, combinational ones also see the inputs), then calls tick(), the edge that ends cycle t. "Latency L" means: an
// input of cycle t shows at the output in cycle t + L.
#pragma once

#include <verilated.h>

#include <catch2/catch.hpp>
#include "hw/verif/port_words.hpp"

#include <cstdint>
#include <iostream>
#include <random>
#include <string_view>
#include <type_traits>
#include <vector>

namespace systole::cosim {

// The seed of a random bench: Catch's --rng-seed when given, otherwise a fresh one. Printed so a failure can be
// replayed with `test_cosim --rng-seed N "<test name>"`.
inline unsigned bench_seed(std::string_view bench) {
  unsigned seed = Catch::rngSeed();
  if (seed == 0) seed = std::random_device{}() | 1u;  // 0 would mean "no seed" to --rng-seed
  std::cout << bench << ": seed " << seed << " (replay with --rng-seed " << seed << ")\n";
  return seed;
}

// Evaluates the combinational logic for the inputs currently set (clock low).
template <class Model>
void settle(Model& m) {
  m.clk_i = 0;
  m.eval();
}

// One rising clock edge: ends the current cycle.
template <class Model>
void tick(Model& m) {
  m.clk_i = 1;
  m.eval();
  m.clk_i = 0;
  m.eval();
}

// Asynchronous active-low reset pulse, clock held low.
template <class Model>
void reset(Model& m) {
  m.clk_i = 0;
  m.rst_ni = 1;
  m.eval();
  m.rst_ni = 0;
  m.eval();
  m.rst_ni = 1;
  m.eval();
}

using verif::insn_words;
using verif::read_words;
using verif::write_words;

// int8 lanes packed as the RTL packs them: lane i in bits [8i, 8i + 8).
inline std::vector<std::uint32_t> pack_int8(const std::vector<std::int8_t>& lanes) {
  std::vector<std::uint32_t> words((lanes.size() + 3) / 4, 0);
  for (std::size_t i = 0; i < lanes.size(); ++i)
    words[i / 4] |= std::uint32_t{static_cast<std::uint8_t>(lanes[i])} << (8 * (i % 4));
  return words;
}

// int32 lanes, lane i in bits [32i, 32i + 32).
inline std::vector<std::int32_t> unpack_int32(const std::vector<std::uint32_t>& words) {
  std::vector<std::int32_t> lanes(words.size());
  for (std::size_t i = 0; i < words.size(); ++i) lanes[i] = static_cast<std::int32_t>(words[i]);
  return lanes;
}

// A random int8 that hits the extremes (-128, 127) and zero far more often than uniform sampling would.
inline std::int8_t random_int8(std::mt19937& rng) {
  const int pick = std::uniform_int_distribution<int>(0, 15)(rng);
  if (pick == 0) return -128;
  if (pick == 1) return 127;
  if (pick == 2) return 0;
  return static_cast<std::int8_t>(std::uniform_int_distribution<int>(-128, 127)(rng));
}

inline bool chance(std::mt19937& rng, double p) {
  return std::bernoulli_distribution(p)(rng);
}

}  // namespace systole::cosim
