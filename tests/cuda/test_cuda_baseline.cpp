// The GPU baseline (perf/baselines/cuda) against the IR interpreter (the reference kernels, which the functional model
// matches bit for bit): random convolutions (grouped and depthwise too), gemms with int8 and uint8 weights, adds and
// pools, the shipped digits models at their batch and rebatched. Its own executable: main() exits with 77 (CTest's
// SKIP_RETURN_CODE) where there is no GPU, so the suite reports "skipped", never "passed", on machines without one.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <random>

#include "compiler/interpret.hpp"
#include "compiler/onnx_import.hpp"
#include "perf/baselines/batch.hpp"
#include "perf/baselines/cuda/cuda_baseline.hpp"
#include "support/random_layers.hpp"

using namespace systole;

namespace {

// Runs `g` both ways; returns the plan's node count per engine.
std::map<std::string, int> check_same(const compiler::Graph& g, const std::map<std::string, Tensor>& inputs,
                                      int batch = 0) {
  cuda::Baseline baseline(g, {.batch = batch});
  const compiler::Graph& run_graph = baseline.graph();
  const auto want = compiler::graph_outputs(run_graph, compiler::interpret(run_graph, inputs));
  for (int pass = 0; pass < 2; ++pass) {  // the CUDA graph replayed: no state carried between runs
    const auto got = baseline.run(inputs);
    for (const auto& [name, t] : want) {
      INFO("output " << name << ", run " << pass);
      REQUIRE(got.at(name).shape == t.shape);
      std::size_t diff = 0;
      for (std::size_t i = 0; i < t.data.size(); ++i) diff += got.at(name).data[i] != t.data[i];
      CHECK(diff == 0);
    }
  }
  std::map<std::string, int> engines;
  for (const cuda::NodePlan& p : baseline.plan()) {
    ++engines[p.engine];
    if (p.engine == "host") UNSCOPED_INFO("host: " << p.name << " (" << p.reason << ")");
  }
  return engines;
}

void weights_to_uint8(compiler::Graph& g, std::mt19937& rng) {
  for (compiler::Value& v : g.values) {
    if (!v.is_const || v.dtype != DType::kInt8) continue;
    std::uniform_int_distribution<int> zp(-100, 100);
    const std::int32_t z = zp(rng);
    v.dtype = DType::kUint8;
    for (auto& x : v.data) x = std::clamp(x / 2 + z, -128, 127) + 128;
    v.zero_point = z + 128;
    for (auto& cz : v.channel_zero_point) cz = z + 128;
  }
}

}  // namespace

TEST_CASE("cuda baseline: random convolutions equal the reference kernels", "[cuda]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (int trial = 0; trial < 60; ++trial) {
    const test::RandomLayer l = test::random_conv(rng);
    INFO(l.what);
    const auto engines = check_same(l.g, l.inputs);
    CHECK(engines.count("host") == 0);
  }
}

TEST_CASE("cuda baseline: random gemms equal the reference kernels, with int8 and uint8 weights", "[cuda]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (int trial = 0; trial < 60; ++trial) {
    test::RandomLayer l = test::random_gemm(rng);
    if (trial % 2) weights_to_uint8(l.g, rng);
    INFO(l.what << (trial % 2 ? " (uint8 weights)" : ""));
    const auto engines = check_same(l.g, l.inputs);
    CHECK(engines.count("host") == 0);
  }
}

TEST_CASE("cuda baseline: random adds and pools equal the reference kernels (GPU or host steps)", "[cuda]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (int trial = 0; trial < 40; ++trial) {
    const test::RandomLayer l = trial % 2 ? test::random_pools(rng) : test::random_add(rng);
    INFO(l.what);
    check_same(l.g, l.inputs);
  }
}

TEST_CASE("cuda baseline: the digits models equal the interpreter, at their batch and rebatched", "[cuda]") {
  const std::filesystem::path digits = std::filesystem::path(SYSTOLE_SOURCE_DIR) / "models" / "digits";
  const Tensor all = read_npy(digits / "digits_test_x.npy");
  for (const char* model : {"digits_mlp_qdq_b8", "digits_mlp_qop_b8", "digits_cnn_qdq_b8", "digits_cnn_qop_b8"}) {
    for (int batch : {0, 64}) {
      INFO(model << " at batch " << batch);
      const compiler::Graph g = compiler::import_onnx(digits / (std::string(model) + ".onnx"));
      const compiler::Graph gb = batch ? bench::rebatch(g, batch) : g;
      const compiler::Value& in = gb.values[static_cast<std::size_t>(gb.inputs.at(0))];
      Tensor x(DType::kFloat32, in.shape);
      for (std::size_t i = 0; i < x.data.size(); ++i) x.data[i] = all.data[i % all.data.size()];
      auto engines = check_same(g, {{in.name, x}}, batch);
      CHECK(engines["host"] == 0);
      std::printf("%s at batch %d: %d nodes on cuBLASLt, %d on own kernels\n", model, batch, engines["cublaslt"],
                  engines["cuda"]);
    }
  }
}

int main(int argc, char** argv) {
  const cuda::DeviceInfo dev = cuda::device_info();
  if (!dev.available) {
    std::printf("test_cuda: skipped, no GPU (%s)\n", dev.why_not.c_str());
    return 77;
  }
  std::printf("test_cuda: %s (sm_%d), %s\n", dev.name.c_str(), dev.compute_capability, dev.versions.c_str());
  return Catch::Session().run(argc, argv);
}
