// ONNX import: a quantized ONNX model (QDQ or QOperator form) into the compiler's IR (compiler/ir.hpp).
//
// QDQ form (ONNX Runtime's QDQ quantizer, PyTorch export): an operator whose float inputs are all
// DequantizeLinear outputs and whose float output (after an optional Relu/Clip) goes into a QuantizeLinear
// becomes one IR node producing that quantized value; reshapes of dequantized tensors are views; the helper nodes
// exporters emit around shapes are evaluated at import time. QOperator form: QLinearConv, QLinearMatMul, QGemm,
// QLinearAdd, QLinearAveragePool, QLinearGlobalAveragePool, MaxPool/Flatten/Reshape on 8-bit tensors,
// MatMulInteger and ConvInteger. Graph inputs are the non-initializer ONNX inputs (float32 or int8/uint8); a
// float input is quantized by a `quantize` node and a float output comes from a `dequantize` node.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>

#include "compiler/ir.hpp"

namespace systole::compiler {

// Reads an ONNX model (QDQ or QOperator form) into the IR. Throws UserError naming the file and node on bad input
// (unreadable or invalid ONNX, a float model, an unsupported operator, dynamic shapes, inconsistent quantization).
Graph import_onnx(const std::filesystem::path& model);
// The same from the bytes of a model held in memory (under 2 GiB); `name` stands for the file in errors.
Graph import_onnx(std::span<const std::uint8_t> bytes, const std::filesystem::path& name);

}  // namespace systole::compiler
