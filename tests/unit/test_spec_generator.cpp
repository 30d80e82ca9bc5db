// The generator's outputs agree with the data they come from: the C++ tables and the SystemVerilog package are
// compared field by field with hw/spec/*.toml read here independently (toml++), and the ISA page names every field.
#include <toml++/toml.h>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "systole/spec/isa_gen.hpp"

using namespace systole;
namespace fs = std::filesystem;

namespace {

toml::table spec_file(const char* name) {
  return toml::parse_file((fs::path(SYSTOLE_SPEC_DIR) / name).string());
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

const spec::FormatSpec& format(const std::string& opcode) {
  for (const auto& f : spec::kFormats) {
    if (spec::kOpcodeValues[static_cast<std::size_t>(f.opcode)].name == opcode) return f;
  }
  FAIL("no format for " << opcode);
  throw;
}

}  // namespace

TEST_CASE("C++ field tables match isa.toml", "[unit]") {
  const auto isa = spec_file("isa.toml");
  CHECK(spec::kInsnBits == isa["isa"]["insn_bits"].value<int>());
  const auto* formats = isa["format"].as_array();
  REQUIRE(formats);
  CHECK(formats->size() == spec::kFormats.size());
  for (const auto& node : *formats) {
    const auto& fmt_table = *node.as_table();
    const std::string opcode = *fmt_table["opcode"].value<std::string>();
    const spec::FormatSpec& fmt = format(opcode);
    const auto& fields = *fmt_table["fields"].as_array();
    REQUIRE(fields.size() == fmt.field_count);
    for (std::size_t i = 0; i < fields.size(); ++i) {
      const auto& f = *fields[i].as_table();
      INFO(opcode << "." << *f["name"].value<std::string>());
      CHECK(std::string(fmt.fields[i].name) == *f["name"].value<std::string>());
      CHECK(fmt.fields[i].offset == *f["offset"].value<int>());
      CHECK(fmt.fields[i].width == *f["width"].value<int>());
    }
  }
  const auto* enums = isa["enum"].as_array();
  for (const auto& node : *enums) {
    const auto& e = *node.as_table();
    if (*e["name"].value<std::string>() != "opcode") continue;
    const auto& values = *e["values"].as_array();
    REQUIRE(values.size() == spec::kOpcodeValues.size());
    for (std::size_t i = 0; i < values.size(); ++i) {
      CHECK(std::string(spec::kOpcodeValues[i].name) == *values[i].as_table()->at("name").value<std::string>());
      CHECK(spec::kOpcodeValues[i].value == *values[i].as_table()->at("value").value<std::uint32_t>());
    }
  }
}

TEST_CASE("C++ arch-parameter table and register map match the data", "[unit]") {
  const auto schema = spec_file("arch_schema.toml");
  const auto& params = *schema["param"].as_array();
  REQUIRE(params.size() == spec::kArchParams.size());
  for (std::size_t i = 0; i < params.size(); ++i) {
    const auto& p = *params[i].as_table();
    INFO(*p["key"].value<std::string>());
    CHECK(std::string(spec::kArchParams[i].key) == *p["key"].value<std::string>());
    CHECK(spec::kArchParams[i].fingerprint == *p["fingerprint"].value<bool>());
    if (*p["type"].value<std::string>() == "int") {
      CHECK(spec::kArchParams[i].min == *p["min"].value<std::int64_t>());
      CHECK(spec::kArchParams[i].max == *p["max"].value<std::int64_t>());
    }
  }
  const auto regmap = spec_file("regmap.toml");
  const auto& regs = *regmap["reg"].as_array();
  REQUIRE(regs.size() == spec::kRegs.size());
  for (std::size_t i = 0; i < regs.size(); ++i) {
    const auto& r = *regs[i].as_table();
    CHECK(std::string(spec::kRegs[i].name) == *r["name"].value<std::string>());
    CHECK(spec::kRegs[i].offset == *r["offset"].value<std::uint32_t>());
    CHECK(spec::kRegs[i].read_only == (*r["access"].value<std::string>() == "ro"));
  }
  CHECK(spec::reg::kCtrl == 0x00);  // ap_ctrl_hs: control at 0x00, arguments from 0x10
  CHECK(spec::reg::kInsnAddr == 0x10);
}

TEST_CASE("SystemVerilog package declares every field with its width and every register offset", "[unit]") {
  const std::string sv = slurp(SYSTOLE_SPEC_SV);
  for (const auto& fmt : spec::kFormats) {
    const std::string opcode = spec::kOpcodeValues[static_cast<std::size_t>(fmt.opcode)].name;
    const auto start = sv.find("typedef struct packed {", sv.find("// " + opcode + ":"));
    const auto end = sv.find("} " + opcode + "_insn_t;", start);
    REQUIRE(end != std::string::npos);
    const std::string body = sv.substr(start, end - start);
    int total = 0;
    const std::regex member(R"(\[(\d+):0\] (\w+);|(\w+)_e (\w+);)");
    for (std::sregex_iterator it(body.begin(), body.end(), member), stop; it != stop; ++it) {
      if ((*it)[1].matched) {
        total += std::stoi((*it)[1]) + 1;
        const std::string name = (*it)[2];
        for (std::size_t i = 0; i < fmt.field_count; ++i) {
          if (name == fmt.fields[i].name) CHECK(std::stoi((*it)[1]) + 1 == fmt.fields[i].width);
        }
      } else {
        for (std::size_t i = 0; i < fmt.field_count; ++i) {
          if (std::string((*it)[4]) == fmt.fields[i].name) total += fmt.fields[i].width;
        }
        if (std::string((*it)[4]) == "opcode") total += 4;
      }
    }
    INFO(opcode);
    CHECK(total == spec::kInsnBits);  // every struct is exactly one instruction wide
    for (std::size_t i = 0; i < fmt.field_count; ++i)
      CHECK(body.find(std::string(" ") + fmt.fields[i].name + ";") != std::string::npos);
  }
  for (const auto& r : spec::kRegs) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "8'h%02X", r.offset);
    CHECK(sv.find(hex) != std::string::npos);
  }
}

TEST_CASE("the ISA reference page documents every field and register", "[unit]") {
  const std::string md = slurp(fs::path(SYSTOLE_SOURCE_DIR) / "docs" / "generated" / "isa.md");
  CHECK(md.find("Generated from") != std::string::npos);
  for (const auto& fmt : spec::kFormats) {
    for (std::size_t i = 0; i < fmt.field_count; ++i)
      CHECK(md.find(std::string("`") + fmt.fields[i].name + "`") != std::string::npos);
  }
  for (const auto& r : spec::kRegs) CHECK(md.find(std::string("`") + r.name + "`") != std::string::npos);
  for (const auto& p : spec::kArchParams) CHECK(md.find(std::string("`") + p.key + "`") != std::string::npos);
}
