// Lowering: places every IR node (accelerator or host), plans DRAM, tiles and schedules the accelerator layers,
// and emits the program file.
//
// Accelerator layers: conv (any stride, padding, dilation, groups; gemm is a 1x1 conv over [1, M, 1, K]) on the
// systolic array with the input zero point folded into the bias; residual add, max pool and global average pool
// on the vector unit. Activations live in DRAM as NHWC (channels are DMA lanes). Each layer is a software
// pipeline over output-row blocks with double-buffered input and accumulator tiles: the load of block i+1 is
// dispatched before the compute of block i, and dependency tokens guard every buffer reuse. Layers are separated
// by sync (the next layer reads what this one stored). Everything else runs on the host with the reason reported.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/ir.hpp"
#include "systole/arch.hpp"
#include "systole/program.hpp"

namespace systole::compiler {

// Per-layer figures for the compile report (analytic: no simulation).
struct LayerReport {
  std::string name;
  std::string op;
  bool accel = false;
  std::string reason;            // why the layer runs on the host
  std::uint64_t macs = 0;        // useful MACs of the operator
  std::uint64_t array_macs = 0;  // MACs the array performs (incl. padding lanes and skipped-tile waste)
  std::uint64_t instructions = 0;
  std::uint64_t tiles = 0;             // weight tiles used
  std::uint64_t blocks = 0;            // pipeline steps (output-row blocks)
  std::uint64_t dram_bytes = 0;        // DMA bytes read + written
  std::uint64_t predicted_cycles = 0;  // sim::estimate_cycles: max(array cycles, DRAM cycles)
  double utilization = 0.0;            // macs / (predicted_cycles * rows * cols)
  // The roofline: no mapping takes fewer cycles than the MACs on every PE (compute) or than moving each operand and
  // the result once at the DRAM bandwidth (dram: the reads over the two read ports, the writes over the store port,
  // dram.bytes_per_cycle each), whichever is more.
  std::uint64_t min_dram_bytes = 0;      // every input, constant and output tensor of the layer, once
  std::uint64_t roofline_cycles = 0;     // max(ceil(macs / PEs), ceil(reads / 2 ports), ceil(writes / 1 port))
  std::string roofline_bound;            // "compute" or "dram"; empty on the host
  double utilization_of_roofline = 0.0;  // roofline_cycles / predicted_cycles
};

struct CompileResult {
  Program program;
  std::vector<LayerReport> layers;
};

// Records each node's placement (and the reason for a host placement) on the graph.
CompileResult compile(Graph& graph, const isa::ArchConfig& arch);

// The report as a readable table and as JSON text.
std::string report_table(const CompileResult& r, const isa::ArchConfig& arch);
std::string report_json(const CompileResult& r, const isa::ArchConfig& arch);

}  // namespace systole::compiler
