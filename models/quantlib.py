"""Shared helpers for the model generators (gen_digits.py, gen_large.py).

Three parts:
  * quantization parameters, with ONNX Runtime's conventions (its quantize_static tool):
      activations  asymmetric, range widened to include 0: scale = (max - min) / (qmax - qmin),
                   zero point = round(qmin - min / scale)  (int8: qmin -128, uint8: qmin 0)
      weights      int8, symmetric per output channel in [-127, 127], zero point 0, scale = absmax / 127
      bias         int32, scale = s_x * s_w[c] (float32 product), zero point 0
  * a small ONNX graph builder (initializers, Constant nodes, Q/DQ pairs, weight and bias DequantizeLinear)
  * numpy reference kernels for the integer graph as ONNX Runtime runs it on the CPU: int32 accumulation, then
    float32 requantization  round_half_even(float(acc) * ((s_x * s_w[c]) / s_y)) + z_y, saturated.

Only numpy and onnx (1.12) are used.
"""
import numpy as np
from onnx import TensorProto, helper, numpy_helper

F32 = np.float32
QRANGE = {np.dtype(np.int8): (-128, 127), np.dtype(np.uint8): (0, 255)}
ONNX_DTYPE = {
    np.dtype(np.float32): TensorProto.FLOAT,
    np.dtype(np.int8): TensorProto.INT8,
    np.dtype(np.uint8): TensorProto.UINT8,
    np.dtype(np.int32): TensorProto.INT32,
    np.dtype(np.int64): TensorProto.INT64,
}


# ---------------------------------------------------------------------------------------------------------------
# Quantization parameters
# ---------------------------------------------------------------------------------------------------------------

def act_qparams(rmin, rmax, dtype):
    """Asymmetric activation scale and zero point for a calibrated float range (ORT's compute_scale_zp)."""
    qmin, qmax = QRANGE[np.dtype(dtype)]
    rmin, rmax = min(float(rmin), 0.0), max(float(rmax), 0.0)
    if rmax == rmin:
        return F32(1.0), 0
    scale = F32((rmax - rmin) / (qmax - qmin))
    zp = int(np.clip(np.rint(qmin - rmin / float(scale)), qmin, qmax))
    return scale, zp


def quant_weight(w, axis=0, floor_ratio=2.0**-12):
    """int8 symmetric per-channel along `axis`: returns (q int8, scale float32[C]).

    A channel's scale is at least floor_ratio times the largest channel scale of the tensor: channels whose
    weights are (near) zero, such as dead ReLU units, would otherwise get scales near 0, which make their bias
    overflow int32 and their requantization multiplier absurdly small. Such a channel quantizes to zeros."""
    red = tuple(i for i in range(w.ndim) if i != axis)
    amax = np.abs(w).max(axis=red).astype(np.float64)
    amax = np.maximum(amax, amax.max() * floor_ratio)
    scale = np.where(amax > 0, amax / 127.0, 1.0).astype(F32)
    shape = [1] * w.ndim
    shape[axis] = -1
    q = np.clip(np.rint(w / scale.reshape(shape)), -127, 127).astype(np.int8)
    return q, scale


def quant_bias(b, s_x, s_w):
    """int32 bias with scale s_x * s_w[c] (computed in float32, as ORT does)."""
    s_b = (F32(s_x) * s_w.astype(F32)).astype(F32)
    q = np.rint(b.astype(np.float64) / s_b.astype(np.float64))
    assert np.abs(q).max(initial=0) < 2**30, "bias does not fit int32 with scale s_x * s_w"
    return q.astype(np.int32), s_b


def dequant_weight(q, scale, axis=0):
    shape = [1] * q.ndim
    shape[axis] = -1
    return q.astype(F32) * scale.reshape(shape)


# ---------------------------------------------------------------------------------------------------------------
# Reference kernels (integer graph, float requantization as in ONNX Runtime's MLAS)
# ---------------------------------------------------------------------------------------------------------------

def quantize(x, scale, zp, dtype):
    """QuantizeLinear: saturate(round_half_even(x / scale) + zp), division in float32."""
    qmin, qmax = QRANGE[np.dtype(dtype)]
    v = np.rint(np.asarray(x, F32) / F32(scale))
    return np.clip(v + zp, qmin, qmax).astype(dtype)


def dequantize(q, scale, zp):
    """DequantizeLinear: (q - zp) * scale in float32."""
    return (q.astype(np.int32) - int(zp)).astype(F32) * F32(scale)


def requantize(acc, s_x, s_w, s_y, z_y, dtype, ch_axis, relu=False):
    """int32 accumulators -> quantized output; multiplier (s_x * s_w[c]) / s_y in float32 per channel."""
    qmin, qmax = QRANGE[np.dtype(dtype)]
    mult = (F32(s_x) * np.asarray(s_w, F32)) / F32(s_y)
    shape = [1] * acc.ndim
    shape[ch_axis] = -1
    v = np.rint(acc.astype(F32) * mult.astype(F32).reshape(shape))
    q = np.clip(v + z_y, qmin, qmax)
    if relu:
        q = np.maximum(q, z_y)
    return q.astype(dtype)


def _windows(xp, k, s, ho, wo):
    n, c, _, _ = xp.shape
    sn, sc, sh, sw = xp.strides
    return np.lib.stride_tricks.as_strided(xp, (n, c, k, k, ho, wo), (sn, sc, sh, sw, sh * s, sw * s),
                                           writeable=False)


def im2col(x, k, s, p, padval=0):
    """x [N,C,H,W] -> cols [N*Ho*Wo, C*k*k] (row order n, ho, wo; column order c, ki, kj)."""
    n, c, h, w = x.shape
    ho, wo = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), constant_values=padval) if p else x
    win = _windows(np.ascontiguousarray(xp), k, s, ho, wo)
    return win.transpose(0, 4, 5, 1, 2, 3).reshape(n * ho * wo, c * k * k), ho, wo


def conv2d(x, w, b=None, stride=1, pad=0, groups=1):
    """Float (or int64) NCHW convolution; groups == 1 or depthwise (groups == C == O)."""
    n, c, _, _ = x.shape
    o, _, k, _ = w.shape
    if groups == 1:
        cols, ho, wo = im2col(x, k, stride, pad)
        y = (cols @ w.reshape(o, -1).T).reshape(n, ho, wo, o).transpose(0, 3, 1, 2)
    else:
        assert groups == c == o, "only dense or depthwise convolutions"
        ho, wo = (x.shape[2] + 2 * pad - k) // stride + 1, (x.shape[3] + 2 * pad - k) // stride + 1
        xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad))) if pad else x
        win = _windows(np.ascontiguousarray(xp), k, stride, ho, wo)
        y = np.zeros((n, c, ho, wo), dtype=np.result_type(x, w))
        for i in range(k):
            for j in range(k):
                y += win[:, :, i, j] * w[None, :, 0, i, j, None, None]
    y = np.ascontiguousarray(y)
    if b is not None:
        y = y + b.reshape(1, -1, 1, 1)
    return y


def qlinear_conv(xq, x_s, x_z, wq, w_s, bq, y_s, y_z, stride=1, pad=0, relu=False):
    """QLinearConv (groups 1): padding uses the input zero point, i.e. real zero."""
    xs = xq.astype(np.int64) - int(x_z)
    acc = conv2d(xs, wq.astype(np.int64), None, stride, pad) + bq.astype(np.int64).reshape(1, -1, 1, 1)
    assert np.abs(acc).max() < 2**31
    return requantize(acc, x_s, w_s, y_s, y_z, xq.dtype, 1, relu)


def qgemm(aq, a_s, a_z, bq_nk, b_s, cq, y_s, y_z, relu=False, dtype=None):
    """QGemm / QLinearMatMul with B given as [N,K] (per-row = per-output-column scales), optional int32 bias."""
    acc = (aq.astype(np.int64) - int(a_z)) @ bq_nk.astype(np.int64).T
    if cq is not None:
        acc = acc + cq.astype(np.int64)
    assert np.abs(acc).max() < 2**31
    return requantize(acc, a_s, b_s, y_s, y_z, dtype or aq.dtype, acc.ndim - 1, relu)


def qlinear_add(aq, a_s, a_z, bq, b_s, b_z, y_s, y_z, dtype=None):
    """QLinearAdd in float: round((s_a/s_y)(a - z_a) + (s_b/s_y)(b - z_b)) + z_y."""
    dtype = dtype or aq.dtype
    qmin, qmax = QRANGE[np.dtype(dtype)]
    ra, rb = F32(a_s) / F32(y_s), F32(b_s) / F32(y_s)
    v = ra * (aq.astype(F32) - F32(a_z)) + rb * (bq.astype(F32) - F32(b_z))
    return np.clip(np.rint(v) + y_z, qmin, qmax).astype(dtype)


def maxpool2x2(x):
    n, c, h, w = x.shape
    return x.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))


# ---------------------------------------------------------------------------------------------------------------
# Graph builder
# ---------------------------------------------------------------------------------------------------------------

class GraphBuilder:
    """Collects nodes and initializers; every name is made unique."""

    def __init__(self):
        self.nodes, self.inits, self.names = [], [], set()
        self.n_consts = 0

    def uniq(self, base):
        name, i = base, 1
        while name in self.names:
            i += 1
            name = f"{base}_{i}"
        self.names.add(name)
        return name

    def init(self, name, arr):
        name = self.uniq(name)
        self.inits.append(numpy_helper.from_array(np.asarray(arr), name))
        return name

    def const(self, name, arr):
        """A Constant node (as PyTorch's exporter writes scales, zero points and shape helpers)."""
        out = self.uniq(name)
        self.nodes.append(helper.make_node("Constant", [], [out], name=self.uniq(f"Constant_{out}"),
                                           value=numpy_helper.from_array(np.asarray(arr), out)))
        self.n_consts += 1
        return out

    def node(self, op, inputs, out=None, name=None, domain=None, n_out=1, **attrs):
        base = name or op
        outs = [self.uniq(out or f"{base}_out")] if n_out == 1 else [self.uniq(f"{out or base}_out{i}")
                                                                  for i in range(n_out)]
        kw = {"domain": domain} if domain else {}
        self.nodes.append(helper.make_node(op, inputs, outs, name=self.uniq(base), **kw, **attrs))
        return outs[0] if n_out == 1 else outs

    # --- QDQ helpers ---------------------------------------------------------------------------------------
    def qparam(self, name, scale, zp, dtype, use_const=False):
        mk = self.const if use_const else self.init
        return (mk(f"{name}_scale", np.array(scale, dtype=F32)),
                mk(f"{name}_zero_point", np.array(zp, dtype=dtype)))

    def quantize(self, x, name, scale, zp, dtype, use_const=False):
        s, z = self.qparam(name, scale, zp, dtype, use_const)
        return self.node("QuantizeLinear", [x, s, z], out=f"{name}_quantized", name=f"{name}_QuantizeLinear")

    def qdq(self, x, name, scale, zp, dtype, use_const=False, out=None):
        """QuantizeLinear -> DequantizeLinear (ORT QDQ format); returns the float DQ output.

        With use_const each of the two nodes gets its own Constant scale/zero point (PyTorch-style); otherwise
        both share one pair of initializers (ORT-style)."""
        if use_const:
            s1, z1 = self.qparam(name, scale, zp, dtype, True)
            q = self.node("QuantizeLinear", [x, s1, z1], out=f"{name}_quantized", name=f"{name}_QuantizeLinear")
            s2, z2 = self.qparam(name, scale, zp, dtype, True)
        else:
            s2, z2 = self.qparam(name, scale, zp, dtype)
            q = self.node("QuantizeLinear", [x, s2, z2], out=f"{name}_quantized", name=f"{name}_QuantizeLinear")
        return self.node("DequantizeLinear", [q, s2, z2], out=out or f"{name}_dequantized",
                         name=f"{name}_DequantizeLinear")

    def dq_weight(self, name, wq, ws, axis=0):
        q = self.init(f"{name}_quantized", wq)
        s = self.init(f"{name}_scale", ws.astype(F32))
        z = self.init(f"{name}_zero_point", np.zeros(ws.shape, np.int8))
        return self.node("DequantizeLinear", [q, s, z], out=f"{name}_dequantized",
                         name=f"{name}_DequantizeLinear", axis=axis)

    def dq_bias(self, name, bq, bs):
        q = self.init(f"{name}_quantized", bq)
        s = self.init(f"{name}_scale", bs.astype(F32))
        z = self.init(f"{name}_zero_point", np.zeros(bs.shape, np.int32))
        return self.node("DequantizeLinear", [q, s, z], out=f"{name}_dequantized",
                         name=f"{name}_DequantizeLinear", axis=0)

    def model(self, name, inputs, outputs, doc="", ms_domain=False, opset=13):
        """inputs/outputs: lists of (name, numpy dtype, shape)."""
        vi = [helper.make_tensor_value_info(n, ONNX_DTYPE[np.dtype(t)], list(s)) for n, t, s in inputs]
        vo = [helper.make_tensor_value_info(n, ONNX_DTYPE[np.dtype(t)], list(s)) for n, t, s in outputs]
        graph = helper.make_graph(self.nodes, name, vi, vo, self.inits)
        imports = [helper.make_opsetid("", opset)]
        if ms_domain:
            imports.append(helper.make_opsetid("com.microsoft", 1))
        m = helper.make_model(graph, opset_imports=imports, producer_name="systole-models",
                              producer_version="1", doc_string=doc)
        m.ir_version = 8  # readable by onnx 1.12 (Debian) and any current ONNX Runtime
        return m


def op_summary(model):
    """Sorted list of 'domain:op' (domain omitted for ai.onnx) with counts."""
    counts = {}
    for n in model.graph.node:
        key = f"{n.domain}:{n.op_type}" if n.domain else n.op_type
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))
