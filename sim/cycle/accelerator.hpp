// The cycle-accurate SystemC model of the accelerator, at transaction granularity: the dispatcher and the load,
// compute and store units are SystemC threads; each instruction waits for its tokens, occupies its unit for the
// cycles the timing rules give (timing.hpp, docs/timing.md), then pushes its tokens. Numbers come from the
// functional model (isa::Machine::execute), so results are bit-exact with it; time comes from the rules.
//
// SystemC cannot elaborate modules once simulation has started, so a process has one Accelerator (accelerator())
// that is reconfigured for every run; simulated time simply continues between runs.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <span>
#include <systemc>
#include <vector>

#include "sim/cycle/timing.hpp"
#include "sim/dram/dram_model.hpp"
#include "sim/isa/arch.hpp"
#include "sim/isa/machine.hpp"

namespace systole::sim {

// Per unit, where its cycles went; idle = segment cycles - busy - every stall.
struct UnitTiming {
  std::uint64_t insns = 0;
  std::uint64_t busy = 0;              // cycles doing its own work (InsnCost::work)
  std::uint64_t token_stall = 0;       // waiting to pop a dependency token
  std::uint64_t queue_full_stall = 0;  // waiting for room to push a token into a full token queue
  std::uint64_t dram_stall = 0;        // a DMA instruction waiting for DRAM beyond its row work
  std::uint64_t bank_stall = 0;        // bank conflicts
};

// One instruction of a segment, in cycles from the segment's start.
struct InsnTiming {
  std::uint64_t start = 0;  // it occupies its unit for [start, end); tokens are popped before, pushed after
  std::uint64_t end = 0;
  std::uint64_t token_stall = 0;
  std::uint64_t queue_full_stall = 0;
  InsnCost cost;
};

// Sums over a set of instructions (a segment, a layer): per unit timing, memory traffic, MACs.
struct Tally {
  std::array<UnitTiming, isa::kUnitCount> units{};
  Traffic traffic;
  std::uint64_t macs = 0;

  void add(const InsnTiming& insn, isa::Unit unit);
};

// The timing of one accelerator segment (ap_start to finish).
struct SegmentTiming {
  std::uint64_t cycles = 0;
  Tally total;
  std::uint64_t dispatch_queue_full_stall = 0;  // dispatch waited on a full instruction queue
  std::uint64_t dispatch_barrier_stall = 0;     // sync/finish waited for the queues and units to drain
  std::vector<InsnTiming> insns;
  std::vector<QueueSample> queues;  // when recording was asked for
  spec::ErrorCode error = spec::ErrorCode::kOk;
  std::uint32_t error_pc = 0;
};

struct RunHooks {
  bool record_queues = false;
  std::function<void(std::uint32_t dispatched)> progress;  // called every few thousand dispatched instructions
};

class Accelerator : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(Accelerator);
  explicit Accelerator(const sc_core::sc_module_name& name);

  // Runs one verified segment to its finish; data in `machine` and `dram`, DRAM timing in `dram_timing`.
  SegmentTiming run(const isa::ArchConfig& arch, std::span<const isa::Insn> insns, isa::Machine& machine,
                    isa::DramImage dram, DramModel& dram_timing, const RunHooks& hooks = {});

 private:
  void dispatch();
  void load_unit() { unit(0); }
  void compute_unit() { unit(1); }
  void store_unit() { unit(2); }
  void unit(int u);
  std::uint64_t cycle() const;
  bool drained() const;
  void sample(int queue, std::size_t value);
  void sample_tokens(int from, int to);

  const isa::ArchConfig* arch_ = nullptr;
  std::span<const isa::Insn> insns_;
  isa::Machine* machine_ = nullptr;
  isa::DramImage dram_{};
  DramModel* dram_timing_ = nullptr;
  const RunHooks* hooks_ = nullptr;
  bool pending_ = false;
  std::uint64_t t0_ = 0;
  SegmentTiming timing_;

  std::array<std::deque<std::uint32_t>, isa::kUnitCount> queue_;
  std::array<sc_core::sc_event, isa::kUnitCount> queued_, dequeued_;
  std::array<std::array<std::uint32_t, isa::kUnitCount>, isa::kUnitCount> tokens_{};  // [from][to]
  sc_core::sc_event tokens_changed_, unit_idle_, start_;
  std::array<bool, isa::kUnitCount> busy_{};
};

// The process's accelerator model, created on first use.
Accelerator& accelerator();

}  // namespace systole::sim
