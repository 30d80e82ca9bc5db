// The xrt backend (runtime/backends/xrt.cpp) under XRT's `noop` emulation, with an xclbin written by
// runtime/xrt/xclbin.hpp. noop runs the host path (device, xclbin, kernel, buffers and their syncs, arguments, start,
// completion) but has no kernel registers and computes nothing: a run must end in the RuntimeFault that says so,
// after the run completed. Bad options, files and device indices are UserErrors naming what failed.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "runtime/xrt/xclbin.hpp"
#include "systole/program_text.hpp"
#include "systole/runtime.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::Equals;
using Catch::Matchers::StartsWith;

namespace {

namespace fs = std::filesystem;

// A folder of this test's files, and the environment XRT needs for noop (shared notes-toolchain.md): XILINX_XRT
// names a folder whose lib/ is where libxrt_noop is installed. Set before the first XRT call of the process.
// Removed when the test process ends.
struct WorkDir {
  fs::path path = fs::temp_directory_path() / ("systole_test_xrt_" + std::to_string(::getpid()));
  WorkDir() {
    fs::create_directories(path / "xrt");
    fs::create_directory_symlink(SYSTOLE_XRT_LIB_DIR, path / "xrt" / "lib");
    ::setenv("XILINX_XRT", (path / "xrt").c_str(), 1);
    ::setenv("XCL_EMULATION_MODE", "noop", 1);
  }
  ~WorkDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

fs::path work_dir() {
  static const WorkDir dir;
  return dir.path;
}

fs::path tiny_xclbin() {
  const fs::path file = work_dir() / "systole_tiny.xclbin";
  systole::runtime::write_xclbin(file, systole::isa::load_arch_config("tiny"));
  return file;
}

systole::Program gemm_identity() {
  return systole::assemble_program_file(fs::path(SYSTOLE_TEST_DATA) / "golden" / "programs" / "gemm_identity.s");
}

struct Outcome {
  int status;
  std::string output;  // stdout and stderr together
};

// Runs a shell command (the CLI) in the environment work_dir() set up.
Outcome cli(const std::string& command) {
  work_dir();
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  REQUIRE(pipe);
  std::string out;
  char buf[4096];
  while (const std::size_t n = std::fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  const int raw = ::pclose(pipe);
  REQUIRE(WIFEXITED(raw));
  return {WEXITSTATUS(raw), out};
}

// gemm_identity as a program file.
fs::path assembled() {
  const fs::path file = work_dir() / "gemm_identity.sys";
  gemm_identity().write(file);
  return file;
}

}  // namespace

TEST_CASE("the xclbin writer lays out the sections XRT reads", "[xrt]") {
  const std::string image = systole::runtime::xclbin_image(systole::isa::load_arch_config("tiny"));
  REQUIRE(image.size() > 496);
  CHECK(image.substr(0, 8) == std::string("xclbin2\0", 8));
  std::uint64_t length = 0;
  std::memcpy(&length, image.data() + 304, sizeof length);  // axlf.m_header.m_length
  CHECK(length == image.size());
  CHECK_THAT(image, Contains("systole_top:systole_1"));
  CHECK_THAT(image, Contains("DDR[0]"));
  CHECK_THAT(image, Contains("<arg name=\"act_size\" addressQualifier=\"0\" id=\"5\" port=\"s_axi_control\""));
  CHECK_THAT(image, Contains("<arg name=\"const_addr\" addressQualifier=\"1\" id=\"2\" port=\"m_axi_load\""));
  CHECK_THAT(image, Contains("dataWidth=\"128\""));  // tiny: 16 bytes per beat
  // Every image has its own UUID (XRT keys loaded xclbins by it).
  CHECK(image.substr(0, 496) != systole::runtime::xclbin_image(systole::isa::load_arch_config("tiny")).substr(0, 496));
}

TEST_CASE("xrt under noop opens, loads, allocates, syncs, sets arguments and runs, then reports no registers",
          "[xrt]") {
  const fs::path xclbin = tiny_xclbin();
  auto device = systole::Device::open("xrt", {.arch = "tiny", .xclbin = xclbin.string()});
  CHECK(device->backend() == systole::Backend::kXrt);
  auto program = device->load(gemm_identity());
  systole::Tensor a(systole::DType::kInt8, {4, 4});
  // The run completes on the device (no XRT error from buffers, arguments, start or wait: "completed" is said only
  // after the command reached ERT_CMD_STATE_COMPLETED and the act buffer was synced back), then stops at the first
  // register read: noop has none, so there is no fingerprint, status or cycle count, and no output to check.
  const std::string expected =
      "xrt: the segment starting at instruction 0 completed under XCL_EMULATION_MODE=noop, which has no kernel "
      "registers (reading the fingerprint register failed: failed to read ip(0): Operation not permitted): no "
      "fingerprint, status or cycles to read, and nothing was computed";
  CHECK_THROWS_AS(program->run({{"a", a}}), systole::RuntimeFault);
  CHECK_THROWS_WITH(program->run({{"a", a}}), Equals(expected));
  // A second program on the same device (its own engine, the same board).
  auto again = device->load(gemm_identity());
  CHECK_THROWS_WITH(again->run({{"a", a}}), Equals(expected));
}

TEST_CASE("xrt without --xclbin is a UserError", "[xrt]") {
  work_dir();
  CHECK_THROWS_AS(systole::Device::open("xrt", {.arch = "tiny"}), systole::UserError);
  CHECK_THROWS_WITH(systole::Device::open("xrt", {.arch = "tiny"}), Equals("--backend xrt needs --xclbin FILE"));
}

TEST_CASE("xrt with a missing xclbin file is a UserError naming it", "[xrt]") {
  const std::string missing = (work_dir() / "absent.xclbin").string();
  CHECK_THROWS_AS(systole::Device::open("xrt", {.arch = "tiny", .xclbin = missing}), systole::UserError);
  CHECK_THROWS_WITH(systole::Device::open("xrt", {.arch = "tiny", .xclbin = missing}),
                    Equals("xclbin " + missing + ": cannot open file"));
}

TEST_CASE("xrt with a file that is no xclbin is a UserError naming it", "[xrt]") {
  const fs::path bogus = work_dir() / "bogus.xclbin";
  std::ofstream(bogus) << "this is a text file, not an xclbin\n";
  CHECK_THROWS_AS(systole::Device::open("xrt", {.arch = "tiny", .xclbin = bogus.string()}), systole::UserError);
  CHECK_THROWS_WITH(systole::Device::open("xrt", {.arch = "tiny", .xclbin = bogus.string()}),
                    StartsWith("xclbin " + bogus.string() + ": not an xclbin XRT can read: "));
}

TEST_CASE("xrt device indices: noop opens any, a board path refuses one XRT does not have", "[xrt]") {
  // noop's shim opens a device for every index (xclOpen never fails there), so in this process index 7 opens.
  const fs::path xclbin = tiny_xclbin();
  CHECK(systole::Device::open("xrt", {.arch = "tiny", .xclbin = xclbin.string(), .xrt_device = 7}) != nullptr);
  // Without emulation (a fresh process: XRT picks its shim once per process) this machine has no board, and XRT's
  // refusal is the one-line UserError.
  const fs::path program = assembled();
  const Outcome o = cli("env -u XCL_EMULATION_MODE " + std::string(SYSTOLE_CLI) + " run " + program.string() +
                        " --backend xrt --xclbin " + xclbin.string() + " --xrt-device 7");
  CHECK(o.status == 1);
  CHECK(o.output == "systole: error: xrt: opening xrt device 7 failed: Could not open device with index '7'\n");
}

TEST_CASE("systole run --backend xrt under noop stops with the one-line fault", "[xrt]") {
  const fs::path xclbin = tiny_xclbin();
  const fs::path input = work_dir() / "a.npy";
  systole::write_npy(input, systole::Tensor(systole::DType::kInt8, {4, 4}));
  const Outcome o = cli(std::string(SYSTOLE_CLI) + " run " + assembled().string() + " --input a=" + input.string() +
                        " --backend xrt --xclbin " + xclbin.string() + " --xrt-device 0");
  CHECK(o.status == 1);
  CHECK_THAT(o.output, StartsWith("systole: error: xrt: the segment starting at instruction 0 completed under "
                                  "XCL_EMULATION_MODE=noop, which has no kernel registers"));
  CHECK(o.output.find('\n') == o.output.size() - 1);
}

TEST_CASE("systole run: --xclbin needs --backend xrt, and xrt needs --xclbin", "[xrt]") {
  const std::string program = assembled().string();
  const Outcome wrong = cli(std::string(SYSTOLE_CLI) + " run " + program + " --xclbin x.xclbin");
  CHECK(wrong.status == 1);
  CHECK(wrong.output == "systole: error: --xclbin and --xrt-device need an FPGA board (--backend xrt)\n");
  const Outcome none = cli(std::string(SYSTOLE_CLI) + " run " + program + " --backend xrt");
  CHECK(none.status == 1);
  CHECK(none.output == "systole: error: --backend xrt needs --xclbin FILE\n");
}
