#include "runtime/vitis_flow.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <regex>
#include <sstream>

#include "sim/isa/file_io.hpp"
#include "systole/error.hpp"

extern char** environ;

namespace systole {
namespace {

namespace fs = std::filesystem;

// The source tree's hw/ folder: the generators, the RTL and package_xo.tcl (hw/spec is SYSTOLE_SPEC_DIR).
fs::path hw_dir() {
  return fs::path(SYSTOLE_SPEC_DIR).parent_path();
}

// The file load_arch_config() reads for `name_or_path` (already loaded, so it exists): a .toml path as given, a name
// in arch_dir().
fs::path arch_file(const std::string& name_or_path) {
  const fs::path p(name_or_path);
  if (p.extension() == ".toml" || name_or_path.find('/') != std::string::npos) return p;
  return isa::arch_dir() / (name_or_path + ".toml");
}

// A scratch folder for the generators' outputs, removed with everything in it.
class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = (fs::temp_directory_path() / "systole_build_xclbin_XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) {
      throw UserError("build-xclbin: cannot create a scratch folder in " + fs::temp_directory_path().string() + ": " +
                      std::strerror(errno));
    }
    path_ = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Runs argv with stdout and stderr going to files (empty: inherited).
int spawn(const std::vector<std::string>& argv, const fs::path& out, const fs::path& err) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (!out.empty()) posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (!err.empty()) posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw UserError("cannot run " + argv[0] + ": " + std::strerror(rc));
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw UserError("waiting for " + argv[0] + " failed: " + std::strerror(errno));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Runs a Python generator of the source tree; returns its stdout. A failure is a UserError quoting its last message.
std::string run_generator(const ScratchDir& scratch, const std::string& script, std::vector<std::string> args) {
  const fs::path out = scratch.path() / "stdout.txt", err = scratch.path() / "stderr.txt";
  args.insert(args.begin(), {SYSTOLE_PYTHON, (hw_dir() / script).string()});
  const int status = spawn(args, out, err);
  if (status != 0) {
    std::string message = isa::read_file(err, isa::kMaxTextFileBytes, "generator output");
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
    message = message.substr(message.rfind('\n') + 1);  // the last line: the error, not the traceback
    throw UserError("build-xclbin: hw/" + script + " failed (exit status " + std::to_string(status) + "): " + message);
  }
  return isa::read_file(out, isa::kMaxTextFileBytes, "generator output");
}

// systole_top's parameters for an arch config, from hw/verif/arch_params.py's `-GName=value` lines. A sized hex
// literal (Fingerprint = 64'h...) becomes 0x...: the IP packager stores a bit-vector parameter as an IP-XACT bitString
// written that way, and a Verilog literal's quote would need shell quoting in the Makefile.
std::vector<RtlParam> rtl_params(const ScratchDir& scratch, const fs::path& arch_toml) {
  const std::string text = run_generator(scratch, "verif/arch_params.py", {arch_toml.string()});
  static const std::regex kLine(R"(-G([A-Za-z_][A-Za-z0-9_]*)=([0-9]+|[0-9]+'[hH]([0-9A-Fa-f_]+)))");
  std::vector<RtlParam> params;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (!std::regex_match(line, m, kLine)) {
      throw InternalError("hw/verif/arch_params.py printed " + quote(line) + ", not -GName=<decimal or sized hex>");
    }
    std::string value = m[2];
    if (m[3].matched) {
      value = "0x" + std::string(m[3]);
      value.erase(std::remove(value.begin(), value.end(), '_'), value.end());
    }
    params.push_back({m[1], value});
  }
  if (params.empty()) throw InternalError("hw/verif/arch_params.py printed no parameter");
  return params;
}

std::string makefile(const VitisFlow& f) {
  const Board& b = f.board;
  const std::string cfg = b.name + ".cfg";
  std::ostringstream m;
  m << "# Generated by `systole build-xclbin` from boards/" << b.name << ".toml and the arch config " << f.arch.name
    << ". Do not edit: run\n# the command again. README.txt says what to run; docs/deploy.md in the Systole sources "
       "walks through it.\n#\n"
    << "#   make xo       package the RTL as a Vitis kernel object (Vivado, batch)\n"
    << "#   make hw_emu   link it for hardware emulation (v++ -l -t hw_emu)\n"
    << "#   make hw       link it into the board's bitstream (v++ -l -t hw; hours)\n";
  if (b.embedded())
    m << "#   make firmware the hw xclbin as an app for xmutil loadapp or fpgautil (build/firmware/systole)\n";
  m << "#   make clean    remove build/\n\n"
    << "BOARD      := " << b.name << "\nARCH       := " << f.arch.name << "\nPART       := " << b.part
    << "\nPLATFORM   := " << b.platform << "\nKERNEL_MHZ := " << b.kernel_clock_mhz << "\n";
  if (b.embedded()) {
    m << "# Embedded platforms derive the kernel clock from their fixed clocks (UG1393, \"--clock Options\").\n"
      << "CLOCK      := --clock.defaultFreqHz=$(KERNEL_MHZ)000000\n";
  } else {
    m << "# Alveo platforms scale clock 0 (ap_clk) to this frequency in MHz (UG1393, \"v++ General Options\").\n"
      << "CLOCK      := --kernel_frequency $(KERNEL_MHZ)\n";
  }
  m << "VIVADO     ?= vivado\nVPP        ?= v++\n"
    << "# Every parameter of systole_top for the arch config (hw/verif/arch_params.py); package_xo.tcl checks "
       "BeatBytes\n"
    << "# against kernel.xml.\nPARAMS     :=";
  for (const auto& p : f.params) m << " \\\n              --param " << p.name << "=" << p.value;
  m << "\nRTL        := $(wildcard rtl/*.sv)\nXO         := " << f.xo() << "\n\n"
    << ".DEFAULT_GOAL := hw\n.PHONY: xo hw hw_emu clean" << (b.embedded() ? " firmware" : "") << "\n\n"
    << "xo: $(XO)\n"
    << "hw: " << f.xclbin("hw") << "\n"
    << "hw_emu: " << f.xclbin("hw_emu") << (b.embedded() ? "" : " build/hw_emu/emconfig.json") << "\n\n"
    << "$(XO): package_xo.tcl generated/rtl/systole_pkg.sv generated/vitis/$(ARCH)/kernel.xml $(RTL)\n"
    << "\tmkdir -p build\n"
    << "\t$(VIVADO) -mode batch -nojournal -log build/package_xo.log -source package_xo.tcl -tclargs \\\n"
    << "\t  --part $(PART) --spec-gen-dir generated --config $(ARCH) --rtl-dir rtl --work-dir build/xo.work \\\n"
    << "\t  --xo $@ $(PARAMS)\n\n";
  for (const auto target : kVitisTargets) {
    const std::string t(target), out = "build/" + t;
    m << f.xclbin(t) << ": $(XO) " << cfg << "\n"
      << "\tmkdir -p " << out << "\n"
      << "\t$(VPP) -l -t " << t << " --platform $(PLATFORM) --config " << cfg << " $(CLOCK) \\\n"
      << "\t  --temp_dir " << out << "/_x --log_dir " << out << "/logs --report_dir " << out
      << "/reports -o $@ $(XO)\n\n";
  }
  if (!b.embedded()) {
    m << "build/hw_emu/emconfig.json:\n\tmkdir -p build/hw_emu\n"
      << "\temconfigutil --platform $(PLATFORM) --od build/hw_emu\n\n";
  } else {
    // dfx-mgrd (xmutil loadapp) wants <app>.bit.bin, the platform's pl.dtbo, shell.json and the xclbin in one folder
    // (UG1630, "dfx-mgrd"); bootgen turns the bitstream the xclbin carries into the .bit.bin.
    m << "firmware: " << f.xclbin("hw") << " firmware/systole.bif firmware/shell.json\n"
      << "\tmkdir -p build/firmware/systole\n"
      << "\txclbinutil --force --input " << f.xclbin("hw")
      << " --dump-section BITSTREAM:RAW:build/firmware/systole.bit\n"
      << "\tbootgen -arch zynqmp -image firmware/systole.bif -process_bitstream bin -w on\n"
      << "\tcp build/firmware/systole.bit.bin firmware/shell.json build/firmware/systole/\n"
      << "\tcp " << f.xclbin("hw") << " build/firmware/systole/systole.xclbin\n\n";
  }
  m << "clean:\n\trm -rf build\n";
  return m.str();
}

std::string readme(const VitisFlow& f) {
  const Board& b = f.board;
  const bool own_arch = f.arch.name == b.arch;
  const std::string select = own_arch ? "--board " + b.name : "--arch " + f.arch.name;
  std::ostringstream r;
  r << "Systole on the " << b.description << "\n\n"
    << "The Vitis build of the systole_top RTL kernel for arch config " << f.arch.name << " (" << f.arch.rows() << "x"
    << f.arch.cols() << " array, " << f.arch.params.dram_bytes_per_cycle * 8 << "-bit memory ports"
    << (own_arch ? ", the board's own config" : "; the board's own is " + b.arch) << "),\nwritten by "
    << "`systole build-xclbin --board " << b.name << " --arch " << f.arch.name << " -o <this folder>`.\n\n"
    << "Part " << b.part << ", platform " << b.platform << ", kernel clock " << b.kernel_clock_mhz
    << " MHz; all four AXI masters on " << b.banks.front().name << ".\n\n"
    << "Needs Vivado and v++ on PATH (source <Vitis>/settings64.sh), the platform " << b.platform
    << "\ninstalled where v++ finds it (/opt/xilinx/platforms or $PLATFORM_REPO_PATHS), and make. Then, here:\n\n"
    << "  make xo       " << f.xo() << ": the RTL packaged as a kernel object (Vivado, minutes)\n"
    << "  make hw_emu   " << f.xclbin("hw_emu")
    << (b.embedded() ? "" : " and emconfig.json (run with XCL_EMULATION_MODE=hw_emu)") << "\n"
    << "  make hw       " << f.xclbin("hw") << ": the bitstream for the board (hours)\n";
  if (b.embedded()) {
    r << "  make firmware build/firmware/systole: systole.bit.bin, shell.json and systole.xclbin; add the platform's\n"
      << "                pl.dtbo, copy the folder to /lib/firmware/xilinx/ on the board, `sudo xmutil loadapp "
         "systole`\n\n"
      << "hw_emu on an embedded platform runs under QEMU after `v++ -p` packaging with the platform's sysroot,\n"
      << "rootfs and kernel image (UG1393, \"Packaging for Embedded Platforms\"); the Makefile stops at the link.\n";
  }
  r << "\nOn the machine with the board (XRT installed, the xclbin copied there):\n\n"
    << "  systole compile MODEL.onnx " << select << " -o model.sys\n"
    << "  systole run model.sys --backend xrt --xclbin " << f.xclbin("hw") << " " << select
    << " \\\n      --input NAME=FILE.npy --stats stats.json\n\n"
    << "Files:\n";
  for (const auto& file : f.files) r << "  " << file << "\n";
  r << "\nSystole's docs/deploy.md walks through building, flashing and running on each board.\n";
  return r.str();
}

// Writes `text` to `file` atomically unless the file already holds exactly that.
void write_if_changed(const fs::path& file, const std::string& text) {
  std::error_code ec;
  if (fs::is_regular_file(file, ec) && fs::file_size(file, ec) == text.size() && !ec &&
      isa::read_file(file, isa::kMaxTextFileBytes, "build-xclbin output") == text) {
    return;
  }
  fs::create_directories(file.parent_path(), ec);
  if (ec) throw UserError("build-xclbin: cannot create folder " + file.parent_path().string() + ": " + ec.message());
  isa::write_file_atomic(file, text, "build-xclbin output");
}

// What `dir` is when it is neither a folder nor absent.
std::string not_a_folder(const fs::file_status& s) {
  switch (s.type()) {
    case fs::file_type::regular: return "is a regular file";
    case fs::file_type::character: return "is a character device";
    case fs::file_type::block: return "is a block device";
    case fs::file_type::fifo: return "is a FIFO";
    case fs::file_type::socket: return "is a socket";
    default: return "is not a folder";
  }
}

}  // namespace

std::string VitisFlow::xo() const {
  return "build/systole_" + arch.name + "_" + board.name + ".xo";
}

std::string VitisFlow::xclbin(std::string_view target) const {
  return "build/" + std::string(target) + "/systole_" + arch.name + "_" + board.name + ".xclbin";
}

VitisFlow write_vitis_flow(std::string_view board_name, const std::string& arch_name, const fs::path& dir) {
  VitisFlow f;
  f.board = load_board(board_name);
  f.arch = isa::load_arch_config(arch_name.empty() ? f.board.arch : arch_name);
  f.dir = dir;
  std::error_code ec;
  const fs::file_status st = fs::status(dir, ec);
  if (fs::exists(st) && !fs::is_directory(st)) {
    throw UserError("build-xclbin folder " + dir.string() + ": " + not_a_folder(st) +
                    "; name a folder, or a path that does not exist yet");
  }
  // Names and the platform go into the Makefile and file names unquoted.
  for (const auto& [what, name] : {std::pair{"board", f.board.name}, std::pair{"arch config", f.arch.name}}) {
    if (const std::string why = isa::arch_name_problem(name); !why.empty()) {
      throw UserError("build-xclbin: " + std::string(what) + " name " + quote(name) + ": a name " + why);
    }
  }
  static const std::regex kPlatform(R"([A-Za-z0-9_./+-]+)");
  if (!std::regex_match(f.board.platform, kPlatform)) {
    throw UserError("build-xclbin: board " + f.board.name + ": platform " + quote(f.board.platform) +
                    " is not a Vitis platform name or .xpfm path");
  }
  const fs::path hw = hw_dir();
  for (const char* needed : {"rtl", "vitis/package_xo.tcl", "verif/arch_params.py", "spec/gen_spec.py"}) {
    if (!fs::exists(hw / needed, ec)) {
      throw UserError("build-xclbin needs the Systole source tree's hw/ folder: " + (hw / needed).string() +
                      " is missing");
    }
  }

  // Every file of the flow, by path relative to dir, generated first so that a failure leaves dir untouched.
  std::map<std::string, std::string> files;
  const ScratchDir scratch;
  const fs::path arch_toml = arch_file(arch_name.empty() ? f.board.arch : arch_name);
  f.params = rtl_params(scratch, arch_toml);
  const fs::path pkg = scratch.path() / "systole_pkg.sv", xml = scratch.path() / "kernel.xml";
  run_generator(scratch, "spec/gen_spec.py",
                {(hw / "spec").string(), "--sv", pkg.string(), "--kernel-xml", arch_toml.string(), xml.string()});
  files["generated/rtl/systole_pkg.sv"] = isa::read_file(pkg, isa::kMaxTextFileBytes, "generated file");
  files["generated/vitis/" + f.arch.name + "/kernel.xml"] = isa::read_file(xml, isa::kMaxTextFileBytes, "kernel.xml");
  const fs::path cfg_dir = scratch.path() / "connectivity";
  run_generator(scratch, "vitis/gen_connectivity.py",
                {board_file(board_name).string(), "--regmap", (hw / "spec" / "regmap.toml").string(), "--out-dir",
                 cfg_dir.string()});
  files[f.board.name + ".cfg"] =
      isa::read_file(cfg_dir / (f.board.name + ".cfg"), isa::kMaxTextFileBytes, "connectivity file");
  for (const auto& e : fs::directory_iterator(hw / "rtl")) {
    if (e.path().extension() == ".sv") {
      files["rtl/" + e.path().filename().string()] = isa::read_file(e.path(), isa::kMaxTextFileBytes, "RTL source");
    }
  }
  files["package_xo.tcl"] = isa::read_file(hw / "vitis" / "package_xo.tcl", isa::kMaxTextFileBytes, "package_xo.tcl");
  if (f.board.embedded()) {
    files["firmware/shell.json"] = "{\n  \"shell_type\": \"XRT_FLAT\",\n  \"num_slots\": \"1\"\n}\n";
    files["firmware/systole.bif"] = "all:\n{\n  build/firmware/systole.bit\n}\n";
  }
  for (const char* name : {"Makefile", "README.txt"}) files[name];  // listed in the README, written below
  for (const auto& [path, text] : files) f.files.push_back(path);
  files["Makefile"] = makefile(f);
  files["README.txt"] = readme(f);

  fs::create_directories(dir, ec);
  if (ec) throw UserError("build-xclbin folder " + dir.string() + ": cannot create it: " + ec.message());
  for (const auto& [path, text] : files) write_if_changed(dir / path, text);
  // package_xo.tcl packages every rtl/*.sv: a file hw/rtl no longer has must go.
  for (const auto& e : fs::directory_iterator(dir / "rtl")) {
    if (e.path().extension() == ".sv" && !files.count("rtl/" + e.path().filename().string())) fs::remove(e.path());
  }
  return f;
}

fs::path find_on_path(std::string_view name) {
  const char* path = std::getenv("PATH");
  if (!path || name.empty() || name.find('/') != std::string_view::npos) return {};
  std::istringstream dirs(path);
  for (std::string d; std::getline(dirs, d, ':');) {
    const fs::path candidate = fs::path(d.empty() ? "." : d) / name;
    std::error_code ec;
    if (fs::is_regular_file(candidate, ec) && ::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

int run_process(const std::vector<std::string>& argv) {
  if (argv.empty()) throw InternalError("run_process: no command");
  return spawn(argv, {}, {});
}

}  // namespace systole
