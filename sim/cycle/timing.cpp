#include "sim/cycle/timing.hpp"

#include <algorithm>

#include "sim/isa/dma.hpp"

namespace systole::sim {

DramParams dram_params(const isa::ArchConfig& arch) {
  const auto& p = arch.params;
  return {static_cast<std::uint64_t>(p.dram_latency_cycles), static_cast<std::uint64_t>(p.dram_bytes_per_cycle),
          static_cast<std::uint64_t>(p.dram_burst_bytes), static_cast<std::uint64_t>(p.dram_max_outstanding)};
}

namespace {

// All bursts of a 2-D walk are requested at `start` (the DMA engine queues them for the outstanding slots);
// returns the cycle the last completes, or `start` when nothing moves.
std::uint64_t dma_done(const isa::DramWalk& walk, std::uint64_t start, bool write, DramModel& dram) {
  std::uint64_t done = start;
  walk.for_each_range(
      [&](std::uint64_t lo, std::uint64_t hi) { done = std::max(done, dram.transfer(start, lo, hi - lo, write)); });
  return done;
}

}  // namespace

std::uint64_t occupancy(const isa::Insn& insn, const isa::ArchConfig& arch, std::uint64_t start, DramModel& dram) {
  const auto R = static_cast<std::uint64_t>(arch.rows()), C = static_cast<std::uint64_t>(arch.cols());
  switch (spec::decode_header(insn).opcode) {
    case spec::Opcode::kLoad: {
      // One on-chip row written per cycle, overlapping the DRAM transfer.
      const auto f = spec::decode_load(insn);
      const std::uint64_t rows =
          (std::uint64_t{f.pad_top} + f.y_size + f.pad_bottom) * (std::uint64_t{f.pad_left} + f.x_size + f.pad_right);
      return std::max(rows, dma_done(isa::load_walk(f), start, false, dram) - start);
    }
    case spec::Opcode::kStore: {
      // One accumulator row read (and requantized) per cycle, overlapping the DRAM writes.
      const auto f = spec::decode_store(insn);
      return std::max(std::uint64_t{f.y_size} * f.x_size, dma_done(isa::store_walk(f), start, true, dram) - start);
    }
    case spec::Opcode::kGemm: {
      const auto f = spec::decode_gemm(insn);
      const std::uint64_t rows = f.outer * f.inner;
      // Weight-stationary: the weight tile shifts in one row per cycle, then one input row enters per cycle and
      // the last result leaves rows + cols - 1 cycles after it entered. Output-stationary: inputs and weights
      // stream together (no preload), the same fill and drain.
      const std::uint64_t preload = arch.dataflow() == spec::Dataflow::kWeightStationary ? R : 0;
      return preload + rows + R + C - 1;
    }
    case spec::Opcode::kVec: {
      // One accumulator row per cycle through a 2-stage pipeline (read, write back).
      const auto f = spec::decode_vec(insn);
      return f.outer * f.inner + 1;
    }
    case spec::Opcode::kSync:
    case spec::Opcode::kFinish: return 0;
  }
  return 0;
}

}  // namespace systole::sim
