#!/usr/bin/python3
"""Full-size quantized networks with random weights, for compiler, simulator and performance work.

Usage: /usr/bin/python3 models/gen_large.py OUT_DIR [--only NAME[,NAME...]] [--act int8|uint8] [--seed N] [--ort]

Writes OUT_DIR/<name>.onnx and OUT_DIR/<name>_input.npy (the random input used for calibration) for
  resnet18     1x3x224x224 -> 1x1000   torchvision topology: 7x7/2 conv, 3x3/2 maxpool, BasicBlocks [2,2,2,2]
  resnet50     1x3x224x224 -> 1x1000   Bottlenecks [3,4,6,3] (v1.5: stride on the 3x3), projection shortcuts
  mobilenetv2  1x3x224x224 -> 1x1000   inverted residuals with depthwise 3x3 convs, ReLU6 as Clip(0, 6)
  bert_layer   1x128x768 -> 1x128x768  one BERT-base encoder layer (12 heads, FFN 3072, post-LayerNorm)
These are generated on demand (tens of MB), not committed. Deterministic for a given seed.

Quantization: ONNX Runtime's QDQ format, opset 13. Activations int8 (or uint8 with --act uint8), asymmetric,
QuantizeLinear/DequantizeLinear around every op; weights int8 initializers, symmetric per output channel,
followed by DequantizeLinear (axis 0 for Conv/Gemm weights, axis 1 for MatMul weights [K,N]); bias int32 with
scale s_x * s_w[c] through DequantizeLinear. Batch-norm is folded into the convolutions (conv bias).

Weights are random but data-dependently normalized on the calibration input (per output channel, as if a
batch-norm with gamma ~1 and a small random beta followed), so activations have realistic ranges through the
whole depth. Activation scales come from the min/max of one numpy forward pass (fake-quantized activations,
dequantized weights) on one random input.

BERT: the Q/K/V, attention-output and FFN projections are quantized MatMul (+ bias Add with int32 bias), and so
are the two activation x activation MatMuls (Q.K^T and P.V, per-tensor int8 on both sides); Softmax, the 1/8
scaling (Div), LayerNorm (decomposed: ReduceMean/Sub/Pow/Add/Sqrt/Div/Mul/Add) and GELU (Erf form) stay in float
between DequantizeLinear and QuantizeLinear: the ops the accelerator cannot run. Residual Adds are quantized.

--ort runs each model once in ONNX Runtime (tools/ort/run_ort.js) and reports the time and the difference from
the numpy forward pass (which follows the float QDQ semantics, so a few output LSBs of difference are expected).

Note on ONNX Runtime (1.30, x86): with int8 activations its QDQS8ToU8 pass converts a Q/DQ pair to uint8 only when
the Q has a single consumer; a tensor with fan-out (residual branches) stays int8 and the adjacent Conv/Add then
run in float (dequantize -> float op -> quantize). The numbers stay right; for ORT speed baselines generate with
--act uint8, which ORT fuses completely into QLinearConv / QLinearAdd / QGemm / QLinearGlobalAveragePool.
"""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import pathlib  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import onnx  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import quantlib as ql  # noqa: E402

F32 = np.float32
ROOT = pathlib.Path(__file__).resolve().parent.parent
MODELS = ("resnet18", "resnet50", "mobilenetv2", "bert_layer")

try:
    from scipy.special import erf as _erf
except ImportError:  # scipy comes with python3-sklearn; fall back to math.erf
    import math
    _erf = np.vectorize(math.erf, otypes=[np.float64])


class T:
    """A quantized tensor as the graph sees it: the name of its DequantizeLinear output, its (fake-quantized)
    float value from the calibration pass, and its scale / zero point."""

    def __init__(self, name, v, scale, zp):
        self.name, self.v, self.scale, self.zp = name, v, scale, zp


class Net:
    def __init__(self, seed, act_dtype):
        self.g = ql.GraphBuilder()
        self.rng = np.random.default_rng(seed)
        self.dt = act_dtype
        self.n_params = 0

    # --- quantization points -------------------------------------------------------------------------------
    def qdq(self, y_name, y, name, same=None, out=None):
        """Q -> DQ on the float tensor y_name whose calibration value is y; `same` reuses another tensor's
        scale and zero point (around MaxPool / Reshape / Transpose / Flatten, as ORT requires to drop them)."""
        if same is not None:
            s, z = same.scale, same.zp
        else:
            s, z = ql.act_qparams(y.min(), y.max(), self.dt)
        dq = self.g.qdq(y_name, name, s, z, self.dt, out=out)
        return T(dq, ql.dequantize(ql.quantize(y, s, z, self.dt), s, z), s, z)

    def input(self, name, x):
        return self.qdq(name, x.astype(F32), name)

    # --- CNN layers ----------------------------------------------------------------------------------------
    def conv(self, t, cout, k, stride=1, pad=0, groups=1, act="relu", gain=1.0, name="conv"):
        cin = t.v.shape[1]
        fan_in = cin // groups * k * k
        w = self.rng.standard_normal((cout, cin // groups, k, k)).astype(F32) * F32(np.sqrt(2.0 / fan_in))
        y = ql.conv2d(t.v, w, None, stride, pad, groups)
        # data-dependent normalization: a folded batch-norm with gamma = gain, beta ~ N(0, 0.25 gain)
        mean, sd = y.mean(axis=(0, 2, 3)), y.std(axis=(0, 2, 3)) + 1e-3
        beta = self.rng.normal(0.0, 0.25, cout) * gain
        w = w * (gain / sd).astype(F32)[:, None, None, None]
        b = (beta - mean * gain / sd).astype(F32)
        wq, ws = ql.quant_weight(w, axis=0)
        bq, bs = ql.quant_bias(b, t.scale, ws)
        self.n_params += w.size + b.size
        wd, bd = ql.dequant_weight(wq, ws), bq.astype(F32) * bs
        y = ql.conv2d(t.v, wd, bd, stride, pad, groups)
        attrs = {"kernel_shape": [k, k], "strides": [stride, stride], "pads": [pad] * 4, "dilations": [1, 1],
                 "group": groups}
        o = self.g.node("Conv", [t.name, self.g.dq_weight(f"{name}.weight", wq, ws),
                                 self.g.dq_bias(f"{name}.bias", bq, bs)], out=f"{name}_out", name=name, **attrs)
        o, y = self.activation(o, y, act, name)
        return self.qdq(o, y, f"{name}_act" if act else name)

    def activation(self, o, y, act, name):
        if act == "relu":
            return self.g.node("Relu", [o], out=f"{name}_relu", name=f"{name}_Relu"), np.maximum(y, 0)
        if act == "relu6":
            lo = self.g.init(f"{name}_clip_min", np.array(0.0, F32))
            hi = self.g.init(f"{name}_clip_max", np.array(6.0, F32))
            return self.g.node("Clip", [o, lo, hi], out=f"{name}_relu6", name=f"{name}_Clip"), np.clip(y, 0, 6)
        assert act is None
        return o, y

    def add(self, a, b, relu=False, name="add"):
        o = self.g.node("Add", [a.name, b.name], out=f"{name}_out", name=name)
        o, y = self.activation(o, a.v + b.v, "relu" if relu else None, name)
        return self.qdq(o, y, name)

    def maxpool(self, t, k, stride, pad, name="maxpool"):
        xp = np.pad(t.v, ((0, 0), (0, 0), (pad, pad), (pad, pad)), constant_values=-np.inf)
        ho = (t.v.shape[2] + 2 * pad - k) // stride + 1
        y = ql._windows(np.ascontiguousarray(xp), k, stride, ho, ho).max(axis=(2, 3))
        o = self.g.node("MaxPool", [t.name], out=f"{name}_out", name=name, kernel_shape=[k, k],
                        strides=[stride, stride], pads=[pad] * 4)
        return self.qdq(o, y, name, same=t)

    def gap_flatten(self, t, name="avgpool"):
        o = self.g.node("GlobalAveragePool", [t.name], out=f"{name}_out", name=name)
        t = self.qdq(o, t.v.mean(axis=(2, 3), keepdims=True), name)
        o = self.g.node("Flatten", [t.name], out="flatten_out", name="flatten", axis=1)
        return self.qdq(o, t.v.reshape(t.v.shape[0], -1), "flatten", same=t)

    def fc(self, t, nout, name="fc", out="logits"):
        k = t.v.shape[1]
        w = self.rng.standard_normal((nout, k)).astype(F32) * F32(np.sqrt(1.0 / k))
        y = t.v @ w.T
        w = w / F32(y.std() + 1e-3) * F32(2.0)  # logits with std ~2
        b = self.rng.normal(0.0, 0.1, nout).astype(F32)
        wq, ws = ql.quant_weight(w, axis=0)
        bq, bs = ql.quant_bias(b, t.scale, ws)
        self.n_params += w.size + b.size
        y = t.v @ ql.dequant_weight(wq, ws).T + bq.astype(F32) * bs
        o = self.g.node("Gemm", [t.name, self.g.dq_weight(f"{name}.weight", wq, ws),
                                 self.g.dq_bias(f"{name}.bias", bq, bs)], out=f"{name}_out", name=name, transB=1)
        return self.qdq(o, y, name, out=out)

    # --- transformer pieces --------------------------------------------------------------------------------
    def linear(self, t, n_out, name, std=0.02):
        """x[.., K] @ W[K, N] + b: MatMul with per-column int8 weights (DQ axis 1) and an int32 bias Add."""
        k = t.v.shape[-1]
        w = self.rng.normal(0.0, std, (k, n_out)).astype(F32)
        b = self.rng.normal(0.0, std, n_out).astype(F32)
        wq, ws = ql.quant_weight(w, axis=1)
        bq, bs = ql.quant_bias(b, t.scale, ws)
        self.n_params += w.size + b.size
        y = t.v @ ql.dequant_weight(wq, ws, axis=1) + bq.astype(F32) * bs
        mm = self.g.node("MatMul", [t.name, self.g.dq_weight(f"{name}.weight", wq, ws, axis=1)],
                         out=f"{name}_matmul", name=f"{name}_MatMul")
        o = self.g.node("Add", [mm, self.g.dq_bias(f"{name}.bias", bq, bs)], out=f"{name}_out",
                        name=f"{name}_bias_Add")
        return o, y

    def reshape(self, t, shape, name):
        s = self.g.init(f"{name}_shape", np.array(shape, np.int64))
        o = self.g.node("Reshape", [t.name, s], out=f"{name}_out", name=name)
        return self.qdq(o, t.v.reshape(shape), name, same=t)

    def transpose(self, t, perm, name):
        o = self.g.node("Transpose", [t.name], out=f"{name}_out", name=name, perm=perm)
        return self.qdq(o, t.v.transpose(perm), name, same=t)

    def scalar(self, name, v):
        return self.g.init(name, np.array(v, F32))

    def layernorm(self, t, name, eps=1e-12):
        h = t.v.shape[-1]
        gamma = (1.0 + self.rng.normal(0, 0.05, h)).astype(F32)
        beta = self.rng.normal(0, 0.05, h).astype(F32)
        self.n_params += 2 * h
        g = self.g
        mean = g.node("ReduceMean", [t.name], out=f"{name}_mean", name=f"{name}_ReduceMean", axes=[-1], keepdims=1)
        d = g.node("Sub", [t.name, mean], out=f"{name}_centered", name=f"{name}_Sub")
        sq = g.node("Pow", [d, self.scalar(f"{name}_two", 2.0)], out=f"{name}_sq", name=f"{name}_Pow")
        var = g.node("ReduceMean", [sq], out=f"{name}_var", name=f"{name}_ReduceMean_var", axes=[-1], keepdims=1)
        ve = g.node("Add", [var, self.scalar(f"{name}_eps", eps)], out=f"{name}_var_eps", name=f"{name}_Add_eps")
        sd = g.node("Sqrt", [ve], out=f"{name}_std", name=f"{name}_Sqrt")
        n = g.node("Div", [d, sd], out=f"{name}_normalized", name=f"{name}_Div")
        m = g.node("Mul", [n, g.init(f"{name}.weight", gamma)], out=f"{name}_scaled", name=f"{name}_Mul")
        o = g.node("Add", [m, g.init(f"{name}.bias", beta)], out=f"{name}_out", name=f"{name}_Add")
        x = t.v.astype(np.float64)
        mu = x.mean(-1, keepdims=True)
        y = (x - mu) / np.sqrt(((x - mu) ** 2).mean(-1, keepdims=True) + eps) * gamma + beta
        return o, y.astype(F32)

    def gelu(self, t, name):
        g = self.g
        d = g.node("Div", [t.name, self.scalar(f"{name}_sqrt2", np.sqrt(2.0))], out=f"{name}_div", name=f"{name}_Div")
        e = g.node("Erf", [d], out=f"{name}_erf", name=f"{name}_Erf")
        a = g.node("Add", [e, self.scalar(f"{name}_one", 1.0)], out=f"{name}_add", name=f"{name}_Add")
        m = g.node("Mul", [t.name, a], out=f"{name}_mul", name=f"{name}_Mul")
        o = g.node("Mul", [m, self.scalar(f"{name}_half", 0.5)], out=f"{name}_out", name=f"{name}_Mul_half")
        x = t.v.astype(np.float64)
        return o, (x * 0.5 * (1.0 + _erf(x / np.sqrt(2.0)))).astype(F32)


# ---------------------------------------------------------------------------------------------------------------
# Networks
# ---------------------------------------------------------------------------------------------------------------

def image_input(net):
    x = net.rng.standard_normal((1, 3, 224, 224)).astype(F32)  # a normalized image
    return x, net.input("input", x)


def build_resnet(net, depth):
    x, t = image_input(net)
    t = net.conv(t, 64, 7, 2, 3, name="conv1")
    t = net.maxpool(t, 3, 2, 1)
    bottleneck = depth == 50
    blocks = {18: [2, 2, 2, 2], 50: [3, 4, 6, 3]}[depth]
    cin = 64
    for li, (width, n) in enumerate(zip([64, 128, 256, 512], blocks)):
        for bi in range(n):
            stride = 2 if (li > 0 and bi == 0) else 1
            p = f"layer{li + 1}.{bi}"
            cout = width * 4 if bottleneck else width
            if bottleneck:
                y = net.conv(t, width, 1, name=f"{p}.conv1")
                y = net.conv(y, width, 3, stride, 1, name=f"{p}.conv2")
                y = net.conv(y, cout, 1, act=None, gain=0.5, name=f"{p}.conv3")
            else:
                y = net.conv(t, width, 3, stride, 1, name=f"{p}.conv1")
                y = net.conv(y, width, 3, 1, 1, act=None, gain=0.5, name=f"{p}.conv2")
            idn = t
            if stride != 1 or cin != cout:
                idn = net.conv(t, cout, 1, stride, 0, act=None, gain=0.5, name=f"{p}.downsample")
            t = net.add(y, idn, relu=True, name=f"{p}.add")
            cin = cout
    t = net.gap_flatten(t)
    y = net.fc(t, 1000)
    return x, [("input", F32, [1, 3, 224, 224])], [("logits", F32, [1, 1000])], y


def build_mobilenetv2(net):
    x, t = image_input(net)
    t = net.conv(t, 32, 3, 2, 1, act="relu6", name="features.0")
    cfg = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]
    cin, idx = 32, 1
    for expand, c, n, s in cfg:
        for i in range(n):
            stride = s if i == 0 else 1
            p = f"features.{idx}"
            hidden = cin * expand
            y = t
            if expand != 1:
                y = net.conv(y, hidden, 1, act="relu6", name=f"{p}.expand")
            y = net.conv(y, hidden, 3, stride, 1, groups=hidden, act="relu6", name=f"{p}.depthwise")
            y = net.conv(y, c, 1, act=None, gain=0.5 if (stride == 1 and cin == c) else 1.0, name=f"{p}.project")
            if stride == 1 and cin == c:
                y = net.add(t, y, name=f"{p}.add")
            t, cin, idx = y, c, idx + 1
    t = net.conv(t, 1280, 1, act="relu6", name=f"features.{idx}")
    t = net.gap_flatten(t)
    y = net.fc(t, 1000, name="classifier")
    return x, [("input", F32, [1, 3, 224, 224])], [("logits", F32, [1, 1000])], y


def build_bert_layer(net, seq=128, hidden=768, heads=12, ffn=3072):
    d = hidden // heads
    x = net.rng.standard_normal((1, seq, hidden)).astype(F32)  # output of the previous LayerNorm
    t = net.input("hidden_states", x)
    g = net.g

    def proj(src, name, perm):
        o, y = net.linear(src, hidden, f"attention.{name}")
        q = net.qdq(o, y, f"attention.{name}")
        q = net.reshape(q, [1, seq, heads, d], f"attention.{name}_split_heads")
        return net.transpose(q, perm, f"attention.{name}_transpose")

    qh = proj(t, "query", [0, 2, 1, 3])  # [1, H, S, d]
    kh = proj(t, "key", [0, 2, 3, 1])  # [1, H, d, S]
    vh = proj(t, "value", [0, 2, 1, 3])  # [1, H, S, d]
    o = g.node("MatMul", [qh.name, kh.name], out="attention.scores", name="attention.scores_MatMul")
    sc = net.qdq(o, qh.v @ kh.v, "attention.scores")
    o = g.node("Div", [sc.name, net.scalar("attention.sqrt_d", np.sqrt(d))], out="attention.scaled",
               name="attention.scale_Div")
    o = g.node("Softmax", [o], out="attention.probs", name="attention.Softmax", axis=-1)
    z = sc.v / F32(np.sqrt(d))
    e = np.exp(z - z.max(-1, keepdims=True))
    pr = net.qdq(o, e / e.sum(-1, keepdims=True), "attention.probs")
    o = g.node("MatMul", [pr.name, vh.name], out="attention.context", name="attention.context_MatMul")
    ctx = net.qdq(o, pr.v @ vh.v, "attention.context")
    ctx = net.transpose(ctx, [0, 2, 1, 3], "attention.context_transpose")
    ctx = net.reshape(ctx, [1, seq, hidden], "attention.context_merge_heads")
    o, y = net.linear(ctx, hidden, "attention.output.dense")
    ao = net.qdq(o, y, "attention.output.dense")
    r = net.add(ao, t, name="attention.output.residual_Add")
    o, y = net.layernorm(r, "attention.output.LayerNorm")
    ln1 = net.qdq(o, y, "attention.output.LayerNorm")
    o, y = net.linear(ln1, ffn, "intermediate.dense")
    h = net.qdq(o, y, "intermediate.dense")
    o, y = net.gelu(h, "intermediate.gelu")
    h = net.qdq(o, y, "intermediate.gelu")
    o, y = net.linear(h, hidden, "output.dense")
    f = net.qdq(o, y, "output.dense")
    r = net.add(f, ln1, name="output.residual_Add")
    o, y = net.layernorm(r, "output.LayerNorm")
    out = net.qdq(o, y, "output.LayerNorm", out="output")
    return x, [("hidden_states", F32, [1, seq, hidden])], [("output", F32, [1, seq, hidden])], out


BUILDERS = {
    "resnet18": lambda n: build_resnet(n, 18),
    "resnet50": lambda n: build_resnet(n, 50),
    "mobilenetv2": build_mobilenetv2,
    "bert_layer": build_bert_layer,
}


def run_ort(path, x, input_name, tmp):
    np.save(tmp / "x.npy", x)
    t0 = time.time()
    r = subprocess.run(["node", str(ROOT / "tools/ort/run_ort.js"), str(path), str(tmp / "out"),
                        f"{input_name}=" + str(tmp / "x.npy")], capture_output=True, text=True)
    if r.returncode:
        raise RuntimeError(f"ORT failed on {path}: {r.stderr.strip()}")
    name = r.stdout.split()[0]
    return np.load(tmp / "out" / f"{name}.npy"), time.time() - t0


def main():
    ap = argparse.ArgumentParser(description="Full-size QDQ networks with random weights.")
    ap.add_argument("out", type=pathlib.Path)
    ap.add_argument("--only", help="comma-separated subset of " + ", ".join(MODELS))
    ap.add_argument("--act", choices=["int8", "uint8"], default="int8", help="activation type (default int8)")
    ap.add_argument("--seed", type=int, default=20240607)
    ap.add_argument("--ort", action="store_true", help="also run each model once in ONNX Runtime")
    args = ap.parse_args()
    names = args.only.split(",") if args.only else list(MODELS)
    for n in names:
        if n not in MODELS:
            ap.error(f"unknown model {n} (choose from {', '.join(MODELS)})")
    args.out.mkdir(parents=True, exist_ok=True)
    dt = np.int8 if args.act == "int8" else np.uint8
    total = time.time()
    for i, name in enumerate(names):
        t0 = time.time()
        net = Net(args.seed + MODELS.index(name), dt)
        x, inputs, outputs, y = BUILDERS[name](net)
        model = net.g.model(name, inputs, outputs,
                            doc=f"{name}, random weights (seed {args.seed}), QDQ {args.act} "
                                "(Systole models/gen_large.py)")
        t_build = time.time() - t0
        onnx.checker.check_model(model, full_check=True)
        inferred = onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
        shaped = {v.name for v in list(inferred.graph.value_info) + list(inferred.graph.output)
                  if v.type.tensor_type.HasField("shape")}
        missing = [o for n in model.graph.node for o in n.output if o not in shaped]
        assert not missing, f"shape inference left {len(missing)} tensors without a shape, e.g. {missing[:3]}"
        path = args.out / f"{name}.onnx"
        data = model.SerializeToString()
        path.write_bytes(data)
        np.save(args.out / f"{name}_input.npy", x)
        dt_s = time.time() - t0
        ops = ql.op_summary(model)
        print(f"{name}: {len(data) / 1e6:.1f} MB, {net.n_params / 1e6:.2f} M params, {len(model.graph.node)} nodes, "
              f"built in {t_build:.1f} s, checked and written in {dt_s:.1f} s -> {path}")
        print(f"  ops: {', '.join(f'{k} {v}' for k, v in ops.items())}")
        if args.ort:
            with tempfile.TemporaryDirectory() as tmp:
                o, t_ort = run_ort(path, x, inputs[0][0], pathlib.Path(tmp))
            lsb = np.abs(o - y.v) / y.scale
            print(f"  ORT: ran in {t_ort:.1f} s (incl. session load); vs numpy forward: max {lsb.max():.0f} LSB, "
                  f"{100 * (lsb < 0.5).mean():.1f}% equal, {100 * (lsb < 1.5).mean():.1f}% within 1 LSB")
    print(f"total {time.time() - total:.1f} s")


if __name__ == "__main__":
    main()
