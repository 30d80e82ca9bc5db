// The load DMA's RTL (hw/rtl/dma_load.sv under Verilator, its AXI read port served by the shared DRAM model) against
// the functional model and the timing rules: random loads (every dtype, lanes, strides, paddings, alignments and
// 4 KiB crossings) write the rows isa::Machine writes, and each takes exactly sim::cost(...).occupancy() cycles.
#include <Vdma_load_acc.h>
#include <Vdma_load_row8.h>

#include <map>

#include "hw/verif/axi_dram.hpp"
#include "rtl_bench.hpp"
#include "sim/cycle/timing.hpp"
#include "sim/isa/insn.hpp"
#include "sim/isa/machine.hpp"
#include "systole/arch.hpp"

using namespace systole;
using namespace systole::cosim;
using systole::verif::AxiReadPort;
using systole::verif::AxiWritePort;

namespace {

// The DRAM image: the act region at 4 KiB, the const region at 16 KiB (bases 4 KiB aligned, as the runtime's).
constexpr std::uint64_t kActBase = 4096, kActSize = 8192, kConstBase = 16384, kConstSize = 4096;
constexpr std::uint32_t kMemRows = 64;  // rows the bench keeps per memory

// A random in-bounds load into `mem` whose rows stay below kMemRows.
spec::LoadFields random_load(std::mt19937& rng, spec::Mem mem, int lanes_max) {
  const auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (;;) {
    spec::LoadFields f;
    f.mem = mem;
    f.region = chance(rng, 0.3) ? spec::Region::kConst : spec::Region::kAct;
    f.dtype = mem == spec::Mem::kAcc && chance(rng, 0.5)
                  ? spec::Dtype::kInt32
                  : (chance(rng, 0.5) ? spec::Dtype::kUint8 : spec::Dtype::kInt8);
    f.lanes = static_cast<std::uint32_t>(pick(1, lanes_max));
    f.y_size = static_cast<std::uint32_t>(chance(rng, 0.05) ? 0 : pick(1, 4));
    f.x_size = static_cast<std::uint32_t>(chance(rng, 0.05) ? 0 : pick(1, 5));
    if (chance(rng, 0.5)) {
      f.pad_top = static_cast<std::uint32_t>(pick(0, 2));
      f.pad_bottom = static_cast<std::uint32_t>(pick(0, 2));
      f.pad_left = static_cast<std::uint32_t>(pick(0, 2));
      f.pad_right = static_cast<std::uint32_t>(pick(0, 2));
    }
    f.pad_value = pick(-128, 127);
    const std::uint32_t elem = f.lanes * (f.dtype == spec::Dtype::kInt32 ? 4 : 1);
    f.x_stride = static_cast<std::uint32_t>(chance(rng, 0.5) ? elem : pick(0, 3 * static_cast<int>(elem)));
    f.y_stride = static_cast<std::uint32_t>(chance(rng, 0.5) ? f.x_stride * f.x_size + pick(0, 40) : pick(0, 700));
    const std::uint64_t size = f.region == spec::Region::kConst ? kConstSize : kActSize;
    const std::uint64_t span = (f.y_size && f.x_size) ? (f.y_size - 1) * std::uint64_t{f.y_stride} +
                                                            (f.x_size - 1) * std::uint64_t{f.x_stride} + elem
                                                      : 0;
    if (span > size) continue;
    // Offsets near 4 KiB boundaries now and then, so elements cross them.
    f.dram_offset = chance(rng, 0.3) && size > 4096 ? 4096 - std::uniform_int_distribution<std::uint64_t>(0, 24)(rng)
                                                    : std::uniform_int_distribution<std::uint64_t>(0, size - span)(rng);
    if (f.dram_offset + span > size) continue;
    const std::uint32_t rows = (f.pad_top + f.y_size + f.pad_bottom) * (f.pad_left + f.x_size + f.pad_right);
    if (rows > kMemRows) continue;
    f.sram_addr = std::uniform_int_distribution<std::uint32_t>(0, kMemRows - rows)(rng);
    return f;
  }
}

// Runs `count` random loads into `mems` back to back on the RTL model and the functional model; checks every
// instruction's cycles against the timing rules and the rows at the end.
template <class Model>
void run_loads(const char* bench, std::vector<spec::Mem> mems, int lanes_max, int out_bytes, int count) {
  std::mt19937 rng(bench_seed(bench));
  const isa::ArchConfig arch = isa::load_arch_config("tiny");
  std::vector<std::uint8_t> image(kConstBase + kConstSize);
  for (auto& b : image) b = static_cast<std::uint8_t>(rng());
  std::vector<std::uint8_t> act(image.begin() + kActBase, image.begin() + kActBase + kActSize);
  const std::vector<std::uint8_t> consts(image.begin() + kConstBase, image.end());
  isa::Machine machine(arch);
  sim::DramModel rtl_timing(sim::dram_params(arch)), rule_timing(sim::dram_params(arch));
  AxiReadPort port(rtl_timing, image);

  VerilatedContext context;  // each model its own: a deleted default context would dangle
  Model rtl(&context);
  rtl.start_i = 0;
  rtl.ar_ready_i = 0;
  rtl.r_valid_i = 0;
  rtl.const_addr_i = kConstBase;
  rtl.const_size_i = kConstSize;
  rtl.act_addr_i = kActBase;
  rtl.act_size_i = kActSize;
  reset(rtl);
  // The rows the RTL writes, per memory (written before: zero, as in the functional model).
  std::map<spec::Mem, std::vector<std::vector<std::uint32_t>>> rows;
  for (spec::Mem m : mems) rows[m].assign(kMemRows, std::vector<std::uint32_t>((out_bytes + 3) / 4, 0));

  std::uint64_t cycle = 0, with_padding = 0, crossing = 0;
  std::vector<std::uint32_t> beat;
  for (int i = 0; i < count; ++i) {
    const spec::Mem mem = mems[static_cast<std::size_t>(i) % mems.size()];
    const spec::LoadFields f = random_load(rng, mem, lanes_max);
    const spec::Insn insn = spec::encode(f);
    INFO(bench << " instruction " << i << ": " << isa::disassemble(insn));
    REQUIRE(machine.execute(insn, {consts, act}) == spec::ErrorCode::kOk);
    const std::uint64_t expect = sim::cost(insn, arch, cycle, rule_timing).occupancy();
    with_padding += f.pad_top + f.pad_bottom + f.pad_left + f.pad_right > 0;
    crossing += (f.dram_offset + kActBase) % 4096 > 4000;

    const std::uint64_t start = cycle;
    for (bool first = true;; first = false, ++cycle) {
      REQUIRE(cycle - start < 10000);
      rtl.start_i = first;
      if (first) write_words(rtl.insn_i, insn_words(insn));
      bool last = false;
      rtl.r_valid_i = port.data(cycle, beat, last);
      if (rtl.r_valid_i) {
        write_words(rtl.r_data_i, beat);
        rtl.r_last_i = last;
      }
      settle(rtl);
      rtl.ar_ready_i = port.address(cycle, rtl.ar_valid_o, rtl.ar_addr_o, rtl.ar_len_o);
      settle(rtl);
      CHECK(!rtl.error_o);
      if (rtl.wr_en_o) {
        REQUIRE(rtl.wr_row_o < kMemRows);
        rows[mem][rtl.wr_row_o] = read_words(rtl.wr_data_o, (out_bytes + 3) / 4);
      }
      const bool done = rtl.done_o;
      tick(rtl);
      if (done) break;
    }
    ++cycle;
    CHECK(cycle - start == expect);
    CHECK(port.idle());
  }
  // Every row as the functional model has it.
  for (spec::Mem m : mems) {
    for (std::uint32_t r = 0; r < kMemRows; ++r) {
      std::vector<std::uint32_t> expect((out_bytes + 3) / 4, 0);
      // A row is out_bytes long in either memory (4 int32 lanes, or 4 int8 lanes).
      const void* src = m == spec::Mem::kAcc   ? static_cast<const void*>(machine.acc().data() + r * 4)
                        : m == spec::Mem::kInp ? static_cast<const void*>(machine.inp().data() + r * 4)
                                               : static_cast<const void*>(machine.wgt().data() + r * 4);
      std::memcpy(expect.data(), src, static_cast<std::size_t>(out_bytes));
      INFO(bench << " memory " << static_cast<int>(m) << " row " << r);
      CHECK(rows[m][r] == expect);
    }
  }
  std::cout << bench << ": " << count << " loads, " << with_padding << " padded, " << crossing
            << " near a 4 KiB boundary, " << cycle << " cycles\n";
  CHECK(with_padding > 0);
}

}  // namespace

TEST_CASE("load DMA RTL: random loads into int8 rows match the functional model and the timing rules", "[cosim]") {
  run_loads<Vdma_load_row8>("load DMA, int8 rows", {spec::Mem::kInp, spec::Mem::kWgt}, 4, 4, 400);
}

TEST_CASE("load DMA RTL: random loads into int32 accumulator rows match the functional model and the timing rules",
          "[cosim]") {
  run_loads<Vdma_load_acc>("load DMA, int32 rows", {spec::Mem::kAcc}, 4, 16, 400);
}

TEST_CASE("load DMA RTL: a walk outside its region raises the error and moves nothing", "[cosim]") {
  VerilatedContext context;  // each model its own: a deleted default context would dangle
  Vdma_load_row8 rtl(&context);
  rtl.ar_ready_i = 0;
  rtl.r_valid_i = 0;
  rtl.const_addr_i = kConstBase;
  rtl.const_size_i = kConstSize;
  rtl.act_addr_i = kActBase;
  rtl.act_size_i = kActSize;
  reset(rtl);
  spec::LoadFields f;
  f.mem = spec::Mem::kInp;
  f.region = spec::Region::kConst;
  f.y_size = 2;
  f.x_size = 1;
  f.lanes = 4;
  f.y_stride = 4;
  for (const std::uint64_t offset : {kConstSize - 7, kConstSize + 1, ~std::uint64_t{0} - 2}) {
    f.dram_offset = offset;  // the last byte would be at size + 1 (and beyond, and past 2^64)
    rtl.start_i = 1;
    write_words(rtl.insn_i, insn_words(spec::encode(f)));
    settle(rtl);
    INFO("offset " << offset);
    CHECK(rtl.error_o);
    CHECK(rtl.done_o);
    CHECK(!rtl.ar_valid_o);
    CHECK(!rtl.wr_en_o);
    tick(rtl);
    rtl.start_i = 0;
    settle(rtl);
    CHECK(!rtl.ar_valid_o);
    CHECK(!rtl.wr_en_o);
  }
  f.dram_offset = kConstSize - 8;  // exactly the last 8 bytes: in bounds
  rtl.start_i = 1;
  write_words(rtl.insn_i, insn_words(spec::encode(f)));
  settle(rtl);
  CHECK(!rtl.error_o);
  CHECK(rtl.ar_valid_o);
}
