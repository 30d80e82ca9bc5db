// Instruction-level helpers over the generated encoding: field access by spec, unit routing, legality, text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "systole/spec/isa_gen.hpp"

namespace systole::isa {

using spec::Insn;
using spec::Opcode;

// The units behind the dispatcher; the names are the RTL's, the SystemC model's and the counters'.
enum class Unit : std::uint8_t { kLoad, kCompute, kStore, kDispatch };
constexpr int kUnitCount = 3;  // units with instruction queues (dispatch has none)
std::string_view unit_name(Unit u);

// The format of an opcode value, or nullptr for an undefined opcode.
const spec::FormatSpec* format_of(std::uint64_t opcode);
std::string_view opcode_name(Opcode op);
std::string_view enum_value_name(spec::EnumId id, std::uint64_t value);  // "" when undefined

// Which queue the dispatcher routes the instruction to. Loads into acc go to the compute unit, which owns it.
Unit unit_of(const Insn& insn);

// Why the instruction is not a legal encoding (undefined opcode or enum value, reserved bits set, token flags
// towards a unit that does not exist), or nullopt. Arch-independent; range checks live in verify.hpp.
std::optional<std::string> encoding_error(const Insn& insn);

// One line of assembly: `opcode [pop_prev] [pop_next] [push_prev] [push_next] field=value ...` with fields that
// are zero omitted. An illegal encoding disassembles to `.insn 0xWORD0 0xWORD1 ...` so text always round-trips.
std::string disassemble(const Insn& insn);

// Parses one line produced by disassemble() or written by hand (fields in any order, omitted fields are 0,
// numbers decimal or 0x-hex, enum fields by name). `where` prefixes error messages ("file.s:12").
Insn assemble(std::string_view line, const std::string& where);

}  // namespace systole::isa
