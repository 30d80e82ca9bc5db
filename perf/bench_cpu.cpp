// Benchmark: the CPU baseline (perf/baselines/cpu). Measures this CPU's int8 peak with a VPDPBUSD microbenchmark
// (AVX-512 VNNI), GEMMs of N x N x N against it (oneDNN's u8 x s8 -> s32, and the baseline's own VNNI kernel with its
// requantization to uint8), and whole networks on the baseline beside ONNX Runtime (onnxruntime-node, when
// installed: the agreement test installs it into build/ort), each on 1 thread and on every core, in one run; checks
// the baseline's outputs against the IR interpreter (the reference kernels) bit for bit. Prints a table and writes
// JSON. Not a test: nothing is asserted.
//
//   bench_cpu [--gemm 4096] [--repeat 5] [--json bench_cpu.json] [--ort-modules DIR] [MODEL.onnx[=INPUT.npy]...]
#include <omp.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <oneapi/dnnl/dnnl.hpp>

#include <random>

#include "compiler/interpret.hpp"
#include "compiler/onnx_import.hpp"
#include "perf/baselines/bench.hpp"
#include "perf/baselines/cpu/cpu_baseline.hpp"
#include "perf/baselines/cpu/vnni_kernels.hpp"

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

// The baseline's VNNI GEMM of n x n x n, requantized to uint8 (per-column scales, a zero point): the median seconds.
double vnni_gemm_seconds(std::int64_t n, int threads, int repeat) {
  namespace vnni = systole::cpu::vnni;
  std::mt19937 rng(1);
  std::uniform_int_distribution<int> byte(-128, 127);
  std::vector<std::int8_t> b(static_cast<std::size_t>(n * n));
  for (auto& v : b) v = static_cast<std::int8_t>(byte(rng));
  const vnni::PackedB packed = vnni::pack_b(n, n, [&](std::int64_t k, std::int64_t c) { return b[k * n + c]; });
  std::vector<std::uint8_t> a(static_cast<std::size_t>(n * n) + vnni::kSlack), c(static_cast<std::size_t>(n * n));
  for (auto& v : a) v = static_cast<std::uint8_t>(byte(rng) + 128);
  vnni::Requant rq;
  rq.offset.assign(static_cast<std::size_t>(packed.panels * 64), 0);
  rq.scale.assign(rq.offset.size(), 1.0f / 65536.0f);
  rq.zero_point = 128;
  std::vector<double> times;
  for (int r = 0; r <= repeat; ++r) {
    const auto t = Clock::now();
    vnni::gemm(a.data(), n, n, packed, nullptr, rq, c.data(), n, threads);
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
  std::string ort_modules;
  int slowest = 0;
  app.add_option("--slowest", slowest, "Also print this many slowest nodes of each model's last run")
      ->check(CLI::Range(0, 100000));
  app.add_option("--ort-modules", ort_modules, "node_modules folder holding onnxruntime-node (default: build/ort's)");
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
    auto gemm_row = [&](const std::string& what, int t, double s) {
      std::printf("%-28s %8d %12.2f %10.1f %8.1f%%\n", what.c_str(), t, 1e3 * s, gemm_ops / s / 1e9,
                  100.0 * gemm_ops / s / peak[t]);
      out["gemm"].push_back({{"what", what},
                             {"n", gemm_n},
                             {"threads", t},
                             {"median_ms", 1e3 * s},
                             {"gops", gemm_ops / s / 1e9},
                             {"share_of_peak", gemm_ops / s / peak[t]}});
    };
    for (int t : thread_counts) {
      gemm_row("oneDNN gemm " + std::to_string(gemm_n) + "^3 u8s8s32", t, gemm_seconds(gemm_n, t, repeat));
      if (systole::cpu::vnni::available()) {
        gemm_row("VNNI gemm " + std::to_string(gemm_n) + "^3 u8s8->u8", t, vnni_gemm_seconds(gemm_n, t, repeat));
      }
    }
    for (const std::string& spec : models) {
      const auto eq = spec.find('=');
      const std::string path = spec.substr(0, eq);
      const systole::compiler::Graph g = systole::compiler::import_onnx(path);
      const auto& in = g.values[static_cast<std::size_t>(g.inputs.at(0))];
      const systole::Tensor input =
          eq == std::string::npos ? systole::Tensor(in.dtype, in.shape) : systole::read_npy(spec.substr(eq + 1));
      const std::map<std::string, systole::Tensor> inputs{{in.name, input}};
      const double ops = 2.0 * systole::bench::graph_macs(g);
      const std::string name = std::filesystem::path(path).stem().string();
      // Bit for bit against the reference kernels, once.
      const auto want = systole::compiler::graph_outputs(g, systole::compiler::interpret(g, inputs));
      bool exact = true;
      for (int t : thread_counts) {
        systole::cpu::Baseline baseline(g, {.threads = t});
        std::vector<double> times;
        for (int r = 0; r <= repeat; ++r) {
          const auto start = Clock::now();
          const auto got = baseline.run(inputs);
          if (r > 0) times.push_back(seconds_since(start));
          if (r == 0) {
            for (const auto& [output, tensor] : want) exact = exact && got.at(output).data == tensor.data;
          }
        }
        const double s = median(times);
        std::map<std::string, std::size_t> engines;
        for (const auto& p : baseline.plan()) ++engines[p.engine];
        // Where the last run's time went, per operator and engine.
        std::map<std::string, double> where;
        for (std::size_t i = 0; i < g.nodes.size(); ++i) {
          where[std::string(systole::op_name(g.nodes[i].op.kind)) + " (" + baseline.plan()[i].engine + ")"] +=
              1e3 * baseline.node_seconds()[i];
        }
        std::printf("%-28s %8d %12.2f %10.1f %8.1f%%   %s\n", name.c_str(), t, 1e3 * s, ops / s / 1e9,
                    100.0 * ops / s / peak[t], exact ? "bit-exact" : "DIFFERS from the reference kernels");
        out["models"].push_back({{"model", name},
                                 {"baseline", "cpu"},
                                 {"threads", t},
                                 {"median_ms", 1e3 * s},
                                 {"min_ms", 1e3 * *std::min_element(times.begin(), times.end())},
                                 {"gops", ops / s / 1e9},
                                 {"share_of_peak", ops / s / peak[t]},
                                 {"bit_exact", exact},
                                 {"nodes", baseline.plan().size()},
                                 {"nodes_by_engine", engines},
                                 {"last_run_ms_by_operator", where}});
        std::string breakdown;
        for (const auto& [what, ms] : where) {
          if (ms >= 0.05 * 1e3 * s) breakdown += "  " + what + " " + std::to_string(ms).substr(0, 5) + " ms";
        }
        std::printf("%-28s %8s %s\n", "", "", breakdown.c_str());
        std::vector<std::size_t> order(g.nodes.size());
        std::iota(order.begin(), order.end(), std::size_t{0});
        std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
          return baseline.node_seconds()[a] > baseline.node_seconds()[b];
        });
        for (std::size_t i = 0; i < std::min<std::size_t>(order.size(), static_cast<std::size_t>(slowest)); ++i) {
          const systole::compiler::Node& node = g.nodes[order[i]];
          const auto& shape = g.values[static_cast<std::size_t>(node.output)].shape;
          std::string dims;
          for (std::int64_t d : shape) dims += (dims.empty() ? "" : "x") + std::to_string(d);
          std::printf("%-28s %8s   %8.3f ms  %s %s -> %s\n", "", "", 1e3 * baseline.node_seconds()[order[i]],
                      baseline.plan()[order[i]].engine.c_str(), node.name.c_str(), dims.c_str());
        }
        // ONNX Runtime on the same threads, right after.
        systole::bench::BenchOptions ort;
        ort.model = path, ort.baseline = "ort", ort.repeat = repeat, ort.threads = t;
        if (eq != std::string::npos) ort.inputs[in.name] = spec.substr(eq + 1);
        ort.ort_modules = ort_modules;
        try {
          const nlohmann::json record = systole::bench::run_bench(ort);
          const double ort_s = record.at("median_ms").get<double>() / 1e3;
          std::printf("%-28s %8d %12.2f %10.1f %8.1f%%   cpu baseline %.2fx its speed\n", (name + " (ORT)").c_str(), t,
                      1e3 * ort_s, ops / ort_s / 1e9, 100.0 * ops / ort_s / peak[t], ort_s / s);
          nlohmann::json r = record;
          r["model"] = name;
          out["models"].push_back(r);
        } catch (const std::exception& e) {
          std::printf("%-28s %8d   not run: %s\n", (name + " (ORT)").c_str(), t, e.what());
        }
      }
    }
    std::ofstream(json_path) << out.dump(2) << "\n";
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_cpu: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
