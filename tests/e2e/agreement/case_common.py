"""Shared pieces of the ORT agreement cases: the case record, random quantization parameters, and integer
reference arithmetic used only to choose realistic output scales (the oracle is ONNX Runtime, not this file).

Scales follow models/quantlib.py's conventions (ONNX Runtime's quantize_static): activations asymmetric with the
range widened to include 0, weights int8 symmetric (per tensor or per output channel), biases int32 at s_x * s_w.
"""
import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "models"))
import quantlib as ql  # noqa: E402  (the project's model-building helpers)

F32, I8, U8, I32 = np.float32, np.int8, np.uint8, np.int32
ODD = [1, 3, 5, 7, 8, 13, 16, 17]  # channel / feature counts, odd ones first-class


class Case:
    """One generated model: its graph builder, graph inputs (name -> integer or float array), description."""

    def __init__(self, family, ms=False, ort_float=False):
        self.g = ql.GraphBuilder()
        self.family = family
        self.ms = ms
        self.ort_float = ort_float  # ORT computes it in float (int8-activation QDQ Conv/MatMul on x86)
        self.inputs = {}            # name -> np.ndarray (fed as is)
        self.outputs = []           # (name, dtype, shape)
        self.desc = ""

    def add_input(self, name, arr):
        self.inputs[name] = arr
        return name

    def model(self):
        vi = [(n, a.dtype, a.shape) for n, a in self.inputs.items()]
        return self.g.model(f"agreement_{self.family}", vi, self.outputs, ms_domain=self.ms)


def qrange(dtype):
    return ql.QRANGE[np.dtype(dtype)]


def act_params(rng, dtype, nonneg=False):
    """A calibrated-looking activation range -> (scale, zero point)."""
    hi = float(rng.uniform(0.25, 8.0))
    lo = 0.0 if nonneg else -float(rng.uniform(0.0, 1.2)) * hi
    return ql.act_qparams(lo, hi, dtype)


def rand_act(rng, shape, dtype):
    """Integer activations: mostly spread over the whole range, sometimes concentrated around the middle."""
    qmin, qmax = qrange(dtype)
    if rng.random() < 0.7:
        return rng.integers(qmin, qmax + 1, size=shape).astype(dtype)
    mid, spread = (qmin + qmax) / 2, (qmax - qmin) / 6
    return np.clip(np.rint(rng.normal(mid, spread, size=shape)), qmin, qmax).astype(dtype)


def rand_weight(rng, shape, per_channel, axis=0, w_dtype=I8):
    """Quantized weight (q, scale[C or 1], zero point[C or 1]); uint8 weights get one shared zero point."""
    fan_in = int(np.prod(shape)) // shape[axis]
    w = rng.normal(0.0, 1.0 / np.sqrt(max(fan_in, 1)), size=shape).astype(F32)
    w *= rng.uniform(0.2, 3.0, size=[shape[i] if i == axis else 1 for i in range(len(shape))]).astype(F32)
    q, s = ql.quant_weight(w, axis)
    if not per_channel:
        s = np.array([np.abs(w).max() / 127.0], F32)
        q = np.clip(np.rint(w / s[0]), -127, 127).astype(I8)
    z = np.zeros(s.shape, np.int32)
    if np.dtype(w_dtype) == np.dtype(U8):
        zp = int(rng.integers(100, 156))
        q = (q.astype(np.int32) + zp).clip(0, 255).astype(U8)
        z[:] = zp
    return q, s.astype(F32), z.astype(w_dtype)


def out_params(rng, real, dtype, nonneg=False):
    """Output (scale, zp) from the real values a layer produces, with a random margin (some saturation)."""
    lo, hi = float(np.min(real)), float(np.max(real))
    widen = float(rng.uniform(0.6, 1.3))
    lo, hi = lo * widen, hi * widen
    if nonneg:
        lo = 0.0
    if hi - min(lo, 0.0) < 1e-6:
        hi = 1.0
    return ql.act_qparams(lo, hi, dtype)


def rand_bias(rng, acc, m):
    """int32 bias about half the spread of the accumulators."""
    spread = max(float(np.std(acc)), 1.0)
    return np.rint(rng.normal(0.0, 0.5, size=m) * spread).astype(I32)


def pad_shape(pads):
    return f"[{','.join(str(p) for p in pads)}]"


def resolve_auto_pad(mode, in_hw, kernel, strides, dils):
    """pads {top, left, bottom, right} as the importer and ONNX define auto_pad."""
    if mode == "VALID":
        return [0, 0, 0, 0]
    pads = [0, 0, 0, 0]
    for i in range(2):
        out = (in_hw[i] + strides[i] - 1) // strides[i]
        total = max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dils[i] + 1 - in_hw[i])
        small, big = total // 2, total - total // 2
        pads[i], pads[i + 2] = (small, big) if mode == "SAME_UPPER" else (big, small)
    return pads


def conv_acc(x, w, strides, dils, pads, group):
    """NCHW convolution on int64 (or float) values whose zero points are already subtracted; pads are zeros."""
    n, c, h, wd = x.shape
    m, cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    ho = (h + pads[0] + pads[2] - ((kh - 1) * dils[0] + 1)) // strides[0] + 1
    wo = (wd + pads[1] + pads[3] - ((kw - 1) * dils[1] + 1)) // strides[1] + 1
    y = np.zeros((n, m, ho, wo), dtype=np.result_type(x, w))
    mg = m // group
    for g in range(group):
        xg, wg = xp[:, g * cg:(g + 1) * cg], w[g * mg:(g + 1) * mg]
        for i in range(kh):
            for j in range(kw):
                r0, c0 = i * dils[0], j * dils[1]
                patch = xg[:, :, r0:r0 + (ho - 1) * strides[0] + 1:strides[0],
                           c0:c0 + (wo - 1) * strides[1] + 1:strides[1]]
                y[:, g * mg:(g + 1) * mg] += np.einsum("nchw,mc->nmhw", patch, wg[:, :, i, j])
    return y


def pool_extent(n, k, s, pb, pe, ceil_mode, d=1):
    span = n + pb + pe - ((k - 1) * d + 1)
    out = (span + (s - 1 if ceil_mode else 0)) // s + 1
    return out


def ceil_drops(n, k, s, pb, pe, d=1):
    """True when ceil_mode's last window would start in the end padding (ORT drops it; onnx 1.12 inference
    does not), so such cases are not generated."""
    out = pool_extent(n, k, s, pb, pe, True, d)
    return (out - 1) * s >= n + pb


def choice(rng, options):
    return options[int(rng.integers(len(options)))]
