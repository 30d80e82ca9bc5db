// Board data files: every shipped board loads, its figures are sane, and its generated v++ connectivity file links
// each of the kernel's memory ports to a bank the board has, the same one for all.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>
#include <string>

#include "systole/arch.hpp"
#include "systole/board.hpp"
#include "systole/spec/isa_gen.hpp"

using namespace systole;
namespace fs = std::filesystem;

namespace {

double total(const Board& b, const std::string& type, double MemoryBank::*field) {
  return std::accumulate(b.banks.begin(), b.banks.end(), 0.0,
                         [&](double sum, const MemoryBank& m) { return m.type == type ? sum + m.*field : sum; });
}

// key=value lines of a v++ config file, by key; comments and [sections] skipped.
std::multimap<std::string, std::string> cfg_entries(const fs::path& file) {
  std::ifstream in(file);
  REQUIRE(in);
  std::multimap<std::string, std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || line[0] == '[') continue;
    const auto eq = line.find('=');
    REQUIRE(eq != std::string::npos);
    out.emplace(line.substr(0, eq), line.substr(eq + 1));
  }
  return out;
}

}  // namespace

TEST_CASE("every shipped board loads with sane figures", "[unit]") {
  const auto names = board_names();
  for (const char* expected : {"kv260", "u250", "u280", "u55c", "zcu104"}) {
    CHECK(std::find(names.begin(), names.end(), expected) != names.end());
  }
  for (const auto& name : names) {
    INFO(name);
    const Board b = load_board(name);
    CHECK(b.name == name);
    CHECK(!b.description.empty());
    CHECK(b.part.rfind("xc", 0) == 0);
    CHECK(b.family == "xcup");  // all shipped boards are UltraScale+
    CHECK(!b.platform.empty());
    CHECK(b.kernel_clock_mhz >= 100);
    CHECK(b.resources.lut > 0);
    CHECK(b.resources.ff == 2 * b.resources.lut);  // UltraScale+ CLB: 8 LUTs, 16 flip-flops
    CHECK(b.resources.dsp > 0);
    CHECK(b.resources.bram36 > 0);
    CHECK(b.resources.uram > 0);
    REQUIRE(!b.banks.empty());
    for (const auto& bank : b.banks) {
      INFO(bank.name);
      CHECK(bank.size_gib > 0);
      CHECK(bank.bandwidth_gbps > 0);
      CHECK(b.find_bank(bank.name) == &bank);
    }
  }
}

TEST_CASE("board figures match the data sheets", "[unit]") {
  const Board u250 = load_board("u250");
  CHECK(u250.part == "xcu250-figd2104-2L-e");
  CHECK(u250.resources.dsp == 12288);
  CHECK(u250.banks.size() == 4);
  CHECK(total(u250, "DDR4", &MemoryBank::size_gib) == Approx(64));
  CHECK(total(u250, "DDR4", &MemoryBank::bandwidth_gbps) == Approx(76.8));  // "77 GB/s": 4 x 2400 MT/s x 8 B

  const Board u280 = load_board("u280");
  CHECK(u280.banks.front().name == "DDR[0]");  // all masters on one bank: a DDR channel beats an HBM pseudo-channel
  CHECK(total(u280, "HBM2", &MemoryBank::size_gib) == Approx(8));
  CHECK(total(u280, "HBM2", &MemoryBank::bandwidth_gbps) == Approx(460));  // 32 x 14.375 GB/s
  CHECK(total(u280, "DDR4", &MemoryBank::size_gib) == Approx(32));

  const Board u55c = load_board("u55c");
  CHECK(u55c.banks.front().name == "HBM[0]");
  CHECK(u55c.banks.size() == 32);
  CHECK(total(u55c, "HBM2", &MemoryBank::size_gib) == Approx(16));
  CHECK(u55c.resources.lut == u280.resources.lut);  // the same fabric

  CHECK(load_board("zcu104").part == "xczu7ev-ffvc1156-2-e");
  CHECK(load_board("kv260").resources.dsp == 1248);
  CHECK(load_board("zcu104").find_bank("HP0") != nullptr);
  CHECK(load_board("zcu104").find_bank("DDR[0]") == nullptr);
}

TEST_CASE("each board names the arch config it is built with, and that config fits the device", "[unit]") {
  // Hand-checked against each file's comment: the big Alveo cards with DDR take large, the U55C's one HBM
  // pseudo-channel default, the ZCU104 default and the KV260 (144 BRAM36) tiny.
  const std::map<std::string, std::string> expected = {
      {"u250", "large"}, {"u280", "large"}, {"u55c", "default"}, {"zcu104", "default"}, {"kv260", "tiny"}};
  for (const auto& [name, arch] : expected) {
    INFO(name);
    const Board b = load_board(name);
    CHECK(b.arch == arch);
    CHECK(b.embedded() == (name == "zcu104" || name == "kv260"));
    CHECK(isa::load_arch_config(b.arch).name == arch);
    // The Yosys estimate of the whole kernel for the board's family (hw/synth/results) within the device totals.
    const fs::path result = fs::path(SYSTOLE_SOURCE_DIR) / "hw/synth/results" / (arch + "_" + b.family + ".json");
    REQUIRE(fs::exists(result));
    const auto synth = nlohmann::json::parse(std::ifstream(result))["resources"];
    CHECK(synth["lut"].get<double>() < b.resources.lut);
    CHECK(synth["ff"].get<double>() < b.resources.ff);
    CHECK(synth["dsp"].get<double>() < b.resources.dsp);
    CHECK(synth["bram36"].get<double>() < b.resources.bram36);
  }
  // What the boards do not take: default's block RAM exceeds the KV260's, large's the ZCU104's.
  const auto bram36 = [](const std::string& arch) {
    const fs::path f = fs::path(SYSTOLE_SOURCE_DIR) / "hw/synth/results" / (arch + "_xcup.json");
    return nlohmann::json::parse(std::ifstream(f))["resources"]["bram36"].get<double>();
  };
  CHECK(bram36("default") > load_board("kv260").resources.bram36);
  CHECK(bram36("large") > load_board("zcu104").resources.bram36);
}

TEST_CASE("a board loads by path as well as by name", "[unit]") {
  const Board by_path = load_board((board_dir() / "u55c.toml").string());
  CHECK(by_path.name == "u55c");
  CHECK(by_path.platform == load_board("u55c").platform);
}

TEST_CASE("each board's connectivity file links every memory port to the board's first bank", "[unit]") {
  for (const auto& name : board_names()) {
    INFO(name);
    const Board b = load_board(name);
    const auto cfg = cfg_entries(fs::path(SYSTOLE_SPEC_CONNECTIVITY_DIR) / (name + ".cfg"));
    REQUIRE(cfg.count("nk") == 1);
    // nk=<kernel>:<count>:<cu>, then one sp=<cu>.<port>:<bank> per memory port, all on one bank: every port reaches
    // buffers bound to another port (m_axi_load reads act, bound to m_axi_store; m_axi_acc is bound to nothing).
    const std::string nk = cfg.find("nk")->second;
    const std::string kernel = nk.substr(0, nk.find(':'));
    const std::string cu = nk.substr(nk.rfind(':') + 1);
    CHECK(kernel == spec::kKernelName);
    CHECK(nk == kernel + ":1:" + cu);
    REQUIRE(cfg.count("sp") == spec::kKernelMemoryPorts.size());
    std::map<std::string, std::string> bank_of;
    auto [sp, end] = cfg.equal_range("sp");
    for (; sp != end; ++sp) {
      const std::string& line = sp->second;
      REQUIRE(line.rfind(cu + ".", 0) == 0);
      const std::string port = line.substr(cu.size() + 1, line.find(':') - cu.size() - 1);
      CHECK(bank_of.emplace(port, line.substr(line.find(':') + 1)).second);  // each port once
    }
    for (const auto& p : spec::kKernelMemoryPorts) {
      INFO(p.name);
      REQUIRE(bank_of.count(p.name) == 1);
      CHECK(b.find_bank(bank_of[p.name]) != nullptr);
      CHECK(bank_of[p.name] == b.banks.front().name);
    }
  }
  // Hand-checked: the U280's four masters share DDR[0], the U55C's HBM[0].
  const auto u280 = cfg_entries(fs::path(SYSTOLE_SPEC_CONNECTIVITY_DIR) / "u280.cfg");
  CHECK(u280.count("sp") == 4);
  for (auto [sp, end] = u280.equal_range("sp"); sp != end; ++sp) CHECK(sp->second.find(":DDR[0]") != std::string::npos);
  const auto u55c = cfg_entries(fs::path(SYSTOLE_SPEC_CONNECTIVITY_DIR) / "u55c.cfg");
  CHECK(u55c.find("sp")->second == "systole_1.m_axi_fetch:HBM[0]");
}
