// Benchmark: architecture-exploration speed. Prints figures, writes JSON; not a test (nothing is asserted).
//
//   bench_explore [--model models/digits/digits_cnn_qdq.onnx] [--work DIR] [--json bench_explore.json]
//                 [--systole build/tools/systole]
//
// 1. estimate-level sweep, one process: 10,000 points (25 array shapes x 400 timing-only points: dram latency and
//    bytes per cycle, clock) and 400 points over array shapes and memory sizes (every point a new fingerprint, so a
//    new compile): network-points per CPU-second (one process: per core).
// 2. `systole report` of the 10,000 records: seconds.
// 3. SystemC level: seconds per point of a 4-point sweep, against one `systole compile` + `systole run --backend
//    systemc` of the same network at the same config on zero inputs (processes, as a user runs them).
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "perf/explore/report.hpp"
#include "perf/explore/sweep.hpp"
#include "sim/isa/file_io.hpp"
#include "systole/program.hpp"
#include "systole/tensor.hpp"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// CPU seconds of this process (user + system): on a shared machine, a steadier per-core figure than wall time.
double cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

struct Timed {
  systole::explore::SweepSummary s;
  double cpu = 0;
};

Timed sweep(const fs::path& dir, const std::string& name, const std::string& body) {
  fs::remove_all(dir / name);
  fs::create_directories(dir);
  const fs::path spec = dir / (name + ".toml");
  systole::isa::write_file_atomic(spec, body, "spec");
  const double c = cpu_seconds();
  const auto s = systole::explore::run_sweep({.spec = spec, .out = dir / name, .shard = {}, .jobs = 1});
  return {s, cpu_seconds() - c};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Exploration benchmark"};
  std::string model = std::string(SYSTOLE_SOURCE_DIR) + "/models/digits/digits_cnn_qdq.onnx";
  std::string work = "bench_explore_work", json_path = "bench_explore.json", cli = SYSTOLE_CLI;
  app.add_option("--model", model)->capture_default_str();
  app.add_option("--work", work, "Scratch folder (its sweeps are replaced)")->capture_default_str();
  app.add_option("--json", json_path)->capture_default_str();
  app.add_option("--systole", cli, "The systole command (SystemC comparison)")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    const fs::path dir = fs::absolute(work);
    const std::string head = "networks = [\"" + fs::absolute(model).string() + "\"]\nbase = \"default\"\n";
    nlohmann::json out = {{"benchmark", "explore"}, {"model", fs::path(model).stem().string()}};

    const auto timing = sweep(dir, "timing",
                              head +
                                  "level = \"estimate\"\n[axes]\n"
                                  "\"array.rows\" = [4, 8, 16, 32, 64]\n"
                                  "\"array.cols\" = [4, 8, 16, 32, 64]\n"
                                  "\"dram.bytes_per_cycle\" = [8, 16, 32, 64, 128]\n"
                                  "\"dram.latency_cycles\" = [16, 32, 64, 128, 256]\n"
                                  "\"clock.mhz\" = [100, 150, 200, 250, 300, 350, 400, 450, 500, "
                                  "550, 600, 650, 700, 750, 800, 850]\n");
    const double timing_rate = static_cast<double>(timing.s.evaluated) / timing.cpu;
    std::printf(
        "estimate sweep, 25 array shapes x 400 timing points: %llu network-points in %.3f s wall, %.3f s CPU = %.0f "
        "/CPU-s\n",
        static_cast<unsigned long long>(timing.s.evaluated), timing.s.seconds, timing.cpu, timing_rate);

    const auto arch = sweep(dir, "arch",
                            head +
                                "level = \"estimate\"\n[axes]\n"
                                "\"array.rows\" = [4, 8, 16, 32]\n\"array.cols\" = [4, 8, 16, 32]\n"
                                "\"memory.inp_kib\" = [64, 128, 256, 512, 1024]\n"
                                "\"memory.acc_kib\" = [64, 128, 256, 512, 1024]\n");
    const double arch_rate = static_cast<double>(arch.s.evaluated) / arch.cpu;
    std::printf(
        "estimate sweep, every point a new compile: %llu network-points (%llu skipped) in %.3f s wall, %.3f s CPU = "
        "%.0f /CPU-s\n",
        static_cast<unsigned long long>(arch.s.evaluated), static_cast<unsigned long long>(arch.s.skipped),
        arch.s.seconds, arch.cpu, arch_rate);

    const auto t = Clock::now();
    const double rep_cpu0 = cpu_seconds();
    const auto rep = systole::explore::write_report(
        {.dirs = {dir / "timing"}, .html = dir / "timing.html", .csv = dir / "timing.csv", .json = {}});
    const double report_s = since(t), report_cpu = cpu_seconds() - rep_cpu0;
    std::printf("report of %zu records (HTML and CSV): %.3f s wall, %.3f s CPU, %.1f MB of HTML\n", rep.records,
                report_s, report_cpu, static_cast<double>(fs::file_size(dir / "timing.html")) / 1e6);

    const auto sc =
        sweep(dir, "systemc", head + "level = \"systemc\"\n[axes]\n\"dram.bytes_per_cycle\" = [8, 16, 32, 64]\n");
    const double sc_point = sc.s.seconds / static_cast<double>(sc.s.evaluated);
    // One `systole compile` + `systole run` at one of those points (bytes_per_cycle 64, in points/).
    std::string pt;
    for (const auto& e : fs::directory_iterator(dir / "systemc" / "points")) pt = e.path().string();
    const std::string prog = (dir / "systemc.sys").string();
    const auto t2 = Clock::now();
    int rc = std::system((cli + " compile " + model + " --arch " + pt + " -o " + prog + " >/dev/null").c_str());
    // `systole run` on zero inputs of the program's shapes (one batch), as the sweep runs it.
    std::string inputs;
    for (const auto& desc : systole::Program::read(prog).tensors) {
      if (desc.kind != systole::TensorKind::kInput) continue;
      const fs::path npy = dir / (std::to_string(inputs.size()) + ".npy");
      systole::write_npy(npy, systole::Tensor(desc.dtype, desc.shape));
      inputs += " --input " + desc.name + "=" + npy.string();
    }
    rc |= std::system((cli + " run " + prog + " --backend systemc --arch " + pt + inputs + " >/dev/null").c_str());
    const double run_s = since(t2);
    std::printf(
        "systemc: %.4f s per sweep point (compile and run in the sweep's process); one systole compile + "
        "systole run --backend systemc: %.4f s%s\n",
        sc_point, run_s, rc == 0 ? "" : " (a command failed)");
    out["estimate_timing_axes"] = {{"network_points", timing.s.evaluated},
                                   {"seconds", timing.s.seconds},
                                   {"cpu_seconds", timing.cpu},
                                   {"points_per_second_per_core", timing_rate}};
    out["estimate_arch_axes"] = {{"network_points", arch.s.evaluated},
                                 {"skipped", arch.s.skipped},
                                 {"seconds", arch.s.seconds},
                                 {"cpu_seconds", arch.cpu},
                                 {"points_per_second_per_core", arch_rate}};
    out["report"] = {{"records", rep.records}, {"seconds", report_s}, {"cpu_seconds", report_cpu}};
    out["systemc"] = {{"seconds_per_point", sc_point}, {"systole_compile_run_seconds", run_s}, {"command_rc", rc}};
    systole::isa::write_file_atomic(json_path, out.dump(2) + "\n", "--json");
    std::printf("wrote %s\n", json_path.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_explore: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
