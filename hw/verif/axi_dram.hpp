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

// What both channels share: the address handshake timed by the DramModel and the schedule of beats it gives.
class AxiPort {
 public:
  AxiPort(sim::DramModel& timing, std::uint64_t image_bytes, bool write)
      : beat_bytes_(timing.params().bytes_per_cycle), timing_(timing), image_bytes_(image_bytes), write_(write) {}

  // The address channel in cycle `now`: the master's valid, address (word aligned) and length (beats - 1); returns
  // ready for this cycle. The request is timed in the first cycle it is seen.
  bool address(std::uint64_t now, bool valid, std::uint64_t addr, std::uint32_t len) {
    if (!valid) return false;
    if (!pending_) {
      const std::uint64_t beats = std::uint64_t{len} + 1;
      check(addr % beat_bytes_ == 0 && addr + beats * beat_bytes_ <= image_bytes_, "burst outside the image");
      pending_ = true;
      timing_now_ = timing_.burst(now, addr, beats * beat_bytes_, write_);
      addr_ = addr;
    }
    if (timing_now_.issue != now) return false;
    pending_ = false;
    const std::uint64_t beats = timing_now_.done - timing_now_.data;
    for (std::uint64_t b = 0; b < beats; ++b)
      beats_.push_back({timing_now_.data + b, addr_ + b * beat_bytes_, b + 1 == beats});
    return true;
  }

  bool idle() const { return !pending_ && beats_.empty(); }

 protected:
  struct Beat {
    std::uint64_t cycle;
    std::uint64_t addr;
    bool last;
  };
  // The beat whose bus cycle is `now`, if any, taken off the schedule.
  bool take_beat(std::uint64_t now, Beat& beat) {
    if (beats_.empty() || beats_.front().cycle != now) return false;
    beat = beats_.front();
    beats_.pop_front();
    return true;
  }
  bool beat_due(std::uint64_t now) const { return !beats_.empty() && beats_.front().cycle == now; }

  std::uint64_t beat_bytes_;

 private:
  sim::DramModel& timing_;
  std::uint64_t image_bytes_;
  bool write_;
  bool pending_ = false;
  sim::BurstTiming timing_now_;
  std::uint64_t addr_ = 0;
  std::deque<Beat> beats_;
};

// Read port: returns one aligned word per beat.
class AxiReadPort : public AxiPort {
 public:
  AxiReadPort(sim::DramModel& timing, std::span<const std::uint8_t> memory)
      : AxiPort(timing, memory.size(), false), memory_(memory) {}

  // The data channel in cycle `now`: whether a beat is on the bus; its word goes to `data`.
  bool data(std::uint64_t now, std::vector<std::uint32_t>& data, bool& last) {
    Beat b;
    if (!take_beat(now, b)) return false;
    data.assign(beat_bytes_ / 4, 0);
    std::memcpy(data.data(), memory_.data() + b.addr, beat_bytes_);
    last = b.last;
    return true;
  }

 private:
  std::span<const std::uint8_t> memory_;
};

// Write port: the beats are taken in the cycles the model gives them the bus (w_ready; the master must have w_valid
// high then), strobed bytes land in the image, and the response comes in the cycle after the last beat.
class AxiWritePort : public AxiPort {
 public:
  AxiWritePort(sim::DramModel& timing, std::span<std::uint8_t> memory)
      : AxiPort(timing, memory.size(), true), memory_(memory) {}

  // w_ready for cycle `now`.
  bool ready(std::uint64_t now) const { return beat_due(now); }

  // The data channel in cycle `now`, after ready(): takes the master's beat.
  void take(std::uint64_t now, bool valid, const std::vector<std::uint32_t>& data, std::uint64_t strobes, bool last) {
    Beat b;
    if (!take_beat(now, b)) return;
    check(valid, "write beat not ready in its bus cycle");
    check(last == b.last, "w_last on the wrong beat");
    for (std::uint64_t j = 0; j < beat_bytes_; ++j) {
      if (strobes >> j & 1) memory_[b.addr + j] = static_cast<std::uint8_t>(data[j / 4] >> (8 * (j % 4)));
    }
  }

 private:
  std::span<std::uint8_t> memory_;
};

}  // namespace systole::verif
