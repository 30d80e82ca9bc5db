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

// y[k] = f(x[k * dx], z[k * dz]) for k < n: one row of a broadcast binary operator (a stride of 0 repeats the value).
template <typename F>
void binary_row(const float* x, std::int64_t dx, const float* z, std::int64_t dz, float* y, std::int64_t n, F f) {
  if (dx == 1 && dz == 1) {
    for (std::int64_t k = 0; k < n; ++k) y[k] = f(x[k], z[k]);
  } else if (dx == 1) {
    for (std::int64_t k = 0; k < n; ++k) y[k] = f(x[k], z[0]);
  } else if (dz == 1) {
    for (std::int64_t k = 0; k < n; ++k) y[k] = f(x[0], z[k]);
  } else {
    for (std::int64_t k = 0; k < n; ++k) y[k] = f(x[0], z[0]);
  }
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
  const std::int64_t total = count(y.shape);
  y.floats.resize(static_cast<std::size_t>(total));
  if (total == 0) return y;
  // Row by row along the last axis; each element is the one operation on the broadcast operands' elements.
  const std::int64_t row = rank == 0 ? 1 : y.shape.back();
  const std::int64_t da = rank == 0 || sa.back() == 1 ? 0 : 1, db = rank == 0 || sb.back() == 1 ? 0 : 1;
  for (std::int64_t start = 0; start < total; start += row) {
    std::int64_t ia = 0, ib = 0;
    for (std::size_t d = 0; d + 1 < rank; ++d) {
      const std::int64_t c = (start / ty[d]) % y.shape[d];
      ia += (sa[d] == 1 ? 0 : c) * ta[d];
      ib += (sb[d] == 1 ? 0 : c) * tb[d];
    }
    const float* x = a.floats.data() + ia;
    const float* z = b.floats.data() + ib;
    float* out = y.floats.data() + start;
    switch (op.kind) {
      case OpKind::kFloatAdd: binary_row(x, da, z, db, out, row, [](float p, float q) { return p + q; }); break;
      case OpKind::kFloatSub: binary_row(x, da, z, db, out, row, [](float p, float q) { return p - q; }); break;
      case OpKind::kFloatMul: binary_row(x, da, z, db, out, row, [](float p, float q) { return p * q; }); break;
      case OpKind::kFloatDiv: binary_row(x, da, z, db, out, row, [](float p, float q) { return p / q; }); break;
      case OpKind::kFloatPow:
        binary_row(x, da, z, db, out, row, [](float p, float q) { return std::pow(p, q); });
        break;
      default: fail(op, "not a binary operator");
    }
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
  const std::int64_t total = count(x.shape);
  // Reduced axes all trailing (LayerNorm's): each sum takes one contiguous run, in the same order as below.
  const auto first_reduced =
      static_cast<std::size_t>(std::find(reduced.begin(), reduced.end(), true) - reduced.begin());
  if (std::all_of(reduced.begin() + static_cast<std::ptrdiff_t>(first_reduced), reduced.end(),
                  [](bool r) { return r; })) {
    const std::int64_t run = sum.empty() ? 0 : total / static_cast<std::int64_t>(sum.size());
    for (std::size_t k = 0; k < sum.size(); ++k) {
      const float* v = x.floats.data() + static_cast<std::int64_t>(k) * run;
      for (std::int64_t i = 0; i < run; ++i) sum[k] += v[i];
    }
  } else {
    for (std::int64_t i = 0; i < total; ++i) {
      std::int64_t k = 0;
      for (std::size_t d = 0; d < x.shape.size(); ++d) k += (reduced[d] ? 0 : (i / tx[d]) % x.shape[d]) * tk[d];
      sum[static_cast<std::size_t>(k)] += x.floats[static_cast<std::size_t>(i)];
    }
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
  const auto tx = strides_of(x.shape);
  y.floats.resize(x.floats.size());
  const std::int64_t total = count(y.shape);
  if (total == 0) return y;
  // An odometer over y's index, carrying the source offset along (x's stride of each of y's axes).
  const std::size_t rank = perm.size();
  std::vector<std::int64_t> index(rank, 0), stride(rank);
  for (std::size_t d = 0; d < rank; ++d) stride[d] = tx[static_cast<std::size_t>(perm[d])];
  std::int64_t src = 0;
  for (std::int64_t i = 0; i < total; ++i) {
    y.floats[static_cast<std::size_t>(i)] = x.floats[static_cast<std::size_t>(src)];
    for (std::size_t d = rank; d-- > 0;) {
      src += stride[d];
      if (++index[d] < y.shape[d]) break;
      src -= stride[d] * y.shape[d];
      index[d] = 0;
    }
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
