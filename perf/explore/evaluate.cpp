#include "perf/explore/evaluate.hpp"

#include <span>

#include "compiler/onnx_import.hpp"
#include "perf/baselines/bench.hpp"
#include "sim/cycle/timing.hpp"
#include "systole/error.hpp"
#include "systole/runtime.hpp"

namespace systole::explore {
namespace {

std::span<const spec::Insn> layer_insns(const Program& p, const LayerSpan& l) {
  return {p.insns.data() + l.begin, l.end - l.begin};
}

// Counter names of the traffic the timing rules count per memory (as the SystemC model names them).
std::string traffic_key(sim::Memory m, bool write) {
  return std::string(sim::memory_name(m)) + (write ? ".write_bytes" : ".read_bytes");
}

}  // namespace

Evaluator::Evaluator(const SweepSpec& spec) : level_(spec.level) {
  for (const auto& path : spec.networks) {
    compiler::Graph g = compiler::import_onnx(path);
    const auto macs = static_cast<std::uint64_t>(bench::graph_macs(g));
    networks_.push_back({path.stem().string(), std::move(g), macs});
  }
}

const Evaluator::Compiled& Evaluator::compiled(std::size_t network, const isa::ArchConfig& arch) {
  const auto key = std::make_pair(network, arch.fingerprint());
  if (auto it = compiled_.find(key); it != compiled_.end()) return *it->second;
  if (compiled_.size() >= kCacheEntries) {
    compiled_.clear();
    traffic_.clear();
  }
  compiler::Graph graph = networks_[network].graph;  // compile() records placements on its graph
  compiler::CompileResult result = compiler::compile(graph, arch);
  auto c = std::make_unique<Compiled>(Compiled{std::move(result.program), std::move(result.layers)});
  c->program.constants.clear();  // the estimate never reads them
  c->program.constants.shrink_to_fit();
  return *compiled_.emplace(key, std::move(c)).first->second;
}

const std::vector<Evaluator::LayerTraffic>& Evaluator::traffic(std::size_t network, const isa::ArchConfig& arch,
                                                               const Compiled& c) {
  const auto key = std::make_tuple(network, arch.fingerprint(), arch.params.array_dataflow, arch.params.memory_banks);
  if (auto it = traffic_.find(key); it != traffic_.end()) return it->second;
  std::vector<LayerTraffic> out;
  sim::DramModel dram(sim::dram_params(arch));  // DMA costs issue bursts to it; the bytes do not depend on timing
  for (const LayerSpan& l : c.program.layers) {
    LayerTraffic t;
    std::uint64_t now = 0;
    for (const spec::Insn& insn : layer_insns(c.program, l)) {
      const sim::InsnCost cost = sim::cost(insn, arch, now, dram);
      now += cost.occupancy();
      t.counters["array_macs"] += cost.macs;
      for (int m = 0; m < sim::kMemoryCount; ++m) {
        const auto mem = static_cast<sim::Memory>(m);
        t.counters[traffic_key(mem, false)] += cost.traffic.read_bytes[static_cast<std::size_t>(m)];
        t.counters[traffic_key(mem, true)] += cost.traffic.write_bytes[static_cast<std::size_t>(m)];
      }
    }
    out.push_back(std::move(t));
  }
  return traffic_.emplace(key, std::move(out)).first->second;
}

Record Evaluator::base_record(std::size_t network, const Point& point, const Program& program,
                              const std::vector<compiler::LayerReport>& layers) const {
  Record r;
  r.network = networks_[network].name;
  r.level = std::string(level_name(level_));
  r.point = point.id;
  r.coords = point.coords;
  r.arch = point.arch;
  for (const TensorDesc& t : program.tensors) {
    if (t.kind == TensorKind::kInput && !t.shape.empty() && t.shape[0] > 0) {
      r.batch = static_cast<std::uint64_t>(t.shape[0]);
      break;
    }
  }
  std::uint64_t host = 0;
  for (const auto& l : layers) {
    host += !l.accel;
    r.layers.push_back({l.name, l.op, l.accel, 0, l.macs, l.dram_bytes});
  }
  r.counters["insns"] = program.insns.size();
  r.counters["host_ops"] = host;
  r.counters["network_macs"] = networks_[network].macs;
  return r;
}

void Evaluator::estimate(const Point& point, const Compiled& c, const std::vector<LayerTraffic>& t, Record& r) const {
  std::map<std::string, std::size_t> by_name;
  for (std::size_t i = 0; i < r.layers.size(); ++i) by_name[r.layers[i].name] = i;
  std::uint64_t cycles = 0, macs = 0;
  for (std::size_t i = 0; i < c.program.layers.size(); ++i) {
    const LayerSpan& l = c.program.layers[i];
    const std::uint64_t est = sim::estimate_cycles(layer_insns(c.program, l), point.arch);
    cycles += est;
    if (auto it = by_name.find(l.name); it != by_name.end()) r.layers[it->second].cycles += est;
    for (const auto& [k, v] : t[i].counters) r.counters[k] += v;
  }
  for (const auto& l : c.layers) macs += l.macs;
  r.counters["cycles"] = cycles;
  r.counters["macs"] = macs;
}

void Evaluator::simulate(Program program, const std::filesystem::path& point_toml, Record& r) const {
  std::map<std::string, Tensor> inputs;
  for (const TensorDesc& t : program.tensors) {
    if (t.kind == TensorKind::kInput) inputs.emplace(t.name, Tensor(t.dtype, t.shape));  // zeros
  }
  auto device = Device::open(level_name(level_), {.arch = point_toml.string()});
  auto loaded = device->load(std::move(program));
  const RunResult result = loaded->run(inputs);
  for (const auto& [k, v] : result.counters) {
    if (k.starts_with("host.")) continue;  // host time: not a property of the point, and not reproducible
    r.counters[k] = v;
  }
  std::map<std::string, std::size_t> by_name;
  for (std::size_t i = 0; i < r.layers.size(); ++i) by_name[r.layers[i].name] = i;
  for (const LayerCounters& l : result.layers) {
    const auto it = by_name.find(l.name);
    if (it == by_name.end()) continue;
    LayerRecord& lr = r.layers[it->second];
    const auto get = [&](const char* k) {
      const auto f = l.counters.find(k);
      return f == l.counters.end() ? std::uint64_t{0} : f->second;
    };
    lr.cycles += get("cycles");
    lr.dram_bytes = get("dram.read_bytes") + get("dram.write_bytes");
  }
}

std::string Evaluator::unsupported(const Point& point, const std::filesystem::path& point_toml) const {
  (void)point;
  if (level_ != Level::kRtl) return "";
  try {
    Device::open("rtl", {.arch = point_toml.string()});
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

Record Evaluator::evaluate(std::size_t network, const Point& point, const std::filesystem::path& point_toml) {
  if (!point.skipped.empty()) throw InternalError("Evaluator::evaluate: point " + point.id + " was skipped");
  if (level_ == Level::kEstimate) {
    const Compiled& c = compiled(network, point.arch);
    Record r = base_record(network, point, c.program, c.layers);
    estimate(point, c, traffic(network, point.arch, c), r);
    return r;
  }
  // Timed levels: what `systole compile` and `systole run` do, once each (the program keeps its constants).
  compiler::Graph graph = networks_[network].graph;
  compiler::CompileResult result = compiler::compile(graph, point.arch);
  Record r = base_record(network, point, result.program, result.layers);
  for (const auto& l : result.layers) r.counters["array_macs"] += l.array_macs;
  simulate(std::move(result.program), point_toml, r);
  return r;
}

}  // namespace systole::explore
