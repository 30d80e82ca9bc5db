// `systole bench`: one network on one baseline, timed, with one JSON record per run that the exploration reports read.
//
//   cpu   the CPU baseline (cpu/cpu_baseline.hpp) on `threads` threads, against the measured VPDPBUSD peak
//   ort   ONNX Runtime (onnxruntime-node, tools/ort/run_ort.js) on `threads` intra-op threads, same peak
//   cuda  the GPU baseline (cuda/cuda_baseline.hpp) where the build has one (nvcc found), against the device's dense
//         int8 peak; the time is the whole run() (inputs and outputs copied, host conversions included)
//
// The record: model, baseline, batch, threads, repeat, median_ms, min_ms, throughput_per_s (inferences: batch /
// median), gops (2 x the conv/matmul/gemm MACs of the graph / median), peak_gops and share_of_peak, device, versions.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "compiler/ir.hpp"

namespace systole::bench {

struct BenchOptions {
  std::filesystem::path model;
  std::string baseline = "cpu";                         // cpu | ort | cuda
  std::map<std::string, std::filesystem::path> inputs;  // NAME -> .npy; absent inputs are zeros
  std::filesystem::path output_dir;                     // each output as NAME.npy (empty: not written)
  int repeat = 10;                                      // timed runs after one warm-up
  int threads = 0;                                      // 0: every core
  int batch = 0;  // inferences per run (batch.hpp rebatches the graph); 0: the model's own (ort: only that)
  std::filesystem::path ort_modules;  // node_modules holding onnxruntime-node (ort)
};

nlohmann::json run_bench(const BenchOptions& options);

// The int8 peak of `threads` cores in ops per second: the best of several runs of a VPDPBUSD (AVX-512 VNNI)
// microbenchmark on every thread at once.
double cpu_int8_peak(int threads);

// Multiply-accumulates of a graph's convolutions, matmuls and gemms, from their output and weight shapes.
double graph_macs(const compiler::Graph& g);

// The CPU's model name (/proc/cpuinfo), for records.
std::string cpu_name();

}  // namespace systole::bench
