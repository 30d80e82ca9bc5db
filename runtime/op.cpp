#include "systole/op.hpp"

#include <array>
#include <utility>

namespace systole {
namespace {

constexpr std::array<std::pair<OpKind, std::string_view>, 22> kNames{{
    {OpKind::kQuantize, "quantize"},
    {OpKind::kDequantize, "dequantize"},
    {OpKind::kConv, "conv"},
    {OpKind::kGemm, "gemm"},
    {OpKind::kMatMul, "matmul"},
    {OpKind::kAdd, "add"},
    {OpKind::kClip, "clip"},
    {OpKind::kMaxPool, "max_pool"},
    {OpKind::kAveragePool, "average_pool"},
    {OpKind::kGlobalAveragePool, "global_average_pool"},
    {OpKind::kReshape, "reshape"},
    {OpKind::kRequantize, "requantize"},
    {OpKind::kFloatAdd, "float_add"},
    {OpKind::kFloatSub, "float_sub"},
    {OpKind::kFloatMul, "float_mul"},
    {OpKind::kFloatDiv, "float_div"},
    {OpKind::kFloatPow, "float_pow"},
    {OpKind::kFloatSqrt, "float_sqrt"},
    {OpKind::kFloatErf, "float_erf"},
    {OpKind::kFloatReduceMean, "float_reduce_mean"},
    {OpKind::kFloatSoftmax, "float_softmax"},
    {OpKind::kFloatTranspose, "float_transpose"},
}};

}  // namespace

std::string_view op_name(OpKind kind) {
  for (const auto& [k, n] : kNames) {
    if (k == kind) return n;
  }
  return "?";
}

std::optional<OpKind> parse_op(std::string_view name) {
  for (const auto& [k, n] : kNames) {
    if (n == name) return k;
  }
  return std::nullopt;
}

std::vector<std::int64_t> OpDesc::ints_or(const std::string& key, std::vector<std::int64_t> fallback) const {
  const auto it = ints.find(key);
  return it == ints.end() ? std::move(fallback) : it->second;
}

}  // namespace systole
