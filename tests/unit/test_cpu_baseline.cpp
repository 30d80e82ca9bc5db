// The CPU baseline (perf/baselines/cpu) against the IR interpreter (the reference kernels): bit for bit on random
// convolutions and gemms (every weight layout and zero point it takes to oneDNN) and on the shipped digits models, and
// as the runtime's host-op provider on every backend.
#include <catch2/catch.hpp>
#include <filesystem>
#include <random>

#include "compiler/interpret.hpp"
#include "compiler/lower.hpp"
#include "compiler/onnx_import.hpp"
#include "perf/baselines/batch.hpp"
#include "perf/baselines/cpu/cpu_baseline.hpp"
#include "support/backends.hpp"
#include "support/random_layers.hpp"

using namespace systole;

namespace {

// Runs `g` both ways; returns how many nodes oneDNN ran.
std::size_t check_same(const compiler::Graph& g, const std::map<std::string, Tensor>& inputs, int threads) {
  cpu::Baseline baseline(g, {.threads = threads});
  const auto want = compiler::graph_outputs(g, compiler::interpret(g, inputs));
  const auto got = baseline.run(inputs);
  for (const auto& [name, t] : want) {
    INFO("output " << name);
    REQUIRE(got.at(name).shape == t.shape);
    std::size_t diff = 0;
    for (std::size_t i = 0; i < t.data.size(); ++i) diff += got.at(name).data[i] != t.data[i];
    CHECK(diff == 0);
  }
  std::size_t onednn = 0;
  for (const cpu::NodePlan& p : baseline.plan()) onednn += p.engine == "onednn";
  return onednn;
}

// The gemm's weight as uint8 with a zero point per column (the same real values): exercises the zero-point
// corrections and the uint8 -> int8 shift.
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

TEST_CASE("cpu baseline: random convolutions equal the reference kernels, on oneDNN", "[unit]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (int trial = 0; trial < 60; ++trial) {
    const test::RandomLayer l = test::random_conv(rng);
    INFO(l.what);
    CHECK(check_same(l.g, l.inputs, 1 + trial % 2) == 1);
  }
}

TEST_CASE("cpu baseline: random gemms equal the reference kernels, with int8 and uint8 weights", "[unit]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (int trial = 0; trial < 60; ++trial) {
    test::RandomLayer l = test::random_gemm(rng);
    if (trial % 2) weights_to_uint8(l.g, rng);
    INFO(l.what << (trial % 2 ? " (uint8 weights)" : ""));
    CHECK(check_same(l.g, l.inputs, 1 + trial % 2) == 1);
  }
}

TEST_CASE("cpu baseline: the digits models equal the interpreter", "[unit]") {
  const std::filesystem::path digits = std::filesystem::path(SYSTOLE_SOURCE_DIR) / "models" / "digits";
  const Tensor all = read_npy(digits / "digits_test_x.npy");
  for (const char* model : {"digits_mlp_qdq_b8", "digits_mlp_qop_b8", "digits_cnn_qdq_b8", "digits_cnn_qop_b8"}) {
    INFO(model);
    const compiler::Graph g = compiler::import_onnx(digits / (std::string(model) + ".onnx"));
    const compiler::Value& in = g.values[static_cast<std::size_t>(g.inputs.at(0))];
    Tensor x(DType::kFloat32, in.shape);
    std::copy_n(all.data.begin(), x.data.size(), x.data.begin());
    CHECK(check_same(g, {{in.name, x}}, 2) >= 2);  // the convs and gemms
  }
}

TEST_CASE("cpu baseline: the host steps of accelerator runs run on its oneDNN kernels, with the interpreter's bits",
          "[unit]") {
  // A gemm with trans_a stays on the host (the accelerator has no transposed load); oneDNN takes it.
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (int trial = 0; trial < 6; ++trial) {
    test::Builder b{{}, rng};
    const std::int64_t m = 1 + trial * 7, k = 3 + trial * 11, n = 2 + trial * 5;
    const int a = b.input(trial % 2 ? DType::kUint8 : DType::kInt8, {k, m});
    const int w = b.weights({k, n}, n, trial % 3 == 0);
    const int y = b.activation("y", DType::kInt8, {m, n}, 0.05f, 2);
    b.node(OpKind::kGemm, {a, w, b.bias(n)}, y, {{"trans_a", {1}}});
    b.g.outputs.push_back(y);
    const std::map<std::string, Tensor> inputs{{b.g.values[static_cast<std::size_t>(a)].name, b.random_input(a)}};
    const auto want = compiler::graph_outputs(b.g, compiler::interpret(b.g, inputs));
    REQUIRE(runtime::host_op_provider() != nullptr);
    for (const std::string& backend : test::backends_for("tiny")) {
      INFO(backend);
      auto loaded =
          Device::open(backend, {.arch = "tiny"})->load(compiler::compile(b.g, isa::load_arch_config("tiny")).program);
      for (int run = 0; run < 2; ++run) {  // prepared at the first run, reused at the second
        const RunResult r = loaded->run(inputs);
        CHECK(r.counters.at("host.ops") == 1);
        CHECK(r.counters.at("host.prepared_ops") == 1);
        CHECK(r.outputs.at("y").data == want.at("y").data);
      }
    }
  }
}

TEST_CASE("batch: a rebatched graph computes every sample as the model does, on the interpreter and the CPU baseline",
          "[unit]") {
  const std::filesystem::path digits = std::filesystem::path(SYSTOLE_SOURCE_DIR) / "models" / "digits";
  const Tensor all = read_npy(digits / "digits_test_x.npy");
  const compiler::Graph g = compiler::import_onnx(digits / "digits_cnn_qop_b8.onnx");
  const compiler::Value& in = g.values[static_cast<std::size_t>(g.inputs.at(0))];
  Tensor x8(DType::kFloat32, in.shape);
  std::copy_n(all.data.begin(), x8.data.size(), x8.data.begin());
  const auto want8 = compiler::graph_outputs(g, compiler::interpret(g, {{in.name, x8}}));

  const compiler::Graph g24 = bench::rebatch(g, 24);
  CHECK(bench::graph_batch(g24) == 24);
  const compiler::Value& in24 = g24.values[static_cast<std::size_t>(g24.inputs.at(0))];
  Tensor x24(DType::kFloat32, in24.shape);
  for (std::size_t i = 0; i < x24.data.size(); ++i) x24.data[i] = x8.data[i % x8.data.size()];
  const auto got = compiler::graph_outputs(g24, compiler::interpret(g24, {{in24.name, x24}}));
  for (const auto& [name, t] : want8) {
    INFO(name);
    const Tensor& y = got.at(name);
    REQUIRE(y.shape[0] == 24);
    for (std::size_t i = 0; i < y.data.size(); ++i) REQUIRE(y.data[i] == t.data[i % t.data.size()]);
  }
  CHECK(check_same(g24, {{in24.name, x24}}, 2) >= 2);
  CHECK_THROWS_WITH(bench::rebatch(g, 12), Catch::Contains("multiple of the model's batch (8)"));
}
