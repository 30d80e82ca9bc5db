#include "perf/explore/sweep_spec.hpp"

#include <toml++/toml.h>
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <set>
#include <sstream>
#include <tuple>

#include "sim/isa/file_io.hpp"
#include "systole/error.hpp"

namespace systole::explore {
namespace {

[[noreturn]] void fail(const std::filesystem::path& file, const std::string& key, const std::string& why) {
  throw UserError("sweep spec " + file.string() + ": key " + quote(key) + ": " + why);
}

const spec::ArchParamSpec* find_param(std::string_view key) {
  for (const auto& p : spec::kArchParams) {
    if (key == p.key) return &p;
  }
  return nullptr;
}

std::string known_keys() {
  std::string out;
  for (const auto& p : spec::kArchParams) out += (out.empty() ? "" : ", ") + std::string(p.key);
  return out;
}

std::vector<std::string> string_array(const toml::table& t, const std::filesystem::path& file, const char* key,
                                      bool required) {
  std::vector<std::string> out;
  const toml::node* node = t.get(key);
  if (!node) {
    if (required) fail(file, key, "missing");
    return out;
  }
  const toml::array* a = node->as_array();
  if (!a) fail(file, key, "must be an array of strings");
  for (const auto& e : *a) {
    const auto v = e.value_exact<std::string>();
    if (!v || v->empty()) fail(file, key, "must be an array of non-empty strings");
    out.push_back(*v);
  }
  return out;
}

Axis read_axis(const std::filesystem::path& file, const std::string& key, const toml::node& node) {
  Axis axis;
  axis.param = find_param(key);
  if (!axis.param)
    fail(file, "axes." + key, "not an arch-schema key (hw/spec/arch_schema.toml): one of " + known_keys());
  const toml::array* a = node.as_array();
  if (!a || a->empty()) fail(file, "axes." + key, "must be a non-empty array of values");
  const spec::ArchParamSpec& p = *axis.param;
  std::set<std::int64_t> seen;
  for (const auto& e : *a) {
    std::int64_t value = -1;
    if (p.type == spec::ParamType::kInt) {
      const auto v = e.value_exact<std::int64_t>();
      if (!v) fail(file, "axes." + key, "values must be integers");
      value = *v;
    } else {
      const auto v = e.value_exact<std::string>();
      for (std::int64_t i = 0; v && i <= p.max; ++i) {
        if (*v == p.values[i]) value = i;
      }
      if (value < 0) {
        std::string allowed;
        for (std::int64_t i = 0; i <= p.max; ++i) allowed += std::string(i ? ", " : "") + p.values[i];
        fail(file, "axes." + key, "values must be one of: " + allowed);
      }
    }
    if (!seen.insert(value).second) fail(file, "axes." + key, "value " + param_text(p, value) + " is given twice");
    axis.values.push_back(value);
  }
  return axis;
}

std::uint64_t fnv1a(const spec::ArchParams& params) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (const auto& p : spec::kArchParams) {
    auto v = static_cast<std::uint64_t>(params.*p.member);
    for (int i = 0; i < 8; ++i, v >>= 8) h = (h ^ (v & 0xff)) * 0x100000001b3ull;
  }
  return h;
}

}  // namespace

std::string_view level_name(Level level) {
  switch (level) {
    case Level::kEstimate: return "estimate";
    case Level::kSystemc: return "systemc";
    case Level::kRtl: return "rtl";
  }
  return "?";
}

std::string param_text(const spec::ArchParamSpec& param, std::int64_t value) {
  if (param.type == spec::ParamType::kEnum && value >= 0 && value <= param.max) return param.values[value];
  return std::to_string(value);
}

std::uint64_t SweepSpec::point_count() const {
  std::uint64_t n = 1;
  for (const Axis& a : axes) n *= a.values.size();
  return n;
}

SweepSpec parse_sweep_spec(std::string_view toml_text, const std::filesystem::path& file) {
  toml::table t;
  try {
    t = toml::parse(toml_text, file.string());
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << "sweep spec " << file.string() << ":" << e.source().begin.line << ":" << e.source().begin.column << ": "
        << e.description();
    throw UserError(msg.str());
  }
  static const std::set<std::string> kKeys = {"networks",     "base",          "level", "baselines",
                                              "bench_repeat", "bench_threads", "axes"};
  for (const auto& [key, node] : t) {
    (void)node;
    if (!kKeys.count(std::string(key.str()))) {
      fail(file, std::string(key.str()),
           "unknown key (expected networks, base, level, baselines, bench_repeat, bench_threads, axes)");
    }
  }
  SweepSpec s;
  s.file = file;
  const std::filesystem::path dir = file.parent_path();
  std::set<std::string> stems;
  for (const std::string& n : string_array(t, file, "networks", true)) {
    const std::filesystem::path path = std::filesystem::path(n).is_absolute() ? std::filesystem::path(n) : dir / n;
    if (!stems.insert(path.stem().string()).second) {
      fail(file, "networks", "two networks are named " + quote(path.stem().string()) + " (records are named by stem)");
    }
    s.networks.push_back(path);
  }
  if (s.networks.empty()) fail(file, "networks", "must name at least one ONNX model");

  const auto base = t["base"].value_exact<std::string>();
  if (t.contains("base") && !base) fail(file, "base", "must be an arch config name or a .toml file");
  const std::string base_name = base.value_or("default");
  const bool is_path = base_name.find('/') != std::string::npos || base_name.ends_with(".toml");
  s.base = isa::load_arch_config(is_path && std::filesystem::path(base_name).is_relative() ? (dir / base_name).string()
                                                                                           : base_name);

  const auto level = t["level"].value_exact<std::string>();
  if (t.contains("level") && !level) fail(file, "level", "must be a string: estimate, systemc or rtl");
  const std::string lv = level.value_or("estimate");
  if (lv == "estimate") {
    s.level = Level::kEstimate;
  } else if (lv == "systemc") {
    s.level = Level::kSystemc;
  } else if (lv == "rtl") {
    s.level = Level::kRtl;
  } else {
    fail(file, "level", quote(lv) + " is not one of: estimate, systemc, rtl");
  }

  s.baselines = string_array(t, file, "baselines", false);
  for (const std::string& b : s.baselines) {
    if (b != "cpu" && b != "ort") fail(file, "baselines", quote(b) + " is not a baseline (cpu or ort)");
  }
  if (t.contains("bench_repeat")) {
    const auto r = t["bench_repeat"].value_exact<std::int64_t>();
    if (!r || *r < 1 || *r > 100000) fail(file, "bench_repeat", "must be an integer in [1, 100000]");
    s.bench_repeat = static_cast<int>(*r);
  }
  if (t.contains("bench_threads")) {
    const auto n = t["bench_threads"].value_exact<std::int64_t>();
    if (!n || *n < 0 || *n > 1024) fail(file, "bench_threads", "must be an integer in [0, 1024] (0: every core)");
    s.bench_threads = static_cast<int>(*n);
  }

  if (t.contains("axes")) {
    const toml::table* axes = t["axes"].as_table();
    if (!axes) fail(file, "axes", "must be a table of \"key\" = [values]");
    // toml++ iterates a table in key order; the axes keep the order they are written in.
    std::vector<std::pair<toml::source_position, std::string>> order;
    for (const auto& [key, node] : *axes) {
      // A bare dotted key (array.rows = [...]) is a nested table in TOML: the axis key must be quoted.
      if (node.is_table()) {
        fail(file, "axes." + std::string(key.str()), "is a table: quote a dotted axis key (\"array.rows\" = [8, 16])");
      }
      order.emplace_back(key.source().begin, std::string(key.str()));
    }
    std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
      return std::tie(a.first.line, a.first.column) < std::tie(b.first.line, b.first.column);
    });
    for (const auto& [pos, key] : order) s.axes.push_back(read_axis(file, key, *axes->get(key)));
  }
  constexpr std::uint64_t kMaxPoints = std::uint64_t{1} << 32;
  std::uint64_t n = 1;
  for (const Axis& a : s.axes) {
    n *= a.values.size();
    if (n > kMaxPoints) fail(file, "axes", "the cross product has more than 2^32 points");
  }
  return s;
}

SweepSpec read_sweep_spec(const std::filesystem::path& file) {
  return parse_sweep_spec(isa::read_file(file, isa::kMaxTextFileBytes, "sweep spec"), file);
}

std::string arch_toml(const spec::ArchParams& params) {
  std::string out, section;
  for (const auto& p : spec::kArchParams) {
    const std::string key = p.key;
    const auto dot = key.find('.');
    if (key.substr(0, dot) != section) {
      section = key.substr(0, dot);
      out += (out.empty() ? "[" : "\n[") + section + "]\n";
    }
    const std::int64_t v = params.*p.member;
    out += key.substr(dot + 1) + " = " +
           (p.type == spec::ParamType::kEnum ? "\"" + param_text(p, v) + "\"" : std::to_string(v)) + "\n";
  }
  return out;
}

Point make_point(const SweepSpec& spec, std::uint64_t index) {
  Point pt;
  pt.index = index;
  spec::ArchParams params = spec.base.params;
  std::uint64_t rest = index;
  for (std::size_t i = spec.axes.size(); i-- > 0;) {  // the last axis varies fastest
    const Axis& a = spec.axes[i];
    const std::int64_t v = a.values[rest % a.values.size()];
    rest /= a.values.size();
    params.*a.param->member = v;
    pt.coords.insert(pt.coords.begin(), {a.param->key, param_text(*a.param, v)});
  }
  char id[24];
  std::snprintf(id, sizeof id, "pt_%016llx", static_cast<unsigned long long>(fnv1a(params)));
  pt.id = id;
  try {
    pt.arch = isa::parse_arch_config(arch_toml(params), "of sweep point " + pt.id, pt.id);
  } catch (const UserError& e) {
    pt.skipped = e.what();
    pt.arch.name = pt.id;
    pt.arch.params = params;
  }
  return pt;
}

Shard parse_shard(std::string_view text) {
  const auto slash = text.find('/');
  Shard s;
  auto number = [](std::string_view t, std::uint64_t& v) {
    const auto r = std::from_chars(t.data(), t.data() + t.size(), v);
    return !t.empty() && r.ec == std::errc() && r.ptr == t.data() + t.size();
  };
  if (slash == std::string_view::npos || !number(text.substr(0, slash), s.k) || !number(text.substr(slash + 1), s.n) ||
      s.n < 1 || s.n > 1000000 || s.k < 1 || s.k > s.n) {
    throw UserError("--shard " + quote(text) + ": expected K/N with 1 <= K <= N <= 1000000 (e.g. 2/8)");
  }
  return s;
}

}  // namespace systole::explore
