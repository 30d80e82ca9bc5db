// The compute unit's RTL (hw/rtl/compute_unit.sv under Verilator) against the functional model and the timing
// rules: random gemm and vec instructions, run back to back, leave the accumulator bit for bit as isa::Machine
// does, and each occupies the unit exactly sim::cost(...).occupancy() cycles (docs/timing.md).
#include <Vcompute_bench.h>

#include "compute_programs.hpp"
#include "sim/cycle/timing.hpp"
#include "sim/isa/insn.hpp"
#include "sim/isa/machine.hpp"
#include "systole/arch.hpp"

using namespace systole;
using namespace systole::cosim;

TEST_CASE("compute unit RTL: random gemm and vec programs match the functional model and the timing rules", "[cosim]") {
  std::mt19937 rng(bench_seed("compute unit"));
  const isa::ArchConfig arch = isa::load_arch_config("tiny");
  REQUIRE(arch.rows() == kRows);
  REQUIRE(arch.cols() == kCols);
  REQUIRE(arch.params.memory_banks == 2);
  sim::DramModel no_dram(sim::dram_params(arch));  // gemm and vec never touch DRAM

  constexpr int kPrograms = 60, kInsns = 12;
  int instructions = 0, conflicts = 0;
  for (int prog = 0; prog < kPrograms; ++prog) {
    ComputeMemories mem(rng, arch);
    VerilatedContext context;  // each model its own: a deleted default context would dangle
    Vcompute_bench rtl(&context);
    rtl.insn_valid_i = 0;
    rtl.bd_we_i = 0;
    rtl.bd_re_i = 0;
    reset(rtl);
    mem.write_backdoor(rtl);

    // The program, back to back: each instruction offered from the cycle the previous one is done.
    std::vector<spec::Insn> program;
    for (int i = 0; i < kInsns; ++i) program.push_back(random_insn(rng));
    std::size_t next = 0;
    std::uint64_t cycle = 0, taken_at = 0;
    bool running = false;
    while (next < program.size() || running) {
      rtl.insn_valid_i = next < program.size();
      if (next < program.size()) write_words(rtl.insn_i, insn_words(program[next]));
      settle(rtl);
      if (rtl.insn_valid_i && rtl.insn_ready_o) {
        INFO("instruction " << next << " must be taken when offered to an idle unit");
        CHECK((!running));
        taken_at = cycle;
        running = true;
        ++next;
      }
      if (running && rtl.done_o) {
        const spec::Insn& insn = program[next - 1];
        const sim::InsnCost cost = sim::cost(insn, arch, 0, no_dram);
        INFO("program " << prog << " instruction " << next - 1 << ": " << isa::disassemble(insn));
        CHECK(cycle - taken_at + 1 == cost.occupancy());
        conflicts += cost.bank_stall > 0;
        REQUIRE(mem.machine().execute(insn, mem.dram()) == spec::ErrorCode::kOk);
        ++instructions;
        running = false;
      }
      tick(rtl);
      ++cycle;
      REQUIRE(cycle < 100000);
    }
    rtl.insn_valid_i = 0;
    mem.check_acc(rtl, "program " + std::to_string(prog));
  }
  std::cout << "compute unit: " << instructions << " instructions, " << conflicts << " with bank conflicts\n";
  CHECK(conflicts > 0);  // the random programs exercise the conflict path
}
