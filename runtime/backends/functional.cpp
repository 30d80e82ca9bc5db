#include "runtime/backends/functional.hpp"

#include "runtime/host_io.hpp"
#include "sim/isa/machine.hpp"
#include "sim/isa/verify.hpp"

namespace systole::runtime {
namespace {

class FunctionalProgram final : public LoadedProgram {
 public:
  FunctionalProgram(const isa::ArchConfig& arch, Program program)
      : program_(std::move(program)),
        order_(isa::verify_program(program_.insns, arch, {program_.constants.size(), program_.act_bytes})),
        machine_(arch) {}

  RunResult run(const std::map<std::string, Tensor>& inputs) override {
    // The act region is reused across runs and zeroed each time: bytes no input or store covers read as zero.
    act_.assign(program_.act_bytes, 0);
    bind_inputs(program_, inputs, act_);
    const isa::RunStatus status = machine_.run(program_.insns, order_, {program_.constants, act_});
    if (status.code != spec::ErrorCode::kOk) {
      throw RuntimeFault("functional model stopped with error status " +
                         std::to_string(static_cast<unsigned>(status.code)) + " at instruction " +
                         std::to_string(status.pc));
    }
    RunResult result;
    result.outputs = read_outputs(program_, act_);
    const isa::Counters& c = machine_.counters();
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
  std::vector<std::uint32_t> order_;
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
