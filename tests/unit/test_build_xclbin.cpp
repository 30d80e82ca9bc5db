// `systole build-xclbin` (runtime/vitis_flow.hpp): the folder it writes holds the whole Vitis flow of a board, its
// Makefile names the board's part, platform, clock and connectivity and every parameter of the RTL top with the arch
// config's values (checked against the C++ arch loader and the top's own declaration, not against the generator that
// wrote them), and the command stops with a clear line without Vitis or runs make with it (Vivado and v++ stood in
// for by stubs: hw/vitis/stub_vivado.tcl and a script that writes the xclbin it is asked for).
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "runtime/vitis_flow.hpp"
#include "support/command.hpp"
#include "systole/arch.hpp"
#include "systole/board.hpp"
#include "systole/error.hpp"

using namespace systole;
using Catch::Contains;
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  REQUIRE(in);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A fresh folder per test case and process (ctest runs cases in parallel).
fs::path fresh_dir(const std::string& tag) {
  const fs::path dir =
      fs::temp_directory_path() / ("systole_test_build_xclbin_" + tag + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  return dir;
}

using systole::test::Outcome;

// The CLI with $PATH set to `path`.
Outcome cli(const std::string& path, const std::string& args) {
  return systole::test::run_command("env PATH='" + path + "' " + SYSTOLE_CLI + " " + args);
}

// `NAME := value` lines of a Makefile.
std::map<std::string, std::string> make_variables(const std::string& makefile) {
  std::map<std::string, std::string> vars;
  static const std::regex kVar(R"(^([A-Z_]+) +[:?]= (.*)$)");
  std::istringstream in(makefile);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_match(line, m, kVar)) vars[m[1]] = m[2];
  }
  return vars;
}

// The parameters systole_top declares (not its localparams), read from the RTL.
std::set<std::string> top_parameters() {
  const std::string sv = slurp(fs::path(SYSTOLE_SOURCE_DIR) / "hw/rtl/systole_top.sv");
  static const std::regex kParam(R"(\bparameter\s+[^=;]*?\b(\w+)\s*=)");
  std::set<std::string> names;
  for (auto it = std::sregex_iterator(sv.begin(), sv.end(), kParam); it != std::sregex_iterator(); ++it) {
    names.insert((*it)[1]);
  }
  return names;
}

// What each parameter of the top must be for `a`, derived from the C++ arch loader.
std::map<std::string, std::string> expected_params(const isa::ArchConfig& a) {
  char fingerprint[24];
  std::snprintf(fingerprint, sizeof fingerprint, "0x%016llX", static_cast<unsigned long long>(a.fingerprint()));
  return {{"Fingerprint", fingerprint},
          {"Rows", std::to_string(a.rows())},
          {"Cols", std::to_string(a.cols())},
          {"OutputStationary", a.dataflow() == spec::Dataflow::kOutputStationary ? "1" : "0"},
          {"InpRows", std::to_string(a.inp_rows())},
          {"WgtRows", std::to_string(a.wgt_rows())},
          {"AccRows", std::to_string(a.acc_rows())},
          {"Banks", std::to_string(a.params.memory_banks)},
          {"InsnDepth", std::to_string(a.params.queues_insn_depth)},
          {"TokenDepth", std::to_string(a.params.queues_token_depth)},
          {"BeatBytes", std::to_string(a.params.dram_bytes_per_cycle)},
          {"MaxOutstanding", std::to_string(a.params.dram_max_outstanding)},
          {"BurstBytes", std::to_string(a.params.dram_burst_bytes)}};
}

}  // namespace

TEST_CASE("build-xclbin writes every file of the flow into the folder", "[unit]") {
  const fs::path dir = fresh_dir("files");
  const VitisFlow f = write_vitis_flow("u280", "", dir);
  CHECK(f.board.name == "u280");
  CHECK(f.arch.name == "large");  // the board's own config

  std::set<std::string> expected = {"Makefile",
                                    "README.txt",
                                    "u280.cfg",
                                    "package_xo.tcl",
                                    "generated/rtl/systole_pkg.sv",
                                    "generated/vitis/large/kernel.xml"};
  for (const auto& e : fs::directory_iterator(fs::path(SYSTOLE_SOURCE_DIR) / "hw/rtl")) {
    if (e.path().extension() == ".sv") {
      expected.insert("rtl/" + e.path().filename().string());
      CHECK(slurp(dir / "rtl" / e.path().filename()) == slurp(e.path()));  // the RTL itself, self-contained
    }
  }
  CHECK(expected.count("rtl/systole_top.sv") == 1);
  CHECK(std::set<std::string>(f.files.begin(), f.files.end()) == expected);
  std::set<std::string> on_disk;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) on_disk.insert(fs::relative(e.path(), dir).string());
  }
  CHECK(on_disk == expected);

  // The generators' outputs equal what the build generated from the same sources.
  CHECK(slurp(dir / "generated/vitis/large/kernel.xml") ==
        slurp(fs::path(SYSTOLE_SPEC_VITIS_DIR) / "large/kernel.xml"));
  CHECK(slurp(dir / "generated/rtl/systole_pkg.sv") == slurp(SYSTOLE_SPEC_SV));
  CHECK(slurp(dir / "package_xo.tcl") == slurp(fs::path(SYSTOLE_SOURCE_DIR) / "hw/vitis/package_xo.tcl"));

  // The connectivity names the board's first bank (DDR[0] on the U280) for each memory port.
  const std::string cfg = slurp(dir / "u280.cfg");
  CHECK_THAT(cfg, Contains("nk=systole_top:1:systole_1"));
  for (const auto& p : spec::kKernelMemoryPorts)
    CHECK_THAT(cfg, Contains("sp=systole_1." + std::string(p.name) + ":DDR[0]\n"));
  CHECK_THAT(slurp(dir / "README.txt"), Contains("make hw") && Contains("--board u280") && Contains(f.xclbin("hw")));
  fs::remove_all(dir);
}

TEST_CASE("build-xclbin's Makefile has the targets, part, platform, clock and connectivity of each board", "[unit]") {
  for (const auto& name : board_names()) {
    INFO(name);
    const Board b = load_board(name);
    const fs::path dir = fresh_dir("make_" + name);
    const VitisFlow f = write_vitis_flow(name, "", dir);
    const std::string mk = slurp(dir / "Makefile");
    const auto vars = make_variables(mk);
    CHECK(vars.at("PART") == b.part);
    CHECK(vars.at("PLATFORM") == b.platform);
    CHECK(vars.at("ARCH") == b.arch);
    CHECK(vars.at("KERNEL_MHZ") == std::to_string(b.kernel_clock_mhz));
    // Alveo platforms scale clock 0 (--kernel_frequency, MHz); embedded ones take a frequency in Hz.
    CHECK(vars.at("CLOCK") ==
          (b.embedded() ? "--clock.defaultFreqHz=$(KERNEL_MHZ)000000" : "--kernel_frequency $(KERNEL_MHZ)"));
    for (const char* target : {"\nxo: $(XO)\n", "\nhw: ", "\nhw_emu: ", "\nclean:\n"}) CHECK_THAT(mk, Contains(target));
    CHECK((mk.find("\nfirmware: ") != std::string::npos) == b.embedded());
    CHECK_THAT(mk, Contains("$(VIVADO) -mode batch") && Contains("-source package_xo.tcl") &&
                       Contains("--part $(PART) --spec-gen-dir generated --config $(ARCH) --rtl-dir rtl"));
    for (const auto target : kVitisTargets) {
      CHECK_THAT(mk, Contains(f.xclbin(target) + ": $(XO) " + name + ".cfg\n"));
      CHECK_THAT(mk, Contains("$(VPP) -l -t " + std::string(target) + " --platform $(PLATFORM) --config " + name +
                              ".cfg $(CLOCK)"));
    }
    CHECK_THAT(slurp(dir / (name + ".cfg")), Contains(":" + b.banks.front().name + "\n"));
    fs::remove_all(dir);
  }
}

TEST_CASE("build-xclbin passes every parameter of the RTL top with the arch config's value", "[unit]") {
  const std::set<std::string> declared = top_parameters();
  REQUIRE(declared.count("Rows") == 1);
  REQUIRE(declared.count("Fingerprint") == 1);
  for (const auto& [board, arch] : {std::pair{"u55c", ""}, std::pair{"kv260", ""}, std::pair{"u250", "tiny_os"}}) {
    INFO(board << " " << arch);
    const fs::path dir = fresh_dir(std::string("params_") + board);
    const VitisFlow f = write_vitis_flow(board, arch, dir);
    const isa::ArchConfig a = isa::load_arch_config(*arch ? arch : load_board(board).arch);
    CHECK(f.arch.name == a.name);
    std::map<std::string, std::string> in_makefile;
    const std::string mk = slurp(dir / "Makefile");
    static const std::regex kParam(R"(--param (\w+)=(\S+))");
    for (auto it = std::sregex_iterator(mk.begin(), mk.end(), kParam); it != std::sregex_iterator(); ++it) {
      CHECK(in_makefile.emplace((*it)[1], (*it)[2]).second);  // each once
    }
    std::set<std::string> names;
    for (const auto& [k, v] : in_makefile) names.insert(k);
    CHECK(names == declared);
    CHECK(in_makefile == expected_params(a));
    CHECK(f.params.size() == in_makefile.size());
    fs::remove_all(dir);
  }
}

TEST_CASE("build-xclbin rewrites only what changed and drops RTL files hw/rtl no longer has", "[unit]") {
  const fs::path dir = fresh_dir("rewrite");
  write_vitis_flow("zcu104", "", dir);
  CHECK_THAT(slurp(dir / "firmware/shell.json"), Contains("XRT_FLAT"));  // an embedded board's app files
  std::ofstream(dir / "rtl/removed_module.sv") << "module removed_module; endmodule\n";
  const VitisFlow other = write_vitis_flow("zcu104", "tiny", dir);  // another config into the same folder
  CHECK(!fs::exists(dir / "rtl/removed_module.sv"));
  CHECK(fs::exists(dir / "generated/vitis/tiny/kernel.xml"));
  CHECK(make_variables(slurp(dir / "Makefile")).at("ARCH") == "tiny");
  CHECK_THAT(slurp(dir / "README.txt"), Contains("--arch tiny") && Contains("the board's own is default"));
  // Written atomically means a new file (inode) per write; an unchanged file keeps its inode and its time, so make
  // rebuilds nothing after the same command.
  const auto inode = [&](const std::string& file) {
    struct stat st {};
    REQUIRE(::stat((dir / file).c_str(), &st) == 0);
    return st.st_ino;
  };
  std::map<std::string, ino_t> before;
  for (const auto& file : other.files) before[file] = inode(file);
  const auto makefile_time = fs::last_write_time(dir / "Makefile");
  write_vitis_flow("zcu104", "tiny", dir);
  for (const auto& file : other.files) {
    INFO(file);
    CHECK(inode(file) == before[file]);
  }
  CHECK(fs::last_write_time(dir / "Makefile") == makefile_time);
  write_vitis_flow("zcu104", "", dir);  // back to the board's config: the Makefile is replaced
  CHECK(inode("Makefile") != before["Makefile"]);
  fs::remove_all(dir);
}

TEST_CASE("build-xclbin refuses a file or device as its folder, and unknown boards and configs", "[error]") {
  const fs::path dir = fresh_dir("refused");
  fs::create_directories(dir);
  std::ofstream(dir / "a_file") << "keep";
  CHECK_THROWS_WITH(write_vitis_flow("u280", "", dir / "a_file"),
                    Contains("a_file: is a regular file; name a folder, or a path that does not exist yet"));
  CHECK(slurp(dir / "a_file") == "keep");
  CHECK_THROWS_WITH(write_vitis_flow("u280", "", "/dev/null"), Contains("/dev/null: is a character device"));
  CHECK_THROWS_WITH(write_vitis_flow("u999", "", dir / "out"), Contains("board 'u999': no such board"));
  CHECK_THROWS_WITH(write_vitis_flow("u280", "huge", dir / "out"), Contains("arch config 'huge': no such config"));
  CHECK(!fs::exists(dir / "out"));
  fs::remove_all(dir);
}

TEST_CASE("systole build-xclbin without Vitis writes everything and says what to run", "[unit]") {
  const fs::path dir = fresh_dir("cli_novitis");
  const Outcome o = cli("/usr/bin:/bin", "build-xclbin --board u55c -o " + dir.string());
  INFO(o.output);
  CHECK(o.status == 0);
  CHECK_THAT(o.output, Contains("Vitis not found on PATH (no v++, vivado): stopped after writing " + dir.string()) &&
                           Contains("run: make -C " + dir.string() + " hw\n"));
  CHECK(fs::is_regular_file(dir / "Makefile"));
  CHECK(fs::is_regular_file(dir / "generated/vitis/default/kernel.xml"));
  const Outcome emu = cli("/usr/bin:/bin", "build-xclbin --board u55c --target hw_emu -o " + dir.string());
  CHECK(emu.status == 0);
  CHECK_THAT(emu.output, Contains("run: make -C " + dir.string() + " hw_emu\n"));
  fs::remove_all(dir);
}

TEST_CASE("systole build-xclbin refuses bad arguments in one line", "[error]") {
  const fs::path dir = fresh_dir("cli_refused");
  fs::create_directories(dir);
  std::ofstream(dir / "a_file") << "x";
  for (const auto& [args, message] :
       {std::pair<std::string, std::string>{"--board u280 -o " + (dir / "a_file").string(), "is a regular file"},
        {"--board u280 -o /dev/null", "/dev/null: is a character device"},
        {"--board nosuch -o " + (dir / "x").string(), "board 'nosuch': no such board"},
        {"--board u280 --arch 'bad name' -o " + (dir / "x").string(), "a config name may hold only letters"},
        {"--board u280 --target sw_emu -o " + (dir / "x").string(), "--target"}}) {
    const Outcome o = cli("/usr/bin:/bin", "build-xclbin " + args);
    INFO(args << ": " << o.output);
    CHECK(o.status != 0);
    CHECK(o.output.rfind("systole: error: ", 0) == 0);
    CHECK_THAT(o.output, Contains(message));
    CHECK(std::count(o.output.begin(), o.output.end(), '\n') == 1);
  }
  CHECK(!fs::exists(dir / "x"));
  fs::remove_all(dir);
}

TEST_CASE("systole build-xclbin runs make when Vivado and v++ are on PATH (both stubbed)", "[unit]") {
  if (std::system("command -v tclsh > /dev/null 2>&1 && command -v make > /dev/null 2>&1") != 0) {
    WARN("tclsh or make not found: the stubbed Vitis run is left out");
    return;
  }
  const fs::path dir = fresh_dir("cli_stubbed"), bin = dir / "bin", out = dir / "flow";
  fs::create_directories(bin);
  const fs::path log = dir / "tools.log";
  // vivado -mode batch ... -source SCRIPT -tclargs ARGS: SCRIPT (the folder's package_xo.tcl) under tclsh with the
  // Vivado commands stubbed. v++ and emconfigutil: log the arguments and write the file asked for.
  std::ofstream(bin / "vivado") << "#!/bin/sh\necho \"vivado $*\" >> '" << log.string() << "'\n"
                                << "while [ \"$1\" != -source ]; do shift; done\nscript=$2\nshift 3\n"
                                << "STUB_PACKAGE_XO=\"$PWD/$script\" exec tclsh '" << SYSTOLE_SOURCE_DIR
                                << "/hw/vitis/stub_vivado.tcl' \"$@\"\n";
  std::ofstream(bin / "v++") << "#!/bin/sh\necho \"v++ $*\" >> '" << log.string() << "'\n"
                             << "while [ \"$1\" != -o ]; do shift; done\necho xclbin > \"$2\"\n";
  std::ofstream(bin / "emconfigutil") << "#!/bin/sh\necho \"emconfigutil $*\" >> '" << log.string() << "'\n"
                                      << "echo '{}' > \"$4\"/emconfig.json\n";
  for (const char* tool : {"vivado", "v++", "emconfigutil"}) fs::permissions(bin / tool, fs::perms::owner_all);

  const std::string path = bin.string() + ":/usr/bin:/bin";
  const Outcome o = cli(path, "build-xclbin --board u55c -o " + out.string());
  INFO(o.output);
  REQUIRE(o.status == 0);
  CHECK_THAT(o.output, Contains("running make -C " + out.string() + " hw"));
  CHECK_THAT(o.output, Contains("xclbin: " + (out / "build/hw/systole_default_u55c.xclbin").string() + "\n"));
  CHECK(fs::is_regular_file(out / "build/hw/systole_default_u55c.xclbin"));
  CHECK(fs::is_regular_file(out / "build/systole_default_u55c.xo"));  // written by the stubbed package_xo
  // The folder's own package_xo.tcl ran on the folder's files, with the arch config's parameters.
  CHECK_THAT(o.output, Contains("-kernel_xml " + (out / "generated/vitis/default/kernel.xml").string()));
  CHECK_THAT(o.output, Contains("STUB: set_property value 16 user_param:Rows"));
  CHECK_THAT(o.output, Contains("STUB: set_property value 0 user_param:OutputStationary"));
  CHECK_THAT(o.output, Contains("STUB: set_property value 32 user_param:BeatBytes"));  // default: 256-bit ports
  const std::string tools = slurp(log);
  CHECK_THAT(tools, Contains("vivado -mode batch -nojournal -log build/package_xo.log -source package_xo.tcl"));
  CHECK_THAT(tools, Contains("v++ -l -t hw --platform xilinx_u55c_gen3x16_xdma_3_202210_1 --config u55c.cfg "
                             "--kernel_frequency 300"));

  // hw_emu of an embedded board: the same kernel object step, v++ -t hw_emu at the Zynq clock in Hz.
  const Outcome emu = cli(path, "build-xclbin --board kv260 --target hw_emu -o " + (dir / "kv260").string());
  INFO(emu.output);
  REQUIRE(emu.status == 0);
  CHECK(fs::is_regular_file(dir / "kv260/build/hw_emu/systole_tiny_kv260.xclbin"));
  CHECK_THAT(slurp(log), Contains("v++ -l -t hw_emu --platform xilinx_kv260_base_202420_1 --config kv260.cfg "
                                  "--clock.defaultFreqHz=150000000"));

  // A failing tool fails the command, in one line naming what to look at.
  std::ofstream(bin / "v++") << "#!/bin/sh\nexit 3\n";
  fs::remove(out / "build/hw/systole_default_u55c.xclbin");
  const Outcome failed = cli(path, "build-xclbin --board u55c -o " + out.string());
  CHECK(failed.status != 0);
  CHECK_THAT(failed.output, Contains("systole: error: make -C " + out.string() + " hw failed with exit status 2"));
  fs::remove_all(dir);
}
