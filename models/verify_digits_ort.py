#!/usr/bin/python3
"""Runs every digits model through ONNX Runtime (tools/ort/run_ort.js, onnxruntime-node) on the 360 test images
and compares with the numpy emulation that gen_digits.py wrote (digits_<model>_<form>_ref.npy).

Usage: /usr/bin/python3 models/verify_digits_ort.py DIGITS_DIR [--json OUT.json] [--opt all|disabled]

Prints, per model file: ORT accuracy, emulated accuracy, the share of logits that are bit-identical to the
emulation and the largest difference in output LSBs. Exits 1 if a model fails to run or differs by more than
1 LSB anywhere. Needs node and `cd tools/ort && ONNXRUNTIME_NODE_INSTALL=skip npm install` first.
"""
import argparse
import json
import pathlib
import subprocess
import sys
import tempfile

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
RUN_ORT = ROOT / "tools" / "ort" / "run_ort.js"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir", type=pathlib.Path)
    ap.add_argument("--json", type=pathlib.Path)
    ap.add_argument("--opt", default="all", choices=["disabled", "basic", "extended", "all"])
    args = ap.parse_args()
    info = json.loads((args.dir / "digits_info.json").read_text())
    x = np.load(args.dir / "digits_test_x.npy")
    y = np.load(args.dir / "digits_test_y.npy")
    results, ok = {}, True
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        np.save(tmp / "x2.npy", x)
        np.save(tmp / "x4.npy", x.reshape(-1, 1, 8, 8))
        for key, m in info["models"].items():
            ref = np.load(args.dir / m["ref_logits"])
            for fname, f in m["files"].items():
                batch = f["input"]["shape"][0]
                inp = tmp / ("x2.npy" if len(f["input"]["shape"]) == 2 else "x4.npy")
                out = tmp / fname
                cmd = ["node", str(RUN_ORT), "--chunk", str(batch), "--opt", args.opt, str(args.dir / fname),
                       str(out), f"input={inp}"]
                r = subprocess.run(cmd, capture_output=True, text=True)
                if r.returncode:
                    print(f"{fname}: ORT failed: {r.stderr.strip()}")
                    ok = False
                    continue
                o = np.load(out / "logits.npy")
                lsb = np.abs(o.astype(np.float64) - ref) / m["output_scale"]
                res = {"ort_accuracy": float((o.argmax(1) == y).mean()),
                       "emulated_accuracy": m["quant_accuracy_emulated"],
                       "float_accuracy": m["float_accuracy"],
                       "exact_share": float((o == ref).mean()),
                       "max_diff_lsb": float(np.rint(lsb.max())),
                       "pred_agree_ort_vs_emulation": float((o.argmax(1) == ref.argmax(1)).mean())}
                results[fname] = res
                ok &= res["max_diff_lsb"] <= 1
                print(f"{fname:28s} ORT acc {res['ort_accuracy']:.4f}  emulated {res['emulated_accuracy']:.4f}  "
                      f"float {res['float_accuracy']:.4f}  logits exact {100 * res['exact_share']:.2f}%  "
                      f"max diff {res['max_diff_lsb']:.0f} LSB")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
