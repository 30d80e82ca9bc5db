// The sweep spec (`systole sweep SPEC.toml`): networks, a base arch config, a level, optional baselines, and axes over
// arch-schema keys whose cross product is the set of points.
//
//   networks = ["resnet50.onnx"]          # relative to the spec file
//   base = "default"                      # arch config name (hw/arch) or .toml file, relative to the spec file
//   level = "estimate"                    # estimate | systemc | rtl
//   baselines = ["cpu"]                   # optional: `systole bench` baselines (cpu | ort), once per network
//   bench_repeat = 10                     # optional: timed runs per baseline
//   bench_threads = 0                     # optional: threads per baseline (0: every core)
//   [axes]
//   "array.rows" = [8, 16, 32]            # any key of hw/spec/arch_schema.toml; enum keys take their value names
//
// Points are numbered 0 .. count-1 in row-major order over the axes as written (the last axis varies fastest); a point
// is its index and its arch config. A point the schema rejects (bounds, whole rows, ...) is kept with the reason and
// skipped. Reading is strict: unknown keys, empty or repeated axes, values of the wrong type are UserErrors naming the
// file and the key.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "systole/arch.hpp"

namespace systole::explore {

enum class Level : std::uint8_t { kEstimate, kSystemc, kRtl };
std::string_view level_name(Level level);

struct Axis {
  const spec::ArchParamSpec* param = nullptr;  // the schema entry (key, type, bounds)
  std::vector<std::int64_t> values;            // enum parameters: indices into the value names
};

struct SweepSpec {
  std::filesystem::path file;                   // the spec as given
  std::vector<std::filesystem::path> networks;  // resolved against the spec's folder
  isa::ArchConfig base;
  Level level = Level::kEstimate;
  std::vector<std::string> baselines;
  int bench_repeat = 10;
  int bench_threads = 0;  // 0: every core
  std::vector<Axis> axes;

  std::uint64_t point_count() const;  // the product of the axes' lengths (1 without axes)
};

SweepSpec parse_sweep_spec(std::string_view toml_text, const std::filesystem::path& file);
SweepSpec read_sweep_spec(const std::filesystem::path& file);

// One point of the cross product.
struct Point {
  std::uint64_t index = 0;
  std::string id;  // "pt_" and 16 hex digits of a hash of every parameter: the same point in any spec
  std::vector<std::pair<std::string, std::string>> coords;  // axis key -> value as text
  isa::ArchConfig arch;                                     // valid when `skipped` is empty; named `id`
  std::string skipped;                                      // why the schema rejects the point
};
Point make_point(const SweepSpec& spec, std::uint64_t index);

// The text of an arch config file holding `params` (every schema key, in schema order).
std::string arch_toml(const spec::ArchParams& params);

// A value of a schema parameter as text (enum names for enum parameters).
std::string param_text(const spec::ArchParamSpec& param, std::int64_t value);

// `--shard K/N`: point i belongs to shard K when i mod N == K - 1, so N shards partition every sweep whatever the
// scheduler, and each shard's points spread over the whole space.
struct Shard {
  std::uint64_t k = 1, n = 1;
  bool owns(std::uint64_t index) const { return index % n == k - 1; }
};
Shard parse_shard(std::string_view text);  // UserError unless 1 <= K <= N <= 10^6

}  // namespace systole::explore
