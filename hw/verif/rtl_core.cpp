#include "hw/verif/rtl_core.hpp"

#include <Vsystole_core_tiny.h>
#if SYSTOLE_RTL_DEFAULT
#include <Vsystole_core_default.h>
#endif
#include <verilated.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <stdexcept>

#include "hw/verif/axi_dram.hpp"
#include "hw/verif/port_words.hpp"
#include "sim/isa/error.hpp"
#include "sim/isa/insn.hpp"

namespace systole::verif {
namespace {

constexpr std::uint64_t kPage = 4096;
constexpr std::uint64_t kMaxCycles = std::uint64_t{1} << 40;  // a hung model is our bug, not an input's

std::uint64_t round_up(std::uint64_t v) {
  return (v + kPage - 1) / kPage * kPage;
}

}  // namespace

struct RtlCore::Impl {
  std::string config;  // the verilated config whose model runs
  VerilatedContext context;
};

namespace {

// Every parameter the RTL is built with (hw/verif/arch_params.py) agrees.
bool same_shape(const isa::ArchConfig& x, const isa::ArchConfig& y) {
  const auto& a = x.params;
  const auto& b = y.params;
  return a.array_rows == b.array_rows && a.array_cols == b.array_cols && a.memory_inp_kib == b.memory_inp_kib &&
         a.memory_wgt_kib == b.memory_wgt_kib && a.memory_acc_kib == b.memory_acc_kib &&
         a.memory_banks == b.memory_banks && a.queues_insn_depth == b.queues_insn_depth &&
         a.queues_token_depth == b.queues_token_depth && a.dram_bytes_per_cycle == b.dram_bytes_per_cycle &&
         a.dram_max_outstanding == b.dram_max_outstanding && a.array_dataflow == b.array_dataflow;
}

}  // namespace

std::vector<std::string> RtlCore::verilated() {
#if SYSTOLE_RTL_DEFAULT
  return {"tiny", "default"};
#else
  return {"tiny"};
#endif
}

RtlCore::RtlCore(const isa::ArchConfig& arch) : impl_(std::make_unique<Impl>()) {
  // A config runs on the model verilated from the named config it matches (hw/verif/CMakeLists.txt).
  std::string names;
  for (const std::string& name : verilated()) {
    if (impl_->config.empty() && same_shape(arch, isa::load_arch_config(name))) impl_->config = name;
    names += (names.empty() ? "" : ", ") + name;
  }
  if (arch.dataflow() != spec::Dataflow::kWeightStationary) impl_->config.clear();
  if (impl_->config.empty()) {
    throw UserError("backend rtl: arch '" + arch.name + "' has no verilated model (verilated: " + names +
                    "); use --backend systemc");
  }
}

RtlCore::~RtlCore() = default;

namespace {

template <class Model>
RtlRun simulate(VerilatedContext& context, std::span<const spec::Insn> insns, isa::DramImage dram,
                sim::DramPorts& ports) {
  for (auto& p : ports) p.reset();
  const std::uint64_t const_base = kPage, act_base = round_up(const_base + dram.const_region.size());
  std::vector<std::uint8_t> image(round_up(act_base + dram.act_region.size()) + kPage, 0);
  std::copy(dram.const_region.begin(), dram.const_region.end(),
            image.begin() + static_cast<std::ptrdiff_t>(const_base));
  std::copy(dram.act_region.begin(), dram.act_region.end(), image.begin() + static_cast<std::ptrdiff_t>(act_base));
  AxiReadPort load_port(ports[0], image), acc_port(ports[1], image);
  AxiWritePort store_port(ports[2], image);

  Model m(&context);
  m.clk_i = 0;
  m.insn_valid_i = 0;
  m.load_ar_ready_i = m.load_r_valid_i = m.acc_ar_ready_i = m.acc_r_valid_i = 0;
  m.store_aw_ready_i = m.store_w_ready_i = m.store_b_valid_i = 0;
  m.const_addr_i = const_base;
  m.const_size_i = dram.const_region.size();
  m.act_addr_i = act_base;
  m.act_size_i = dram.act_region.size();
  m.rst_ni = 1;
  m.eval();
  m.rst_ni = 0;
  m.eval();
  m.rst_ni = 1;
  m.eval();

  // Per unit, the program's instructions in order: the core starts and ends each unit's in that order.
  std::array<std::vector<std::uint32_t>, isa::kUnitCount> order;
  for (std::uint32_t pc = 0; pc < insns.size(); ++pc) {
    const isa::Unit u = isa::unit_of(insns[pc]);
    if (u != isa::Unit::kDispatch) order[static_cast<std::size_t>(u)].push_back(pc);
  }
  std::array<std::size_t, isa::kUnitCount> started{}, ended{};
  RtlRun r;
  r.spans.assign(insns.size(), {0, 0});
  std::vector<std::uint32_t> beat;
  std::size_t next = 0;
  std::uint64_t offered = 0;  // the cycle instruction `next` was first offered
  for (std::uint64_t cycle = 0;; ++cycle) {
    if (cycle > kMaxCycles) throw std::logic_error("rtl harness: the core did not finish");
    m.insn_valid_i = next < insns.size();
    if (next < insns.size()) write_words(m.insn_i, insn_words(insns[next]));
    bool last = false;
    m.load_r_valid_i = load_port.data(cycle, beat, last);
    if (m.load_r_valid_i) {
      write_words(m.load_r_data_i, beat);
      m.load_r_last_i = last;
    }
    m.acc_r_valid_i = acc_port.data(cycle, beat, last);
    if (m.acc_r_valid_i) {
      write_words(m.acc_r_data_i, beat);
      m.acc_r_last_i = last;
    }
    m.store_w_ready_i = store_port.ready(cycle);
    m.eval();
    m.load_ar_ready_i = load_port.address(cycle, m.load_ar_valid_o, m.load_ar_addr_o, m.load_ar_len_o);
    m.acc_ar_ready_i = acc_port.address(cycle, m.acc_ar_valid_o, m.acc_ar_addr_o, m.acc_ar_len_o);
    m.store_aw_ready_i = store_port.address(cycle, m.store_aw_valid_o, m.store_aw_addr_o, m.store_aw_len_o);
    m.eval();
    store_port.take(cycle, m.store_w_valid_o, read_words(m.store_w_data_o, ports[2].params().bytes_per_cycle / 4),
                    m.store_w_strb_o, m.store_w_last_o);
    for (std::size_t u = 0; u < isa::kUnitCount; ++u) {
      if (m.started_o >> u & 1) r.spans[order[u].at(started[u]++)].first = cycle;
      if (m.ended_o >> u & 1) r.spans[order[u].at(ended[u]++)].second = cycle;
    }
    const bool finished = m.finish_o;
    if (m.insn_valid_i && m.insn_ready_o) {
      const spec::Opcode op = spec::decode_header(insns[next]).opcode;
      if (op == spec::Opcode::kSync || op == spec::Opcode::kFinish) r.spans[next] = {offered, cycle};
      ++next;
      offered = cycle + 1;
    }
    m.clk_i = 1;
    m.eval();
    m.clk_i = 0;
    m.eval();
    if (finished) {
      r.cycles = cycle;
      break;
    }
  }
  r.error = static_cast<spec::ErrorCode>(m.status_o);
  r.error_pc = m.error_pc_o;
  std::copy(image.begin() + static_cast<std::ptrdiff_t>(act_base),
            image.begin() + static_cast<std::ptrdiff_t>(act_base + dram.act_region.size()), dram.act_region.begin());
  return r;
}

}  // namespace

RtlRun RtlCore::run(std::span<const spec::Insn> insns, isa::DramImage dram, sim::DramPorts& ports) {
#if SYSTOLE_RTL_DEFAULT
  if (impl_->config == "default") return simulate<Vsystole_core_default>(impl_->context, insns, dram, ports);
#endif
  return simulate<Vsystole_core_tiny>(impl_->context, insns, dram, ports);
}

}  // namespace systole::verif
