// The generated ONNX Runtime agreement suite (gen_cases.py -> run_ort_batch.js -> Systole on the functional and
// SystemC backends): every output value must equal ONNX Runtime's bit for bit.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "systole/runtime.hpp"

namespace systole::agreement {

// One line of the generator's manifest (tests/e2e/agreement/gen_cases.py documents the fields).
struct CaseSpec {
  std::int64_t seed = 0;
  std::string family;
  std::string desc;
  std::string arch;
  std::string model;                                        // file name in the case folder
  std::vector<std::pair<std::string, std::string>> inputs;  // graph input name, .npy file name
  std::vector<std::string> outputs;
  bool ort_float = false;      // ONNX Runtime computes it in float (int8-activation QDQ Conv/MatMul on x86)
  bool expect_reject = false;  // the importer must refuse it
};

std::vector<CaseSpec> read_manifest(const std::filesystem::path& file);

// What one case gave on one backend.
struct BackendResult {
  std::string backend;
  std::size_t values = 0;
  std::size_t differ = 0;
  std::string first_diff;  // "first at index i: ours X, ort Y" (output name added when there are several)
};

struct CaseResult {
  std::string failure;  // set when the case could not be compared (rejected, ORT failed, shapes differ, ...)
  std::vector<BackendResult> backends;
  bool exact() const;
};

// Opened devices by (backend, arch), reused across cases.
class Devices {
 public:
  Device& get(const std::string& backend, const std::string& arch);

 private:
  std::map<std::pair<std::string, std::string>, std::unique_ptr<Device>> open_;
};

// Imports case `c` from `dir`, compiles it for its arch, runs it on "functional" and "systemc", compares with
// dir/case_<seed>.ort.<output>.npy (case_run.cpp). Never throws for a bad case: the failure is in the result.
CaseResult run_case(const CaseSpec& c, const std::filesystem::path& dir, Devices& devices);

struct SuiteOptions {
  std::filesystem::path source;  // the repository
  std::filesystem::path work;    // WORK_DIR (holds ort/ and agreement/)
  std::string python;            // the generators' Python (Debian's, with python3-onnx)
  std::int64_t first = 0;
  std::int64_t count = 1000;
};

// Generates, runs ONNX Runtime once over all cases, runs Systole, prints a per-family table and one reproduction
// line per failing case. Returns 0 when every case agrees exactly (ORT float-path cases are reported, not failed),
// 1 otherwise.
int run_suite(const SuiteOptions& options);

}  // namespace systole::agreement
