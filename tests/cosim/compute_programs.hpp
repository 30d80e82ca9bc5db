// Random gemm/vec programs for the compute unit's benches (test_rtl_compute, test_rtl_compute_core): memories of
// 64 rows (compute_bench.sv's parameters), a 4x4 array and 2 accumulator banks (tiny), instructions whose walks
// stay inside those rows, and the same initial memories in the functional model and the RTL.
#pragma once

#include <cstring>

#include "rtl_bench.hpp"
#include "sim/isa/machine.hpp"

namespace systole::cosim {

// The bench's memories (compute_bench.sv parameters): 64 rows each, 2 accumulator banks, a 4x4 array (tiny).
inline constexpr int kRows = 4, kCols = 4, kMemRows = 64;

struct Walk {
  std::uint32_t base, outer, inner, so, si;
};

// A random 2-D walk inside [0, limit) rows; extents 0 now and then, strides 0 often (accumulating, latching).
inline Walk random_walk(std::mt19937& rng, std::uint32_t limit, std::uint32_t outer, std::uint32_t inner) {
  for (;;) {
    Walk w{0, outer, inner, std::uniform_int_distribution<std::uint32_t>(0, 3)(rng),
           std::uniform_int_distribution<std::uint32_t>(0, 3)(rng)};
    const std::uint32_t span = (outer ? outer - 1 : 0) * w.so + (inner ? inner - 1 : 0) * w.si;
    if (span >= limit) continue;
    w.base = std::uniform_int_distribution<std::uint32_t>(0, limit - 1 - span)(rng);
    return w;
  }
}

inline spec::Insn random_insn(std::mt19937& rng) {
  const auto extent = [&] { return chance(rng, 0.05) ? 0u : std::uniform_int_distribution<std::uint32_t>(1, 5)(rng); };
  const std::uint32_t outer = extent(), inner = extent();
  if (chance(rng, 0.5)) {
    spec::GemmFields f;
    f.accumulate = chance(rng, 0.5);
    f.wgt_addr = std::uniform_int_distribution<std::uint32_t>(0, kMemRows - kRows)(rng);
    const Walk in = random_walk(rng, kMemRows, outer, inner), acc = random_walk(rng, kMemRows, outer, inner);
    f.outer = outer;
    f.inner = inner;
    f.inp_addr = in.base;
    f.inp_stride_outer = in.so;
    f.inp_stride_inner = in.si;
    f.acc_addr = acc.base;
    f.acc_stride_outer = acc.so;
    f.acc_stride_inner = acc.si;
    return spec::encode(f);
  }
  spec::VecFields f;
  const auto last_op = static_cast<int>(spec::kVecOpValues.back().value);
  f.op = static_cast<spec::VecOp>(std::uniform_int_distribution<int>(0, last_op)(rng));
  const Walk dst = random_walk(rng, kMemRows, outer, inner);
  // Requant reads its parameter rows from src on.
  const int src_rows = std::max(1, spec::vec_operands(f.op).src_rows);
  const Walk src = random_walk(rng, kMemRows - (src_rows - 1), outer, inner);
  f.outer = outer;
  f.inner = inner;
  f.dst_addr = dst.base;
  f.dst_stride_outer = dst.so;
  f.dst_stride_inner = dst.si;
  f.src_addr = src.base;
  f.src_stride_outer = src.so;
  f.src_stride_inner = src.si;
  std::int32_t a = static_cast<std::int32_t>(rng()), b = static_cast<std::int32_t>(rng());
  if (spec::vec_operands(f.op).clamps) {
    if (chance(rng, 0.5)) a = -128, b = 127;
    if (a > b) std::swap(a, b);
  }
  const bool fp32_op = f.op == spec::VecOp::kFmac || f.op == spec::VecOp::kFdiv || f.op == spec::VecOp::kFquant;
  if (fp32_op && chance(rng, 0.75)) {  // a zero point and a scale as AveragePool has them; else raw words
    a = std::uniform_int_distribution<std::int32_t>(-128, 255)(rng);
    const auto exponent = static_cast<std::uint32_t>(std::uniform_int_distribution<int>(127 - 12, 127 + 8)(rng));
    b = static_cast<std::int32_t>((static_cast<std::uint32_t>(rng()) & 0x007fffffu) | (exponent << 23));
  }
  f.imm_a = a;
  f.imm_b = b;
  return spec::encode(f);
}

// Requant parameters worth testing: fp32 scales between 2^-24 and 2^4 (bit patterns, either sign) in some rows, raw
// random words elsewhere (the RTL must match the functional model on every register value, NaN and infinity
// patterns included).
inline std::int32_t random_acc_word(std::mt19937& rng) {
  switch (std::uniform_int_distribution<int>(0, 5)(rng)) {
    case 0: {
      const auto exponent = static_cast<std::uint32_t>(std::uniform_int_distribution<int>(127 - 24, 127 + 4)(rng));
      const std::uint32_t bits = (static_cast<std::uint32_t>(rng()) & 0x807fffffu) | (exponent << 23);
      return static_cast<std::int32_t>(bits);
    }
    case 1: return std::uniform_int_distribution<std::int32_t>(-40, 40)(rng);
    case 2: return std::uniform_int_distribution<std::int32_t>(-300000, 300000)(rng);
    case 3: return chance(rng, 0.5) ? INT32_MIN : INT32_MAX;
    default: return static_cast<std::int32_t>(rng());
  }
}

// Random initial memories (rows [0, kMemRows) of inp, wgt and acc), loaded into a functional model through DRAM and
// into an RTL bench (compute_bench's bd_* backdoor) row by row.
class ComputeMemories {
 public:
  ComputeMemories(std::mt19937& rng, const isa::ArchConfig& arch)
      : act_(kInpBytes + kWgtBytes + 2 * kAccBytes), machine_(arch) {
    for (std::size_t i = 0; i < kInpBytes + kWgtBytes; ++i) act_[i] = static_cast<std::uint8_t>(random_int8(rng));
    for (std::size_t i = 0; i < kMemRows * kCols; ++i) {
      const std::int32_t v = random_acc_word(rng);
      std::memcpy(&act_[kInpBytes + kWgtBytes + 4 * i], &v, 4);
    }
    load(spec::Mem::kInp, 0, kRows, spec::Dtype::kInt8, 1);
    load(spec::Mem::kWgt, kInpBytes, kCols, spec::Dtype::kInt8, 1);
    load(spec::Mem::kAcc, kInpBytes + kWgtBytes, kCols, spec::Dtype::kInt32, 4);
  }

  isa::Machine& machine() { return machine_; }
  isa::DramImage dram() { return {{}, act_}; }

  template <class Model>
  void write_backdoor(Model& rtl) const {
    for (std::uint32_t r = 0; r < kMemRows; ++r) {
      const auto* inp = reinterpret_cast<const std::int8_t*>(&act_[r * kRows]);
      const auto* wgt = reinterpret_cast<const std::int8_t*>(&act_[kInpBytes + r * kCols]);
      write(rtl, spec::Mem::kInp, r, pack_int8({inp, inp + kRows}));
      write(rtl, spec::Mem::kWgt, r, pack_int8({wgt, wgt + kCols}));
      std::vector<std::uint32_t> acc(kCols);
      std::memcpy(acc.data(), &act_[kInpBytes + kWgtBytes + r * kCols * 4], kCols * 4);
      write(rtl, spec::Mem::kAcc, r, acc);
    }
  }

  // The functional model's accumulator (stored to DRAM) against the RTL's, row by row.
  template <class Model>
  void check_acc(Model& rtl, const std::string& what) {
    spec::StoreFields st;
    st.region = spec::Region::kAct;
    st.dtype = spec::Dtype::kInt32;
    st.dram_offset = kInpBytes + kWgtBytes + kAccBytes;
    st.y_size = kMemRows;
    st.x_size = 1;
    st.lanes = kCols;
    st.y_stride = kCols * 4;
    REQUIRE(machine_.execute(spec::encode(st), dram()) == spec::ErrorCode::kOk);
    for (std::uint32_t r = 0; r < kMemRows; ++r) {
      rtl.bd_re_i = 1;
      rtl.bd_row_i = r;
      settle(rtl);
      tick(rtl);
      rtl.bd_re_i = 0;
      settle(rtl);
      std::vector<std::int32_t> expect(kCols);
      std::memcpy(expect.data(), &act_[st.dram_offset + r * kCols * 4], kCols * 4);
      INFO(what << " accumulator row " << r);
      CHECK(unpack_int32(read_words(rtl.bd_rdata_o, kCols)) == expect);
    }
  }

 private:
  static constexpr std::size_t kInpBytes = kMemRows * kRows, kWgtBytes = kMemRows * kCols,
                               kAccBytes = kMemRows * kCols * 4;

  void load(spec::Mem mem, std::uint64_t offset, std::uint32_t lanes, spec::Dtype dtype, std::uint32_t bytes) {
    spec::LoadFields f;
    f.mem = mem;
    f.region = spec::Region::kAct;
    f.dtype = dtype;
    f.dram_offset = offset;
    f.y_size = kMemRows;
    f.x_size = 1;
    f.lanes = lanes;
    f.y_stride = lanes * bytes;
    REQUIRE(machine_.execute(spec::encode(f), dram()) == spec::ErrorCode::kOk);
  }

  template <class Model>
  static void write(Model& rtl, spec::Mem mem, std::uint32_t row, std::vector<std::uint32_t> words) {
    words.resize(kCols, 0);
    rtl.bd_we_i = 1;
    rtl.bd_mem_i = static_cast<std::uint8_t>(mem);
    rtl.bd_row_i = row;
    write_words(rtl.bd_wdata_i, words);
    settle(rtl);
    tick(rtl);
    rtl.bd_we_i = 0;
  }

  std::vector<std::uint8_t> act_;
  isa::Machine machine_;
};

}  // namespace systole::cosim
