// QLinearConv: 2-D convolution with groups, asymmetric padding and dilation, as plain loops.
//
// ONNX Runtime (onnxruntime/core/providers/cpu/quantization/qlinearconv.cc): an exact int32 accumulation of
// (x - zx) * (w - zw[m]) plus the bias, then MlasRequantizeOutput with the fp32 scale (sx * sw[m]) / sy
// (ComputeOutputScale) -- quant::requantize with quant::requant_scale. QDQ Conv with uint8 activations fuses to
// this operator; with int8 activations ORT on x86 keeps DQ -> float Conv -> Q, which this kernel does not model.
#include <algorithm>
#include <string>

#include "sim/isa/quant.hpp"
#include "sim/ref/ref_detail.hpp"
#include "sim/ref/ref_kernels.hpp"

namespace systole::ref {

namespace {

constexpr std::string_view kOp = "qlinear_conv";

void check_conv_attrs(const ConvAttrs& attrs) {
  detail::check_attr(attrs.strides[0], 1, kOp, "strides[0]");
  detail::check_attr(attrs.strides[1], 1, kOp, "strides[1]");
  detail::check_attr(attrs.dilations[0], 1, kOp, "dilations[0]");
  detail::check_attr(attrs.dilations[1], 1, kOp, "dilations[1]");
  detail::check_attr(attrs.pads[0], 0, kOp, "pads[0] (top)");
  detail::check_attr(attrs.pads[1], 0, kOp, "pads[1] (left)");
  detail::check_attr(attrs.pads[2], 0, kOp, "pads[2] (bottom)");
  detail::check_attr(attrs.pads[3], 0, kOp, "pads[3] (right)");
  detail::check_attr(attrs.group, 1, kOp, "group");
}

}  // namespace

QTensor qlinear_conv(const QTensor& x, const QTensor& w, const std::vector<std::int32_t>& bias, const ConvAttrs& attrs,
                     const OutSpec& out) {
  using detail::fail;
  validate_tensor(x, kOp, "x");
  validate_tensor(w, kOp, "w");
  detail::check_out_spec(out, kOp);
  check_conv_attrs(attrs);
  detail::require_rank(x, 4, "(N, C, H, W)", kOp, "x");
  detail::require_rank(w, 4, "(M, C/group, kH, kW)", kOp, "w");
  detail::require_8bit(x, kOp, "x");
  detail::require_8bit(w, kOp, "w");
  detail::require_per_tensor(x, kOp, "x");

  const std::int64_t n_batch = x.shape[0], channels = x.shape[1], height = x.shape[2], width = x.shape[3];
  const std::int64_t out_channels = w.shape[0], group_channels = w.shape[1], k_h = w.shape[2], k_w = w.shape[3];
  const std::int64_t group = attrs.group;
  if (out_channels < 1 || k_h < 1 || k_w < 1) fail(kOp, "w has an empty dimension: " + detail::shape_str(w.shape));
  if (channels % group != 0 || out_channels % group != 0) {
    fail(kOp, "group = " + std::to_string(group) + " must divide both the input channels (" + std::to_string(channels) +
                  ") and the output channels (" + std::to_string(out_channels) + ")");
  }
  if (group_channels != channels / group) {
    fail(kOp, "w has " + std::to_string(group_channels) + " input channels per group but x has " +
                  std::to_string(channels) + " channels in " + std::to_string(group) + " groups");
  }
  if (w.q.scale.size() > 1 && detail::channel_axis(w) != 0) {
    fail(kOp, "per-channel w must be quantized along axis 0 (output channels), not axis " + std::to_string(w.q.axis));
  }
  if (!bias.empty() && static_cast<std::int64_t>(bias.size()) != out_channels) {
    fail(kOp, "bias has " + std::to_string(bias.size()) + " values; expected one per output channel (" +
                  std::to_string(out_channels) + ")");
  }

  const detail::WindowAxis ax_h{height, k_h, attrs.strides[0], attrs.dilations[0], attrs.pads[0], attrs.pads[2]};
  const detail::WindowAxis ax_w{width, k_w, attrs.strides[1], attrs.dilations[1], attrs.pads[1], attrs.pads[3]};
  const std::int64_t out_h = detail::output_extent(ax_h, false, kOp, "H");
  const std::int64_t out_w = detail::output_extent(ax_w, false, kOp, "W");

  const float sx = x.q.scale[0];
  const std::int32_t zx = x.q.zero_point[0];
  const std::int32_t lo = attrs.fused_relu ? std::max(type_min(out.type), out.zero_point) : type_min(out.type);
  const std::int32_t hi = type_max(out.type);
  const std::int64_t m_per_group = out_channels / group;

  QTensor y = detail::make_output({n_batch, out_channels, out_h, out_w}, out, kOp);
  for (std::int64_t m = 0; m < out_channels; ++m) {
    const std::size_t qc = w.q.scale.size() > 1 ? static_cast<std::size_t>(m) : 0;
    const std::int32_t zw = w.q.zero_point[qc];
    const float scale = quant::requant_scale(sx, w.q.scale[qc], out.scale);
    const std::int64_t first_c = (m / m_per_group) * group_channels;  // first input channel of m's group
    for (std::int64_t n = 0; n < n_batch; ++n) {
      for (std::int64_t oh = 0; oh < out_h; ++oh) {
        for (std::int64_t ow = 0; ow < out_w; ++ow) {
          std::int64_t acc = bias.empty() ? 0 : bias[m];
          for (std::int64_t c = 0; c < group_channels; ++c) {
            for (std::int64_t kh = 0; kh < k_h; ++kh) {
              const std::int64_t ih = ax_h.position(oh, kh);
              if (ih < 0 || ih >= height) continue;  // padding: x - zx = 0
              for (std::int64_t kw = 0; kw < k_w; ++kw) {
                const std::int64_t iw = ax_w.position(ow, kw);
                if (iw < 0 || iw >= width) continue;
                const std::int32_t xv = x.values[((n * channels + first_c + c) * height + ih) * width + iw];
                const std::int32_t wv = w.values[((m * group_channels + c) * k_h + kh) * k_w + kw];
                acc += std::int64_t{detail::centered(xv, zx)} * detail::centered(wv, zw);
              }
            }
          }
          y.values[((n * out_channels + m) * out_h + oh) * out_w + ow] =
              quant::requantize(detail::to_accumulator(acc, kOp), scale, out.zero_point, lo, hi);
        }
      }
    }
  }
  return y;
}

}  // namespace systole::ref
