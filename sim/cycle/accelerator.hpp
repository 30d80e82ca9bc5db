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
#include <optional>
#include <span>
#include <string>
#include <systemc>
#include <vector>

#include "sim/cycle/timing.hpp"
#include "sim/dram/dram_model.hpp"
#include "sim/isa/machine.hpp"
#include "systole/arch.hpp"

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
  std::uint64_t dispatch_fetch_stall = 0;       // dispatch waited for the next instruction to be fetched
  std::uint64_t fetch_bytes = 0;                // bytes instruction fetch read from DRAM
  std::vector<InsnTiming> insns;
  std::vector<QueueSample> queues;  // when recording was asked for
  spec::ErrorCode error = spec::ErrorCode::kOk;
  std::uint32_t error_pc = 0;
  // Empty when the segment reached its finish; otherwise why it stopped and where each unit stood (a deadlock, or
  // RunHooks::max_cycles or max_seconds reached). The model cannot run again in this process after that.
  std::string stopped;
};

struct RunHooks {
  bool record_queues = false;
  // The instruction stream is given to dispatch, every instruction available from cycle 0 (no fetch, no fetch
  // traffic): the timing of a bench that feeds dispatch directly (hw/verif/compute_core_bench.sv).
  bool given_stream = false;
  std::function<void(std::uint32_t dispatched)> progress;  // called every few thousand dispatched instructions
  std::uint64_t max_cycles = 0;                            // stop a segment that runs longer (0: no limit)
  double max_seconds = 0;      // stop a segment that takes longer on the host's clock (0: no limit)
  std::uint32_t first_pc = 0;  // the segment's first instruction in its program (messages name program pcs)
};

// What the modules of one segment's run share; set up by Accelerator::run.
struct RunContext {
  const isa::ArchConfig* arch = nullptr;
  std::span<const isa::Insn> insns;
  isa::Machine* machine = nullptr;
  isa::DramImage dram{};
  DramPorts* dram_ports = nullptr;
  const RunHooks* hooks = nullptr;
  std::uint64_t t0 = 0;  // cycle the segment started at
  SegmentTiming timing;

  static std::uint64_t cycle();  // the current cycle (1 ns of SystemC time each)
  void sample(int queue, std::size_t value);
};

// The dependency-token queues between neighbouring units (load_to_compute_tokens, ...). Tokens carry no data:
// counters, as the RTL's token_queue.
class TokenQueues {
 public:
  explicit TokenQueues(RunContext& ctx) : ctx_(ctx) {}
  void clear();
  // Unit `unit` takes one token from each neighbour its flags name (prev = unit - 1, next = unit + 1), waiting
  // until all of them are there (calling thread's time).
  void pop(int unit, bool prev, bool next);
  // Unit `unit` adds one token towards each neighbour its flags name, waiting until all those queues have room.
  void push(int unit, bool prev, bool next);

 private:
  std::uint32_t& count(int from, int to) {
    return count_[static_cast<std::size_t>(from)][static_cast<std::size_t>(to)];
  }
  void sample(int from, int to);
  RunContext& ctx_;
  std::array<std::array<std::uint32_t, isa::kUnitCount>, isa::kUnitCount> count_{};  // [from][to]
  sc_core::sc_event changed_;
};

// A unit (load_unit, compute_unit, store_unit; hw/rtl's modules of the same names): its instruction queue and the
// thread that takes the head when idle, pops its tokens, occupies the unit for the instruction's cost, pushes its
// tokens.
class Unit : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(Unit);
  Unit(const sc_core::sc_module_name& name, isa::Unit id, RunContext& ctx, TokenQueues& tokens,
       sc_core::sc_event& idle);

  struct Entry {
    std::uint32_t pc;
    std::uint64_t pushed;  // cycle dispatch put it in the queue
  };
  std::deque<Entry> queue;  // at most queues.insn_depth
  sc_core::sc_event queued, dequeued;
  bool busy = false;
  std::uint64_t dequeued_at = UINT64_MAX;  // cycle of the last dequeue, and how many happened in that cycle
  std::uint32_t dequeues = 0;
  std::optional<std::uint32_t> current;  // the instruction the unit has taken and not yet completed

  // Entries as the queue's registers hold them at the start of this cycle (a slot freed now is usable next cycle).
  std::size_t occupancy_at_cycle_start() const;
  isa::Unit id() const { return id_; }

 private:
  void run();
  isa::Unit id_;
  RunContext& ctx_;
  TokenQueues& tokens_;
  sc_core::sc_event& idle_;
};

// Fetch and dispatch: instructions arrive through fetch (InsnFetch, its own DRAM port); dispatch issues one per cycle
// into its unit's queue, in program order; sync and finish wait for every queue and unit to drain.
class Dispatch : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(Dispatch);
  Dispatch(const sc_core::sc_module_name& name, RunContext& ctx, std::array<Unit*, isa::kUnitCount> units,
           sc_core::sc_event& unit_idle);
  void start();                             // begin the segment set up in the context
  std::uint32_t pc() const { return pc_; }  // the instruction being dispatched
  bool finished() const { return finished_; }

 private:
  void run();
  bool drained() const;
  RunContext& ctx_;
  std::array<Unit*, isa::kUnitCount> units_;
  sc_core::sc_event& unit_idle_;
  sc_core::sc_event start_;
  bool pending_ = false;
  std::uint32_t pc_ = 0;
  bool finished_ = false;
};

// The accelerator: dispatch, the three units and the token queues between them.
class Accelerator : public sc_core::sc_module {
 public:
  explicit Accelerator(const sc_core::sc_module_name& name);

  // Runs one verified segment to its finish; data in `machine` and `dram`, DRAM timing in `ports`.
  SegmentTiming run(const isa::ArchConfig& arch, std::span<const isa::Insn> insns, isa::Machine& machine,
                    isa::DramImage dram, DramPorts& ports, const RunHooks& hooks = {});

 private:
  // Where dispatch and each unit stand, for a segment that stopped before its finish.
  std::string positions() const;

  RunContext ctx_;
  TokenQueues tokens_;
  bool broken_ = false;  // a segment stopped mid-run: its threads still wait, so the model cannot run again
  sc_core::sc_event unit_idle_;
  Unit load_unit_, compute_unit_, store_unit_;
  Dispatch dispatch_;
};

// The process's accelerator model, created on first use.
Accelerator& accelerator();

}  // namespace systole::sim
