#!/usr/bin/python3
"""Smoke test of the Yosys flow (CTest unit:synth_yosys_smoke): synthesizes the whole kernel (systole_top) at a 1x1
config for xc7, in the default (hierarchical) mode, in a temporary directory and checks the counts synth.py writes, the
hierarchy they are summed over, its parameters, its memory mapping and its cache; a config the RTL cannot be built for
is rejected before Yosys runs. The kernel's fixed part (control slave,
fetch, dispatch, the DMA units' 64-bit address arithmetic) costs most of the time, not the array: see README.md for
the measured time.

    test_synth.py --pkg <build>/generated/rtl/systole_pkg.sv [--yosys yosys]
"""

import argparse
import importlib.util
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SYNTH = Path(__file__).resolve().parent / "synth.py"

# 1x1 array; inp and wgt 1024 rows, acc 256 rows in 2 banks: every memory still fits a block RAM.
SMALL = """[array]
rows = 1
cols = 1
dataflow = "weight_stationary"
[memory]
inp_kib = 1
wgt_kib = 1
acc_kib = 1
banks = 2
[queues]
insn_depth = 4
token_depth = 4
[dram]
bytes_per_cycle = 16
burst_bytes = 64
max_outstanding = 4
"""

failures = []


def load_synth():
    spec = importlib.util.spec_from_file_location("synth", SYNTH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check(cond: bool, what: str) -> None:
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def synth(args, arch: Path, out: Path) -> subprocess.CompletedProcess:
    cmd = [sys.executable, str(SYNTH), "--arch", str(arch), "--family", "xc7", "--pkg", args.pkg, "--out", str(out),
           "--yosys", args.yosys]
    return subprocess.run(cmd, capture_output=True, text=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pkg", required=True)
    parser.add_argument("--yosys", default="yosys")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="systole_synth_") as tmp:
        tmp = Path(tmp)
        arch = tmp / "small.toml"
        arch.write_text(SMALL)
        out = tmp / "out"

        start = time.monotonic()
        first = synth(args, arch, out)
        print(first.stdout + first.stderr, end="")
        check(first.returncode == 0, f"synth.py exits 0 (took {time.monotonic() - start:.1f} s)")
        result_path = out / "small_xc7.json"
        if first.returncode != 0 or not result_path.is_file():
            check(False, f"{result_path} written")
            return 1
        result = json.loads(result_path.read_text())
        r = result["resources"]
        print(f"resources: {json.dumps(r)}")
        params = dict(result["params"])
        fingerprint = params.pop("Fingerprint", "")
        check(params == {"Rows": 1, "Cols": 1, "OutputStationary": 0, "InpRows": 1024, "WgtRows": 1024, "AccRows": 256,
                         "Banks": 2, "InsnDepth": 4, "TokenDepth": 4, "BeatBytes": 16, "MaxOutstanding": 4,
                         "BurstBytes": 64},
              "top parameters derived from the config (rows of inp = inp_kib*1024/rows, acc = acc_kib*1024/(4*cols))")
        # The 64-bit fingerprint is a sized hex literal: Yosys must get all 64 bits, not a 32-bit integer.
        log = (out / "work" / "small_xc7" / "yosys.log").read_text(errors="replace")
        applied = re.findall(r"Parameter \\Fingerprint = 64'([01]{64})", log)
        check(re.fullmatch(r"64'h[0-9A-F]{16}", fingerprint) is not None and bool(applied)
              and all(int(bits, 2) == int(fingerprint[4:], 16) for bits in applied),
              f"Fingerprint {fingerprint} reaches systole_top and control_slave, all 64 bits ({len(applied)} times)")
        # One per PE, two per requant lane (the 24x24 significand multiply on 25x18 DSP48E1s; compute's and store's);
        # the DMA units' address arithmetic adds more.
        check(r["dsp"] >= 1 + 2, f"the PE's and the requant lane's multiplies map to DSP48E1 (dsp = {r['dsp']})")
        check(result["mode"] == "hier" and "-flatten" not in result["yosys_commands"][0],
              f"the default mode is hierarchical: {result['mode']}, {result['yosys_commands']}")
        sources = result["dsp_sources"]
        by_module = lambda name: sum(n for key, n in sources.items() if key.startswith(name + " "))  # noqa: E731
        check(sum(sources.values()) == r["dsp"] and by_module("pe") == 1 and by_module("requant") == 2 * 2,
              f"every DSP is traced to its module and source line, times its instances: {sources}")
        # The totals are each module's own cells times its instances, summed over the hierarchy.
        hier = result["hierarchy"]
        check(all(sum(m["instances"] * m[k] for m in hier.values()) == r[k] for k in ("lut", "ff", "dsp", "carry"))
              and hier["systole_top"]["instances"] == 1 and hier["requant"]["instances"] == 2,
              "the hierarchy table adds up to the totals (one systole_top, two requant lanes)")
        check(r["lut"] > 0, f"lut = {r['lut']} > 0")
        check(r["ff"] > 0, f"ff = {r['ff']} > 0")
        check(r["bram36"] > 0, f"bram36 = {r['bram36']} > 0")
        # inp and wgt (1024 rows), the two acc banks (128 rows) and the acc replica (256 rows) are sram_1r1w modules,
        # one per parameter set (inp and wgt share one here); compute_unit's 2-row u_inp_rows is the only small one.
        mems = result["memories"]
        big = {name: cell for name, cell in mems.items()
               if re.fullmatch(r"sram_1r1w\(.*Depth=(\d+)\)\.mem_q", name)
               and int(re.search(r"Depth=(\d+)", name).group(1)) >= 128}
        big_instances = sum(hier[name[:-len(".mem_q")]]["instances"] for name in big)
        check(big_instances == 5 and all("BLOCKRAM" in cell for cell in big.values()),
              f"inp, wgt, both acc banks and the acc replica are block RAM ({big_instances} instances): {big}")
        check(all(cell != "FF" for cell in mems.values()),
              f"the queues and DMA buffers map to LUT RAM or block RAM, not registers: {mems}")
        check(result["yosys"].startswith("Yosys"), f"yosys version recorded: {result['yosys']}")
        check(result["top"] == "systole_top" and "whole Vitis RTL kernel" in result["scope"]["note"]
              and result["sources"][-1] == "hw/rtl/systole_top.sv", "the JSON says what it covers")

        start = time.monotonic()
        second = synth(args, arch, out)
        seconds = time.monotonic() - start
        check(second.returncode == 0 and "cached" in second.stdout, f"a rerun hits the cache: {second.stdout.strip()}")
        check(seconds < 10, f"the cached rerun is fast ({seconds:.1f} s)")
        check(json.loads(result_path.read_text()) == result, "the cached rerun leaves the JSON as it was")
        arch.write_text(SMALL + "[clock]\nmhz = 300\n")
        timing_only = synth(args, arch, out)
        check(timing_only.returncode == 0 and "cached" in timing_only.stdout,
              "a timing-only config change (clock.mhz) keeps the cached result")

        bad = tmp / "bad.toml"
        bad.write_text(SMALL.replace("banks = 2", "banks = 3"))
        rejected = synth(args, bad, out)
        check(rejected.returncode == 1 and "power of two" in rejected.stderr,
              f"banks = 3 is rejected before Yosys runs: {rejected.stderr.strip()}")

        no_burst = tmp / "no_burst.toml"
        no_burst.write_text(SMALL.replace("burst_bytes = 64\n", ""))
        rejected = synth(args, no_burst, out)
        check(rejected.returncode == 1 and "dram.burst_bytes must be a positive integer" in rejected.stderr,
              f"a config without dram.burst_bytes is rejected before Yosys runs: {rejected.stderr.strip()}")

        bad_dataflow = tmp / "bad_dataflow.toml"
        bad_dataflow.write_text(SMALL.replace('dataflow = "weight_stationary"', 'dataflow = "diagonal"'))
        rejected = synth(args, bad_dataflow, out)
        check(rejected.returncode == 1 and "array.dataflow must be one of" in rejected.stderr,
              f"an unknown array.dataflow is rejected before Yosys runs: {rejected.stderr.strip()}")

    # Comment and layout edits keep a cached result; code, strings and pragmas do not.
    synth_py = load_synth()
    key_text = synth_py.key_text
    src = 'assign a = b; // why\n/* more */ assign s = "x // y";\n'
    check(key_text(src) == key_text('assign a = b;\n  assign s = "x // y"; // reworded\n')
          and key_text(src) != key_text(src.replace("= b", "= c"))
          and key_text(src) != key_text(src.replace("x // y", "x // z"))
          and key_text(src) != key_text(src + "// synopsys translate_off\n"),
          "the cache key ignores comments and whitespace, not code, strings or synthesis pragmas")

    # The modes are told apart: their own key, their own result file, their own synth_xilinx command.
    inputs, texts = {"<generated>/systole_pkg.sv": "0" * 64}, {"hw/rtl/pe.sv": src}
    keys = {mode: synth_py.cache_key(inputs, texts, {"Rows": 1}, "xc7", mode, "Yosys 0.23")
            for mode in ("hier", "flat")}
    check(keys["hier"] != keys["flat"] and synth_py.result_name("tiny", "xc7", "hier") == "tiny_xc7"
          and synth_py.result_name("tiny", "xc7", "flat") == "tiny_xc7_flat"
          and "-flatten" in synth_py.synth_commands("xc7", "flat")[0]
          and "-flatten" not in synth_py.synth_commands("xc7", "hier")[0],
          "the mode is part of the cache key, the result's name and the Yosys command")

    print(f"{len(failures)} failed" if failures else "all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
