#include "runtime/host_kernels.hpp"

#include <cstring>
#include <stdexcept>

#include "systole/error.hpp"

namespace systole::runtime {
namespace {

ref::ElemType elem(DType t) {
  switch (t) {
    case DType::kInt8: return ref::ElemType::kInt8;
    case DType::kUint8: return ref::ElemType::kUint8;
    case DType::kInt32: return ref::ElemType::kInt32;
    case DType::kFloat32: break;
  }
  throw InternalError("host op: float tensor where a quantized one is needed");
}

DType dtype(ref::ElemType t) {
  switch (t) {
    case ref::ElemType::kInt8: return DType::kInt8;
    case ref::ElemType::kUint8: return DType::kUint8;
    case ref::ElemType::kInt32: return DType::kInt32;
  }
  return DType::kInt8;
}

HostValue from_qtensor(ref::QTensor q) {
  HostValue v;
  v.dtype = dtype(q.type);
  v.shape = std::move(q.shape);
  v.ints = std::move(q.values);
  v.scale = q.q.scale.empty() ? 1.0f : q.q.scale[0];
  v.zero_point = q.q.zero_point.empty() ? 0 : q.q.zero_point[0];
  return v;
}

// A weight operand with its quantization (weight_quant).
ref::QTensor weight(const HostValue& w, const OpDesc& op, int axis) {
  ref::QTensor q = to_qtensor(w);
  q.q = weight_quant(op, w, axis);
  return q;
}

std::vector<std::int32_t> bias_of(const std::vector<const HostValue*>& in, std::size_t index) {
  return in.size() > index && in[index] ? in[index]->ints : std::vector<std::int32_t>{};
}

template <std::size_t N>
std::array<std::int64_t, N> fixed(const OpDesc& op, const char* key, std::array<std::int64_t, N> fallback) {
  const auto it = op.ints.find(key);
  if (it == op.ints.end()) return fallback;
  if (it->second.size() != N) {
    throw UserError(std::string(op_name(op.kind)) + ": attribute " + quote(key) + " needs " + std::to_string(N) +
                    " values");
  }
  std::array<std::int64_t, N> a{};
  std::copy(it->second.begin(), it->second.end(), a.begin());
  return a;
}

ref::PoolAttrs pool_attrs(const OpDesc& op) {
  ref::PoolAttrs a;
  a.kernel = fixed<2>(op, "kernel", {0, 0});
  a.strides = fixed<2>(op, "strides", {1, 1});
  a.pads = fixed<4>(op, "pads", {0, 0, 0, 0});
  a.dilations = fixed<2>(op, "dilations", {1, 1});
  a.ceil_mode = op.ints_or("ceil_mode", {0})[0] != 0;
  a.count_include_pad = op.ints_or("count_include_pad", {0})[0] != 0;
  return a;
}

// A fused clamp ({lo, hi} in the output's quantized domain) after the operator.
ref::QTensor fused_clip(ref::QTensor y, const OpDesc& op) {
  const auto it = op.ints.find("clip");
  if (it == op.ints.end()) return y;
  return ref::clip(y, static_cast<std::int32_t>(it->second.at(0)), static_cast<std::int32_t>(it->second.at(1)));
}

HostValue run(const OpDesc& op, const std::vector<const HostValue*>& in, const OutDesc& out) {
  auto need = [&](std::size_t n) {
    if (in.size() < n || !in[0]) {
      throw UserError(std::string(op_name(op.kind)) + ": needs " + std::to_string(n) + " input(s)");
    }
  };
  const ref::OutSpec spec =
      out.dtype == DType::kFloat32 ? ref::OutSpec{} : ref::OutSpec{out.scale, out.zero_point, elem(out.dtype)};
  switch (op.kind) {
    case OpKind::kQuantize: {
      need(1);
      return from_qtensor(ref::quantize_linear(in[0]->floats, in[0]->shape, spec));
    }
    case OpKind::kDequantize: {
      need(1);
      HostValue v;
      v.dtype = DType::kFloat32;
      v.shape = in[0]->shape;
      v.floats = ref::dequantize_linear(to_qtensor(*in[0]));
      return v;
    }
    case OpKind::kConv: {
      need(2);
      ref::ConvAttrs a;
      a.strides = fixed<2>(op, "strides", {1, 1});
      a.pads = fixed<4>(op, "pads", {0, 0, 0, 0});
      a.dilations = fixed<2>(op, "dilations", {1, 1});
      a.group = op.ints_or("group", {1})[0];
      return from_qtensor(
          fused_clip(ref::qlinear_conv(to_qtensor(*in[0]), weight(*in[1], op, 0), bias_of(in, 2), a, spec), op));
    }
    case OpKind::kGemm: {
      need(2);
      ref::GemmAttrs a;
      a.trans_a = op.ints_or("trans_a", {0})[0] != 0;
      a.trans_b = op.ints_or("trans_b", {0})[0] != 0;
      const auto alpha = op.floats.find("alpha");
      a.alpha = alpha == op.floats.end() ? 1.0f : static_cast<float>(alpha->second.at(0));
      return from_qtensor(fused_clip(
          ref::qgemm(to_qtensor(*in[0]), weight(*in[1], op, a.trans_b ? 0 : 1), bias_of(in, 2), a, spec), op));
    }
    case OpKind::kMatMul: {
      need(2);
      const int axis = static_cast<int>(in[1]->shape.size()) - 1;
      return from_qtensor(fused_clip(ref::qlinear_matmul(to_qtensor(*in[0]), weight(*in[1], op, axis), spec), op));
    }
    case OpKind::kAdd: {
      need(2);
      return from_qtensor(fused_clip(ref::qlinear_add(to_qtensor(*in[0]), to_qtensor(*in[1]), spec), op));
    }
    case OpKind::kClip: {
      need(1);
      const auto c = op.ints_or("clip", {});
      if (c.size() != 2) throw UserError("clip: attribute 'clip' needs {lo, hi}");
      return from_qtensor(
          ref::clip(to_qtensor(*in[0]), static_cast<std::int32_t>(c[0]), static_cast<std::int32_t>(c[1])));
    }
    case OpKind::kMaxPool: need(1); return from_qtensor(ref::max_pool(to_qtensor(*in[0]), pool_attrs(op), spec));
    case OpKind::kAveragePool:
      need(1);
      return from_qtensor(ref::average_pool(to_qtensor(*in[0]), pool_attrs(op), spec));
    case OpKind::kGlobalAveragePool: need(1); return from_qtensor(ref::global_average_pool(to_qtensor(*in[0]), spec));
    case OpKind::kReshape: {
      need(1);
      HostValue v = *in[0];
      std::int64_t n = 1;
      for (auto d : out.shape) n *= d;
      const auto have = static_cast<std::int64_t>(v.dtype == DType::kFloat32 ? v.floats.size() : v.ints.size());
      if (n != have)
        throw UserError("reshape: " + std::to_string(have) + " elements cannot take shape " + shape_text(out.shape));
      v.shape = out.shape;
      return v;
    }
    case OpKind::kRequantize: need(1); return from_qtensor(ref::requantize(to_qtensor(*in[0]), spec));
    case OpKind::kFloatAdd:
    case OpKind::kFloatSub:
    case OpKind::kFloatMul:
    case OpKind::kFloatDiv:
    case OpKind::kFloatPow:
    case OpKind::kFloatSqrt:
    case OpKind::kFloatErf:
    case OpKind::kFloatReduceMean:
    case OpKind::kFloatSoftmax:
    case OpKind::kFloatTranspose: return run_float_op(op, in);
  }
  throw InternalError("run_host_op: unknown op kind");
}

}  // namespace

HostValue host_value(const Tensor& t, float scale, std::int32_t zero_point) {
  HostValue v;
  v.dtype = t.dtype;
  v.shape = t.shape;
  v.scale = scale;
  v.zero_point = zero_point;
  if (t.dtype == DType::kFloat32) {
    v.floats.resize(static_cast<std::size_t>(t.elements()));
    std::memcpy(v.floats.data(), t.data.data(), t.data.size());
  } else {
    const auto n = static_cast<std::size_t>(t.elements());
    v.ints.resize(n);
    const std::uint8_t* b = t.data.data();
    if (t.dtype == DType::kInt8) {
      for (std::size_t i = 0; i < n; ++i) v.ints[i] = static_cast<std::int8_t>(b[i]);
    } else if (t.dtype == DType::kUint8) {
      for (std::size_t i = 0; i < n; ++i) v.ints[i] = b[i];
    } else {
      std::memcpy(v.ints.data(), b, 4 * n);  // int32, little-endian (Tensor's layout)
    }
  }
  return v;
}

Tensor tensor_of(const HostValue& v) {
  Tensor t(v.dtype, v.shape);
  if (v.dtype == DType::kFloat32) {
    std::memcpy(t.data.data(), v.floats.data(), t.data.size());
  } else {
    const auto n = static_cast<std::size_t>(t.elements());
    if (v.ints.size() < n) throw InternalError("tensor_of: fewer values than the shape holds");
    if (v.dtype == DType::kInt32) {
      std::memcpy(t.data.data(), v.ints.data(), 4 * n);
    } else {
      for (std::size_t i = 0; i < n; ++i) t.data[i] = static_cast<std::uint8_t>(v.ints[i]);
    }
  }
  return t;
}

ref::QTensor to_qtensor(const HostValue& v) {
  ref::QTensor q;
  q.shape = v.shape;
  q.type = elem(v.dtype);
  q.values = v.ints;
  q.q = ref::per_tensor(v.scale, v.zero_point);
  return q;
}

HostValue run_host_op(const OpDesc& op, const std::vector<const HostValue*>& inputs, const OutDesc& out) {
  try {
    return run(op, inputs, out);
  } catch (const std::invalid_argument& e) {
    throw UserError(std::string("host op ") + std::string(op_name(op.kind)) + ": " + e.what());
  }
}

ref::QuantParams weight_quant(const OpDesc& op, const HostValue& w, int axis) {
  const auto s = op.floats.find("w_scale");
  if (s == op.floats.end() || s->second.size() <= 1) return ref::per_tensor(w.scale, w.zero_point);
  std::vector<float> scales(s->second.begin(), s->second.end());
  const auto z = op.ints_or("w_zero_point", std::vector<std::int64_t>(scales.size(), 0));
  return ref::per_channel(std::move(scales), std::vector<std::int32_t>(z.begin(), z.end()), axis);
}

namespace {
HostOpProvider& provider_slot() {
  static HostOpProvider provider;
  return provider;
}
}  // namespace

void register_host_op_provider(HostOpProvider provider) {
  provider_slot() = std::move(provider);
}

const HostOpProvider* host_op_provider() {
  return provider_slot() ? &provider_slot() : nullptr;
}

}  // namespace systole::runtime
