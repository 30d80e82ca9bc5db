#include "perf/baselines/cpu/cpu_baseline.hpp"

#include <omp.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <oneapi/dnnl/dnnl.hpp>
#include <optional>

#include "compiler/interpret.hpp"
#include "runtime/host_kernels.hpp"
#include "sim/isa/quant.hpp"
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

}  // namespace

std::string onednn_refusal(const OpDesc& op, const std::vector<const runtime::HostValue*>& in,
                           const std::vector<bool>& constant, const runtime::OutDesc& out) {
  // Everything the reference kernel would check, so that oneDNN only sees operands it computes exactly; whatever is
  // refused runs on the reference kernel, which reports what is wrong with it.
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
    const int shift = w.dtype == DType::kUint8 ? 128 : 0;
    for (std::int32_t z : q.zero_point) {
      if (z - shift != 0) return "weight zero point not 0 (oneDNN convolutions have none)";
    }
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

struct Baseline::Impl {
  compiler::Graph graph;
  int threads = 1;
  std::vector<OpDesc> ops;                        // per node, as a host step carries it (compiler::host_op)
  std::vector<runtime::PreparedHostOp> prepared;  // per node; empty: the reference kernels
  std::vector<NodePlan> plan;
  std::vector<runtime::HostValue> consts;
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
    std::string reason = onednn_refusal(s.ops.back(), in, constant, out);
    s.prepared.push_back(reason.empty() ? make_kernel(s.ops.back(), in, out) : runtime::PreparedHostOp{});
    if (reason.empty() && !s.prepared.back()) reason = "oneDNN has no primitive for this form";
    s.plan.push_back({node.name, s.prepared.back() ? "onednn" : "reference", reason});
  }
}

Baseline::~Baseline() = default;

const std::vector<NodePlan>& Baseline::plan() const {
  return impl_->plan;
}
int Baseline::threads() const {
  return impl_->threads;
}

std::map<std::string, Tensor> Baseline::run(const std::map<std::string, Tensor>& inputs) {
  Impl& s = *impl_;
  const compiler::Graph& g = s.graph;
  omp_set_num_threads(s.threads);
  // Activations only: the constants (the weights, 100 MB as int32 values for ResNet-50) are read in place.
  std::vector<runtime::HostValue> values(g.values.size());
  auto value = [&](int id) -> const runtime::HostValue* {
    const auto i = static_cast<std::size_t>(id);
    return g.values[i].is_const ? &s.consts[i] : &values[i];
  };
  compiler::bind_graph_inputs(g, inputs, values, "cpu baseline");
  for (std::size_t i = 0; i < g.nodes.size(); ++i) {
    const compiler::Node& n = g.nodes[i];
    std::vector<const runtime::HostValue*> in;
    for (int id : n.inputs) in.push_back(id < 0 ? nullptr : value(id));
    const compiler::Value& out = g.values[static_cast<std::size_t>(n.output)];
    values[static_cast<std::size_t>(n.output)] =
        s.prepared[i] ? s.prepared[i](in)
                      : runtime::run_host_op(s.ops[i], in, {out.dtype, out.scale, out.zero_point, out.shape});
  }
  for (int id : g.outputs) values[static_cast<std::size_t>(id)] = *value(id);  // a constant output, rarely
  return compiler::graph_outputs(g, values);
}

}  // namespace systole::cpu
