// Benchmark: architecture-exploration speed. Prints figures, writes JSON; not a test (nothing is asserted).
//
//   bench_explore [--model models/digits/digits_cnn_qdq.onnx] [--work DIR] [--json bench_explore.json]
//                 [--systole build/tools/systole]
//
// 1. estimate-level sweep, one process: 10,000 points (25 array shapes x 400 timing-only points: dram latency and
//    bytes per cycle, clock) and 400 points over array shapes and memory sizes (every point a new fingerprint, so a
//    new compile): network-points per second per core.
// 2. `systole report` of the 10,000 records: seconds.
// 3. SystemC level: seconds per point of a 4-point sweep, against one `systole compile` + `systole run --backend
//    systemc` of the same network at the same config (processes, as a user runs them).
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "perf/explore/report.hpp"
#include "perf/explore/sweep.hpp"
#include "sim/isa/file_io.hpp"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

systole::explore::SweepSummary sweep(const fs::path& dir, const std::string& name, const std::string& body) {
  fs::remove_all(dir / name);
  fs::create_directories(dir);
  const fs::path spec = dir / (name + ".toml");
  systole::isa::write_file_atomic(spec, body, "spec");
  return systole::explore::run_sweep({.spec = spec, .out = dir / name, .shard = {}, .jobs = 1});
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
    const double timing_rate = static_cast<double>(timing.evaluated) / timing.seconds;
    std::printf("estimate sweep, 25 array shapes x 400 timing points: %llu network-points in %.3f s = %.0f /s/core\n",
                static_cast<unsigned long long>(timing.evaluated), timing.seconds, timing_rate);

    const auto arch = sweep(dir, "arch",
                            head +
                                "level = \"estimate\"\n[axes]\n"
                                "\"array.rows\" = [4, 8, 16, 32]\n\"array.cols\" = [4, 8, 16, 32]\n"
                                "\"memory.inp_kib\" = [64, 128, 256, 512, 1024]\n"
                                "\"memory.acc_kib\" = [64, 128, 256, 512, 1024]\n");
    const double arch_rate = static_cast<double>(arch.evaluated) / arch.seconds;
    std::printf(
        "estimate sweep, every point a new compile: %llu network-points (%llu skipped) in %.3f s = %.0f /s/core\n",
        static_cast<unsigned long long>(arch.evaluated), static_cast<unsigned long long>(arch.skipped), arch.seconds,
        arch_rate);

    const auto t = Clock::now();
    const auto rep = systole::explore::write_report(
        {.dirs = {dir / "timing"}, .html = dir / "timing.html", .csv = dir / "timing.csv", .json = {}});
    const double report_s = since(t);
    std::printf("report of %zu records (HTML and CSV): %.3f s, %.1f MB of HTML\n", rep.records, report_s,
                static_cast<double>(fs::file_size(dir / "timing.html")) / 1e6);

    const auto sc =
        sweep(dir, "systemc", head + "level = \"systemc\"\n[axes]\n\"dram.bytes_per_cycle\" = [8, 16, 32, 64]\n");
    const double sc_point = sc.seconds / static_cast<double>(sc.evaluated);
    // One `systole compile` + `systole run` at one of those points (bytes_per_cycle 64, in points/).
    std::string pt;
    for (const auto& e : fs::directory_iterator(dir / "systemc" / "points")) pt = e.path().string();
    const std::string prog = (dir / "systemc.sys").string(), zeros = (dir / "zeros.npy").string();
    const auto t2 = Clock::now();
    const std::string cmd = cli + " compile " + model + " --arch " + pt + " -o " + prog + " >/dev/null && " + cli +
                            " run " + prog + " --backend systemc --input input=" + std::string(SYSTOLE_SOURCE_DIR) +
                            "/models/digits/digits_test_x.npy >/dev/null";
    const int rc = std::system(cmd.c_str());
    const double run_s = since(t2);
    std::printf("systemc: %.3f s per sweep point; one systole compile + run (360 images) %.3f s%s\n", sc_point, run_s,
                rc == 0 ? "" : " (command failed)");
    out["estimate_timing_axes"] = {
        {"network_points", timing.evaluated}, {"seconds", timing.seconds}, {"points_per_second_per_core", timing_rate}};
    out["estimate_arch_axes"] = {{"network_points", arch.evaluated},
                                 {"skipped", arch.skipped},
                                 {"seconds", arch.seconds},
                                 {"points_per_second_per_core", arch_rate}};
    out["report"] = {{"records", rep.records}, {"seconds", report_s}};
    out["systemc"] = {{"seconds_per_point", sc_point}, {"systole_compile_run_seconds", run_s}, {"command_rc", rc}};
    systole::isa::write_file_atomic(json_path, out.dump(2) + "\n", "--json");
    std::printf("wrote %s\n", json_path.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_explore: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
