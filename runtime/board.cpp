#include "systole/board.hpp"

#include <toml++/toml.h>
#include <algorithm>
#include <array>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "sim/isa/file_io.hpp"
#include "systole/arch.hpp"
#include "systole/error.hpp"

namespace systole {
namespace {

// Yosys synth_xilinx families a board can name (UltraScale+, UltraScale, 7-series).
constexpr std::array<std::string_view, 3> kFamilies = {"xcup", "xcu", "xc7"};
constexpr std::array<std::string_view, 2> kBankTypes = {"DDR4", "HBM2"};

[[noreturn]] void fail(const std::string& origin, const std::string& key, const std::string& why) {
  throw UserError("board " + origin + ": key " + quote(key) + ": " + why);
}

template <std::size_t N>
std::string join(const std::array<std::string_view, N>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

// Reads the keys of one table, checking that no other key is present.
class TableReader {
 public:
  TableReader(const toml::table& table, std::string origin, std::string prefix)
      : table_(table), origin_(std::move(origin)), prefix_(std::move(prefix)) {}

  std::string string(const char* key) {
    const auto v = node(key).value_exact<std::string>();
    if (!v) fail(origin_, path(key), "must be a string");
    if (v->empty()) fail(origin_, path(key), "must not be empty");
    return *v;
  }

  std::int64_t integer(const char* key, std::int64_t min, std::int64_t max) {
    const auto v = node(key).value_exact<std::int64_t>();
    if (!v) fail(origin_, path(key), "must be an integer");
    if (*v < min || *v > max) {
      fail(origin_, path(key),
           std::to_string(*v) + " is outside [" + std::to_string(min) + ", " + std::to_string(max) + "]");
    }
    return *v;
  }

  // A positive number; an integer is accepted too (16 for 16.0).
  double positive(const char* key) {
    const toml::node& n = node(key);
    double v = 0;
    if (const auto f = n.value_exact<double>()) {
      v = *f;
    } else if (const auto i = n.value_exact<std::int64_t>()) {
      v = static_cast<double>(*i);
    } else {
      fail(origin_, path(key), "must be a number");
    }
    if (!(v > 0)) fail(origin_, path(key), "must be positive");
    return v;
  }

  const toml::table& table(const char* key) {
    const auto* t = node(key).as_table();
    if (!t) fail(origin_, path(key), "must be a table ([" + path(key) + "])");
    return *t;
  }

  const toml::array& array(const char* key) {
    const auto* a = node(key).as_array();
    if (!a) fail(origin_, path(key), "must be an array");
    return *a;
  }

  // Unknown keys are typos more often than not: reject them rather than silently ignore a figure.
  void reject_unknown() const {
    for (const auto& [key, unused] : table_) {
      (void)unused;
      const std::string k(key.str());
      if (!read_.count(k)) fail(origin_, path(k), "unknown key (see boards/README.md)");
    }
  }

  std::string path(const std::string& key) const { return prefix_.empty() ? key : prefix_ + "." + key; }

 private:
  const toml::node& node(const char* key) {
    read_.insert(key);
    const toml::node* n = table_.get(key);
    if (!n) fail(origin_, path(key), "missing (see boards/README.md)");
    return *n;
  }

  const toml::table& table_;
  std::string origin_;
  std::string prefix_;
  std::set<std::string> read_;
};

MemoryBank read_bank(const toml::node& node, const std::string& origin, const std::string& prefix) {
  const auto* t = node.as_table();
  if (!t) fail(origin, prefix, "must be a table { name, type, size_gib, bandwidth_gbps }");
  TableReader r(*t, origin, prefix);
  MemoryBank bank;
  bank.name = r.string("name");
  // Vitis memory names: a tag optionally indexed, DDR[0], HBM[31], PLRAM[2], HP0, HPC1.
  static const std::regex kBankName(R"([A-Za-z][A-Za-z0-9_]*(\[[0-9]+\])?)");
  if (!std::regex_match(bank.name, kBankName)) {
    fail(origin, r.path("name"), "" + quote(bank.name) + " is not a Vitis memory name such as DDR[0], HBM[3] or HP0");
  }
  bank.type = r.string("type");
  if (std::find(kBankTypes.begin(), kBankTypes.end(), bank.type) == kBankTypes.end()) {
    fail(origin, r.path("type"), "" + quote(bank.type) + " is not one of: " + join(kBankTypes));
  }
  bank.size_gib = r.positive("size_gib");
  bank.bandwidth_gbps = r.positive("bandwidth_gbps");
  r.reject_unknown();
  return bank;
}

}  // namespace

const MemoryBank* Board::find_bank(std::string_view bank_name) const {
  for (const auto& b : banks) {
    if (b.name == bank_name) return &b;
  }
  return nullptr;
}

bool Board::embedded() const {
  return part.rfind("xczu", 0) == 0 || part.rfind("xck", 0) == 0;
}

Board parse_board(std::string_view toml_text, const std::string& origin) {
  toml::table table;
  try {
    table = toml::parse(toml_text, origin);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << "board " << origin << ":" << e.source().begin.line << ":" << e.source().begin.column << ": "
        << e.description();
    throw UserError(msg.str());
  }

  TableReader top(table, origin, "");
  Board board;
  board.name = top.string("name");
  board.description = top.string("description");
  board.part = top.string("part");
  // Xilinx part strings: device-package-speed-temperature, e.g. xcu250-figd2104-2L-e, xck26-sfvc784-2LV-c.
  static const std::regex kPart(R"(xc[a-z0-9]+-[a-z0-9]+-[0-9][A-Za-z0-9]*-[a-z])");
  if (!std::regex_match(board.part, kPart)) {
    fail(origin, "part", "" + quote(board.part) + " is not a Xilinx part such as xcu250-figd2104-2L-e");
  }
  board.family = top.string("family");
  if (std::find(kFamilies.begin(), kFamilies.end(), board.family) == kFamilies.end()) {
    fail(origin, "family", quote(board.family) + " is not one of: " + join(kFamilies));
  }
  board.platform = top.string("platform");
  // A name in hw/arch, never a path (a board file must not depend on where it is read from), and one that exists.
  board.arch = top.string("arch");
  if (const std::string why = isa::arch_name_problem(board.arch); !why.empty()) {
    fail(origin, "arch", quote(board.arch) + " is not an arch config name: a name " + why);
  }
  try {
    (void)isa::load_arch_config(board.arch);
  } catch (const UserError& e) {
    fail(origin, "arch", e.what());
  }
  board.kernel_clock_mhz = static_cast<int>(top.integer("kernel_clock_mhz", 1, 1000));

  TableReader res(top.table("resources"), origin, "resources");
  constexpr std::int64_t kMaxCount = std::int64_t{1} << 40;
  board.resources.lut = res.integer("lut", 1, kMaxCount);
  board.resources.ff = res.integer("ff", 1, kMaxCount);
  board.resources.dsp = res.integer("dsp", 1, kMaxCount);
  board.resources.bram36 = res.integer("bram36", 1, kMaxCount);
  board.resources.uram = res.integer("uram", 0, kMaxCount);  // 7-series and small parts have none
  res.reject_unknown();

  TableReader mem(top.table("memory"), origin, "memory");
  const toml::array& banks = mem.array("banks");
  if (banks.empty()) fail(origin, "memory.banks", "needs at least one bank");
  for (std::size_t i = 0; i < banks.size(); ++i) {
    const std::string where = "memory.banks[" + std::to_string(i) + "]";
    MemoryBank bank = read_bank(banks[i], origin, where);
    if (board.find_bank(bank.name)) fail(origin, where + ".name", "bank " + quote(bank.name) + " is listed twice");
    board.banks.push_back(std::move(bank));
  }
  mem.reject_unknown();
  top.reject_unknown();
  return board;
}

Board read_board(const std::filesystem::path& file) {
  Board board = parse_board(isa::read_file(file, isa::kMaxTextFileBytes, "board"), file.string());
  if (board.name != file.stem().string()) {
    fail(file.string(), "name",
         "" + quote(board.name) + " differs from the file name; set it to " + quote(file.stem().string()));
  }
  return board;
}

std::filesystem::path board_dir() {
  if (const char* env = std::getenv("SYSTOLE_BOARD_DIR"); env && *env) return env;
  std::error_code ec;
  if (std::filesystem::is_directory(SYSTOLE_BOARD_DIR_DEFAULT, ec)) return SYSTOLE_BOARD_DIR_DEFAULT;
  return SYSTOLE_BOARD_DIR_INSTALLED;
}

std::vector<std::string> board_names() {
  std::vector<std::string> names;
  if (std::filesystem::is_directory(board_dir())) {
    for (const auto& e : std::filesystem::directory_iterator(board_dir())) {
      if (e.path().extension() == ".toml") names.push_back(e.path().stem().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::filesystem::path board_file(std::string_view name_or_path) {
  const std::string arg(name_or_path);
  const std::filesystem::path p(arg);
  if (p.extension() == ".toml" || arg.find('/') != std::string::npos) return p;
  return board_dir() / (arg + ".toml");
}

Board load_board(std::string_view name_or_path) {
  const std::string arg(name_or_path);
  const std::filesystem::path p(arg);
  if (p.extension() == ".toml" || arg.find('/') != std::string::npos) return read_board(p);
  const auto file = board_file(arg);
  if (!std::filesystem::exists(file)) {
    std::string names;
    for (const auto& n : board_names()) names += (names.empty() ? "" : ", ") + n;
    throw UserError("board " + quote(arg) + ": no such board in " + board_dir().string() +
                    (names.empty() ? "" : " (known: " + names + ")"));
  }
  return read_board(file);
}

}  // namespace systole
