// An AXI4 read port served by the shared DRAM timing model (sim/dram) over a byte image, for benches that drive an
// RTL master cycle by cycle. The slave sees a request in the first cycle ar_valid is high, asks the DramModel when
// it issues (ar_ready in that cycle) and when its beats take the bus, and returns one aligned word per beat.
#pragma once

#include <cstdint>
#include <cstring>
#include <deque>
#include <span>
#include <vector>

#include "rtl_bench.hpp"
#include "sim/dram/dram_model.hpp"

namespace systole::cosim {

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
      REQUIRE(addr % beat_bytes_ == 0);
      REQUIRE(addr + beats * beat_bytes_ <= memory_.size());
      pending_ = true;
      timing_now_ = timing_.burst(now, addr, beats * beat_bytes_, false);
      REQUIRE(timing_now_.done - timing_now_.data == beats);
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
    if (beats_.empty() || beats_.front().cycle != now) {
      REQUIRE((beats_.empty() || beats_.front().cycle > now));
      return false;
    }
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

}  // namespace systole::cosim
