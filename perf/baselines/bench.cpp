#include "perf/baselines/bench.hpp"

#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <oneapi/dnnl/dnnl.hpp>

#include "compiler/onnx_import.hpp"
#include "perf/baselines/batch.hpp"
#include "perf/baselines/cpu/cpu_baseline.hpp"
#ifdef SYSTOLE_HAVE_CUDA
#include "perf/baselines/cuda/cuda_baseline.hpp"
#endif
#include "runtime/vitis_flow.hpp"
#include "sim/isa/file_io.hpp"
#include "systole/error.hpp"

namespace systole::bench {
namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// One thread's int8 ops per second: 12 independent VPDPBUSD chains (64 u8 x s8 products and adds each, 128 ops),
// enough to cover the instruction's latency on two ports. Inline assembly, because g++ 12 surrounds the intrinsic
// with register copies that halve its rate (shared notes-toolchain.md).
__attribute__((target("avx512f,avx512vnni"))) double vnni_ops_per_second(long iterations) {
  const auto t = Clock::now();
  asm volatile(
      "vpxord %%zmm0, %%zmm0, %%zmm0\n"
      "vpternlogd $0xff, %%zmm13, %%zmm13, %%zmm13\n"
      "vpternlogd $0xff, %%zmm14, %%zmm14, %%zmm14\n"
      "mov %0, %%rcx\n"
      "1:\n"
      "vpdpbusd %%zmm13, %%zmm14, %%zmm0\n"
      "vpdpbusd %%zmm13, %%zmm14, %%zmm1\n"
      "vpdpbusd %%zmm13, %%zmm14, %%zmm2\n"
      "vpdpbusd %%zmm13, %%zmm14, %%zmm3\n"
      "vpdpbusd %%zmm13, %%zmm14, %%zmm4\n"
      "vpdpbusd %%zmm13, %%zmm14, %%zmm5\n"
      "vpdpbusd %%zmm13, %%zmm14, %%zmm6\n"
      "vpdpbusd %%zmm13, %%zmm14, %%zmm7\n"
      "vpdpbusd %%zmm13, %%zmm14, %%zmm8\n"
      "vpdpbusd %%zmm13, %%zmm14, %%zmm9\n"
      "vpdpbusd %%zmm13, %%zmm14, %%zmm10\n"
      "vpdpbusd %%zmm13, %%zmm14, %%zmm11\n"
      "dec %%rcx\n"
      "jnz 1b\n"
      :
      : "r"(iterations)
      : "rcx", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11",
        "xmm13", "xmm14", "cc");
  return static_cast<double>(iterations) * 12 * 128 / seconds_since(t);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::map<std::string, Tensor> read_inputs(const compiler::Graph& g, const BenchOptions& o) {
  std::map<std::string, Tensor> inputs;
  for (const auto& entry : o.inputs) {
    const std::string& name = entry.first;  // not a structured binding: clang 14 cannot capture one
    const bool known = std::any_of(g.inputs.begin(), g.inputs.end(),
                                   [&](int id) { return g.values[static_cast<std::size_t>(id)].name == name; });
    if (!known) throw UserError("--input " + quote(name) + ": the model has no input of that name");
    inputs.emplace(name, read_npy(entry.second));
  }
  for (int id : g.inputs) {
    const compiler::Value& v = g.values[static_cast<std::size_t>(id)];
    inputs.try_emplace(v.name, Tensor(v.dtype, v.shape));  // zeros: timing does not depend on values
  }
  return inputs;
}

// One warm-up run (its outputs kept), then o.repeat timed runs of a baseline (cpu::Baseline, cuda::Baseline).
template <class Baseline>
std::vector<double> time_runs(Baseline& baseline, const std::map<std::string, Tensor>& inputs, const BenchOptions& o,
                              std::map<std::string, Tensor>& outputs) {
  outputs = baseline.run(inputs);
  std::vector<double> times;
  for (int r = 0; r < o.repeat; ++r) {
    const auto t = Clock::now();
    baseline.run(inputs);
    times.push_back(1e3 * seconds_since(t));
  }
  return times;
}

// ONNX Runtime through tools/ort/run_ort.js: it writes the outputs and the time of each run.
std::vector<double> time_ort(const std::map<std::string, Tensor>& inputs, const BenchOptions& o, int threads,
                             const std::filesystem::path& work, std::string& version) {
  const std::filesystem::path modules =
      o.ort_modules.empty() ? std::filesystem::path(SYSTOLE_ORT_MODULES_DEFAULT) : o.ort_modules;
  if (!std::filesystem::is_directory(modules / "onnxruntime-node")) {
    throw UserError("--baseline ort: onnxruntime-node is not in " + modules.string() +
                    "; install it there with `ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node@1.30.0` (or "
                    "run `ctest -R onnxruntime_agreement`, which does), or name the folder with --ort-modules");
  }
  if (find_on_path("node").empty()) throw UserError("--baseline ort: node is not on PATH");
  std::vector<std::string> argv{"node",
                                std::string(SYSTOLE_SOURCE_DIR) + "/tools/ort/run_ort.js",
                                "--threads",
                                std::to_string(threads),
                                "--repeat",
                                std::to_string(o.repeat),
                                "--times",
                                (work / "times.json").string(),
                                std::filesystem::absolute(o.model).string(),
                                (o.output_dir.empty() ? work / "outputs" : o.output_dir).string()};
  for (const auto& [name, t] : inputs) {
    const std::filesystem::path file = work / (std::to_string(argv.size()) + ".npy");
    write_npy(file, t);
    argv.push_back(name + "=" + file.string());
  }
  ::setenv("NODE_PATH", modules.c_str(), 1);
  if (const int rc = run_process(argv); rc != 0) {
    throw UserError("--baseline ort: run_ort.js failed (exit status " + std::to_string(rc) + ")");
  }
  const auto record = nlohmann::json::parse(isa::read_file(work / "times.json", 1 << 20, "run_ort.js times"));
  version = record.at("onnxruntime").get<std::string>();
  return record.at("times_ms").get<std::vector<double>>();
}

void write_outputs(const std::map<std::string, Tensor>& outputs, const std::filesystem::path& dir) {
  if (dir.empty()) return;
  std::filesystem::create_directories(dir);
  for (const auto& [name, t] : outputs) {
    std::string file = name;
    std::replace_if(
        file.begin(), file.end(), [](char c) { return !std::isalnum(c) && c != '_' && c != '.' && c != '-'; }, '_');
    write_npy(dir / (file + ".npy"), t);
  }
}

}  // namespace

double graph_macs(const compiler::Graph& g) {
  double macs = 0;
  for (const auto& node : g.nodes) {
    if (node.inputs.size() < 2 || node.inputs[1] < 0) continue;
    const auto& y = g.values[static_cast<std::size_t>(node.output)];
    const auto& w = g.values[static_cast<std::size_t>(node.inputs[1])];
    const auto& a = g.values[static_cast<std::size_t>(node.inputs[0])];
    const double outputs = static_cast<double>(y.elements());
    if (node.op.kind == OpKind::kConv && w.shape.size() == 4) {
      macs += outputs * static_cast<double>(w.shape[1] * w.shape[2] * w.shape[3]);
    } else if ((node.op.kind == OpKind::kMatMul || node.op.kind == OpKind::kGemm) && !a.shape.empty()) {
      const bool trans_a = node.op.ints_or("trans_a", {0})[0] != 0;
      macs += outputs * static_cast<double>(trans_a ? a.shape[0] : a.shape.back());
    }
  }
  return macs;
}

double cpu_int8_peak(int threads) {
  double best = 0;
  for (int rep = 0; rep < 5; ++rep) {
    double total = 0;
#pragma omp parallel num_threads(threads) reduction(+ : total)
    total += vnni_ops_per_second(20'000'000);
    best = std::max(best, total);
  }
  return best;
}

std::string cpu_name() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      return colon == std::string::npos ? line : line.substr(line.find_first_not_of(' ', colon + 1));
    }
  }
  return "unknown CPU";
}

nlohmann::json run_bench(const BenchOptions& o) {
#ifndef SYSTOLE_HAVE_CUDA
  if (o.baseline == "cuda") {
    throw UserError(
        "--baseline cuda: this build has no GPU baseline (nvcc was not found when it was configured); use "
        "cpu or ort");
  }
#endif
  if (o.baseline != "cpu" && o.baseline != "ort" && o.baseline != "cuda") {
    throw UserError("--baseline " + quote(o.baseline) + ": expected cpu, ort or cuda");
  }
  if (o.repeat < 1) throw UserError("--repeat must be at least 1");
  if (!o.output_dir.empty() && std::filesystem::exists(o.output_dir) && !std::filesystem::is_directory(o.output_dir)) {
    throw UserError("--output-dir " + o.output_dir.string() + " is not a folder");
  }
  compiler::Graph g = compiler::import_onnx(o.model);
  if (o.batch > 0 && o.batch != graph_batch(g)) {
    if (o.baseline == "ort") throw UserError("--batch: ONNX Runtime runs the model at its own batch");
    g = rebatch(g, o.batch);
  }
  const std::map<std::string, Tensor> inputs = read_inputs(g, o);
  const int threads = o.baseline == "cuda" ? 1 : (o.threads > 0 ? o.threads : omp_get_num_procs());
  double peak = 0;
  std::string device;

  std::vector<double> times;
  nlohmann::json versions = {{"systole", SYSTOLE_VERSION}};
  if (o.baseline == "cuda") {
#ifdef SYSTOLE_HAVE_CUDA
    const cuda::DeviceInfo dev = cuda::device_info();
    if (!dev.available) throw UserError("--baseline cuda: no GPU (" + dev.why_not + ")");
    std::map<std::string, Tensor> outputs;
    cuda::Baseline baseline(g);
    times = time_runs(baseline, inputs, o, outputs);
    peak = dev.int8_peak_ops;
    device = dev.name;
    versions["cuda"] = dev.versions;
    write_outputs(outputs, o.output_dir);
#endif
  } else if (o.baseline == "cpu") {
    peak = cpu_int8_peak(threads);
    device = cpu_name();
    std::map<std::string, Tensor> outputs;
    cpu::Baseline baseline(g, {.threads = threads});
    times = time_runs(baseline, inputs, o, outputs);
    const dnnl_version_t* v = dnnl_version();
    versions["onednn"] = std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch);
    write_outputs(outputs, o.output_dir);
  } else {
    peak = cpu_int8_peak(threads);
    device = cpu_name();
    const ScratchDir work("--baseline ort");
    std::string version;
    times = time_ort(inputs, o, threads, work.path(), version);
    versions["onnxruntime"] = version;
  }

  const double med = median(times), ops = 2.0 * graph_macs(g);
  const std::int64_t batch = graph_batch(g);
  return {{"model", o.model.stem().string()},
          {"baseline", o.baseline},
          {"batch", batch},
          {"threads", threads},
          {"repeat", o.repeat},
          {"median_ms", med},
          {"min_ms", *std::min_element(times.begin(), times.end())},
          {"throughput_per_s", static_cast<double>(batch) / (med / 1e3)},
          {"gops", ops / (med / 1e3) / 1e9},
          {"peak_gops", peak / 1e9},
          {"share_of_peak", peak > 0 ? ops / (med / 1e3) / peak : 0.0},  // 0: a GPU of unknown peak
          {"device", device},
          {"versions", versions}};
}

}  // namespace systole::bench
