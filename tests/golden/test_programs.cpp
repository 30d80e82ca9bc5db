// Hand-written assembly programs run on the functional model against hand-worked results.
//
// Each tests/golden/programs/*.s carries its data in `#!` comment lines the assembler ignores:
//   #! input NAME = v0 v1 ...     values for an input tensor (dtype and shape from its .tensor line)
//   #! expect NAME = v0 v1 ...    the exact output
#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/backends.hpp"
#include "systole/program_text.hpp"
#include "systole/runtime.hpp"

using namespace systole;
namespace fs = std::filesystem;

namespace {

struct Case {
  fs::path file;
  std::map<std::string, std::vector<double>> inputs, expects;
};

// Element i of a tensor as a number, whatever its type.
double element(const Tensor& t, std::int64_t i) {
  if (t.dtype != DType::kFloat32) return t.get(i);
  float f;
  std::memcpy(&f, &t.data[static_cast<std::size_t>(4 * i)], 4);
  return f;
}

void set_element(Tensor& t, std::int64_t i, double v) {
  if (t.dtype != DType::kFloat32) return t.set(i, static_cast<std::int32_t>(v));
  const auto f = static_cast<float>(v);
  std::memcpy(&t.data[static_cast<std::size_t>(4 * i)], &f, 4);
}

Case read_case(const fs::path& file) {
  Case c{file, {}, {}};
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("#!", 0) != 0) continue;
    std::istringstream words(line.substr(2));
    std::string kind, name, eq;
    words >> kind >> name >> eq;
    REQUIRE(eq == "=");
    std::vector<double> values;
    for (double v; words >> v;) values.push_back(v);
    (kind == "input" ? c.inputs : c.expects)[name] = values;
  }
  return c;
}

std::vector<fs::path> programs() {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(fs::path(SYSTOLE_TEST_DATA) / "golden" / "programs")) {
    if (e.path().extension() == ".s") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

TEST_CASE("hand-written programs give their hand-worked results on every backend", "[golden]") {
  const auto files = programs();
  REQUIRE(files.size() >= 12);
  for (const auto& file : files) {
    DYNAMIC_SECTION(file.filename().string()) {
      const Case c = read_case(file);
      REQUIRE_FALSE(c.expects.empty());
      Program program = assemble_program_file(file);
      std::map<std::string, Tensor> inputs;
      for (const auto& [name, values] : c.inputs) {
        const TensorDesc* d = program.find_tensor(name);
        REQUIRE(d != nullptr);
        Tensor t(d->dtype, d->shape);
        REQUIRE(values.size() == static_cast<std::size_t>(t.elements()));
        for (std::size_t i = 0; i < values.size(); ++i) set_element(t, static_cast<std::int64_t>(i), values[i]);
        inputs.emplace(name, std::move(t));
      }
      for (const std::string& backend : test::backends_for(program.arch_name)) {
        const RunResult result = Device::open(backend, {.arch = program.arch_name})->load(program)->run(inputs);
        REQUIRE(result.outputs.size() == c.expects.size());
        for (const auto& [name, expected] : c.expects) {
          const Tensor& out = result.outputs.at(name);
          std::vector<double> got;
          for (std::int64_t i = 0; i < out.elements(); ++i) got.push_back(element(out, i));
          INFO("output " << name << " on " << backend);
          CHECK(got == expected);
        }
      }
    }
  }
}

TEST_CASE("programs round-trip exactly: binary -> text -> binary", "[golden]") {
  std::vector<fs::path> files = programs();
  files.push_back(fs::path(SYSTOLE_SOURCE_DIR) / "models" / "programs" / "gemm.s");
  for (const auto& file : files) {
    INFO(file.filename().string());
    const Program p = assemble_program_file(file);
    const auto bytes = p.serialize();
    const std::string text = disassemble_program(p);
    const Program again = assemble_program(text, "disassembly of " + file.filename().string());
    CHECK(again.serialize() == bytes);
    CHECK(disassemble_program(again) == text);
    CHECK(Program::parse(bytes, "round trip").serialize() == bytes);
  }
}
