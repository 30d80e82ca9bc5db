// The functional model against plain loops: generated GEMM programs of random shapes on every shipped config.
#include <catch2/catch.hpp>
#include <random>

#include "models/gemm_program.hpp"
#include "systole/runtime.hpp"

using namespace systole;

TEST_CASE("functional model equals a plain-loop int8 GEMM on random shapes and configs", "[golden]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (const char* arch_name : {"tiny", "default", "large"}) {
    auto device = Device::open("functional", {.arch = arch_name});
    for (int trial = 0; trial < 4; ++trial) {
      std::uniform_int_distribution<std::int64_t> dim(1, trial == 0 ? 8 : 70);
      const models::GemmShape s{dim(rng), dim(rng), dim(rng)};
      INFO(arch_name << " M=" << s.m << " K=" << s.k << " N=" << s.n);
      Tensor a(DType::kInt8, {s.m, s.k}), w(DType::kInt8, {s.k, s.n});
      std::uniform_int_distribution<int> byte(-128, 127);
      for (auto& v : a.data) v = static_cast<std::uint8_t>(byte(rng));
      for (auto& v : w.data) v = static_cast<std::uint8_t>(byte(rng));
      const auto y = device->load(models::gemm_program(s, device->arch()))->run({{"a", a}, {"w", w}}).outputs.at("y");
      for (std::int64_t i = 0; i < s.m; ++i) {
        for (std::int64_t j = 0; j < s.n; ++j) {
          std::int32_t ref = 0;
          for (std::int64_t k = 0; k < s.k; ++k) ref += a.get(i * s.k + k) * w.get(k * s.n + j);
          REQUIRE(y.get(i * s.n + j) == ref);
        }
      }
    }
  }
}

TEST_CASE("a GEMM too big for the scratchpad is split into token-guarded blocks", "[golden]") {
  auto device = Device::open("functional", {.arch = "tiny"});
  // tiny holds 4096 input rows; K = 8 needs 2 rows per a-row, so M = 3000 takes two blocks.
  const models::GemmShape s{3000, 8, 4};
  Tensor a(DType::kInt8, {s.m, s.k}), w(DType::kInt8, {s.k, s.n});
  for (std::int64_t i = 0; i < a.elements(); ++i) a.set(i, static_cast<std::int32_t>(i % 7) - 3);
  for (std::int64_t i = 0; i < w.elements(); ++i) w.set(i, static_cast<std::int32_t>(i % 5) - 2);
  const Program p = models::gemm_program(s, device->arch());
  const auto y = device->load(p)->run({{"a", a}, {"w", w}});
  CHECK(y.counters.at("insns.store") == 2);  // one store per block (N = 4 is one column tile)
  for (std::int64_t i : {std::int64_t{0}, std::int64_t{2047}, std::int64_t{2048}, s.m - 1}) {
    for (std::int64_t j = 0; j < s.n; ++j) {
      std::int32_t ref = 0;
      for (std::int64_t k = 0; k < s.k; ++k) ref += a.get(i * s.k + k) * w.get(k * s.n + j);
      CHECK(y.outputs.at("y").get(i * s.n + j) == ref);
    }
  }
}
