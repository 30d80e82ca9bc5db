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

std::uint64_t DramModel::burst(std::uint64_t now, std::uint64_t bytes, bool write) {
  // Free the slots of bursts that completed by `now`; if all are still busy, wait for the earliest.
  while (!in_flight_.empty() && in_flight_.front() <= now) in_flight_.pop_front();
  std::uint64_t issue = now;
  if (in_flight_.size() >= params_.max_outstanding) {
    issue = in_flight_.front();
    in_flight_.pop_front();
  }
  const std::uint64_t beats = (bytes + params_.bytes_per_cycle - 1) / params_.bytes_per_cycle;
  const std::uint64_t start = std::max(issue + params_.latency_cycles, bus_free_);
  const std::uint64_t done = start + beats;
  bus_free_ = done;
  // Completion cycles are non-decreasing (the bus serialises beats), so the deque stays sorted.
  in_flight_.push_back(done);
  ++stats_.bursts;
  stats_.bus_busy_cycles += beats;
  (write ? stats_.write_bytes : stats_.read_bytes) += bytes;
  return done;
}

std::uint64_t DramModel::transfer(std::uint64_t now, std::uint64_t addr, std::uint64_t bytes, bool write) {
  std::uint64_t done = now;
  while (bytes > 0) {
    const std::uint64_t to_page = 4096 - addr % 4096;
    const std::uint64_t n = std::min({bytes, params_.burst_bytes, to_page});
    done = burst(now, n, write);
    addr += n;
    bytes -= n;
  }
  return done;
}

}  // namespace systole::sim
