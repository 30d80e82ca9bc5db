// Encode/decode of every instruction and field, including edge values, and the single-instruction text form.
#include <catch2/catch.hpp>
#include <random>

#include "sim/isa/insn.hpp"
#include "systole/error.hpp"

using namespace systole;
using spec::Insn;

namespace {

// A random legal value for a field: enum fields pick a defined value, others any bit pattern of their width.
std::uint64_t random_value(const spec::FieldSpec& f, std::mt19937_64& rng) {
  if (f.kind == spec::FieldKind::kEnum) {
    std::vector<std::uint64_t> defined;
    for (std::uint64_t v = 0; v < (1u << f.width); ++v) {
      if (!isa::enum_value_name(f.enum_id, v).empty()) defined.push_back(v);
    }
    return defined[rng() % defined.size()];
  }
  return rng() & spec::field_mask(f.width);
}

}  // namespace

TEST_CASE("set_bits/get_bits round-trip every width at every offset, including straddling words", "[unit]") {
  for (int width = 1; width <= 64; ++width) {
    for (int offset = 0; offset + width <= spec::kInsnBits; ++offset) {
      Insn insn;
      insn.fill(0xA5A5A5A5A5A5A5A5ULL);
      const Insn before = insn;
      const std::uint64_t value = 0x0123456789ABCDEFULL & spec::field_mask(width);
      spec::set_bits(insn, offset, width, value);
      REQUIRE(spec::get_bits(insn, offset, width) == value);
      // Bits outside the field are untouched.
      spec::set_bits(insn, offset, width, spec::get_bits(before, offset, width));
      REQUIRE(insn == before);
    }
  }
}

TEST_CASE("sign_extend handles the extremes of every width", "[unit]") {
  CHECK(spec::sign_extend(0x80, 8) == -128);
  CHECK(spec::sign_extend(0x7F, 8) == 127);
  CHECK(spec::sign_extend(0xFFFF, 16) == -1);
  CHECK(spec::sign_extend(0x8000, 16) == -32768);
  CHECK(spec::sign_extend(0x80000000ULL, 32) == INT32_MIN);
  CHECK(spec::sign_extend(~0ULL, 64) == -1);
}

TEST_CASE("typed encoders place fields at the offsets the spec gives", "[unit]") {
  spec::LoadFields f;
  f.header.push_next = true;
  f.mem = spec::Mem::kWgt;
  f.region = spec::Region::kAct;
  f.dtype = spec::Dtype::kUint8;
  f.pad_value = -3;
  f.sram_addr = 0xFFFFFF;             // max of 24 bits
  f.dram_offset = ~std::uint64_t{0};  // full 64-bit address
  f.y_size = 65535;
  f.pad_right = 255;
  const Insn insn = spec::encode(f);
  CHECK(spec::get_bits(insn, 0, 4) == 0);  // opcode load
  CHECK(spec::get_bits(insn, 7, 1) == 1);  // push_next
  CHECK(spec::get_bits(insn, 8, 2) == 1);  // mem = wgt
  CHECK(spec::get_bits(insn, 16, 8) == 0xFD);
  CHECK(spec::get_bits(insn, 24, 24) == 0xFFFFFF);
  CHECK(insn[1] == ~std::uint64_t{0});
  CHECK(spec::get_bits(insn, 248, 8) == 255);
  const auto back = spec::decode_load(insn);
  CHECK(back.pad_value == -3);
  CHECK(back.dram_offset == ~std::uint64_t{0});
  CHECK(back.mem == spec::Mem::kWgt);
  CHECK(back.header.push_next);
  CHECK_FALSE(back.header.pop_prev);
}

TEST_CASE("every opcode's fields round-trip through encode, decode and text with random and edge values", "[unit]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  for (const auto& fmt : spec::kFormats) {
    for (int trial = 0; trial < 300; ++trial) {
      Insn insn{};
      spec::set_bits(insn, 0, 4, static_cast<std::uint64_t>(fmt.opcode));
      const bool barrier = fmt.opcode == spec::Opcode::kSync || fmt.opcode == spec::Opcode::kFinish;
      for (std::size_t i = 0; i < fmt.field_count; ++i) {
        const auto& f = fmt.fields[i];
        std::uint64_t v = random_value(f, rng);
        if (f.kind != spec::FieldKind::kEnum && trial < 3)
          v = trial == 0 ? 0 : trial == 1 ? spec::field_mask(f.width) : std::uint64_t{1} << (f.width - 1);
        spec::set_bits(insn, f.offset, f.width, v);
      }
      if (!barrier) {
        for (int flag = 4; flag < 8; ++flag) spec::set_bits(insn, flag, 1, rng() & 1);
        // Keep only the token flags the routed unit can legally carry.
        const isa::Unit u = isa::unit_of(insn);
        if (u == isa::Unit::kLoad) spec::set_bits(insn, 4, 1, 0), spec::set_bits(insn, 6, 1, 0);
        if (u == isa::Unit::kStore) spec::set_bits(insn, 5, 1, 0), spec::set_bits(insn, 7, 1, 0);
      }
      INFO(isa::disassemble(insn));
      REQUIRE_FALSE(isa::encoding_error(insn).has_value());
      const std::string text = isa::disassemble(insn);
      REQUIRE(text.rfind(".insn", 0) != 0);
      REQUIRE(isa::assemble(text, "test") == insn);
    }
  }
}

TEST_CASE("illegal encodings are named and still round-trip as raw words", "[unit]") {
  Insn undefined{};
  spec::set_bits(undefined, 0, 4, 15);
  CHECK(isa::encoding_error(undefined).value() == "undefined opcode 15");

  Insn reserved = spec::encode(spec::GemmFields{});
  spec::set_bits(reserved, 250, 1, 1);
  CHECK_THAT(isa::encoding_error(reserved).value(), Catch::Contains("reserved bits set in word 3"));

  spec::LoadFields bad_mem;
  Insn mem3 = spec::encode(bad_mem);
  spec::set_bits(mem3, 8, 2, 3);
  CHECK_THAT(isa::encoding_error(mem3).value(), Catch::Contains("field 'mem' has undefined value 3"));

  spec::LoadFields load_pop_prev;
  load_pop_prev.header.pop_prev = true;
  CHECK_THAT(isa::encoding_error(spec::encode(load_pop_prev)).value(), Catch::Contains("no previous unit"));

  spec::SyncFields sync;
  sync.header.push_next = true;
  CHECK_THAT(isa::encoding_error(spec::encode(sync)).value(), Catch::Contains("token flags must be 0"));

  for (const Insn& insn : {undefined, reserved, mem3}) {
    const std::string text = isa::disassemble(insn);
    CHECK(text.rfind(".insn ", 0) == 0);
    CHECK(isa::assemble(text, "t") == insn);
  }
}

TEST_CASE("loads into acc route to the compute unit, other loads to the load unit", "[unit]") {
  spec::LoadFields f;
  f.mem = spec::Mem::kInp;
  CHECK(isa::unit_of(spec::encode(f)) == isa::Unit::kLoad);
  f.mem = spec::Mem::kAcc;
  CHECK(isa::unit_of(spec::encode(f)) == isa::Unit::kCompute);
  CHECK(isa::unit_of(spec::encode(spec::StoreFields{})) == isa::Unit::kStore);
  CHECK(isa::unit_of(spec::encode(spec::VecFields{})) == isa::Unit::kCompute);
  CHECK(isa::unit_of(spec::encode(spec::FinishFields{})) == isa::Unit::kDispatch);
}

TEST_CASE("the assembler rejects bad text with the field named", "[unit][error]") {
  CHECK_THROWS_WITH(isa::assemble("jump x=1", "f.s:3"), Catch::Contains("f.s:3: unknown instruction 'jump'"));
  CHECK_THROWS_WITH(isa::assemble("gemm outer=65536", "f.s:1"),
                    Catch::Contains("field 'outer': '65536' does not fit in 16 unsigned bits"));
  CHECK_THROWS_WITH(isa::assemble("load pad_value=128", "f.s:1"),
                    Catch::Contains("field 'pad_value': '128' does not fit in 8 signed bits [-128, 127]"));
  CHECK_THROWS_WITH(isa::assemble("load mem=foo", "f.s:1"), Catch::Contains("'foo' is not one of: inp, wgt, acc"));
  CHECK_THROWS_WITH(isa::assemble("vec op=add bogus=1", "f.s:1"), Catch::Contains("'bogus' is not a field of vec"));
  CHECK_THROWS_WITH(isa::assemble("gemm inner=1 inner=2", "f.s:1"), Catch::Contains("given twice"));
  CHECK_THROWS_WITH(isa::assemble("gemm inner=x1", "f.s:1"), Catch::Contains("'x1' is not a number"));
  CHECK_THROWS_WITH(isa::assemble("load pop_prev", "f.s:1"), Catch::Contains("no previous unit"));
  CHECK_THROWS_WITH(isa::assemble("store region=act dram_offset=-1", "f.s:1"), Catch::Contains("does not fit"));
}
