#!/usr/bin/python3
"""Generates the ONNX Runtime agreement cases: quantized layers and small networks, each a pure function of its seed.

  /usr/bin/python3 gen_cases.py --first K --count N --out DIR

For each seed s in [K, K+N): DIR/case_<s>.onnx, its inputs DIR/case_<s>.<input>.npy, and one JSON line in
DIR/manifest.jsonl:
  {"seed", "family", "desc", "arch", "model", "inputs": [[name, file]...], "outputs": [name...],
   "ort_float": bool (ORT runs the group in float on x86), "expect_reject": bool (the importer must reject it)}
The family cycles over a fixed table by seed; the arch rotates tiny, default, large; everything else is drawn from
numpy.random.default_rng(s). Needs numpy and onnx 1.12 (Debian's python3-onnx).
"""
import argparse
import json
import pathlib
import sys

import numpy as np
import onnx

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import case_conv  # noqa: E402
import case_gemm  # noqa: E402
import case_misc  # noqa: E402
import case_nets  # noqa: E402

# (builder, share): the family of seed s is entry (s mod len(TABLE)) of the table these shares expand to.
FAMILIES = [
    (case_conv.qlinear_conv, 8),
    (case_conv.qdq_conv_u8, 6),
    (case_conv.qdq_conv_s8, 2),
    (case_gemm.qlinear_matmul, 4),
    (case_gemm.qgemm, 3),
    (case_gemm.qdq_matmul_gemm_u8, 3),
    (case_gemm.qdq_matmul_gemm_s8, 2),
    (case_misc.qlinear_add, 3),
    (case_misc.qdq_add, 2),
    (case_misc.qlinear_avg_pool, 3),
    (case_misc.qdq_avg_pool, 2),
    (case_misc.qlinear_gap, 1),
    (case_misc.qdq_gap, 1),
    (case_misc.max_pool, 2),
    (case_misc.reshape_flatten, 2),
    (case_nets.network, 7),
]
TABLE = [b for b, share in FAMILIES for _ in range(share)]
ARCHS = ["tiny", "default", "large"]


def build(seed):
    """The case of `seed`: (model, Case)."""
    rng = np.random.default_rng(seed)
    case = TABLE[seed % len(TABLE)](rng)
    m = case.model()
    onnx.checker.check_model(m)
    if not case.ms:  # ONNX's inference does not know the com.microsoft operators
        onnx.shape_inference.infer_shapes(m, check_type=True, strict_mode=True)
    return m, case


def write(seed, out):
    m, case = build(seed)
    model = f"case_{seed}.onnx"
    (out / model).write_bytes(m.SerializeToString())
    inputs = []
    for name, arr in case.inputs.items():
        f = f"case_{seed}.{name}.npy"
        np.save(out / f, np.ascontiguousarray(arr))
        inputs.append([name, f])
    return {"seed": seed, "family": case.family, "desc": case.desc, "arch": ARCHS[seed % len(ARCHS)],
            "model": model, "inputs": inputs, "outputs": [o[0] for o in case.outputs], "ort_float": case.ort_float,
            "expect_reject": False}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--out", type=pathlib.Path, required=True)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    lines = []
    for s in range(args.first, args.first + args.count):
        try:
            lines.append(json.dumps(write(s, args.out)))
        except Exception as e:  # a generator bug: name the seed so it reproduces
            print(f"gen_cases.py: seed {s}: {type(e).__name__}: {e}", file=sys.stderr)
            return 1
    (args.out / "manifest.jsonl").write_text("\n".join(lines) + "\n")
    print(f"gen_cases.py: wrote {len(lines)} cases (seeds {args.first}..{args.first + args.count - 1}) to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
