#include "hw/driver/driver.hpp"

#include <string>

#include "systole/error.hpp"

namespace systole::driver {

std::uint64_t read64(ControlBus& bus, std::uint32_t offset) {
  const std::uint64_t lo = bus.read32(offset);
  return lo | std::uint64_t{bus.read32(offset + 4)} << 32;
}

void write64(ControlBus& bus, std::uint32_t offset, std::uint64_t value) {
  bus.write32(offset, static_cast<std::uint32_t>(value));
  bus.write32(offset + 4, static_cast<std::uint32_t>(value >> 32));
}

std::uint64_t fingerprint(ControlBus& bus) {
  return read64(bus, spec::reg::kFingerprint);
}

Completion run(ControlBus& bus, const Segment& segment, std::uint64_t max_polls) {
  // The core finishes on the stream's `finish`: an empty stream would never end.
  if (segment.insn_count == 0) throw UserError("a segment needs at least one instruction (its finish)");
  // A read of ctrl clears ap_done and ap_ready (clear on read): a completion left from an earlier run goes with it.
  if (!(bus.read32(spec::reg::kCtrl) & spec::reg::kCtrlApIdle)) {
    throw RuntimeFault("device is busy: ap_idle is low before ap_start");
  }
  write64(bus, spec::reg::kInsnAddr, segment.insn_addr);
  bus.write32(spec::reg::kInsnCount, segment.insn_count);
  write64(bus, spec::reg::kConstAddr, segment.const_addr);
  write64(bus, spec::reg::kConstSize, segment.const_size);
  write64(bus, spec::reg::kActAddr, segment.act_addr);
  write64(bus, spec::reg::kActSize, segment.act_size);
  bus.write32(spec::reg::kCtrl, spec::reg::kCtrlApStart);
  for (std::uint64_t poll = 0;; ++poll) {
    if (poll == max_polls) {
      throw RuntimeFault("device did not finish the segment (" + std::to_string(segment.insn_count) +
                         " instructions): ap_done not set after " + std::to_string(max_polls) + " polls of ctrl");
    }
    if (bus.read32(spec::reg::kCtrl) & spec::reg::kCtrlApDone) break;
  }
  Completion c;
  c.status = static_cast<spec::ErrorCode>(bus.read32(spec::reg::kStatus));
  c.error_pc = bus.read32(spec::reg::kErrorPc);
  c.cycles = read64(bus, spec::reg::kCycles);
  return c;
}

}  // namespace systole::driver
