"""Small networks chaining 2-5 layers (conv -> relu -> pool -> gemm, residual add, depthwise blocks, MLPs), in QDQ
form (uint8 activations, fused by ORT) or QOperator form (uint8 or int8). A float simulation of each layer picks
the next layer's quantization from the values it really sees."""
import numpy as np

from case_common import F32, I8, I32, U8, Case, act_params, choice, conv_acc, out_params, rand_act, rand_weight


class Net:
    def __init__(self, rng, qop, dtype, float_io):
        self.rng, self.qop, self.dtype = rng, qop, dtype
        self.c = Case("network", ms=qop)
        self.g = self.c.g
        self.layers = []
        self.float_io = float_io

    # --- tensors: (name of the quantized tensor, its real values, scale, zero point) -----------------------
    def start(self, shape):
        rng, g, dt = self.rng, self.g, self.dtype
        s, z = act_params(rng, dt)
        q = rand_act(rng, shape, dt)
        if self.float_io:  # a float input and a QuantizeLinear in the graph
            xf = ((q.astype(np.int32) - z).astype(F32) * F32(s) + rng.normal(0, 0.3, shape).astype(F32) * F32(s))
            self.c.add_input("x", xf.astype(F32))
            name = g.node("QuantizeLinear", ["x"] + self.qp("x", s, z), out="x_q")
        else:
            name = self.c.add_input("x", q)
        self.t = (name, (q.astype(np.float64) - z) * float(s), s, z)

    def qp(self, stem, s, z):
        return [self.g.init(f"{stem}_scale", np.array(s, F32)), self.g.init(f"{stem}_zero_point", np.array(z, self.dtype))]

    def requant(self, real, nonneg=False):
        s, z = out_params(self.rng, real, self.dtype, nonneg)
        lo, hi = (0, 255) if np.dtype(self.dtype) == np.dtype(U8) else (-128, 127)
        q = np.clip(np.rint(real / float(s)) + z, lo, hi)
        return (q - z) * float(s), s, z

    def dq(self, t):
        return self.g.node("DequantizeLinear", [t[0]] + self.qp(t[0], t[2], t[3]), out=f"{t[0]}_dq")

    def emit_q(self, float_name, stem, s, z):
        return self.g.node("QuantizeLinear", [float_name] + self.qp(stem, s, z), out=stem)

    # --- layers ----------------------------------------------------------------------------------------------
    def conv(self, m, k, stride=1, pad=0, group=1, relu=False):
        name, real, s, z = self.t
        c = real.shape[1]
        wq, ws, _ = rand_weight(self.rng, (m, c // group, k, k), self.rng.random() < 0.6)
        wf = wq.astype(np.float64) * np.broadcast_to(ws, (m,)).reshape(-1, 1, 1, 1)
        bias_real = self.rng.normal(0, 0.3, m)
        bs = (F32(s) * np.broadcast_to(ws, (m,))).astype(F32)
        bq = np.rint(bias_real / bs).astype(I32)
        y = conv_acc(real, wf, [stride] * 2, [1, 1], [pad] * 4, group) + (bq * bs).reshape(1, -1, 1, 1)
        if relu:
            y = np.maximum(y, 0)
        yr, ys, yz = self.requant(y, relu)
        stem = f"conv{len(self.layers)}"
        g, pc = self.g, ws.size > 1
        attrs = dict(kernel_shape=[k, k], strides=[stride] * 2, pads=[pad] * 4, group=group)
        if self.qop:
            ins = [name, *self.qp(name, s, z), g.init(f"{stem}_w", wq), g.init(f"{stem}_w_scale", ws if pc else ws[0]),
                   g.init(f"{stem}_w_zero_point", np.zeros(ws.shape, I8) if pc else np.array(0, I8)),
                   *self.qp(stem, ys, yz), g.init(f"{stem}_b", bq)]
            out = g.node("QLinearConv", ins, out=stem, name=stem, **attrs)
        else:
            wd = g.node("DequantizeLinear", [g.init(f"{stem}_w", wq), g.init(f"{stem}_w_scale", ws if pc else ws[0]),
                                             g.init(f"{stem}_w_zero_point", np.zeros(ws.shape, I8) if pc else
                                                    np.array(0, I8))], out=f"{stem}_w_dq", axis=0)
            bd = g.node("DequantizeLinear", [g.init(f"{stem}_b", bq), g.init(f"{stem}_b_scale", bs if pc else bs[0]),
                                             g.init(f"{stem}_b_zero_point", np.zeros(bs.shape, I32) if pc else
                                                    np.array(0, I32))], out=f"{stem}_b_dq", axis=0)
            f = g.node("Conv", [self.dq(self.t), wd, bd], out=f"{stem}_float", name=stem, **attrs)
            if relu:
                f = g.node("Relu", [f], out=f"{stem}_relu")
            out = self.emit_q(f, stem, ys, yz)
        self.t = (out, yr, ys, yz)
        self.layers.append(f"conv{k}x{k}{'/s' + str(stride) if stride > 1 else ''}{'/dw' if group > 1 else ''}"
                           f"{'+relu' if relu else ''}")

    def same_params_op(self, op, real_out, text, **attrs):
        """MaxPool / Flatten: 8-bit op (QOperator) or between equal DQ/Q (QDQ)."""
        name, _, s, z = self.t
        stem = f"{op.lower()}{len(self.layers)}"
        if self.qop:
            out = self.g.node(op, [name], out=stem, name=stem, **attrs)
        else:
            f = self.g.node(op, [self.dq(self.t)], out=f"{stem}_float", name=stem, **attrs)
            out = self.emit_q(f, stem, s, z)
        self.t = (out, real_out, s, z)
        self.layers.append(text)

    def maxpool2(self):
        r = self.t[1]
        n, c, h, w = r.shape
        h2, w2 = h // 2, w // 2
        y = r[:, :, :h2 * 2, :w2 * 2].reshape(n, c, h2, 2, w2, 2).max(axis=(3, 5))
        self.same_params_op("MaxPool", y, "maxpool2", kernel_shape=[2, 2], strides=[2, 2])

    def flatten(self):
        r = self.t[1]
        self.same_params_op("Flatten", r.reshape(r.shape[0], -1), "flatten", axis=1)

    def pool(self, kind):
        name, r, s, z = self.t
        stem = f"{kind.lower()}{len(self.layers)}"
        if kind == "AveragePool":
            n, c, h, w = r.shape
            y = r[:, :, :h // 2 * 2, :w // 2 * 2].reshape(n, c, h // 2, 2, w // 2, 2).mean(axis=(3, 5))
            attrs = dict(kernel_shape=[2, 2], strides=[2, 2])
        else:
            y, attrs = r.mean(axis=(2, 3), keepdims=True), {}
        yr, ys, yz = self.requant(y)
        g = self.g
        if self.qop:
            out = g.node(f"QLinear{kind}", [name, *self.qp(name, s, z), *self.qp(stem, ys, yz)], out=stem, name=stem,
                         domain="com.microsoft", channels_last=0, **attrs)
        else:
            f = g.node(kind, [self.dq(self.t)], out=f"{stem}_float", name=stem, **attrs)
            out = self.emit_q(f, stem, ys, yz)
        self.t = (out, yr, ys, yz)
        self.layers.append("avgpool2" if attrs else "gap")

    def gemm(self, n_out, relu=False):
        name, r, s, z = self.t
        k = r.shape[-1]
        wq, ws, _ = rand_weight(self.rng, (n_out, k), self.rng.random() < 0.6)  # [N, K]: transB = 1
        bs = (F32(s) * np.broadcast_to(ws, (n_out,))).astype(F32)
        bq = np.rint(self.rng.normal(0, 0.3, n_out) / bs).astype(I32)
        y = r @ (wq.astype(np.float64) * np.broadcast_to(ws, (n_out,)).reshape(-1, 1)).T + bq * bs
        if relu:
            y = np.maximum(y, 0)
        yr, ys, yz = self.requant(y, relu)
        stem, g, pc = f"gemm{len(self.layers)}", self.g, ws.size > 1
        wz = np.zeros(ws.shape, I8) if pc else np.array(0, I8)
        if self.qop:
            ins = [name, *self.qp(name, s, z), g.init(f"{stem}_w", wq), g.init(f"{stem}_w_scale", ws if pc else ws[0]),
                   g.init(f"{stem}_w_zero_point", wz), g.init(f"{stem}_b", bq), *self.qp(stem, ys, yz)]
            out = g.node("QGemm", ins, out=stem, name=stem, domain="com.microsoft", transB=1)
        else:
            wd = g.node("DequantizeLinear", [g.init(f"{stem}_w", wq), g.init(f"{stem}_w_scale", ws if pc else ws[0]),
                                             g.init(f"{stem}_w_zero_point", wz)], out=f"{stem}_w_dq", axis=0)
            bd = g.node("DequantizeLinear", [g.init(f"{stem}_b", bq), g.init(f"{stem}_b_scale", bs if pc else bs[0]),
                                             g.init(f"{stem}_b_zero_point", np.zeros(bs.shape, I32) if pc else
                                                    np.array(0, I32))], out=f"{stem}_b_dq", axis=0)
            f = g.node("Gemm", [self.dq(self.t), wd, bd], out=f"{stem}_float", name=stem, transB=1)
            if relu:
                f = g.node("Relu", [f], out=f"{stem}_relu")
            out = self.emit_q(f, stem, ys, yz)
        self.t = (out, yr, ys, yz)
        self.layers.append(f"gemm{n_out}{'+relu' if relu else ''}")

    def add(self, skip, relu=False):
        a, b = self.t, skip
        y = a[1] + b[1]
        if relu:
            y = np.maximum(y, 0)
        yr, ys, yz = self.requant(y, relu)
        stem, g = f"add{len(self.layers)}", self.g
        if self.qop:
            out = g.node("QLinearAdd", [a[0], *self.qp(a[0], a[2], a[3]), b[0], *self.qp(b[0], b[2], b[3]),
                                        *self.qp(stem, ys, yz)], out=stem, name=stem, domain="com.microsoft")
        else:
            f = g.node("Add", [self.dq(a), self.dq(b)], out=f"{stem}_float", name=stem)
            if relu:
                f = g.node("Relu", [f], out=f"{stem}_relu")
            out = self.emit_q(f, stem, ys, yz)
        self.t = (out, yr, ys, yz)
        self.layers.append(f"add{'+relu' if relu else ''}")

    def finish(self):
        name, r, s, z = self.t
        if self.float_io:
            self.g.node("DequantizeLinear", [name] + self.qp(name, s, z), out="y")
            self.c.outputs = [("y", F32, r.shape)]
        else:
            self.g.node("Identity", [name], out="y")
            self.c.outputs = [("y", self.dtype, r.shape)]
        form = "QOperator" if self.qop else "QDQ"
        dt = "u8" if np.dtype(self.dtype) == np.dtype(U8) else "s8"
        io = "float I/O" if self.float_io else "8-bit I/O"
        x = self.c.inputs["x"]
        self.c.desc = f"network {form} {dt} {io} x{list(x.shape)}: {' -> '.join(self.layers)}"
        return self.c


def network(rng):
    qop = rng.random() < 0.5
    dtype = U8 if not qop or rng.random() < 0.5 else I8
    net = Net(rng, qop, dtype, float_io=rng.random() < 0.5)
    n = int(rng.integers(1, 4))
    ch = choice(rng, [1, 3, 5, 7, 8])
    hw = int(rng.integers(5, 13))
    kind = choice(rng, ["cnn", "residual", "pool", "mlp", "depthwise"])
    if kind == "mlp":
        net.start([n, choice(rng, [7, 13, 16, 17, 33])])
        net.gemm(choice(rng, [8, 13, 17]), relu=True)
        skip = net.t
        net.gemm(skip[1].shape[1], relu=False)
        net.add(skip)
        net.gemm(choice(rng, [3, 5, 10]))
        return net.finish()
    net.start([n, ch, hw, hw])
    m = choice(rng, [4, 7, 8, 13])
    if kind == "cnn":
        net.conv(m, 3, pad=1, relu=True)
        net.maxpool2()
        net.flatten()
        net.gemm(choice(rng, [3, 7, 10]))
    elif kind == "residual":
        net.conv(m, 3, pad=1, relu=True)
        skip = net.t
        net.conv(m, 3, pad=1)
        net.add(skip, relu=rng.random() < 0.5)
        net.pool("GlobalAveragePool")
        net.flatten()
        net.gemm(choice(rng, [3, 10]))
    elif kind == "pool":
        net.conv(m, 3, pad=int(rng.integers(0, 2)), relu=True)
        net.pool("AveragePool")
        net.conv(choice(rng, [5, 9]), 1)
        net.pool("GlobalAveragePool")
    else:
        net.conv(m, 1, relu=True)
        skip = net.t
        net.conv(m, 3, pad=1, group=m, relu=True)
        net.conv(m, 1)
        net.add(skip)
    return net.finish()
