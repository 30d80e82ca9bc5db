#!/usr/bin/python3
"""Trains two small classifiers on scikit-learn's bundled 8x8 digits and writes them as int8 ONNX models.

Usage: /usr/bin/python3 models/gen_digits.py OUT_DIR        (deterministic: fixed seed, single-threaded)

Data: sklearn.datasets.load_digits (1797 images, 8x8, pixel values 0..16). Inputs are scaled to [0, 1] by
x / 16 (float32) everywhere: training, calibration, the models' float input and digits_test_x.npy. Fixed split:
a permutation with seed SEED; the first 360 images are the held-back test set, the other 1437 train.

Models (float training in numpy, then post-training static quantization done here, calibrated with the min/max
of every activation over the 1437 training images):
  mlp  [N,64] -> Gemm 64 + ReLU -> Gemm 10
  cnn  [N,1,8,8] -> Conv3x3 8 + ReLU -> Conv3x3/2 16 + ReLU (a2) -> Conv3x3 16 + ReLU (a3) -> Add(a2, a3)
       -> MaxPool 2x2 -> Flatten (64) -> Gemm 10
each in two forms:
  *_qdq  ONNX Runtime's QDQ format, int8 activations: QuantizeLinear/DequantizeLinear around every op, weights as
         int8 initializers -> DequantizeLinear(axis=0), int32 bias -> DequantizeLinear(axis=0). The CNN looks
         like a PyTorch export in places: some Q/DQ scales and zero points come from Constant nodes, and the
         Flatten is Shape -> Gather -> Unsqueeze -> Concat -> Reshape.
  *_qop  QOperator format, uint8 activations: QuantizeLinear at the input, QLinearConv, com.microsoft.QLinearAdd,
         MaxPool and Flatten on uint8, QLinearMatMul + com.microsoft.QLinearAdd (bias) for the CNN's classifier,
         com.microsoft.QGemm for the MLP, DequantizeLinear at the output. ReLU is implied by the output zero
         point (0 = qmin), as ONNX Runtime's quantizer leaves it.
Weights are int8 symmetric per output channel ([-127, 127], zero point 0), bias int32 with scale s_x * s_w[c].
Batch is fixed: 1 in digits_<model>_<form>.onnx, 8 in digits_<model>_<form>_b8.onnx.

Also written: digits_test_x.npy (float32 [360,64], x/16), digits_test_y.npy (int64 [360]),
digits_<model>_<form>_ref.npy (float32 [360,10]: logits of the numpy emulation of the quantized graph, which
follows ONNX Runtime: int32 accumulation, float32 requantization with round-half-to-even) and digits_info.json.
"""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import hashlib  # noqa: E402
import json  # noqa: E402
import pathlib  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import onnx  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import quantlib as ql  # noqa: E402

SEED = 20240607
N_TEST = 360
BATCHES = (1, 8)
F32 = np.float32
I8, U8 = np.int8, np.uint8


# ---------------------------------------------------------------------------------------------------------------
# Data and training
# ---------------------------------------------------------------------------------------------------------------

def load_split():
    d = load_digits()
    x = (d.data / 16.0).astype(F32)
    y = d.target.astype(np.int64)
    perm = np.random.RandomState(SEED).permutation(len(y))
    te, tr = perm[:N_TEST], perm[N_TEST:]
    return x[tr], y[tr], x[te], y[te]


class Adam:
    def __init__(self, params, lr, b1=0.9, b2=0.999, eps=1e-8, wd=0.0):
        self.p, self.lr, self.b1, self.b2, self.eps, self.wd = params, lr, b1, b2, eps, wd
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.v = {k: np.zeros_like(v) for k, v in params.items()}
        self.t = 0

    def step(self, grads, lr=None):
        self.t += 1
        lr = lr or self.lr
        c1, c2 = 1 - self.b1 ** self.t, 1 - self.b2 ** self.t
        for k, g in grads.items():
            if self.wd and self.p[k].ndim > 1:
                g = g + self.wd * self.p[k]
            self.m[k] = self.b1 * self.m[k] + (1 - self.b1) * g
            self.v[k] = self.b2 * self.v[k] + (1 - self.b2) * g * g
            self.p[k] -= (lr * (self.m[k] / c1) / (np.sqrt(self.v[k] / c2) + self.eps)).astype(self.p[k].dtype)


def softmax_ce(logits, y):
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    p = e / e.sum(axis=1, keepdims=True)
    n = len(y)
    loss = -np.log(p[np.arange(n), y] + 1e-12).mean()
    d = p.copy()
    d[np.arange(n), y] -= 1
    return loss, (d / n).astype(F32)


def he(rng, shape, fan_in):
    return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(F32)


# --- MLP ---------------------------------------------------------------------------------------------------------

def mlp_init(rng):
    return {"w1": he(rng, (64, 64), 64), "b1": np.zeros(64, F32),
            "w2": he(rng, (10, 64), 64) * F32(0.5), "b2": np.zeros(10, F32)}


def mlp_forward(p, x, cache=False):
    hp = x @ p["w1"].T + p["b1"]
    h = np.maximum(hp, 0)
    logits = h @ p["w2"].T + p["b2"]
    acts = {"x": x, "h": h, "logits": logits}
    return (logits, acts, hp) if cache else (logits, acts)


def mlp_grads(p, x, y):
    logits, acts, hp = mlp_forward(p, x, cache=True)
    loss, dl = softmax_ce(logits, y)
    h = acts["h"]
    dh = (dl @ p["w2"]) * (hp > 0)
    return loss, {"w2": dl.T @ h, "b2": dl.sum(0), "w1": dh.T @ x, "b1": dh.sum(0)}


# --- CNN ---------------------------------------------------------------------------------------------------------

CNN_LAYERS = [("c1", 1, 8, 1), ("c2", 8, 16, 2), ("c3", 16, 16, 1)]  # name, cin, cout, stride (3x3, pad 1)


def cnn_init(rng):
    p = {}
    for name, ci, co, _ in CNN_LAYERS:
        p[name + "w"] = he(rng, (co, ci, 3, 3), ci * 9)
        p[name + "b"] = np.zeros(co, F32)
    p["c3w"] *= F32(0.5)
    p["fcw"] = he(rng, (10, 64), 64) * F32(0.5)
    p["fcb"] = np.zeros(10, F32)
    return p


def conv_fwd(x, w, b, s):
    n = x.shape[0]
    o = w.shape[0]
    cols, ho, wo = ql.im2col(x, 3, s, 1)
    y = (cols @ w.reshape(o, -1).T + b).reshape(n, ho, wo, o).transpose(0, 3, 1, 2)
    return np.ascontiguousarray(y), cols


def conv_bwd(dy, cols, x_shape, w, s, need_dx=True):
    n, o, ho, wo = dy.shape
    _, c, h, wd = x_shape
    dyf = dy.transpose(0, 2, 3, 1).reshape(-1, o)
    dw = (dyf.T @ cols).reshape(w.shape)
    db = dyf.sum(0)
    if not need_dx:
        return None, dw, db
    dcols = (dyf @ w.reshape(o, -1)).reshape(n, ho, wo, c, 3, 3)
    dxp = np.zeros((n, c, h + 2, wd + 2), F32)
    for i in range(3):
        for j in range(3):
            d = dcols[:, :, :, :, i, j].transpose(0, 3, 1, 2)
            dxp[:, :, i:i + s * (ho - 1) + 1:s, j:j + s * (wo - 1) + 1:s] += d
    return dxp[:, :, 1:1 + h, 1:1 + wd], dw, db


def cnn_forward(p, x, cache=False):
    x4 = x.reshape(-1, 1, 8, 8)
    z1, k1 = conv_fwd(x4, p["c1w"], p["c1b"], 1)
    a1 = np.maximum(z1, 0)
    z2, k2 = conv_fwd(a1, p["c2w"], p["c2b"], 2)
    a2 = np.maximum(z2, 0)
    z3, k3 = conv_fwd(a2, p["c3w"], p["c3b"], 1)
    a3 = np.maximum(z3, 0)
    s = a2 + a3
    pool = ql.maxpool2x2(s)
    f = pool.reshape(len(x4), -1)
    mm = f @ p["fcw"].T
    logits = mm + p["fcb"]
    acts = {"x": x, "a1": a1, "a2": a2, "a3": a3, "add": s, "mm": mm, "logits": logits}
    if cache:
        return logits, acts, (x4, z1, k1, a1, z2, k2, z3, k3, s, pool, f)
    return logits, acts


def cnn_grads(p, x, y):
    logits, acts, (x4, z1, k1, a1, z2, k2, z3, k3, s, pool, f) = cnn_forward(p, x, cache=True)
    loss, dl = softmax_ce(logits, y)
    g = {"fcw": dl.T @ f, "fcb": dl.sum(0)}
    dpool = (dl @ p["fcw"]).reshape(pool.shape)
    up = np.repeat(np.repeat(pool, 2, axis=2), 2, axis=3)
    ds = (s == up) * np.repeat(np.repeat(dpool, 2, axis=2), 2, axis=3)
    dz3 = ds * (z3 > 0)
    da2, g["c3w"], g["c3b"] = conv_bwd(dz3, k3, acts["a2"].shape, p["c3w"], 1)
    dz2 = (ds + da2) * (z2 > 0)
    da1, g["c2w"], g["c2b"] = conv_bwd(dz2, k2, a1.shape, p["c2w"], 2)
    dz1 = da1 * (z1 > 0)
    _, g["c1w"], g["c1b"] = conv_bwd(dz1, k1, x4.shape, p["c1w"], 1, need_dx=False)
    return loss, g


def train(init, grads_fn, xtr, ytr, epochs, lr, batch, seed, wd=1e-4):
    rng = np.random.RandomState(seed)
    p = init(rng)
    opt = Adam(p, lr, wd=wd)
    steps = epochs * ((len(xtr) + batch - 1) // batch)
    t = 0
    for ep in range(epochs):
        perm = rng.permutation(len(xtr))
        for i in range(0, len(xtr), batch):
            idx = perm[i:i + batch]
            _, g = grads_fn(p, xtr[idx], ytr[idx])
            opt.step(g, lr * 0.5 * (1 + np.cos(np.pi * t / steps)))  # cosine decay
            t += 1
    return p


def accuracy(logits, y):
    return float((np.argmax(logits, axis=1) == y).mean())


# ---------------------------------------------------------------------------------------------------------------
# Quantization
# ---------------------------------------------------------------------------------------------------------------

def calib_ranges(acts):
    return {k: (float(v.min()), float(v.max())) for k, v in acts.items()}


def quantize_mlp(p, rng_, dtype):
    q = {"dtype": dtype}
    for t in ("x", "h", "logits"):
        q[t] = ql.act_qparams(*rng_[t], dtype)
    q["w1"], q["w1s"] = ql.quant_weight(p["w1"])
    q["b1"], q["b1s"] = ql.quant_bias(p["b1"], q["x"][0], q["w1s"])
    q["w2"], q["w2s"] = ql.quant_weight(p["w2"])
    q["b2"], q["b2s"] = ql.quant_bias(p["b2"], q["h"][0], q["w2s"])
    return q


def quantize_cnn(p, rng_, dtype, form):
    q = {"dtype": dtype}
    for t in ("x", "a1", "a2", "a3", "add", "mm", "logits"):
        q[t] = ql.act_qparams(*rng_[t], dtype)
    inp = {"c1": "x", "c2": "a1", "c3": "a2"}
    for name, _, _, _ in CNN_LAYERS:
        q[name + "w"], q[name + "ws"] = ql.quant_weight(p[name + "w"])
        q[name + "b"], q[name + "bs"] = ql.quant_bias(p[name + "b"], q[inp[name]][0], q[name + "ws"])
    q["fcw"], q["fcws"] = ql.quant_weight(p["fcw"])
    if form == "qdq":
        q["fcb"], q["fcbs"] = ql.quant_bias(p["fcb"], q["add"][0], q["fcws"])
    else:  # QLinearMatMul has no bias: the bias is a uint8 constant added by QLinearAdd (as ORT's quantizer does)
        q["fcbq"] = ql.act_qparams(p["fcb"].min(), p["fcb"].max(), dtype)
        q["fcb"] = ql.quantize(p["fcb"], *q["fcbq"], dtype)
    return q


def emulate_mlp(q, x):
    dt = q["dtype"]
    xq = ql.quantize(x, *q["x"], dt)
    h = ql.qgemm(xq, *q["x"], q["w1"], q["w1s"], q["b1"], *q["h"], relu=True)
    y = ql.qgemm(h, *q["h"], q["w2"], q["w2s"], q["b2"], *q["logits"])
    return ql.dequantize(y, *q["logits"])


def emulate_cnn(q, x, form):
    dt = q["dtype"]
    xq = ql.quantize(x.reshape(-1, 1, 8, 8), *q["x"], dt)
    a1 = ql.qlinear_conv(xq, *q["x"], q["c1w"], q["c1ws"], q["c1b"], *q["a1"], 1, 1, relu=True)
    a2 = ql.qlinear_conv(a1, *q["a1"], q["c2w"], q["c2ws"], q["c2b"], *q["a2"], 2, 1, relu=True)
    a3 = ql.qlinear_conv(a2, *q["a2"], q["c3w"], q["c3ws"], q["c3b"], *q["a3"], 1, 1, relu=True)
    s = ql.qlinear_add(a2, *q["a2"], a3, *q["a3"], *q["add"])
    f = ql.maxpool2x2(s).reshape(len(xq), -1)
    if form == "qdq":
        y = ql.qgemm(f, *q["add"], q["fcw"], q["fcws"], q["fcb"], *q["logits"])
    else:
        mm = ql.qgemm(f, *q["add"], q["fcw"], q["fcws"], None, *q["mm"])
        y = ql.qlinear_add(mm, *q["mm"], q["fcb"][None, :], *q["fcbq"], *q["logits"])
    return ql.dequantize(y, *q["logits"])


# ---------------------------------------------------------------------------------------------------------------
# ONNX graphs
# ---------------------------------------------------------------------------------------------------------------

def build_mlp_qdq(q, batch):
    g = ql.GraphBuilder()
    x = g.qdq("input", "input", *q["x"], I8)
    w = g.dq_weight("fc1.weight", q["w1"], q["w1s"])
    b = g.dq_bias("fc1.bias", q["b1"], q["b1s"])
    h = g.node("Gemm", [x, w, b], out="fc1_out", name="fc1_Gemm", transB=1)
    h = g.node("Relu", [h], out="relu1_out", name="relu1_Relu")
    h = g.qdq(h, "relu1", *q["h"], I8)
    w = g.dq_weight("fc2.weight", q["w2"], q["w2s"])
    b = g.dq_bias("fc2.bias", q["b2"], q["b2s"])
    y = g.node("Gemm", [h, w, b], out="fc2_out", name="fc2_Gemm", transB=1)
    g.qdq(y, "logits", *q["logits"], I8, out="logits")
    return g.model("digits_mlp_qdq", [("input", F32, [batch, 64])], [("logits", F32, [batch, 10])],
                   doc="Digits MLP 64-64-10, QDQ int8 (Systole models/gen_digits.py)")


def build_mlp_qop(q, batch):
    g = ql.GraphBuilder()
    xs, xz = g.qparam("input", *q["x"], U8)
    hs, hz = g.qparam("relu1", *q["h"], U8)
    ys, yz = g.qparam("logits", *q["logits"], U8)
    xq = g.node("QuantizeLinear", ["input", xs, xz], out="input_quantized", name="input_QuantizeLinear")
    layers = [("fc1", "w1", "b1", hs, hz, "relu1_quantized"), ("fc2", "w2", "b2", ys, yz, "logits_quantized")]
    a, a_s, a_z = xq, xs, xz
    for name, wk, bk, os_, oz, out in layers:
        w = g.init(f"{name}.weight_quantized", q[wk])
        ws = g.init(f"{name}.weight_scale", q[wk + "s"])
        wz = g.init(f"{name}.weight_zero_point", np.zeros(q[wk + "s"].shape, I8))
        b = g.init(f"{name}.bias_quantized", q[bk])
        a = g.node("QGemm", [a, a_s, a_z, w, ws, wz, b, os_, oz], out=out, name=f"{name}_QGemm",
                   domain="com.microsoft", transB=1)
        a_s, a_z = os_, oz
    g.node("DequantizeLinear", [a, ys, yz], out="logits", name="logits_DequantizeLinear")
    return g.model("digits_mlp_qop", [("input", F32, [batch, 64])], [("logits", F32, [batch, 10])],
                   doc="Digits MLP 64-64-10, QOperator uint8 (Systole models/gen_digits.py)", ms_domain=True)


def conv_attrs(stride):
    return {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1], "strides": [stride, stride], "dilations": [1, 1],
            "group": 1}


def build_cnn_qdq(q, batch, dt=I8):
    """QDQ CNN; dt=U8 (with q from quantize_cnn(..., U8, "qdq")) gives uint8 activations, which ORT fuses fully."""
    g = ql.GraphBuilder()
    x = g.qdq("input", "input", *q["x"], dt)
    acts = {}
    for (name, _, _, stride), act, use_const in zip(CNN_LAYERS, ("a1", "a2", "a3"), (True, False, True)):
        w = g.dq_weight(f"{name}.weight", q[name + "w"], q[name + "ws"])
        b = g.dq_bias(f"{name}.bias", q[name + "b"], q[name + "bs"])
        y = g.node("Conv", [x, w, b], out=f"{name}_out", name=f"{name}_Conv", **conv_attrs(stride))
        y = g.node("Relu", [y], out=f"{name}_relu_out", name=f"{name}_Relu")
        x = acts[act] = g.qdq(y, act, *q[act], dt, use_const=use_const)
    s = g.node("Add", [acts["a2"], acts["a3"]], out="residual_out", name="residual_Add")
    s = g.qdq(s, "residual", *q["add"], dt)
    p = g.node("MaxPool", [s], out="pool_out", name="pool_MaxPool", kernel_shape=[2, 2], strides=[2, 2])
    p = g.qdq(p, "pool", *q["add"], dt)
    # Flatten as PyTorch's exporter writes x.view(x.size(0), -1)
    shp = g.node("Shape", [p], out="flatten_shape", name="flatten_Shape")
    n = g.node("Gather", [shp, g.const("flatten_index0", np.array(0, np.int64))], out="flatten_batch",
               name="flatten_Gather", axis=0)
    n = g.node("Unsqueeze", [n, g.const("flatten_axes", np.array([0], np.int64))], out="flatten_batch_1d",
               name="flatten_Unsqueeze")
    shape = g.node("Concat", [n, g.const("flatten_minus1", np.array([-1], np.int64))], out="flatten_target",
                   name="flatten_Concat", axis=0)
    f = g.node("Reshape", [p, shape], out="flatten_out", name="flatten_Reshape")
    f = g.qdq(f, "flatten", *q["add"], dt)
    w = g.dq_weight("fc.weight", q["fcw"], q["fcws"])
    b = g.dq_bias("fc.bias", q["fcb"], q["fcbs"])
    y = g.node("Gemm", [f, w, b], out="fc_out", name="fc_Gemm", transB=1)
    g.qdq(y, "logits", *q["logits"], dt, use_const=True, out="logits")
    return g.model("digits_cnn_qdq", [("input", F32, [batch, 1, 8, 8])], [("logits", F32, [batch, 10])],
                   doc="Digits CNN (3 convs, residual add, maxpool, fc), QDQ int8 (Systole models/gen_digits.py)")


def build_cnn_qop(q, batch):
    g = ql.GraphBuilder()
    qp = {t: g.qparam(t if t != "x" else "input", *q[t], U8) for t in ("x", "a1", "a2", "a3", "add", "mm", "logits")}
    x = g.node("QuantizeLinear", ["input", *qp["x"]], out="input_quantized", name="input_QuantizeLinear")
    acts, prev = {}, "x"
    for (name, _, _, stride), act in zip(CNN_LAYERS, ("a1", "a2", "a3")):
        w = g.init(f"{name}.weight_quantized", q[name + "w"])
        ws = g.init(f"{name}.weight_scale", q[name + "ws"])
        wz = g.init(f"{name}.weight_zero_point", np.zeros(q[name + "ws"].shape, I8))
        b = g.init(f"{name}.bias_quantized", q[name + "b"])
        x = acts[act] = g.node("QLinearConv", [x, *qp[prev], w, ws, wz, *qp[act], b], out=f"{act}_quantized",
                               name=f"{name}_QLinearConv", **conv_attrs(stride))
        prev = act
    s = g.node("QLinearAdd", [acts["a2"], *qp["a2"], acts["a3"], *qp["a3"], *qp["add"]], out="residual_quantized",
               name="residual_QLinearAdd", domain="com.microsoft")
    p = g.node("MaxPool", [s], out="pool_quantized", name="pool_MaxPool", kernel_shape=[2, 2], strides=[2, 2])
    f = g.node("Flatten", [p], out="flatten_quantized", name="flatten_Flatten", axis=1)
    w = g.init("fc.weight_quantized", np.ascontiguousarray(q["fcw"].T))  # [K=64, N=10]
    ws = g.init("fc.weight_scale", q["fcws"])  # per column of B
    wz = g.init("fc.weight_zero_point", np.zeros(q["fcws"].shape, I8))
    mm = g.node("QLinearMatMul", [f, *qp["add"], w, ws, wz, *qp["mm"]], out="fc_matmul_quantized",
                name="fc_QLinearMatMul")
    b = g.init("fc.bias_quantized", q["fcb"])
    bs, bz = g.qparam("fc.bias", *q["fcbq"], U8)
    y = g.node("QLinearAdd", [mm, *qp["mm"], b, bs, bz, *qp["logits"]], out="logits_quantized",
               name="fc_bias_QLinearAdd", domain="com.microsoft")
    g.node("DequantizeLinear", [y, *qp["logits"]], out="logits", name="logits_DequantizeLinear")
    return g.model("digits_cnn_qop", [("input", F32, [batch, 1, 8, 8])], [("logits", F32, [batch, 10])],
                   doc="Digits CNN (3 convs, residual add, maxpool, fc), QOperator uint8 "
                       "(Systole models/gen_digits.py)",
                   ms_domain=True)


# ---------------------------------------------------------------------------------------------------------------

def check(model):
    """onnx.checker (full) and strict shape inference; com.microsoft ops have no schema in onnx, so models using
    them are checked with non-strict shape inference."""
    onnx.checker.check_model(model, full_check=True)
    ms = any(n.domain == "com.microsoft" for n in model.graph.node)
    onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=not ms)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = pathlib.Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    xtr, ytr, xte, yte = load_split()

    t = time.time()
    mlp = train(mlp_init, mlp_grads, xtr, ytr, epochs=80, lr=3e-3, batch=32, seed=SEED + 1, wd=1e-3)
    t_mlp = time.time() - t
    t = time.time()
    cnn = train(cnn_init, cnn_grads, xtr, ytr, epochs=30, lr=3e-3, batch=32, seed=SEED + 2)
    t_cnn = time.time() - t

    nets = {"mlp": (mlp, mlp_forward), "cnn": (cnn, cnn_forward)}
    info = {"generator": "models/gen_digits.py", "seed": SEED,
            "data": {"source": "sklearn.datasets.load_digits", "n_train": len(ytr), "n_test": len(yte),
                     "input_scaling": "x = pixel / 16 (float32, in [0, 1])",
                     "split": f"np.random.RandomState({SEED}).permutation(1797): first {N_TEST} test, rest train"},
            "models": {}}  # no timings here: the file is byte-for-byte reproducible
    np.save(out / "digits_test_x.npy", xte)
    np.save(out / "digits_test_y.npy", yte)

    for arch, (params, fwd) in nets.items():
        float_logits, _ = fwd(params, xte)
        _, acts = fwd(params, xtr)
        ranges = calib_ranges(acts)
        acc_f = accuracy(float_logits, yte)
        for form, dt in (("qdq", I8), ("qop", U8)):
            if arch == "mlp":
                q = quantize_mlp(params, ranges, dt)
                ref = emulate_mlp(q, xte)
                builder = build_mlp_qdq if form == "qdq" else build_mlp_qop
            else:
                q = quantize_cnn(params, ranges, dt, form)
                ref = emulate_cnn(q, xte, form)
                builder = build_cnn_qdq if form == "qdq" else build_cnn_qop
            key = f"{arch}_{form}"
            np.save(out / f"digits_{key}_ref.npy", ref.astype(F32))
            acc_q = accuracy(ref, yte)
            entry = {"float_accuracy": acc_f, "quant_accuracy_emulated": acc_q,
                     "pred_agree_float_vs_quant": float((ref.argmax(1) == float_logits.argmax(1)).mean()),
                     "activation_dtype": np.dtype(dt).name,
                     "output_scale": float(q["logits"][0]), "output_zero_point": int(q["logits"][1]),
                     "ref_logits": f"digits_{key}_ref.npy", "files": {}}
            for batch in BATCHES:
                m = builder(q, batch)
                check(m)
                fname = f"digits_{key}.onnx" if batch == 1 else f"digits_{key}_b{batch}.onnx"
                data = m.SerializeToString()
                (out / fname).write_bytes(data)
                in_shape = [batch, 64] if arch == "mlp" else [batch, 1, 8, 8]
                entry["files"][fname] = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(),
                                         "input": {"name": "input", "dtype": "float32", "shape": in_shape},
                                         "output": {"name": "logits", "dtype": "float32", "shape": [batch, 10]}}
                entry["ops"] = ql.op_summary(m)
            info["models"][key] = entry
            sizes = ", ".join(f"{k} {v['bytes']} B" for k, v in entry["files"].items())
            print(f"{key}: float acc {acc_f:.4f}  quantized (numpy emulation) acc {acc_q:.4f}  {sizes}")
    (out / "digits_info.json").write_text(json.dumps(info, indent=2) + "\n")
    print(f"train: mlp {t_mlp:.1f} s, cnn {t_cnn:.1f} s; total {time.time() - t0:.1f} s -> {out}")


if __name__ == "__main__":
    main()
