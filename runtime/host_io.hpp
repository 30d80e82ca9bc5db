// Host-side steps every backend shares: the fingerprint check, input binding, output readback, and running the
// program's host steps on the DRAM regions.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>

#include "runtime/host_kernels.hpp"
#include "systole/runtime.hpp"

namespace systole::runtime {

// Throws UserError when the program was compiled for another arch config.
void check_fingerprint(const Program& program, const isa::ArchConfig& arch);

// Checks the inputs against the program's input descriptors (every input given, no unknown names, dtype and
// shape equal) and copies them into the act region at their offsets, in each tensor's layout.
void bind_inputs(const Program& program, const std::map<std::string, Tensor>& inputs, std::span<std::uint8_t> act);

// Copies every output tensor out of the act region (back to row-major).
std::map<std::string, Tensor> read_outputs(const Program& program, std::span<const std::uint8_t> act);

// Reads a tensor from its region into logical (row-major, NCHW) order, and writes one back.
HostValue read_value(const TensorDesc& d, std::span<const std::uint8_t> const_region,
                     std::span<const std::uint8_t> act);
void write_value(const TensorDesc& d, const HostValue& v, std::span<std::uint8_t> act);

// Runs one host step on the regions. `prepared` caches what the host-op provider made of the step (host_kernels.hpp):
// unset before the first run, an empty function where run_host_op runs it.
void run_host_step(const Program& program, const HostStep& step, std::span<const std::uint8_t> const_region,
                   std::span<std::uint8_t> act, std::optional<PreparedHostOp>& prepared);

}  // namespace systole::runtime
