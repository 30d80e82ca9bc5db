// Dispatch, the compute unit's queue and sequencer and the compute unit (hw/verif/compute_core_bench.sv) against
// the SystemC model (sim/cycle) on random programs of gemm, vec and sync: every instruction starts and ends in the
// same cycle on both levels, the segments take the same number of cycles, and the accumulator ends bit for bit as
// the functional model leaves it. A difference names the first diverging instruction.
#include <Vcompute_core_bench.h>

#include "compute_programs.hpp"
#include "sim/cycle/accelerator.hpp"
#include "sim/isa/arch.hpp"
#include "sim/isa/insn.hpp"

using namespace systole;
using namespace systole::cosim;

namespace {

struct Timeline {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> spans;  // per compute instruction: start, end
  std::uint64_t cycles = 0;
};

// Runs `program` (ending in finish) on the RTL bench, the instruction stream always valid (an ideal fetch).
Timeline run_rtl(Vcompute_core_bench& rtl, const std::vector<spec::Insn>& program) {
  Timeline t;
  std::size_t next = 0, ended = 0;
  for (std::uint64_t cycle = 0;; ++cycle) {
    REQUIRE(cycle < 200000);
    rtl.insn_valid_i = next < program.size();
    if (next < program.size()) write_words(rtl.insn_i, insn_words(program[next]));
    settle(rtl);
    if (rtl.started_o) t.spans.push_back({cycle, 0});
    if (rtl.ended_o) {
      REQUIRE(ended < t.spans.size());
      t.spans[ended++].second = cycle;
    }
    if (rtl.finish_o) {
      t.cycles = cycle;
      tick(rtl);
      rtl.insn_valid_i = 0;
      return t;
    }
    if (rtl.insn_valid_i && rtl.insn_ready_o) ++next;
    tick(rtl);
  }
}

}  // namespace

TEST_CASE("compute core RTL and the SystemC model agree cycle for cycle on random programs", "[cosim]") {
  std::mt19937 rng(bench_seed("compute core"));
  isa::ArchConfig arch = isa::load_arch_config("tiny");
  arch.params.queues_insn_depth = 2;  // compute_core_bench's InsnDepth: short queues make dispatch stall often
  sim::DramModel dram_timing(sim::dram_params(arch));

  constexpr int kPrograms = 40;
  std::uint64_t instructions = 0, total_cycles = 0;
  for (int prog = 0; prog < kPrograms; ++prog) {
    std::vector<spec::Insn> program;
    const int n = std::uniform_int_distribution<int>(1, 16)(rng);
    for (int i = 0; i < n; ++i) {
      program.push_back(chance(rng, 0.15) ? spec::encode(spec::SyncFields{}) : random_insn(rng));
    }
    program.push_back(spec::encode(spec::FinishFields{}));

    ComputeMemories sc_mem(rng, arch);
    const sim::SegmentTiming sc = sim::accelerator().run(arch, program, sc_mem.machine(), sc_mem.dram(), dram_timing);

    Vcompute_core_bench rtl;
    rtl.insn_valid_i = 0;
    rtl.bd_we_i = 0;
    rtl.bd_re_i = 0;
    reset(rtl);
    sc_mem.write_backdoor(rtl);  // the same initial memories (the RTL bench starts from them)
    const Timeline hw = run_rtl(rtl, program);

    std::vector<std::uint32_t> compute_pcs;
    for (std::uint32_t pc = 0; pc < program.size(); ++pc) {
      if (isa::unit_of(program[pc]) == isa::Unit::kCompute) compute_pcs.push_back(pc);
    }
    REQUIRE(hw.spans.size() == compute_pcs.size());
    for (std::size_t k = 0; k < compute_pcs.size(); ++k) {
      const std::uint32_t pc = compute_pcs[k];
      INFO("program " << prog << ": first diverging instruction " << pc << ": " << isa::disassemble(program[pc]));
      REQUIRE(hw.spans[k].first == sc.insns[pc].start);
      REQUIRE(hw.spans[k].second == sc.insns[pc].end);
    }
    INFO("program " << prog);
    CHECK(hw.cycles == sc.cycles);
    sc_mem.check_acc(rtl, "program " + std::to_string(prog));
    instructions += program.size();
    total_cycles += sc.cycles;
  }
  std::cout << "compute core: " << kPrograms << " programs, " << instructions << " instructions, " << total_cycles
            << " cycles, 0 cycle differences\n";
}
