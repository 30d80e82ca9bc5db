// Helpers shared by the reference kernels' .cpp files (validation, index arithmetic, the float steps of ONNX
// Runtime's quantized operators); not part of the API.
#pragma once

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "sim/isa/fp32.hpp"
#include "sim/ref/ref_kernels.hpp"

namespace systole::ref::detail {

// Throws std::invalid_argument("<op>: <what>").
[[noreturn]] void fail(std::string_view op, const std::string& what);

std::string shape_str(const std::vector<std::int64_t>& shape);  // "[1, 3, 224, 224]"

// Product of the dimensions of a shape validate_tensor accepted (so it cannot overflow).
std::int64_t element_count(const std::vector<std::int64_t>& shape);

void check_out_spec(const OutSpec& out, std::string_view op);
void require_rank(const QTensor& t, std::size_t rank, std::string_view layout, std::string_view op,
                  std::string_view name);
void require_8bit(const QTensor& t, std::string_view op, std::string_view name);
void require_per_tensor(const QTensor& t, std::string_view op, std::string_view name);
// The checks of a two-operand kernel: a and b valid 8-bit tensors, a per tensor, the output spec valid.
void check_8bit_operands(const QTensor& a, const QTensor& b, const OutSpec& out, std::string_view op);

// An integer attribute must lie in [lo, 2^31); the upper bound keeps all index arithmetic far inside int64.
void check_attr(std::int64_t value, std::int64_t lo, std::string_view op, std::string_view name);

// Per-channel axis of a validated tensor, made non-negative; -1 when it is quantized per tensor.
int channel_axis(const QTensor& t);
// Index into t.q.scale / t.q.zero_point of the element at flat index i.
std::size_t channel_of(const QTensor& t, std::int64_t i);

// x - zero_point of a validated tensor; fits int32 because 8-bit values and zero points stay within 9 bits and
// int32 tensors have zero point 0.
std::int32_t centered(std::int32_t x, std::int32_t zero_point);

// float -> int32 as x86's CVTPS2DQ / CVTTSS2SI do it in ONNX Runtime's kernels (MXCSR default: round half to even):
// NaN and every value outside [-2^31, 2^31) give the "integer indefinite" INT32_MIN, which the saturating packs
// and clamps that follow turn into the type's minimum, even for a large positive value.
inline std::int32_t x86_to_int32(float v) {
  return fp32::to_int(std::bit_cast<std::uint32_t>(v));
}

// DequantizeLinear of one value: an exact integer subtraction, then one fp32 multiply
// (onnxruntime/core/providers/cpu/quantization/quantize_linear.cc).
inline float dequantize(std::int32_t x, std::int32_t zero_point, float scale) {
  return static_cast<float>(x - zero_point) * scale;
}

// QuantizeLinear of one value (MLAS MlasQuantizeLinear, onnxruntime/core/mlas/lib/quantize.cpp): a true fp32
// division, a clamp to [lo - zp, hi - zp] in float (MAXPS then MINPS: NaN yields the lower bound), round half to
// even, add the zero point. The bounds are integers, so this is saturate(rne(v / scale) + zp).
std::int32_t quantize(float v, float scale, std::int32_t zero_point, ElemType type);

// An exact int64 sum as the int32 accumulator; throws when it does not fit.
std::int32_t to_accumulator(std::int64_t sum, std::string_view op);

// An output tensor of `shape` quantized as `out`, values zero-filled.
QTensor make_output(std::vector<std::int64_t> shape, const OutSpec& out, std::string_view op);

// numpy broadcasting of two shapes (right-aligned; a dimension of 1 stretches).
std::vector<std::int64_t> broadcast_shapes(const std::vector<std::int64_t>& a, const std::vector<std::int64_t>& b,
                                           std::string_view op, std::string_view what);
// Multi-index of flat index `flat` in `shape` (row-major), written into `index` (resized to the rank).
void unravel(std::int64_t flat, const std::vector<std::int64_t>& shape, std::vector<std::int64_t>& index);
// Flat offset in `shape` of the broadcast element addressed by the (longer or equal) multi-index `index`.
std::int64_t broadcast_offset(const std::vector<std::int64_t>& index, const std::vector<std::int64_t>& shape);

// One spatial axis of a sliding window (conv or pool).
struct WindowAxis {
  std::int64_t in = 0;  // input extent
  std::int64_t kernel = 1;
  std::int64_t stride = 1;
  std::int64_t dilation = 1;
  std::int64_t pad_begin = 0;
  std::int64_t pad_end = 0;

  // Input position of tap t of window o; outside [0, in) it lies in the padding (or past it).
  std::int64_t position(std::int64_t o, std::int64_t t) const { return o * stride - pad_begin + t * dilation; }
};

// Number of windows: (in + pads - ((kernel - 1) * dilation + 1)) / stride + 1, rounded down, or up with
// ceil_mode, where a window that would start in the end padding is dropped (ONNX, PyTorch). Throws when the
// dilated kernel does not fit the padded input.
std::int64_t output_extent(const WindowAxis& a, bool ceil_mode, std::string_view op, std::string_view axis_name);

}  // namespace systole::ref::detail
