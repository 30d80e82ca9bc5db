#include "systole/op.hpp"

#include <array>
#include <cmath>
#include <utility>

#include "systole/error.hpp"

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

namespace {

// One attribute an operator accepts: its length range and, for integers, the range of each value.
struct AttrRule {
  std::string_view key;
  std::size_t min_len, max_len;
  std::int64_t lo, hi;
};

constexpr std::int64_t kBig = std::int64_t{1} << 31;  // sizes, strides and pads stay far inside int64 arithmetic
constexpr std::int64_t kI32Min = -(std::int64_t{1} << 31), kI32Max = (std::int64_t{1} << 31) - 1;
constexpr std::size_t kAny = 1u << 20;  // per-channel lists

constexpr AttrRule kClip{"clip", 2, 2, kI32Min, kI32Max};
constexpr AttrRule kStrides{"strides", 2, 2, 1, kBig}, kDilations{"dilations", 2, 2, 1, kBig};
constexpr AttrRule kPads{"pads", 4, 4, 0, kBig}, kWeightZeroPoint{"w_zero_point", 1, kAny, -128, 255};
constexpr AttrRule kFlag(std::string_view key) {
  return {key, 1, 1, 0, 1};
}

struct Schema {
  std::vector<AttrRule> ints;
  std::vector<std::string_view> floats;
};

Schema schema_of(OpKind kind) {
  switch (kind) {
    case OpKind::kConv:
      return {{kStrides, kPads, kDilations, {"group", 1, 1, 1, kBig}, kClip, kWeightZeroPoint}, {"w_scale"}};
    case OpKind::kGemm: return {{kFlag("trans_a"), kFlag("trans_b"), kClip, kWeightZeroPoint}, {"alpha", "w_scale"}};
    case OpKind::kMatMul: return {{kClip, kWeightZeroPoint}, {"w_scale"}};
    case OpKind::kAdd: return {{kClip}, {}};
    case OpKind::kClip: return {{kClip}, {}};
    case OpKind::kMaxPool:
    case OpKind::kAveragePool:
      return {{{"kernel", 2, 2, 1, kBig}, kStrides, kPads, kDilations, kFlag("ceil_mode"), kFlag("count_include_pad")},
              {}};
    case OpKind::kFloatReduceMean: return {{{"axes", 0, 8, -8, 7}, kFlag("keepdims")}, {}};
    case OpKind::kFloatSoftmax: return {{{"axis", 1, 1, -8, 7}}, {}};
    case OpKind::kFloatTranspose: return {{{"perm", 0, 8, 0, 7}}, {}};
    default: return {};
  }
}

}  // namespace

std::string op_attribute_problem(const OpDesc& op) {
  const Schema schema = schema_of(op.kind);
  const std::string name(op_name(op.kind));
  for (const auto& [key, values] : op.ints) {
    const AttrRule* rule = nullptr;
    for (const auto& r : schema.ints) rule = r.key == key ? &r : rule;
    if (!rule) return name + ": integer attribute '" + key.substr(0, 64) + "' is not one of its attributes";
    if (values.size() < rule->min_len || values.size() > rule->max_len) {
      return name + ": attribute " + quote(key) + " has " + std::to_string(values.size()) + " values; it needs " +
             (rule->min_len == rule->max_len ? std::to_string(rule->min_len)
                                             : std::to_string(rule->min_len) + " to " + std::to_string(rule->max_len));
    }
    for (const std::int64_t v : values) {
      if (v < rule->lo || v > rule->hi) {
        return name + ": attribute " + quote(key) + " value " + std::to_string(v) + " is outside [" +
               std::to_string(rule->lo) + ", " + std::to_string(rule->hi) + "]";
      }
    }
  }
  for (const auto& [key, values] : op.floats) {
    bool known = false;
    for (const auto k : schema.floats) known = known || k == key;
    if (!known) return name + ": float attribute '" + key.substr(0, 64) + "' is not one of its attributes";
    if (values.empty() || (key == "alpha" && values.size() != 1)) {
      return name + ": attribute " + quote(key) + " has " + std::to_string(values.size()) + " values";
    }
    for (const double v : values) {
      if (!std::isfinite(v) || !(v > 0.0)) return name + ": attribute " + quote(key) + " must be finite and positive";
    }
  }
  if (const auto it = op.ints.find("clip"); it != op.ints.end() && it->second[0] > it->second[1]) {
    return name + ": attribute 'clip' has its lower bound above its upper bound";
  }
  if (const auto it = op.ints.find("perm"); it != op.ints.end()) {  // a permutation of 0 .. length - 1
    std::vector<bool> seen(it->second.size(), false);
    for (const std::int64_t p : it->second) {
      if (p >= static_cast<std::int64_t>(seen.size()) || seen[static_cast<std::size_t>(p)]) {
        return name + ": attribute 'perm' is not a permutation of 0 .. " + std::to_string(seen.size() - 1);
      }
      seen[static_cast<std::size_t>(p)] = true;
    }
  }
  return "";
}

std::vector<std::int64_t> OpDesc::ints_or(const std::string& key, std::vector<std::int64_t> fallback) const {
  const auto it = ints.find(key);
  return it == ints.end() ? std::move(fallback) : it->second;
}

}  // namespace systole
