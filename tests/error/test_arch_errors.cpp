// Arch configs: a bad one names file, key and reason.
#include <catch2/catch.hpp>

#include "support/text.hpp"
#include "systole/arch.hpp"
#include "systole/error.hpp"

using namespace systole;
using Catch::Contains;

using test::parse_arch;
using test::replace;
using test::shipped_arch;

TEST_CASE("bad configs name file, key and reason", "[error]") {
  const std::string base = shipped_arch("default");
  CHECK_THROWS_WITH(parse_arch(replace(base, "rows = 16\n", "")), Contains("cfg.toml: key 'array.rows': missing"));
  CHECK_THROWS_WITH(parse_arch(replace(base, "rows = 16", "rows = 300")),
                    Contains("key 'array.rows': 300 is outside [1, 256]"));
  CHECK_THROWS_WITH(parse_arch(replace(base, "rows = 16", "rows = \"16\"")),
                    Contains("key 'array.rows': must be an integer"));
  CHECK_THROWS_WITH(parse_arch(replace(base, "\"weight_stationary\"", "\"row_stationary\"")),
                    Contains("'row_stationary' is not one of: weight_stationary, output_stationary"));
  CHECK_THROWS_WITH(parse_arch(base + "\n[extra]\nfoo = 1\n"), Contains("key 'extra.foo': unknown key"));
  CHECK_THROWS_WITH(parse_arch(replace(base, "banks = 4", "banks = 4\nbank = 2")),
                    Contains("key 'memory.bank': unknown key"));
  CHECK_THROWS_WITH(parse_arch(replace(base, "cols = 16", "cols = 3")),
                    Contains("key 'memory.wgt_kib': 262144 bytes is not a whole number of 3-byte rows"));
  CHECK_THROWS_WITH(parse_arch(replace(base, "rows = 16", "rows = [")), Contains("arch config cfg.toml:4:"));
  CHECK_THROWS_WITH(isa::load_arch_config("/nonexistent/x.toml"), Contains("cannot open file"));
  CHECK_THROWS_WITH(parse_arch(replace(base, "banks = 4", "banks = 3")),
                    Contains("key 'memory.banks': 3 is not a power of two"));
  CHECK_THROWS_WITH(parse_arch(replace(base, "bytes_per_cycle = 32", "bytes_per_cycle = 24")),
                    Contains("key 'dram.bytes_per_cycle': 24 is not a power of two"));
  CHECK_THROWS_WITH(parse_arch(replace(base, "burst_bytes = 512", "burst_bytes = 16")),
                    Contains("key 'dram.burst_bytes': 16 must be 1 to 256 beats of dram.bytes_per_cycle (32)"));
  CHECK_THROWS_WITH(parse_arch(replace(base, "burst_bytes = 512", "burst_bytes = 16384")),
                    Contains("key 'dram.burst_bytes': 16384 is outside"));
}
