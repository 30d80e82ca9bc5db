// Arch configs: the shipped ones load with the expected geometry; the fingerprint covers what it should.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "sim/isa/arch.hpp"
#include "sim/isa/error.hpp"

using namespace systole;
using Catch::Contains;

namespace {

std::string shipped(const std::string& name) {
  std::ifstream in(isa::arch_dir() / (name + ".toml"));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string replace(std::string text, const std::string& from, const std::string& to) {
  const auto pos = text.find(from);
  REQUIRE(pos != std::string::npos);
  return text.replace(pos, from.size(), to);
}

isa::ArchConfig parse(const std::string& text) {
  return isa::parse_arch_config(text, "cfg.toml", "cfg");
}

}  // namespace

TEST_CASE("shipped configs load with the geometry their names promise", "[unit]") {
  const auto tiny = isa::load_arch_config("tiny");
  CHECK(tiny.rows() == 4);
  CHECK(tiny.cols() == 4);
  CHECK(isa::load_arch_config("default").rows() == 16);
  CHECK(isa::load_arch_config("large").cols() == 32);
  CHECK(tiny.acc_rows() == tiny.params.memory_acc_kib * 1024 / 16);
  CHECK(isa::load_arch_config("default").fingerprint() != tiny.fingerprint());
}

TEST_CASE("the fingerprint covers ISA-visible parameters only", "[unit]") {
  const std::string base = shipped("default");
  const auto fp = parse(base).fingerprint();
  CHECK(parse(replace(base, "latency_cycles = 64", "latency_cycles = 100")).fingerprint() == fp);
  CHECK(parse(replace(base, "dataflow = \"weight_stationary\"", "dataflow = \"output_stationary\"")).fingerprint() ==
        fp);
  CHECK(parse(replace(base, "cols = 16", "cols = 8")).fingerprint() != fp);
  CHECK(parse(replace(base, "insn_depth = 32", "insn_depth = 16")).fingerprint() != fp);
}
