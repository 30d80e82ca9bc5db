// Reading ONNX tensors and attributes, and the shape arithmetic of the importer and its constant evaluator.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "compiler/onnx_importer.hpp"

namespace systole::compiler::onnx_detail {
namespace {

using onnx::TensorProto;

std::size_t elem_size(int elem) {
  switch (elem) {
    case TensorProto::FLOAT:
    case TensorProto::INT32: return 4;
    case TensorProto::DOUBLE:
    case TensorProto::INT64: return 8;
    case TensorProto::INT16:
    case TensorProto::UINT16: return 2;
    case TensorProto::INT8:
    case TensorProto::UINT8:
    case TensorProto::BOOL: return 1;
    default: return 0;
  }
}

// Maps the pages of a buffer about to be filled in one system call. First touching a page costs a fault each
// (about 13 us per 4 KiB on the virtual machines this runs on: 0.3 s for ResNet-50's 100 MB of int32 weights);
// Linux's MADV_POPULATE_WRITE maps them all at once, 3x faster. A hint: elsewhere, or on failure, nothing happens.
void prefault(const void* data, std::size_t bytes) {
#if defined(__linux__) && defined(MADV_POPULATE_WRITE)
  constexpr std::uintptr_t kPage = 4096;
  if (bytes < 64 * kPage) return;
  const auto begin = (reinterpret_cast<std::uintptr_t>(data) + kPage - 1) & ~(kPage - 1);
  const auto end = (reinterpret_cast<std::uintptr_t>(data) + bytes) & ~(kPage - 1);
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_WRITE);
#else
  (void)data;
  (void)bytes;
#endif
}

// ONNX raw data is little-endian, as this host.
template <typename T, typename Out>
void load_all(const std::string& raw, std::size_t n, std::vector<Out>& out) {
  if constexpr (sizeof(T) == 1) {  // bytes convert as they are copied: no zero-filling pass over the result
    const auto* p = reinterpret_cast<const T*>(raw.data());
    out.assign(p, p + n);
    return;
  }
  out.resize(n);
  const char* p = raw.data();
  for (std::size_t i = 0; i < n; ++i) {
    T v;
    std::memcpy(&v, p + i * sizeof(T), sizeof(T));
    out[i] = static_cast<Out>(v);
  }
}

void read_raw(const std::string& raw, std::size_t n, ConstTensor& c) {
  switch (c.elem) {
    case TensorProto::FLOAT: load_all<float>(raw, n, c.floats); break;
    case TensorProto::DOUBLE: load_all<double>(raw, n, c.floats); break;
    case TensorProto::INT64: load_all<std::int64_t>(raw, n, c.ints); break;
    case TensorProto::INT32: load_all<std::int32_t>(raw, n, c.ints); break;
    case TensorProto::INT16: load_all<std::int16_t>(raw, n, c.ints); break;
    case TensorProto::UINT16: load_all<std::uint16_t>(raw, n, c.ints); break;
    case TensorProto::INT8: load_all<std::int8_t>(raw, n, c.ints); break;
    default: load_all<std::uint8_t>(raw, n, c.ints); break;  // UINT8, BOOL
  }
}

// The number of values a tensor without raw data holds in its typed field.
std::size_t typed_count(const TensorProto& t) {
  switch (t.data_type()) {
    case TensorProto::FLOAT: return static_cast<std::size_t>(t.float_data_size());
    case TensorProto::DOUBLE: return static_cast<std::size_t>(t.double_data_size());
    case TensorProto::INT64: return static_cast<std::size_t>(t.int64_data_size());
    default: return static_cast<std::size_t>(t.int32_data_size());
  }
}

}  // namespace

bool is_float_elem(int elem) {
  return elem == TensorProto::FLOAT || elem == TensorProto::DOUBLE || elem == TensorProto::FLOAT16;
}

bool ConstTensor::is_float() const {
  return is_float_elem(elem);
}

std::int64_t ConstTensor::count() const {
  return element_count(shape);
}

double ConstTensor::real(std::size_t i) const {
  return is_float() ? floats.at(i) : static_cast<double>(ints.at(i));
}

std::int64_t ConstTensor::integer(std::size_t i) const {
  if (!is_float()) return ints.at(i);
  const double v = std::trunc(floats.at(i));
  if (!(std::abs(v) < 9.2e18)) throw ImportFailure("value " + std::to_string(v) + " does not fit an integer");
  return static_cast<std::int64_t>(v);
}

std::int64_t element_count(const std::vector<std::int64_t>& shape) {
  for (const std::int64_t d : shape) {
    if (d < 0) throw ImportFailure("shape " + shape_text(shape) + " has a negative or unknown dimension");
  }
  const std::int64_t n = checked_element_count(shape, std::numeric_limits<std::int64_t>::max());
  if (n < 0) throw ImportFailure("shape " + shape_text(shape) + " is too large");
  return n;
}

void check_tensor(const TensorProto& t) {
  const std::string name = "tensor " + quote(t.name());
  if (t.data_location() == TensorProto::EXTERNAL) {
    throw ImportFailure(name + " keeps its data in an external file; save the model with all tensors inside it");
  }
  if (elem_size(t.data_type()) == 0) {
    throw ImportFailure(name + " has element type " + TensorProto::DataType_Name(t.data_type()) +
                        ", which the importer does not read (float, double, int8..int64, uint8, uint16, bool)");
  }
  const std::vector<std::int64_t> shape(t.dims().begin(), t.dims().end());
  const std::int64_t n = element_count(shape);
  if (n > kMaxConstElements) throw ImportFailure(name + " has too many elements (" + std::to_string(n) + ")");
  const auto count = static_cast<std::size_t>(n);
  if (t.has_raw_data()) {
    if (t.raw_data().size() != count * elem_size(t.data_type())) {
      throw ImportFailure(name + " has " + std::to_string(t.raw_data().size()) + " bytes of data; its shape " +
                          shape_text(shape) + " needs " + std::to_string(count * elem_size(t.data_type())));
    }
  } else if (typed_count(t) != count) {
    throw ImportFailure(name + " has " + std::to_string(typed_count(t)) + " values; its shape " + shape_text(shape) +
                        " needs " + std::to_string(count));
  }
}

ConstTensor read_tensor(const TensorProto& t) {
  check_tensor(t);
  ConstTensor c;
  c.elem = t.data_type();
  c.shape.assign(t.dims().begin(), t.dims().end());
  const auto count = static_cast<std::size_t>(element_count(c.shape));
  if (t.has_raw_data()) {
    read_raw(t.raw_data(), count, c);
    return c;
  }
  switch (c.elem) {
    case TensorProto::FLOAT: c.floats.assign(t.float_data().begin(), t.float_data().end()); break;
    case TensorProto::DOUBLE: c.floats.assign(t.double_data().begin(), t.double_data().end()); break;
    case TensorProto::INT64: c.ints.assign(t.int64_data().begin(), t.int64_data().end()); break;
    default: c.ints.assign(t.int32_data().begin(), t.int32_data().end()); break;
  }
  return c;
}

std::vector<std::int32_t> read_int32(const TensorProto& t) {
  std::vector<std::int32_t> out;
  if (!t.has_raw_data()) {
    out.assign(t.int32_data().begin(), t.int32_data().end());
    return out;
  }
  const std::size_t n = t.raw_data().size() / elem_size(t.data_type());
  out.reserve(n);
  prefault(out.data(), n * sizeof(std::int32_t));
  switch (t.data_type()) {
    case TensorProto::INT8: load_all<std::int8_t>(t.raw_data(), n, out); break;
    case TensorProto::UINT8: load_all<std::uint8_t>(t.raw_data(), n, out); break;
    case TensorProto::INT32: load_all<std::int32_t>(t.raw_data(), n, out); break;
    default: throw ImportFailure("tensor " + quote(t.name()) + " is not an int8, uint8 or int32 tensor");
  }
  return out;
}

std::vector<std::int32_t> QConst::data() const {
  if (source != nullptr) return read_int32(*source);
  return values ? *values : std::vector<std::int32_t>{};
}

const ConstTensor& Binding::constant() const {
  if (!constant_)
    constant_ = std::make_shared<const ConstTensor>(initializer ? read_tensor(*initializer) : ConstTensor{});
  return *constant_;
}

void Binding::set_constant(ConstTensor c) {
  initializer = nullptr;
  constant_ = std::make_shared<const ConstTensor>(std::move(c));
}

std::vector<std::int64_t> Binding::constant_shape() const {
  if (initializer != nullptr && !constant_) return {initializer->dims().begin(), initializer->dims().end()};
  return constant().shape;
}

int Binding::constant_elem() const {
  if (initializer != nullptr && !constant_) return initializer->data_type();
  return constant().elem;
}

ConstTensor constant_value(const onnx::NodeProto& node) {
  for (const auto& a : node.attribute()) {
    ConstTensor c;
    if (a.name() == "value") return read_tensor(a.t());
    if (a.name() == "value_float") {
      c.elem = TensorProto::FLOAT;
      c.floats = {a.f()};
    } else if (a.name() == "value_floats") {
      c.elem = TensorProto::FLOAT;
      c.floats.assign(a.floats().begin(), a.floats().end());
      c.shape = {static_cast<std::int64_t>(c.floats.size())};
    } else if (a.name() == "value_int") {
      c.elem = TensorProto::INT64;
      c.ints = {a.i()};
    } else if (a.name() == "value_ints") {
      c.elem = TensorProto::INT64;
      c.ints.assign(a.ints().begin(), a.ints().end());
      c.shape = {static_cast<std::int64_t>(c.ints.size())};
    } else {
      continue;
    }
    return c;
  }
  throw ImportFailure("Constant without a numeric value (value, value_float(s), value_int(s)) is not supported");
}

ConstTensor shape_tensor(const std::vector<std::int64_t>& shape, const onnx::NodeProto& node) {
  const auto rank = static_cast<std::int64_t>(shape.size());
  auto clamp_index = [&](std::int64_t i) { return std::clamp(i < 0 ? i + rank : i, std::int64_t{0}, rank); };
  const std::int64_t start = clamp_index(attr_int(node, "start", 0));
  const std::int64_t end = clamp_index(attr_int(node, "end", rank));
  ConstTensor c;
  c.elem = TensorProto::INT64;
  if (start < end) c.ints.assign(shape.begin() + start, shape.begin() + end);
  c.shape = {static_cast<std::int64_t>(c.ints.size())};
  return c;
}

namespace {

const onnx::AttributeProto* find_attr(const onnx::NodeProto& n, const std::string& name) {
  for (const auto& a : n.attribute()) {
    if (a.name() == name) return &a;
  }
  return nullptr;
}

}  // namespace

bool has_attr(const onnx::NodeProto& n, const std::string& name) {
  return find_attr(n, name) != nullptr;
}

std::int64_t attr_int(const onnx::NodeProto& n, const std::string& name, std::int64_t fallback) {
  const auto* a = find_attr(n, name);
  return a ? a->i() : fallback;
}

float attr_float(const onnx::NodeProto& n, const std::string& name, float fallback) {
  const auto* a = find_attr(n, name);
  return a ? a->f() : fallback;
}

std::string attr_string(const onnx::NodeProto& n, const std::string& name, const std::string& fallback) {
  const auto* a = find_attr(n, name);
  return a ? a->s() : fallback;
}

std::vector<std::int64_t> attr_ints(const onnx::NodeProto& n, const std::string& name,
                                    std::vector<std::int64_t> fallback) {
  const auto* a = find_attr(n, name);
  return a ? std::vector<std::int64_t>(a->ints().begin(), a->ints().end()) : fallback;
}

std::int64_t normalize_axis(std::int64_t axis, std::int64_t rank) {
  const std::int64_t a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) {
    throw ImportFailure("axis " + std::to_string(axis) + " is outside rank " + std::to_string(rank));
  }
  return a;
}

std::vector<std::int64_t> reshape_target(const std::vector<std::int64_t>& in, const ConstTensor& shape,
                                         bool allow_zero) {
  if (shape.shape.size() != 1 || shape.is_float()) throw ImportFailure("the target shape must be a 1-D int tensor");
  std::vector<std::int64_t> out;
  std::int64_t infer = -1, known = 1;
  for (std::size_t i = 0; i < shape.ints.size(); ++i) {
    std::int64_t d = shape.ints[i];
    if (d == 0 && !allow_zero) {
      if (i >= in.size()) throw ImportFailure("target shape copies dimension " + std::to_string(i) + " it lacks");
      d = in[i];
    }
    if (d == -1) {
      if (infer >= 0) throw ImportFailure("the target shape has two -1 dimensions");
      infer = static_cast<std::int64_t>(i);
    } else if (d < 0) {
      throw ImportFailure("the target shape has a negative dimension " + std::to_string(d));
    } else if (__builtin_mul_overflow(known, d, &known)) {
      throw ImportFailure("cannot reshape " + shape_text(in) + ": the target shape's size overflows");
    }
    out.push_back(d);
  }
  const std::int64_t total = element_count(in);
  if (infer >= 0) {
    if (known == 0 || total % known != 0) {
      throw ImportFailure("cannot reshape " + shape_text(in) + " to " + shape_text(out));
    }
    out[static_cast<std::size_t>(infer)] = total / known;
  }
  if (element_count(out) != total) throw ImportFailure("cannot reshape " + shape_text(in) + " to " + shape_text(out));
  return out;
}

std::vector<std::int64_t> flatten_shape(const std::vector<std::int64_t>& in, std::int64_t axis) {
  const auto rank = static_cast<std::int64_t>(in.size());
  const std::int64_t a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a > rank) throw ImportFailure("Flatten axis " + std::to_string(axis) + " is outside the rank");
  std::int64_t outer = 1, inner = 1;
  for (std::int64_t i = 0; i < rank; ++i) (i < a ? outer : inner) *= in[static_cast<std::size_t>(i)];
  return {outer, inner};
}

std::vector<std::int64_t> squeeze_shape(const std::vector<std::int64_t>& in, const std::vector<std::int64_t>& axes) {
  const auto rank = static_cast<std::int64_t>(in.size());
  std::vector<bool> drop(in.size(), false);
  for (const std::int64_t axis : axes) {
    const auto a = static_cast<std::size_t>(normalize_axis(axis, rank));
    if (in[a] != 1) throw ImportFailure("Squeeze axis " + std::to_string(axis) + " has size " + std::to_string(in[a]));
    drop[a] = true;
  }
  std::vector<std::int64_t> out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (!(axes.empty() ? in[i] == 1 : drop[i])) out.push_back(in[i]);
  }
  return out;
}

std::vector<std::int64_t> unsqueeze_shape(const std::vector<std::int64_t>& in, const std::vector<std::int64_t>& axes) {
  const auto rank = static_cast<std::int64_t>(in.size() + axes.size());
  std::vector<bool> added(static_cast<std::size_t>(rank), false);
  for (const std::int64_t axis : axes) {
    const auto a = static_cast<std::size_t>(normalize_axis(axis, rank));
    if (added[a]) throw ImportFailure("Unsqueeze names axis " + std::to_string(axis) + " twice");
    added[a] = true;
  }
  std::vector<std::int64_t> out;
  std::size_t next = 0;
  for (std::size_t i = 0; i < added.size(); ++i) out.push_back(added[i] ? 1 : in[next++]);
  return out;
}

std::vector<std::int64_t> broadcast_shape(const std::vector<std::int64_t>& a, const std::vector<std::int64_t>& b) {
  const std::size_t rank = std::max(a.size(), b.size());
  std::vector<std::int64_t> out(rank);
  for (std::size_t i = 0; i < rank; ++i) {
    const std::int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const std::int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1) {
      throw ImportFailure("shapes " + shape_text(a) + " and " + shape_text(b) + " do not broadcast");
    }
    out[i] = da == 1 ? db : da;
  }
  return out;
}

}  // namespace systole::compiler::onnx_detail
