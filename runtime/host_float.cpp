// Float host operators (ONNX semantics, float32, numpy broadcasting) for the parts of a network the accelerator
// has no quantized form for.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "runtime/host_kernels.hpp"
#include "systole/error.hpp"

namespace systole::runtime {
namespace {

[[noreturn]] void fail(const OpDesc& op, const std::string& why) {
  throw UserError("host op " + std::string(op_name(op.kind)) + ": " + why);
}

std::int64_t count(const std::vector<std::int64_t>& s) {
  return std::accumulate(s.begin(), s.end(), std::int64_t{1}, std::multiplies<>());
}

std::vector<std::int64_t> strides_of(const std::vector<std::int64_t>& s) {
  std::vector<std::int64_t> st(s.size(), 1);
  for (std::size_t i = s.size(); i-- > 1;) st[i - 1] = st[i] * s[i];
  return st;
}

HostValue binary(const OpDesc& op, const HostValue& a, const HostValue& b) {
  const std::size_t rank = std::max(a.shape.size(), b.shape.size());
  auto padded = [rank](const std::vector<std::int64_t>& s) {
    std::vector<std::int64_t> p(rank - s.size(), 1);
    p.insert(p.end(), s.begin(), s.end());
    return p;
  };
  const auto sa = padded(a.shape), sb = padded(b.shape);
  HostValue y;
  y.dtype = DType::kFloat32;
  y.shape.resize(rank);
  for (std::size_t i = 0; i < rank; ++i) {
    if (sa[i] != sb[i] && sa[i] != 1 && sb[i] != 1)
      fail(op, "shapes " + shape_text(a.shape) + " and " + shape_text(b.shape) + " do not broadcast");
    y.shape[i] = std::max(sa[i], sb[i]);
  }
  const auto ta = strides_of(sa), tb = strides_of(sb), ty = strides_of(y.shape);
  y.floats.resize(static_cast<std::size_t>(count(y.shape)));
  for (std::int64_t i = 0; i < count(y.shape); ++i) {
    std::int64_t ia = 0, ib = 0;
    for (std::size_t d = 0; d < rank; ++d) {
      const std::int64_t c = (i / ty[d]) % y.shape[d];
      ia += (sa[d] == 1 ? 0 : c) * ta[d];
      ib += (sb[d] == 1 ? 0 : c) * tb[d];
    }
    const float x = a.floats[static_cast<std::size_t>(ia)], z = b.floats[static_cast<std::size_t>(ib)];
    float r = 0;
    switch (op.kind) {
      case OpKind::kFloatAdd: r = x + z; break;
      case OpKind::kFloatSub: r = x - z; break;
      case OpKind::kFloatMul: r = x * z; break;
      case OpKind::kFloatDiv: r = x / z; break;
      case OpKind::kFloatPow: r = std::pow(x, z); break;
      default: fail(op, "not a binary operator");
    }
    y.floats[static_cast<std::size_t>(i)] = r;
  }
  return y;
}

std::int64_t axis_of(const OpDesc& op, std::int64_t a, std::size_t rank) {
  if (a < 0) a += static_cast<std::int64_t>(rank);
  if (a < 0 || a >= static_cast<std::int64_t>(rank)) fail(op, "axis out of range");
  return a;
}

HostValue reduce_mean(const OpDesc& op, const HostValue& x) {
  std::vector<bool> reduced(x.shape.size(), false);
  const auto axes = op.ints_or("axes", {});
  if (axes.empty()) std::fill(reduced.begin(), reduced.end(), true);
  for (auto a : axes) reduced[static_cast<std::size_t>(axis_of(op, a, x.shape.size()))] = true;
  const bool keep = op.ints_or("keepdims", {1})[0] != 0;
  std::vector<std::int64_t> kept_shape;  // shape with reduced axes as 1
  for (std::size_t d = 0; d < x.shape.size(); ++d) kept_shape.push_back(reduced[d] ? 1 : x.shape[d]);
  const auto tx = strides_of(x.shape), tk = strides_of(kept_shape);
  std::vector<double> sum(static_cast<std::size_t>(count(kept_shape)), 0.0);
  for (std::int64_t i = 0; i < count(x.shape); ++i) {
    std::int64_t k = 0;
    for (std::size_t d = 0; d < x.shape.size(); ++d) k += (reduced[d] ? 0 : (i / tx[d]) % x.shape[d]) * tk[d];
    sum[static_cast<std::size_t>(k)] += x.floats[static_cast<std::size_t>(i)];
  }
  HostValue y;
  y.dtype = DType::kFloat32;
  const double n = static_cast<double>(count(x.shape)) / static_cast<double>(sum.size());
  for (double s : sum) y.floats.push_back(static_cast<float>(s / n));
  for (std::size_t d = 0; d < x.shape.size(); ++d) {
    if (!reduced[d] || keep) y.shape.push_back(kept_shape[d]);
  }
  return y;
}

HostValue softmax(const OpDesc& op, const HostValue& x) {
  const auto axis = static_cast<std::size_t>(axis_of(op, op.ints_or("axis", {-1})[0], x.shape.size()));
  const std::int64_t n = x.shape[axis], inner = count(std::vector<std::int64_t>(
                                            x.shape.begin() + static_cast<std::ptrdiff_t>(axis) + 1, x.shape.end()));
  HostValue y = x;
  for (std::int64_t o = 0; o < count(x.shape) / (n * inner); ++o) {
    for (std::int64_t in = 0; in < inner; ++in) {
      auto at = [&](std::int64_t k) -> float& { return y.floats[static_cast<std::size_t>((o * n + k) * inner + in)]; };
      float m = at(0);
      for (std::int64_t k = 1; k < n; ++k) m = std::max(m, at(k));
      double s = 0;
      for (std::int64_t k = 0; k < n; ++k) s += (at(k) = std::exp(at(k) - m));
      for (std::int64_t k = 0; k < n; ++k) at(k) = static_cast<float>(at(k) / s);
    }
  }
  return y;
}

HostValue transpose(const OpDesc& op, const HostValue& x) {
  std::vector<std::int64_t> perm = op.ints_or("perm", {});
  if (perm.empty()) {
    for (std::size_t d = x.shape.size(); d-- > 0;) perm.push_back(static_cast<std::int64_t>(d));
  }
  if (perm.size() != x.shape.size()) fail(op, "perm has the wrong length");
  HostValue y;
  y.dtype = x.dtype;
  for (auto p : perm) y.shape.push_back(x.shape[static_cast<std::size_t>(axis_of(op, p, x.shape.size()))]);
  const auto tx = strides_of(x.shape), ty = strides_of(y.shape);
  y.floats.resize(x.floats.size());
  for (std::int64_t i = 0; i < count(y.shape); ++i) {
    std::int64_t src = 0;
    for (std::size_t d = 0; d < perm.size(); ++d)
      src += ((i / ty[d]) % y.shape[d]) * tx[static_cast<std::size_t>(perm[d])];
    y.floats[static_cast<std::size_t>(i)] = x.floats[static_cast<std::size_t>(src)];
  }
  return y;
}

}  // namespace

HostValue run_float_op(const OpDesc& op, const std::vector<const HostValue*>& in) {
  for (const auto* v : in) {
    if (v && v->dtype != DType::kFloat32) fail(op, "operands must be float32");
  }
  auto need = [&](std::size_t n) {
    if (in.size() < n ||
        std::any_of(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(n), [](auto* v) { return !v; })) {
      fail(op, "needs " + std::to_string(n) + " operand(s)");
    }
  };
  switch (op.kind) {
    case OpKind::kFloatAdd:
    case OpKind::kFloatSub:
    case OpKind::kFloatMul:
    case OpKind::kFloatDiv:
    case OpKind::kFloatPow: need(2); return binary(op, *in[0], *in[1]);
    case OpKind::kFloatSqrt:
    case OpKind::kFloatErf: {
      need(1);
      HostValue y = *in[0];
      for (float& f : y.floats) f = op.kind == OpKind::kFloatSqrt ? std::sqrt(f) : std::erf(f);
      return y;
    }
    case OpKind::kFloatReduceMean: need(1); return reduce_mean(op, *in[0]);
    case OpKind::kFloatSoftmax: need(1); return softmax(op, *in[0]);
    case OpKind::kFloatTranspose: need(1); return transpose(op, *in[0]);
    default: break;
  }
  fail(op, "not a float operator");
}

}  // namespace systole::runtime
