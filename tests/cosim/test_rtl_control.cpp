// hw/rtl/control_slave.sv under Verilator, driven through its AXI4-Lite port (control_bench.hpp): the register map of
// hw/spec/regmap.toml (arguments, write strobes, read-only and unmapped words), the Vitis ap_ctrl_hs semantics and
// the interrupts. The bus handshakes and random traffic are in test_rtl_control_bus.cpp.
#include <catch2/catch.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <random>

#include "cosim/control_bench.hpp"

using namespace systole::cosim;
namespace reg = systole::spec::reg;
using systole::spec::kRegs;

TEST_CASE("control_slave: reset values, and every argument reads back what was written, 64-bit as low/high words",
          "[cosim]") {
  const unsigned seed = bench_seed("control_slave args");
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  ControlBench b;
  for (const auto& [addr, name] : mapped_words()) {
    INFO(name << " word at 0x" << std::hex << addr);
    const std::uint32_t expect = addr == reg::kCtrl              ? reg::kCtrlApIdle
                                 : addr == reg::kFingerprint     ? static_cast<std::uint32_t>(kFingerprint)
                                 : addr == reg::kFingerprint + 4 ? static_cast<std::uint32_t>(kFingerprint >> 32)
                                                                 : 0u;
    CHECK(b.bus.read32(addr) == expect);
  }
  int args = 0;
  for (const auto& r : kRegs) {
    if (r.arg == systole::spec::ArgKind::kNone) continue;
    INFO("argument " << r.name);
    ++args;
    CHECK(b.arg_port(r.name) == 0);
    const std::uint64_t v = std::uint64_t{u32(rng)} << 32 | u32(rng) | 0x8000000180000001ull;  // top bits of both words
    if (r.width == 64) {
      b.bus.write32(r.offset + 4, static_cast<std::uint32_t>(v >> 32));  // high word alone first
      CHECK(b.arg_port(r.name) == (v & 0xFFFFFFFF00000000ull));
      b.bus.write32(r.offset, static_cast<std::uint32_t>(v));
      CHECK(b.bus.read64(r.offset) == v);
      CHECK(b.arg_port(r.name) == v);
      b.bus.write32(r.offset, 0x5A5A5A5A);  // the low word alone leaves the high word
      CHECK(b.bus.read32(r.offset + 4) == static_cast<std::uint32_t>(v >> 32));
      CHECK(b.arg_port(r.name) == ((v & 0xFFFFFFFF00000000ull) | 0x5A5A5A5A));
    } else {
      b.bus.write32(r.offset, static_cast<std::uint32_t>(v));
      CHECK(b.bus.read32(r.offset) == static_cast<std::uint32_t>(v));
      CHECK(b.arg_port(r.name) == static_cast<std::uint32_t>(v));
    }
  }
  CHECK(args == 6);
  CHECK(b.start_cycles == 0);  // writing arguments starts nothing
}

TEST_CASE("control_slave: write strobes replace only the strobed bytes", "[cosim]") {
  ControlBench b;
  for (const std::uint32_t addr : {reg::kInsnCount, reg::kConstSize + 4, reg::kActAddr}) {
    std::uint32_t value = 0xA5C3E1F0;
    b.bus.write32(addr, value);
    for (std::uint32_t strb = 0; strb < 16; ++strb) {
      INFO("word 0x" << std::hex << addr << " strobe 0x" << strb);
      const std::uint32_t data = 0x01020304u * (strb + 1);
      b.bus.write32(addr, data, strb);
      value = merge(value, data, strb);
      CHECK(b.bus.read32(addr) == value);
    }
  }
  CHECK(b.m.insn_count_o == b.bus.read32(reg::kInsnCount));
  // ctrl, gie, ier and isr act only when byte 0 (where all their bits are) is strobed.
  b.bus.write32(reg::kCtrl, reg::kCtrlApStart | reg::kCtrlAutoRestart, 0xE);
  b.bus.write32(reg::kGie, 1, 0xE);
  b.bus.write32(reg::kIer, 3, 0xE);
  b.bus.write32(reg::kIsr, 3, 0xE);
  b.idle(3);
  CHECK(b.start_cycles == 0);
  CHECK(b.bus.read32(reg::kCtrl) == reg::kCtrlApIdle);
  CHECK(b.bus.read32(reg::kGie) == 0);
  CHECK(b.bus.read32(reg::kIer) == 0);
  CHECK(b.bus.read32(reg::kIsr) == 0);
  // ... and keep only their defined bits.
  b.bus.write32(reg::kGie, 0xFFFFFFFF);
  b.bus.write32(reg::kIer, 0xFFFFFFFF);
  CHECK(b.bus.read32(reg::kGie) == 1);
  CHECK(b.bus.read32(reg::kIer) == 3);
}

TEST_CASE("control_slave: read-only registers read their inputs and ignore writes, unmapped words read 0", "[cosim]") {
  ControlBench b;
  const auto words = mapped_words();
  auto snapshot = [&] {
    std::map<std::uint32_t, std::uint32_t> values;
    for (const auto& [addr, name] : words) values[addr] = b.bus.read32(addr);
    return values;
  };
  for (const auto& r : kRegs)
    if (!r.read_only) b.bus.write32(r.offset, 0x11111111u * (r.offset / 4 % 15 + 1));  // ctrl: starts a run
  b.m.status_i = static_cast<std::uint32_t>(systole::spec::ErrorCode::kIllegalInsn);
  b.m.error_pc_i = 0xDEADBEEF;
  b.m.cycles_i = 0x123456789ABCDEF0ull;
  CHECK(b.bus.read32(reg::kStatus) == 3);
  CHECK(b.bus.read32(reg::kErrorPc) == 0xDEADBEEF);
  CHECK(b.bus.read64(reg::kCycles) == 0x123456789ABCDEF0ull);
  CHECK(b.bus.read64(reg::kFingerprint) == kFingerprint);
  const auto before = snapshot();

  for (const auto& r : kRegs) {
    if (!r.read_only) continue;
    for (std::uint32_t w = 0; w < r.width / 32; ++w) {
      const AxiResult res = b.bus.run(AxiWrite{r.offset + 4 * w, 0xFFFFFFFF}, std::nullopt);
      CHECK(res.bresp == 0);
    }
  }
  int unmapped = 0;
  for (std::uint32_t addr = 0; addr < kAddrSpace; addr += 4) {
    if (words.count(addr)) continue;
    INFO("unmapped word 0x" << std::hex << addr);
    ++unmapped;
    const AxiResult wres = b.bus.run(AxiWrite{addr, 0xFFFFFFFF}, std::nullopt);
    CHECK(wres.bresp == 0);
    const AxiResult rres = b.bus.run(std::nullopt, AxiRead{addr});
    CHECK(rres.rresp == 0);
    CHECK(rres.rdata == 0);
  }
  CHECK(unmapped == static_cast<int>(kAddrSpace / 4) - 21);  // 14 registers, 7 of them 64-bit
  CHECK(snapshot() == before);

  // The inputs are read live; the byte-lane bits of an address are not decoded.
  b.m.cycles_i = 0xFEDCBA9876543210ull;
  b.m.status_i = 0;
  CHECK(b.bus.read64(reg::kCycles) == 0xFEDCBA9876543210ull);
  CHECK(b.bus.read32(reg::kStatus) == 0);
  CHECK(b.bus.read32(reg::kErrorPc + 3) == 0xDEADBEEF);
  CHECK(b.bus.read32(reg::kFingerprint + 4 + 1) == static_cast<std::uint32_t>(kFingerprint >> 32));
}

TEST_CASE("control_slave: ap_start is W1S, start_o pulses once per run, ready_i clears it, auto_restart restarts",
          "[cosim]") {
  ControlBench b;
  b.bus.write32(reg::kCtrl, 0);  // writing 0 starts nothing
  b.idle(2);
  CHECK(b.start_cycles == 0);

  b.bus.write32(reg::kCtrl, reg::kCtrlApStart);
  b.idle(1);
  CHECK(b.start_cycles == 1);  // one cycle high
  b.m.idle_i = 0;              // the core runs
  b.idle(20);
  CHECK(b.bus.read32(reg::kCtrl) == reg::kCtrlApStart);  // held until the core accepts it
  b.bus.write32(reg::kCtrl, reg::kCtrlApStart);          // a second start during the run...
  b.bus.write32(reg::kCtrl, 0);                          // ... and a 0 (W1S: clears nothing)
  b.idle(5);
  CHECK(b.start_cycles == 1);
  CHECK(b.bus.read32(reg::kCtrl) == reg::kCtrlApStart);

  b.m.idle_i = 1;
  b.core_pulse(true, true);
  b.idle(5);
  CHECK(b.start_cycles == 1);
  CHECK(b.bus.read32(reg::kCtrl) == (reg::kCtrlApDone | reg::kCtrlApIdle | reg::kCtrlApReady));
  CHECK(b.bus.read32(reg::kCtrl) == reg::kCtrlApIdle);  // done and ready clear on read

  // auto_restart: the core is started again right after each ready_i, until auto_restart is cleared.
  b.bus.write32(reg::kCtrl, reg::kCtrlApStart | reg::kCtrlAutoRestart);
  b.idle(3);
  CHECK(b.start_cycles == 2);
  for (int run = 0; run < 3; ++run) {
    b.core_pulse(true, true);
    b.idle(3);
    CHECK(b.start_cycles == 3 + run);
  }
  CHECK(b.bus.read32(reg::kCtrl) ==
        (reg::kCtrlApStart | reg::kCtrlApDone | reg::kCtrlApIdle | reg::kCtrlApReady | reg::kCtrlAutoRestart));
  b.bus.write32(reg::kCtrl, 0);  // clears auto_restart; the run in flight still counts
  b.core_pulse(true, true);
  b.idle(3);
  CHECK(b.start_cycles == 5);
  CHECK(b.bus.read32(reg::kCtrl) == (reg::kCtrlApDone | reg::kCtrlApIdle | reg::kCtrlApReady));
}

TEST_CASE("control_slave: ap_done is set by done_i and cleared by reading ctrl, ap_idle follows idle_i", "[cosim]") {
  ControlBench b;
  b.m.idle_i = 0;
  CHECK(b.bus.read32(reg::kCtrl) == 0);
  b.m.idle_i = 1;
  CHECK(b.bus.read32(reg::kCtrl) == reg::kCtrlApIdle);
  b.core_pulse(false, true);
  b.idle(10);
  CHECK(b.bus.read32(reg::kCtrl) == (reg::kCtrlApDone | reg::kCtrlApIdle));
  CHECK(b.bus.read32(reg::kCtrl) == reg::kCtrlApIdle);
  b.core_pulse(false, true);
  CHECK(b.bus.read32(reg::kGie) == 0);  // reading another register keeps ap_done
  CHECK(b.bus.read32(reg::kCtrl) == (reg::kCtrlApDone | reg::kCtrlApIdle));

  // done_i in the very cycle a ctrl read is accepted: that read shows the old value, the next one the new.
  b.m.done_i = 1;
  const AxiResult same_cycle = b.bus.run(std::nullopt, AxiRead{reg::kCtrl});  // AR is accepted in its first cycle
  CHECK(same_cycle.rdata == reg::kCtrlApIdle);
  b.m.done_i = 0;
  CHECK(b.bus.read32(reg::kCtrl) == (reg::kCtrlApDone | reg::kCtrlApIdle));
}

TEST_CASE("control_slave: isr is set by enabled events and toggled by writes, interrupt_o = gie & isr", "[cosim]") {
  ControlBench b;
  b.bus.write32(reg::kGie, 1);
  b.core_pulse(true, true);  // ier = 0: nothing is recorded
  b.idle(1);
  CHECK(b.bus.read32(reg::kIsr) == 0);
  CHECK(b.m.interrupt_o == 0);

  b.bus.write32(reg::kIer, 1);  // done only
  b.core_pulse(true, false);
  b.idle(1);
  CHECK(b.bus.read32(reg::kIsr) == 0);
  b.core_pulse(false, true);
  b.idle(1);
  CHECK(b.m.interrupt_o == 1);
  CHECK(b.bus.read32(reg::kIsr) == 1);
  CHECK(b.bus.read32(reg::kIsr) == 1);  // not clear-on-read
  b.bus.write32(reg::kGie, 0);
  CHECK(b.m.interrupt_o == 0);
  b.bus.write32(reg::kGie, 1);
  CHECK(b.m.interrupt_o == 1);

  b.bus.write32(reg::kIsr, 1);  // toggle: clears
  CHECK(b.m.interrupt_o == 0);
  CHECK(b.bus.read32(reg::kIsr) == 0);
  b.bus.write32(reg::kIsr, 1);  // toggle: sets (no event needed)
  CHECK(b.m.interrupt_o == 1);
  b.bus.write32(reg::kIsr, 0);  // 0 bits leave it
  CHECK(b.bus.read32(reg::kIsr) == 1);
  b.bus.write32(reg::kIsr, 1);
  CHECK(b.m.interrupt_o == 0);

  b.bus.write32(reg::kIer, 2);  // ready only
  b.core_pulse(false, true);
  b.core_pulse(true, false);
  b.idle(1);
  CHECK(b.bus.read32(reg::kIsr) == 2);
  CHECK(b.m.interrupt_o == 1);
  b.bus.write32(reg::kIsr, 3);  // toggles both: done set, ready cleared
  CHECK(b.bus.read32(reg::kIsr) == 1);
  CHECK(b.m.interrupt_o == 1);
}
