// A minimal xclbin for the systole_top kernel, written from the register map (hw/spec/regmap.toml through the
// generated tables): what XRT needs to load it, make the kernel, allocate its buffers and start a run. It has no
// bitstream, so it is for XRT's `noop` emulation (XCL_EMULATION_MODE=noop) and for tests of the host path; a board
// needs the xclbin v++ links (hw/vitis/README.md).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "systole/arch.hpp"

namespace systole::runtime {

struct XclbinSpec {
  std::string bank = "DDR[0]";                        // the one memory bank, as Vitis connectivity names it (its tag)
  std::uint64_t bank_bytes = std::uint64_t{1} << 30;  // bank size (whole KiB)
  std::uint64_t bank_base = 0x4000000000;             // device address of the bank (an Alveo DDR[0]'s)
  std::uint64_t cu_base = 0x1800000;                  // control register base of the compute unit systole_1
  double kernel_clock_mhz = 300;                      // the kernel clock the metadata declares
};

// The xclbin as bytes: a fresh random UUID, sections IP_LAYOUT (one ap_ctrl_hs kernel instance systole_top:systole_1
// at cu_base), MEM_TOPOLOGY (one DDR4 bank), CONNECTIVITY (each pointer argument to that bank) and EMBEDDED_METADATA
// (the kernel, its control and memory ports as wide as `arch`'s DRAM beat, and its six arguments).
std::string xclbin_image(const isa::ArchConfig& arch, const XclbinSpec& spec = {});

// Writes xclbin_image to `file` (atomically).
void write_xclbin(const std::filesystem::path& file, const isa::ArchConfig& arch, const XclbinSpec& spec = {});

}  // namespace systole::runtime
