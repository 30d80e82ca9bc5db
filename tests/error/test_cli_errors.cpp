// The CLI on bad input: one line on stderr, a non-zero exit status, never a crash.
#include <unistd.h>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "support/command.hpp"
#include "systole/tensor.hpp"

using Catch::Contains;
namespace fs = std::filesystem;

namespace {

using systole::test::Outcome;
using systole::test::run_command;

Outcome run(const std::string& args) {
  return run_command(std::string(SYSTOLE_CLI) + " " + args);
}

// A run whose SystemC segment is stopped: the model's threads stay suspended on SystemC's own coroutine stacks. In
// the sanitizer build, ASan warns once about that stack switch when the error is thrown, and LeakSanitizer counts
// what those stacks still hold at exit; both are the sanitizer's view of SystemC, not output of ours, so leak
// checking is off for these runs and the warning (three lines starting "==PID==WARNING: ASan is ignoring") is
// dropped. Elsewhere a no-op.
Outcome run_stopped(const std::string& args) {
  Outcome o = run_command("env ASAN_OPTIONS=detect_leaks=0 " + std::string(SYSTOLE_CLI) + " " + args);
  const auto at = o.output.find("WARNING: ASan is ignoring requested __asan_handle_no_return");
  if (at != std::string::npos) {
    const auto line = o.output.rfind('\n', at);
    const auto start = line == std::string::npos ? 0 : line + 1;
    const auto end = o.output.find('\n', o.output.find("issues/189", at));
    if (end != std::string::npos) o.output.erase(start, end + 1 - start);
  }
  return o;
}

const std::string kGemm = std::string(SYSTOLE_BINARY_DIR) + "/models/gemm.sys";
const std::string kA = std::string(SYSTOLE_SOURCE_DIR) + "/models/programs/gemm_a.npy";

void expect_one_line_error(const Outcome& o, const std::string& text) {
  CHECK(o.status != 0);
  CHECK(o.output.rfind("systole: error: ", 0) == 0);
  CHECK_THAT(o.output, Contains(text));
  CHECK(std::count(o.output.begin(), o.output.end(), '\n') == 1);
}

}  // namespace

TEST_CASE("systole run rejects bad arguments with one line", "[error]") {
  expect_one_line_error(run("run /nonexistent.sys"), "program file /nonexistent.sys: cannot open file");
  expect_one_line_error(run("run " + kGemm + " --input a"), "--input 'a': expected NAME=FILE.npy");
  expect_one_line_error(run("run " + kGemm), "input 'a' (int8 [32, 48]) is not bound");
  expect_one_line_error(run("run " + kGemm + " --input a=" + kA + " --backend tpu"), "backend 'tpu' is unknown");
  expect_one_line_error(run("run " + kGemm + " --input a=" + kA + " --arch tiny"), "arch mismatch");
  expect_one_line_error(run("run " + kGemm + " --input b=" + kA), "input 'b': the program has no such input");
  expect_one_line_error(run("run " + kGemm + " --input a=" + kGemm), "not a .npy file (bad magic)");
  expect_one_line_error(run("info nosuch"), "arch config 'nosuch': no such config");
  expect_one_line_error(run("info 'tiny!'"), "arch config 'tiny!': a config name may hold only letters");
  expect_one_line_error(run("info " + std::string(300, 'a')), "(300 characters): a config name must be 1 to 64");
  expect_one_line_error(run("run " + kGemm + " --input a=" + kA + " --trace /tmp/systole_t.json"),
                        "--trace needs a timed backend");
  expect_one_line_error(run("run " + kGemm + " --input a=" + kA + " --vcd /tmp/systole_q.vcd"),
                        "--vcd needs the SystemC model");
  expect_one_line_error(run("run " + kGemm + " --input a=" + kA + " --backend systemc --wave /tmp/systole_w.fst"),
                        "--wave needs the RTL (--backend rtl)");
  expect_one_line_error(run("run " + kGemm + " --input a=" + kA + " --backend systemc --vcd /etc/passwd/q.vcd"),
                        "--vcd /etc/passwd/q.vcd: cannot create its folder");
}

TEST_CASE("a truncated .npy input and a corrupt program are rejected", "[error]") {
  const fs::path dir = fs::temp_directory_path() / "systole_cli_errors";
  fs::create_directories(dir);
  {
    std::ifstream in(kA, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ofstream(dir / "short.npy", std::ios::binary) << bytes.substr(0, bytes.size() - 10);
    std::ifstream p(kGemm, std::ios::binary);
    std::string prog((std::istreambuf_iterator<char>(p)), std::istreambuf_iterator<char>());
    prog[prog.size() / 2] ^= 0x10;
    std::ofstream(dir / "bad.sys", std::ios::binary) << prog;
  }
  expect_one_line_error(run("run " + kGemm + " --input a=" + (dir / "short.npy").string()), "data truncated");
  expect_one_line_error(run("run " + (dir / "bad.sys").string()), "CRC mismatch");
  expect_one_line_error(run("disasm " + (dir / "bad.sys").string()), "CRC mismatch");
}

TEST_CASE("CLI usage errors exit non-zero", "[error]") {
  CHECK(run("").status != 0);
  CHECK(run("frobnicate").status != 0);
  CHECK(run("run").status != 0);
  CHECK(run("asm /nonexistent.s -o /tmp/x.sys").status != 0);
}

TEST_CASE("info and disasm describe a program", "[unit]") {
  const Outcome info = run("info " + kGemm);
  CHECK(info.status == 0);
  CHECK_THAT(info.output, Contains("program for arch default") && Contains("input    a int8 [32, 48]"));
  const Outcome arch = run("info tiny");
  CHECK(arch.status == 0);
  CHECK_THAT(arch.output, Contains("array.rows = 4") && Contains("rows: inp 4096"));
  const Outcome dis = run("disasm " + kGemm);
  CHECK(dis.status == 0);
  CHECK_THAT(dis.output, Contains("gemm pop_prev accumulate=1"));
}

TEST_CASE("systole compile rejects bad models with one line", "[error]") {
  const std::string models = std::string(SYSTOLE_SOURCE_DIR) + "/tests/e2e/models/";
  expect_one_line_error(run("compile /nonexistent.onnx -o /tmp/x.sys"), "cannot open file");
  expect_one_line_error(run("compile " + models + "bad_garbage.onnx -o /tmp/x.sys"), "bad_garbage.onnx");
  expect_one_line_error(run("compile " + models + "bad_float.onnx -o /tmp/x.sys"), "no quantized operators");
  expect_one_line_error(run("compile " + models + "bad_unsupported.onnx -o /tmp/x.sys"), "Hardmax");
  expect_one_line_error(run("compile " + models + "bad_dynamic.onnx -o /tmp/x.sys"), "bad_dynamic.onnx");
  expect_one_line_error(
      run("compile " + std::string(SYSTOLE_SOURCE_DIR) + "/models/digits/digits_mlp_qdq.onnx --arch nosuch"),
      "arch config 'nosuch'");
}

TEST_CASE("systole compile writes a program, a report and the IR", "[e2e]") {
  const fs::path dir = fs::temp_directory_path() / "systole_cli_compile";
  fs::create_directories(dir);
  const Outcome o = run("compile " + std::string(SYSTOLE_SOURCE_DIR) +
                        "/models/digits/digits_cnn_qop.onnx --arch tiny --dump-ir -o " + (dir / "cnn.sys").string() +
                        " --report " + (dir / "report.json").string());
  CHECK(o.status == 0);
  CHECK_THAT(o.output, Contains("= conv(") && Contains("accel") && Contains("compiled"));
  CHECK(fs::file_size(dir / "cnn.sys") > 0);
  CHECK(fs::file_size(dir / "report.json") > 0);
  const Outcome r = run("run " + (dir / "cnn.sys").string() + " --input input=" + std::string(SYSTOLE_SOURCE_DIR) +
                        "/models/digits/digits_test_x.npy --labels " + std::string(SYSTOLE_SOURCE_DIR) +
                        "/models/digits/digits_test_y.npy");
  CHECK(r.status == 0);
  CHECK_THAT(r.output, Contains("accuracy: 348/360"));
}

TEST_CASE("outputs go only over regular files; devices, FIFOs and directories are refused and left as they were",
          "[error]") {
  const fs::path dir = fs::temp_directory_path() / "systole_cli_outputs";
  fs::remove_all(dir);
  fs::create_directories(dir / "a_dir");
  // /dev/null stands for any device: writing a program "to" it must not replace the node with a regular file.
  expect_one_line_error(run("asm " + std::string(SYSTOLE_SOURCE_DIR) + "/models/programs/gemm.s -o /dev/null"),
                        "program file /dev/null: is a character device; outputs are written only as regular files");
  CHECK(fs::is_character_file("/dev/null"));
  expect_one_line_error(run("disasm " + kGemm + " -o " + (dir / "a_dir").string()), "is a directory");
  CHECK(fs::is_directory(dir / "a_dir"));
  expect_one_line_error(run("run " + kGemm + " --input a=" + kA + " --backend systemc --stats /dev/null"),
                        "--stats /dev/null: is a character device");
  // A regular file is replaced whole, and no temporary file is left beside it.
  std::ofstream(dir / "out.s") << "old";
  CHECK(run("disasm " + kGemm + " -o " + (dir / "out.s").string()).status == 0);
  std::ifstream in(dir / "out.s");
  std::string first;
  std::getline(in, first);
  CHECK(first.rfind(".arch default", 0) == 0);
  CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 2);  // a_dir and out.s
  fs::remove_all(dir);
}

TEST_CASE("inputs are read only from regular files of bounded size", "[error]") {
  expect_one_line_error(run("info /dev/zero"), "file /dev/zero: is a character device");
  expect_one_line_error(run("run /dev/zero"), "program file /dev/zero: is a character device");
  expect_one_line_error(run("asm /dev/zero -o /tmp/systole_zero.sys"),
                        "assembly file /dev/zero: is a character device");
  expect_one_line_error(run("run " + kGemm + " --input a=/dev/zero"), "npy file /dev/zero: is a character device");
  expect_one_line_error(run("compile /dev/zero"), "model /dev/zero: is a character device");
  expect_one_line_error(run("run " + fs::temp_directory_path().string()), "is a directory");
}

TEST_CASE("info tells files apart by their content and says what it found", "[error]") {
  const fs::path dir = fs::temp_directory_path() / "systole_info_kinds";
  fs::remove_all(dir);
  fs::create_directories(dir);
  // A program file whose magic is damaged in its last byte, under a name that says nothing.
  std::ifstream src(kGemm, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(src)), std::istreambuf_iterator<char>());
  REQUIRE(bytes.size() > 8);
  bytes[7] = 1;
  std::ofstream(dir / "damaged", std::ios::binary) << bytes;
  expect_one_line_error(run("info " + (dir / "damaged").string()),
                        "not a program file, arch config or .npy tensor: it starts with bytes 53 59 53 54 4f 4c 45 01");
  std::ofstream(dir / "noise", std::ios::binary) << std::string("\x01\x02\xff\x00garbage", 11);
  expect_one_line_error(run("info " + (dir / "noise").string()), "it starts with bytes 01 02 ff 00 67");
  expect_one_line_error(run("info " + std::string(SYSTOLE_SOURCE_DIR) + "/models/programs/gemm.s"),
                        "looks like assembly");
  expect_one_line_error(run("info " + std::string(SYSTOLE_SOURCE_DIR) + "/models/digits/digits_cnn_qdq.onnx"),
                        "looks like an ONNX model");
  std::ofstream(dir / "empty");
  expect_one_line_error(run("info " + (dir / "empty").string()), "the file is empty");
  // What it can describe, it describes, whatever the file's name.
  fs::copy_file(kA, dir / "tensor.bin");
  const Outcome npy = run("info " + (dir / "tensor.bin").string());
  CHECK(npy.status == 0);
  CHECK_THAT(npy.output, Contains("npy tensor int8 [32, 48]"));
  fs::copy_file(kGemm, dir / "program.toml");
  const Outcome program = run("info " + (dir / "program.toml").string());
  CHECK(program.status == 0);
  CHECK_THAT(program.output, Contains("program for arch default"));
  fs::remove_all(dir);
}

TEST_CASE("a run past its cycle limit stops with one line naming where each unit is", "[error]") {
  expect_one_line_error(run_stopped("run " + kGemm + " --input a=" + kA + " --backend systemc --max-cycles 50"),
                        "systemc model: the segment starting at instruction 0 did not finish within 50 cycles; "
                        "dispatch at instruction ");
  // Mid-run: the load unit on its second load, compute waiting for its tokens, store waiting for the accumulators.
  expect_one_line_error(run_stopped("run " + kGemm + " --input a=" + kA + " --backend systemc --max-cycles 300"),
                        "within 300 cycles; dispatch at instruction 21, load unit at instruction 1, compute unit at "
                        "instruction 13, store unit at instruction 19");
  expect_one_line_error(run("run " + kGemm + " --input a=" + kA + " --backend systemc --max-cycles many"),
                        "--max-cycles");
  expect_one_line_error(run("run " + kGemm + " --input a=" + kA + " --backend systemc --max-cycles -5"),
                        "--max-cycles -5: not a cycle count");
  expect_one_line_error(run("run " + kGemm + " --input a=" + kA + " --backend systemc --timeout -1"),
                        "--timeout: not a number of seconds");
  expect_one_line_error(run("run " + kGemm + " --frobnicate"), "frobnicate");
  // Within its limit the same run completes.
  CHECK(run("run " + kGemm + " --input a=" + kA + " --backend systemc --max-cycles 1000000").status == 0);
  // A limit on host time, checked every 65,536 cycles: the digits CNN on tiny has longer segments.
  const std::string cnn = (fs::temp_directory_path() / "systole_timeout_cnn.sys").string();
  REQUIRE(
      run("compile " + std::string(SYSTOLE_SOURCE_DIR) + "/models/digits/digits_cnn_qdq_b8.onnx --arch tiny -o " + cnn)
          .status == 0);
  expect_one_line_error(run_stopped("run " + cnn + " --backend systemc --timeout 1e-9 --input input=" +
                                    std::string(SYSTOLE_SOURCE_DIR) + "/models/digits/digits_test_x.npy"),
                        "did not finish within 1e-09 s of host time (65536 cycles); dispatch at instruction ");
  fs::remove(cnn);
}

TEST_CASE("compile and run with --board select the board's arch config and kernel clock", "[unit]") {
  const fs::path dir = fs::temp_directory_path() / ("systole_cli_board_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string mlp = std::string(SYSTOLE_SOURCE_DIR) + "/models/digits/digits_mlp_qdq.onnx";
  const std::string prog = (dir / "mlp.sys").string();
  // The KV260 is built with tiny and runs its kernel at 150 MHz: the compile report's latency is at that clock.
  const Outcome c = run("compile " + mlp + " --board kv260 -o " + prog);
  INFO(c.output);
  CHECK(c.status == 0);
  CHECK_THAT(c.output, Contains("compiled " + mlp + " for arch tiny (board kv260)"));
  CHECK_THAT(c.output, Contains(" ms at 150 MHz)"));
  const Outcome info = run("info " + prog);
  CHECK_THAT(info.output, Contains("program for arch tiny"));
  // Without --board the same program reports at tiny's own clock (250 MHz).
  CHECK_THAT(run("compile " + mlp + " --arch tiny").output, Contains(" ms at 250 MHz)"));
  // The same --arch beside --board is accepted.
  CHECK(run("compile " + mlp + " --board kv260 --arch tiny").status == 0);

  // run: gemm.sys is compiled for default, the U55C's and the ZCU104's config; cycles are reported at each board's
  // clock.
  const Outcome u55c = run("run " + kGemm + " --input a=" + kA + " --backend systemc --board u55c --stats " +
                           (dir / "stats.json").string());
  INFO(u55c.output);
  CHECK(u55c.status == 0);
  CHECK_THAT(u55c.output, Contains("(arch default, board u55c)") && Contains(" ms at 300 MHz)"));
  std::ifstream stats(dir / "stats.json");
  const std::string json((std::istreambuf_iterator<char>(stats)), std::istreambuf_iterator<char>());
  CHECK_THAT(json, Contains("\"board\": \"u55c\"") && Contains("\"clock_mhz\": 300"));
  CHECK_THAT(run("run " + kGemm + " --input a=" + kA + " --backend systemc --board zcu104").output,
             Contains(" ms at 150 MHz)"));
  fs::remove_all(dir);
}

TEST_CASE("compile and run refuse a --board with a conflicting --arch and a program compiled for another config",
          "[error]") {
  const std::string mlp = std::string(SYSTOLE_SOURCE_DIR) + "/models/digits/digits_mlp_qdq.onnx";
  expect_one_line_error(run("compile " + mlp + " --board kv260 --arch default"),
                        "--arch default conflicts with --board kv260, which is built with arch config tiny");
  expect_one_line_error(run("compile " + mlp + " --board nosuch"), "board 'nosuch': no such board");
  expect_one_line_error(run("run " + kGemm + " --input a=" + kA + " --board u55c --arch tiny"),
                        "--arch tiny conflicts with --board u55c, which is built with arch config default");
  expect_one_line_error(run("run " + kGemm + " --input a=" + kA + " --board u250"),
                        "was compiled for arch config default, and --board u250 is built with large: compile it with "
                        "--board u250");
}

TEST_CASE("systole bench: the cpu baseline writes what the functional model computes, and a full record", "[e2e]") {
  const fs::path dir = fs::temp_directory_path() / "systole_cli_bench";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string digits = std::string(SYSTOLE_SOURCE_DIR) + "/models/digits/";
  const systole::Tensor all = systole::read_npy(digits + "digits_test_x.npy");
  systole::Tensor x(systole::DType::kFloat32, {8, 1, 8, 8});
  std::copy_n(all.data.begin(), x.data.size(), x.data.begin());
  systole::write_npy(dir / "x.npy", x);
  const std::string model = digits + "digits_cnn_qdq_b8.onnx", input = " --input input=" + (dir / "x.npy").string();

  REQUIRE(run("compile " + model + " --arch default -o " + (dir / "cnn.sys").string()).status == 0);
  REQUIRE(run("run " + (dir / "cnn.sys").string() + input + " --output-dir " + (dir / "functional").string()).status ==
          0);
  const Outcome b = run("bench " + model + " --baseline cpu --threads 1 --repeat 3" + input + " --output-dir " +
                        (dir / "cpu").string() + " --json " + (dir / "bench.json").string());
  INFO(b.output);
  REQUIRE(b.status == 0);
  CHECK_THAT(b.output, Contains("digits_cnn_qdq_b8 on cpu") && Contains("median"));
  CHECK(systole::read_npy(dir / "cpu" / "logits.npy").data ==
        systole::read_npy(dir / "functional" / "logits.npy").data);

  std::ifstream json(dir / "bench.json");
  const std::string record((std::istreambuf_iterator<char>(json)), std::istreambuf_iterator<char>());
  for (const char* key :
       {"\"median_ms\"", "\"min_ms\"", "\"throughput_per_s\"", "\"gops\"", "\"peak_gops\"", "\"share_of_peak\"",
        "\"device\"", "\"onednn\"", "\"batch\": 8", "\"threads\": 1", "\"baseline\": \"cpu\""}) {
    CHECK_THAT(record, Contains(key));
  }
}

TEST_CASE("systole bench rejects bad arguments with one line", "[error]") {
  const std::string model = std::string(SYSTOLE_SOURCE_DIR) + "/models/digits/digits_mlp_qdq.onnx";
  expect_one_line_error(run("bench " + model + " --baseline gpu"), "expected cpu, ort or cuda");
  // Refused without nvcc (no GPU baseline built) or without a GPU; where a GPU runs it, it succeeds.
  if (const Outcome o = run("bench " + model + " --baseline cuda --repeat 1"); o.status != 0) {
    expect_one_line_error(o, "no GPU");
  }
  expect_one_line_error(run("bench " + model + " --baseline ort --batch 2"), "its own batch");
  expect_one_line_error(
      run("bench " + std::string(SYSTOLE_SOURCE_DIR) + "/models/digits/digits_mlp_qdq_b8.onnx --batch 3"),
      "multiple of the model's batch (8)");
  expect_one_line_error(run("bench " + model + " --input nosuch=" + kA), "the model has no input of that name");
  expect_one_line_error(run("bench " + model + " --input bad"), "expected NAME=FILE.npy");
  expect_one_line_error(run("bench " + model + " --baseline ort --ort-modules /nonexistent"),
                        "onnxruntime-node is not in /nonexistent");
  expect_one_line_error(run("bench /nonexistent.onnx"), "nonexistent.onnx");
}
