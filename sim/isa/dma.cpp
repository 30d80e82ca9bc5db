#include "sim/isa/dma.hpp"

namespace systole::isa {

std::int64_t mem_lanes(spec::Mem mem, std::int64_t rows, std::int64_t cols) {
  return mem == spec::Mem::kInp ? rows : cols;
}

std::int64_t dtype_bytes(spec::Dtype dtype) {
  return dtype == spec::Dtype::kInt32 ? 4 : 1;
}

bool DramWalk::end(std::uint64_t& out) const {
  if (y_size == 0 || x_size == 0 || bytes == 0) {
    out = offset;
    return true;
  }
  std::uint64_t a = 0, b = 0, s = 0;
  if (__builtin_mul_overflow(y_size - 1, y_stride, &a) || __builtin_mul_overflow(x_size - 1, x_stride, &b) ||
      __builtin_add_overflow(a, b, &s) || __builtin_add_overflow(s, bytes, &s) ||
      __builtin_add_overflow(s, offset, &out)) {
    return false;
  }
  return true;
}

DramWalk load_walk(const spec::LoadFields& f) {
  return {f.dram_offset, f.y_size,   f.x_size,
          f.y_stride,    f.x_stride, f.lanes * static_cast<std::uint64_t>(dtype_bytes(f.dtype))};
}

DramWalk store_walk(const spec::StoreFields& f) {
  return {f.dram_offset, f.y_size,   f.x_size,
          f.y_stride,    f.x_stride, f.lanes * static_cast<std::uint64_t>(dtype_bytes(f.dtype))};
}

}  // namespace systole::isa
