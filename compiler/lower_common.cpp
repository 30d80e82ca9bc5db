#include <algorithm>

#include "compiler/lower_detail.hpp"
#include "sim/isa/quant.hpp"

namespace systole::compiler::detail {
namespace {

// Header bit positions of the token flags (hw/spec/isa.toml).
constexpr int kPopPrev = 4, kPopNext = 5, kPushPrev = 6, kPushNext = 7;

void flag(Insn& insn, int bit) {
  spec::set_bits(insn, bit, 1, 1);
}

}  // namespace

void pipeline(std::vector<Insn> prologue_load, std::vector<Insn> prologue_compute, std::vector<StepCode> steps,
              std::vector<Insn>& out, LayerReport& r) {
  const std::size_t n = steps.size();
  const bool uses_load = std::any_of(steps.begin(), steps.end(), [](const StepCode& s) { return !s.load.empty(); });
  for (std::size_t i = 0; i < n; ++i) {
    StepCode& s = steps[i];
    const bool reuse = i >= 2;       // buffer i % 2 was used by step i - 2
    const bool handoff = i + 2 < n;  // step i + 2 will reuse this step's buffers
    if (uses_load) {
      if (reuse) flag(s.load.front(), kPopNext);  // compute has released the input buffer
      flag(s.load.back(), kPushNext);             // input tile in place
      flag(s.compute.front(), kPopPrev);
      if (handoff) flag(s.compute.back(), kPushPrev);
    }
    if (reuse) flag(s.compute.front(), kPopNext);  // store has drained the accumulator buffer
    flag(s.compute.back(), kPushNext);             // results ready
    flag(s.store.front(), kPopPrev);
    if (handoff) flag(s.store.back(), kPushPrev);
  }
  r.blocks += n;
  auto append = [&out](const std::vector<Insn>& v) { out.insert(out.end(), v.begin(), v.end()); };
  append(prologue_load);
  append(prologue_compute);
  for (std::size_t i = 0; i < n; ++i) {
    if (i == 0) append(steps[0].load);
    if (i + 1 < n) append(steps[i + 1].load);  // prefetch: the next block's DMA overlaps this block's compute
    append(steps[i].compute);
    append(steps[i].store);
  }
}

std::int64_t attr(const Node& n, const char* key, std::size_t i, std::int64_t fallback) {
  const auto it = n.op.ints.find(key);
  return it == n.op.ints.end() || it->second.size() <= i ? fallback : it->second[i];
}

Window window(const Node& n, const Value& x, const Value& y, std::int64_t kh, std::int64_t kw) {
  Window g;
  g.n = x.shape[0];
  g.c = x.shape[1];
  g.h = x.shape[2];
  g.w = x.shape[3];
  g.oh = y.shape[2];
  g.ow = y.shape[3];
  g.kh = kh;
  g.kw = kw;
  g.sh = attr(n, "strides", 0, 1);
  g.sw = attr(n, "strides", 1, 1);
  g.dh = attr(n, "dilations", 0, 1);
  g.dw = attr(n, "dilations", 1, 1);
  g.pt = attr(n, "pads", 0, 0);
  g.pl = attr(n, "pads", 1, 0);
  g.pb = attr(n, "pads", 2, 0);
  g.pr = attr(n, "pads", 3, 0);
  g.wp = (g.ow - 1) * g.sw + (g.kw - 1) * g.dw + 1;
  g.x_size = std::min(g.w, g.wp - g.pl);
  g.pad_right = g.wp - g.pl - g.x_size;
  return g;
}

std::optional<std::string> Window::unsupported() const {
  const std::int64_t ext_h = (kh - 1) * dh + 1, ext_w = (kw - 1) * dw + 1;
  if (pt >= ext_h || pb >= ext_h || pl >= ext_w || pr >= ext_w) return "padding as large as the kernel";
  if (std::max({pt, pl, pad_right}) > 255) return "padding above 255";
  if (x_size < 1) return "degenerate width geometry";
  return std::nullopt;
}

spec::LoadFields Window::tile_load(std::int64_t img, std::int64_t oh0, std::int64_t rows, std::int64_t c0,
                                   std::uint64_t x_offset) const {
  const std::int64_t rows_in = span(rows);
  const std::int64_t ih0 = oh0 * sh - pt;  // first input row of the tile (negative: in the top padding)
  const std::int64_t first = std::max<std::int64_t>(0, ih0);
  const std::int64_t valid = std::min(h, ih0 + rows_in) - first;
  spec::LoadFields f;
  f.region = spec::Region::kAct;
  f.dram_offset = x_offset + static_cast<std::uint64_t>(((img * h + first) * w) * c + c0);
  f.y_size = static_cast<std::uint32_t>(valid);
  f.x_size = static_cast<std::uint32_t>(x_size);
  f.x_stride = static_cast<std::uint32_t>(c);
  f.y_stride = static_cast<std::uint32_t>(w * c);
  f.pad_top = static_cast<std::uint32_t>(first - ih0);
  f.pad_bottom = static_cast<std::uint32_t>(rows_in - (first - ih0) - valid);
  f.pad_left = static_cast<std::uint32_t>(pl);
  f.pad_right = static_cast<std::uint32_t>(pad_right);
  return f;
}

spec::LoadFields param_load(std::int64_t sram, std::uint64_t at, std::int64_t rows, std::int64_t cols) {
  spec::LoadFields f;
  f.mem = spec::Mem::kAcc;
  f.region = spec::Region::kConst;
  f.dtype = spec::Dtype::kInt32;
  f.sram_addr = static_cast<std::uint32_t>(sram);
  f.dram_offset = at;
  f.y_size = static_cast<std::uint32_t>(rows);
  f.x_size = 1;
  f.lanes = static_cast<std::uint32_t>(cols);
  f.y_stride = static_cast<std::uint32_t>(4 * cols);
  return f;
}

std::int32_t inp_domain(std::int32_t v, DType t) {
  return t == DType::kUint8 ? v - 128 : v;
}

spec::Dtype isa_dtype(DType t) {
  return t == DType::kInt8 ? spec::Dtype::kInt8 : t == DType::kUint8 ? spec::Dtype::kUint8 : spec::Dtype::kInt32;
}

std::pair<std::int32_t, std::int32_t> clamp_of(const Node& n, const Value& out) {
  std::int32_t lo = dtype_min(out.dtype), hi = dtype_max(out.dtype);
  const auto it = n.op.ints.find("clip");
  if (it != n.op.ints.end() && it->second.size() == 2) {
    lo = std::max<std::int32_t>(lo, static_cast<std::int32_t>(it->second[0]));
    hi = std::min<std::int32_t>(hi, static_cast<std::int32_t>(it->second[1]));
  }
  return {lo, hi};
}

std::vector<std::int32_t> param_rows(const std::vector<float>& scales, std::int32_t zero_point, std::int64_t cols) {
  static_assert(spec::kRequantParamRows == 2, "param_rows writes a scale row and a zero-point row");
  std::vector<std::int32_t> rows(static_cast<std::size_t>(spec::kRequantParamRows * cols), 0);
  for (std::size_t c = 0; c < scales.size() && c < static_cast<std::size_t>(cols); ++c) {
    rows[c] = quant::scale_bits(scales[c]);
    rows[static_cast<std::size_t>(cols) + c] = zero_point;
  }
  return rows;
}

std::uint64_t Ctx::add_const(const std::vector<std::uint8_t>& bytes) {
  auto& blob = program.constants;
  blob.resize((blob.size() + 63) / 64 * 64, 0);
  const std::uint64_t at = blob.size();
  blob.insert(blob.end(), bytes.begin(), bytes.end());
  return at;
}

std::uint64_t Ctx::add_const_i32(const std::vector<std::int32_t>& values) {
  std::vector<std::uint8_t> bytes(values.size() * 4);
  for (std::size_t i = 0; i < values.size(); ++i) {
    const auto u = static_cast<std::uint32_t>(values[i]);
    for (int b = 0; b < 4; ++b) bytes[4 * i + static_cast<std::size_t>(b)] = static_cast<std::uint8_t>(u >> (8 * b));
  }
  return add_const(bytes);
}

}  // namespace systole::compiler::detail
