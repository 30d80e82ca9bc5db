// A small AXI4-Lite master for the Verilator benches of modules with a Vitis control port (`s_axi_control_*`, 32-bit
// data): the control slave now, the kernel top later. Cycle convention: rtl_bench.hpp.
//
// One call runs one write, one read, or both at once on their independent channels, until every response has been
// taken. The master follows the AXI rules for a master (a valid, once raised, stays up with stable payload until its
// handshake) and checks the slave's: no B before both AW and W were accepted, no R before AR, and a response that is
// waiting (valid high, ready low) stays up with its payload unchanged. Delays shape the traffic: AW and W can be
// offered in either order or together, and bready/rready can be held low to back-pressure the response.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

#include "cosim/rtl_bench.hpp"

namespace systole::cosim {

struct AxiWrite {
  std::uint32_t addr = 0;
  std::uint32_t data = 0;
  std::uint32_t strb = 0xF;
  int aw_delay = 0;  // cycles before awvalid rises
  int w_delay = 0;   // cycles before wvalid rises
  int b_delay = 0;   // cycles bvalid waits with bready low; 0: bready is high from the first cycle
};

struct AxiRead {
  std::uint32_t addr = 0;
  int ar_delay = 0;  // cycles before arvalid rises
  int r_delay = 0;   // cycles rvalid waits with rready low; 0: rready is high from the first cycle
};

struct AxiResult {
  std::uint32_t bresp = 0;
  std::uint32_t rresp = 0;
  std::uint32_t rdata = 0;
  int cycles = 0;  // from the first cycle of the call to the last response handshake, inclusive
};

template <class Model>
class AxiLiteMaster {
 public:
  static constexpr int kTimeout = 1000;  // cycles; far beyond any delay a bench asks for

  // `end_cycle` ends a cycle after the master has set its inputs and settled the model: the bench's own per-cycle
  // checks and stimulus, then the clock edge (tick).
  AxiLiteMaster(Model& m, std::function<void()> end_cycle) : m_(m), end_cycle_(std::move(end_cycle)) { release(); }

  // Drops every valid and ready the master drives (between calls the bus is idle).
  void release() {
    m_.s_axi_control_awvalid = 0;
    m_.s_axi_control_wvalid = 0;
    m_.s_axi_control_bready = 0;
    m_.s_axi_control_arvalid = 0;
    m_.s_axi_control_rready = 0;
  }

  AxiResult run(const std::optional<AxiWrite>& wr, const std::optional<AxiRead>& rd) {
    bool aw_done = !wr, w_done = !wr, b_done = !wr, ar_done = !rd, r_done = !rd;
    int b_waited = 0, r_waited = 0;  // cycles B / R has waited with valid high and ready low
    AxiResult result;
    for (int k = 0; !(b_done && r_done); ++k) {
      if (k == kTimeout) FAIL("AXI4-Lite transaction did not complete in " << kTimeout << " cycles");
      m_.s_axi_control_awvalid = !aw_done && k >= wr->aw_delay;
      m_.s_axi_control_wvalid = !w_done && k >= wr->w_delay;
      m_.s_axi_control_bready = !b_done && b_waited >= wr->b_delay;
      m_.s_axi_control_arvalid = !ar_done && k >= rd->ar_delay;
      m_.s_axi_control_rready = !r_done && r_waited >= rd->r_delay;
      if (wr) {
        m_.s_axi_control_awaddr = static_cast<std::remove_reference_t<decltype(m_.s_axi_control_awaddr)>>(wr->addr);
        m_.s_axi_control_wdata = wr->data;
        m_.s_axi_control_wstrb = static_cast<std::remove_reference_t<decltype(m_.s_axi_control_wstrb)>>(wr->strb);
      }
      if (rd)
        m_.s_axi_control_araddr = static_cast<std::remove_reference_t<decltype(m_.s_axi_control_araddr)>>(rd->addr);
      settle(m_);

      // The slave's side of the protocol; result.bresp/rdata/rresp hold what a waiting response showed before.
      if (m_.s_axi_control_bvalid) {
        if (b_done || !aw_done || !w_done) FAIL("bvalid without a write whose AW and W were both accepted");
        if (b_waited > 0 && m_.s_axi_control_bresp != result.bresp) FAIL("bresp changed while B waited for bready");
        result.bresp = m_.s_axi_control_bresp;
      } else if (b_waited > 0) {
        FAIL("bvalid dropped before bready");
      }
      if (m_.s_axi_control_rvalid) {
        if (r_done || !ar_done) FAIL("rvalid without an accepted read address");
        if (r_waited > 0 && (m_.s_axi_control_rdata != result.rdata || m_.s_axi_control_rresp != result.rresp))
          FAIL("rdata/rresp changed while R waited for rready");
        result.rdata = m_.s_axi_control_rdata;
        result.rresp = m_.s_axi_control_rresp;
      } else if (r_waited > 0) {
        FAIL("rvalid dropped before rready");
      }

      aw_done = aw_done || (m_.s_axi_control_awvalid && m_.s_axi_control_awready);
      w_done = w_done || (m_.s_axi_control_wvalid && m_.s_axi_control_wready);
      ar_done = ar_done || (m_.s_axi_control_arvalid && m_.s_axi_control_arready);
      if (m_.s_axi_control_bvalid) {
        if (m_.s_axi_control_bready) {
          b_done = true;
          b_waited = 0;
        } else {
          ++b_waited;
        }
      }
      if (m_.s_axi_control_rvalid) {
        if (m_.s_axi_control_rready) {
          r_done = true;
          r_waited = 0;
        } else {
          ++r_waited;
        }
      }
      end_cycle_();
      result.cycles = k + 1;
    }
    release();
    return result;
  }

  // Plain accesses that expect the OKAY response.
  void write32(std::uint32_t addr, std::uint32_t data, std::uint32_t strb = 0xF) {
    const AxiResult r = run(AxiWrite{addr, data, strb}, std::nullopt);
    CHECK(r.bresp == 0);
  }
  std::uint32_t read32(std::uint32_t addr) {
    const AxiResult r = run(std::nullopt, AxiRead{addr});
    CHECK(r.rresp == 0);
    return r.rdata;
  }
  // A 64-bit register: two words, low word first at `addr`.
  void write64(std::uint32_t addr, std::uint64_t value) {
    write32(addr, static_cast<std::uint32_t>(value));
    write32(addr + 4, static_cast<std::uint32_t>(value >> 32));
  }
  std::uint64_t read64(std::uint32_t addr) {
    const std::uint64_t lo = read32(addr);
    return lo | std::uint64_t{read32(addr + 4)} << 32;
  }

 private:
  Model& m_;
  std::function<void()> end_cycle_;
};

}  // namespace systole::cosim
