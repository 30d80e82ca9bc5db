// The timing rules of docs/timing.md as plain functions, shared by the SystemC model (and the RTL's reference):
// how many cycles each instruction occupies its unit, why, and what it moves.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "sim/dram/dram_model.hpp"
#include "sim/isa/insn.hpp"
#include "systole/arch.hpp"

namespace systole::sim {

// DRAM parameters of an arch config (each AXI master port's channel).
DramParams dram_params(const isa::ArchConfig& arch);

// The DRAM channels of the accelerator's AXI master ports: one per unit (load, compute, store), indexed by
// isa::Unit, then instruction fetch's.
constexpr std::size_t kFetchPort = isa::kUnitCount;
using DramPorts = std::array<DramModel, isa::kUnitCount + 1>;
DramPorts dram_ports(const isa::ArchConfig& arch);

// Instruction fetch (docs/timing.md, "Fetch"): when each instruction of a segment reaches dispatch, given when
// dispatch took the ones before it. The stream is read in bursts that end at chunk boundaries (chunk: max(burst_bytes,
// entry) bytes) into a buffer of two chunks' entries (entry: max(bus width, instruction) bytes); a burst is requested,
// one per cycle at most and in order, only when the buffer has room for all its entries, counting bursts in flight.
class InsnFetch {
 public:
  // A segment of `count` instructions at `insn_addr` (4 KiB aligned: the runtime places every segment's stream so,
  // which makes the timing independent of the address) starting at cycle `t0`, read through `port`.
  InsnFetch(std::uint64_t insn_addr, std::uint32_t count, std::uint64_t t0, DramModel& port);

  // The first cycle instruction `pc` can be dispatched (the cycle after its last beat). Every instruction before it
  // must have been reported to dispatched().
  std::uint64_t available(std::uint32_t pc);
  // Dispatch took instruction `pc` in `cycle`; instructions are reported in order.
  void dispatched(std::uint32_t pc, std::uint64_t cycle);

  std::uint64_t bytes() const { return bytes_; }  // bytes of the beats read so far

 private:
  std::uint64_t entry(std::uint32_t pc) const { return (addr_ + 32 * std::uint64_t{pc}) / entry_bytes_; }
  void request_next();  // issues the next burst

  DramModel& port_;
  std::uint64_t addr_, end_, entry_bytes_, chunk_bytes_, capacity_;
  std::uint32_t count_;
  std::uint64_t next_;          // first byte of the next burst
  std::uint64_t next_request_;  // earliest cycle of the next request (the cycle after the last one issued)
  std::uint64_t requested_entries_ = 0;
  std::vector<std::uint64_t> freed_;  // per entry since the first: the cycle its slot is usable again
  struct Burst {
    std::uint64_t lo, hi, data;  // bytes [lo, hi), first beat's cycle
  };
  std::vector<Burst> bursts_;
  std::uint64_t bytes_ = 0;
};

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
// vec one cycle per row; a load or store its requests, one per element, as many in flight as the DRAM allows, each
// for the latency and its beats. The units overlap (double buffering), so the estimate is the largest of the
// array's, the load port's and the store port's figures.
std::uint64_t estimate_cycles(std::span<const isa::Insn> insns, const isa::ArchConfig& arch);

// DRAM bytes a load or store moves (0 for other instructions).
std::uint64_t dram_bytes(const isa::Insn& insn);

}  // namespace systole::sim
