// `systole sweep`: evaluates every network at every point of a spec's cross product (or one shard's share of it)
// and writes one record per (network, point) into a sweep folder (record.hpp says what it holds).
//
// Resumable: a record already in the folder is not computed again, so a stopped sweep continues where it stopped and
// a sweep with more axis values computes only the new points. Records are written atomically (a partial file never
// appears). `jobs` > 1 forks that many worker processes over the shard's points (the SystemC kernel is one simulation
// per process); the parent draws the progress. Baselines run once per network, in shard 1, after the points.
#pragma once

#include <cstdint>
#include <filesystem>

#include "perf/explore/sweep_spec.hpp"

namespace systole::explore {

struct SweepOptions {
  std::filesystem::path spec;
  std::filesystem::path out;  // the sweep folder (created)
  Shard shard;
  int jobs = 1;
};

struct SweepSummary {
  std::uint64_t points = 0;     // in the whole cross product
  std::uint64_t owned = 0;      // this shard's
  std::uint64_t skipped = 0;    // of the owned points, rejected by the schema or not runnable at the level (rtl)
  std::uint64_t evaluated = 0;  // network-points computed now
  std::uint64_t resumed = 0;    // network-points whose record was already there
  std::uint64_t baselines = 0;  // baseline records written now
  double seconds = 0;           // wall time of the points (not the baselines)
};

SweepSummary run_sweep(const SweepOptions& options);

}  // namespace systole::explore
