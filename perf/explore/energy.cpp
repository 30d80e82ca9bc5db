#include "perf/explore/energy.hpp"

#include <toml++/toml.h>
#include <algorithm>
#include <cmath>
#include <sstream>

#include "sim/isa/file_io.hpp"
#include "systole/error.hpp"

namespace systole::explore {
namespace {

[[noreturn]] void fail(const std::filesystem::path& file, const std::string& key, const std::string& why) {
  throw UserError("energy file " + file.string() + ": key " + quote(key) + ": " + why);
}

double positive(const toml::table& t, const std::filesystem::path& file, const std::string& prefix, const char* key) {
  const auto v = t[key].value<double>();
  if (!v || !(*v >= 0) || !std::isfinite(*v)) fail(file, prefix + key, "must be a non-negative number");
  return *v;
}

std::string text(const toml::table& t, const std::filesystem::path& file, const std::string& prefix, const char* key) {
  const auto v = t[key].value_exact<std::string>();
  if (!v || v->empty()) fail(file, prefix + key, "must be a non-empty string");
  return *v;
}

}  // namespace

double Technology::sram_pj_per_byte(double kib) const {
  if (sram.empty()) return 0;
  if (kib <= sram.front().first) return sram.front().second;
  if (kib >= sram.back().first) return sram.back().second;
  for (std::size_t i = 1; i < sram.size(); ++i) {
    if (kib <= sram[i].first) {
      const auto [k0, e0] = sram[i - 1];
      const auto [k1, e1] = sram[i];
      const double t = std::log(kib / k0) / std::log(k1 / k0);
      return std::exp(std::log(e0) + t * (std::log(e1) - std::log(e0)));
    }
  }
  return sram.back().second;
}

std::vector<Technology> read_energy_file(const std::filesystem::path& file) {
  toml::table t;
  try {
    t = toml::parse(isa::read_file(file, isa::kMaxTextFileBytes, "energy file"), file.string());
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << "energy file " << file.string() << ":" << e.source().begin.line << ":" << e.source().begin.column << ": "
        << e.description();
    throw UserError(msg.str());
  }
  const toml::table* techs = t["technology"].as_table();
  if (!techs || techs->empty()) fail(file, "technology", "missing: expected [technology.NAME] tables");
  std::vector<Technology> out;
  for (const auto& [name, node] : *techs) {
    const std::string prefix = "technology." + std::string(name.str()) + ".";
    const toml::table* x = node.as_table();
    if (!x) fail(file, prefix, "must be a table");
    Technology tech;
    tech.name = std::string(name.str());
    tech.description = text(*x, file, prefix, "description");
    tech.source = text(*x, file, prefix, "source");
    tech.assumptions = x->contains("assumptions") ? text(*x, file, prefix, "assumptions") : "";
    tech.mac_pj = positive(*x, file, prefix, "mac_pj");
    tech.dram_pj_per_byte = positive(*x, file, prefix, "dram_pj_per_byte");
    tech.idle_pj_per_pe_cycle = positive(*x, file, prefix, "idle_pj_per_pe_cycle");
    const toml::array* sram = (*x)["sram"].as_array();
    if (!sram || sram->empty()) fail(file, prefix + "sram", "must be an array of { kib, pj_per_byte }");
    for (const auto& e : *sram) {
      const toml::table* s = e.as_table();
      if (!s) fail(file, prefix + "sram", "entries must be { kib, pj_per_byte }");
      const double kib = positive(*s, file, prefix + "sram.", "kib");
      const double pj = positive(*s, file, prefix + "sram.", "pj_per_byte");
      if (kib <= 0 || pj <= 0 || (!tech.sram.empty() && kib <= tech.sram.back().first)) {
        fail(file, prefix + "sram", "sizes must be positive and ascending, energies positive");
      }
      tech.sram.emplace_back(kib, pj);
    }
    out.push_back(std::move(tech));
  }
  return out;
}

std::filesystem::path default_energy_file() {
  // The source tree's while it exists, else the installed copy beside the arch configs (<prefix>/share/systole).
  const auto source = std::filesystem::path(SYSTOLE_SOURCE_DIR) / "perf" / "explore" / "energy.toml";
  std::error_code ec;
  if (std::filesystem::exists(source, ec)) return source;
  return isa::arch_dir().parent_path() / "explore" / "energy.toml";
}

Energy energy(const Record& r, const Technology& t) {
  const auto& p = r.arch.params;
  const double banks = static_cast<double>(std::max<std::int64_t>(p.memory_banks, 1));
  const auto bytes = [&](const char* mem) {
    return static_cast<double>(r.counter(std::string(mem) + ".read_bytes") +
                               r.counter(std::string(mem) + ".write_bytes"));
  };
  Energy e;
  e.mac = static_cast<double>(r.counter("macs")) * t.mac_pj;
  e.sram = bytes("inp") * t.sram_pj_per_byte(static_cast<double>(p.memory_inp_kib) / banks) +
           bytes("wgt") * t.sram_pj_per_byte(static_cast<double>(p.memory_wgt_kib) / banks) +
           bytes("acc") * t.sram_pj_per_byte(static_cast<double>(p.memory_acc_kib) / banks);
  e.dram = (bytes("dram") + static_cast<double>(r.counter("fetch.read_bytes"))) * t.dram_pj_per_byte;
  const double pe_cycles = static_cast<double>(r.counter("cycles")) * static_cast<double>(p.array_rows * p.array_cols);
  e.idle = std::max(0.0, pe_cycles - static_cast<double>(r.counter("macs"))) * t.idle_pj_per_pe_cycle;
  return e;
}

}  // namespace systole::explore
