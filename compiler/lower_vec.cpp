// Max pool and average pool on the vector unit, where ONNX Runtime's arithmetic is integer: max pool with the
// input's quantization (ONNX Runtime drops its Q/DQ pair), and global average pool (or an average pool over the whole
// unpadded input), which ONNX Runtime sums in int32 and requantizes.
//
// Operands are widened into the accumulator by compute-unit loads (int8 sign-extends, uint8 zero-extends) and
// combined row by row; the store requantizes. QLinearAdd is not here: ONNX Runtime computes it with fp32 fused
// multiply-adds, which the vector unit has no datapath for, so it runs on the host (sim/ref).
#include <algorithm>

#include "compiler/lower_detail.hpp"
#include "sim/isa/quant.hpp"
#include "systole/error.hpp"

namespace systole::compiler::detail {
namespace {

auto u32(std::int64_t v) {
  return static_cast<std::uint32_t>(v);
}

bool is_8bit(const Value& v) {
  return v.dtype == DType::kInt8 || v.dtype == DType::kUint8;
}

spec::LoadFields acc_load(std::int64_t sram, std::uint64_t dram, DType t, std::int64_t y, std::int64_t x,
                          std::int64_t lanes, std::int64_t x_stride, std::int64_t y_stride) {
  spec::LoadFields f;
  f.mem = spec::Mem::kAcc;
  f.region = spec::Region::kAct;
  f.dtype = isa_dtype(t);
  f.sram_addr = u32(sram);
  f.dram_offset = dram;
  f.y_size = u32(y);
  f.x_size = u32(x);
  f.lanes = u32(lanes);
  f.x_stride = u32(x_stride);
  f.y_stride = u32(y_stride);
  return f;
}

spec::VecFields vec(spec::VecOp op, std::int64_t dst, std::int64_t src, std::int64_t inner) {
  spec::VecFields f;
  f.op = op;
  f.dst_addr = u32(dst);
  f.src_addr = u32(src);
  f.outer = 1;
  f.inner = u32(inner);
  f.dst_stride_inner = 1;
  return f;
}

spec::StoreFields store(const Value& y, std::int64_t sram, std::uint64_t dram, std::int64_t rows, std::int64_t x,
                        std::int64_t lanes, std::int64_t x_stride, std::int64_t y_stride,
                        std::pair<std::int32_t, std::int32_t> clamp) {
  spec::StoreFields f;
  f.region = spec::Region::kAct;
  f.dtype = isa_dtype(y.dtype);
  f.sram_addr = u32(sram);
  f.dram_offset = dram;
  f.y_size = u32(rows);
  f.x_size = u32(x);
  f.lanes = u32(lanes);
  f.x_stride = u32(x_stride);
  f.y_stride = u32(y_stride);
  f.clamp_min = clamp.first;
  f.clamp_max = clamp.second;
  return f;
}

Window pool_window(const Ctx& c, const Node& n) {
  return window(n, c.value(n.inputs[0]), c.value(n.output), attr(n, "kernel", 0, 1), attr(n, "kernel", 1, 1));
}

// Output rows per max-pool block: input tile + output rows, double-buffered.
std::int64_t pool_block(const Ctx& c, const Window& g) {
  for (std::int64_t ohb = g.oh; ohb >= 1; --ohb) {
    if (2 * (g.span(ohb) * g.wp + ohb * g.ow) <= c.arch.acc_rows() && ohb * g.ow <= 65535) return ohb;
  }
  return 0;
}

void emit_max_pool(Ctx& c, const Node& n, std::vector<Insn>& out, LayerReport& r) {
  const Value& x = c.value(n.inputs[0]);
  const Value& y = c.value(n.output);
  const Window g = pool_window(c, n);
  const std::int64_t C = c.arch.cols();
  const std::int64_t ohb = pool_block(c, g);
  const std::int64_t span_max = g.span(ohb);
  const std::int64_t buf = span_max * g.wp + ohb * g.ow;
  const std::uint64_t x_off = c.offset[static_cast<std::size_t>(n.inputs[0])];
  const std::uint64_t y_off = c.offset[static_cast<std::size_t>(n.output)];
  std::vector<StepCode> steps;
  for (std::int64_t img = 0; img < g.n; ++img) {
    for (std::int64_t ct = 0; ct * C < g.c; ++ct) {
      const std::int64_t lanes = std::min(C, g.c - ct * C);
      for (std::int64_t oh0 = 0; oh0 < g.oh; oh0 += ohb) {
        const std::int64_t rows = std::min(ohb, g.oh - oh0);
        const std::int64_t in = static_cast<std::int64_t>(steps.size() % 2) * buf, res = in + span_max * g.wp;
        StepCode s;
        spec::LoadFields f = g.tile_load(img, oh0, rows, ct * C, x_off);
        f.mem = spec::Mem::kAcc;
        f.dtype = isa_dtype(x.dtype);
        f.lanes = u32(lanes);
        f.sram_addr = u32(in);
        f.pad_value = -128;  // below every 8-bit value once widened: padding never wins
        s.compute.push_back(spec::encode(f));
        for (std::int64_t ky = 0; ky < g.kh; ++ky) {
          for (std::int64_t kx = 0; kx < g.kw; ++kx) {
            spec::VecFields v = vec(ky == 0 && kx == 0 ? spec::VecOp::kCopy : spec::VecOp::kMax, res,
                                    in + ky * g.dh * g.wp + kx * g.dw, g.ow);
            v.outer = u32(rows);
            v.dst_stride_outer = u32(g.ow);
            v.src_stride_outer = u32(g.sh * g.wp);
            v.src_stride_inner = u32(g.sw);
            s.compute.push_back(spec::encode(v));
          }
        }
        spec::StoreFields st =
            store(y, res, y_off + static_cast<std::uint64_t>(((img * g.oh + oh0) * g.ow) * g.c + ct * C), rows, g.ow,
                  lanes, g.c, g.ow * g.c, {dtype_min(y.dtype), dtype_max(y.dtype)});
        s.store.push_back(spec::encode(st));
        steps.push_back(std::move(s));
      }
    }
  }
  pipeline({}, {}, std::move(steps), out, r);
}

// Global average pool, and an average pool whose one window is the whole unpadded input (ONNX Runtime runs that
// form as the global one): sum(x) - count * zx in the accumulator, requantized with ONNX Runtime's
// quant::global_average_scale.
void emit_global_average_pool(Ctx& c, const Node& n, std::vector<Insn>& out, LayerReport& r) {
  const Value& x = c.value(n.inputs[0]);
  const Value& y = c.value(n.output);
  const std::int64_t C = c.arch.cols();
  const std::int64_t N = x.shape[0], ch = x.shape[1], hw = x.shape[2] * x.shape[3];
  const std::int64_t param = c.arch.acc_rows() - spec::kRequantParamRows;
  const float scale = quant::global_average_scale(x.scale, y.scale, hw);
  const std::uint64_t params_at =
      c.add_const_i32(param_rows(std::vector<float>(static_cast<std::size_t>(C), scale), y.zero_point, C));
  const std::uint64_t x_off = c.offset[static_cast<std::size_t>(n.inputs[0])];
  const std::uint64_t y_off = c.offset[static_cast<std::size_t>(n.output)];
  std::vector<StepCode> steps;
  for (std::int64_t img = 0; img < N; ++img) {
    for (std::int64_t ct = 0; ct * C < ch; ++ct) {
      const std::int64_t lanes = std::min(C, ch - ct * C);
      const std::int64_t base = static_cast<std::int64_t>(steps.size() % 2) * hw;
      StepCode s;
      s.compute.push_back(spec::encode(acc_load(base, x_off + static_cast<std::uint64_t>(img * hw * ch + ct * C),
                                                x.dtype, 1, hw, lanes, ch, hw * ch)));
      if (hw > 1) {
        spec::VecFields sum = vec(spec::VecOp::kAdd, base, base + 1, hw - 1);
        sum.dst_stride_inner = 0;  // every iteration adds into the first row
        sum.src_stride_inner = 1;
        s.compute.push_back(spec::encode(sum));
      }
      spec::VecFields sub = vec(spec::VecOp::kAddi, base, 0, 1);
      sub.imm_a = static_cast<std::int32_t>(-hw * x.zero_point);  // sum(x - zx) = sum(x) - count * zx
      s.compute.push_back(spec::encode(sub));
      spec::StoreFields st = store(y, base, y_off + static_cast<std::uint64_t>(img * ch + ct * C), 1, 1, lanes, 0, 0,
                                   {dtype_min(y.dtype), dtype_max(y.dtype)});
      st.requant = 1;
      st.param_addr = u32(param);
      s.store.push_back(spec::encode(st));
      steps.push_back(std::move(s));
    }
  }
  pipeline({}, {spec::encode(param_load(param, params_at, spec::kRequantParamRows, C))}, std::move(steps), out, r);
}

// An average pool ONNX Runtime computes as a global one: the kernel covers the whole input and nothing is padded.
bool is_whole_input_average(const Value& x, const Node& n) {
  if (x.shape.size() != 4) return false;
  const auto kernel = n.op.ints_or("kernel", {});
  const auto pads = n.op.ints_or("pads", {0, 0, 0, 0});
  const auto dilations = n.op.ints_or("dilations", {1, 1});
  return kernel.size() == 2 && dilations == std::vector<std::int64_t>{1, 1} && kernel[0] == x.shape[2] &&
         kernel[1] == x.shape[3] && std::all_of(pads.begin(), pads.end(), [](std::int64_t p) { return p == 0; });
}

}  // namespace

std::optional<std::string> vec_unsupported(const Ctx& c, const Node& n) {
  const Value& x = c.value(n.inputs[0]);
  const Value& y = c.value(n.output);
  if (!is_8bit(x) || !is_8bit(y)) return "operands are not 8-bit";
  switch (n.op.kind) {
    case OpKind::kMaxPool: {
      if (x.shape.size() != 4) return "not a 2-D pool";
      if (x.scale != y.scale || x.zero_point != y.zero_point) {
        return "input and output quantization differ (ONNX Runtime computes that max pool in float)";
      }
      if (attr(n, "ceil_mode", 0, 0) != 0) return "ceil_mode";
      const Window g = pool_window(c, n);
      if (const auto why = g.unsupported()) return why;
      if (pool_block(c, g) < 1) return "one output row does not fit the accumulator";
      return std::nullopt;
    }
    case OpKind::kAveragePool:
      if (!is_whole_input_average(x, n)) {
        return "a window smaller than the input or with padding (ONNX Runtime computes that average pool in float)";
      }
      [[fallthrough]];
    case OpKind::kGlobalAveragePool: {
      if (x.shape.size() != 4) return "not a 2-D pool";
      const std::int64_t hw = x.shape[2] * x.shape[3];
      if (2 * hw + spec::kRequantParamRows > c.arch.acc_rows() || hw > 65535) {
        return "the spatial plane does not fit the accumulator";
      }
      if (static_cast<double>(hw) * 255 > 2e9) return "sum may overflow";
      return std::nullopt;
    }
    default: return "no accelerator lowering for " + std::string(op_name(n.op.kind));
  }
}

void emit_vec(Ctx& c, const Node& n, std::vector<Insn>& out, LayerReport& r) {
  switch (n.op.kind) {
    case OpKind::kMaxPool: emit_max_pool(c, n, out, r); break;
    case OpKind::kAveragePool:
    case OpKind::kGlobalAveragePool: emit_global_average_pool(c, n, out, r); break;
    default: throw InternalError("emit_vec: no lowering for " + std::string(op_name(n.op.kind)));
  }
}

}  // namespace systole::compiler::detail
