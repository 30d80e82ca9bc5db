#include "runtime/host_io.hpp"

#include <cstdio>
#include <cstring>
#include <limits>

#include "systole/error.hpp"

namespace systole::runtime {
namespace {

// Calls f(row-major index, storage index) for every element of a tensor stored as `d` says.
template <typename F>
void each_element(const TensorDesc& d, F f) {
  if (d.layout != Layout::kRowMajor) {
    for_each_nhwc(d.shape, f);
    return;
  }
  const std::int64_t count = checked_element_count(d.shape, std::numeric_limits<std::int64_t>::max());
  for (std::int64_t i = 0; i < count; ++i) f(i, i);
}

// Copies between a row-major tensor and the tensor's storage, element by element only when the layout differs.
void to_storage(const TensorDesc& d, const Tensor& t, std::uint8_t* dst) {
  if (d.layout == Layout::kRowMajor) {
    std::memcpy(dst, t.data.data(), t.data.size());
    return;
  }
  const std::size_t es = dtype_size(d.dtype);
  const std::uint8_t* src = t.data.data();
  if (es == 1) {
    for_each_nhwc(d.shape, [&](std::int64_t i, std::int64_t k) { dst[k] = src[i]; });
  } else {
    for_each_nhwc(d.shape, [&](std::int64_t i, std::int64_t k) {
      std::memcpy(dst + static_cast<std::size_t>(k) * es, src + static_cast<std::size_t>(i) * es, es);
    });
  }
}

Tensor from_storage(const TensorDesc& d, const std::uint8_t* src) {
  Tensor t(d.dtype, d.shape);
  if (d.layout == Layout::kRowMajor) {
    std::memcpy(t.data.data(), src, t.data.size());
    return t;
  }
  const std::size_t es = dtype_size(d.dtype);
  std::uint8_t* dst = t.data.data();
  if (es == 1) {
    for_each_nhwc(d.shape, [&](std::int64_t i, std::int64_t k) { dst[i] = src[k]; });
  } else {
    for_each_nhwc(d.shape, [&](std::int64_t i, std::int64_t k) {
      std::memcpy(dst + static_cast<std::size_t>(i) * es, src + static_cast<std::size_t>(k) * es, es);
    });
  }
  return t;
}

}  // namespace

void check_fingerprint(const Program& program, const isa::ArchConfig& arch) {
  if (program.fingerprint == arch.fingerprint()) return;
  char have[20], want[20];
  std::snprintf(have, sizeof have, "%016llx", static_cast<unsigned long long>(program.fingerprint));
  std::snprintf(want, sizeof want, "%016llx", static_cast<unsigned long long>(arch.fingerprint()));
  throw UserError("arch mismatch: the program was compiled for arch " + quote(program.arch_name) + " (fingerprint " +
                  have + ") but this device is arch " + quote(arch.name) + " (fingerprint " + want +
                  "); recompile for '" + arch.name + "' or open the device with --arch " + program.arch_name);
}

void bind_inputs(const Program& program, const std::map<std::string, Tensor>& inputs, std::span<std::uint8_t> act) {
  for (const auto& [name, tensor] : inputs) {
    const TensorDesc* d = program.find_tensor(name);
    if (!d || d->kind != TensorKind::kInput) {
      std::string names;
      for (const auto& t : program.tensors) {
        if (t.kind == TensorKind::kInput) names += (names.empty() ? "" : ", ") + t.name;
      }
      throw UserError("input " + quote(name) + ": the program has no such input (inputs: " + names + ")");
    }
    if (tensor.dtype != d->dtype || tensor.shape != d->shape) {
      throw UserError("input " + quote(name) + ": got " + std::string(dtype_name(tensor.dtype)) + " " +
                      tensor.shape_text() + ", the program expects " + std::string(dtype_name(d->dtype)) + " " +
                      shape_text(d->shape));
    }
    to_storage(*d, tensor, act.data() + d->offset);
  }
  for (const auto& t : program.tensors) {
    if (t.kind == TensorKind::kInput && !inputs.count(t.name)) {
      throw UserError("input " + quote(t.name) + " (" + std::string(dtype_name(t.dtype)) + " " + shape_text(t.shape) +
                      ") is not bound");
    }
  }
}

std::map<std::string, Tensor> read_outputs(const Program& program, std::span<const std::uint8_t> act) {
  std::map<std::string, Tensor> out;
  for (const auto& t : program.tensors) {
    if (t.kind == TensorKind::kOutput) out.emplace(t.name, from_storage(t, act.data() + t.offset));
  }
  return out;
}

HostValue read_value(const TensorDesc& d, std::span<const std::uint8_t> const_region,
                     std::span<const std::uint8_t> act) {
  const std::uint8_t* base = (d.kind == TensorKind::kConst ? const_region.data() : act.data()) + d.offset;
  if (d.dtype != DType::kInt8 && d.dtype != DType::kUint8)
    return host_value(from_storage(d, base), d.scale, d.zero_point);
  // 8-bit values straight from storage into the host value: one pass and one buffer (these are the host steps'
  // activations, megabytes each on full-size networks).
  HostValue v;
  v.dtype = d.dtype, v.shape = d.shape, v.scale = d.scale, v.zero_point = d.zero_point;
  v.ints.resize(static_cast<std::size_t>(checked_element_count(d.shape, std::numeric_limits<std::int64_t>::max())));
  std::int32_t* ints = v.ints.data();
  const bool s8 = d.dtype == DType::kInt8;
  each_element(d, [&](std::int64_t i, std::int64_t k) {
    ints[i] = s8 ? std::int32_t{static_cast<std::int8_t>(base[k])} : std::int32_t{base[k]};
  });
  return v;
}

void write_value(const TensorDesc& d, const HostValue& v, std::span<std::uint8_t> act) {
  if (v.dtype != d.dtype || v.shape != d.shape) {
    throw InternalError("host op result " + std::string(dtype_name(v.dtype)) + " " + shape_text(v.shape) +
                        " does not match tensor " + quote(d.name) + " (" + std::string(dtype_name(d.dtype)) + " " +
                        shape_text(d.shape) + ")");
  }
  if (d.dtype != DType::kInt8 && d.dtype != DType::kUint8) {
    to_storage(d, tensor_of(v), act.data() + d.offset);
    return;
  }
  std::uint8_t* base = act.data() + d.offset;  // 8-bit: straight from the host value, as read_value
  const std::int32_t* ints = v.ints.data();
  if (v.ints.size() !=
      static_cast<std::size_t>(checked_element_count(d.shape, std::numeric_limits<std::int64_t>::max())))
    throw InternalError("host op result for " + quote(d.name) + " has the wrong number of values");
  each_element(d, [&](std::int64_t i, std::int64_t k) { base[k] = static_cast<std::uint8_t>(ints[i]); });
}

void run_host_step(const Program& program, const HostStep& step, std::span<const std::uint8_t> const_region,
                   std::span<std::uint8_t> act, std::optional<PreparedHostOp>& prepared) {
  std::vector<HostValue> values;
  values.reserve(step.inputs.size());
  for (const auto& name : step.inputs) {
    values.push_back(name.empty() ? HostValue{} : read_value(*program.find_tensor(name), const_region, act));
  }
  std::vector<const HostValue*> ptrs;
  for (std::size_t i = 0; i < values.size(); ++i) ptrs.push_back(step.inputs[i].empty() ? nullptr : &values[i]);
  const TensorDesc& out = *program.find_tensor(step.outputs.at(0));
  const OutDesc out_desc{out.dtype, out.scale, out.zero_point, out.shape};
  if (!prepared) {
    prepared = PreparedHostOp{};
    if (const HostOpProvider* provider = host_op_provider()) {
      std::vector<bool> constant;
      for (const auto& name : step.inputs) {
        constant.push_back(!name.empty() && program.find_tensor(name)->kind == TensorKind::kConst);
      }
      *prepared = (*provider)(step.op, ptrs, constant, out_desc);
    }
  }
  write_value(out, *prepared ? (*prepared)(ptrs) : run_host_op(step.op, ptrs, out_desc), act);
}

}  // namespace systole::runtime
