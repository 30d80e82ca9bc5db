// The leaf RTL modules of hw/rtl under Verilator against plain C++ models, cycle by cycle: both PEs, the FIFO, the
// dependency-token queue and the memory bank. Cycle convention: rtl_bench.hpp. Each random bench also asserts that
// its corner cases (wrap, full, empty, same-cycle push and pop, read-during-write) actually occurred.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <limits>
#include <optional>
#include <random>
#include <vector>

#include "Vfifo.h"
#include "Vpe.h"
#include "Vpe_os.h"
#include "Vsram_1r1w.h"
#include "Vtoken_queue.h"
#include "cosim/rtl_bench.hpp"

namespace {

using namespace systole::cosim;

constexpr std::int32_t kInt32Max = std::numeric_limits<std::int32_t>::max();
constexpr std::int32_t kInt32Min = std::numeric_limits<std::int32_t>::min();

// psum + x * w with int8 operands and a wrapping int32 sum.
std::int32_t mac(std::int32_t psum, std::int8_t x, std::int8_t w) {
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(psum) +
                                   static_cast<std::uint32_t>(std::int32_t{x} * std::int32_t{w}));
}

// One PE cycle: drives the inputs, checks the pass-through weight during the cycle and the registered outputs after
// the edge. `weight` is the model's weight register (nullopt until the first shift).
struct PeBench {
  PeBench() : pe(&context) {}
  ~PeBench() { pe.final(); }
  PeBench(const PeBench&) = delete;
  PeBench& operator=(const PeBench&) = delete;

  std::int32_t cycle(bool shift, std::int8_t w, std::int8_t x, std::int32_t psum) {
    pe.wgt_shift_i = shift;
    pe.wgt_i = static_cast<std::uint8_t>(w);
    pe.inp_i = static_cast<std::uint8_t>(x);
    pe.psum_i = static_cast<std::uint32_t>(psum);
    settle(pe);
    std::optional<std::int32_t> expect;
    if (weight) {
      REQUIRE(static_cast<std::int8_t>(pe.wgt_o) == *weight);
      expect = mac(psum, x, *weight);  // the weight held during the cycle, not the one shifted in
    }
    tick(pe);
    if (shift) weight = w;
    REQUIRE(static_cast<std::int8_t>(pe.inp_o) == x);
    REQUIRE(static_cast<std::int8_t>(pe.wgt_o) == *weight);
    const auto psum_o = static_cast<std::int32_t>(pe.psum_o);
    if (expect) REQUIRE(psum_o == *expect);
    return psum_o;
  }

  VerilatedContext context;
  Vpe pe;
  std::optional<std::int8_t> weight;
};

}  // namespace

TEST_CASE("pe: int8 x int8 + int32 with wrapping, hand-worked corners", "[cosim]") {
  PeBench b;
  b.cycle(true, -128, 0, 0);                                 // load -128 (wgt_i = 5 below must be ignored)
  CHECK(b.cycle(false, 5, -128, 0) == 16384);                // -128 * -128: the largest product
  CHECK(b.cycle(false, 5, -128, kInt32Min) == -2147467264);  // INT32_MIN + 16384, no wrap
  CHECK(b.cycle(false, 5, -128, kInt32Max) == -2147467265);  // INT32_MAX + 16384 wraps up
  CHECK(b.cycle(true, 127, 1, 0) == -128);                   // still -128 this cycle; 127 from the next
  CHECK(b.cycle(false, 0, -128, kInt32Min) == 2147467392);   // INT32_MIN - 16256 wraps down
  CHECK(b.cycle(false, 0, 127, kInt32Max) == -2147467520);   // INT32_MAX + 16129 wraps up
}

TEST_CASE("pe: random weights, inputs and partial sums match psum + x * w", "[cosim]") {
  const unsigned seed = bench_seed("pe");
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  PeBench b;
  int wraps = 0;
  int min_by_min = 0;
  int holds = 0;
  for (int i = 0; i < 20000; ++i) {
    const bool shift = i == 0 || chance(rng, 0.25);
    const std::int8_t w = random_int8(rng);
    const std::int8_t x = random_int8(rng);
    std::int32_t psum = static_cast<std::int32_t>(rng());
    if (chance(rng, 0.2)) psum = kInt32Max - std::uniform_int_distribution<std::int32_t>(0, 20000)(rng);
    if (chance(rng, 0.2)) psum = kInt32Min + std::uniform_int_distribution<std::int32_t>(0, 20000)(rng);
    if (b.weight) {
      const std::int64_t exact = std::int64_t{psum} + std::int64_t{x} * *b.weight;
      wraps += exact > kInt32Max || exact < kInt32Min;
      min_by_min += x == -128 && *b.weight == -128;
      holds += !shift && w != *b.weight;
    }
    b.cycle(shift, w, x, psum);
  }
  CHECK(wraps > 0);
  CHECK(min_by_min > 0);
  CHECK(holds > 0);  // the weight ignored wgt_i while wgt_shift_i was low
}

TEST_CASE("pe_os: accumulate, restart on first, drain chain, one cycle per hop", "[cosim]") {
  // A C++ model of pe_os's registers; nullopt while a register holds nothing defined yet (no reset).
  const unsigned seed = bench_seed("pe_os");
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  VerilatedContext context;
  Vpe_os pe(&context);
  std::optional<std::int32_t> acc, res_in, res;
  int firsts = 0, sums_checked = 0, drains_checked = 0;
  for (int i = 0; i < 20000; ++i) {
    const bool first = i == 0 || chance(rng, 0.2);
    const std::int8_t x = random_int8(rng), w = random_int8(rng);
    const auto res_i = static_cast<std::int32_t>(rng());
    pe.first_i = first;
    pe.inp_i = static_cast<std::uint8_t>(x);
    pe.wgt_i = static_cast<std::uint8_t>(w);
    pe.res_i = static_cast<std::uint32_t>(res_i);
    settle(pe);
    tick(pe);
    // The edge: a first product hands the finished sum to the result register and restarts the sum.
    const std::optional<std::int32_t> next_res = first ? acc : res_in;
    acc = first ? mac(0, x, w) : (acc ? std::optional(mac(*acc, x, w)) : std::nullopt);
    res_in = res_i;
    res = next_res;
    REQUIRE(static_cast<bool>(pe.first_o) == first);
    REQUIRE(static_cast<std::int8_t>(pe.inp_o) == x);
    REQUIRE(static_cast<std::int8_t>(pe.wgt_o) == w);
    if (res) {
      REQUIRE(static_cast<std::int32_t>(pe.res_o) == *res);
      (first ? sums_checked : drains_checked) += 1;
    }
    firsts += first;
  }
  CHECK(firsts > 1000);
  CHECK(sums_checked > 1000);
  CHECK(drains_checked > 1000);
}

TEST_CASE("fifo: random push/pop against std::deque, count each cycle", "[cosim]") {
  constexpr std::size_t kDepth = 5;  // hw/verif: Width 16, Depth 5
  const unsigned seed = bench_seed("fifo");
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  VerilatedContext context;
  Vfifo f(&context);
  reset(f);
  std::deque<std::uint16_t> model;
  int full = 0, empty = 0, both = 0, refused_push = 0, refused_pop = 0;
  constexpr double kRates[] = {0.1, 0.5, 0.9};
  for (int phase = 0; phase < 60; ++phase) {
    const double p_in = kRates[std::uniform_int_distribution<int>(0, 2)(rng)];
    const double p_out = kRates[std::uniform_int_distribution<int>(0, 2)(rng)];
    for (int i = 0; i < 200; ++i) {
      const bool in_valid = chance(rng, p_in);
      const bool out_ready = chance(rng, p_out);
      const auto data = static_cast<std::uint16_t>(rng());
      f.in_valid_i = in_valid;
      f.in_data_i = data;
      f.out_ready_i = out_ready;
      settle(f);
      INFO("phase " << phase << " cycle " << i << " occupancy " << model.size());
      REQUIRE(f.count_o == model.size());
      REQUIRE(static_cast<bool>(f.in_ready_o) == (model.size() < kDepth));
      REQUIRE(static_cast<bool>(f.out_valid_o) == !model.empty());
      if (!model.empty()) REQUIRE(f.out_data_o == model.front());
      const bool push = in_valid && model.size() < kDepth;
      const bool pop = out_ready && !model.empty();
      full += model.size() == kDepth;
      empty += model.empty();
      both += push && pop;
      refused_push += in_valid && !push;
      refused_pop += out_ready && !pop;
      tick(f);
      if (pop) model.pop_front();
      if (push) model.push_back(data);
    }
  }
  f.final();
  CHECK(full > 0);
  CHECK(empty > 0);
  CHECK(both > 0);
  CHECK(refused_push > 0);  // in_valid_i while full: nothing was written (the next cycles' checks show it)
  CHECK(refused_pop > 0);   // out_ready_i while empty: nothing was popped
}

TEST_CASE("token_queue: a pushed token can be taken in the same cycle", "[cosim]") {
  VerilatedContext context;
  Vtoken_queue q(&context);
  reset(q);
  q.push_i = 0;
  q.pop_i = 0;
  settle(q);
  CHECK(q.empty_o);
  CHECK_FALSE(q.avail_o);
  q.push_i = 1;  // push and pop of the same token in one cycle: available at once, the count stays 0
  q.pop_i = 1;
  settle(q);
  CHECK(q.avail_o);
  tick(q);
  CHECK(q.count_o == 0);
  q.pop_i = 0;  // four pushes fill the Depth-4 queue
  for (int i = 0; i < 4; ++i) tick(q);
  settle(q);
  CHECK(q.count_o == 4);
  CHECK(q.full_o);
  q.pop_i = 1;  // push and pop while full: count kept
  tick(q);
  CHECK(q.count_o == 4);
  q.final();
}

TEST_CASE("token_queue: random push/pop against a counter model", "[cosim]") {
  constexpr int kDepth = 4;  // hw/verif: Depth 4
  const unsigned seed = bench_seed("token_queue");
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  VerilatedContext context;
  Vtoken_queue q(&context);
  reset(q);
  int count = 0;
  int pass_through = 0, full_swap = 0, saturated_push = 0, ignored_pop = 0, full = 0;
  constexpr double kRates[] = {0.2, 0.5, 0.8};
  for (int phase = 0; phase < 60; ++phase) {
    const double p_push = kRates[std::uniform_int_distribution<int>(0, 2)(rng)];
    const double p_pop = kRates[std::uniform_int_distribution<int>(0, 2)(rng)];
    for (int i = 0; i < 200; ++i) {
      const bool push = chance(rng, p_push);
      const bool pop = chance(rng, p_pop);
      q.push_i = push;
      q.pop_i = pop;
      settle(q);
      INFO("phase " << phase << " cycle " << i << " count " << count);
      REQUIRE(q.count_o == count);
      REQUIRE(static_cast<bool>(q.full_o) == (count == kDepth));
      REQUIRE(static_cast<bool>(q.empty_o) == (count == 0));
      REQUIRE(static_cast<bool>(q.avail_o) == (count > 0 || push));
      full += count == kDepth;
      pass_through += push && pop && count == 0;
      full_swap += push && pop && count == kDepth;
      saturated_push += push && !pop && count == kDepth;
      ignored_pop += pop && !push && count == 0;
      tick(q);
      if (push && !pop) count = std::min(count + 1, kDepth);
      if (pop && !push) count = std::max(count - 1, 0);
    }
  }
  q.final();
  CHECK(full > 0);
  CHECK(pass_through > 0);
  CHECK(full_swap > 0);
  CHECK(saturated_push > 0);  // documented protocol errors: dropped, the count saturates
  CHECK(ignored_pop > 0);
}

TEST_CASE("sram_1r1w: random reads and writes, read latency 1, read-first", "[cosim]") {
  constexpr int kDepth = 64;  // hw/verif: Width 32, Depth 64
  const unsigned seed = bench_seed("sram_1r1w");
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  VerilatedContext context;
  Vsram_1r1w m(&context);
  std::vector<std::optional<std::uint32_t>> mem(kDepth);  // nullopt: never written
  std::optional<std::uint32_t> rd_data;                   // what rd_data_o must show (nullopt: undefined)
  int collisions = 0, holds = 0;
  std::uniform_int_distribution<int> addr(0, kDepth - 1);
  for (int i = 0; i < 20000; ++i) {
    const bool wr = chance(rng, 0.5);
    const bool rd = chance(rng, 0.6);
    const int rd_addr = addr(rng);
    const int wr_addr = chance(rng, 0.3) ? rd_addr : addr(rng);
    const auto wr_data = static_cast<std::uint32_t>(rng());
    m.wr_en_i = wr;
    m.wr_addr_i = static_cast<std::uint8_t>(wr_addr);
    m.wr_data_i = wr_data;
    m.rd_en_i = rd;
    m.rd_addr_i = static_cast<std::uint8_t>(rd_addr);
    settle(m);
    INFO("cycle " << i);
    if (rd_data) REQUIRE(m.rd_data_o == *rd_data);
    if (rd) {
      rd_data = mem[static_cast<std::size_t>(rd_addr)];  // read-first: the word before this cycle's write
      collisions += wr && wr_addr == rd_addr && rd_data && *rd_data != wr_data;
    } else {
      holds += rd_data.has_value();
    }
    if (wr) mem[static_cast<std::size_t>(wr_addr)] = wr_data;
    tick(m);
  }
  m.final();
  CHECK(collisions > 0);
  CHECK(holds > 0);
}
