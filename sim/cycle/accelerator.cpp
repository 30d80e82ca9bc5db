#include "sim/cycle/accelerator.hpp"

#include <chrono>
#include <cstdio>
#include <stdexcept>

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

std::uint64_t RunContext::cycle() {
  return static_cast<std::uint64_t>(sc_core::sc_time_stamp() / kCycle + 0.5);
}

void RunContext::sample(int queue, std::size_t value) {
  if (!hooks->record_queues) return;
  timing.queues.push_back({cycle() - t0, static_cast<std::uint32_t>(queue), static_cast<std::uint32_t>(value)});
}

void TokenQueues::clear() {
  for (auto& row : count_) row.fill(0);
}

void TokenQueues::sample(int from, int to) {
  for (int q = 0; q < static_cast<int>(kTokenQueues.size()); ++q) {
    if (kTokenQueues[static_cast<std::size_t>(q)] == std::array<int, 2>{from, to}) {
      ctx_.sample(isa::kUnitCount + q, count_[static_cast<std::size_t>(from)][static_cast<std::size_t>(to)]);
    }
  }
}

void TokenQueues::pop(int unit, bool prev, bool next) {
  if (!prev && !next) return;
  while ((prev && count(unit - 1, unit) == 0) || (next && count(unit + 1, unit) == 0)) sc_core::wait(changed_);
  for (const auto& [on, from] : {std::pair{prev, unit - 1}, std::pair{next, unit + 1}}) {
    if (!on) continue;
    --count(from, unit);
    sample(from, unit);
  }
  changed_.notify(sc_core::SC_ZERO_TIME);
}

void TokenQueues::push(int unit, bool prev, bool next) {
  if (!prev && !next) return;
  const auto depth = static_cast<std::uint32_t>(ctx_.arch->params.queues_token_depth);
  while ((prev && count(unit, unit - 1) >= depth) || (next && count(unit, unit + 1) >= depth)) {
    sc_core::wait(changed_);
  }
  for (const auto& [on, to] : {std::pair{prev, unit - 1}, std::pair{next, unit + 1}}) {
    if (!on) continue;
    ++count(unit, to);
    sample(unit, to);
  }
  changed_.notify(sc_core::SC_ZERO_TIME);
}

std::size_t Unit::occupancy_at_cycle_start() const {
  return queue.size() + (dequeued_at == RunContext::cycle() ? dequeues : 0);
}

Unit::Unit(const sc_core::sc_module_name& name, isa::Unit id, RunContext& ctx, TokenQueues& tokens,
           sc_core::sc_event& idle)
    : sc_core::sc_module(name), id_(id), ctx_(ctx), tokens_(tokens), idle_(idle) {
  SC_THREAD(run);
}

void Unit::run() {
  const int u = static_cast<int>(id_);
  for (;;) {
    while (queue.empty()) wait(queued);
    // The queue's output shows an entry from the cycle after it was pushed.
    if (queue.front().pushed == RunContext::cycle()) wait(kCycle);
    const std::uint32_t pc = queue.front().pc;
    queue.pop_front();
    if (dequeued_at != RunContext::cycle()) dequeues = 0;
    dequeued_at = RunContext::cycle();
    ++dequeues;
    ctx_.sample(u, queue.size());
    busy = true;
    current = pc;
    dequeued.notify(sc_core::SC_ZERO_TIME);
    const isa::Insn& insn = ctx_.insns[pc];
    const spec::Header h = spec::decode_header(insn);
    InsnTiming& it = ctx_.timing.insns[pc];

    // Tokens are taken before the instruction starts (docs/timing.md).
    const std::uint64_t waited_from = RunContext::cycle();
    tokens_.pop(u, h.pop_prev, h.pop_next);
    const std::uint64_t start = RunContext::cycle();
    it.token_stall = start - waited_from;

    if (ctx_.timing.error == spec::ErrorCode::kOk) {
      const spec::ErrorCode code = ctx_.machine->execute(insn, ctx_.dram);
      if (code != spec::ErrorCode::kOk) {
        ctx_.timing.error = code;
        ctx_.timing.error_pc = pc;
      }
    }
    // A load or store that fails its check moves nothing and takes one cycle (docs/timing.md), whatever came before.
    if (isa::Machine::dma_error(insn, ctx_.dram.const_region.size(), ctx_.dram.act_region.size()) !=
        spec::ErrorCode::kOk) {
      it.cost = InsnCost{.work = 1};
    } else {
      it.cost = cost(insn, *ctx_.arch, start, (*ctx_.dram_ports)[static_cast<std::size_t>(u)]);
    }
    if (const std::uint64_t busy_cycles = it.cost.occupancy()) wait(static_cast<double>(busy_cycles), sc_core::SC_NS);
    it.start = start - ctx_.t0;
    it.end = RunContext::cycle() - ctx_.t0;

    // Tokens are pushed when it completes; a full token queue stalls the unit.
    const std::uint64_t push_from = RunContext::cycle();
    tokens_.push(u, h.push_prev, h.push_next);
    it.queue_full_stall = RunContext::cycle() - push_from;

    ctx_.timing.total.add(it, id_);
    busy = false;
    current.reset();
    idle_.notify(sc_core::SC_ZERO_TIME);
  }
}

Dispatch::Dispatch(const sc_core::sc_module_name& name, RunContext& ctx, std::array<Unit*, isa::kUnitCount> units,
                   sc_core::sc_event& unit_idle)
    : sc_core::sc_module(name), ctx_(ctx), units_(units), unit_idle_(unit_idle) {
  SC_THREAD(run);
}

void Dispatch::start() {
  pending_ = true;
  if (sc_core::sc_get_status() != sc_core::SC_ELABORATION) start_.notify(sc_core::SC_ZERO_TIME);
}

bool Dispatch::drained() const {
  for (const Unit* unit : units_) {
    if (!unit->queue.empty() || unit->busy) return false;
  }
  return true;
}

void Dispatch::run() {
  for (;;) {
    while (!pending_) wait(start_);
    pending_ = false;
    finished_ = false;
    ctx_.t0 = RunContext::cycle();
    for (int q = 0; q < kQueueCount; ++q) ctx_.sample(q, 0);
    const auto depth = static_cast<std::size_t>(ctx_.arch->params.queues_insn_depth);
    SegmentTiming& timing = ctx_.timing;
    InsnFetch fetch(0, static_cast<std::uint32_t>(ctx_.insns.size()), ctx_.t0, (*ctx_.dram_ports)[kFetchPort]);
    for (std::uint32_t pc = 0; pc < ctx_.insns.size(); ++pc) {
      pc_ = pc;
      if (ctx_.hooks->progress && pc % kProgressEvery == 0) ctx_.hooks->progress(pc);
      const isa::Insn& insn = ctx_.insns[pc];
      const isa::Unit u = isa::unit_of(insn);
      if (const std::uint64_t at = ctx_.hooks->given_stream ? 0 : fetch.available(pc); at > RunContext::cycle()) {
        timing.dispatch_fetch_stall += at - RunContext::cycle();
        wait(static_cast<double>(at - RunContext::cycle()), sc_core::SC_NS);
      }
      const std::uint64_t asked = RunContext::cycle();
      if (u == isa::Unit::kDispatch) {
        while (!drained()) wait(unit_idle_);     // sync and finish wait for every queue and unit
        ctx_.machine->execute(insn, ctx_.dram);  // no data effect; keeps the instruction counters complete
        timing.insns[pc].start = asked - ctx_.t0;
        timing.insns[pc].end = RunContext::cycle() - ctx_.t0;
        timing.dispatch_barrier_stall += RunContext::cycle() - asked;
        fetch.dispatched(pc, RunContext::cycle());
        if (spec::decode_header(insn).opcode == spec::Opcode::kFinish) break;
        wait(kCycle);  // a sync takes its dispatch cycle like any instruction
        continue;
      }
      Unit& unit = *units_[static_cast<std::size_t>(u)];
      while (unit.occupancy_at_cycle_start() >= depth) {
        if (unit.queue.size() < depth) {
          wait(kCycle);  // a slot freed this cycle takes a push from the next
        } else {
          wait(unit.dequeued);
        }
      }
      timing.dispatch_queue_full_stall += RunContext::cycle() - asked;
      unit.queue.push_back({pc, RunContext::cycle()});
      ctx_.sample(static_cast<int>(u), unit.queue.size());
      unit.queued.notify(sc_core::SC_ZERO_TIME);
      fetch.dispatched(pc, RunContext::cycle());
      wait(kCycle);  // one instruction per cycle
    }
    timing.cycles = RunContext::cycle() - ctx_.t0;
    timing.fetch_bytes = fetch.bytes();
    finished_ = true;
    sc_core::sc_pause();
  }
}

Accelerator::Accelerator(const sc_core::sc_module_name& name)
    : sc_core::sc_module(name),
      tokens_(ctx_),
      load_unit_("load_unit", isa::Unit::kLoad, ctx_, tokens_, unit_idle_),
      compute_unit_("compute_unit", isa::Unit::kCompute, ctx_, tokens_, unit_idle_),
      store_unit_("store_unit", isa::Unit::kStore, ctx_, tokens_, unit_idle_),
      dispatch_("dispatch", ctx_, {&load_unit_, &compute_unit_, &store_unit_}, unit_idle_) {}

SegmentTiming Accelerator::run(const isa::ArchConfig& arch, std::span<const isa::Insn> insns, isa::Machine& machine,
                               isa::DramImage dram, DramPorts& ports, const RunHooks& hooks) {
  if (broken_) {
    throw std::logic_error("the SystemC model stopped mid-segment earlier in this process and cannot run again");
  }
  ctx_.arch = &arch;
  ctx_.insns = insns;
  ctx_.machine = &machine;
  ctx_.dram = dram;
  ctx_.dram_ports = &ports;
  ctx_.hooks = &hooks;
  ctx_.timing = {};
  ctx_.timing.insns.assign(insns.size(), {});
  tokens_.clear();
  dispatch_.start();
  // Simulated in slices, so a limit on cycles or on host time ends a run that would not: dispatch pauses the
  // simulation after finish; a simulation that runs out of events before that has deadlocked.
  constexpr std::uint64_t kSlice = std::uint64_t{1} << 16;  // ~10 ms of simulation: sc_start costs microseconds
  const std::uint64_t begin = RunContext::cycle();
  const auto started = std::chrono::steady_clock::now();
  for (;;) {
    const std::uint64_t ran = RunContext::cycle() - begin;
    const std::uint64_t slice = hooks.max_cycles ? std::min(kSlice, hooks.max_cycles - ran) : kSlice;
    sc_core::sc_start(static_cast<double>(slice), sc_core::SC_NS);
    if (dispatch_.finished()) break;
    if (!sc_core::sc_pending_activity()) {
      ctx_.timing.stopped =
          "stopped: every unit waits on a token or a queue that nothing will fill (deadlock); " + positions();
      break;
    }
    if (hooks.max_cycles && RunContext::cycle() - begin >= hooks.max_cycles) {
      ctx_.timing.stopped = "did not finish within " + std::to_string(hooks.max_cycles) + " cycles; " + positions();
      break;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (hooks.max_seconds > 0 && seconds >= hooks.max_seconds) {
      char limit[32];
      std::snprintf(limit, sizeof limit, "%g", hooks.max_seconds);
      ctx_.timing.stopped = "did not finish within " + std::string(limit) + " s of host time (" +
                            std::to_string(RunContext::cycle() - begin) + " cycles); " + positions();
      break;
    }
  }
  broken_ = !dispatch_.finished();
  return std::move(ctx_.timing);
}

std::string Accelerator::positions() const {
  const std::uint32_t base = ctx_.hooks->first_pc;
  std::string s = "dispatch at instruction " + std::to_string(base + dispatch_.pc());
  for (const Unit* unit : {&load_unit_, &compute_unit_, &store_unit_}) {
    s += ", " + std::string(isa::unit_name(unit->id())) + " unit " +
         (unit->current ? "at instruction " + std::to_string(base + *unit->current) : std::string("idle"));
  }
  return s;
}

Accelerator& accelerator() {
  // SystemC's kernel is process-global and cannot elaborate after simulation starts: one model per process.
  static Accelerator* model = new Accelerator("systole");
  return *model;
}

}  // namespace systole::sim
