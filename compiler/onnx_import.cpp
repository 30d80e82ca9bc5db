// ONNX import: loading and checking the model, the walk over its nodes, graph inputs and outputs, messages.
#include "compiler/onnx_import.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <system_error>

#include "compiler/onnx_importer.hpp"
#include "onnx/checker.h"
#include "onnx/shape_inference/implementation.h"
#include "sim/isa/file_io.hpp"
#include "systole/error.hpp"

namespace systole::compiler {
namespace onnx_detail {
namespace {

using Kind = Binding::Kind;

// Operators that only say the model is quantized; a model with none of them (and no 8-bit input) is a float model.
bool is_quantized_op(const std::string& op) {
  return op.find("Quantize") != std::string::npos || op.rfind("QLinear", 0) == 0 || op == "QGemm" ||
         op == "MatMulInteger" || op == "ConvInteger";
}

// Nodes that compute nothing a model would be "about" (shape helpers), skipped when naming the first float node.
bool is_helper_op(const std::string& op) {
  static constexpr std::array<const char*, 13> kHelpers{"Constant", "Shape", "Gather",         "Unsqueeze", "Squeeze",
                                                        "Concat",   "Cast",  "Slice",          "Identity",  "Reshape",
                                                        "Flatten",  "Size",  "ConstantOfShape"};
  return std::find(kHelpers.begin(), kHelpers.end(), op) != kHelpers.end();
}

std::string one_line(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

}  // namespace

std::string node_label(const onnx::NodeProto& n) {
  const std::string name = !n.name().empty() ? n.name() : n.output_size() > 0 ? n.output(0) : std::string("?");
  return "" + quote(name) + " (" + n.op_type() + ")";
}

Importer::Importer(std::filesystem::path file, const onnx::ModelProto& model) : file_(std::move(file)), model_(model) {}

void Importer::fail(const std::string& what) const {
  const std::string where = "model " + file_.string() + ": ";
  if (node_ == nullptr) throw UserError(where + what);
  throw UserError(where + "node " + node_label(*node_) + ": " + what);
}

void Importer::unsupported() const {
  const std::string domain = node_->domain().empty() ? "" : " in domain " + quote(node_->domain());
  fail("not supported" + domain + " (no quantized form and no host kernel)");
}

Graph Importer::run() {
  const onnx::GraphProto& graph = model_.graph();
  for (const auto& o : model_.opset_import()) {
    if (o.domain().empty() || o.domain() == "ai.onnx") opset_ = o.version();
  }
  if (graph.sparse_initializer_size() > 0) fail("sparse initializers are not supported; store them dense");
  for (const auto& n : graph.node()) {
    for (const auto& in : n.input()) consumers_[in].push_back(&n);
  }
  for (const auto& init : graph.initializer()) {
    Binding b;
    try {
      check_tensor(init);  // decoded when a node uses it
    } catch (const ImportFailure& e) {
      fail(std::string("initializer: ") + e.what());
    }
    b.initializer = &init;
    env_[init.name()] = std::move(b);
  }
  check_quantized_model();
  bind_inputs();
  for (const auto& n : graph.node()) {
    node_ = &n;
    try {
      convert(n);
    } catch (const ImportFailure& e) {
      fail(e.what());
    } catch (const ValueTooLarge& e) {
      fail(e.what());
    }
  }
  node_ = nullptr;
  bind_outputs();
  return std::move(g_);
}

void Importer::check_quantized_model() const {
  const onnx::GraphProto& graph = model_.graph();
  for (const auto& n : graph.node()) {
    if (is_quantized_op(n.op_type())) return;
  }
  for (const auto& in : graph.input()) {
    const int elem = in.type().tensor_type().elem_type();
    if (!env_.count(in.name()) && (elem == onnx::TensorProto::INT8 || elem == onnx::TensorProto::UINT8)) return;
  }
  const std::string fix =
      "; quantize it with onnxruntime.quantization.quantize_static (QDQ or QOperator format) and import the result";
  for (const auto& n : graph.node()) {
    if (!is_helper_op(n.op_type())) {
      fail("model has no quantized operators: node " + node_label(n) + " computes in float" + fix);
    }
  }
  fail("model has no quantized operators" + fix);
}

void Importer::bind_inputs() {
  for (const auto& in : model_.graph().input()) {
    if (env_.count(in.name())) continue;  // an initializer listed as an input (IR version < 4)
    const std::string what = "input " + quote(in.name());
    if (!in.type().has_tensor_type()) fail(what + " is not a tensor");
    const auto& tt = in.type().tensor_type();
    bool ok = false;
    const DType dtype = dtype_of_elem(tt.elem_type(), ok);
    if (!ok || dtype == DType::kInt32) {
      fail(what + " has element type " + onnx::TensorProto::DataType_Name(tt.elem_type()) +
           "; graph inputs must be float32, int8 or uint8");
    }
    if (!tt.has_shape()) fail(what + " has no shape; export the model with a fixed input shape");
    Value v;
    v.name = in.name();
    v.dtype = dtype;
    for (int i = 0; i < tt.shape().dim_size(); ++i) {
      const auto& d = tt.shape().dim(i);
      if (!d.has_dim_value() || d.dim_value() < 1) {
        const std::string dim = d.has_dim_param() ? "" + quote(d.dim_param()) : "of unknown size";
        fail(what + " has a dynamic dimension " + dim + " (dim " + std::to_string(i) +
             "); give every input dimension a fixed size (e.g. python -m onnxruntime.tools.make_dynamic_shape_fixed) "
             "and import again");
      }
      v.shape.push_back(d.dim_value());
    }
    std::int64_t elements = 1;
    for (const std::int64_t d : v.shape) {
      if (__builtin_mul_overflow(elements, d, &elements) || elements > kMaxValueElements) {
        fail(what + " has shape " + shape_text(v.shape) + ", more than the " + std::to_string(kMaxValueElements) +
             " elements a graph input may have");
      }
    }
    const int id = g_.add_value(std::move(v));
    g_.inputs.push_back(id);
    Binding b;
    b.kind = dtype == DType::kFloat32 ? Kind::kFloat : Kind::kQuant;
    b.value = id;
    if (dtype != DType::kFloat32) params_unknown_.insert(id);
    env_[in.name()] = std::move(b);
  }
}

void Importer::bind_outputs() {
  for (const auto& out : model_.graph().output()) {
    const auto it = env_.find(out.name());
    if (it == env_.end()) fail("output " + quote(out.name()) + " is not computed by any node");
    const Binding& b = it->second;
    if (b.kind == Kind::kPending) {
      fail("output " + quote(out.name()) + " is the float result of node " + quote(b.pending->node) + " (" +
           b.pending->op_type +
           ") with no QuantizeLinear after it; quantize that output too (QDQ) or use the QOperator form");
    }
    const bool is_input =
        b.kind == Kind::kFloat && std::find(g_.inputs.begin(), g_.inputs.end(), b.value) != g_.inputs.end();
    if ((b.kind != Kind::kView && b.kind != Kind::kQuant && b.kind != Kind::kFloat) || is_input) {
      fail("output " + quote(out.name()) + " is a constant or a float tensor no quantized operator computes");
    }
    int id = b.value;
    if (b.kind == Kind::kView) {
      const Value& q = g_.values[static_cast<std::size_t>(id)];
      Value v;
      v.name = out.name();
      v.dtype = DType::kFloat32;
      v.shape = q.shape;
      OpDesc op;
      op.kind = OpKind::kDequantize;
      id = emit(b.producer, op, {id}, std::move(v));
    } else if (params_unknown_.count(id)) {
      fail("output " + quote(out.name()) + " is an input no quantized operator uses; its quantization is unknown");
    }
    Value& v = g_.values[static_cast<std::size_t>(id)];
    const bool taken = std::find(g_.outputs.begin(), g_.outputs.end(), id) != g_.outputs.end() ||
                       std::find(g_.inputs.begin(), g_.inputs.end(), id) != g_.inputs.end();
    if (v.name != out.name() && taken) {  // keep each output its own value, named as in the model
      Value copy = v;
      copy.name = out.name();
      OpDesc op;
      op.kind = OpKind::kReshape;
      id = emit(out.name(), op, {id}, std::move(copy));
    } else {
      v.name = out.name();
    }
    g_.outputs.push_back(id);
  }
  if (g_.outputs.empty()) fail("the graph has no outputs; a model must name at least one graph output");
}

const Binding* Importer::optional_input(int index) const {
  if (index < 0 || index >= node_->input_size() || node_->input(index).empty()) return nullptr;
  const auto it = env_.find(node_->input(index));
  if (it == env_.end()) fail("input " + quote(node_->input(index)) + " is not computed by any earlier node");
  return &it->second;
}

const Binding& Importer::input(int index) const {
  const Binding* b = optional_input(index);
  if (b == nullptr) fail("input " + std::to_string(index) + " is missing");
  return *b;
}

const ConstTensor& Importer::const_input(int index, const char* what) const {
  const Binding& b = input(index);
  if (b.kind != Kind::kConst) {
    fail(std::string(what) + " " + quote(node_->input(index)) +
         " must be a constant (an initializer or Constant node)");
  }
  return b.constant();
}

const Binding& Importer::const_binding(int index, const char* what) const {
  const Binding& b = input(index);
  if (b.kind != Kind::kConst) {
    fail(std::string(what) + " " + quote(node_->input(index)) +
         " must be a constant (an initializer or Constant node)");
  }
  return b;
}

void Importer::bind(int output, Binding b) {
  if (output >= node_->output_size() || node_->output(output).empty()) return;
  b.producer = node_->name().empty() ? node_->output(output) : node_->name();
  env_[node_->output(output)] = std::move(b);
}

std::vector<std::int64_t> Importer::shape_of(const Binding& b) const {
  switch (b.kind) {
    case Kind::kConst: return b.constant_shape();
    case Kind::kQConst:
    case Kind::kViewConst: return b.qconst.shape;
    case Kind::kPending: return b.pending->build.result_shape();
    default: return g_.values[static_cast<std::size_t>(b.value)].shape;
  }
}

bool Importer::fold(const onnx::NodeProto& n) {
  Binding out;
  if (n.op_type() == "Shape") {
    out.set_constant(shape_tensor(shape_of(input(0)), n));
    bind(0, std::move(out));
    return true;
  }
  if (!foldable(n.op_type())) return false;
  std::vector<const Binding*> bindings;
  for (int i = 0; i < n.input_size(); ++i) {
    const Binding* b = optional_input(i);
    if (b != nullptr && b->kind != Kind::kConst) return false;
    bindings.push_back(b);
  }
  std::vector<const ConstTensor*> in;  // decoded only now that every input is constant
  for (const Binding* b : bindings) in.push_back(b == nullptr ? nullptr : &b->constant());
  ConstTensor c;
  if (in.empty() || !fold_constant(n, in, c)) return false;
  out.set_constant(std::move(c));
  bind(0, std::move(out));
  return true;
}

void Importer::convert(const onnx::NodeProto& n) {
  const std::string& op = n.op_type();
  const bool ms = n.domain() == "com.microsoft";
  if (!n.domain().empty() && n.domain() != "ai.onnx" && !ms) unsupported();
  if (ms) {
    if (op == "QGemm" || op == "QLinearAdd" || op == "QLinearAveragePool" || op == "QLinearGlobalAveragePool") {
      qlinear_op();
      return;
    }
    unsupported();
  }
  if (op == "Constant") {
    Binding b;
    b.set_constant(constant_value(n));
    bind(0, std::move(b));
  } else if (fold(n)) {
    return;
  } else if (op == "QuantizeLinear") {
    quantize_linear();
  } else if (op == "DequantizeLinear") {
    dequantize_linear();
  } else if (op == "QLinearConv" || op == "QLinearMatMul") {
    qlinear_op();
  } else if (op == "MatMulInteger" || op == "ConvInteger") {
    integer_op();
  } else if (op == "Conv" || op == "Gemm" || op == "MatMul" || op == "AveragePool" || op == "GlobalAveragePool" ||
             op == "MaxPool") {
    qdq_op();
  } else if (op == "Add") {
    add_op();
  } else if (op == "Transpose" && input(0).kind == Binding::Kind::kQuant) {
    transpose_quantized();
  } else if (op == "Sub" || op == "Div" || op == "Pow" || op == "Sqrt" || op == "Erf" || op == "ReduceMean" ||
             op == "Softmax" || op == "Transpose") {
    float_op();
  } else if (op == "Relu" || op == "Clip") {
    relu_or_clip();
  } else if (op == "Reshape" || op == "Flatten" || op == "Squeeze" || op == "Unsqueeze" || op == "Identity") {
    view_op();
  } else if (op == "Cast" || op == "Mul") {
    cast_or_mul();
  } else {
    unsupported();
  }
}

}  // namespace onnx_detail

namespace {

// Checks, imports and shape-infers a parsed model; `file` names it in every error.
Graph import_model(onnx::ModelProto& proto, const std::filesystem::path& file) {
  const std::string where = "model " + file.string() + ": ";
  auto invalid = [&](const char* what) { return UserError(where + "invalid ONNX: " + onnx_detail::one_line(what)); };
  try {
    onnx::checker::check_model(proto);
  } catch (const std::exception& e) {
    throw invalid(e.what());
  } catch (...) {
    throw invalid("the ONNX checker failed");
  }
  Graph graph;
  try {
    graph = onnx_detail::Importer(file, proto).run();
  } catch (const UserError&) {
    throw;
  } catch (const InternalError&) {
    throw;
  } catch (const std::exception& e) {
    throw InternalError(where + "import failed unexpectedly: " + e.what());
  } catch (...) {
    throw InternalError(where + "import failed unexpectedly");
  }
  // Strict type and shape inference catches what the importer does not look at (declared output shapes and
  // types, types of unused inputs). It runs after the import: libonnx 1.12 crashes on some inconsistent ranks
  // (a conv weight of higher rank than its input), which the importer has rejected by then.
  try {
    onnx::shape_inference::InferShapes(proto, onnx::OpSchemaRegistry::Instance(),
                                       onnx::ShapeInferenceOptions{true, 1, false});
  } catch (const std::exception& e) {
    throw invalid(e.what());
  } catch (...) {
    throw invalid("ONNX shape inference failed");
  }
  return graph;
}

constexpr const char* kNotOnnx = "not a readable ONNX protobuf (truncated or corrupt file?); export or copy it again";

}  // namespace

Graph import_onnx(const std::filesystem::path& model) {
  const std::string where = "model " + model.string() + ": ";
  isa::check_readable(model, isa::kMaxDataFileBytes, "model");
  std::ifstream in(model, std::ios::binary);
  if (!in) throw UserError(where + "cannot open the file; check the path");
  if (in.peek() == std::ifstream::traits_type::eof()) {
    if (in.bad()) throw UserError(where + "cannot read the file");
    throw UserError(where + "the file is empty; expected an ONNX model");
  }
  // Parsed from the stream in blocks: a copy of the whole file would cost a page fault per 4 KiB, and a
  // byte-wise stream iterator far more.
  onnx::ModelProto proto;
  const bool parsed = proto.ParseFromIstream(&in);
  if (in.bad()) throw UserError(where + "cannot read the file");
  if (!parsed) throw UserError(where + kNotOnnx);
  return import_model(proto, model);
}

Graph import_onnx(std::span<const std::uint8_t> bytes, const std::filesystem::path& name) {
  const std::string where = "model " + name.string() + ": ";
  if (bytes.empty()) throw UserError(where + "the file is empty; expected an ONNX model");
  if (bytes.size() > static_cast<std::size_t>(INT32_MAX)) {
    throw UserError(where + "over 2 GiB; read models this large from a file");
  }
  onnx::ModelProto proto;
  if (!proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) throw UserError(where + kNotOnnx);
  return import_model(proto, name);
}

}  // namespace systole::compiler
