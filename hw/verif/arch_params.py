#!/usr/bin/python3
"""Prints the Verilator parameter overrides (-GName=value, one per line) of systole_top (and systole_core) for an
arch config: the RTL gets its shape from the same hw/arch/*.toml the C++ levels read (one fact, one place).

The Fingerprint parameter is the arch fingerprint of sim/isa/arch.cpp (ArchConfig::fingerprint): FNV-1a over the
ISA version and the parameters arch_schema.toml marks `fingerprint = true`, each as 8 little-endian bytes. The cosim
tests read it back from the RTL's register and compare it with the C++ value, so the two cannot drift apart."""
import pathlib
import sys
import tomllib

SPEC_DIR = pathlib.Path(__file__).resolve().parent.parent / "spec"


def fingerprint(config: dict) -> int:
    with open(SPEC_DIR / "isa.toml", "rb") as f:
        version = tomllib.load(f)["isa"]["version"]
    with open(SPEC_DIR / "arch_schema.toml", "rb") as f:
        schema = tomllib.load(f)["param"]
    h = 0xCBF29CE484222325
    values = [version]
    for p in schema:
        if p["fingerprint"]:
            section, key = p["key"].split(".")
            values.append(config[section][key])
    for v in values:
        for i in range(8):
            h ^= (v >> (8 * i)) & 0xFF
            h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


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
        "OutputStationary": int(a["array"]["dataflow"] == "output_stationary"),
        "InpRows": mem["inp_kib"] * 1024 // rows,
        "WgtRows": mem["wgt_kib"] * 1024 // cols,
        "AccRows": mem["acc_kib"] * 1024 // (4 * cols),
        "Banks": mem["banks"],
        "InsnDepth": q["insn_depth"],
        "TokenDepth": q["token_depth"],
        "BeatBytes": dram["bytes_per_cycle"],
        "MaxOutstanding": dram["max_outstanding"],
        "BurstBytes": dram["burst_bytes"],
        "Fingerprint": f"64'h{fingerprint(a):016X}",
    }
    for name, value in params.items():
        print(f"-G{name}={value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
