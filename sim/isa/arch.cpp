#include "systole/arch.hpp"
#include <cctype>

#include <toml++/toml.h>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "sim/isa/file_io.hpp"
#include "systole/error.hpp"

namespace systole::isa {
namespace {

// Largest row address an instruction can name: the sram address fields are 24 bits wide (hw/spec/isa.toml).
constexpr std::int64_t kMaxSramRows = std::int64_t{1} << 24;

[[noreturn]] void fail(const std::string& origin, const std::string& key, const std::string& why) {
  throw UserError("arch config " + origin + ": key " + quote(key) + ": " + why);
}

void check_rows(const std::string& origin, const char* key, std::int64_t bytes, std::int64_t row_bytes) {
  if (bytes % row_bytes != 0) {
    fail(origin, key,
         std::to_string(bytes) + " bytes is not a whole number of " + std::to_string(row_bytes) + "-byte rows");
  }
  if (bytes / row_bytes > kMaxSramRows) {
    fail(origin, key, std::to_string(bytes / row_bytes) + " rows exceed the 2^24 rows an instruction can address");
  }
}

}  // namespace

std::uint64_t ArchConfig::fingerprint() const {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  auto mix = [&h](std::uint64_t v) {
    for (int i = 0; i < 8; ++i) {
      h ^= (v >> (8 * i)) & 0xFF;
      h *= 0x100000001b3ULL;
    }
  };
  mix(spec::kIsaVersion);
  for (const auto& p : spec::kArchParams) {
    if (p.fingerprint) mix(static_cast<std::uint64_t>(params.*p.member));
  }
  return h;
}

ArchConfig parse_arch_config(std::string_view toml_text, const std::string& origin, const std::string& name) {
  toml::table table;
  try {
    table = toml::parse(toml_text, origin);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << "arch config " << origin << ":" << e.source().begin.line << ":" << e.source().begin.column << ": "
        << e.description();
    throw UserError(msg.str());
  }

  ArchConfig cfg;
  cfg.name = name;
  std::set<std::string> known;
  for (const auto& p : spec::kArchParams) {
    known.insert(p.key);
    const toml::node_view<toml::node> node = table.at_path(p.key);
    if (!node) fail(origin, p.key, std::string("missing (") + p.doc + ")");
    std::int64_t value = 0;
    if (p.type == spec::ParamType::kInt) {
      const auto v = node.value_exact<std::int64_t>();
      if (!v) fail(origin, p.key, "must be an integer");
      value = *v;
      if (value < p.min || value > p.max) {
        fail(origin, p.key,
             std::to_string(value) + " is outside [" + std::to_string(p.min) + ", " + std::to_string(p.max) + "]");
      }
    } else {
      const auto v = node.value_exact<std::string>();
      std::string allowed;
      for (std::int64_t i = 0; i <= p.max; ++i) allowed += std::string(i ? ", " : "") + p.values[i];
      if (!v) fail(origin, p.key, "must be a string, one of: " + allowed);
      value = -1;
      for (std::int64_t i = 0; i <= p.max; ++i) {
        if (*v == p.values[i]) value = i;
      }
      if (value < 0) fail(origin, p.key, "'" + *v + "' is not one of: " + allowed);
    }
    cfg.params.*p.member = value;
  }

  // Unknown keys are typos more often than not: reject them rather than silently ignore a setting.
  for (const auto& [section, node] : table) {
    const auto* sub = node.as_table();
    if (!sub) fail(origin, std::string(section.str()), "unknown key (see hw/spec/arch_schema.toml)");
    for (const auto& [key, unused] : *sub) {
      (void)unused;
      const std::string path = std::string(section.str()) + "." + std::string(key.str());
      if (!known.count(path)) fail(origin, path, "unknown key (see hw/spec/arch_schema.toml)");
    }
  }

  check_rows(origin, "memory.inp_kib", cfg.params.memory_inp_kib * 1024, cfg.rows());
  check_rows(origin, "memory.wgt_kib", cfg.params.memory_wgt_kib * 1024, cfg.cols());
  check_rows(origin, "memory.acc_kib", cfg.params.memory_acc_kib * 1024, 4 * cfg.cols());
  if (cfg.wgt_rows() < cfg.rows()) {
    fail(origin, "memory.wgt_kib",
         "too small for one " + std::to_string(cfg.rows()) + "x" + std::to_string(cfg.cols()) + " weight tile");
  }
  if (cfg.acc_rows() < spec::kRequantParamRows + 1) {
    fail(origin, "memory.acc_kib",
         "needs at least " + std::to_string(spec::kRequantParamRows + 1) + " rows (one set of requant parameters)");
  }
  // The hardware selects banks, beat words and burst boundaries by address bits; an AXI burst has at most 256 beats.
  const auto power_of_two = [](std::int64_t v) { return v > 0 && (v & (v - 1)) == 0; };
  for (const auto& [key, value] : {std::pair{"memory.banks", cfg.params.memory_banks},
                                   std::pair{"dram.bytes_per_cycle", cfg.params.dram_bytes_per_cycle},
                                   std::pair{"dram.burst_bytes", cfg.params.dram_burst_bytes}}) {
    if (!power_of_two(value)) fail(origin, key, std::to_string(value) + " is not a power of two");
  }
  const std::int64_t beat = cfg.params.dram_bytes_per_cycle, burst = cfg.params.dram_burst_bytes;
  if (burst < beat || burst > 256 * beat) {
    fail(origin, "dram.burst_bytes",
         std::to_string(burst) + " must be 1 to 256 beats of dram.bytes_per_cycle (" + std::to_string(beat) + ")");
  }
  return cfg;
}

ArchConfig read_arch_config(const std::filesystem::path& file) {
  return parse_arch_config(read_file(file, kMaxTextFileBytes, "arch config"), file.string(), file.stem().string());
}

std::string arch_name_problem(std::string_view name) {
  if (name.empty() || name.size() > 64) return "must be 1 to 64 characters";
  for (const char c : name) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
    if (!ok) return "may hold only letters, digits, '_', '-' and '.'";
  }
  if (name.front() == '.' || name.front() == '-') return "must start with a letter, a digit or '_'";
  if (name.size() >= 5 && name.substr(name.size() - 5) == ".toml") return "must not end in \".toml\"";
  return "";
}

std::filesystem::path arch_dir() {
  if (const char* env = std::getenv("SYSTOLE_ARCH_DIR"); env && *env) return env;
  std::error_code ec;
  if (std::filesystem::is_directory(SYSTOLE_ARCH_DIR_DEFAULT, ec)) return SYSTOLE_ARCH_DIR_DEFAULT;
  return SYSTOLE_ARCH_DIR_INSTALLED;
}

ArchConfig load_arch_config(const std::string& name_or_path) {
  const std::filesystem::path p(name_or_path);
  if (p.extension() == ".toml" || name_or_path.find('/') != std::string::npos) return read_arch_config(p);
  // A name, never a path: checked before it becomes part of one.
  if (const std::string why = arch_name_problem(name_or_path); !why.empty()) {
    throw UserError("arch config " + quote(name_or_path) + ": a config name " + why +
                    "; name a config in hw/arch or give a .toml file");
  }
  const auto file = arch_dir() / (name_or_path + ".toml");
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    std::string names;
    if (std::filesystem::is_directory(arch_dir(), ec)) {
      std::set<std::string> sorted;
      for (const auto& e : std::filesystem::directory_iterator(arch_dir(), ec)) {
        if (e.path().extension() == ".toml") sorted.insert(e.path().stem().string());
      }
      for (const auto& n : sorted) names += (names.empty() ? "" : ", ") + n;
    }
    throw UserError("arch config " + quote(name_or_path) + ": no such config in " + arch_dir().string() +
                    (names.empty() ? "" : " (known: " + names + ")"));
  }
  return read_arch_config(file);
}

}  // namespace systole::isa
