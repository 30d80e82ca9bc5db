// MaxPool, AveragePool and GlobalAveragePool on quantized NCHW tensors, as plain loops.
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

// Inside the padded input; ceil_mode windows can run past it, and those taps never count.
bool on_padded(const detail::WindowAxis& a, std::int64_t pos) {
  return pos >= -a.pad_begin && pos < a.in + a.pad_end;
}

[[noreturn]] void fail_empty(std::string_view op, std::int64_t oh, std::int64_t ow) {
  detail::fail(op, "window (" + std::to_string(oh) + ", " + std::to_string(ow) +
                       ") covers no input element, only padding; reduce the pads or dilations");
}

}  // namespace

QTensor max_pool(const QTensor& x, const PoolAttrs& attrs, const OutSpec& out) {
  constexpr std::string_view kOp = "max_pool";
  const PoolGeometry g = pool_geometry(x, attrs, out, kOp);
  const std::int32_t zx = x.q.zero_point[0];
  // sx == sy gives quantize_multiplier(1.0) = 2^30 * 2^(1 - 31), exact for |v| <= 2^30: the identity.
  const quant::Multiplier m = quant::quantize_multiplier(static_cast<double>(x.q.scale[0]) / out.scale);
  const std::int32_t lo = type_min(out.type), hi = type_max(out.type);
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
            quant::requantize(detail::centered(best, zx), m, out.zero_point, lo, hi);
      }
    }
  }
  return y;
}

QTensor average_pool(const QTensor& x, const PoolAttrs& attrs, const OutSpec& out) {
  constexpr std::string_view kOp = "average_pool";
  const PoolGeometry g = pool_geometry(x, attrs, out, kOp);
  const std::int32_t zx = x.q.zero_point[0];
  const std::int32_t lo = type_min(out.type), hi = type_max(out.type);
  QTensor y = detail::make_output({g.batch, g.channels, g.out_h, g.out_w}, out, kOp);
  for (std::int64_t nc = 0; nc < g.batch * g.channels; ++nc) {
    const std::int64_t plane = nc * g.h.in * g.w.in;
    for (std::int64_t oh = 0; oh < g.out_h; ++oh) {
      for (std::int64_t ow = 0; ow < g.out_w; ++ow) {
        std::int64_t sum = 0;
        std::int64_t count = 0;
        for (std::int64_t kh = 0; kh < g.h.kernel; ++kh) {
          const std::int64_t ih = g.h.position(oh, kh);
          if (!on_padded(g.h, ih)) continue;
          for (std::int64_t kw = 0; kw < g.w.kernel; ++kw) {
            const std::int64_t iw = g.w.position(ow, kw);
            if (!on_padded(g.w, iw)) continue;
            if (on_input(g.h, ih) && on_input(g.w, iw)) {
              sum += detail::centered(x.values[plane + ih * g.w.in + iw], zx);
              ++count;
            } else if (attrs.count_include_pad) {
              ++count;  // a padding tap: adds 0 to the sum, 1 to the count
            }
          }
        }
        if (count == 0) fail_empty(kOp, oh, ow);
        const quant::Multiplier m = quant::quantize_multiplier(
            static_cast<double>(x.q.scale[0]) / (static_cast<double>(out.scale) * static_cast<double>(count)));
        y.values[(nc * g.out_h + oh) * g.out_w + ow] =
            quant::requantize(detail::to_accumulator(sum, kOp), m, out.zero_point, lo, hi);
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
  const quant::Multiplier m = quant::quantize_multiplier(
      static_cast<double>(x.q.scale[0]) / (static_cast<double>(out.scale) * static_cast<double>(spatial)));
  for (std::int64_t nc = 0; nc < x.shape[0] * x.shape[1]; ++nc) {
    std::int64_t sum = 0;
    for (std::int64_t i = 0; i < spatial; ++i) sum += detail::centered(x.values[nc * spatial + i], x.q.zero_point[0]);
    y.values[nc] =
        quant::requantize(detail::to_accumulator(sum, kOp), m, out.zero_point, type_min(out.type), type_max(out.type));
  }
  return y;
}

}  // namespace systole::ref
