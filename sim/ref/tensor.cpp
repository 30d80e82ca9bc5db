// Tensor types, input validation and the index helpers the kernels share.
#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "sim/ref/ref_detail.hpp"
#include "sim/ref/ref_kernels.hpp"

namespace systole::ref {

namespace {

bool known_type(ElemType type) {
  return type == ElemType::kInt8 || type == ElemType::kUint8 || type == ElemType::kInt32;
}

std::string num(double v) {
  std::ostringstream s;
  s.precision(9);
  s << v;
  return s.str();
}

}  // namespace

std::int32_t type_min(ElemType type) {
  switch (type) {
    case ElemType::kInt8: return -128;
    case ElemType::kUint8: return 0;
    case ElemType::kInt32: return std::numeric_limits<std::int32_t>::min();
  }
  throw std::invalid_argument("type_min: unknown ElemType value " + std::to_string(static_cast<int>(type)));
}

std::int32_t type_max(ElemType type) {
  switch (type) {
    case ElemType::kInt8: return 127;
    case ElemType::kUint8: return 255;
    case ElemType::kInt32: return std::numeric_limits<std::int32_t>::max();
  }
  throw std::invalid_argument("type_max: unknown ElemType value " + std::to_string(static_cast<int>(type)));
}

std::string_view type_name(ElemType type) {
  switch (type) {
    case ElemType::kInt8: return "int8";
    case ElemType::kUint8: return "uint8";
    case ElemType::kInt32: return "int32";
  }
  return "unknown";
}

QuantParams per_tensor(float scale, std::int32_t zero_point) {
  return {{scale}, {zero_point}, 0};
}

QuantParams per_channel(std::vector<float> scales, std::vector<std::int32_t> zero_points, int axis) {
  return {std::move(scales), std::move(zero_points), axis};
}

void validate_tensor(const QTensor& t, std::string_view op, std::string_view name) {
  using detail::fail;
  const std::string n(name);
  if (!known_type(t.type)) fail(op, n + " has an unknown element type");
  const std::int64_t count = detail::element_count(t.shape);
  if (count < 0) fail(op, n + " has shape " + detail::shape_str(t.shape) + " with a negative or too large dimension");
  if (count != static_cast<std::int64_t>(t.values.size())) {
    fail(op, n + " has " + std::to_string(t.values.size()) + " values but its shape " + detail::shape_str(t.shape) +
                 " needs " + std::to_string(count));
  }
  const std::int32_t lo = type_min(t.type);
  const std::int32_t hi = type_max(t.type);
  const std::string range =
      std::string(type_name(t.type)) + " range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  for (std::size_t i = 0; i < t.values.size(); ++i) {
    if (t.values[i] < lo || t.values[i] > hi) {
      fail(op,
           n + " value " + std::to_string(t.values[i]) + " at index " + std::to_string(i) + " is outside the " + range);
    }
  }

  const QuantParams& q = t.q;
  if (q.scale.empty()) fail(op, n + " has no scale (give 1 for per-tensor or one per channel)");
  if (q.zero_point.size() != q.scale.size()) {
    fail(op, n + " has " + std::to_string(q.scale.size()) + " scales but " + std::to_string(q.zero_point.size()) +
                 " zero points");
  }
  if (q.scale.size() > 1) {
    const auto rank = static_cast<int>(t.shape.size());
    if (q.axis < -rank || q.axis >= rank) {
      fail(op, n + " quantization axis " + std::to_string(q.axis) + " is outside its rank " + std::to_string(rank));
    }
    const int axis = q.axis < 0 ? q.axis + rank : q.axis;
    if (t.shape[axis] != static_cast<std::int64_t>(q.scale.size())) {
      fail(op, n + " has " + std::to_string(q.scale.size()) + " per-channel scales but its dimension " +
                   std::to_string(axis) + " is " + std::to_string(t.shape[axis]));
    }
  }
  for (std::size_t i = 0; i < q.scale.size(); ++i) {
    if (!std::isfinite(q.scale[i]) || !(q.scale[i] > 0.0f)) {
      fail(op, n + " scale[" + std::to_string(i) + "] = " + num(q.scale[i]) + " must be finite and > 0");
    }
  }
  for (std::size_t i = 0; i < q.zero_point.size(); ++i) {
    const std::int32_t z = q.zero_point[i];
    if (z < lo || z > hi) {
      fail(op, n + " zero_point[" + std::to_string(i) + "] = " + std::to_string(z) + " is outside the " + range);
    }
    if (t.type == ElemType::kInt32 && z != 0) {
      fail(op, n + " is int32, so its zero point must be 0 (got " + std::to_string(z) + ")");
    }
  }
}

namespace detail {

void fail(std::string_view op, const std::string& what) {
  throw std::invalid_argument(std::string(op) + ": " + what);
}

std::string shape_str(const std::vector<std::int64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

std::int64_t element_count(const std::vector<std::int64_t>& shape) {
  std::int64_t count = 1;
  for (const std::int64_t dim : shape) {
    if (dim < 0) return -1;
    if (dim != 0 && count > std::numeric_limits<std::int64_t>::max() / dim) return -1;
    count *= dim;
  }
  return count;
}

void check_out_spec(const OutSpec& out, std::string_view op) {
  if (!known_type(out.type)) fail(op, "the output has an unknown element type");
  if (!std::isfinite(out.scale) || !(out.scale > 0.0f)) {
    fail(op, "output scale " + num(out.scale) + " must be finite and > 0");
  }
  if (out.zero_point < type_min(out.type) || out.zero_point > type_max(out.type)) {
    fail(op, "output zero point " + std::to_string(out.zero_point) + " is outside the " +
                 std::string(type_name(out.type)) + " range");
  }
  if (out.type == ElemType::kInt32 && out.zero_point != 0) {
    fail(op, "an int32 output needs zero point 0 (got " + std::to_string(out.zero_point) + ")");
  }
}

void require_rank(const QTensor& t, std::size_t rank, std::string_view layout, std::string_view op,
                  std::string_view name) {
  if (t.shape.size() != rank) {
    fail(op, std::string(name) + " has shape " + shape_str(t.shape) + "; expected rank " + std::to_string(rank) + " " +
                 std::string(layout));
  }
}

void require_8bit(const QTensor& t, std::string_view op, std::string_view name) {
  if (t.type != ElemType::kInt8 && t.type != ElemType::kUint8) {
    fail(op, std::string(name) + " is " + std::string(type_name(t.type)) + "; expected int8 or uint8");
  }
}

void require_per_tensor(const QTensor& t, std::string_view op, std::string_view name) {
  if (t.q.scale.size() != 1) {
    fail(op, std::string(name) + " has " + std::to_string(t.q.scale.size()) +
                 " per-channel scales; it must be quantized per tensor (1 scale, 1 zero point)");
  }
}

void check_8bit_operands(const QTensor& a, const QTensor& b, const OutSpec& out, std::string_view op) {
  validate_tensor(a, op, "a");
  validate_tensor(b, op, "b");
  check_out_spec(out, op);
  require_8bit(a, op, "a");
  require_8bit(b, op, "b");
  require_per_tensor(a, op, "a");
}

void check_attr(std::int64_t value, std::int64_t lo, std::string_view op, std::string_view name) {
  if (value < lo || value >= (std::int64_t{1} << 31)) {
    fail(op, std::string(name) + " = " + std::to_string(value) + " is outside [" + std::to_string(lo) + ", 2^31)");
  }
}

int channel_axis(const QTensor& t) {
  if (t.q.scale.size() <= 1) return -1;
  return t.q.axis < 0 ? t.q.axis + static_cast<int>(t.shape.size()) : t.q.axis;
}

std::size_t channel_of(const QTensor& t, std::int64_t i) {
  const int axis = channel_axis(t);
  if (axis < 0) return 0;
  std::int64_t inner = 1;  // elements per step along the axis
  for (std::size_t d = static_cast<std::size_t>(axis) + 1; d < t.shape.size(); ++d) inner *= t.shape[d];
  return static_cast<std::size_t>((i / inner) % t.shape[axis]);
}

std::int32_t centered(std::int32_t x, std::int32_t zero_point) {
  return x - zero_point;
}

std::int32_t to_accumulator(std::int64_t sum, std::string_view op) {
  if (sum < std::numeric_limits<std::int32_t>::min() || sum > std::numeric_limits<std::int32_t>::max()) {
    fail(op, "a sum of " + std::to_string(sum) + " overflows the int32 accumulator; use smaller operands");
  }
  return static_cast<std::int32_t>(sum);
}

QTensor make_output(std::vector<std::int64_t> shape, const OutSpec& out, std::string_view op) {
  const std::int64_t count = element_count(shape);
  if (count < 0) fail(op, "output shape " + shape_str(shape) + " is too large");
  return {std::move(shape), out.type, std::vector<std::int32_t>(static_cast<std::size_t>(count), 0),
          per_tensor(out.scale, out.zero_point)};
}

std::vector<std::int64_t> broadcast_shapes(const std::vector<std::int64_t>& a, const std::vector<std::int64_t>& b,
                                           std::string_view op, std::string_view what) {
  const std::size_t rank = std::max(a.size(), b.size());
  std::vector<std::int64_t> out(rank);
  for (std::size_t i = 0; i < rank; ++i) {
    // Right-aligned: missing leading dimensions count as 1.
    const std::int64_t da = i + a.size() < rank ? 1 : a[i + a.size() - rank];
    const std::int64_t db = i + b.size() < rank ? 1 : b[i + b.size() - rank];
    if (da == db || db == 1) {
      out[i] = da;
    } else if (da == 1) {
      out[i] = db;
    } else {
      fail(op, std::string(what) + " " + shape_str(a) + " and " + shape_str(b) + " do not broadcast (" +
                   std::to_string(da) + " vs " + std::to_string(db) + ")");
    }
  }
  return out;
}

void unravel(std::int64_t flat, const std::vector<std::int64_t>& shape, std::vector<std::int64_t>& index) {
  index.resize(shape.size());
  for (std::size_t d = shape.size(); d-- > 0;) {
    index[d] = flat % shape[d];
    flat /= shape[d];
  }
}

std::int64_t broadcast_offset(const std::vector<std::int64_t>& index, const std::vector<std::int64_t>& shape) {
  const std::size_t lead = index.size() - shape.size();
  std::int64_t offset = 0;
  for (std::size_t d = 0; d < shape.size(); ++d) offset = offset * shape[d] + (shape[d] == 1 ? 0 : index[lead + d]);
  return offset;
}

std::int64_t output_extent(const WindowAxis& a, bool ceil_mode, std::string_view op, std::string_view axis_name) {
  const std::int64_t span = (a.kernel - 1) * a.dilation + 1;
  const std::int64_t padded = a.in + a.pad_begin + a.pad_end;
  if (padded < span) {
    fail(op, "the dilated kernel spans " + std::to_string(span) + " along " + std::string(axis_name) +
                 " but the padded input has only " + std::to_string(padded));
  }
  const std::int64_t room = padded - span;
  if (!ceil_mode) return room / a.stride + 1;
  std::int64_t out = (room + a.stride - 1) / a.stride + 1;
  if ((out - 1) * a.stride >= a.in + a.pad_begin) --out;  // the last window would start in the end padding
  return out;
}

}  // namespace detail
}  // namespace systole::ref
