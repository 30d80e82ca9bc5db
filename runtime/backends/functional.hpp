// The `functional` backend: runs programs on the golden model (sim/isa).
#pragma once

#include <memory>

#include "systole/runtime.hpp"

namespace systole::runtime {

std::unique_ptr<Device> open_functional(const DeviceOptions& options);

}  // namespace systole::runtime
