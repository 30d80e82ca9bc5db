// Agreement with ONNX Runtime (onnxruntime-node from the npm registry, run out of process), value for value:
//  1. every digits model is compiled for tiny, default and large, run on the 360 held-back digits on the functional
//     backend and by ONNX Runtime on the same inputs; every logit must be equal (bit for bit);
//  2. the generated suite (tests/e2e/agreement): >= 1,000 quantized layers and small networks built from seeds, run
//     by ONNX Runtime and by Systole on the functional and SystemC backends; every value must be equal. A failing
//     case prints the one line that reproduces it (`--first SEED --count 1`).
//
//   ort_agreement SOURCE_DIR WORK_DIR [--first K --count N]
// With --first/--count only the suite's seeds [K, K+N) run (no digits). Exit 0: agreement; 1: disagreement or
// failure; 77: skipped because the npm registry is unreachable (CTest shows the test as skipped, not passed).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>

#include "compiler/lower.hpp"
#include "compiler/onnx_import.hpp"
#include "systole/runtime.hpp"
#include "tests/e2e/agreement/suite.hpp"

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

// The four digits models compiled for tiny, default and large, on the functional backend: every logit must equal
// ONNX Runtime's.
bool digits_agree(const fs::path& source, const fs::path& work) {
  const fs::path digits = source / "models" / "digits";
  const Tensor x = read_npy(digits / "digits_test_x.npy");
  bool ok = true;
  for (const char* model : {"digits_mlp_qdq_b8", "digits_mlp_qop_b8", "digits_cnn_qdq_b8", "digits_cnn_qop_b8"}) {
    const fs::path onnx = digits / (std::string(model) + ".onnx");
    compiler::Graph g = compiler::import_onnx(onnx);
    const std::string in_name = g.values[static_cast<std::size_t>(g.inputs.at(0))].name;
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
      return false;
    }
    for (const char* arch : {"tiny", "default", "large"}) {
      auto device = Device::open("functional", {.arch = arch});
      compiler::Graph placed = g;
      auto loaded = device->load(compiler::compile(placed, device->arch()).program);
      const RunResult ours = run_dataset(*loaded, {{in_name, x}});
      const auto& [out_name, mine] = *ours.outputs.begin();
      const Tensor theirs = read_npy(out / (out_name + ".npy"));
      if (theirs.data.size() != mine.data.size() || theirs.dtype != mine.dtype) {
        std::cerr << model << " on " << arch << ": output sizes or types differ\n";
        return false;
      }
      const std::size_t size = dtype_size(mine.dtype), n = mine.data.size() / size;
      std::size_t exact = 0, first = n;
      for (std::size_t i = 0; i < n; ++i) {
        const bool same = std::memcmp(&mine.data[i * size], &theirs.data[i * size], size) == 0;
        exact += same;
        if (!same && first == n) first = i;
      }
      std::printf("%-20s %-8s %zu logits: %zu exact (%.2f%%)", model, arch, n, exact,
                  100.0 * static_cast<double>(exact) / static_cast<double>(n));
      if (first < n) std::printf(", first difference at index %zu", first);
      std::printf("\n");
      ok = ok && exact == n;
    }
  }
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 && argc != 7) {
    std::cerr << "usage: ort_agreement SOURCE_DIR WORK_DIR [--first K --count N]\n";
    return 1;
  }
  agreement::SuiteOptions suite;
  suite.source = argv[1];
  suite.work = argv[2];
  suite.python = SYSTOLE_PYTHON;
  const bool slice = argc == 7;
  try {
    for (int i = 3; i + 1 < argc; i += 2) {
      const std::string flag = argv[i];
      const std::int64_t v = std::stoll(argv[i + 1]);
      if (flag == "--first") {
        suite.first = v;
      } else if (flag == "--count" && v > 0) {
        suite.count = v;
      } else {
        std::cerr << "ort_agreement: bad option " << flag << " " << argv[i + 1] << "\n";
        return 1;
      }
    }
    if (const int rc = ensure_ort(suite.source, suite.work); rc != 0) return rc;
    const bool digits_ok = slice || digits_agree(suite.source, suite.work);
    const int rc = agreement::run_suite(suite);
    if (!digits_ok) std::cout << "FAILED: the digits models differ from ONNX Runtime (see above)\n";
    return digits_ok && rc == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "ort_agreement: " << e.what() << "\n";
    return 1;
  }
}
