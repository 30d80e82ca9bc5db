// The Verilator bench of hw/rtl/control_slave.sv, shared by its tests (test_rtl_control*.cpp): the model, the bench
// AXI4-Lite master on its s_axi_control port, the core-side inputs, and a check at the end of every cycle that no
// output depends combinationally on any input (all of them are registered). Cycle convention: rtl_bench.hpp.
// Register offsets come from the generated C++ header, made from the same regmap.toml as the RTL's package.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <map>
#include <random>
#include <string_view>
#include <tuple>

#include "Vcontrol_slave.h"
#include "cosim/axi_lite_master.hpp"
#include "cosim/rtl_bench.hpp"
#include "systole/spec/isa_gen.hpp"

namespace systole::cosim {

constexpr std::uint64_t kFingerprint = SYSTOLE_RTL_CONTROL_FINGERPRINT;  // hw/verif: -GFingerprint
constexpr std::uint32_t kAddrSpace = 1u << 8;                            // regmap.toml addr_bits = 8: the port width

struct ControlBench {
  ControlBench() : m(&context), bus(m, [this] { end_cycle(); }) {
    m.idle_i = 1;
    m.ready_i = 0;
    m.done_i = 0;
    m.status_i = 0;
    m.error_pc_i = 0;
    m.cycles_i = 0;
    reset(m);
  }
  ~ControlBench() { m.final(); }
  ControlBench(const ControlBench&) = delete;
  ControlBench& operator=(const ControlBench&) = delete;

  auto outputs() const {
    return std::make_tuple(m.s_axi_control_awready, m.s_axi_control_wready, m.s_axi_control_bvalid,
                           m.s_axi_control_bresp, m.s_axi_control_arready, m.s_axi_control_rvalid,
                           m.s_axi_control_rdata, m.s_axi_control_rresp, m.interrupt_o, m.start_o, m.insn_addr_o,
                           m.insn_count_o, m.const_addr_o, m.const_size_o, m.act_addr_o, m.act_size_o);
  }
  // Inverts every input but the clock and reset (applied twice, restores them).
  void flip_inputs() {
    m.s_axi_control_awvalid ^= 1;
    m.s_axi_control_awaddr ^= 0xFF;
    m.s_axi_control_wvalid ^= 1;
    m.s_axi_control_wdata = ~m.s_axi_control_wdata;
    m.s_axi_control_wstrb ^= 0xF;
    m.s_axi_control_bready ^= 1;
    m.s_axi_control_arvalid ^= 1;
    m.s_axi_control_araddr ^= 0xFF;
    m.s_axi_control_rready ^= 1;
    m.ready_i ^= 1;
    m.done_i ^= 1;
    m.idle_i ^= 1;
    m.status_i = ~m.status_i;
    m.error_pc_i = ~m.error_pc_i;
    m.cycles_i = ~m.cycles_i;
  }

  // The end of every cycle: outputs must not move when the inputs of this cycle change, then the clock edge.
  void end_cycle() {
    settle(m);
    const auto before = outputs();
    flip_inputs();
    settle(m);
    if (outputs() != before) FAIL("an output changed with the inputs of the same cycle (combinational path)");
    flip_inputs();
    settle(m);
    start_cycles += m.start_o;
    tick(m);
  }

  void idle(int cycles) {
    for (int i = 0; i < cycles; ++i) end_cycle();
  }

  // One cycle with the core's one-cycle pulses.
  void core_pulse(bool ready, bool done) {
    m.ready_i = ready;
    m.done_i = done;
    end_cycle();
    m.ready_i = 0;
    m.done_i = 0;
  }

  std::uint64_t arg_port(std::string_view name) const {
    if (name == "insn_addr") return m.insn_addr_o;
    if (name == "insn_count") return m.insn_count_o;
    if (name == "const_addr") return m.const_addr_o;
    if (name == "const_size") return m.const_size_o;
    if (name == "act_addr") return m.act_addr_o;
    if (name == "act_size") return m.act_size_o;
    FAIL("the bench has no port for kernel argument " << name << " (regmap.toml changed: add it)");
    return 0;
  }

  VerilatedContext context;
  Vcontrol_slave m;
  AxiLiteMaster<Vcontrol_slave> bus;
  int start_cycles = 0;  // cycles with start_o high
};

// Byte address -> register word, for every word the register map defines (64-bit registers as two words).
inline std::map<std::uint32_t, std::string_view> mapped_words() {
  std::map<std::uint32_t, std::string_view> words;
  for (const auto& r : systole::spec::kRegs)
    for (std::uint32_t w = 0; w < r.width / 32; ++w) words[r.offset + 4 * w] = r.name;
  return words;
}

inline std::uint32_t u32(std::mt19937& rng) {
  return static_cast<std::uint32_t>(rng());
}

// `old` with the bytes selected by `strb` replaced by those of `data`.
inline std::uint32_t merge(std::uint32_t old, std::uint32_t data, std::uint32_t strb) {
  std::uint32_t mask = 0;
  for (int b = 0; b < 4; ++b)
    if (strb >> b & 1) mask |= 0xFFu << (8 * b);
  return (data & mask) | (old & ~mask);
}

}  // namespace systole::cosim
