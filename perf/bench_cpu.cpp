// Benchmark: the CPU baseline (perf/baselines/cpu). Measures this CPU's int8 peak with a VPDPBUSD microbenchmark
// (AVX-512 VNNI), oneDNN's u8 x s8 -> s32 GEMM of N x N x N against it, and whole networks on the baseline, each on 1
// thread and on every core; prints a table and writes JSON. Not a test: nothing is asserted.
//
//   bench_cpu [--gemm 4096] [--repeat 5] [--json bench_cpu.json] [MODEL.onnx[=INPUT.npy]...]
#include <omp.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <oneapi/dnnl/dnnl.hpp>

#include "compiler/onnx_import.hpp"
#include "perf/baselines/bench.hpp"
#include "perf/baselines/cpu/cpu_baseline.hpp"

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// oneDNN's u8 x s8 -> s32 matmul of n x n x n: the median seconds of `repeat` runs after one warm-up.
double gemm_seconds(std::int64_t n, int threads, int repeat) {
  using dnnl::memory;
  omp_set_num_threads(threads);
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  const memory::desc a_md({n, n}, memory::data_type::u8, memory::format_tag::ab);
  const memory::desc b_md({n, n}, memory::data_type::s8, memory::format_tag::any);
  const memory::desc c_md({n, n}, memory::data_type::s32, memory::format_tag::ab);
  const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a_md, b_md, c_md), engine);
  dnnl::matmul mm(pd);
  memory a(a_md, engine), b(pd.weights_desc(), engine), c(c_md, engine);
  std::fill_n(static_cast<std::uint8_t*>(a.get_data_handle()), n * n, std::uint8_t{3});
  std::fill_n(static_cast<std::int8_t*>(b.get_data_handle()), pd.weights_desc().get_size(), std::int8_t{-2});
  std::vector<double> times;
  for (int r = 0; r <= repeat; ++r) {
    const auto t = Clock::now();
    mm.execute(stream, {{DNNL_ARG_SRC, a}, {DNNL_ARG_WEIGHTS, b}, {DNNL_ARG_DST, c}});
    stream.wait();
    if (r > 0) times.push_back(seconds_since(t));
  }
  return median(times);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"CPU baseline benchmark"};
  std::int64_t gemm_n = 4096;
  int repeat = 5;
  std::string json_path = "bench_cpu.json";
  std::vector<std::string> models;
  app.add_option("--gemm", gemm_n, "GEMM size N (N x N x N)")->capture_default_str()->check(CLI::Range(16, 16384));
  app.add_option("--repeat", repeat, "Timed runs per measurement (the median is reported)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  app.add_option("--json", json_path)->capture_default_str();
  app.add_option("models", models, "MODEL.onnx[=INPUT.npy]");
  CLI11_PARSE(app, argc, argv);
  try {
    const int cores = omp_get_num_procs();
    std::vector<int> thread_counts{1};
    if (cores > 1) thread_counts.push_back(cores);
    nlohmann::json out = {{"benchmark", "cpu_baseline"}, {"cores", cores}};

    std::printf("%-28s %8s %12s %10s %9s\n", "what", "threads", "median ms", "GOPS", "of peak");
    std::map<int, double> peak;
    for (int t : thread_counts) {
      peak[t] = systole::bench::cpu_int8_peak(t);
      std::printf("%-28s %8d %12s %10.1f %8.1f%%\n", "VPDPBUSD peak", t, "-", peak[t] / 1e9, 100.0);
      out["vnni_peak_gops"][std::to_string(t)] = peak[t] / 1e9;
    }
    const double gemm_ops =
        2.0 * static_cast<double>(gemm_n) * static_cast<double>(gemm_n) * static_cast<double>(gemm_n);
    for (int t : thread_counts) {
      const double s = gemm_seconds(gemm_n, t, repeat);
      const std::string what = "oneDNN gemm " + std::to_string(gemm_n) + "^3 u8s8s32";
      std::printf("%-28s %8d %12.2f %10.1f %8.1f%%\n", what.c_str(), t, 1e3 * s, gemm_ops / s / 1e9,
                  100.0 * gemm_ops / s / peak[t]);
      out["gemm"].push_back({{"n", gemm_n},
                             {"threads", t},
                             {"median_ms", 1e3 * s},
                             {"gops", gemm_ops / s / 1e9},
                             {"share_of_peak", gemm_ops / s / peak[t]}});
    }
    for (const std::string& spec : models) {
      const auto eq = spec.find('=');
      const std::string path = spec.substr(0, eq);
      const systole::compiler::Graph g = systole::compiler::import_onnx(path);
      const auto& in = g.values[static_cast<std::size_t>(g.inputs.at(0))];
      const systole::Tensor input =
          eq == std::string::npos ? systole::Tensor(in.dtype, in.shape) : systole::read_npy(spec.substr(eq + 1));
      const double ops = 2.0 * systole::bench::graph_macs(g);
      const std::string name = std::filesystem::path(path).stem().string();
      for (int t : thread_counts) {
        systole::cpu::Baseline baseline(g, {.threads = t});
        std::vector<double> times;
        for (int r = 0; r <= repeat; ++r) {
          const auto start = Clock::now();
          baseline.run({{in.name, input}});
          if (r > 0) times.push_back(seconds_since(start));
        }
        const double s = median(times);
        std::size_t onednn = 0;
        for (const auto& p : baseline.plan()) onednn += p.engine == "onednn";
        std::printf("%-28s %8d %12.2f %10.1f %8.1f%%\n", name.c_str(), t, 1e3 * s, ops / s / 1e9,
                    100.0 * ops / s / peak[t]);
        out["models"].push_back({{"model", name},
                                 {"threads", t},
                                 {"median_ms", 1e3 * s},
                                 {"min_ms", 1e3 * *std::min_element(times.begin(), times.end())},
                                 {"gops", ops / s / 1e9},
                                 {"share_of_peak", ops / s / peak[t]},
                                 {"nodes", baseline.plan().size()},
                                 {"nodes_on_onednn", onednn}});
      }
    }
    std::ofstream(json_path) << out.dump(2) << "\n";
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_cpu: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
