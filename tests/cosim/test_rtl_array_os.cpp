// hw/rtl/systolic_array_os.sv under Verilator, square (4x4, tiny's shape) and not (3x5), against a plain-loop matmul:
// streams of back-to-back blocks, each block with its own random weight tile, followed by the block of loads that
// drains it, with random idle cycles between streams; every output row is checked in the one cycle the array's
// header comment gives it, t0 + 2 Rows + Cols - 1 + s for the block's row Rows - 1 - s. Cycle convention:
// rtl_bench.hpp.
#include <catch2/catch.hpp>

#include <cstdint>
#include <deque>
#include <iostream>
#include <random>
#include <utility>
#include <vector>

#include "Vsystolic_array_os_3x5.h"
#include "Vsystolic_array_os_4x4.h"
#include "cosim/rtl_bench.hpp"

namespace {

using namespace systole::cosim;

using Row8 = std::vector<std::int8_t>;

Row8 random_row(std::mt19937& rng, int lanes) {
  Row8 row(static_cast<std::size_t>(lanes));
  for (auto& v : row) v = random_int8(rng);
  return row;
}

// y[c] = sum_j x[j] * w[j][c], int8 x int8 products, int32 wrapping sum.
std::vector<std::int32_t> matmul_row(const Row8& x, const std::vector<Row8>& w) {
  std::vector<std::int32_t> y(w.at(0).size(), 0);
  for (std::size_t c = 0; c < y.size(); ++c) {
    std::uint32_t acc = 0;
    for (std::size_t j = 0; j < x.size(); ++j)
      acc += static_cast<std::uint32_t>(std::int32_t{x[j]} * std::int32_t{w[j][c]});
    y[c] = static_cast<std::int32_t>(acc);
  }
  return y;
}

template <class Model, int Rows, int Cols>
class ArrayOsBench {
 public:
  explicit ArrayOsBench(std::mt19937& rng) : rng_(rng), model_(&context_) {}
  ~ArrayOsBench() { model_.final(); }
  ArrayOsBench(const ArrayOsBench&) = delete;
  ArrayOsBench& operator=(const ArrayOsBench&) = delete;

  std::uint64_t now() const { return cycle_; }
  std::uint64_t checked() const { return checked_; }
  bool drained() const { return due_.empty(); }

  // A cycle without a load; the weight lanes carry garbage.
  void idle() { step(0, random_row(rng_, Cols), random_row(rng_, Rows)); }

  // One block of Rows cycles: weight row k and array row k's input in step k. `inputs` has Rows rows; `expect`
  // says whether the block's results are checked (false for the drain block, whose data is garbage).
  void block(const std::vector<Row8>& w, const std::vector<Row8>& inputs, bool expect) {
    const std::uint64_t t0 = cycle_;
    for (int k = 0; k < Rows; ++k) {
      step(1u << k, w[static_cast<std::size_t>(k)], inputs[static_cast<std::size_t>(k)]);
    }
    if (!expect) return;
    for (int s = 0; s < Rows; ++s) {
      const auto r = static_cast<std::size_t>(Rows - 1 - s);
      due_.emplace_back(t0 + 2 * Rows + Cols - 1 + static_cast<std::uint64_t>(s), matmul_row(inputs[r], w));
    }
  }

 private:
  void step(std::uint32_t load, const Row8& wgt_row, const Row8& inp_row) {
    model_.inp_load_i = static_cast<CData>(load);
    write_words(model_.wgt_row_i, pack_int8(wgt_row));
    write_words(model_.inp_row_i, pack_int8(inp_row));
    settle(model_);
    INFO("cycle " << cycle_);
    if (!due_.empty() && due_.front().first == cycle_) {
      REQUIRE(unpack_int32(read_words(model_.out_row_o, Cols)) == due_.front().second);
      due_.pop_front();
      ++checked_;
    }
    REQUIRE((due_.empty() || due_.front().first > cycle_));
    tick(model_);
    ++cycle_;
  }

  std::mt19937& rng_;
  VerilatedContext context_;
  Model model_;
  std::deque<std::pair<std::uint64_t, std::vector<std::int32_t>>> due_;  // (cycle, row) in cycle order
  std::uint64_t cycle_ = 0;
  std::uint64_t checked_ = 0;
};

template <class Model, int Rows, int Cols>
void random_streams(const char* name, int streams) {
  const unsigned seed = bench_seed(name);
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  ArrayOsBench<Model, Rows, Cols> bench(rng);
  const auto rows = [&](int n, int lanes) {
    std::vector<Row8> r;
    for (int i = 0; i < n; ++i) r.push_back(random_row(rng, lanes));
    return r;
  };
  for (int stream = 0; stream < streams; ++stream) {
    const int blocks = std::uniform_int_distribution<int>(1, 4)(rng);
    for (int b = 0; b < blocks; ++b) bench.block(rows(Rows, Cols), rows(Rows, Rows), true);
    bench.block(rows(Rows, Cols), rows(Rows, Rows), false);  // drains the last block
    // Streams back to back (the drain block may be the next stream's first block's predecessor) or apart.
    for (int i = std::uniform_int_distribution<int>(-2, 3)(rng); i > 0; --i) bench.idle();
  }
  while (!bench.drained()) bench.idle();
  std::cout << name << ": " << bench.checked() << " rows in " << streams << " streams, " << bench.now() << " cycles\n";
  CHECK(bench.checked() > 0);
}

}  // namespace

TEST_CASE("systolic_array_os 4x4: blocks of rows match a plain-loop matmul, each row in its cycle", "[cosim]") {
  random_streams<Vsystolic_array_os_4x4, 4, 4>("systolic_array_os 4x4", 60);
}

TEST_CASE("systolic_array_os 3x5: blocks of rows match a plain-loop matmul, each row in its cycle", "[cosim]") {
  random_streams<Vsystolic_array_os_3x5, 3, 5>("systolic_array_os 3x5", 60);
}
