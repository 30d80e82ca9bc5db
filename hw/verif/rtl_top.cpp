#include "hw/verif/rtl_top.hpp"

#include <Vsystole_top_tiny.h>
#include <Vsystole_top_tiny___024root.h>
#include <Vsystole_top_tiny_os.h>
#include <Vsystole_top_tiny_os___024root.h>
#if SYSTOLE_RTL_DEFAULT
#include <Vsystole_top_default.h>
#include <Vsystole_top_default___024root.h>
#endif
#include <verilated.h>
#include <verilated_fst_c.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "hw/driver/driver.hpp"
#include "hw/verif/axi_dram.hpp"
#include "hw/verif/port_words.hpp"
#include "sim/isa/insn.hpp"
#include "systole/error.hpp"

namespace systole::verif {
namespace {

constexpr std::uint64_t kPage = 4096;
constexpr std::uint64_t kMaxCycles = std::uint64_t{1} << 40;  // a hung model is our bug, not an input's

std::uint64_t round_up(std::uint64_t v) {
  return (v + kPage - 1) / kPage * kPage;
}

// Every parameter the RTL is built with (hw/verif/arch_params.py) agrees.
bool same_shape(const isa::ArchConfig& x, const isa::ArchConfig& y) {
  const auto& a = x.params;
  const auto& b = y.params;
  return a.array_rows == b.array_rows && a.array_cols == b.array_cols && a.memory_inp_kib == b.memory_inp_kib &&
         a.memory_wgt_kib == b.memory_wgt_kib && a.memory_acc_kib == b.memory_acc_kib &&
         a.memory_banks == b.memory_banks && a.queues_insn_depth == b.queues_insn_depth &&
         a.queues_token_depth == b.queues_token_depth && a.dram_bytes_per_cycle == b.dram_bytes_per_cycle &&
         a.dram_max_outstanding == b.dram_max_outstanding && a.dram_burst_bytes == b.dram_burst_bytes &&
         a.array_dataflow == b.array_dataflow;
}

// Bits of systole_top's probe signal.
constexpr unsigned kProbeOffered = 0, kProbeDispatched = 1, kProbeStarted = 2, kProbeEnded = 5, kProbeStart = 8;

}  // namespace

struct RtlTop::Impl : driver::ControlBus {
  virtual RtlRun run(std::span<const spec::Insn> insns, isa::DramImage dram, sim::DramPorts& ports,
                     const RtlTop::Limits& limits) = 0;
};

namespace {

// The model, one clock cycle at a time: each cycle serves the AXI master ports from device memory, lets a host
// transaction on the control port progress, and records the instruction marks of the probe.
template <class Model>
class Harness final : public RtlTop::Impl {
 public:
  Harness(const std::string& wave, std::uint64_t clock_mhz) : m_(&context_), half_period_ps_(500'000 / clock_mhz) {
    if (!wave.empty()) {
      // The FST writer does not report an unwritable path: try it first.
      if (!std::ofstream(wave, std::ios::binary)) throw UserError("--wave " + wave + ": cannot write");
      context_.traceEverOn(true);
      fst_ = std::make_unique<VerilatedFstC>();
      m_.trace(fst_.get(), 99);
      fst_->set_time_unit("1ps");
      fst_->open(wave.c_str());
    }
    m_.ap_clk = 0;
    m_.ap_rst_n = 0;
    m_.eval();
    m_.ap_clk = 1;
    m_.eval();
    m_.ap_clk = 0;
    m_.ap_rst_n = 1;
    m_.eval();
  }
  ~Harness() override {
    // Each context sets itself as the thread's current one when made, and the model erases its scopes through the
    // current one when destroyed: point it back at this model's own, or a harness destroyed after a later one would
    // use that one's destroyed context (Verilator 5.006).
    Verilated::threadContextp(&context_);
    m_.final();
    if (fst_) fst_->close();
  }
  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;

  std::uint32_t read32(std::uint32_t offset) override {
    bool ar = false;
    for (;;) {
      m_.s_axi_control_arvalid = !ar;
      m_.s_axi_control_araddr = static_cast<std::uint8_t>(offset);
      m_.s_axi_control_rready = 1;
      settle();
      ar = ar || m_.s_axi_control_arready;
      const bool done = m_.s_axi_control_rvalid;
      const std::uint32_t data = m_.s_axi_control_rdata;
      edge();
      if (done) {
        m_.s_axi_control_arvalid = m_.s_axi_control_rready = 0;
        return data;
      }
    }
  }

  void write32(std::uint32_t offset, std::uint32_t value) override {
    bool aw = false, w = false;
    for (;;) {
      m_.s_axi_control_awvalid = !aw;
      m_.s_axi_control_awaddr = static_cast<std::uint8_t>(offset);
      m_.s_axi_control_wvalid = !w;
      m_.s_axi_control_wdata = value;
      m_.s_axi_control_wstrb = 0xF;
      m_.s_axi_control_bready = 1;
      settle();
      aw = aw || m_.s_axi_control_awready;
      w = w || m_.s_axi_control_wready;
      const bool done = m_.s_axi_control_bvalid;
      edge();
      if (done) break;
    }
    m_.s_axi_control_awvalid = m_.s_axi_control_wvalid = m_.s_axi_control_bready = 0;
  }

  RtlRun run(std::span<const spec::Insn> insns, isa::DramImage dram, sim::DramPorts& ports,
             const RtlTop::Limits& limits) override {
    // Device memory: the instruction stream, then the const and act regions, each at a 4 KiB boundary.
    const std::uint64_t insn_base = kPage, const_base = round_up(insn_base + insns.size() * sizeof(spec::Insn));
    const std::uint64_t act_base = round_up(const_base + dram.const_region.size());
    memory_.assign(round_up(act_base + dram.act_region.size()) + kPage, 0);
    for (std::size_t i = 0; i < insns.size(); ++i) {
      for (std::size_t w = 0; w < insns[i].size(); ++w) {
        for (std::size_t b = 0; b < 8; ++b) {
          memory_[insn_base + 32 * i + 8 * w + b] = static_cast<std::uint8_t>(insns[i][w] >> (8 * b));
        }
      }
    }
    std::copy(dram.const_region.begin(), dram.const_region.end(),
              memory_.begin() + static_cast<std::ptrdiff_t>(const_base));
    std::copy(dram.act_region.begin(), dram.act_region.end(), memory_.begin() + static_cast<std::ptrdiff_t>(act_base));
    fetch_.emplace(ports[sim::kFetchPort], memory_);
    load_.emplace(ports[static_cast<std::size_t>(isa::Unit::kLoad)], memory_);
    acc_.emplace(ports[static_cast<std::size_t>(isa::Unit::kCompute)], memory_);
    store_.emplace(ports[static_cast<std::size_t>(isa::Unit::kStore)], memory_);
    beat_words_ = ports[0].params().bytes_per_cycle / 4;

    // What the probe marks refer to: per unit, the program's instructions in order.
    insns_ = insns;
    for (auto& o : order_) o.clear();
    for (std::uint32_t pc = 0; pc < insns.size(); ++pc) {
      const isa::Unit u = isa::unit_of(insns[pc]);
      if (u != isa::Unit::kDispatch) order_[static_cast<std::size_t>(u)].push_back(pc);
    }
    started_.fill(0);
    ended_.fill(0);
    dispatched_ = 0;
    offered_ = std::nullopt;
    spans_.assign(insns.size(), {0, 0});

    driver::Segment segment;
    segment.insn_addr = insn_base;
    segment.insn_count = static_cast<std::uint32_t>(insns.size());
    segment.const_addr = const_base;
    segment.const_size = dram.const_region.size();
    segment.act_addr = act_base;
    segment.act_size = dram.act_region.size();
    // Each poll of ctrl takes at least a cycle: at most max_cycles polls bound the run's cycles.
    driver::Completion c;
    try {
      c = driver::run(*this, segment, std::min(limits.max_cycles, kMaxCycles));
    } catch (const RuntimeFault& e) {
      throw RuntimeFault(std::string(e.what()) + "; " + positions(limits.first_pc));
    }

    RtlRun r;
    r.cycles = c.cycles;
    r.error = c.status;
    r.error_pc = c.error_pc;
    r.spans = std::move(spans_);
    std::copy(memory_.begin() + static_cast<std::ptrdiff_t>(act_base),
              memory_.begin() + static_cast<std::ptrdiff_t>(act_base + dram.act_region.size()),
              dram.act_region.begin());
    fetch_.reset();
    load_.reset();
    acc_.reset();
    store_.reset();
    return r;
  }

 private:
  // Where dispatch and each unit stand (from the probe's marks), for a segment that did not finish.
  std::string positions(std::uint32_t base) const {
    std::string s = "dispatch at instruction " + std::to_string(base + dispatched_);
    for (std::size_t u = 0; u < isa::kUnitCount; ++u) {
      s += ", " + std::string(isa::unit_name(static_cast<isa::Unit>(u))) + " unit ";
      s += started_[u] > ended_[u] ? "at instruction " + std::to_string(base + order_[u].at(ended_[u]))
                                   : std::string("idle");
    }
    return s;
  }

  // The cycle up to its clock edge: the memory side answers the masters, the model settles, the marks are taken.
  void settle() {
    if (now_ > kMaxCycles) throw std::logic_error("rtl harness: the design did not finish");
    m_.m_axi_fetch_rvalid = m_.m_axi_load_rvalid = m_.m_axi_acc_rvalid = m_.m_axi_store_wready = 0;
    m_.m_axi_store_bvalid = 0;  // the store unit does not wait for write responses (hw/rtl/dma_store.sv)
    if (fetch_) {
      serve_read(*fetch_, m_.m_axi_fetch_rvalid, m_.m_axi_fetch_rdata, m_.m_axi_fetch_rlast);
      serve_read(*load_, m_.m_axi_load_rvalid, m_.m_axi_load_rdata, m_.m_axi_load_rlast);
      serve_read(*acc_, m_.m_axi_acc_rvalid, m_.m_axi_acc_rdata, m_.m_axi_acc_rlast);
      m_.m_axi_store_wready = store_->ready(now_);
    }
    m_.eval();
    if (fetch_) {
      m_.m_axi_fetch_arready =
          fetch_->address(now_, m_.m_axi_fetch_arvalid, m_.m_axi_fetch_araddr, m_.m_axi_fetch_arlen);
      m_.m_axi_load_arready = load_->address(now_, m_.m_axi_load_arvalid, m_.m_axi_load_araddr, m_.m_axi_load_arlen);
      m_.m_axi_acc_arready = acc_->address(now_, m_.m_axi_acc_arvalid, m_.m_axi_acc_araddr, m_.m_axi_acc_arlen);
      m_.m_axi_store_awready =
          store_->address(now_, m_.m_axi_store_awvalid, m_.m_axi_store_awaddr, m_.m_axi_store_awlen);
      m_.eval();
      store_->take(now_, m_.m_axi_store_wvalid, read_words(m_.m_axi_store_wdata, beat_words_), m_.m_axi_store_wstrb,
                   m_.m_axi_store_wlast);
    } else {
      m_.m_axi_fetch_arready = m_.m_axi_load_arready = m_.m_axi_acc_arready = m_.m_axi_store_awready = 0;
      m_.eval();
      check(!m_.m_axi_fetch_arvalid && !m_.m_axi_load_arvalid && !m_.m_axi_acc_arvalid && !m_.m_axi_store_awvalid,
            "a memory request outside a segment");
    }
    mark(m_.rootp->systole_top__DOT__probe);
  }

  // A read port's R channel in this cycle: the beat the DRAM model puts on the bus, if any.
  template <class Valid, class Data, class Last>
  void serve_read(AxiReadPort& port, Valid& valid, Data& data, Last& last) {
    bool is_last = false;
    valid = port.data(now_, beat_, is_last);
    if (valid) {
      write_words(data, beat_);
      last = is_last;
    }
  }

  void edge() {
    if (fst_) fst_->dump(2 * now_ * half_period_ps_);
    m_.ap_clk = 1;
    m_.eval();
    if (fst_) fst_->dump((2 * now_ + 1) * half_period_ps_);
    m_.ap_clk = 0;
    m_.eval();
    ++now_;
  }

  // The probe's marks of this cycle, as per-instruction spans in cycles of the segment.
  void mark(unsigned probe) {
    if (probe >> kProbeStart & 1) segment_start_ = now_ + 1;
    const std::uint64_t t = now_ - segment_start_;
    if ((probe >> kProbeOffered & 1) && !offered_) offered_ = t;
    if (probe >> kProbeDispatched & 1) {
      const std::uint32_t pc = dispatched_++;
      if (pc < insns_.size() && isa::unit_of(insns_[pc]) == isa::Unit::kDispatch) spans_[pc] = {*offered_, t};
      offered_ = std::nullopt;
    }
    for (std::size_t u = 0; u < isa::kUnitCount; ++u) {
      if (probe >> (kProbeStarted + u) & 1) spans_[order_[u].at(started_[u]++)].first = t;
      if (probe >> (kProbeEnded + u) & 1) spans_[order_[u].at(ended_[u]++)].second = t;
    }
  }

  VerilatedContext context_;
  Model m_;
  std::uint64_t half_period_ps_;
  std::unique_ptr<VerilatedFstC> fst_;
  std::uint64_t now_ = 0;  // cycles since reset
  std::vector<std::uint8_t> memory_;
  std::optional<AxiReadPort> fetch_, load_, acc_;
  std::optional<AxiWritePort> store_;
  std::vector<std::uint32_t> beat_;
  std::size_t beat_words_ = 0;
  // The running segment's marks.
  std::span<const spec::Insn> insns_;
  std::array<std::vector<std::uint32_t>, isa::kUnitCount> order_;
  std::array<std::size_t, isa::kUnitCount> started_{}, ended_{};
  std::uint32_t dispatched_ = 0;
  std::optional<std::uint64_t> offered_;
  std::uint64_t segment_start_ = 0;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> spans_;
};

}  // namespace

std::vector<std::string> RtlTop::verilated() {
#if SYSTOLE_RTL_DEFAULT
  return {"tiny", "tiny_os", "default"};
#else
  return {"tiny", "tiny_os"};
#endif
}

RtlTop::RtlTop(const isa::ArchConfig& arch, const std::string& wave) {
  // A config runs on the model verilated from the named config it matches (hw/verif/CMakeLists.txt).
  std::string config, names;
  for (const std::string& name : verilated()) {
    if (config.empty() && same_shape(arch, isa::load_arch_config(name))) config = name;
    names += (names.empty() ? "" : ", ") + name;
  }
  if (config.empty()) {
    throw UserError("backend rtl: arch '" + arch.name + "' has no verilated model (verilated: " + names +
                    "); use --backend systemc");
  }
  const auto mhz = static_cast<std::uint64_t>(arch.params.clock_mhz);
#if SYSTOLE_RTL_DEFAULT
  if (config == "default") impl_ = std::make_unique<Harness<Vsystole_top_default>>(wave, mhz);
#endif
  if (config == "tiny_os") impl_ = std::make_unique<Harness<Vsystole_top_tiny_os>>(wave, mhz);
  if (!impl_) impl_ = std::make_unique<Harness<Vsystole_top_tiny>>(wave, mhz);
  if (fingerprint() != arch.fingerprint()) {
    std::ostringstream msg;
    msg << "rtl model for '" << config << "' reports fingerprint 0x" << std::hex << fingerprint() << ", the arch has 0x"
        << arch.fingerprint() << " (hw/verif/arch_params.py disagrees with sim/isa/arch.cpp)";
    throw InternalError(msg.str());
  }
}

RtlTop::~RtlTop() = default;

std::uint64_t RtlTop::fingerprint() {
  return driver::fingerprint(*impl_);
}

RtlRun RtlTop::run(std::span<const spec::Insn> insns, isa::DramImage dram, sim::DramPorts& ports,
                   const Limits& limits) {
  return impl_->run(insns, dram, ports, limits);
}

}  // namespace systole::verif
