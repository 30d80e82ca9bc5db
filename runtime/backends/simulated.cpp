#include "runtime/backends/simulated.hpp"

#include "runtime/host_io.hpp"
#include "sim/cycle/accelerator.hpp"
#include "sim/cycle/timing.hpp"
#include "sim/isa/error.hpp"
#include "sim/isa/machine.hpp"
#include "sim/isa/verify.hpp"

namespace systole::runtime {
namespace {

void accumulate(isa::Counters& total, const isa::Counters& c) {
  for (std::size_t i = 0; i < total.insns_by_opcode.size(); ++i) total.insns_by_opcode[i] += c.insns_by_opcode[i];
  for (std::size_t i = 0; i < total.insns_by_unit.size(); ++i) total.insns_by_unit[i] += c.insns_by_unit[i];
  total.macs += c.macs;
  total.dram_read_bytes += c.dram_read_bytes;
  total.dram_write_bytes += c.dram_write_bytes;
}

class SimulatedProgram final : public LoadedProgram {
 public:
  SimulatedProgram(Backend backend, const isa::ArchConfig& arch, Program program)
      : backend_(backend),
        arch_(arch),
        program_(std::move(program)),
        machine_(arch),
        dram_timing_(sim::dram_params(arch)) {
    // Each accelerator segment is one ap_start..ap_done: verified on its own (tokens balance within it).
    const isa::RegionSizes regions{program_.constants.size(), program_.act_bytes};
    for (const Step& step : program_.steps) {
      if (!step.accel) continue;
      const std::span<const spec::Insn> segment(program_.insns.data() + step.insn_begin,
                                                step.insn_end - step.insn_begin);
      try {
        orders_.push_back(isa::verify_program(segment, arch, regions));
      } catch (const UserError& e) {
        throw UserError("segment starting at instruction " + std::to_string(step.insn_begin) + ": " + e.what());
      }
    }
  }

  RunResult run(const std::map<std::string, Tensor>& inputs) override {
    // The act region is reused across runs and zeroed each time: bytes no input or store covers read as zero.
    act_.assign(program_.act_bytes, 0);
    bind_inputs(program_, inputs, act_);
    isa::Counters total;
    Counters timed;
    std::vector<TraceSlice> timeline;
    std::size_t segment = 0;
    std::uint64_t host_ops = 0;
    for (const Step& step : program_.steps) {
      if (!step.accel) {
        run_host_step(program_, step.host, program_.constants, act_);
        ++host_ops;
        continue;
      }
      const std::span<const spec::Insn> insns(program_.insns.data() + step.insn_begin, step.insn_end - step.insn_begin);
      isa::RunStatus status;
      if (backend_ == Backend::kSystemc) {
        machine_.reset_counters();
        const sim::SegmentTiming t =
            sim::accelerator().run(arch_, insns, machine_, {program_.constants, act_}, dram_timing_);
        status = {t.error, t.error_pc};
        add_timeline(t, step.insn_begin, timed["cycles"], timeline);
        add_timing(t, step.insn_begin, timed);
      } else {
        status = machine_.run(insns, orders_[segment], {program_.constants, act_});
      }
      ++segment;
      if (status.code != spec::ErrorCode::kOk) {
        throw RuntimeFault(std::string(backend_name(backend_)) + " model stopped with error status " +
                           std::to_string(static_cast<unsigned>(status.code)) + " at instruction " +
                           std::to_string(step.insn_begin + status.pc));
      }
      accumulate(total, machine_.counters());
    }
    RunResult result;
    result.outputs = read_outputs(program_, act_);
    const isa::Counters& c = total;
    result.counters["host.ops"] = host_ops;
    for (const auto& v : spec::kOpcodeValues) {
      result.counters[std::string("insns.") + v.name] = c.insns_by_opcode[v.value];
    }
    for (int u = 0; u < isa::kUnitCount; ++u) {
      result.counters[std::string(isa::unit_name(static_cast<isa::Unit>(u))) + ".insns"] =
          c.insns_by_unit[static_cast<std::size_t>(u)];
    }
    result.counters["macs"] = c.macs;
    result.counters["dram.read_bytes"] = c.dram_read_bytes;
    result.counters["dram.write_bytes"] = c.dram_write_bytes;
    result.counters.insert(timed.begin(), timed.end());
    result.timeline = std::move(timeline);
    return result;
  }

  const Program& program() const override { return program_; }

 private:
  // Cycles, per-unit busy and token-stall cycles, and per-layer cycles (first start to last end of its
  // instructions) of one segment, added to `c`.
  void add_timing(const sim::SegmentTiming& t, std::uint32_t first_insn, Counters& c) const {
    c["cycles"] += t.cycles;
    c["dispatch.stall_cycles"] += t.dispatch_stall;
    for (int u = 0; u < isa::kUnitCount; ++u) {
      const std::string name(isa::unit_name(static_cast<isa::Unit>(u)));
      c[name + ".busy_cycles"] += t.units[static_cast<std::size_t>(u)].busy;
      c[name + ".token_stall_cycles"] += t.units[static_cast<std::size_t>(u)].token_stall;
    }
    for (const LayerSpan& l : program_.layers) {
      if (l.begin < first_insn || l.end > first_insn + t.spans.size()) continue;
      std::uint64_t lo = UINT64_MAX, hi = 0;
      for (std::uint32_t pc = l.begin; pc < l.end; ++pc) {
        lo = std::min(lo, t.spans[pc - first_insn].first);
        hi = std::max(hi, t.spans[pc - first_insn].second);
      }
      c["layer." + l.name + ".cycles"] += hi - lo;
    }
  }

  // Appends the segment's instructions, shifted by `base`, the cycles of the segments before it.
  void add_timeline(const sim::SegmentTiming& t, std::uint32_t first_insn, std::uint64_t base,
                    std::vector<TraceSlice>& out) const {
    std::size_t layer = 0;
    for (std::uint32_t i = 0; i < t.spans.size(); ++i) {
      const std::uint32_t pc = first_insn + i;
      while (layer < program_.layers.size() && program_.layers[layer].end <= pc) ++layer;
      const spec::Insn& insn = program_.insns[pc];
      const std::string op(isa::opcode_name(spec::decode_header(insn).opcode));
      const bool in_layer = layer < program_.layers.size() && program_.layers[layer].begin <= pc;
      out.push_back({std::string(isa::unit_name(isa::unit_of(insn))), in_layer ? program_.layers[layer].name : op, op,
                     pc, base + t.spans[i].first, base + t.spans[i].second});
    }
  }

  Backend backend_;
  const isa::ArchConfig& arch_;
  Program program_;
  std::vector<std::vector<std::uint32_t>> orders_;  // per accelerator segment
  isa::Machine machine_;
  sim::DramModel dram_timing_;
  std::vector<std::uint8_t> act_;
};

class SimulatedDevice final : public Device {
 public:
  SimulatedDevice(Backend backend, isa::ArchConfig arch) : backend_(backend), arch_(std::move(arch)) {}

  std::unique_ptr<LoadedProgram> load(Program program) override {
    check_fingerprint(program, arch_);
    return std::make_unique<SimulatedProgram>(backend_, arch_, std::move(program));
  }
  const isa::ArchConfig& arch() const override { return arch_; }
  Backend backend() const override { return backend_; }

 private:
  Backend backend_;
  isa::ArchConfig arch_;
};

}  // namespace

std::unique_ptr<Device> open_simulated(Backend backend, const DeviceOptions& options) {
  return std::make_unique<SimulatedDevice>(backend, isa::load_arch_config(options.arch));
}

}  // namespace systole::runtime
