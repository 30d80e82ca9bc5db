// fp32 arithmetic of the vector unit's f ops (vec fmac, fdiv, fquant), as one definition every level follows bit for
// bit: the operations x86 SSE performs in ONNX Runtime's fp32 pooling kernels (ADDSS, MULSS, DIVSS, CVTSI2SS,
// CVTSS2SI with MXCSR at its default). The RTL implements them in integer logic (hw/rtl/fp32_*.sv), checked against
// this CPU by tests/cosim/test_rtl_fp32.cpp.
//
// IEEE-754 fixes every finite and infinite result of +, * and / under round to nearest even, subnormals included,
// so the host's float operations give them on any conforming machine. What IEEE-754 leaves open is which NaN comes
// out; x86 returns the first operand if it is a NaN, else the second, quieted, and the default NaN 0xFFC00000 for an
// invalid operation (inf - inf, 0 * inf, 0 / 0, inf / inf). That is spelled out here, so the functional model is
// portable and independent of how the compiler orders commutative operands.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>

namespace systole::fp32 {

constexpr std::uint32_t kDefaultNan = 0xffc0'0000u;
constexpr std::uint32_t kQuietBit = 0x0040'0000u;
// CVTSS2SI's "integer indefinite": NaN and every value outside [-2^31, 2^31).
constexpr std::int32_t kIntegerIndefinite = INT32_MIN;

inline bool is_nan(std::uint32_t bits) {
  return (bits & 0x7fff'ffffu) > 0x7f80'0000u;
}

namespace detail {

// The NaN x86 returns for operands a, b when either is a NaN; 0 when neither is.
inline std::uint32_t nan_of(std::uint32_t a, std::uint32_t b) {
  if (is_nan(a)) return a | kQuietBit;
  if (is_nan(b)) return b | kQuietBit;
  return 0;
}

inline std::uint32_t result(float r) {
  return std::isnan(r) ? kDefaultNan : std::bit_cast<std::uint32_t>(r);
}

}  // namespace detail

// a + b, a * b, a / b on bit patterns.
inline std::uint32_t add(std::uint32_t a, std::uint32_t b) {
  if (const std::uint32_t n = detail::nan_of(a, b)) return n;
  return detail::result(std::bit_cast<float>(a) + std::bit_cast<float>(b));
}
inline std::uint32_t mul(std::uint32_t a, std::uint32_t b) {
  if (const std::uint32_t n = detail::nan_of(a, b)) return n;
  return detail::result(std::bit_cast<float>(a) * std::bit_cast<float>(b));
}
inline std::uint32_t div(std::uint32_t a, std::uint32_t b) {
  if (const std::uint32_t n = detail::nan_of(a, b)) return n;
  return detail::result(std::bit_cast<float>(a) / std::bit_cast<float>(b));
}

// int32 -> fp32, rounding to nearest even above 2^24.
inline std::uint32_t from_int(std::int32_t v) {
  return std::bit_cast<std::uint32_t>(static_cast<float>(v));
}

// fp32 -> int32, rounding half to even; kIntegerIndefinite for NaN and out of range.
inline std::int32_t to_int(std::uint32_t bits) {
  const float v = std::bit_cast<float>(bits);
  if (!(v >= -2147483648.0f && v < 2147483648.0f)) return kIntegerIndefinite;
  return static_cast<std::int32_t>(std::nearbyint(v));  // exact: nearbyint(v) is integral and in range
}

}  // namespace systole::fp32
