#include "sim/isa/insn.hpp"

#include <cerrno>
#include <cstdlib>
#include <sstream>
#include <vector>

#include "systole/error.hpp"

namespace systole::isa {
namespace {

struct EnumTable {
  const spec::EnumValue* values;
  std::size_t count;
};

EnumTable enum_table(spec::EnumId id) {
  switch (id) {
    case spec::EnumId::kOpcode: return {spec::kOpcodeValues.data(), spec::kOpcodeValues.size()};
    case spec::EnumId::kMem: return {spec::kMemValues.data(), spec::kMemValues.size()};
    case spec::EnumId::kRegion: return {spec::kRegionValues.data(), spec::kRegionValues.size()};
    case spec::EnumId::kDtype: return {spec::kDtypeValues.data(), spec::kDtypeValues.size()};
    case spec::EnumId::kVecOp: return {spec::kVecOpValues.data(), spec::kVecOpValues.size()};
  }
  throw InternalError("enum_table: unknown enum id");
}

// Bits of the instruction that no field of its format covers; they must be zero.
Insn used_bits(const spec::FormatSpec& fmt) {
  Insn mask{};
  for (const auto& f : spec::kHeaderFields) spec::set_bits(mask, f.offset, f.width, ~std::uint64_t{0});
  for (std::size_t i = 0; i < fmt.field_count; ++i) {
    spec::set_bits(mask, fmt.fields[i].offset, fmt.fields[i].width, ~std::uint64_t{0});
  }
  return mask;
}

std::string field_text(const spec::FieldSpec& f, std::uint64_t raw) {
  switch (f.kind) {
    case spec::FieldKind::kSigned: return std::to_string(spec::sign_extend(raw, f.width));
    case spec::FieldKind::kEnum: return std::string(enum_value_name(f.enum_id, raw));
    case spec::FieldKind::kUnsigned: break;
  }
  if (raw >= 4096) {
    std::ostringstream s;
    s << "0x" << std::hex << raw;
    return s.str();
  }
  return std::to_string(raw);
}

std::uint64_t parse_field(const spec::FieldSpec& f, const std::string& text, const std::string& where) {
  const std::string what = where + ": field " + quote(f.name);
  if (f.kind == spec::FieldKind::kEnum) {
    const auto table = enum_table(f.enum_id);
    for (std::size_t i = 0; i < table.count; ++i) {
      if (text == table.values[i].name) return table.values[i].value;
    }
    std::string names;
    for (std::size_t i = 0; i < table.count; ++i) names += std::string(i ? ", " : "") + table.values[i].name;
    throw UserError(what + ": " + quote(text) + " is not one of: " + names);
  }
  errno = 0;
  char* end = nullptr;
  const bool negative = !text.empty() && text[0] == '-';
  std::uint64_t raw = 0;
  if (negative) {
    const long long v = std::strtoll(text.c_str(), &end, 0);
    raw = static_cast<std::uint64_t>(v);
  } else {
    raw = std::strtoull(text.c_str(), &end, 0);
  }
  if (text.empty() || errno == ERANGE || end != text.c_str() + text.size()) {
    throw UserError(what + ": " + quote(text) + " is not a number");
  }
  if (f.kind == spec::FieldKind::kSigned) {
    const auto v = static_cast<std::int64_t>(raw);
    const std::int64_t lo = f.width == 64 ? INT64_MIN : -(std::int64_t{1} << (f.width - 1));
    const std::int64_t hi = f.width == 64 ? INT64_MAX : (std::int64_t{1} << (f.width - 1)) - 1;
    if (v < lo || v > hi) {
      throw UserError(what + ": " + quote(text) + " does not fit in " + std::to_string(f.width) + " signed bits [" +
                      std::to_string(lo) + ", " + std::to_string(hi) + "]");
    }
    return raw & spec::field_mask(f.width);
  }
  if (negative || (f.width < 64 && raw > spec::field_mask(f.width))) {
    throw UserError(what + ": " + quote(text) + " does not fit in " + std::to_string(f.width) + " unsigned bits");
  }
  return raw;
}

}  // namespace

std::string_view unit_name(Unit u) {
  switch (u) {
    case Unit::kLoad: return "load";
    case Unit::kCompute: return "compute";
    case Unit::kStore: return "store";
    case Unit::kDispatch: return "dispatch";
  }
  return "?";
}

const spec::FormatSpec* format_of(std::uint64_t opcode) {
  for (const auto& f : spec::kFormats) {
    if (static_cast<std::uint64_t>(f.opcode) == opcode) return &f;
  }
  return nullptr;
}

std::string_view opcode_name(Opcode op) {
  return enum_value_name(spec::EnumId::kOpcode, static_cast<unsigned>(op));
}

std::string_view enum_value_name(spec::EnumId id, std::uint64_t value) {
  const auto table = enum_table(id);
  for (std::size_t i = 0; i < table.count; ++i) {
    if (table.values[i].value == value) return table.values[i].name;
  }
  return {};
}

Unit unit_of(const Insn& insn) {
  switch (spec::decode_header(insn).opcode) {
    case Opcode::kLoad: return spec::decode_load(insn).mem == spec::Mem::kAcc ? Unit::kCompute : Unit::kLoad;
    case Opcode::kStore: return Unit::kStore;
    case Opcode::kGemm:
    case Opcode::kVec: return Unit::kCompute;
    case Opcode::kSync:
    case Opcode::kFinish: return Unit::kDispatch;
  }
  throw InternalError("unit_of: undefined opcode; call encoding_error() first");
}

std::optional<std::string> encoding_error(const Insn& insn) {
  const std::uint64_t op = spec::get_bits(insn, 0, 4);
  const spec::FormatSpec* fmt = format_of(op);
  if (!fmt) return "undefined opcode " + std::to_string(op);
  const Insn used = used_bits(*fmt);
  for (int w = 0; w < spec::kInsnWords; ++w) {
    if (insn[static_cast<std::size_t>(w)] & ~used[static_cast<std::size_t>(w)]) {
      return std::string(opcode_name(fmt->opcode)) + ": reserved bits set in word " + std::to_string(w);
    }
  }
  for (std::size_t i = 0; i < fmt->field_count; ++i) {
    const auto& f = fmt->fields[i];
    if (f.kind == spec::FieldKind::kEnum &&
        enum_value_name(f.enum_id, spec::get_bits(insn, f.offset, f.width)).empty()) {
      return std::string(opcode_name(fmt->opcode)) + ": field " + quote(f.name) + " has undefined value " +
             std::to_string(spec::get_bits(insn, f.offset, f.width));
    }
  }
  const spec::Header h = spec::decode_header(insn);
  const Unit u = unit_of(insn);
  const std::string name(opcode_name(fmt->opcode));
  if (u == Unit::kDispatch && (h.pop_prev || h.pop_next || h.push_prev || h.push_next)) {
    return name + ": token flags must be 0 (the dispatcher has no token queues)";
  }
  if (u == Unit::kLoad && (h.pop_prev || h.push_prev)) {
    return name + " (load unit): pop_prev/push_prev set, but the load unit has no previous unit";
  }
  if (u == Unit::kStore && (h.pop_next || h.push_next)) {
    return name + " (store unit): pop_next/push_next set, but the store unit has no next unit";
  }
  return std::nullopt;
}

std::string disassemble(const Insn& insn) {
  std::ostringstream out;
  if (encoding_error(insn)) {
    out << ".insn";
    for (const auto w : insn) out << " 0x" << std::hex << w;
    return out.str();
  }
  const spec::FormatSpec* fmt = format_of(spec::get_bits(insn, 0, 4));
  out << opcode_name(fmt->opcode);
  for (std::size_t i = 1; i < spec::kHeaderFields.size(); ++i) {
    if (spec::get_bits(insn, spec::kHeaderFields[i].offset, 1)) out << ' ' << spec::kHeaderFields[i].name;
  }
  for (std::size_t i = 0; i < fmt->field_count; ++i) {
    const auto& f = fmt->fields[i];
    const std::uint64_t raw = spec::get_bits(insn, f.offset, f.width);
    if (raw != 0) out << ' ' << f.name << '=' << field_text(f, raw);
  }
  return out.str();
}

Insn assemble(std::string_view line, const std::string& where) {
  std::istringstream in{std::string(line)};
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  if (words.empty()) throw UserError(where + ": empty instruction");
  Insn insn{};
  if (words[0] == ".insn") {
    if (words.size() != spec::kInsnWords + 1) {
      throw UserError(where + ": .insn needs " + std::to_string(spec::kInsnWords) + " 64-bit words");
    }
    for (std::size_t i = 0; i < spec::kInsnWords; ++i) {
      errno = 0;
      char* end = nullptr;
      insn[i] = std::strtoull(words[i + 1].c_str(), &end, 0);
      if (errno == ERANGE || *end != '\0')
        throw UserError(where + ": " + quote(words[i + 1]) + " is not a 64-bit word");
    }
    return insn;
  }
  const spec::FormatSpec* fmt = nullptr;
  for (const auto& f : spec::kFormats) {
    if (words[0] == opcode_name(f.opcode)) fmt = &f;
  }
  if (!fmt) throw UserError(where + ": unknown instruction " + quote(words[0]));
  spec::set_bits(insn, 0, 4, static_cast<std::uint64_t>(fmt->opcode));
  std::vector<bool> seen(fmt->field_count + spec::kHeaderFields.size());
  for (std::size_t w = 1; w < words.size(); ++w) {
    const std::string& word = words[w];
    const auto eq = word.find('=');
    const std::string key = word.substr(0, eq);
    bool matched = false;
    for (std::size_t i = 1; i < spec::kHeaderFields.size() && !matched; ++i) {
      if (key != spec::kHeaderFields[i].name) continue;
      if (eq != std::string::npos) throw UserError(where + ": token flag " + quote(key) + " takes no value");
      if (seen[fmt->field_count + i]) throw UserError(where + ": " + quote(key) + " given twice");
      seen[fmt->field_count + i] = true;
      spec::set_bits(insn, spec::kHeaderFields[i].offset, 1, 1);
      matched = true;
    }
    for (std::size_t i = 0; i < fmt->field_count && !matched; ++i) {
      const auto& f = fmt->fields[i];
      if (key != f.name) continue;
      if (eq == std::string::npos)
        throw UserError(where + ": field " + quote(key) + " needs a value (" + quote(key + "=...") + ")");
      if (seen[i]) throw UserError(where + ": field " + quote(key) + " given twice");
      seen[i] = true;
      spec::set_bits(insn, f.offset, f.width, parse_field(f, word.substr(eq + 1), where));
      matched = true;
    }
    if (!matched) {
      std::string names;
      for (std::size_t i = 0; i < fmt->field_count; ++i) names += std::string(i ? ", " : "") + fmt->fields[i].name;
      throw UserError(where + ": " + quote(key) + " is not a field of " + words[0] +
                      (names.empty() ? " (it has none)" : " (fields: " + names + ")"));
    }
  }
  if (const auto err = encoding_error(insn)) throw UserError(where + ": " + *err);
  return insn;
}

}  // namespace systole::isa
