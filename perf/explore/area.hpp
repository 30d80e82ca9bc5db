// FPGA area of a sweep point: the Yosys result in hw/synth/results when one was made for exactly the point's
// parameters, otherwise a model fitted to those results.
//
// The model follows the kernel's structure. Each result's `hierarchy` (per module: own cells x instances) is split
// into five groups, each resource of a group a line in the one arch quantity it scales with:
//   array    pe, systolic_array (and the output-stationary ones), compute_unit   rows x cols
//   lanes    requant, fp32_* (the vector lanes' fp32 units), row_walk            cols
//   dma      dma_load, dma_store, dma_burst     LUT, DSP, BRAM: bytes_per_cycle x cols (beat-to-lane steering);
//                                               FF: cols (per-lane registers)
//   memory   sram_1r1w                                                           KiB of SRAM: inp + wgt + 2 x acc
//   control  everything else (control slave, fetch, dispatch, queues)            a constant
// Each line is fitted by least squares (intercept and slope) per Yosys family. With three configs per family
// committed (tiny, default, large), the held-back error is leave-one-out: fit on two, predict the third (tiny and
// large are extrapolations). The quantities were chosen looking at these same three configs, so the held-back error
// is an optimistic bound for configs far from them.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "systole/arch.hpp"

namespace systole::explore {

struct Resources {
  double lut = 0, ff = 0, dsp = 0, bram36 = 0;
};

constexpr int kAreaGroups = 5;

struct SynthResult {
  std::string file;  // e.g. default_xcup.json
  std::string family;
  std::map<std::string, std::int64_t> params;  // the top's parameters (Rows, Cols, ...), without Fingerprint
  Resources total;
  std::array<Resources, kAreaGroups> groups;   // the hierarchy split into the model's groups
  std::array<double, kAreaGroups> features{};  // rows x cols, cols, bytes_per_cycle x cols, KiB of SRAM, 0
};

// The hierarchical results (`*_xc7.json`, `*_xcup.json`; flat ones are left out) in `dir`, sorted by file name; a
// result that cannot be read is a UserError naming the file and the key.
std::vector<SynthResult> read_synth_results(const std::filesystem::path& dir);

// The default results folder: hw/synth/results beside the arch configs (installed:
// <prefix>/share/systole/synth/results).
std::filesystem::path default_synth_dir();

// The synth.py parameters of the kernel built for `arch` (what a result's `params` holds).
std::map<std::string, std::int64_t> synth_params(const isa::ArchConfig& arch);

struct HeldBack {
  std::string file;  // the result left out
  Resources actual, predicted;
};

class AreaModel {
 public:
  // Fits the family's results; a family with no result gives a model that predicts nothing (fitted() is false).
  static AreaModel fit(const std::vector<SynthResult>& results, const std::string& family);

  bool fitted() const { return fitted_; }
  Resources predict(const isa::ArchConfig& arch) const;
  // Leave-one-out over the family's results (empty with fewer than two).
  const std::vector<HeldBack>& held_back() const { return held_back_; }

 private:
  static AreaModel fit_only(const std::vector<const SynthResult*>& results);
  bool fitted_ = false;
  // Per group and resource: intercept and slope.
  std::array<std::array<std::array<double, 2>, 4>, kAreaGroups> coef_{};
  std::vector<HeldBack> held_back_;
};

struct Area {
  Resources r;
  std::string source;  // "yosys <file>" or "model"
};

// Area for points, by family: Yosys where a result matches, else the family's model.
class AreaEstimator {
 public:
  explicit AreaEstimator(const std::filesystem::path& synth_dir);
  Area area(const isa::ArchConfig& arch, const std::string& family);
  const AreaModel& model(const std::string& family);
  const std::vector<SynthResult>& results() const { return results_; }

 private:
  std::vector<SynthResult> results_;
  std::map<std::string, AreaModel> models_;
};

}  // namespace systole::explore
