// Operator descriptions: the quantized operators of the compiler's IR, as the program file stores the ones placed
// on the host and as the host executes them (runtime/host_kernels.hpp runs them with the reference kernels).
//
// Tensors are logical ONNX tensors (images NCHW). Quantization of activations is per tensor and lives on the
// tensors; a weight's per-channel scales and zero points are attributes (`w_scale`, `w_zero_point`).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace systole {

enum class OpKind : std::uint8_t {
  kQuantize,     // float -> int8/uint8 (ONNX QuantizeLinear)
  kDequantize,   // int8/uint8/int32 -> float (ONNX DequantizeLinear)
  kConv,         // QLinearConv; inputs x, w[, bias]; ints strides, pads, dilations, group, clip
  kGemm,         // QGemm / QLinearMatMul on 2-D; inputs a, b[, bias]; ints trans_a, trans_b, clip; floats alpha
  kMatMul,       // QLinearMatMul, rank >= 2 with broadcasting; inputs a, b
  kAdd,          // QLinearAdd with broadcasting; ints clip
  kClip,         // clamp in the quantized domain; ints clip = {lo, hi}
  kMaxPool,      // ints kernel, strides, pads, dilations, ceil_mode
  kAveragePool,  // ints kernel, strides, pads, dilations, ceil_mode, count_include_pad
  kGlobalAveragePool,
  kReshape,     // same bytes, new shape (Flatten/Reshape on a row-major tensor)
  kRequantize,  // same real values, another quantization
  // Float operators the accelerator has no form for (between a dequantize and a quantize), run on the host in
  // float32 with numpy broadcasting: softmax, layer-norm pieces, GELU's erf, attention's transposes.
  kFloatAdd,
  kFloatSub,
  kFloatMul,
  kFloatDiv,
  kFloatPow,
  kFloatSqrt,
  kFloatErf,
  kFloatReduceMean,  // ints axes, keepdims
  kFloatSoftmax,     // ints axis
  kFloatTranspose,   // ints perm
};

std::string_view op_name(OpKind kind);
std::optional<OpKind> parse_op(std::string_view name);

struct OpDesc {
  OpKind kind = OpKind::kConv;
  std::map<std::string, std::vector<std::int64_t>> ints;
  std::map<std::string, std::vector<double>> floats;

  // The attribute, or `fallback` when absent.
  std::vector<std::int64_t> ints_or(const std::string& key, std::vector<std::int64_t> fallback) const;
  bool operator==(const OpDesc&) const = default;
};

// Why `op`'s attributes are not what its operator accepts (an unknown key, a wrong number of values, a value out of
// range, a perm that is not a permutation), or an empty string: the schema every host step in a program file is
// checked against when it is read (and so when it is written).
std::string op_attribute_problem(const OpDesc& op);

}  // namespace systole
