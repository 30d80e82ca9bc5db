// The Vitis build folder of one board and arch config (`systole build-xclbin`): everything Vivado and v++ need to
// turn the RTL top (hw/rtl/systole_top.sv) into an xclbin, in one self-contained folder that can be copied to a
// machine with Vitis and built there with `make hw`:
//
//   rtl/*.sv                           copies of hw/rtl
//   generated/rtl/systole_pkg.sv       hw/spec/gen_spec.py --sv
//   generated/vitis/<arch>/kernel.xml  hw/spec/gen_spec.py --kernel-xml (memory ports as wide as the config's beat)
//   <board>.cfg                        hw/vitis/gen_connectivity.py: one compute unit, every port on the first bank
//   package_xo.tcl                     a copy of hw/vitis/package_xo.tcl
//   Makefile                           xo, hw_emu, hw, clean (and firmware on embedded boards)
//   firmware/shell.json, systole.bif   embedded boards only: what `make firmware` turns into an xmutil/fpgautil app
//   README.txt                         what to run
//
// Each fact comes from its one generator, run here with SYSTOLE_PYTHON: the RTL top's parameters from
// hw/verif/arch_params.py (the mapping the Verilator build and the Yosys flow use), the kernel description and the
// package from gen_spec.py, the connectivity from gen_connectivity.py. Files are written atomically and only when their
// content changed, so `make` rebuilds nothing after the same command runs again.
#pragma once

#include <array>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "systole/arch.hpp"
#include "systole/board.hpp"

namespace systole {

// The v++ link targets the Makefile builds an xclbin for.
constexpr std::array<std::string_view, 2> kVitisTargets = {"hw", "hw_emu"};

// A parameter of the RTL top as package_xo.tcl's `--param NAME=VALUE` takes it.
struct RtlParam {
  std::string name;
  std::string value;  // decimal, or 0x... hex for a bit vector (IP-XACT's bitString form, which the IP packager uses)
};

struct VitisFlow {
  Board board;
  isa::ArchConfig arch;  // its clock is the arch config's; the kernel runs at board.kernel_clock_mhz
  std::filesystem::path dir;
  std::vector<RtlParam> params;    // every parameter of systole_top, as hw/verif/arch_params.py orders them
  std::vector<std::string> files;  // every file of the flow, relative to dir, sorted

  // The kernel object and the xclbin of a target (kVitisTargets) the Makefile builds, relative to dir.
  std::string xo() const;
  std::string xclbin(std::string_view target) const;
};

// Writes the flow of `board` (a name in boards/ or a .toml path) and `arch` (a name or .toml path; empty: the board's
// own) into `dir`, which must be a folder or absent (then created). Bad names, a `dir` that is a file or a device, and
// a failing generator are UserErrors.
VitisFlow write_vitis_flow(std::string_view board, const std::string& arch, const std::filesystem::path& dir);

// A scratch folder in the temporary directory, removed with everything in it; `what` starts its error.
class ScratchDir {
 public:
  explicit ScratchDir(std::string_view what);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// The executable `name` in one of $PATH's folders, or an empty path.
std::filesystem::path find_on_path(std::string_view name);

// Runs `argv` (argv[0] looked up on $PATH) and waits for it; its output goes where this process's goes. Returns its
// exit status (128 + the signal number when a signal ended it). Throws a UserError when it cannot be started.
int run_process(const std::vector<std::string>& argv);

}  // namespace systole
