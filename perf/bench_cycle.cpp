// Benchmark: the cycle-accurate SystemC model on whole networks. For each ONNX model: compile for the arch, run
// once on the `systemc` backend, print simulated cycles, MAC utilization of peak and of the roofline, the compile
// report's estimate and its error, the host steps' share of the end-to-end time (host time measured here, the
// accelerator's at the arch clock), the compile time, wall time and simulated cycles per second; write JSON. Not a
// test: nothing is asserted.
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
    std::printf("%-14s %12s %8s %9s %12s %8s %7s %10s %8s %8s %11s\n", "model", "cycles", "util", "of roof", "estimate",
                "est err", "host", "compile s", "load s", "run s", "cycles/s");
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
      const double of_roofline = static_cast<double>(m.roofline_cycles) / static_cast<double>(cycles);
      const double estimate_error = static_cast<double>(m.predicted_cycles) / static_cast<double>(cycles) - 1.0;
      const double accel_ms = static_cast<double>(cycles) / static_cast<double>(arch.params.clock_mhz) / 1e3;
      const auto host_ns = result.counters.count("host.ns") ? result.counters.at("host.ns") : 0;
      const double host_ms = static_cast<double>(host_ns) / 1e6;
      const double host_share = host_ms / (host_ms + accel_ms);
      const std::string& name = m.name;
      std::printf("%-14s %12llu %7.1f%% %8.1f%% %12llu %+7.1f%% %6.1f%% %10.3f %8.2f %8.2f %11.3g\n", name.c_str(),
                  static_cast<unsigned long long>(cycles), 100.0 * util, 100.0 * of_roofline,
                  static_cast<unsigned long long>(m.predicted_cycles), 100.0 * estimate_error, 100.0 * host_share,
                  m.compile_seconds, load_s, run_s, static_cast<double>(cycles) / run_s);
      out["models"].push_back({{"model", name},
                               {"cycles", cycles},
                               {"mac_utilization", util},
                               {"roofline_cycles", m.roofline_cycles},
                               {"utilization_of_roofline", of_roofline},
                               {"estimate_cycles", m.predicted_cycles},
                               {"estimate_error", estimate_error},
                               {"host_ms", host_ms},
                               {"accelerator_ms", accel_ms},
                               {"host_share", host_share},
                               {"compile_seconds", m.compile_seconds},
                               {"load_and_verify_seconds", load_s},
                               {"run_seconds", run_s},
                               {"cycles_per_second", static_cast<double>(cycles) / run_s},
                               {"counters", result.counters}});
    }
    std::ofstream(json_path) << out.dump(2) << "\n";
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_cycle: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
