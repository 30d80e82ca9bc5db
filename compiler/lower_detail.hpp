// Internals shared by the lowering files (lower.cpp, lower_conv.cpp, lower_vec.cpp; lower_common.cpp implements
// what this header declares).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "compiler/ir.hpp"
#include "compiler/lower.hpp"
#include "systole/arch.hpp"
#include "systole/program.hpp"

namespace systole::compiler::detail {

using spec::Insn;

// What one layer's emitter can use: the graph, the arch, where each value lives, and the constant blob.
struct Ctx {
  const Graph& g;
  const isa::ArchConfig& arch;
  Program& program;
  std::vector<std::uint64_t> offset;  // act-region byte offset of each value (activations only)
  // {C, H, W} for a value that is the flatten [N, C*H*W] of an NHWC tensor kept in NHWC byte order (no copy):
  // the gemms reading it permute their weight rows instead. {0, 0, 0} otherwise.
  std::vector<std::array<std::int64_t, 3>> nhwc_flat;

  const Value& value(int id) const { return g.values[static_cast<std::size_t>(id)]; }
  // Appends bytes to the const region (64-byte aligned) and returns their offset.
  std::uint64_t add_const(const std::vector<std::uint8_t>& bytes);
  // Appends int32 rows (little-endian) to the const region.
  std::uint64_t add_const_i32(const std::vector<std::int32_t>& values);
};

// An integer attribute element of a node, or `fallback`.
std::int64_t attr(const Node& n, const char* key, std::size_t i, std::int64_t fallback);

// The sliding-window geometry conv and pooling share, on NHWC activations: input [n, c, h, w], output [oh, ow],
// kernel, stride, dilation and padding, and the padded input tile a block of output rows reads (wp elements wide,
// of which x_size come from the input and pad_right are padding on the right).
struct Window {
  std::int64_t n = 1, c = 1, h = 1, w = 1, oh = 1, ow = 1, kh = 1, kw = 1;
  std::int64_t sh = 1, sw = 1, dh = 1, dw = 1, pt = 0, pl = 0, pb = 0, pr = 0;
  std::int64_t wp = 1, x_size = 1, pad_right = 0;

  // Input rows (padding included) that a block of `rows` output rows reads.
  std::int64_t span(std::int64_t rows) const { return (rows - 1) * sh + (kh - 1) * dh + 1; }
  // Why the DMA cannot bring the tiles (padding as large as the kernel or above 255, degenerate width).
  std::optional<std::string> unsupported() const;
  // The 2-D DMA walk that brings the padded tile of output rows [oh0, oh0 + rows) of image `img`, channels from
  // `c0`, from the NHWC tensor at act offset `x_offset`. The caller sets mem, dtype, lanes, pad_value, sram_addr.
  spec::LoadFields tile_load(std::int64_t img, std::int64_t oh0, std::int64_t rows, std::int64_t c0,
                             std::uint64_t x_offset) const;
};

// The window of node `n` (ints strides, dilations, pads) from x [n, c, h, w] to y [.., .., oh, ow].
Window window(const Node& n, const Value& x, const Value& y, std::int64_t kh, std::int64_t kw);

// One pipeline step: what the load, compute and store units do for one block.
struct StepCode {
  std::vector<Insn> load, compute, store;
};

// Emits a double-buffered software pipeline: prologue (weights, parameters), then the steps with the loads of
// step i+1 dispatched before the compute of step i, and the dependency tokens that make buffer reuse safe
// (buffers alternate between even and odd steps). Appends the instructions (no sync/finish) to `out` and counts
// the steps as the layer's blocks.
void pipeline(std::vector<Insn> prologue_load, std::vector<Insn> prologue_compute, std::vector<StepCode> steps,
              std::vector<Insn>& out, LayerReport& r);

// Memories' lanes as 8-bit zero-point domain: the value an int8/uint8 activation has in inp (uint8 is held as
// u - 128).
std::int32_t inp_domain(std::int32_t v, DType t);

spec::Dtype isa_dtype(DType t);

// The fused clamp of a node in its output's quantized domain.
std::pair<std::int32_t, std::int32_t> clamp_of(const Node& n, const Value& out);

// The compute-unit load of `rows` int32 parameter rows of `cols` lanes from the const region into acc row `sram`.
spec::LoadFields param_load(std::int64_t sram, std::uint64_t at, std::int64_t rows, std::int64_t cols);

// Requantization parameter rows for `cols` lanes: the fp32 scales (bit patterns; lanes past scales.size() get 0),
// then the zero point in every lane.
std::vector<std::int32_t> param_rows(const std::vector<float>& scales, std::int32_t zero_point, std::int64_t cols);

// Conv and gemm on the array; add, max pool and global average pool on the vector unit. Each returns why the node
// cannot run on the accelerator, or nullopt; emit_* appends the layer's instructions and fills its report.
std::optional<std::string> conv_unsupported(const Ctx& c, const Node& n);
void emit_conv(Ctx& c, const Node& n, std::vector<Insn>& out, LayerReport& r);
std::optional<std::string> vec_unsupported(const Ctx& c, const Node& n);
void emit_vec(Ctx& c, const Node& n, std::vector<Insn>& out, LayerReport& r);

}  // namespace systole::compiler::detail
