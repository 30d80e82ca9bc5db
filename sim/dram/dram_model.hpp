// The DRAM timing model: one plain C++ class that the SystemC model and the Verilator harness's AXI slaves both use,
// so both levels see the same memory timing. Functional data lives elsewhere; this only answers "when". Each AXI
// master port of the accelerator (load unit, compute unit, store unit) has its own instance: its own channel.
//
// Rules (docs/timing.md, "DRAM"):
// - The data bus is `bytes_per_cycle` (W) bytes wide; a burst for bytes [a, a + n) moves the aligned words
//   floor(a / W) .. floor((a + n - 1) / W), one beat each (AXI INCR, full width, byte strobes for partial words).
// - A burst issues at the first cycle >= its request cycle at which fewer than `max_outstanding` bursts are in
//   flight (in flight: issued and not yet completed).
// - Its beats occupy the data bus in consecutive cycles from max(issue + latency_cycles, the cycle the bus is next
//   free); it completes in the cycle after its last beat.
// Reads and writes of one port share its bus and its outstanding slots.
#pragma once

#include <cstdint>
#include <deque>

namespace systole::sim {

struct DramParams {
  std::uint64_t latency_cycles = 64;
  std::uint64_t bytes_per_cycle = 16;
  std::uint64_t burst_bytes = 512;
  std::uint64_t max_outstanding = 16;
};

struct DramStats {
  std::uint64_t bursts = 0;
  std::uint64_t read_bytes = 0;
  std::uint64_t write_bytes = 0;
  std::uint64_t bus_busy_cycles = 0;  // cycles the data bus carried a beat
};

// When one burst happened: its request was accepted at `issue`, its beats took the bus in [data, done).
struct BurstTiming {
  std::uint64_t issue = 0;
  std::uint64_t data = 0;
  std::uint64_t done = 0;
};

class DramModel {
 public:
  explicit DramModel(const DramParams& params);

  // Beats of a burst for bytes [addr, addr + bytes): the aligned words it touches.
  std::uint64_t beats(std::uint64_t addr, std::uint64_t bytes) const;

  // One burst (bytes <= burst_bytes, not crossing 4 KiB) requested at cycle `now`.
  BurstTiming burst(std::uint64_t now, std::uint64_t addr, std::uint64_t bytes, bool write);

  // Calls fn(addr, bytes) for the bursts of a contiguous range: split at 4 KiB boundaries (AXI) and at burst_bytes.
  template <typename Fn>
  void for_each_burst(std::uint64_t addr, std::uint64_t bytes, Fn&& fn) const {
    while (bytes > 0) {
      const std::uint64_t to_page = 4096 - addr % 4096;
      const std::uint64_t n = bytes < to_page ? bytes : to_page;
      const std::uint64_t m = n < params_.burst_bytes ? n : params_.burst_bytes;
      fn(addr, m);
      addr += m;
      bytes -= m;
    }
  }

  const DramParams& params() const { return params_; }
  const DramStats& stats() const { return stats_; }
  void reset();

 private:
  DramParams params_;
  DramStats stats_;
  std::deque<std::uint64_t> in_flight_;  // completion cycles, ascending
  std::uint64_t bus_free_ = 0;           // first cycle the data bus is free
};

}  // namespace systole::sim
