#!/usr/bin/python3
"""Generates the C++ header, the SystemVerilog package and the ISA reference page from the hardware contract.

Usage: gen_spec.py SPEC_DIR [--cpp OUT.hpp] [--sv OUT.sv] [--md OUT.md] [--kernel-xml ARCH.toml OUT.xml]...

Reads isa.toml, arch_schema.toml and regmap.toml from SPEC_DIR, checks them (no overlapping fields, every field
inside the instruction, enum values fit their field; registers aligned, disjoint and inside the address space, every
kernel argument marked; every pointer argument reached by a memory port and bound to one) and writes the outputs
asked for. Each --kernel-xml writes the kernel description Vitis `package_xo` takes for the RTL kernel (hw/vitis)
for one arch config, whose dram.bytes_per_cycle sets the data width of the memory ports. The outputs carry a banner
saying they are generated; nothing generated is edited by hand or committed.
"""
import argparse
import pathlib
import sys
import textwrap
import tomllib
from xml.sax.saxutils import quoteattr


class SpecError(Exception):
    pass


def camel(name):
    return "".join(part.capitalize() for part in name.split("_"))


def load(spec_dir):
    spec = {}
    for name in ("isa", "arch_schema", "regmap"):
        path = spec_dir / f"{name}.toml"
        with open(path, "rb") as f:
            try:
                spec[name] = tomllib.load(f)
            except tomllib.TOMLDecodeError as e:
                raise SpecError(f"{path}: {e}") from e
    return spec


def check_isa(isa):
    bits = isa["isa"]["insn_bits"]
    if bits % 64:
        raise SpecError(f"isa.toml: insn_bits {bits} is not a multiple of 64")
    enums = {e["name"]: e for e in isa["enum"]}
    opcodes = {v["name"] for v in enums["opcode"]["values"]}
    formats = {f["opcode"] for f in isa["format"]}
    if opcodes != formats:
        raise SpecError(f"isa.toml: opcodes {sorted(opcodes)} and formats {sorted(formats)} differ")
    for fmt in isa["format"]:
        used = {}
        for f in isa["header"] + fmt["fields"]:
            where = f"isa.toml: format '{fmt['opcode']}' field '{f['name']}'"
            if f["offset"] + f["width"] > bits or f["width"] < 1 or f["width"] > 64:
                raise SpecError(f"{where}: bits [{f['offset']}, {f['offset'] + f['width']}) outside the instruction")
            if f["type"] not in ("u", "s") and f["type"] not in enums:
                raise SpecError(f"{where}: unknown type '{f['type']}'")
            if f["type"] in enums:
                top = max(v["value"] for v in enums[f["type"]]["values"])
                if top >= (1 << f["width"]):
                    raise SpecError(f"{where}: enum '{f['type']}' needs more than {f['width']} bits")
            for b in range(f["offset"], f["offset"] + f["width"]):
                if b in used:
                    raise SpecError(f"{where}: bit {b} already used by '{used[b]}'")
                used[b] = f["name"]
    for v in enums["vec_op"]["values"]:
        where = f"isa.toml: vec_op '{v['name']}'"
        if not isinstance(v.get("reads_dst"), bool) or not isinstance(v.get("clamps"), bool):
            raise SpecError(f"{where}: reads_dst and clamps must be true or false")
        if v.get("src_rows") not in range(0, isa["isa"]["requant_param_rows"] + 1):
            raise SpecError(f"{where}: src_rows must be in [0, requant_param_rows]")
    requant = next(v for v in enums["vec_op"]["values"] if v["name"] == "requant")
    if requant["src_rows"] != isa["isa"]["requant_param_rows"]:
        raise SpecError("isa.toml: vec_op 'requant' must read requant_param_rows source rows")


# Register offsets below this are the ap_ctrl_hs block (ctrl, gie, ier, isr); kernel arguments start here.
FIRST_ARG_OFFSET = 0x10
# Control aperture declared in kernel.xml: 4 KiB, what Vitis HLS and the RTL Kernel Wizard declare; the kernel
# decodes only the low regmap.addr_bits bits of it.
CONTROL_RANGE = 0x1000


# AXI4 data widths a kernel memory port may have (powers of two; AXI4 allows 8..1024, the Vitis platforms' memory
# interconnects start at 32).
AXI_DATA_BITS = (32, 64, 128, 256, 512, 1024)
# Vitis requires 64-bit addresses on an RTL kernel's AXI4 masters (UG1393, "Packaging the RTL Code as a Vitis XO").
VITIS_ADDR_BITS = 64


def check_regmap(regs):
    rm = regs["regmap"]
    space = 1 << rm["addr_bits"]
    if space > CONTROL_RANGE:
        raise SpecError(f"regmap.toml: addr_bits {rm['addr_bits']} exceeds the {CONTROL_RANGE:#x}-byte control range")
    used = {}
    for r in regs["reg"]:
        where = f"regmap.toml: reg '{r['name']}'"
        if r["width"] not in (32, 64):
            raise SpecError(f"{where}: width {r['width']} is not 32 or 64")
        if r["offset"] % 4:
            raise SpecError(f"{where}: offset {r['offset']:#x} is not a multiple of 4")
        if r["offset"] + r["width"] // 8 > space:
            raise SpecError(f"{where}: ends beyond the {space}-byte address space (addr_bits {rm['addr_bits']})")
        for b in range(r["offset"], r["offset"] + r["width"] // 8):
            if b in used:
                raise SpecError(f"{where}: byte {b:#x} already used by '{used[b]}'")
            used[b] = r["name"]
        arg = r.get("arg")
        is_arg_slot = r["offset"] >= FIRST_ARG_OFFSET and r["access"] == "rw"
        if arg is None and is_arg_slot:
            raise SpecError(f"{where}: rw register at {r['offset']:#x} >= {FIRST_ARG_OFFSET:#x} is a kernel "
                            "argument: add arg = \"pointer\" or arg = \"scalar\"")
        if arg is not None and not is_arg_slot:
            raise SpecError(f"{where}: only rw registers from {FIRST_ARG_OFFSET:#x} up are kernel arguments; "
                            "remove 'arg'")
        if arg not in (None, "pointer", "scalar"):
            raise SpecError(f"{where}: arg '{arg}' is not \"pointer\" or \"scalar\"")
        if arg == "pointer" and r["width"] != 64:
            raise SpecError(f"{where}: a pointer argument is 64 bits wide, not {r['width']}")
    check_memory_ports(regs)


def check_memory_ports(regs):
    """The [kernel] memory ports: distinct AXI4 masters, each reaching pointer arguments, and every pointer argument
    bound to exactly one port that reaches it ([kernel.arg_port])."""
    kernel = regs["kernel"]
    if kernel["memory_addr_bits"] != VITIS_ADDR_BITS:
        raise SpecError(f"regmap.toml: kernel.memory_addr_bits is {kernel['memory_addr_bits']}; Vitis RTL kernel "
                        f"masters have {VITIS_ADDR_BITS}-bit addresses")
    ports = kernel.get("memory_port", [])
    if not ports:
        raise SpecError("regmap.toml: [kernel] has no [[kernel.memory_port]]; the kernel needs an AXI4 master")
    pointers = [r["name"] for r, _ in kernel_args(regs) if r["arg"] == "pointer"]
    if len(kernel_args(regs)) > 32:
        raise SpecError("regmap.toml: more than 32 kernel arguments; the generated port tables hold argument sets "
                        "as 32-bit masks")
    names = set()
    for p in ports:
        where = f"regmap.toml: kernel.memory_port '{p.get('name', '?')}'"
        if not p["name"].startswith("m_axi_") or not p["name"].isidentifier():
            raise SpecError(f"{where}: the name must be an identifier starting with m_axi_ (Vitis interface naming)")
        if p["name"] in names or p["name"] == kernel["control_port"]:
            raise SpecError(f"{where}: name used twice")
        names.add(p["name"])
        if p["access"] not in ("read", "write"):
            raise SpecError(f"{where}: access '{p['access']}' is not \"read\" or \"write\"")
        if not p["args"]:
            raise SpecError(f"{where}: args is empty; list the pointer arguments whose regions the port accesses")
        for a in p["args"]:
            if a not in pointers:
                raise SpecError(f"{where}: args names '{a}', which is not a pointer argument "
                                f"(pointers: {', '.join(pointers)})")
    reached = {a for p in ports for a in p["args"]}
    for a in pointers:
        if a not in reached:
            raise SpecError(f"regmap.toml: pointer argument '{a}' is in no kernel.memory_port's args")
    binding = kernel.get("arg_port", {})
    for a in pointers:
        if a not in binding:
            raise SpecError(f"regmap.toml: [kernel.arg_port] does not bind pointer argument '{a}' to a port")
    for a, port in binding.items():
        where = f"regmap.toml: kernel.arg_port.{a}"
        if a not in pointers:
            raise SpecError(f"{where}: '{a}' is not a pointer argument (pointers: {', '.join(pointers)})")
        reaching = [p["name"] for p in ports if a in p["args"]]
        if port not in reaching:
            raise SpecError(f"{where}: '{port}' is not a memory port that reaches '{a}' "
                            f"(those that do: {', '.join(reaching)})")


def arch_data_bits(arch_path):
    """The AXI4 data width of every kernel memory port for one arch config: dram.bytes_per_cycle * 8 bits."""
    with open(arch_path, "rb") as f:
        try:
            arch = tomllib.load(f)
        except tomllib.TOMLDecodeError as e:
            raise SpecError(f"{arch_path}: {e}") from e
    beat = arch.get("dram", {}).get("bytes_per_cycle")
    if type(beat) is not int:
        raise SpecError(f"{arch_path}: key 'dram.bytes_per_cycle' is missing or not an integer")
    if beat * 8 not in AXI_DATA_BITS:
        raise SpecError(f"{arch_path}: dram.bytes_per_cycle = {beat} makes the kernel's memory ports {beat * 8} bits "
                        f"wide; an AXI4 data width is a power of two from {AXI_DATA_BITS[0]} to "
                        f"{AXI_DATA_BITS[-1]} bits ({AXI_DATA_BITS[0] // 8} to {AXI_DATA_BITS[-1] // 8} bytes)")
    return beat * 8


def kernel_args(regs):
    """The kernel arguments in XRT's order: (register, id)."""
    return [(r, i) for i, r in enumerate(r for r in regs["reg"] if "arg" in r)]


def cpp_header(spec, src):
    isa, arch, regs = spec["isa"], spec["arch_schema"], spec["regmap"]
    bits = isa["isa"]["insn_bits"]
    out = [
        f"// Generated from {src} by hw/spec/gen_spec.py. Do not edit.",
        "#pragma once",
        "#include <array>",
        "#include <cstddef>",
        "#include <cstdint>",
        "",
        "namespace systole::spec {",
        "",
        f"constexpr int kInsnBits = {bits};",
        f"constexpr int kInsnWords = {bits // 64};",
        f"constexpr std::uint32_t kIsaVersion = {isa['isa']['version']};",
        f"constexpr int kRequantParamRows = {isa['isa']['requant_param_rows']};",
        "",
        "// One instruction: kInsnWords little-endian 64-bit words, bit 0 = LSB of word 0.",
        "using Insn = std::array<std::uint64_t, kInsnWords>;",
        "",
        "struct EnumValue {",
        "  const char* name;",
        "  std::uint32_t value;",
        "  const char* doc;",
        "};",
        "",
    ]
    for e in isa["enum"]:
        t = camel(e["name"])
        out.append(f"// {e['doc']}")
        out.append(f"enum class {t} : std::uint8_t {{")
        for v in e["values"]:
            out.append(f"  k{camel(v['name'])} = {v['value']},")
        out.append("};")
        out.append(f"constexpr std::array<EnumValue, {len(e['values'])}> k{t}Values = {{{{")
        for v in e["values"]:
            doc = v["doc"].replace('"', '\\"')
            out.append(f"    {{\"{v['name']}\", {v['value']}, \"{doc}\"}},")
        out.append("}};")
        out.append("")
    vec_ops = next(e for e in isa["enum"] if e["name"] == "vec_op")["values"]
    out += [
        "// What a vec operation reads: the destination row, source rows s .. s + src_rows - 1 (0: none), and whether",
        "// it clamps to [imm_a, imm_b] (imm_a <= imm_b required).",
        "struct VecOperands {",
        "  bool reads_dst;",
        "  int src_rows;",
        "  bool clamps;",
        "};",
        "constexpr VecOperands vec_operands(VecOp op) {",
        "  switch (op) {",
    ]
    for v in vec_ops:
        rd, cl = str(v["reads_dst"]).lower(), str(v["clamps"]).lower()
        out.append(f"    case VecOp::k{camel(v['name'])}: return {{{rd}, {v['src_rows']}, {cl}}};")
    out += ["  }", "  return {true, 0, false};", "}", ""]
    enum_names = [e["name"] for e in isa["enum"]]
    out += [
        "// How a field's bits are read: unsigned, two's-complement signed, or an enum (kEnum + enum_id).",
        "enum class FieldKind : std::uint8_t { kUnsigned, kSigned, kEnum };",
        "enum class EnumId : std::uint8_t { " + ", ".join(f"k{camel(n)}" for n in enum_names) + " };",
        "",
        "struct FieldSpec {",
        "  const char* name;",
        "  std::uint16_t offset;",
        "  std::uint8_t width;",
        "  FieldKind kind;",
        "  EnumId enum_id;  // meaningful when kind == kEnum",
        "  const char* doc;",
        "};",
        "",
    ]

    def field_spec(f):
        if f["type"] == "u":
            kind, eid = "kUnsigned", enum_names[0]
        elif f["type"] == "s":
            kind, eid = "kSigned", enum_names[0]
        else:
            kind, eid = "kEnum", f["type"]
        doc = f["doc"].replace('"', '\\"')
        return (f"    {{\"{f['name']}\", {f['offset']}, {f['width']}, FieldKind::{kind}, "
                f"EnumId::k{camel(eid)}, \"{doc}\"}},")

    out.append(f"constexpr std::array<FieldSpec, {len(isa['header'])}> kHeaderFields = {{{{")
    out += [field_spec(f) for f in isa["header"]]
    out.append("}};")
    out.append("")
    for fmt in isa["format"]:
        t = camel(fmt["opcode"])
        n = len(fmt["fields"])
        out.append(f"constexpr std::array<FieldSpec, {n}> k{t}Fields = {{{{")
        out += [field_spec(f) for f in fmt["fields"]]
        out.append("}};")
    out.append("")
    out.append("struct FormatSpec {")
    out.append("  Opcode opcode;")
    out.append("  const FieldSpec* fields;")
    out.append("  std::size_t field_count;")
    out.append("  const char* doc;")
    out.append("};")
    out.append(f"constexpr std::array<FormatSpec, {len(isa['format'])}> kFormats = {{{{")
    for fmt in sorted(isa["format"], key=lambda f: next(
            v["value"] for v in isa["enum"][0]["values"] if v["name"] == f["opcode"])):
        t = camel(fmt["opcode"])
        doc = " ".join(fmt["doc"].split()).replace('"', '\\"')
        out.append(f"    {{Opcode::k{t}, k{t}Fields.data(), k{t}Fields.size(), \"{doc}\"}},")
    out.append("}};")
    out.append("")

    # Bit-level accessors and typed views, one struct per format.
    out += [
        "// Fields may straddle two words; width is 1..64.",
        "constexpr std::uint64_t field_mask(int width) {",
        "  return width == 64 ? ~std::uint64_t{0} : ((std::uint64_t{1} << width) - 1);",
        "}",
        "constexpr std::uint64_t get_bits(const Insn& insn, int offset, int width) {",
        "  const auto w = static_cast<std::size_t>(offset / 64);",
        "  const int lo = offset % 64;",
        "  std::uint64_t v = insn[w] >> lo;",
        "  if (lo + width > 64) v |= insn[w + 1] << (64 - lo);",
        "  return v & field_mask(width);",
        "}",
        "constexpr void set_bits(Insn& insn, int offset, int width, std::uint64_t value) {",
        "  const auto w = static_cast<std::size_t>(offset / 64);",
        "  const int lo = offset % 64;",
        "  const std::uint64_t mask = field_mask(width);",
        "  value &= mask;",
        "  insn[w] = (insn[w] & ~(mask << lo)) | (value << lo);",
        "  if (lo + width > 64) {",
        "    const int hi = lo + width - 64;  // bits that land in the next word",
        "    const std::uint64_t hi_mask = (std::uint64_t{1} << hi) - 1;",
        "    insn[w + 1] = (insn[w + 1] & ~hi_mask) | (value >> (64 - lo));",
        "  }",
        "}",
        "constexpr std::int64_t sign_extend(std::uint64_t value, int width) {",
        "  if (width == 64) return static_cast<std::int64_t>(value);",
        "  const std::uint64_t sign = std::uint64_t{1} << (width - 1);",
        "  return static_cast<std::int64_t>((value ^ sign) - sign);",
        "}",
        "",
        "// Dependency-token flags every instruction carries.",
        "struct Header {",
        "  Opcode opcode{};",
    ]
    for f in isa["header"][1:]:
        out.append(f"  bool {f['name']} = false;")
    out.append("};")
    out.append("")

    def ctype(f):
        if f["type"] == "u":
            return "std::uint64_t" if f["width"] > 32 else "std::uint32_t"
        if f["type"] == "s":
            return "std::int64_t" if f["width"] > 32 else "std::int32_t"
        return camel(f["type"])

    for fmt in isa["format"]:
        t = camel(fmt["opcode"])
        out.append(f"struct {t}Fields {{")
        out.append(f"  Header header{{Opcode::k{t}}};")
        for f in fmt["fields"]:
            out.append(f"  {ctype(f)} {f['name']}{{}};  // {f['doc']}")
        out.append("};")
    out.append("")
    out.append("constexpr Header decode_header(const Insn& insn) {")
    out.append("  Header h;")
    out.append("  h.opcode = static_cast<Opcode>(get_bits(insn, 0, 4));")
    for f in isa["header"][1:]:
        out.append(f"  h.{f['name']} = get_bits(insn, {f['offset']}, {f['width']}) != 0;")
    out.append("  return h;")
    out.append("}")
    out.append("constexpr void encode_header(Insn& insn, const Header& h) {")
    out.append(f"  set_bits(insn, {isa['header'][0]['offset']}, {isa['header'][0]['width']}, "
               "static_cast<std::uint64_t>(h.opcode));")
    for f in isa["header"][1:]:
        out.append(f"  set_bits(insn, {f['offset']}, {f['width']}, h.{f['name']} ? 1 : 0);")
    out.append("}")
    for fmt in isa["format"]:
        t = camel(fmt["opcode"])
        out.append(f"constexpr {t}Fields decode_{fmt['opcode']}(const Insn& insn) {{")
        out.append(f"  {t}Fields v;")
        out.append("  v.header = decode_header(insn);")
        for f in fmt["fields"]:
            get = f"get_bits(insn, {f['offset']}, {f['width']})"
            if f["type"] == "s":
                get = f"sign_extend({get}, {f['width']})"
            out.append(f"  v.{f['name']} = static_cast<{ctype(f)}>({get});")
        out.append("  return v;")
        out.append("}")
        out.append(f"constexpr Insn encode(const {t}Fields& v) {{")
        out.append("  Insn insn{};")
        out.append("  encode_header(insn, v.header);")
        for f in fmt["fields"]:
            out.append(f"  set_bits(insn, {f['offset']}, {f['width']}, static_cast<std::uint64_t>(v.{f['name']}));")
        out.append("  return insn;")
        out.append("}")
    out.append("")

    # Arch parameters.
    out += [
        "enum class ParamType : std::uint8_t { kInt, kEnum };",
        "",
        "// Values of every arch parameter; enum parameters hold the index into their value list.",
        "struct ArchParams {",
    ]
    for p in arch["param"]:
        out.append(f"  std::int64_t {p['key'].replace('.', '_')} = 0;  // {p['doc']}")
    out.append("};")
    for p in arch["param"]:
        if p["type"] == "enum":
            t = camel(p["key"].split(".")[-1])
            out.append(f"enum class {t} : std::uint8_t {{ " +
                       ", ".join(f"k{camel(v)}" for v in p["values"]) + " };")
            out.append(f"constexpr std::array<const char*, {len(p['values'])}> k{t}Names = {{" +
                       ", ".join(f'"{v}"' for v in p["values"]) + "};")
    out += [
        "",
        "struct ArchParamSpec {",
        "  const char* key;  // dotted TOML path",
        "  ParamType type;",
        "  std::int64_t min;",
        "  std::int64_t max;  // for enums: number of values - 1",
        "  const char* const* values;  // enum value names, else nullptr",
        "  bool fingerprint;  // hashed into the arch fingerprint",
        "  std::int64_t ArchParams::*member;",
        "  const char* doc;",
        "};",
        f"constexpr std::array<ArchParamSpec, {len(arch['param'])}> kArchParams = {{{{",
    ]
    for p in arch["param"]:
        member = p["key"].replace(".", "_")
        doc = p["doc"].replace('"', '\\"')
        fp = "true" if p["fingerprint"] else "false"
        if p["type"] == "int":
            out.append(f"    {{\"{p['key']}\", ParamType::kInt, {p['min']}, {p['max']}, nullptr, {fp}, "
                       f"&ArchParams::{member}, \"{doc}\"}},")
        else:
            t = camel(p["key"].split(".")[-1])
            out.append(f"    {{\"{p['key']}\", ParamType::kEnum, 0, {len(p['values']) - 1}, k{t}Names.data(), "
                       f"{fp}, &ArchParams::{member}, \"{doc}\"}},")
    out.append("}};")
    out.append("")

    # Register map.
    out.append("namespace reg {")
    for r in regs["reg"]:
        out.append(f"constexpr std::uint32_t k{camel(r['name'])} = 0x{r['offset']:02X};  // {r['width']}-bit "
                   f"{r['access']}: {r['doc']}")
        for b in r.get("bits", []):
            out.append(f"constexpr std::uint32_t k{camel(r['name'])}{camel(b['name'])} = 1u << {b['bit']};")
    out.append("}  // namespace reg")
    out.append("")
    out.append("// Kernel arguments (Vitis RTL kernel): a global-memory address or a plain value; kNone for the rest.")
    out.append("enum class ArgKind : std::uint8_t { kNone, kScalar, kPointer };")
    out.append("")
    out.append("struct RegSpec {")
    out.append("  const char* name;")
    out.append("  std::uint32_t offset;")
    out.append("  std::uint32_t width;")
    out.append("  bool read_only;")
    out.append("  ArgKind arg;  // kernel arguments are numbered in table order (xrt::kernel::set_arg index)")
    out.append("};")
    out.append(f"constexpr std::array<RegSpec, {len(regs['reg'])}> kRegs = {{{{")
    for r in regs["reg"]:
        ro = "true" if r["access"] == "ro" else "false"
        arg = {"pointer": "kPointer", "scalar": "kScalar"}.get(r.get("arg"), "kNone")
        out.append(f"    {{\"{r['name']}\", 0x{r['offset']:02X}, {r['width']}, {ro}, ArgKind::{arg}}},")
    out.append("}};")
    out.append(f"constexpr std::size_t kKernelArgCount = {len(kernel_args(regs))};")
    out.append("")
    k = regs["kernel"]
    arg_ids = {r["name"]: i for r, i in kernel_args(regs)}

    def arg_mask(names):
        return " | ".join(f"(1u << {arg_ids[n]})" for n in names) or "0u"

    out += [
        "// The Vitis RTL kernel (hw/vitis): name, control interface and AXI4 master ports. A port's data width is",
        "// not fixed here: it is the arch config's dram.bytes_per_cycle * 8 bits (one kernel.xml per config).",
        f"constexpr const char* kKernelName = \"{k['name']}\";",
        f"constexpr const char* kKernelControlPort = \"{k['control_port']}\";",
        f"constexpr int kKernelMemoryAddrBits = {k['memory_addr_bits']};",
        "",
        "// Read-only ports have the AR and R channels, write-only ports AW, W and B.",
        "enum class PortAccess : std::uint8_t { kRead, kWrite };",
        "",
        "struct MemoryPortSpec {",
        "  const char* name;  // Vitis interface name, prefix of the top's signals (m_axi_fetch_arvalid, ...)",
        "  PortAccess access;",
        "  std::uint32_t reaches;  // bit i: the port accesses the region of kernel argument i (a pointer)",
        "  std::uint32_t binds;    // bit i: kernel.xml binds argument i to this port (XRT allocates it in its bank)",
        "  const char* doc;",
        "};",
        f"constexpr std::array<MemoryPortSpec, {len(k['memory_port'])}> kKernelMemoryPorts = {{{{",
    ]
    for p in k["memory_port"]:
        bound = [a for a, port in k["arg_port"].items() if port == p["name"]]
        access = "kRead" if p["access"] == "read" else "kWrite"
        doc = p["doc"].replace('"', '\\"')
        out.append(f"    {{\"{p['name']}\", PortAccess::{access}, {arg_mask(p['args'])}, {arg_mask(bound)}, "
                   f"\"{doc}\"}},")
    out.append("}};")
    out.append("")
    out.append("enum class ErrorCode : std::uint32_t {")
    for e in regs["error_code"]:
        out.append(f"  k{camel(e['name'])} = {e['value']},  // {e['doc']}")
    out.append("};")
    out.append("")
    out.append("}  // namespace systole::spec")
    return "\n".join(out) + "\n"


def sv_package(spec, src):
    isa, regs = spec["isa"], spec["regmap"]
    bits = isa["isa"]["insn_bits"]
    out = [
        f"// Generated from {src} by hw/spec/gen_spec.py. Do not edit.",
        "package systole_pkg;",
        "",
        f"  localparam int unsigned InsnBits = {bits};",
        f"  localparam int unsigned IsaVersion = {isa['isa']['version']};",
        f"  localparam int unsigned RequantParamRows = {isa['isa']['requant_param_rows']};",
        "",
    ]
    for e in isa["enum"]:
        width = max(1, max(v["value"] for v in e["values"]).bit_length())
        for fmt in isa["format"]:
            for f in isa["header"] + fmt["fields"]:
                if f["type"] == e["name"]:
                    width = f["width"]
        out.append(f"  // {e['doc']}")
        out.append(f"  typedef enum logic [{width - 1}:0] {{")
        vals = [f"    {camel(e['name'])}{camel(v['name'])} = {width}'d{v['value']}" for v in e["values"]]
        out.append(",\n".join(vals))
        out.append(f"  }} {e['name']}_e;")
        out.append("")
    # What each vec operation reads (isa.toml's reads_dst and src_rows), as masks indexed by the op (Yosys 0.23 reads
    # neither `inside` nor enum names inside package functions).
    vec_ops = next(e for e in isa["enum"] if e["name"] == "vec_op")["values"]
    op_bits = next(f["width"] for fmt in isa["format"] for f in fmt["fields"] if f["type"] == "vec_op")
    for name, key, says in (("VecReadsDst", "reads_dst", "read the destination row"),
                            ("VecReadsSrc", "src_rows", "read source rows (src_rows > 0)")):
        mask = sum(1 << v["value"] for v in vec_ops if v[key])
        out.append(f"  // Bit `op` set: vec operation `op` does {says}.")
        out.append(f"  localparam logic [{(1 << op_bits) - 1}:0] {name} = {1 << op_bits}'h{mask:0{(1 << op_bits) // 4}x};")
    out.append("")
    # Packed structs, MSB first, with reserved gaps so each struct is exactly InsnBits wide.
    for fmt in isa["format"]:
        fields = sorted(isa["header"] + fmt["fields"], key=lambda f: f["offset"])
        members = []
        pos = 0
        gap = 0
        for f in fields:
            if f["offset"] > pos:
                members.append((f"reserved{gap}", f["offset"] - pos, "logic"))
                gap += 1
            t = f"{f['type']}_e" if f["type"] not in ("u", "s") else "logic"
            if f["type"] == "s":
                t = "logic signed"
            members.append((f["name"], f["width"], t))
            pos = f["offset"] + f["width"]
        if pos < bits:
            members.append((f"reserved{gap}", bits - pos, "logic"))
        out.append(f"  // {fmt['opcode']}: {' '.join(fmt['doc'].split())}")
        out.append("  typedef struct packed {")
        for name, width, t in reversed(members):
            rng = "" if t.endswith("_e") else f" [{width - 1}:0]"
            out.append(f"    {t}{rng} {name};")
        out.append(f"  }} {fmt['opcode']}_insn_t;")
        out.append("")
    out.append("  // Control register map (AXI4-Lite, ap_ctrl_hs layout).")
    for r in regs["reg"]:
        out.append(f"  localparam logic [{regs['regmap']['addr_bits'] - 1}:0] Reg{camel(r['name'])} = "
                   f"{regs['regmap']['addr_bits']}'h{r['offset']:02X};")
        for b in r.get("bits", []):
            out.append(f"  localparam int unsigned {camel(r['name'])}{camel(b['name'])}Bit = {b['bit']};")
    out.append("")
    k = regs["kernel"]
    ports = ", ".join(f"{p['name']} ({p['access']} only)" for p in k["memory_port"])
    text = (f"Address width of the Vitis RTL kernel's AXI4 masters {ports}; their data width is the arch "
            "config's dram.bytes_per_cycle (in bytes).")
    out += [f"  // {line}" for line in textwrap.wrap(text, 110)]
    out.append(f"  localparam int unsigned KernelMemAddrBits = {k['memory_addr_bits']};")
    out.append("")
    out.append("  typedef enum logic [31:0] {")
    out.append(",\n".join(f"    Error{camel(e['name'])} = 32'd{e['value']}" for e in regs["error_code"]))
    out.append("  } error_code_e;")
    out.append("")
    out.append("endpackage")
    return "\n".join(out) + "\n"


def markdown(spec, src):
    isa, arch, regs = spec["isa"], spec["arch_schema"], spec["regmap"]
    bits = isa["isa"]["insn_bits"]
    out = [
        f"<!-- Generated from {src} by hw/spec/gen_spec.py. Do not edit. -->",
        "# Systole ISA reference",
        "",
        f"Version {isa['isa']['version']}. Every instruction is {bits} bits, stored as {bits // 64} little-endian "
        "64-bit words; bit 0 is the least significant bit of word 0. Offsets below are bit offsets.",
        "",
        "## Common header",
        "",
        "| field | bits | type | meaning |",
        "|---|---|---|---|",
    ]
    for f in isa["header"]:
        out.append(f"| `{f['name']}` | {f['offset']}..{f['offset'] + f['width'] - 1} | {f['type']} | {f['doc']} |")
    out.append("")
    out.append("## Enumerations")
    for e in isa["enum"]:
        out.append("")
        out.append(f"### `{e['name']}`")
        out.append("")
        out.append(e["doc"])
        out.append("")
        if e["name"] == "vec_op":
            out.append("| name | value | reads d | source rows | clamps | meaning |")
            out.append("|---|---|---|---|---|---|")
            for v in e["values"]:
                out.append(f"| `{v['name']}` | {v['value']} | {'yes' if v['reads_dst'] else 'no'} | {v['src_rows']} | "
                           f"{'yes' if v['clamps'] else 'no'} | {v['doc']} |")
            continue
        out.append("| name | value | meaning |")
        out.append("|---|---|---|")
        for v in e["values"]:
            out.append(f"| `{v['name']}` | {v['value']} | {v['doc']} |")
    out.append("")
    out.append("## Instructions")
    for fmt in isa["format"]:
        out.append("")
        out.append(f"### `{fmt['opcode']}`")
        out.append("")
        out.append(" ".join(fmt["doc"].split()))
        out.append("")
        if fmt["fields"]:
            out.append("| field | bits | type | meaning |")
            out.append("|---|---|---|---|")
            for f in fmt["fields"]:
                out.append(f"| `{f['name']}` | {f['offset']}..{f['offset'] + f['width'] - 1} | {f['type']} | "
                           f"{f['doc']} |")
    out.append("")
    out.append("## Arch parameters")
    out.append("")
    out.append("Set in `hw/arch/NAME.toml`. Fingerprinted parameters are hashed into the arch fingerprint a "
               "program carries; changing one needs a recompile.")
    out.append("")
    out.append("| key | type | range | fingerprint | meaning |")
    out.append("|---|---|---|---|---|")
    for p in arch["param"]:
        rng = f"{p['min']}..{p['max']}" if p["type"] == "int" else ", ".join(f"`{v}`" for v in p["values"])
        out.append(f"| `{p['key']}` | {p['type']} | {rng} | {'yes' if p['fingerprint'] else 'no'} | {p['doc']} |")
    out.append("")
    out.append("## Control registers (AXI4-Lite, Vitis `ap_ctrl_hs`)")
    out.append("")
    out.append("| offset | name | width | access | kernel argument | meaning |")
    out.append("|---|---|---|---|---|---|")
    for r in regs["reg"]:
        arg = r.get("arg", "-")
        out.append(f"| 0x{r['offset']:02X} | `{r['name']}` | {r['width']} | {r['access']} | {arg} | {r['doc']} |")
    out.append("")
    k = regs["kernel"]
    out.append("## Kernel memory ports (AXI4 masters of the Vitis RTL kernel)")
    out.append("")
    out.append(f"Addresses are {k['memory_addr_bits']} bits; the data width is the arch config's "
               "`dram.bytes_per_cycle` * 8 bits. `kernel.xml` binds each pointer argument to the port marked "
               "**bound**; the connectivity files link all ports to the same bank, so every port reaches every "
               "buffer (hw/vitis/README.md).")
    out.append("")
    out.append("| port | access | reaches | meaning |")
    out.append("|---|---|---|---|")
    for p in k["memory_port"]:
        reaches = ", ".join(f"`{a}`" + (" (**bound**)" if k["arg_port"][a] == p["name"] else "") for a in p["args"])
        out.append(f"| `{p['name']}` | {p['access']} only | {reaches} | {p['doc']} |")
    out.append("")
    out.append("### Error codes (`status`)")
    out.append("")
    out.append("| value | name | meaning |")
    out.append("|---|---|---|")
    for e in regs["error_code"]:
        out.append(f"| {e['value']} | `{e['name']}` | {e['doc']} |")
    return "\n".join(out) + "\n"


def kernel_xml(spec, data_bits, src):
    """The kernel description for `package_xo -kernel_xml` (schema of UG1393 "RTL Kernel XML File"), for one arch
    config: every memory port is data_bits wide."""
    regs = spec["regmap"]
    k = regs["kernel"]
    vlnv = f"{k['vendor']}:{k['library']}:{k['name']}:{k['version']}"
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f"<!-- Generated from {src} by hw/spec/gen_spec.py. Do not edit. -->",
        '<root versionMajor="1" versionMinor="6">',
        f'  <kernel name={quoteattr(k["name"])} language="ip_c" vlnv={quoteattr(vlnv)} attributes="" '
        'preferredWorkGroupSizeMultiple="0" workGroupSize="1" interrupt="true" hwControlProtocol="ap_ctrl_hs">',
        "    <ports>",
        f'      <port name={quoteattr(k["control_port"])} mode="slave" range="{CONTROL_RANGE:#x}" '
        f'dataWidth="{regs["regmap"]["data_bits"]}" portType="addressable" base="0x0"/>',
    ]
    # Read-only and write-only masters alike are mode="master": kernel.xml has no direction for addressable ports;
    # the direction is in the packaged IP's bus interface (package_xo.tcl).
    for p in k["memory_port"]:
        out.append(f'      <port name={quoteattr(p["name"])} mode="master" '
                   f'range="0x{(1 << k["memory_addr_bits"]) - 1:X}" dataWidth="{data_bits}" portType="addressable" '
                   'base="0x0"/>')
    out += ["    </ports>", "    <args>"]
    for r, i in kernel_args(regs):
        size = r["width"] // 8
        if r["arg"] == "pointer":
            qualifier, port, ctype = 1, k["arg_port"][r["name"]], "void*"
        else:
            qualifier, port, ctype = 0, k["control_port"], "uint" if size == 4 else "ulong"
        out.append(f'      <arg name={quoteattr(r["name"])} addressQualifier="{qualifier}" id="{i}" '
                   f'port={quoteattr(port)} size="{size:#x}" offset="{r["offset"]:#x}" type="{ctype}" '
                   f'hostOffset="0x0" hostSize="{size:#x}"/>')
    out += ["    </args>", "  </kernel>", "</root>"]
    return "\n".join(out) + "\n"


def write_if_changed(path, text):
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("spec_dir", type=pathlib.Path)
    ap.add_argument("--cpp", help="C++ header to write")
    ap.add_argument("--sv", help="SystemVerilog package to write")
    ap.add_argument("--md", help="ISA reference page to write")
    ap.add_argument("--kernel-xml", nargs=2, action="append", default=[], metavar=("ARCH_TOML", "OUT_XML"),
                    help="write the Vitis RTL kernel description for the arch config ARCH_TOML (repeatable)")
    args = ap.parse_args()
    if not (args.cpp or args.sv or args.md or args.kernel_xml):
        ap.error("nothing to write: give --cpp, --sv, --md or --kernel-xml")
    try:
        spec = load(args.spec_dir)
        check_isa(spec["isa"])
        check_regmap(spec["regmap"])
        widths = [(arch_data_bits(arch), arch, out) for arch, out in args.kernel_xml]
    except KeyError as e:
        print(f"gen_spec.py: error: a required key is missing: {e}", file=sys.stderr)
        return 1
    except (SpecError, OSError) as e:
        print(f"gen_spec.py: error: {e}", file=sys.stderr)
        return 1
    src = "hw/spec/{isa,arch_schema,regmap}.toml"
    if args.cpp:
        write_if_changed(args.cpp, cpp_header(spec, src))
    if args.sv:
        write_if_changed(args.sv, sv_package(spec, src))
    if args.md:
        write_if_changed(args.md, markdown(spec, src))
    for bits, arch, out in widths:
        write_if_changed(out, kernel_xml(spec, bits, f"hw/spec/regmap.toml and the arch config "
                                                     f"{pathlib.Path(arch).name}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
