// The DRAM timing model: one plain C++ class that the SystemC model and the Verilator harness's AXI slave both
// use, so both levels see the same memory timing. Functional data lives elsewhere; this only answers "when".
//
// Rules (docs/timing.md, "DRAM"):
// - A transfer is split into bursts at `burst_bytes` and at 4 KiB boundaries (AXI forbids crossing them).
// - A burst issues at the first cycle >= its request cycle at which fewer than `max_outstanding` bursts are in
//   flight (in flight: issued and not yet completed).
// - Its data occupies the shared data bus for ceil(bytes / bytes_per_cycle) consecutive cycles, starting at
//   max(issue + latency_cycles, the cycle the bus is next free); it completes at the end of its last beat.
// Reads and writes share the bus and the outstanding slots (one AXI port).
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

class DramModel {
 public:
  explicit DramModel(const DramParams& params);

  // One burst (bytes <= burst_bytes, not crossing 4 KiB) requested at cycle `now`; returns its completion cycle.
  std::uint64_t burst(std::uint64_t now, std::uint64_t bytes, bool write);

  // A contiguous transfer of `bytes` from `addr`, all bursts requested at `now` (they queue for slots and the bus);
  // returns the cycle the last one completes. A zero-byte transfer completes at `now`.
  std::uint64_t transfer(std::uint64_t now, std::uint64_t addr, std::uint64_t bytes, bool write);

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
