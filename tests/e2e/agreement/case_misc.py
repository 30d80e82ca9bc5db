"""Element-wise, pooling and view cases: QLinearAdd (com.microsoft) and QDQ Add with broadcasting, average pools
(com.microsoft QLinearAveragePool / QDQ AveragePool, global forms), MaxPool between equal Q/DQ, Reshape/Flatten."""
import numpy as np

from case_common import (F32, I8, U8, Case, act_params, ceil_drops, choice, pad_shape, pool_extent,
                         rand_act)


def _tname(t):
    return "u8" if np.dtype(t) == np.dtype(U8) else "s8"


def _dtype(rng):
    return U8 if rng.random() < 0.55 else I8


def _nchw(rng, lo=1, hi=17):
    return [int(rng.integers(1, 4)), int(rng.choice([1, 3, 5, 7, 8, 13, 16, 17])), int(rng.integers(lo, hi + 1)),
            int(rng.integers(lo, hi + 1))]


def _qp(g, stem, s, z, dtype):
    return [g.init(f"{stem}_scale", np.array(s, F32)), g.init(f"{stem}_zero_point", np.array(z, dtype))]


def _near(rng, s, z, dtype):
    """Output parameters near the input's (pools keep the range)."""
    s2 = F32(s * rng.uniform(0.5, 1.6))
    lo, hi = (0, 255) if np.dtype(dtype) == np.dtype(U8) else (-128, 127)
    return s2, int(np.clip(z + rng.integers(-20, 21), lo, hi))


def add_case(rng, qop):
    dtype = _dtype(rng)
    a_shape = _nchw(rng) if rng.random() < 0.75 else [int(rng.integers(1, 4)), int(rng.integers(1, 40))]
    n = len(a_shape)
    options = [list(a_shape), [1] * (n - 3) + [a_shape[-3], 1, 1] if n == 4 else [a_shape[-1]],
               [a_shape[-1]], [1], [1, 1] + a_shape[2:] if n == 4 else [1, a_shape[-1]]]
    b_shape = choice(rng, options)
    const_b = rng.random() < 0.2
    if rng.random() < 0.3 and not const_b:
        a_shape, b_shape = b_shape, a_shape  # the broadcast operand first
    a, b = rand_act(rng, a_shape, dtype), rand_act(rng, b_shape, dtype)
    (sa, za), (sb, zb) = act_params(rng, dtype), act_params(rng, dtype)
    sy = F32((float(sa) + float(sb)) * rng.uniform(0.6, 1.2))
    zy = int(rng.integers(*((60, 200) if np.dtype(dtype) == np.dtype(U8) else (-60, 60))))
    out_shape = list(np.broadcast_shapes(tuple(a_shape), tuple(b_shape)))
    c = Case("QLinearAdd" if qop else "QDQ Add", ms=qop)
    g = c.g
    c.add_input("a", a)
    b_in = g.init("b", b) if const_b else c.add_input("b", b)
    if qop:
        g.node("QLinearAdd", ["a"] + _qp(g, "a", sa, za, dtype) + [b_in] + _qp(g, "b", sb, zb, dtype) +
               _qp(g, "y", sy, zy, dtype), out="y", name="qadd", domain="com.microsoft")
    else:
        ad = g.node("DequantizeLinear", ["a"] + _qp(g, "a", sa, za, dtype), out="a_dq")
        bd = g.node("DequantizeLinear", [b_in] + _qp(g, "b", sb, zb, dtype), out="b_dq")
        s = g.node("Add", [ad, bd], out="sum", name="add")
        g.node("QuantizeLinear", [s] + _qp(g, "y", sy, zy, dtype), out="y")
    c.outputs = [("y", dtype, out_shape)]
    form = "com.microsoft QLinearAdd" if qop else "QDQ Add"
    c.desc = f"{form} {_tname(dtype)} A{a_shape} + B{b_shape}{' const' if const_b else ''}"
    return c


def qlinear_add(rng):
    return add_case(rng, True)


def qdq_add(rng):
    return add_case(rng, False)


def pool_geometry(rng, x_shape, max_pool):
    h, w = x_shape[2], x_shape[3]
    kh, kw = choice(rng, [(2, 2), (3, 3), (3, 3), (2, 3), (1, 3), (5, 5), (3, 1)])
    kh, kw = min(kh, h), min(kw, w)
    strides = [int(rng.integers(1, 4)), int(rng.integers(1, 4))]
    dils = [1, 1]
    if max_pool and rng.random() < 0.2:
        dils = [int(rng.integers(1, 3)), int(rng.integers(1, 3))]
        if (kh - 1) * dils[0] + 1 > h or (kw - 1) * dils[1] + 1 > w:
            dils = [1, 1]
    pads = [0, 0, 0, 0]
    if rng.random() < 0.5:
        pads = [int(rng.integers(0, kh)), int(rng.integers(0, kw)), int(rng.integers(0, kh)), int(rng.integers(0, kw))]
    ceil_mode = int(rng.random() < 0.3)
    if ceil_mode and (ceil_drops(h, kh, strides[0], pads[0], pads[2], dils[0]) or
                      ceil_drops(w, kw, strides[1], pads[1], pads[3], dils[1])):
        ceil_mode = 0
    ho = pool_extent(h, kh, strides[0], pads[0], pads[2], ceil_mode, dils[0])
    wo = pool_extent(w, kw, strides[1], pads[1], pads[3], ceil_mode, dils[1])
    attrs = dict(kernel_shape=[kh, kw], strides=strides, pads=pads, ceil_mode=ceil_mode)
    if max_pool and dils != [1, 1]:
        attrs["dilations"] = dils
    text = f"k{kh}x{kw} s{strides[0]},{strides[1]} pads{pad_shape(pads)} ceil_mode={ceil_mode}"
    if dils != [1, 1]:
        text += f" d{dils[0]},{dils[1]}"
    return attrs, [x_shape[0], x_shape[1], ho, wo], text


def avg_pool_case(rng, qop):
    dtype = _dtype(rng)
    x_shape = _nchw(rng, 2, 15)
    attrs, out_shape, text = pool_geometry(rng, x_shape, False)
    attrs["count_include_pad"] = int(rng.random() < 0.5)
    text += f" count_include_pad={attrs['count_include_pad']}"
    x = rand_act(rng, x_shape, dtype)
    sx, zx = act_params(rng, dtype)
    sy, zy = _near(rng, sx, zx, dtype)
    c = Case("QLinearAveragePool" if qop else "QDQ AveragePool", ms=qop)
    g = c.g
    c.add_input("x", x)
    if qop:
        g.node("QLinearAveragePool", ["x"] + _qp(g, "x", sx, zx, dtype) + _qp(g, "y", sy, zy, dtype), out="y",
               name="qavgpool", domain="com.microsoft", channels_last=0, **attrs)
    else:
        xd = g.node("DequantizeLinear", ["x"] + _qp(g, "x", sx, zx, dtype), out="x_dq")
        p = g.node("AveragePool", [xd], out="pool", name="avgpool", **attrs)
        g.node("QuantizeLinear", [p] + _qp(g, "y", sy, zy, dtype), out="y")
    c.outputs = [("y", dtype, out_shape)]
    c.desc = f"{'com.microsoft QLinearAveragePool' if qop else 'QDQ AveragePool'} {_tname(dtype)} x{x_shape} {text}"
    return c


def qlinear_avg_pool(rng):
    return avg_pool_case(rng, True)


def qdq_avg_pool(rng):
    return avg_pool_case(rng, False)


def gap_case(rng, qop):
    dtype = _dtype(rng)
    x_shape = _nchw(rng, 1, 17)
    x = rand_act(rng, x_shape, dtype)
    sx, zx = act_params(rng, dtype)
    sy, zy = _near(rng, sx, zx, dtype)
    c = Case("QLinearGlobalAveragePool" if qop else "QDQ GlobalAveragePool", ms=qop)
    g = c.g
    c.add_input("x", x)
    if qop:
        g.node("QLinearGlobalAveragePool", ["x"] + _qp(g, "x", sx, zx, dtype) + _qp(g, "y", sy, zy, dtype), out="y",
               name="qgap", domain="com.microsoft", channels_last=0)
    else:
        xd = g.node("DequantizeLinear", ["x"] + _qp(g, "x", sx, zx, dtype), out="x_dq")
        p = g.node("GlobalAveragePool", [xd], out="pool", name="gap")
        g.node("QuantizeLinear", [p] + _qp(g, "y", sy, zy, dtype), out="y")
    c.outputs = [("y", dtype, x_shape[:2] + [1, 1])]
    form = "com.microsoft QLinearGlobalAveragePool" if qop else "QDQ GlobalAveragePool"
    c.desc = f"{form} {_tname(dtype)} x{x_shape}"
    return c


def qlinear_gap(rng):
    return gap_case(rng, True)


def qdq_gap(rng):
    return gap_case(rng, False)


def max_pool(rng):
    """DQ -> MaxPool -> Q with the same parameters (ORT drops the pair and runs an 8-bit MaxPool)."""
    dtype = _dtype(rng)
    x_shape = _nchw(rng, 2, 17)
    attrs, out_shape, text = pool_geometry(rng, x_shape, True)
    x = rand_act(rng, x_shape, dtype)
    sx, zx = act_params(rng, dtype)
    c = Case("MaxPool")
    g = c.g
    c.add_input("x", x)
    qp = _qp(g, "x", sx, zx, dtype)
    xd = g.node("DequantizeLinear", ["x"] + qp, out="x_dq")
    p = g.node("MaxPool", [xd], out="pool", name="maxpool", **attrs)
    g.node("QuantizeLinear", [p] + qp, out="y")
    c.outputs = [("y", dtype, out_shape)]
    c.desc = f"QDQ MaxPool {_tname(dtype)} x{x_shape} {text}"
    return c


def reshape_flatten(rng):
    """A QLinearAdd (something to compute) followed by Reshape or Flatten, on the 8-bit tensor (QOperator) or
    between equal DQ/Q (QDQ)."""
    dtype = _dtype(rng)
    x_shape = _nchw(rng, 1, 9)
    qop = rng.random() < 0.5
    x = rand_act(rng, x_shape, dtype)
    sx, zx = act_params(rng, dtype)
    sy, zy = _near(rng, 2 * sx, zx, dtype)  # x + x
    c = Case("Reshape/Flatten", ms=True)
    g = c.g
    c.add_input("x", x)
    xp, yp = _qp(g, "x", sx, zx, dtype), _qp(g, "y", sy, zy, dtype)
    t = g.node("QLinearAdd", ["x"] + xp + ["x"] + xp + yp, out="twice", name="qadd", domain="com.microsoft")
    n, ch, h, w = x_shape
    if rng.random() < 0.5:
        axis = int(rng.integers(0, 5))
        outer = int(np.prod(x_shape[:axis]))
        out_shape, op, extra = [outer, int(np.prod(x_shape)) // outer], "Flatten", dict(axis=axis)
        shape_in = []
        text = f"Flatten axis={axis}"
    else:
        out_shape = choice(rng, [[n, ch * h * w], [n, ch, h * w], [n * ch, h, w], [n, -1]])
        target = np.array(out_shape, np.int64)
        out_shape = [n, ch * h * w] if out_shape == [n, -1] else out_shape
        op, extra, shape_in = "Reshape", {}, [g.init("shape", target)]
        text = f"Reshape to {target.tolist()}"
    if qop:
        g.node(op, [t] + shape_in, out="y", name="view", **extra)
    else:
        d = g.node("DequantizeLinear", [t] + yp, out="twice_dq")
        v = g.node(op, [d] + shape_in, out="view", name="view", **extra)
        g.node("QuantizeLinear", [v] + yp, out="y")
    c.outputs = [("y", dtype, out_shape)]
    c.desc = f"QLinearAdd then {'QOperator' if qop else 'QDQ'} {text} {_tname(dtype)} x{x_shape}"
    return c
