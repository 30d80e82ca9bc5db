// Residual add, max pool and global average pool on the vector unit.
//
// Operands are widened into the accumulator by compute-unit loads (int8 sign-extends, uint8 zero-extends) and
// combined row by row; the store requantizes. Add follows TFLite's integer scheme exactly as quant.hpp defines it:
// each input is shifted left by 20 (a requant by 2^30 with shift 21 is that exact shift) and rescaled, the two are
// summed, and the store applies the output multiplier.
#include <algorithm>

#include "compiler/lower_detail.hpp"
#include "sim/isa/error.hpp"
#include "sim/isa/quant.hpp"

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

spec::VecFields requant_rows(std::int64_t dst, std::int64_t params, std::int64_t inner) {
  spec::VecFields f = vec(spec::VecOp::kRequant, dst, params, inner);
  f.imm_a = quant::kInt32Min;
  f.imm_b = quant::kInt32Max;
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

// Rows per block for the add: two operands per buffer, two buffers, 12 parameter rows.
std::int64_t add_block(const Ctx& c) {
  return std::min<std::int64_t>((c.arch.acc_rows() - 12) / 4, 65535);
}

Window pool_window(const Ctx& c, const Node& n) {
  return window(n, c.value(n.inputs[0]), c.value(n.output), attr(n, "kernel", 0, 1), attr(n, "kernel", 1, 1));
}

// Output rows per max-pool block: input tile + output rows, double-buffered, 3 parameter rows.
std::int64_t pool_block(const Ctx& c, const Window& g) {
  for (std::int64_t ohb = g.oh; ohb >= 1; --ohb) {
    if (2 * (g.span(ohb) * g.wp + ohb * g.ow) + 3 <= c.arch.acc_rows() && ohb * g.ow <= 65535) return ohb;
  }
  return 0;
}

void emit_add(Ctx& c, const Node& n, std::vector<Insn>& out, LayerReport& r) {
  const Value& a = c.value(n.inputs[0]);
  const Value& b = c.value(n.inputs[1]);
  const Value& y = c.value(n.output);
  const std::int64_t C = c.arch.cols();
  const quant::AddMultipliers m = quant::add_multipliers(a.scale, b.scale, y.scale);
  const std::int64_t param = c.arch.acc_rows() - 12;
  // Parameter sets: exact <<20, input a, input b, output.
  std::vector<std::int32_t> rows;
  auto set = [&](std::int32_t mult, std::int32_t shift, std::int32_t zp) {
    for (std::int32_t v : {mult, shift, zp}) rows.insert(rows.end(), static_cast<std::size_t>(C), v);
  };
  set(std::int32_t{1} << 30, quant::kAddLeftShift + 1, 0);
  set(m.a.multiplier, m.a.shift, 0);
  set(m.b.multiplier, m.b.shift, 0);
  set(m.out.multiplier, m.out.shift, y.zero_point);
  const std::uint64_t params_at = c.add_const_i32(rows);
  const auto clamp = clamp_of(n, y);

  const std::int64_t elements = y.elements();
  const std::int64_t block = add_block(c);
  const std::uint64_t a_off = c.offset[static_cast<std::size_t>(n.inputs[0])];
  const std::uint64_t b_off = c.offset[static_cast<std::size_t>(n.inputs[1])];
  const std::uint64_t y_off = c.offset[static_cast<std::size_t>(n.output)];
  std::vector<StepCode> steps;
  // Full rows of C lanes in blocks, then the remainder as one row of fewer lanes.
  std::vector<std::array<std::int64_t, 3>> chunks;  // first element, rows, lanes
  for (std::int64_t e = 0; e + C <= elements; e += block * C) {
    chunks.push_back({e, std::min(block, (elements - e) / C), C});
  }
  if (elements % C) chunks.push_back({elements - elements % C, 1, elements % C});
  for (const auto& [e0, rws, lanes] : chunks) {
    const std::int64_t base = static_cast<std::int64_t>(steps.size() % 2) * 2 * block;
    const std::int64_t A = base, B = base + block;
    StepCode s;
    const auto e = static_cast<std::uint64_t>(e0);
    s.compute.push_back(spec::encode(acc_load(A, a_off + e, a.dtype, rws, 1, lanes, 0, C)));
    s.compute.push_back(spec::encode(acc_load(B, b_off + e, b.dtype, rws, 1, lanes, 0, C)));
    for (const auto& [dst, zp, set_row] :
         {std::tuple{A, a.zero_point, param + 3}, std::tuple{B, b.zero_point, param + 6}}) {
      spec::VecFields sub = vec(spec::VecOp::kAddi, dst, 0, rws);
      sub.imm_a = -zp;
      s.compute.push_back(spec::encode(sub));
      s.compute.push_back(spec::encode(requant_rows(dst, param, rws)));
      s.compute.push_back(spec::encode(requant_rows(dst, set_row, rws)));
    }
    spec::VecFields sum = vec(spec::VecOp::kAdd, A, B, rws);
    sum.src_stride_inner = 1;
    s.compute.push_back(spec::encode(sum));
    spec::StoreFields st = store(y, A, y_off + e, rws, 1, lanes, 0, C, clamp);
    st.requant = 1;
    st.param_addr = u32(param + 9);
    s.store.push_back(spec::encode(st));
    steps.push_back(std::move(s));
  }
  pipeline({}, {spec::encode(param_load(param, params_at, 12, C))}, std::move(steps), out, r);
}

void emit_max_pool(Ctx& c, const Node& n, std::vector<Insn>& out, LayerReport& r) {
  const Value& x = c.value(n.inputs[0]);
  const Value& y = c.value(n.output);
  const Window g = pool_window(c, n);
  const std::int64_t C = c.arch.cols();
  const std::int64_t ohb = pool_block(c, g);
  const std::int64_t span_max = g.span(ohb);
  const std::int64_t buf = span_max * g.wp + ohb * g.ow;
  const bool requant = x.scale != y.scale || x.zero_point != y.zero_point;
  const std::int64_t param = c.arch.acc_rows() - 3;
  const std::uint64_t params_at = c.add_const_i32(param_rows(
      std::vector<double>(static_cast<std::size_t>(C), static_cast<double>(x.scale) / y.scale), y.zero_point, C));
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
        if (requant) {
          spec::VecFields sub = vec(spec::VecOp::kAddi, res, 0, rows * g.ow);
          sub.imm_a = -x.zero_point;
          s.compute.push_back(spec::encode(sub));
        }
        spec::StoreFields st =
            store(y, res, y_off + static_cast<std::uint64_t>(((img * g.oh + oh0) * g.ow) * g.c + ct * C), rows, g.ow,
                  lanes, g.c, g.ow * g.c, {dtype_min(y.dtype), dtype_max(y.dtype)});
        st.requant = requant ? 1 : 0;
        st.param_addr = requant ? u32(param) : 0;
        s.store.push_back(spec::encode(st));
        steps.push_back(std::move(s));
      }
    }
  }
  pipeline({}, {spec::encode(param_load(param, params_at, 3, C))}, std::move(steps), out, r);
}

void emit_global_average_pool(Ctx& c, const Node& n, std::vector<Insn>& out, LayerReport& r) {
  const Value& x = c.value(n.inputs[0]);
  const Value& y = c.value(n.output);
  const std::int64_t C = c.arch.cols();
  const std::int64_t N = x.shape[0], ch = x.shape[1], hw = x.shape[2] * x.shape[3];
  const std::int64_t param = c.arch.acc_rows() - 3;
  // As the reference kernel computes it: sx / (sy * count) in double.
  const double real = static_cast<double>(x.scale) / (static_cast<double>(y.scale) * static_cast<double>(hw));
  const std::uint64_t params_at =
      c.add_const_i32(param_rows(std::vector<double>(static_cast<std::size_t>(C), real), y.zero_point, C));
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
  pipeline({}, {spec::encode(param_load(param, params_at, 3, C))}, std::move(steps), out, r);
}

}  // namespace

std::optional<std::string> vec_unsupported(const Ctx& c, const Node& n) {
  const Value& x = c.value(n.inputs[0]);
  const Value& y = c.value(n.output);
  if (!is_8bit(x) || !is_8bit(y)) return "operands are not 8-bit";
  switch (n.op.kind) {
    case OpKind::kAdd: {
      const Value& b = c.value(n.inputs[1]);
      if (!is_8bit(b)) return "operands are not 8-bit";
      if (x.shape != y.shape || b.shape != y.shape) return "broadcasting add";
      if (x.is_const || b.is_const) return "constant operand";
      if (add_block(c) < 1) return "accumulator too small";
      return std::nullopt;
    }
    case OpKind::kMaxPool: {
      if (x.shape.size() != 4) return "not a 2-D pool";
      if (attr(n, "ceil_mode", 0, 0) != 0) return "ceil_mode";
      const Window g = pool_window(c, n);
      if (const auto why = g.unsupported()) return why;
      if (pool_block(c, g) < 1) return "one output row does not fit the accumulator";
      return std::nullopt;
    }
    case OpKind::kGlobalAveragePool: {
      if (x.shape.size() != 4) return "not a 2-D pool";
      const std::int64_t hw = x.shape[2] * x.shape[3];
      if (2 * hw + 3 > c.arch.acc_rows() || hw > 65535) return "the spatial plane does not fit the accumulator";
      if (static_cast<double>(hw) * 255 > 2e9) return "sum may overflow";
      return std::nullopt;
    }
    default: return "no accelerator lowering for " + std::string(op_name(n.op.kind));
  }
}

void emit_vec(Ctx& c, const Node& n, std::vector<Insn>& out, LayerReport& r) {
  switch (n.op.kind) {
    case OpKind::kAdd: emit_add(c, n, out, r); break;
    case OpKind::kMaxPool: emit_max_pool(c, n, out, r); break;
    case OpKind::kGlobalAveragePool: emit_global_average_pool(c, n, out, r); break;
    default: throw InternalError("emit_vec: no lowering for " + std::string(op_name(n.op.kind)));
  }
}

}  // namespace systole::compiler::detail
