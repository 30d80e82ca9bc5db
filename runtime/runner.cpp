// The runner: one LoadedProgram and Device for every engine (runtime/engine.hpp). It verifies each accelerator
// segment, binds inputs, runs host steps on the CPU and segments on the engine, reads outputs back, and adds up
// counters, per-layer counters and the timeline from what the engine measured.
#include <unistd.h>

#include <chrono>
#include <map>
#include <mutex>

#include "runtime/engine.hpp"
#include "runtime/host_io.hpp"
#include "sim/cycle/accelerator.hpp"
#include "sim/cycle/timing.hpp"
#include "sim/isa/machine.hpp"
#include "sim/isa/verify.hpp"
#include "systole/error.hpp"

namespace systole::runtime {
namespace {

void accumulate(isa::Counters& total, const isa::Counters& c) {
  for (std::size_t i = 0; i < total.insns_by_opcode.size(); ++i) total.insns_by_opcode[i] += c.insns_by_opcode[i];
  for (std::size_t i = 0; i < total.insns_by_unit.size(); ++i) total.insns_by_unit[i] += c.insns_by_unit[i];
  total.macs += c.macs;
  total.dram_read_bytes += c.dram_read_bytes;
  total.dram_write_bytes += c.dram_write_bytes;
}

// A device's arch config and options. Engines may keep references into them, so the device and every program
// loaded on it share one copy, alive while any of them is: a program outlives the device it was loaded on.
struct DeviceState {
  isa::ArchConfig arch;
  DeviceOptions options;
};

class RunnerProgram final : public LoadedProgram {
 public:
  RunnerProgram(Backend backend, const EngineFactory& factory, std::shared_ptr<const DeviceState> state,
                Program program)
      : backend_(backend),
        state_(std::move(state)),
        arch_(state_->arch),
        options_(state_->options),
        program_(std::move(program)) {
    for (const LayerSpan& l : program_.layers) {
      estimates_.push_back(
          sim::estimate_cycles(std::span<const spec::Insn>(program_.insns.data() + l.begin, l.end - l.begin), arch_));
    }
    // The simulated DRAM is host memory: a program whose act region cannot fit in it is refused here, with the
    // sizes, instead of failing to allocate in the middle of a run.
    const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
    const std::uint64_t host_bytes =
        pages > 0 && page > 0 ? static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page) : UINT64_MAX;
    if (program_.act_bytes > host_bytes / 2) {
      throw UserError("program: its act region of " + std::to_string(program_.act_bytes) +
                      " bytes exceeds half of this host's memory (" + std::to_string(host_bytes) +
                      " bytes), which the simulated DRAM may use");
    }
    // Each accelerator segment is one ap_start..ap_done: verified on its own (tokens balance within it).
    const isa::RegionSizes regions{program_.constants.size(), program_.act_bytes};
    for (const Step& step : program_.steps) {
      if (!step.accel) continue;
      const std::span<const spec::Insn> segment(program_.insns.data() + step.insn_begin,
                                                step.insn_end - step.insn_begin);
      try {
        orders_.push_back(isa::verify_program(segment, arch_, regions));
      } catch (const UserError& e) {
        throw UserError("segment starting at instruction " + std::to_string(step.insn_begin) + ": " + e.what());
      }
      max_cycles_.push_back(options_.max_cycles ? options_.max_cycles
                                                : 1024 * (sim::estimate_cycles(segment, arch_) + segment.size()) +
                                                      (std::uint64_t{1} << 20));
    }
    prepared_.resize(program_.steps.size());
    engine_ = factory(arch_, options_);
  }

  RunResult run(const std::map<std::string, Tensor>& inputs) override {
    // The act region is reused across runs and zeroed each time: bytes no input or store covers read as zero.
    act_.assign(program_.act_bytes, 0);
    bind_inputs(program_, inputs, act_);
    isa::Counters total;
    bool counted = false, detailed = false;
    RunResult result;
    Counters& timed = result.counters;
    std::vector<sim::Tally> layers;
    std::vector<std::uint64_t> layer_cycles;
    std::size_t segment = 0;
    std::uint64_t host_ops = 0, host_ns = 0, host_prepared = 0;
    std::size_t step_index = 0;
    for (const Step& step : program_.steps) {
      if (!step.accel) {
        const auto start = std::chrono::steady_clock::now();
        std::optional<PreparedHostOp>& prepared = prepared_[step_index++];
        run_host_step(program_, step.host, program_.constants, act_, prepared);
        host_prepared += *prepared ? 1 : 0;
        host_ns += static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count());
        ++host_ops;
        continue;
      }
      ++step_index;
      const std::span<const spec::Insn> insns(program_.insns.data() + step.insn_begin, step.insn_end - step.insn_begin);
      SegmentContext context;
      context.first_pc = step.insn_begin;
      context.order = orders_[segment];
      context.max_cycles = max_cycles_[segment];
      context.max_seconds = options_.max_seconds;
      context.record_queues = options_.record_queues;
      if (options_.progress) {
        const double total_insns = static_cast<double>(program_.insns.size());
        context.progress = [this, total_insns, begin = step.insn_begin](std::uint32_t pc) {
          options_.progress(static_cast<double>(begin + pc) / total_insns);
        };
      }
      const SegmentRun r = engine_->run(insns, {program_.constants, act_}, context);
      ++segment;
      if (r.status.code != spec::ErrorCode::kOk) {
        throw RuntimeFault(std::string(backend_name(backend_)) + " model stopped with error status " +
                           std::to_string(static_cast<unsigned>(r.status.code)) + " at instruction " +
                           std::to_string(step.insn_begin + r.status.pc));
      }
      if (r.counts) {
        accumulate(total, *r.counts);
        counted = true;
      }
      if (r.timing && r.timing->insns.empty()) {  // cycles only (xrt): no timeline, no per-layer cycles
        timed["cycles"] += r.timing->cycles;
      } else if (r.timing) {
        const sim::SegmentTiming& t = *r.timing;
        layers.resize(program_.layers.size());
        layer_cycles.resize(program_.layers.size(), 0);
        const std::uint64_t base = timed["cycles"];
        add_timeline(t, step.insn_begin, base, result.timeline);
        for (const sim::QueueSample& q : t.queues) result.queue_samples.push_back({base + q.cycle, q.queue, q.value});
        detailed = detailed || r.unit_detail;
        if (r.unit_detail) {
          add_timing(t, timed);
        } else {
          timed["cycles"] += t.cycles;
        }
        add_layers(t, step.insn_begin, layers, layer_cycles);
      }
    }
    if (options_.progress) options_.progress(1.0);
    result.outputs = read_outputs(program_, act_);
    const isa::Counters& c = total;
    result.counters["host.ops"] = host_ops;
    result.counters["host.ns"] = host_ns;  // host time of the host steps (measured here, whatever the backend)
    result.counters["host.prepared_ops"] = host_prepared;  // of host.ops, those the host-op provider ran (oneDNN)
    for (const auto& v : spec::kOpcodeValues) {
      result.counters[std::string("insns.") + v.name] = c.insns_by_opcode[v.value];
    }
    for (int u = 0; u < isa::kUnitCount; ++u) {
      result.counters[std::string(isa::unit_name(static_cast<isa::Unit>(u))) + ".insns"] =
          c.insns_by_unit[static_cast<std::size_t>(u)];
    }
    if (counted) {  // the RTL counts cycles only (its timeline has every instruction)
      result.counters["macs"] = c.macs;
      result.counters["dram.read_bytes"] = c.dram_read_bytes;
      result.counters["dram.write_bytes"] = c.dram_write_bytes;
    }
    for (std::size_t i = 0; i < layers.size(); ++i) {
      LayerCounters& l = result.layers.emplace_back();
      l.name = program_.layers[i].name;
      l.counters["cycles"] = layer_cycles[i];
      l.counters["estimate_cycles"] = estimates_[i];
      if (detailed) add_tally(layers[i], l.counters);
    }
    return result;
  }

  const Program& program() const override { return program_; }

 private:
  // Per unit busy, stall (by cause) cycles, bytes per memory and MACs of `t`, added to `c`.
  static void add_tally(const sim::Tally& t, Counters& c) {
    for (int u = 0; u < isa::kUnitCount; ++u) {
      const std::string name(isa::unit_name(static_cast<isa::Unit>(u)));
      const sim::UnitTiming& ut = t.units[static_cast<std::size_t>(u)];
      c[name + ".busy_cycles"] += ut.busy;
      c[name + ".stall.token_cycles"] += ut.token_stall;
      c[name + ".stall.queue_full_cycles"] += ut.queue_full_stall;
      c[name + ".stall.dram_cycles"] += ut.dram_stall;
      c[name + ".stall.bank_conflict_cycles"] += ut.bank_stall;
    }
    for (int m = 0; m < sim::kMemoryCount; ++m) {
      const std::string name(sim::memory_name(static_cast<sim::Memory>(m)));
      c[name + ".read_bytes"] += t.traffic.read_bytes[static_cast<std::size_t>(m)];
      c[name + ".write_bytes"] += t.traffic.write_bytes[static_cast<std::size_t>(m)];
    }
    c["macs"] += t.macs;
  }

  // The segment's cycles, idle cycles per unit and dispatch stalls, added to `c`.
  static void add_timing(const sim::SegmentTiming& t, Counters& c) {
    c["cycles"] += t.cycles;
    c["dispatch.stall.queue_full_cycles"] += t.dispatch_queue_full_stall;
    c["dispatch.stall.barrier_cycles"] += t.dispatch_barrier_stall;
    c["dispatch.stall.fetch_cycles"] += t.dispatch_fetch_stall;
    c["fetch.read_bytes"] += t.fetch_bytes;
    add_tally(t.total, c);
    for (int u = 0; u < isa::kUnitCount; ++u) {
      const sim::UnitTiming& ut = t.total.units[static_cast<std::size_t>(u)];
      const std::uint64_t used = ut.busy + ut.token_stall + ut.queue_full_stall + ut.dram_stall + ut.bank_stall;
      c[std::string(isa::unit_name(static_cast<isa::Unit>(u))) + ".idle_cycles"] +=
          t.cycles > used ? t.cycles - used : 0;
    }
  }

  // Adds each layer's instructions of the segment (first instruction `first_insn`) to its tally, and its cycles
  // (first start to last end) to `cycles`.
  void add_layers(const sim::SegmentTiming& t, std::uint32_t first_insn, std::vector<sim::Tally>& tallies,
                  std::vector<std::uint64_t>& cycles) const {
    for (std::size_t i = 0; i < program_.layers.size(); ++i) {
      const LayerSpan& l = program_.layers[i];
      if (l.begin < first_insn || l.end > first_insn + t.insns.size() || l.begin == l.end) continue;
      std::uint64_t lo = UINT64_MAX, hi = 0;
      for (std::uint32_t pc = l.begin; pc < l.end; ++pc) {
        const sim::InsnTiming& it = t.insns[pc - first_insn];
        lo = std::min(lo, it.start);
        hi = std::max(hi, it.end);
        tallies[i].add(it, isa::unit_of(program_.insns[pc]));
      }
      cycles[i] += hi - lo;
    }
  }

  // Appends the segment's instructions, shifted by `base`, the cycles of the segments before it.
  void add_timeline(const sim::SegmentTiming& t, std::uint32_t first_insn, std::uint64_t base,
                    std::vector<TraceSlice>& out) const {
    std::size_t layer = 0;
    for (std::uint32_t i = 0; i < t.insns.size(); ++i) {
      const std::uint32_t pc = first_insn + i;
      while (layer < program_.layers.size() && program_.layers[layer].end <= pc) ++layer;
      const spec::Insn& insn = program_.insns[pc];
      const std::string op(isa::opcode_name(spec::decode_header(insn).opcode));
      const bool in_layer = layer < program_.layers.size() && program_.layers[layer].begin <= pc;
      out.push_back({std::string(isa::unit_name(isa::unit_of(insn))), in_layer ? program_.layers[layer].name : op, op,
                     pc, base + t.insns[i].start, base + t.insns[i].end});
    }
  }

  Backend backend_;
  std::shared_ptr<const DeviceState> state_;
  const isa::ArchConfig& arch_;
  const DeviceOptions& options_;
  Program program_;
  std::vector<std::uint64_t> estimates_;                 // per layer: the analytic estimate (sim::estimate_cycles)
  std::vector<std::vector<std::uint32_t>> orders_;       // per accelerator segment
  std::vector<std::uint64_t> max_cycles_;                // per accelerator segment: DeviceOptions::max_cycles
  std::vector<std::optional<PreparedHostOp>> prepared_;  // per step: what the host-op provider made of a host step
  std::unique_ptr<Engine> engine_;
  std::vector<std::uint8_t> act_;
};

class RunnerDevice final : public Device {
 public:
  // The first engine is made here, so a backend that cannot run the config (rtl without a model verilated for it)
  // says so when the device is opened; the first program loaded takes it.
  RunnerDevice(Backend backend, EngineFactory factory, isa::ArchConfig arch, DeviceOptions options)
      : backend_(backend),
        factory_(std::move(factory)),
        state_(std::make_shared<const DeviceState>(DeviceState{std::move(arch), std::move(options)})) {
    spare_ = factory_(state_->arch, state_->options);
  }

  std::unique_ptr<LoadedProgram> load(Program program) override {
    check_fingerprint(program, state_->arch);
    const EngineFactory first = [this](const isa::ArchConfig& a, const DeviceOptions& o) {
      return spare_ ? std::move(spare_) : factory_(a, o);
    };
    return std::make_unique<RunnerProgram>(backend_, first, state_, std::move(program));
  }
  const isa::ArchConfig& arch() const override { return state_->arch; }
  Backend backend() const override { return backend_; }

 private:
  Backend backend_;
  EngineFactory factory_;
  std::shared_ptr<const DeviceState> state_;
  std::unique_ptr<Engine> spare_;
};

std::map<Backend, EngineFactory>& registry() {
  static std::map<Backend, EngineFactory> engines = [] {
    std::map<Backend, EngineFactory> m{{Backend::kFunctional, make_functional_engine},
                                       {Backend::kSystemc, make_systemc_engine}};
#if SYSTOLE_HAVE_XRT
    m[Backend::kXrt] = make_xrt_engine;
#endif
    return m;
  }();
  return engines;
}

std::mutex& registry_mutex() {
  static std::mutex m;
  return m;
}

}  // namespace

void register_engine(Backend backend, EngineFactory factory) {
  const std::lock_guard lock(registry_mutex());
  registry()[backend] = std::move(factory);
}

const EngineFactory* find_engine(Backend backend) {
  const std::lock_guard lock(registry_mutex());
  const auto it = registry().find(backend);
  return it == registry().end() ? nullptr : &it->second;
}

std::unique_ptr<Device> open_device(Backend backend, const EngineFactory& factory, const DeviceOptions& options) {
  return std::make_unique<RunnerDevice>(backend, factory, isa::load_arch_config(options.arch), options);
}

}  // namespace systole::runtime
