#include "systole/program_text.hpp"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "sim/isa/file_io.hpp"
#include "sim/isa/insn.hpp"
#include "systole/arch.hpp"
#include "systole/error.hpp"

namespace systole {
namespace {

std::vector<std::string> split_words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

std::int64_t parse_int(const std::string& text, const std::string& where, const char* what) {
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(text.c_str(), &end, 0);
  if (text.empty() || errno == ERANGE || *end != '\0') {
    throw UserError(where + ": " + what + ": " + quote(text) + " is not an integer");
  }
  return v;
}

std::uint64_t parse_u64(const std::string& text, const std::string& where, const char* what) {
  errno = 0;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(text.c_str(), &end, 0);
  if (text.empty() || text[0] == '-' || errno == ERANGE || *end != '\0') {
    throw UserError(where + ": " + what + ": " + quote(text) + " is not an unsigned integer");
  }
  return v;
}

// A finite fp32 value, decimal or hexadecimal floating point (0x1.8p-3), rounded to the nearest float32 as strtof
// does.
float parse_f32(const std::string& text, const std::string& where) {
  char* end = nullptr;
  errno = 0;
  const float v = std::strtof(text.c_str(), &end);
  if (text.empty() || *end != '\0' || errno == ERANGE || !std::isfinite(v)) {
    throw UserError(where + ": " + quote(text) + " is not a finite f32 value");
  }
  return v;
}

DType parse_dtype(const std::string& s, const std::string& where) {
  if (s == "int8") return DType::kInt8;
  if (s == "uint8") return DType::kUint8;
  if (s == "int32") return DType::kInt32;
  if (s == "float32") return DType::kFloat32;
  throw UserError(where + ": dtype " + quote(s) + " is not int8, uint8, int32 or float32");
}

constexpr const char* kKindNames[] = {"input", "output", "internal", "const"};

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string item; std::getline(in, item, ',');) out.push_back(item);
  if (!text.empty() && text.back() == ',') out.push_back("");
  return out;
}

// `.host OP in=a,b out=y [layer=NAME] [ints.KEY=1,2] [floats.KEY=0.5]`
HostStep parse_host(const std::vector<std::string>& words, const std::string& where) {
  if (words.size() < 4) throw UserError(where + ": .host needs OP in=... out=...");
  HostStep h;
  const auto kind = parse_op(words[1]);
  if (!kind) throw UserError(where + ": unknown host op " + quote(words[1]));
  h.op.kind = *kind;
  for (std::size_t i = 2; i < words.size(); ++i) {
    const auto eq = words[i].find('=');
    if (eq == std::string::npos) throw UserError(where + ": expected KEY=VALUE, got " + quote(words[i]));
    const std::string key = words[i].substr(0, eq), value = words[i].substr(eq + 1);
    if (key == "in") {
      h.inputs = split_list(value);
    } else if (key == "out") {
      h.outputs = split_list(value);
    } else if (key == "layer") {
      h.layer = value;
    } else if (key.rfind("ints.", 0) == 0) {
      auto& v = h.op.ints[key.substr(5)];
      for (const auto& item : split_list(value)) v.push_back(parse_int(item, where, key.c_str()));
    } else if (key.rfind("floats.", 0) == 0) {
      auto& v = h.op.floats[key.substr(7)];
      for (const auto& item : split_list(value)) {
        char* end = nullptr;
        v.push_back(std::strtod(item.c_str(), &end));
        if (item.empty() || *end != '\0')
          throw UserError(where + ": " + quote(key) + ": " + quote(item) + " is not a number");
      }
    } else {
      throw UserError(where + ": unknown .host key " + quote(key));
    }
  }
  if (const std::string why = op_attribute_problem(h.op); !why.empty()) throw UserError(where + ": " + why);
  return h;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + items[i];
  return out;
}

std::string key_value(const std::string& word, const char* key, const std::string& where) {
  const std::string prefix = std::string(key) + "=";
  if (word.rfind(prefix, 0) != 0) throw UserError(where + ": expected " + prefix + "..., got " + quote(word));
  return word.substr(prefix.size());
}

bool is_enum_field(const std::string& opcode, const std::string& key) {
  for (const auto& fmt : spec::kFormats) {
    if (isa::opcode_name(fmt.opcode) != opcode) continue;
    for (std::size_t i = 0; i < fmt.field_count; ++i) {
      if (key == fmt.fields[i].name) return fmt.fields[i].kind == spec::FieldKind::kEnum;
    }
  }
  return false;
}

// Replaces SYM, SYM+N and SYM-N values of numeric fields with numbers (enum fields keep their names).
std::string resolve_symbols(const std::vector<std::string>& words, const std::map<std::string, std::int64_t>& syms,
                            const std::string& where) {
  std::string out = words[0];
  for (std::size_t i = 1; i < words.size(); ++i) {
    std::string w = words[i];
    const auto eq = w.find('=');
    if (eq != std::string::npos && eq + 1 < w.size() && !is_enum_field(words[0], w.substr(0, eq))) {
      const std::string value = w.substr(eq + 1);
      const char c = value[0];
      if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        const auto op = value.find_first_of("+-");
        const std::string sym = value.substr(0, op);
        if (const auto it = syms.find(sym); it != syms.end()) {
          std::int64_t v = it->second;
          if (op != std::string::npos) {
            const std::int64_t n = parse_int(value.substr(op + 1), where, "symbol offset");
            v = value[op] == '+' ? v + n : v - n;
          }
          w = w.substr(0, eq + 1) + std::to_string(v);
        } else if (op != std::string::npos) {
          throw UserError(where + ": unknown symbol " + quote(sym));
        }
      }
    }
    out += ' ' + w;
  }
  return out;
}

}  // namespace

Program assemble_program(std::string_view text, const std::string& origin) {
  Program p;
  bool have_arch = false, have_act = false;
  std::map<std::string, std::int64_t> syms;
  std::uint32_t segment_start = 0;  // first instruction not yet in a step
  std::string layer;                // open layer name, "" when none
  std::uint32_t layer_start = 0;
  auto close_layer = [&] {
    const auto here = static_cast<std::uint32_t>(p.insns.size());
    if (!layer.empty() && here > layer_start) p.layers.push_back({layer_start, here, layer});
    layer.clear();
  };
  auto close_segment = [&] {
    const auto here = static_cast<std::uint32_t>(p.insns.size());
    if (here > segment_start) p.steps.push_back({true, segment_start, here, {}});
    segment_start = here;
  };
  std::istringstream in{std::string(text)};
  std::string line;
  for (int line_no = 1; std::getline(in, line); ++line_no) {
    const std::string where = origin + ":" + std::to_string(line_no);
    if (const auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    const auto words = split_words(line);
    if (words.empty()) continue;
    const std::string& d = words[0];
    auto need_args = [&](std::size_t lo, std::size_t hi) {
      if (words.size() - 1 < lo || words.size() - 1 > hi) {
        throw UserError(where + ": " + quote(d) + " takes " +
                        (lo == hi ? std::to_string(lo) : std::to_string(lo) + ".." + std::to_string(hi)) +
                        " argument(s)");
      }
    };
    if (d == ".arch") {
      need_args(1, 2);
      if (have_arch) throw UserError(where + ": .arch given twice");
      have_arch = true;
      if (words.size() == 3) {
        p.arch_name = words[1];
        if (const std::string why = isa::arch_name_problem(p.arch_name); !why.empty()) {
          throw UserError(where + ": .arch name " + quote(p.arch_name) + " " + why);
        }
        p.fingerprint = parse_u64(words[2], where, ".arch fingerprint");
      } else {
        const isa::ArchConfig cfg = isa::load_arch_config(words[1]);  // a name or a config file
        p.arch_name = cfg.name;
        p.fingerprint = cfg.fingerprint();
      }
    } else if (d == ".act_bytes") {
      need_args(1, 1);
      if (have_act) throw UserError(where + ": .act_bytes given twice");
      have_act = true;
      p.act_bytes = parse_u64(words[1], where, ".act_bytes");
    } else if (d == ".tensor") {
      need_args(7, 8);
      TensorDesc t;
      const auto kind = std::find(std::begin(kKindNames), std::end(kKindNames), words[1]);
      if (kind == std::end(kKindNames)) {
        throw UserError(where + ": .tensor kind must be input, output, internal or const");
      }
      t.kind = static_cast<TensorKind>(kind - std::begin(kKindNames));
      if (words.size() == 9) {
        if (words[8] != "layout=nhwc") throw UserError(where + ": the optional last field is layout=nhwc");
        t.layout = Layout::kNhwc;
      }
      t.name = words[2];
      t.dtype = parse_dtype(words[3], where);
      const std::string& shape = words[4];
      if (shape.size() < 2 || shape.front() != '[' || shape.back() != ']') {
        throw UserError(where + ": shape " + quote(shape) + " must look like [2,3] (no spaces)");
      }
      std::istringstream dims(shape.substr(1, shape.size() - 2));
      for (std::string dim; std::getline(dims, dim, ',');) t.shape.push_back(parse_int(dim, where, "dimension"));
      const std::string scale = key_value(words[5], "scale", where);
      char* end = nullptr;
      t.scale = std::strtof(scale.c_str(), &end);
      if (scale.empty() || *end != '\0') throw UserError(where + ": scale " + quote(scale) + " is not a number");
      const std::int64_t zp = parse_int(key_value(words[6], "zero_point", where), where, "zero_point");
      if (zp < INT32_MIN || zp > INT32_MAX) throw UserError(where + ": zero_point out of int32 range");
      t.zero_point = static_cast<std::int32_t>(zp);
      t.offset = parse_u64(key_value(words[7], "offset", where), where, "offset");
      syms[t.name] = static_cast<std::int64_t>(t.offset);
      p.tensors.push_back(std::move(t));
    } else if (d == ".host") {
      close_layer();
      close_segment();
      p.steps.push_back({false, 0, 0, parse_host(words, where)});
    } else if (d == ".layer") {
      need_args(1, 1);
      close_layer();
      if (words[1] != "-") layer = words[1];  // "-" only closes the open layer
      layer_start = static_cast<std::uint32_t>(p.insns.size());
    } else if (d == ".set") {
      need_args(2, 2);
      syms[words[1]] = parse_int(words[2], where, ".set value");
    } else if (d == ".label") {
      need_args(1, 1);
      syms[words[1]] = static_cast<std::int64_t>(p.constants.size());
    } else if (d == ".align") {
      need_args(1, 1);
      const std::uint64_t n = parse_u64(words[1], where, ".align");
      if (n == 0 || n > 4096) throw UserError(where + ": .align must be in [1, 4096]");
      while (p.constants.size() % n) p.constants.push_back(0);
    } else if (d == ".const") {
      if (words.size() < 2) throw UserError(where + ": .const needs a type (i8, u8, i32, f32, hex)");
      const std::string& type = words[1];
      for (std::size_t i = 2; i < words.size(); ++i) {
        if (type == "hex") {
          const std::string& h = words[i];
          if (h.size() % 2) throw UserError(where + ": hex string " + quote(h) + " has an odd number of digits");
          for (std::size_t k = 0; k < h.size(); k += 2) {
            p.constants.push_back(static_cast<std::uint8_t>(parse_u64("0x" + h.substr(k, 2), where, "hex byte")));
          }
          continue;
        }
        if (type == "f32") {  // an fp32 value (requant scales), stored as its IEEE-754 bit pattern
          const std::uint32_t u = std::bit_cast<std::uint32_t>(parse_f32(words[i], where));
          for (int b = 0; b < 4; ++b) p.constants.push_back(static_cast<std::uint8_t>(u >> (8 * b)));
          continue;
        }
        const std::int64_t v = parse_int(words[i], where, ".const value");
        if (type == "i8" || type == "u8") {
          const bool ok = type == "i8" ? (v >= -128 && v <= 127) : (v >= 0 && v <= 255);
          if (!ok) throw UserError(where + ": " + quote(words[i]) + " does not fit in " + type);
          p.constants.push_back(static_cast<std::uint8_t>(v));
        } else if (type == "i32") {
          if (v < INT32_MIN || v > INT32_MAX) throw UserError(where + ": " + quote(words[i]) + " does not fit in i32");
          const auto u = static_cast<std::uint32_t>(v);
          for (int b = 0; b < 4; ++b) p.constants.push_back(static_cast<std::uint8_t>(u >> (8 * b)));
        } else {
          throw UserError(where + ": .const type " + quote(type) + " is not i8, u8, i32, f32 or hex");
        }
      }
    } else if (d[0] == '.' && d != ".insn") {
      throw UserError(where + ": unknown directive " + quote(d));
    } else {
      p.insns.push_back(isa::assemble(resolve_symbols(words, syms, where), where));
    }
  }
  if (!have_arch) throw UserError(origin + ": missing .arch directive");
  close_layer();
  close_segment();
  p.validate(origin);
  return p;
}

Program assemble_program_file(const std::filesystem::path& file) {
  return assemble_program(isa::read_file(file, isa::kMaxTextFileBytes, "assembly file"), file.string());
}

std::string disassemble_program(const Program& p) {
  std::ostringstream out;
  char fp[32];
  std::snprintf(fp, sizeof fp, "0x%016llx", static_cast<unsigned long long>(p.fingerprint));
  out << ".arch " << p.arch_name << ' ' << fp << '\n';
  out << ".act_bytes " << p.act_bytes << '\n';
  for (const auto& t : p.tensors) {
    char scale[32];
    std::snprintf(scale, sizeof scale, "%.9g", static_cast<double>(t.scale));  // 9 digits round-trip a float
    std::string shape = "[";
    for (std::size_t i = 0; i < t.shape.size(); ++i) shape += (i ? "," : "") + std::to_string(t.shape[i]);
    out << ".tensor " << kKindNames[static_cast<int>(t.kind)] << ' ' << t.name << ' ' << dtype_name(t.dtype) << ' '
        << shape << "] scale=" << scale << " zero_point=" << t.zero_point << " offset=" << t.offset
        << (t.layout == Layout::kNhwc ? " layout=nhwc" : "") << '\n';
  }
  for (std::size_t i = 0; i < p.constants.size(); i += 32) {
    out << ".const hex ";
    for (std::size_t k = i; k < std::min(i + 32, p.constants.size()); ++k) {
      char b[3];
      std::snprintf(b, sizeof b, "%02x", p.constants[k]);
      out << b;
    }
    out << "  # " << i << '\n';
  }
  std::size_t layer = 0;
  for (const Step& step : p.steps) {
    if (!step.accel) {
      const HostStep& h = step.host;
      out << ".host " << op_name(h.op.kind) << " in=" << join(h.inputs) << " out=" << join(h.outputs);
      if (!h.layer.empty()) out << " layer=" << h.layer;
      for (const auto& [key, values] : h.op.ints) {
        out << " ints." << key << '=';
        for (std::size_t i = 0; i < values.size(); ++i) out << (i ? "," : "") << values[i];
      }
      for (const auto& [key, values] : h.op.floats) {
        out << " floats." << key << '=';
        for (std::size_t i = 0; i < values.size(); ++i) {
          char v[32];
          std::snprintf(v, sizeof v, "%.17g", values[i]);  // 17 digits round-trip a double
          out << (i ? "," : "") << v;
        }
      }
      out << '\n';
      continue;
    }
    for (std::uint32_t pc = step.insn_begin; pc < step.insn_end; ++pc) {
      while (layer < p.layers.size() && p.layers[layer].begin == pc) out << ".layer " << p.layers[layer++].name << '\n';
      if (layer > 0 && p.layers[layer - 1].end == pc && (layer == p.layers.size() || p.layers[layer].begin != pc)) {
        out << ".layer -\n";  // the previous layer ends here and no new one starts
      }
      out << isa::disassemble(p.insns[pc]) << "  # " << pc << '\n';
    }
  }
  return out.str();
}

}  // namespace systole
