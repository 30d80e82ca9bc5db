// ONNX import rejects bad models (tests/e2e/models/bad_*.onnx, written by gen_import_models.py) with a UserError
// that names the file and the node or input at fault and says what to change.
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "compiler/onnx_import.hpp"
#include "systole/error.hpp"

using namespace systole;
namespace fs = std::filesystem;
using Catch::Matchers::Contains;

namespace {

const fs::path kModels = fs::path(SYSTOLE_TEST_DATA) / "e2e" / "models";

// The message import_onnx throws as a UserError for `name`.onnx; fails the test if it does not throw one.
std::string error_of(const std::string& name) {
  const fs::path file = kModels / (name + ".onnx");
  try {
    compiler::import_onnx(file);
  } catch (const UserError& e) {
    const std::string msg = e.what();
    INFO(msg);
    CHECK_THAT(msg, Contains(file.string()));
    CHECK(msg.find('\n') == std::string::npos);
    return msg;
  }
  FAIL("no UserError for " << name);
  return "";
}

}  // namespace

TEST_CASE("a float model is rejected, naming its first float operator", "[error]") {
  const std::string msg = error_of("bad_float");
  CHECK_THAT(msg, Contains("model has no quantized operators: node 'conv0' (Conv) computes in float"));
  CHECK_THAT(msg, Contains("quantize_static"));
}

TEST_CASE("an operator with no quantized form and no host kernel is named", "[error]") {
  CHECK_THAT(error_of("bad_unsupported"),
             Contains("node 'hardmax0' (Hardmax): not supported (no quantized form and no host kernel)"));
}

TEST_CASE("a float operator inside a quantized model is named", "[error]") {
  const std::string msg = error_of("bad_mixed");
  CHECK_THAT(msg, Contains("node 'float_conv' (Conv): computes in float"));
  CHECK_THAT(msg, Contains("input 'x'"));
}

TEST_CASE("a dynamic input dimension is named", "[error]") {
  const std::string msg = error_of("bad_dynamic");
  CHECK_THAT(msg, Contains("input 'x' has a dynamic dimension 'N' (dim 0)"));
  CHECK_THAT(msg, Contains("fixed size"));
}

TEST_CASE("a zero point whose type differs from its data is rejected at the node", "[error]") {
  CHECK_THAT(error_of("bad_zp_dtype"),
             Contains("node 'dq_w' (DequantizeLinear): zero point 'w_z' is uint8 but the data 'w' is int8"));
  CHECK_THAT(error_of("bad_zp_dtype_qop"),
             Contains("node 'qconv' (QLinearConv): zero point 'wz' is uint8 but the data 'w' is int8"));
  // com.microsoft QGemm has no schema in ONNX, so only the importer can see it.
  CHECK_THAT(error_of("bad_zp_dtype_qgemm"),
             Contains("node 'qgemm' (QGemm): zero point 'wz' is uint8 but the data 'w' is int8"));
}

TEST_CASE("a scale that is not finite and positive is rejected at the node", "[error]") {
  CHECK_THAT(error_of("bad_scale"),
             Contains("node 'q_x' (QuantizeLinear): scale 'x_q_s' = -0.1 must be finite and > 0"));
}

TEST_CASE("per-channel scales that do not match the channel count are rejected", "[error]") {
  CHECK_THAT(error_of("bad_channels"),
             Contains("node 'dq_w' (DequantizeLinear): 'w' has 3 per-channel scales but its dimension 0"));
}

TEST_CASE("a zero point outside its type is rejected", "[error]") {
  CHECK_THAT(error_of("bad_zp_range"), Contains("node 'q_x' (QuantizeLinear): zero point 'xz' = 200 is outside"));
}

TEST_CASE("a 1-D convolution is rejected, naming the node", "[error]") {
  CHECK_THAT(error_of("bad_conv1d"), Contains("node 'conv1d' (Conv): only 2-D convolutions are supported"));
}

TEST_CASE("a float output with no QuantizeLinear is rejected, naming its operator", "[error]") {
  CHECK_THAT(error_of("bad_float_output"), Contains("output 'y' is the float result of node 'fc' (Gemm)"));
}

TEST_CASE("a model the ONNX checker rejects is invalid ONNX, and the message names the node", "[error]") {
  const std::string msg = error_of("bad_unsorted");
  CHECK_THAT(msg, Contains("invalid ONNX"));
  CHECK_THAT(msg, Contains("dq_x"));
}

TEST_CASE("unreadable files: truncated, garbage, missing", "[error]") {
  CHECK_THAT(error_of("bad_truncated"), Contains("not a readable ONNX protobuf"));
  CHECK_THAT(error_of("bad_garbage"), Contains("not a readable ONNX protobuf"));
  CHECK_THAT(error_of("does_not_exist"), Contains("cannot open file"));
}

TEST_CASE("a graph input past the size limit and a graph without outputs are refused", "[error]") {
  CHECK_THAT(error_of("bad_huge_batch"), Contains("more than the 268435456 elements a graph input may have"));
  CHECK_THAT(error_of("bad_no_outputs"), Contains("the graph has no outputs"));
}
