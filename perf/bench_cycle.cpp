// Benchmark: the cycle-accurate SystemC model on whole networks. For each ONNX model: compile for the arch, run
// once on the `systemc` backend, print simulated cycles, wall time, simulated cycles per second and MAC
// utilization; write JSON. Not a test: nothing is asserted.
//
//   bench_cycle [--arch default] [--json FILE] MODEL.onnx[=INPUT.npy]...  (perf/bench_models.hpp: the arguments)
#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "perf/bench_models.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Cycle-accurate model benchmark"};
  std::string arch_name = "default", json_path = "bench_cycle.json";
  std::vector<std::string> models;
  app.add_option("--arch", arch_name)->capture_default_str();
  app.add_option("--json", json_path)->capture_default_str();
  app.add_option("models", models, "MODEL.onnx[=INPUT.npy]")->required();
  CLI11_PARSE(app, argc, argv);
  using systole::bench::Clock;
  using systole::bench::seconds_since;
  try {
    auto device = systole::Device::open("systemc", {.arch = arch_name});
    const auto& arch = device->arch();
    nlohmann::json out = {{"benchmark", "cycle_model"}, {"arch", arch.name}};
    std::printf("%-16s %14s %10s %10s %14s %8s\n", "model", "cycles", "load s", "run s", "cycles/s", "MAC util");
    for (const auto& spec : models) {
      systole::bench::BenchModel m = systole::bench::load_model(spec, arch);
      auto t = Clock::now();
      auto loaded = device->load(std::move(m.program));
      const double load_s = seconds_since(t);
      t = Clock::now();
      const auto result = loaded->run({{m.input_name, m.input}});
      const double run_s = seconds_since(t);
      const auto cycles = result.counters.at("cycles");
      const double util = static_cast<double>(result.counters.at("macs")) /
                          (static_cast<double>(cycles) * static_cast<double>(arch.rows() * arch.cols()));
      const std::string& name = m.name;
      std::printf("%-16s %14llu %10.2f %10.2f %14.3g %7.1f%%\n", name.c_str(), static_cast<unsigned long long>(cycles),
                  load_s, run_s, static_cast<double>(cycles) / run_s, 100.0 * util);
      out["models"].push_back({{"model", name},
                               {"cycles", cycles},
                               {"load_and_verify_seconds", load_s},
                               {"run_seconds", run_s},
                               {"cycles_per_second", static_cast<double>(cycles) / run_s},
                               {"mac_utilization", util},
                               {"counters", result.counters}});
    }
    std::ofstream(json_path) << out.dump(2) << "\n";
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_cycle: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
