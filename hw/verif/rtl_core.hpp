// The Verilated accelerator core (hw/rtl/systole_core.sv) with its three AXI master ports served by the shared DRAM
// model over a DRAM image: runs one accelerator segment cycle by cycle. Used by the `rtl` backend and the cosim
// tests. One model per arch shape, verilated at build time (hw/verif/CMakeLists.txt); other configs are refused.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <utility>
#include <vector>

#include "sim/cycle/timing.hpp"
#include "sim/isa/arch.hpp"
#include "sim/isa/machine.hpp"

namespace systole::verif {

struct RtlRun {
  std::uint64_t cycles = 0;  // the cycle dispatch completed `finish`, counted from the first instruction's
  std::vector<std::pair<std::uint64_t, std::uint64_t>> spans;  // per instruction: first cycle, cycle after the last
  spec::ErrorCode error = spec::ErrorCode::kOk;
  std::uint32_t error_pc = 0;
};

class RtlCore {
 public:
  // Throws UserError naming the verilated configs when none matches `arch`.
  explicit RtlCore(const isa::ArchConfig& arch);
  ~RtlCore();
  RtlCore(const RtlCore&) = delete;
  RtlCore& operator=(const RtlCore&) = delete;

  // The arch configs a model was verilated for.
  static std::vector<std::string> verilated();

  // Runs one segment (ending with finish): the const and act regions are placed in a DRAM image at 4 KiB aligned
  // bases, the act region is copied back afterwards. `ports` time the three AXI ports (reset first: each segment
  // starts on an idle memory).
  RtlRun run(std::span<const spec::Insn> insns, isa::DramImage dram, sim::DramPorts& ports);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace systole::verif
