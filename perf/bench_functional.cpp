// Benchmark: functional-model speed in MACs per second on a generated GEMM program (default 256x256x256).
// Prints the figures and writes them as JSON. Not a test: nothing here is asserted.
//
//   bench_functional [--arch default] [--m 256 --k 256 --n 256] [--repeat 5] [--json FILE]
#include <CLI/CLI.hpp>
#include <chrono>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>

#include "models/gemm_program.hpp"
#include "systole/runtime.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Functional-model GEMM benchmark"};
  std::string arch = "default", json_path = "bench_functional.json";
  systole::models::GemmShape s{256, 256, 256};
  int repeat = 5;
  app.add_option("--arch", arch, "Arch config")->capture_default_str();
  app.add_option("--m", s.m)->capture_default_str();
  app.add_option("--k", s.k)->capture_default_str();
  app.add_option("--n", s.n)->capture_default_str();
  app.add_option("--repeat", repeat, "Timed runs (best is reported)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--json", json_path, "Where to write the figures")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  try {
    auto device = systole::Device::open("functional", {.arch = arch});
    const auto t0 = std::chrono::steady_clock::now();
    auto program = device->load(systole::models::gemm_program(s, device->arch()));
    const double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    std::mt19937 rng(1);
    systole::Tensor a(systole::DType::kInt8, {s.m, s.k}), w(systole::DType::kInt8, {s.k, s.n});
    for (auto& v : a.data) v = static_cast<std::uint8_t>(rng());
    for (auto& v : w.data) v = static_cast<std::uint8_t>(rng());

    double best = 1e30;
    std::uint64_t macs = 0;
    for (int r = 0; r < repeat; ++r) {
      const auto start = std::chrono::steady_clock::now();
      const auto result = program->run({{"a", a}, {"w", w}});
      best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      macs = result.counters.at("macs");
    }
    const double useful = static_cast<double>(s.m * s.k * s.n);
    nlohmann::json j = {{"benchmark", "functional_gemm"},
                        {"arch", arch},
                        {"m", s.m},
                        {"k", s.k},
                        {"n", s.n},
                        {"instructions", program->program().insns.size()},
                        {"array_macs", macs},
                        {"best_run_seconds", best},
                        {"load_and_verify_seconds", load_s},
                        {"array_macs_per_second", static_cast<double>(macs) / best},
                        {"gemm_macs_per_second", useful / best}};
    std::cout << "functional model, arch " << arch << ", GEMM " << s.m << "x" << s.k << "x" << s.n << ": "
              << program->program().insns.size() << " instructions, best of " << repeat << " runs " << best * 1e3
              << " ms, " << useful / best / 1e9 << " G useful MAC/s (" << static_cast<double>(macs) / best / 1e9
              << " G array MAC/s incl. padding); load+verify " << load_s * 1e3 << " ms\n";
    std::ofstream(json_path) << j.dump(2) << "\n";
  } catch (const std::exception& e) {
    std::cerr << "bench_functional: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
