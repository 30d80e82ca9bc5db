// The engine contract: what a backend does. An engine runs one verified accelerator segment over a DRAM image and
// reports its status, and what its level measures: instruction, MAC and DRAM counts; cycles and each instruction's
// span where it is timed. Everything else a run needs (verification, input binding, host steps, outputs, per-layer
// counters, timelines) is the runner's (runtime/runner.cpp), written once for every backend.
//
// One file per engine: runtime/backends/functional.cpp, runtime/backends/systemc.cpp, runtime/backends/xrt.cpp (an
// FPGA board through XRT, where XRT was found) and hw/verif/rtl_engine.cpp (the Verilated kernel, which registers
// itself when linked: the runtime does not depend on hw/verif).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "sim/cycle/accelerator.hpp"
#include "sim/isa/machine.hpp"
#include "systole/runtime.hpp"

namespace systole::runtime {

// How one segment is to be run.
struct SegmentContext {
  std::uint32_t first_pc = 0;                      // the program instruction of insns[0] (messages name program pcs)
  std::span<const std::uint32_t> order;            // the verifier's execution order (isa::verify_program)
  std::uint64_t max_cycles = 0;                    // timed engines: stop the segment with a RuntimeFault past this
  double max_seconds = 0;                          // SystemC: the same on the host's clock (0: none)
  bool record_queues = false;                      // SystemC: queue occupancy samples
  std::function<void(std::uint32_t pc)> progress;  // timed engines: called as instructions are dispatched
};

// What one segment's run reports.
struct SegmentRun {
  isa::RunStatus status;                     // error status and the segment-relative pc it names
  std::optional<isa::Counters> counts;       // levels that count instructions, MACs and DRAM bytes
  std::optional<sim::SegmentTiming> timing;  // timed levels: cycles and every instruction's span (xrt: cycles only,
                                             // insns empty)
  bool unit_detail = false;                  // timing also has per-instruction costs and stalls (SystemC)
};

class Engine {
 public:
  virtual ~Engine() = default;
  // Runs insns (a segment isa::verify_program accepted, ending with its finish) over `dram`, whose act region it
  // updates in place. Throws RuntimeFault when the level stops the segment before its finish.
  virtual SegmentRun run(std::span<const spec::Insn> insns, isa::DramImage dram, const SegmentContext& context) = 0;
};

// Makes the engine of one loaded program.
using EngineFactory = std::function<std::unique_ptr<Engine>(const isa::ArchConfig& arch, const DeviceOptions& options)>;

// Adds a backend to Device::open (functional and systemc are always there; rtl registers itself where linked).
void register_engine(Backend backend, EngineFactory factory);

// The backend's factory, or nullptr where this build has none.
const EngineFactory* find_engine(Backend backend);

// The device every engine runs under (runtime/runner.cpp).
std::unique_ptr<Device> open_device(Backend backend, const EngineFactory& factory, const DeviceOptions& options);

// The engines of the runtime library (runtime/backends/).
std::unique_ptr<Engine> make_functional_engine(const isa::ArchConfig& arch, const DeviceOptions& options);
std::unique_ptr<Engine> make_systemc_engine(const isa::ArchConfig& arch, const DeviceOptions& options);
#if SYSTOLE_HAVE_XRT
std::unique_ptr<Engine> make_xrt_engine(const isa::ArchConfig& arch, const DeviceOptions& options);
#endif

}  // namespace systole::runtime
