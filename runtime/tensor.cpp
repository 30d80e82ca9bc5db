#include "systole/tensor.hpp"

#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>

#include "sim/isa/file_io.hpp"
#include "systole/error.hpp"

namespace systole {

std::string_view dtype_name(DType t) {
  switch (t) {
    case DType::kInt8: return "int8";
    case DType::kUint8: return "uint8";
    case DType::kInt32: return "int32";
    case DType::kFloat32: return "float32";
  }
  return "?";
}

std::int32_t dtype_min(DType t) {
  return t == DType::kInt8 ? -128 : t == DType::kUint8 ? 0 : std::numeric_limits<std::int32_t>::min();
}

std::int32_t dtype_max(DType t) {
  return t == DType::kInt8 ? 127 : t == DType::kUint8 ? 255 : std::numeric_limits<std::int32_t>::max();
}

std::size_t dtype_size(DType t) {
  return t == DType::kInt8 || t == DType::kUint8 ? 1 : 4;
}

Tensor::Tensor(DType t, std::vector<std::int64_t> s) : dtype(t), shape(std::move(s)) {
  data.assign(static_cast<std::size_t>(elements()) * dtype_size(t), 0);
}

std::int64_t Tensor::elements() const {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

std::int32_t Tensor::get(std::int64_t i) const {
  const auto k = static_cast<std::size_t>(i);
  switch (dtype) {
    case DType::kInt8: return static_cast<std::int8_t>(data[k]);
    case DType::kUint8: return data[k];
    case DType::kInt32: {
      std::int32_t v;
      std::memcpy(&v, &data[4 * k], 4);
      return v;
    }
    case DType::kFloat32: break;
  }
  throw InternalError("Tensor::get on a float tensor");
}

void Tensor::set(std::int64_t i, std::int32_t v) {
  const auto k = static_cast<std::size_t>(i);
  switch (dtype) {
    case DType::kInt8:
    case DType::kUint8: data[k] = static_cast<std::uint8_t>(v); return;
    case DType::kInt32: std::memcpy(&data[4 * k], &v, 4); return;
    case DType::kFloat32: break;
  }
  throw InternalError("Tensor::set on a float tensor");
}

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

std::int64_t checked_element_count(const std::vector<std::int64_t>& shape, std::int64_t limit) {
  std::int64_t nonzero = 1;
  bool empty = false;
  for (const std::int64_t d : shape) {
    if (d < 0) return -1;
    if (d == 0) {
      empty = true;
    } else if (__builtin_mul_overflow(nonzero, d, &nonzero) || nonzero > limit) {
      return -1;
    }
  }
  return empty ? 0 : nonzero;
}

std::string Tensor::shape_text() const {
  return systole::shape_text(shape);
}

namespace {

constexpr char kMagic[] = "\x93NUMPY";

// The value text after `'key':` in a .npy header dict: the inside of quotes or parentheses, else up to the next
// comma or brace; "" when the key is absent.
std::string header_field(const std::string& h, const std::string& key) {
  const auto k = h.find("" + quote(key));
  if (k == std::string::npos) return "";
  auto p = h.find(':', k);
  if (p == std::string::npos) return "";
  p = h.find_first_not_of(' ', p + 1);
  if (p == std::string::npos) return "";
  const char open = h[p];
  if (open == '\'' || open == '(') {
    const auto e = h.find(open == '(' ? ')' : '\'', p + 1);
    return e == std::string::npos ? "" : h.substr(p + 1, e - p - 1);
  }
  const auto e = h.find_first_of(",}", p);
  return h.substr(p, e == std::string::npos ? std::string::npos : e - p);
}
constexpr std::int64_t kMaxElements = std::int64_t{1} << 40;

}  // namespace

Tensor parse_npy(std::string_view bytes, const std::string& origin) {
  const std::string& where = origin;
  std::size_t at = 0;
  // The next n bytes of the file, or a "truncated" error naming what was being read.
  auto take = [&](std::size_t n, const char* what) {
    if (bytes.size() - at < n) throw UserError(where + ": truncated " + what);
    const std::string_view v = bytes.substr(at, n);
    at += n;
    return v;
  };
  if (bytes.size() < 8 || bytes.substr(0, 6) != std::string_view(kMagic, 6)) {
    throw UserError(where + ": not a .npy file (bad magic)");
  }
  const int major = static_cast<unsigned char>(take(8, "header")[6]);
  std::size_t header_len = 0;
  if (major == 1) {
    const auto b = take(2, "header");
    header_len = static_cast<unsigned char>(b[0]) | (std::size_t{static_cast<unsigned char>(b[1])} << 8);
  } else if (major == 2 || major == 3) {
    const auto b = take(4, "header");
    for (int i = 3; i >= 0; --i)
      header_len = header_len << 8 | static_cast<unsigned char>(b[static_cast<std::size_t>(i)]);
    if (header_len > (1u << 20))
      throw UserError(where + ": header length " + std::to_string(header_len) + " too large");
  } else {
    throw UserError(where + ": unsupported .npy version " + std::to_string(major));
  }
  const std::string header(take(header_len, "header"));

  // The header is a Python dict literal, space-padded, ending in a newline: anything else is refused, not guessed at.
  std::string dict = header;
  while (!dict.empty() && (dict.back() == '\n' || dict.back() == ' ')) dict.pop_back();
  for (const char c : dict) {
    if (c < 0x20 || c > 0x7E) throw UserError(where + ": header has a control or non-ASCII byte");
  }
  if (dict.empty() || dict.front() != '{' || dict.back() != '}') {
    throw UserError(where + ": header is not a {...} dictionary");
  }
  if (const std::string f = header_field(header, "fortran_order"); f != "True" && f != "False") {
    throw UserError(where + ": header's 'fortran_order' is '" + f.substr(0, 16) + "', not True or False");
  }
  const std::string descr = header_field(header, "descr");
  if (descr.empty()) throw UserError(where + ": header has no 'descr'");
  Tensor t;
  bool wide = false;  // int64: read as int32 when every value fits (labels, indices)
  if (descr == "|i1" || descr == "i1") {
    t.dtype = DType::kInt8;
  } else if (descr == "|u1" || descr == "u1") {
    t.dtype = DType::kUint8;
  } else if (descr == "<i4") {
    t.dtype = DType::kInt32;
  } else if (descr == "<i8") {
    t.dtype = DType::kInt32;
    wide = true;
  } else if (descr == "<f4") {
    t.dtype = DType::kFloat32;
  } else {
    throw UserError(where + ": dtype '" + descr +
                    "' is not supported (int8, uint8, little-endian int32/int64, float32)");
  }
  if (header_field(header, "fortran_order") == "True") {
    throw UserError(where + ": Fortran-order arrays are not supported; save with np.ascontiguousarray");
  }
  if (header.find("'shape'") == std::string::npos) throw UserError(where + ": header has no 'shape'");
  std::istringstream dims(header_field(header, "shape"));
  for (std::string d; std::getline(dims, d, ',');) {
    d.erase(0, d.find_first_not_of(' '));
    d.erase(d.find_last_not_of(' ') + 1);
    if (d.empty()) continue;  // the trailing comma of a 1-tuple
    if (d.size() > 12 || d.find_first_not_of("0123456789") != std::string::npos) {
      throw UserError(where + ": dimension " + quote(d) + " is not a size");
    }
    t.shape.push_back(std::stoll(d));
    if (checked_element_count(t.shape, kMaxElements) < 0) {
      throw UserError(where + ": shape " + t.shape_text() + " has too many elements (at most " +
                      std::to_string(kMaxElements) + ")");
    }
  }
  // The data must be in the file: checked before allocating, so a lying header cannot exhaust memory.
  const std::size_t width = wide ? 8 : dtype_size(t.dtype);
  const auto need = static_cast<std::uint64_t>(t.elements()) * width;
  if (bytes.size() - at < need) {
    throw UserError(where + ": data truncated (expected " + std::to_string(need) + " bytes for shape " +
                    t.shape_text() + ", the file has " + std::to_string(bytes.size() - at) + ")");
  }
  const auto raw = bytes.substr(at, static_cast<std::size_t>(need));
  if (!wide) {
    t.data.assign(raw.begin(), raw.end());
    return t;
  }
  t.data.resize(static_cast<std::size_t>(t.elements()) * 4);
  for (std::int64_t i = 0; i < t.elements(); ++i) {
    std::int64_t v;
    std::memcpy(&v, raw.data() + 8 * i, 8);
    if (v < INT32_MIN || v > INT32_MAX)
      throw UserError(where + ": int64 value " + std::to_string(v) + " does not fit int32");
    t.set(i, static_cast<std::int32_t>(v));
  }
  return t;
}

Tensor read_npy(const std::filesystem::path& file) {
  return parse_npy(isa::read_file(file, isa::kMaxDataFileBytes, "npy file"), "npy file " + file.string());
}

std::string encode_npy(const Tensor& t) {
  const char* descr = t.dtype == DType::kInt8    ? "|i1"
                      : t.dtype == DType::kUint8 ? "|u1"
                      : t.dtype == DType::kInt32 ? "<i4"
                                                 : "<f4";
  std::string shape;
  for (auto d : t.shape) shape += std::to_string(d) + ", ";
  if (t.shape.size() > 1) shape.erase(shape.size() - 2);  // (3,) keeps its comma; (2, 3) does not
  if (t.shape.empty()) shape.clear();
  std::string header = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (" + shape + "), }";
  const std::size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string bytes(kMagic, 6);
  bytes += {'\x01', '\x00', static_cast<char>(header.size() & 0xFF), static_cast<char>(header.size() >> 8)};
  bytes += header;
  bytes.append(reinterpret_cast<const char*>(t.data.data()), t.data.size());
  return bytes;
}

void write_npy(const std::filesystem::path& file, const Tensor& t) {
  isa::write_file_atomic(file, encode_npy(t), "npy file");
}

}  // namespace systole
