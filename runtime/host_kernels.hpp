// Runs operator descriptions on the host with the reference kernels (sim/ref). Used by every backend for the
// steps placed on the host, and by the compiler's IR interpreter, so both compute exactly the same thing.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/ref/ref_kernels.hpp"
#include "systole/op.hpp"
#include "systole/tensor.hpp"

namespace systole::runtime {

// A logical tensor on the host: integer values (int8/uint8/int32) or float32, with per-tensor quantization.
struct HostValue {
  DType dtype = DType::kInt8;
  std::vector<std::int64_t> shape;
  std::vector<std::int32_t> ints;  // dtype int8/uint8/int32
  std::vector<float> floats;       // dtype float32
  float scale = 1.0f;
  std::int32_t zero_point = 0;
};

// The output's element type, quantization and shape (the shape matters for reshape only).
struct OutDesc {
  DType dtype = DType::kInt8;
  float scale = 1.0f;
  std::int32_t zero_point = 0;
  std::vector<std::int64_t> shape;
};

// Runs `op`; throws UserError (naming the operator) when the reference kernel rejects the operands.
HostValue run_host_op(const OpDesc& op, const std::vector<const HostValue*>& inputs, const OutDesc& out);

ref::QTensor to_qtensor(const HostValue& v);

// Conversions between host values and row-major tensors.
HostValue host_value(const Tensor& t, float scale, std::int32_t zero_point);
Tensor tensor_of(const HostValue& v);

// The float operators (OpKind::kFloat*), host_float.cpp.
HostValue run_float_op(const OpDesc& op, const std::vector<const HostValue*>& inputs);

}  // namespace systole::runtime
