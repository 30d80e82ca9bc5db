// A graph at another batch: every activation's dimension 0 scaled, for baselines that take the batch as a parameter.
#pragma once

#include "compiler/ir.hpp"

namespace systole::bench {

// The batch of a graph: dimension 0 of its first input (1 for a scalar input).
std::int64_t graph_batch(const compiler::Graph& g);

// `g` with `batch` inferences per run instead of graph_batch(g): dimension 0 of every non-constant value is multiplied
// by batch / graph_batch(g). Throws UserError when batch is not a positive multiple of the graph's batch, or when a
// value's dimension 0 is not the batch (a graph whose activations are not batched along dimension 0).
compiler::Graph rebatch(const compiler::Graph& g, std::int64_t batch);

}  // namespace systole::bench
