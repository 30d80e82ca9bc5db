// Arch configs: the shipped ones load with the expected geometry; the fingerprint covers what it should.
#include <catch2/catch.hpp>

#include "support/text.hpp"
#include "systole/arch.hpp"
#include "systole/error.hpp"

using namespace systole;
using Catch::Contains;

using test::parse_arch;
using test::replace;
using test::shipped_arch;

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
  const std::string base = shipped_arch("default");
  const auto fp = parse_arch(base).fingerprint();
  CHECK(parse_arch(replace(base, "latency_cycles = 64", "latency_cycles = 100")).fingerprint() == fp);
  CHECK(
      parse_arch(replace(base, "dataflow = \"weight_stationary\"", "dataflow = \"output_stationary\"")).fingerprint() ==
      fp);
  CHECK(parse_arch(replace(base, "cols = 16", "cols = 8")).fingerprint() != fp);
  CHECK(parse_arch(replace(base, "insn_depth = 32", "insn_depth = 16")).fingerprint() != fp);
}
