// The DRAM timing model against cycle counts worked out by hand from the rules in docs/timing.md.
#include <catch2/catch.hpp>

#include "sim/dram/dram_model.hpp"

using systole::sim::DramModel;

TEST_CASE("a burst takes latency plus one cycle per beat", "[unit]") {
  DramModel d({.latency_cycles = 10, .bytes_per_cycle = 4, .burst_bytes = 16, .max_outstanding = 2});
  CHECK(d.burst(0, 16, false) == 14);   // issue 0, data from 10, 4 beats
  CHECK(d.burst(100, 3, true) == 111);  // idle memory again: 100 + 10 + 1 beat (partial beats round up)
  CHECK(d.stats().bursts == 2);
  CHECK(d.stats().read_bytes == 16);
  CHECK(d.stats().write_bytes == 3);
  CHECK(d.stats().bus_busy_cycles == 5);
}

TEST_CASE("bursts share the data bus and queue for outstanding slots", "[unit]") {
  DramModel d({.latency_cycles = 10, .bytes_per_cycle = 4, .burst_bytes = 16, .max_outstanding = 2});
  // 40 bytes = bursts of 16, 16, 8, all requested at cycle 0:
  //   #1 issues at 0, data 10..13, done 14
  //   #2 issues at 0 (one slot in use), its data waits for the bus: 14..17, done 18
  //   #3 finds both slots busy, issues when #1 completes (14): data from max(14 + 10, 18) = 24, 2 beats, done 26
  CHECK(d.transfer(0, 0, 40, false) == 26);
  CHECK(d.stats().bursts == 3);
  CHECK(d.stats().bus_busy_cycles == 10);
}

TEST_CASE("transfers split at burst size and at 4 KiB boundaries", "[unit]") {
  DramModel d({.latency_cycles = 0, .bytes_per_cycle = 1, .burst_bytes = 512, .max_outstanding = 16});
  CHECK(d.transfer(0, 4090, 16, false) == 16);  // 6 bytes up to the boundary, then 10
  CHECK(d.stats().bursts == 2);
  d.reset();
  CHECK(d.transfer(0, 0, 1200, true) == 1200);  // 512 + 512 + 176
  CHECK(d.stats().bursts == 3);
  CHECK(d.transfer(5000, 0, 0, false) == 5000);  // nothing to move
  CHECK_THROWS(DramModel({.latency_cycles = 1, .bytes_per_cycle = 0, .burst_bytes = 1, .max_outstanding = 1}));
}
