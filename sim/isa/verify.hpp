// Static verification of a program against an arch config, before any level runs it.
//
// Everything an instruction touches is known from its fields (there are no branches and no computed addresses),
// so the whole program is checked up front:
//   1. every field is legal and every on-chip row and DRAM byte it touches lies inside the configured memories and
//      the regions the program declares;
//   2. dispatch and the dependency tokens are simulated with the configured queue depths; a program that would
//      deadlock is rejected with each unit's blocked instruction named;
//   3. happens-before is tracked with vector clocks over the three units (program order within a unit, token
//      edges, sync barriers); any two accesses to the same row or DRAM byte from different units, one a write,
//      that are not ordered are a race ("reads before the producing instruction"), rejected with both pcs.
// A program that passes gives the same results under every legal interleaving, which is what lets the functional
// model run it in one fixed order and the cycle-level models run it in theirs.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "sim/isa/insn.hpp"
#include "systole/arch.hpp"

namespace systole::isa {

struct RegionSizes {
  std::uint64_t const_bytes = 0;
  std::uint64_t act_bytes = 0;
};

// Checks that every DRAM byte a DMA instruction touches lies inside its region; arch-independent, so a program file
// is checked on read. Throws UserError naming the pc.
void check_dram_bounds(const Insn& insn, std::uint32_t pc, RegionSizes regions);

// Checks legality and bounds of one instruction (step 1); throws UserError naming the pc and field.
void check_insn(const Insn& insn, std::uint32_t pc, const ArchConfig& arch, RegionSizes regions);

// Runs all three steps; returns an execution order (pcs, barriers included) consistent with dispatch and tokens.
// Throws UserError on the first problem found.
std::vector<std::uint32_t> verify_program(std::span<const Insn> insns, const ArchConfig& arch, RegionSizes regions);

}  // namespace systole::isa
