// Benchmark: the cycle-accurate SystemC model on whole networks. For each ONNX model: compile for the arch, run
// once on the `systemc` backend, print simulated cycles, wall time, simulated cycles per second and MAC
// utilization; write JSON. Not a test: nothing is asserted.
//
//   bench_cycle [--arch default] [--json FILE] MODEL.onnx[=INPUT.npy]...
// Without an input file the input is zeros of the right shape (timing does not depend on values).
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "compiler/lower.hpp"
#include "compiler/onnx_import.hpp"
#include "systole/runtime.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Cycle-accurate model benchmark"};
  std::string arch_name = "default", json_path = "bench_cycle.json";
  std::vector<std::string> models;
  app.add_option("--arch", arch_name)->capture_default_str();
  app.add_option("--json", json_path)->capture_default_str();
  app.add_option("models", models, "MODEL.onnx[=INPUT.npy]")->required();
  CLI11_PARSE(app, argc, argv);
  using Clock = std::chrono::steady_clock;
  auto secs = [](Clock::time_point a) { return std::chrono::duration<double>(Clock::now() - a).count(); };
  try {
    auto device = systole::Device::open("systemc", {.arch = arch_name});
    const auto& arch = device->arch();
    nlohmann::json out = {{"benchmark", "cycle_model"}, {"arch", arch.name}};
    std::printf("%-16s %14s %10s %10s %14s %8s\n", "model", "cycles", "load s", "run s", "cycles/s", "MAC util");
    for (const auto& spec : models) {
      const auto eq = spec.find('=');
      const std::string path = spec.substr(0, eq);
      auto graph = systole::compiler::import_onnx(path);
      const auto& in = graph.values[static_cast<std::size_t>(graph.inputs.at(0))];
      const systole::Tensor input =
          eq == std::string::npos ? systole::Tensor(in.dtype, in.shape) : systole::read_npy(spec.substr(eq + 1));
      auto program = systole::compiler::compile(graph, arch).program;
      auto t = Clock::now();
      auto loaded = device->load(std::move(program));
      const double load_s = secs(t);
      t = Clock::now();
      const auto result = loaded->run({{in.name, input}});
      const double run_s = secs(t);
      const auto cycles = result.counters.at("cycles");
      const double util = static_cast<double>(result.counters.at("macs")) /
                          (static_cast<double>(cycles) * static_cast<double>(arch.rows() * arch.cols()));
      const std::string name = std::filesystem::path(path).stem().string();
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
