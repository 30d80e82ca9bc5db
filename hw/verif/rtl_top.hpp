// The Verilated kernel top (hw/rtl/systole_top.sv): its four AXI4 master ports served by the shared DRAM model over a
// device memory, its AXI4-Lite control port driven by this harness as a host bus. Segments run the way a host runs
// them on a board: the instruction stream and the regions go into device memory, and the driver
// (hw/driver/driver.hpp) programs the registers, sets ap_start and polls for ap_done over the control port; nothing
// else reaches the design. Used by the `rtl` backend and the cosim tests. One model per arch shape, verilated at
// build time (hw/verif/CMakeLists.txt); other configs are refused.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "sim/cycle/timing.hpp"
#include "sim/isa/machine.hpp"
#include "systole/arch.hpp"

namespace systole::verif {

struct RtlRun {
  std::uint64_t cycles = 0;  // the cycles register: the cycle dispatch completed `finish` (docs/timing.md)
  // Per instruction, in cycles of the segment: first cycle, cycle after the last (sync and finish: offered to
  // dispatch, dispatched). Observed on the top's probe signal, not through the registers.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> spans;
  spec::ErrorCode error = spec::ErrorCode::kOk;
  std::uint32_t error_pc = 0;
};

class RtlTop {
 public:
  // Throws UserError naming the verilated configs when none matches `arch`; checks that the fingerprint register
  // holds the arch's fingerprint. With `wave`, every signal of the design goes to that FST file every half cycle (at
  // the arch's clock; slow, for debugging); a file that cannot be written is a UserError.
  explicit RtlTop(const isa::ArchConfig& arch, const std::string& wave = {});
  ~RtlTop();
  RtlTop(const RtlTop&) = delete;
  RtlTop& operator=(const RtlTop&) = delete;

  // The arch configs a model was verilated for.
  static std::vector<std::string> verilated();

  // The fingerprint register (read over the control port).
  std::uint64_t fingerprint();

  // Runs one segment (ending with finish): the instruction stream, the const and the act region are placed in device
  // memory at 4 KiB aligned addresses, the act region is copied back afterwards. `ports` time the four AXI master
  // ports (sim::DramPorts order). A segment that has not finished after `limits.max_cycles` is a RuntimeFault naming
  // the instruction dispatch and each unit are at.
  struct Limits {
    std::uint64_t max_cycles = std::uint64_t{1} << 40;
    std::uint32_t first_pc = 0;  // the segment's first instruction in its program (messages name program pcs)
  };
  RtlRun run(std::span<const spec::Insn> insns, isa::DramImage dram, sim::DramPorts& ports, const Limits& limits);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace systole::verif
