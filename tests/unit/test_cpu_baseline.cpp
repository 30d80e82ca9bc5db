// The CPU baseline (perf/baselines/cpu) against the IR interpreter (the reference kernels): bit for bit on random
// convolutions and gemms (every weight layout and zero point), on random residual networks and attention products
// that run wholly on its VNNI kernels (every path of them: in place and im2col convolutions, row sums, depthwise,
// pooling, adds, quantize, panel and row tails), on the shipped digits models, and as the runtime's host-op provider
// on every backend.
#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <random>

#include "compiler/interpret.hpp"
#include "compiler/lower.hpp"
#include "compiler/onnx_import.hpp"
#include "perf/baselines/batch.hpp"
#include "perf/baselines/cpu/cpu_baseline.hpp"
#include "perf/baselines/cpu/vnni_kernels.hpp"
#include "support/backends.hpp"
#include "support/random_layers.hpp"

using namespace systole;

namespace {

// Runs `g` both ways; returns how many nodes a fast engine (VNNI kernels or oneDNN) ran.
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
  std::size_t fast = 0;
  for (const cpu::NodePlan& p : baseline.plan()) fast += p.engine != "reference";
  return fast;
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

TEST_CASE("cpu baseline: random convolutions equal the reference kernels, on the VNNI kernels or oneDNN", "[unit]") {
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

namespace {

// A random residual network from a float input: quantize, a KxK convolution (channels a multiple of 4 or not: in
// place or through an im2col), a 1x1 one, their sum, a max pool, a depthwise convolution, a global average pool, a
// reshape and a gemm; channels around the 64-column panels, batch 1 or 2.
test::RandomLayer random_network(std::mt19937& rng) {
  test::Builder b{{}, rng};
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  auto type = [&] { return pick(0, 1) ? DType::kUint8 : DType::kInt8; };
  auto zp = [&](DType t) { return t == DType::kUint8 ? pick(100, 150) : pick(-20, 20); };
  auto conv_scale = [](std::int64_t depth) {
    return 0.05f * 0.01f * 127.0f * std::sqrt(static_cast<float>(depth)) / 4.0f;
  };
  const std::int64_t n = pick(1, 2), c0 = std::vector<std::int64_t>{3, 4, 8, 12, 16}[pick(0, 4)];
  const std::int64_t c1 = pick(1, 140), h = pick(4, 13), w = pick(4, 13), k = pick(1, 3), s = pick(1, 2);
  const int xf = b.activation("x", DType::kFloat32, {n, c0, h, w}, 1.0f, 0);
  b.g.inputs.push_back(xf);
  const DType t0 = type(), t1 = type(), t2 = type(), t3 = type(), t4 = type();
  const int x = b.activation("xq", t0, {n, c0, h, w}, 0.05f, zp(t0));
  b.node(OpKind::kQuantize, {xf}, x);
  const std::int64_t p = k / 2, oh = test::out_dim(h, k, s, 1, p, p), ow = test::out_dim(w, k, s, 1, p, p);
  const int y1 = b.activation("y1", t1, {n, c1, oh, ow}, conv_scale(c0 * k * k), zp(t1));
  std::map<std::string, std::vector<std::int64_t>> conv1{{"strides", {s, s}}, {"pads", {p, p, p, p}}};
  if (pick(0, 1)) conv1["clip"] = {t1 == DType::kUint8 ? 128 : 0, t1 == DType::kUint8 ? 255 : 127};
  b.node(OpKind::kConv, {x, b.weights({c1, c0, k, k}, c1, pick(0, 1) == 1), b.bias(c1)}, y1, conv1);
  const int y2 = b.activation("y2", t2, {n, c1, oh, ow}, conv_scale(c1), zp(t2));
  b.node(OpKind::kConv, {y1, b.weights({c1, c1, 1, 1}, c1, true), pick(0, 1) ? b.bias(c1) : -1}, y2);
  const int sum = b.activation("sum", t3, {n, c1, oh, ow}, 0.08f, zp(t3));
  b.node(OpKind::kAdd, {y1, y2}, sum,
         pick(0, 1) ? std::map<std::string, std::vector<std::int64_t>>{{"clip",
                                                                        {t3 == DType::kUint8 ? 128 : 0,
                                                                         t3 == DType::kUint8 ? 255 : 127}}}
                    : std::map<std::string, std::vector<std::int64_t>>{});
  const compiler::Value sv = b.g.values[static_cast<std::size_t>(sum)];
  const std::int64_t ph = test::out_dim(oh, 3, 2, 1, 1, 1), pw = test::out_dim(ow, 3, 2, 1, 1, 1);
  const int pooled = b.activation("pooled", sv.dtype, {n, c1, ph, pw}, sv.scale, sv.zero_point);
  b.node(OpKind::kMaxPool, {sum}, pooled, {{"kernel", {3, 3}}, {"strides", {2, 2}}, {"pads", {1, 1, 1, 1}}});
  const int dw = b.activation("dw", t4, {n, c1, ph, pw}, conv_scale(9), zp(t4));
  b.node(OpKind::kConv, {pooled, b.weights({c1, 1, 3, 3}, c1, true), b.bias(c1)}, dw,
         {{"pads", {1, 1, 1, 1}}, {"group", {c1}}});
  const DType tg = type();
  const int gap = b.activation("gap", tg, {n, c1, 1, 1}, 0.03f, zp(tg));
  b.node(OpKind::kGlobalAveragePool, {dw}, gap);
  const int flat = b.activation("flat", tg, {n, c1}, 0.03f, b.g.values[static_cast<std::size_t>(gap)].zero_point);
  b.node(OpKind::kReshape, {gap}, flat);
  const std::int64_t classes = pick(1, 80);
  const int logits = b.activation("logits", DType::kInt8, {n, classes}, conv_scale(c1) * 0.6f, pick(-5, 5));
  b.node(OpKind::kGemm, {flat, b.weights({c1, classes}, classes, pick(0, 1) == 1), b.bias(classes)}, logits);
  b.g.outputs = {logits, y2};
  Tensor input(DType::kFloat32, {n, c0, h, w});
  std::normal_distribution<float> real(0.0f, 2.0f);
  for (std::int64_t i = 0; i < n * c0 * h * w; ++i) {
    const float f = real(rng);
    std::memcpy(input.data.data() + 4 * i, &f, 4);
  }
  test::RandomLayer r{{}, {{"x", input}}, ""};
  r.what = "network n=" + std::to_string(n) + " c0=" + std::to_string(c0) + " c1=" + std::to_string(c1) +
           " h=" + std::to_string(h) + " w=" + std::to_string(w) + " k=" + std::to_string(k) +
           " s=" + std::to_string(s) + " classes=" + std::to_string(classes);
  r.g = std::move(b.g);
  return r;
}

}  // namespace

TEST_CASE("cpu baseline: random residual networks run on the VNNI kernels, bit for bit", "[unit]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (int trial = 0; trial < 40; ++trial) {
    test::RandomLayer l = random_network(rng);
    if (trial % 4 == 3) weights_to_uint8(l.g, rng);  // weight zero points: the row-sum paths
    INFO(l.what << (trial % 4 == 3 ? " (uint8 weights)" : ""));
    const std::size_t fast = check_same(l.g, l.inputs, 1 + trial % 2);
    if (cpu::vnni::available()) {
      cpu::Baseline baseline(l.g);
      for (const cpu::NodePlan& p : baseline.plan()) {
        INFO(p.name << ": " << p.reason);
        CHECK(p.engine == "vnni");
      }
    } else {
      CHECK(fast >= 3);  // the convolutions and the gemm on oneDNN
    }
  }
}

TEST_CASE("cpu baseline: batched activation x activation products equal the reference kernels", "[unit]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (int trial = 0; trial < 30; ++trial) {
    test::Builder b{{}, rng};
    auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    const std::int64_t heads = pick(1, 4), m = pick(1, 30), k = pick(1, 70), n = pick(1, 90);
    const int a = b.input(pick(0, 1) ? DType::kUint8 : DType::kInt8, {1, heads, m, k});
    const int c = b.input(pick(0, 1) ? DType::kUint8 : DType::kInt8, {1, heads, k, n});
    const DType ty = pick(0, 1) ? DType::kUint8 : DType::kInt8;
    const int y = b.activation("y", ty, {1, heads, m, n}, 0.05f * 0.05f * std::sqrt(static_cast<float>(k)) * 3,
                               ty == DType::kUint8 ? 128 : 0);
    b.node(OpKind::kMatMul, {a, c}, y);
    b.g.outputs.push_back(y);
    const std::map<std::string, Tensor> inputs{{b.g.values[static_cast<std::size_t>(a)].name, b.random_input(a)},
                                               {b.g.values[static_cast<std::size_t>(c)].name, b.random_input(c)}};
    INFO("heads=" << heads << " m=" << m << " k=" << k << " n=" << n);
    const std::size_t fast = check_same(b.g, inputs, 1 + trial % 2);
    CHECK(fast == (cpu::vnni::available() ? 1u : 0u));
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

TEST_CASE("cpu baseline: an accelerator run's host-step adds run on its VNNI kernels, with the interpreter's bits",
          "[unit]") {
  // QLinearAdd is a host step (the vector unit has no fused multiply-add); the provider takes it to the VNNI kernels.
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (int trial = 0; trial < 4; ++trial) {
    test::RandomLayer l = test::random_add(rng);
    INFO(l.what);
    const auto want = compiler::graph_outputs(l.g, compiler::interpret(l.g, l.inputs));
    const compiler::CompileResult compiled = compiler::compile(l.g, isa::load_arch_config("tiny"));
    for (const std::string& backend : test::backends_for("tiny")) {
      INFO(backend);
      auto loaded = Device::open(backend, {.arch = "tiny"})->load(compiled.program);
      const RunResult r = loaded->run(l.inputs);
      CHECK(r.counters.at("host.ops") >= 1);
      CHECK(r.counters.at("host.prepared_ops") == r.counters.at("host.ops"));
      CHECK(r.outputs.at("y").data == want.at("y").data);
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
