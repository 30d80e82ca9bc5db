#include "systole/tensor.hpp"

#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>

#include "sim/isa/error.hpp"

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

std::string Tensor::shape_text() const {
  return systole::shape_text(shape);
}

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr std::int64_t kMaxElements = std::int64_t{1} << 40;

}  // namespace

Tensor read_npy(const std::filesystem::path& file) {
  const std::string where = "npy file " + file.string();
  std::ifstream in(file, std::ios::binary);
  if (!in) throw UserError(where + ": cannot open file");
  char head[8];
  if (!in.read(head, 8) || std::memcmp(head, kMagic, 6) != 0) throw UserError(where + ": not a .npy file (bad magic)");
  const int major = static_cast<unsigned char>(head[6]);
  std::size_t header_len = 0;
  if (major == 1) {
    unsigned char b[2];
    if (!in.read(reinterpret_cast<char*>(b), 2)) throw UserError(where + ": truncated header");
    header_len = b[0] | (std::size_t{b[1]} << 8);
  } else if (major == 2 || major == 3) {
    unsigned char b[4];
    if (!in.read(reinterpret_cast<char*>(b), 4)) throw UserError(where + ": truncated header");
    header_len = b[0] | (std::size_t{b[1]} << 8) | (std::size_t{b[2]} << 16) | (std::size_t{b[3]} << 24);
    if (header_len > (1u << 20))
      throw UserError(where + ": header length " + std::to_string(header_len) + " too large");
  } else {
    throw UserError(where + ": unsupported .npy version " + std::to_string(major));
  }
  std::string header(header_len, '\0');
  if (!in.read(header.data(), static_cast<std::streamsize>(header_len))) throw UserError(where + ": truncated header");

  std::smatch m;
  if (!std::regex_search(header, m, std::regex(R"('descr'\s*:\s*'([^']*)')"))) {
    throw UserError(where + ": header has no 'descr'");
  }
  const std::string descr = m[1];
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
  if (std::regex_search(header, std::regex(R"('fortran_order'\s*:\s*True)"))) {
    throw UserError(where + ": Fortran-order arrays are not supported; save with np.ascontiguousarray");
  }
  if (!std::regex_search(header, m, std::regex(R"('shape'\s*:\s*\(([^)]*)\))"))) {
    throw UserError(where + ": header has no 'shape'");
  }
  const std::string dims = m[1];
  std::int64_t n = 1;
  const std::regex number(R"(\d+)");
  for (std::sregex_iterator it(dims.begin(), dims.end(), number), end; it != end; ++it) {
    const std::string d = it->str();
    if (d.size() > 12) throw UserError(where + ": dimension " + d + " too large");
    t.shape.push_back(std::stoll(d));
    n *= std::max<std::int64_t>(t.shape.back(), 1);
    if (n > kMaxElements) throw UserError(where + ": too many elements");
  }
  const std::size_t bytes = static_cast<std::size_t>(t.elements()) * (wide ? 8 : dtype_size(t.dtype));
  std::vector<std::uint8_t> raw(bytes);
  if (!in.read(reinterpret_cast<char*>(raw.data()), static_cast<std::streamsize>(bytes))) {
    throw UserError(where + ": data truncated (expected " + std::to_string(bytes) + " bytes for shape " +
                    t.shape_text() + ")");
  }
  if (!wide) {
    t.data = std::move(raw);
    return t;
  }
  t.data.resize(static_cast<std::size_t>(t.elements()) * 4);
  for (std::int64_t i = 0; i < t.elements(); ++i) {
    std::int64_t v;
    std::memcpy(&v, &raw[static_cast<std::size_t>(8 * i)], 8);
    if (v < INT32_MIN || v > INT32_MAX)
      throw UserError(where + ": int64 value " + std::to_string(v) + " does not fit int32");
    t.set(i, static_cast<std::int32_t>(v));
  }
  return t;
}

void write_npy(const std::filesystem::path& file, const Tensor& t) {
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
  std::ofstream out(file, std::ios::binary);
  if (!out) throw UserError("npy file " + file.string() + ": cannot create file");
  out.write(kMagic, 6);
  const char version[2] = {1, 0};
  out.write(version, 2);
  const unsigned char len[2] = {static_cast<unsigned char>(header.size() & 0xFF),
                                static_cast<unsigned char>(header.size() >> 8)};
  out.write(reinterpret_cast<const char*>(len), 2);
  out << header;
  out.write(reinterpret_cast<const char*>(t.data.data()), static_cast<std::streamsize>(t.data.size()));
  if (!out) throw UserError("npy file " + file.string() + ": write failed");
}

}  // namespace systole
