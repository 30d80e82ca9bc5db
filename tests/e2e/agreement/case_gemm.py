"""Matrix cases: QLinearMatMul (2-D and batched, constant or activation B), com.microsoft QGemm (transA, transB,
alpha, bias) and MatMul / Gemm in QDQ form (uint8 activations fused by ORT; so is int8 Gemm, while ORT runs an
int8-activation MatMul in float on x86)."""
import numpy as np

from case_common import F32, I8, I32, U8, Case, act_params, choice, out_params, rand_act, rand_bias, rand_weight

DIMS = [1, 3, 5, 7, 8, 13, 16, 17, 24, 33]


def _tname(t):
    return "u8" if np.dtype(t) == np.dtype(U8) else "s8"


def _weight_dtype(rng, a_dtype):
    return U8 if np.dtype(a_dtype) == np.dtype(U8) and rng.random() < 0.25 else I8


def _per_col(ws, n):
    return np.broadcast_to(ws, (n,)).astype(np.float64)


def qlinear_matmul(rng):
    a_dtype = U8 if rng.random() < 0.6 else I8
    m, k, n = choice(rng, DIMS), choice(rng, DIMS), choice(rng, DIMS)
    batch = [] if rng.random() < 0.5 else [int(rng.integers(1, 4))]
    const_b = rng.random() < 0.75
    w_dtype = _weight_dtype(rng, a_dtype)
    a = rand_act(rng, batch + [m, k], a_dtype)
    as_, az = act_params(rng, a_dtype)
    c = Case("QLinearMatMul")
    g = c.g
    c.add_input("a", a)
    if const_b:
        pc = rng.random() < 0.5 and w_dtype == I8
        bq, bs, bz = rand_weight(rng, (k, n), pc, axis=1, w_dtype=w_dtype)
        b_in = g.init("b", bq)
        b_desc = f"B const{list(bq.shape)} {'per-column' if pc else 'per-tensor'}"
    else:
        pc = False
        bshape = (batch + [k, n]) if batch and rng.random() < 0.7 else [k, n]
        bq = rand_act(rng, bshape, w_dtype)
        s, z = act_params(rng, w_dtype)
        bs, bz = np.array([s], F32), np.array([z], np.int32).astype(w_dtype)
        b_in = c.add_input("b", bq)
        b_desc = f"B activation{list(bq.shape)}"
    acc = (a.astype(np.int64) - az) @ (bq.astype(np.int64) - bz.astype(np.int64).reshape(1, -1))
    real = acc * float(as_) * _per_col(bs, n)
    ys, yz = out_params(rng, real, a_dtype)
    ins = ["a", g.init("a_scale", np.array(as_, F32)), g.init("a_zero_point", np.array(az, a_dtype)), b_in,
           g.init("b_scale", bs if pc else np.array(bs[0], F32)),
           g.init("b_zero_point", bz if pc else np.array(bz[0], w_dtype)),
           g.init("y_scale", np.array(ys, F32)), g.init("y_zero_point", np.array(yz, a_dtype))]
    g.node("QLinearMatMul", ins, out="y", name="qmatmul")
    c.outputs = [("y", a_dtype, acc.shape)]
    c.desc = f"QLinearMatMul {_tname(a_dtype)}x{_tname(w_dtype)} A{list(a.shape)} {b_desc}"
    return c


def qgemm(rng):
    a_dtype = U8 if rng.random() < 0.6 else I8
    m, k, n = choice(rng, DIMS), choice(rng, DIMS), choice(rng, DIMS)
    trans_a, trans_b = rng.random() < 0.2, rng.random() < 0.6
    alpha = choice(rng, [1.0, 1.0, 1.0, 0.5, 2.0, 0.75, 1.5, 0.3])
    w_dtype = _weight_dtype(rng, a_dtype)
    pc = rng.random() < 0.5 and w_dtype == I8
    a = rand_act(rng, (m, k), a_dtype)
    as_, az = act_params(rng, a_dtype)
    bq, bs, bz = rand_weight(rng, (n, k) if trans_b else (k, n), pc, axis=0 if trans_b else 1, w_dtype=w_dtype)
    b_kn = (bq.astype(np.int64) - bz.astype(np.int64).reshape(-1, 1 if trans_b else 1)).T if trans_b else \
        bq.astype(np.int64) - bz.astype(np.int64).reshape(1, -1)
    acc = (a.astype(np.int64) - az) @ b_kn
    bias = rand_bias(rng, acc, n) if rng.random() < 0.7 else None
    if bias is not None:
        acc = acc + bias
    real = acc * float(alpha) * float(as_) * _per_col(bs, n)
    ys, yz = out_params(rng, real, a_dtype)
    c = Case("QGemm", ms=True)
    g = c.g
    c.add_input("a", np.ascontiguousarray(a.T) if trans_a else a)
    ins = ["a", g.init("a_scale", np.array(as_, F32)), g.init("a_zero_point", np.array(az, a_dtype)), g.init("b", bq),
           g.init("b_scale", bs if pc else np.array(bs[0], F32)),
           g.init("b_zero_point", bz if pc else np.array(bz[0], w_dtype)),
           g.init("c", bias) if bias is not None else "",
           g.init("y_scale", np.array(ys, F32)), g.init("y_zero_point", np.array(yz, a_dtype))]
    attrs = dict(transA=int(trans_a), transB=int(trans_b))
    if alpha != 1.0:
        attrs["alpha"] = float(alpha)
    g.node("QGemm", ins, out="y", name="qgemm", domain="com.microsoft", **attrs)
    c.outputs = [("y", a_dtype, acc.shape)]
    c.desc = (f"com.microsoft QGemm {_tname(a_dtype)}x{_tname(w_dtype)} M{m} K{k} N{n} transA={int(trans_a)} "
              f"transB={int(trans_b)} alpha={alpha} {'per-column' if pc else 'per-tensor'} "
              f"{'bias' if bias is not None else 'no-bias'}")
    return c


def qdq_matmul_gemm(rng, a_dtype):
    """DQ(A) -> MatMul or Gemm with DQ(W) [and DQ(int32 bias)] -> QuantizeLinear."""
    gemm = rng.random() < 0.5
    m, k, n = choice(rng, DIMS), choice(rng, DIMS), choice(rng, DIMS)
    batch = [] if gemm or rng.random() < 0.5 else [int(rng.integers(1, 4))]
    trans_b = gemm and rng.random() < 0.5
    w_dtype = _weight_dtype(rng, a_dtype)
    pc = rng.random() < 0.5 and w_dtype == I8
    a = rand_act(rng, batch + [m, k], a_dtype)
    as_, az = act_params(rng, a_dtype)
    bq, bs, bz = rand_weight(rng, (n, k) if trans_b else (k, n), pc, axis=0 if trans_b else 1, w_dtype=w_dtype)
    b_kn = bq.astype(np.int64).T - bz.astype(np.int64).reshape(1, -1) if trans_b else \
        bq.astype(np.int64) - bz.astype(np.int64).reshape(1, -1)
    acc = (a.astype(np.int64) - az) @ b_kn
    bias = rand_bias(rng, acc, n) if gemm and rng.random() < 0.7 else None
    if bias is not None:
        acc = acc + bias
    real = acc * float(as_) * _per_col(bs, n)
    act = choice(rng, ["", "", "relu"])
    ys, yz = out_params(rng, real, a_dtype, nonneg=act == "relu")
    # On x86 ORT fuses int8-activation Gemm (into QGemm) but not MatMul, which it runs as DQ -> float MatMul -> Q.
    s8 = np.dtype(a_dtype) == np.dtype(I8)
    family = ("QDQ Gemm s8" if gemm else "QDQ MatMul s8 (ORT float path)") if s8 else "QDQ MatMul/Gemm u8"
    c = Case(family, ort_float=s8 and not gemm)
    g = c.g
    c.add_input("a", a)
    ad = g.node("DequantizeLinear", ["a", g.init("a_scale", np.array(as_, F32)),
                                     g.init("a_zero_point", np.array(az, a_dtype))], out="a_dq")
    wd = g.node("DequantizeLinear", [g.init("w", bq), g.init("w_scale", bs if pc else np.array(bs[0], F32)),
                                     g.init("w_zero_point", bz if pc else np.array(bz[0], w_dtype))],
                out="w_dq", axis=0 if trans_b else 1)
    ins = [ad, wd]
    if bias is not None:
        b_s = (F32(as_) * bs).astype(F32)
        ins.append(g.node("DequantizeLinear", [g.init("bias", bias), g.init("bias_scale", b_s if pc else
                                                                            np.array(b_s[0], F32)),
                                               g.init("bias_zero_point", np.zeros(b_s.shape, I32) if pc else
                                                      np.array(0, I32))], out="bias_dq", axis=0))
    if gemm:
        y = g.node("Gemm", ins, out="gemm_out", name="gemm", transB=int(trans_b))
    else:
        y = g.node("MatMul", ins, out="matmul_out", name="matmul")
    if act == "relu":
        y = g.node("Relu", [y], out="relu_out")
    g.node("QuantizeLinear", [y, g.init("y_scale", np.array(ys, F32)), g.init("y_zero_point", np.array(yz, a_dtype))],
           out="y")
    c.outputs = [("y", a_dtype, acc.shape)]
    op = f"Gemm transB={int(trans_b)}" if gemm else "MatMul"
    c.desc = (f"QDQ {op} {_tname(a_dtype)}x{_tname(w_dtype)} A{list(a.shape)} W{list(bq.shape)} "
              f"{'per-column' if pc else 'per-tensor'} {'bias' if bias is not None else 'no-bias'}"
              f"{' +relu' if act else ''}")
    return c


def qdq_matmul_gemm_u8(rng):
    return qdq_matmul_gemm(rng, U8)


def qdq_matmul_gemm_s8(rng):
    return qdq_matmul_gemm(rng, I8)
