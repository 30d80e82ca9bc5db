// The SystemC model: the same bits as the functional model on every program, and cycle counts worked out by hand
// from the timing rules (docs/timing.md) on micro-programs (tiny: 4x4 array, DRAM latency 64, 16 bytes/cycle).
#include <catch2/catch.hpp>
#include <filesystem>
#include <set>

#include "compiler/lower.hpp"
#include "compiler/onnx_import.hpp"
#include "systole/program_text.hpp"
#include "systole/runtime.hpp"

using namespace systole;
namespace fs = std::filesystem;

namespace {

RunResult run_on(const char* backend, const Program& p, const std::map<std::string, Tensor>& inputs = {}) {
  return Device::open(backend, {.arch = p.arch_name})->load(p)->run(inputs);
}

std::uint64_t cycles_of(const std::string& body) {
  const Program p = assemble_program(".arch tiny\n.act_bytes 64\n" + body + "finish\n", "micro.s");
  return run_on("systemc", p).counters.at("cycles");
}

}  // namespace

TEST_CASE("one load: DRAM latency plus one beat", "[golden]") {
  // 16 contiguous bytes: one burst issued at 0, data at 64, done at 65; 4 on-chip rows take less.
  CHECK(cycles_of("load mem=inp region=act y_size=4 x_size=1 lanes=4 y_stride=4\n") == 65);
}

TEST_CASE("one gemm after its loads: token wait, weight preload, stream, fill and drain", "[golden]") {
  // inp load 0..65; wgt load issues at 65, its data waits for latency: done 130, pushes the token; the gemm
  // starts at 130 and takes 4 (weight rows) + 4 (input rows) + 4 + 4 - 1 (fill and drain) = 15: done 145.
  const Program p = assemble_program(R"(.arch tiny
.act_bytes 64
load mem=inp region=act y_size=4 x_size=1 lanes=4 y_stride=4
load push_next mem=wgt region=act y_size=4 x_size=1 lanes=4 y_stride=4
gemm pop_prev outer=1 inner=4 inp_stride_inner=1 acc_stride_inner=1
finish
)",
                                     "gemm.s");
  const RunResult r = run_on("systemc", p);
  CHECK(r.counters.at("cycles") == 145);
  CHECK(r.counters.at("compute.busy_cycles") == 15);
  CHECK(r.counters.at("compute.token_stall_cycles") == 128);  // dispatched at cycle 2, token at 130
  CHECK(r.counters.at("load.busy_cycles") == 130);
}

TEST_CASE("a load overlaps the previous gemm", "[golden]") {
  // Loads back to back: wgt 0..65, A 65..130 (push), B 130..195 (push). Gemm A runs 130..145 while B loads;
  // gemm B 195..210.
  const Program p = assemble_program(R"(.arch tiny
.act_bytes 64
load mem=wgt region=act y_size=4 x_size=1 lanes=4 y_stride=4
load push_next mem=inp region=act sram_addr=0 y_size=4 x_size=1 lanes=4 y_stride=4
load push_next mem=inp region=act sram_addr=4 dram_offset=16 y_size=4 x_size=1 lanes=4 y_stride=4
gemm pop_prev outer=1 inner=4 inp_addr=0 inp_stride_inner=1 acc_stride_inner=1
gemm pop_prev outer=1 inner=4 inp_addr=4 acc_addr=4 inp_stride_inner=1 acc_stride_inner=1
finish
)",
                                     "overlap.s");
  CHECK(run_on("systemc", p).counters.at("cycles") == 210);
}

TEST_CASE("the SystemC model gives the functional model's bits", "[golden]") {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(fs::path(SYSTOLE_TEST_DATA) / "golden" / "programs")) {
    if (e.path().extension() == ".s" && e.path().stem() != "host_steps") files.push_back(e.path());
  }
  for (const auto& f : files) {
    INFO(f.filename().string());
    const Program p = assemble_program_file(f);
    std::map<std::string, Tensor> inputs;
    for (const auto& t : p.tensors) {
      if (t.kind != TensorKind::kInput) continue;
      Tensor x(t.dtype, t.shape);
      for (std::size_t i = 0; i < x.data.size(); ++i) x.data[i] = static_cast<std::uint8_t>(i * 29 + 3);
      inputs.emplace(t.name, std::move(x));
    }
    const RunResult a = run_on("functional", p, inputs), b = run_on("systemc", p, inputs);
    for (const auto& [name, t] : a.outputs) CHECK(b.outputs.at(name).data == t.data);
    CHECK(b.counters.at("macs") == a.counters.at("macs"));
    CHECK(b.counters.at("cycles") > 0);
  }
  // A compiled network, every config: the digits CNN on eight images.
  const Tensor x = read_npy(fs::path(SYSTOLE_SOURCE_DIR) / "models" / "digits" / "digits_test_x.npy");
  for (const char* arch : {"tiny", "default", "large"}) {
    compiler::Graph g =
        compiler::import_onnx(fs::path(SYSTOLE_SOURCE_DIR) / "models" / "digits" / "digits_cnn_qdq_b8.onnx");
    const Program p = compiler::compile(g, isa::load_arch_config(arch)).program;
    Tensor batch(DType::kFloat32, {8, 1, 8, 8});
    std::copy(x.data.begin(), x.data.begin() + static_cast<std::ptrdiff_t>(batch.data.size()), batch.data.begin());
    const RunResult a = run_on("functional", p, {{"input", batch}}), b = run_on("systemc", p, {{"input", batch}});
    INFO(arch);
    CHECK(b.outputs.at("logits").data == a.outputs.at("logits").data);
    CHECK(b.counters.at("cycles") > 0);
  }
}

TEST_CASE("the timeline has one slice per instruction, named after its layer, on its unit's track", "[golden]") {
  compiler::Graph g = compiler::import_onnx(fs::path(SYSTOLE_SOURCE_DIR) / "models" / "digits" / "digits_cnn_qdq.onnx");
  const compiler::CompileResult c = compiler::compile(g, isa::load_arch_config("default"));
  const RunResult r = run_on("systemc", c.program, {{"input", Tensor(DType::kFloat32, {1, 1, 8, 8})}});
  REQUIRE(r.timeline.size() == c.program.insns.size());
  std::set<std::string> units, names;
  for (const auto& s : r.timeline) {
    units.insert(s.unit);
    names.insert(s.name);
    CHECK(s.end >= s.start);
    CHECK(s.end <= r.counters.at("cycles"));
  }
  CHECK(units == std::set<std::string>{"dispatch", "load", "compute", "store"});
  CHECK(names.count("c1_Conv") == 1);
  CHECK(names.count("fc_Gemm") == 1);
  const std::string json = chrome_trace(r.timeline, 250.0);
  CHECK(json.find("\"traceEvents\"") != std::string::npos);
  CHECK(json.find("\"thread_name\"") != std::string::npos);
  CHECK(run_on("functional", c.program, {{"input", Tensor(DType::kFloat32, {1, 1, 8, 8})}}).timeline.empty());
}

TEST_CASE("a DRAM-bound stream takes latency plus bytes over bandwidth", "[golden]") {
  // large: 64 bytes/cycle, bursts of 512, latency 64. 64 int32 rows of 32 lanes = 8192 contiguous bytes = 16 bursts
  // of 8 beats: the first done at 64 + 8 = 72, the rest back to back on the bus: 72 + 15 * 8 = 192 > 64 rows.
  const Program p = assemble_program(R"(.arch large
.act_bytes 8192
load mem=acc region=act dtype=int32 y_size=64 x_size=1 lanes=32 y_stride=128
finish
)",
                                     "stream.s");
  const RunResult r = run_on("systemc", p);
  CHECK(r.counters.at("cycles") == 192);
  CHECK(r.counters.at("compute.busy_cycles") == 192);
}
