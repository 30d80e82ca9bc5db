// Dispatch, the compute unit's queue and sequencer and the compute unit (hw/verif/compute_core_bench.sv) against
// the SystemC model (sim/cycle) on random programs of gemm, vec and sync: every instruction starts and ends in the
// same cycle on both levels, the segments take the same number of cycles, and the accumulator ends bit for bit as
// the functional model leaves it. A difference names the first diverging instruction.
#include <Vcompute_core_bench.h>
#include <Vcompute_core_bench_os.h>

#include <filesystem>
#include <fstream>

#include "compute_programs.hpp"
#include "sim/cycle/accelerator.hpp"
#include "sim/isa/insn.hpp"
#include "systole/arch.hpp"

using namespace systole;
using namespace systole::cosim;

namespace {

struct Timeline {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> spans;  // per compute instruction: start, end
  std::uint64_t cycles = 0;
};

// Runs `program` (ending in finish) on the RTL bench, the instruction stream always valid (an ideal fetch).
template <class Model>
Timeline run_rtl(Model& rtl, const std::vector<spec::Insn>& program) {
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

// `count` random programs on both levels, the bench `Model` built with arch config `config`'s array; one CSV row per
// program (build/cosim/<csv>.csv: SystemC and RTL cycles, their difference and the first instruction whose start or
// end differs, -1 when none).
template <class Model>
void agree_on_random_programs(const char* config, int count, const std::string& csv) {
  const unsigned seed = bench_seed(std::string("compute core ") + config);
  std::mt19937 rng(seed);
  isa::ArchConfig arch = isa::load_arch_config(config);
  arch.params.queues_insn_depth = 2;  // compute_core_bench's InsnDepth: short queues make dispatch stall often
  sim::DramPorts dram_ports = sim::dram_ports(arch);
  const std::filesystem::path dir = std::filesystem::path(SYSTOLE_BINARY_DIR) / "cosim";
  std::filesystem::create_directories(dir);
  std::ofstream out(dir / (csv + ".csv"));
  out << "seed,program,instructions,systemc_cycles,rtl_cycles,difference,first_diverging_pc\n";

  std::uint64_t instructions = 0, total_cycles = 0;
  int differing = 0;
  for (int prog = 0; prog < count; ++prog) {
    std::vector<spec::Insn> program;
    const int n = std::uniform_int_distribution<int>(1, 16)(rng);
    for (int i = 0; i < n; ++i) {
      program.push_back(chance(rng, 0.15) ? spec::encode(spec::SyncFields{}) : random_insn(rng));
    }
    program.push_back(spec::encode(spec::FinishFields{}));

    ComputeMemories mem(rng, arch);
    VerilatedContext context;  // each model its own: a deleted default context would dangle
    Model rtl(&context);
    rtl.insn_valid_i = 0;
    rtl.bd_we_i = 0;
    rtl.bd_re_i = 0;
    reset(rtl);
    mem.write_backdoor(rtl);  // the same initial memories on both levels
    sim::RunHooks given;      // the bench feeds dispatch the stream directly (no fetch)
    given.given_stream = true;
    const sim::SegmentTiming sc = sim::accelerator().run(arch, program, mem.machine(), mem.dram(), dram_ports, given);
    const Timeline hw = run_rtl(rtl, program);

    long first = -1;
    std::size_t k = 0;
    for (std::uint32_t pc = 0; pc < program.size() && first < 0; ++pc) {
      if (isa::unit_of(program[pc]) != isa::Unit::kCompute) continue;
      if (k >= hw.spans.size() || hw.spans[k].first != sc.insns[pc].start || hw.spans[k].second != sc.insns[pc].end) {
        first = pc;
      }
      ++k;
    }
    out << seed << ',' << prog << ',' << program.size() << ',' << sc.cycles << ',' << hw.cycles << ','
        << static_cast<long long>(hw.cycles) - static_cast<long long>(sc.cycles) << ',' << first << '\n';
    {
      INFO("program " << prog << ": first diverging instruction " << first << ": "
                      << (first < 0 ? "-" : isa::disassemble(program[static_cast<std::size_t>(first)])));
      CHECK(first == -1);
      CHECK(hw.cycles == sc.cycles);
    }
    differing += first >= 0 || hw.cycles != sc.cycles;
    mem.check_acc(rtl, "program " + std::to_string(prog));
    instructions += program.size();
    total_cycles += sc.cycles;
  }
  std::cout << "compute core " << config << ": " << count << " programs, " << instructions << " instructions, "
            << total_cycles << " cycles, " << differing << " with a cycle difference ("
            << (dir / (csv + ".csv")).string() << ")\n";
}

}  // namespace

TEST_CASE("compute core RTL and the SystemC model agree cycle for cycle on random programs", "[cosim]") {
  agree_on_random_programs<Vcompute_core_bench>("tiny", 200, "compute_core_cycles");
}

TEST_CASE("compute core RTL with an output-stationary array agrees with the SystemC model on random programs",
          "[cosim]") {
  agree_on_random_programs<Vcompute_core_bench_os>("tiny_os", 200, "compute_core_os_cycles");
}

// The long suite (ctest --preset long): thousands of programs.
TEST_CASE("compute core RTL and the SystemC model agree on thousands of random programs", "[.][cosim_long]") {
  agree_on_random_programs<Vcompute_core_bench>("tiny", 20000, "compute_core_cycles_long");
  agree_on_random_programs<Vcompute_core_bench_os>("tiny_os", 5000, "compute_core_os_cycles_long");
}
