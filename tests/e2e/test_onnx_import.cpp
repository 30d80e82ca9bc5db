// ONNX import: the IR each small test model (tests/e2e/models/gen_import_models.py) becomes, node by node, and a
// run of every imported graph through the IR interpreter (the reference kernels accept what the importer made).
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "compiler/interpret.hpp"
#include "compiler/lower.hpp"
#include "compiler/onnx_import.hpp"
#include "support/backends.hpp"
#include "systole/runtime.hpp"

using namespace systole;
using compiler::Graph;
using compiler::Node;
using compiler::Value;
namespace fs = std::filesystem;
using Ints = std::vector<std::int64_t>;

namespace {

const fs::path kModels = fs::path(SYSTOLE_TEST_DATA) / "e2e" / "models";

Graph load(const std::string& name) {
  return compiler::import_onnx(kModels / (name + ".onnx"));
}

std::vector<std::string> kinds(const Graph& g) {
  std::vector<std::string> k;
  for (const Node& n : g.nodes) k.emplace_back(op_name(n.op.kind));
  return k;
}

const Node& node(const Graph& g, const std::string& name) {
  for (const Node& n : g.nodes) {
    if (n.name == name) return n;
  }
  FAIL("no node named " << name);
  return g.nodes.front();
}

const Value& value(const Graph& g, int id) {
  REQUIRE(id >= 0);
  return g.values.at(static_cast<std::size_t>(id));
}
const Value& out(const Graph& g, const Node& n) {
  return value(g, n.output);
}
const Value& in(const Graph& g, const Node& n, std::size_t i) {
  return value(g, n.inputs.at(i));
}

Ints attr(const Node& n, const std::string& key) {
  return n.op.ints_or(key, {});
}

void check_act(const Value& v, const std::string& name, DType t, const Ints& shape, float scale, std::int32_t zp) {
  INFO("value " << v.name);
  CHECK(v.name == name);
  CHECK(v.dtype == t);
  CHECK(v.shape == shape);
  CHECK(v.scale == Approx(scale).epsilon(1e-6));
  CHECK(v.zero_point == zp);
  CHECK_FALSE(v.is_const);
}

// Float inputs: a ramp in [-1, 1]; 8-bit inputs: a ramp of integers.
std::map<std::string, Tensor> ramp_inputs(const Graph& g) {
  std::map<std::string, Tensor> inputs;
  for (int id : g.inputs) {
    const Value& v = value(g, id);
    Tensor t(v.dtype, v.shape);
    for (std::int64_t i = 0; i < t.elements(); ++i) {
      const float f = -1.0f + 2.0f * static_cast<float>(i % 17) / 16.0f;
      if (v.dtype == DType::kFloat32) {
        std::memcpy(&t.data[static_cast<std::size_t>(4 * i)], &f, 4);
      } else {
        t.set(i, static_cast<std::int32_t>(i % 100));
      }
    }
    inputs.emplace(v.name, std::move(t));
  }
  return inputs;
}

float float_at(const Tensor& t, std::int64_t i) {
  float f;
  std::memcpy(&f, &t.data[static_cast<std::size_t>(4 * i)], 4);
  return f;
}

std::map<std::string, int> kind_counts(const Graph& g) {
  std::map<std::string, int> c;
  for (const Node& n : g.nodes) ++c[std::string(op_name(n.op.kind))];
  return c;
}

bool is_float_op(OpKind k) {
  return k >= OpKind::kFloatAdd;
}

// Compiles for `default` (which sets the placements), runs on every backend (test::backends_for) and in the IR
// interpreter; every output must match bit for bit.
void check_compiled_equals_interpreter(Graph& g) {
  const compiler::CompileResult r = compiler::compile(g, isa::load_arch_config("default"));
  const std::map<std::string, Tensor> inputs = ramp_inputs(g);
  const auto want = compiler::graph_outputs(g, compiler::interpret(g, inputs));
  REQUIRE(want.size() == g.outputs.size());
  for (const std::string& backend : test::backends_for("default")) {
    const auto got = Device::open(backend, {.arch = "default"})->load(r.program)->run(inputs).outputs;
    for (const auto& [name, t] : want) {
      INFO("output " << name << " on " << backend);
      REQUIRE(got.count(name) == 1);
      CHECK(got.at(name).shape == t.shape);
      CHECK(got.at(name).data == t.data);
    }
  }
}

}  // namespace

TEST_CASE("QDQ conv + relu + maxpool + gemm chain with per-channel weights", "[e2e]") {
  const Graph g = load("qdq_chain");
  CHECK(kinds(g) == std::vector<std::string>{"quantize", "conv", "max_pool", "reshape", "gemm", "dequantize"});
  REQUIRE(g.inputs.size() == 1);
  CHECK(value(g, g.inputs[0]).name == "x");
  CHECK(value(g, g.inputs[0]).dtype == DType::kFloat32);
  CHECK(value(g, g.inputs[0]).shape == Ints{1, 1, 8, 8});

  check_act(out(g, node(g, "q_x")), "x_q", DType::kInt8, {1, 1, 8, 8}, 1.0f / 128, 0);
  const Node& conv = node(g, "conv1");
  CHECK(conv.op.kind == OpKind::kConv);
  CHECK(conv.inputs[0] == node(g, "q_x").output);
  CHECK(attr(conv, "strides") == Ints{1, 1});
  CHECK(attr(conv, "pads") == Ints{1, 1, 1, 1});
  CHECK(attr(conv, "dilations") == Ints{1, 1});
  CHECK(attr(conv, "group") == Ints{1});
  CHECK(attr(conv, "clip") == Ints{-128, 127});  // the fused Relu: {zy, int8 max}
  const Value& w1 = in(g, conv, 1);
  CHECK(w1.name == "w1");
  CHECK(w1.is_const);
  CHECK(w1.dtype == DType::kInt8);
  CHECK(w1.shape == Ints{4, 1, 3, 3});
  CHECK(w1.data.size() == 36);
  CHECK(w1.channel_scale == std::vector<float>{0.01f, 0.02f, 0.03f, 0.04f});
  CHECK(w1.channel_zero_point == std::vector<std::int32_t>{0, 0, 0, 0});
  const Value& b1 = in(g, conv, 2);
  CHECK(b1.is_const);
  CHECK(b1.dtype == DType::kInt32);
  CHECK(b1.shape == Ints{4});
  CHECK(b1.data == std::vector<std::int32_t>{100, -50, 0, 25});
  CHECK(b1.zero_point == 0);
  check_act(out(g, conv), "relu1_q", DType::kInt8, {1, 4, 8, 8}, 0.05f, -128);

  const Node& pool = node(g, "pool1");
  CHECK(attr(pool, "kernel") == Ints{2, 2});
  CHECK(attr(pool, "strides") == Ints{2, 2});
  CHECK(attr(pool, "pads") == Ints{0, 0, 0, 0});
  CHECK(attr(pool, "ceil_mode") == Ints{0});
  check_act(out(g, pool), "pool1_q", DType::kInt8, {1, 4, 4, 4}, 0.05f, -128);
  check_act(out(g, node(g, "flatten")), "flat", DType::kInt8, {1, 64}, 0.05f, -128);

  const Node& fc = node(g, "fc");
  CHECK(fc.inputs[0] == node(g, "flatten").output);
  CHECK(attr(fc, "trans_a") == Ints{0});
  CHECK(attr(fc, "trans_b") == Ints{1});
  CHECK(attr(fc, "clip").empty());
  CHECK(fc.op.floats.count("alpha") == 0);
  const Value& w2 = in(g, fc, 1);
  CHECK(w2.shape == Ints{10, 64});
  REQUIRE(w2.channel_scale.size() == 10);
  CHECK(w2.channel_scale[0] == 0.001f);
  CHECK(w2.channel_scale[9] == 0.01f);
  CHECK(in(g, fc, 2).data == std::vector<std::int32_t>{-30, -23, -16, -9, -2, 5, 12, 19, 26, 33});
  check_act(out(g, fc), "fc_q", DType::kInt8, {1, 10}, 0.1f, 3);

  const Node& dq = node(g, "dq_out");
  CHECK(dq.op.kind == OpKind::kDequantize);
  CHECK(out(g, dq).name == "y");
  CHECK(out(g, dq).dtype == DType::kFloat32);
  CHECK(out(g, dq).shape == Ints{1, 10});
  CHECK(g.outputs == std::vector<int>{dq.output});
}

TEST_CASE("QOperator chain with uint8 activations gives the QDQ chain's graph", "[e2e]") {
  const Graph g = load("qop_chain");
  CHECK(kinds(g) == std::vector<std::string>{"quantize", "conv", "max_pool", "reshape", "gemm", "dequantize"});
  check_act(out(g, node(g, "q_x")), "x_q", DType::kUint8, {1, 1, 8, 8}, 1.0f / 128, 128);
  const Node& conv = node(g, "qconv1");
  CHECK(attr(conv, "pads") == Ints{1, 1, 1, 1});
  CHECK(attr(conv, "clip").empty());  // QLinearConv: the Relu lives in the output zero point
  check_act(out(g, conv), "conv1_q", DType::kUint8, {1, 4, 8, 8}, 0.05f, 0);
  check_act(out(g, node(g, "pool1")), "pool1_q", DType::kUint8, {1, 4, 4, 4}, 0.05f, 0);
  check_act(out(g, node(g, "flatten")), "flat_q", DType::kUint8, {1, 64}, 0.05f, 0);
  const Node& fc = node(g, "fc");
  CHECK(attr(fc, "trans_b") == Ints{1});
  check_act(out(g, fc), "fc_q", DType::kUint8, {1, 10}, 0.1f, 128);
  CHECK(in(g, fc, 2).data == std::vector<std::int32_t>{-30, -23, -16, -9, -2, 5, 12, 19, 26, 33});

  const Graph qdq = load("qdq_chain");  // same seeds: the same weights and channel scales
  CHECK(in(g, conv, 1).data == in(qdq, node(qdq, "conv1"), 1).data);
  CHECK(in(g, conv, 1).channel_scale == in(qdq, node(qdq, "conv1"), 1).channel_scale);
  CHECK(in(g, fc, 1).data == in(qdq, node(qdq, "fc"), 1).data);
}

TEST_CASE("QDQ residual add with a fused relu and a per-tensor 1x1 conv", "[e2e]") {
  const Graph g = load("qdq_residual");
  CHECK(kinds(g) == std::vector<std::string>{"quantize", "conv", "add", "dequantize"});
  const Node& conv = node(g, "conv");
  const Value& w = in(g, conv, 1);
  CHECK(w.channel_scale.empty());
  CHECK(w.scale == 0.01f);
  CHECK(w.zero_point == 0);
  CHECK(conv.inputs[2] == -1);
  check_act(out(g, conv), "conv_q", DType::kInt8, {1, 2, 4, 4}, 0.03f, -2);
  const Node& add = node(g, "add");
  CHECK(add.inputs == std::vector<int>{node(g, "q_x").output, conv.output});
  CHECK(attr(add, "clip") == Ints{-128, 127});
  check_act(out(g, add), "add_q", DType::kInt8, {1, 2, 4, 4}, 0.04f, -128);
}

TEST_CASE("QDQ max pool with a new scale, lone relu, pool + clip and activation matmul", "[e2e]") {
  const Graph g = load("qdq_misc");
  CHECK(kinds(g) == std::vector<std::string>{"quantize", "max_pool", "requantize", "clip", "global_average_pool",
                                             "clip", "reshape", "reshape", "matmul", "dequantize"});
  check_act(out(g, node(g, "pool")), "pool_out", DType::kInt8, {1, 2, 2, 2}, 0.1f, 0);  // keeps x's quantization
  check_act(out(g, node(g, "q_pool")), "pool_q", DType::kInt8, {1, 2, 2, 2}, 0.2f, 0);
  const Node& relu = node(g, "relu");
  CHECK(relu.op.kind == OpKind::kClip);
  CHECK(attr(relu, "clip") == Ints{0, 127});
  check_act(out(g, relu), "relu_q", DType::kInt8, {1, 2, 2, 2}, 0.2f, 0);
  check_act(out(g, node(g, "gap")), "gap_out", DType::kInt8, {1, 2, 1, 1}, 0.01f, -100);
  const Node& clip = node(g, "clip6");
  CHECK(attr(clip, "clip") == Ints{-100, 0});  // Clip(0, 1) at scale 0.01, zero point -100
  check_act(out(g, clip), "gap_q", DType::kInt8, {1, 2, 1, 1}, 0.01f, -100);
  CHECK(out(g, node(g, "reshape_a")).shape == Ints{1, 1, 2});
  CHECK(out(g, node(g, "reshape_b")).shape == Ints{1, 2, 1});
  const Node& mm = node(g, "mm");
  CHECK(mm.inputs == std::vector<int>{node(g, "reshape_a").output, node(g, "reshape_b").output});
  check_act(out(g, mm), "mm_q", DType::kInt8, {1, 1, 1}, 0.001f, 0);
}

TEST_CASE("PyTorch-style QDQ: Constant scales, folded shape helpers, float weights and biases", "[e2e]") {
  const Graph g = load("qdq_pytorch");
  CHECK(kinds(g) == std::vector<std::string>{"quantize", "conv", "reshape", "gemm", "dequantize"});
  check_act(out(g, node(g, "q_x")), "x_q", DType::kInt8, {1, 2, 4, 4}, 0.05f, 0);
  const Node& conv = node(g, "conv");
  const Value& w = in(g, conv, 1);
  CHECK(w.shape == Ints{3, 2, 3, 3});
  CHECK(w.channel_scale == std::vector<float>{0.004f, 0.005f, 0.006f});
  for (const auto v : w.data) CHECK((v >= -128 && v <= 127));
  // float bias / (sx * sw[m]), round half to even: 0.1 / 2e-4, -0.2 / 2.5e-4, 0.05 / 3e-4
  CHECK(in(g, conv, 2).data == std::vector<std::int32_t>{500, -800, 167});
  CHECK(attr(conv, "clip") == Ints{-128, 127});
  const Node& reshape = node(g, "reshape");
  check_act(out(g, reshape), "flat", DType::kInt8, {1, 48}, 0.1f, -128);
  const Node& fc = node(g, "fc");
  CHECK(in(g, fc, 1).shape == Ints{5, 48});
  CHECK(in(g, fc, 2).data == std::vector<std::int32_t>{2500, -2222, 1000, 0, 3333});
  check_act(out(g, fc), "fc_q", DType::kInt8, {1, 5}, 0.2f, 0);
}

TEST_CASE("conv attributes: asymmetric pads, stride, dilation, groups, depthwise with SAME_LOWER and Clip(0, 6)",
          "[e2e]") {
  const Graph g = load("qdq_conv_attrs");
  CHECK(kinds(g) == std::vector<std::string>{"quantize", "conv", "conv", "dequantize"});
  const Node& a = node(g, "conv_a");
  CHECK(attr(a, "pads") == Ints{0, 1, 2, 1});
  CHECK(attr(a, "strides") == Ints{2, 2});
  CHECK(attr(a, "dilations") == Ints{2, 2});
  CHECK(attr(a, "group") == Ints{2});
  CHECK(attr(a, "clip").empty());
  CHECK(in(g, a, 1).shape == Ints{4, 2, 3, 3});
  CHECK(in(g, a, 2).data == std::vector<std::int32_t>{1, 2, 3, 4});
  check_act(out(g, a), "a_q", DType::kInt8, {1, 4, 4, 4}, 0.05f, 0);
  const Node& dw = node(g, "conv_dw");
  CHECK(attr(dw, "group") == Ints{4});
  CHECK(attr(dw, "pads") == Ints{1, 1, 0, 0});  // SAME_LOWER: the odd padding row/column goes first
  CHECK(attr(dw, "strides") == Ints{2, 2});
  CHECK(attr(dw, "clip") == Ints{-128, -8});  // {q(0), q(6)} = {-128, 120 - 128}
  CHECK(in(g, dw, 1).shape == Ints{4, 1, 3, 3});
  CHECK(in(g, dw, 1).channel_scale.size() == 4);
  CHECK(dw.inputs[2] == -1);
  check_act(out(g, dw), "d_q", DType::kInt8, {1, 4, 2, 2}, 0.05f, -128);
}

TEST_CASE("batch 4 uint8 model: conv, average pool, global average pool, reshape, per-column matmul", "[e2e]") {
  const Graph g = load("qdq_batch4");
  CHECK(kinds(g) == std::vector<std::string>{"quantize", "conv", "average_pool", "global_average_pool", "reshape",
                                             "gemm", "dequantize"});
  check_act(out(g, node(g, "q_x")), "x_q", DType::kUint8, {4, 2, 6, 6}, 1.0f / 64, 128);
  const Node& conv = node(g, "conv");
  CHECK(attr(conv, "clip") == Ints{0, 255});
  CHECK(in(g, conv, 1).scale == 0.02f);
  CHECK(in(g, conv, 2).data == std::vector<std::int32_t>{10, 20, 30, 40});
  check_act(out(g, conv), "relu_q", DType::kUint8, {4, 4, 6, 6}, 0.03f, 0);
  const Node& avg = node(g, "avg");
  CHECK(attr(avg, "kernel") == Ints{3, 3});
  CHECK(attr(avg, "strides") == Ints{2, 2});
  CHECK(attr(avg, "pads") == Ints{1, 1, 1, 1});
  CHECK(attr(avg, "ceil_mode") == Ints{1});
  CHECK(attr(avg, "count_include_pad") == Ints{1});
  check_act(out(g, avg), "avg_q", DType::kUint8, {4, 4, 4, 4}, 0.025f, 0);
  check_act(out(g, node(g, "gap")), "gap_q", DType::kUint8, {4, 4, 1, 1}, 0.02f, 0);
  check_act(out(g, node(g, "reshape")), "flat", DType::kUint8, {4, 4}, 0.02f, 0);
  const Node& mm = node(g, "mm");
  CHECK(attr(mm, "trans_b") == Ints{0});
  CHECK(in(g, mm, 1).shape == Ints{4, 5});
  CHECK(in(g, mm, 1).channel_scale.size() == 5);  // per output column (axis 1)
  CHECK(mm.inputs[2] == -1);
  check_act(out(g, mm), "mm_q", DType::kUint8, {4, 5}, 0.05f, 128);
  CHECK(value(g, g.outputs.at(0)).shape == Ints{4, 5});
}

TEST_CASE("QOperator add, average pools, flatten and QLinearMatMul", "[e2e]") {
  const Graph g = load("qop_misc");
  CHECK(kinds(g) == std::vector<std::string>{"quantize", "add", "average_pool", "global_average_pool", "reshape",
                                             "gemm", "dequantize"});
  const Node& add = node(g, "qadd");
  CHECK(add.inputs == std::vector<int>{node(g, "q_x").output, node(g, "q_x").output});
  check_act(out(g, add), "add_q", DType::kUint8, {1, 2, 4, 4}, 0.2f, 128);
  const Node& avg = node(g, "qavg");
  CHECK(attr(avg, "count_include_pad") == Ints{0});
  check_act(out(g, avg), "avg_q", DType::kUint8, {1, 2, 2, 2}, 0.2f, 128);
  check_act(out(g, node(g, "qgap")), "gap_q", DType::kUint8, {1, 2, 1, 1}, 0.2f, 128);
  const Node& mm = node(g, "qmm");
  CHECK(in(g, mm, 1).scale == 0.05f);
  CHECK(in(g, mm, 1).channel_scale.empty());
  check_act(out(g, mm), "mm_q", DType::kUint8, {1, 3}, 0.3f, 100);
}

TEST_CASE("MatMulInteger and ConvInteger become gemm and conv with int32 outputs", "[e2e]") {
  const Graph g = load("qop_integer");
  CHECK(kinds(g) == std::vector<std::string>{"quantize", "gemm", "requantize", "quantize", "conv", "dequantize"});
  const Node& mmi = node(g, "mmi");
  // The accumulator's scale is the one the Cast -> Mul after it applies; the weight's scale makes it so.
  check_act(out(g, mmi), "acc", DType::kInt32, {2, 3}, 0.002f, 0);
  CHECK(in(g, mmi, 1).scale == Approx(0.02f));
  check_act(out(g, node(g, "q_out")), "out_q", DType::kUint8, {2, 3}, 0.05f, 0);
  const Node& convi = node(g, "convi");
  check_act(out(g, convi), "cacc", DType::kInt32, {1, 2, 2, 2}, 0.5f, 0);
  CHECK(in(g, convi, 1).scale == 1.0f);
  REQUIRE(g.outputs.size() == 2);
  CHECK(value(g, g.outputs[1]).name == "cacc");

  // The int32 outputs are the raw accumulators: with img = 1.0 (quantized to 2), cacc[m] = 2 * sum w[m].
  std::map<std::string, Tensor> inputs = ramp_inputs(g);
  Tensor img(DType::kFloat32, {1, 1, 3, 3});
  for (std::int64_t i = 0; i < 9; ++i) {
    const float one = 1.0f;
    std::memcpy(&img.data[static_cast<std::size_t>(4 * i)], &one, 4);
  }
  inputs["img"] = img;
  const auto outs = compiler::graph_outputs(g, compiler::interpret(g, inputs));
  const Value& cw = in(g, convi, 1);
  const Tensor& cacc = outs.at("cacc");
  for (std::int64_t m = 0; m < 2; ++m) {
    std::int32_t sum = 0;
    for (std::size_t k = 0; k < 4; ++k) sum += cw.data[static_cast<std::size_t>(m) * 4 + k];
    for (std::int64_t p = 0; p < 4; ++p) CHECK(cacc.get(m * 4 + p) == 2 * sum);
  }
  // y = 0.05 * round(0.002 * acc / 0.05): within one output step of the float computation.
  const Tensor& x = inputs.at("x");
  const Value& w = in(g, mmi, 1);
  const Tensor& y = outs.at("y");
  for (std::int64_t r = 0; r < 2; ++r) {
    for (std::int64_t c = 0; c < 3; ++c) {
      std::int32_t acc = 0;
      for (std::int64_t k = 0; k < 4; ++k) {
        const float xf = float_at(x, r * 4 + k);
        const auto xq = static_cast<std::int32_t>(std::clamp(std::nearbyint(xf / 0.1f), 0.0f, 255.0f));
        acc += xq * w.data[static_cast<std::size_t>(k * 3 + c)];
      }
      const float want = std::clamp(0.002f * static_cast<float>(acc), 0.0f, 255 * 0.05f);
      CHECK(float_at(y, r * 3 + c) == Approx(want).margin(0.051));
    }
  }
}

TEST_CASE("QDQ BERT layer: biases folded into accelerator gemms, softmax, layer-norm and GELU in float on the host",
          "[e2e]") {
  Graph g = load("qdq_bert_tiny");
  CHECK(kind_counts(g) == std::map<std::string, int>{{"add", 2},
                                                     {"dequantize", 9},
                                                     {"float_add", 5},
                                                     {"float_div", 4},
                                                     {"float_erf", 1},
                                                     {"float_mul", 4},
                                                     {"float_pow", 2},
                                                     {"float_reduce_mean", 4},
                                                     {"float_softmax", 1},
                                                     {"float_sqrt", 2},
                                                     {"float_sub", 2},
                                                     {"float_transpose", 4},
                                                     {"gemm", 6},
                                                     {"matmul", 2},
                                                     {"quantize", 9},
                                                     {"reshape", 14}});

  // A projection: MatMul [1, 8, 16] x [16, 16] + int32 bias -> a gemm on the 8 rows with the bias folded in,
  // between two reshapes; its output has the QuantizeLinear's parameters.
  const Node* query = nullptr;
  for (const Node& n : g.nodes) {
    if (n.name == "attention.query_MatMul" && n.op.kind == OpKind::kGemm) query = &n;
  }
  REQUIRE(query != nullptr);
  CHECK(in(g, *query, 0).shape == Ints{8, 16});
  CHECK(in(g, *query, 1).shape == Ints{16, 16});
  CHECK(in(g, *query, 1).channel_scale.size() == 16);
  const Value& bias = in(g, *query, 2);
  CHECK(bias.name == "attention.query.bias_quantized");
  CHECK(bias.dtype == DType::kInt32);
  CHECK(bias.is_const);
  CHECK(bias.shape == Ints{16});
  CHECK(out(g, *query).shape == Ints{8, 16});
  CHECK(out(g, *query).dtype == DType::kInt8);
  CHECK(attr(*query, "clip").empty());

  // Layer-norm's gamma: a float constant of the float Mul; the softmax over the last axis.
  const Node& gamma_mul = node(g, "attention.output.LayerNorm_Mul");
  CHECK(gamma_mul.op.kind == OpKind::kFloatMul);
  const Value& gamma = in(g, gamma_mul, 1);
  CHECK(gamma.is_const);
  CHECK(gamma.dtype == DType::kFloat32);
  CHECK(gamma.fdata.size() == 16);
  CHECK(gamma.data.empty());
  CHECK(attr(node(g, "attention.Softmax"), "axis") == Ints{3});
  CHECK(attr(node(g, "attention.output.LayerNorm_ReduceMean"), "axes") == Ints{2});
  CHECK(out(g, node(g, "attention.output.LayerNorm_ReduceMean")).shape == Ints{1, 8, 1});
  CHECK(attr(node(g, "attention.key_transpose"), "perm") == Ints{0, 2, 3, 1});
  // The residual Adds stay quantized.
  CHECK(node(g, "attention.output.residual_Add").op.kind == OpKind::kAdd);

  check_compiled_equals_interpreter(g);
  for (const Node& n : g.nodes) {
    INFO(n.name << " " << op_name(n.op.kind));
    if (n.op.kind == OpKind::kGemm) CHECK(n.placement == compiler::Placement::kAccel);
    // QLinearAdd runs on the host: ONNX Runtime computes it with fp32 fused multiply-adds.
    if (is_float_op(n.op.kind) || n.op.kind == OpKind::kMatMul || n.op.kind == OpKind::kQuantize ||
        n.op.kind == OpKind::kDequantize || n.op.kind == OpKind::kAdd) {
      CHECK(n.placement == compiler::Placement::kHost);
      CHECK_FALSE(n.reason.empty());
    }
  }
}

TEST_CASE(
    "float operators: a float bias folded into a 3-D MatMul, a MatMul's float result in a float Add, softmax "
    "to a float output, a transpose of a quantized tensor",
    "[e2e]") {
  Graph g = load("qdq_float_ops");
  CHECK(kinds(g) == std::vector<std::string>{"quantize", "reshape", "gemm", "reshape", "reshape", "gemm", "reshape",
                                             "dequantize", "dequantize", "float_add", "reshape", "reshape",
                                             "float_softmax", "float_transpose", "dequantize", "float_transpose",
                                             "quantize", "dequantize"});
  // The float initializer bias, quantized at sx * sw[n] = (1/64) * linspace(0.01, 0.02, 5), half to even.
  const Node& mm1 = g.nodes.at(2);
  CHECK(mm1.name == "mm1");
  CHECK(in(g, mm1, 2).data == std::vector<std::int32_t>{3200, -1280, 427, 0, 960});
  check_act(out(g, mm1), "fc1_q_rows", DType::kInt8, {8, 5}, 0.05f, 3);
  check_act(out(g, g.nodes.at(3)), "fc1_q", DType::kInt8, {2, 4, 5}, 0.05f, 3);
  // mm2 has no QuantizeLinear: its int32 accumulator (scale 0.05 * 0.02), dequantized, feeds the float Add.
  const Node& mm2 = g.nodes.at(5);
  CHECK(mm2.name == "mm2");
  check_act(out(g, mm2), "mm2_acc_rows", DType::kInt32, {8, 5}, 0.001f, 0);
  CHECK(mm2.inputs.at(2) == -1);
  const Node& sum = node(g, "sum");
  CHECK(sum.op.kind == OpKind::kFloatAdd);
  CHECK(in(g, sum, 0).name == "mm2");
  CHECK(in(g, sum, 1).name == "fc1_dq");
  CHECK(out(g, node(g, "unsqueeze")).shape == Ints{1, 2, 4, 5});
  CHECK(out(g, node(g, "unsqueeze")).dtype == DType::kFloat32);
  CHECK(attr(node(g, "softmax"), "axis") == Ints{2});
  REQUIRE(g.outputs.size() == 2);
  CHECK(value(g, g.outputs[0]).name == "y");
  CHECK(value(g, g.outputs[0]).shape == Ints{2, 5, 4});
  CHECK(value(g, g.outputs[1]).name == "xt");

  check_compiled_equals_interpreter(g);
  const std::map<std::string, Tensor> inputs = ramp_inputs(g);
  const auto outs = compiler::graph_outputs(g, compiler::interpret(g, inputs));
  const Tensor& x = inputs.at("x");
  const Tensor& y = outs.at("y");
  const Tensor& xt = outs.at("xt");
  for (std::int64_t b = 0; b < 2; ++b) {
    for (std::int64_t i = 0; i < 4; ++i) {
      float total = 0;
      for (std::int64_t c = 0; c < 5; ++c) total += float_at(y, (b * 5 + c) * 4 + i);
      CHECK(total == Approx(1.0f).epsilon(1e-5));
      for (std::int64_t j = 0; j < 6; ++j) {  // x quantized at 1/64, transposed
        const float q = std::clamp(std::nearbyint(float_at(x, (b * 4 + i) * 6 + j) * 64.0f), -128.0f, 127.0f) / 64.0f;
        CHECK(float_at(xt, (b * 6 + j) * 4 + i) == q);
      }
    }
  }
}

TEST_CASE("every imported test model runs in the IR interpreter", "[e2e]") {
  for (const char* model : {"qdq_chain", "qop_chain", "qdq_residual", "qdq_misc", "qdq_pytorch", "qdq_conv_attrs",
                            "qdq_batch4", "qop_misc", "qop_integer", "qdq_bert_tiny", "qdq_float_ops"}) {
    INFO(model);
    const Graph g = load(model);
    const auto outs = compiler::graph_outputs(g, compiler::interpret(g, ramp_inputs(g)));
    REQUIRE(outs.size() == g.outputs.size());
    for (int id : g.outputs) {
      const Value& v = value(g, id);
      CHECK(outs.at(v.name).shape == v.shape);
      CHECK(outs.at(v.name).dtype == v.dtype);
    }
  }
}
