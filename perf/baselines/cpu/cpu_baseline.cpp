#include "perf/baselines/cpu/cpu_baseline.hpp"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <limits>
#include <oneapi/dnnl/dnnl.hpp>
#include <optional>

#include "compiler/interpret.hpp"
#include "perf/baselines/cpu/vnni_kernels.hpp"
#include "runtime/host_kernels.hpp"
#include "sim/isa/quant.hpp"
#include "sim/ref/ref_detail.hpp"
#include "systole/error.hpp"

namespace systole::cpu {
namespace {

using dnnl::memory;
using Tag = memory::format_tag;
using Dt = memory::data_type;

struct Range {
  std::int32_t lo = 0;
  std::int32_t hi = 0;
};

Range type_range(DType t) {
  return {dtype_min(t), dtype_max(t)};
}

// The output clamp of a node: the type's range, narrowed by a fused clip ({lo, hi}, ref::clip's rule
// min(hi, max(y, lo)) applied after the requantization).
struct Epilogue {
  std::vector<float> scale;  // per output channel (one entry: per tensor)
  std::int32_t zero_point = 0;
  Range type;
  std::optional<Range> clip;

  std::int32_t apply(std::int64_t acc, std::size_t channel) const {
    const float s = scale.size() > 1 ? scale[channel] : scale[0];
    std::int32_t y = quant::requantize(static_cast<std::int32_t>(acc), s, zero_point, type.lo, type.hi);
    if (clip) y = std::min(clip->hi, std::max(y, clip->lo));
    return y;
  }
};

std::optional<Range> fused_clip(const OpDesc& op) {
  const auto it = op.ints.find("clip");
  if (it == op.ints.end() || it->second.size() != 2) return std::nullopt;
  return Range{static_cast<std::int32_t>(it->second[0]), static_cast<std::int32_t>(it->second[1])};
}

// A constant 8-bit weight as int8 for oneDNN: uint8 values (and their zero points) shift by -128, which leaves every
// (w - zw) unchanged.
std::vector<std::int8_t> weight_s8(const runtime::HostValue& w, ref::QuantParams& q) {
  const int shift = w.dtype == DType::kUint8 ? 128 : 0;
  std::vector<std::int8_t> out(w.ints.size());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::int8_t>(w.ints[i] - shift);
  for (auto& z : q.zero_point) z -= shift;
  return out;
}

Dt act_type(DType t) {
  return t == DType::kUint8 ? Dt::u8 : Dt::s8;
}

std::vector<std::int64_t> bias_values(const std::vector<const runtime::HostValue*>& in, std::int64_t count) {
  std::vector<std::int64_t> bias(static_cast<std::size_t>(count), 0);
  if (in.size() > 2 && in[2]) {
    for (std::size_t i = 0; i < in[2]->ints.size() && i < bias.size(); ++i) bias[i] = in[2]->ints[i];
  }
  return bias;
}

Epilogue epilogue(const OpDesc& op, const runtime::OutDesc& out, const std::vector<float>& w_scales, float x_scale) {
  Epilogue e;
  e.zero_point = out.zero_point;
  e.type = type_range(out.dtype);
  e.clip = fused_clip(op);
  for (float s : w_scales) e.scale.push_back(quant::requant_scale(x_scale, s, out.scale));
  return e;
}

// The engine and stream every kernel of a process shares.
struct Dnnl {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
};

Dnnl& dnnl_context() {
  static Dnnl d;
  return d;
}

// Constant weights, laid out as `user` describes them, in the layout the primitive chose (`target`).
memory reordered(const std::vector<std::int8_t>& weights, const memory::desc& user, const memory::desc& target) {
  Dnnl& d = dnnl_context();
  memory out(target, d.engine);
  memory in(user, d.engine, const_cast<std::int8_t*>(weights.data()));
  dnnl::reorder(in, out).execute(d.stream, in, out);
  d.stream.wait();
  return out;
}

// QLinearConv on oneDNN: the input is copied into an NHWC buffer padded with its zero point, so every tap is real and
// sum (x - zx) * w = oneDNN's sum x * w - zx * sum w; weights must then have zero point 0 (after the uint8 shift).
class ConvKernel {
 public:
  ConvKernel(const OpDesc& op, const std::vector<const runtime::HostValue*>& in, const runtime::OutDesc& out) {
    const runtime::HostValue& x = *in[0];
    const runtime::HostValue& w = *in[1];
    auto two = [&](const char* key) {
      const auto v = op.ints_or(key, {1, 1});
      return std::array<std::int64_t, 2>{v.at(0), v.at(1)};
    };
    const auto strides = two("strides"), dilations = two("dilations");
    const auto p = op.ints_or("pads", {0, 0, 0, 0});
    pads_ = {p.at(0), p.at(1), p.at(2), p.at(3)};
    const std::int64_t group = op.ints_or("group", {1})[0];
    n_ = x.shape[0], c_ = x.shape[1], h_ = x.shape[2], w_ = x.shape[3];
    m_ = w.shape[0];
    const std::int64_t kh = w.shape[2], kw = w.shape[3];
    oh_ = out.shape[2], ow_ = out.shape[3];
    hp_ = h_ + pads_[0] + pads_[2], wp_ = w_ + pads_[1] + pads_[3];
    zx_ = x.zero_point;

    ref::QuantParams q = runtime::weight_quant(op, w, 0);
    const std::vector<std::int8_t> weights = weight_s8(w, q);
    const std::int64_t per_m = w.shape[1] * kh * kw;
    sum_w_.assign(static_cast<std::size_t>(m_), 0);
    for (std::int64_t m = 0; m < m_; ++m) {
      for (std::int64_t i = 0; i < per_m; ++i) sum_w_[m] += weights[static_cast<std::size_t>(m * per_m + i)];
    }
    bias_ = bias_values(in, m_);
    epilogue_ = epilogue(op, out, q.scale, x.scale);

    Dnnl& d = dnnl_context();
    const memory::desc src_md({n_, c_, hp_, wp_}, act_type(x.dtype), Tag::nhwc);
    const memory::desc dst_md({n_, m_, oh_, ow_}, Dt::s32, Tag::nhwc);
    const memory::dims wei_dims =
        group == 1 ? memory::dims{m_, c_, kh, kw} : memory::dims{group, m_ / group, c_ / group, kh, kw};
    const memory::desc wei_any(wei_dims, Dt::s8, Tag::any);
    const memory::desc wei_user(wei_dims, Dt::s8, group == 1 ? Tag::oihw : Tag::goihw);
    const dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                                               src_md, wei_any, dst_md, {strides[0], strides[1]},
                                               {dilations[0] - 1, dilations[1] - 1}, {0, 0}, {0, 0});
    const dnnl::convolution_forward::primitive_desc pd(desc, d.engine);
    conv_ = dnnl::convolution_forward(pd);
    weights_ = reordered(weights, wei_user, pd.weights_desc());
    src_ = memory(src_md, d.engine);
    dst_ = memory(dst_md, d.engine);
    // The padding never changes: fill it once.
    std::memset(src_.get_data_handle(), static_cast<std::uint8_t>(zx_), static_cast<std::size_t>(n_ * c_ * hp_ * wp_));
  }

  runtime::HostValue operator()(const std::vector<const runtime::HostValue*>& in) {
    const std::int32_t* x = in[0]->ints.data();
    auto* src = static_cast<std::uint8_t*>(src_.get_data_handle());
#pragma omp parallel for collapse(2)
    for (std::int64_t n = 0; n < n_; ++n) {
      for (std::int64_t h = 0; h < h_; ++h) {
        std::uint8_t* row = src + ((n * hp_ + h + pads_[0]) * wp_ + pads_[1]) * c_;
        for (std::int64_t c = 0; c < c_; ++c) {
          const std::int32_t* plane = x + ((n * c_ + c) * h_ + h) * w_;
          for (std::int64_t w = 0; w < w_; ++w) row[w * c_ + c] = static_cast<std::uint8_t>(plane[w]);
        }
      }
    }
    Dnnl& d = dnnl_context();
    conv_.execute(d.stream, {{DNNL_ARG_SRC, src_}, {DNNL_ARG_WEIGHTS, weights_}, {DNNL_ARG_DST, dst_}});
    d.stream.wait();

    runtime::HostValue y;
    y.shape = {n_, m_, oh_, ow_};
    y.ints.resize(static_cast<std::size_t>(n_ * m_ * oh_ * ow_));
    const auto* acc = static_cast<const std::int32_t*>(dst_.get_data_handle());
    const std::int64_t plane = oh_ * ow_;
#pragma omp parallel for collapse(2)
    for (std::int64_t n = 0; n < n_; ++n) {
      for (std::int64_t p = 0; p < plane; ++p) {
        const std::int32_t* a = acc + (n * plane + p) * m_;
        for (std::int64_t m = 0; m < m_; ++m) {
          const std::int64_t v = std::int64_t{a[m]} + bias_[m] - std::int64_t{zx_} * sum_w_[m];
          y.ints[static_cast<std::size_t>((n * m_ + m) * plane + p)] = epilogue_.apply(v, static_cast<std::size_t>(m));
        }
      }
    }
    return y;
  }

 private:
  std::array<std::int64_t, 4> pads_{};
  std::int64_t n_ = 0, c_ = 0, h_ = 0, w_ = 0, m_ = 0, oh_ = 0, ow_ = 0, hp_ = 0, wp_ = 0;
  std::int32_t zx_ = 0;
  std::vector<std::int64_t> sum_w_, bias_;
  Epilogue epilogue_;
  dnnl::convolution_forward conv_;
  memory weights_, src_, dst_;
};

// QLinearMatMul ([..., M, K] x constant [K, N]) and QGemm on oneDNN's matmul: raw = sum a * b, then
// sum (a - za)(b - zb[n]) = raw - za * colsum_b[n] - zb[n] * rowsum_a[m] + K * za * zb[n].
class MatmulKernel {
 public:
  MatmulKernel(const OpDesc& op, const std::vector<const runtime::HostValue*>& in, const runtime::OutDesc& out) {
    const runtime::HostValue& a = *in[0];
    const runtime::HostValue& b = *in[1];
    const bool gemm = op.kind == OpKind::kGemm;
    trans_a_ = gemm && op.ints_or("trans_a", {0})[0] != 0;
    const bool trans_b = gemm && op.ints_or("trans_b", {0})[0] != 0;
    k_ = trans_a_ ? a.shape[0] : a.shape.back();
    m_ = checked_element_count(a.shape, std::numeric_limits<std::int64_t>::max()) / k_;
    n_ = trans_b ? b.shape[0] : b.shape[1];
    za_ = a.zero_point;
    signed_a_ = a.dtype == DType::kInt8;
    out_shape_ = out.shape;

    ref::QuantParams q = runtime::weight_quant(op, b, 0);
    const std::vector<std::int8_t> weights = weight_s8(b, q);
    zb_.assign(static_cast<std::size_t>(n_), 0);
    colsum_b_.assign(static_cast<std::size_t>(n_), 0);
    for (std::int64_t n = 0; n < n_; ++n) {
      zb_[n] = q.zero_point.size() > 1 ? q.zero_point[static_cast<std::size_t>(n)] : q.zero_point[0];
      for (std::int64_t k = 0; k < k_; ++k) {
        colsum_b_[n] += weights[static_cast<std::size_t>(trans_b ? n * k_ + k : k * n_ + n)];
      }
    }
    bias_ = gemm ? bias_values(in, n_) : std::vector<std::int64_t>(static_cast<std::size_t>(n_), 0);
    const auto alpha_it = op.floats.find("alpha");
    const float alpha = gemm && alpha_it != op.floats.end() ? static_cast<float>(alpha_it->second.at(0)) : 1.0f;
    epilogue_ = epilogue(op, out, q.scale, alpha * a.scale);  // QGemm: alpha * a_scale first, in fp32 (ref::qgemm)

    Dnnl& d = dnnl_context();
    const memory::desc a_md({m_, k_}, act_type(a.dtype), trans_a_ ? Tag::ba : Tag::ab);
    const memory::desc b_any({k_, n_}, Dt::s8, Tag::any);
    const memory::desc b_user({k_, n_}, Dt::s8, trans_b ? Tag::ba : Tag::ab);
    const memory::desc c_md({m_, n_}, Dt::s32, Tag::ab);
    const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a_md, b_any, c_md), d.engine);
    matmul_ = dnnl::matmul(pd);
    weights_ = reordered(weights, b_user, pd.weights_desc());
    a_ = memory(a_md, d.engine);
    c_ = memory(c_md, d.engine);
  }

  runtime::HostValue operator()(const std::vector<const runtime::HostValue*>& in) {
    const std::vector<std::int32_t>& av = in[0]->ints;
    auto* a = static_cast<std::uint8_t*>(a_.get_data_handle());
    for (std::size_t i = 0; i < av.size(); ++i) a[i] = static_cast<std::uint8_t>(av[i]);
    std::vector<std::int64_t> rowsum(static_cast<std::size_t>(m_), 0);
    for (std::int64_t i = 0; i < m_ * k_; ++i) {
      const std::int64_t row = trans_a_ ? i % m_ : i / k_;
      rowsum[static_cast<std::size_t>(row)] += signed_a_ ? static_cast<std::int8_t>(a[i]) : a[i];
    }
    Dnnl& d = dnnl_context();
    matmul_.execute(d.stream, {{DNNL_ARG_SRC, a_}, {DNNL_ARG_WEIGHTS, weights_}, {DNNL_ARG_DST, c_}});
    d.stream.wait();

    runtime::HostValue y;
    y.shape = out_shape_;
    y.ints.resize(static_cast<std::size_t>(m_ * n_));
    const auto* c = static_cast<const std::int32_t*>(c_.get_data_handle());
#pragma omp parallel for
    for (std::int64_t m = 0; m < m_; ++m) {
      for (std::int64_t n = 0; n < n_; ++n) {
        const std::int64_t v =
            std::int64_t{c[m * n_ + n]} + bias_[n] - za_ * colsum_b_[n] - zb_[n] * rowsum[m] + k_ * za_ * zb_[n];
        y.ints[static_cast<std::size_t>(m * n_ + n)] = epilogue_.apply(v, static_cast<std::size_t>(n));
      }
    }
    return y;
  }

 private:
  bool trans_a_ = false, signed_a_ = false;
  std::int64_t m_ = 0, k_ = 0, n_ = 0, za_ = 0;
  std::vector<std::int64_t> out_shape_, zb_, colsum_b_, bias_;
  Epilogue epilogue_;
  dnnl::matmul matmul_;
  memory weights_, a_, c_;
};

bool is_8bit(DType t) {
  return t == DType::kInt8 || t == DType::kUint8;
}

// Whether a conv, matmul or gemm with constant weights has operands the reference kernel takes and whose sums stay in
// int32 (the forms oneDNN and the VNNI kernels compute exactly), or why not; a weight zero point on a convolution is
// the caller's to refuse. Everything the reference kernel would check, so that the fast kernels only see operands it
// computes; whatever is refused runs on the reference kernel, which reports what is wrong with it.
std::string operand_problem(const OpDesc& op, const std::vector<const runtime::HostValue*>& in,
                            const std::vector<bool>& constant, const runtime::OutDesc& out) {
  const OpKind kind = op.kind;
  if (kind != OpKind::kConv && kind != OpKind::kMatMul && kind != OpKind::kGemm) return "not a conv, matmul or gemm";
  if (in.size() < 2 || !in[0] || !in[1]) return "no weight operand";
  const runtime::HostValue& x = *in[0];
  const runtime::HostValue& w = *in[1];
  const runtime::HostValue* bias = in.size() > 2 ? in[2] : nullptr;
  if (!is_8bit(x.dtype) || !is_8bit(w.dtype) || !is_8bit(out.dtype)) return "not 8-bit in and out";
  if (constant.size() < 2 || !constant[1]) return "activation x activation";
  if (bias && (constant.size() < 3 || !constant[2] || bias->dtype != DType::kInt32)) return "not a constant int32 bias";
  for (const auto* shape : {&x.shape, &w.shape, &out.shape}) {
    if (shape->empty() || std::any_of(shape->begin(), shape->end(), [](std::int64_t d) { return d < 1; })) {
      return "an empty or scalar operand";
    }
  }
  constexpr std::int64_t kNoLimit = std::numeric_limits<std::int64_t>::max();
  if (static_cast<std::int64_t>(w.ints.size()) != checked_element_count(w.shape, kNoLimit)) {
    return "weight values do not match its shape";
  }
  const ref::QuantParams q = runtime::weight_quant(op, w, 0);
  const std::int64_t channels = kind == OpKind::kConv ? w.shape[0] : out.shape.back();
  if ((q.scale.size() != 1 && static_cast<std::int64_t>(q.scale.size()) != channels) ||
      q.zero_point.size() != q.scale.size()) {
    return "per-channel quantization does not match the output channels";
  }
  if (bias && static_cast<std::int64_t>(bias->ints.size()) != channels)
    return "bias does not match the output channels";
  std::int64_t max_bias = 0;
  if (bias) {
    for (std::int32_t b : bias->ints) max_bias = std::max(max_bias, std::abs(std::int64_t{b}));
  }
  // The reference refuses an accumulator that leaves int32; oneDNN would wrap. Only sums that cannot leave it here.
  auto may_overflow = [&](std::int64_t depth) { return depth * 255 * 255 + max_bias >= (std::int64_t{1} << 31); };

  if (kind == OpKind::kConv) {
    if (x.shape.size() != 4 || w.shape.size() != 4 || out.shape.size() != 4) return "not a 2-D convolution";
    const auto strides = op.ints_or("strides", {1, 1}), dilations = op.ints_or("dilations", {1, 1});
    const auto pads = op.ints_or("pads", {0, 0, 0, 0});
    const auto group_attr = op.ints_or("group", {1});
    if (strides.size() != 2 || dilations.size() != 2 || pads.size() != 4 || group_attr.size() != 1) {
      return "convolution attributes of the wrong size";
    }
    const std::int64_t group = group_attr[0];
    if (strides[0] < 1 || strides[1] < 1 || dilations[0] < 1 || dilations[1] < 1 || group < 1 ||
        std::any_of(pads.begin(), pads.end(), [](std::int64_t p) { return p < 0; })) {
      return "convolution attributes out of range";
    }
    if (x.shape[1] % group != 0 || w.shape[0] % group != 0 || w.shape[1] * group != x.shape[1]) {
      return "channels do not match the groups";
    }
    std::array<std::int64_t, 2> extent{};
    for (int a = 0; a < 2; ++a) {
      const std::int64_t span = x.shape[2 + a] + pads[a] + pads[a + 2] - ((w.shape[2 + a] - 1) * dilations[a] + 1);
      if (span < 0) return "the kernel is larger than the padded input";
      extent[a] = span / strides[a] + 1;
    }
    if (out.shape != std::vector<std::int64_t>{x.shape[0], w.shape[0], extent[0], extent[1]}) {
      return "the output shape is not the convolution's";
    }
    if (may_overflow(w.shape[1] * w.shape[2] * w.shape[3])) return "an accumulator that may leave int32";
    return "";
  }
  if (w.shape.size() != 2) return "weight of rank " + std::to_string(w.shape.size());
  const bool gemm = kind == OpKind::kGemm;
  const bool trans_a = gemm && op.ints_or("trans_a", {0})[0] != 0, trans_b = gemm && op.ints_or("trans_b", {0})[0] != 0;
  if (gemm && x.shape.size() != 2) return "gemm operand not 2-D";
  if (!gemm && x.shape.size() < 2) return "matmul operand of rank 1";
  if (!gemm && bias) return "a matmul with a bias";
  const std::int64_t k = trans_a ? x.shape[0] : x.shape.back();
  if (k != (trans_b ? w.shape[1] : w.shape[0])) return "inner dimensions differ";
  const std::int64_t x_elements = checked_element_count(x.shape, kNoLimit);
  const std::int64_t out_elements = checked_element_count(out.shape, kNoLimit);
  const std::int64_t n = trans_b ? w.shape[0] : w.shape[1];
  if (x_elements < 0 || out.shape.back() != n || out_elements != x_elements / k * n) {
    return "the output shape is not the product's";
  }
  if (may_overflow(k)) return "an accumulator that may leave int32";
  return "";
}

}  // namespace

std::string onednn_refusal(const OpDesc& op, const std::vector<const runtime::HostValue*>& in,
                           const std::vector<bool>& constant, const runtime::OutDesc& out) {
  std::string problem = operand_problem(op, in, constant, out);
  if (!problem.empty() || op.kind != OpKind::kConv) return problem;
  const runtime::HostValue& w = *in[1];
  const int shift = w.dtype == DType::kUint8 ? 128 : 0;
  for (std::int32_t z : runtime::weight_quant(op, w, 0).zero_point) {
    if (z - shift != 0) return "weight zero point not 0 (oneDNN convolutions have none)";
  }
  return "";
}

namespace {

// The kernel of an operator onednn_refusal accepted; empty where this oneDNN has no primitive for its form.
runtime::PreparedHostOp make_kernel(const OpDesc& op, const std::vector<const runtime::HostValue*>& in,
                                    const runtime::OutDesc& out) {
  runtime::PreparedHostOp run;
  try {
    if (op.kind == OpKind::kConv) {
      run = [k = std::make_shared<ConvKernel>(op, in, out)](const auto& inputs) { return (*k)(inputs); };
    } else {
      run = [k = std::make_shared<MatmulKernel>(op, in, out)](const auto& inputs) { return (*k)(inputs); };
    }
  } catch (const dnnl::error&) {
    return {};  // a form this oneDNN has no primitive for: the reference kernel runs it
  }
  // The output's quantization, as run_host_op gives it.
  return [run = std::move(run), out](const std::vector<const runtime::HostValue*>& inputs) {
    runtime::HostValue y = run(inputs);
    y.dtype = out.dtype;
    y.scale = out.scale;
    y.zero_point = out.zero_point;
    return y;
  };
}

}  // namespace

runtime::PreparedHostOp prepare_onednn(const OpDesc& op, const std::vector<const runtime::HostValue*>& in,
                                       const std::vector<bool>& constant, const runtime::OutDesc& out) {
  return onednn_refusal(op, in, constant, out).empty() ? make_kernel(op, in, out) : runtime::PreparedHostOp{};
}

namespace {

// ---- The int8 executor: activations as stored bytes (vnni_kernels.hpp) between the VNNI kernels ----

// What a stored byte adds to an 8-bit value: 128 for int8 (offset binary), 0 for uint8.
std::int32_t byte_offset(DType t) {
  return t == DType::kInt8 ? 128 : 0;
}

// Whether a value's NHWC bytes are its row-major bytes (anything but a 4-D tensor with several channels and pixels).
bool layout_free(const std::vector<std::int64_t>& s) {
  return s.size() != 4 || s[1] == 1 || s[2] * s[3] == 1;
}

std::int64_t element_count(const std::vector<std::int64_t>& shape) {
  return checked_element_count(shape, std::numeric_limits<std::int64_t>::max());
}

// Visits every element of a tensor as (its index in row-major NCHW order, its index in the bytes: NHWC when `nhwc`).
template <typename F>
void for_each_element(bool nhwc, const std::vector<std::int64_t>& shape, F f) {
  if (nhwc && !layout_free(shape)) {
    runtime::for_each_nhwc(shape, f);
    return;
  }
  const std::int64_t count = element_count(shape);
  for (std::int64_t i = 0; i < count; ++i) f(i, i);
}

// The values of one run: each 8-bit activation as stored bytes (NHWC or row-major), as a host value (int32 values,
// NCHW) for the kernels that take those, or both; converted on demand, buffers kept from run to run.
class Slots {
 public:
  Slots(const compiler::Graph& g, const std::vector<runtime::HostValue>& consts)
      : g_(g), consts_(consts), slots_(g.values.size()) {}

  void reset() {
    for (Slot& s : slots_) s.host_ok = s.bytes_ok = false, s.bound = nullptr;
  }

  // The value as `v`, read in place until the next reset() (not copied: a host step's operands are megabytes).
  void bind_host(int id, const runtime::HostValue& v) {
    Slot& s = slots_[static_cast<std::size_t>(id)];
    s.bound = &v;
    s.host_ok = true, s.bytes_ok = false;
  }

  // The host value, moved out (the slot is stale until written again).
  runtime::HostValue take_host(int id) {
    const runtime::HostValue& h = host(id);  // converted from the bytes if need be
    Slot& s = slots_[static_cast<std::size_t>(id)];
    if (s.bound || g_.values[static_cast<std::size_t>(id)].is_const) return h;
    s.host_ok = false;
    return std::move(s.host);
  }

  const runtime::HostValue& host(int id) {
    const auto i = static_cast<std::size_t>(id);
    if (g_.values[i].is_const) return consts_[i];
    Slot& s = slots_[i];
    if (s.bound) return *s.bound;
    if (!s.host_ok) {
      const compiler::Value& v = g_.values[i];
      s.host.dtype = v.dtype, s.host.shape = v.shape, s.host.scale = v.scale, s.host.zero_point = v.zero_point;
      s.host.floats.clear();
      s.host.ints.resize(static_cast<std::size_t>(element_count(v.shape)));
      const std::int32_t offset = byte_offset(v.dtype);
      std::int32_t* ints = s.host.ints.data();
      const std::uint8_t* bytes = s.bytes.data();
      for_each_element(s.nhwc, v.shape, [&](std::int64_t e, std::int64_t b) { ints[e] = bytes[b] - offset; });
      s.host_ok = true;
    }
    return s.host;
  }

  const std::uint8_t* bytes(int id, bool nhwc) {
    Slot& s = slots_[static_cast<std::size_t>(id)];
    const compiler::Value& v = g_.values[static_cast<std::size_t>(id)];
    if (s.bytes_ok && (s.nhwc == nhwc || layout_free(v.shape))) return s.bytes.data();
    const runtime::HostValue& h = host(id);  // from the other layout through the host value: rare
    size(s, v);
    const std::int32_t offset = byte_offset(v.dtype);
    std::uint8_t* bytes = s.bytes.data();
    for_each_element(nhwc, v.shape,
                     [&](std::int64_t e, std::int64_t b) { bytes[b] = static_cast<std::uint8_t>(h.ints[e] + offset); });
    s.nhwc = nhwc, s.bytes_ok = true;
    return s.bytes.data();
  }

  // The output's bytes, to be written in full; its host value is stale from here.
  std::uint8_t* write_bytes(int id, bool nhwc) {
    Slot& s = slots_[static_cast<std::size_t>(id)];
    size(s, g_.values[static_cast<std::size_t>(id)]);
    s.nhwc = nhwc, s.bytes_ok = true, s.host_ok = false, s.bound = nullptr;
    return s.bytes.data();
  }

  void set_host(int id, runtime::HostValue v) {
    Slot& s = slots_[static_cast<std::size_t>(id)];
    s.host = std::move(v);
    s.host_ok = true, s.bytes_ok = false, s.bound = nullptr;
  }

  // The layout the value's bytes have now (NHWC when it has none yet and is 4-D).
  bool nhwc(int id) const {
    const Slot& s = slots_[static_cast<std::size_t>(id)];
    return s.bytes_ok ? s.nhwc : g_.values[static_cast<std::size_t>(id)].shape.size() == 4;
  }

 private:
  struct Slot {
    runtime::HostValue host;
    const runtime::HostValue* bound = nullptr;  // bind_host: the host value, someone else's
    std::vector<std::uint8_t> bytes;
    bool host_ok = false, bytes_ok = false, nhwc = false;
  };

  static void size(Slot& s, const compiler::Value& v) {
    const auto n = static_cast<std::size_t>(element_count(v.shape)) + vnni::kSlack;
    if (s.bytes.size() != n) s.bytes.assign(n, 0);
  }

  const compiler::Graph& g_;
  const std::vector<runtime::HostValue>& consts_;
  std::vector<Slot> slots_;
};

// A node on the VNNI kernels.
class FastOp {
 public:
  virtual ~FastOp() = default;
  virtual void run(Slots& slots, int threads) = 0;
};

// Everything a FastOp is prepared from: the node's operands as the constructor sees them (constants with their
// values, activations with their shapes and quantization only).
struct NodeView {
  const OpDesc& op;
  const std::vector<int>& ids;
  std::vector<const runtime::HostValue*> in;
  std::vector<bool> constant;
  int out_id = -1;
  runtime::OutDesc out;
  bool out_nhwc = false;  // a consumer of the output reads NHWC bytes (a convolution or a pool)
};

// The clamp of an 8-bit output in its own terms: the type's range met with a fused clip (ref::clip's
// min(hi, max(y, lo)) after the type's saturation is one clamp). Empty when the clip is one the reference refuses.
std::optional<Range> output_range(const OpDesc& op, DType t) {
  const Range type = type_range(t);
  const auto clip = fused_clip(op);
  if (!clip) return op.ints.count("clip") ? std::nullopt : std::optional<Range>(type);
  if (clip->lo < type.lo || clip->lo > type.hi || clip->hi < type.lo || clip->hi > type.hi) return std::nullopt;
  return Range{std::min(clip->hi, std::max(type.lo, clip->lo)), std::min(clip->hi, std::max(type.hi, clip->lo))};
}

// Entry c of a per-channel vector, or its only entry (per tensor).
template <typename T>
T channel_entry(const std::vector<T>& v, std::int64_t c) {
  return v.size() > 1 ? v[static_cast<std::size_t>(c)] : v[0];
}

// The constant of one output column that the zero points fold into, for K-deep sums:
//   sum (a - za)(b - zb) + bias = sum a b - zb * rowsum(a) + (bias - za * colsum(b) + K za zb).
std::int64_t folded_offset(std::int64_t bias, std::int64_t za, std::int64_t colsum, std::int64_t k, std::int64_t zb) {
  return bias - za * colsum + k * za * zb;
}

// A Requant for `channels` outputs in stored terms, vectors padded to whole panels; empty when a scale is not finite.
std::optional<vnni::Requant> make_requant(std::int64_t channels, const std::vector<float>& scales,
                                          const std::vector<std::int64_t>& offsets, const std::vector<std::int32_t>& zb,
                                          const runtime::OutDesc& out, const Range& range) {
  vnni::Requant rq;
  const auto padded = static_cast<std::size_t>((channels + 63) / 64 * 64);
  rq.offset.assign(padded, 0);
  rq.scale.assign(padded, 0.0f);
  if (std::any_of(zb.begin(), zb.end(), [](std::int32_t z) { return z != 0; })) rq.zb.assign(padded, 0);
  for (std::size_t c = 0; c < static_cast<std::size_t>(channels); ++c) {
    rq.scale[c] = channel_entry(scales, static_cast<std::int64_t>(c));
    if (!std::isfinite(rq.scale[c])) return std::nullopt;
    rq.offset[c] = static_cast<std::int32_t>(offsets[c]);  // modulo 2^32: the sums wrap back into range
    if (!rq.zb.empty()) rq.zb[c] = channel_entry(zb, static_cast<std::int64_t>(c));
  }
  const std::int32_t offset = byte_offset(out.dtype);
  rq.zero_point = out.zero_point + offset;
  rq.lo = range.lo + offset;
  rq.hi = range.hi + offset;
  return rq;
}

// QLinearConv with one group (a GEMM over the NHWC input in place, or after an im2col where its channels are not a
// multiple of 4 or the weight zero points need row sums) or depthwise. Sums over every tap, padding included as the
// input zero point:
//   sum (x - zx)(w - zw) + bias = sum x w - zw * rowsum(x) - zx * colsum(w) + K zx zw + bias.
class ConvOp : public FastOp {
 public:
  static std::unique_ptr<FastOp> make(const NodeView& v, std::string& why) {
    const runtime::HostValue& x = *v.in[0];
    const runtime::HostValue& w = *v.in[1];
    const std::int64_t group = v.op.ints_or("group", {1})[0];
    const bool depthwise = group > 1 && group == x.shape[1] && w.shape[0] == group;
    if (group != 1 && !depthwise) {
      why = "grouped convolution";
      return nullptr;
    }
    const auto range = output_range(v.op, v.out.dtype);
    if (!range) return nullptr;
    auto op = std::unique_ptr<ConvOp>(new ConvOp);
    const auto strides = v.op.ints_or("strides", {1, 1}), dilations = v.op.ints_or("dilations", {1, 1});
    const auto pads = v.op.ints_or("pads", {0, 0, 0, 0});
    op->x_ = v.ids[0], op->y_ = v.out_id;
    op->win_ = {x.shape[0], x.shape[2],   x.shape[3],   x.shape[1], w.shape[2], w.shape[3],     strides[0],
                strides[1], dilations[0], dilations[1], pads[0],    pads[1],    v.out.shape[2], v.out.shape[3]};
    op->zx_ = x.zero_point + byte_offset(x.dtype);
    ref::QuantParams q = runtime::weight_quant(v.op, w, 0);
    const std::vector<std::int8_t> weights = weight_s8(w, q);
    const std::int64_t m = w.shape[0], kh = w.shape[2], kw = w.shape[3], taps = kh * kw;
    const std::vector<std::int64_t> bias = bias_values(v.in, m);
    std::vector<float> scales;
    for (float s : q.scale) scales.push_back(quant::requant_scale(x.scale, s, v.out.scale));
    std::optional<vnni::Requant> rq;
    if (depthwise) {
      // Every tap summed, padding as the input zero point: (x - zx)(w - zw) summed over T taps is
      // sum x w - zw sum x - zx sum w + T zx zw.
      op->dw_ = true;
      op->dww_ = vnni::pack_depthwise(m, taps, [&](std::int64_t c, std::int64_t t) { return weights[c * taps + t]; });
      std::vector<std::int64_t> offsets(static_cast<std::size_t>(m));
      std::vector<std::int32_t> zws(static_cast<std::size_t>(m));
      for (std::int64_t c = 0; c < m; ++c) {
        zws[c] = channel_entry(q.zero_point, c);
        offsets[c] = folded_offset(bias[c], op->zx_, op->dww_.sum[c], taps, zws[c]);
      }
      rq = make_requant(m, scales, offsets, zws, v.out, *range);
      op->pad_.assign(static_cast<std::size_t>(m) + vnni::kSlack, static_cast<std::uint8_t>(op->zx_));
    } else {
      const std::int64_t c = x.shape[1], k = c * taps;
      op->direct_ = taps == 1 && strides[0] == 1 && strides[1] == 1 &&
                    std::all_of(pads.begin(), pads.end(), [](std::int64_t p) { return p == 0; });
      op->in_place_ = !op->direct_ && c % 4 == 0;  // and no row sums: see below
      op->b_ = vnni::pack_b(k, m, [&](std::int64_t kk, std::int64_t mm) {
        return weights[(mm * c + kk % c) * taps + kk / c];  // k = (i * kw + j) * c + channel
      });
      std::vector<std::int64_t> offsets(static_cast<std::size_t>(m));
      std::vector<std::int32_t> zws(static_cast<std::size_t>(m));
      for (std::int64_t mm = 0; mm < m; ++mm) {
        zws[mm] = channel_entry(q.zero_point, mm);
        offsets[mm] = folded_offset(bias[mm], op->zx_, op->b_.colsum[mm], k, zws[mm]);
      }
      rq = make_requant(m, scales, offsets, zws, v.out, *range);
      if (rq && !rq->zb.empty()) op->in_place_ = false;
      if (op->in_place_)
        op->pad_.assign(static_cast<std::size_t>(c) + vnni::kSlack, static_cast<std::uint8_t>(op->zx_));
    }
    if (!rq) return nullptr;
    op->rq_ = std::move(*rq);
    return op;
  }

  void run(Slots& slots, int threads) override {
    const std::uint8_t* x = slots.bytes(x_, true);
    std::uint8_t* y = slots.write_bytes(y_, true);
    if (dw_) {
      vnni::depthwise(x, win_, pad_.data(), dww_, rq_, y, threads);
      return;
    }
    if (in_place_) {
      vnni::conv_gemm(x, win_, pad_.data(), b_, rq_, y, threads);
      return;
    }
    const std::int64_t rows = win_.n * win_.oh * win_.ow;
    const bool row_term = !rq_.zb.empty();
    if (row_term) rowsum_.resize(static_cast<std::size_t>(rows));
    const std::uint8_t* a = x;
    std::int64_t lda = win_.c;
    if (!direct_) {
      lda = b_.k4;
      a_.resize(static_cast<std::size_t>(rows * lda) + vnni::kSlack);
      vnni::im2col(x, win_, static_cast<std::uint8_t>(zx_), a_.data(), lda, row_term ? rowsum_.data() : nullptr,
                   threads);
      a = a_.data();
    } else if (row_term) {
      vnni::row_sums(x, lda, rows, b_.k, rowsum_.data(), threads);
    }
    vnni::gemm(a, lda, rows, b_, row_term ? rowsum_.data() : nullptr, rq_, y, b_.n, threads);
  }

 private:
  ConvOp() = default;
  int x_ = -1, y_ = -1;
  vnni::Window win_;
  std::int32_t zx_ = 0;
  bool dw_ = false, direct_ = false, in_place_ = false;
  vnni::PackedB b_;
  std::vector<std::uint8_t> pad_;  // in_place_ and dw_: one pixel of the input zero point
  vnni::PackedDepthwise dww_;
  vnni::Requant rq_;
  std::vector<std::uint8_t> a_;
  std::vector<std::int32_t> rowsum_;
};

// QGemm / QLinearMatMul with constant weights, on row-major bytes:
//   sum (a - za)(b - zb[n]) + bias = sum a b - zb[n] * rowsum(a) - za * colsum(b) + K za zb[n] + bias.
class GemmOp : public FastOp {
 public:
  static std::unique_ptr<FastOp> make(const NodeView& v, std::string& why) {
    const runtime::HostValue& a = *v.in[0];
    const runtime::HostValue& b = *v.in[1];
    const bool gemm = v.op.kind == OpKind::kGemm;
    if (gemm && v.op.ints_or("trans_a", {0})[0] != 0) {
      why = "transposed activation";
      return nullptr;
    }
    const auto range = output_range(v.op, v.out.dtype);
    if (!range) return nullptr;
    auto op = std::unique_ptr<GemmOp>(new GemmOp);
    const bool trans_b = gemm && v.op.ints_or("trans_b", {0})[0] != 0;
    const std::int64_t k = a.shape.back(), n = trans_b ? b.shape[0] : b.shape[1];
    op->a_ = v.ids[0], op->y_ = v.out_id, op->rows_ = element_count(a.shape) / k;
    ref::QuantParams q = runtime::weight_quant(v.op, b, 0);
    const std::vector<std::int8_t> weights = weight_s8(b, q);
    op->b_ = vnni::pack_b(k, n, [&](std::int64_t kk, std::int64_t nn) {
      return weights[static_cast<std::size_t>(trans_b ? nn * k + kk : kk * n + nn)];
    });
    const std::int64_t za = a.zero_point + byte_offset(a.dtype);
    const std::vector<std::int64_t> bias = gemm ? bias_values(v.in, n) : std::vector<std::int64_t>(n, 0);
    std::vector<std::int64_t> offsets(static_cast<std::size_t>(n));
    std::vector<std::int32_t> zb(static_cast<std::size_t>(n));
    for (std::int64_t nn = 0; nn < n; ++nn) {
      zb[nn] = channel_entry(q.zero_point, nn);
      offsets[nn] = folded_offset(bias[nn], za, op->b_.colsum[nn], k, zb[nn]);
    }
    const auto alpha_it = v.op.floats.find("alpha");
    const float alpha = gemm && alpha_it != v.op.floats.end() ? static_cast<float>(alpha_it->second.at(0)) : 1.0f;
    std::vector<float> scales;  // QGemm: alpha * a_scale first, in fp32 (ref::qgemm)
    for (float s : q.scale) scales.push_back(quant::requant_scale(alpha * a.scale, s, v.out.scale));
    auto rq = make_requant(n, scales, offsets, zb, v.out, *range);
    if (!rq) return nullptr;
    op->rq_ = std::move(*rq);
    return op;
  }

  void run(Slots& slots, int threads) override {
    const std::uint8_t* a = slots.bytes(a_, false);
    const bool row_term = !rq_.zb.empty();
    if (row_term) {
      rowsum_.resize(static_cast<std::size_t>(rows_));
      vnni::row_sums(a, b_.k, rows_, b_.k, rowsum_.data(), threads);
    }
    vnni::gemm(a, b_.k, rows_, b_, row_term ? rowsum_.data() : nullptr, rq_, slots.write_bytes(y_, false), b_.n,
               threads);
  }

 private:
  GemmOp() = default;
  int a_ = -1, y_ = -1;
  std::int64_t rows_ = 0;
  vnni::PackedB b_;
  vnni::Requant rq_;
  std::vector<std::int32_t> rowsum_;
};

// QLinearMatMul of two activations with the same batch dimensions ([..., M, K] x [..., K, N]), per tensor: b is
// packed at each run, per batch.
class MatMulOp : public FastOp {
 public:
  static std::unique_ptr<FastOp> make(const NodeView& v, std::string& why) {
    const runtime::HostValue& a = *v.in[0];
    const runtime::HostValue& b = *v.in[1];
    const std::size_t rank = a.shape.size();
    if (rank < 2 || b.shape.size() != rank || !is_8bit(a.dtype) || !is_8bit(b.dtype) || !is_8bit(v.out.dtype) ||
        !std::equal(a.shape.begin(), a.shape.end() - 2, b.shape.begin()) || a.shape[rank - 1] != b.shape[rank - 2] ||
        std::any_of(a.shape.begin(), a.shape.end(), [](std::int64_t d) { return d < 1; }) ||
        std::any_of(b.shape.begin(), b.shape.end(), [](std::int64_t d) { return d < 1; })) {
      why = "not a batched product of equal batch dimensions";
      return nullptr;
    }
    std::vector<std::int64_t> y_shape(a.shape.begin(), a.shape.end() - 1);
    y_shape.push_back(b.shape.back());
    const ref::QuantParams qb = runtime::weight_quant(v.op, b, static_cast<int>(rank) - 1);
    const auto range = output_range(v.op, v.out.dtype);
    auto op = std::unique_ptr<MatMulOp>(new MatMulOp);
    op->m_ = a.shape[rank - 2], op->k_ = a.shape[rank - 1], op->n_ = b.shape.back();
    if (v.out.shape != y_shape || qb.scale.size() != 1 || !range || op->k_ * 255 * 255 >= (std::int64_t{1} << 31)) {
      why = "operands the reference kernel refuses, or sums that may leave int32";
      return nullptr;
    }
    op->batches_ = element_count(a.shape) / (op->m_ * op->k_);
    op->a_ = v.ids[0], op->b_id_ = v.ids[1], op->y_ = v.out_id;
    op->za_ = a.zero_point + byte_offset(a.dtype);
    op->zb_ = qb.zero_point[0] + byte_offset(b.dtype) - 128;  // b's stored bytes minus 128 are the signed bytes packed
    auto rq = make_requant(op->n_, {quant::requant_scale(a.scale, qb.scale[0], v.out.scale)},
                           std::vector<std::int64_t>(op->n_, 0), {op->zb_}, v.out, *range);
    if (!rq) return nullptr;
    op->rq_ = std::move(*rq);
    return op;
  }

  void run(Slots& slots, int threads) override {
    const std::uint8_t* a = slots.bytes(a_, false);
    const std::uint8_t* b = slots.bytes(b_id_, false);
    std::uint8_t* y = slots.write_bytes(y_, false);
    rowsum_.resize(static_cast<std::size_t>(m_));
    for (std::int64_t batch = 0; batch < batches_; ++batch) {
      const std::uint8_t* ab = a + batch * m_ * k_;
      const std::uint8_t* bb = b + batch * k_ * n_;
      const vnni::PackedB packed = vnni::pack_b(
          k_, n_, [&](std::int64_t k, std::int64_t n) { return static_cast<std::int8_t>(bb[k * n_ + n] - 128); });
      for (std::int64_t n = 0; n < n_; ++n) {
        rq_.offset[n] = static_cast<std::int32_t>(folded_offset(0, za_, packed.colsum[n], k_, zb_));
      }
      const bool row_term = !rq_.zb.empty();
      if (row_term) vnni::row_sums(ab, k_, m_, k_, rowsum_.data(), 1);
      vnni::gemm(ab, k_, m_, packed, row_term ? rowsum_.data() : nullptr, rq_, y + batch * m_ * n_, n_, threads);
    }
  }

 private:
  MatMulOp() = default;
  int a_ = -1, b_id_ = -1, y_ = -1;
  std::int64_t m_ = 0, k_ = 0, n_ = 0, batches_ = 0;
  std::int32_t za_ = 0, zb_ = 0;
  vnni::Requant rq_;
  std::vector<std::int32_t> rowsum_;
};

// Same-shape QLinearAdd (ref::qlinear_add without broadcasting: one span, a folded in last), in either layout.
class AddOp : public FastOp {
 public:
  static std::unique_ptr<FastOp> make(const NodeView& v, std::string& why) {
    const runtime::HostValue& a = *v.in[0];
    const runtime::HostValue& b = *v.in[1];
    const auto range = output_range(v.op, v.out.dtype);
    if (a.shape != b.shape || v.out.shape != a.shape || element_count(a.shape) < 2 || !is_8bit(a.dtype) ||
        !is_8bit(b.dtype) || !is_8bit(v.out.dtype) || !range) {
      why = "not a same-shape 8-bit add (broadcasting, one element, or a clip the reference refuses)";
      return nullptr;
    }
    auto op = std::unique_ptr<AddOp>(new AddOp);
    op->a_ = v.ids[0], op->b_ = v.ids[1], op->y_ = v.out_id, op->count_ = element_count(a.shape);
    vnni::AddParams& p = op->p_;
    p.ra = a.scale / v.out.scale, p.rb = b.scale / v.out.scale;
    p.f = static_cast<float>(v.out.zero_point) -
          std::fma(p.ra, static_cast<float>(a.zero_point), p.rb * static_cast<float>(b.zero_point));
    p.offset_a = byte_offset(a.dtype), p.offset_b = byte_offset(b.dtype), p.offset_y = byte_offset(v.out.dtype);
    p.lo = range->lo, p.hi = range->hi;
    return op;
  }

  void run(Slots& slots, int threads) override {
    const bool nhwc = slots.nhwc(a_);
    const std::uint8_t* a = slots.bytes(a_, nhwc);
    const std::uint8_t* b = slots.bytes(b_, nhwc);
    vnni::add(a, b, count_, p_, slots.write_bytes(y_, nhwc), threads);
  }

 private:
  AddOp() = default;
  int a_ = -1, b_ = -1, y_ = -1;
  std::int64_t count_ = 0;
  vnni::AddParams p_;
};

// MaxPool with the output's quantization equal to the input's (the integer max), floor mode, every window on the
// input.
class MaxPoolOp : public FastOp {
 public:
  static std::unique_ptr<FastOp> make(const NodeView& v, std::string& why) {
    const runtime::HostValue& x = *v.in[0];
    const auto kernel = v.op.ints_or("kernel", {}), strides = v.op.ints_or("strides", {1, 1});
    const auto pads = v.op.ints_or("pads", {0, 0, 0, 0}), dilations = v.op.ints_or("dilations", {1, 1});
    const bool shapes_ok = x.shape.size() == 4 && kernel.size() == 2 && strides.size() == 2 && pads.size() == 4 &&
                           dilations.size() == 2 && v.out.shape.size() == 4;
    if (!shapes_ok || v.op.ints_or("ceil_mode", {0})[0] != 0 || !is_8bit(x.dtype) || x.dtype != v.out.dtype ||
        x.scale != v.out.scale || x.zero_point != v.out.zero_point) {
      why = "ceil mode or a new quantization";
      return nullptr;
    }
    vnni::Window win{x.shape[0], x.shape[2],   x.shape[3],   x.shape[1], kernel[0], kernel[1],      strides[0],
                     strides[1], dilations[0], dilations[1], pads[0],    pads[1],   v.out.shape[2], v.out.shape[3]};
    for (int a = 0; a < 2; ++a) {
      const std::int64_t in = x.shape[2 + a], k = kernel[a], s = strides[a], d = dilations[a];
      if (k < 1 || s < 1 || d < 1 || pads[a] < 0 || pads[a + 2] < 0 || pads[a] >= k || pads[a + 2] >= k) return nullptr;
      const std::int64_t span = in + pads[a] + pads[a + 2] - ((k - 1) * d + 1);
      if (span < 0 || v.out.shape[2 + a] != span / s + 1) return nullptr;
      for (std::int64_t o = 0; o < v.out.shape[2 + a]; ++o) {  // a window of padding only: the reference's error
        bool any = false;
        for (std::int64_t t = 0; t < k; ++t) {
          const std::int64_t i = o * s - pads[a] + t * d;
          any = any || (i >= 0 && i < in);
        }
        if (!any) return nullptr;
      }
    }
    if (v.out.shape[0] != x.shape[0] || v.out.shape[1] != x.shape[1]) return nullptr;
    auto op = std::unique_ptr<MaxPoolOp>(new MaxPoolOp);
    op->x_ = v.ids[0], op->y_ = v.out_id, op->win_ = win;
    return op;
  }

  void run(Slots& slots, int threads) override {
    vnni::max_pool(slots.bytes(x_, true), win_, slots.write_bytes(y_, true), threads);
  }

 private:
  MaxPoolOp() = default;
  int x_ = -1, y_ = -1;
  vnni::Window win_;
};

// QLinearGlobalAveragePool of a 4-D tensor (ref::global_average_pool's integer path) on NHWC bytes.
class GlobalAveragePoolOp : public FastOp {
 public:
  static std::unique_ptr<FastOp> make(const NodeView& v, std::string& why) {
    const runtime::HostValue& x = *v.in[0];
    if (x.shape.size() != 4 || !is_8bit(x.dtype) || !is_8bit(v.out.dtype) ||
        v.out.shape != std::vector<std::int64_t>{x.shape[0], x.shape[1], 1, 1}) {
      why = "not a 4-D 8-bit tensor";
      return nullptr;
    }
    auto op = std::unique_ptr<GlobalAveragePoolOp>(new GlobalAveragePoolOp);
    op->n_ = x.shape[0], op->c_ = x.shape[1], op->count_ = x.shape[2] * x.shape[3];
    op->scale_ = quant::global_average_scale(x.scale, v.out.scale, op->count_);
    // The reference's limits (ORT's), and sums that stay in int32 here.
    if (op->count_ < 1 || op->count_ >= (std::int64_t{1} << 23) || !(op->scale_ >= 0x1.0p-32f && op->scale_ < 256.0f))
      return nullptr;
    op->x_ = v.ids[0], op->y_ = v.out_id;
    op->zx_ = x.zero_point + byte_offset(x.dtype);
    op->zy_ = v.out.zero_point, op->offset_y_ = byte_offset(v.out.dtype), op->type_ = type_range(v.out.dtype);
    return op;
  }

  void run(Slots& slots, int) override {
    const std::uint8_t* x = slots.bytes(x_, true);
    std::uint8_t* y = slots.write_bytes(y_, true);
    sums_.resize(static_cast<std::size_t>(c_));
    for (std::int64_t n = 0; n < n_; ++n) {
      std::fill(sums_.begin(), sums_.end(), 0);
      for (std::int64_t p = 0; p < count_; ++p) {
        const std::uint8_t* row = x + (n * count_ + p) * c_;
        for (std::int64_t c = 0; c < c_; ++c) sums_[c] += row[c];
      }
      for (std::int64_t c = 0; c < c_; ++c) {
        const std::int32_t acc = sums_[c] - static_cast<std::int32_t>(count_) * zx_;
        y[n * c_ + c] = static_cast<std::uint8_t>(quant::requantize(acc, scale_, zy_, type_.lo, type_.hi) + offset_y_);
      }
    }
  }

 private:
  GlobalAveragePoolOp() = default;
  int x_ = -1, y_ = -1;
  std::int64_t n_ = 0, c_ = 0, count_ = 0;
  float scale_ = 0;
  std::int32_t zx_ = 0, zy_ = 0, offset_y_ = 0;
  Range type_;
  std::vector<std::int32_t> sums_;
};

// Reshape of an 8-bit activation: its row-major bytes under the new shape.
class ReshapeOp : public FastOp {
 public:
  static std::unique_ptr<FastOp> make(const NodeView& v, std::string& why) {
    const runtime::HostValue& x = *v.in[0];
    if (!is_8bit(x.dtype) || x.dtype != v.out.dtype || element_count(x.shape) != element_count(v.out.shape)) {
      why = "not an 8-bit reshape";
      return nullptr;
    }
    auto op = std::unique_ptr<ReshapeOp>(new ReshapeOp);
    op->x_ = v.ids[0], op->y_ = v.out_id, op->count_ = element_count(x.shape);
    return op;
  }

  void run(Slots& slots, int) override {
    const std::uint8_t* x = slots.bytes(x_, false);
    std::memcpy(slots.write_bytes(y_, false), x, static_cast<std::size_t>(count_));
  }

 private:
  ReshapeOp() = default;
  int x_ = -1, y_ = -1;
  std::int64_t count_ = 0;
};

// QuantizeLinear of a float activation (ref::quantize_linear), written NHWC for convolutions and pools.
class QuantizeOp : public FastOp {
 public:
  static std::unique_ptr<FastOp> make(const NodeView& v) {
    const runtime::HostValue& x = *v.in[0];
    if (x.dtype != DType::kFloat32 || !is_8bit(v.out.dtype) || v.out.shape != x.shape ||
        !(std::isfinite(v.out.scale) && v.out.scale > 0)) {
      return nullptr;
    }
    auto q = std::unique_ptr<QuantizeOp>(new QuantizeOp);
    q->op_ = v.op, q->x_ = v.ids[0], q->y_ = v.out_id, q->out_ = v.out;
    q->nhwc_ = v.out_nhwc && v.out.shape.size() == 4;
    return q;
  }

  void run(Slots& slots, int) override {
    const runtime::HostValue& x = slots.host(x_);
    if (static_cast<std::int64_t>(x.floats.size()) != element_count(out_.shape) ||
        std::any_of(x.floats.begin(), x.floats.end(), [](float f) { return std::isnan(f); })) {
      slots.set_host(y_, runtime::run_host_op(op_, {&x}, out_));  // the reference kernel's error
      return;
    }
    std::uint8_t* y = slots.write_bytes(y_, nhwc_);
    const Range type = type_range(out_.dtype);
    const vnni::QuantizeParams p{out_.scale, out_.zero_point, type.lo, type.hi, byte_offset(out_.dtype)};
    if (!nhwc_ || layout_free(out_.shape)) {
      vnni::quantize(x.floats.data(), element_count(out_.shape), p, y, 1);
      return;
    }
    const std::int64_t c = out_.shape[1], hw = out_.shape[2] * out_.shape[3];
    for (std::int64_t n = 0; n < out_.shape[0]; ++n) {  // each channel's plane into its NHWC column
      for (std::int64_t ch = 0; ch < c; ++ch) {
        vnni::quantize(x.floats.data() + (n * c + ch) * hw, hw, p, y + n * hw * c + ch, c);
      }
    }
  }

 private:
  QuantizeOp() = default;
  OpDesc op_;
  int x_ = -1, y_ = -1;
  bool nhwc_ = false;
  runtime::OutDesc out_;
};

// DequantizeLinear of an 8-bit activation (ref::dequantize_linear: float32(x - zx) * scale).
class DequantizeOp : public FastOp {
 public:
  static std::unique_ptr<FastOp> make(const NodeView& v) {
    const runtime::HostValue& x = *v.in[0];
    if (!is_8bit(x.dtype) || v.out.dtype != DType::kFloat32) return nullptr;
    auto d = std::unique_ptr<DequantizeOp>(new DequantizeOp);
    d->x_ = v.ids[0], d->y_ = v.out_id, d->shape_ = x.shape, d->scale_ = x.scale;
    d->zero_point_ = x.zero_point + byte_offset(x.dtype);
    return d;
  }

  void run(Slots& slots, int) override {
    const std::uint8_t* x = slots.bytes(x_, false);
    runtime::HostValue y;
    y.dtype = DType::kFloat32;
    y.shape = shape_;
    y.floats.resize(static_cast<std::size_t>(element_count(shape_)));
    for (std::size_t i = 0; i < y.floats.size(); ++i) {
      y.floats[i] = ref::detail::dequantize(x[i], zero_point_, scale_);  // stored byte and zero point: same difference
    }
    slots.set_host(y_, std::move(y));
  }

 private:
  DequantizeOp() = default;
  int x_ = -1, y_ = -1;
  std::vector<std::int64_t> shape_;
  float scale_ = 1;
  std::int32_t zero_point_ = 0;
};

// The node on the VNNI kernels, or null with the reason (empty: the reference kernel's checks would refuse it, or a
// form those kernels do not take).
std::unique_ptr<FastOp> make_fast(const NodeView& v, std::string& why) {
  why.clear();
  if (!vnni::available()) {
    why = "no AVX-512 VNNI on this CPU";
    return nullptr;
  }
  if (v.op.kind == OpKind::kQuantize) {
    return v.in.size() == 1 && v.in[0] && !v.constant[0] ? QuantizeOp::make(v) : nullptr;
  }
  if (v.op.kind == OpKind::kDequantize) {
    return v.in.size() == 1 && v.in[0] && !v.constant[0] ? DequantizeOp::make(v) : nullptr;
  }
  for (std::size_t i = 0; i < v.in.size(); ++i) {
    if (!v.in[i]) continue;
    if (!v.constant[i] && !is_8bit(v.in[i]->dtype)) return nullptr;  // float activations: host kernels
  }
  const bool eight_bit_out = is_8bit(v.out.dtype);
  switch (v.op.kind) {
    case OpKind::kConv:
    case OpKind::kGemm:
    case OpKind::kMatMul: {
      if (v.in.size() >= 2 && v.in[1] && v.constant.size() >= 2 && !v.constant[1]) {
        return v.op.kind == OpKind::kMatMul && v.in.size() == 2 && v.in[0] && !v.constant[0] ? MatMulOp::make(v, why)
                                                                                             : nullptr;
      }
      if (!operand_problem(v.op, v.in, v.constant, v.out).empty() || v.constant[0]) return nullptr;
      return v.op.kind == OpKind::kConv ? ConvOp::make(v, why) : GemmOp::make(v, why);
    }
    case OpKind::kAdd: return v.in.size() == 2 && v.in[0] && v.in[1] && eight_bit_out ? AddOp::make(v, why) : nullptr;
    case OpKind::kMaxPool: return v.in.size() == 1 && v.in[0] ? MaxPoolOp::make(v, why) : nullptr;
    case OpKind::kGlobalAveragePool: return v.in.size() == 1 && v.in[0] ? GlobalAveragePoolOp::make(v, why) : nullptr;
    case OpKind::kReshape: return v.in.size() == 1 && v.in[0] && !v.constant[0] ? ReshapeOp::make(v, why) : nullptr;
    default: return nullptr;
  }
}

}  // namespace

namespace {

// One host step of an accelerator run on a FastOp: a graph of its operands and output for the byte slots.
class HostStep {
 public:
  HostStep(const OpDesc& op, const std::vector<const runtime::HostValue*>& in, const std::vector<bool>& constant,
           const runtime::OutDesc& out) {
    for (std::size_t i = 0; i < in.size(); ++i) {
      compiler::Value v;
      v.name = "in" + std::to_string(i);
      if (in[i]) v.dtype = in[i]->dtype, v.shape = in[i]->shape, v.scale = in[i]->scale;
      if (in[i]) v.zero_point = in[i]->zero_point;
      v.is_const = in[i] && constant[i];
      graph_.values.push_back(std::move(v));
      consts_.push_back(in[i] && constant[i] ? *in[i] : runtime::HostValue{});
      ids_.push_back(in[i] ? static_cast<int>(i) : -1);
    }
    compiler::Value y;
    y.name = "out", y.dtype = out.dtype, y.shape = out.shape, y.scale = out.scale, y.zero_point = out.zero_point;
    graph_.values.push_back(std::move(y));
    consts_.emplace_back();
    out_ = static_cast<int>(in.size());
    std::string why;
    fast_ = make_fast({op, ids_, in, constant, out_, out, false}, why);
    slots_ = std::make_unique<Slots>(graph_, consts_);
    // One thread: a host step is one operator between simulated segments, and OpenMP regions stall when another
    // process holds the second core (docs/cpu-baseline.md).
    threads_ = 1;
  }

  bool ready() const { return fast_ != nullptr; }

  runtime::HostValue operator()(const std::vector<const runtime::HostValue*>& in) {
    slots_->reset();
    for (std::size_t i = 0; i < in.size() && i < ids_.size(); ++i) {
      if (ids_[i] >= 0 && !graph_.values[i].is_const && in[i]) slots_->bind_host(ids_[i], *in[i]);
    }
    fast_->run(*slots_, threads_);
    return slots_->take_host(out_);
  }

 private:
  compiler::Graph graph_;
  std::vector<runtime::HostValue> consts_;
  std::vector<int> ids_;
  int out_ = -1;
  int threads_ = 1;
  std::unique_ptr<FastOp> fast_;
  std::unique_ptr<Slots> slots_;
};

}  // namespace

runtime::PreparedHostOp prepare_host_op(const OpDesc& op, const std::vector<const runtime::HostValue*>& in,
                                        const std::vector<bool>& constant, const runtime::OutDesc& out) {
  if (in.size() == constant.size()) {
    auto step = std::make_shared<HostStep>(op, in, constant, out);
    if (step->ready()) return [step](const std::vector<const runtime::HostValue*>& inputs) { return (*step)(inputs); };
  }
  return prepare_onednn(op, in, constant, out);
}

struct Baseline::Impl {
  compiler::Graph graph;
  int threads = 1;
  std::vector<OpDesc> ops;  // per node, as a host step carries it (compiler::host_op)
  // Per node, the first of: the VNNI kernels, oneDNN on host values, the reference kernels (both empty).
  std::vector<std::unique_ptr<FastOp>> fast;
  std::vector<runtime::PreparedHostOp> prepared;
  std::vector<NodePlan> plan;
  std::vector<runtime::HostValue> consts;
  std::unique_ptr<Slots> slots;
  std::vector<double> node_seconds;
};

Baseline::Baseline(const compiler::Graph& graph, const Options& options) : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  s.graph = graph;
  s.threads = options.threads > 0 ? options.threads : omp_get_num_procs();
  omp_set_num_threads(s.threads);
  s.consts.resize(graph.values.size());
  std::vector<runtime::HostValue> shapes(graph.values.size());  // what a kernel is prepared from
  for (std::size_t i = 0; i < graph.values.size(); ++i) {
    const compiler::Value& v = graph.values[i];
    if (v.is_const) s.consts[i] = compiler::const_value(v);
    shapes[i] = v.is_const ? s.consts[i] : runtime::HostValue{v.dtype, v.shape, {}, {}, v.scale, v.zero_point};
  }
  std::vector<bool> nhwc_consumer(graph.values.size(), false);
  for (const compiler::Node& node : graph.nodes) {
    const OpKind k = node.op.kind;
    if ((k == OpKind::kConv || k == OpKind::kMaxPool || k == OpKind::kGlobalAveragePool) && !node.inputs.empty() &&
        node.inputs[0] >= 0) {
      nhwc_consumer[static_cast<std::size_t>(node.inputs[0])] = true;
    }
  }
  for (const compiler::Node& node : s.graph.nodes) {
    std::vector<const runtime::HostValue*> in;
    std::vector<bool> constant;
    for (int id : node.inputs) {
      in.push_back(id < 0 ? nullptr : &shapes[static_cast<std::size_t>(id)]);
      constant.push_back(id >= 0 && graph.values[static_cast<std::size_t>(id)].is_const);
    }
    const compiler::Value& y = graph.values[static_cast<std::size_t>(node.output)];
    const runtime::OutDesc out{y.dtype, y.scale, y.zero_point, y.shape};
    s.ops.push_back(compiler::host_op(s.graph, node));
    std::string why;
    s.fast.push_back(make_fast({s.ops.back(), node.inputs, in, constant, node.output, out,
                                nhwc_consumer[static_cast<std::size_t>(node.output)]},
                               why));
    if (s.fast.back()) {
      s.prepared.emplace_back();
      s.plan.push_back({node.name, "vnni", ""});
      continue;
    }
    std::string reason = onednn_refusal(s.ops.back(), in, constant, out);
    s.prepared.push_back(reason.empty() ? make_kernel(s.ops.back(), in, out) : runtime::PreparedHostOp{});
    if (reason.empty() && !s.prepared.back()) reason = "oneDNN has no primitive for this form";
    if (!why.empty()) reason = why + "; " + reason;
    s.plan.push_back({node.name, s.prepared.back() ? "onednn" : "reference", reason});
  }
  s.slots = std::make_unique<Slots>(s.graph, s.consts);
}

Baseline::~Baseline() = default;

const std::vector<NodePlan>& Baseline::plan() const {
  return impl_->plan;
}
int Baseline::threads() const {
  return impl_->threads;
}
const std::vector<double>& Baseline::node_seconds() const {
  return impl_->node_seconds;
}

std::map<std::string, Tensor> Baseline::run(const std::map<std::string, Tensor>& inputs) {
  Impl& s = *impl_;
  const compiler::Graph& g = s.graph;
  omp_set_num_threads(s.threads);
  Slots& slots = *s.slots;
  slots.reset();
  std::vector<runtime::HostValue> values(g.values.size());
  compiler::bind_graph_inputs(g, inputs, values, "cpu baseline");
  for (int id : g.inputs) slots.set_host(id, std::move(values[static_cast<std::size_t>(id)]));
  s.node_seconds.assign(g.nodes.size(), 0.0);
  for (std::size_t i = 0; i < g.nodes.size(); ++i) {
    const auto start = std::chrono::steady_clock::now();
    const compiler::Node& n = g.nodes[i];
    if (s.fast[i]) {
      s.fast[i]->run(slots, s.threads);
    } else {
      std::vector<const runtime::HostValue*> in;
      for (int id : n.inputs) in.push_back(id < 0 ? nullptr : &slots.host(id));
      const compiler::Value& out = g.values[static_cast<std::size_t>(n.output)];
      slots.set_host(n.output, s.prepared[i] ? s.prepared[i](in)
                                             : runtime::run_host_op(s.ops[i], in,
                                                                    {out.dtype, out.scale, out.zero_point, out.shape}));
    }
    s.node_seconds[i] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  for (int id : g.outputs) values[static_cast<std::size_t>(id)] = slots.host(id);
  return compiler::graph_outputs(g, values);
}

}  // namespace systole::cpu
