// hw/rtl/control_slave.sv under Verilator (control_bench.hpp): the AXI4-Lite handshakes (AW and W in either order,
// back-pressure on B and R, a second request while a response waits) and random register traffic, with random
// orders, delays and back-pressure, against a reference model of the register file and the ap_ctrl_hs block.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <vector>

#include "cosim/control_bench.hpp"

namespace {

using namespace systole::cosim;
namespace reg = systole::spec::reg;
using systole::spec::kRegs;

// The register file as the host sees it, with the core contract the random bench keeps (ready_i only during a run).
struct RegModel {
  std::map<std::uint32_t, std::uint32_t> args;  // argument words by byte address
  bool ap_start = false, ap_done = false, ap_ready = false, auto_restart = false, gie = false;
  std::uint32_t ier = 0, isr = 0;
  int starts = 0;  // start_o pulses expected so far

  RegModel() {
    for (const auto& r : kRegs)
      if (r.arg != systole::spec::ArgKind::kNone)
        for (std::uint32_t w = 0; w < r.width / 32; ++w) args[r.offset + 4 * w] = 0;
  }
  void write(std::uint32_t addr, std::uint32_t data, std::uint32_t strb) {
    const std::uint32_t word = addr & ~3u;
    if (args.count(word)) args[word] = merge(args[word], data, strb);
    if (!(strb & 1)) return;
    if (word == reg::kCtrl) {
      if ((data & reg::kCtrlApStart) && !ap_start) {
        ap_start = true;
        ++starts;
      }
      auto_restart = data & reg::kCtrlAutoRestart;
    }
    if (word == reg::kGie) gie = data & 1;
    if (word == reg::kIer) ier = data & 3;
    if (word == reg::kIsr) isr ^= data & 3;
  }
  std::uint32_t read(std::uint32_t addr, const Vcontrol_slave& m) {
    const std::uint32_t word = addr & ~3u;
    if (args.count(word)) return args[word];
    if (word == reg::kCtrl) {
      const std::uint32_t v = (ap_start ? reg::kCtrlApStart : 0) | (ap_done ? reg::kCtrlApDone : 0) |
                              (m.idle_i ? reg::kCtrlApIdle : 0) | (ap_ready ? reg::kCtrlApReady : 0) |
                              (auto_restart ? reg::kCtrlAutoRestart : 0);
      ap_done = ap_ready = false;
      return v;
    }
    if (word == reg::kGie) return gie;
    if (word == reg::kIer) return ier;
    if (word == reg::kIsr) return isr;
    if (word == reg::kStatus) return m.status_i;
    if (word == reg::kErrorPc) return m.error_pc_i;
    if (word == reg::kFingerprint) return static_cast<std::uint32_t>(kFingerprint);
    if (word == reg::kFingerprint + 4) return static_cast<std::uint32_t>(kFingerprint >> 32);
    if (word == reg::kCycles) return static_cast<std::uint32_t>(m.cycles_i);
    if (word == reg::kCycles + 4) return static_cast<std::uint32_t>(m.cycles_i >> 32);
    return 0;
  }
  void core_events(bool ready, bool done) {
    if (ready) {
      ap_start = auto_restart;
      starts += auto_restart;
      ap_ready = true;
      if (ier & 2) isr |= 2;
    }
    if (done) {
      ap_done = true;
      if (ier & 1) isr |= 1;
    }
  }
};

}  // namespace

TEST_CASE("control_slave: AW and W in either order, together or apart", "[cosim]") {
  ControlBench b;
  std::uint32_t value = 1;
  for (int aw_delay = 0; aw_delay <= 4; ++aw_delay) {
    for (int w_delay = 0; w_delay <= 4; ++w_delay) {
      INFO("aw_delay " << aw_delay << " w_delay " << w_delay);
      value = value * 0x9E3779B9u + 7;
      const AxiResult r = b.bus.run(AxiWrite{reg::kConstAddr + 4, value, 0xF, aw_delay, w_delay}, std::nullopt);
      CHECK(r.bresp == 0);
      CHECK(r.cycles == std::max(aw_delay, w_delay) + 3);  // both taken, written, B taken
      CHECK(b.bus.read32(reg::kConstAddr + 4) == value);
      CHECK(b.m.const_addr_o >> 32 == value);
    }
  }

  // An address alone is accepted and held; nothing is written until its data comes (and the other way round).
  auto& m = b.m;
  for (const bool address_first : {true, false}) {
    INFO((address_first ? "AW first" : "W first"));
    const std::uint32_t before = m.insn_count_o;
    m.s_axi_control_awaddr = reg::kInsnCount;
    m.s_axi_control_wdata = before + 1;
    m.s_axi_control_wstrb = 0xF;
    (address_first ? m.s_axi_control_awvalid : m.s_axi_control_wvalid) = 1;
    settle(m);
    CHECK((m.s_axi_control_awready && m.s_axi_control_wready));
    b.end_cycle();
    m.s_axi_control_awvalid = 0;
    m.s_axi_control_wvalid = 0;
    m.s_axi_control_bready = 1;
    for (int i = 0; i < 10; ++i) {
      settle(m);
      CHECK(m.s_axi_control_awready == !address_first);  // the held half blocks only its own channel
      CHECK(m.s_axi_control_wready == address_first);
      CHECK(m.s_axi_control_bvalid == 0);
      CHECK(m.insn_count_o == before);
      b.end_cycle();
    }
    (address_first ? m.s_axi_control_wvalid : m.s_axi_control_awvalid) = 1;
    b.end_cycle();  // the other half is taken
    m.s_axi_control_awvalid = 0;
    m.s_axi_control_wvalid = 0;
    settle(m);
    CHECK(m.s_axi_control_bvalid == 0);  // written in this cycle
    b.end_cycle();
    settle(m);
    CHECK(m.s_axi_control_bvalid == 1);
    CHECK(m.insn_count_o == before + 1);
    b.end_cycle();  // B taken
    settle(m);
    CHECK(m.s_axi_control_bvalid == 0);
    m.s_axi_control_bready = 0;
  }
}

TEST_CASE("control_slave: a response waits, unchanged, while bready or rready is low", "[cosim]") {
  ControlBench b;
  for (int delay : {1, 2, 7}) {
    INFO("delay " << delay);
    const AxiResult w = b.bus.run(AxiWrite{reg::kActSize, 0xCAFE0000u + delay, 0xF, 0, 0, delay}, std::nullopt);
    CHECK(w.cycles == 2 + delay + 1);  // accepted, written, B waits `delay` cycles, taken
    const AxiResult r = b.bus.run(std::nullopt, AxiRead{reg::kActSize, 0, delay});
    CHECK(r.cycles == 1 + delay + 1);  // accepted, R waits `delay` cycles, taken
    CHECK(r.rdata == 0xCAFE0000u + delay);
  }

  // While R waits, the register it read is written (gie): R keeps the value of the cycle it was read in (the master
  // fails on any change of rdata while R waits) and takes no new read address.
  auto& m = b.m;
  m.s_axi_control_arvalid = 1;
  m.s_axi_control_araddr = reg::kGie;
  b.end_cycle();  // AR taken
  m.s_axi_control_arvalid = 0;
  m.s_axi_control_awvalid = 1;
  m.s_axi_control_wvalid = 1;
  m.s_axi_control_awaddr = reg::kGie;
  m.s_axi_control_wdata = 1;
  m.s_axi_control_wstrb = 0xF;
  m.s_axi_control_bready = 1;
  b.end_cycle();  // AW and W taken
  m.s_axi_control_awvalid = 0;
  m.s_axi_control_wvalid = 0;
  b.idle(2);  // gie written, B taken
  m.s_axi_control_bready = 0;
  m.s_axi_control_arvalid = 1;  // a second read (ier), offered while the first R waits
  m.s_axi_control_araddr = reg::kIer;
  for (int i = 0; i < 5; ++i) {
    settle(m);
    CHECK(m.s_axi_control_rvalid == 1);
    CHECK(m.s_axi_control_rdata == 0);  // gie as read, before the write
    CHECK(m.s_axi_control_arready == 0);
    b.end_cycle();
  }
  CHECK(m.interrupt_o == 0);
  m.s_axi_control_rready = 1;
  b.end_cycle();  // first R taken; the second address is accepted the next cycle
  settle(m);
  CHECK(m.s_axi_control_rvalid == 0);
  CHECK(m.s_axi_control_arready == 1);
  b.end_cycle();
  m.s_axi_control_arvalid = 0;
  settle(m);
  CHECK(m.s_axi_control_rvalid == 1);
  CHECK(m.s_axi_control_rdata == 0);  // ier
  b.end_cycle();
  m.s_axi_control_rready = 0;
  CHECK(b.bus.read32(reg::kGie) == 1);

  // A write whose B waits: a second write's AW and W are taken, but it is performed and answered only once the first
  // B is taken (in the cycle the first B is taken, the second write is performed; its B follows at once).
  const std::uint64_t before = m.act_size_o;
  m.s_axi_control_awvalid = 1;
  m.s_axi_control_wvalid = 1;
  m.s_axi_control_awaddr = reg::kActSize + 4;
  m.s_axi_control_wdata = 0x1111;
  b.end_cycle();  // AW and W taken
  m.s_axi_control_awvalid = 0;
  m.s_axi_control_wvalid = 0;
  b.end_cycle();  // the first write is performed
  settle(m);
  CHECK(m.s_axi_control_bvalid == 1);
  CHECK(m.act_size_o >> 32 == 0x1111);
  m.s_axi_control_awvalid = 1;  // the second write
  m.s_axi_control_wvalid = 1;
  m.s_axi_control_awaddr = reg::kActSize;
  m.s_axi_control_wdata = 0x2222;
  settle(m);
  CHECK((m.s_axi_control_awready && m.s_axi_control_wready));
  b.end_cycle();  // taken
  m.s_axi_control_awvalid = 0;
  m.s_axi_control_wvalid = 0;
  for (int i = 0; i < 6; ++i) {
    settle(m);
    CHECK(m.s_axi_control_bvalid == 1);
    CHECK(m.s_axi_control_awready == 0);
    CHECK(m.s_axi_control_wready == 0);
    CHECK(static_cast<std::uint32_t>(m.act_size_o) == static_cast<std::uint32_t>(before));
    b.end_cycle();
  }
  m.s_axi_control_bready = 1;
  b.end_cycle();  // first B taken, second write performed
  settle(m);
  CHECK(m.s_axi_control_bvalid == 1);
  CHECK(m.act_size_o == 0x0000111100002222ull);
  b.end_cycle();  // second B taken
  settle(m);
  CHECK(m.s_axi_control_bvalid == 0);
  m.s_axi_control_bready = 0;
}

TEST_CASE("control_slave: random register traffic against a reference model", "[cosim]") {
  const unsigned seed = bench_seed("control_slave random");
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  ControlBench b;
  RegModel model;
  const auto words = mapped_words();
  std::vector<std::uint32_t> mapped;
  for (const auto& [addr, name] : words) mapped.push_back(addr);
  auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
  auto delay = [&] { return chance(rng, 0.5) ? 0 : pick(4); };
  auto address = [&] {
    const std::uint32_t word = chance(rng, 0.8) ? mapped[pick(static_cast<int>(mapped.size()))] : 4u * pick(64);
    return word | (chance(rng, 0.1) ? pick(4) : 0);  // now and then an unaligned address: same word
  };
  int concurrent = 0, w_first = 0, b_waits = 0, r_waits = 0, auto_restarts = 0, isr_sets = 0;
  for (int op = 0; op < 4000; ++op) {
    INFO("operation " << op);
    std::optional<AxiWrite> wr;
    std::optional<AxiRead> rd;
    if (chance(rng, 0.6)) {
      // ctrl is written rarely and mostly without ap_start, so runs are long enough to see the argument traffic.
      wr = AxiWrite{address(), u32(rng), static_cast<std::uint32_t>(chance(rng, 0.7) ? 0xF : pick(16)),
                    delay(),   delay(),  delay()};
      if ((wr->addr & ~3u) == reg::kCtrl && chance(rng, 0.7)) wr->data &= ~reg::kCtrlApStart;
      w_first += wr->w_delay < wr->aw_delay;
      b_waits += wr->b_delay > 0;
    }
    if (!wr || chance(rng, 0.3)) {
      rd = AxiRead{address(), delay(), delay()};
      if (wr && (rd->addr & ~3u) == (wr->addr & ~3u)) rd.reset();  // same word at once: either value is right
      if (rd) r_waits += rd->r_delay > 0;
    }
    if (!wr && !rd) continue;
    concurrent += wr && rd;
    const std::optional<std::uint32_t> expect = rd ? std::optional(model.read(rd->addr, b.m)) : std::nullopt;
    if (wr) model.write(wr->addr, wr->data, wr->strb);
    const AxiResult res = b.bus.run(wr, rd);
    CHECK(res.bresp == 0);
    CHECK(res.rresp == 0);
    if (rd) CHECK(res.rdata == *expect);

    // Between bus operations: core events (ready_i only during a run) and new status inputs.
    const bool ready = model.ap_start && chance(rng, 0.1);
    const bool done = chance(rng, 0.1);
    if (ready || done) {
      auto_restarts += ready && model.auto_restart;
      isr_sets += (ready && (model.ier & 2)) || (done && (model.ier & 1));
      b.core_pulse(ready, done);
      model.core_events(ready, done);
    }
    if (chance(rng, 0.2)) {
      b.m.idle_i = !model.ap_start || chance(rng, 0.5);
      b.m.status_i = static_cast<std::uint32_t>(pick(5));
      b.m.error_pc_i = u32(rng);
      b.m.cycles_i = std::uint64_t{u32(rng)} << 32 | u32(rng);
    }
    b.idle(1);
    CHECK(b.start_cycles == model.starts);
    CHECK(b.m.interrupt_o == (model.gie && model.isr != 0));
    CHECK(b.m.insn_addr_o == (std::uint64_t{model.args[reg::kInsnAddr + 4]} << 32 | model.args[reg::kInsnAddr]));
    CHECK(b.m.insn_count_o == model.args[reg::kInsnCount]);
    CHECK(b.m.const_addr_o == (std::uint64_t{model.args[reg::kConstAddr + 4]} << 32 | model.args[reg::kConstAddr]));
    CHECK(b.m.const_size_o == (std::uint64_t{model.args[reg::kConstSize + 4]} << 32 | model.args[reg::kConstSize]));
    CHECK(b.m.act_addr_o == (std::uint64_t{model.args[reg::kActAddr + 4]} << 32 | model.args[reg::kActAddr]));
    CHECK(b.m.act_size_o == (std::uint64_t{model.args[reg::kActSize + 4]} << 32 | model.args[reg::kActSize]));
  }
  CHECK(concurrent > 0);
  CHECK(w_first > 0);
  CHECK(b_waits > 0);
  CHECK(r_waits > 0);
  CHECK(auto_restarts > 0);
  CHECK(isr_sets > 0);
  CHECK(model.starts > 1);
}
