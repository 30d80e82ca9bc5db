// The constant evaluator: the helper nodes exporters emit around shapes (PyTorch: Constant, Shape, Gather,
// Unsqueeze, Concat, Cast, Slice, ...) evaluated at import time, over int64/int32/int8/uint8/bool/float tensors.
#include <algorithm>
#include <array>
#include <cmath>
#include <functional>

#include "compiler/onnx_importer.hpp"

namespace systole::compiler::onnx_detail {
namespace {

using onnx::TensorProto;

const ConstTensor& need(const std::vector<const ConstTensor*>& in, std::size_t i) {
  if (i >= in.size() || in[i] == nullptr) throw ImportFailure("input " + std::to_string(i) + " is missing");
  return *in[i];
}

// Axes from the `axes` attribute (older opsets) or the optional input `index` (newer).
std::vector<std::int64_t> axes_of(const onnx::NodeProto& n, const std::vector<const ConstTensor*>& in,
                                  std::size_t index) {
  if (has_attr(n, "axes")) return attr_ints(n, "axes", {});
  if (index < in.size() && in[index] != nullptr) {
    std::vector<std::int64_t> axes;
    for (std::size_t i = 0; i < in[index]->ints.size(); ++i) axes.push_back(in[index]->integer(i));
    return axes;
  }
  return {};
}

std::vector<std::int64_t> strides_of(const std::vector<std::int64_t>& shape) {
  std::vector<std::int64_t> s(shape.size(), 1);
  for (std::size_t i = shape.size(); i-- > 1;) s[i - 1] = s[i] * shape[i];
  return s;
}

// Copies element `from` of `src` to the end of `dst` (same element type).
void append(ConstTensor& dst, const ConstTensor& src, std::int64_t from) {
  const auto i = static_cast<std::size_t>(from);
  if (src.is_float()) {
    dst.floats.push_back(src.floats.at(i));
  } else {
    dst.ints.push_back(src.ints.at(i));
  }
}

ConstTensor with_shape(const ConstTensor& x, std::vector<std::int64_t> shape) {
  ConstTensor c = x;
  c.shape = std::move(shape);
  return c;
}

ConstTensor cast(const ConstTensor& x, int to) {
  ConstTensor c;
  c.elem = to;
  c.shape = x.shape;
  const auto n = static_cast<std::size_t>(x.count());
  for (std::size_t i = 0; i < n; ++i) {
    if (c.is_float()) {
      c.floats.push_back(x.real(i));
    } else if (to == TensorProto::BOOL) {
      c.ints.push_back(x.real(i) != 0.0 ? 1 : 0);
    } else {
      c.ints.push_back(x.integer(i));
    }
  }
  return c;
}

ConstTensor concat(const std::vector<const ConstTensor*>& in, std::int64_t axis_attr) {
  const ConstTensor& first = need(in, 0);
  const auto rank = static_cast<std::int64_t>(first.shape.size());
  const auto axis = static_cast<std::size_t>(normalize_axis(axis_attr, rank));
  ConstTensor c;
  c.elem = first.elem;
  c.shape = first.shape;
  c.shape[axis] = 0;
  for (std::size_t k = 0; k < in.size(); ++k) {
    const ConstTensor& t = need(in, k);
    if (t.shape.size() != first.shape.size() || t.elem != first.elem) {
      throw ImportFailure("Concat inputs differ in rank or type");
    }
    c.shape[axis] += t.shape[axis];
  }
  std::int64_t outer = 1;
  for (std::size_t i = 0; i < axis; ++i) outer *= first.shape[i];
  for (std::int64_t o = 0; o < outer; ++o) {
    for (const ConstTensor* t : in) {
      const std::int64_t block = t->shape[axis] * strides_of(t->shape)[axis];
      for (std::int64_t j = 0; j < block; ++j) append(c, *t, o * block + j);
    }
  }
  return c;
}

ConstTensor gather(const ConstTensor& data, const ConstTensor& idx, std::int64_t axis_attr) {
  const auto rank = static_cast<std::int64_t>(data.shape.size());
  const auto axis = static_cast<std::size_t>(normalize_axis(axis_attr, rank));
  ConstTensor c;
  c.elem = data.elem;
  c.shape.assign(data.shape.begin(), data.shape.begin() + static_cast<std::ptrdiff_t>(axis));
  c.shape.insert(c.shape.end(), idx.shape.begin(), idx.shape.end());
  c.shape.insert(c.shape.end(), data.shape.begin() + static_cast<std::ptrdiff_t>(axis) + 1, data.shape.end());
  std::int64_t outer = 1, inner = 1;
  for (std::size_t i = 0; i < data.shape.size(); ++i) {
    if (i < axis) outer *= data.shape[i];
    if (i > axis) inner *= data.shape[i];
  }
  const std::int64_t dim = data.shape[axis];
  for (std::int64_t o = 0; o < outer; ++o) {
    for (std::size_t k = 0; k < idx.ints.size(); ++k) {
      std::int64_t j = idx.integer(k);
      if (j < -dim || j >= dim) throw ImportFailure("Gather index " + std::to_string(j) + " is out of range");
      if (j < 0) j += dim;
      for (std::int64_t i = 0; i < inner; ++i) append(c, data, (o * dim + j) * inner + i);
    }
  }
  return c;
}

ConstTensor slice(const onnx::NodeProto& n, const std::vector<const ConstTensor*>& in) {
  const ConstTensor& data = need(in, 0);
  const bool attrs = has_attr(n, "starts");  // opset < 10
  auto list = [&](std::size_t index, const char* name) {
    if (attrs) return attr_ints(n, name, {});
    std::vector<std::int64_t> v;
    if (index < in.size() && in[index] != nullptr) {
      for (std::size_t i = 0; i < in[index]->ints.size(); ++i) v.push_back(in[index]->integer(i));
    }
    return v;
  };
  const auto rank = static_cast<std::int64_t>(data.shape.size());
  const auto starts = list(1, "starts"), ends = list(2, "ends");
  auto axes = list(3, "axes");
  auto steps = list(4, "steps");
  if (axes.empty()) {
    for (std::int64_t i = 0; i < static_cast<std::int64_t>(starts.size()); ++i) axes.push_back(i);
  }
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size()) {
    throw ImportFailure("Slice starts, ends, axes and steps differ in length");
  }
  std::vector<std::int64_t> first(data.shape.size(), 0), step(data.shape.size(), 1), extent = data.shape;
  for (std::size_t k = 0; k < starts.size(); ++k) {
    const auto a = static_cast<std::size_t>(normalize_axis(axes[k], rank));
    const std::int64_t dim = data.shape[a], s = steps[k];
    if (s == 0) throw ImportFailure("Slice step 0");
    auto clampi = [&](std::int64_t v, std::int64_t lo, std::int64_t hi) {
      if (v < 0) v = v < -dim ? -1 - dim : v;  // keeps INT64_MIN from overflowing below
      return std::clamp(v < 0 ? v + dim : v, lo, hi);
    };
    const std::int64_t b = s > 0 ? clampi(starts[k], 0, dim) : clampi(starts[k], -1, dim - 1);
    const std::int64_t e = s > 0 ? clampi(ends[k], 0, dim) : clampi(ends[k], -1, dim - 1);
    first[a] = b;
    step[a] = s;
    extent[a] =
        s > 0 ? std::max<std::int64_t>(0, (e - b + s - 1) / s) : std::max<std::int64_t>(0, (b - e - s - 1) / -s);
  }
  ConstTensor c;
  c.elem = data.elem;
  c.shape = extent;
  const auto src = strides_of(data.shape);
  const std::int64_t total = element_count(extent);
  for (std::int64_t i = 0; i < total; ++i) {
    std::int64_t rest = i, offset = 0;
    for (std::size_t d = extent.size(); d-- > 0;) {
      const std::int64_t pos = rest % extent[d];
      rest /= extent[d];
      offset += (first[d] + pos * step[d]) * src[d];
    }
    append(c, data, offset);
  }
  return c;
}

ConstTensor transpose(const ConstTensor& x, std::vector<std::int64_t> perm) {
  const std::size_t rank = x.shape.size();
  if (perm.empty()) {
    for (std::size_t i = rank; i-- > 0;) perm.push_back(static_cast<std::int64_t>(i));
  }
  if (perm.size() != rank) throw ImportFailure("Transpose perm has the wrong length");
  ConstTensor c;
  c.elem = x.elem;
  for (const auto p : perm) c.shape.push_back(x.shape.at(static_cast<std::size_t>(p)));
  const auto src = strides_of(x.shape);
  for (std::int64_t i = 0; i < x.count(); ++i) {
    std::int64_t rest = i, offset = 0;
    for (std::size_t d = rank; d-- > 0;) {
      offset += (rest % c.shape[d]) * src[static_cast<std::size_t>(perm[d])];
      rest /= c.shape[d];
    }
    append(c, x, offset);
  }
  return c;
}

// Elementwise with numpy broadcasting; `f` works on doubles for float results, on int64 for integer ones.
ConstTensor elementwise(const std::vector<const ConstTensor*>& in, int elem,
                        const std::function<double(const std::vector<double>&)>& ff,
                        const std::function<std::int64_t(const std::vector<std::int64_t>&)>& fi) {
  std::vector<std::int64_t> shape;
  for (std::size_t k = 0; k < in.size(); ++k) shape = broadcast_shape(shape, need(in, k).shape);
  ConstTensor c;
  c.elem = elem;
  c.shape = shape;
  const std::int64_t total = element_count(shape);
  if (total > kMaxConstElements) throw ImportFailure("the result is too large to fold");
  const bool use_float = std::any_of(in.begin(), in.end(), [](const ConstTensor* t) { return t->is_float(); });
  for (std::int64_t i = 0; i < total; ++i) {
    std::vector<double> fv;
    std::vector<std::int64_t> iv;
    for (const ConstTensor* t : in) {
      std::int64_t rest = i, offset = 0, stride = 1;
      for (std::size_t d = shape.size(), td = t->shape.size(); d-- > 0 && td-- > 0;) {
        const std::int64_t pos = rest % shape[d];
        rest /= shape[d];
        if (t->shape[td] != 1) offset += pos * stride;
        stride *= t->shape[td];
      }
      fv.push_back(t->real(static_cast<std::size_t>(offset)));
      iv.push_back(t->is_float() ? 0 : t->ints.at(static_cast<std::size_t>(offset)));
    }
    if (c.is_float()) {
      c.floats.push_back(ff(fv));
    } else {
      c.ints.push_back(use_float ? static_cast<std::int64_t>(ff(fv)) : fi(iv));
    }
  }
  return c;
}

std::int64_t int_div(std::int64_t a, std::int64_t b) {
  if (b == 0) throw ImportFailure("integer division by zero");
  return a / b;  // truncation, as ONNX Runtime
}

}  // namespace

bool foldable(const std::string& op) {  // the operators fold_constant evaluates
  static constexpr std::array<const char*, 18> kOps{
      "Identity",  "Cast", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Concat", "Gather", "Slice",
      "Transpose", "Size", "Add",     "Sub",     "Mul",     "Div",       "Equal",  "Where",  "ConstantOfShape"};
  return std::find(kOps.begin(), kOps.end(), op) != kOps.end();
}

bool fold_constant(const onnx::NodeProto& n, const std::vector<const ConstTensor*>& in, ConstTensor& out) {
  const std::string& op = n.op_type();
  if (op == "Identity") {
    out = need(in, 0);
  } else if (op == "Cast") {
    out = cast(need(in, 0), static_cast<int>(attr_int(n, "to", TensorProto::FLOAT)));
  } else if (op == "Reshape") {
    out = with_shape(need(in, 0), reshape_target(need(in, 0).shape, need(in, 1), attr_int(n, "allowzero", 0) != 0));
  } else if (op == "Flatten") {
    out = with_shape(need(in, 0), flatten_shape(need(in, 0).shape, attr_int(n, "axis", 1)));
  } else if (op == "Squeeze") {
    out = with_shape(need(in, 0), squeeze_shape(need(in, 0).shape, axes_of(n, in, 1)));
  } else if (op == "Unsqueeze") {
    out = with_shape(need(in, 0), unsqueeze_shape(need(in, 0).shape, axes_of(n, in, 1)));
  } else if (op == "Concat") {
    out = concat(in, attr_int(n, "axis", 0));
  } else if (op == "Gather") {
    out = gather(need(in, 0), need(in, 1), attr_int(n, "axis", 0));
  } else if (op == "Slice") {
    out = slice(n, in);
  } else if (op == "Transpose") {
    out = transpose(need(in, 0), attr_ints(n, "perm", {}));
  } else if (op == "Size") {
    out.elem = TensorProto::INT64;
    out.ints = {need(in, 0).count()};
  } else if (op == "ConstantOfShape") {
    ConstTensor value;
    value.elem = TensorProto::FLOAT;
    value.floats = {0.0};
    value.shape = {1};
    for (const auto& a : n.attribute()) {
      if (a.name() == "value") value = read_tensor(a.t());
    }
    std::vector<std::int64_t> shape;
    for (std::size_t i = 0; i < need(in, 0).ints.size(); ++i) shape.push_back(need(in, 0).integer(i));
    if (element_count(shape) > kMaxConstElements) throw ImportFailure("ConstantOfShape result is too large");
    out = ConstTensor{};
    out.elem = value.elem;
    out.shape = shape;
    for (std::int64_t i = 0; i < element_count(shape); ++i) append(out, value, 0);
  } else if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div") {
    const char k = op[0];
    out = elementwise(
        {&need(in, 0), &need(in, 1)}, need(in, 0).elem,
        [k](const std::vector<double>& v) {
          return k == 'A' ? v[0] + v[1] : k == 'S' ? v[0] - v[1] : k == 'M' ? v[0] * v[1] : v[0] / v[1];
        },
        [k](const std::vector<std::int64_t>& v) {
          return k == 'A' ? v[0] + v[1] : k == 'S' ? v[0] - v[1] : k == 'M' ? v[0] * v[1] : int_div(v[0], v[1]);
        });
  } else if (op == "Equal") {
    out = elementwise(
        {&need(in, 0), &need(in, 1)}, TensorProto::BOOL,
        [](const std::vector<double>& v) { return v[0] == v[1] ? 1.0 : 0.0; },
        [](const std::vector<std::int64_t>& v) { return std::int64_t{v[0] == v[1]}; });
  } else if (op == "Where") {
    out = elementwise(
        {&need(in, 0), &need(in, 1), &need(in, 2)}, need(in, 1).elem,
        [](const std::vector<double>& v) { return v[0] != 0.0 ? v[1] : v[2]; },
        [](const std::vector<std::int64_t>& v) { return v[0] != 0 ? v[1] : v[2]; });
  } else {
    return false;
  }
  return true;
}

}  // namespace systole::compiler::onnx_detail
