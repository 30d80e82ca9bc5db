// Benchmark: the GPU baseline (perf/baselines/cuda). cuBLASLt's int8 GEMM of N x N x N against the device's dense int8
// peak (from its SM count and clock), and whole networks on the baseline at each batch: the CUDA graph replayed (inputs
// and outputs copied inside it) and the whole run() with its host conversions. Prints a table and writes JSON whose
// model records have the fields of `systole bench` (perf/baselines/bench.hpp). Not a test: nothing is asserted.
// Exits with 77 where there is no GPU.
//
//   bench_cuda [--gemm 4096] [--repeat 20] [--batch 1,64] [--json bench_cuda.json] [MODEL.onnx[=INPUT.npy]...]
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "compiler/onnx_import.hpp"
#include "perf/baselines/batch.hpp"
#include "perf/baselines/bench.hpp"
#include "perf/baselines/cuda/cuda_baseline.hpp"

namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// The model's input at `batch`: the file's samples repeated (or zeros without a file).
systole::Tensor batched_input(const systole::compiler::Value& in, const std::string& file, std::int64_t batch) {
  std::vector<std::int64_t> shape = in.shape;
  if (!shape.empty()) shape[0] = batch;
  systole::Tensor t(in.dtype, shape);
  if (file.empty()) return t;
  const systole::Tensor one = systole::read_npy(file);
  if (one.data.empty()) return t;
  for (std::size_t i = 0; i < t.data.size(); ++i) t.data[i] = one.data[i % one.data.size()];
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"GPU baseline benchmark"};
  int gemm_n = 4096;
  int repeat = 20;
  std::vector<int> batches{1, 64};
  std::string json_path = "bench_cuda.json";
  std::vector<std::string> models;
  app.add_option("--gemm", gemm_n, "GEMM size N (N x N x N); 0: none")
      ->capture_default_str()
      ->check(CLI::Range(0, 32768));
  app.add_option("--repeat", repeat, "Timed runs per measurement (the median is reported)")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  app.add_option("--batch", batches, "Batches to run each model at")->delimiter(',')->capture_default_str();
  app.add_option("--json", json_path)->capture_default_str();
  app.add_option("models", models, "MODEL.onnx[=INPUT.npy]");
  CLI11_PARSE(app, argc, argv);
  try {
    const systole::cuda::DeviceInfo dev = systole::cuda::device_info();
    if (!dev.available) {
      std::printf("bench_cuda: no GPU (%s): nothing to measure\n", dev.why_not.c_str());
      return 77;
    }
    const double peak = dev.int8_peak_ops;
    const nlohmann::json versions = {{"systole", SYSTOLE_VERSION}, {"cuda", dev.versions}};
    nlohmann::json out = {{"benchmark", "cuda_baseline"},
                          {"device", dev.name},
                          {"compute_capability", dev.compute_capability},
                          {"int8_peak_tops", peak / 1e12},
                          {"versions", versions}};
    std::printf("device %s (sm_%d), dense int8 peak %.0f TOPS; %s\n", dev.name.c_str(), dev.compute_capability,
                peak / 1e12, dev.versions.c_str());
    std::printf("%-32s %6s %11s %11s %12s %10s %8s\n", "what", "batch", "median ms", "run() ms", "per second", "TOPS",
                "of peak");
    if (gemm_n > 0) {
      const double ops = systole::cuda::gemm_int8_ops_per_s(gemm_n, gemm_n, gemm_n, repeat);
      const double ms = 2.0 * gemm_n * gemm_n * static_cast<double>(gemm_n) / ops * 1e3;
      const std::string what = "cuBLASLt gemm " + std::to_string(gemm_n) + "^3 s8s8s32";
      std::printf("%-32s %6s %11.3f %11s %12s %10.1f %7.1f%%\n", what.c_str(), "-", ms, "-", "-", ops / 1e12,
                  peak > 0 ? 100.0 * ops / peak : 0.0);
      out["gemm"] = {{"n", gemm_n},
                     {"median_ms", ms},
                     {"gops", ops / 1e9},
                     {"peak_gops", peak / 1e9},
                     {"share_of_peak", peak > 0 ? ops / peak : 0.0}};
    }
    for (const std::string& spec : models) {
      const auto eq = spec.find('=');
      const std::filesystem::path path = spec.substr(0, eq);
      const systole::compiler::Graph g = systole::compiler::import_onnx(path);
      const std::string name = path.stem().string();
      for (int batch : batches) {
        systole::cuda::Baseline baseline(g, {.batch = batch});
        const systole::compiler::Graph& gb = baseline.graph();
        const auto& in = gb.values[static_cast<std::size_t>(gb.inputs.at(0))];
        const std::map<std::string, systole::Tensor> inputs{
            {in.name, batched_input(in, eq == std::string::npos ? "" : spec.substr(eq + 1), batch)}};
        baseline.run(inputs);  // warm-up
        std::vector<double> device_ms, run_ms;
        for (int r = 0; r < repeat; ++r) {
          auto t = Clock::now();
          baseline.replay();
          device_ms.push_back(ms_since(t));
          t = Clock::now();
          baseline.run(inputs);
          run_ms.push_back(ms_since(t));
        }
        const double med = median(device_ms), ops = 2.0 * systole::bench::graph_macs(gb);
        std::size_t on_gpu = 0;
        for (const auto& p : baseline.plan()) {
          on_gpu += p.engine != "host";
          if (p.engine == "host" && batch == batches.front()) {
            std::printf("  %s runs on the host: %s\n", p.name.c_str(), p.reason.c_str());
          }
        }
        std::printf("%-32s %6d %11.3f %11.3f %12.1f %10.2f %7.1f%%\n", name.c_str(), batch, med, median(run_ms),
                    batch / (med / 1e3), ops / (med / 1e3) / 1e12, peak > 0 ? 100.0 * ops / (med / 1e3) / peak : 0.0);
        out["models"].push_back({{"model", name},
                                 {"baseline", "cuda"},
                                 {"batch", batch},
                                 {"threads", 1},
                                 {"repeat", repeat},
                                 {"median_ms", med},
                                 {"min_ms", *std::min_element(device_ms.begin(), device_ms.end())},
                                 {"run_median_ms", median(run_ms)},
                                 {"throughput_per_s", batch / (med / 1e3)},
                                 {"gops", ops / (med / 1e3) / 1e9},
                                 {"peak_gops", peak / 1e9},
                                 {"share_of_peak", peak > 0 ? ops / (med / 1e3) / peak : 0.0},
                                 {"device", dev.name},
                                 {"versions", versions},
                                 {"nodes", baseline.plan().size()},
                                 {"nodes_on_gpu", on_gpu}});
      }
    }
    std::ofstream(json_path) << out.dump(2) << "\n";
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_cuda: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
