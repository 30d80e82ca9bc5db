// The generator's outputs agree with the data they come from: the C++ tables and the SystemVerilog package are
// compared field by field with hw/spec/*.toml read here independently (toml++), and the ISA page names every field.
// The generator rejects a broken register map or arch config with a message naming the file, key and rule.
#include <toml++/toml.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "support/text.hpp"
#include "systole/spec/isa_gen.hpp"

using namespace systole;
using Catch::Contains;
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

// A scratch folder of this process (tests run in parallel, possibly from two build trees at once).
fs::path scratch_dir(const std::string& name) {
  return fs::temp_directory_path() / (name + "_" + std::to_string(::getpid()));
}

// Runs gen_spec.py on a copy of hw/spec whose regmap.toml is `regmap`, writing only the C++ header plus the given
// extra arguments; returns what it printed on stderr. The run must fail.
std::string gen_spec_error(const std::string& regmap, const std::string& extra_args = "") {
  const fs::path dir = scratch_dir("systole_test_gen_spec");
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const char* name : {"isa.toml", "arch_schema.toml"})
    fs::copy_file(fs::path(SYSTOLE_SPEC_DIR) / name, dir / name);
  std::ofstream(dir / "regmap.toml") << regmap;
  const std::string cmd = std::string(SYSTOLE_PYTHON) + " " + SYSTOLE_GEN_SPEC + " " + dir.string() + " --cpp " +
                          (dir / "out.hpp").string() + " " + extra_args + " 2> " + (dir / "stderr.txt").string();
  const int status = std::system(cmd.c_str());
  INFO(cmd);
  CHECK(status != 0);
  const std::string err = slurp(dir / "stderr.txt");
  fs::remove_all(dir);
  return err;
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

TEST_CASE("the kernel's memory-port table matches regmap.toml", "[unit]") {
  const auto regmap = spec_file("regmap.toml");
  std::map<std::string, std::size_t> arg_id;
  for (const auto& r : spec::kRegs) {
    if (r.arg != spec::ArgKind::kNone) arg_id.emplace(r.name, arg_id.size());
  }
  const auto& ports = *regmap["kernel"]["memory_port"].as_array();
  const auto& binding = *regmap["kernel"]["arg_port"].as_table();
  REQUIRE(ports.size() == spec::kKernelMemoryPorts.size());
  CHECK(spec::kKernelMemoryAddrBits == *regmap["kernel"]["memory_addr_bits"].value<int>());
  for (std::size_t i = 0; i < ports.size(); ++i) {
    const auto& p = *ports[i].as_table();
    const auto& spec_port = spec::kKernelMemoryPorts[i];
    const std::string name = *p["name"].value<std::string>();
    INFO(name);
    CHECK(name == spec_port.name);
    CHECK((*p["access"].value<std::string>() == "write") == (spec_port.access == spec::PortAccess::kWrite));
    std::uint32_t reaches = 0;
    for (const auto& a : *p["args"].as_array()) reaches |= 1u << arg_id.at(*a.value<std::string>());
    CHECK(spec_port.reaches == reaches);
    std::uint32_t binds = 0;
    for (const auto& [arg, port] : binding) {
      if (*port.value<std::string>() == name) binds |= 1u << arg_id.at(std::string(arg.str()));
    }
    CHECK(spec_port.binds == binds);
  }
  // Hand-checked: four masters, the store unit's the only writer, m_axi_acc bound to no argument.
  REQUIRE(spec::kKernelMemoryPorts.size() == 4);
  CHECK(std::string(spec::kKernelMemoryPorts[3].name) == "m_axi_store");
  CHECK(spec::kKernelMemoryPorts[3].access == spec::PortAccess::kWrite);
  CHECK(spec::kKernelMemoryPorts[0].access == spec::PortAccess::kRead);
  CHECK(spec::kKernelMemoryPorts[2].binds == 0);
  CHECK(spec::kKernelMemoryPorts[0].binds == 1u);  // insn_addr, argument 0
}

TEST_CASE("gen_spec.py rejects broken memory ports and port widths, naming the key", "[unit]") {
  const std::string base = slurp(fs::path(SYSTOLE_SPEC_DIR) / "regmap.toml");
  CHECK_THAT(gen_spec_error(test::replace(base, "act_addr = \"m_axi_store\"", "act_addr = \"m_axi_fetch\"")),
             Contains("kernel.arg_port.act_addr: 'm_axi_fetch' is not a memory port that reaches 'act_addr'"));
  CHECK_THAT(gen_spec_error(test::replace(base, "act_addr = \"m_axi_store\"\n", "")),
             Contains("[kernel.arg_port] does not bind pointer argument 'act_addr'"));
  CHECK_THAT(gen_spec_error(test::replace(base, "args = [\"insn_addr\"]", "args = [\"insn_count\"]")),
             Contains("kernel.memory_port 'm_axi_fetch': args names 'insn_count', which is not a pointer argument"));
  CHECK_THAT(gen_spec_error(test::replace(base, "access = \"write\"", "access = \"readwrite\"")),
             Contains("kernel.memory_port 'm_axi_store': access 'readwrite' is not \"read\" or \"write\""));
  CHECK_THAT(gen_spec_error(test::replace(base, "memory_addr_bits = 64", "memory_addr_bits = 32")),
             Contains("kernel.memory_addr_bits is 32; Vitis RTL kernel masters have 64-bit addresses"));
  CHECK_THAT(gen_spec_error(test::replace(base, "name = \"m_axi_acc\"", "name = \"m_axi_load\"")),
             Contains("kernel.memory_port 'm_axi_load': name used twice"));

  // The ports' data width comes from the arch config: 12 bytes per cycle is no AXI4 width.
  const fs::path arch = scratch_dir("systole_test_gen_spec_arch");
  std::ofstream(arch) << test::replace(test::shipped_arch("tiny"), "bytes_per_cycle = 16", "bytes_per_cycle = 12");
  const fs::path out = scratch_dir("systole_test_gen_spec_kernel_xml") / "kernel.xml";
  CHECK_THAT(
      gen_spec_error(base, "--kernel-xml " + arch.string() + " " + out.string()),
      Contains("dram.bytes_per_cycle = 12 makes the kernel's memory ports 96 bits wide") && Contains(arch.string()));
  CHECK(!fs::exists(out));
  fs::remove(arch);
}
