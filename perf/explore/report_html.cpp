// The HTML page of `systole report` (report.hpp): one file, inline CSS and SVG, no script.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "perf/explore/report.hpp"
#include "perf/explore/svg_plot.hpp"

namespace systole::explore {
namespace {

constexpr std::size_t kTableRows = 100;   // per network, fastest first (the CSV has every row)
constexpr std::size_t kDrillDowns = 12;   // per-layer tables, Pareto points first
constexpr std::size_t kBoardPoints = 24;  // points in the board table
const char* const kColors[] = {"#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"};

std::string f(const char* format, double v) {
  char b[64];
  std::snprintf(b, sizeof b, format, v);
  return b;
}

std::string pct(double v) {
  return f("%.1f%%", 100 * v);
}

std::string bytes(double v) {
  if (v >= 1e9) return f("%.2f GB", v / 1e9);
  if (v >= 1e6) return f("%.2f MB", v / 1e6);
  if (v >= 1e3) return f("%.1f kB", v / 1e3);
  return f("%.0f B", v);
}

std::string point_text(const Record& r) {
  std::string s;
  for (const auto& [k, v] : r.coords) s += (s.empty() ? "" : " ") + k + "=" + v;
  return s.empty() ? r.point : s;
}

// Stall cycles by cause, summed over the units, as shares of the units' cycles (timed levels only).
std::string stalls(const Record& r) {
  std::map<std::string, std::uint64_t> by_cause;
  int units = 0;
  for (const auto& [k, v] : r.counters) {
    const auto at = k.find(".stall.");
    if (at == std::string::npos || k.starts_with("dispatch.")) continue;
    by_cause[k.substr(at + 7, k.size() - at - 7 - 7)] += v;  // "<unit>.stall.<cause>_cycles"
  }
  for (const char* u : {"load", "compute", "store"}) units += r.counters.count(std::string(u) + ".busy_cycles") > 0;
  if (by_cause.empty() || units == 0) return "n/a (" + r.level + ")";
  const double total = static_cast<double>(r.counter("cycles")) * units;
  std::string s;
  for (const auto& [cause, v] : by_cause) {
    if (v) s += (s.empty() ? "" : ", ") + cause + " " + pct(static_cast<double>(v) / total);
  }
  return s.empty() ? "none" : s;
}

const char* kStyle = R"(<style>
body{font-family:sans-serif;margin:24px;color:#222;max-width:1400px}
table{border-collapse:collapse;margin:8px 0 16px;font-size:12px}
th,td{border:1px solid #ccc;padding:3px 6px;text-align:right}
th{background:#f0f0f0}
td.l,th.l{text-align:left}
tr.front td{background:#fff4e0}
.plots{display:flex;flex-wrap:wrap;gap:16px}
.wide{overflow-x:auto}
.note{color:#555;font-size:12px}
details{margin:4px 0}
</style>
)";

void network_section(std::string& h, const ReportData& d, const std::string& net, const std::vector<const Row*>& rows) {
  h += "<h2 id=\"net-" + html_escape(net) + "\">" + html_escape(net) + "</h2>\n";
  h += "<p>" + std::to_string(rows.size()) + " points, level " + html_escape(rows.front()->record->level) + ", batch " +
       std::to_string(rows.front()->record->batch) + " per run.</p>\n";
  std::vector<RefLine> lines;
  std::size_t color = 1;
  for (const auto& b : d.sweep.baselines) {
    if (b.network != net) continue;
    lines.push_back({b.baseline + " " + f("%.3g ms", b.median_ms) + " (" + b.device + ", " + std::to_string(b.threads) +
                         " threads, batch " + std::to_string(b.batch) + ")",
                     kColors[color++ % 6], b.median_ms});
  }
  for (int dim = 0; dim < 2; ++dim) {
    Plot p;
    p.title = net + (dim == 0 ? ": latency against area" : ": latency against energy");
    p.x_label = dim == 0 ? "LUTs (" + d.family + ")" : "energy per inference, uJ (" + d.technology.name + ")";
    p.y_label = "latency per run, ms";
    Series all{"points", "#7f7f7f", {}, false}, front{"Pareto front", "#d62728", {}, true};
    for (const Row* r : rows) {
      const double x = dim == 0 ? r->area.r.lut : r->pj_per_inference / 1e6;
      all.points.emplace_back(x, r->latency_ms);
      if (dim == 0 ? r->pareto_area : r->pareto_energy) front.points.emplace_back(x, r->latency_ms);
    }
    p.series = {all, front};
    p.lines = lines;
    if (dim == 0) h += "<div class=\"plots\">\n";
    h += svg_plot(p);
    if (dim == 1) h += "</div>\n";
  }
  if (lines.empty())
    h += "<p class=\"note\">No baseline records for this network (spec key <code>baselines</code>).</p>\n";

  std::vector<const Row*> sorted = rows;
  std::sort(sorted.begin(), sorted.end(), [](const Row* a, const Row* b) { return a->latency_ms < b->latency_ms; });
  h += "<div class=\"wide\"><table><tr><th class=\"l\">point</th><th>cycles</th><th>latency "
       "ms</th><th>inf/s</th><th>util of peak</th>"
       "<th>util of roofline</th><th class=\"l\">stalls (share of unit-cycles)</th><th>DRAM</th><th>SRAM</th>"
       "<th>LUT</th><th>FF</th><th>DSP</th><th>BRAM36</th><th class=\"l\">area from</th><th>uJ/inf</th>"
       "<th>TOPS/W</th><th>on host</th><th>Pareto</th></tr>\n";
  for (std::size_t i = 0; i < sorted.size() && i < kTableRows; ++i) {
    const Row& r = *sorted[i];
    const Record& rec = *r.record;
    const bool front = r.pareto_area || r.pareto_energy;
    h += std::string(front ? "<tr class=\"front\">" : "<tr>") + "<td class=\"l\">" + html_escape(point_text(rec)) +
         "</td><td>" + std::to_string(rec.counter("cycles")) + "</td><td>" + f("%.4g", r.latency_ms) + "</td><td>" +
         f("%.4g", r.latency_ms > 0 ? 1e3 * static_cast<double>(rec.batch) / r.latency_ms : 0) + "</td><td>" +
         pct(r.util_peak) + "</td><td>" + pct(r.util_roofline) + "</td><td class=\"l\">" + html_escape(stalls(rec)) +
         "</td><td>" + bytes(r.dram_bytes) + "</td><td>" + bytes(r.sram_bytes) + "</td><td>" + f("%.0f", r.area.r.lut) +
         "</td><td>" + f("%.0f", r.area.r.ff) + "</td><td>" + f("%.0f", r.area.r.dsp) + "</td><td>" +
         f("%.1f", r.area.r.bram36) + "</td><td class=\"l\">" + html_escape(r.area.source) + "</td><td>" +
         f("%.4g", r.pj_per_inference / 1e6) + "</td><td>" + f("%.3g", r.tops_per_watt) + "</td><td>" +
         (r.host_share > 0 ? std::to_string(rec.counter("host_ops")) + " layers, " + pct(r.host_share) + " of MACs"
                           : std::string()) +
         "</td><td>" + (r.pareto_area ? "area " : "") + (r.pareto_energy ? "energy" : "") + "</td></tr>\n";
  }
  h += "</table></div>\n";
  if (sorted.size() > kTableRows) {
    h += "<p class=\"note\">The " + std::to_string(kTableRows) + " fastest of " + std::to_string(sorted.size()) +
         " points; <code>--csv</code> writes them all.</p>\n";
  }
  // Per-layer drill-down of the Pareto points (fastest first).
  h += "<h3>Per layer (Pareto points)</h3>\n";
  std::size_t shown = 0;
  for (const Row* r : sorted) {
    if (!(r->pareto_area || r->pareto_energy) || shown++ >= kDrillDowns) continue;
    const Record& rec = *r->record;
    h += "<details><summary>" + html_escape(point_text(rec)) + ": " + f("%.4g ms", r->latency_ms) +
         "</summary>\n<table><tr><th class=\"l\">layer</th><th class=\"l\">op</th><th class=\"l\">where</th>"
         "<th>cycles</th><th>share</th><th>MACs</th><th>util</th><th>DRAM</th></tr>\n";
    const double total = static_cast<double>(std::max<std::uint64_t>(rec.counter("cycles"), 1));
    const double pes = static_cast<double>(rec.arch.params.array_rows * rec.arch.params.array_cols);
    for (const LayerRecord& l : rec.layers) {
      h += "<tr><td class=\"l\">" + html_escape(l.name) + "</td><td class=\"l\">" + html_escape(l.op) +
           "</td><td class=\"l\">" + (l.accel ? "accel" : "host") + "</td><td>" + std::to_string(l.cycles) +
           "</td><td>" + pct(static_cast<double>(l.cycles) / total) + "</td><td>" + std::to_string(l.macs) +
           "</td><td>" + (l.cycles ? pct(static_cast<double>(l.macs) / (static_cast<double>(l.cycles) * pes)) : "") +
           "</td><td>" + bytes(static_cast<double>(l.dram_bytes)) + "</td></tr>\n";
    }
    h += "</table></details>\n";
  }
}

void board_section(std::string& h, const ReportData& d, AreaEstimator& areas,
                   const std::map<std::string, std::vector<const Row*>>& by_net) {
  h += "<h2 id=\"boards\">Boards</h2>\n<p>Each board in <code>boards/</code> against the Pareto points (up to " +
       std::to_string(kBoardPoints) + ", fastest first): the point fits when LUT, DSP and BRAM stay under " +
       pct(d.ceiling) +
       " of the device (area in the board's Yosys family; on boards with UltraRAM, block RAM beyond the ceiling may "
       "move there, counted by capacity, 8 BRAM36 per URAM); latency and throughput at the board's kernel clock; the "
       "DRAM bandwidth the point's three data ports (load, accumulator load, store, each "
       "<code>dram.bytes_per_cycle</code> wide) can move at that clock against the board's first bank, to which "
       "every port binds.</p>\n";
  std::vector<const Row*> cand;
  std::set<std::string> seen;
  for (const auto& [net, rows] : by_net) {
    (void)net;
    for (const Row* r : rows) {
      if ((r->pareto_area || r->pareto_energy) && seen.insert(r->record->point).second) cand.push_back(r);
    }
  }
  std::sort(cand.begin(), cand.end(), [](const Row* a, const Row* b) { return a->latency_ms < b->latency_ms; });
  if (cand.size() > kBoardPoints) cand.resize(kBoardPoints);
  // Per point and network: cycles (to project to the board's clock).
  std::map<std::pair<std::string, std::string>, const Row*> at;
  for (const auto& [net, rows] : by_net) {
    for (const Row* r : rows) at[{r->record->point, net}] = r;
  }
  h += "<div class=\"wide\"><table><tr><th class=\"l\">board</th><th "
       "class=\"l\">point</th><th>LUT</th><th>DSP</th><th>BRAM</th>"
       "<th class=\"l\">fits</th><th class=\"l\">area from</th>";
  for (const auto& [net, rows] : by_net) {
    (void)rows;
    h += "<th>" + html_escape(net) + " ms</th><th>inf/s</th>";
  }
  h += "<th>needs GB/s</th><th>bank GB/s</th></tr>\n";
  for (const Board& b : d.boards) {
    for (const Row* r : cand) {
      const BoardFit fit = board_fit(b, *r->record, areas, d.ceiling);
      h += "<tr><td class=\"l\">" + html_escape(b.name) + " (" + std::to_string(b.kernel_clock_mhz) +
           " MHz)</td><td class=\"l\">" + html_escape(point_text(*r->record)) + "</td><td>" + pct(fit.lut) +
           "</td><td>" + pct(fit.dsp) + "</td><td>" + pct(fit.bram) + "</td><td class=\"l\">" +
           (fit.needs_uram ? "yes, with memories in URAM (" + pct(fit.bram_uram) + " of BRAM + URAM)"
            : fit.fits     ? std::string("yes")
                           : std::string("no")) +
           "</td><td class=\"l\">" + html_escape(fit.area.source) + "</td>";
      for (const auto& [net, rows] : by_net) {
        (void)rows;
        const auto it = at.find({r->record->point, net});
        if (it == at.end()) {
          h += "<td></td><td></td>";
          continue;
        }
        const double ms = static_cast<double>(it->second->record->counter("cycles")) / b.kernel_clock_mhz / 1e3;
        h += "<td>" + f("%.4g", ms) + "</td><td>" +
             f("%.4g", ms > 0 ? 1e3 * static_cast<double>(it->second->record->batch) / ms : 0) + "</td>";
      }
      h += "<td>" + f("%.1f", fit.need_gbps) + "</td><td>" + f("%.1f", fit.bank_gbps) +
           (fit.need_gbps > fit.bank_gbps ? " (short)" : "") + "</td></tr>\n";
    }
  }
  h += "</table></div>\n";
}

void area_section(std::string& h, const ReportData& d, AreaEstimator& areas) {
  h += "<h2 id=\"area\">Area</h2>\n<p>Yosys <code>synth_xilinx</code> results (hw/synth/results, hierarchical mode) "
       "where one matches a point's parameters exactly; otherwise a model fitted to them: the kernel's hierarchy split "
       "into array and compute unit (rows x cols), lanes (cols), DMA (LUTs: bytes per cycle x cols; FFs: cols), "
       "memory (KiB of SRAM) and control (constant), "
       "each a least-squares line per resource. Area columns above are for family <b>" +
       html_escape(d.family) + "</b>. " + std::to_string(areas.results().size()) +
       " results committed. Fit error on held-back configs (leave one out: fit on the others, predict this one):</p>\n";
  h += "<table><tr><th class=\"l\">held back</th><th>LUT</th><th>model</th><th>error</th><th>FF</th><th>model</th>"
       "<th>error</th><th>DSP</th><th>model</th><th>error</th><th>BRAM36</th><th>model</th><th>error</th></tr>\n";
  const auto err = [](double a, double p) { return a > 0 ? f("%+.1f%%", 100 * (p - a) / a) : std::string("-"); };
  for (const std::string fam : {"xc7", "xcup"}) {
    for (const HeldBack& hb : areas.model(fam).held_back()) {
      h += "<tr><td class=\"l\">" + html_escape(hb.file) + "</td><td>" + f("%.0f", hb.actual.lut) + "</td><td>" +
           f("%.0f", hb.predicted.lut) + "</td><td>" + err(hb.actual.lut, hb.predicted.lut) + "</td><td>" +
           f("%.0f", hb.actual.ff) + "</td><td>" + f("%.0f", hb.predicted.ff) + "</td><td>" +
           err(hb.actual.ff, hb.predicted.ff) + "</td><td>" + f("%.0f", hb.actual.dsp) + "</td><td>" +
           f("%.0f", hb.predicted.dsp) + "</td><td>" + err(hb.actual.dsp, hb.predicted.dsp) + "</td><td>" +
           f("%.1f", hb.actual.bram36) + "</td><td>" + f("%.1f", hb.predicted.bram36) + "</td><td>" +
           err(hb.actual.bram36, hb.predicted.bram36) + "</td></tr>\n";
    }
  }
  h += "</table>\n<p class=\"note\">With three configs per family, holding out tiny or large is an extrapolation. "
       "The groups' quantities were chosen looking at these same configs: read the errors as optimistic for points far "
       "from them.</p>\n";
}

void energy_section(std::string& h, const ReportData& d) {
  const Technology& t = d.technology;
  h += "<h2 id=\"energy\">Energy</h2>\n<p>Event counts times per-event energies, technology <b>" + html_escape(t.name) +
       "</b> (" + html_escape(t.description) + "). Source: " + html_escape(t.source) +
       ".</p>\n<ul><li>MAC: " + f("%.3g pJ", t.mac_pj) + "</li><li>DRAM: " + f("%.4g pJ/byte", t.dram_pj_per_byte) +
       "</li><li>SRAM per byte by bank size:";
  for (const auto& [kib, pj] : t.sram) h += " " + f("%.0f KiB", kib) + " " + f("%.3g pJ", pj) + ";";
  h += "</li><li>idle PE-cycle: " + f("%.3g pJ", t.idle_pj_per_pe_cycle) + "</li></ul>\n";
  if (!t.assumptions.empty()) h += "<p class=\"note\">Assumptions: " + html_escape(t.assumptions) + ".</p>\n";
  h += "<p class=\"note\">FPGA per-event figures are not available yet: the energies are those of an ASIC in this "
       "technology. TOPS/W counts 2 operations per useful MAC.</p>\n";
}

}  // namespace

std::string report_html(const ReportData& d, AreaEstimator& areas) {
  std::map<std::string, std::vector<const Row*>> by_net;
  std::set<std::string> points;
  for (const Row& r : d.rows) {
    by_net[r.record->network].push_back(&r);
    points.insert(r.record->point);
  }
  std::string h =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Systole exploration "
      "report</title>\n" +
      std::string(kStyle) + "</head><body>\n<h1>Systole exploration report</h1>\n";
  std::string levels;
  for (const auto& l : d.sweep.levels) levels += (levels.empty() ? "" : ", ") + l;
  h += "<p>" + std::to_string(d.rows.size()) + " records: " + std::to_string(by_net.size()) + " networks x " +
       std::to_string(points.size()) + " points, level " + html_escape(levels) + "; " +
       std::to_string(d.sweep.baselines.size()) + " baseline records; " + std::to_string(d.sweep.skipped.size()) +
       " points skipped (the arch schema or the level rejects them).</p>\n<p>";
  for (const auto& [net, rows] : by_net) {
    (void)rows;
    h += "<a href=\"#net-" + html_escape(net) + "\">" + html_escape(net) + "</a> &middot; ";
  }
  h += "<a href=\"#boards\">boards</a> &middot; <a href=\"#area\">area</a> &middot; <a href=\"#energy\">energy</a> "
       "&middot; <a href=\"#skipped\">skipped</a></p>\n";
  h += "<p class=\"note\">Points that leave more of a network's MACs to the host than the best point does (a layer "
       "the point's memories cannot hold) say so in the <i>on host</i> column and are kept off the Pareto fronts: "
       "their latency leaves out the host's part.</p>\n";
  h += "<p class=\"note\">Latency: cycles at the point's <code>clock.mhz</code>. Utilization of peak: useful MACs / "
       "(cycles x rows x cols). Utilization of roofline: MACs per cycle / min(rows x cols, "
       "<code>dram.bytes_per_cycle</code> x MACs per DRAM byte), the bandwidth of one DRAM port as the compiler's "
       "estimate assumes. Stalls come from the timed levels (systemc, rtl); the estimate level has none.</p>\n";
  for (const auto& [net, rows] : by_net) network_section(h, d, net, rows);
  board_section(h, d, areas, by_net);
  area_section(h, d, areas);
  energy_section(h, d);
  h += "<h2 id=\"skipped\">Skipped points</h2>\n";
  if (d.sweep.skipped.empty()) h += "<p>None.</p>\n";
  std::size_t n = 0;
  h += "<ul>\n";
  for (const auto& [point, reason] : d.sweep.skipped) {
    if (n++ >= 20) break;
    h += "<li>" + html_escape(reason) + "</li>\n";
  }
  h += "</ul>\n";
  if (d.sweep.skipped.size() > 20)
    h += "<p class=\"note\">(the first 20 of " + std::to_string(d.sweep.skipped.size()) + ")</p>\n";
  return h + "</body></html>\n";
}

}  // namespace systole::explore
