// The host API: one interface over every level that runs a Systole program.
//
//   auto dev  = systole::Device::open("functional", {.arch = "default"});
//   auto prog = dev->load(systole::Program::read("gemm.sys"));
//   auto run  = prog->run({{"a", tensor}});
//   run.outputs.at("y"); run.counters;
//
// Device::open picks a backend by name (the engines this program links, runtime/engine.hpp). load() refuses a program
// compiled for another arch (fingerprint mismatch) and verifies it statically (bounds, tokens, races) before anything
// runs. run() checks every input's name, dtype and shape against the program's tensor descriptors.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "systole/arch.hpp"
#include "systole/error.hpp"
#include "systole/program.hpp"
#include "systole/tensor.hpp"

namespace systole {

enum class Backend : std::uint8_t { kFunctional, kSystemc, kRtl, kXrt };

// "functional", "systemc", "rtl", "xrt"; a UserError listing the names otherwise.
Backend parse_backend(std::string_view name);
std::string_view backend_name(Backend b);

struct DeviceOptions {
  std::string arch = "default";  // config name in hw/arch or a path to a .toml file
  bool record_queues = false;    // timed backends: record queue occupancy (RunResult::queue_samples)
  std::string wave{};            // rtl backend: write every signal of the design, every cycle, to this FST file
  // Timed backends: called as a run advances with the share of its instructions dispatched, in [0, 1].
  std::function<void(double done)> progress{};
  // Timed backends: a segment that has not finished after this many cycles stops the run with a RuntimeFault naming
  // the instruction dispatch and each unit are at. 0: automatic, 1024 x (the analytic estimate of the segment + its
  // instruction count) + 2^20, far above what any verified program takes.
  std::uint64_t max_cycles = 0;
  // SystemC model: the same after this many seconds of host time per segment (0: no limit).
  double max_seconds = 0;
  // xrt backend: the xclbin to load (required) and the index of the device XRT opens.
  std::string xclbin{};
  unsigned xrt_device = 0;
};

// Counters by dotted name ("macs", "insns.gemm", "dram.read_bytes", "compute.stall.token_cycles", ...); what a
// level can count varies (docs/timing.md lists the timed ones).
using Counters = std::map<std::string, std::uint64_t>;

// The counters of one IR layer's instructions (timed backends), with the compiler's analytic estimate beside the
// measured cycles ("cycles", "estimate_cycles").
struct LayerCounters {
  std::string name;
  Counters counters;
};

// One instruction on a unit's timeline (timed backends): cycles from the start of the run.
struct TraceSlice {
  std::string unit;  // load | compute | store | dispatch
  std::string name;  // the layer it implements, else its opcode
  std::string opcode;
  std::uint32_t pc = 0;
  std::uint64_t start = 0;
  std::uint64_t end = 0;
};

// Occupancy of one of the model's queues became `value` at `cycle` (timed backends, DeviceOptions::record_queues).
// `queue` numbers the three instruction queues (load, compute, store), then the four token queues (load->compute,
// compute->load, compute->store, store->compute); queue_vcd() names them.
struct QueueSample {
  std::uint64_t cycle = 0;
  std::uint32_t queue = 0;
  std::uint32_t value = 0;
};

struct RunResult {
  std::map<std::string, Tensor> outputs;
  Counters counters;
  std::vector<LayerCounters> layers;       // program order; empty for untimed backends
  std::vector<TraceSlice> timeline;        // empty for untimed backends
  std::vector<QueueSample> queue_samples;  // when DeviceOptions::record_queues; cycles from the run's start
};

// The timeline as a Chrome/Perfetto trace (JSON, one track per unit, timestamps in microseconds at `clock_mhz`).
std::string chrome_trace(const std::vector<TraceSlice>& timeline, double clock_mhz);

// Queue occupancy as a VCD (one integer signal per queue, 1 ns per cycle), for GTKWave or Surfer.
std::string queue_vcd(const std::vector<QueueSample>& samples);

// The per-layer counters as a table: measured cycles beside the analytic estimate, MAC utilization, per-unit busy
// share, the largest stall and DRAM bytes.
std::string layer_table(const RunResult& result, const isa::ArchConfig& arch);

// A program loaded onto a device, ready to run any number of times; it may outlive the Device it was loaded on.
class LoadedProgram {
 public:
  virtual ~LoadedProgram() = default;
  // Binds inputs by name, runs to completion, returns outputs by name. Throws UserError for bad inputs and
  // RuntimeFault when the hardware reports an error status.
  virtual RunResult run(const std::map<std::string, Tensor>& inputs) = 0;
  virtual const Program& program() const = 0;
};

class Device {
 public:
  virtual ~Device() = default;
  static std::unique_ptr<Device> open(std::string_view backend, const DeviceOptions& options = {});
  virtual std::unique_ptr<LoadedProgram> load(Program program) = 0;
  virtual const isa::ArchConfig& arch() const = 0;
  virtual Backend backend() const = 0;
};

}  // namespace systole

namespace systole {

// Runs a program over a data set: every input may hold k times the program's batch (dimension 0) with the same
// number of elements per sample (so [360, 64] feeds a program input [8, 1, 8, 8]); the program runs k times and the
// outputs are concatenated along dimension 0, counters summed. A sample count that is not a multiple of the batch
// is a UserError naming the input.
RunResult run_dataset(LoadedProgram& program, const std::map<std::string, Tensor>& inputs);

}  // namespace systole
