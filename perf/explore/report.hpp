// `systole report`: merges the records of any number of sweep folders (shards, or several sweeps) and writes one
// self-contained HTML page (inline SVG plots, no script, nothing fetched), and optionally CSV and JSON tables.
//
// Per network and point: cycles, latency at the point's clock, utilization of the array's peak and of the roofline
// (the peak, or DRAM bandwidth x the run's MACs per DRAM byte where that is lower), the stall breakdown (timed
// levels), DRAM and SRAM traffic, area (area.hpp), energy and TOPS/W (energy.hpp); the Pareto fronts of latency
// against area (LUTs) and against energy; the baselines on the same latency axes; per-layer tables of the Pareto
// points; and a board table (boards/): fit under a utilization ceiling, latency and throughput at the board's clock,
// the board's DRAM bandwidth against what the point assumes.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "perf/explore/area.hpp"
#include "perf/explore/energy.hpp"
#include "perf/explore/record.hpp"
#include "systole/board.hpp"

namespace systole::explore {

struct ReportOptions {
  std::vector<std::filesystem::path> dirs;
  std::filesystem::path html, csv, json;  // html required; csv and json optional
  std::filesystem::path synth_dir = default_synth_dir();
  std::filesystem::path energy_file = default_energy_file();
  std::string technology = "45nm";
  std::string family = "xcup";  // Yosys family of the area columns (boards use their own)
  double ceiling = 0.8;         // board utilization ceiling (LUT, DSP, BRAM)
};

// The figures of one record.
struct Row {
  const Record* record = nullptr;
  double latency_ms = 0;     // one run (batch inferences) at the point's clock
  double util_peak = 0;      // macs / (cycles x rows x cols)
  double util_roofline = 0;  // achieved MACs per cycle / min(rows x cols, bytes_per_cycle x macs / DRAM bytes)
  double dram_bytes = 0, sram_bytes = 0;
  Area area;
  Energy energy;  // one run
  double pj_per_inference = 0, tops_per_watt = 0;
  double host_share = 0;  // of the network's MACs placed on the host at this point (see mark_pareto)
  bool pareto_area = false, pareto_energy = false;
};

// A board against one point.
struct BoardFit {
  const Board* board = nullptr;
  Area area;                          // in the board's family
  double lut = 0, dsp = 0, bram = 0;  // shares of the device
  // The block RAM as a share of BRAM36 plus UltraRAM (an UltraRAM holds 288 Kb, 8 BRAM36), for boards that have it:
  // what fits when Vivado moves the large memories into UltraRAM. Capacity only (widths and depths not matched).
  double bram_uram = 0;
  bool fits = false;
  bool needs_uram = false;  // fits only with memories in UltraRAM
  double need_gbps = 0;     // what the point's three data ports move at most, at the board's clock
  double bank_gbps = 0;     // the board's first bank (every port binds to it)
};

struct ReportData {
  SweepData sweep;
  std::vector<Row> rows;  // one per record, same order
  Technology technology;
  std::vector<Board> boards;
  std::string family;
  const AreaModel* model = nullptr;  // of `family`
  double ceiling = 0.8;
};

// Reads and derives everything the outputs show (the AreaEstimator must outlive the result).
ReportData build_report(const ReportOptions& options, AreaEstimator& areas);

// Marks the Pareto-optimal rows (smaller latency and smaller cost) among `rows`, per network. Only the rows that leave
// the least of the network's MACs to the host are candidates: a point whose memories cannot hold a layer sends it to
// the host, and its latency leaves the host's part out.
void mark_pareto(std::vector<Row>& rows);

BoardFit board_fit(const Board& board, const Record& r, AreaEstimator& areas, double ceiling);

std::string report_html(const ReportData& data, AreaEstimator& areas);
std::string report_csv(const ReportData& data);
std::string report_json(const ReportData& data);

struct ReportSummary {
  std::size_t records = 0, baselines = 0, networks = 0;
};
ReportSummary write_report(const ReportOptions& options);

}  // namespace systole::explore
