#include <cstring>

#include "systole/error.hpp"
#include "systole/runtime.hpp"

namespace systole {

RunResult run_dataset(LoadedProgram& program, const std::map<std::string, Tensor>& inputs) {
  const Program& p = program.program();
  std::int64_t runs = -1;
  for (const auto& [name, t] : inputs) {
    const TensorDesc* d = p.find_tensor(name);
    if (!d || d->kind != TensorKind::kInput || d->shape.empty() || t.shape.empty() || t.dtype != d->dtype) {
      return program.run(inputs);  // not a data set: the single run reports the exact problem
    }
    const auto per_sample = static_cast<std::int64_t>(d->bytes() / dtype_size(d->dtype)) / d->shape[0];
    if (t.elements() % per_sample != 0) return program.run(inputs);
    const std::int64_t samples = t.elements() / per_sample;
    if (samples % d->shape[0] != 0) {
      throw UserError("input " + quote(name) + ": " + std::to_string(samples) +
                      " samples are not a multiple of the program's batch " + std::to_string(d->shape[0]));
    }
    const std::int64_t k = samples / d->shape[0];
    if (runs >= 0 && runs != k)
      throw UserError("input " + quote(name) + ": its sample count differs from the other inputs'");
    runs = k;
  }
  if (runs <= 1) return program.run(inputs);

  RunResult total;
  for (std::int64_t r = 0; r < runs; ++r) {
    std::map<std::string, Tensor> slice;
    for (const auto& [name, t] : inputs) {
      const TensorDesc* d = p.find_tensor(name);
      Tensor s(d->dtype, d->shape);
      std::memcpy(s.data.data(), t.data.data() + static_cast<std::size_t>(r) * s.data.size(), s.data.size());
      slice.emplace(name, std::move(s));
    }
    RunResult one = program.run(slice);
    for (auto& [name, t] : one.outputs) {
      auto it = total.outputs.find(name);
      if (it == total.outputs.end()) {
        t.shape[0] *= runs;
        Tensor all(t.dtype, t.shape);
        std::memcpy(all.data.data(), t.data.data(), t.data.size());
        total.outputs.emplace(name, std::move(all));
      } else {
        std::memcpy(it->second.data.data() + static_cast<std::size_t>(r) * t.data.size(), t.data.data(), t.data.size());
      }
    }
    // Runs follow each other on the timeline.
    const std::uint64_t offset = total.counters["cycles"];
    for (TraceSlice& event : one.timeline) {
      event.start += offset;
      event.end += offset;
      total.timeline.push_back(std::move(event));
    }
    for (QueueSample& q : one.queue_samples) {
      q.cycle += offset;
      total.queue_samples.push_back(q);
    }
    if (total.layers.empty()) total.layers.resize(one.layers.size());
    for (std::size_t i = 0; i < one.layers.size(); ++i) {
      total.layers[i].name = one.layers[i].name;
      for (const auto& [k, v] : one.layers[i].counters) total.layers[i].counters[k] += v;
    }
    for (const auto& [k, v] : one.counters) total.counters[k] += v;
  }
  return total;
}

}  // namespace systole
