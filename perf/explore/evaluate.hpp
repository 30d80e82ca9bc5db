// Evaluating one network at one sweep point, at the sweep's level.
//
//   estimate  the compiler's analytic model (sim::estimate_cycles per layer, as `systole compile` reports it) and the
//             timing rules' traffic per instruction (sim::cost): no simulation. Programs are compiled once per arch
//             fingerprint and traffic counted once per fingerprint, dataflow and bank count, so axes over timing-only
//             keys (dram.*, clock.mhz) cost one pass over the instructions per point.
//   systemc   compile, then one run of the SystemC model on zero inputs (timing does not depend on values): what
//   rtl       `systole compile` and `systole run --backend systemc|rtl --stats` do, in one process.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "compiler/ir.hpp"
#include "compiler/lower.hpp"
#include "perf/explore/record.hpp"
#include "perf/explore/sweep_spec.hpp"

namespace systole::explore {

class Evaluator {
 public:
  // Imports every network of the spec (once).
  explicit Evaluator(const SweepSpec& spec);

  std::size_t network_count() const { return networks_.size(); }
  const std::string& network_name(std::size_t i) const { return networks_[i].name; }

  // Why the level cannot run `point` (empty when it can): the rtl level has Verilated models of a few configs only.
  std::string unsupported(const Point& point, const std::filesystem::path& point_toml) const;

  // The record of network `network` at `point` (a valid point). Timed levels open the device with `point_toml`, the
  // point's arch config file.
  Record evaluate(std::size_t network, const Point& point, const std::filesystem::path& point_toml);

 private:
  struct Network {
    std::string name;
    compiler::Graph graph;
    std::uint64_t macs = 0;  // of every conv, matmul and gemm, wherever it is placed
  };
  struct Compiled {
    Program program;
    std::vector<compiler::LayerReport> layers;
  };
  struct LayerTraffic {
    std::map<std::string, std::uint64_t> counters;  // per accel layer (program.layers order)
  };
  const Compiled& compiled(std::size_t network, const isa::ArchConfig& arch);
  const std::vector<LayerTraffic>& traffic(std::size_t network, const isa::ArchConfig& arch, const Compiled& c);
  Record base_record(std::size_t network, const Point& point, const Program& program,
                     const std::vector<compiler::LayerReport>& layers) const;
  void estimate(const Point& point, const Compiled& c, const std::vector<LayerTraffic>& t, Record& r) const;
  void simulate(Program program, const std::filesystem::path& point_toml, Record& r) const;

  Level level_;
  std::vector<Network> networks_;
  // Bounded caches (a full-size network's program is tens of MB): cleared when they reach kCacheEntries.
  static constexpr std::size_t kCacheEntries = 32;
  std::map<std::pair<std::size_t, std::uint64_t>, std::unique_ptr<Compiled>> compiled_;
  std::map<std::tuple<std::size_t, std::uint64_t, std::int64_t, std::int64_t>, std::vector<LayerTraffic>> traffic_;
};

}  // namespace systole::explore
