// The SystemC model: the same bits as the functional model on every program, and cycle counts worked out by hand
// from the timing rules (docs/timing.md) on micro-programs (tiny: 4x4 array, DRAM latency 64, 16 bytes/cycle). The
// first instruction is dispatched at cycle 0 and starts at 1 (an instruction queue shows an entry the cycle after).
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>

#include "compiler/lower.hpp"
#include "compiler/onnx_import.hpp"
#include "support/text.hpp"
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
  // 4 elements of 4 bytes, one request each at 1..4, one beat each (the same 16-byte word, beats of their own):
  // data 65..68, each row written in the cycle after its beat, 66..69: done at 70.
  CHECK(cycles_of("load mem=inp region=act y_size=4 x_size=1 lanes=4 y_stride=4\n") == 70);
}

TEST_CASE("one gemm after its loads: token wait, weight preload, stream, fill and drain", "[golden]") {
  // inp load 1..70 (as above); wgt load 70..139, pushes the token at 139; the gemm (dispatched at 2, ready from 3)
  // starts at 139 and takes 4 + 1 (weight rows read and shifted in) + 4 (input rows) + 4 + 4 - 1 (fill and drain)
  // = 16: done 155.
  const Program p = assemble_program(R"(.arch tiny
.act_bytes 64
load mem=inp region=act y_size=4 x_size=1 lanes=4 y_stride=4
load push_next mem=wgt region=act y_size=4 x_size=1 lanes=4 y_stride=4
gemm pop_prev outer=1 inner=4 inp_stride_inner=1 acc_stride_inner=1
finish
)",
                                     "gemm.s");
  const RunResult r = run_on("systemc", p);
  CHECK(r.counters.at("cycles") == 155);
  CHECK(r.counters.at("compute.busy_cycles") == 16);
  CHECK(r.counters.at("compute.stall.token_cycles") == 136);  // ready at cycle 3, token at 139
  // Each load writes 4 rows and waits for DRAM the rest of its 69 cycles.
  CHECK(r.counters.at("load.busy_cycles") == 8);
  CHECK(r.counters.at("load.stall.dram_cycles") == 130);
  CHECK(r.counters.at("load.idle_cycles") == 17);
  CHECK(r.counters.at("compute.idle_cycles") == 3);
  CHECK(r.counters.at("inp.write_bytes") == 16);
  CHECK(r.counters.at("inp.read_bytes") == 16);
  CHECK(r.counters.at("wgt.read_bytes") == 16);
  CHECK(r.counters.at("acc.write_bytes") == 64);
  CHECK(r.counters.at("dram.read_bytes") == 32);
}

TEST_CASE("a load overlaps the previous gemm", "[golden]") {
  // Loads back to back: wgt 1..70, A 70..139 (push), B 139..208 (push). Gemm A runs 139..155 while B loads;
  // gemm B 208..224.
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
  CHECK(run_on("systemc", p).counters.at("cycles") == 224);
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

TEST_CASE("a DRAM-bound stream is limited by latency over outstanding requests", "[golden]") {
  // large: 64 bytes/cycle, latency 64, 16 outstanding. 64 int32 rows of 32 lanes: 64 elements of 128 bytes (2 beats
  // each), requested from cycle 1. Elements 0..15 issue at 1..16, data from 65, done 67, 69, ..., 97. Element 16
  // finds 16 in flight and issues when element 0 completes (67), element 17 at 69, ...: each group of 16 waits for
  // the previous one, so groups complete at 67..97, 133..163, 199..229, 265..295; the last row is written at 295.
  const Program p = assemble_program(R"(.arch large
.act_bytes 8192
load mem=acc region=act dtype=int32 y_size=64 x_size=1 lanes=32 y_stride=128
finish
)",
                                     "stream.s");
  const RunResult r = run_on("systemc", p);
  CHECK(r.counters.at("cycles") == 296);
  CHECK(r.counters.at("compute.busy_cycles") == 64);  // acc loads run on the compute unit
  CHECK(r.counters.at("compute.stall.dram_cycles") == 231);
  CHECK(r.counters.at("acc.write_bytes") == 8192);
}

TEST_CASE("a vector op whose two reads hit one bank takes a cycle more per element", "[golden]") {
  // tiny has 2 banks. The acc load (compute unit) starts at 1: 8 elements of 16 bytes, one beat each, data 65..72,
  // rows written 66..73: done at 74. The vec add then reads rows (0, 2), (1, 3), (2, 4), (3, 5): both rows of each
  // pair in one bank, 2 cycles each: 4 elements + 1 (pipeline) + 4 (conflicts) = 9, done at 83. With src 1 the
  // pairs alternate banks: 5, done at 79.
  const std::string load = "load mem=acc region=act dtype=int32 y_size=8 x_size=1 lanes=4 y_stride=16\n";
  const auto run = [&](const std::string& vec) {
    return run_on("systemc", assemble_program(".arch tiny\n.act_bytes 128\n" + load + vec + "finish\n", "bank.s"));
  };
  const RunResult conflict =
      run("vec op=add dst_addr=0 src_addr=2 outer=1 inner=4 dst_stride_inner=1 "
          "src_stride_inner=1\n");
  CHECK(conflict.counters.at("cycles") == 83);
  CHECK(conflict.counters.at("compute.stall.bank_conflict_cycles") == 4);
  CHECK(conflict.counters.at("acc.read_bytes") == 8 * 16);  // two rows of 16 bytes per element
  const RunResult apart =
      run("vec op=add dst_addr=0 src_addr=1 outer=1 inner=4 dst_stride_inner=1 "
          "src_stride_inner=1\n");
  CHECK(apart.counters.at("cycles") == 79);
  CHECK(apart.counters.at("compute.stall.bank_conflict_cycles") == 0);
  // Requant reads its three parameter rows (4, 5, 6) once, with the first destination row 0: rows 0, 4 and 6 share
  // bank 0, so the first element takes 3 cycles; the rest read one row each: 4 + 1 + 2 = 7, done at 81.
  const RunResult requant =
      run("vec op=requant dst_addr=0 src_addr=4 outer=1 inner=4 dst_stride_inner=1 "
          "imm_a=-128 imm_b=127\n");
  CHECK(requant.counters.at("cycles") == 81);
  CHECK(requant.counters.at("compute.stall.bank_conflict_cycles") == 2);
}

TEST_CASE("counters add up: per unit, per layer, per memory", "[golden]") {
  compiler::Graph g = compiler::import_onnx(fs::path(SYSTOLE_SOURCE_DIR) / "models" / "digits" / "digits_cnn_qdq.onnx");
  const compiler::CompileResult c = compiler::compile(g, isa::load_arch_config("tiny"));
  std::vector<double> progress;
  auto device = Device::open(
      "systemc", {.arch = "tiny", .record_queues = true, .progress = [&](double d) { progress.push_back(d); }});
  const RunResult r = device->load(c.program)->run({{"input", Tensor(DType::kFloat32, {1, 1, 8, 8})}});
  const auto& k = r.counters;
  // Every cycle of every unit is busy, stalled for one cause, or idle.
  for (const char* unit : {"load", "compute", "store"}) {
    INFO(unit);
    const std::string u(unit);
    std::uint64_t sum = k.at(u + ".busy_cycles") + k.at(u + ".idle_cycles");
    for (const char* cause : {"token", "queue_full", "dram", "bank_conflict"})
      sum += k.at(u + ".stall." + cause + "_cycles");
    CHECK(sum == k.at("cycles"));
  }
  // The layers partition the instructions: their MACs and DRAM bytes sum to the totals the functional model counts.
  REQUIRE(r.layers.size() == c.program.layers.size());
  std::uint64_t macs = 0, dram_read = 0, dram_write = 0;
  for (const LayerCounters& l : r.layers) {
    INFO(l.name);
    CHECK(l.counters.at("cycles") > 0);
    CHECK(l.counters.at("cycles") <= k.at("cycles"));
    CHECK(l.counters.at("estimate_cycles") > 0);
    macs += l.counters.at("macs");
    dram_read += l.counters.at("dram.read_bytes");
    dram_write += l.counters.at("dram.write_bytes");
  }
  CHECK(macs == k.at("macs"));
  CHECK(dram_read == k.at("dram.read_bytes"));
  CHECK(dram_write == k.at("dram.write_bytes"));
  CHECK(k.at("inp.write_bytes") > 0);
  CHECK(k.at("wgt.read_bytes") > 0);
  const std::string table = layer_table(r, device->arch());
  CHECK_THAT(table, Catch::Contains("c1_Conv"));
  CHECK_THAT(table, Catch::Contains("estimate"));

  // Progress rises to 1.
  REQUIRE(!progress.empty());
  CHECK(std::is_sorted(progress.begin(), progress.end()));
  CHECK(progress.back() == 1.0);

  // Queue occupancy: within the configured depths, in time order in the VCD.
  REQUIRE(!r.queue_samples.empty());
  std::uint32_t max_insn = 0, max_token = 0;
  for (const auto& q : r.queue_samples) {
    CHECK(q.cycle <= k.at("cycles"));
    (q.queue < 3 ? max_insn : max_token) = std::max(q.queue < 3 ? max_insn : max_token, q.value);
  }
  CHECK(max_insn > 0);
  CHECK(max_insn <= static_cast<std::uint32_t>(device->arch().params.queues_insn_depth));
  CHECK(max_token > 0);
  CHECK(max_token <= static_cast<std::uint32_t>(device->arch().params.queues_token_depth));
  const std::string vcd = queue_vcd(r.queue_samples);
  CHECK_THAT(vcd, Catch::Contains("$var integer 32 ! load_queue $end"));
  CHECK_THAT(vcd, Catch::Contains("store_to_compute_tokens"));
  std::uint64_t last = 0;
  std::size_t stamps = 0;
  for (std::size_t pos = vcd.find("\n#"); pos != std::string::npos; pos = vcd.find("\n#", pos + 1), ++stamps) {
    const std::uint64_t t = std::stoull(vcd.substr(pos + 2));
    CHECK((stamps == 0 || t > last));
    last = t;
  }
  CHECK(stamps > 10);
}

TEST_CASE("a full instruction queue takes the next push the cycle after a slot frees", "[golden]") {
  // tiny with one-entry queues; everything runs on the compute unit. The acc load L is pushed at 0 and runs 1..67
  // (one 16-byte element: data at 65, row written at 66). Its slot frees at 1, so V0 is pushed at 2; V1 waits for V0
  // to leave the queue at 67 and is pushed at 68; V0 runs 67..69, V1 69..71 (pushed at 68, ready at 69); V2 is pushed
  // at 70 when V1 leaves, runs 71..73, and finish (dispatched at 71) completes at 73. Dispatch waited 1 + 65 + 1.
  const fs::path dir = fs::temp_directory_path() / "systole_queue_full";
  fs::create_directories(dir);
  const fs::path cfg = dir / "tiny_q1.toml";
  std::ofstream(cfg) << test::replace(test::shipped_arch("tiny"), "insn_depth = 32", "insn_depth = 1");
  const std::string load = "load mem=acc region=act dtype=int32 y_size=1 x_size=1 lanes=4 y_stride=16\n";
  const std::string vec = "vec op=addi dst_addr=0 outer=1 inner=1 imm_a=1\n";
  const Program p =
      assemble_program(".arch " + cfg.string() + "\n.act_bytes 64\n" + load + vec + vec + vec + "finish\n", "queue.s");
  const RunResult r = Device::open("systemc", {.arch = cfg.string()})->load(p)->run({});
  CHECK(r.counters.at("cycles") == 73);
  CHECK(r.counters.at("dispatch.stall.queue_full_cycles") == 67);
  CHECK(r.counters.at("compute.busy_cycles") == 7);
}

TEST_CASE("a store reads a row per cycle and writes each element the cycle after", "[golden]") {
  // tiny. The acc load (compute unit, 2 elements of 16 bytes) runs 1..68 and pushes its token at 68. The store
  // (ready from 2) starts at 68: row 0 read at 68, its 4-byte write requested at 69, one beat at 133, done 134; row
  // 1 read at 69, written from request 70, beat 134, done 135: the store ends at 135 (2 rows, 65 cycles of DRAM).
  // With requant, the three parameter rows are read first (the load brings 5 rows: 1..71, token at 71): parameters
  // 71..73, rows at 74 and 75, beats 139 and 140: done 141.
  const auto run = [](int rows, const std::string& store) {
    return run_on("systemc", assemble_program(".arch tiny\n.act_bytes 128\n"
                                              "load push_next mem=acc region=act dtype=int32 x_size=1 lanes=4 "
                                              "y_stride=16 y_size=" +
                                                  std::to_string(rows) + "\n" + store + "finish\n",
                                              "store.s"));
  };
  const std::string store = "store pop_prev region=act dtype=int8 dram_offset=64 y_size=2 x_size=1 lanes=4 y_stride=4";
  const RunResult plain = run(2, store + "\n");
  CHECK(plain.counters.at("cycles") == 135);
  CHECK(plain.counters.at("store.busy_cycles") == 2);
  CHECK(plain.counters.at("store.stall.dram_cycles") == 65);
  CHECK(plain.counters.at("dram.write_bytes") == 8);
  const RunResult requant = run(5, store + " requant=1 param_addr=2\n");
  CHECK(requant.counters.at("cycles") == 141);
  CHECK(requant.counters.at("store.busy_cycles") == 5);
  CHECK(requant.counters.at("acc.read_bytes") == 5 * 16);
}
