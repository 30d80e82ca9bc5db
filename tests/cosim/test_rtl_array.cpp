// hw/rtl/systolic_array.sv under Verilator, in the tiny (4x4) and default (16x16) configs, against a plain-loop
// matmul: random weight tiles, random input streams with random bubbles, exact latency Rows + Cols - 1
// (docs/timing.md), outputs in order and back to back. Cycle convention: rtl_bench.hpp.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <iostream>
#include <random>
#include <utility>
#include <vector>

#include "Vsystolic_array_16x16.h"
#include "Vsystolic_array_4x4.h"
#include "cosim/rtl_bench.hpp"

namespace {

using namespace systole::cosim;

using Row8 = std::vector<std::int8_t>;
using Tile = std::vector<Row8>;  // [k][c]: weight of reduction index k, output lane c

// out[c] = sum_k x[k] * w[k][c], int8 x int8 products, int32 wrapping sum.
std::vector<std::int32_t> matmul_row(const Row8& x, const Tile& w) {
  std::vector<std::int32_t> out(w.at(0).size(), 0);
  for (std::size_t c = 0; c < out.size(); ++c) {
    std::uint32_t acc = 0;
    for (std::size_t k = 0; k < x.size(); ++k)
      acc += static_cast<std::uint32_t>(std::int32_t{x[k]} * std::int32_t{w[k][c]});
    out[c] = static_cast<std::int32_t>(acc);
  }
  return out;
}

Row8 random_row(std::mt19937& rng, int lanes) {
  Row8 row(static_cast<std::size_t>(lanes));
  for (auto& v : row) v = random_int8(rng);
  return row;
}

// Drives one array model cycle by cycle and checks every cycle's outputs against a scoreboard of the rows due then.
template <class Model, int Rows, int Cols>
class ArrayBench {
 public:
  static constexpr int kLatency = Rows + Cols - 1;

  explicit ArrayBench(std::mt19937& rng) : rng_(rng), model_(&context_) { reset(model_); }
  ~ArrayBench() { model_.final(); }
  ArrayBench(const ArrayBench&) = delete;
  ArrayBench& operator=(const ArrayBench&) = delete;

  std::uint64_t now() const { return cycle_; }
  bool drained() const { return due_.empty(); }

  // A cycle with both valids low; the data inputs carry garbage that must be ignored.
  void idle() { step(false, random_row(rng_, Cols), false, random_row(rng_, Rows)); }

  // Rows preload pushes, w[Rows-1] first (the first row pushed ends up in the bottom row), with random gaps.
  void preload(const Tile& w, double gap) {
    for (int k = Rows - 1; k >= 0; --k) {
      while (chance(rng_, gap)) idle();
      step(true, w[static_cast<std::size_t>(k)], false, random_row(rng_, Rows));
    }
    weights_ = w;
  }

  void input(const Row8& x) { step(false, random_row(rng_, Cols), true, x); }

  // Whether out_valid_o was high in the last cycle stepped.
  bool last_out_valid() const { return last_out_valid_; }

 private:
  void step(bool wgt_valid, const Row8& wgt_row, bool inp_valid, const Row8& inp_row) {
    model_.wgt_valid_i = wgt_valid;
    write_words(model_.wgt_row_i, pack_int8(wgt_row));
    model_.inp_valid_i = inp_valid;
    write_words(model_.inp_row_i, pack_int8(inp_row));
    settle(model_);

    INFO("cycle " << cycle_);
    const bool due = !due_.empty() && due_.front().first == cycle_;
    last_out_valid_ = model_.out_valid_o != 0;
    REQUIRE(last_out_valid_ == due);
    if (due) {
      REQUIRE(unpack_int32(read_words(model_.out_row_o, Cols)) == due_.front().second);
      due_.pop_front();
    }
    if (inp_valid) due_.emplace_back(cycle_ + kLatency, matmul_row(inp_row, weights_));

    tick(model_);
    ++cycle_;
  }

  std::mt19937& rng_;
  VerilatedContext context_;
  Model model_;
  Tile weights_;
  std::deque<std::pair<std::uint64_t, std::vector<std::int32_t>>> due_;  // (cycle, row) in cycle order
  std::uint64_t cycle_ = 0;
  bool last_out_valid_ = false;
};

Tile random_tile(std::mt19937& rng, int rows, int cols) {
  Tile w(static_cast<std::size_t>(rows));
  for (auto& row : w) row = random_row(rng, cols);
  return w;
}

// Random tiles, each preloaded then streamed with random bubbles. Even tiles run at the tightest legal spacing of
// systolic_array.sv's ordering rules (first input right after the last push; next preload at t_last + Latency - 1),
// odd tiles with random slack; the bubble rate changes per tile (0 = back to back).
template <class Model, int Rows, int Cols>
void random_tiles(const char* name, int tiles) {
  const unsigned seed = bench_seed(name);
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  ArrayBench<Model, Rows, Cols> bench(rng);
  constexpr double kBubbleRates[] = {0.0, 0.2, 0.6};
  std::uint64_t rows_checked = 0;
  for (int tile = 0; tile < tiles; ++tile) {
    const bool tight = tile % 2 == 0;
    bench.preload(random_tile(rng, Rows, Cols), tight ? 0.0 : 0.3);
    const double bubble = kBubbleRates[static_cast<std::size_t>(tile) % 3];
    const int n = std::uniform_int_distribution<int>(1, 3 * Rows)(rng);
    if (!tight) {
      for (int i = std::uniform_int_distribution<int>(0, 3)(rng); i > 0; --i) bench.idle();
    }
    std::uint64_t last = 0;
    for (int i = 0; i < n; ++i) {
      if (i > 0) {
        while (chance(rng, bubble)) bench.idle();
      }
      last = bench.now();
      bench.input(random_row(rng, Rows));
    }
    rows_checked += static_cast<std::uint64_t>(n);
    // Earliest legal next preload: the cycle before the last row's output appears.
    const std::uint64_t reload =
        last + ArrayBench<Model, Rows, Cols>::kLatency - 1 +
        (tight ? 0u : static_cast<std::uint64_t>(std::uniform_int_distribution<int>(0, 3)(rng)));
    while (bench.now() < reload) bench.idle();
  }
  // Drain, then a while longer: nothing valid may come out of an empty array.
  while (!bench.drained()) bench.idle();
  for (int i = 0; i < 2 * ArrayBench<Model, Rows, Cols>::kLatency; ++i) bench.idle();
  std::cout << name << ": " << rows_checked << " rows in " << tiles << " tiles, " << bench.now() << " cycles\n";
}

// The latency, measured directly: one row, then a back-to-back burst, after a reset.
template <class Model, int Rows, int Cols>
void latency_and_burst() {
  std::mt19937 rng(1);
  ArrayBench<Model, Rows, Cols> bench(rng);
  bench.preload(random_tile(rng, Rows, Cols), 0.0);
  const std::uint64_t in = bench.now();
  bench.input(random_row(rng, Rows));
  std::uint64_t out = in;
  do {
    bench.idle();
    out = bench.now() - 1;
  } while (!bench.last_out_valid() && out < in + 4 * (Rows + Cols));
  CHECK(out - in == static_cast<std::uint64_t>(Rows + Cols - 1));

  // A burst longer than the latency, so outputs start while inputs still go in.
  constexpr int kBurst = 2 * Rows + 3;
  int valid_cycles = 0;
  int runs = 0;  // unbroken stretches of valid output cycles
  bool previous = false;
  const auto observe = [&] {
    const bool valid = bench.last_out_valid();
    runs += valid && !previous;
    valid_cycles += valid;
    previous = valid;
  };
  for (int i = 0; i < kBurst; ++i) {
    bench.input(random_row(rng, Rows));
    observe();
  }
  for (int i = 0; i < 2 * (Rows + Cols); ++i) {
    bench.idle();
    observe();
  }
  CHECK(runs == 1);
  CHECK(valid_cycles == kBurst);  // back to back: one unbroken run of kBurst valid output cycles
}

// Simulation speed of a back-to-back input stream (no checking): cycles per second of wall time.
template <class Model, int Rows, int Cols>
void speed(const char* name, std::uint64_t cycles) {
  VerilatedContext context;
  Model m(&context);
  reset(m);
  std::mt19937 rng(7);
  const auto inp = pack_int8(random_row(rng, Rows));
  m.wgt_valid_i = 1;
  write_words(m.wgt_row_i, pack_int8(random_row(rng, Cols)));
  for (int k = 0; k < Rows; ++k) tick(m);
  m.wgt_valid_i = 0;
  m.inp_valid_i = 1;
  write_words(m.inp_row_i, inp);
  std::uint64_t valid = 0;
  const auto start = std::chrono::steady_clock::now();
  for (std::uint64_t i = 0; i < cycles; ++i) {
    tick(m);
    valid += m.out_valid_o;
  }
  const std::chrono::duration<double> s = std::chrono::steady_clock::now() - start;
  m.final();
  std::cout << name << ": " << static_cast<double>(cycles) / s.count() / 1e6 << " M cycles/s (" << cycles << " cycles, "
            << Rows * Cols << " PEs)\n";
  CHECK(valid == cycles - static_cast<std::uint64_t>(Rows + Cols - 1) + 1);  // after tick i the array is in cycle i
}

}  // namespace

TEST_CASE("systolic_array 4x4: output row Rows+Cols-1 cycles after its input, bursts back to back", "[cosim]") {
  latency_and_burst<Vsystolic_array_4x4, 4, 4>();
}

TEST_CASE("systolic_array 16x16: output row Rows+Cols-1 cycles after its input, bursts back to back", "[cosim]") {
  latency_and_burst<Vsystolic_array_16x16, 16, 16>();
}

TEST_CASE("systolic_array 4x4: random tiles and bubbly streams match a plain-loop matmul", "[cosim]") {
  random_tiles<Vsystolic_array_4x4, 4, 4>("systolic_array 4x4", 60);
}

TEST_CASE("systolic_array 16x16: random tiles and bubbly streams match a plain-loop matmul", "[cosim]") {
  random_tiles<Vsystolic_array_16x16, 16, 16>("systolic_array 16x16", 15);
}

TEST_CASE("systolic_array simulation speed", "[.][perf]") {
  speed<Vsystolic_array_4x4, 4, 4>("systolic_array 4x4", 4'000'000);
  speed<Vsystolic_array_16x16, 16, 16>("systolic_array 16x16", 1'000'000);
}
