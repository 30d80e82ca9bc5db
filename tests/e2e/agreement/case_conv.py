"""Convolution cases: QLinearConv (QOperator) and Conv in QDQ form, uint8 activations (ORT fuses the group into
QLinearConv) and int8 activations (ORT keeps DequantizeLinear -> float Conv -> QuantizeLinear on x86)."""
import numpy as np

from case_common import (F32, I8, U8, Case, act_params, choice, conv_acc, out_params, pad_shape, qrange, rand_act,
                         rand_bias, rand_weight, resolve_auto_pad)

KERNELS = [(1, 1), (3, 3), (3, 3), (3, 3), (5, 5), (1, 3), (3, 1), (2, 2)]


def conv_geometry(rng):
    """Kernel, strides, dilations, group, channel counts, input size, pads (or auto_pad)."""
    kh, kw = choice(rng, KERNELS)
    strides = [int(rng.integers(1, 4))] * 2
    if rng.random() < 0.2:
        strides = [int(rng.integers(1, 4)), int(rng.integers(1, 4))]
    dils = [1, 1]
    if max(kh, kw) > 1 and rng.random() < 0.3:
        dils = [int(rng.integers(1, 3)), int(rng.integers(1, 3))]
    r = rng.random()
    if r < 0.6:
        group, c, m = 1, choice(rng, [1, 3, 5, 7, 8, 13, 16, 17, 24]), choice(rng, [1, 3, 7, 8, 13, 16, 17, 32])
    elif r < 0.85:  # depthwise (channel multiplier 1, sometimes 2)
        c = choice(rng, [3, 7, 8, 13, 16, 17])
        group, m = c, c * (2 if rng.random() < 0.2 else 1)
    else:
        group = choice(rng, [2, 3, 4])
        c, m = group * int(rng.integers(1, 6)), group * int(rng.integers(1, 6))
    eff = [(kh - 1) * dils[0] + 1, (kw - 1) * dils[1] + 1]
    h = int(rng.integers(max(eff[0], 1), 18))
    w = int(rng.integers(max(eff[1], 1), 18))
    auto_pad = None
    r = rng.random()
    if r < 0.35:
        pads = [0, 0, 0, 0]
    elif r < 0.6:
        pads = [kh // 2, kw // 2, kh // 2, kw // 2]
    elif r < 0.85:  # asymmetric
        pads = [int(rng.integers(0, kh)), int(rng.integers(0, kw)), int(rng.integers(0, kh)), int(rng.integers(0, kw))]
    else:
        auto_pad = choice(rng, ["SAME_UPPER", "SAME_LOWER", "VALID"])
        if auto_pad != "VALID":
            dils = [1, 1]  # ORT: "Dilation not supported for AutoPadType::SAME_UPPER or SAME_LOWER"
        pads = resolve_auto_pad(auto_pad, [h, w], [kh, kw], strides, dils)
    n = int(rng.integers(1, 4))
    return dict(k=(kh, kw), strides=strides, dils=dils, group=group, c=c, m=m, n=n, h=h, w=w, pads=pads,
                auto_pad=auto_pad)


def conv_attrs(geo):
    a = dict(kernel_shape=list(geo["k"]), strides=geo["strides"], dilations=geo["dils"], group=geo["group"])
    if geo["auto_pad"]:
        a["auto_pad"] = geo["auto_pad"]
    else:
        a["pads"] = geo["pads"]
    return a


def conv_desc(form, xt, wt, geo, x, wq, per_channel, bias, act=""):
    pads = f"auto_pad={geo['auto_pad']}{pad_shape(geo['pads'])}" if geo["auto_pad"] else f"pads{pad_shape(geo['pads'])}"
    g = geo["group"]
    gtxt = "depthwise" if g > 1 and g == geo["c"] else f"g{g}"
    return (f"{form} {xt}x{wt} x{list(x.shape)} w{list(wq.shape)} k{geo['k'][0]}x{geo['k'][1]} "
            f"s{geo['strides'][0]},{geo['strides'][1]} d{geo['dils'][0]},{geo['dils'][1]} {gtxt} {pads} "
            f"{'per-channel' if per_channel else 'per-tensor'} {'bias' if bias else 'no-bias'}{act}")


def _draw(rng, x_dtype, allow_u8_weights):
    geo = conv_geometry(rng)
    w_dtype = U8 if allow_u8_weights and rng.random() < 0.25 else I8
    per_channel = rng.random() < 0.6 and w_dtype == I8
    kh, kw = geo["k"]
    wq, ws, wz = rand_weight(rng, (geo["m"], geo["c"] // geo["group"], kh, kw), per_channel, 0, w_dtype)
    x = rand_act(rng, (geo["n"], geo["c"], geo["h"], geo["w"]), x_dtype)
    xs, xz = act_params(rng, x_dtype)
    acc = conv_acc(x.astype(np.int64) - xz, wq.astype(np.int64) - wz.astype(np.int64).reshape(-1, 1, 1, 1),
                   geo["strides"], geo["dils"], geo["pads"], geo["group"])
    bias = rand_bias(rng, acc, geo["m"]) if rng.random() < 0.7 else None
    if bias is not None:
        acc = acc + bias.reshape(1, -1, 1, 1)
    real = acc.astype(np.float64) * float(xs) * np.broadcast_to(ws, (geo["m"],)).reshape(1, -1, 1, 1)
    return geo, w_dtype, per_channel, wq, ws, wz, x, xs, xz, bias, real


def _tname(t):
    return "u8" if np.dtype(t) == np.dtype(U8) else "s8"


def qlinear_conv(rng):
    x_dtype = U8 if rng.random() < 0.6 else I8
    geo, w_dtype, pc, wq, ws, wz, x, xs, xz, bias, real = _draw(rng, x_dtype, x_dtype == U8)
    ys, yz = out_params(rng, real, x_dtype)
    c = Case("QLinearConv")
    g = c.g
    c.add_input("x", x)
    ins = ["x", g.init("x_scale", np.array(xs, F32)), g.init("x_zero_point", np.array(xz, x_dtype)),
           g.init("w", wq), g.init("w_scale", ws if pc else np.array(ws[0], F32)),
           g.init("w_zero_point", wz if pc else np.array(wz[0], w_dtype)),
           g.init("y_scale", np.array(ys, F32)), g.init("y_zero_point", np.array(yz, x_dtype))]
    if bias is not None:
        ins.append(g.init("b", bias))
    g.node("QLinearConv", ins, out="y", name="qconv", **conv_attrs(geo))
    c.outputs = [("y", x_dtype, real.shape)]
    c.desc = conv_desc("QLinearConv", _tname(x_dtype), _tname(w_dtype), geo, x, wq, pc, bias is not None)
    return c


def qdq_conv(rng, x_dtype):
    geo, w_dtype, pc, wq, ws, wz, x, xs, xz, bias, real = _draw(rng, x_dtype, x_dtype == U8)
    act = choice(rng, ["", "", "", "relu", "clip"])
    if act == "clip":
        real = np.minimum(real, 6.0)
    ys, yz = out_params(rng, real, x_dtype, nonneg=bool(act))
    if act == "clip":  # ORT drops the Clip only when the output's range lies inside [0, 6]
        ys = min(ys, F32(6.0 * 0.99 / (qrange(x_dtype)[1] - yz)))
    s8 = np.dtype(x_dtype) == np.dtype(I8)
    c = Case("QDQ Conv s8 (ORT float path)" if s8 else "QDQ Conv u8", ort_float=s8)
    g = c.g
    c.add_input("x", x)
    sx, zx = g.init("x_scale", np.array(xs, F32)), g.init("x_zero_point", np.array(xz, x_dtype))
    xd = g.node("DequantizeLinear", ["x", sx, zx], out="x_dq")
    wi = [g.init("w", wq), g.init("w_scale", ws if pc else np.array(ws[0], F32)),
          g.init("w_zero_point", wz if pc else np.array(wz[0], w_dtype))]
    wd = g.node("DequantizeLinear", wi, out="w_dq", axis=0)
    ins = [xd, wd]
    if bias is not None:
        bs = (F32(xs) * ws).astype(F32)
        bi = [g.init("b", bias), g.init("b_scale", bs if pc else np.array(bs[0], F32)),
              g.init("b_zero_point", np.zeros(bs.shape, np.int32) if pc else np.array(0, np.int32))]
        ins.append(g.node("DequantizeLinear", bi, out="b_dq", axis=0))
    y = g.node("Conv", ins, out="conv_out", name="conv", **conv_attrs(geo))
    if act == "relu":
        y = g.node("Relu", [y], out="relu_out")
    elif act == "clip":
        y = g.node("Clip", [y, g.init("clip_min", np.array(0.0, F32)), g.init("clip_max", np.array(6.0, F32))],
                   out="clip_out")
    g.node("QuantizeLinear", [y, g.init("y_scale", np.array(ys, F32)), g.init("y_zero_point", np.array(yz, x_dtype))],
           out="y")
    c.outputs = [("y", x_dtype, real.shape)]
    c.desc = conv_desc("QDQ Conv", _tname(x_dtype), _tname(w_dtype), geo, x, wq, pc, bias is not None,
                       f" +{act}" if act else "")
    return c


def qdq_conv_u8(rng):
    return qdq_conv(rng, U8)


def qdq_conv_s8(rng):
    return qdq_conv(rng, I8)
