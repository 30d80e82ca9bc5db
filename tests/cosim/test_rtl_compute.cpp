// The compute unit's RTL (hw/rtl/compute_unit.sv under Verilator) against the functional model and the timing
// rules: random gemm and vec instructions, run back to back, leave the accumulator bit for bit as isa::Machine
// does, and each occupies the unit exactly sim::cost(...).occupancy() cycles (docs/timing.md).
#include <Vcompute_bench.h>

#include <cstring>

#include "rtl_bench.hpp"
#include "sim/cycle/timing.hpp"
#include "sim/isa/arch.hpp"
#include "sim/isa/insn.hpp"
#include "sim/isa/machine.hpp"

using namespace systole;
using namespace systole::cosim;

namespace {

// The bench's memories (compute_bench.sv parameters): 64 rows each, 2 accumulator banks, a 4x4 array (tiny).
constexpr int kRows = 4, kCols = 4, kMemRows = 64;

struct Walk {
  std::uint32_t base, outer, inner, so, si;
};

// A random 2-D walk inside [0, limit) rows; extents 0 now and then, strides 0 often (accumulating, latching).
Walk random_walk(std::mt19937& rng, std::uint32_t limit, std::uint32_t outer, std::uint32_t inner) {
  for (;;) {
    Walk w{0, outer, inner, std::uniform_int_distribution<std::uint32_t>(0, 3)(rng),
           std::uniform_int_distribution<std::uint32_t>(0, 3)(rng)};
    const std::uint32_t span = (outer ? outer - 1 : 0) * w.so + (inner ? inner - 1 : 0) * w.si;
    if (span >= limit) continue;
    w.base = std::uniform_int_distribution<std::uint32_t>(0, limit - 1 - span)(rng);
    return w;
  }
}

spec::Insn random_insn(std::mt19937& rng) {
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
  f.op = static_cast<spec::VecOp>(std::uniform_int_distribution<int>(0, 5)(rng));
  const Walk dst = random_walk(rng, kMemRows, outer, inner);
  // Requant reads three parameter rows from src.
  const Walk src = random_walk(rng, f.op == spec::VecOp::kRequant ? kMemRows - 2 : kMemRows, outer, inner);
  f.outer = outer;
  f.inner = inner;
  f.dst_addr = dst.base;
  f.dst_stride_outer = dst.so;
  f.dst_stride_inner = dst.si;
  f.src_addr = src.base;
  f.src_stride_outer = src.so;
  f.src_stride_inner = src.si;
  std::int32_t a = static_cast<std::int32_t>(rng()), b = static_cast<std::int32_t>(rng());
  if (f.op == spec::VecOp::kRequant || f.op == spec::VecOp::kClip) {
    if (chance(rng, 0.5)) a = -128, b = 127;
    if (a > b) std::swap(a, b);
  }
  f.imm_a = a;
  f.imm_b = b;
  return spec::encode(f);
}

std::vector<std::uint32_t> insn_words(const spec::Insn& insn) {
  std::vector<std::uint32_t> w;
  for (std::uint64_t d : insn) {
    w.push_back(static_cast<std::uint32_t>(d));
    w.push_back(static_cast<std::uint32_t>(d >> 32));
  }
  return w;
}

// Requant parameters worth testing: multipliers in [2^30, 2^31) and shifts around [-31, 31] in some rows, raw
// random words elsewhere (the RTL must match the functional model on every register value).
std::int32_t random_acc_word(std::mt19937& rng) {
  switch (std::uniform_int_distribution<int>(0, 5)(rng)) {
    case 0: return std::uniform_int_distribution<std::int32_t>(1 << 30, INT32_MAX)(rng);
    case 1: return std::uniform_int_distribution<std::int32_t>(-40, 40)(rng);
    case 2: return std::uniform_int_distribution<std::int32_t>(-300000, 300000)(rng);
    case 3: return chance(rng, 0.5) ? INT32_MIN : INT32_MAX;
    default: return static_cast<std::int32_t>(rng());
  }
}

}  // namespace

TEST_CASE("compute unit RTL: random gemm and vec programs match the functional model and the timing rules", "[cosim]") {
  std::mt19937 rng(bench_seed("compute unit"));
  isa::ArchConfig arch = isa::load_arch_config("tiny");
  REQUIRE(arch.rows() == kRows);
  REQUIRE(arch.cols() == kCols);
  REQUIRE(arch.params.memory_banks == 2);
  sim::DramModel no_dram(sim::dram_params(arch));  // gemm and vec never touch DRAM

  constexpr int kPrograms = 60, kInsns = 12;
  int instructions = 0, conflicts = 0;
  for (int prog = 0; prog < kPrograms; ++prog) {
    // The same random memories in the functional model (loaded from DRAM) and the RTL (through the backdoor).
    const std::size_t inp_bytes = kMemRows * kRows, wgt_bytes = kMemRows * kCols, acc_bytes = kMemRows * kCols * 4;
    std::vector<std::uint8_t> act(inp_bytes + wgt_bytes + 2 * acc_bytes);
    for (std::size_t i = 0; i < inp_bytes + wgt_bytes; ++i) act[i] = static_cast<std::uint8_t>(random_int8(rng));
    for (std::size_t i = 0; i < kMemRows * kCols; ++i) {
      const std::int32_t v = random_acc_word(rng);
      std::memcpy(&act[inp_bytes + wgt_bytes + 4 * i], &v, 4);
    }
    isa::Machine machine(arch);
    const isa::DramImage dram{{}, act};
    auto load = [&](spec::Mem mem, std::uint64_t offset, std::uint32_t lanes, spec::Dtype dtype, std::uint32_t bytes) {
      spec::LoadFields f;
      f.mem = mem;
      f.region = spec::Region::kAct;
      f.dtype = dtype;
      f.dram_offset = offset;
      f.y_size = kMemRows;
      f.x_size = 1;
      f.lanes = lanes;
      f.y_stride = lanes * bytes;
      REQUIRE(machine.execute(spec::encode(f), dram) == spec::ErrorCode::kOk);
    };
    load(spec::Mem::kInp, 0, kRows, spec::Dtype::kInt8, 1);
    load(spec::Mem::kWgt, inp_bytes, kCols, spec::Dtype::kInt8, 1);
    load(spec::Mem::kAcc, inp_bytes + wgt_bytes, kCols, spec::Dtype::kInt32, 4);

    Vcompute_bench rtl;
    rtl.insn_valid_i = 0;
    rtl.bd_we_i = 0;
    rtl.bd_re_i = 0;
    reset(rtl);
    auto backdoor_write = [&](spec::Mem mem, std::uint32_t row, std::vector<std::uint32_t> words) {
      words.resize(kCols, 0);
      rtl.bd_we_i = 1;
      rtl.bd_mem_i = static_cast<std::uint8_t>(mem);
      rtl.bd_row_i = row;
      write_words(rtl.bd_wdata_i, words);
      settle(rtl);
      tick(rtl);
      rtl.bd_we_i = 0;
    };
    for (std::uint32_t r = 0; r < kMemRows; ++r) {
      std::vector<std::int8_t> in(act.begin() + r * kRows, act.begin() + (r + 1) * kRows);
      std::vector<std::int8_t> w(act.begin() + inp_bytes + r * kCols, act.begin() + inp_bytes + (r + 1) * kCols);
      backdoor_write(spec::Mem::kInp, r, pack_int8(in));
      backdoor_write(spec::Mem::kWgt, r, pack_int8(w));
      std::vector<std::uint32_t> a(kCols);
      std::memcpy(a.data(), &act[inp_bytes + wgt_bytes + r * kCols * 4], kCols * 4);
      backdoor_write(spec::Mem::kAcc, r, a);
    }

    // The program, back to back: each instruction offered from the cycle the previous one is done.
    std::vector<spec::Insn> program;
    for (int i = 0; i < kInsns; ++i) program.push_back(random_insn(rng));
    std::size_t next = 0;
    std::uint64_t cycle = 0, taken_at = 0;
    bool running = false;
    while (next < program.size() || running) {
      rtl.insn_valid_i = next < program.size();
      if (next < program.size()) write_words(rtl.insn_i, insn_words(program[next]));
      settle(rtl);
      if (rtl.insn_valid_i && rtl.insn_ready_o) {
        INFO("instruction " << next << " must be taken when offered to an idle unit");
        CHECK((!running));
        taken_at = cycle;
        running = true;
        ++next;
      }
      if (running && rtl.done_o) {
        const spec::Insn& insn = program[next - 1];
        const sim::InsnCost cost = sim::cost(insn, arch, 0, no_dram);
        INFO("program " << prog << " instruction " << next - 1 << ": " << isa::disassemble(insn));
        CHECK(cycle - taken_at + 1 == cost.occupancy());
        conflicts += cost.bank_stall > 0;
        REQUIRE(machine.execute(insn, dram) == spec::ErrorCode::kOk);
        ++instructions;
        running = false;
      }
      tick(rtl);
      ++cycle;
      REQUIRE(cycle < 100000);
    }
    rtl.insn_valid_i = 0;

    // The accumulator, row by row: the functional model's store against the RTL's backdoor read.
    spec::StoreFields st;
    st.region = spec::Region::kAct;
    st.dtype = spec::Dtype::kInt32;
    st.dram_offset = inp_bytes + wgt_bytes + acc_bytes;
    st.y_size = kMemRows;
    st.x_size = 1;
    st.lanes = kCols;
    st.y_stride = kCols * 4;
    REQUIRE(machine.execute(spec::encode(st), dram) == spec::ErrorCode::kOk);
    for (std::uint32_t r = 0; r < kMemRows; ++r) {
      rtl.bd_re_i = 1;
      rtl.bd_row_i = r;
      settle(rtl);
      tick(rtl);
      rtl.bd_re_i = 0;
      settle(rtl);
      std::vector<std::int32_t> expect(kCols);
      std::memcpy(expect.data(), &act[st.dram_offset + r * kCols * 4], kCols * 4);
      INFO("program " << prog << " accumulator row " << r);
      CHECK(unpack_int32(read_words(rtl.bd_rdata_o, kCols)) == expect);
    }
  }
  std::cout << "compute unit: " << instructions << " instructions, " << conflicts << " with bank conflicts\n";
  CHECK(conflicts > 0);  // the random programs exercise the conflict path
}
