// Arch configs: the named parameter sets (hw/arch/NAME.toml) every level reads at run time.
//
// The keys, bounds and fingerprint flags come from hw/spec/arch_schema.toml through the generated table, so a
// new parameter is added in one place. Reading validates every key against that table and the cross-parameter
// rules below, and a bad config raises a UserError naming the file, the key and the reason.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "systole/spec/isa_gen.hpp"

namespace systole::isa {

struct ArchConfig {
  std::string name;  // config name (file stem) for reports
  spec::ArchParams params;

  // Derived geometry, in rows of each memory (an inp row is `rows` int8, a wgt row `cols` int8, an acc row `cols`
  // int32).
  std::int64_t rows() const { return params.array_rows; }
  std::int64_t cols() const { return params.array_cols; }
  std::int64_t inp_rows() const { return params.memory_inp_kib * 1024 / rows(); }
  std::int64_t wgt_rows() const { return params.memory_wgt_kib * 1024 / cols(); }
  std::int64_t acc_rows() const { return params.memory_acc_kib * 1024 / (4 * cols()); }
  spec::Dataflow dataflow() const { return static_cast<spec::Dataflow>(params.array_dataflow); }

  // FNV-1a 64 over the fingerprinted parameters, in schema order: the identity a compiled program carries.
  std::uint64_t fingerprint() const;
};

// Parses a config from TOML text; `origin` names the source in error messages.
ArchConfig parse_arch_config(std::string_view toml_text, const std::string& origin, const std::string& name);

// Reads a config file.
ArchConfig read_arch_config(const std::filesystem::path& file);

// Resolves a name (`tiny`, `default`, ...) in the arch directory, or a path to a .toml file.
ArchConfig load_arch_config(const std::string& name_or_path);

// The directory of the named configs: $SYSTOLE_ARCH_DIR if set, else the source tree's hw/arch while it exists, else
// the installed copy (<prefix>/share/systole/arch).
std::filesystem::path arch_dir();

// Why `name` is not an arch name as program files carry it, or an empty string when it is one: 1 to 64 characters
// of [A-Za-z0-9_.-], starting with a letter, digit or '_', not ending in ".toml". A name is never a path, so
// load_arch_config() looks it up in arch_dir() and nowhere else.
std::string arch_name_problem(std::string_view name);

}  // namespace systole::isa
