#include "perf/baselines/batch.hpp"

#include <string>

namespace systole::bench {

std::int64_t graph_batch(const compiler::Graph& g) {
  if (g.inputs.empty()) throw UserError("the model has no input");
  const compiler::Value& in = g.values[static_cast<std::size_t>(g.inputs[0])];
  return in.shape.empty() ? 1 : in.shape[0];
}

compiler::Graph rebatch(const compiler::Graph& g, std::int64_t batch) {
  const std::int64_t own = graph_batch(g);
  if (batch == own) return g;
  if (batch < 1 || own < 1 || batch % own != 0) {
    throw UserError("--batch " + std::to_string(batch) + ": must be a positive multiple of the model's batch (" +
                    std::to_string(own) + ")");
  }
  const std::int64_t factor = batch / own;
  compiler::Graph out = g;
  for (compiler::Value& v : out.values) {
    if (v.is_const) continue;
    if (v.shape.empty() || v.shape[0] != own) {
      throw UserError("--batch " + std::to_string(batch) + ": value " + quote(v.name) +
                      " is not batched along dimension 0 (shape " + shape_text(v.shape) +
                      "); run the model at its own batch");
    }
    v.shape[0] *= factor;
    if (v.elements() > compiler::kMaxValueElements) {
      throw UserError("--batch " + std::to_string(batch) + ": value " + quote(v.name) + " would have " +
                      std::to_string(v.elements()) + " elements, more than a tensor may have");
    }
  }
  return out;
}

}  // namespace systole::bench
