// Sweep records: one JSON file per (network, point) and per (network, baseline), written by `systole sweep` and
// merged by `systole report`.
//
// A sweep folder holds records/<network>/<point>.json, baselines/<network>.<baseline>.json, skipped/<point>.json (a
// point the schema rejects, with the reason) and points/<point>.toml (the point's arch config, for `systole run
// --arch`). A record holds no time of day and no host timing, so the same point gives the same bytes in any shard:
// shards merge by taking the union of their files.
//
// Record (format "systole.sweep.record", version 1):
//   network, level, point, coords {axis key: value text}, params {every arch-schema key: value},
//   batch (inferences per run), counters {cycles, macs (on the accelerator), network_macs (every conv, matmul and
//   gemm of the network, wherever placed), array_macs, insns, host_ops (layers on the host),
//   inp|wgt|acc.read|write_bytes, dram.read|write_bytes; timed levels add their busy, idle and stall counters},
//   layers [{name, op, accel, cycles, macs, dram_bytes}].
// Baseline record: format "systole.sweep.baseline", network, baseline, batch, median_ms, throughput_per_s, gops,
//   device, threads (the `systole bench` record).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "systole/arch.hpp"

namespace systole::explore {

struct LayerRecord {
  std::string name, op;
  bool accel = false;
  std::uint64_t cycles = 0, macs = 0, dram_bytes = 0;
};

struct Record {
  std::string network, level, point;
  std::vector<std::pair<std::string, std::string>> coords;
  isa::ArchConfig arch;  // named `point`
  std::uint64_t batch = 1;
  std::map<std::string, std::uint64_t> counters;
  std::vector<LayerRecord> layers;

  std::uint64_t counter(const std::string& key) const {
    const auto it = counters.find(key);
    return it == counters.end() ? 0 : it->second;
  }
};

struct BaselineRecord {
  std::string network, baseline, device;
  std::uint64_t batch = 1;
  int threads = 0;
  double median_ms = 0, throughput_per_s = 0, gops = 0;
};

nlohmann::json record_json(const Record& r);
// Validates every field; a UserError names `origin` (the file) and the key.
Record parse_record(const nlohmann::json& j, const std::string& origin);

nlohmann::json baseline_json(const BaselineRecord& b);
nlohmann::json skipped_json(const std::string& point, const std::vector<std::pair<std::string, std::string>>& coords,
                            const std::string& reason);
BaselineRecord parse_baseline(const nlohmann::json& j, const std::string& origin);

// Where a sweep folder keeps each kind of file.
std::filesystem::path record_path(const std::filesystem::path& dir, const std::string& network,
                                  const std::string& point);
std::filesystem::path baseline_path(const std::filesystem::path& dir, const std::string& network,
                                    const std::string& baseline);
std::filesystem::path skipped_path(const std::filesystem::path& dir, const std::string& point);

// Every record, baseline and skipped point under the sweep folders `dirs` (shards of one sweep, or several sweeps).
// The same network and point in two folders must agree; a later copy of an identical record is dropped.
struct SweepData {
  std::vector<Record> records;  // sorted by network, then point
  std::vector<BaselineRecord> baselines;
  std::map<std::string, std::string> skipped;  // point -> reason
  std::vector<std::string> levels;
};
SweepData read_sweep_dirs(const std::vector<std::filesystem::path>& dirs);

}  // namespace systole::explore
