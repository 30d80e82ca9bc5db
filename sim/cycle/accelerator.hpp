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
#include <span>
#include <systemc>
#include <vector>

#include "sim/dram/dram_model.hpp"
#include "sim/isa/arch.hpp"
#include "sim/isa/machine.hpp"

namespace systole::sim {

struct UnitTiming {
  std::uint64_t insns = 0;
  std::uint64_t busy = 0;         // cycles executing instructions
  std::uint64_t token_stall = 0;  // cycles waiting to pop a token or for room to push one
};

// The timing of one accelerator segment (ap_start to finish).
struct SegmentTiming {
  std::uint64_t cycles = 0;
  std::array<UnitTiming, isa::kUnitCount> units{};
  std::uint64_t dispatch_stall = 0;                            // cycles dispatch waited on a full queue or a barrier
  std::vector<std::pair<std::uint64_t, std::uint64_t>> spans;  // per instruction: start and end cycle
  spec::ErrorCode error = spec::ErrorCode::kOk;
  std::uint32_t error_pc = 0;
};

class Accelerator : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(Accelerator);
  explicit Accelerator(const sc_core::sc_module_name& name);

  // Runs one verified segment to its finish; data in `machine` and `dram`, DRAM timing in `dram_timing`.
  SegmentTiming run(const isa::ArchConfig& arch, std::span<const isa::Insn> insns, isa::Machine& machine,
                    isa::DramImage dram, DramModel& dram_timing);

 private:
  void dispatch();
  void load_unit() { unit(0); }
  void compute_unit() { unit(1); }
  void store_unit() { unit(2); }
  void unit(int u);
  std::uint64_t cycle() const;
  bool drained() const;

  const isa::ArchConfig* arch_ = nullptr;
  std::span<const isa::Insn> insns_;
  isa::Machine* machine_ = nullptr;
  isa::DramImage dram_{};
  DramModel* dram_timing_ = nullptr;
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
