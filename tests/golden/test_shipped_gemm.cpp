// The shipped example program (models/programs/gemm.s) against the oracle its generator computed independently
// in Python, through the runtime API and through the `systole` CLI.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>

#include "systole/program_text.hpp"
#include "systole/runtime.hpp"

using namespace systole;
namespace fs = std::filesystem;

namespace {
const fs::path kModels = fs::path(SYSTOLE_SOURCE_DIR) / "models" / "programs";
}

TEST_CASE("shipped GEMM program matches its independent oracle on the functional backend", "[golden]") {
  auto device = Device::open("functional", {.arch = "default"});
  auto loaded = device->load(Program::read(fs::path(SYSTOLE_BINARY_DIR) / "models" / "gemm.sys"));
  const RunResult r = loaded->run({{"a", read_npy(kModels / "gemm_a.npy")}});
  const Tensor expected = read_npy(kModels / "gemm_y_expected.npy");
  const Tensor& y = r.outputs.at("y");
  CHECK(y.shape == expected.shape);
  CHECK(y.dtype == expected.dtype);
  CHECK(y.data == expected.data);
  CHECK(r.counters.at("macs") == 32u * 16 * 16 * 6);  // 6 tiles of 32 input rows on a 16x16 array
  CHECK(r.counters.at("insns.gemm") == 6);
  // Running twice gives the same bits (memories are cleared per run).
  CHECK(loaded->run({{"a", read_npy(kModels / "gemm_a.npy")}}).outputs.at("y").data == expected.data);
}

TEST_CASE("systole run writes the right result and stats through the CLI", "[golden]") {
  const fs::path dir = fs::temp_directory_path() / "systole_cli_gemm";
  fs::remove_all(dir);
  const std::string cmd = std::string(SYSTOLE_CLI) + " run " + SYSTOLE_BINARY_DIR +
                          "/models/gemm.sys --backend functional --input a=" + (kModels / "gemm_a.npy").string() +
                          " --output-dir " + dir.string() + " --stats " + (dir / "stats.json").string() + " > " +
                          (dir.string() + ".log");
  REQUIRE(std::system(cmd.c_str()) == 0);
  CHECK(read_npy(dir / "y.npy").data == read_npy(kModels / "gemm_y_expected.npy").data);
  CHECK(fs::file_size(dir / "stats.json") > 0);
}
