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
#include "systole/runtime.hpp"

using namespace systole;
using namespace systole::compiler;

namespace {

struct Builder {
  Graph g;
  std::mt19937& rng;

  int activation(const std::string& name, DType t, std::vector<std::int64_t> shape, float scale, std::int32_t zp) {
    Value v;
    v.name = name;
    v.dtype = t;
    v.shape = std::move(shape);
    v.scale = scale;
    v.zero_point = zp;
    return g.add_value(std::move(v));
  }
  int input(DType t, std::vector<std::int64_t> shape) {
    std::uniform_int_distribution<int> zp(t == DType::kUint8 ? 100 : -20, t == DType::kUint8 ? 150 : 20);
    const int id = activation("x" + std::to_string(g.values.size()), t, std::move(shape), 0.05f, zp(rng));
    g.inputs.push_back(id);
    return id;
  }
  int weights(std::vector<std::int64_t> shape, std::int64_t channels, bool per_channel) {
    Value w;
    w.name = "w" + std::to_string(g.values.size());
    w.dtype = DType::kInt8;
    w.shape = std::move(shape);
    w.is_const = true;
    std::uniform_int_distribution<int> v(-127, 127);
    for (std::int64_t i = 0; i < w.elements(); ++i) w.data.push_back(v(rng));
    std::uniform_real_distribution<float> s(0.002f, 0.02f);
    w.scale = s(rng);
    if (per_channel) {
      for (std::int64_t c = 0; c < channels; ++c) w.channel_scale.push_back(s(rng)), w.channel_zero_point.push_back(0);
    }
    return g.add_value(std::move(w));
  }
  int bias(std::int64_t n) {
    Value b;
    b.name = "b" + std::to_string(g.values.size());
    b.dtype = DType::kInt32;
    b.shape = {n};
    b.is_const = true;
    std::uniform_int_distribution<int> v(-5000, 5000);
    for (std::int64_t i = 0; i < n; ++i) b.data.push_back(v(rng));
    return g.add_value(std::move(b));
  }
  int node(OpKind k, std::vector<int> in, int out, std::map<std::string, std::vector<std::int64_t>> ints = {}) {
    Node n;
    n.name = std::string(op_name(k)) + std::to_string(g.nodes.size());
    n.op.kind = k;
    n.op.ints = std::move(ints);
    n.inputs = std::move(in);
    n.output = out;
    g.nodes.push_back(std::move(n));
    return out;
  }
  Tensor random_input(int id) {
    const Value& v = g.values[static_cast<std::size_t>(id)];
    Tensor t(v.dtype, v.shape);
    std::uniform_int_distribution<int> b(0, 255);
    for (auto& x : t.data) x = static_cast<std::uint8_t>(b(rng));
    return t;
  }
};

// Compiles for `arch`, runs on the functional and SystemC backends and on the interpreter; every output must match
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
  // Both simulated levels: the golden model and the SystemC model (which executes in its own timed order).
  for (const char* backend : {"functional", "systemc"}) {
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

std::int64_t out_dim(std::int64_t in, std::int64_t k, std::int64_t s, std::int64_t d, std::int64_t p0,
                     std::int64_t p1) {
  return (in + p0 + p1 - ((k - 1) * d + 1)) / s + 1;
}

}  // namespace

TEST_CASE("random convolutions compile to programs that match the reference kernels", "[golden]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (const char* arch : {"tiny", "default", "large"}) {
    for (int trial = 0; trial < 12; ++trial) {
      Builder b{{}, rng};
      auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
      const std::int64_t group = pick(0, 3) == 0 ? 2 : 1;
      const bool depthwise = pick(0, 4) == 0;
      const std::int64_t cin = depthwise ? pick(1, 40) : group * pick(1, 20);
      const std::int64_t cout = depthwise ? cin : group * pick(1, 24);
      const std::int64_t g = depthwise ? cin : group;
      const std::int64_t k = pick(1, 3), s = pick(1, 2), d = pick(1, 2);
      const std::int64_t h = pick(std::max<int>(1, static_cast<int>((k - 1) * d + 1)), 12),
                         w = pick(std::max<int>(1, static_cast<int>((k - 1) * d + 1)), 12);
      const std::int64_t ext = (k - 1) * d + 1;
      std::vector<std::int64_t> pads;
      for (int i = 0; i < 4; ++i) pads.push_back(pick(0, static_cast<int>(ext - 1)));
      const DType in_t = pick(0, 1) ? DType::kUint8 : DType::kInt8, out_t = pick(0, 1) ? DType::kUint8 : DType::kInt8;
      const std::int64_t n = pick(1, 2);
      INFO(arch << " cin=" << cin << " cout=" << cout << " group=" << g << " k=" << k << " s=" << s << " d=" << d
                << " h=" << h << " w=" << w << " pads=" << pads[0] << pads[1] << pads[2] << pads[3]);
      const int x = b.input(in_t, {n, cin, h, w});
      const int wt = b.weights({cout, cin / g, k, k}, cout, pick(0, 1) == 1);
      const int bias = pick(0, 3) ? b.bias(cout) : -1;
      const std::int64_t oh = out_dim(h, k, s, d, pads[0], pads[2]), ow = out_dim(w, k, s, d, pads[1], pads[3]);
      const float sy = 0.05f * 0.01f * 127.0f * std::sqrt(static_cast<float>(cin / g * k * k)) / 4.0f;
      const int y = b.activation("y", out_t, {n, cout, oh, ow}, sy, out_t == DType::kUint8 ? 128 : 0);
      std::map<std::string, std::vector<std::int64_t>> attrs{
          {"strides", {s, s}}, {"dilations", {d, d}}, {"pads", pads}, {"group", {g}}};
      if (pick(0, 1)) attrs["clip"] = {out_t == DType::kUint8 ? 128 : 0, out_t == DType::kUint8 ? 255 : 127};  // ReLU
      b.node(OpKind::kConv, {x, wt, bias}, y, attrs);
      b.g.outputs.push_back(y);
      check_same(b.g, {{b.g.values[static_cast<std::size_t>(x)].name, b.random_input(x)}}, arch);
    }
  }
}

TEST_CASE("gemm, add, max pool and global average pool match the reference kernels", "[golden]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (const char* arch : {"tiny", "default", "large"}) {
    for (int trial = 0; trial < 6; ++trial) {
      {  // gemm
        Builder b{{}, rng};
        const std::int64_t m = pick(1, 40), k = pick(1, 70), n = pick(1, 50);
        const bool tb = pick(0, 1);
        const int a = b.input(pick(0, 1) ? DType::kUint8 : DType::kInt8, {m, k});
        const int w = b.weights(tb ? std::vector<std::int64_t>{n, k} : std::vector<std::int64_t>{k, n}, n, pick(0, 1));
        const int y =
            b.activation("y", DType::kInt8, {m, n}, 0.05f * 0.01f * 127.0f * std::sqrt(static_cast<float>(k)) / 4, -3);
        b.node(OpKind::kGemm, {a, w, b.bias(n)}, y, {{"trans_b", {tb ? 1 : 0}}});
        b.g.outputs.push_back(y);
        INFO("gemm m=" << m << " k=" << k << " n=" << n);
        check_same(b.g, {{b.g.values[static_cast<std::size_t>(a)].name, b.random_input(a)}}, arch);
      }
      {  // add
        Builder b{{}, rng};
        const std::vector<std::int64_t> shape{pick(1, 2), pick(1, 40), pick(1, 9), pick(1, 9)};
        const int a = b.input(DType::kInt8, shape), c = b.input(DType::kUint8, shape);
        b.g.values[static_cast<std::size_t>(c)].scale = 0.08f;
        const int y = b.activation("y", pick(0, 1) ? DType::kInt8 : DType::kUint8, shape, 0.1f, 7);
        b.node(OpKind::kAdd, {a, c}, y);
        b.g.outputs.push_back(y);
        check_same(b.g,
                   {{b.g.values[static_cast<std::size_t>(a)].name, b.random_input(a)},
                    {b.g.values[static_cast<std::size_t>(c)].name, b.random_input(c)}},
                   arch);
      }
      {  // max pool then global average pool
        Builder b{{}, rng};
        const std::int64_t k = pick(1, 3), s = pick(1, 2), h = pick(static_cast<int>(k), 12),
                           w = pick(static_cast<int>(k), 12), ch = pick(1, 40);
        const std::int64_t p = pick(0, static_cast<int>(k - 1));
        const int x = b.input(pick(0, 1) ? DType::kUint8 : DType::kInt8, {1, ch, h, w});
        const Value xv = b.g.values[static_cast<std::size_t>(x)];
        const std::int64_t oh = out_dim(h, k, s, 1, p, p), ow = out_dim(w, k, s, 1, p, p);
        const bool same_q = pick(0, 1);
        const int mp =
            b.activation("mp", xv.dtype, {1, ch, oh, ow}, same_q ? xv.scale : 0.07f, same_q ? xv.zero_point : 5);
        b.node(OpKind::kMaxPool, {x}, mp, {{"kernel", {k, k}}, {"strides", {s, s}}, {"pads", {p, p, p, p}}});
        const int gap = b.activation("gap", DType::kInt8, {1, ch, 1, 1}, 0.03f, -4);
        b.node(OpKind::kGlobalAveragePool, {mp}, gap);
        b.g.outputs.push_back(gap);
        b.g.outputs.push_back(mp);
        INFO("pool k=" << k << " s=" << s << " h=" << h << " w=" << w << " ch=" << ch << " p=" << p);
        check_same(b.g, {{xv.name, b.random_input(x)}}, arch);
      }
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
