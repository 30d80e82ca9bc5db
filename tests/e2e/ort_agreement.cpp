// Agreement with ONNX Runtime (onnxruntime-node from the npm registry, run out of process): every digits model is
// compiled for `default`, run on the 360 held-back digits on the functional backend, and run by ONNX Runtime on the
// same inputs; the logits must agree within 1 LSB of the output quantization. Prints the share of exact values.
//
//   ort_agreement SOURCE_DIR WORK_DIR
// Exit 0: agreement; 1: disagreement or failure; 77: skipped because the npm registry is unreachable (CTest shows
// the test as skipped, not passed).
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "compiler/lower.hpp"
#include "compiler/onnx_import.hpp"
#include "systole/runtime.hpp"

namespace fs = std::filesystem;
using namespace systole;

namespace {

int sh(const std::string& cmd) {
  const int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : 1;
}

// Installs onnxruntime-node into WORK_DIR/ort once. Returns 0, 77 (registry unreachable) or 1.
int ensure_ort(const fs::path& source, const fs::path& work) {
  const fs::path dir = work / "ort";
  if (fs::exists(dir / "node_modules" / "onnxruntime-node" / "package.json")) return 0;
  fs::create_directories(dir);
  for (const char* f : {"package.json", "package-lock.json"}) {
    fs::copy_file(source / "tools" / "ort" / f, dir / f, fs::copy_options::overwrite_existing);
  }
  // Its postinstall reaches for files outside the registry; the npm package carries the native binding already.
  if (sh("cd '" + dir.string() + "' && ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error") ==
      0)
    return 0;
  if (sh("timeout 60 npm ping --loglevel=error >/dev/null 2>&1") != 0) {
    std::cout << "SKIPPED: the npm registry is unreachable, so onnxruntime-node cannot be installed; ONNX Runtime "
                 "agreement was not checked\n";
    return 77;
  }
  std::cerr << "ort_agreement: npm ci failed although the registry answers\n";
  return 1;
}

float at(const Tensor& t, std::size_t i) {
  float f;
  std::memcpy(&f, &t.data[4 * i], 4);
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: ort_agreement SOURCE_DIR WORK_DIR\n";
    return 1;
  }
  const fs::path source = argv[1], work = argv[2];
  try {
    if (const int rc = ensure_ort(source, work); rc != 0) return rc;
    const fs::path digits = source / "models" / "digits";
    const Tensor x = read_npy(digits / "digits_test_x.npy");
    bool ok = true;
    for (const char* model : {"digits_mlp_qdq_b8", "digits_mlp_qop_b8", "digits_cnn_qdq_b8", "digits_cnn_qop_b8"}) {
      const fs::path onnx = digits / (std::string(model) + ".onnx");
      compiler::Graph g = compiler::import_onnx(onnx);
      auto device = Device::open("functional", {.arch = "default"});
      const compiler::CompileResult compiled = compiler::compile(g, device->arch());
      auto loaded = device->load(compiled.program);
      const std::string in_name = g.values[static_cast<std::size_t>(g.inputs.at(0))].name;
      const RunResult ours = run_dataset(*loaded, {{in_name, x}});
      // The LSB of the logits: the scale of the quantized value the final dequantize reads.
      float lsb = 0;
      for (const auto& n : g.nodes) {
        if (n.op.kind == OpKind::kDequantize) lsb = g.values[static_cast<std::size_t>(n.inputs[0])].scale;
      }
      const fs::path out = work / "ort_out" / model;
      fs::create_directories(out);
      // The data set shaped as the model's input ([360, 64] -> [360, 1, 8, 8] for the CNN).
      Tensor shaped = x;
      shaped.shape = g.values[static_cast<std::size_t>(g.inputs.at(0))].shape;
      shaped.shape[0] = x.elements() / (shaped.elements() / shaped.shape[0]);
      write_npy(out / "input.npy", shaped);
      const std::string cmd = "NODE_PATH='" + (work / "ort" / "node_modules").string() + "' node '" +
                              (source / "tools" / "ort" / "run_ort.js").string() + "' --chunk 8 '" + onnx.string() +
                              "' '" + out.string() + "' " + in_name + "='" + (out / "input.npy").string() + "' > '" +
                              (out / "log.txt").string() + "' 2>&1";
      if (sh(cmd) != 0) {
        std::cerr << model << ": ONNX Runtime failed, see " << (out / "log.txt") << "\n";
        return 1;
      }
      const auto& [out_name, mine] = *ours.outputs.begin();
      const Tensor theirs = read_npy(out / (out_name + ".npy"));
      if (theirs.data.size() != mine.data.size()) {
        std::cerr << model << ": output sizes differ\n";
        return 1;
      }
      std::size_t exact = 0, n = mine.data.size() / 4;
      double worst = 0;
      for (std::size_t i = 0; i < n; ++i) {
        const double d = std::fabs(static_cast<double>(at(mine, i)) - at(theirs, i)) / lsb;
        exact += d < 0.5;
        worst = std::max(worst, d);
      }
      std::printf("%-20s %zu logits: %.2f%% exact, max difference %.0f LSB (LSB %.5g)\n", model, n,
                  100.0 * static_cast<double>(exact) / static_cast<double>(n), std::round(worst),
                  static_cast<double>(lsb));
      ok = ok && worst < 1.5;
    }
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "ort_agreement: " << e.what() << "\n";
    return 1;
  }
}
