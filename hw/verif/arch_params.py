#!/usr/bin/python3
"""Prints the Verilator parameter overrides (-GName=value, one per line) of systole_core for an arch config:
the RTL gets its shape from the same hw/arch/*.toml the C++ levels read (one fact, one place)."""
import sys
import tomllib


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: arch_params.py ARCH.toml", file=sys.stderr)
        return 2
    with open(sys.argv[1], "rb") as f:
        a = tomllib.load(f)
    rows, cols = a["array"]["rows"], a["array"]["cols"]
    mem, q, dram = a["memory"], a["queues"], a["dram"]
    params = {
        "Rows": rows,
        "Cols": cols,
        "InpRows": mem["inp_kib"] * 1024 // rows,
        "WgtRows": mem["wgt_kib"] * 1024 // cols,
        "AccRows": mem["acc_kib"] * 1024 // (4 * cols),
        "Banks": mem["banks"],
        "InsnDepth": q["insn_depth"],
        "TokenDepth": q["token_depth"],
        "BeatBytes": dram["bytes_per_cycle"],
        "MaxOutstanding": dram["max_outstanding"],
    }
    for name, value in params.items():
        print(f"-G{name}={value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
