// The store DMA's RTL (hw/rtl/dma_store.sv under Verilator, its AXI write port served by the shared DRAM model)
// against the functional model and the timing rules: random stores (every dtype, lanes, clamp, requant parameters,
// strides, alignments and 4 KiB crossings) leave DRAM byte for byte as isa::Machine does, and each takes exactly
// sim::cost(...).occupancy() cycles.
#include <Vdma_store.h>

#include "compute_programs.hpp"
#include "hw/verif/axi_dram.hpp"
#include "sim/cycle/timing.hpp"
#include "sim/isa/insn.hpp"
#include "systole/arch.hpp"

using namespace systole;
using namespace systole::cosim;
using systole::verif::AxiReadPort;
using systole::verif::AxiWritePort;

namespace {

// The DRAM image: the act region at 4 KiB (stores go there), the const region at 16 KiB (the accumulator's
// initial rows come from it).
constexpr std::uint64_t kActBase = 4096, kActSize = 8192, kConstBase = 16384, kConstSize = 4096;

spec::StoreFields random_store(std::mt19937& rng) {
  const auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (;;) {
    spec::StoreFields f;
    f.region = spec::Region::kAct;
    f.dtype = static_cast<spec::Dtype>(pick(0, 2));
    f.lanes = static_cast<std::uint32_t>(pick(1, kCols));
    f.y_size = static_cast<std::uint32_t>(chance(rng, 0.05) ? 0 : pick(1, 4));
    f.x_size = static_cast<std::uint32_t>(chance(rng, 0.05) ? 0 : pick(1, 5));
    f.requant = chance(rng, 0.5);
    f.param_addr = static_cast<std::uint32_t>(pick(0, kMemRows - spec::kRequantParamRows));
    f.clamp_min = pick(-300, 300);
    f.clamp_max = pick(-300, 300);
    if (f.clamp_min > f.clamp_max) std::swap(f.clamp_min, f.clamp_max);
    const std::uint32_t elem = f.lanes * (f.dtype == spec::Dtype::kInt32 ? 4 : 1);
    f.x_stride = static_cast<std::uint32_t>(chance(rng, 0.5) ? elem : pick(1, 3 * static_cast<int>(elem)));
    f.y_stride = static_cast<std::uint32_t>(chance(rng, 0.5) ? f.x_stride * f.x_size + pick(0, 40) : pick(0, 700));
    const std::uint64_t rows = std::uint64_t{f.y_size} * f.x_size;
    if (rows > kMemRows) continue;
    f.sram_addr = std::uniform_int_distribution<std::uint32_t>(0, kMemRows - static_cast<std::uint32_t>(rows))(rng);
    const std::uint64_t span =
        rows ? (f.y_size - 1) * std::uint64_t{f.y_stride} + (f.x_size - 1) * std::uint64_t{f.x_stride} + elem : 0;
    if (span > kActSize) continue;
    f.dram_offset = chance(rng, 0.3) ? 4096 - std::uniform_int_distribution<std::uint64_t>(0, 24)(rng)
                                     : std::uniform_int_distribution<std::uint64_t>(0, kActSize - span)(rng);
    if (f.dram_offset + span > kActSize) continue;
    return f;
  }
}

}  // namespace

TEST_CASE("store DMA RTL: random stores match the functional model and the timing rules", "[cosim]") {
  std::mt19937 rng(bench_seed("store DMA"));
  const isa::ArchConfig arch = isa::load_arch_config("tiny");
  REQUIRE(arch.cols() == kCols);
  std::vector<std::uint8_t> image(kConstBase + kConstSize);
  for (auto& b : image) b = static_cast<std::uint8_t>(rng());
  // Accumulator rows worth requantizing with (fp32 scales and zero points among them).
  std::vector<std::int32_t> acc(kMemRows * kCols);
  for (auto& v : acc) v = random_acc_word(rng);
  std::memcpy(image.data() + kConstBase, acc.data(), acc.size() * 4);
  std::vector<std::uint8_t> act(image.begin() + kActBase, image.begin() + kActBase + kActSize);
  const std::vector<std::uint8_t> consts(image.begin() + kConstBase, image.end());
  isa::Machine machine(arch);
  spec::LoadFields init;
  init.mem = spec::Mem::kAcc;
  init.region = spec::Region::kConst;
  init.dtype = spec::Dtype::kInt32;
  init.y_size = kMemRows;
  init.x_size = 1;
  init.lanes = kCols;
  init.y_stride = kCols * 4;
  REQUIRE(machine.execute(spec::encode(init), {consts, act}) == spec::ErrorCode::kOk);

  sim::DramModel rtl_timing(sim::dram_params(arch)), rule_timing(sim::dram_params(arch));
  AxiWritePort port(rtl_timing, image);
  VerilatedContext context;  // each model its own: a deleted default context would dangle
  Vdma_store rtl(&context);
  rtl.start_i = 0;
  rtl.aw_ready_i = 0;
  rtl.w_ready_i = 0;
  rtl.b_valid_i = 0;
  rtl.act_addr_i = kActBase;
  rtl.act_size_i = kActSize;
  reset(rtl);

  constexpr int kStores = 400;
  std::uint64_t cycle = 0, requantized = 0, crossing = 0;
  std::int64_t read_row = -1;  // the accumulator row read last cycle
  for (int i = 0; i < kStores; ++i) {
    const spec::StoreFields f = random_store(rng);
    const spec::Insn insn = spec::encode(f);
    INFO("store " << i << ": " << isa::disassemble(insn));
    REQUIRE(machine.execute(insn, {consts, act}) == spec::ErrorCode::kOk);
    const std::uint64_t expect = sim::cost(insn, arch, cycle, rule_timing).occupancy();
    requantized += f.requant;
    crossing += (f.dram_offset + kActBase) % 4096 > 4070;

    const std::uint64_t start = cycle;
    for (bool first = true;; first = false, ++cycle) {
      REQUIRE(cycle - start < 10000);
      rtl.start_i = first;
      if (first) write_words(rtl.insn_i, insn_words(insn));
      if (read_row >= 0) {
        std::vector<std::uint32_t> row(kCols);
        std::memcpy(row.data(), acc.data() + read_row * kCols, kCols * 4);
        write_words(rtl.acc_rd_data_i, row);
      }
      rtl.w_ready_i = port.ready(cycle);
      settle(rtl);
      rtl.aw_ready_i = port.address(cycle, rtl.aw_valid_o, rtl.aw_addr_o, rtl.aw_len_o);
      settle(rtl);
      CHECK(rtl.error_code_o == 0);
      port.take(cycle, rtl.w_valid_o, read_words(rtl.w_data_o, 4), rtl.w_strb_o, rtl.w_last_o);
      read_row = rtl.acc_rd_en_o ? static_cast<std::int64_t>(rtl.acc_rd_row_o) : -1;
      REQUIRE(read_row < static_cast<std::int64_t>(kMemRows));
      const bool done = rtl.done_o;
      tick(rtl);
      if (done) break;
    }
    ++cycle;
    CHECK(cycle - start == expect);
    CHECK(port.idle());
  }
  // DRAM as the functional model leaves it.
  CHECK(std::equal(act.begin(), act.end(), image.begin() + kActBase));
  std::cout << "store DMA: " << kStores << " stores, " << requantized << " requantized, " << crossing
            << " near a 4 KiB boundary, " << cycle << " cycles\n";
}

TEST_CASE("store DMA RTL: a store to the const region or outside the act region raises its error", "[cosim]") {
  VerilatedContext context;  // each model its own: a deleted default context would dangle
  Vdma_store rtl(&context);
  rtl.aw_ready_i = 0;
  rtl.w_ready_i = 0;
  rtl.b_valid_i = 0;
  rtl.act_addr_i = kActBase;
  rtl.act_size_i = kActSize;
  reset(rtl);
  spec::StoreFields f;
  f.region = spec::Region::kAct;
  f.y_size = 2;
  f.x_size = 1;
  f.lanes = 4;
  f.y_stride = 4;
  const auto check = [&](std::uint32_t code) {
    rtl.start_i = 1;
    write_words(rtl.insn_i, insn_words(spec::encode(f)));
    settle(rtl);
    CHECK(rtl.error_code_o == code);
    CHECK(rtl.done_o == (code != 0));
    CHECK(!rtl.aw_valid_o);
    if (code != 0) CHECK(!rtl.acc_rd_en_o);
    tick(rtl);
    rtl.start_i = 0;
  };
  f.dram_offset = kActSize - 7;
  check(static_cast<std::uint32_t>(spec::ErrorCode::kDmaOutOfBounds));
  f.region = spec::Region::kConst;
  f.dram_offset = 0;
  check(static_cast<std::uint32_t>(spec::ErrorCode::kStoreToConst));
  f.region = spec::Region::kAct;
  f.dram_offset = kActSize - 8;
  check(0);
}
