// .npy reading and writing: round trips, the shapes NumPy writes, and headers that lie.
#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include "systole/error.hpp"
#include "systole/tensor.hpp"

using namespace systole;
namespace fs = std::filesystem;

namespace {

fs::path write_raw(const std::string& name, const std::string& header, const std::string& data) {
  const fs::path p = fs::temp_directory_path() / name;
  std::string h = header;
  while ((10 + h.size() + 1) % 64) h += ' ';
  h += '\n';
  std::ofstream out(p, std::ios::binary);
  out.write("\x93NUMPY\x01\x00", 8);
  const char len[2] = {static_cast<char>(h.size() & 0xFF), static_cast<char>(h.size() >> 8)};
  out.write(len, 2);
  out << h << data;
  return p;
}

}  // namespace

TEST_CASE("npy round trips every dtype and shape", "[unit]") {
  for (DType t : {DType::kInt8, DType::kUint8, DType::kInt32, DType::kFloat32}) {
    for (const std::vector<std::int64_t>& shape : {std::vector<std::int64_t>{}, {5}, {2, 3}, {1, 2, 1, 3}}) {
      Tensor x(t, shape);
      for (std::size_t i = 0; i < x.data.size(); ++i) x.data[i] = static_cast<std::uint8_t>(i * 37 + 1);
      const fs::path p = fs::temp_directory_path() / "systole_npy_roundtrip.npy";
      write_npy(p, x);
      const Tensor y = read_npy(p);
      CHECK(y.dtype == x.dtype);
      CHECK(y.shape == x.shape);
      CHECK(y.data == x.data);
    }
  }
}

TEST_CASE("npy reads int64 as int32 when the values fit", "[unit]") {
  std::string data(16, '\0');
  const std::int64_t v[2] = {-7, 1234567};
  std::memcpy(data.data(), v, 16);
  const Tensor t =
      read_npy(write_raw("systole_i8.npy", "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", data));
  CHECK(t.dtype == DType::kInt32);
  CHECK(t.get(0) == -7);
  CHECK(t.get(1) == 1234567);
  const std::int64_t big = std::int64_t{1} << 40;
  std::memcpy(data.data(), &big, 8);
  CHECK_THROWS_WITH(
      read_npy(write_raw("systole_i8_big.npy", "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", data)),
      Catch::Contains("does not fit int32"));
}

TEST_CASE("npy headers that lie are rejected before allocating", "[error]") {
  CHECK_THROWS_WITH(read_npy(write_raw("systole_huge.npy",
                                       "{'descr': '|i1', 'fortran_order': False, 'shape': (100000, 100000), }", "abc")),
                    Catch::Contains("data truncated (expected 10000000000 bytes"));
  CHECK_THROWS_WITH(
      read_npy(write_raw("systole_f.npy", "{'descr': '|i1', 'fortran_order': True, 'shape': (3,), }", "abc")),
      Catch::Contains("Fortran-order"));
  CHECK_THROWS_WITH(
      read_npy(write_raw("systole_f8.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", "12345678")),
      Catch::Contains("dtype '<f8' is not supported"));
  CHECK_THROWS_WITH(
      read_npy(write_raw("systole_bad.npy", "{'descr': '|i1', 'fortran_order': False, 'shape': (x,), }", "a")),
      Catch::Contains("dimension 'x' is not a size"));
  CHECK_THROWS_WITH(read_npy(write_raw("systole_noshape.npy", "{'descr': '|i1', 'fortran_order': False}", "a")),
                    Catch::Contains("header has no 'shape'"));
  // Malformed dictionaries are refused, not guessed at.
  CHECK_THROWS_WITH(
      read_npy(write_raw("systole_nobrace.npy", "{'descr': '|i1', 'fortran_order': False, 'shape': (1,), ", "a")),
      Catch::Contains("header is not a {...} dictionary"));
  constexpr char kNul[] = "{'descr': '|i1', 'fortran_order': False, 'shape': (1,)\0, }";
  CHECK_THROWS_WITH(read_npy(write_raw("systole_nul.npy", std::string(kNul, sizeof kNul - 1), "a")),
                    Catch::Contains("control or non-ASCII byte"));
  CHECK_THROWS_WITH(
      read_npy(write_raw("systole_fo.npy", "{'descr': '|i1', 'fortran_order': Maybe, 'shape': (1,), }", "a")),
      Catch::Contains("'fortran_order' is 'Maybe', not True or False"));
}

TEST_CASE("checked_element_count bounds the product of the non-zero dimensions", "[unit]") {
  constexpr std::int64_t kNoLimit = std::numeric_limits<std::int64_t>::max();
  CHECK(checked_element_count({}, kNoLimit) == 1);
  CHECK(checked_element_count({2, 3, 4}, 24) == 24);
  CHECK(checked_element_count({2, 3, 4}, 23) == -1);
  CHECK(checked_element_count({2, -1}, kNoLimit) == -1);
  // Empty, but the non-zero dimensions alone overflow int64: refused, so no product of them can overflow later.
  CHECK(checked_element_count({0, std::int64_t{1} << 40, std::int64_t{1} << 40}, kNoLimit) == -1);
  CHECK(checked_element_count({0, std::int64_t{1} << 20, std::int64_t{1} << 20}, kNoLimit) == 0);
  CHECK(checked_element_count({std::int64_t{1} << 31, std::int64_t{1} << 31}, kNoLimit) == std::int64_t{1} << 62);
  CHECK(checked_element_count({std::int64_t{1} << 31, std::int64_t{1} << 31, 2}, kNoLimit) == -1);
}
