#include "runtime/host_io.hpp"

#include <cstdio>
#include <cstring>

#include "sim/isa/error.hpp"

namespace systole::runtime {

void check_fingerprint(const Program& program, const isa::ArchConfig& arch) {
  if (program.fingerprint == arch.fingerprint()) return;
  char have[20], want[20];
  std::snprintf(have, sizeof have, "%016llx", static_cast<unsigned long long>(program.fingerprint));
  std::snprintf(want, sizeof want, "%016llx", static_cast<unsigned long long>(arch.fingerprint()));
  throw UserError("arch mismatch: the program was compiled for arch '" + program.arch_name + "' (fingerprint " + have +
                  ") but this device is arch '" + arch.name + "' (fingerprint " + want + "); recompile for '" +
                  arch.name + "' or open the device with --arch " + program.arch_name);
}

void bind_inputs(const Program& program, const std::map<std::string, Tensor>& inputs, std::span<std::uint8_t> act) {
  for (const auto& [name, tensor] : inputs) {
    const TensorDesc* d = program.find_tensor(name);
    if (!d || d->kind != TensorKind::kInput) {
      std::string names;
      for (const auto& t : program.tensors) {
        if (t.kind == TensorKind::kInput) names += (names.empty() ? "" : ", ") + t.name;
      }
      throw UserError("input '" + name + "': the program has no such input (inputs: " + names + ")");
    }
    if (tensor.dtype != d->dtype || tensor.shape != d->shape) {
      throw UserError("input '" + name + "': got " + std::string(dtype_name(tensor.dtype)) + " " + tensor.shape_text() +
                      ", the program expects " + std::string(dtype_name(d->dtype)) + " " + shape_text(d->shape));
    }
    std::memcpy(act.data() + d->offset, tensor.data.data(), tensor.data.size());
  }
  for (const auto& t : program.tensors) {
    if (t.kind == TensorKind::kInput && !inputs.count(t.name)) {
      throw UserError("input '" + t.name + "' (" + std::string(dtype_name(t.dtype)) + " " + shape_text(t.shape) +
                      ") is not bound");
    }
  }
}

std::map<std::string, Tensor> read_outputs(const Program& program, std::span<const std::uint8_t> act) {
  std::map<std::string, Tensor> out;
  for (const auto& t : program.tensors) {
    if (t.kind != TensorKind::kOutput) continue;
    Tensor tensor(t.dtype, t.shape);
    std::memcpy(tensor.data.data(), act.data() + t.offset, tensor.data.size());
    out.emplace(t.name, std::move(tensor));
  }
  return out;
}

}  // namespace systole::runtime
