// Benchmark: the Verilated RTL core against the SystemC model on the same programs. For each ONNX model: compile for
// the arch, run once on the `systemc` and `rtl` backends, print simulated cycles (equal on both, by the cosim
// suite), wall time and simulated cycles per second of each and their ratio; write JSON. Not a test: nothing is
// asserted.
//
//   bench_rtl [--arch tiny] [--json FILE] MODEL.onnx[=INPUT.npy]...  (perf/bench_models.hpp: the arguments)
#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "perf/bench_models.hpp"

int main(int argc, char** argv) {
  CLI::App app{"RTL (Verilator) vs SystemC simulation speed"};
  std::string arch_name = "tiny", json_path = "bench_rtl.json";
  std::vector<std::string> models;
  app.add_option("--arch", arch_name)->capture_default_str();
  app.add_option("--json", json_path)->capture_default_str();
  app.add_option("models", models, "MODEL.onnx[=INPUT.npy]")->required();
  CLI11_PARSE(app, argc, argv);
  using systole::bench::Clock;
  using systole::bench::seconds_since;
  try {
    auto systemc = systole::Device::open("systemc", {.arch = arch_name});
    auto rtl = systole::Device::open("rtl", {.arch = arch_name});
    const auto& arch = systemc->arch();
    nlohmann::json out = {{"benchmark", "rtl_vs_systemc"}, {"arch", arch.name}};
    std::printf("%-16s %12s %12s %12s %14s %14s %10s\n", "model", "cycles", "systemc s", "rtl s", "systemc cyc/s",
                "rtl cyc/s", "ratio");
    for (const auto& spec : models) {
      const systole::bench::BenchModel m = systole::bench::load_model(spec, arch);
      auto t = Clock::now();
      const auto sc = systemc->load(m.program)->run({{m.input_name, m.input}});
      const double sc_s = seconds_since(t);
      t = Clock::now();
      const auto hw = rtl->load(m.program)->run({{m.input_name, m.input}});
      const double rtl_s = seconds_since(t);
      const auto cycles = hw.counters.at("cycles");
      const double sc_rate = static_cast<double>(sc.counters.at("cycles")) / sc_s;
      const double rtl_rate = static_cast<double>(cycles) / rtl_s;
      const std::string& name = m.name;
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
