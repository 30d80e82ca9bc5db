// The `rtl` engine: the Verilated kernel (rtl_top.hpp), driven through its control registers by the host's register
// sequence (hw/driver), reports cycles and every instruction's span from the design's probe. Linked into a program
// (as the systole_rtl_engine object library), it registers itself with the runtime: the runtime does not depend on
// hw/verif.
#include "hw/verif/rtl_top.hpp"
#include "runtime/engine.hpp"

namespace systole::verif {
namespace {

class RtlEngine final : public runtime::Engine {
 public:
  RtlEngine(const isa::ArchConfig& arch, const DeviceOptions& options)
      : top_(arch, options.wave), ports_(sim::dram_ports(arch)) {}

  runtime::SegmentRun run(std::span<const spec::Insn> insns, isa::DramImage dram,
                          const runtime::SegmentContext& context) override {
    const RtlRun r = top_.run(insns, dram, ports_, {context.max_cycles, context.first_pc});
    runtime::SegmentRun out;
    out.status = {r.error, r.error_pc};
    sim::SegmentTiming& t = out.timing.emplace();
    t.cycles = r.cycles;
    t.insns.resize(insns.size());
    for (std::size_t i = 0; i < insns.size(); ++i) {
      t.insns[i].start = r.spans[i].first;
      t.insns[i].end = r.spans[i].second;
    }
    return out;
  }

 private:
  RtlTop top_;
  sim::DramPorts ports_;
};

const bool registered = [] {
  runtime::register_engine(Backend::kRtl, [](const isa::ArchConfig& arch, const DeviceOptions& options) {
    return std::make_unique<RtlEngine>(arch, options);
  });
  return true;
}();

}  // namespace
}  // namespace systole::verif
