// hw/vitis/package_xo.tcl with Vivado's commands stubbed (hw/vitis/stub_vivado.tcl, plain tclsh): it packages the
// kernel.xml of the config it is given, sets the top's BeatBytes and every master's width from it, marks the read
// and write masters as such, and refuses inputs that disagree with kernel.xml. Left out (with a warning) where
// tclsh is missing; nothing here needs Vivado.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "systole/spec/isa_gen.hpp"

using namespace systole;
using Catch::Contains;
namespace fs = std::filesystem;

namespace {

struct Run {
  int status;
  std::string output;  // stdout and stderr
};

// package_xo.tcl for `config` with extra arguments, under the given STUB_* environment settings. Each test case
// passes its own `tag` and the folder names the process, so runs in parallel write to different folders.
Run package(const std::string& tag, const std::string& config, const std::string& extra = "",
            const std::string& env = "") {
  const fs::path dir =
      fs::temp_directory_path() / ("systole_test_vitis_package_" + tag + "_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path log = dir / "output.txt";
  const std::string spec_gen_dir = fs::path(SYSTOLE_SPEC_VITIS_DIR).parent_path().string();
  std::string args =
      "--part xcu280-fsvh2892-2L-e --spec-gen-dir " + spec_gen_dir + " --xo " + (dir / "systole.xo").string();
  if (!config.empty()) args += " --config " + config;
  const std::string cmd = env + " tclsh " + SYSTOLE_SOURCE_DIR + "/hw/vitis/stub_vivado.tcl " + args + " " + extra +
                          " > " + log.string() + " 2>&1";
  const int status = std::system(cmd.c_str());
  std::ostringstream text;
  text << std::ifstream(log).rdbuf();
  fs::remove_all(dir);
  return {status, text.str()};
}

bool have_tclsh() {
  return std::system("command -v tclsh > /dev/null 2>&1") == 0;
}

}  // namespace

TEST_CASE("package_xo.tcl packages a config's kernel.xml with its memory ports (Vivado stubbed)", "[unit]") {
  if (!have_tclsh()) {
    WARN("tclsh not found: package_xo.tcl not exercised");
    return;
  }
  const Run tiny = package("ok", "tiny", "--param Rows=4");
  INFO(tiny.output);
  REQUIRE(tiny.status == 0);
  CHECK_THAT(tiny.output, Contains("-kernel_xml " SYSTOLE_SPEC_VITIS_DIR "/tiny/kernel.xml"));
  CHECK_THAT(tiny.output, Contains("STUB: set_property value 16 user_param:BeatBytes"));  // 128-bit ports
  CHECK_THAT(tiny.output, Contains("STUB: set_property value 4 user_param:Rows"));
  for (const auto& p : spec::kKernelMemoryPorts) {
    const std::string name = p.name;
    const std::string mode = p.access == spec::PortAccess::kRead ? "READ_ONLY" : "WRITE_ONLY";
    CHECK_THAT(tiny.output, Contains("-busif " + name + " -clock ap_clk"));
    CHECK_THAT(tiny.output, Contains("STUB: set_property value 128 busif:" + name + ".DATA_WIDTH"));
    CHECK_THAT(tiny.output, Contains("STUB: set_property value " + mode + " busif:" + name + ".READ_WRITE_MODE"));
    CHECK_THAT(tiny.output, Contains("STUB: set_property value 0 busif:" + name + ".HAS_BURST"));
  }
  CHECK_THAT(tiny.output, Contains("m_axi_store: WRITE_ONLY, 128 bits"));

  const Run def = package("ok", "default");
  INFO(def.output);
  REQUIRE(def.status == 0);
  CHECK_THAT(def.output, Contains("STUB: set_property value 32 user_param:BeatBytes"));
  CHECK_THAT(def.output, Contains("m_axi_fetch: READ_ONLY, 256 bits"));
}

TEST_CASE("package_xo.tcl refuses inputs that disagree with kernel.xml (Vivado stubbed)", "[unit]") {
  if (!have_tclsh()) {
    WARN("tclsh not found: package_xo.tcl not exercised");
    return;
  }
  const Run wide = package("refused", "tiny", "--param BeatBytes=32");
  CHECK(wide.status != 0);
  CHECK_THAT(wide.output, Contains("--param BeatBytes=32 disagrees with kernel.xml of 'tiny' (128-bit memory ports, "
                                   "BeatBytes=16)"));
  const Run no_config = package("refused", "");
  CHECK(no_config.status != 0);
  CHECK_THAT(no_config.output, Contains("--config is required"));
  const Run unknown = package("refused", "huge");
  CHECK(unknown.status != 0);
  CHECK_THAT(unknown.output, Contains("vitis/huge/kernel.xml is missing"));
  const Run no_acc = package("refused", "tiny", "", "STUB_BUSIFS='s_axi_control m_axi_fetch m_axi_load m_axi_store'");
  CHECK(no_acc.status != 0);
  CHECK_THAT(no_acc.output, Contains("systole_top has no bus interface 'm_axi_acc'"));
  const Run bogus = package("refused", "tiny", "--param Bogus=1");
  CHECK(bogus.status != 0);
  CHECK_THAT(bogus.output, Contains("systole_top has no parameter 'Bogus' (it has: ") && Contains("BeatBytes"));
  const Run no_channels = package("refused", "tiny", "", "STUB_WRITERS=s_axi_control");
  CHECK(no_channels.status != 0);
  CHECK_THAT(no_channels.output, Contains("m_axi_store has neither m_axi_store_arvalid nor m_axi_store_awvalid"));
}
