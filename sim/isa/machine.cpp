#include "sim/isa/machine.hpp"

#include <algorithm>
#include <cstring>

#include "sim/isa/dma.hpp"
#include "sim/isa/fp32.hpp"
#include "sim/isa/quant.hpp"
#include "systole/error.hpp"

namespace systole::isa {
namespace {

// int32 arithmetic wraps, as in the hardware's adders (done in uint32 to stay defined in C++).
std::int32_t wrap_add(std::int32_t a, std::int32_t b) {
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(a) + static_cast<std::uint32_t>(b));
}
std::int32_t wrap_sub(std::int32_t a, std::int32_t b) {
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(a) - static_cast<std::uint32_t>(b));
}

// An accumulator lane as the fp32 bit pattern the f ops read, and back.
std::uint32_t bits(std::int32_t lane) {
  return static_cast<std::uint32_t>(lane);
}
std::int32_t lane(std::uint32_t bits) {
  return static_cast<std::int32_t>(bits);
}

std::int32_t read_elem(const std::uint8_t* p, spec::Dtype t) {
  switch (t) {
    case spec::Dtype::kInt8: return static_cast<std::int8_t>(p[0]);
    case spec::Dtype::kUint8: return p[0];
    case spec::Dtype::kInt32: {
      std::uint32_t v = 0;
      std::memcpy(&v, p, 4);  // little-endian host (checked at build time)
      return static_cast<std::int32_t>(v);
    }
  }
  return 0;
}

bool in_region(const DramWalk& walk, std::size_t size) {
  std::uint64_t end = 0;
  return walk.end(end) && end <= size;
}

}  // namespace

Machine::Machine(ArchConfig arch)
    : arch_(std::move(arch)),
      rows_(arch_.rows()),
      cols_(arch_.cols()),
      inp_(static_cast<std::size_t>(arch_.inp_rows() * rows_)),
      wgt_(static_cast<std::size_t>(arch_.wgt_rows() * cols_)),
      acc_(static_cast<std::size_t>(arch_.acc_rows() * cols_)),
      wide_wgt_(static_cast<std::size_t>(rows_ * cols_)),
      sum_(static_cast<std::size_t>(cols_)) {}

RunStatus Machine::run(std::span<const Insn> insns, std::span<const std::uint32_t> order, DramImage dram) {
  // No clearing of the memories: verify_program() rejects any read of a row this run has not written, so stale
  // contents can never be observed (and clearing megabytes per run would dominate short programs).
  counters_ = {};
  for (const std::uint32_t pc : order) {
    if (pc >= insns.size()) throw InternalError("Machine::run: order names instruction past the end");
    const spec::ErrorCode code = execute(insns[pc], dram);
    if (code != spec::ErrorCode::kOk) return {code, pc};
  }
  return {};
}

spec::ErrorCode Machine::execute(const Insn& insn, DramImage dram) {
  if (encoding_error(insn)) return spec::ErrorCode::kIllegalInsn;
  const Opcode op = spec::decode_header(insn).opcode;
  ++counters_.insns_by_opcode[static_cast<std::size_t>(op)];
  const Unit unit = unit_of(insn);
  if (unit != Unit::kDispatch) ++counters_.insns_by_unit[static_cast<std::size_t>(unit)];
  if (const auto e = dma_error(insn, dram.const_region.size(), dram.act_region.size()); e != spec::ErrorCode::kOk) {
    return e;
  }
  switch (op) {
    case Opcode::kLoad: load(spec::decode_load(insn), dram); break;
    case Opcode::kStore: store(spec::decode_store(insn), dram); break;
    case Opcode::kGemm: gemm(spec::decode_gemm(insn)); break;
    case Opcode::kVec: {
      const auto f = spec::decode_vec(insn);
      if (spec::vec_operands(f.op).clamps && f.imm_a > f.imm_b) return spec::ErrorCode::kIllegalInsn;
      vec(f);
      break;
    }
    case Opcode::kSync:
    case Opcode::kFinish: break;
  }
  return spec::ErrorCode::kOk;
}

spec::ErrorCode Machine::dma_error(const Insn& insn, std::uint64_t const_size, std::uint64_t act_size) {
  switch (spec::decode_header(insn).opcode) {
    case Opcode::kLoad: {
      const auto f = spec::decode_load(insn);
      const bool ok = in_region(load_walk(f), f.region == spec::Region::kConst ? const_size : act_size);
      return ok ? spec::ErrorCode::kOk : spec::ErrorCode::kDmaOutOfBounds;
    }
    case Opcode::kStore: {
      const auto f = spec::decode_store(insn);
      if (f.region != spec::Region::kAct) return spec::ErrorCode::kStoreToConst;
      return in_region(store_walk(f), act_size) ? spec::ErrorCode::kOk : spec::ErrorCode::kDmaOutOfBounds;
    }
    default: return spec::ErrorCode::kOk;
  }
}

void Machine::load(const spec::LoadFields& f, DramImage dram) {
  const bool is_const = f.region == spec::Region::kConst;
  const std::uint8_t* base = is_const ? dram.const_region.data() : dram.act_region.data();

  const std::int64_t lanes = mem_lanes(f.mem, rows_, cols_);
  const std::int64_t esize = dtype_bytes(f.dtype);
  const std::int64_t width = std::int64_t{f.pad_left} + f.x_size + f.pad_right;
  const std::int64_t height = std::int64_t{f.pad_top} + f.y_size + f.pad_bottom;
  const auto n = static_cast<std::int64_t>(f.lanes);
  for (std::int64_t y = 0; y < height; ++y) {
    const bool pad_row = y < f.pad_top || y >= f.pad_top + std::int64_t{f.y_size};
    for (std::int64_t x = 0; x < width; ++x) {
      const std::int64_t row = static_cast<std::int64_t>(f.sram_addr) + y * width + x;
      const bool pad = pad_row || x < f.pad_left || x >= f.pad_left + std::int64_t{f.x_size};
      const std::uint8_t* src = pad ? nullptr
                                    : base + f.dram_offset + static_cast<std::uint64_t>(y - f.pad_top) * f.y_stride +
                                          static_cast<std::uint64_t>(x - f.pad_left) * f.x_stride;
      if (f.mem == spec::Mem::kAcc) {
        std::int32_t* dst = &acc_[static_cast<std::size_t>(row * lanes)];
        for (std::int64_t l = 0; l < lanes; ++l)
          dst[l] = pad || l >= n ? f.pad_value : read_elem(src + l * esize, f.dtype);
      } else {
        auto& mem = f.mem == spec::Mem::kInp ? inp_ : wgt_;
        std::int8_t* dst = &mem[static_cast<std::size_t>(row * lanes)];
        // uint8 data is held as u - 128 (sign bit flipped) so the array multiplies int8 x int8 only.
        const std::uint8_t flip = f.dtype == spec::Dtype::kUint8 ? 0x80 : 0x00;
        for (std::int64_t l = 0; l < lanes; ++l) {
          dst[l] = pad || l >= n ? static_cast<std::int8_t>(f.pad_value) : static_cast<std::int8_t>(src[l] ^ flip);
        }
      }
      if (!pad) counters_.dram_read_bytes += static_cast<std::uint64_t>(n * esize);
    }
  }
}

void Machine::store(const spec::StoreFields& f, DramImage dram) {
  std::int32_t lo = quant::kInt32Min, hi = quant::kInt32Max;
  if (f.dtype == spec::Dtype::kInt8) lo = -128, hi = 127;
  if (f.dtype == spec::Dtype::kUint8) lo = 0, hi = 255;
  if (f.dtype != spec::Dtype::kInt32) {
    // The clamp narrows the type's range (fused ReLU/clip); verify_program() guarantees clamp_min <= clamp_max.
    const std::int32_t type_lo = lo, type_hi = hi;
    lo = std::clamp(f.clamp_min, type_lo, type_hi);
    hi = std::max(lo, std::clamp(f.clamp_max, type_lo, type_hi));
  }
  // The parameter rows: each lane's fp32 scale (bit pattern), then its zero point.
  const std::int32_t* scale = &acc_[static_cast<std::size_t>(f.param_addr * static_cast<std::uint64_t>(cols_))];
  const std::int32_t* zp = scale + cols_;
  for (std::uint64_t y = 0; y < f.y_size; ++y) {
    for (std::uint64_t x = 0; x < f.x_size; ++x) {
      const std::uint64_t row = f.sram_addr + y * f.x_size + x;
      const std::int32_t* src = &acc_[static_cast<std::size_t>(row * static_cast<std::uint64_t>(cols_))];
      std::uint8_t* dst = dram.act_region.data() + f.dram_offset + y * f.y_stride + x * f.x_stride;
      for (std::uint64_t l = 0; l < f.lanes; ++l) {
        std::int32_t v = src[l];
        if (f.requant) v = quant::requantize_bits(v, scale[l], zp[l], quant::kInt32Min, quant::kInt32Max);
        v = std::clamp(v, lo, hi);
        if (f.dtype == spec::Dtype::kInt32) {
          const auto u = static_cast<std::uint32_t>(v);
          std::memcpy(dst + 4 * l, &u, 4);
        } else {
          dst[l] = static_cast<std::uint8_t>(v);
        }
      }
      counters_.dram_write_bytes += f.lanes * static_cast<std::uint64_t>(dtype_bytes(f.dtype));
    }
  }
}

void Machine::gemm(const spec::GemmFields& f) {
  const auto R = static_cast<std::size_t>(rows_);
  const auto C = static_cast<std::size_t>(cols_);
  // The weight tile widened once per instruction (it stays in the array for every row, as in the hardware), so
  // the inner loop is a plain int32 multiply-add over contiguous columns that the compiler vectorises.
  const std::int8_t* w8 = &wgt_[f.wgt_addr * C];
  std::copy(w8, w8 + R * C, wide_wgt_.begin());
  const std::int32_t* w = wide_wgt_.data();
  std::int32_t* sum = sum_.data();
  for (std::uint64_t o = 0; o < f.outer; ++o) {
    for (std::uint64_t i = 0; i < f.inner; ++i) {
      const std::int8_t* x = &inp_[(f.inp_addr + o * f.inp_stride_outer + i * f.inp_stride_inner) * R];
      std::int32_t* acc = &acc_[(f.acc_addr + o * f.acc_stride_outer + i * f.acc_stride_inner) * C];
      // Columns in blocks of kBlock with the partial sums in a local array the compiler keeps in registers.
      // A sum of up to 256 products of |x|,|w| <= 128 stays below 2^23: no overflow before the wrapping
      // accumulate.
      constexpr std::size_t kBlock = 16;
      std::size_t c0 = 0;
      for (; c0 + kBlock <= C; c0 += kBlock) {
        std::int32_t part[kBlock] = {};
        for (std::size_t k = 0; k < R; ++k) {
          const std::int32_t xk = x[k];
          const std::int32_t* wk = w + k * C + c0;
          for (std::size_t j = 0; j < kBlock; ++j) part[j] += xk * wk[j];
        }
        std::copy(part, part + kBlock, sum + c0);
      }
      for (std::size_t c = c0; c < C; ++c) {
        std::int32_t total = 0;
        for (std::size_t k = 0; k < R; ++k) total += x[k] * w[k * C + c];
        sum[c] = total;
      }
      if (f.accumulate) {
        for (std::size_t c = 0; c < C; ++c) acc[c] = wrap_add(acc[c], sum[c]);
      } else {
        std::copy(sum, sum + C, acc);
      }
    }
  }
  counters_.macs += f.outer * f.inner * R * C;
}

void Machine::vec(const spec::VecFields& f) {
  const auto C = static_cast<std::size_t>(cols_);
  for (std::uint64_t o = 0; o < f.outer; ++o) {
    for (std::uint64_t i = 0; i < f.inner; ++i) {
      std::int32_t* d = &acc_[(f.dst_addr + o * f.dst_stride_outer + i * f.dst_stride_inner) * C];
      const std::int32_t* s = &acc_[(f.src_addr + o * f.src_stride_outer + i * f.src_stride_inner) * C];
      switch (f.op) {
        case spec::VecOp::kCopy: std::copy(s, s + C, d); break;
        case spec::VecOp::kAdd:
          for (std::size_t c = 0; c < C; ++c) d[c] = wrap_add(d[c], s[c]);
          break;
        case spec::VecOp::kMax:
          for (std::size_t c = 0; c < C; ++c) d[c] = std::max(d[c], s[c]);
          break;
        case spec::VecOp::kAddi:
          for (std::size_t c = 0; c < C; ++c) d[c] = wrap_add(d[c], f.imm_a);
          break;
        case spec::VecOp::kClip:
          for (std::size_t c = 0; c < C; ++c) d[c] = std::clamp(d[c], f.imm_a, f.imm_b);
          break;
        case spec::VecOp::kRequant:
          for (std::size_t c = 0; c < C; ++c) {
            d[c] = quant::requantize_bits(d[c], s[c], s[C + c], f.imm_a, f.imm_b);
          }
          break;
        case spec::VecOp::kFmac:
          for (std::size_t c = 0; c < C; ++c) {
            const std::uint32_t x = fp32::mul(fp32::from_int(wrap_sub(s[c], f.imm_a)), bits(f.imm_b));
            d[c] = lane(fp32::add(bits(d[c]), x));
          }
          break;
        case spec::VecOp::kFdiv:
          for (std::size_t c = 0; c < C; ++c) d[c] = lane(fp32::div(bits(d[c]), bits(f.imm_b)));
          break;
        case spec::VecOp::kFquant:
          for (std::size_t c = 0; c < C; ++c) {
            d[c] = fp32::to_int(fp32::add(fp32::div(bits(d[c]), bits(f.imm_b)), fp32::from_int(f.imm_a)));
          }
          break;
      }
    }
  }
}

}  // namespace systole::isa
