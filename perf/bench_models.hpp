// What the whole-network benchmarks (bench_cycle, bench_rtl) share: reading a `MODEL.onnx[=INPUT.npy]` argument into
// a compiled program and its input, and timing. Without an input file the input is zeros of the right shape (timing
// does not depend on values).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

#include "compiler/lower.hpp"
#include "compiler/onnx_import.hpp"
#include "systole/runtime.hpp"

namespace systole::bench {

struct BenchModel {
  std::string name;        // the file's stem
  std::string input_name;  // the graph's first input
  Tensor input;
  Program program;
  double compile_seconds = 0;          // import and compile, in this process
  std::uint64_t predicted_cycles = 0;  // the compile report's estimate, summed over the layers
  std::uint64_t roofline_cycles = 0;   // and its roofline
};

inline BenchModel load_model(const std::string& spec, const isa::ArchConfig& arch) {
  const auto eq = spec.find('=');
  const std::string path = spec.substr(0, eq);
  const auto start = std::chrono::steady_clock::now();
  compiler::Graph graph = compiler::import_onnx(path);
  compiler::CompileResult r = compiler::compile(graph, arch);
  const double compile_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto& in = graph.values[static_cast<std::size_t>(graph.inputs.at(0))];
  BenchModel m{std::filesystem::path(path).stem().string(), in.name,
               eq == std::string::npos ? Tensor(in.dtype, in.shape) : read_npy(spec.substr(eq + 1)),
               std::move(r.program), compile_seconds};
  for (const compiler::LayerReport& l : r.layers) {
    m.predicted_cycles += l.predicted_cycles;
    m.roofline_cycles += l.roofline_cycles;
  }
  return m;
}

using Clock = std::chrono::steady_clock;
inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace systole::bench
