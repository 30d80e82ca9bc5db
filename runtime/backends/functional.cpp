#include "runtime/backends/functional.hpp"

#include "runtime/host_io.hpp"
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

class FunctionalProgram final : public LoadedProgram {
 public:
  FunctionalProgram(const isa::ArchConfig& arch, Program program) : program_(std::move(program)), machine_(arch) {
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
    std::size_t segment = 0;
    std::uint64_t host_ops = 0;
    for (const Step& step : program_.steps) {
      if (!step.accel) {
        run_host_step(program_, step.host, program_.constants, act_);
        ++host_ops;
        continue;
      }
      const std::span<const spec::Insn> insns(program_.insns.data() + step.insn_begin, step.insn_end - step.insn_begin);
      const isa::RunStatus status = machine_.run(insns, orders_[segment++], {program_.constants, act_});
      if (status.code != spec::ErrorCode::kOk) {
        throw RuntimeFault("functional model stopped with error status " +
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
    return result;
  }

  const Program& program() const override { return program_; }

 private:
  Program program_;
  std::vector<std::vector<std::uint32_t>> orders_;  // per accelerator segment
  isa::Machine machine_;
  std::vector<std::uint8_t> act_;
};

class FunctionalDevice final : public Device {
 public:
  explicit FunctionalDevice(isa::ArchConfig arch) : arch_(std::move(arch)) {}

  std::unique_ptr<LoadedProgram> load(Program program) override {
    check_fingerprint(program, arch_);
    return std::make_unique<FunctionalProgram>(arch_, std::move(program));
  }
  const isa::ArchConfig& arch() const override { return arch_; }
  Backend backend() const override { return Backend::kFunctional; }

 private:
  isa::ArchConfig arch_;
};

}  // namespace

std::unique_ptr<Device> open_functional(const DeviceOptions& options) {
  return std::make_unique<FunctionalDevice>(isa::load_arch_config(options.arch));
}

}  // namespace systole::runtime
