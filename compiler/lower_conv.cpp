// Conv and gemm on the systolic array.
//
// A gemm a[M, K] x b -> [M, N] is the 1x1 conv of the NHWC image [1, M, 1, K]: the same bytes, so one lowering
// serves both. Weights become rows x cols tiles (input channels x output channels) per kernel position, laid out
// in the const region tile after tile; grouped and depthwise convs are the dense conv with zeros across groups,
// and all-zero tiles are skipped. The input zero point is folded into the bias (bias - zx * sum w) and the DMA
// pads with it, so padded taps contribute nothing.
#include <algorithm>
#include <cmath>

#include "compiler/lower_detail.hpp"
#include "sim/isa/quant.hpp"
#include "systole/error.hpp"

namespace systole::compiler::detail {
namespace {

// Conv geometry: the window (input channels are its c) plus output channels and groups.
struct Geom : Window {
  std::int64_t cout = 1, group = 1;
};

// The weights as a dense [cout][cin][kh][kw] int8 array, zero across groups: built once per layer so the tile
// scans below are plain array reads (ResNet-50 has 25 M weights).
struct Dense {
  std::int64_t cin = 0, kh = 1, kw = 1;
  std::vector<std::int8_t> w;
  std::int32_t at(std::int64_t oc, std::int64_t ic, std::int64_t ky, std::int64_t kx) const {
    return w[static_cast<std::size_t>(((oc * cin + ic) * kh + ky) * kw + kx)];
  }
};

struct Plan {
  std::string why;  // non-empty: cannot run on the accelerator
  Dense dense;      // the weights, dense
  Geom g;
  std::int64_t kt_count = 0, nt_count = 0;
  std::vector<std::array<std::int64_t, 4>> tiles;  // (nt, kt, ky, kx) of every non-zero weight tile, nt-major
  std::int64_t group = 1;  // output-channel tiles per group: their weights resident while the group's pipeline runs
  std::int64_t ohb = 0;    // output rows per block
};

bool is_gemm(const Node& n) {
  return n.op.kind == OpKind::kGemm;
}

Plan reject(std::string why) {
  Plan p;
  p.why = std::move(why);
  return p;
}

Dense dense_weights(const Ctx& c, const Node& n, const Geom& g) {
  const Value& v = c.value(n.inputs[1]);
  Dense d{g.c, g.kh, g.kw, std::vector<std::int8_t>(static_cast<std::size_t>(g.cout * g.c * g.kh * g.kw), 0)};
  const bool tb = is_gemm(n) && attr(n, "trans_b", 0, 0) != 0;
  const auto flat = is_gemm(n) ? c.nhwc_flat[static_cast<std::size_t>(n.inputs[0])] : std::array<std::int64_t, 3>{};
  const std::int64_t cin_g = g.c / g.group, cout_g = g.cout / g.group, taps = g.kh * g.kw;
  for (std::int64_t oc = 0; oc < g.cout; ++oc) {
    for (std::int64_t icg = 0; icg < cin_g; ++icg) {
      const std::int64_t ic = (oc / cout_g) * cin_g + icg;
      for (std::int64_t t = 0; t < taps; ++t) {
        const std::int64_t src = is_gemm(n) ? (tb ? oc * g.c + ic : ic * g.cout + oc) : (oc * cin_g + icg) * taps + t;
        // An input flattened from NHWC keeps NHWC byte order: logical k = c*H*W + h*W + w sits at (h*W + w)*C + c.
        const std::int64_t row = flat[0] ? (ic % (flat[1] * flat[2])) * flat[0] + ic / (flat[1] * flat[2]) : ic;
        d.w[static_cast<std::size_t>((oc * g.c + row) * taps + t)] =
            static_cast<std::int8_t>(v.data[static_cast<std::size_t>(src)]);
      }
    }
  }
  return d;
}

float weight_scale(const Value& w, std::int64_t oc) {
  return w.channel_scale.empty() ? w.scale : w.channel_scale[static_cast<std::size_t>(oc)];
}

// Accumulator rows of parameters per output-channel tile: the folded bias, then the requant rows.
constexpr std::int64_t kParamRowsPerTile = 1 + spec::kRequantParamRows;

Plan plan(const Ctx& c, const Node& n) {
  Plan p;
  const Value& x = c.value(n.inputs[0]);
  const Value& w = c.value(n.inputs[1]);
  const Value& y = c.value(n.output);
  Geom& g = p.g;
  if (x.dtype != DType::kInt8 && x.dtype != DType::kUint8)
    return reject("input is " + std::string(dtype_name(x.dtype)) + ", not 8-bit");
  if (y.dtype != DType::kInt8 && y.dtype != DType::kUint8)
    return reject("output is " + std::string(dtype_name(y.dtype)) + ", not 8-bit");
  if (!w.is_const) return reject("weights are not constant");
  if (w.dtype != DType::kInt8)
    return reject("weights are " + std::string(dtype_name(w.dtype)) + "; the array takes int8");
  for (auto z : w.channel_zero_point) {
    if (z != 0) return reject("weights are not symmetric (zero point " + std::to_string(z) + ")");
  }
  if (w.channel_zero_point.empty() && w.zero_point != 0)
    return reject("weights are not symmetric (zero point " + std::to_string(w.zero_point) + ")");
  if (is_gemm(n)) {
    if (attr(n, "trans_a", 0, 0) != 0) return reject("trans_a is not supported on the accelerator");
    if (x.shape.size() != 2 || w.shape.size() != 2) return reject("gemm operands are not 2-D");
    const bool tb = attr(n, "trans_b", 0, 0) != 0;
    g.h = x.shape[0];
    g.c = x.shape[1];
    g.cout = tb ? w.shape[0] : w.shape[1];
    g.oh = g.h;
  } else {
    if (x.shape.size() != 4 || w.shape.size() != 4) return reject("conv is not 2-D");
    static_cast<Window&>(g) = window(n, x, y, w.shape[2], w.shape[3]);
    g.cout = w.shape[0];
    g.group = attr(n, "group", 0, 1);
    if (const auto why = g.unsupported()) return reject(*why);
  }
  const std::int64_t R = c.arch.rows(), C = c.arch.cols();
  p.kt_count = (g.c + R - 1) / R;
  p.nt_count = (g.cout + C - 1) / C;
  p.dense = dense_weights(c, n, g);
  const Dense& dw = p.dense;
  for (std::int64_t nt = 0; nt < p.nt_count; ++nt) {
    for (std::int64_t kt = 0; kt < p.kt_count; ++kt) {
      for (std::int64_t ky = 0; ky < g.kh; ++ky) {
        for (std::int64_t kx = 0; kx < g.kw; ++kx) {
          bool any = false;
          for (std::int64_t oc = nt * C; oc < std::min(g.cout, (nt + 1) * C) && !any; ++oc) {
            for (std::int64_t ic = kt * R; ic < std::min(g.c, (kt + 1) * R) && !any; ++ic) {
              any = dw.at(oc, ic, ky, kx) != 0;
            }
          }
          if (any) p.tiles.push_back({nt, kt, ky, kx});
        }
      }
    }
  }
  std::int64_t max_nt_tiles = 0;
  for (std::int64_t nt = 0; nt < p.nt_count; ++nt) {
    max_nt_tiles = std::max<std::int64_t>(
        max_nt_tiles, std::count_if(p.tiles.begin(), p.tiles.end(), [nt](const auto& t) { return t[0] == nt; }));
  }
  // Output-channel tiles go in groups whose weights fit the weight buffer together (one group: the layer's weights
  // are resident); each group is one pipeline over every output-row block, so the input is loaded once per group.
  // The largest group whose accumulators (double-buffered) fit with some block of output rows; then the largest
  // block for it.
  const std::int64_t wgt_tiles = c.arch.wgt_rows() / R;
  if (max_nt_tiles > wgt_tiles) return reject("one output-channel tile's weights exceed the weight buffer");
  const bool resident = static_cast<std::int64_t>(p.tiles.size()) <= wgt_tiles;
  const std::int64_t params = kParamRowsPerTile * p.nt_count;
  const std::int64_t most =
      resident ? p.nt_count : std::min(p.nt_count, wgt_tiles / std::max<std::int64_t>(max_nt_tiles, 1));
  for (std::int64_t group = most; group >= 1 && p.ohb == 0; --group) {
    for (std::int64_t ohb = g.oh; ohb >= 1; --ohb) {
      const std::int64_t span = g.span(ohb);
      const bool inp_fits = 2 * p.kt_count * span * g.wp <= c.arch.inp_rows();
      const bool acc_fits = 2 * group * ohb * g.ow + params <= c.arch.acc_rows();
      const bool loops_fit = ohb * g.ow <= 65535 && span <= 65535;
      if (inp_fits && acc_fits && loops_fit) {
        p.group = group;
        p.ohb = ohb;
        break;
      }
    }
  }
  if (p.ohb == 0) return reject("one output row does not fit the scratchpad and accumulator (no width tiling yet)");
  return p;
}

}  // namespace

std::optional<std::string> conv_unsupported(const Ctx& c, const Node& n) {
  Plan p = plan(c, n);
  return p.why.empty() ? std::nullopt : std::optional<std::string>(p.why);
}

void emit_conv(Ctx& c, const Node& n, std::vector<Insn>& out, LayerReport& r) {
  const Plan p = plan(c, n);
  if (!p.why.empty()) throw InternalError("emit_conv on an unsupported node: " + p.why);
  const Geom& g = p.g;
  const Dense& dw = p.dense;
  const Value& x = c.value(n.inputs[0]);
  const Value& w = c.value(n.inputs[1]);
  const Value& y = c.value(n.output);
  const std::int64_t R = c.arch.rows(), C = c.arch.cols();
  const std::int32_t zx = inp_domain(x.zero_point, x.dtype);

  // Weight tiles, tile after tile: row r = input channel kt*R + r, lane = output channel nt*C + lane.
  std::vector<std::uint8_t> tiles(p.tiles.size() * static_cast<std::size_t>(R * C), 0);
  for (std::size_t t = 0; t < p.tiles.size(); ++t) {
    const auto [nt, kt, ky, kx] = p.tiles[t];
    for (std::int64_t rr = 0; rr < R && kt * R + rr < g.c; ++rr) {
      for (std::int64_t cc = 0; cc < C && nt * C + cc < g.cout; ++cc) {
        tiles[t * static_cast<std::size_t>(R * C) + static_cast<std::size_t>(rr * C + cc)] =
            static_cast<std::uint8_t>(dw.at(nt * C + cc, kt * R + rr, ky, kx));
      }
    }
  }
  const std::uint64_t tiles_at = c.add_const(tiles);

  // Parameter rows per output tile: folded bias, then the requant rows (fp32 scales, zero points).
  std::vector<std::int32_t> params;
  const float alpha = is_gemm(n) && n.op.floats.count("alpha") ? static_cast<float>(n.op.floats.at("alpha")[0]) : 1.0f;
  for (std::int64_t nt = 0; nt < p.nt_count; ++nt) {
    std::vector<std::int32_t> bias(static_cast<std::size_t>(C), 0);
    std::vector<float> scales;
    for (std::int64_t cc = 0; cc < C && nt * C + cc < g.cout; ++cc) {
      const std::int64_t oc = nt * C + cc;
      std::int64_t sum_w = 0;
      for (std::int64_t ic = 0; ic < g.c; ++ic) {
        for (std::int64_t ky = 0; ky < g.kh; ++ky) {
          for (std::int64_t kx = 0; kx < g.kw; ++kx) sum_w += dw.at(oc, ic, ky, kx);
        }
      }
      const std::int64_t b =
          n.inputs.size() > 2 && n.inputs[2] >= 0 ? c.value(n.inputs[2]).data[static_cast<std::size_t>(oc)] : 0;
      bias[static_cast<std::size_t>(cc)] = static_cast<std::int32_t>(b - zx * sum_w);
      // As ONNX Runtime forms it, in float32 (quant.hpp).
      scales.push_back(quant::requant_scale(is_gemm(n) ? alpha * x.scale : x.scale, weight_scale(w, oc), y.scale));
    }
    params.insert(params.end(), bias.begin(), bias.end());
    const auto rows = param_rows(scales, y.zero_point, C);
    params.insert(params.end(), rows.begin(), rows.end());
  }
  const std::uint64_t params_at = c.add_const_i32(params);
  const auto [lo, hi] = clamp_of(n, y);

  const std::int64_t param_row = c.arch.acc_rows() - kParamRowsPerTile * p.nt_count;
  const std::int64_t tile_rows = g.span(p.ohb) * g.wp;
  const std::int64_t inp_buf = p.kt_count * tile_rows;
  const std::int64_t acc_buf = p.group * p.ohb * g.ow;
  const std::int64_t x_off = static_cast<std::int64_t>(c.offset[static_cast<std::size_t>(n.inputs[0])]);
  const std::int64_t y_off = static_cast<std::int64_t>(c.offset[static_cast<std::size_t>(n.output)]);
  auto u32 = [](std::int64_t v) { return static_cast<std::uint32_t>(v); };

  const spec::LoadFields load_params = param_load(param_row, params_at, kParamRowsPerTile * p.nt_count, C);

  // Output-channel tiles in groups of p.group (consecutive, so each group's weight tiles are contiguous): one
  // pipeline per group.
  std::vector<std::vector<std::int64_t>> groups;
  for (std::int64_t nt = 0; nt < p.nt_count; ++nt) {
    if (nt % p.group == 0) groups.emplace_back();
    groups.back().push_back(nt);
  }
  for (std::size_t gi = 0; gi < groups.size(); ++gi) {
    const auto& nts = groups[gi];
    // Weight tiles of this group, contiguous in the weight buffer from row 0.
    std::vector<Insn> pro_load;
    std::vector<std::int64_t> tile_row(p.tiles.size(), -1);
    std::int64_t next_row = 0;
    for (std::size_t t = 0; t < p.tiles.size(); ++t) {
      if (std::find(nts.begin(), nts.end(), p.tiles[t][0]) == nts.end()) continue;
      tile_row[t] = next_row;
      next_row += R;
    }
    if (next_row > 0) {
      // Tiles of a group are contiguous in the const region: one DMA brings them all.
      std::size_t first = 0;
      while (tile_row[first] < 0) ++first;
      spec::LoadFields f;
      f.mem = spec::Mem::kWgt;
      f.region = spec::Region::kConst;
      f.dram_offset = tiles_at + first * static_cast<std::uint64_t>(R * C);
      f.y_size = u32(next_row);
      f.x_size = 1;
      f.lanes = u32(C);
      f.y_stride = u32(C);
      pro_load.push_back(spec::encode(f));
    }
    std::vector<StepCode> steps;
    for (std::int64_t img = 0; img < g.n; ++img) {
      for (std::int64_t oh0 = 0; oh0 < g.oh; oh0 += p.ohb) {
        const std::int64_t rows = std::min(p.ohb, g.oh - oh0);
        const std::int64_t b = static_cast<std::int64_t>(steps.size() % 2);
        StepCode s;
        for (std::int64_t kt = 0; kt < p.kt_count; ++kt) {
          spec::LoadFields f = g.tile_load(img, oh0, rows, kt * R, static_cast<std::uint64_t>(x_off));
          f.mem = spec::Mem::kInp;
          f.dtype = isa_dtype(x.dtype);
          f.pad_value = zx;
          f.sram_addr = u32(b * inp_buf + kt * tile_rows);
          f.lanes = u32(std::min(R, g.c - kt * R));
          s.load.push_back(spec::encode(f));
        }
        for (std::size_t k = 0; k < nts.size(); ++k) {
          const std::int64_t nt = nts[k];
          const std::int64_t acc = b * acc_buf + static_cast<std::int64_t>(k) * p.ohb * g.ow;
          spec::VecFields init;
          init.op = spec::VecOp::kCopy;
          init.dst_addr = u32(acc);
          init.src_addr = u32(param_row + kParamRowsPerTile * nt);
          init.outer = 1;
          init.inner = u32(rows * g.ow);
          init.dst_stride_inner = 1;
          s.compute.push_back(spec::encode(init));
          for (std::size_t t = 0; t < p.tiles.size(); ++t) {
            if (p.tiles[t][0] != nt) continue;
            const auto [tnt, kt, ky, kx] = p.tiles[t];
            spec::GemmFields f;
            f.accumulate = 1;
            f.wgt_addr = u32(tile_row[t]);
            f.inp_addr = u32(b * inp_buf + kt * tile_rows + ky * g.dh * g.wp + kx * g.dw);
            f.acc_addr = u32(acc);
            f.outer = u32(rows);
            f.inner = u32(g.ow);
            f.inp_stride_outer = u32(g.sh * g.wp);
            f.inp_stride_inner = u32(g.sw);
            f.acc_stride_outer = u32(g.ow);
            f.acc_stride_inner = 1;
            s.compute.push_back(spec::encode(f));
            r.array_macs += static_cast<std::uint64_t>(rows * g.ow * R * C);
          }
          spec::StoreFields st;
          st.region = spec::Region::kAct;
          st.dtype = isa_dtype(y.dtype);
          st.requant = 1;
          st.sram_addr = u32(acc);
          st.param_addr = u32(param_row + kParamRowsPerTile * nt + 1);
          st.dram_offset = static_cast<std::uint64_t>(y_off + ((img * g.oh + oh0) * g.ow) * g.cout + nt * C);
          st.y_size = u32(rows);
          st.x_size = u32(g.ow);
          st.lanes = u32(std::min(C, g.cout - nt * C));
          st.x_stride = u32(g.cout);
          st.y_stride = u32(g.ow * g.cout);
          st.clamp_min = lo;
          st.clamp_max = hi;
          s.store.push_back(spec::encode(st));
        }
        steps.push_back(std::move(s));
      }
    }
    if (gi > 0) out.push_back(spec::encode(spec::SyncFields{}));  // the next group reuses the weight buffer
    pipeline(std::move(pro_load), {spec::encode(load_params)}, std::move(steps), out, r);
  }
  r.tiles = p.tiles.size();
  r.macs = static_cast<std::uint64_t>(g.n * g.oh * g.ow * g.cout * (g.c / g.group) * g.kh * g.kw);
}

}  // namespace systole::compiler::detail
