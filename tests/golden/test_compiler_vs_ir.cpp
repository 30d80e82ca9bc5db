// Compiled programs against the IR interpreter (the reference kernels run op by op), on the functional and SystemC
// models: random single-layer graphs of every accelerator lowering (conv with random stride/padding/dilation/groups,
// gemm, add, max pool, global average pool) and a mixed chain with host steps, on tiny, default and large.
// Bit-exact or fail.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <random>

#include "compiler/interpret.hpp"
#include "compiler/lower.hpp"
#include "support/backends.hpp"
#include "support/random_layers.hpp"
#include "systole/runtime.hpp"

using namespace systole;
using namespace systole::compiler;
using systole::test::Builder;

namespace {

// Compiles for `arch`, runs on every backend (test::backends_for) and on the interpreter; every output must match
// bit for bit.
void check_same(const Graph& g, const std::map<std::string, Tensor>& inputs, const char* arch,
                bool expect_accel = true) {
  auto device = Device::open("functional", {.arch = arch});
  Graph placed = g;
  const CompileResult compiled = compile(placed, device->arch());
  if (expect_accel) {
    for (const auto& l : compiled.layers) {
      INFO(l.name << ": " << l.reason);
      if (l.op != "quantize" && l.op != "dequantize" && l.op != "reshape") CHECK(l.accel);
    }
  }
  const auto expected = graph_outputs(g, interpret(g, inputs));
  // Every level: the golden model, the SystemC model (which executes in its own timed order), the RTL where built.
  for (const std::string& backend : test::backends_for(arch)) {
    const RunResult run = Device::open(backend, {.arch = arch})->load(compiled.program)->run(inputs);
    for (const auto& [name, tensor] : expected) {
      INFO("output " << name << " on " << arch << ", " << backend);
      const Tensor& got = run.outputs.at(name);
      REQUIRE(got.shape == tensor.shape);
      std::size_t diff = 0;
      for (std::size_t i = 0; i < got.data.size(); ++i) diff += got.data[i] != tensor.data[i];
      CHECK(diff == 0);
    }
  }
}

}  // namespace

TEST_CASE("random convolutions compile to programs that match the reference kernels", "[golden]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (const char* arch : {"tiny", "default", "large"}) {
    for (int trial = 0; trial < 12; ++trial) {
      const test::RandomLayer l = test::random_conv(rng);
      INFO(arch << " " << l.what);
      check_same(l.g, l.inputs, arch);
    }
  }
}

TEST_CASE("convolutions whose weights exceed the weight buffer run in groups of output-channel tiles", "[golden]") {
  // On tiny (1024 weight tiles), 3x3 convolutions of 48-80 channels need 1296-3600 tiles: groups of several output
  // tiles, a last group shorter than the others, the input loaded once per group.
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int trial = 0; trial < 3; ++trial) {
    Builder b{{}, rng};
    const std::int64_t cin = pick(48, 80), cout = pick(48, 80), h = pick(3, 6), w = pick(3, 6);
    const int x = b.input(DType::kUint8, {1, cin, h, w});
    const int y = b.activation("y", DType::kInt8, {1, cout, h, w},
                               0.05f * 0.01f * 127.0f * std::sqrt(static_cast<float>(cin * 9)) / 4.0f, 0);
    b.node(OpKind::kConv, {x, b.weights({cout, cin, 3, 3}, cout, true), b.bias(cout)}, y, {{"pads", {1, 1, 1, 1}}});
    b.g.outputs.push_back(y);
    INFO("cin " << cin << " cout " << cout << " h " << h << " w " << w);
    check_same(b.g, {{b.g.values[static_cast<std::size_t>(x)].name, b.random_input(x)}}, "tiny");
  }
}

TEST_CASE("gemm, add, max pool and average pools match the reference kernels", "[golden]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (const char* arch : {"tiny", "default", "large"}) {
    for (int trial = 0; trial < 6; ++trial) {
      for (const auto& make : {test::random_gemm, test::random_pools}) {
        const test::RandomLayer l = make(rng);
        INFO(arch << " " << l.what);
        check_same(l.g, l.inputs, arch);
      }
      const test::RandomLayer add = test::random_add(rng);  // a host step
      INFO(arch << " " << add.what);
      check_same(add.g, add.inputs, arch, false);
    }
  }
}

TEST_CASE("a chain with host steps: quantize, conv, reshape, gemm, dequantize", "[golden]") {
  std::mt19937 rng(7);
  Builder b{{}, rng};
  Value f;
  f.name = "image";
  f.dtype = DType::kFloat32;
  f.shape = {2, 3, 6, 6};
  const int img = b.g.add_value(f);
  b.g.inputs.push_back(img);
  const int q = b.activation("q", DType::kUint8, {2, 3, 6, 6}, 0.02f, 120);
  b.node(OpKind::kQuantize, {img}, q);
  const int conv = b.activation("conv", DType::kInt8, {2, 8, 3, 3}, 0.05f, -10);
  b.node(OpKind::kConv, {q, b.weights({8, 3, 3, 3}, 8, true), b.bias(8)}, conv,
         {{"strides", {2, 2}}, {"pads", {1, 1, 1, 1}}, {"clip", {-10, 127}}});
  const int gap = b.activation("gap", DType::kInt8, {2, 8, 1, 1}, 0.04f, 0);
  b.node(OpKind::kGlobalAveragePool, {conv}, gap);
  const int flat = b.activation("flat", DType::kInt8, {2, 8}, 0.04f, 0);
  b.node(OpKind::kReshape, {gap}, flat);  // NHWC [2,1,1,8] is row-major [2,8]: an alias, no instructions
  const int fc = b.activation("fc", DType::kInt8, {2, 5}, 0.1f, 3);
  b.node(OpKind::kGemm, {flat, b.weights({8, 5}, 5, false), b.bias(5)}, fc);
  Value out;
  out.name = "logits";
  out.dtype = DType::kFloat32;
  out.shape = {2, 5};
  const int logits = b.g.add_value(out);
  b.node(OpKind::kDequantize, {fc}, logits);
  b.g.outputs.push_back(logits);

  Tensor image(DType::kFloat32, {2, 3, 6, 6});
  std::uniform_real_distribution<float> v(-2.0f, 2.0f);
  for (std::int64_t i = 0; i < image.elements(); ++i) {
    const float x = v(rng);
    std::memcpy(&image.data[static_cast<std::size_t>(4 * i)], &x, 4);
  }
  for (const char* arch : {"tiny", "default"}) check_same(b.g, {{"image", image}}, arch);
  const auto device = Device::open("functional", {.arch = "default"});
  const CompileResult r = compile(b.g, device->arch());
  CHECK(r.program.steps.size() == 3);  // host quantize, one accelerator segment, host dequantize
}
