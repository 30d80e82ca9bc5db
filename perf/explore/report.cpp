#include "perf/explore/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "sim/isa/file_io.hpp"
#include "systole/error.hpp"

namespace systole::explore {
namespace {

// The data ports a point's DMA can keep busy at once (load, accumulator load, store), each bytes_per_cycle wide.
constexpr double kDataPorts = 3;

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.6g", v);
  return b;
}

}  // namespace

void mark_pareto(std::vector<Row>& rows) {
  std::map<std::string, std::vector<Row*>> by_net;
  std::map<std::string, double> least_host;  // per network: the smallest share of MACs any point leaves to the host
  for (const Row& r : rows) {
    const auto [it, fresh] = least_host.emplace(r.record->network, r.host_share);
    if (!fresh) it->second = std::min(it->second, r.host_share);
  }
  for (Row& r : rows) {
    if (r.host_share <= least_host[r.record->network] + 1e-12) by_net[r.record->network].push_back(&r);
  }
  for (auto& [net, list] : by_net) {
    (void)net;
    for (int dim = 0; dim < 2; ++dim) {
      const auto cost = [dim](const Row* r) { return dim == 0 ? r->area.r.lut : r->pj_per_inference; };
      std::sort(list.begin(), list.end(), [&](const Row* a, const Row* b) {
        return a->latency_ms != b->latency_ms ? a->latency_ms < b->latency_ms : cost(a) < cost(b);
      });
      double best = INFINITY;
      for (Row* r : list) {
        if (cost(r) < best) {
          best = cost(r);
          (dim == 0 ? r->pareto_area : r->pareto_energy) = true;
        }
      }
    }
  }
}

BoardFit board_fit(const Board& board, const Record& r, AreaEstimator& areas, double ceiling) {
  BoardFit f;
  f.board = &board;
  f.area = areas.area(r.arch, board.family);
  const auto share = [](double used, std::int64_t total) { return total > 0 ? used / static_cast<double>(total) : 1; };
  f.lut = share(f.area.r.lut, board.resources.lut);
  f.dsp = share(f.area.r.dsp, board.resources.dsp);
  f.bram = share(f.area.r.bram36, board.resources.bram36);
  f.bram_uram = share(f.area.r.bram36, board.resources.bram36 + 8 * board.resources.uram);
  const bool logic = f.lut <= ceiling && f.dsp <= ceiling;
  f.fits = logic && (f.bram <= ceiling || (board.resources.uram > 0 && f.bram_uram <= ceiling));
  f.needs_uram = f.fits && f.bram > ceiling;
  f.need_gbps = kDataPorts * static_cast<double>(r.arch.params.dram_bytes_per_cycle) * board.kernel_clock_mhz / 1e3;
  f.bank_gbps = board.banks.empty() ? 0 : board.banks.front().bandwidth_gbps;
  return f;
}

ReportData build_report(const ReportOptions& o, AreaEstimator& areas) {
  if (o.dirs.empty()) throw UserError("report: name at least one sweep folder");
  ReportData d;
  d.sweep = read_sweep_dirs(o.dirs);
  if (d.sweep.records.empty()) {
    std::string dirs;
    for (const auto& p : o.dirs) dirs += (dirs.empty() ? "" : ", ") + p.string();
    throw UserError("report: no records in " + dirs + " (run `systole sweep` into them first)");
  }
  const auto techs = read_energy_file(o.energy_file);
  const auto t = std::find_if(techs.begin(), techs.end(), [&](const Technology& x) { return x.name == o.technology; });
  if (t == techs.end()) {
    std::string names;
    for (const auto& x : techs) names += (names.empty() ? "" : ", ") + x.name;
    throw UserError("--technology " + quote(o.technology) + ": not in " + o.energy_file.string() + " (" + names + ")");
  }
  d.technology = *t;
  d.family = o.family;
  d.ceiling = o.ceiling;
  d.model = &areas.model(o.family);
  for (const std::string& name : board_names()) d.boards.push_back(load_board(name));

  std::map<std::string, Area> area_of;  // per point
  d.rows.reserve(d.sweep.records.size());
  for (const Record& rec : d.sweep.records) {
    Row row;
    row.record = &rec;
    const auto& p = rec.arch.params;
    const double cycles = static_cast<double>(rec.counter("cycles"));
    const double macs = static_cast<double>(rec.counter("macs"));
    const double pes = static_cast<double>(p.array_rows * p.array_cols);
    row.latency_ms = cycles / static_cast<double>(p.clock_mhz) / 1e3;
    row.util_peak = cycles > 0 ? macs / (cycles * pes) : 0;
    row.dram_bytes = static_cast<double>(rec.counter("dram.read_bytes") + rec.counter("dram.write_bytes"));
    for (const char* m : {"inp", "wgt", "acc"}) {
      row.sram_bytes += static_cast<double>(rec.counter(std::string(m) + ".read_bytes") +
                                            rec.counter(std::string(m) + ".write_bytes"));
    }
    // Roofline: MACs per cycle the array could reach at this run's MACs per DRAM byte.
    const double roof =
        row.dram_bytes > 0 ? std::min(pes, static_cast<double>(p.dram_bytes_per_cycle) * macs / row.dram_bytes) : pes;
    row.util_roofline = cycles > 0 && roof > 0 ? (macs / cycles) / roof : 0;
    auto a = area_of.find(rec.point);
    if (a == area_of.end()) a = area_of.emplace(rec.point, areas.area(rec.arch, o.family)).first;
    row.area = a->second;
    row.energy = energy(rec, d.technology);
    const double batch = static_cast<double>(std::max<std::uint64_t>(rec.batch, 1));
    row.pj_per_inference = row.energy.total() / batch;
    row.tops_per_watt = row.energy.total() > 0 ? 2 * macs / row.energy.total() : 0;  // ops/pJ = TOPS/W
    const double net_macs = static_cast<double>(rec.counter("network_macs"));
    row.host_share = net_macs > macs ? 1 - macs / net_macs : 0;
    d.rows.push_back(std::move(row));
  }
  mark_pareto(d.rows);
  return d;
}

std::string report_csv(const ReportData& d) {
  std::string out = "network,level,point";
  std::vector<std::string> axes;
  std::set<std::string> seen;
  for (const Record& r : d.sweep.records) {
    for (const auto& [k, v] : r.coords) {
      (void)v;
      if (seen.insert(k).second) axes.push_back(k);
    }
  }
  for (const auto& a : axes) out += "," + csv_field(a);
  out +=
      ",batch,cycles,latency_ms,clock_mhz,util_peak,util_roofline,macs,dram_bytes,sram_bytes,lut,ff,dsp,bram36,"
      "area_source,pj_per_inference,tops_per_watt,host_share,pareto_area,pareto_energy\n";
  for (const Row& row : d.rows) {
    const Record& r = *row.record;
    out += csv_field(r.network) + "," + r.level + "," + r.point;
    for (const auto& a : axes) {
      const auto it = std::find_if(r.coords.begin(), r.coords.end(), [&](const auto& c) { return c.first == a; });
      out += "," + (it == r.coords.end() ? std::string() : csv_field(it->second));
    }
    out += "," + std::to_string(r.batch) + "," + std::to_string(r.counter("cycles")) + "," + num(row.latency_ms) + "," +
           std::to_string(r.arch.params.clock_mhz) + "," + num(row.util_peak) + "," + num(row.util_roofline) + "," +
           std::to_string(r.counter("macs")) + "," + num(row.dram_bytes) + "," + num(row.sram_bytes) + "," +
           num(row.area.r.lut) + "," + num(row.area.r.ff) + "," + num(row.area.r.dsp) + "," + num(row.area.r.bram36) +
           "," + csv_field(row.area.source) + "," + num(row.pj_per_inference) + "," + num(row.tops_per_watt) + "," +
           num(row.host_share) + "," + (row.pareto_area ? "1" : "0") + "," + (row.pareto_energy ? "1" : "0") + "\n";
  }
  return out;
}

std::string report_json(const ReportData& d) {
  nlohmann::json rows = nlohmann::json::array();
  for (const Row& row : d.rows) {
    nlohmann::json j = record_json(*row.record);
    j["derived"] = {{"latency_ms", row.latency_ms},
                    {"util_peak", row.util_peak},
                    {"util_roofline", row.util_roofline},
                    {"dram_bytes", row.dram_bytes},
                    {"sram_bytes", row.sram_bytes},
                    {"area",
                     {{"family", d.family},
                      {"source", row.area.source},
                      {"lut", row.area.r.lut},
                      {"ff", row.area.r.ff},
                      {"dsp", row.area.r.dsp},
                      {"bram36", row.area.r.bram36}}},
                    {"energy_pj",
                     {{"technology", d.technology.name},
                      {"mac", row.energy.mac},
                      {"sram", row.energy.sram},
                      {"dram", row.energy.dram},
                      {"idle", row.energy.idle}}},
                    {"pj_per_inference", row.pj_per_inference},
                    {"tops_per_watt", row.tops_per_watt},
                    {"host_share", row.host_share},
                    {"pareto_area", row.pareto_area},
                    {"pareto_energy", row.pareto_energy}};
    rows.push_back(std::move(j));
  }
  nlohmann::json baselines = nlohmann::json::array();
  for (const auto& b : d.sweep.baselines) baselines.push_back(baseline_json(b));
  return nlohmann::json{{"records", rows}, {"baselines", baselines}, {"skipped", d.sweep.skipped}}.dump(1) + "\n";
}

ReportSummary write_report(const ReportOptions& o) {
  for (const auto& [path, option] : {std::pair{o.html, "-o"}, {o.csv, "--csv"}, {o.json, "--json"}}) {
    if (!path.empty()) isa::check_writable(path, option);
  }
  if (o.html.empty()) throw UserError("report: -o FILE.html is required");
  if (!(o.ceiling > 0 && o.ceiling <= 1)) throw UserError("--ceiling: expected a share in (0, 1]");
  AreaEstimator areas(o.synth_dir);
  const ReportData d = build_report(o, areas);
  isa::write_file_atomic(o.html, report_html(d, areas), "-o");
  if (!o.csv.empty()) isa::write_file_atomic(o.csv, report_csv(d), "--csv");
  if (!o.json.empty()) isa::write_file_atomic(o.json, report_json(d), "--json");
  std::set<std::string> nets;
  for (const Record& r : d.sweep.records) nets.insert(r.network);
  return {d.sweep.records.size(), d.sweep.baselines.size(), nets.size()};
}

}  // namespace systole::explore
