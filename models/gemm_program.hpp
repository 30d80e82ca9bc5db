// A generator of tiled GEMM programs: y[M x N] int32 = a[M x K] int8 x w[K x N] int8, for any arch config.
//
// Used by the functional-model benchmark (perf/) and by the golden test that checks the functional model against
// plain loops. The schedule is the straightforward one: weights resident, M split into blocks that fit the
// scratchpad and accumulator, tokens guarding buffer reuse between blocks.
#pragma once

#include <cstdint>

#include "systole/arch.hpp"
#include "systole/program.hpp"

namespace systole::models {

struct GemmShape {
  std::int64_t m = 0, k = 0, n = 0;
};

// Inputs `a` [M, K] and `w` [K, N] (int8), output `y` [M, N] (int32). Weights are an input, not a constant, so
// one program serves any data. Throws UserError when the weights do not fit the weight buffer.
Program gemm_program(GemmShape shape, const isa::ArchConfig& arch);

}  // namespace systole::models
