// The `functional` engine: the golden model (sim/isa/machine.hpp) runs a segment in the verifier's order, with no
// time; it counts instructions, MACs and DRAM bytes.
#include "runtime/engine.hpp"

namespace systole::runtime {
namespace {

class FunctionalEngine final : public Engine {
 public:
  explicit FunctionalEngine(const isa::ArchConfig& arch) : machine_(arch) {}

  SegmentRun run(std::span<const spec::Insn> insns, isa::DramImage dram, const SegmentContext& context) override {
    SegmentRun r;
    r.status = machine_.run(insns, context.order, dram);
    r.counts = machine_.counters();
    return r;
  }

 private:
  isa::Machine machine_;
};

}  // namespace

std::unique_ptr<Engine> make_functional_engine(const isa::ArchConfig& arch, const DeviceOptions&) {
  return std::make_unique<FunctionalEngine>(arch);
}

}  // namespace systole::runtime
