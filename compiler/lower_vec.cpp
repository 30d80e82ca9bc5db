// Max pool and average pool on the vector unit, each with ONNX Runtime's arithmetic: max pool with the input's
// quantization (ONNX Runtime drops its Q/DQ pair); global average pool (or an average pool over the whole unpadded
// input), which ONNX Runtime sums in int32 and requantizes; and every other average pool, which ONNX Runtime computes
// in fp32 (QLinearAveragePool), on the vector unit's fp32 ops.
//
// Operands are widened into the accumulator by compute-unit loads (int8 sign-extends, uint8 zero-extends) and
// combined row by row; the store requantizes. QLinearAdd is not here: ONNX Runtime computes it with fp32 fused
// multiply-adds, which the vector unit has no instruction for (its fmac rounds twice), so it runs on the host.
#include <algorithm>
#include <array>

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

// One axis of an average pool's window: n inputs, o outputs, kernel k, stride s, leading padding p (dilation 1).
struct PoolAxis {
  std::int64_t n, o, k, s, p;
  // The outputs [lo, hi) whose window's tap t lies on the input (0 <= o * s - p + t < n), within [0, this->o).
  std::pair<std::int64_t, std::int64_t> outputs_of_tap(std::int64_t t) const {
    const std::int64_t first = p - t, last = n - 1 + p - t;  // o * s must lie in [first, last]
    if (last < 0) return {0, 0};
    const std::int64_t lo = first > 0 ? (first + s - 1) / s : 0;
    return {std::min(lo, o), std::min(last / s + 1, o)};
  }
  // The taps of output i's window that lie on the input.
  std::int64_t taps(std::int64_t i) const { return std::min(i * s - p + k, n) - std::max<std::int64_t>(i * s - p, 0); }
  // Input rows/columns a run of `outputs` outputs spans, padding included.
  std::int64_t span(std::int64_t outputs) const { return (outputs - 1) * s + k; }
  // The input rows/columns [lo, hi) the outputs [o0, o1) read.
  std::pair<std::int64_t, std::int64_t> inputs(std::int64_t o0, std::int64_t o1) const {
    return {std::max<std::int64_t>(o0 * s - p, 0), std::min((o1 - 1) * s - p + k, n)};
  }
};

struct AveragePool {
  PoolAxis h, w;
  std::int64_t n = 1, c = 1;
  bool count_include_pad = false;
};

AveragePool average_pool_of(const Ctx& c, const Node& n) {
  const Value& x = c.value(n.inputs[0]);
  const Value& y = c.value(n.output);
  AveragePool a;
  a.n = x.shape[0];
  a.c = x.shape[1];
  a.h = {x.shape[2], y.shape[2], attr(n, "kernel", 0, 1), attr(n, "strides", 0, 1), attr(n, "pads", 0, 0)};
  a.w = {x.shape[3], y.shape[3], attr(n, "kernel", 1, 1), attr(n, "strides", 1, 1), attr(n, "pads", 1, 0)};
  a.count_include_pad = attr(n, "count_include_pad", 0, 0) != 0;
  return a;
}

// Accumulator rows of one average-pool block buffer of `rows` output rows: the input rows they read (unpadded, whole
// width), the outputs, and a zero row.
std::int64_t average_pool_buffer(const AveragePool& a, std::int64_t rows) {
  return a.h.span(rows) * a.w.n + rows * a.w.o + 1;
}

// Output rows per average-pool block, double-buffered; 0 when one output row does not fit.
std::int64_t average_pool_block(const Ctx& c, const AveragePool& a) {
  for (std::int64_t rows = a.h.o; rows >= 1; --rows) {
    if (2 * average_pool_buffer(a, rows) <= c.arch.acc_rows()) return rows;
  }
  return 0;
}

// Runs of equal values of f over [lo, hi): (begin, end, value).
template <class F>
std::vector<std::array<std::int64_t, 3>> runs(std::int64_t lo, std::int64_t hi, F f) {
  std::vector<std::array<std::int64_t, 3>> out;
  for (std::int64_t i = lo; i < hi; ++i) {
    const std::int64_t v = f(i);
    if (out.empty() || out.back()[2] != v) out.push_back({i, i + 1, v});
    out.back()[1] = i + 1;
  }
  return out;
}

// AveragePool as ONNX Runtime's QLinearAveragePool computes it (sim/ref/pool.cpp): per output, the window's taps
// that lie on the input, dequantized and summed in fp32 in window order, the sum divided by the count, then
// quantized. Each block of output rows loads the unpadded input rows it reads into the accumulator (8-bit values
// widened), clears its outputs to +0.0 (a copy of a zero row, made from an input row by clip [0, 0]: no instruction
// reads a row nothing wrote), and issues one vec fmac per kernel tap over the rectangle of outputs whose
// window has that tap on the input (padding is never read, so it adds nothing, as in ONNX Runtime), one fdiv per
// rectangle of equal counts, and one fquant; the store saturates to the output type.
void emit_average_pool(Ctx& c, const Node& n, std::vector<Insn>& out, LayerReport& r) {
  const Value& x = c.value(n.inputs[0]);
  const Value& y = c.value(n.output);
  const AveragePool a = average_pool_of(c, n);
  const std::int64_t C = c.arch.cols();
  const std::int64_t ohb = average_pool_block(c, a);
  const std::int64_t in_rows = a.h.span(ohb);
  const std::int64_t buf = average_pool_buffer(a, ohb);
  const std::uint64_t x_off = c.offset[static_cast<std::size_t>(n.inputs[0])];
  const std::uint64_t y_off = c.offset[static_cast<std::size_t>(n.output)];
  std::vector<StepCode> steps;
  for (std::int64_t img = 0; img < a.n; ++img) {
    for (std::int64_t ct = 0; ct * C < a.c; ++ct) {
      const std::int64_t lanes = std::min(C, a.c - ct * C);
      for (std::int64_t oh0 = 0; oh0 < a.h.o; oh0 += ohb) {
        const std::int64_t oh1 = std::min(oh0 + ohb, a.h.o), rows = oh1 - oh0;
        const std::int64_t in = static_cast<std::int64_t>(steps.size() % 2) * buf, res = in + in_rows * a.w.n;
        const std::int64_t zero_row = res + ohb * a.w.o;
        const auto [ih0, ih1] = a.h.inputs(oh0, oh1);
        StepCode s;
        s.compute.push_back(
            spec::encode(acc_load(in, x_off + static_cast<std::uint64_t>(((img * a.h.n + ih0) * a.w.n) * a.c + ct * C),
                                  x.dtype, ih1 - ih0, a.w.n, lanes, a.c, a.w.n * a.c)));
        // The outputs (oh, ow) of this block are acc rows res + (oh - oh0) * ow_count + ow.
        auto over = [&](spec::VecOp op, std::int64_t oh_a, std::int64_t oh_b, std::int64_t ow_a, std::int64_t ow_b) {
          spec::VecFields v = vec(op, res + (oh_a - oh0) * a.w.o + ow_a, 0, ow_b - ow_a);
          v.outer = u32(oh_b - oh_a);
          v.dst_stride_outer = u32(a.w.o);
          return v;
        };
        s.compute.push_back(spec::encode(vec(spec::VecOp::kCopy, zero_row, in, 1)));
        spec::VecFields zero = vec(spec::VecOp::kClip, zero_row, 0, 1);  // +0.0 is the int32 0
        zero.imm_a = zero.imm_b = 0;
        s.compute.push_back(spec::encode(zero));
        spec::VecFields clear = over(spec::VecOp::kCopy, oh0, oh1, 0, a.w.o);
        clear.src_addr = u32(zero_row);  // src strides 0: every output copies the zero row
        s.compute.push_back(spec::encode(clear));
        for (std::int64_t ky = 0; ky < a.h.k; ++ky) {
          auto [oh_a, oh_b] = a.h.outputs_of_tap(ky);
          oh_a = std::max(oh_a, oh0);
          oh_b = std::min(oh_b, oh1);
          if (oh_a >= oh_b) continue;
          for (std::int64_t kx = 0; kx < a.w.k; ++kx) {
            const auto [ow_a, ow_b] = a.w.outputs_of_tap(kx);
            if (ow_a >= ow_b) continue;
            spec::VecFields v = over(spec::VecOp::kFmac, oh_a, oh_b, ow_a, ow_b);
            v.src_addr = u32(in + (oh_a * a.h.s - a.h.p + ky - ih0) * a.w.n + ow_a * a.w.s - a.w.p + kx);
            v.src_stride_outer = u32(a.h.s * a.w.n);
            v.src_stride_inner = u32(a.w.s);
            v.imm_a = x.zero_point;
            v.imm_b = quant::scale_bits(x.scale);
            s.compute.push_back(spec::encode(v));
          }
        }
        const std::int64_t kernel_size = a.h.k * a.w.k;
        for (const auto& hr : runs(oh0, oh1, [&](std::int64_t i) { return a.count_include_pad ? 1 : a.h.taps(i); })) {
          for (const auto& wr :
               runs(0, a.w.o, [&](std::int64_t i) { return a.count_include_pad ? kernel_size : a.w.taps(i); })) {
            spec::VecFields v = over(spec::VecOp::kFdiv, hr[0], hr[1], wr[0], wr[1]);
            v.imm_b = quant::scale_bits(static_cast<float>(hr[2] * wr[2]));
            s.compute.push_back(spec::encode(v));
          }
        }
        spec::VecFields q = over(spec::VecOp::kFquant, oh0, oh1, 0, a.w.o);
        q.imm_a = y.zero_point;
        q.imm_b = quant::scale_bits(y.scale);
        s.compute.push_back(spec::encode(q));
        s.store.push_back(
            spec::encode(store(y, res, y_off + static_cast<std::uint64_t>(((img * a.h.o + oh0) * a.w.o) * a.c + ct * C),
                               rows, a.w.o, lanes, a.c, a.w.o * a.c, clamp_of(n, y))));
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

// Why the global form cannot run on the accelerator, or nullopt.
std::optional<std::string> global_unsupported(const Ctx& c, const Value& x) {
  if (x.shape.size() != 4) return "not a 2-D pool";
  const std::int64_t hw = x.shape[2] * x.shape[3];
  if (2 * hw + spec::kRequantParamRows > c.arch.acc_rows() || hw > 65535) {
    return "the spatial plane does not fit the accumulator";
  }
  if (static_cast<double>(hw) * 255 > 2e9) return "sum may overflow";
  return std::nullopt;
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
    case OpKind::kAveragePool: {
      if (is_whole_input_average(x, n)) return global_unsupported(c, x);
      if (x.shape.size() != 4) return "not a 2-D pool";
      if (attr(n, "dilations", 0, 1) != 1 || attr(n, "dilations", 1, 1) != 1) {
        return "dilated windows (ONNX Runtime's QLinearAveragePool has none)";
      }
      const AveragePool a = average_pool_of(c, n);
      for (const PoolAxis& axis : {a.h, a.w}) {
        for (std::int64_t i = 0; i < axis.o; ++i) {
          if (axis.taps(i) < 1) return "a window with no input (ceil_mode past the padding)";
        }
      }
      if (average_pool_block(c, a) < 1) return "one output row does not fit the accumulator";
      if (a.w.o > 65535 || a.h.o > 65535) return "an output side above 65535";
      return std::nullopt;
    }
    case OpKind::kGlobalAveragePool: return global_unsupported(c, x);
    default: return "no accelerator lowering for " + std::string(op_name(n.op.kind));
  }
}

void emit_vec(Ctx& c, const Node& n, std::vector<Insn>& out, LayerReport& r) {
  switch (n.op.kind) {
    case OpKind::kMaxPool: emit_max_pool(c, n, out, r); break;
    case OpKind::kAveragePool:
      if (is_whole_input_average(c.value(n.inputs[0]), n)) {
        emit_global_average_pool(c, n, out, r);
      } else {
        emit_average_pool(c, n, out, r);
      }
      break;
    case OpKind::kGlobalAveragePool: emit_global_average_pool(c, n, out, r); break;
    default: throw InternalError("emit_vec: no lowering for " + std::string(op_name(n.op.kind)));
  }
}

}  // namespace systole::compiler::detail
