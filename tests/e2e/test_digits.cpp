// The shipped digits models end to end: ONNX -> compiler -> every backend the build has (functional, SystemC, and the
// RTL where the config is verilated), on every shipped config, against the IR interpreter (the reference kernels op
// by op) bit for bit, and the classification accuracy on the 360 held-back digits against the reference logits
// (which match ONNX Runtime exactly, see models/README.md).
#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>

#include "compiler/interpret.hpp"
#include "compiler/lower.hpp"
#include "compiler/onnx_import.hpp"
#include "support/backends.hpp"
#include "systole/runtime.hpp"

using namespace systole;
namespace fs = std::filesystem;

namespace {

const fs::path kDigits = fs::path(SYSTOLE_SOURCE_DIR) / "models" / "digits";

// The first `samples` test images shaped for an input of shape `shape` (batch = shape[0]), repeated batches.
Tensor images(const std::vector<std::int64_t>& shape, std::int64_t first) {
  const Tensor all = read_npy(kDigits / "digits_test_x.npy");
  Tensor t(DType::kFloat32, shape);
  std::memcpy(t.data.data(), all.data.data() + static_cast<std::size_t>(first) * 64 * 4, t.data.size());
  return t;
}

float at(const Tensor& t, std::int64_t i) {
  float f;
  std::memcpy(&f, &t.data[static_cast<std::size_t>(4 * i)], 4);
  return f;
}

std::int64_t argmax(const Tensor& t, std::int64_t row) {
  std::int64_t best = 0;
  for (std::int64_t c = 1; c < 10; ++c) {
    if (at(t, row * 10 + c) > at(t, row * 10 + best)) best = c;
  }
  return best;
}

}  // namespace

TEST_CASE("every digits model on every config gives the IR interpreter's bits", "[e2e]") {
  for (const char* model : {"digits_mlp_qdq", "digits_mlp_qop", "digits_cnn_qdq", "digits_cnn_qop", "digits_mlp_qdq_b8",
                            "digits_cnn_qdq_b8", "digits_cnn_qop_b8"}) {
    compiler::Graph g = compiler::import_onnx(kDigits / (std::string(model) + ".onnx"));
    const auto& in = g.values[static_cast<std::size_t>(g.inputs.at(0))];
    for (const char* arch : {"tiny", "default", "large"}) {
      const compiler::CompileResult r = compiler::compile(g, isa::load_arch_config(arch));
      std::size_t accel = 0;
      for (const auto& l : r.layers) accel += l.accel;
      CHECK(accel >= 2);  // the gemms/convs at least run on the array
      for (const std::string& backend : test::backends_for(arch)) {
        INFO(model << " on " << arch << ", " << backend);
        auto loaded = Device::open(backend, {.arch = arch})->load(r.program);
        for (std::int64_t first = 0; first < 24; first += in.shape[0]) {
          const std::map<std::string, Tensor> inputs{{in.name, images(in.shape, first)}};
          const auto want = compiler::graph_outputs(g, compiler::interpret(g, inputs));
          const auto got = loaded->run(inputs).outputs;
          for (const auto& [name, t] : want) REQUIRE(got.at(name).data == t.data);
        }
      }
    }
  }
}

TEST_CASE("digits models classify the held-back digits as the reference executor does", "[e2e]") {
  const Tensor labels = read_npy(kDigits / "digits_test_y.npy");
  const Tensor x = read_npy(kDigits / "digits_test_x.npy");
  for (const char* model : {"digits_mlp_qdq", "digits_mlp_qop", "digits_cnn_qdq", "digits_cnn_qop"}) {
    for (const std::string& backend : test::backends_for("default")) {
      INFO(model << " on " << backend);
      auto device = Device::open(backend, {.arch = "default"});
      compiler::Graph g = compiler::import_onnx(kDigits / (std::string(model) + "_b8.onnx"));
      auto loaded = device->load(compiler::compile(g, device->arch()).program);
      const Tensor logits =
          run_dataset(*loaded, {{g.values[static_cast<std::size_t>(g.inputs[0])].name, x}}).outputs.begin()->second;
      const Tensor ref = read_npy(kDigits / (std::string(model) + "_ref.npy"));
      REQUIRE(logits.shape == std::vector<std::int64_t>{360, 10});
      std::int64_t ours = 0, theirs = 0, same = 0;
      for (std::int64_t i = 0; i < 360; ++i) {
        ours += argmax(logits, i) == labels.get(i);
        theirs += argmax(ref, i) == labels.get(i);
        same += argmax(logits, i) == argmax(ref, i);
      }
      std::printf("%s on %s: accuracy %.2f%% (reference %.2f%%), same prediction on %lld/360\n", model, backend.c_str(),
                  100.0 * static_cast<double>(ours) / 360, 100.0 * static_cast<double>(theirs) / 360,
                  static_cast<long long>(same));
      CHECK(ours == theirs);
      CHECK(ours >= 324);  // >= 90%: the models are trained, not random
    }
  }
}
