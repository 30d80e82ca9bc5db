// Board files: a bad one names file, key and reason.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "support/text.hpp"
#include "systole/board.hpp"
#include "systole/error.hpp"

using namespace systole;
using Catch::Contains;
using test::replace;

namespace {

std::string shipped_board(const std::string& name) {
  std::ifstream in(board_dir() / (name + ".toml"));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Board parse(const std::string& text) {
  return parse_board(text, "b.toml");
}

}  // namespace

TEST_CASE("missing and unknown board keys are rejected", "[error]") {
  const std::string base = shipped_board("u250");
  REQUIRE_NOTHROW(parse(base));
  CHECK_THROWS_WITH(parse(replace(base, "platform = \"xilinx_u250_gen3x16_xdma_4_1_202210_1\"\n", "")),
                    Contains("board b.toml: key 'platform': missing"));
  CHECK_THROWS_WITH(parse(replace(base, "uram = 1280\n", "")), Contains("key 'resources.uram': missing"));
  CHECK_THROWS_WITH(parse(replace(base, "[resources]", "[resource]")), Contains("key 'resources': missing"));
  CHECK_THROWS_WITH(parse(replace(base, "kernel_clock_mhz = 300", "kernel_clock_mhz = 300\nclock_mhz = 250")),
                    Contains("key 'clock_mhz': unknown key"));
  CHECK_THROWS_WITH(parse(replace(base, "uram = 1280", "uram = 1280\nlutram = 791040")),
                    Contains("key 'resources.lutram': unknown key"));
  CHECK_THROWS_WITH(parse(replace(base, "bandwidth_gbps = 19.2 },", "bandwidth_gbps = 19.2, slr = 0 },")),
                    Contains("key 'memory.banks[0].slr': unknown key"));
  CHECK_THROWS_WITH(parse(replace(base, "{ name = \"DDR[0]\", ", "{ ")),
                    Contains("key 'memory.banks[0].name': missing"));
}

TEST_CASE("a board's arch config must be a config that exists, named, not a path", "[error]") {
  const std::string base = shipped_board("u250");
  CHECK(parse(base).arch == "large");
  CHECK_THROWS_WITH(parse(replace(base, "arch = \"large\"\n", "")), Contains("board b.toml: key 'arch': missing"));
  CHECK_THROWS_WITH(parse(replace(base, "arch = \"large\"", "arch = \"huge\"")),
                    Contains("board b.toml: key 'arch': arch config 'huge': no such config in ") &&
                        Contains("(known: default, large, tiny"));
  CHECK_THROWS_WITH(parse(replace(base, "arch = \"large\"", "arch = \"hw/arch/large.toml\"")),
                    Contains("key 'arch': 'hw/arch/large.toml' is not an arch config name: a name may hold only"));
  CHECK_THROWS_WITH(parse(replace(base, "arch = \"large\"", "arch = 32")), Contains("key 'arch': must be a string"));
  CHECK_THROWS_WITH(parse(replace(base, "arch = \"large\"", "arch = \"\"")), Contains("key 'arch': must not be empty"));
}

TEST_CASE("mistyped board values are rejected", "[error]") {
  const std::string base = shipped_board("u250");
  CHECK_THROWS_WITH(parse(replace(base, "kernel_clock_mhz = 300", "kernel_clock_mhz = \"300\"")),
                    Contains("key 'kernel_clock_mhz': must be an integer"));
  CHECK_THROWS_WITH(parse(replace(base, "dsp = 12288", "dsp = 12288.0")),
                    Contains("key 'resources.dsp': must be an integer"));
  CHECK_THROWS_WITH(parse(replace(base, "size_gib = 16.0", "size_gib = \"16\"")),
                    Contains("key 'memory.banks[0].size_gib': must be a number"));
  CHECK_THROWS_WITH(parse(replace(base, "part = \"xcu250-figd2104-2L-e\"", "part = 250")),
                    Contains("key 'part': must be a string"));
  CHECK_THROWS_WITH(parse(replace(base, "[memory]\nbanks = [", "[memory]\nbanks = 4\nbank = [")),
                    Contains("key 'memory.banks': must be an array"));
  CHECK_THROWS_WITH(parse(replace(base, "dsp = 12288", "dsp = 0")), Contains("key 'resources.dsp': 0 is outside [1, "));
  CHECK_THROWS_WITH(parse(replace(base, "bandwidth_gbps = 19.2 },", "bandwidth_gbps = -19.2 },")),
                    Contains("key 'memory.banks[0].bandwidth_gbps': must be positive"));
}

TEST_CASE("board values outside their vocabulary are rejected", "[error]") {
  const std::string base = shipped_board("u250");
  CHECK_THROWS_WITH(parse(replace(base, "family = \"xcup\"", "family = \"virtex\"")),
                    Contains("key 'family': 'virtex' is not one of: xcup, xcu, xc7"));
  CHECK_THROWS_WITH(parse(replace(base, "part = \"xcu250-figd2104-2L-e\"", "part = \"u250\"")),
                    Contains("key 'part': 'u250' is not a Xilinx part"));
  CHECK_THROWS_WITH(parse(replace(base, "type = \"DDR4\"", "type = \"DDR5\"")),
                    Contains("key 'memory.banks[0].type': 'DDR5' is not one of: DDR4, HBM2"));
  CHECK_THROWS_WITH(parse(replace(base, "name = \"DDR[0]\"", "name = \"DDR 0\"")),
                    Contains("'DDR 0' is not a Vitis memory name"));
  CHECK_THROWS_WITH(parse(replace(base, "name = \"DDR[1]\"", "name = \"DDR[0]\"")),
                    Contains("key 'memory.banks[1].name': bank 'DDR[0]' is listed twice"));
  const auto banks_start = base.find("banks = [");
  REQUIRE(banks_start != std::string::npos);
  CHECK_THROWS_WITH(parse(base.substr(0, banks_start) + "banks = []\n"),
                    Contains("key 'memory.banks': needs at least one bank"));
  CHECK_THROWS_WITH(parse(replace(base, "lut = 1728000", "lut = [")), Contains("board b.toml:"));
}

TEST_CASE("a board file must be named after its board, and unknown boards list the known ones", "[error]") {
  const auto dir = std::filesystem::temp_directory_path() / "systole_test_board_errors";
  std::filesystem::create_directories(dir);
  const auto file = dir / "myboard.toml";
  std::ofstream(file) << shipped_board("u55c");
  CHECK_THROWS_WITH(load_board(file.string()),
                    Contains("key 'name': 'u55c' differs from the file name; set it to 'myboard'"));
  std::filesystem::remove_all(dir);
  CHECK_THROWS_WITH(load_board("u999"), Contains("board 'u999': no such board") && Contains("known: kv260, u250"));
  CHECK_THROWS_WITH(load_board("/nonexistent/x.toml"), Contains("cannot open file"));
}
