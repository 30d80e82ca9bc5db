// The DMA address walk shared by the verifier (static bounds and race footprints) and the functional model.
#pragma once

#include <cstdint>

#include "systole/spec/isa_gen.hpp"

namespace systole::isa {

// Lanes of one row of each memory, and bytes of one element of each DRAM type.
std::int64_t mem_lanes(spec::Mem mem, std::int64_t rows, std::int64_t cols);
std::int64_t dtype_bytes(spec::Dtype dtype);

// A 2-D DRAM access: y_size rows of x_size elements of `bytes` contiguous bytes each.
struct DramWalk {
  std::uint64_t offset = 0;
  std::uint64_t y_size = 0;
  std::uint64_t x_size = 0;
  std::uint64_t y_stride = 0;
  std::uint64_t x_stride = 0;
  std::uint64_t bytes = 0;  // per element

  // One past the last byte touched, or nullopt-like `false` on 64-bit overflow.
  bool end(std::uint64_t& out) const;

  // Calls fn(lo, hi) for maximal contiguous byte ranges, in address-walk order.
  template <typename Fn>
  void for_each_range(Fn&& fn) const {
    const bool rows_contiguous = x_size == 1 || x_stride == bytes;
    if (rows_contiguous && (y_size == 1 || y_stride == x_size * bytes)) {
      fn(offset, offset + y_size * x_size * bytes);
      return;
    }
    for (std::uint64_t y = 0; y < y_size; ++y) {
      const std::uint64_t row = offset + y * y_stride;
      if (rows_contiguous) {
        fn(row, row + x_size * bytes);
        continue;
      }
      for (std::uint64_t x = 0; x < x_size; ++x) fn(row + x * x_stride, row + x * x_stride + bytes);
    }
  }
};

DramWalk load_walk(const spec::LoadFields& f);
DramWalk store_walk(const spec::StoreFields& f);

}  // namespace systole::isa
