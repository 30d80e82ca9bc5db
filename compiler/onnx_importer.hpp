// Internals of the ONNX importer (compiler/onnx_import.hpp), shared by its source files.
//
// The importer walks the ONNX nodes in their (topological) order and binds every ONNX tensor name to what it is
// in IR terms (`Binding`): a constant, a quantized IR value, a float tensor that is exactly a quantized value
// ("view": the output of a DequantizeLinear, or a reshape of one), or the float result of an operator on views
// that waits for its QuantizeLinear ("pending", QDQ form) before it becomes an IR node.
#pragma once

#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "compiler/ir.hpp"
#include "onnx/onnx_pb.h"

namespace systole::compiler::onnx_detail {

// Thrown by helpers that do not know the node they work for; the importer adds the file and the node.
class ImportFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A constant tensor of the constant evaluator. Integer and bool elements live in `ints`, float and double ones
// in `floats` (so int64 values such as INT64_MAX in Slice bounds stay exact).
struct ConstTensor {
  int elem = 0;  // onnx::TensorProto_DataType
  std::vector<std::int64_t> shape;
  std::vector<std::int64_t> ints;
  std::vector<double> floats;

  bool is_float() const;
  std::int64_t count() const;
  double real(std::size_t i) const;           // element i as a number, whatever the type
  std::int64_t integer(std::size_t i) const;  // element i of an integer tensor (floats truncated)
};

bool is_float_elem(int elem);  // onnx::TensorProto_DataType FLOAT, DOUBLE or FLOAT16

// Most elements a constant may have after folding (guards ConstantOfShape and friends against absurd sizes).
inline constexpr std::int64_t kMaxConstElements = std::int64_t{1} << 26;

// Checks a tensor's type, size and data without decoding it; throws ImportFailure with what is wrong.
void check_tensor(const onnx::TensorProto& t);
ConstTensor read_tensor(const onnx::TensorProto& t);
// The integers of an int8/uint8/int32 tensor that check_tensor accepted, decoded straight to int32.
std::vector<std::int32_t> read_int32(const onnx::TensorProto& t);
// The value of a Constant node.
ConstTensor constant_value(const onnx::NodeProto& node);
// Evaluates `node` on constant inputs (nullptr for absent optional ones). Returns false when the operator is not
// one the evaluator knows; throws ImportFailure on bad input.
bool fold_constant(const onnx::NodeProto& node, const std::vector<const ConstTensor*>& in, ConstTensor& out);
bool foldable(const std::string& op_type);  // fold_constant knows the operator
ConstTensor shape_tensor(const std::vector<std::int64_t>& shape, const onnx::NodeProto& node);

// Attribute readers (absent -> fallback).
std::int64_t attr_int(const onnx::NodeProto& n, const std::string& name, std::int64_t fallback);
float attr_float(const onnx::NodeProto& n, const std::string& name, float fallback);
std::string attr_string(const onnx::NodeProto& n, const std::string& name, const std::string& fallback);
std::vector<std::int64_t> attr_ints(const onnx::NodeProto& n, const std::string& name,
                                    std::vector<std::int64_t> fallback);
bool has_attr(const onnx::NodeProto& n, const std::string& name);

// Shape arithmetic shared by the evaluator and the importer.
std::int64_t normalize_axis(std::int64_t axis, std::int64_t rank);
std::vector<std::int64_t> reshape_target(const std::vector<std::int64_t>& in, const ConstTensor& shape,
                                         bool allow_zero);
std::vector<std::int64_t> flatten_shape(const std::vector<std::int64_t>& in, std::int64_t axis);
std::vector<std::int64_t> squeeze_shape(const std::vector<std::int64_t>& in, const std::vector<std::int64_t>& axes);
std::vector<std::int64_t> unsqueeze_shape(const std::vector<std::int64_t>& in, const std::vector<std::int64_t>& axes);
std::vector<std::int64_t> broadcast_shape(const std::vector<std::int64_t>& a, const std::vector<std::int64_t>& b);
std::int64_t element_count(const std::vector<std::int64_t>& shape);

// Quantization parameters as ONNX states them: one scale (per tensor) or one per index of `axis`.
struct QParams {
  DType dtype = DType::kInt8;
  std::vector<float> scale;
  std::vector<std::int32_t> zero_point;
  std::int64_t axis = 0;

  bool per_channel() const { return scale.size() > 1; }
};

// A quantized constant (a weight or bias initializer, or a folded QuantizeLinear of a float one). The integers of
// an initializer stay in its TensorProto (`source`) until an IR value takes them, so copying a QConst is cheap
// and each weight is decoded once, straight to int32.
struct QConst {
  std::string name;
  std::vector<std::int64_t> shape;
  QParams q;
  const onnx::TensorProto* source = nullptr;                // an int8/uint8/int32 initializer, or
  std::shared_ptr<const std::vector<std::int32_t>> values;  // integers computed at import time

  std::vector<std::int32_t> data() const;  // the integers, row-major
};

// Everything an IR node needs but its output quantization.
struct OpBuild {
  // How the output quantization comes about: chosen by the QuantizeLinear (kOutQuant, kFusedClip: the op takes a
  // fused clip attribute), or equal to the input's (kKeepsInput: max_pool; kClipOnly: a Relu/Clip on a value).
  enum class Mode : std::uint8_t { kOutQuant, kFusedClip, kKeepsInput, kClipOnly };
  OpDesc op;
  std::vector<int> inputs;
  std::vector<std::int64_t> shape;
  Mode mode = Mode::kOutQuant;
  // The ONNX result's shape when the op computes a 2-D form of it (a MatMul of a batched activation [..., M, K]
  // by a constant [K, N] is a gemm on the [rows, K] rows, reshaped back); empty: `shape`.
  std::vector<std::int64_t> out_shape;

  const std::vector<std::int64_t>& result_shape() const { return out_shape.empty() ? shape : out_shape; }
};

// A Relu or Clip after an operator, as float bounds (+-infinity when absent).
struct ClipStep {
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  std::string node;      // its ONNX node name
  std::string out_name;  // its ONNX output tensor
};

// A float result of an operator on quantized inputs, waiting for the QuantizeLinear that fixes its quantization.
struct Pending {
  std::string node;        // the operator's ONNX node name
  std::string op_type;     // its ONNX op type (messages)
  std::string float_name;  // its ONNX output tensor
  OpBuild build;
  std::vector<ClipStep> clips;
};

struct Binding {
  enum class Kind : std::uint8_t {
    kConst,      // constant tensor (initializer, Constant, folded helper nodes)
    kQConst,     // quantized constant (QuantizeLinear of a float constant)
    kQuant,      // quantized IR value (int8/uint8/int32)
    kFloat,      // float IR value (a graph input)
    kView,       // float tensor equal to the dequantized IR value `value`
    kViewConst,  // float tensor equal to the dequantized constant `qconst`
    kRaw,        // float tensor equal to the integers of the int32 IR value `value` (Cast of an accumulator)
    kPending,    // float result waiting for its QuantizeLinear
  };
  Kind kind = Kind::kConst;
  QConst qconst;
  int value = -1;
  std::shared_ptr<const Pending> pending;
  std::string producer;  // the ONNX node that made it

  // kConst: the tensor, decoded from `initializer` on first use (most initializers are weights, which go
  // straight to int32 through QConst and are never decoded here).
  const ConstTensor& constant() const;
  void set_constant(ConstTensor c);
  std::vector<std::int64_t> constant_shape() const;  // without decoding
  int constant_elem() const;                         // onnx::TensorProto_DataType, without decoding
  const onnx::TensorProto* initializer = nullptr;

 private:
  mutable std::shared_ptr<const ConstTensor> constant_;
};

class Importer {
 public:
  Importer(std::filesystem::path file, const onnx::ModelProto& model);
  Graph run();

 private:
  // onnx_import.cpp: the walk, graph inputs and outputs, messages.
  void check_quantized_model() const;
  void bind_inputs();
  void bind_outputs();
  void convert(const onnx::NodeProto& node);
  [[noreturn]] void fail(const std::string& what) const;  // names the current node
  const Binding& input(int index) const;                  // the node's input `index`; fails when absent
  const Binding* optional_input(int index) const;         // nullptr when absent
  const ConstTensor& const_input(int index, const char* what) const;
  const Binding& const_binding(int index, const char* what) const;  // a kConst input, not decoded
  void bind(int output, Binding b);
  std::vector<std::int64_t> shape_of(const Binding& b) const;
  bool fold(const onnx::NodeProto& node);
  [[noreturn]] void unsupported() const;

  // onnx_quant.cpp: quantization parameters, values, weights, finishing an operator.
  QParams read_qparams(int scale_index, int zp_index, DType data_type, bool data_type_known) const;
  void check_qparams(QParams& q, const std::vector<std::int64_t>& shape, const std::string& tensor) const;
  QConst make_qconst(const Binding& c, const QParams& q, const std::string& name) const;
  void use_params(int value, const QParams& q, const std::string& tensor);  // checks, or sets an input's
  int const_value(const QConst& c);
  int bias_value(int index, double in_scale, const QParams& wq, double beta, std::int64_t channels);
  int emit(const std::string& node_name, OpDesc op, std::vector<int> inputs, Value out);
  int emit_build(const std::string& node_name, const OpBuild& b, OpDesc op, Value out);  // out: result shape
  int finish(const Pending& p, const QParams& out, const std::string& out_name, const std::string& q_node);
  std::string node_name() const;
  const Value& val(int id) const { return g_.values.at(static_cast<std::size_t>(id)); }

  // onnx_qdq.cpp: the QDQ form.
  void quantize_linear();
  void dequantize_linear();
  void relu_or_clip();
  ClipStep clip_step() const;
  void view_op();
  void cast_or_mul();
  int view_input(int index) const;  // the quantized value a dequantized input is; fails otherwise
  const QConst& weight_input(int index) const;

  // onnx_ops.cpp: attributes and shapes of conv, gemm/matmul and pools; operators in QDQ form.
  OpBuild conv_build(int x, const QConst& w, int bias_index);
  OpBuild gemm_build(int a, const QConst& w, int bias_index, bool matmul);
  OpBuild pool_build(int x, OpKind kind);
  void qdq_op();

  // onnx_float.cpp: float operators on the host (softmax, layer-norm and GELU pieces, attention's transposes),
  // the float operands they read, and a constant bias Add folded into the gemm before it.
  void add_op();
  void float_op();
  bool fold_bias();
  bool float_operands() const;  // the node reads a float value and no integer tensor: a float operator
  int float_operand(int index);
  int float_constant(const std::string& name, const Binding& b);
  int dequantized(int value, const std::string& name, const std::string& node);
  int pending_float(const std::shared_ptr<const Pending>& p, const std::string& name);
  std::vector<std::int64_t> transpose_perm(std::int64_t rank) const;
  void transpose_quantized();  // QOperator: a Transpose of a quantized tensor
  int rows_of(int value);      // a [..., M, K] activation as [rows, K] (a reshape the lowering aliases)
  void float_result(OpDesc op, std::vector<int> inputs, std::vector<std::int64_t> shape);

  // onnx_qop.cpp: the QOperator form.
  void qlinear_op();
  void integer_op();
  DType operand_type(int index) const;
  int quant_operand(int index, const QParams& q);
  std::optional<float> scalar_constant(const std::string& name) const;
  std::optional<float> accumulator_scale(const std::string& name) const;

  std::filesystem::path file_;
  const onnx::ModelProto& model_;
  Graph g_;
  std::unordered_map<std::string, Binding> env_;
  std::unordered_map<std::string, std::vector<const onnx::NodeProto*>> consumers_;
  std::unordered_set<int> params_unknown_;  // int8/uint8 graph inputs whose quantization no node has stated yet
  std::unordered_map<std::string, int> const_ids_;
  std::unordered_map<int, QConst> const_sources_;      // const value id -> where its integers came from (no data)
  const onnx::NodeProto* node_ = nullptr;              // the node being converted
  std::int64_t opset_ = 0;                             // of the default domain
  std::unordered_map<int, int> dequantized_;           // quantized value -> its float value
  std::unordered_map<std::string, int> float_consts_;  // ONNX constant -> float const value
  std::unordered_map<const Pending*, std::pair<std::shared_ptr<const Pending>, int>> pending_floats_;  // -> float
  std::unordered_map<int, int> rows_;  // activation -> its [rows, K] reshape
};

std::string node_label(const onnx::NodeProto& n);  // "'name' (OpType)"
DType dtype_of_elem(int elem, bool& ok);
std::int32_t quantize_bound(double v, float scale, std::int32_t zero_point, DType t);          // ONNX QuantizeLinear
Value act(const std::string& name, const std::vector<std::int64_t>& shape, const QParams& q);  // an activation
std::vector<std::int64_t> matmul_shape(const std::vector<std::int64_t>& a, const std::vector<std::int64_t>& b);

}  // namespace systole::compiler::onnx_detail
