// MaxPool, AveragePool and GlobalAveragePool on quantized NCHW tensors, as plain loops, computing what ONNX
// Runtime computes for the QDQ forms of these operators:
// - MaxPool: the Q/DQ pair is dropped when input and output quantization agree (an integer max); otherwise the
//   float MaxPool runs between DequantizeLinear and QuantizeLinear.
// - AveragePool -> com.microsoft QLinearAveragePool (contrib_ops/cpu/quantization/qlinear_pool.cc): fp32 path.
// - GlobalAveragePool -> QLinearGlobalAveragePool (MLAS qlgavgpool.cpp): integer sum, one MlasRequantizeOutput.
#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>

#include "sim/isa/quant.hpp"
#include "sim/ref/ref_detail.hpp"
#include "sim/ref/ref_kernels.hpp"

namespace systole::ref {

namespace {

struct PoolGeometry {
  std::int64_t batch = 0;
  std::int64_t channels = 0;
  detail::WindowAxis h;
  detail::WindowAxis w;
  std::int64_t out_h = 0;
  std::int64_t out_w = 0;
};

void check_input(const QTensor& x, const OutSpec& out, std::string_view op) {
  validate_tensor(x, op, "x");
  detail::check_out_spec(out, op);
  detail::require_8bit(x, op, "x");
  detail::require_per_tensor(x, op, "x");
}

PoolGeometry pool_geometry(const QTensor& x, const PoolAttrs& attrs, const OutSpec& out, std::string_view op) {
  check_input(x, out, op);
  detail::require_rank(x, 4, "(N, C, H, W)", op, "x");
  static constexpr const char* kAxis[2] = {"H", "W"};
  for (int d = 0; d < 2; ++d) {
    const std::string axis = kAxis[d];
    detail::check_attr(attrs.kernel[d], 1, op, "kernel " + axis);
    detail::check_attr(attrs.strides[d], 1, op, "stride " + axis);
    detail::check_attr(attrs.dilations[d], 1, op, "dilation " + axis);
    for (const int p : {d, d + 2}) {
      detail::check_attr(attrs.pads[p], 0, op, "pads[" + std::to_string(p) + "]");
      // As ONNX Runtime requires; it also keeps every window (but for dilated corner cases) on the input.
      if (attrs.pads[p] >= attrs.kernel[d]) {
        detail::fail(op, "pads[" + std::to_string(p) + "] = " + std::to_string(attrs.pads[p]) +
                             " must be smaller than the kernel along " + axis + " (" + std::to_string(attrs.kernel[d]) +
                             ")");
      }
    }
  }
  PoolGeometry g;
  g.batch = x.shape[0];
  g.channels = x.shape[1];
  g.h = {x.shape[2], attrs.kernel[0], attrs.strides[0], attrs.dilations[0], attrs.pads[0], attrs.pads[2]};
  g.w = {x.shape[3], attrs.kernel[1], attrs.strides[1], attrs.dilations[1], attrs.pads[1], attrs.pads[3]};
  g.out_h = detail::output_extent(g.h, attrs.ceil_mode, op, "H");
  g.out_w = detail::output_extent(g.w, attrs.ceil_mode, op, "W");
  return g;
}

// On the input proper: the only taps whose values are read.
bool on_input(const detail::WindowAxis& a, std::int64_t pos) {
  return pos >= 0 && pos < a.in;
}

// QLinearGlobalAveragePool's scale, with the range MLAS accepts (CheckQLinearGlobalAveragePoolScaleAndSize): it
// throws for an image of 2^24 elements or more and for a scale outside [2^-32, 256).
float global_scale(float x_scale, float y_scale, std::int64_t count, std::string_view op) {
  if (count >= (std::int64_t{1} << 24)) {
    detail::fail(op, "averaging " + std::to_string(count) +
                         " elements; ONNX Runtime's QLinearGlobalAveragePool takes fewer than 2^24");
  }
  const float scale = quant::global_average_scale(x_scale, y_scale, count);
  if (!(scale >= 0x1.0p-32f && scale < 256.0f)) {
    std::ostringstream text;
    text.precision(9);
    text << scale;
    detail::fail(op, "x_scale / (y_scale * " + std::to_string(count) + ") = " + text.str() +
                         " is outside [2^-32, 256), the range ONNX Runtime's QLinearGlobalAveragePool accepts");
  }
  return scale;
}

// The integer path over `count` consecutive values of one plane.
std::int32_t global_average(const std::int32_t* x, std::int64_t count, std::int32_t zx, float scale, const OutSpec& out,
                            std::string_view op) {
  std::int64_t sum = 0;
  for (std::int64_t i = 0; i < count; ++i) sum += detail::centered(x[i], zx);
  return quant::requantize(detail::to_accumulator(sum, op), scale, out.zero_point, type_min(out.type),
                           type_max(out.type));
}

[[noreturn]] void fail_empty(std::string_view op, std::int64_t oh, std::int64_t ow) {
  detail::fail(op, "window (" + std::to_string(oh) + ", " + std::to_string(ow) +
                       ") covers no input element, only padding; reduce the pads or dilations");
}

}  // namespace

QTensor max_pool(const QTensor& x, const PoolAttrs& attrs, const OutSpec& out) {
  constexpr std::string_view kOp = "max_pool";
  const PoolGeometry g = pool_geometry(x, attrs, out, kOp);
  const float sx = x.q.scale[0];
  const std::int32_t zx = x.q.zero_point[0];
  // Equal quantization: ORT drops the DQ/Q pair and takes the integer max. Otherwise DQ -> float MaxPool -> Q;
  // dequantization is monotonic, so the float max is the dequantized integer max.
  const bool same = sx == out.scale && zx == out.zero_point && x.type == out.type;
  QTensor y = detail::make_output({g.batch, g.channels, g.out_h, g.out_w}, out, kOp);
  for (std::int64_t nc = 0; nc < g.batch * g.channels; ++nc) {
    const std::int64_t plane = nc * g.h.in * g.w.in;
    for (std::int64_t oh = 0; oh < g.out_h; ++oh) {
      for (std::int64_t ow = 0; ow < g.out_w; ++ow) {
        bool any = false;
        std::int32_t best = 0;
        for (std::int64_t kh = 0; kh < g.h.kernel; ++kh) {
          const std::int64_t ih = g.h.position(oh, kh);
          if (!on_input(g.h, ih)) continue;  // padding never wins
          for (std::int64_t kw = 0; kw < g.w.kernel; ++kw) {
            const std::int64_t iw = g.w.position(ow, kw);
            if (!on_input(g.w, iw)) continue;
            const std::int32_t v = x.values[plane + ih * g.w.in + iw];
            if (!any || v > best) best = v;
            any = true;
          }
        }
        if (!any) fail_empty(kOp, oh, ow);
        y.values[(nc * g.out_h + oh) * g.out_w + ow] =
            same ? best : detail::quantize(detail::dequantize(best, zx, sx), out.scale, out.zero_point, out.type);
      }
    }
  }
  return y;
}

QTensor average_pool(const QTensor& x, const PoolAttrs& attrs, const OutSpec& out) {
  constexpr std::string_view kOp = "average_pool";
  const PoolGeometry g = pool_geometry(x, attrs, out, kOp);
  if (attrs.dilations[0] != 1 || attrs.dilations[1] != 1) {
    detail::fail(kOp, "dilations (" + std::to_string(attrs.dilations[0]) + ", " + std::to_string(attrs.dilations[1]) +
                          ") must be 1: ONNX Runtime's QLinearAveragePool has no dilated windows");
  }
  const float sx = x.q.scale[0];
  const std::int32_t zx = x.q.zero_point[0];
  const std::int64_t kernel_size = g.h.kernel * g.w.kernel;
  QTensor y = detail::make_output({g.batch, g.channels, g.out_h, g.out_w}, out, kOp);
  const std::int64_t plane_size = g.h.in * g.w.in;

  // A kernel that covers the whole unpadded image is QLinearGlobalAveragePool's integer path (fallback_to_global).
  const bool no_pads = attrs.pads[0] == 0 && attrs.pads[1] == 0 && attrs.pads[2] == 0 && attrs.pads[3] == 0;
  if (no_pads && g.h.kernel == g.h.in && g.w.kernel == g.w.in) {
    const float scale = global_scale(sx, out.scale, kernel_size, kOp);
    for (std::int64_t nc = 0; nc < g.batch * g.channels; ++nc) {
      y.values[nc] = global_average(&x.values[nc * plane_size], plane_size, zx, scale, out, kOp);
    }
    return y;
  }

  // The fp32 path (QLinearPool2DTask with the AveragePool functor): the window is clipped to the input, its values
  // dequantized and summed in fp32 row by row, the sum divided by the count (the full kernel with
  // count_include_pad, even where a ceil_mode window runs past the padding; else the taps on the input), then
  // quantize_value: (int32)nearbyintf(avg / sy + float(zy)), clamped to the output type.
  const float zy = static_cast<float>(out.zero_point);
  for (std::int64_t nc = 0; nc < g.batch * g.channels; ++nc) {
    const std::int32_t* plane = &x.values[nc * plane_size];
    for (std::int64_t oh = 0; oh < g.out_h; ++oh) {
      const std::int64_t h_begin = std::max<std::int64_t>(g.h.position(oh, 0), 0);
      const std::int64_t h_end = std::min(g.h.position(oh, 0) + g.h.kernel, g.h.in);
      for (std::int64_t ow = 0; ow < g.out_w; ++ow) {
        const std::int64_t w_begin = std::max<std::int64_t>(g.w.position(ow, 0), 0);
        const std::int64_t w_end = std::min(g.w.position(ow, 0) + g.w.kernel, g.w.in);
        if (h_end <= h_begin || w_end <= w_begin) fail_empty(kOp, oh, ow);
        float sum = 0.0f;
        for (std::int64_t ih = h_begin; ih < h_end; ++ih) {
          for (std::int64_t iw = w_begin; iw < w_end; ++iw) sum += detail::dequantize(plane[ih * g.w.in + iw], zx, sx);
        }
        const std::int64_t count = attrs.count_include_pad ? kernel_size : (h_end - h_begin) * (w_end - w_begin);
        const float average = sum / static_cast<float>(count);
        const std::int32_t q = detail::x86_to_int32(std::nearbyint(average / out.scale + zy));
        y.values[(nc * g.out_h + oh) * g.out_w + ow] = std::clamp(q, type_min(out.type), type_max(out.type));
      }
    }
  }
  return y;
}

QTensor global_average_pool(const QTensor& x, const OutSpec& out) {
  constexpr std::string_view kOp = "global_average_pool";
  check_input(x, out, kOp);
  if (x.shape.size() < 3) {
    detail::fail(kOp, "x has shape " + detail::shape_str(x.shape) + "; expected rank >= 3 (N, C, D1, ...)");
  }
  const std::vector<std::int64_t> spatial_shape(x.shape.begin() + 2, x.shape.end());
  const std::int64_t spatial = detail::element_count(spatial_shape);
  if (spatial == 0) detail::fail(kOp, "x has shape " + detail::shape_str(x.shape) + " with no spatial element");
  std::vector<std::int64_t> shape(x.shape.size(), 1);
  shape[0] = x.shape[0];
  shape[1] = x.shape[1];
  QTensor y = detail::make_output(shape, out, kOp);
  const float scale = global_scale(x.q.scale[0], out.scale, spatial, kOp);
  for (std::int64_t nc = 0; nc < x.shape[0] * x.shape[1]; ++nc) {
    y.values[nc] = global_average(&x.values[nc * spatial], spatial, x.q.zero_point[0], scale, out, kOp);
  }
  return y;
}

}  // namespace systole::ref
