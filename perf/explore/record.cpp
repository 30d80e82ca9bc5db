#include "perf/explore/record.hpp"

#include <algorithm>
#include <set>

#include "perf/explore/sweep_spec.hpp"
#include "sim/isa/file_io.hpp"
#include "systole/error.hpp"

namespace systole::explore {
namespace {

constexpr const char* kRecordFormat = "systole.sweep.record";
constexpr const char* kBaselineFormat = "systole.sweep.baseline";
constexpr const char* kSkippedFormat = "systole.sweep.skipped";
constexpr int kVersion = 1;

[[noreturn]] void fail(const std::string& origin, const std::string& key, const std::string& why) {
  throw UserError("sweep record " + origin + ": key " + quote(key) + ": " + why);
}

// Field `key` of `j`; errors name it as `where` + key.
const nlohmann::json& member(const nlohmann::json& j, const std::string& origin, const std::string& key,
                             const std::string& where = "") {
  const auto it = j.find(key);
  if (it == j.end()) fail(origin, where + key, "missing");
  return *it;
}

std::string str(const nlohmann::json& j, const std::string& origin, const std::string& key) {
  const auto& v = member(j, origin, key);
  if (!v.is_string() || v.get_ref<const std::string&>().empty()) fail(origin, key, "must be a non-empty string");
  return v.get<std::string>();
}

std::uint64_t uint(const nlohmann::json& j, const std::string& origin, const std::string& key) {
  const auto& v = member(j, origin, key);
  if (!v.is_number_unsigned()) fail(origin, key, "must be a non-negative integer");
  return v.get<std::uint64_t>();
}

double num(const nlohmann::json& j, const std::string& origin, const std::string& key) {
  const auto& v = member(j, origin, key);
  if (!v.is_number() || !(v.get<double>() >= 0)) fail(origin, key, "must be a non-negative number");
  return v.get<double>();
}

void check_format(const nlohmann::json& j, const std::string& origin, const char* format) {
  if (!j.is_object()) throw UserError("sweep record " + origin + ": not a JSON object");
  if (str(j, origin, "format") != format) fail(origin, "format", std::string("expected \"") + format + "\"");
  if (uint(j, origin, "version") != kVersion) {
    fail(origin, "version", "this systole reads version " + std::to_string(kVersion));
  }
}

std::vector<std::pair<std::string, std::string>> coords_of(const nlohmann::json& j, const std::string& origin) {
  const auto& c = member(j, origin, "coords");
  if (!c.is_array()) fail(origin, "coords", "must be an array of [key, value] pairs");
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& e : c) {
    if (!e.is_array() || e.size() != 2 || !e[0].is_string() || !e[1].is_string()) {
      fail(origin, "coords", "must be an array of [key, value] string pairs");
    }
    out.emplace_back(e[0].get<std::string>(), e[1].get<std::string>());
  }
  return out;
}

nlohmann::json coords_json(const std::vector<std::pair<std::string, std::string>>& coords) {
  nlohmann::json c = nlohmann::json::array();
  for (const auto& [k, v] : coords) c.push_back({k, v});
  return c;
}

nlohmann::json read_json(const std::filesystem::path& file) {
  const std::string text = isa::read_file(file, isa::kMaxTextFileBytes, "sweep record");
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw UserError("sweep record " + file.string() + ": not valid JSON: " + e.what());
  }
}

}  // namespace

nlohmann::json record_json(const Record& r) {
  nlohmann::json params = nlohmann::json::object();
  for (const auto& p : spec::kArchParams) {
    const std::int64_t v = r.arch.params.*p.member;
    if (p.type == spec::ParamType::kEnum) {
      params[p.key] = param_text(p, v);
    } else {
      params[p.key] = v;
    }
  }
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& l : r.layers) {
    layers.push_back({{"name", l.name},
                      {"op", l.op},
                      {"accel", l.accel},
                      {"cycles", l.cycles},
                      {"macs", l.macs},
                      {"dram_bytes", l.dram_bytes}});
  }
  return {{"format", kRecordFormat}, {"version", kVersion}, {"network", r.network},
          {"level", r.level},        {"point", r.point},    {"coords", coords_json(r.coords)},
          {"params", params},        {"batch", r.batch},    {"counters", r.counters},
          {"layers", layers}};
}

Record parse_record(const nlohmann::json& j, const std::string& origin) {
  check_format(j, origin, kRecordFormat);
  Record r;
  r.network = str(j, origin, "network");
  r.level = str(j, origin, "level");
  if (r.level != "estimate" && r.level != "systemc" && r.level != "rtl") {
    fail(origin, "level", "must be estimate, systemc or rtl");
  }
  r.point = str(j, origin, "point");
  if (const std::string why = isa::arch_name_problem(r.point); !why.empty()) fail(origin, "point", why);
  r.coords = coords_of(j, origin);
  r.batch = uint(j, origin, "batch");
  const auto& params = member(j, origin, "params");
  if (!params.is_object()) fail(origin, "params", "must be an object of arch-schema keys");
  // The schema's bounds, key by key. The cross-parameter rules were checked when the sweep made the point; parsing
  // each record's config again would cost the report a third of its time at 10,000 records.
  r.arch.name = r.point;
  for (const auto& s : spec::kArchParams) {
    const auto& v = member(params, origin, s.key, "params.");
    std::int64_t value = -1;
    if (s.type == spec::ParamType::kEnum) {
      for (std::int64_t i = 0; v.is_string() && i <= s.max; ++i) {
        if (v.get_ref<const std::string&>() == s.values[i]) value = i;
      }
      if (value < 0) fail(origin, std::string("params.") + s.key, "not one of the schema's values");
    } else {
      if (!v.is_number_integer()) fail(origin, std::string("params.") + s.key, "must be an integer");
      value = v.get<std::int64_t>();
      if (value < s.min || value > s.max) {
        fail(origin, std::string("params.") + s.key,
             std::to_string(value) + " is outside [" + std::to_string(s.min) + ", " + std::to_string(s.max) + "]");
      }
    }
    r.arch.params.*s.member = value;
  }
  const auto& counters = member(j, origin, "counters");
  if (!counters.is_object()) fail(origin, "counters", "must be an object of non-negative integers");
  for (const auto& [k, v] : counters.items()) {
    if (!v.is_number_unsigned()) fail(origin, "counters." + k, "must be a non-negative integer");
    r.counters[k] = v.get<std::uint64_t>();
  }
  if (!r.counters.count("cycles")) fail(origin, "counters.cycles", "missing");
  const auto& layers = member(j, origin, "layers");
  if (!layers.is_array()) fail(origin, "layers", "must be an array");
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const auto& l = layers[i];
    const std::string where = origin + " layer " + std::to_string(i);
    if (!l.is_object()) fail(origin, "layers", "entries must be objects");
    LayerRecord lr;
    lr.name = str(l, where, "name");
    lr.op = str(l, where, "op");
    const auto& accel = member(l, where, "accel");
    if (!accel.is_boolean()) fail(where, "accel", "must be true or false");
    lr.accel = accel.get<bool>();
    lr.cycles = uint(l, where, "cycles");
    lr.macs = uint(l, where, "macs");
    lr.dram_bytes = uint(l, where, "dram_bytes");
    r.layers.push_back(std::move(lr));
  }
  return r;
}

nlohmann::json baseline_json(const BaselineRecord& b) {
  return {{"format", kBaselineFormat},
          {"version", kVersion},
          {"network", b.network},
          {"baseline", b.baseline},
          {"batch", b.batch},
          {"median_ms", b.median_ms},
          {"throughput_per_s", b.throughput_per_s},
          {"gops", b.gops},
          {"device", b.device},
          {"threads", b.threads}};
}

BaselineRecord parse_baseline(const nlohmann::json& j, const std::string& origin) {
  check_format(j, origin, kBaselineFormat);
  BaselineRecord b;
  b.network = str(j, origin, "network");
  b.baseline = str(j, origin, "baseline");
  b.batch = uint(j, origin, "batch");
  b.median_ms = num(j, origin, "median_ms");
  b.throughput_per_s = num(j, origin, "throughput_per_s");
  b.gops = num(j, origin, "gops");
  b.device = str(j, origin, "device");
  b.threads = static_cast<int>(uint(j, origin, "threads"));
  return b;
}

std::filesystem::path record_path(const std::filesystem::path& dir, const std::string& network,
                                  const std::string& point) {
  return dir / "records" / network / (point + ".json");
}

std::filesystem::path baseline_path(const std::filesystem::path& dir, const std::string& network,
                                    const std::string& baseline) {
  return dir / "baselines" / (network + "." + baseline + ".json");
}

std::filesystem::path skipped_path(const std::filesystem::path& dir, const std::string& point) {
  return dir / "skipped" / (point + ".json");
}

SweepData read_sweep_dirs(const std::vector<std::filesystem::path>& dirs) {
  namespace fs = std::filesystem;
  SweepData data;
  std::map<std::pair<std::string, std::string>, std::size_t> seen;  // (network, point) -> index in records
  std::set<std::pair<std::string, std::string>> seen_baselines;
  std::set<std::string> levels;
  auto sorted_files = [](const fs::path& folder) {
    std::vector<fs::path> files;
    std::error_code ec;
    if (!fs::is_directory(folder, ec)) return files;
    for (const auto& e : fs::recursive_directory_iterator(folder)) {
      if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    return files;
  };
  for (const fs::path& dir : dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) throw UserError("sweep folder " + dir.string() + ": not a folder");
    if (!fs::is_directory(dir / "records", ec)) {
      throw UserError("sweep folder " + dir.string() + ": has no records/ (not written by `systole sweep -o`)");
    }
    for (const fs::path& f : sorted_files(dir / "records")) {
      Record r = parse_record(read_json(f), f.string());
      if (f.stem().string() != r.point || f.parent_path().filename().string() != r.network) {
        throw UserError("sweep record " + f.string() + ": holds network " + r.network + ", point " + r.point +
                        ", but its path says otherwise (records/<network>/<point>.json)");
      }
      const auto key = std::make_pair(r.network, r.point);
      if (const auto it = seen.find(key); it != seen.end()) {
        if (record_json(data.records[it->second]) != record_json(r)) {
          throw UserError("sweep record " + f.string() + ": network " + r.network + ", point " + r.point +
                          " was also read from another folder with different figures (mixed levels or versions?)");
        }
        continue;
      }
      levels.insert(r.level);
      seen.emplace(key, data.records.size());
      data.records.push_back(std::move(r));
    }
    for (const fs::path& f : sorted_files(dir / "baselines")) {
      BaselineRecord b = parse_baseline(read_json(f), f.string());
      if (seen_baselines.insert({b.network, b.baseline}).second) data.baselines.push_back(std::move(b));
    }
    for (const fs::path& f : sorted_files(dir / "skipped")) {
      const nlohmann::json j = read_json(f);
      check_format(j, f.string(), kSkippedFormat);
      data.skipped[str(j, f.string(), "point")] = str(j, f.string(), "reason");
    }
  }
  std::sort(data.records.begin(), data.records.end(), [](const Record& a, const Record& b) {
    return std::tie(a.network, a.point) < std::tie(b.network, b.point);
  });
  data.levels.assign(levels.begin(), levels.end());
  return data;
}

nlohmann::json skipped_json(const std::string& point, const std::vector<std::pair<std::string, std::string>>& coords,
                            const std::string& reason) {
  return {{"format", kSkippedFormat},
          {"version", kVersion},
          {"point", point},
          {"coords", coords_json(coords)},
          {"reason", reason}};
}

}  // namespace systole::explore
