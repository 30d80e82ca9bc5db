// The DRAM timing model against cycle counts worked out by hand from the rules in docs/timing.md.
#include <catch2/catch.hpp>
#include <vector>

#include "sim/dram/dram_model.hpp"

using systole::sim::DramModel;

TEST_CASE("a burst takes latency plus one cycle per aligned word", "[unit]") {
  DramModel d({.latency_cycles = 10, .bytes_per_cycle = 4, .burst_bytes = 16, .max_outstanding = 2});
  const auto a = d.burst(0, 0, 16, false);  // issue 0, words 0..3, data 10..13
  CHECK(a.issue == 0);
  CHECK(a.data == 10);
  CHECK(a.done == 14);
  CHECK(d.burst(100, 6, 3, true).done == 112);  // bytes 6..8 touch words 1 and 2: 100 + 10 + 2 beats
  CHECK(d.beats(3, 1) == 1);
  CHECK(d.beats(3, 2) == 2);
  CHECK(d.beats(8, 0) == 0);
  CHECK(d.stats().bursts == 2);
  CHECK(d.stats().read_bytes == 16);
  CHECK(d.stats().write_bytes == 3);
  CHECK(d.stats().bus_busy_cycles == 6);
}

TEST_CASE("bursts share the data bus and queue for outstanding slots", "[unit]") {
  DramModel d({.latency_cycles = 10, .bytes_per_cycle = 4, .burst_bytes = 16, .max_outstanding = 2});
  // Three bursts requested at 0, 1, 2 (one request per cycle):
  //   #1 (16 bytes) issues at 0, data 10..13, done 14
  //   #2 (16 bytes) issues at 1, its data waits for the bus: 14..17, done 18
  //   #3 (8 bytes) finds both slots busy and issues when #1 completes (14): data from max(24, 18) = 24, done 26
  CHECK(d.burst(0, 0, 16, false).done == 14);
  CHECK(d.burst(1, 16, 16, false).done == 18);
  const auto c = d.burst(2, 32, 8, false);
  CHECK(c.issue == 14);
  CHECK(c.done == 26);
  CHECK(d.stats().bus_busy_cycles == 10);
}

TEST_CASE("ranges split into bursts at 4 KiB boundaries and at the burst size", "[unit]") {
  DramModel d({.latency_cycles = 0, .bytes_per_cycle = 1, .burst_bytes = 512, .max_outstanding = 16});
  std::vector<std::pair<std::uint64_t, std::uint64_t>> bursts;
  const auto collect = [&](std::uint64_t a, std::uint64_t n) { bursts.emplace_back(a, n); };
  d.for_each_burst(4090, 16, collect);  // 6 bytes up to the boundary, then 10
  CHECK(bursts == std::vector<std::pair<std::uint64_t, std::uint64_t>>{{4090, 6}, {4096, 10}});
  bursts.clear();
  d.for_each_burst(0, 1200, collect);
  CHECK(bursts == std::vector<std::pair<std::uint64_t, std::uint64_t>>{{0, 512}, {512, 512}, {1024, 176}});
  bursts.clear();
  d.for_each_burst(5000, 0, collect);
  CHECK(bursts.empty());
  CHECK_THROWS(DramModel({.latency_cycles = 1, .bytes_per_cycle = 0, .burst_bytes = 1, .max_outstanding = 1}));
}
