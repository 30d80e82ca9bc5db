// The SystemC model: the same bits as the functional model on every program, and cycle counts worked out by hand
// from the timing rules (docs/timing.md) on micro-programs (tiny: 4x4 array, DRAM latency 64, 16 bytes/cycle).
// Instruction fetch reads a micro-program (up to 16 instructions) in one burst requested at cycle 0: beats 64, 65, ...,
// two per instruction, so instruction i can be dispatched from cycle 66 + 2i; the first starts at 67 (an instruction
// queue shows an entry the cycle after).
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
  // 4 elements of 4 bytes, one request each at 67..70 (the load unit's own port), one beat each (the same 16-byte
  // word, beats of their own): data 131..134, each row written in the cycle after its beat, 132..135: done at 136.
  CHECK(cycles_of("load mem=inp region=act y_size=4 x_size=1 lanes=4 y_stride=4\n") == 136);
}

TEST_CASE("one gemm after its loads: token wait, weight preload, stream, fill and drain", "[golden]") {
  // inp load 67..136 (as above); wgt load 136..205, pushes the token at 205; the gemm (dispatched at 70, ready from
  // 71) starts at 205 and takes 4 + 1 (weight rows read and shifted in) + 4 (input rows) + 4 + 4 - 1 (fill and
  // drain) = 16: done 221.
  const Program p = assemble_program(R"(.arch tiny
.act_bytes 64
load mem=inp region=act y_size=4 x_size=1 lanes=4 y_stride=4
load push_next mem=wgt region=act y_size=4 x_size=1 lanes=4 y_stride=4
gemm pop_prev outer=1 inner=4 inp_stride_inner=1 acc_stride_inner=1
finish
)",
                                     "gemm.s");
  const RunResult r = run_on("systemc", p);
  CHECK(r.counters.at("cycles") == 221);
  CHECK(r.counters.at("compute.busy_cycles") == 16);
  CHECK(r.counters.at("compute.stall.token_cycles") == 134);  // ready at cycle 71, token at 205
  // Each load writes 4 rows and waits for DRAM the rest of its 69 cycles.
  CHECK(r.counters.at("load.busy_cycles") == 8);
  CHECK(r.counters.at("load.stall.dram_cycles") == 130);
  CHECK(r.counters.at("load.idle_cycles") == 83);
  CHECK(r.counters.at("compute.idle_cycles") == 71);
  CHECK(r.counters.at("inp.write_bytes") == 16);
  CHECK(r.counters.at("inp.read_bytes") == 16);
  CHECK(r.counters.at("wgt.read_bytes") == 16);
  CHECK(r.counters.at("acc.write_bytes") == 64);
  CHECK(r.counters.at("dram.read_bytes") == 32);
}

TEST_CASE("an output-stationary gemm: addresses a block ahead, weights per block, accumulate and drain", "[golden]") {
  // As above on tiny_os (tiny with an output-stationary array): the gemm starts at 205 and takes 4 + 1 (the first
  // block's input addresses, then one cycle of buffer latency) + 6 (input rows) + 2 * 4 + 4 (accumulate, drain,
  // de-skew) = 23: done 228. Six rows are two blocks of four, so the weight tile is read twice.
  const Program p = assemble_program(R"(.arch tiny_os
.act_bytes 64
load mem=inp region=act y_size=4 x_size=1 lanes=4 y_stride=4
load push_next mem=wgt region=act y_size=4 x_size=1 lanes=4 y_stride=4
gemm pop_prev outer=2 inner=3 inp_stride_outer=1 inp_stride_inner=1 acc_stride_outer=3 acc_stride_inner=1
finish
)",
                                     "gemm_os.s");
  const RunResult r = run_on("systemc", p);
  CHECK(r.counters.at("cycles") == 228);
  CHECK(r.counters.at("compute.busy_cycles") == 23);
  CHECK(r.counters.at("inp.read_bytes") == 6 * 4);
  CHECK(r.counters.at("wgt.read_bytes") == 2 * 16);
  CHECK(r.counters.at("acc.write_bytes") == 6 * 16);
}

TEST_CASE("a load overlaps the previous gemm", "[golden]") {
  // Loads back to back: wgt 67..136, A 136..205 (push), B 205..274 (push). Gemm A runs 205..221 while B loads;
  // gemm B 274..290.
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
  CHECK(run_on("systemc", p).counters.at("cycles") == 290);
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
  // large: 64 bytes/cycle, latency 64, 16 outstanding. Fetch brings both instructions in one 64-byte beat at 64: the
  // load is dispatched at 65 and starts at 66. 64 int32 rows of 32 lanes: 64 elements of 128 bytes (2 beats each),
  // requested from cycle 66. Elements 0..15 issue at 66..81, data from 130, done 132, 134, ..., 162. Element 16 finds
  // 16 in flight and issues when element 0 completes (132), element 17 at 134, ...: each group of 16 waits for the
  // previous one, so groups complete at 132..162, 198..228, 264..294, 330..360; the last row is written at 360.
  const Program p = assemble_program(R"(.arch large
.act_bytes 8192
load mem=acc region=act dtype=int32 y_size=64 x_size=1 lanes=32 y_stride=128
finish
)",
                                     "stream.s");
  const RunResult r = run_on("systemc", p);
  CHECK(r.counters.at("cycles") == 361);
  CHECK(r.counters.at("compute.busy_cycles") == 64);  // acc loads run on the compute unit
  CHECK(r.counters.at("compute.stall.dram_cycles") == 231);
  CHECK(r.counters.at("acc.write_bytes") == 8192);
}

TEST_CASE("a vector op whose two reads hit one bank takes a cycle more per element", "[golden]") {
  // tiny has 2 banks. The acc load (compute unit) starts at 67: 8 elements of 16 bytes, one beat each, data
  // 131..138, rows written 132..139: done at 140. The vec add then reads rows (0, 2), (1, 3), (2, 4), (3, 5): both
  // rows of each pair in one bank, 2 cycles each: 4 elements + 1 (pipeline) + 4 (conflicts) = 9, done at 149. With
  // src 1 the pairs alternate banks: 5, done at 145.
  const std::string load = "load mem=acc region=act dtype=int32 y_size=8 x_size=1 lanes=4 y_stride=16\n";
  const auto run = [&](const std::string& vec) {
    return run_on("systemc", assemble_program(".arch tiny\n.act_bytes 128\n" + load + vec + "finish\n", "bank.s"));
  };
  const RunResult conflict =
      run("vec op=add dst_addr=0 src_addr=2 outer=1 inner=4 dst_stride_inner=1 "
          "src_stride_inner=1\n");
  CHECK(conflict.counters.at("cycles") == 149);
  CHECK(conflict.counters.at("compute.stall.bank_conflict_cycles") == 4);
  CHECK(conflict.counters.at("acc.read_bytes") == 8 * 16);  // two rows of 16 bytes per element
  const RunResult apart =
      run("vec op=add dst_addr=0 src_addr=1 outer=1 inner=4 dst_stride_inner=1 "
          "src_stride_inner=1\n");
  CHECK(apart.counters.at("cycles") == 145);
  CHECK(apart.counters.at("compute.stall.bank_conflict_cycles") == 0);
  // Requant reads its two parameter rows (4: scales, 5: zero points) once, with the first destination row 0: rows 0
  // and 4 share bank 0, so the first element takes 2 cycles; the rest read one row each: 4 + 1 + 1 = 6, done at 146.
  const RunResult requant =
      run("vec op=requant dst_addr=0 src_addr=4 outer=1 inner=4 dst_stride_inner=1 "
          "imm_a=-128 imm_b=127\n");
  CHECK(requant.counters.at("cycles") == 146);
  CHECK(requant.counters.at("compute.stall.bank_conflict_cycles") == 1);
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
  // tiny with one-entry queues; everything runs on the compute unit. Fetch delivers L, V0, V1, V2, finish at 66, 68,
  // 70, 72, 74. The acc load L is pushed at 66 and runs 67..133 (one 16-byte element: data at 131, row written at
  // 132). Its slot frees at 67, so V0 is pushed when it arrives, at 68; V1 (here at 70) waits for V0 to leave the
  // queue at 133 and is pushed at 134; V0 runs 133..135, V1 135..137 (pushed at 134, ready at 135); V2 is pushed at
  // 136, the cycle after V1 left, runs 137..139, and finish (dispatched at 137) completes at 139. Dispatch waited
  // 64 (V1) + 1 (V2) for queue slots.
  const fs::path dir = fs::temp_directory_path() / "systole_queue_full";
  fs::create_directories(dir);
  const fs::path cfg = dir / "tiny_q1.toml";
  std::ofstream(cfg) << test::replace(test::shipped_arch("tiny"), "insn_depth = 32", "insn_depth = 1");
  const std::string load = "load mem=acc region=act dtype=int32 y_size=1 x_size=1 lanes=4 y_stride=16\n";
  const std::string vec = "vec op=addi dst_addr=0 outer=1 inner=1 imm_a=1\n";
  const Program p =
      assemble_program(".arch " + cfg.string() + "\n.act_bytes 64\n" + load + vec + vec + vec + "finish\n", "queue.s");
  const RunResult r = Device::open("systemc", {.arch = cfg.string()})->load(p)->run({});
  CHECK(r.counters.at("cycles") == 139);
  CHECK(r.counters.at("dispatch.stall.queue_full_cycles") == 65);
  CHECK(r.counters.at("compute.busy_cycles") == 7);
}

TEST_CASE("a store reads a row per cycle and writes each element the cycle after", "[golden]") {
  // tiny. The acc load (compute unit, 2 elements of 16 bytes) runs 67..134 and pushes its token at 134. The store
  // (ready from 69) starts at 134: row 0 read at 134, its 4-byte write requested at 135, one beat at 199, done 200;
  // row 1 read at 135, written from request 136, beat 200, done 201: the store ends at 201 (2 rows, 65 cycles of
  // DRAM). With requant, the two parameter rows (2, 3) are read first (the load brings 4 rows: 67..136, token at
  // 136): parameters 136 and 137, rows at 138 and 139, writes requested 139 and 140, beats 203 and 204: done 205.
  const auto run = [](int rows, const std::string& store) {
    return run_on("systemc", assemble_program(".arch tiny\n.act_bytes 128\n"
                                              "load push_next mem=acc region=act dtype=int32 x_size=1 lanes=4 "
                                              "y_stride=16 y_size=" +
                                                  std::to_string(rows) + "\n" + store + "finish\n",
                                              "store.s"));
  };
  const std::string store = "store pop_prev region=act dtype=int8 dram_offset=64 y_size=2 x_size=1 lanes=4 y_stride=4";
  const RunResult plain = run(2, store + "\n");
  CHECK(plain.counters.at("cycles") == 201);
  CHECK(plain.counters.at("store.busy_cycles") == 2);
  CHECK(plain.counters.at("store.stall.dram_cycles") == 65);
  CHECK(plain.counters.at("dram.write_bytes") == 8);
  const RunResult requant = run(4, store + " requant=1 param_addr=2\n");
  CHECK(requant.counters.at("cycles") == 205);
  CHECK(requant.counters.at("store.busy_cycles") == 4);
  CHECK(requant.counters.at("acc.read_bytes") == 4 * 16);
}

TEST_CASE("fetch: bursts end at chunk boundaries and deliver an instruction the cycle after its last beat",
          "[golden]") {
  // tiny: 20 syncs and finish, 21 instructions of 32 bytes (two 16-byte beats each). Bursts end at 512-byte chunk
  // boundaries: instructions 0..15, then 16..20. The first is requested at 0: beats 64..95, instruction i at
  // 66 + 2i. The buffer (two chunks) has room for the second at once: requested at 1, its data waits for the bus,
  // 96..105: instruction 16 + j at 98 + 2j. Each sync takes its dispatch cycle, so dispatch waits for fetch 66
  // cycles for the first instruction and one cycle for each of the other 20; finish completes at 106.
  std::string syncs;
  for (int i = 0; i < 20; ++i) syncs += "sync\n";
  const RunResult r = run_on("systemc", assemble_program(".arch tiny\n.act_bytes 64\n" + syncs + "finish\n", "f.s"));
  CHECK(r.counters.at("cycles") == 106);
  CHECK(r.counters.at("dispatch.stall.fetch_cycles") == 86);
  CHECK(r.counters.at("fetch.read_bytes") == 21 * 32);
}

TEST_CASE("fetch: a burst waits until the buffer has room for it", "[golden]") {
  // tiny with 32-byte bursts: one instruction per burst, a buffer of two. Load L, syncs S1, S2, S3, finish F.
  // L: requested 0, beats 64, 65, available 66. S1: requested 1 (room for two), beats 66, 67, available 68. S2 needs
  // L's slot: L is dispatched at 66, its slot is free from 67, so S2 is requested at 67: beats 131, 132, available
  // 133. S3 needs S1's slot: S1 waits for L to finish (L runs 67..136, as in the one-load case) and is dispatched at
  // 136, so S3 is requested at 137: beats 201, 202, available 203. S2 is dispatched at 137, F requested at 138: its
  // beats wait for the bus, 203, 204, available 205. S3 is dispatched at 203, F completes at 205.
  const fs::path dir = fs::temp_directory_path() / "systole_fetch_credit";
  fs::create_directories(dir);
  const fs::path cfg = dir / "tiny_b32.toml";
  std::ofstream(cfg) << test::replace(test::shipped_arch("tiny"), "burst_bytes = 512", "burst_bytes = 32");
  const Program p = assemble_program(".arch " + cfg.string() +
                                         "\n.act_bytes 64\nload mem=inp region=act y_size=4 x_size=1 lanes=4 "
                                         "y_stride=4\nsync\nsync\nsync\nfinish\n",
                                     "credit.s");
  const RunResult r = Device::open("systemc", {.arch = cfg.string()})->load(p)->run({});
  CHECK(r.counters.at("cycles") == 205);
  CHECK(r.counters.at("load.busy_cycles") == 4);
}
