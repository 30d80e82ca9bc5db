// One agreement case: import its ONNX model, compile it for the case's arch, run it on the functional and SystemC
// backends, and compare every output value with ONNX Runtime's bit for bit.
#include <cctype>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "compiler/lower.hpp"
#include "compiler/onnx_import.hpp"
#include "tests/e2e/agreement/suite.hpp"

namespace fs = std::filesystem;

namespace systole::agreement {
namespace {

// ORT's output file name for a model output (run_ort_batch.js replaces what is not [A-Za-z0-9_.-]).
std::string safe(std::string name) {
  for (char& c : name) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
    if (!ok) c = '_';
  }
  return name;
}

std::string value_text(const Tensor& t, std::int64_t i) {
  if (t.dtype != DType::kFloat32) return std::to_string(t.get(i));
  float f;
  std::memcpy(&f, &t.data[static_cast<std::size_t>(4 * i)], 4);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(f));
  return buf;
}

std::string read_text(const fs::path& f) {
  std::ifstream in(f);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// Compares one output; adds its values and differences to `r`. Returns a failure text when they cannot be compared.
std::string compare(const std::string& name, const Tensor& ours, const Tensor& ort, bool several, BackendResult& r) {
  if (ours.dtype != ort.dtype || ours.shape != ort.shape) {
    return "output '" + name + "': ours is " + std::string(dtype_name(ours.dtype)) + " " + ours.shape_text() +
           ", ONNX Runtime's " + std::string(dtype_name(ort.dtype)) + " " + ort.shape_text();
  }
  const std::size_t size = dtype_size(ours.dtype);
  const auto n = static_cast<std::size_t>(ours.elements());
  for (std::size_t i = 0; i < n; ++i) {
    if (std::memcmp(&ours.data[i * size], &ort.data[i * size], size) == 0) continue;
    if (r.differ++ == 0) {
      const auto j = static_cast<std::int64_t>(i);
      r.first_diff = "first at index " + std::to_string(i) + (several ? " of '" + name + "'" : "") + ": ours " +
                     value_text(ours, j) + ", ort " + value_text(ort, j);
    }
  }
  r.values += n;
  return "";
}

}  // namespace

bool CaseResult::exact() const {
  if (!failure.empty()) return false;
  for (const auto& b : backends) {
    if (b.differ != 0) return false;
  }
  return true;
}

std::vector<CaseSpec> read_manifest(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot read " + file.string());
  std::vector<CaseSpec> cases;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto j = nlohmann::json::parse(line);
    CaseSpec c;
    c.seed = j.at("seed").get<std::int64_t>();
    c.family = j.at("family").get<std::string>();
    c.desc = j.at("desc").get<std::string>();
    c.arch = j.at("arch").get<std::string>();
    c.model = j.at("model").get<std::string>();
    for (const auto& in_spec : j.at("inputs")) c.inputs.emplace_back(in_spec.at(0), in_spec.at(1));
    for (const auto& o : j.at("outputs")) c.outputs.push_back(o.get<std::string>());
    c.ort_float = j.value("ort_float", false);
    c.expect_reject = j.value("expect_reject", false);
    cases.push_back(std::move(c));
  }
  return cases;
}

Device& Devices::get(const std::string& backend, const std::string& arch) {
  auto& slot = open_[{backend, arch}];
  if (!slot) slot = Device::open(backend, {.arch = arch});
  return *slot;
}

CaseResult run_case(const CaseSpec& c, const fs::path& dir, Devices& devices) {
  CaseResult r;
  const std::string stem = "case_" + std::to_string(c.seed);
  const fs::path ort_error = dir / (stem + ".ort.error.txt");
  if (fs::exists(ort_error)) {
    r.failure = "ONNX Runtime failed: " + read_text(ort_error);
    return r;
  }
  Program program;
  try {
    compiler::Graph g = compiler::import_onnx(dir / c.model);
    program = compiler::compile(g, devices.get("functional", c.arch).arch()).program;
  } catch (const std::exception& e) {
    if (!c.expect_reject) r.failure = std::string("rejected: ") + e.what();
    return r;
  }
  if (c.expect_reject) {
    r.failure = "imported and compiled although the importer should reject it";
    return r;
  }
  std::map<std::string, Tensor> inputs;
  for (const auto& [name, file] : c.inputs) inputs.emplace(name, read_npy(dir / file));
  for (const char* backend : {"functional", "systemc"}) {
    BackendResult b;
    b.backend = backend;
    try {
      auto loaded = devices.get(backend, c.arch).load(program);
      const RunResult run = loaded->run(inputs);
      for (const auto& name : c.outputs) {
        const auto it = run.outputs.find(name);
        if (it == run.outputs.end()) {
          r.failure = std::string(backend) + ": no output '" + name + "'";
          return r;
        }
        const Tensor ort = read_npy(dir / (stem + ".ort." + safe(name) + ".npy"));
        r.failure = compare(name, it->second, ort, c.outputs.size() > 1, b);
        if (!r.failure.empty()) return r;
      }
    } catch (const std::exception& e) {
      r.failure = std::string(backend) + ": " + e.what();
      return r;
    }
    r.backends.push_back(std::move(b));
  }
  return r;
}

}  // namespace systole::agreement
