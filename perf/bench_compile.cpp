// Benchmark: compile time (import + lowering) of ONNX models for an arch config. Prints a table, writes JSON.
// Not a test: nothing is asserted. The large networks come from models/gen_large.py (perf/bench_compile.sh
// generates them first).
//
//   bench_compile [--arch default] [--repeat 3] [--json FILE] MODEL.onnx...
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "compiler/lower.hpp"
#include "compiler/onnx_import.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Compile-time benchmark"};
  std::string arch_name = "default", json_path = "bench_compile.json";
  std::vector<std::string> models;
  int repeat = 3;
  app.add_option("--arch", arch_name)->capture_default_str();
  app.add_option("--repeat", repeat, "Timed compiles per model (best reported)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--json", json_path)->capture_default_str();
  app.add_option("models", models, "ONNX models")->required();
  CLI11_PARSE(app, argc, argv);
  try {
    const auto arch = systole::isa::load_arch_config(arch_name);
    nlohmann::json out = {{"benchmark", "compile"}, {"arch", arch.name}};
    std::printf("%-28s %10s %10s %10s %10s %8s %8s %10s\n", "model", "first s", "import s", "lower s", "best s",
                "nodes", "accel", "insns");
    for (const auto& m : models) {
      double best_import = 1e30, best_lower = 1e30, first_total = 0;
      std::size_t nodes = 0, accel = 0, insns = 0;
      double util = 0;
      for (int r = 0; r < repeat; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        auto graph = systole::compiler::import_onnx(m);
        const auto t1 = std::chrono::steady_clock::now();
        const auto result = systole::compiler::compile(graph, arch);
        const auto t2 = std::chrono::steady_clock::now();
        if (r == 0) first_total = std::chrono::duration<double>(t2 - t0).count();  // cold: first touch of memory
        best_import = std::min(best_import, std::chrono::duration<double>(t1 - t0).count());
        best_lower = std::min(best_lower, std::chrono::duration<double>(t2 - t1).count());
        nodes = graph.nodes.size();
        accel = 0;
        for (const auto& l : result.layers) accel += l.accel;
        insns = result.program.insns.size();
        util = nlohmann::json::parse(systole::compiler::report_json(result, arch))["utilization"].get<double>();
      }
      const std::string name = std::filesystem::path(m).stem().string();
      std::printf("%-28s %10.3f %10.3f %10.3f %10.3f %8zu %8zu %10zu  (analytic utilization %.1f%%)\n", name.c_str(),
                  first_total, best_import, best_lower, best_import + best_lower, nodes, accel, insns, 100.0 * util);
      out["models"].push_back({{"model", name},
                               {"import_seconds", best_import},
                               {"lower_seconds", best_lower},
                               {"compile_seconds", best_import + best_lower},
                               {"first_compile_seconds", first_total},
                               {"nodes", nodes},
                               {"accel_nodes", accel},
                               {"instructions", insns},
                               {"analytic_utilization", util}});
    }
    std::ofstream(json_path) << out.dump(2) << "\n";
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_compile: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
