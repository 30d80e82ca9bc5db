// Robustness: random assembly text and random instruction words are either accepted or rejected with a
// UserError; nothing crashes, hangs or reads out of bounds (the suite also runs under ASan/UBSan). Seeds printed.
#include <catch2/catch.hpp>
#include <random>

#include "systole/error.hpp"
#include "systole/program_text.hpp"
#include "systole/runtime.hpp"

using namespace systole;

TEST_CASE("random assembly text is accepted or rejected cleanly", "[error]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  const std::vector<std::string> words = {"load",
                                          "store",
                                          "gemm",
                                          "vec",
                                          "sync",
                                          "finish",
                                          "pop_prev",
                                          "push_next",
                                          "mem=inp",
                                          "mem=acc",
                                          "region=act",
                                          "region=const",
                                          "dtype=int32",
                                          "op=requant",
                                          "y_size=3",
                                          "x_size=70000",
                                          "lanes=4",
                                          "sram_addr=4095",
                                          "dram_offset=a+8",
                                          "outer=2",
                                          "inner=0",
                                          "imm_a=-5",
                                          "pad_value=300",
                                          ".arch",
                                          "tiny",
                                          ".act_bytes",
                                          "64",
                                          ".tensor",
                                          "input",
                                          "a",
                                          "int8",
                                          "[4,4]",
                                          "scale=1",
                                          "zero_point=0",
                                          "offset=0",
                                          ".const",
                                          "i8",
                                          "hex",
                                          "0a0",
                                          ".label",
                                          ".host",
                                          "conv",
                                          "in=a",
                                          "out=a",
                                          "#",
                                          "=",
                                          "[",
                                          ".layer"};
  std::uniform_int_distribution<std::size_t> pick(0, words.size() - 1), len(0, 8);
  int accepted = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::string text = ".arch tiny\n.act_bytes 64\n.tensor input a int8 [4,4] scale=1 zero_point=0 offset=0\n";
    for (int line = 0; line < 4; ++line) {
      for (std::size_t w = len(rng); w > 0; --w) text += words[pick(rng)] + " ";
      text += "\n";
    }
    try {
      const Program p = assemble_program(text, "fuzz.s");
      Device::open("functional", {.arch = "tiny"})->load(p);
      ++accepted;
    } catch (const UserError&) {
    }
  }
  INFO(accepted << " of 3000 accepted");
  CHECK(accepted < 3000);
}

TEST_CASE("random instruction words are verified, and what passes runs without faults", "[error]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  auto device = Device::open("functional", {.arch = "tiny"});
  int ran = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    Program p;
    p.arch_name = "tiny";
    p.fingerprint = device->arch().fingerprint();
    p.act_bytes = 4096;
    p.constants.assign(1024, 7);
    const int n = 1 + static_cast<int>(rng() % 6);
    for (int i = 0; i < n; ++i) {
      spec::Insn insn{};
      for (auto& w : insn) w = rng();
      spec::set_bits(insn, 0, 4, rng() % 4);  // load, store, gemm, vec
      // Small field values make some programs legal: mask the wide fields down.
      insn[1] &= 0x3FF;
      insn[2] &= 0x0003000300030003ULL;
      insn[3] &= 0x0000000300000003ULL;
      insn[0] &= 0x00000003000003FFULL;
      p.insns.push_back(insn);
    }
    p.insns.push_back(spec::encode(spec::FinishFields{}));
    p.steps = {{true, 0, static_cast<std::uint32_t>(p.insns.size()), {}}};
    try {
      p.validate("fuzz");
      auto loaded = device->load(p);
      loaded->run({});
      ++ran;
    } catch (const UserError&) {
    }
  }
  INFO(ran << " of 3000 ran");
  CHECK(ran < 3000);
}
