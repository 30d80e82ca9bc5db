// FPGA boards: the data files in boards/ (part, platform, arch config, kernel clock, resources, memory banks) the
// Vitis flow (`systole build-xclbin`), `--board` on compile and run, and the perf reports read.
//
// Reading is strict: every key must be present with the right type, unknown keys are rejected (a typo would
// otherwise silently drop a figure), and a bad file raises a UserError naming the file, the key and what to change.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace systole {

// One memory bank as Vitis connectivity names it (`sp=<cu>.<port>:<name>`).
struct MemoryBank {
  std::string name;           // DDR[0], HBM[3], HP0, ...
  std::string type;           // DDR4 | HBM2
  double size_gib = 0;        // GiB (2^30 bytes) the kernel can address in this bank
  double bandwidth_gbps = 0;  // peak, GB/s (10^9 bytes per second)
};

// Device totals; the platform shell takes part of them.
struct BoardResources {
  std::int64_t lut = 0;
  std::int64_t ff = 0;
  std::int64_t dsp = 0;
  std::int64_t bram36 = 0;  // 36-Kb block RAM tiles
  std::int64_t uram = 0;    // 288-Kb UltraRAMs
};

struct Board {
  std::string name;  // file stem: u250, u280, ...
  std::string description;
  std::string part;          // exact Xilinx part, e.g. xcu250-figd2104-2L-e
  std::string family;        // Yosys synth_xilinx -family: xcup | xcu | xc7
  std::string platform;      // Vitis platform for v++ --platform
  std::string arch;          // the arch config (a name in hw/arch) the board's xclbin is built with
  int kernel_clock_mhz = 0;  // the platform's default kernel clock (ap_clk)
  BoardResources resources;
  std::vector<MemoryBank> banks;  // never empty; the kernel's AXI master ports all bind to the first

  // The bank of that connectivity name, or nullptr.
  const MemoryBank* find_bank(std::string_view bank_name) const;

  // A Zynq UltraScale+ MPSoC or Kria SOM (part xczu..., xck...): an embedded Vitis platform, whose kernels share the
  // Arm cores' DDR and run under XRT's zocl driver, rather than a PCIe card (Alveo, part xcu...).
  bool embedded() const;
};

// Parses a board from TOML text; `origin` names the source in error messages.
Board parse_board(std::string_view toml_text, const std::string& origin);

// Reads a board file; its `name` must equal the file's stem.
Board read_board(const std::filesystem::path& file);

// A bare name (`u280`) looks in board_dir(); a path ending in .toml (or containing '/') is read directly.
Board load_board(std::string_view name_or_path);

// The file load_board() reads for `name_or_path` (which may not exist).
std::filesystem::path board_file(std::string_view name_or_path);

// The names of the boards in board_dir(), sorted.
std::vector<std::string> board_names();

// The directory of the named boards: $SYSTOLE_BOARD_DIR if set, else the source tree's boards/ while it exists, else
// the installed copy (<prefix>/share/systole/boards).
std::filesystem::path board_dir();

}  // namespace systole
