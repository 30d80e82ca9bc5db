#!/usr/bin/python3
"""The share of a network's output values that Systole computes exactly as ONNX Runtime does.

Usage: /usr/bin/python3 tools/ort/exact_share.py MODEL.onnx INPUT.npy [--arch A] [--backend B] [--build DIR]
                                                [--chunk N]

Compiles MODEL for the arch with `systole compile`, runs it with `systole run` (functional backend by default) on
INPUT (bound to the model's one graph input), runs the model in ONNX Runtime (tools/ort/run_ort.js, ORT_ENABLE_ALL,
one thread; onnxruntime-node from DIR/ort, where the e2e:onnxruntime_agreement test installs it), and prints per
output the values compared, the exact share and the largest difference in output LSBs. Needs a Release build.
--chunk N runs a data set through a fixed-batch model N rows at a time on both sides (the digits models: --chunk 8).
"""
import argparse
import os
import pathlib
import subprocess
import sys
import tempfile

import numpy as np
import onnx


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", type=pathlib.Path)
    ap.add_argument("input", type=pathlib.Path)
    ap.add_argument("--arch", default="default")
    ap.add_argument("--backend", default="functional")
    ap.add_argument("--chunk", type=int, help="rows per run of a fixed-batch model over a data set")
    ap.add_argument("--build", type=pathlib.Path, default=pathlib.Path(__file__).resolve().parents[2] / "build")
    a = ap.parse_args()
    cli = a.build / "tools" / "systole"
    node_modules = a.build / "ort" / "node_modules"
    if not node_modules.is_dir():
        sys.exit(f"exact_share: {node_modules} is missing; run `ctest --preset default -R onnxruntime_agreement` once")
    graph = onnx.load(str(a.model), load_external_data=False).graph
    inits = {i.name for i in graph.initializer}
    inputs = [i.name for i in graph.input if i.name not in inits]
    if len(inputs) != 1:
        sys.exit(f"exact_share: {a.model} has {len(inputs)} graph inputs; expected one")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        prog = tmp / "model.sys"
        subprocess.run([str(cli), "compile", str(a.model), "--arch", a.arch, "-o", str(prog)], check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run([str(cli), "run", str(prog), "--backend", a.backend, "--input", f"{inputs[0]}={a.input}",
                        "--output-dir", str(tmp / "ours")], check=True, stdout=subprocess.DEVNULL)
        env = dict(os.environ, NODE_PATH=str(node_modules))
        runner = pathlib.Path(__file__).resolve().parent / "run_ort.js"
        chunk = ["--chunk", str(a.chunk)] if a.chunk else []
        subprocess.run(["node", str(runner), *chunk, str(a.model), str(tmp / "ort"), f"{inputs[0]}={a.input}"],
                       check=True, stdout=subprocess.DEVNULL, env=env)
        for out in graph.output:
            ours = np.load(tmp / "ours" / f"{out.name}.npy")
            ort = np.load(tmp / "ort" / f"{out.name}.npy")
            if ours.shape != ort.shape:
                sys.exit(f"exact_share: output {out.name}: shape {ours.shape} here, {ort.shape} in ONNX Runtime")
            equal = ours == ort
            if ours.dtype == np.float32:  # a dequantized output: differences in units of its step
                steps = np.unique(np.abs(np.diff(np.unique(ort))))
                lsb = steps[steps > 0].min() if steps.size and (steps > 0).any() else 1.0
                worst = float(np.abs(ours.astype(np.float64) - ort).max() / lsb)
            else:
                worst = float(np.abs(ours.astype(np.int64) - ort.astype(np.int64)).max())
            print(f"{a.model.name} {out.name} on {a.arch}/{a.backend}: {equal.size} values, "
                  f"{100.0 * equal.mean():.3f}% exact, max difference {worst:.0f} LSB")


if __name__ == "__main__":
    main()
