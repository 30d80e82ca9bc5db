#include "sim/dram/dram_model.hpp"

#include <algorithm>
#include <stdexcept>

namespace systole::sim {

DramModel::DramModel(const DramParams& params) : params_(params) {
  if (params_.bytes_per_cycle == 0 || params_.burst_bytes == 0 || params_.max_outstanding == 0) {
    throw std::invalid_argument("DramModel: bytes_per_cycle, burst_bytes and max_outstanding must be positive");
  }
}

void DramModel::reset() {
  stats_ = {};
  in_flight_.clear();
  bus_free_ = 0;
}

std::uint64_t DramModel::beats(std::uint64_t addr, std::uint64_t bytes) const {
  if (bytes == 0) return 0;
  const std::uint64_t w = params_.bytes_per_cycle;
  return (addr + bytes - 1) / w - addr / w + 1;
}

BurstTiming DramModel::burst(std::uint64_t now, std::uint64_t addr, std::uint64_t bytes, bool write) {
  // Free the slots of bursts that completed by `now`; if all are still busy, wait for the earliest.
  while (!in_flight_.empty() && in_flight_.front() <= now) in_flight_.pop_front();
  BurstTiming t;
  t.issue = now;
  if (in_flight_.size() >= params_.max_outstanding) {
    t.issue = in_flight_.front();
    in_flight_.pop_front();
  }
  const std::uint64_t n = beats(addr, bytes);
  t.data = std::max(t.issue + params_.latency_cycles, bus_free_);
  t.done = t.data + n;
  bus_free_ = t.done;
  // Completion cycles are non-decreasing (the bus serialises beats), so the deque stays sorted.
  in_flight_.push_back(t.done);
  ++stats_.bursts;
  stats_.bus_busy_cycles += n;
  (write ? stats_.write_bytes : stats_.read_bytes) += bytes;
  return t;
}

}  // namespace systole::sim
