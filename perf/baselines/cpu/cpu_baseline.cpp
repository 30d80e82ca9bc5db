#include "perf/baselines/cpu/cpu_baseline.hpp"

#include <omp.h>

#include <algorithm>
#include <cstring>
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

// A weight's per-output-channel scales and zero points (one entry each when per tensor).
struct ChannelQuant {
  std::vector<float> scale;
  std::vector<std::int32_t> zero_point;
};

ChannelQuant channel_quant(const compiler::Value& w) {
  if (!w.channel_scale.empty()) return {w.channel_scale, w.channel_zero_point};
  return {{w.scale}, {w.zero_point}};
}

// A constant 8-bit weight as int8 for oneDNN: uint8 values (and their zero points) shift by -128, which leaves every
// (w - zw) unchanged.
std::vector<std::int8_t> weight_s8(const compiler::Value& w, ChannelQuant& q) {
  const int shift = w.dtype == DType::kUint8 ? 128 : 0;
  std::vector<std::int8_t> out(w.data.size());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::int8_t>(w.data[i] - shift);
  for (auto& z : q.zero_point) z -= shift;
  return out;
}

Dt act_type(DType t) {
  return t == DType::kUint8 ? Dt::u8 : Dt::s8;
}

class Kernel {
 public:
  virtual ~Kernel() = default;
  virtual runtime::HostValue run(const std::vector<const runtime::HostValue*>& in) = 0;
};

// QLinearConv on oneDNN: the input is copied into an NHWC buffer padded with its zero point, so every tap is real and
// sum (x - zx) * w = oneDNN's sum x * w - zx * sum w; weights must then have zero point 0 (after the uint8 shift).
class ConvKernel : public Kernel {
 public:
  ConvKernel(const dnnl::engine& engine, dnnl::stream& stream, const compiler::Graph& g, const compiler::Node& node)
      : engine_(engine), stream_(stream) {
    const compiler::Value& x = g.values[static_cast<std::size_t>(node.inputs[0])];
    const compiler::Value& w = g.values[static_cast<std::size_t>(node.inputs[1])];
    const compiler::Value& y = g.values[static_cast<std::size_t>(node.output)];
    const OpDesc& op = node.op;
    auto two = [&](const char* key, std::int64_t fallback) {
      const auto v = op.ints_or(key, {fallback, fallback});
      return std::array<std::int64_t, 2>{v.at(0), v.at(1)};
    };
    const auto strides = two("strides", 1), dilations = two("dilations", 1);
    const auto p = op.ints_or("pads", {0, 0, 0, 0});
    pads_ = {p.at(0), p.at(1), p.at(2), p.at(3)};
    group_ = op.ints_or("group", {1})[0];
    n_ = x.shape[0], c_ = x.shape[1], h_ = x.shape[2], w_ = x.shape[3];
    m_ = w.shape[0];
    const std::int64_t kh = w.shape[2], kw = w.shape[3];
    oh_ = y.shape[2], ow_ = y.shape[3];
    hp_ = h_ + pads_[0] + pads_[2], wp_ = w_ + pads_[1] + pads_[3];
    zx_ = x.zero_point;
    src_type_ = act_type(x.dtype);

    ChannelQuant q = channel_quant(w);
    const std::vector<std::int8_t> weights = weight_s8(w, q);
    const std::int64_t per_m = w.shape[1] * kh * kw;
    sum_w_.assign(static_cast<std::size_t>(m_), 0);
    for (std::int64_t m = 0; m < m_; ++m) {
      for (std::int64_t i = 0; i < per_m; ++i) sum_w_[m] += weights[static_cast<std::size_t>(m * per_m + i)];
    }
    const auto bias = node.inputs.size() > 2 && node.inputs[2] >= 0
                          ? g.values[static_cast<std::size_t>(node.inputs[2])].data
                          : std::vector<std::int32_t>{};
    bias_.assign(static_cast<std::size_t>(m_), 0);
    for (std::size_t m = 0; m < bias.size(); ++m) bias_[m] = bias[m];

    epilogue_.zero_point = y.zero_point;
    epilogue_.type = type_range(y.dtype);
    epilogue_.clip = fused_clip(op);
    for (std::size_t i = 0; i < q.scale.size(); ++i) {
      epilogue_.scale.push_back(quant::requant_scale(x.scale, q.scale[i], y.scale));
    }

    const memory::desc src_md({n_, c_, hp_, wp_}, src_type_, Tag::nhwc);
    const memory::desc dst_md({n_, m_, oh_, ow_}, Dt::s32, Tag::nhwc);
    const memory::dims wei_dims =
        group_ == 1 ? memory::dims{m_, c_, kh, kw} : memory::dims{group_, m_ / group_, c_ / group_, kh, kw};
    const memory::desc wei_any(wei_dims, Dt::s8, Tag::any);
    const memory::desc wei_user(wei_dims, Dt::s8, group_ == 1 ? Tag::oihw : Tag::goihw);
    const dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                                               src_md, wei_any, dst_md, {strides[0], strides[1]},
                                               {dilations[0] - 1, dilations[1] - 1}, {0, 0}, {0, 0});
    const dnnl::convolution_forward::primitive_desc pd(desc, engine_);
    conv_ = dnnl::convolution_forward(pd);
    weights_ = memory(pd.weights_desc(), engine_);
    memory user(wei_user, engine_, const_cast<std::int8_t*>(weights.data()));
    dnnl::reorder(user, weights_).execute(stream_, user, weights_);
    stream_.wait();
    src_ = memory(src_md, engine_);
    dst_ = memory(dst_md, engine_);
    // The padding never changes: fill it once.
    std::memset(src_.get_data_handle(), static_cast<std::uint8_t>(zx_), static_cast<std::size_t>(n_ * c_ * hp_ * wp_));
  }

  runtime::HostValue run(const std::vector<const runtime::HostValue*>& in) override {
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
    conv_.execute(stream_, {{DNNL_ARG_SRC, src_}, {DNNL_ARG_WEIGHTS, weights_}, {DNNL_ARG_DST, dst_}});
    stream_.wait();

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
  const dnnl::engine& engine_;
  dnnl::stream& stream_;
  std::array<std::int64_t, 4> pads_{};
  std::int64_t group_ = 1, n_ = 0, c_ = 0, h_ = 0, w_ = 0, m_ = 0, oh_ = 0, ow_ = 0, hp_ = 0, wp_ = 0;
  std::int32_t zx_ = 0;
  Dt src_type_ = Dt::u8;
  std::vector<std::int64_t> sum_w_, bias_;
  Epilogue epilogue_;
  dnnl::convolution_forward conv_;
  memory weights_, src_, dst_;
};

// QLinearMatMul ([..., M, K] x constant [K, N]) and QGemm on oneDNN's matmul: raw = sum a * b, then
// sum (a - za)(b - zb[n]) = raw - za * colsum_b[n] - zb[n] * rowsum_a[m] + K * za * zb[n].
class MatmulKernel : public Kernel {
 public:
  MatmulKernel(const dnnl::engine& engine, dnnl::stream& stream, const compiler::Graph& g, const compiler::Node& node)
      : engine_(engine), stream_(stream) {
    const compiler::Value& a = g.values[static_cast<std::size_t>(node.inputs[0])];
    const compiler::Value& b = g.values[static_cast<std::size_t>(node.inputs[1])];
    const compiler::Value& y = g.values[static_cast<std::size_t>(node.output)];
    const OpDesc& op = node.op;
    const bool gemm = op.kind == OpKind::kGemm;
    trans_a_ = gemm && op.ints_or("trans_a", {0})[0] != 0;
    const bool trans_b = gemm && op.ints_or("trans_b", {0})[0] != 0;
    const std::size_t ra = a.shape.size();
    k_ = trans_a_ ? a.shape[0] : a.shape[ra - 1];
    m_ = a.elements() / k_;
    n_ = trans_b ? b.shape[0] : b.shape[1];
    za_ = a.zero_point;
    out_shape_ = y.shape;

    ChannelQuant q = channel_quant(b);
    const std::vector<std::int8_t> weights = weight_s8(b, q);
    zb_.assign(static_cast<std::size_t>(n_), 0);
    colsum_b_.assign(static_cast<std::size_t>(n_), 0);
    for (std::int64_t n = 0; n < n_; ++n) {
      zb_[n] = q.zero_point.size() > 1 ? q.zero_point[static_cast<std::size_t>(n)] : q.zero_point[0];
      for (std::int64_t k = 0; k < k_; ++k)
        colsum_b_[n] += weights[static_cast<std::size_t>(trans_b ? n * k_ + k : k * n_ + n)];
    }
    bias_.assign(static_cast<std::size_t>(n_), 0);
    if (gemm && node.inputs.size() > 2 && node.inputs[2] >= 0) {
      const auto& bias = g.values[static_cast<std::size_t>(node.inputs[2])].data;
      for (std::size_t n = 0; n < bias.size(); ++n) bias_[n] = bias[n];
    }
    const auto alpha_it = op.floats.find("alpha");
    const float alpha = gemm && alpha_it != op.floats.end() ? static_cast<float>(alpha_it->second.at(0)) : 1.0f;
    const float a_scale = alpha * a.scale;  // QGemm: alpha * a_scale first, in fp32 (ref::qgemm)
    epilogue_.zero_point = y.zero_point;
    epilogue_.type = type_range(y.dtype);
    epilogue_.clip = fused_clip(op);
    for (float s : q.scale) epilogue_.scale.push_back(quant::requant_scale(a_scale, s, y.scale));

    const memory::desc a_md({m_, k_}, act_type(a.dtype), trans_a_ ? Tag::ba : Tag::ab);
    const memory::desc b_any({k_, n_}, Dt::s8, Tag::any);
    const memory::desc b_user({k_, n_}, Dt::s8, trans_b ? Tag::ba : Tag::ab);
    const memory::desc c_md({m_, n_}, Dt::s32, Tag::ab);
    const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a_md, b_any, c_md), engine_);
    matmul_ = dnnl::matmul(pd);
    weights_ = memory(pd.weights_desc(), engine_);
    memory user(b_user, engine_, const_cast<std::int8_t*>(weights.data()));
    dnnl::reorder(user, weights_).execute(stream_, user, weights_);
    stream_.wait();
    a_ = memory(a_md, engine_);
    c_ = memory(c_md, engine_);
  }

  runtime::HostValue run(const std::vector<const runtime::HostValue*>& in) override {
    const std::vector<std::int32_t>& av = in[0]->ints;
    auto* a = static_cast<std::uint8_t*>(a_.get_data_handle());
    for (std::size_t i = 0; i < av.size(); ++i) a[i] = static_cast<std::uint8_t>(av[i]);
    std::vector<std::int64_t> rowsum(static_cast<std::size_t>(m_), 0);
    const bool signed_a = a_.get_desc().data_type() == Dt::s8;
    for (std::int64_t i = 0; i < m_ * k_; ++i) {
      const std::int64_t row = trans_a_ ? i % m_ : i / k_;
      rowsum[static_cast<std::size_t>(row)] += signed_a ? static_cast<std::int8_t>(a[i]) : a[i];
    }
    matmul_.execute(stream_, {{DNNL_ARG_SRC, a_}, {DNNL_ARG_WEIGHTS, weights_}, {DNNL_ARG_DST, c_}});
    stream_.wait();

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
  const dnnl::engine& engine_;
  dnnl::stream& stream_;
  bool trans_a_ = false;
  std::int64_t m_ = 0, k_ = 0, n_ = 0, za_ = 0;
  std::vector<std::int64_t> out_shape_, zb_, colsum_b_, bias_;
  Epilogue epilogue_;
  dnnl::matmul matmul_;
  memory weights_, a_, c_;
};

bool is_8bit(DType t) {
  return t == DType::kInt8 || t == DType::kUint8;
}

// Why `node` runs on the reference kernels, or "" when oneDNN runs it exactly.
std::string reference_reason(const compiler::Graph& g, const compiler::Node& node) {
  const OpKind kind = node.op.kind;
  if (kind != OpKind::kConv && kind != OpKind::kMatMul && kind != OpKind::kGemm) return "not a conv, matmul or gemm";
  if (node.inputs.size() < 2 || node.inputs[1] < 0) return "no weight operand";
  const compiler::Value& x = g.values[static_cast<std::size_t>(node.inputs[0])];
  const compiler::Value& w = g.values[static_cast<std::size_t>(node.inputs[1])];
  const compiler::Value& y = g.values[static_cast<std::size_t>(node.output)];
  if (!is_8bit(x.dtype) || !is_8bit(w.dtype) || !is_8bit(y.dtype)) return "not 8-bit in and out";
  if (!w.is_const) return "activation x activation";
  if (kind == OpKind::kConv) {
    if (x.shape.size() != 4) return "not a 2-D convolution";
    const int shift = w.dtype == DType::kUint8 ? 128 : 0;
    const auto zp = w.channel_scale.empty() ? std::vector<std::int32_t>{w.zero_point} : w.channel_zero_point;
    for (std::int32_t z : zp) {
      if (z - shift != 0) return "weight zero point not 0 (oneDNN convolutions have none)";
    }
    return "";
  }
  if (w.shape.size() != 2) return "weight of rank " + std::to_string(w.shape.size());
  if (kind == OpKind::kGemm && x.shape.size() != 2) return "gemm operand not 2-D";
  return "";
}

}  // namespace

struct Baseline::Impl {
  compiler::Graph graph;
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  int threads = 1;
  std::vector<std::unique_ptr<Kernel>> kernels;  // per node; null: reference kernels
  std::vector<NodePlan> plan;
  std::vector<runtime::HostValue> consts;
};

Baseline::Baseline(const compiler::Graph& graph, const Options& options) : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  s.graph = graph;
  s.threads = options.threads > 0 ? options.threads : omp_get_num_procs();
  omp_set_num_threads(s.threads);
  s.consts.resize(graph.values.size());
  for (std::size_t i = 0; i < graph.values.size(); ++i) {
    if (graph.values[i].is_const) s.consts[i] = compiler::const_value(graph.values[i]);
  }
  for (const compiler::Node& node : s.graph.nodes) {
    const std::string reason = reference_reason(s.graph, node);
    std::unique_ptr<Kernel> k;
    if (reason.empty() && node.op.kind == OpKind::kConv) {
      k = std::make_unique<ConvKernel>(s.engine, s.stream, s.graph, node);
    } else if (reason.empty()) {
      k = std::make_unique<MatmulKernel>(s.engine, s.stream, s.graph, node);
    }
    s.plan.push_back({node.name, k ? "onednn" : "reference", reason});
    s.kernels.push_back(std::move(k));
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
  std::vector<runtime::HostValue> values = s.consts;
  for (int id : g.inputs) {
    const compiler::Value& v = g.values[static_cast<std::size_t>(id)];
    const auto it = inputs.find(v.name);
    if (it == inputs.end()) throw UserError("cpu baseline: input " + quote(v.name) + " is not bound");
    if (it->second.dtype != v.dtype || it->second.shape != v.shape) {
      throw UserError("cpu baseline: input " + quote(v.name) + " is " + std::string(dtype_name(it->second.dtype)) +
                      " " + it->second.shape_text() + ", expected " + std::string(dtype_name(v.dtype)) + " " +
                      shape_text(v.shape));
    }
    values[static_cast<std::size_t>(id)] = runtime::host_value(it->second, v.scale, v.zero_point);
  }
  for (std::size_t i = 0; i < g.nodes.size(); ++i) {
    const compiler::Node& n = g.nodes[i];
    std::vector<const runtime::HostValue*> in;
    for (int id : n.inputs) in.push_back(id < 0 ? nullptr : &values[static_cast<std::size_t>(id)]);
    const compiler::Value& out = g.values[static_cast<std::size_t>(n.output)];
    runtime::HostValue y;
    if (s.kernels[i]) {
      y = s.kernels[i]->run(in);
      y.dtype = out.dtype;
      y.scale = out.scale;
      y.zero_point = out.zero_point;
    } else {
      y = runtime::run_host_op(compiler::host_op(g, n), in, {out.dtype, out.scale, out.zero_point, out.shape});
    }
    values[static_cast<std::size_t>(n.output)] = std::move(y);
  }
  return compiler::graph_outputs(g, values);
}

}  // namespace systole::cpu
