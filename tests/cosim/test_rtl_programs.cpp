// Whole programs on the RTL (the `rtl` backend: the kernel top hw/rtl/systole_top.sv under Verilator, driven through
// its control registers, behind DramModel-timed AXI ports) against the functional model (outputs bit for bit) and the
// SystemC model (every instruction's start and end cycle, and the total): every shipped model compiled for tiny,
// tiny_os (tiny with an output-stationary array) and default, and random compiled layers (convolutions with random
// shapes, strides, paddings, dilations and groups; gemm; add; pools), whose programs use every unit, token queue and
// DMA path. One CSV row per program in build/cosim/<suite>.csv.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "compiler/lower.hpp"
#include "compiler/onnx_import.hpp"
#include "hw/verif/rtl_top.hpp"
#include "sim/cycle/accelerator.hpp"
#include "support/random_layers.hpp"
#include "systole/program_text.hpp"
#include "systole/runtime.hpp"

using namespace systole;
namespace fs = std::filesystem;

namespace {

class CycleCsv {
 public:
  explicit CycleCsv(const std::string& suite) {
    const fs::path dir = fs::path(SYSTOLE_BINARY_DIR) / "cosim";
    fs::create_directories(dir);
    path_ = dir / (suite + ".csv");
    out_.open(path_);
    out_ << "program,instructions,systemc_cycles,rtl_cycles,difference,first_diverging_pc\n";
  }
  void row(const std::string& program, std::size_t insns, std::uint64_t sc, std::uint64_t rtl, long first) {
    out_ << '"' << program << "\"," << insns << ',' << sc << ',' << rtl << ','
         << static_cast<long long>(rtl) - static_cast<long long>(sc) << ',' << first << '\n';
    differing_ += first >= 0 || sc != rtl;
    ++programs_;
  }
  ~CycleCsv() {
    std::cout << programs_ << " programs, " << differing_ << " with a cycle difference (" << path_.string() << ")\n";
  }

 private:
  fs::path path_;
  std::ofstream out_;
  int programs_ = 0, differing_ = 0;
};

// Runs `p` on the three levels; checks outputs and cycles; adds a CSV row.
void agree(const Program& p, const std::map<std::string, Tensor>& inputs, const std::string& name, CycleCsv& csv) {
  const RunResult fn = Device::open("functional", {.arch = p.arch_name})->load(p)->run(inputs);
  const RunResult sc = Device::open("systemc", {.arch = p.arch_name})->load(p)->run(inputs);
  const RunResult rtl = Device::open("rtl", {.arch = p.arch_name})->load(p)->run(inputs);
  INFO(name);
  for (const auto& [out, t] : fn.outputs) {
    INFO("output " << out);
    CHECK(rtl.outputs.at(out).data == t.data);
  }
  REQUIRE(rtl.timeline.size() == sc.timeline.size());
  long first = -1;
  for (std::size_t i = 0; i < sc.timeline.size() && first < 0; ++i) {
    if (rtl.timeline[i].start != sc.timeline[i].start || rtl.timeline[i].end != sc.timeline[i].end) {
      first = static_cast<long>(sc.timeline[i].pc);
    }
  }
  csv.row(name, p.insns.size(), sc.counters.at("cycles"), rtl.counters.at("cycles"), first);
  INFO("first diverging instruction " << first);
  CHECK(first == -1);
  CHECK(rtl.counters.at("cycles") == sc.counters.at("cycles"));
}

void random_layers(int count, const std::string& suite, const char* arch_name = "tiny") {
  const auto seed = std::random_device{}() | 1u;
  std::cout << suite << ": seed " << seed << "\n";
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  const isa::ArchConfig arch = isa::load_arch_config(arch_name);
  CycleCsv csv(suite);
  for (int i = 0; i < count; ++i) {
    const auto make = std::array{test::random_conv, test::random_gemm, test::random_pools}[i % 3];
    test::RandomLayer l = make(rng);
    const Program p = compiler::compile(l.g, arch).program;
    agree(p, l.inputs, l.what, csv);
  }
}

}  // namespace

TEST_CASE("every shipped model compiled for tiny, tiny_os and default runs on the RTL bit-exact and cycle-exact",
          "[cosim]") {
  const fs::path models = fs::path(SYSTOLE_SOURCE_DIR) / "models" / "digits";
  const Tensor x = read_npy(models / "digits_test_x.npy");
  CycleCsv csv("shipped_models_cycles");
  int ran = 0;
  for (const char* arch : {"tiny", "tiny_os", "default"}) {
    for (const auto& e : fs::directory_iterator(models)) {
      if (e.path().extension() != ".onnx") continue;
      compiler::Graph g = compiler::import_onnx(e.path());
      const Program p = compiler::compile(g, isa::load_arch_config(arch)).program;
      const TensorDesc& in = *std::find_if(p.tensors.begin(), p.tensors.end(),
                                           [](const TensorDesc& t) { return t.kind == TensorKind::kInput; });
      Tensor batch(DType::kFloat32, in.shape);
      std::copy(x.data.begin(), x.data.begin() + static_cast<std::ptrdiff_t>(batch.data.size()), batch.data.begin());
      agree(p, {{in.name, batch}}, std::string(arch) + " " + e.path().filename().string(), csv);
      ++ran;
    }
  }
  CHECK(ran == 24);
}

TEST_CASE("random compiled layers run on the RTL bit-exact and cycle-exact", "[cosim]") {
  random_layers(200, "random_layers_cycles");
}

TEST_CASE("random compiled layers run on the RTL with an output-stationary array bit-exact and cycle-exact",
          "[cosim]") {
  random_layers(100, "random_layers_os_cycles", "tiny_os");
}

TEST_CASE("random compiled layers on the RTL: the long suite", "[.][cosim_long]") {
  random_layers(2000, "random_layers_cycles_long");
  random_layers(1000, "random_layers_os_cycles_long", "tiny_os");
  random_layers(500, "random_layers_default_cycles_long", "default");
}

TEST_CASE("the rtl backend writes an FST waveform on request, and refuses a path it cannot write", "[cosim]") {
  compiler::Graph g = compiler::import_onnx(fs::path(SYSTOLE_SOURCE_DIR) / "models" / "digits" / "digits_mlp_qop.onnx");
  const Program p = compiler::compile(g, isa::load_arch_config("tiny")).program;
  const fs::path wave = fs::temp_directory_path() / "systole_cosim_wave.fst";
  fs::remove(wave);
  const RunResult r = Device::open("rtl", {.arch = "tiny", .wave = wave.string()})
                          ->load(p)
                          ->run({{"input", Tensor(DType::kFloat32, {1, 64})}});
  CHECK(r.counters.at("cycles") > 0);
  // An FST file starts with its header block (block type 0, FST_BL_HDR) and holds every signal of every cycle:
  // far more than the few bytes of an empty one.
  std::ifstream in(wave, std::ios::binary);
  REQUIRE(in);
  CHECK(in.get() == 0);
  CHECK(fs::file_size(wave) > 100'000);
  CHECK_THROWS_WITH(Device::open("rtl", {.arch = "tiny", .wave = "/nonexistent/dir/w.fst"})->load(p),
                    Catch::Contains("--wave /nonexistent/dir/w.fst: cannot write"));
}

TEST_CASE("a DMA error reaches the host through the status and error_pc registers, as in the SystemC model",
          "[cosim]") {
  // Programs the runtime verifies never go out of bounds, so this one goes to the RTL top directly: the second load
  // walks past the 64-byte act region. The error is latched with its instruction's index; the run still finishes.
  const isa::ArchConfig arch = isa::load_arch_config("tiny");
  Program p = assemble_program(R"(.arch tiny
.act_bytes 64
load mem=inp region=act y_size=4 x_size=1 lanes=4 y_stride=4
load mem=inp region=act sram_addr=4 y_size=4 x_size=1 lanes=4 y_stride=4
load mem=inp region=act sram_addr=8 y_size=2 x_size=1 lanes=4 y_stride=4
finish
)",
                               Catch::getResultCapture().getCurrentTestName());
  spec::LoadFields bad = spec::decode_load(p.insns[1]);  // the assembler verifies: break it afterwards
  bad.y_stride = 32;
  p.insns[1] = spec::encode(bad);
  std::vector<std::uint8_t> act_rtl(64, 7), act_sc(64, 7);
  const std::vector<std::uint8_t> constants(16, 0);
  verif::RtlTop top(arch);
  sim::DramPorts rtl_ports = sim::dram_ports(arch), sc_ports = sim::dram_ports(arch);
  const verif::RtlRun hw = top.run(p.insns, {constants, act_rtl}, rtl_ports, {});
  isa::Machine machine(arch);
  const sim::SegmentTiming sc = sim::accelerator().run(arch, p.insns, machine, {constants, act_sc}, sc_ports);
  CHECK(hw.error == spec::ErrorCode::kDmaOutOfBounds);
  CHECK(hw.error_pc == 1);
  CHECK(sc.error == hw.error);
  CHECK(sc.error_pc == hw.error_pc);
  CHECK(hw.cycles == sc.cycles);
  CHECK(top.fingerprint() == arch.fingerprint());
  // The next run starts with a clean status.
  const Program ok = assemble_program(
      ".arch tiny\n.act_bytes 64\nload mem=inp region=act y_size=1 x_size=1 lanes=4\n"
      "finish\n",
      "ok.s");
  CHECK(top.run(ok.insns, {constants, act_rtl}, rtl_ports, {}).error == spec::ErrorCode::kOk);
  // A store aimed at the const region.
  Program st = assemble_program(
      ".arch tiny\n.act_bytes 64\nload push_next mem=acc region=act dtype=int32 y_size=1 "
      "x_size=1 lanes=4\nstore pop_prev region=act dtype=int8 y_size=1 x_size=1 lanes=4 "
      "dram_offset=32\nfinish\n",
      "st.s");
  spec::StoreFields to_const = spec::decode_store(st.insns[1]);
  to_const.region = spec::Region::kConst;
  st.insns[1] = spec::encode(to_const);
  const verif::RtlRun hw_st = top.run(st.insns, {constants, act_rtl}, rtl_ports, {});
  const sim::SegmentTiming sc_st = sim::accelerator().run(arch, st.insns, machine, {constants, act_sc}, sc_ports);
  CHECK(hw_st.error == spec::ErrorCode::kStoreToConst);
  CHECK(hw_st.error_pc == 1);
  CHECK(sc_st.error == hw_st.error);
  CHECK(hw_st.cycles == sc_st.cycles);
  CHECK(act_rtl == act_sc);
}

TEST_CASE("a segment past its cycle limit stops the RTL run, naming where dispatch and each unit are", "[cosim]") {
  const isa::ArchConfig arch = isa::load_arch_config("tiny");
  const Program p = assemble_program(
      ".arch tiny\n.act_bytes 64\nload mem=inp region=act y_size=4 x_size=1 lanes=4 y_stride=4\n"
      "load mem=inp region=act sram_addr=4 y_size=4 x_size=1 lanes=4 y_stride=4\nfinish\n",
      "limit.s");
  std::vector<std::uint8_t> act(64, 1);
  const std::vector<std::uint8_t> constants(16, 0);
  sim::DramPorts ports = sim::dram_ports(arch);
  // Several harnesses alive at once, destroyed in any order (each restores its own Verilator context).
  auto top = std::make_unique<verif::RtlTop>(arch);
  auto again = std::make_unique<verif::RtlTop>(arch);
  CHECK_THROWS_WITH(top->run(p.insns, {constants, act}, ports, {.max_cycles = 8, .first_pc = 100}),
                    Catch::Contains("ap_done not set after 8 polls") && Catch::Contains("dispatch at instruction 10") &&
                        Catch::Contains("load unit"));
  // The same program finishes within a limit of its own cycles.
  CHECK(again->run(p.insns, {constants, act}, ports, {}).error == spec::ErrorCode::kOk);
  top.reset();
  verif::RtlTop third(arch);
  again.reset();
  CHECK(third.run(p.insns, {constants, act}, ports, {}).error == spec::ErrorCode::kOk);
}
