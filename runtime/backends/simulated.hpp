// The simulated backends: `functional` runs accelerator segments on the golden model (sim/isa) in verification
// order, with no time; `systemc` runs them on the cycle-accurate SystemC model (sim/cycle), which executes the
// same arithmetic in its own order and adds cycles, per-unit busy/stall counters and per-layer cycles; `rtl` runs
// them on the Verilated RTL (hw/verif/rtl_top.hpp: the kernel top behind DramModel-timed AXI ports, driven through its
// control registers), where it was built, and reports cycles, per-layer cycles and the timeline. Host operators run on
// the CPU for all three.
#pragma once

#include <memory>

#include "systole/runtime.hpp"

namespace systole::runtime {

std::unique_ptr<Device> open_simulated(Backend backend, const DeviceOptions& options);

// Whether this build has the `rtl` backend (Verilator was found).
bool have_rtl();

}  // namespace systole::runtime
