// AXI4 slave ports served by the shared DRAM timing model (sim/dram) over a byte image, for harnesses that drive an
// RTL master cycle by cycle (the Verilator benches and the `rtl` backend). A master that breaks the protocol (an
// unaligned or out-of-image burst, a missing beat) is a harness error: std::logic_error.
//
// Read port: the slave sees a request in the first cycle ar_valid is high, asks the DramModel when it issues
// (ar_ready in that cycle) and when its beats take the bus, and returns one aligned word per beat.
#pragma once

#include <cstdint>
#include <cstring>
#include <deque>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/dram/dram_model.hpp"

namespace systole::verif {

inline void check(bool ok, const char* what) {
  if (!ok) throw std::logic_error(std::string("AXI harness: the master broke the protocol: ") + what);
}

class AxiReadPort {
 public:
  AxiReadPort(sim::DramModel& timing, std::span<const std::uint8_t> memory)
      : timing_(timing), memory_(memory), beat_bytes_(timing.params().bytes_per_cycle) {}

  // The address channel in cycle `now`: the master's ar_valid, address (word aligned) and length (beats - 1);
  // returns ar_ready for this cycle.
  bool address(std::uint64_t now, bool valid, std::uint64_t addr, std::uint32_t len) {
    if (!valid) return false;
    if (!pending_) {
      const std::uint64_t beats = std::uint64_t{len} + 1;
      check(addr % beat_bytes_ == 0 && addr + beats * beat_bytes_ <= memory_.size(), "burst outside the image");
      pending_ = true;
      timing_now_ = timing_.burst(now, addr, beats * beat_bytes_, false);
      addr_ = addr;
    }
    if (timing_now_.issue != now) return false;
    pending_ = false;
    for (std::uint64_t b = 0; b < timing_now_.done - timing_now_.data; ++b) {
      beats_.push_back({timing_now_.data + b, addr_ + b * beat_bytes_, b + 1 == timing_now_.done - timing_now_.data});
    }
    return true;
  }

  // The data channel in cycle `now`: whether a beat is on the bus; its word goes to `data`.
  bool data(std::uint64_t now, std::vector<std::uint32_t>& data, bool& last) {
    if (beats_.empty() || beats_.front().cycle != now) return false;
    const Beat b = beats_.front();
    beats_.pop_front();
    data.assign(beat_bytes_ / 4, 0);
    std::memcpy(data.data(), memory_.data() + b.addr, beat_bytes_);
    last = b.last;
    return true;
  }

  bool idle() const { return !pending_ && beats_.empty(); }

 private:
  struct Beat {
    std::uint64_t cycle;
    std::uint64_t addr;
    bool last;
  };
  sim::DramModel& timing_;
  std::span<const std::uint8_t> memory_;
  std::uint64_t beat_bytes_;
  bool pending_ = false;
  sim::BurstTiming timing_now_;
  std::uint64_t addr_ = 0;
  std::deque<Beat> beats_;
};

// An AXI4 write port served by the shared DRAM timing model: the write request issues when the DramModel says
// (aw_ready), its beats are taken in the cycles the model gives them the bus (w_ready; the master must have w_valid
// high then), strobed bytes land in the image, and the response comes in the cycle after the last beat.
class AxiWritePort {
 public:
  AxiWritePort(sim::DramModel& timing, std::span<std::uint8_t> memory)
      : timing_(timing), memory_(memory), beat_bytes_(timing.params().bytes_per_cycle) {}

  // The address channel in cycle `now`; returns aw_ready.
  bool address(std::uint64_t now, bool valid, std::uint64_t addr, std::uint32_t len) {
    if (!valid) return false;
    if (!pending_) {
      const std::uint64_t beats = std::uint64_t{len} + 1;
      check(addr % beat_bytes_ == 0 && addr + beats * beat_bytes_ <= memory_.size(), "burst outside the image");
      pending_ = true;
      timing_now_ = timing_.burst(now, addr, beats * beat_bytes_, true);
      addr_ = addr;
    }
    if (timing_now_.issue != now) return false;
    pending_ = false;
    for (std::uint64_t b = 0; b < timing_now_.done - timing_now_.data; ++b) {
      beats_.push_back({timing_now_.data + b, addr_ + b * beat_bytes_, b + 1 == timing_now_.done - timing_now_.data});
    }
    return true;
  }

  // w_ready for cycle `now`.
  bool ready(std::uint64_t now) const { return !beats_.empty() && beats_.front().cycle == now; }

  // The data channel in cycle `now`, after ready(): takes the master's beat.
  void take(std::uint64_t now, bool valid, const std::vector<std::uint32_t>& data, std::uint64_t strobes, bool last) {
    if (!ready(now)) return;
    check(valid, "write beat not ready in its bus cycle");
    const Beat b = beats_.front();
    beats_.pop_front();
    check(last == b.last, "w_last on the wrong beat");
    for (std::uint64_t j = 0; j < beat_bytes_; ++j) {
      if (strobes >> j & 1) memory_[b.addr + j] = static_cast<std::uint8_t>(data[j / 4] >> (8 * (j % 4)));
    }
  }

  bool idle() const { return !pending_ && beats_.empty(); }

 private:
  struct Beat {
    std::uint64_t cycle;
    std::uint64_t addr;
    bool last;
  };
  sim::DramModel& timing_;
  std::span<std::uint8_t> memory_;
  std::uint64_t beat_bytes_;
  bool pending_ = false;
  sim::BurstTiming timing_now_;
  std::uint64_t addr_ = 0;
  std::deque<Beat> beats_;
};

}  // namespace systole::verif
