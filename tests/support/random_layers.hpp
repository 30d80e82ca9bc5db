// Random single-layer graphs for the tests that compile them (golden: against the IR interpreter; cosim: on the
// RTL): a small graph builder over the compiler's IR, with random weights, biases and inputs.
#pragma once

#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "compiler/ir.hpp"
#include "systole/op.hpp"
#include "systole/tensor.hpp"

namespace systole::test {

using compiler::Graph;
using compiler::Node;
using compiler::Value;
using systole::DType;
using systole::OpKind;

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

// Output size of a convolution or pooling window along one axis.
inline std::int64_t out_dim(std::int64_t in, std::int64_t k, std::int64_t s, std::int64_t d, std::int64_t p0,
                            std::int64_t p1) {
  return (in + p0 + p1 - ((k - 1) * d + 1)) / s + 1;
}

// A random layer of one accelerator lowering, with its inputs and a description for failure messages.
struct RandomLayer {
  Graph g;
  std::map<std::string, Tensor> inputs;
  std::string what;
};

// Convolution with random channels, groups (or depthwise), kernel, stride, dilation, padding, types, bias and ReLU.
inline RandomLayer random_conv(std::mt19937& rng) {
  Builder b{{}, rng};
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const std::int64_t group = pick(0, 3) == 0 ? 2 : 1;
  const bool depthwise = pick(0, 4) == 0;
  const std::int64_t cin = depthwise ? pick(1, 40) : group * pick(1, 20);
  const std::int64_t cout = depthwise ? cin : group * pick(1, 24);
  const std::int64_t g = depthwise ? cin : group;
  const std::int64_t k = pick(1, 3), s = pick(1, 2), d = pick(1, 2);
  const std::int64_t ext = (k - 1) * d + 1;
  const std::int64_t h = pick(static_cast<int>(ext), 12), w = pick(static_cast<int>(ext), 12);
  std::vector<std::int64_t> pads;
  for (int i = 0; i < 4; ++i) pads.push_back(pick(0, static_cast<int>(ext - 1)));
  const DType in_t = pick(0, 1) ? DType::kUint8 : DType::kInt8, out_t = pick(0, 1) ? DType::kUint8 : DType::kInt8;
  const std::int64_t n = pick(1, 2);
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
  RandomLayer r{{}, {{b.g.values[static_cast<std::size_t>(x)].name, b.random_input(x)}}, ""};
  r.what = "conv cin=" + std::to_string(cin) + " cout=" + std::to_string(cout) + " group=" + std::to_string(g) +
           " k=" + std::to_string(k) + " s=" + std::to_string(s) + " d=" + std::to_string(d) +
           " h=" + std::to_string(h) + " w=" + std::to_string(w) + " pads=" + std::to_string(pads[0]) +
           std::to_string(pads[1]) + std::to_string(pads[2]) + std::to_string(pads[3]);
  r.g = std::move(b.g);
  return r;
}

// Gemm (optionally with transposed weights) with a bias.
inline RandomLayer random_gemm(std::mt19937& rng) {
  Builder b{{}, rng};
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const std::int64_t m = pick(1, 40), k = pick(1, 70), n = pick(1, 50);
  const bool tb = pick(0, 1);
  const int a = b.input(pick(0, 1) ? DType::kUint8 : DType::kInt8, {m, k});
  const int w = b.weights(tb ? std::vector<std::int64_t>{n, k} : std::vector<std::int64_t>{k, n}, n, pick(0, 1));
  const int y =
      b.activation("y", DType::kInt8, {m, n}, 0.05f * 0.01f * 127.0f * std::sqrt(static_cast<float>(k)) / 4, -3);
  b.node(OpKind::kGemm, {a, w, b.bias(n)}, y, {{"trans_b", {tb ? 1 : 0}}});
  b.g.outputs.push_back(y);
  RandomLayer r{{},
                {{b.g.values[static_cast<std::size_t>(a)].name, b.random_input(a)}},
                "gemm m=" + std::to_string(m) + " k=" + std::to_string(k) + " n=" + std::to_string(n)};
  r.g = std::move(b.g);
  return r;
}

// Elementwise add of an int8 and a uint8 tensor with different scales (a host step: ONNX Runtime's QLinearAdd is
// fp32 fused multiply-adds).
inline RandomLayer random_add(std::mt19937& rng) {
  Builder b{{}, rng};
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const std::vector<std::int64_t> shape{pick(1, 2), pick(1, 40), pick(1, 9), pick(1, 9)};
  const int a = b.input(DType::kInt8, shape), c = b.input(DType::kUint8, shape);
  b.g.values[static_cast<std::size_t>(c)].scale = 0.08f;
  const int y = b.activation("y", pick(0, 1) ? DType::kInt8 : DType::kUint8, shape, 0.1f, 7);
  b.node(OpKind::kAdd, {a, c}, y);
  b.g.outputs.push_back(y);
  RandomLayer r{{},
                {{b.g.values[static_cast<std::size_t>(a)].name, b.random_input(a)},
                 {b.g.values[static_cast<std::size_t>(c)].name, b.random_input(c)}},
                "add " + std::to_string(shape[0]) + "x" + std::to_string(shape[1]) + "x" + std::to_string(shape[2]) +
                    "x" + std::to_string(shape[3])};
  r.g = std::move(b.g);
  return r;
}

// Output size of an average pool's window along one axis with ceil_mode (ONNX: a last window that would start past
// the input and its leading padding is dropped).
inline std::int64_t out_dim_ceil(std::int64_t in, std::int64_t k, std::int64_t s, std::int64_t p0, std::int64_t p1) {
  std::int64_t o = (in + p0 + p1 - k + s - 1) / s + 1;
  if ((o - 1) * s >= in + p0) --o;
  return o;
}

// Max pool (its input's quantization, as ONNX Runtime drops the Q/DQ pair around it), then an average pool over the
// whole pooled plane and a global average pool of it, and a windowed average pool of the input (random kernel,
// strides, asymmetric pads, count_include_pad, ceil_mode; ONNX Runtime's fp32 arithmetic): all four outputs kept,
// every one on the vector unit.
inline RandomLayer random_pools(std::mt19937& rng) {
  Builder b{{}, rng};
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const std::int64_t k = pick(1, 3), s = pick(1, 2), h = pick(static_cast<int>(k), 12),
                     w = pick(static_cast<int>(k), 12), ch = pick(1, 40);
  const std::int64_t p = pick(0, static_cast<int>(k - 1));
  const int x = b.input(pick(0, 1) ? DType::kUint8 : DType::kInt8, {1, ch, h, w});
  const Value xv = b.g.values[static_cast<std::size_t>(x)];
  const std::int64_t oh = out_dim(h, k, s, 1, p, p), ow = out_dim(w, k, s, 1, p, p);
  const int mp = b.activation("mp", xv.dtype, {1, ch, oh, ow}, xv.scale, xv.zero_point);
  b.node(OpKind::kMaxPool, {x}, mp, {{"kernel", {k, k}}, {"strides", {s, s}}, {"pads", {p, p, p, p}}});
  const int avg = b.activation("avg", DType::kUint8, {1, ch, 1, 1}, 0.02f, 9);
  b.node(OpKind::kAveragePool, {mp}, avg, {{"kernel", {oh, ow}}});
  const int gap = b.activation("gap", DType::kInt8, {1, ch, 1, 1}, 0.03f, -4);
  b.node(OpKind::kGlobalAveragePool, {mp}, gap);
  const std::int64_t kh = pick(1, static_cast<int>(std::min<std::int64_t>(h, 4))),
                     kw = pick(1, static_cast<int>(std::min<std::int64_t>(w, 4))), sh = pick(1, 3), sw = pick(1, 3);
  const std::vector<std::int64_t> pads{pick(0, static_cast<int>(kh - 1)), pick(0, static_cast<int>(kw - 1)),
                                       pick(0, static_cast<int>(kh - 1)), pick(0, static_cast<int>(kw - 1))};
  const std::int64_t ceil = pick(0, 2) == 0, include_pad = pick(0, 1);
  const std::int64_t wh = ceil ? out_dim_ceil(h, kh, sh, pads[0], pads[2]) : out_dim(h, kh, sh, 1, pads[0], pads[2]);
  const std::int64_t ww = ceil ? out_dim_ceil(w, kw, sw, pads[1], pads[3]) : out_dim(w, kw, sw, 1, pads[1], pads[3]);
  const DType wavg_t = pick(0, 1) ? DType::kUint8 : DType::kInt8;
  const int wavg = b.activation("wavg", wavg_t, {1, ch, wh, ww}, xv.scale * (0.5f + static_cast<float>(pick(0, 8)) / 8),
                                wavg_t == DType::kUint8 ? pick(100, 150) : pick(-20, 20));
  b.node(OpKind::kAveragePool, {x}, wavg,
         {{"kernel", {kh, kw}},
          {"strides", {sh, sw}},
          {"pads", pads},
          {"ceil_mode", {ceil}},
          {"count_include_pad", {include_pad}}});
  b.g.outputs.push_back(gap);
  b.g.outputs.push_back(avg);
  b.g.outputs.push_back(mp);
  b.g.outputs.push_back(wavg);
  RandomLayer r{{},
                {{xv.name, b.random_input(x)}},
                "pools k=" + std::to_string(k) + " s=" + std::to_string(s) + " h=" + std::to_string(h) +
                    " w=" + std::to_string(w) + " ch=" + std::to_string(ch) + " p=" + std::to_string(p) +
                    "; average pool k=" + std::to_string(kh) + "x" + std::to_string(kw) + " s=" + std::to_string(sh) +
                    "," + std::to_string(sw) + " pads=" + std::to_string(pads[0]) + std::to_string(pads[1]) +
                    std::to_string(pads[2]) + std::to_string(pads[3]) + " ceil_mode=" + std::to_string(ceil) +
                    " count_include_pad=" + std::to_string(include_pad)};
  r.g = std::move(b.g);
  return r;
}

}  // namespace systole::test
