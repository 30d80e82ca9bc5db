// The `systemc` engine: the cycle-accurate SystemC model (sim/cycle) runs a segment in its own order (equivalent,
// by verification) and reports cycles, every instruction's span, cost and stalls, and the golden model's counts.
#include "runtime/engine.hpp"

namespace systole::runtime {
namespace {

class SystemcEngine final : public Engine {
 public:
  explicit SystemcEngine(const isa::ArchConfig& arch) : arch_(arch), machine_(arch), ports_(sim::dram_ports(arch)) {}

  SegmentRun run(std::span<const spec::Insn> insns, isa::DramImage dram, const SegmentContext& context) override {
    sim::RunHooks hooks;
    hooks.record_queues = context.record_queues;
    hooks.progress = context.progress;
    hooks.max_cycles = context.max_cycles;
    hooks.max_seconds = context.max_seconds;
    hooks.first_pc = context.first_pc;
    machine_.reset_counters();
    SegmentRun r;
    r.timing = sim::accelerator().run(arch_, insns, machine_, dram, ports_, hooks);
    if (!r.timing->stopped.empty()) {
      throw RuntimeFault("systemc model: the segment starting at instruction " + std::to_string(context.first_pc) +
                         " " + r.timing->stopped);
    }
    r.status = {r.timing->error, r.timing->error_pc};
    r.counts = machine_.counters();
    r.unit_detail = true;
    return r;
  }

 private:
  isa::ArchConfig arch_;
  isa::Machine machine_;
  sim::DramPorts ports_;
};

}  // namespace

std::unique_ptr<Engine> make_systemc_engine(const isa::ArchConfig& arch, const DeviceOptions&) {
  return std::make_unique<SystemcEngine>(arch);
}

}  // namespace systole::runtime
