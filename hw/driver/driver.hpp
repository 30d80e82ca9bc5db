// The host side of the accelerator's control interface (hw/spec/regmap.toml: AXI4-Lite, Vitis ap_ctrl_hs layout),
// written once for every device that has it: the Verilated RTL (hw/verif/rtl_top.hpp) and an FPGA board through XRT.
// A device provides 32-bit register reads and writes; everything the host does to run a segment is here.
#pragma once

#include <cstdint>

#include "systole/spec/isa_gen.hpp"

namespace systole::driver {

// 32-bit accesses to the control registers (byte offsets of spec::reg).
class ControlBus {
 public:
  virtual ~ControlBus() = default;
  virtual std::uint32_t read32(std::uint32_t offset) = 0;
  virtual void write32(std::uint32_t offset, std::uint32_t value) = 0;
};

// One accelerator segment: device addresses of its instruction stream and of the regions it may touch.
struct Segment {
  std::uint64_t insn_addr = 0;
  std::uint32_t insn_count = 0;
  std::uint64_t const_addr = 0;
  std::uint64_t const_size = 0;
  std::uint64_t act_addr = 0;
  std::uint64_t act_size = 0;
};

// What the device reports when a segment is done.
struct Completion {
  spec::ErrorCode status = spec::ErrorCode::kOk;
  std::uint32_t error_pc = 0;
  std::uint64_t cycles = 0;  // the `cycles` register: the segment's cycles (docs/timing.md)
};

std::uint64_t read64(ControlBus& bus, std::uint32_t offset);
void write64(ControlBus& bus, std::uint32_t offset, std::uint64_t value);

// The arch fingerprint the hardware was built for.
std::uint64_t fingerprint(ControlBus& bus);

// Runs one segment: checks the device is idle, writes the arguments, sets ap_start, polls ctrl until ap_done (at
// most `max_polls` reads; a device that never finishes is a RuntimeFault), and reads the results.
Completion run(ControlBus& bus, const Segment& segment, std::uint64_t max_polls);

}  // namespace systole::driver
