// Bad programs are rejected with one clear message: deadlocks, races, bounds, arch mismatch, and malformed files.
#include <zlib.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "support/text.hpp"
#include "systole/error.hpp"
#include "systole/program_text.hpp"
#include "systole/runtime.hpp"

using namespace systole;
using Catch::Contains;
using test::replace;

namespace {

// A minimal correct program on `tiny`: y = a x 2I via the three units with tokens.
const char* kGood = R"(
.arch tiny
.act_bytes 48
.tensor input a int8 [4,4] scale=1 zero_point=0 offset=0
.tensor output y int8 [4,4] scale=1 zero_point=0 offset=16
.label w
.const i8 2 0 0 0  0 2 0 0  0 0 2 0  0 0 0 2
load mem=inp region=act dram_offset=a y_size=4 x_size=1 lanes=4 y_stride=4
load push_next mem=wgt region=const dram_offset=w y_size=4 x_size=1 lanes=4 y_stride=4
gemm pop_prev push_next outer=1 inner=4 inp_stride_inner=1 acc_stride_inner=1
store pop_prev region=act dtype=int8 dram_offset=y y_size=4 x_size=1 lanes=4 y_stride=4 clamp_min=-128 clamp_max=127
finish
)";

// Assembles and loads onto a functional `tiny` device; the error surfaces from whichever step detects it.
void load_text(const std::string& text) {
  auto device = Device::open("functional", {.arch = "tiny"});
  device->load(assemble_program(text, "test.s"));
}

}  // namespace

TEST_CASE("the reference program itself loads and runs", "[error]") {
  auto device = Device::open("functional", {.arch = "tiny"});
  auto p = device->load(assemble_program(kGood, "good.s"));
  Tensor a(DType::kInt8, {4, 4});
  for (int i = 0; i < 16; ++i) a.set(i, i - 8);
  const Tensor y = p->run({{"a", a}}).outputs.at("y");
  for (int i = 0; i < 16; ++i) CHECK(y.get(i) == 2 * (i - 8));
}

TEST_CASE("a missing token is a race, reported with both instructions", "[error]") {
  const std::string text = replace(kGood, "gemm pop_prev push_next", "gemm push_next");
  CHECK_THROWS_WITH(load_text(replace(text, "load push_next mem=wgt", "load mem=wgt")),
                    Contains("race: instruction 2 (gemm, compute unit) reads wgt row 0, which instruction 1 (load, "
                             "load unit) writes"));
}

TEST_CASE("a pop with no matching push deadlocks", "[error]") {
  CHECK_THROWS_WITH(load_text(replace(kGood, "load push_next mem=wgt", "load mem=wgt")),
                    Contains("program deadlocks: instruction 2 (gemm, compute unit) waits for a token from the load "
                             "unit"));
}

TEST_CASE("a push with no matching pop leaves a token behind", "[error]") {
  CHECK_THROWS_WITH(load_text(replace(kGood, "store pop_prev region", "store pop_prev push_prev region")),
                    Contains("unconsumed token(s) from the store unit to the compute unit"));
}

TEST_CASE("reading a row no instruction wrote is rejected", "[error]") {
  CHECK_THROWS_WITH(load_text(replace(kGood, "inner=4 inp_stride_inner=1", "inner=5 inp_stride_inner=1")),
                    Contains("reads inp row 4, which no earlier instruction writes"));
}

TEST_CASE("a DRAM round trip without sync or tokens is a race on act bytes", "[error]") {
  const std::string text = std::string(kGood).replace(std::string(kGood).find("finish"), 6,
                                                      "load mem=inp region=act sram_addr=8 dram_offset=y y_size=1 "
                                                      "x_size=1 lanes=4\nfinish");
  CHECK_THROWS_WITH(load_text(text),
                    Contains("reads act bytes [16, 20), which instruction 3 (store, store unit) writes"));
  // The same load after a sync is fine.
  CHECK_NOTHROW(
      load_text(replace(text, "load mem=inp region=act sram_addr=8", "sync\nload mem=inp region=act sram_addr=8")));
}

TEST_CASE("a full instruction queue can deadlock dispatch", "[error]") {
  // 40 loads that each wait for a compute token, with the computes behind them in program order: the load queue
  // (32 entries on tiny) fills and dispatch never reaches the computes.
  std::string text = ".arch tiny\n.act_bytes 16\n.tensor input a int8 [4,4] scale=1 zero_point=0 offset=0\n";
  text += "load push_next mem=inp region=act dram_offset=a y_size=4 x_size=1 lanes=4 y_stride=4\n";
  for (int i = 0; i < 40; ++i) text += "load pop_next mem=inp region=act dram_offset=a y_size=1 x_size=1 lanes=4\n";
  text += "load mem=wgt region=act dram_offset=a y_size=4 x_size=1 lanes=4 y_stride=4\n";
  text += "gemm pop_prev outer=1 inner=1\n";
  for (int i = 0; i < 40; ++i) text += "vec push_prev op=addi outer=1 inner=1 imm_a=1\n";
  text += "finish\n";
  CHECK_THROWS_WITH(load_text(text), Contains("dispatch waits at instruction 33 (load, load unit) for room in the full "
                                              "load queue (32 entries)"));
}

TEST_CASE("out-of-range DMA and on-chip addresses are rejected with the limit named", "[error]") {
  CHECK_THROWS_WITH(load_text(replace(kGood, "dram_offset=a y_size=4", "dram_offset=a+40 y_size=4")),
                    Contains("instruction 0 (load): DMA reaches byte 56 of the act region, which holds 48 bytes"));
  CHECK_THROWS_WITH(load_text(replace(kGood, "load mem=inp region=act", "load mem=inp region=act sram_addr=4094")),
                    Contains("inp rows 4094..4097 exceed the 4096 rows of this arch config"));
  CHECK_THROWS_WITH(load_text(replace(kGood, "lanes=4 y_stride=4\nload", "lanes=5 y_stride=4\nload")),
                    Contains("lanes=5 must be in [1, 4] for inp"));
  CHECK_THROWS_WITH(load_text(replace(kGood, "store pop_prev region=act", "store pop_prev region=const")),
                    Contains("stores may only write the act region"));
  CHECK_THROWS_WITH(load_text(replace(kGood, "dram_offset=a y_size=4", "dram_offset=0xffffffffffffffff y_size=4")),
                    Contains("DMA reaches byte 2^64+"));
  CHECK_THROWS_WITH(load_text(replace(kGood, "clamp_min=-128 clamp_max=127", "clamp_min=5 clamp_max=4")),
                    Contains("clamp_min > clamp_max"));
}

TEST_CASE("finish must end the program, exactly once", "[error]") {
  CHECK_THROWS_WITH(load_text(replace(kGood, "finish\n", "")), Contains("does not end with finish"));
  CHECK_THROWS_WITH(load_text(replace(kGood, "finish\n", "finish\nsync\n")), Contains("finish before the end"));
}

TEST_CASE("a device refuses a program compiled for another arch", "[error]") {
  auto device = Device::open("functional", {.arch = "default"});
  CHECK_THROWS_WITH(
      device->load(assemble_program(kGood, "good.s")),
      Contains("arch mismatch: the program was compiled for arch 'tiny'") && Contains("this device is arch 'default'"));
}

TEST_CASE("bad inputs at run time name the tensor", "[error]") {
  auto device = Device::open("functional", {.arch = "tiny"});
  auto p = device->load(assemble_program(kGood, "good.s"));
  CHECK_THROWS_WITH(p->run({}), Contains("input 'a' (int8 [4, 4]) is not bound"));
  CHECK_THROWS_WITH(p->run({{"a", Tensor(DType::kInt8, {4, 5})}}),
                    Contains("input 'a': got int8 [4, 5], the program expects int8 [4, 4]"));
  CHECK_THROWS_WITH(p->run({{"a", Tensor(DType::kInt8, {4, 4})}, {"b", Tensor(DType::kInt8, {1})}}),
                    Contains("input 'b': the program has no such input (inputs: a)"));
  CHECK_THROWS_WITH(Device::open("gpu"),
                    Contains("backend 'gpu' is unknown (backends: functional, systemc, rtl, xrt)"));
}

TEST_CASE("malformed program files are rejected, never crash", "[error]") {
  const std::vector<std::uint8_t> good = assemble_program(kGood, "good.s").serialize();
  auto parse = [](std::vector<std::uint8_t> b) { return Program::parse(b, "p.sys"); };
  CHECK_NOTHROW(parse(good));

  SECTION("every truncation") {
    for (std::size_t n = 0; n < good.size(); ++n) {
      CHECK_THROWS_AS(parse({good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n)}), UserError);
    }
  }
  SECTION("every single-byte corruption") {
    for (std::size_t i = 0; i < good.size(); ++i) {
      auto b = good;
      b[i] ^= 0x40;
      CHECK_THROWS_AS(parse(b), UserError);
    }
  }
  SECTION("the named header faults") {
    auto b = good;
    b[0] = 'X';
    CHECK_THROWS_WITH(parse(b), Contains("p.sys: header at byte 8: not a Systole program (bad magic)"));
    b = good;
    b[8] = 9;
    CHECK_THROWS_WITH(parse(b), Contains("format version 9 is not supported"));
    b = good;
    b[12] = 7;
    CHECK_THROWS_WITH(parse(b), Contains("ISA version 7 does not match"));
    b = good;
    b[20] ^= 1;  // the fingerprint: any edit without a new CRC is caught
    CHECK_THROWS_WITH(parse(b), Contains("CRC mismatch"));
    b = good;
    b.back() ^= 1;
    CHECK_THROWS_WITH(parse(b), Contains("CRC mismatch"));
    b = good;
    b.push_back(0);
    CHECK_THROWS_WITH(parse(b), Contains("truncated or padded"));
  }
}

TEST_CASE("tensor descriptors are validated", "[error]") {
  CHECK_THROWS_WITH(assemble_program(replace(kGood, "offset=16", "offset=40"), "t.s"),
                    Contains("tensor 'y': bytes [40, +16) lie outside the 48-byte act region"));
  CHECK_THROWS_WITH(
      assemble_program(replace(kGood, ".label w", ".tensor input b int8 [4] scale=1 zero_point=0 offset=12\n.label w"),
                       "t.s"),
      Contains("two inputs overlap at act bytes [12, 16)"));
  CHECK_THROWS_WITH(
      assemble_program(replace(kGood, ".label w", ".tensor output a int8 [1] scale=1 zero_point=0 offset=40\n.label w"),
                       "t.s"),
      Contains("name used twice"));
  CHECK_THROWS_WITH(
      assemble_program(replace(kGood, "[4,4] scale=1 zero_point=0 offset=0", "[4,4] scale=0 zero_point=0 offset=0"),
                       "t.s"),
      Contains("scale must be finite and positive"));
  CHECK_THROWS_WITH(assemble_program(replace(kGood, "zero_point=0 offset=0", "zero_point=200 offset=0"), "t.s"),
                    Contains("zero point 200 is outside the range of int8"));
  CHECK_THROWS_WITH(
      assemble_program(replace(kGood, "[4,4] scale=1 zero_point=0 offset=0", "[4,0] scale=1 zero_point=0 offset=0"),
                       "t.s"),
      Contains("non-positive or huge dimension"));
}

TEST_CASE("assembly errors name file and line", "[error]") {
  CHECK_THROWS_WITH(assemble_program(replace(kGood, ".arch tiny", ".arch nosuch"), "t.s"),
                    Contains("arch config 'nosuch': no such config") && Contains("known: default, large, tiny"));
  CHECK_THROWS_WITH(assemble_program(replace(kGood, ".act_bytes 48", ".act_bytes 48\n.bogus 1"), "t.s"),
                    Contains("t.s:4: unknown directive '.bogus'"));
  CHECK_THROWS_WITH(assemble_program(replace(kGood, "dram_offset=a y_size", "dram_offset=nosym+4 y_size"), "t.s"),
                    Contains("unknown symbol 'nosym'"));
  CHECK_THROWS_WITH(assemble_program(replace(kGood, ".const i8 2 0", ".const i8 200 0"), "t.s"),
                    Contains("'200' does not fit in i8"));
  CHECK_THROWS_WITH(assemble_program(replace(kGood, ".arch tiny\n", ""), "t.s"), Contains("missing .arch"));
}

namespace {

// A program file's bytes with its header CRC-32 (zlib) made right again: the CRC covers the file with its own four
// bytes (offset 28) as zeros. Lets a test change a field and reach the check behind the CRC.
std::vector<std::uint8_t> with_crc(std::vector<std::uint8_t> bytes) {
  const std::uint8_t zeros[4] = {};
  uLong crc = crc32(0L, bytes.data(), 28);
  crc = crc32(crc, zeros, 4);
  crc = crc32(crc, bytes.data() + 32, static_cast<uInt>(bytes.size() - 32));
  const auto bits = static_cast<std::uint32_t>(crc);
  std::memcpy(bytes.data() + 28, &bits, 4);
  return bytes;
}

}  // namespace

TEST_CASE("a program's arch name is a name, never a path", "[error]") {
  // The assembler refuses such a name, and so do the writer and the reader of program files.
  CHECK_THROWS_WITH(assemble_program(".arch ../../etc/passwd 0x1234\nfinish\n", "bad.s"),
                    Contains(".arch name '../../etc/passwd' may hold only letters, digits"));
  Program p = assemble_program(".arch tiny\nfinish\n", "ok.s");
  CHECK(p.arch_name == "tiny");
  for (const char* bad : {"../x", "a/b", ".hidden", "x.toml", ""}) {
    INFO(bad);
    p.arch_name = bad;
    CHECK_THROWS_AS(p.serialize(), UserError);
  }
  // A file carrying such a name (written byte by byte here) is refused with the reason.
  p.arch_name = "tinx";
  std::vector<std::uint8_t> bytes = p.serialize();
  const std::string good = "tinx", evil = "../x";
  const auto at = std::search(bytes.begin(), bytes.end(), good.begin(), good.end());
  REQUIRE(at != bytes.end());
  std::copy(evil.begin(), evil.end(), at);
  CHECK_THROWS_WITH(Program::parse(with_crc(bytes), "evil.sys"), Contains("arch name '../x' may hold only"));
}

TEST_CASE("reserved bytes must be zero, and the writer refuses what the reader would", "[error]") {
  Program p = assemble_program(".arch tiny\nfinish\n", "ok.s");
  const std::vector<std::uint8_t> good = p.serialize();
  std::vector<std::uint8_t> header = good;
  header[50] = 1;
  CHECK_THROWS_WITH(Program::parse(with_crc(header), "h.sys"), Contains("reserved bytes 40..63 are not zero"));
  std::vector<std::uint8_t> table = good;
  table[64 + 4] = 1;  // the first section entry's reserved word
  CHECK_THROWS_WITH(Program::parse(with_crc(table), "t.sys"), Contains("reserved word is not zero"));
  // A tensor of rank 9 cannot be stored: the writer says so instead of writing a file the reader refuses.
  p.act_bytes = 512;
  p.tensors.push_back({"x", TensorKind::kInput, DType::kInt8, {1, 1, 1, 1, 1, 1, 1, 1, 1}, 1.0f, 0, 0});
  CHECK_THROWS_WITH(p.serialize(), Contains("would not read back"));
  // A name past the u16 length a file stores is refused, not cut short.
  p.tensors.back().shape = {1};
  p.tensors.back().name = std::string(70000, 'n');
  CHECK_THROWS_WITH(p.serialize(), Contains("a name of 70000 bytes exceeds the 65535"));
}

TEST_CASE("host operator attributes are checked against the operator's schema when read and written", "[error]") {
  const std::string head =
      ".arch tiny\n.act_bytes 64\n.tensor input x int8 [1,4,2,2] scale=1 zero_point=0 offset=0\n"
      ".tensor output y int8 [1,4,2,2] scale=1 zero_point=0 offset=16\n";
  auto error_of = [&](const std::string& host) {
    try {
      assemble_program(head + host + "\n", "host.s");
    } catch (const UserError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  // Each of these crashed or misbehaved in a host kernel before (issue 12).
  CHECK_THAT(error_of(".host max_pool in=x out=y ints.kernel=1,1 ints.ceil_mode="),
             Contains("host.s:5: max_pool: attribute 'ceil_mode' has 0 values; it needs 1"));
  CHECK_THAT(error_of(".host clip in=x out=y ints.clip=0"),
             Contains("clip: attribute 'clip' has 1 values; it needs 2"));
  CHECK_THAT(error_of(".host clip in=x out=y ints.clip=5,1"), Contains("lower bound above its upper bound"));
  CHECK_THAT(error_of(".host float_transpose in=x out=y ints.perm=0,0,1,2"),
             Contains("'perm' is not a permutation of 0 .. 3"));
  CHECK_THAT(error_of(".host float_transpose in=x out=y ints.perm=-1,0,1,2"), Contains("value -1 is outside [0, 7]"));
  CHECK_THAT(error_of(".host add in=x,x out=y ints.group=1"), Contains("'group' is not one of its attributes"));
  CHECK_THAT(error_of(".host gemm in=x,x out=y floats.alpha=nan"), Contains("'alpha' must be finite and positive"));
  CHECK(error_of(".host clip in=x out=y ints.clip=-5,100") == "accepted");
}

TEST_CASE("assembler errors quote at most a short excerpt of a long line", "[error]") {
  const std::string huge(1'000'000, 'x');
  for (const std::string& text :
       {".arch tiny\n.act_bytes 64\n" + huge + "\n", ".arch tiny\n.act_bytes 64\nload mem=" + huge + "\n",
        ".arch tiny\n.act_bytes 64\n.const i8 9" + std::string(999'999, '9') + "\n",
        ".arch tiny\n.act_bytes 64\nload " + huge + "=5\n", "." + huge + "\n"}) {
    try {
      assemble_program(text, "long.s");
      FAIL("accepted");
    } catch (const UserError& e) {
      const std::string what = e.what();
      INFO(what.substr(0, 200));
      CHECK(what.size() < 400);
      CHECK_THAT(what, Catch::Contains("...' (1000000 characters)") || Catch::Contains("...' (1000001 characters)") ||
                           Catch::Contains("...' (999999 characters)"));
    }
  }
}
