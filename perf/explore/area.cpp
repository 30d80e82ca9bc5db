#include "perf/explore/area.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <nlohmann/json.hpp>

#include "sim/isa/file_io.hpp"
#include "systole/error.hpp"

namespace systole::explore {
namespace {

namespace fs = std::filesystem;

enum Group { kArray, kLanes, kDma, kMemory, kControl };

// The arch quantities the groups scale with (SynthResult::features): rows x cols, cols, bytes_per_cycle x cols, KiB of
// SRAM, and none.
enum Quantity { kPes, kCols, kBeatLanes, kKib, kNone };
// Per group and resource (LUT, FF, DSP, BRAM36), the quantity its fit is a line in. The DMA's LUTs are its
// beat-to-lane steering (bytes_per_cycle x cols), its FFs the per-lane registers (cols).
constexpr Quantity kQuantity[kAreaGroups][4] = {
    {kPes, kPes, kPes, kPes}, {kCols, kCols, kCols, kCols}, {kBeatLanes, kCols, kBeatLanes, kBeatLanes},
    {kKib, kKib, kKib, kKib}, {kNone, kNone, kNone, kNone},
};

Group group_of(const std::string& module) {
  const std::string base = module.substr(0, module.find('('));
  if (base == "pe" || base == "pe_os" || base == "systolic_array" || base == "systolic_array_os" ||
      base == "compute_unit") {
    return kArray;
  }
  // The vector lanes' fp32 units (ISA version 3: fp32_add, fp32_mul, fp32_div, fp32_from_int, fp32_to_int and the
  // fp32_round inside them), one of each per column like the requant lanes.
  if (base == "requant" || base == "row_walk" || base.starts_with("fp32_")) return kLanes;
  if (base == "dma_load" || base == "dma_store" || base == "dma_burst") return kDma;
  if (base == "sram_1r1w") return kMemory;
  return kControl;
}

std::array<double, kAreaGroups> features(const isa::ArchConfig& a) {
  const auto& p = a.params;
  return {static_cast<double>(p.array_rows * p.array_cols), static_cast<double>(p.array_cols),
          static_cast<double>(p.dram_bytes_per_cycle * p.array_cols),
          static_cast<double>(p.memory_inp_kib + p.memory_wgt_kib + 2 * p.memory_acc_kib), 0.0};
}

double feature(const std::array<double, kAreaGroups>& x, int group, int resource) {
  return x[static_cast<std::size_t>(kQuantity[group][resource])];
}

double& field(Resources& r, int i) {
  switch (i) {
    case 0: return r.lut;
    case 1: return r.ff;
    case 2: return r.dsp;
    default: return r.bram36;
  }
}
constexpr const char* kFields[] = {"lut", "ff", "dsp", "bram36"};

[[noreturn]] void fail(const fs::path& file, const std::string& key, const std::string& why) {
  throw UserError("synth result " + file.string() + ": key " + quote(key) + ": " + why);
}

// Field `key` of `j`; errors name it as `where` + key.
double number(const nlohmann::json& j, const fs::path& file, const std::string& key, const std::string& where = "") {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number()) fail(file, where + key, "missing or not a number");
  return it->get<double>();
}

}  // namespace

std::map<std::string, std::int64_t> synth_params(const isa::ArchConfig& a) {
  const auto& p = a.params;
  return {{"Rows", p.array_rows},
          {"Cols", p.array_cols},
          {"OutputStationary", p.array_dataflow},
          {"InpRows", a.inp_rows()},
          {"WgtRows", a.wgt_rows()},
          {"AccRows", a.acc_rows()},
          {"Banks", p.memory_banks},
          {"InsnDepth", p.queues_insn_depth},
          {"TokenDepth", p.queues_token_depth},
          {"BeatBytes", p.dram_bytes_per_cycle},
          {"MaxOutstanding", p.dram_max_outstanding},
          {"BurstBytes", p.dram_burst_bytes}};
}

fs::path default_synth_dir() {
  return isa::arch_dir().parent_path() / "synth" / "results";
}

std::vector<SynthResult> read_synth_results(const fs::path& dir) {
  std::vector<SynthResult> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (e.is_regular_file() && (name.ends_with("_xc7.json") || name.ends_with("_xcup.json"))) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& f : files) {
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(isa::read_file(f, isa::kMaxTextFileBytes, "synth result"));
    } catch (const nlohmann::json::parse_error& e) {
      throw UserError("synth result " + f.string() + ": not valid JSON: " + e.what());
    }
    SynthResult r;
    r.file = f.filename().string();
    r.family = r.file.substr(r.file.rfind('_') + 1, r.file.size() - r.file.rfind('_') - 6);
    if (!j.is_object() || !j.contains("params") || !j["params"].is_object()) fail(f, "params", "missing");
    for (const auto& [k, v] : j["params"].items()) {
      if (k != "Fingerprint" && v.is_number_integer()) r.params[k] = v.get<std::int64_t>();
    }
    if (!j.contains("resources") || !j["resources"].is_object()) fail(f, "resources", "missing");
    for (int i = 0; i < 4; ++i) field(r.total, i) = number(j["resources"], f, kFields[i], "resources.");
    if (!j.contains("hierarchy") || !j["hierarchy"].is_object()) fail(f, "hierarchy", "missing (a flat result?)");
    for (const auto& [module, m] : j["hierarchy"].items()) {
      const std::string where = "hierarchy." + module + ".";
      const double n = number(m, f, "instances", where);
      Resources& g = r.groups[static_cast<std::size_t>(group_of(module))];
      for (int i = 0; i < 4; ++i) field(g, i) += n * number(m, f, kFields[i], where);
    }
    // The result's own arch: its params hold the geometry; the features need the KiB and the beat.
    const auto get = [&](const char* k) {
      const auto it = r.params.find(k);
      if (it == r.params.end()) fail(f, std::string("params.") + k, "missing");
      return static_cast<double>(it->second);
    };
    const double rows = get("Rows"), cols = get("Cols");
    const double kib = (get("InpRows") * rows + get("WgtRows") * cols + 2 * get("AccRows") * 4 * cols) / 1024;
    r.features = {rows * cols, cols, get("BeatBytes") * cols, kib, 0.0};
    out.push_back(std::move(r));
  }
  return out;
}

AreaModel AreaModel::fit_only(const std::vector<const SynthResult*>& rs) {
  AreaModel m;
  m.fitted_ = !rs.empty();
  if (rs.empty()) return m;
  const auto n = static_cast<Eigen::Index>(rs.size());
  for (int g = 0; g < kAreaGroups; ++g) {
    for (int f = 0; f < 4; ++f) {
      Eigen::VectorXd x(n), y(n);
      for (Eigen::Index i = 0; i < n; ++i) {
        const SynthResult& r = *rs[static_cast<std::size_t>(i)];
        x(i) = feature(r.features, g, f);
        Resources own = r.groups[static_cast<std::size_t>(g)];
        y(i) = field(own, f);
      }
      const bool slope = n >= 2 && (x.maxCoeff() - x.minCoeff()) > 0;
      Eigen::MatrixXd a(n, slope ? 2 : 1);
      a.col(0).setOnes();
      if (slope) a.col(1) = x;
      const Eigen::VectorXd c = a.colPivHouseholderQr().solve(y);
      m.coef_[static_cast<std::size_t>(g)][static_cast<std::size_t>(f)] = {c(0), slope ? c(1) : 0.0};
    }
  }
  return m;
}

AreaModel AreaModel::fit(const std::vector<SynthResult>& results, const std::string& family) {
  std::vector<const SynthResult*> mine;
  for (const auto& r : results) {
    if (r.family == family) mine.push_back(&r);
  }
  AreaModel m = fit_only(mine);
  if (mine.size() >= 2) {
    for (std::size_t out = 0; out < mine.size(); ++out) {
      std::vector<const SynthResult*> rest;
      for (std::size_t i = 0; i < mine.size(); ++i) {
        if (i != out) rest.push_back(mine[i]);
      }
      const AreaModel loo = fit_only(rest);
      Resources pred;
      for (int g = 0; g < kAreaGroups; ++g) {
        for (int f = 0; f < 4; ++f) {
          const auto& c = loo.coef_[static_cast<std::size_t>(g)][static_cast<std::size_t>(f)];
          field(pred, f) += c[0] + c[1] * feature(mine[out]->features, g, f);
        }
      }
      m.held_back_.push_back({mine[out]->file, mine[out]->total, pred});
    }
  }
  return m;
}

Resources AreaModel::predict(const isa::ArchConfig& arch) const {
  const auto x = features(arch);
  Resources r;
  for (int g = 0; g < kAreaGroups; ++g) {
    for (int f = 0; f < 4; ++f) {
      const auto& c = coef_[static_cast<std::size_t>(g)][static_cast<std::size_t>(f)];
      field(r, f) += c[0] + c[1] * feature(x, g, f);
    }
  }
  for (int f = 0; f < 4; ++f) field(r, f) = std::max(0.0, field(r, f));
  return r;
}

AreaEstimator::AreaEstimator(const fs::path& synth_dir) : results_(read_synth_results(synth_dir)) {}

const AreaModel& AreaEstimator::model(const std::string& family) {
  auto it = models_.find(family);
  if (it == models_.end()) it = models_.emplace(family, AreaModel::fit(results_, family)).first;
  return it->second;
}

Area AreaEstimator::area(const isa::ArchConfig& arch, const std::string& family) {
  const auto params = synth_params(arch);
  for (const auto& r : results_) {
    if (r.family != family) continue;
    bool same = true;
    for (const auto& [k, v] : r.params) {
      const auto it = params.find(k);
      same = same && it != params.end() && it->second == v;
    }
    if (same) return {r.total, "yosys " + r.file};
  }
  const AreaModel& m = model(family);
  if (!m.fitted()) return {{}, "none (no Yosys result for family " + family + ")"};
  return {m.predict(arch), "model"};
}

}  // namespace systole::explore
