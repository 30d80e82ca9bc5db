// The timing rules of docs/timing.md as plain functions, shared by the SystemC model (and the RTL's reference):
// how many cycles each instruction occupies its unit.
#pragma once

#include <cstdint>

#include "sim/dram/dram_model.hpp"
#include "sim/isa/arch.hpp"
#include "sim/isa/insn.hpp"

namespace systole::sim {

// DRAM parameters of an arch config.
DramParams dram_params(const isa::ArchConfig& arch);

// Cycles instruction `insn` occupies its unit when it starts at cycle `start`; DMA instructions issue their bursts
// to `dram` at `start`. Barriers (sync, finish) occupy no unit: 0.
std::uint64_t occupancy(const isa::Insn& insn, const isa::ArchConfig& arch, std::uint64_t start, DramModel& dram);

}  // namespace systole::sim
