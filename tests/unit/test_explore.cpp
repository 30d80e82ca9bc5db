// The exploration library (perf/explore): sweep specs and points, shards, the area and energy models, Pareto fronts
// and plots, against hand-worked values.
#include <catch2/catch.hpp>
#include <set>

#include "perf/explore/area.hpp"
#include "perf/explore/energy.hpp"
#include "perf/explore/report.hpp"
#include "perf/explore/svg_plot.hpp"
#include "perf/explore/sweep_spec.hpp"
#include "systole/error.hpp"

using Catch::Contains;
using namespace systole::explore;

namespace {

const std::filesystem::path kSpecFile = std::filesystem::path(SYSTOLE_SOURCE_DIR) / "examples" / "x.toml";

SweepSpec spec_of(const std::string& axes) {
  return parse_sweep_spec("networks = [\"a.onnx\"]\nbase = \"tiny\"\n[axes]\n" + axes, kSpecFile);
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("sweep points: cross product in the order written, the last axis fastest", "[unit]") {
  // Written rows before cols; toml++ keeps keys sorted, so the order must come from the source positions.
  const SweepSpec s = spec_of(
      "\"array.rows\" = [4, 8]\n\"array.cols\" = [2, 4, 8]\n\"array.dataflow\" = "
      "[\"output_stationary\"]\n");
  REQUIRE(s.point_count() == 6);
  CHECK(s.networks.at(0) == kSpecFile.parent_path() / "a.onnx");
  const Point p4 = make_point(s, 4);  // rows index 1, cols index 1
  CHECK(p4.coords == std::vector<std::pair<std::string, std::string>>{
                         {"array.rows", "8"}, {"array.cols", "4"}, {"array.dataflow", "output_stationary"}});
  CHECK(p4.skipped.empty());
  CHECK(p4.arch.rows() == 8);
  CHECK(p4.arch.cols() == 4);
  CHECK(p4.arch.params.memory_inp_kib == 16);  // from the base, tiny
  CHECK(p4.arch.name == p4.id);
  // Ids name the parameters, not the index: the same point in another spec has the same id.
  const SweepSpec other = spec_of(
      "\"array.cols\" = [4]\n\"array.rows\" = [8]\n\"array.dataflow\" = "
      "[\"output_stationary\"]\n");
  CHECK(make_point(other, 0).id == p4.id);
}

TEST_CASE("sweep points the arch schema rejects are skipped with its reason", "[unit]") {
  const SweepSpec s = spec_of("\"array.rows\" = [3, 4]\n");
  const Point bad = make_point(s, 0);
  CHECK_THAT(bad.skipped, Contains("memory.inp_kib") && Contains("3-byte rows"));
  CHECK(make_point(s, 1).skipped.empty());
}

TEST_CASE("shards partition the points", "[unit]") {
  const std::uint64_t points = 1000;
  for (std::uint64_t n : {1, 2, 3, 7}) {
    std::vector<int> owners(points, 0);
    for (std::uint64_t k = 1; k <= n; ++k) {
      const Shard s = parse_shard(std::to_string(k) + "/" + std::to_string(n));
      for (std::uint64_t i = 0; i < points; ++i) owners[i] += s.owns(i);
    }
    CHECK(std::all_of(owners.begin(), owners.end(), [](int o) { return o == 1; }));
  }
  for (const char* bad : {"0/2", "3/2", "1", "a/b", "1/0", "1/2/3", "-1/2", "1/2000000"}) {
    CHECK_THROWS_WITH(parse_shard(bad), Contains("expected K/N"));
  }
}

TEST_CASE("area: a committed Yosys result where it matches, the fitted model elsewhere", "[unit]") {
  AreaEstimator areas(default_synth_dir());
  REQUIRE(areas.results().size() == 6);  // tiny, default, large x xc7, xcup (hier)
  const auto def = systole::isa::load_arch_config("default");
  const Area a = areas.area(def, "xc7");
  CHECK(a.source == "yosys default_xc7.json");
  CHECK(a.r.lut == 145137);
  CHECK(a.r.dsp == 396);
  // The clock is not a synthesis parameter: still the same result.
  auto clocked = def;
  clocked.params.clock_mhz = 400;
  CHECK(areas.area(clocked, "xc7").source == "yosys default_xc7.json");
  // 24x24 is no committed config: the model, between default and large.
  auto mid = def;
  mid.params.array_rows = mid.params.array_cols = 24;
  const Area m = areas.area(mid, "xcup");
  CHECK(m.source == "model");
  CHECK(m.r.lut > 182512);
  CHECK(m.r.lut < 394262);
  // DSPs are one per PE plus two per requant lane (two lanes per column) plus two per fp32 lane (fp32_mul, one lane per
  // column) plus the DMA's: exact for the model.
  CHECK(m.r.dsp == Approx(24 * 24 + 6 * 24 + 44).margin(1));
  // Leave-one-out: three held-back fits per family; the DSP count is linear, so holding any config out is exact.
  const auto& hb = areas.model("xc7").held_back();
  REQUIRE(hb.size() == 3);
  for (const HeldBack& h : hb) CHECK(h.predicted.dsp == Approx(h.actual.dsp).margin(0.5));
}

TEST_CASE("energy: interpolated SRAM energy and an event count worked by hand", "[unit]") {
  const auto techs = read_energy_file(default_energy_file());
  REQUIRE(!techs.empty());
  const Technology& t = techs.front();
  CHECK(t.name == "45nm");
  CHECK_THAT(t.source, Contains("Horowitz"));
  CHECK(t.sram_pj_per_byte(8) == Approx(1.25));
  CHECK(t.sram_pj_per_byte(1024) == Approx(12.5));
  CHECK(t.sram_pj_per_byte(16) == Approx(1.25 * std::sqrt(2.0)));  // halfway between 8 and 32 KiB, log-log
  CHECK(t.sram_pj_per_byte(4096) == Approx(12.5));                 // held constant outside the table
  Record r;
  r.arch = systole::isa::load_arch_config("tiny");  // 4x4, 16/16/32 KiB, 2 banks
  r.counters = {{"cycles", 100},       {"macs", 1000},         {"inp.read_bytes", 10}, {"wgt.write_bytes", 20},
                {"acc.read_bytes", 4}, {"dram.read_bytes", 2}, {"fetch.read_bytes", 1}};
  const Energy e = energy(r, t);
  CHECK(e.mac == Approx(1000 * 0.3));
  CHECK(e.dram == Approx(3 * 162.5));
  // Banks of 8, 8 and 16 KiB.
  CHECK(e.sram == Approx(30 * 1.25 + 4 * 1.25 * std::sqrt(2.0)));
  CHECK(e.idle == Approx((100 * 16 - 1000) * 0.03));
}

TEST_CASE("Pareto fronts: latency against area and energy, per network, host placements left out", "[unit]") {
  std::vector<Record> recs(5);
  for (auto& r : recs) r.network = "n";
  recs[4].network = "m";
  std::vector<Row> rows(5);
  const double lat[] = {1, 2, 3, 1.5, 9}, lut[] = {10, 5, 6, 20, 1}, pj[] = {5, 1, 0.5, 4, 1};
  for (std::size_t i = 0; i < 5; ++i) {
    rows[i].record = &recs[i];
    rows[i].latency_ms = lat[i];
    rows[i].area.r.lut = lut[i];
    rows[i].pj_per_inference = pj[i];
  }
  rows[3].host_share = 0.5;  // fastest, but it leaves half of the MACs to the host: never on a front
  rows[3].latency_ms = 0.1;
  rows[4].host_share = 0.3;  // the least any point of its network leaves to the host: a candidate
  mark_pareto(rows);
  CHECK(rows[0].pareto_area);
  CHECK(rows[1].pareto_area);
  CHECK_FALSE(rows[2].pareto_area);  // slower and larger than row 1
  CHECK(rows[2].pareto_energy);
  CHECK_FALSE(rows[3].pareto_area);
  CHECK_FALSE(rows[3].pareto_energy);
  CHECK(rows[4].pareto_area);  // alone in its network
}

TEST_CASE("svg plot: points, a front, reference lines, escaped text", "[unit]") {
  Plot p;
  p.title = "a < b & c";
  p.series = {{"points", "#777", {{1, 1}, {10, 2}, {100, 3}, {1000, 4}}, false},
              {"front", "#d62728", {{1, 1}, {10, 2}}, true}};
  p.lines = {{"cpu", "#1f77b4", 2.5}};
  const std::string svg = svg_plot(p);
  CHECK(svg.rfind("<svg", 0) == 0);
  CHECK(count(svg, "<circle") == 4 + 2 + 2);  // the points, the front, a legend mark per series
  CHECK(count(svg, "<polyline") == 1);
  CHECK(count(svg, "class=\"baseline\"") == 1);
  CHECK_THAT(svg, Contains("a &lt; b &amp; c"));
  CHECK_THAT(svg, Contains("(log)"));  // x spans 1000x
}

TEST_CASE("board fit: shares of the device under the ceiling, UltraRAM by capacity, bandwidth at the board clock",
          "[unit]") {
  AreaEstimator areas(default_synth_dir());
  Record r;
  r.arch = systole::isa::load_arch_config("default");  // Yosys xcup: 182,512 LUT, 396 DSP, 235 BRAM36
  systole::Board b;
  b.name = "test";
  b.family = "xcup";
  b.kernel_clock_mhz = 300;
  b.resources = {.lut = 1000000, .ff = 2000000, .dsp = 1000, .bram36 = 100, .uram = 0};
  b.banks = {{"DDR[0]", "DDR4", 16, 19.2}};
  BoardFit f = board_fit(b, r, areas, 0.8);
  CHECK(f.area.source == "yosys default_xcup.json");
  CHECK(f.lut == Approx(0.182512));
  CHECK(f.dsp == Approx(0.396));
  CHECK(f.bram == Approx(2.35));
  CHECK_FALSE(f.fits);
  CHECK(f.need_gbps == Approx(3 * 32 * 300 / 1e3));  // three data ports of 32 bytes per cycle at 300 MHz
  CHECK(f.bank_gbps == Approx(19.2));
  b.resources.uram = 100;  // 800 BRAM36 of capacity more
  f = board_fit(b, r, areas, 0.8);
  CHECK(f.fits);
  CHECK(f.needs_uram);
  CHECK(f.bram_uram == Approx(235.0 / 900));
  b.resources.dsp = 400;  // 99% of the DSPs: over the ceiling whatever the memories do
  CHECK_FALSE(board_fit(b, r, areas, 0.8).fits);
}
