// The simulated backends: `functional` runs accelerator segments on the golden model (sim/isa) in verification
// order, with no time; `systemc` runs them on the cycle-accurate SystemC model (sim/cycle), which executes the
// same arithmetic in its own order and adds cycles, per-unit busy/stall counters and per-layer cycles.
#pragma once

#include <memory>

#include "systole/runtime.hpp"

namespace systole::runtime {

std::unique_ptr<Device> open_simulated(Backend backend, const DeviceOptions& options);

}  // namespace systole::runtime
