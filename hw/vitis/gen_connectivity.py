#!/usr/bin/python3
"""Writes the v++ link connectivity file of a board: one compute unit, all its memory ports on the board's first bank.

Usage: gen_connectivity.py BOARD.toml... --regmap hw/spec/regmap.toml --out-dir DIR

For each board file it writes DIR/<board>.cfg. The bank comes from the board file (boards/*.toml, memory.banks[0]),
the kernel and port names from the [kernel] table of the register map, so neither is written twice. The C++ board
loader validates board files strictly; this script checks only what it uses.

Each `sp` line names a port (an AXI4 interface of the kernel), not an argument: v++ accepts either, and only the
port form also places m_axi_acc, which kernel.xml binds to no argument. All ports go to one bank because every
port reaches a region another port is bound to (hw/vitis/README.md, "Memory banks").
"""
import argparse
import pathlib
import sys
import tomllib

# The one compute unit. The host opens the kernel by name (xrt::kernel(device, uuid, "systole_top")), which
# picks this CU; the name only shows up in v++ reports and xbutil.
COMPUTE_UNIT = "systole_1"


def connectivity(board, kernel, src):
    banks = board.get("memory", {}).get("banks", [])
    if not banks or "name" not in banks[0]:
        raise ValueError(f"{src}: memory.banks is empty or its first bank has no name")
    ports = kernel.get("memory_port", [])
    if not ports:
        raise ValueError("hw/spec/regmap.toml: [kernel] has no [[kernel.memory_port]]")
    cu = COMPUTE_UNIT
    return "\n".join([
        f"# Generated from {src} and hw/spec/regmap.toml by hw/vitis/gen_connectivity.py. Do not edit.",
        f"# {board['description']}: v++ -l --platform {board['platform']} --config <this file> ...",
        "[connectivity]",
        f"nk={kernel['name']}:1:{cu}",
    ] + [f"sp={cu}.{p['name']}:{banks[0]['name']}" for p in ports]) + "\n"


def write_if_changed(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("boards", nargs="+", type=pathlib.Path)
    ap.add_argument("--regmap", required=True, type=pathlib.Path)
    ap.add_argument("--out-dir", required=True, type=pathlib.Path)
    args = ap.parse_args()
    try:
        with open(args.regmap, "rb") as f:
            kernel = tomllib.load(f)["kernel"]
        for path in args.boards:
            with open(path, "rb") as f:
                board = tomllib.load(f)
            text = connectivity(board, kernel, f"boards/{path.name}")
            write_if_changed(args.out_dir / f"{path.stem}.cfg", text)
    except (OSError, KeyError, ValueError, tomllib.TOMLDecodeError) as e:
        print(f"gen_connectivity.py: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
