#include "sim/cycle/accelerator.hpp"

namespace systole::sim {
namespace {

const sc_core::sc_time kCycle(1, sc_core::SC_NS);
constexpr std::uint32_t kProgressEvery = 4096;  // instructions between progress callbacks

// Token queues in QueueSample order, as [from][to] unit pairs.
constexpr std::array<std::array<int, 2>, 4> kTokenQueues{{{0, 1}, {1, 0}, {1, 2}, {2, 1}}};

}  // namespace

void Tally::add(const InsnTiming& insn, isa::Unit unit) {
  if (unit != isa::Unit::kDispatch) {
    UnitTiming& t = units[static_cast<std::size_t>(unit)];
    ++t.insns;
    t.busy += insn.cost.work;
    t.dram_stall += insn.cost.dram_stall;
    t.bank_stall += insn.cost.bank_stall;
    t.token_stall += insn.token_stall;
    t.queue_full_stall += insn.queue_full_stall;
  }
  for (std::size_t m = 0; m < traffic.read_bytes.size(); ++m) {
    traffic.read_bytes[m] += insn.cost.traffic.read_bytes[m];
    traffic.write_bytes[m] += insn.cost.traffic.write_bytes[m];
  }
  macs += insn.cost.macs;
}

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

void Accelerator::sample(int queue, std::size_t value) {
  if (!hooks_->record_queues) return;
  timing_.queues.push_back({cycle() - t0_, static_cast<std::uint32_t>(queue), static_cast<std::uint32_t>(value)});
}

void Accelerator::sample_tokens(int from, int to) {
  if (!hooks_->record_queues) return;
  for (int q = 0; q < static_cast<int>(kTokenQueues.size()); ++q) {
    if (kTokenQueues[static_cast<std::size_t>(q)] == std::array<int, 2>{from, to}) {
      sample(isa::kUnitCount + q, tokens_[static_cast<std::size_t>(from)][static_cast<std::size_t>(to)]);
    }
  }
}

SegmentTiming Accelerator::run(const isa::ArchConfig& arch, std::span<const isa::Insn> insns, isa::Machine& machine,
                               isa::DramImage dram, DramModel& dram_timing, const RunHooks& hooks) {
  arch_ = &arch;
  insns_ = insns;
  machine_ = &machine;
  dram_ = dram;
  dram_timing_ = &dram_timing;
  hooks_ = &hooks;
  timing_ = {};
  timing_.insns.assign(insns.size(), {});
  for (auto& row : tokens_) row.fill(0);
  pending_ = true;
  if (sc_core::sc_get_status() != sc_core::SC_ELABORATION) start_.notify(sc_core::SC_ZERO_TIME);
  sc_core::sc_start();  // returns when dispatch pauses the simulation after finish
  return std::move(timing_);
}

void Accelerator::dispatch() {
  for (;;) {
    while (!pending_) wait(start_);
    pending_ = false;
    t0_ = cycle();
    if (hooks_->record_queues) {
      for (int q = 0; q < kQueueCount; ++q) sample(q, 0);
    }
    const auto depth = static_cast<std::size_t>(arch_->params.queues_insn_depth);
    for (std::uint32_t pc = 0; pc < insns_.size(); ++pc) {
      if (hooks_->progress && pc % kProgressEvery == 0) hooks_->progress(pc);
      const isa::Insn& insn = insns_[pc];
      const isa::Unit u = isa::unit_of(insn);
      const std::uint64_t asked = cycle();
      if (u == isa::Unit::kDispatch) {
        while (!drained()) wait(unit_idle_);  // sync and finish wait for every queue and unit
        machine_->execute(insn, dram_);       // no data effect; keeps the instruction counters complete
        timing_.insns[pc].start = asked - t0_;
        timing_.insns[pc].end = cycle() - t0_;
        timing_.dispatch_barrier_stall += cycle() - asked;
        if (spec::decode_header(insn).opcode == spec::Opcode::kFinish) break;
        continue;
      }
      const auto us = static_cast<std::size_t>(u);
      auto& q = queue_[us];
      while (q.size() >= depth) wait(dequeued_[us]);
      timing_.dispatch_queue_full_stall += cycle() - asked;
      q.push_back(pc);
      sample(static_cast<int>(u), q.size());
      queued_[us].notify(sc_core::SC_ZERO_TIME);
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
    sample(u, queue_[us].size());
    busy_[us] = true;
    dequeued_[us].notify(sc_core::SC_ZERO_TIME);
    const isa::Insn& insn = insns_[pc];
    const spec::Header h = spec::decode_header(insn);
    InsnTiming& it = timing_.insns[pc];

    // Tokens are taken before the instruction starts (docs/timing.md).
    const std::uint64_t waited_from = cycle();
    auto pop = [&](int from) {
      auto& n = tokens_[static_cast<std::size_t>(from)][us];
      while (n == 0) wait(tokens_changed_);
      --n;
      sample_tokens(from, u);
      tokens_changed_.notify(sc_core::SC_ZERO_TIME);
    };
    if (h.pop_prev) pop(u - 1);
    if (h.pop_next) pop(u + 1);
    const std::uint64_t start = cycle();
    it.token_stall = start - waited_from;

    if (timing_.error == spec::ErrorCode::kOk) {
      const spec::ErrorCode code = machine_->execute(insn, dram_);
      if (code != spec::ErrorCode::kOk) {
        timing_.error = code;
        timing_.error_pc = pc;
      }
    }
    it.cost = cost(insn, *arch_, start, *dram_timing_);
    if (const std::uint64_t busy = it.cost.occupancy()) wait(static_cast<double>(busy), sc_core::SC_NS);
    it.start = start - t0_;
    it.end = cycle() - t0_;

    // Tokens are pushed when it completes; a full token queue stalls the unit.
    const std::uint64_t push_from = cycle();
    const auto depth = static_cast<std::uint32_t>(arch_->params.queues_token_depth);
    auto push = [&](int to) {
      auto& n = tokens_[us][static_cast<std::size_t>(to)];
      while (n >= depth) wait(tokens_changed_);
      ++n;
      sample_tokens(u, to);
      tokens_changed_.notify(sc_core::SC_ZERO_TIME);
    };
    if (h.push_prev) push(u - 1);
    if (h.push_next) push(u + 1);
    it.queue_full_stall = cycle() - push_from;

    timing_.total.add(it, static_cast<isa::Unit>(u));
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
