#!/usr/bin/python3
"""Writes the small ONNX models the ONNX importer's tests read (tests/e2e/test_onnx_import.cpp and
tests/error/test_onnx_import_errors.cpp).

Usage: /usr/bin/python3 tests/e2e/models/gen_import_models.py [OUT_DIR]   (default: this script's folder)

Debian's python3 with python3-onnx (1.12) and python3-numpy. Deterministic: fixed seeds, fixed producer fields,
so running it again rewrites the same bytes. Each model is a few KB (qdq_bert_tiny 25 KB).

Good models (ai.onnx opset 13, plus com.microsoft 1 where used):
  qdq_chain        QDQ, int8: Q -> Conv(per-channel w, int32 bias) + Relu -> MaxPool -> Flatten -> Gemm(transB) -> DQ
  qop_chain        the same in QOperator form, uint8 activations: QLinearConv, MaxPool, Flatten, com.microsoft QGemm
  qdq_residual     QDQ: Conv 1x1 (per-tensor w) and a residual Add + Relu
  qdq_misc         QDQ: MaxPool with a new scale, a lone Relu, GlobalAveragePool + Clip, MatMul of two activations
  qdq_pytorch      PyTorch-export style: Constant scales, float weights -> Q -> DQ, float biases, and a Flatten
                   spelled Shape -> Gather -> Unsqueeze / Slice -> Mul -> Concat -> Cast -> Reshape
  qdq_conv_attrs   asymmetric pads, stride 2, dilation 2, group 2; then a depthwise conv with auto_pad SAME_LOWER and
                   Clip(0, 6)
  qdq_batch4       batch 4, uint8: Conv + Relu, AveragePool (ceil_mode, count_include_pad), GlobalAveragePool,
                   Reshape, MatMul with a per-column weight
  qop_misc         QOperator: QLinearAdd, QLinearAveragePool, QLinearGlobalAveragePool, Flatten, QLinearMatMul
  qop_integer      MatMulInteger -> Cast -> Mul(scale) -> QuantizeLinear, and ConvInteger with an int32 output
  qdq_bert_tiny    one BERT encoder layer (models/gen_large.py's builder) at seq 8, hidden 16, 2 heads, FFN 32:
                   quantized MatMuls with int32 bias Adds, attention MatMuls, Softmax, LayerNorm and GELU in float
  qdq_float_ops    a 3-D MatMul with a float-initializer bias Add; a MatMul with no QuantizeLinear read by a float
                   Add of an activation; Unsqueeze/Squeeze/Transpose of float tensors; Softmax to a float output;
                   a Transpose of a quantized tensor (QuantizeLinear -> Transpose -> DequantizeLinear)
Bad models (each must be rejected with a message naming the node or input):
  bad_float, bad_unsupported, bad_dynamic, bad_zp_dtype (DequantizeLinear), bad_zp_dtype_qop (QLinearConv),
  bad_zp_dtype_qgemm (com.microsoft QGemm, which ONNX's checker does not know), bad_scale, bad_channels,
  bad_zp_range, bad_conv1d, bad_mixed, bad_float_output, bad_unsorted, bad_truncated, bad_garbage
"""
import pathlib
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper

F32, I8, U8, I32, I64 = np.float32, np.int8, np.uint8, np.int32, np.int64


class G:
    """A tiny graph builder: nodes, initializers, named tensors."""

    def __init__(self):
        self.nodes, self.inits = [], []

    def init(self, name, array):
        self.inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def node(self, op, inputs, output, name, domain=None, **attrs):
        kw = {"domain": domain} if domain else {}
        self.nodes.append(h.make_node(op, inputs, [output], name=name, **kw, **attrs))
        return output

    def q(self, x, scale, zp, out, name, dtype=I8):
        s = self.init(out + "_s", F32(scale))
        z = self.init(out + "_z", np.array(zp, dtype=dtype))
        return self.node("QuantizeLinear", [x, s, z], out, name)

    def dq(self, x, scale, zp, out, name, dtype=I8):
        s = self.init(out + "_s", F32(scale))
        z = self.init(out + "_z", np.array(zp, dtype=dtype))
        return self.node("DequantizeLinear", [x, s, z], out, name)

    def qdq(self, x, scale, zp, stem, dtype=I8):
        """QuantizeLinear then DequantizeLinear: returns (quantized name, dequantized name)."""
        q = self.q(x, scale, zp, stem + "_q", "q_" + stem, dtype)
        return q, self.dq(q, scale, zp, stem + "_dq", "dq_" + stem, dtype)

    def weight(self, name, w, scales, axis=0):
        """int8 initializer -> DequantizeLinear (per channel along axis when scales has several entries)."""
        self.init(name, w.astype(I8))
        scales = np.asarray(scales, dtype=F32)
        self.init(name + "_s", scales)
        self.init(name + "_z", np.zeros(scales.shape, dtype=I8))
        attrs = {"axis": axis} if scales.ndim == 1 else {}
        return self.node("DequantizeLinear", [name, name + "_s", name + "_z"], name + "_dq", "dq_" + name, **attrs)

    def bias(self, name, b, scales):
        self.init(name, np.asarray(b, dtype=I32))
        scales = np.asarray(scales, dtype=F32)
        self.init(name + "_s", scales)
        self.init(name + "_z", np.zeros(scales.shape, dtype=I32))
        attrs = {"axis": 0} if scales.ndim == 1 else {}
        return self.node("DequantizeLinear", [name, name + "_s", name + "_z"], name + "_dq", "dq_" + name, **attrs)

    def model(self, inputs, outputs, ms=False):
        graph = h.make_graph(self.nodes, "g", inputs, outputs, self.inits)
        opsets = [h.make_opsetid("", 13)] + ([h.make_opsetid("com.microsoft", 1)] if ms else [])
        m = h.make_model(graph, opset_imports=opsets, producer_name="gen_import_models", producer_version="1")
        m.ir_version = 8
        return m


def vi(name, dims, elem=T.FLOAT):
    return h.make_tensor_value_info(name, elem, dims)


def rand_w(rng, shape):
    return rng.integers(-127, 128, size=shape).astype(I8)


def qdq_chain():
    rng = np.random.default_rng(1)
    g = G()
    _, x = g.qdq("x", 1 / 128, 0, "x")
    w1s = np.array([0.01, 0.02, 0.03, 0.04], F32)
    w1 = g.weight("w1", rand_w(rng, (4, 1, 3, 3)), w1s)
    b1 = g.bias("b1", [100, -50, 0, 25], F32(1 / 128) * w1s)
    g.node("Conv", [x, w1, b1], "conv1_out", "conv1", pads=[1, 1, 1, 1])
    g.node("Relu", ["conv1_out"], "relu1_out", "relu1")
    _, r = g.qdq("relu1_out", 0.05, -128, "relu1")
    g.node("MaxPool", [r], "pool1_out", "pool1", kernel_shape=[2, 2], strides=[2, 2])
    _, p = g.qdq("pool1_out", 0.05, -128, "pool1")
    g.node("Flatten", [p], "flat", "flatten")
    _, f = g.qdq("flat", 0.05, -128, "flat")
    w2s = np.linspace(0.001, 0.01, 10).astype(F32)
    w2 = g.weight("w2", rand_w(rng, (10, 64)), w2s)
    b2 = g.bias("b2", np.arange(10) * 7 - 30, F32(0.05) * w2s)
    g.node("Gemm", [f, w2, b2], "fc_out", "fc", transB=1)
    fq = g.q("fc_out", 0.1, 3, "fc_q", "q_fc")
    g.dq(fq, 0.1, 3, "y", "dq_out")
    return g.model([vi("x", [1, 1, 8, 8])], [vi("y", [1, 10])])


def qop_chain():
    rng = np.random.default_rng(1)
    g = G()
    g.q("x", 1 / 128, 128, "x_q", "q_x", U8)
    w1s = np.array([0.01, 0.02, 0.03, 0.04], F32)
    ins = ["x_q", g.init("xs", F32(1 / 128)), g.init("xz", U8(128)), g.init("w1", rand_w(rng, (4, 1, 3, 3))),
           g.init("w1s", w1s), g.init("w1z", np.zeros(4, I8)), g.init("ys", F32(0.05)), g.init("yz", U8(0)),
           g.init("b1", np.array([100, -50, 0, 25], I32))]
    g.node("QLinearConv", ins, "conv1_q", "qconv1", pads=[1, 1, 1, 1])
    g.node("MaxPool", ["conv1_q"], "pool1_q", "pool1", kernel_shape=[2, 2], strides=[2, 2])
    g.node("Flatten", ["pool1_q"], "flat_q", "flatten")
    w2s = np.linspace(0.001, 0.01, 10).astype(F32)
    ins = ["flat_q", "ys", "yz", g.init("w2", rand_w(rng, (10, 64))), g.init("w2s", w2s),
           g.init("w2z", np.zeros(10, I8)), g.init("b2", (np.arange(10) * 7 - 30).astype(I32)),
           g.init("fs", F32(0.1)), g.init("fz", U8(128))]
    g.node("QGemm", ins, "fc_q", "fc", domain="com.microsoft", transB=1)
    g.node("DequantizeLinear", ["fc_q", "fs", "fz"], "y", "dq_out")
    return g.model([vi("x", [1, 1, 8, 8])], [vi("y", [1, 10])], ms=True)


def qdq_residual():
    rng = np.random.default_rng(2)
    g = G()
    xq = g.q("x", 0.02, 5, "x_q", "q_x")
    x1 = g.dq(xq, 0.02, 5, "x_dq", "dq_x")
    x2 = g.dq(xq, 0.02, 5, "x_dq2", "dq_x2")
    w = g.weight("w", rand_w(rng, (2, 2, 1, 1)), 0.01)
    g.node("Conv", [x1, w], "conv_out", "conv")
    _, c = g.qdq("conv_out", 0.03, -2, "conv")
    g.node("Add", [x2, c], "add_out", "add")
    g.node("Relu", ["add_out"], "relu_out", "relu")
    aq = g.q("relu_out", 0.04, -128, "add_q", "q_add")
    g.dq(aq, 0.04, -128, "y", "dq_out")
    return g.model([vi("x", [1, 2, 4, 4])], [vi("y", [1, 2, 4, 4])])


def qdq_misc():
    g = G()
    _, x = g.qdq("x", 0.1, 0, "x")
    g.node("MaxPool", [x], "pool_out", "pool", kernel_shape=[2, 2], strides=[2, 2])
    _, p = g.qdq("pool_out", 0.2, 0, "pool")
    g.node("Relu", [p], "relu_out", "relu")
    _, r = g.qdq("relu_out", 0.2, 0, "relu")
    g.node("GlobalAveragePool", [r], "gap_out", "gap")
    g.node("Constant", [], "lo", "c_lo", value=numpy_helper.from_array(F32(0.0)))
    g.node("Constant", [], "hi", "c_hi", value=numpy_helper.from_array(F32(1.0)))
    g.node("Clip", ["gap_out", "lo", "hi"], "clip_out", "clip6")
    _, c = g.qdq("clip_out", 0.01, -100, "gap")
    g.node("Reshape", [c, g.init("shape_a", np.array([1, 1, 2], I64))], "ra", "reshape_a")
    g.node("Reshape", [c, g.init("shape_b", np.array([1, 2, 1], I64))], "rb", "reshape_b")
    g.node("MatMul", ["ra", "rb"], "mm_out", "mm")
    mq = g.q("mm_out", 0.001, 0, "mm_q", "q_mm")
    g.dq(mq, 0.001, 0, "y", "dq_out")
    return g.model([vi("x", [1, 2, 4, 4])], [vi("y", [1, 1, 1])])


def qdq_pytorch():
    rng = np.random.default_rng(3)
    g = G()

    def const(name, value):
        return g.node("Constant", [], name, "Constant_" + name, value=numpy_helper.from_array(np.asarray(value)))

    const("xs", F32(0.05))
    const("xz", I8(0))
    g.node("QuantizeLinear", ["x", "xs", "xz"], "x_q", "q_x")
    g.node("DequantizeLinear", ["x_q", "xs", "xz"], "x_dq", "dq_x")
    ws = np.array([0.004, 0.005, 0.006], F32)
    const("ws", ws)
    const("wz", np.zeros(3, I8))
    g.init("conv.weight", (rng.standard_normal((3, 2, 3, 3)) * 0.2).astype(F32))
    g.init("conv.bias", np.array([0.1, -0.2, 0.05], F32))
    g.node("QuantizeLinear", ["conv.weight", "ws", "wz"], "w_q", "q_w", axis=0)
    g.node("DequantizeLinear", ["w_q", "ws", "wz"], "w_dq", "dq_w", axis=0)
    g.node("Conv", ["x_dq", "w_dq", "conv.bias"], "conv_out", "conv", pads=[1, 1, 1, 1])
    g.node("Relu", ["conv_out"], "relu_out", "relu")
    const("rs", F32(0.1))
    const("rz", I8(-128))
    g.node("QuantizeLinear", ["relu_out", "rs", "rz"], "relu_q", "q_relu")
    g.node("DequantizeLinear", ["relu_q", "rs", "rz"], "relu_dq", "dq_relu")
    g.node("Shape", ["relu_dq"], "shape", "shape")
    const("zero", I64(0))
    g.node("Gather", ["shape", "zero"], "n", "gather", axis=0)
    const("axes0", np.array([0], I64))
    g.node("Unsqueeze", ["n", "axes0"], "n1", "unsqueeze")
    const("s1", np.array([1], I64))
    const("e2", np.array([2], I64))
    g.node("Slice", ["shape", "s1", "e2"], "c", "slice")
    const("hw", np.array([16], I64))
    g.node("Identity", ["hw"], "hw_id", "identity")
    g.node("Mul", ["c", "hw_id"], "chw", "mul")
    g.node("Concat", ["n1", "chw"], "target", "concat", axis=0)
    g.node("Cast", ["target"], "target64", "cast", to=T.INT64)
    g.node("Reshape", ["relu_dq", "target64"], "flat", "reshape")
    g.node("QuantizeLinear", ["flat", "rs", "rz"], "flat_q", "q_flat")
    g.node("DequantizeLinear", ["flat_q", "rs", "rz"], "flat_dq", "dq_flat")
    fs = np.linspace(0.002, 0.003, 5).astype(F32)
    const("fs", fs)
    const("fz", np.zeros(5, I8))
    g.init("fc.weight", (rng.standard_normal((5, 48)) * 0.1).astype(F32))
    g.init("fc.bias", np.array([0.5, -0.5, 0.25, 0.0, 1.0], F32))
    g.node("QuantizeLinear", ["fc.weight", "fs", "fz"], "fcw_q", "q_fcw", axis=0)
    g.node("DequantizeLinear", ["fcw_q", "fs", "fz"], "fcw_dq", "dq_fcw", axis=0)
    g.node("Gemm", ["flat_dq", "fcw_dq", "fc.bias"], "fc_out", "fc", transB=1)
    const("ys", F32(0.2))
    const("yz", I8(0))
    g.node("QuantizeLinear", ["fc_out", "ys", "yz"], "fc_q", "q_fc")
    g.node("DequantizeLinear", ["fc_q", "ys", "yz"], "y", "dq_out")
    return g.model([vi("x", [1, 2, 4, 4])], [vi("y", [1, 5])])


def qdq_conv_attrs():
    rng = np.random.default_rng(4)
    g = G()
    _, x = g.qdq("x", 0.02, 0, "x")
    was = np.array([0.01, 0.011, 0.012, 0.013], F32)
    wa = g.weight("wa", rand_w(rng, (4, 2, 3, 3)), was)
    ba = g.bias("ba", [1, 2, 3, 4], F32(0.02) * was)
    g.node("Conv", [x, wa, ba], "a_out", "conv_a", pads=[0, 1, 2, 1], strides=[2, 2], dilations=[2, 2], group=2)
    _, a = g.qdq("a_out", 0.05, 0, "a")
    wd = g.weight("wd", rand_w(rng, (4, 1, 3, 3)), np.array([0.02, 0.021, 0.022, 0.023], F32))
    g.node("Conv", [a, wd], "d_out", "conv_dw", group=4, strides=[2, 2], auto_pad="SAME_LOWER", kernel_shape=[3, 3])
    g.node("Clip", ["d_out", g.init("zero", F32(0)), g.init("six", F32(6))], "clip_out", "clip6")
    dq = g.q("clip_out", 0.05, -128, "d_q", "q_d")
    g.dq(dq, 0.05, -128, "y", "dq_out")
    return g.model([vi("x", [1, 4, 9, 9])], [vi("y", [1, 4, 2, 2])])


def qdq_batch4():
    rng = np.random.default_rng(5)
    g = G()
    _, x = g.qdq("x", 1 / 64, 128, "x", U8)
    w = g.weight("w", rand_w(rng, (4, 2, 3, 3)), 0.02)
    b = g.bias("b", [10, 20, 30, 40], F32(1 / 64) * F32(0.02))
    g.node("Conv", [x, w, b], "conv_out", "conv", pads=[1, 1, 1, 1])
    g.node("Relu", ["conv_out"], "relu_out", "relu")
    _, r = g.qdq("relu_out", 0.03, 0, "relu", U8)
    g.node("AveragePool", [r], "avg_out", "avg", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1,
           count_include_pad=1)
    _, a = g.qdq("avg_out", 0.025, 0, "avg", U8)
    g.node("GlobalAveragePool", [a], "gap_out", "gap")
    _, p = g.qdq("gap_out", 0.02, 0, "gap", U8)
    g.node("Reshape", [p, g.init("shape", np.array([4, 4], I64))], "flat", "reshape")
    _, f = g.qdq("flat", 0.02, 0, "flat", U8)
    wm = g.weight("wm", rand_w(rng, (4, 5)), np.linspace(0.01, 0.05, 5).astype(F32), axis=1)
    g.node("MatMul", [f, wm], "mm_out", "mm")
    mq = g.q("mm_out", 0.05, 128, "mm_q", "q_mm", U8)
    g.dq(mq, 0.05, 128, "y", "dq_out", U8)
    return g.model([vi("x", [4, 2, 6, 6])], [vi("y", [4, 5])])


def qop_misc():
    rng = np.random.default_rng(6)
    g = G()
    g.q("x", 0.1, 128, "x_q", "q_x", U8)
    s, z = g.init("s", F32(0.1)), g.init("z", U8(128))
    s2, z2 = g.init("s2", F32(0.2)), g.init("z2", U8(128))
    g.node("QLinearAdd", ["x_q", s, z, "x_q", s, z, s2, z2], "add_q", "qadd", domain="com.microsoft")
    g.node("QLinearAveragePool", ["add_q", s2, z2, s2, z2], "avg_q", "qavg", domain="com.microsoft",
           kernel_shape=[2, 2], strides=[2, 2])
    g.node("QLinearGlobalAveragePool", ["avg_q", s2, z2, s2, z2], "gap_q", "qgap", domain="com.microsoft",
           channels_last=0)
    g.node("Flatten", ["gap_q"], "flat_q", "flatten")
    ins = ["flat_q", s2, z2, g.init("wb", rand_w(rng, (2, 3))), g.init("wbs", F32(0.05)), g.init("wbz", I8(0)),
           g.init("ms", F32(0.3)), g.init("mz", U8(100))]
    g.node("QLinearMatMul", ins, "mm_q", "qmm")
    g.node("DequantizeLinear", ["mm_q", "ms", "mz"], "y", "dq_out")
    return g.model([vi("x", [1, 2, 4, 4])], [vi("y", [1, 3])], ms=True)


def qop_integer():
    rng = np.random.default_rng(7)
    g = G()
    g.q("x", 0.1, 0, "x_q", "q_x", U8)
    g.node("MatMulInteger", ["x_q", g.init("w", rand_w(rng, (4, 3))), g.init("xz", U8(0)), g.init("wz", I8(0))], "acc",
           "mmi")
    g.node("Cast", ["acc"], "acc_f", "cast", to=T.FLOAT)
    g.node("Mul", ["acc_f", g.init("acc_s", F32(0.002))], "real", "mul")
    oq = g.q("real", 0.05, 0, "out_q", "q_out", U8)
    g.dq(oq, 0.05, 0, "y", "dq_out", U8)
    g.q("img", 0.5, 0, "img_q", "q_img", U8)
    g.node("ConvInteger", ["img_q", g.init("cw", rand_w(rng, (2, 1, 2, 2)))], "cacc", "convi")
    return g.model([vi("x", [2, 4]), vi("img", [1, 1, 3, 3])], [vi("y", [2, 3]), vi("cacc", [1, 2, 2, 2], T.INT32)])


# ---------------------------------------------------------------------------------------------------------------
# Bad models
# ---------------------------------------------------------------------------------------------------------------

def qdq_bert_tiny():
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "models"))
    import gen_large  # noqa: E402  (the BERT layer builder of the large models, at a tiny size)

    net = gen_large.Net(20240607, I8)
    _, inputs, outputs, _ = gen_large.build_bert_layer(net, seq=8, hidden=16, heads=2, ffn=32)
    return net.g.model("qdq_bert_tiny", inputs, outputs)


def qdq_float_ops():
    rng = np.random.default_rng(7)
    g = G()
    xq, x = g.qdq("x", 1 / 64, 0, "x")
    w1 = g.weight("w1", rand_w(rng, (6, 5)), np.linspace(0.01, 0.02, 5), axis=1)
    g.node("MatMul", [x, w1], "mm1", "mm1")
    g.node("Add", [g.init("b1", np.array([0.5, -0.25, 0.1, 0.0, 0.3], F32)), "mm1"], "fc1", "fc1_bias")
    _, h = g.qdq("fc1", 0.05, 3, "fc1")
    w2 = g.weight("w2", rand_w(rng, (5, 5)), 0.02)
    g.node("MatMul", [h, w2], "mm2", "mm2")  # no QuantizeLinear: its float result feeds a float Add
    g.node("Add", ["mm2", h], "sum", "sum")
    g.node("Unsqueeze", ["sum", g.init("axes0", np.array([0], I64))], "sum4", "unsqueeze")
    g.node("Squeeze", ["sum4", "axes0"], "sum3", "squeeze")
    g.node("Softmax", ["sum3"], "probs", "softmax", axis=-1)
    g.node("Transpose", ["probs"], "y", "transpose_y", perm=[0, 2, 1])
    g.node("Transpose", [xq], "xt_q", "transpose_q", perm=[0, 2, 1])
    g.dq("xt_q", 1 / 64, 0, "xt", "dq_xt")
    return g.model([vi("x", [2, 4, 6])], [vi("y", [2, 5, 4]), vi("xt", [2, 6, 4])])


def bad_float():
    g = G()
    g.node("Conv", ["x", g.init("w", np.ones((2, 1, 3, 3), F32))], "c", "conv0")
    g.node("Relu", ["c"], "y", "relu0")
    return g.model([vi("x", [1, 1, 4, 4])], [vi("y", [1, 2, 2, 2])])


def small_gemm(g, x, stem="fc", in_dim=4, out_dim=3):
    w = g.weight(stem + "_w", np.ones((in_dim, out_dim), I8), 0.01)
    g.node("Gemm", [x, w], stem + "_out", stem)
    return g.qdq(stem + "_out", 0.1, 0, stem)[1]


def bad_unsupported():
    g = G()
    _, x = g.qdq("x", 0.1, 0, "x")
    f = small_gemm(g, x)
    g.node("Hardmax", [f], "y", "hardmax0", axis=1)
    return g.model([vi("x", [1, 4])], [vi("y", [1, 3])])


def small_conv(g, x, stem="conv"):
    w = g.weight(stem + "_w", np.ones((2, 1, 3, 3), I8), 0.01)
    g.node("Conv", [x, w], stem + "_out", stem, pads=[1, 1, 1, 1])
    return g.qdq(stem + "_out", 0.1, 0, stem)


def bad_dynamic():
    g = G()
    _, x = g.qdq("x", 0.1, 0, "x")
    g.nodes.append(h.make_node("Identity", [small_conv(g, x)[1]], ["y"], name="out"))
    return g.model([vi("x", ["N", 1, 4, 4])], [vi("y", ["N", 2, 4, 4])])


def bad_zp_dtype():
    g = G()
    _, x = g.qdq("x", 0.1, 0, "x")
    g.init("w", np.ones((2, 1, 3, 3), I8))
    g.init("w_s", F32(0.01))
    g.init("w_z", U8(0))  # uint8 zero point for int8 data
    g.node("DequantizeLinear", ["w", "w_s", "w_z"], "w_dq", "dq_w")
    g.node("Conv", [x, "w_dq"], "c", "conv")
    g.qdq("c", 0.1, 0, "y")
    return g.model([vi("x", [1, 1, 4, 4])], [vi("y_dq", [1, 2, 2, 2])])


def bad_zp_dtype_qop():
    g = G()
    g.q("x", 0.1, 0, "x_q", "q_x", U8)
    ins = ["x_q", g.init("xs", F32(0.1)), g.init("xz", U8(0)), g.init("w", np.ones((2, 1, 3, 3), I8)),
           g.init("ws", F32(0.01)), g.init("wz", U8(0)), g.init("ys", F32(0.1)), g.init("yz", U8(0))]
    g.node("QLinearConv", ins, "c_q", "qconv")
    g.node("DequantizeLinear", ["c_q", "ys", "yz"], "y", "dq_out")
    return g.model([vi("x", [1, 1, 4, 4])], [vi("y", [1, 2, 2, 2])])


def bad_zp_dtype_qgemm():
    g = G()
    g.q("x", 0.1, 0, "x_q", "q_x", U8)
    ins = ["x_q", g.init("xs", F32(0.1)), g.init("xz", U8(0)), g.init("w", np.ones((4, 3), I8)),
           g.init("ws", F32(0.01)), g.init("wz", U8(0)), "", g.init("ys", F32(0.1)), g.init("yz", U8(0))]
    g.node("QGemm", ins, "y_q", "qgemm", domain="com.microsoft")  # no schema in ONNX: the importer checks the types
    g.node("DequantizeLinear", ["y_q", "ys", "yz"], "y", "dq_out")
    return g.model([vi("x", [1, 4])], [vi("y", [1, 3])], ms=True)


def bad_scale():
    g = G()
    _, x = g.qdq("x", -0.1, 0, "x")
    g.nodes.append(h.make_node("Identity", [small_conv(g, x)[1]], ["y"], name="out"))
    return g.model([vi("x", [1, 1, 4, 4])], [vi("y", [1, 2, 4, 4])])


def bad_channels():
    g = G()
    _, x = g.qdq("x", 0.1, 0, "x")
    w = g.weight("w", np.ones((4, 1, 3, 3), I8), [0.01, 0.02, 0.03])  # 3 scales for 4 output channels
    g.node("Conv", [x, w], "c", "conv")
    g.qdq("c", 0.1, 0, "y")
    return g.model([vi("x", [1, 1, 4, 4])], [vi("y_dq", [1, 4, 2, 2])])


def bad_zp_range():
    g = G()
    g.init("xs", F32(0.1))
    g.inits.append(h.make_tensor("xz", T.INT8, [], [200]))  # int8 zero point of 200
    g.node("QuantizeLinear", ["x", "xs", "xz"], "x_q", "q_x")
    g.node("DequantizeLinear", ["x_q", "xs", "xz"], "y", "dq_x")
    return g.model([vi("x", [1, 4])], [vi("y", [1, 4])])


def bad_conv1d():
    g = G()
    _, x = g.qdq("x", 0.1, 0, "x")
    w = g.weight("w", np.ones((2, 2, 3), I8), 0.01)
    g.node("Conv", [x, w], "c", "conv1d")
    g.qdq("c", 0.1, 0, "y")
    return g.model([vi("x", [1, 2, 8])], [vi("y_dq", [1, 2, 6])])


def bad_mixed():
    g = G()
    _, x = g.qdq("x", 0.1, 0, "x")
    g.nodes.append(h.make_node("Identity", [small_conv(g, x)[1]], ["y1"], name="out"))
    g.node("Conv", ["x", g.init("wf", np.ones((2, 1, 3, 3), F32))], "y2", "float_conv")
    return g.model([vi("x", [1, 1, 4, 4])], [vi("y1", [1, 2, 4, 4]), vi("y2", [1, 2, 2, 2])])


def bad_float_output():
    g = G()
    _, x = g.qdq("x", 0.1, 0, "x")
    w = g.weight("w", np.ones((4, 3), I8), 0.01)
    g.node("Gemm", [x, w], "y", "fc")
    return g.model([vi("x", [1, 4])], [vi("y", [1, 3])])


def bad_unsorted():
    g = G()
    g.qdq("x", 0.1, 0, "x")
    g.nodes.reverse()  # DequantizeLinear before the QuantizeLinear that makes its input
    return g.model([vi("x", [1, 4])], [vi("x_dq", [1, 4])])


def bad_huge_batch():
    g = G()
    _, x = g.qdq("x", 0.1, 0, "x")
    g.nodes.append(h.make_node("Identity", [small_conv(g, x)[1]], ["y"], name="out"))
    return g.model([vi("x", [2**31, 1, 4, 4])], [vi("y", [2**31, 2, 4, 4])])


def bad_no_outputs():
    g = G()
    _, x = g.qdq("x", 0.1, 0, "x")
    small_conv(g, x)
    return g.model([vi("x", [1, 1, 4, 4])], [])


def main():
    out = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent
    out.mkdir(parents=True, exist_ok=True)
    builders = [qdq_chain, qop_chain, qdq_residual, qdq_misc, qdq_pytorch, qdq_conv_attrs, qdq_batch4, qop_misc,
                qop_integer, qdq_bert_tiny, qdq_float_ops, bad_float, bad_unsupported, bad_dynamic, bad_zp_dtype, bad_zp_dtype_qop, bad_zp_dtype_qgemm,
                bad_scale,
                bad_channels, bad_zp_range, bad_conv1d, bad_mixed, bad_float_output, bad_unsorted, bad_huge_batch,
                bad_no_outputs]
    for build in builders:
        m = build()
        if not build.__name__.startswith("bad_"):
            onnx.checker.check_model(m)
            onnx.shape_inference.infer_shapes(m, check_type=True, strict_mode=True)
        (out / (build.__name__ + ".onnx")).write_bytes(m.SerializeToString())
    good = (out / "qdq_chain.onnx").read_bytes()
    (out / "bad_truncated.onnx").write_bytes(good[: len(good) // 2])
    (out / "bad_garbage.onnx").write_bytes(np.random.default_rng(99).integers(0, 256, 512, dtype=np.uint8).tobytes())
    print("wrote", len(builders) + 2, "models to", out)


if __name__ == "__main__":
    main()
