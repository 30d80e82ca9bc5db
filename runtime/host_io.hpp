// Host-side steps every backend shares: the fingerprint check, input binding and output readback.
#pragma once

#include <map>
#include <span>
#include <string>

#include "systole/runtime.hpp"

namespace systole::runtime {

// Throws UserError when the program was compiled for another arch config.
void check_fingerprint(const Program& program, const isa::ArchConfig& arch);

// Checks the inputs against the program's input descriptors (every input given, no unknown names, dtype and
// shape equal) and copies them into the act region at their offsets.
void bind_inputs(const Program& program, const std::map<std::string, Tensor>& inputs, std::span<std::uint8_t> act);

// Copies every output tensor out of the act region.
std::map<std::string, Tensor> read_outputs(const Program& program, std::span<const std::uint8_t> act);

}  // namespace systole::runtime
