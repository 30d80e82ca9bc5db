// Runs operator descriptions on the host with the reference kernels (sim/ref). Used by every backend for the
// steps placed on the host, and by the compiler's IR interpreter, so both compute exactly the same thing.
#pragma once

#include <cstdint>
#include <functional>
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

// A host step's operator made ready for its operands (weights reordered, say): runs it on the step's inputs, exactly
// as run_host_op would. Only the activations change from run to run; constant inputs stay the same values.
using PreparedHostOp = std::function<HostValue(const std::vector<const HostValue*>& inputs)>;

// Offered each host step once, at its first run, with its operator, its inputs as they are then (`constant[i]` says
// which are the program's constants: weights, biases) and its output; returns a prepared operator, or an empty
// function to leave the step to run_host_op. perf/baselines/cpu registers one (oneDNN) for every program that links
// systole_backends.
using HostOpProvider = std::function<PreparedHostOp(const OpDesc& op, const std::vector<const HostValue*>& inputs,
                                                    const std::vector<bool>& constant, const OutDesc& out)>;
void register_host_op_provider(HostOpProvider provider);
// The provider registered, or nullptr.
const HostOpProvider* host_op_provider();

ref::QTensor to_qtensor(const HostValue& v);

// A weight operand's quantization: per channel along `axis` from the op's attributes (w_scale, w_zero_point, which
// compiler::host_op writes) when it has them, else the value's own per-tensor scale and zero point.
ref::QuantParams weight_quant(const OpDesc& op, const HostValue& w, int axis);

// Conversions between host values and row-major tensors.
HostValue host_value(const Tensor& t, float scale, std::int32_t zero_point);
Tensor tensor_of(const HostValue& v);

// The float operators (OpKind::kFloat*), host_float.cpp.
HostValue run_float_op(const OpDesc& op, const std::vector<const HostValue*>& inputs);

// Calls f(row-major NCHW index, NHWC index) for every element of an [N, C, H, W] tensor, in NCHW order, without a
// division per element: how NHWC storage (the accelerator's, the CPU baseline's bytes) maps to the logical tensor.
template <typename F>
void for_each_nhwc(const std::vector<std::int64_t>& shape, F f) {
  const std::int64_t channels = shape[1], pixels = shape[2] * shape[3];
  std::int64_t i = 0;
  for (std::int64_t n = 0; n < shape[0]; ++n) {
    for (std::int64_t c = 0; c < channels; ++c) {
      const std::int64_t base = n * pixels * channels + c;
      for (std::int64_t p = 0; p < pixels; ++p) f(i++, base + p * channels);
    }
  }
}

}  // namespace systole::runtime
