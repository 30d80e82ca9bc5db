// The timing rules of docs/timing.md as plain functions, shared by the SystemC model (and the RTL's reference):
// how many cycles each instruction occupies its unit, why, and what it moves.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "sim/dram/dram_model.hpp"
#include "sim/isa/arch.hpp"
#include "sim/isa/insn.hpp"

namespace systole::sim {

// DRAM parameters of an arch config (each AXI master port's channel).
DramParams dram_params(const isa::ArchConfig& arch);

// The DRAM channels of the accelerator's AXI master ports, one per unit (load, compute, store), indexed by isa::Unit.
using DramPorts = std::array<DramModel, isa::kUnitCount>;
DramPorts dram_ports(const isa::ArchConfig& arch);

// The memories whose traffic is counted: the three on-chip memories (named as the ISA's `mem` enum) and DRAM.
enum class Memory : std::uint8_t { kInp, kWgt, kAcc, kDram };
constexpr int kMemoryCount = 4;
std::string_view memory_name(Memory m);

struct Traffic {
  std::array<std::uint64_t, kMemoryCount> read_bytes{};
  std::array<std::uint64_t, kMemoryCount> write_bytes{};
};

// What one instruction costs its unit. Its occupancy is work + dram_stall + bank_stall cycles.
struct InsnCost {
  std::uint64_t work = 0;        // cycles of the unit's own work: rows moved, array or vector-pipeline cycles
  std::uint64_t dram_stall = 0;  // extra cycles a DMA instruction waits for DRAM beyond its row work
  std::uint64_t bank_stall = 0;  // extra cycles lost to bank conflicts (several reads of one bank in a cycle)
  std::uint64_t macs = 0;
  Traffic traffic;

  std::uint64_t occupancy() const { return work + dram_stall + bank_stall; }
};

// The queues whose occupancy can be recorded: the three instruction queues, then the four token queues.
constexpr int kQueueCount = 7;
std::string_view queue_name(int queue);  // "load_queue", ..., "load_to_compute_tokens", ...

// Occupancy of queue `queue` became `value` at `cycle` (from the segment's start).
struct QueueSample {
  std::uint64_t cycle = 0;
  std::uint32_t queue = 0;
  std::uint32_t value = 0;
};

// The cost of instruction `insn` starting at cycle `start`; DMA instructions issue their bursts to `dram`, the port
// of the unit that executes them. Barriers (sync, finish) occupy no unit and cost nothing.
InsnCost cost(const isa::Insn& insn, const isa::ArchConfig& arch, std::uint64_t start, DramModel& dram);

// The compiler's analytic estimate for a run of instructions, with no simulation: gemm outer*inner + rows cycles,
// vec one cycle per row, each DMA instruction one DRAM latency, plus DMA bytes / bandwidth; DMA overlaps compute
// (double buffering), so the estimate is the larger of the array and the DRAM figure.
std::uint64_t estimate_cycles(std::span<const isa::Insn> insns, const isa::ArchConfig& arch);

// DRAM bytes a load or store moves (0 for other instructions).
std::uint64_t dram_bytes(const isa::Insn& insn);

}  // namespace systole::sim
