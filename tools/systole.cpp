// The `systole` command line: assemble, disassemble, inspect and run programs.
#include <unistd.h>
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "compiler/lower.hpp"
#include "compiler/onnx_import.hpp"
#include "perf/baselines/bench.hpp"
#include "perf/explore/report.hpp"
#include "perf/explore/sweep.hpp"
#include "runtime/vitis_flow.hpp"
#include "sim/isa/file_io.hpp"
#include "systole/board.hpp"
#include "systole/error.hpp"
#include "systole/program_text.hpp"
#include "systole/runtime.hpp"

namespace {

using systole::UserError;

// What `info` was given, told by the file's content (its first bytes), never by its name.
enum class FileKind { kProgram, kNpy, kOnnx, kText, kUnknown };

// The first bytes of `path` as hex, for an error that says what was found.
std::string leading_bytes(std::string_view head) {
  std::string s;
  char b[4];
  for (std::size_t i = 0; i < std::min<std::size_t>(head.size(), 8); ++i) {
    std::snprintf(b, sizeof b, "%02x", static_cast<unsigned char>(head[i]));
    s += (i ? " " : "") + std::string(b);
  }
  return s;
}

FileKind file_kind(std::string_view head) {
  if (head.starts_with(std::string_view("SYSTOLE\0", 8))) return FileKind::kProgram;
  if (head.starts_with("\x93NUMPY")) return FileKind::kNpy;
  // An ONNX ModelProto starts with field 1 (ir_version, a varint: tag 0x08) and a small version number.
  if (head.size() >= 2 && head[0] == 0x08 && head[1] > 0 && head[1] < 0x20) return FileKind::kOnnx;
  const bool text = std::all_of(head.begin(), head.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x20 || c == '\n' || c == '\r' || c == '\t';
  });
  return text ? FileKind::kText : FileKind::kUnknown;
}

std::string hex64(std::uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%016llx", static_cast<unsigned long long>(v));
  return b;
}

void print_arch(const systole::isa::ArchConfig& a) {
  std::cout << "arch " << a.name << "  fingerprint " << hex64(a.fingerprint()) << "\n";
  for (const auto& p : systole::spec::kArchParams) {
    const std::int64_t v = a.params.*p.member;
    std::cout << "  " << p.key << " = ";
    if (p.type == systole::spec::ParamType::kEnum)
      std::cout << p.values[v];
    else
      std::cout << v;
    std::cout << (p.fingerprint ? "" : "  (timing)") << "\n";
  }
  std::cout << "  rows: inp " << a.inp_rows() << ", wgt " << a.wgt_rows() << ", acc " << a.acc_rows() << "\n";
}

void print_program(const systole::Program& p) {
  std::size_t host = 0;
  for (const auto& s : p.steps) host += !s.accel;
  std::cout << "program for arch " << p.arch_name << " (fingerprint " << hex64(p.fingerprint) << ")\n"
            << "  steps " << p.steps.size() << " (" << host << " on the host), layers " << p.layers.size()
            << ", instructions " << p.insns.size() << ", constants " << p.constants.size() << " bytes, act region "
            << p.act_bytes << " bytes\n";
  for (const auto& t : p.tensors) {
    static const char* kKinds[] = {"input   ", "output  ", "internal", "const   "};
    std::cout << "  " << kKinds[static_cast<int>(t.kind)] << " " << t.name << " " << systole::dtype_name(t.dtype) << " "
              << systole::shape_text(t.shape) << " scale " << t.scale << " zero_point " << t.zero_point << " at act+"
              << t.offset << "\n";
  }
}

void print_tensor_summary(const std::string& name, const systole::Tensor& t) {
  std::cout << "  " << name << " " << systole::dtype_name(t.dtype) << " " << t.shape_text() << ":";
  const std::int64_t n = std::min<std::int64_t>(t.elements(), 16);
  for (std::int64_t i = 0; i < n; ++i) {
    if (t.dtype == systole::DType::kFloat32) {
      float f;
      std::memcpy(&f, &t.data[static_cast<std::size_t>(4 * i)], 4);
      std::cout << " " << f;
    } else {
      std::cout << " " << t.get(i);
    }
  }
  if (t.elements() > n) std::cout << " ...";
  std::cout << "\n";
}

// Index of the largest of `n` values of row `r` (int or float outputs).
std::int64_t argmax_row(const systole::Tensor& t, std::int64_t r, std::int64_t n) {
  std::int64_t best = 0;
  double best_v = -1e300;
  for (std::int64_t i = 0; i < n; ++i) {
    double v;
    if (t.dtype == systole::DType::kFloat32) {
      float f;
      std::memcpy(&f, &t.data[static_cast<std::size_t>(4 * (r * n + i))], 4);
      v = f;
    } else {
      v = t.get(r * n + i);
    }
    if (v > best_v) best_v = v, best = i;
  }
  return best;
}

// Prints predictions (argmax over the last dimension of the single output) and the accuracy against labels.
void print_accuracy(const systole::RunResult& result, const std::string& labels_path) {
  if (result.outputs.size() != 1) throw UserError("--labels needs a program with exactly one output");
  const systole::Tensor& out = result.outputs.begin()->second;
  const systole::Tensor labels = systole::read_npy(labels_path);
  if (out.shape.size() != 2 || labels.elements() != out.shape[0] || labels.dtype == systole::DType::kFloat32) {
    throw UserError("--labels " + labels_path + ": expected " + std::to_string(out.shape.empty() ? 0 : out.shape[0]) +
                    " integer labels for output " + out.shape_text());
  }
  std::int64_t correct = 0;
  std::cout << "  predictions:";
  for (std::int64_t r = 0; r < out.shape[0]; ++r) {
    const std::int64_t p = argmax_row(out, r, out.shape[1]);
    correct += p == labels.get(r);
    if (r < 40) std::cout << " " << p;
  }
  std::cout << (out.shape[0] > 40 ? " ..." : "") << "\n";
  std::printf("  accuracy: %lld/%lld = %.2f%%\n", static_cast<long long>(correct), static_cast<long long>(out.shape[0]),
              100.0 * static_cast<double>(correct) / static_cast<double>(out.shape[0]));
}

// `--board NAME`: the board's arch config, with the board's kernel clock for the latencies reported (the clock is not
// part of the fingerprint, so programs are the same). An --arch given beside it must name the same config.
systole::isa::ArchConfig board_arch(const systole::Board& board, const std::string& arch_arg) {
  systole::isa::ArchConfig arch = systole::isa::load_arch_config(board.arch);
  if (!arch_arg.empty()) {
    const systole::isa::ArchConfig asked = systole::isa::load_arch_config(arch_arg);
    if (asked.name != arch.name || asked.fingerprint() != arch.fingerprint()) {
      throw UserError("--arch " + arch_arg + " conflicts with --board " + board.name +
                      ", which is built with arch config " + board.arch +
                      ": drop --arch, or drop --board to use another config");
    }
  }
  arch.params.clock_mhz = board.kernel_clock_mhz;
  return arch;
}

struct CompileArgs {
  std::string model;
  std::string arch = "default";
  bool arch_given = false;  // --arch on the command line (checked against --board)
  std::string board, output, report;
  bool dump_ir = false;
};

int compile_model(const CompileArgs& args) {
  const auto arch = args.board.empty()
                        ? systole::isa::load_arch_config(args.arch)
                        : board_arch(systole::load_board(args.board), args.arch_given ? args.arch : std::string());
  const std::string& model = args.model;
  const std::string& output = args.output;
  const std::string& report = args.report;
  if (!output.empty()) systole::isa::check_writable(output, "program file");  // before minutes of compiling
  if (!report.empty()) systole::isa::check_writable(report, "--report");
  const auto start = std::chrono::steady_clock::now();
  systole::compiler::Graph graph = systole::compiler::import_onnx(model);
  const systole::compiler::CompileResult result = systole::compiler::compile(graph, arch);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (args.dump_ir) std::cout << graph.dump();
  std::cout << systole::compiler::report_table(result, arch);
  std::printf("compiled %s for arch %s%s in %.3f s\n", model.c_str(), arch.name.c_str(),
              args.board.empty() ? "" : (" (board " + args.board + ")").c_str(), seconds);
  if (!report.empty()) {
    systole::isa::write_file_atomic(report, systole::compiler::report_json(result, arch) + "\n", "--report");
  }
  if (!output.empty()) result.program.write(output);
  return 0;
}

// `info TARGET`: a program file, an arch config (a name in hw/arch, or a TOML file), or a .npy tensor, told apart
// by content; anything else is named for what it looks like.
void info(const std::string& target) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(target, ec)) {  // not a file: an arch config name (load_arch_config lists the known ones)
    print_arch(systole::isa::load_arch_config(target));
    return;
  }
  systole::isa::check_readable(target, systole::isa::kMaxDataFileBytes, "file");
  std::string head(64, '\0');
  {
    std::ifstream in(target, std::ios::binary);
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<std::size_t>(in.gcount()));
  }
  const std::string where = "info " + target + ": ";
  if (head.empty()) throw UserError(where + "the file is empty");
  switch (file_kind(head)) {
    case FileKind::kProgram: print_program(systole::Program::read(target)); return;
    case FileKind::kNpy: {
      const systole::Tensor t = systole::read_npy(target);
      std::cout << "npy tensor " << systole::dtype_name(t.dtype) << " " << t.shape_text() << " (" << t.elements()
                << " elements)\n";
      return;
    }
    case FileKind::kOnnx:
      throw UserError(where +
                      "looks like an ONNX model (a protobuf starting with ir_version); compile it with "
                      "`systole compile`");
    case FileKind::kText: try { print_arch(systole::isa::read_arch_config(target));
      } catch (const UserError&) {
        // Assembly is text too: name it rather than report its first line as bad TOML.
        const std::string text = systole::isa::read_file(target, systole::isa::kMaxTextFileBytes, "file");
        if (text.starts_with(".arch ") || text.find("\n.arch ") != std::string::npos) {
          throw UserError(where + "looks like assembly (it has an .arch directive); assemble it with `systole asm`");
        }
        throw;
      }
      return;
    case FileKind::kUnknown: break;
  }
  const std::string magic = head.substr(0, 7) == "SYSTOLE" ? " (a program file starts 53 59 53 54 4f 4c 45 00)" : "";
  throw UserError(where + "not a program file, arch config or .npy tensor: it starts with bytes " +
                  leading_bytes(head) + magic);
}

struct RunArgs {
  std::string program;
  std::string backend = "functional";
  std::string arch;   // default: the program's
  std::string board;  // selects the board's arch config and kernel clock
  std::vector<std::string> inputs;
  std::string output_dir, stats, labels, trace, vcd, wave, xclbin;
  std::int64_t max_cycles = 0;
  std::int64_t xrt_device = -1;  // -1: not given (device 0)
  double timeout = 0;
};

// A progress bar on stderr for runs that last more than a couple of seconds (terminals only).
class ProgressBar {
 public:
  void operator()(double done) {
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    if (!tty_ || elapsed < 2.0 || (elapsed - drawn_ < 0.1 && done < 1.0)) return;
    drawn_ = elapsed;
    constexpr int kWidth = 40;
    const int filled = static_cast<int>(done * kWidth);
    std::fprintf(stderr, "\r[%s%s] %3d%% %.1f s", std::string(static_cast<std::size_t>(filled), '#').c_str(),
                 std::string(static_cast<std::size_t>(kWidth - filled), ' ').c_str(), static_cast<int>(done * 100),
                 elapsed);
    if (done >= 1.0) std::fprintf(stderr, "\n");
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  bool tty_ = isatty(STDERR_FILENO) != 0;
  double drawn_ = 0.0;
};

void write_text(const std::string& path, const std::string& option, const std::string& text) {
  systole::isa::write_file_atomic(path, text, option);
}

int run_program(const RunArgs& args) {
  const systole::Backend b = systole::parse_backend(args.backend);
  const bool timed = b == systole::Backend::kSystemc || b == systole::Backend::kRtl;
  if (args.max_cycles < 0) throw UserError("--max-cycles " + std::to_string(args.max_cycles) + ": not a cycle count");
  if (!(args.timeout >= 0)) throw UserError("--timeout: not a number of seconds");
  if (!args.trace.empty() && !timed) throw UserError("--trace needs a timed backend (--backend systemc or rtl)");
  if (!args.vcd.empty() && b != systole::Backend::kSystemc) {
    throw UserError("--vcd needs the SystemC model (--backend systemc)");
  }
  if (!args.wave.empty() && b != systole::Backend::kRtl) throw UserError("--wave needs the RTL (--backend rtl)");
  if ((!args.xclbin.empty() || args.xrt_device >= 0) && b != systole::Backend::kXrt) {
    throw UserError("--xclbin and --xrt-device need an FPGA board (--backend xrt)");
  }
  if (args.xrt_device > 0xFFFF)
    throw UserError("--xrt-device " + std::to_string(args.xrt_device) + ": not a device index");
  // Output files are checked (their folders created) before a run that may take minutes, not after it.
  if (!args.output_dir.empty()) std::filesystem::create_directories(args.output_dir);
  for (const auto& [path, option] :
       {std::pair{args.trace, "--trace"}, {args.vcd, "--vcd"}, {args.stats, "--stats"}, {args.wave, "--wave"}}) {
    if (path.empty()) continue;
    std::error_code ec;
    if (const auto parent = std::filesystem::path(path).parent_path(); !parent.empty()) {
      std::filesystem::create_directories(parent, ec);
    }
    if (ec) throw UserError(option + (" " + path) + ": cannot create its folder: " + ec.message());
    systole::isa::check_writable(path, option);
  }
  const std::string& program_path = args.program;
  const std::string& backend = args.backend;
  std::string arch = args.arch;
  std::optional<systole::Board> board;
  if (!args.board.empty()) {
    board = systole::load_board(args.board);
    arch = board_arch(*board, args.arch).name;
  }
  systole::Program program = systole::Program::read(program_path);
  if (board && program.arch_name != board->arch) {
    throw UserError("program " + program_path + " was compiled for arch config " + program.arch_name +
                    ", and --board " + board->name + " is built with " + board->arch + ": compile it with --board " +
                    board->name);
  }
  if (arch.empty()) arch = program.arch_name;
  std::map<std::string, systole::Tensor> bound;
  for (const auto& spec : args.inputs) {
    const auto eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size()) {
      throw UserError("--input '" + spec + "': expected NAME=FILE.npy");
    }
    const std::string name = spec.substr(0, eq);
    if (bound.count(name)) throw UserError("--input '" + name + "' given twice");
    bound.emplace(name, systole::read_npy(spec.substr(eq + 1)));
  }
  ProgressBar progress;
  auto device =
      systole::Device::open(backend, {.arch = arch,
                                      .record_queues = !args.vcd.empty(),
                                      .wave = args.wave,
                                      .progress = [&](double d) { progress(d); },
                                      .max_cycles = static_cast<std::uint64_t>(args.max_cycles),
                                      .max_seconds = args.timeout,
                                      .xclbin = args.xclbin,
                                      .xrt_device = static_cast<unsigned>(std::max<std::int64_t>(args.xrt_device, 0))});
  auto loaded = device->load(std::move(program));
  const auto start = std::chrono::steady_clock::now();
  const systole::RunResult result = systole::run_dataset(*loaded, bound);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  // What the reports convert cycles to time with: the board's kernel clock, else the arch config's.
  systole::isa::ArchConfig report_arch = device->arch();
  if (board) report_arch.params.clock_mhz = board->kernel_clock_mhz;
  std::cout << "ran " << program_path << " on " << backend << " (arch " << report_arch.name
            << (board ? ", board " + board->name : "") << ") in " << seconds * 1e3 << " ms\n";
  for (const auto& [name, tensor] : result.outputs) print_tensor_summary(name, tensor);
  if (!args.labels.empty()) print_accuracy(result, args.labels);
  if (const auto c = result.counters.find("cycles"); c != result.counters.end() && c->second > 0) {
    const auto& a = report_arch;
    std::printf("  %llu cycles (%.3f ms at %lld MHz)", static_cast<unsigned long long>(c->second),
                static_cast<double>(c->second) / static_cast<double>(a.params.clock_mhz) / 1e3,
                static_cast<long long>(a.params.clock_mhz));
    if (const auto m = result.counters.find("macs"); m != result.counters.end()) {
      std::printf(", MAC utilization %.1f%%",
                  100.0 * static_cast<double>(m->second) /
                      (static_cast<double>(c->second) * static_cast<double>(a.rows() * a.cols())));
    }
    std::printf("\n");
  }
  // Where the time goes end to end: the host steps' measured host time beside the accelerator's cycles at the clock.
  if (const auto h = result.counters.find("host.ops"); h != result.counters.end() && h->second > 0) {
    const double host_ms = static_cast<double>(result.counters.at("host.ns")) / 1e6;
    const auto c = result.counters.find("cycles");
    const double accel_ms = c == result.counters.end() ? 0.0
                                                       : static_cast<double>(c->second) /
                                                             static_cast<double>(report_arch.params.clock_mhz) / 1e3;
    std::printf("  %llu host steps (%llu on the CPU baseline's kernels): %.3f ms on this host",
                static_cast<unsigned long long>(h->second),
                static_cast<unsigned long long>(result.counters.at("host.prepared_ops")), host_ms);
    if (c != result.counters.end() && c->second > 0) {
      std::printf(" beside %.3f ms on the accelerator: %.1f%% of the time on the host", accel_ms,
                  100.0 * host_ms / (host_ms + accel_ms));
    }
    std::printf("\n");
  }
  std::cout << "  counters:";
  for (const auto& [k, v] : result.counters) {
    if (v) std::cout << " " << k << "=" << v;
  }
  std::cout << "\n";
  if (!args.output_dir.empty()) {
    for (const auto& [name, tensor] : result.outputs) {
      systole::write_npy(std::filesystem::path(args.output_dir) / (name + ".npy"), tensor);
    }
  }
  if (!args.trace.empty()) {
    write_text(args.trace, "--trace",
               systole::chrome_trace(result.timeline, static_cast<double>(report_arch.params.clock_mhz)));
  }
  if (!args.vcd.empty()) write_text(args.vcd, "--vcd", systole::queue_vcd(result.queue_samples));
  if (!args.stats.empty()) {
    if (!result.layers.empty()) std::cout << systole::layer_table(result, report_arch);
    nlohmann::json j;
    j["program"] = program_path;
    j["backend"] = backend;
    j["arch"] = report_arch.name;
    if (board) j["board"] = board->name;
    j["clock_mhz"] = report_arch.params.clock_mhz;
    j["wall_seconds"] = seconds;
    j["counters"] = result.counters;
    j["layers"] = nlohmann::json::array();
    for (const auto& l : result.layers) j["layers"].push_back({{"name", l.name}, {"counters", l.counters}});
    write_text(args.stats, "--stats", j.dump(2) + "\n");
  }
  return 0;
}

// `build-xclbin`: writes the Vitis flow of a board into `dir`, then builds `target` with it when Vivado and v++ are on
// PATH; without them it stops there (exit 0) and says what to run once they are.
int build_xclbin(const std::string& board, const std::string& arch, const std::string& dir, const std::string& target) {
  const systole::VitisFlow flow = systole::write_vitis_flow(board, arch, dir);
  std::cout << "wrote the Vitis flow of " << flow.board.name << " (" << flow.board.platform << ", "
            << flow.board.kernel_clock_mhz << " MHz) for arch config " << flow.arch.name << " into " << dir << ": "
            << flow.files.size() << " files; README.txt says what to run\n";
  const std::string make = "make -C " + dir + " " + target;
  std::string missing;
  for (const char* tool : {"v++", "vivado"}) {
    if (systole::find_on_path(tool).empty()) missing += (missing.empty() ? "" : ", ") + std::string(tool);
  }
  if (!missing.empty()) {
    std::cout << "Vitis not found on PATH (no " << missing << "): stopped after writing " << dir
              << "; once Vitis is set up (source <Vitis>/settings64.sh), run: " << make << "\n";
    return 0;
  }
  if (systole::find_on_path("make").empty()) throw UserError("make not found on PATH: install it, then run " + make);
  std::cout << "running " << make << std::endl;
  if (const int status = systole::run_process({"make", "-C", dir, target}); status != 0) {
    throw UserError(make + " failed with exit status " + std::to_string(status) + " (logs under " + dir + "/build)");
  }
  std::cout << "xclbin: " << (std::filesystem::path(dir) / flow.xclbin(target)).string() << "\n";
  return 0;
}

}  // namespace

// `systole bench`: the network on a baseline, timed; prints the record and writes it as JSON
// (perf/baselines/bench.hpp).
int bench(systole::bench::BenchOptions options, const std::vector<std::string>& inputs, const std::string& json) {
  for (const std::string& spec : inputs) {
    const auto eq = spec.find('=');
    if (eq == std::string::npos || eq == 0)
      throw systole::UserError("--input " + systole::quote(spec) + ": expected NAME=FILE.npy");
    options.inputs[spec.substr(0, eq)] = spec.substr(eq + 1);
  }
  if (!json.empty()) systole::isa::check_writable(json, "--json");
  const nlohmann::json record = systole::bench::run_bench(options);
  std::printf(
      "%s on %s (%s, %d thread(s)): median %.3f ms, min %.3f ms, %.1f inferences/s, %.1f GOPS (%.1f%% of the "
      "int8 peak, %.0f GOPS)\n",
      record["model"].get<std::string>().c_str(), options.baseline.c_str(), record["device"].get<std::string>().c_str(),
      record["threads"].get<int>(), record["median_ms"].get<double>(), record["min_ms"].get<double>(),
      record["throughput_per_s"].get<double>(), record["gops"].get<double>(),
      100.0 * record["share_of_peak"].get<double>(), record["peak_gops"].get<double>());
  if (!json.empty()) systole::isa::write_file_atomic(json, record.dump(2) + "\n", "--json");
  return 0;
}

// `systole sweep`: the library does the work (perf/explore/sweep.hpp); this prints what it did.
int sweep(systole::explore::SweepOptions options, const std::string& shard) {
  if (!shard.empty()) options.shard = systole::explore::parse_shard(shard);
  const auto s = systole::explore::run_sweep(options);
  const double rate = s.seconds > 0 ? static_cast<double>(s.evaluated) / s.seconds : 0;
  char rate_text[32];
  std::snprintf(rate_text, sizeof rate_text, rate >= 100 ? "%.0f" : "%.3g", rate);
  std::printf(
      "sweep %s -> %s: shard %llu/%llu holds %llu of %llu points (%llu skipped: the schema or the level rejects them); "
      "%llu network-points "
      "computed in %.2f s (%s/s with %d job(s)), %llu already there; %llu baseline records\n",
      options.spec.c_str(), options.out.c_str(), static_cast<unsigned long long>(options.shard.k),
      static_cast<unsigned long long>(options.shard.n), static_cast<unsigned long long>(s.owned),
      static_cast<unsigned long long>(s.points), static_cast<unsigned long long>(s.skipped),
      static_cast<unsigned long long>(s.evaluated), s.seconds, rate_text, options.jobs,
      static_cast<unsigned long long>(s.resumed), static_cast<unsigned long long>(s.baselines));
  return 0;
}

// `systole report`: the library writes the files (perf/explore/report.hpp); this prints what it wrote.
int report(const systole::explore::ReportOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const auto s = systole::explore::write_report(options);
  std::printf("report of %zu records (%zu networks) and %zu baseline records -> %s in %.2f s\n", s.records, s.networks,
              s.baselines, options.html.c_str(),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return 0;
}

int main(int argc, char** argv) {
  CLI::App app{"Systole: int8 systolic-array accelerator toolchain"};
  app.require_subcommand(1);

  std::string asm_in, asm_out;
  auto* asm_cmd = app.add_subcommand("asm", "Assemble a .s file into a program file");
  asm_cmd->add_option("input", asm_in, "Assembly file")->required();
  asm_cmd->add_option("-o,--output", asm_out, "Program file to write")->required();

  std::string dis_in, dis_out;
  auto* dis_cmd = app.add_subcommand("disasm", "Disassemble a program file");
  dis_cmd->add_option("program", dis_in, "Program file")->required();
  dis_cmd->add_option("-o,--output", dis_out, "Assembly file to write (default: stdout)");

  std::string info_target;
  auto* info_cmd =
      app.add_subcommand("info", "Describe a program file, an arch config (name or .toml) or a .npy tensor");
  info_cmd->add_option("target", info_target, "Program file, arch config name or .toml file, or .npy file")->required();

  CompileArgs compile;
  auto* compile_cmd = app.add_subcommand("compile", "Compile a quantized ONNX model (QDQ or QOperator) to a program");
  compile_cmd->add_option("model", compile.model, "ONNX model")->required();
  auto* compile_arch =
      compile_cmd->add_option("--arch", compile.arch, "Arch config name or .toml file")->capture_default_str();
  compile_cmd->add_option("--board", compile.board,
                          "FPGA board (boards/): its arch config, and its kernel clock for the latencies reported");
  compile_cmd->add_option("-o,--output", compile.output, "Program file to write");
  compile_cmd->add_flag("--dump-ir", compile.dump_ir, "Print the IR");
  compile_cmd->add_option("--report", compile.report, "Write the per-layer compile report as JSON");

  RunArgs run;
  auto* run_cmd = app.add_subcommand("run", "Run a program on a backend");
  run_cmd->add_option("program", run.program, "Program file")->required();
  run_cmd->add_option("--backend", run.backend, "functional | systemc | rtl | xrt")->capture_default_str();
  run_cmd->add_option("--arch", run.arch, "Arch config (default: the one the program was compiled for)");
  run_cmd->add_option("--board", run.board,
                      "FPGA board (boards/): its arch config, and its kernel clock for the times reported");
  run_cmd->add_option("--input", run.inputs, "NAME=FILE.npy, once per input");
  run_cmd->add_option("--output-dir", run.output_dir, "Write each output as DIR/NAME.npy");
  run_cmd->add_option("--stats", run.stats,
                      "Write counters (totals and per layer) as JSON; timed backends also print the per-layer table");
  run_cmd->add_option("--labels", run.labels, "Integer labels (.npy): print predictions (argmax) and accuracy");
  run_cmd->add_option("--trace", run.trace, "Write a Chrome/Perfetto trace of the run (timed backends)");
  run_cmd->add_option("--vcd", run.vcd, "Write queue occupancy as a VCD (timed backends)");
  run_cmd->add_option("--wave", run.wave,
                      "Write every RTL signal, every cycle, as an FST waveform (rtl backend; slow)");
  run_cmd->add_option("--max-cycles", run.max_cycles,
                      "Stop a segment that runs longer, naming where each unit is (timed backends; 0, the default: "
                      "far above the compiler's estimate)");
  run_cmd->add_option("--xclbin", run.xclbin,
                      "The xclbin holding the systole_top kernel (xrt backend; required there)");
  run_cmd->add_option("--xrt-device", run.xrt_device, "Index of the XRT device (xrt backend; default 0)")
      ->check(CLI::NonNegativeNumber);
  run_cmd->add_option("--timeout", run.timeout,
                      "Stop a segment that takes longer, in seconds of host time (systemc; 0, the default: none)");

  std::string xclbin_board, xclbin_arch, xclbin_dir, xclbin_target = "hw";
  auto* xclbin_cmd = app.add_subcommand(
      "build-xclbin",
      "Write the Vitis flow of a board (RTL, kernel.xml, connectivity, package_xo.tcl, Makefile) into a folder, and "
      "build it when Vivado and v++ are on PATH");
  xclbin_cmd->add_option("--board", xclbin_board, "FPGA board (a name in boards/ or a .toml file)")->required();
  xclbin_cmd->add_option("--arch", xclbin_arch, "Arch config (default: the board's)");
  xclbin_cmd->add_option("-o,--output", xclbin_dir, "Folder to write (created if absent)")->required();
  xclbin_cmd->add_option("--target", xclbin_target, "What make builds when Vitis is on PATH: hw or hw_emu")
      ->check(CLI::IsMember(std::vector<std::string>(systole::kVitisTargets.begin(), systole::kVitisTargets.end())))
      ->capture_default_str();

  systole::bench::BenchOptions bench_opts;
  std::vector<std::string> bench_inputs;
  std::string bench_json, bench_model, bench_out, bench_ort;
  auto* bench_cmd = app.add_subcommand(
      "bench",
      "Time a quantized ONNX model on a baseline (cpu: oneDNN, ort: ONNX Runtime, cuda: cuBLASLt and CUDA kernels) and "
      "write a JSON record");
  bench_cmd->add_option("model", bench_model, "ONNX model")->required();
  bench_cmd->add_option("--baseline", bench_opts.baseline, "cpu | ort | cuda")->capture_default_str();
  bench_cmd->add_option("--input", bench_inputs, "NAME=FILE.npy, once per input (default: zeros)");
  bench_cmd->add_option("--output-dir", bench_out, "Write each output as DIR/NAME.npy");
  bench_cmd->add_option("--repeat", bench_opts.repeat, "Timed runs after one warm-up (the median is reported)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  bench_cmd->add_option("--batch", bench_opts.batch, "Inferences per run (default: the model's; cpu and cuda only)")
      ->check(CLI::Range(1, 1 << 20));
  bench_cmd->add_option("--threads", bench_opts.threads, "Threads (default: every core)")->check(CLI::Range(1, 1024));
  bench_cmd->add_option("--json", bench_json, "Write the record as JSON");
  bench_cmd->add_option("--ort-modules", bench_ort, "node_modules folder holding onnxruntime-node (ort)");

  systole::explore::SweepOptions sweep_opts;
  std::string sweep_shard;
  auto* sweep_cmd = app.add_subcommand(
      "sweep", "Evaluate networks over the cross product of arch-schema axes; one JSON record per network and point");
  sweep_cmd->add_option("spec", sweep_opts.spec, "Sweep spec (.toml): networks, base, level, baselines, [axes]")
      ->required();
  sweep_cmd->add_option("-o,--output", sweep_opts.out, "Sweep folder to write (created; a rerun resumes)")->required();
  sweep_cmd->add_option("--shard", sweep_shard, "K/N: this run's share of the points (point i when i mod N = K-1)");
  sweep_cmd->add_option("--jobs", sweep_opts.jobs, "Worker processes")->capture_default_str();

  systole::explore::ReportOptions report_opts;
  std::vector<std::string> report_dirs;
  auto* report_cmd = app.add_subcommand(
      "report", "Merge sweep folders into one self-contained HTML report (inline SVG), and CSV or JSON tables");
  report_cmd->add_option("dirs", report_dirs, "Sweep folders (shards or whole sweeps)")->required();
  report_cmd->add_option("-o,--output", report_opts.html, "HTML file to write")->required();
  report_cmd->add_option("--csv", report_opts.csv, "Write one row per network and point as CSV");
  report_cmd->add_option("--json", report_opts.json, "Write the records with the derived figures as JSON");
  report_cmd->add_option("--family", report_opts.family, "Yosys family of the area columns: xcup or xc7")
      ->check(CLI::IsMember({"xcup", "xc7"}))
      ->capture_default_str();
  report_cmd->add_option("--technology", report_opts.technology, "Energy technology (a table of the energy file)")
      ->capture_default_str();
  report_cmd->add_option("--energy-file", report_opts.energy_file, "Per-event energies (TOML)")->capture_default_str();
  report_cmd->add_option("--synth-dir", report_opts.synth_dir, "Yosys results (synth.py JSON)")->capture_default_str();
  report_cmd->add_option("--ceiling", report_opts.ceiling, "Board utilization ceiling for LUT, DSP and BRAM")
      ->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    // Like every other error: one line.
    std::cerr << "systole: error: " << e.what() << " (see systole --help)\n";
    return 1;
  }

  try {
    if (*asm_cmd) {
      systole::assemble_program_file(asm_in).write(asm_out);
    } else if (*dis_cmd) {
      const std::string text = systole::disassemble_program(systole::Program::read(dis_in));
      if (dis_out.empty()) {
        std::cout << text;
      } else {
        systole::isa::write_file_atomic(dis_out, text, "disasm output");
      }
    } else if (*info_cmd) {
      info(info_target);
    } else if (*run_cmd) {
      return run_program(run);
    } else if (*compile_cmd) {
      compile.arch_given = compile_arch->count() > 0;
      return compile_model(compile);
    } else if (*xclbin_cmd) {
      return build_xclbin(xclbin_board, xclbin_arch, xclbin_dir, xclbin_target);
    } else if (*sweep_cmd) {
      return sweep(sweep_opts, sweep_shard);
    } else if (*report_cmd) {
      for (const auto& d : report_dirs) report_opts.dirs.emplace_back(d);
      return report(report_opts);
    } else if (*bench_cmd) {
      bench_opts.model = bench_model;
      bench_opts.output_dir = bench_out;
      bench_opts.ort_modules = bench_ort;
      return bench(bench_opts, bench_inputs, bench_json);
    }
  } catch (const std::exception& e) {
    std::cerr << "systole: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
