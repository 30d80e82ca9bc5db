// Benchmark: the Verilated RTL core against the SystemC model on the same programs. For each ONNX model: compile for
// the arch, run once on the `systemc` and `rtl` backends, print simulated cycles (equal on both, by the cosim
// suite), wall time and simulated cycles per second of each and their ratio; write JSON. Not a test: nothing is
// asserted.
//
//   bench_rtl [--arch tiny] [--json FILE] MODEL.onnx[=INPUT.npy]...
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
  CLI::App app{"RTL (Verilator) vs SystemC simulation speed"};
  std::string arch_name = "tiny", json_path = "bench_rtl.json";
  std::vector<std::string> models;
  app.add_option("--arch", arch_name)->capture_default_str();
  app.add_option("--json", json_path)->capture_default_str();
  app.add_option("models", models, "MODEL.onnx[=INPUT.npy]")->required();
  CLI11_PARSE(app, argc, argv);
  using Clock = std::chrono::steady_clock;
  auto secs = [](Clock::time_point a) { return std::chrono::duration<double>(Clock::now() - a).count(); };
  try {
    auto systemc = systole::Device::open("systemc", {.arch = arch_name});
    auto rtl = systole::Device::open("rtl", {.arch = arch_name});
    const auto& arch = systemc->arch();
    nlohmann::json out = {{"benchmark", "rtl_vs_systemc"}, {"arch", arch.name}};
    std::printf("%-16s %12s %12s %12s %14s %14s %10s\n", "model", "cycles", "systemc s", "rtl s", "systemc cyc/s",
                "rtl cyc/s", "ratio");
    for (const auto& spec : models) {
      const auto eq = spec.find('=');
      const std::string path = spec.substr(0, eq);
      auto graph = systole::compiler::import_onnx(path);
      const auto& in = graph.values[static_cast<std::size_t>(graph.inputs.at(0))];
      const systole::Tensor input =
          eq == std::string::npos ? systole::Tensor(in.dtype, in.shape) : systole::read_npy(spec.substr(eq + 1));
      const auto program = systole::compiler::compile(graph, arch).program;
      auto t = Clock::now();
      const auto sc = systemc->load(program)->run({{in.name, input}});
      const double sc_s = secs(t);
      t = Clock::now();
      const auto hw = rtl->load(program)->run({{in.name, input}});
      const double rtl_s = secs(t);
      const auto cycles = hw.counters.at("cycles");
      const double sc_rate = static_cast<double>(sc.counters.at("cycles")) / sc_s;
      const double rtl_rate = static_cast<double>(cycles) / rtl_s;
      const std::string name = std::filesystem::path(path).stem().string();
      std::printf("%-16s %12llu %12.3f %12.3f %14.3g %14.3g %9.1fx\n", name.c_str(),
                  static_cast<unsigned long long>(cycles), sc_s, rtl_s, sc_rate, rtl_rate, sc_rate / rtl_rate);
      out["models"].push_back({{"model", name},
                               {"cycles", cycles},
                               {"systemc_cycles", sc.counters.at("cycles")},
                               {"systemc_seconds", sc_s},
                               {"rtl_seconds", rtl_s},
                               {"systemc_cycles_per_second", sc_rate},
                               {"rtl_cycles_per_second", rtl_rate},
                               {"systemc_over_rtl", sc_rate / rtl_rate}});
    }
    std::ofstream(json_path) << out.dump(2) << "\n";
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_rtl: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
