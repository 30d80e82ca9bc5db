// The compiler's IR: a graph of quantized operators with shapes and quantization parameters.
//
// Values are logical ONNX tensors (images NCHW). Activations are quantized per tensor (scale, zero point on the
// value); a weight value may carry per-output-channel scales and zero points (`channel_scale`,
// `channel_zero_point`, along axis 0 for conv weights [M, C/g, kH, kW], along the output-column axis for gemm
// weights). Constants carry their integer data (`data`), or float32 data (`fdata`: the constants of float
// operators on the host, e.g. layer-norm gamma and beta). Nodes hold an OpDesc (runtime/include/systole/op.hpp),
// the same description the program file stores for host steps, so the IR interpreter, the host and the compiler
// agree.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "systole/error.hpp"
#include "systole/op.hpp"
#include "systole/tensor.hpp"

namespace systole::compiler {

struct Value {
  std::string name;
  DType dtype = DType::kInt8;
  std::vector<std::int64_t> shape;
  float scale = 1.0f;
  std::int32_t zero_point = 0;
  std::vector<float> channel_scale;  // weights quantized per channel; empty: per tensor (scale, zero_point)
  std::vector<std::int32_t> channel_zero_point;
  bool is_const = false;
  std::vector<std::int32_t> data;  // constant values, row-major, when is_const (int8/uint8/int32)
  std::vector<float> fdata;        // constant values, row-major, when is_const and dtype is float32

  std::int64_t elements() const;
};

enum class Placement : std::uint8_t { kAccel, kHost };

struct Node {
  std::string name;  // the ONNX node it came from (the layer name in reports)
  OpDesc op;
  std::vector<int> inputs;  // value ids; -1 for an absent optional input
  int output = -1;
  Placement placement = Placement::kHost;
  std::string reason;  // why a node runs on the host
};

// Most elements any tensor of a model may have (2^28: 256 MiB of int8), graph inputs and every value the import
// derives from them alike: a static batch of 2^31, or a matmul that widens a tensor past this, is refused at import
// instead of growing the compiler to gigabytes.
inline constexpr std::int64_t kMaxValueElements = std::int64_t{1} << 28;

// Graph::add_value's refusal of a value over kMaxValueElements (the importer adds the file and node).
class ValueTooLarge : public UserError {
 public:
  using UserError::UserError;
};

struct Graph {
  std::vector<Value> values;
  std::vector<Node> nodes;  // topological order
  std::vector<int> inputs;  // graph inputs (value ids)
  std::vector<int> outputs;

  // Throws ValueTooLarge when `v` has more than kMaxValueElements elements.
  int add_value(Value v);
  // Human-readable listing, one line per node (`systole compile --dump-ir`).
  std::string dump() const;
};

}  // namespace systole::compiler
