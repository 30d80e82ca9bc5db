#!/usr/bin/python3
"""FPGA resource estimate of the Vitis RTL kernel (systole_top) for one arch config with Yosys's synth_xilinx
(7-series or UltraScale+).

    synth.py --arch tiny|default|...|path/to/config.toml --family xc7|xcup --pkg build/generated/rtl/systole_pkg.sv
             --out build/synth [--mode hier|flat] [--force]

Writes <out>/<arch>_<family>.json (<arch>_<family>_flat.json with --mode flat): LUT, FF, DSP, BRAM (36 Kb
equivalents), URAM, LUTRAM, SRL and CARRY counts, the raw cell counts, how each memory was mapped, the Yosys version,
run time and peak memory, the mode, and a cache key. When that file already holds the same key (the package and RTL
sources' sha256, the top's parameters, the family, the mode, the Yosys version and commands; see cache_key()), Yosys
is not run again. Work files (the sources as Yosys reads them, the Yosys script and its log) go to
<out>/work/<arch>_<family>[_flat]/.

Modes (MODES): `hier` (the default) keeps the design hierarchy, so synth_xilinx synthesizes each unique module and
parameter set once (one PE for the whole array, one requant lane for all of them) and the counts are each module's
cells times its instances; `flat` flattens first (`-flatten`) and optimizes across module boundaries, at many times
the run time and memory (README.md compares the two).

No timing: Yosys estimates no Xilinx Fmax (that needs Vivado). See README.md beside this file.
"""

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# ---------------------------------------------------------------------------------------------------------------------
# What is synthesized: the whole Vitis RTL kernel, systole_top (hw/rtl/systole_top.sv), from the same files and with
# the same parameters as its Verilator build: the file list is `top_sources` in hw/verif/CMakeLists.txt and the
# parameters are what hw/verif/arch_params.py prints, so neither is written down a second time here.

TOP = "systole_top"
SOURCES_LIST = ROOT / "hw" / "verif" / "CMakeLists.txt"
SOURCES_VAR = "top_sources"
SOURCES_DIR = "hw/rtl"
SCOPE = {
    "covers": [
        "control_slave: the AXI4-Lite control registers (hw/spec/regmap.toml)",
        "systole_core: fetch, dispatch, unit sequencers, instruction and token queues, the load, store and "
        "accumulator-load DMA units (dma_load, dma_store, dma_burst) behind the four AXI4 master ports",
        "compute_unit: systolic array (pe, systolic_array), vector unit (requant lanes), row walks",
        "the memories (sram_1r1w, sized from the arch config): input scratchpad, weight buffer, banked accumulator "
        "and the accumulator replica the store unit reads",
    ],
    "not_covered": [
        "what Vitis adds around the kernel: the platform shell, AXI interconnect/SmartConnect, memory controllers",
    ],
    "note": "the whole Vitis RTL kernel (hw/rtl/systole_top.sv), out of context",
}


def sources() -> list:
    """The kernel's RTL files in reading order (after the generated package), from hw/verif/CMakeLists.txt."""
    text = re.sub(r"#[^\n]*", "", SOURCES_LIST.read_text())
    m = re.search(rf"\bset\(\s*{SOURCES_VAR}\s+([^)]*)\)", text)
    if not m or not m.group(1).split():
        raise UserError(f"{SOURCES_LIST.relative_to(ROOT)}: no `set({SOURCES_VAR} ...)`: synth.py reads the kernel's "
                        "file list from it (update SOURCES_VAR in hw/synth/synth.py if it moved)")
    files = [f"{SOURCES_DIR}/{name}" for name in m.group(1).split()]
    missing = [f for f in files if not (ROOT / f).is_file()]
    if missing:
        raise UserError(f"{SOURCES_LIST.relative_to(ROOT)}: {SOURCES_VAR} names missing files: {', '.join(missing)}")
    return files


# A parameter value arch_params.py prints: a decimal integer or a sized hex literal (Fingerprint = 64'h...), which
# Yosys's chparam takes as written.
PARAM_RE = re.compile(r"^-G(\w+)=(\d+|\d+'[hH][0-9a-fA-F_]+)$", re.M)


def top_params(arch: dict) -> dict:
    """The top's parameters for an arch config (read_arch()): every -GName=value hw/verif/arch_params.py prints for
    it, integers as int, sized literals as the string."""
    proc = subprocess.run([sys.executable, str(ROOT / "hw" / "verif" / "arch_params.py"), arch["origin"]],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise UserError(f"{arch['origin']}: hw/verif/arch_params.py failed: {proc.stderr.strip().splitlines()[-1:]}")
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    params = {m[0]: int(m[1]) if m[1].isdigit() else m[1] for m in PARAM_RE.findall(proc.stdout)}
    if len(params) != len(lines):
        bad = [line for line in lines if not PARAM_RE.fullmatch(line)]
        raise UserError(f"hw/verif/arch_params.py {arch['origin']}: cannot read {bad} (synth.py takes -GName=<decimal> "
                        "or -GName=<width>'h<hex>)")
    for name in ("Rows", "Cols", "AccRows", "Banks"):
        if name not in params:
            raise UserError(f"hw/verif/arch_params.py gives no {name} (a parameter of {TOP})")
    banks = params["Banks"]
    if banks & (banks - 1):
        raise UserError(f"{arch['origin']}: memory.banks = {banks}: the RTL needs a power of two "
                        "(compute_unit picks an accumulator bank by the low bits of the row)")
    if params["AccRows"] % banks:
        raise UserError(f"{arch['origin']}: memory.acc_kib: {params['AccRows']} accumulator rows do not split "
                        f"into {banks} equal banks")
    return params


# ---------------------------------------------------------------------------------------------------------------------

# Bump when the JSON's layout or the counting in count() changes: cached results are then synthesized again.
RESULT_FORMAT = 3  # 2: the whole kernel (systole_top), `sources` listed; 3: `mode`, hierarchical counting

# How the design is synthesized. hier: synth_xilinx without -flatten runs every pass module by module on the
# hierarchy that `hierarchy` derives (one module per unique module and parameter set), so the R*C PEs are synthesized
# once and the `share` pass only compares resources within one module (it compared every pair of the requant lanes'
# 64-bit shifts across the flattened kernel: 55% of default's 42 minutes). Nothing is optimized across a module
# boundary: no constant propagation into a module, no removal of logic behind an output its parent leaves unused, no
# merging of identical logic in two instances. flat: -flatten, as Vivado's default synthesis nearly does.
MODES = {
    "hier": "hierarchical: each unique (module, parameters) synthesized once by synth_xilinx without -flatten; "
            "counts are the sum over the hierarchy of each module's own cells times its instances; no optimization "
            "across module boundaries",
    "flat": "flattened: synth_xilinx -flatten, optimized across module boundaries",
}
DEFAULT_MODE = "hier"

FAMILIES = {
    # family: (DSP cell, 36 Kb block RAM, 18 Kb block RAM)
    "xc7": ("DSP48E1", "RAMB36E1", "RAMB18E1"),
    "xcup": ("DSP48E2", "RAMB36E2", "RAMB18E2"),
}
# LUTs a distributed-RAM or shift-register cell occupies (Xilinx UG474/UG574), for the LUT-as-memory total.
LUTRAM_LUTS = {
    "RAM32X1S": 1, "RAM32X1D": 2, "RAM32M": 4, "RAM32M16": 8, "RAM64X1S": 1, "RAM64X1D": 2, "RAM64M": 4,
    "RAM64M8": 8, "RAM128X1S": 2, "RAM128X1D": 4, "RAM256X1S": 4, "RAM256X1D": 8, "RAM512X1S": 8,
}
SRL_CELLS = ("SRL16E", "SRLC16E", "SRLC32E")


# array.dataflow (hw/spec/arch_schema.toml): compute_unit's OutputStationary parameter picks systolic_array or
# systolic_array_os.
DATAFLOWS = ("weight_stationary", "output_stationary")


class UserError(Exception):
    pass


def read_arch(spec: str) -> dict:
    path = Path(spec)
    if path.suffix != ".toml":
        path = ROOT / "hw" / "arch" / f"{spec}.toml"
    if not path.is_file():
        raise UserError(f"arch config {spec}: no such file {path} (give a name in hw/arch/ or a .toml path)")
    with open(path, "rb") as f:
        try:
            data = tomllib.load(f)
        except tomllib.TOMLDecodeError as e:
            raise UserError(f"arch config {path}: {e}") from None
    # The keys hw/verif/arch_params.py reads (hw/spec/arch_schema.toml has them all, with their bounds).
    for section, key in (("array", "rows"), ("array", "cols"), ("memory", "inp_kib"), ("memory", "wgt_kib"),
                         ("memory", "acc_kib"), ("memory", "banks"), ("queues", "insn_depth"),
                         ("queues", "token_depth"), ("dram", "bytes_per_cycle"), ("dram", "burst_bytes"),
                         ("dram", "max_outstanding")):
        value = data.get(section, {}).get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise UserError(f"arch config {path}: {section}.{key} must be a positive integer")
    dataflow = data.get("array", {}).get("dataflow")
    if dataflow not in DATAFLOWS:
        raise UserError(f"arch config {path}: array.dataflow must be one of {', '.join(DATAFLOWS)} "
                        f"(it picks the systolic array the RTL builds), not {dataflow!r}")
    return {"name": path.stem, "origin": str(path)}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------------------------------------------------------------
# Yosys 0.23 (Debian 12) reads no `import pkg::*;`, no casts to a named type (`gemm_insn_t'(x)`) and no `return`;
# Verilator and Vivado read all three. A source using them is rewritten into the work directory before Yosys sees it:
# the import goes, every name the package declares gets the `systole_pkg::` prefix, casts to the package's types are
# dropped (they only re-type a vector of the same width, which an assignment does anyway), and a function body that is
# one `return e;` becomes `name = e;`. The repository's files stay as written; files without these constructs pass
# through unchanged (all of the kernel's files today: the RTL qualifies package names and assigns function names
# itself). Yosys 0.23 reads no assignment patterns ('{a: x}) or $bits(type) either: those need the RTL changed
# (README.md).

def package_names(pkg_text: str) -> tuple[str, set, set]:
    """(package name, type names, other names: parameters and enum values) declared by a package."""
    name = re.search(r"^\s*package\s+(\w+)\s*;", pkg_text, re.M).group(1)
    body = re.sub(r"//[^\n]*", "", pkg_text)
    types = set(re.findall(r"\}\s*(\w+)\s*;", body))  # typedef enum/struct ... } name;
    types |= set(re.findall(r"typedef\s+[^{;]*?\s(\w+)\s*;", body))
    values = set(re.findall(r"localparam\b[^=;]*?\b(\w+)\s*=", body))
    for members in re.findall(r"enum\b[^{]*\{([^}]*)\}", body):
        values |= set(re.findall(r"(\w+)\s*(?:=[^,]*)?(?:,|$)", members.strip()))
    return name, types, values


def yosys_compat(text: str, pkg: str, types: set, values: set) -> str:
    import_re = re.compile(rf"^\s*import\s+{pkg}::\*\s*;[^\n]*\n", re.M)
    if not import_re.search(text):
        return text
    text = import_re.sub("", text)
    names = "|".join(sorted(types | values, key=len, reverse=True))
    type_names = "|".join(sorted(types, key=len, reverse=True))
    text = re.sub(rf"(?<![\w:.$'])\b({type_names})\s*'\s*\(", "(", text)
    return re.sub(rf"(?<![\w:.$'])\b({names})\b(?!\s*::)", rf"{pkg}::\1", text)


def function_returns(text: str, origin: str) -> str:
    """Yosys 0.23 reads no `return`: a function whose body is one `return <expr>;` assigns <expr> to its name."""
    def body(m: re.Match) -> str:
        name, stmts = m.group(2), m.group(3)
        if "return" not in stmts:
            return m.group(0)
        single = re.fullmatch(r"(\s*)return\b(.*?);(\s*)", stmts, re.S)
        if not single or ";" in single.group(2):
            raise UserError(f"{origin}: function {name}: Yosys 0.23 reads no `return`, and this body is more than "
                            "one `return <expr>;` (assign the result to the function's name instead)")
        return m.group(1) + single.group(1) + f"{name} ={single.group(2)};" + single.group(3) + "endfunction"
    return re.sub(r"(function\b[^;]*?\b(\w+)\s*\([^;]*\)\s*;)(.*?)endfunction", body, text, flags=re.S)


# ---------------------------------------------------------------------------------------------------------------------

def yosys_version(yosys: str) -> str:
    return subprocess.run([yosys, "-V"], check=True, capture_output=True, text=True).stdout.strip()


def synth_commands(family: str, mode: str) -> list:
    """The Yosys commands after reading and parameterizing the design (part of the cache key)."""
    # -noiopad: out of context (the block sits inside a Vitis kernel; no I/O buffers on its ports). Without -flatten,
    # synth_xilinx keeps the hierarchy (MODES).
    flatten = " -flatten" if mode == "flat" else ""
    return [f"synth_xilinx -top {TOP} -family {family}{flatten} -noiopad"]


def result_name(arch_name: str, family: str, mode: str) -> str:
    """<arch>_<family> for the default mode, <arch>_<family>_<mode> otherwise: the modes keep separate results."""
    return f"{arch_name}_{family}" + ("" if mode == DEFAULT_MODE else f"_{mode}")


# ---------------------------------------------------------------------------------------------------------------------
# Counting over a hierarchy. Yosys 0.23's `stat -json` lists each module's own cells, a submodule instance being a cell
# whose type is the submodule's name. Its own hierarchy total ("design") is not usable: with -json it still prints the
# hierarchy's inner lines as plain text into the JSON (they are dropped here), so the totals are recomputed below and
# checked against its "design" section when that parses.

def read_stat_json(text: str) -> dict:
    """`stat -json` output without the plain-text lines Yosys 0.23 writes into it for a hierarchical design."""
    lines = [line for line in text.splitlines() if not line.strip() or line.strip()[0] in '"{}[]']
    return json.loads("\n".join(lines))


def submodule(cell_type: str, modules: dict):
    """The module a cell instantiates, or None for a primitive. `stat -json` names modules as Yosys ids (`\\fifo`,
    `$paramod$<sha1>\\fifo`) but cell types without the leading backslash (`fifo`)."""
    for name in (cell_type, "\\" + cell_type):
        if name in modules:
            return name
    return None


def hierarchy_counts(modules: dict) -> tuple[str, dict, dict]:
    """(top module, total cells by type over the whole hierarchy, instances of each module in the design). The top is
    the one module no other instantiates."""
    own = {name: m["num_cells_by_type"] for name, m in modules.items()}
    used = {submodule(t, own) for cells in own.values() for t in cells}
    roots = [name for name in own if name not in used]
    if len(roots) != 1:
        raise UserError(f"yosys stat: expected one top module, found {roots}")
    top = roots[0]
    instances = {name: 0 for name in own}
    totals = {}

    def walk(name: str, times: int) -> None:
        instances[name] += times
        for cell, n in own[name].items():
            sub = submodule(cell, own)
            if sub:
                walk(sub, times * n)
            else:
                totals[cell] = totals.get(cell, 0) + times * n

    walk(top, 1)
    return top, dict(sorted(totals.items())), instances


def base_name(module: str) -> str:
    """The source module of a derived one: `$paramod$<sha1>\\fifo` and `$paramod\\fifo\\Depth=...` -> `fifo`."""
    parts = module.split("\\")
    return parts[1] if module.startswith("$paramod\\") else parts[-1]


def module_names(log: str) -> dict:
    """Readable names of the modules `hierarchy` derived, from its log, where each is first generated right after the
    parameters it was derived with: `$paramod$<sha1>\\sram_1r1w` -> `sram_1r1w(Width=256,Depth=4096)` (the integer
    parameters the instance set)."""
    names, params = {}, []
    for line in log.splitlines():
        m = re.match(r"Parameter (?:\d+ \()?\\(\w+)\)? = (-?\d+)$", line)
        if m:
            params.append(f"{m.group(1)}={m.group(2)}")
        elif not line.startswith("Parameter "):
            m = re.match(r"(?:Generating|Found cached) RTLIL representation for module `(\S+)'", line)
            if m and m.group(1).startswith("$paramod") and m.group(1) not in names:
                names[m.group(1)] = base_name(m.group(1)) + (f"({','.join(params)})" if params else "")
            params = []
    return names


def display_name(module: str, names: dict) -> str:
    return names.get(module) or module.lstrip("\\")


def hierarchy_table(modules: dict, top: str, instances: dict, names: dict, family: str) -> dict:
    """Per module (readable name): its instances in the design and the resources of one instance's own cells (its
    submodules' not included), so that each module's share of the total is instances x these. Largest LUT share
    first."""
    table = {}
    for module, m in modules.items():
        own = {t: n for t, n in m["num_cells_by_type"].items() if not submodule(t, modules)}
        r = count(own, family)
        name = TOP if module == top else display_name(module, names)
        if name in table:  # two parameter sets that differ only in non-integer parameters
            name = module
        table[name] = {"instances": instances[module],
                       **{k: r[k] for k in ("lut", "ff", "dsp", "bram36", "lut_as_memory", "carry")}}
    return dict(sorted(table.items(), key=lambda kv: (-kv[1]["instances"] * kv[1]["lut"], kv[0])))


def count(cells: dict, family: str) -> dict:
    dsp, bram36, bram18 = FAMILIES[family]
    n = lambda pred: sum(v for k, v in cells.items() if pred(k))  # noqa: E731
    res = {
        "lut": n(lambda c: re.fullmatch(r"LUT[1-6]", c)),
        "ff": n(lambda c: re.fullmatch(r"FD[A-Z]*", c)),
        "dsp": cells.get(dsp, 0),
        "bram36": cells.get(bram36, 0) + cells.get(bram18, 0) / 2,
        "ramb36": cells.get(bram36, 0),
        "ramb18": cells.get(bram18, 0),
        "uram": cells.get("URAM288", 0),
        "lutram_cells": n(lambda c: c in LUTRAM_LUTS),
        "lut_as_memory": sum(v * LUTRAM_LUTS[k] for k, v in cells.items() if k in LUTRAM_LUTS)
                         + n(lambda c: c in SRL_CELLS),
        "srl": n(lambda c: c in SRL_CELLS),
        "carry": n(lambda c: re.fullmatch(r"CARRY[48]", c)),
        "muxf": n(lambda c: re.fullmatch(r"MUXF[789]", c)),
        "inv": cells.get("INV", 0),
    }
    known = {dsp, bram36, bram18, "URAM288", "BUFG", "GND", "VCC", "INV", *LUTRAM_LUTS, *SRL_CELLS}
    other = {k: v for k, v in cells.items()
             if k not in known and not re.fullmatch(r"LUT[1-6]|FD[A-Z]*|CARRY[48]|MUXF[789]", k)}
    if other:
        res["other_cells"] = other
    return res


def lc_estimate(log: str):
    """Yosys's `stat -tech xilinx` estimate of logic cells (LUT sites), the last one in the log."""
    found = re.findall(r"Estimated number of LCs:\s+(\d+)", log)
    return int(found[-1]) if found else None


def memory_mappings(log: str, names: dict) -> dict:
    """How memory_libmap mapped each memory: a block-RAM, UltraRAM or LUT-RAM cell, or "FF" (registers). Flat: by
    instance path (`systole_top.u_core.u_inp.mem_q`); hier: by module (`sram_1r1w(Width=32,Depth=4096).mem_q`, once
    for all its instances: `hierarchy` gives their number)."""
    def name(mem: str) -> str:
        module, _, rest = mem.rpartition(".")
        return f"{display_name(module, names)}.{rest.lstrip(chr(92))}" if module.startswith("$paramod") \
            else mem.lstrip("\\")
    found = {}
    for mem, cell in re.findall(r"^mapping memory (\S+) via (\S+)", log, re.M):
        found[name(mem)] = cell.strip("\\$_")
    for mem in re.findall(r"^using FF mapping for memory (\S+)", log, re.M):
        found[name(mem)] = "FF"
    return dict(sorted(found.items()))


def dsp_sources(log: str, instances: dict):
    """Where the DSPs come from: xilinx_dsp reports each DSP cell it packs, named after the multiply it came from.
    Flat: the cell is `$flatten\\u_core.\\u_load_dma.$mul$<file>:<line>$<n>...`, counted by instance path and source
    line, generate indices folded to [*]: {"u_core.u_load_dma dma_load.sv:69": 7, ...}. Hier: the cell is
    `<module>.$mul$<file>:<line>$<n>`, counted by module and source line times the module's instances (`instances`,
    from hierarchy_counts()): {"dma_load dma_load.sv:69": 14, "pe pe.sv:31": 1024, ...}. None where xilinx_dsp reports
    nothing: Yosys 0.23 packs DSP48E1 (xc7) only, so xcup has no such report (its multiplies are the same as xc7's)."""
    found = {}
    for cell in re.findall(r"^Analysing (\S+) for Xilinx DSP packing\.", log, re.M):
        source = re.search(r"\$\w+\$[^$]*?([\w.]+\.s?v):(\d+)\$", cell)
        flat = re.search(r"\$flatten([^$]*?)\.?\$", cell)
        times = 1
        if source and flat:
            path = re.sub(r"\[\d+\]", "[*]", flat.group(1).replace("\\", "").rstrip("."))
            key = f"{path or TOP} {source.group(1)}:{source.group(2)}"
        elif source:
            module = re.match(r"(.*?)\.[$\\]", cell).group(1)
            times = instances[submodule(module, instances) or module]
            key = f"{base_name(module)} {source.group(1)}:{source.group(2)}"
        else:
            key = "unattributed"
        found[key] = found.get(key, 0) + times
    return dict(sorted(found.items())) or None


# A comment that Yosys acts on (translate_off/on, full_case, parallel_case) stays in the cache key's view of a source.
PRAGMA_RE = re.compile(r"\b(synopsys|synthesis|pragma|translate_o(n|ff)|full_case|parallel_case)\b")


def key_text(text: str) -> str:
    """A source as the cache key sees it: without comments (pragmas kept) and with every run of whitespace one space,
    so that the RTL's frequent comment and layout edits do not make a result of up to an hour stale. String literals
    are skipped over, so a `//` inside one starts no comment."""
    def drop(m: re.Match) -> str:
        token = m.group(0)
        return token if token.startswith('"') or PRAGMA_RE.search(token) else " "
    text = re.sub(r'"(?:\\.|[^"\\\n])*"|//[^\n]*|/\*.*?\*/', drop, text, flags=re.S)
    return " ".join(text.split())


def cache_key(inputs: dict, texts: dict, params: dict, family: str, mode: str, version: str) -> str:
    """What the result depends on: the package and the sources as Yosys reads them (after yosys_compat; comments and
    layout left out, see key_text), the top and its parameters, the family, the mode (MODES), the Yosys version and
    commands, and the result format. Config keys the RTL does not take (dram.latency_cycles, clock.mhz), comment
    edits and edits to this script that change none of these keep the cached result."""
    data = {
        "format": RESULT_FORMAT,
        "package": next(v for k, v in inputs.items() if k.startswith("<generated>")),
        "sources": {src: hashlib.sha256(key_text(text).encode()).hexdigest() for src, text in texts.items()},
        "order": list(texts),
        "top": TOP,
        "params": params,
        "family": family,
        "mode": mode,
        "yosys": version,
        "commands": synth_commands(family, mode),
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def run(args) -> int:
    arch = read_arch(args.arch)
    params = top_params(arch)
    family = args.family
    mode = args.mode
    pkg_path = Path(args.pkg).resolve()
    if not pkg_path.is_file():
        raise UserError(f"generated package {pkg_path} is missing: build it first "
                        "(cmake --build build --target systole_spec_gen)")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    name = result_name(arch["name"], family, mode)
    result_path = out / f"{name}.json"

    version = yosys_version(args.yosys)
    pkg, types, values = package_names(pkg_path.read_text())
    srcs = sources()
    texts = {src: function_returns(yosys_compat((ROOT / src).read_text(), pkg, types, values), src) for src in srcs}
    inputs = {"<generated>/" + pkg_path.name: sha256(pkg_path)}
    inputs.update({src: sha256(ROOT / src) for src in srcs})
    key = cache_key(inputs, texts, params, family, mode, version)

    if not args.force and result_path.is_file():
        try:
            old = json.loads(result_path.read_text())
        except json.JSONDecodeError:
            old = {}
        if old.get("cache_key") == key:
            if old.get("scope") != SCOPE:  # descriptive text only: the counts stand
                old["scope"] = SCOPE
                result_path.write_text(json.dumps(old, indent=2) + "\n")
            print(f"synth: {result_path} is up to date (cached)")
            return 0

    work = out / "work" / name
    (work / "src").mkdir(parents=True, exist_ok=True)
    files = [pkg_path]
    for src, text in texts.items():
        dst = work / "src" / Path(src).name
        dst.write_text(text)
        files.append(dst.resolve())
    stat_json = (work / "stat.json").resolve()
    chparam = " ".join(f"-set {k} {v}" for k, v in params.items())
    script = [f"read_verilog -sv -defer {' '.join(str(f) for f in files)}",
              f"chparam {chparam} {TOP}",
              *synth_commands(family, mode),
              f"tee -q -o {stat_json} stat -json",
              "stat -tech xilinx"]
    (work / "synth.ys").write_text("\n".join(script) + "\n")
    log_path = work / "yosys.log"
    stat_json.unlink(missing_ok=True)

    print(f"synth: {arch['name']} ({params['Rows']}x{params['Cols']}) for {family}, {mode}: yosys, log in {log_path}",
          flush=True)
    # Yosys's warnings (thousands on big configs) go to a file: a pipe nobody reads while waiting would fill and stall
    # it. wait4 gives the peak memory of this one child.
    start = time.monotonic()
    with open(work / "yosys.stderr", "w") as err:
        proc = subprocess.Popen([args.yosys, "-q", "-l", str(log_path), "-s", str(work / "synth.ys")],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.monotonic() - start
    returncode = proc.returncode = os.waitstatus_to_exitcode(status)
    if returncode != 0 or not stat_json.is_file():
        errors = [line for line in log_path.read_text(errors="replace").splitlines() if "ERROR" in line]
        sys.stderr.write("".join(line + "\n" for line in errors[-5:]))
        raise UserError(f"yosys failed (exit {returncode}) on {arch['name']} for {family}; see {log_path}")

    stat = read_stat_json(stat_json.read_text())
    log = log_path.read_text(errors="replace")
    top, cells, instances = hierarchy_counts(stat["modules"])
    if mode == "flat" and len(stat["modules"]) != 1:
        raise UserError(f"yosys left {len(stat['modules'])} modules in a flattened design; see {log_path}")
    design = stat.get("design", {}).get("num_cells_by_type")
    if design is not None and design != cells:
        raise UserError(f"cell totals over the hierarchy differ from Yosys's own (stat -json `design`): {stat_json}")
    names = module_names(log)
    result = {
        "arch": arch["name"],
        "family": family,
        "top": TOP,
        "scope": SCOPE,
        "sources": ["<generated>/" + pkg_path.name, *srcs],
        "params": params,
        "mode": mode,
        "mode_note": MODES[mode],
        "resources": count(cells, family),
        "cells": cells,
        "hierarchy": hierarchy_table(stat["modules"], top, instances, names, family) if mode == "hier" else None,
        "memories": memory_mappings(log, names),
        "dsp_sources": dsp_sources(log, instances),
        "lc_estimate": lc_estimate(log),
        "yosys": version,
        "yosys_commands": synth_commands(family, mode),
        "seconds": round(seconds, 1),
        "peak_rss_mib": round(usage.ru_maxrss / 1024),
        "inputs_sha256": inputs,
        "cache_key": key,
        "regenerate": f"hw/synth/synth.py --arch {arch['name']} --family {family} --mode {mode} --pkg "
                      f"<build>/generated/rtl/{pkg_path.name} --out <dir>",
    }
    result_path.write_text(json.dumps(result, indent=2) + "\n")
    r = result["resources"]
    print(f"synth: {result_path} ({mode}): LUT {r['lut']}, FF {r['ff']}, DSP {r['dsp']}, BRAM36 {r['bram36']:g}, "
          f"URAM {r['uram']}, LUTRAM {r['lut_as_memory']}, {seconds:.1f} s, {result['peak_rss_mib']} MiB")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--arch", required=True, help="config name in hw/arch/ or path to a .toml file")
    parser.add_argument("--family", required=True, choices=sorted(FAMILIES))
    parser.add_argument("--pkg", required=True, help="the generated systole_pkg.sv")
    parser.add_argument("--out", required=True, help="output directory")
    parser.add_argument("--yosys", default="yosys", help="the yosys executable")
    parser.add_argument("--mode", choices=sorted(MODES), default=DEFAULT_MODE,
                        help="hier: keep the hierarchy, each unique module synthesized once (default); flat: "
                             "synth_xilinx -flatten (README.md compares them)")
    parser.add_argument("--force", action="store_true", help="run Yosys even when the result is cached")
    args = parser.parse_args()
    try:
        return run(args)
    except (UserError, OSError, subprocess.CalledProcessError) as e:
        print(f"synth: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
