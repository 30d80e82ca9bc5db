#include "sim/cycle/accelerator.hpp"

#include "sim/cycle/timing.hpp"

namespace systole::sim {
namespace {

const sc_core::sc_time kCycle(1, sc_core::SC_NS);

}  // namespace

Accelerator::Accelerator(const sc_core::sc_module_name& name) : sc_core::sc_module(name) {
  SC_THREAD(dispatch);
  SC_THREAD(load_unit);
  SC_THREAD(compute_unit);
  SC_THREAD(store_unit);
}

std::uint64_t Accelerator::cycle() const {
  return static_cast<std::uint64_t>(sc_core::sc_time_stamp() / kCycle + 0.5);
}

bool Accelerator::drained() const {
  for (int u = 0; u < isa::kUnitCount; ++u) {
    if (!queue_[static_cast<std::size_t>(u)].empty() || busy_[static_cast<std::size_t>(u)]) return false;
  }
  return true;
}

SegmentTiming Accelerator::run(const isa::ArchConfig& arch, std::span<const isa::Insn> insns, isa::Machine& machine,
                               isa::DramImage dram, DramModel& dram_timing) {
  arch_ = &arch;
  insns_ = insns;
  machine_ = &machine;
  dram_ = dram;
  dram_timing_ = &dram_timing;
  timing_ = {};
  timing_.spans.assign(insns.size(), {0, 0});
  for (auto& row : tokens_) row.fill(0);
  pending_ = true;
  if (sc_core::sc_get_status() != sc_core::SC_ELABORATION) start_.notify(sc_core::SC_ZERO_TIME);
  sc_core::sc_start();  // returns when dispatch pauses the simulation after finish
  return timing_;
}

void Accelerator::dispatch() {
  for (;;) {
    while (!pending_) wait(start_);
    pending_ = false;
    t0_ = cycle();
    const auto depth = static_cast<std::size_t>(arch_->params.queues_insn_depth);
    for (std::uint32_t pc = 0; pc < insns_.size(); ++pc) {
      const isa::Insn& insn = insns_[pc];
      const isa::Unit u = isa::unit_of(insn);
      const std::uint64_t asked = cycle();
      if (u == isa::Unit::kDispatch) {
        while (!drained()) wait(unit_idle_);  // sync and finish wait for every queue and unit
        machine_->execute(insn, dram_);       // no data effect; keeps the instruction counters complete
        timing_.spans[pc] = {asked - t0_, cycle() - t0_};
        timing_.dispatch_stall += cycle() - asked;
        if (spec::decode_header(insn).opcode == spec::Opcode::kFinish) break;
        continue;
      }
      auto& q = queue_[static_cast<std::size_t>(u)];
      while (q.size() >= depth) wait(dequeued_[static_cast<std::size_t>(u)]);
      timing_.dispatch_stall += cycle() - asked;
      q.push_back(pc);
      queued_[static_cast<std::size_t>(u)].notify(sc_core::SC_ZERO_TIME);
      wait(kCycle);  // one instruction per cycle
    }
    timing_.cycles = cycle() - t0_;
    sc_core::sc_pause();
  }
}

void Accelerator::unit(int u) {
  const auto us = static_cast<std::size_t>(u);
  for (;;) {
    while (queue_[us].empty()) wait(queued_[us]);
    const std::uint32_t pc = queue_[us].front();
    queue_[us].pop_front();
    busy_[us] = true;
    dequeued_[us].notify(sc_core::SC_ZERO_TIME);
    const isa::Insn& insn = insns_[pc];
    const spec::Header h = spec::decode_header(insn);
    UnitTiming& t = timing_.units[us];

    // Tokens are taken before the instruction starts (docs/timing.md).
    const std::uint64_t waited_from = cycle();
    auto pop = [&](int from) {
      auto& n = tokens_[static_cast<std::size_t>(from)][us];
      while (n == 0) wait(tokens_changed_);
      --n;
      tokens_changed_.notify(sc_core::SC_ZERO_TIME);
    };
    if (h.pop_prev) pop(u - 1);
    if (h.pop_next) pop(u + 1);
    const std::uint64_t start = cycle();
    t.token_stall += start - waited_from;

    if (timing_.error == spec::ErrorCode::kOk) {
      const spec::ErrorCode code = machine_->execute(insn, dram_);
      if (code != spec::ErrorCode::kOk) {
        timing_.error = code;
        timing_.error_pc = pc;
      }
    }
    const std::uint64_t busy = occupancy(insn, *arch_, start, *dram_timing_);
    if (busy) wait(static_cast<double>(busy), sc_core::SC_NS);
    t.busy += busy;
    ++t.insns;
    timing_.spans[pc] = {start - t0_, cycle() - t0_};

    // Tokens are pushed when it completes; a full token queue stalls the unit.
    const std::uint64_t push_from = cycle();
    const auto depth = static_cast<std::uint32_t>(arch_->params.queues_token_depth);
    auto push = [&](int to) {
      auto& n = tokens_[us][static_cast<std::size_t>(to)];
      while (n >= depth) wait(tokens_changed_);
      ++n;
      tokens_changed_.notify(sc_core::SC_ZERO_TIME);
    };
    if (h.push_prev) push(u - 1);
    if (h.push_next) push(u + 1);
    t.token_stall += cycle() - push_from;
    busy_[us] = false;
    unit_idle_.notify(sc_core::SC_ZERO_TIME);
  }
}

Accelerator& accelerator() {
  // SystemC's kernel is process-global and cannot elaborate after simulation starts: one model per process.
  static Accelerator* model = new Accelerator("systole");
  return *model;
}

}  // namespace systole::sim
