// Host tensors: a shape, an element type and little-endian bytes; read from and written to NumPy .npy files.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace systole {

enum class DType : std::uint8_t { kInt8 = 0, kUint8 = 1, kInt32 = 2, kFloat32 = 3 };

std::string_view dtype_name(DType t);
std::string shape_text(const std::vector<std::int64_t>& shape);  // "[2, 3]"

// The element count of `shape`, or -1 when a dimension is negative or the product of its non-zero dimensions exceeds
// `limit`. Bounding the non-zero product means no product of any of the dimensions (the outer and inner sizes around
// an axis) can overflow, even in an empty tensor; every reader of outside shapes checks them here.
std::int64_t checked_element_count(const std::vector<std::int64_t>& shape, std::int64_t limit);
std::size_t dtype_size(DType t);
// The value range of an integer type (int32's for int32; float32 has no integer range and gets int32's too).
std::int32_t dtype_min(DType t);
std::int32_t dtype_max(DType t);

struct Tensor {
  DType dtype = DType::kInt8;
  std::vector<std::int64_t> shape;
  std::vector<std::uint8_t> data;  // row-major, little-endian

  Tensor() = default;
  Tensor(DType t, std::vector<std::int64_t> s);  // zero-filled

  std::int64_t elements() const;
  std::int32_t get(std::int64_t i) const;  // integer element i (int8/uint8/int32)
  void set(std::int64_t i, std::int32_t v);
  std::string shape_text() const;  // "[2, 3]"
};

// NumPy .npy version 1/2/3, C order, dtypes |i1 |u1 <i4 <f4. Errors name the file and what is wrong.
Tensor read_npy(const std::filesystem::path& file);
// The same from the bytes of a file; `origin` starts every error message ("npy file x.npy").
Tensor parse_npy(std::string_view bytes, const std::string& origin);
// The bytes write_npy writes (version 1, C order): parse_npy reads them back to an equal tensor.
std::string encode_npy(const Tensor& t);
void write_npy(const std::filesystem::path& file, const Tensor& t);

}  // namespace systole
