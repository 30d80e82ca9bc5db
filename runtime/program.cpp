#include "systole/program.hpp"

#include <zlib.h>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <set>

#include "sim/isa/file_io.hpp"
#include "sim/isa/verify.hpp"
#include "systole/error.hpp"

namespace systole {
namespace {

static_assert(std::endian::native == std::endian::little, "the program file and DMA model assume a little-endian host");

constexpr char kMagic[8] = {'S', 'Y', 'S', 'T', 'O', 'L', 'E', '\0'};
constexpr std::size_t kHeaderBytes = 64;
constexpr std::size_t kSectionEntryBytes = 24;
constexpr std::size_t kMaxRank = 8;
constexpr std::size_t kMaxName = 255;

constexpr std::uint32_t kSectionCount = 6;  // meta, insns, consts, tensors, steps, layers (ids 1..6)
constexpr std::size_t kMaxList = 1u << 20;  // bound on counts inside sections (attributes, step operands)

const char* section_name(std::uint32_t id) {
  switch (id) {
    case 1: return "meta";
    case 2: return "insns";
    case 3: return "consts";
    case 4: return "tensors";
    case 5: return "steps";
    case 6: return "layers";
  }
  return "unknown";
}

class Writer {
 public:
  template <typename T>
  void put(T v) {
    bytes(&v, sizeof(T));
  }
  void bytes(const void* p, std::size_t n) {
    const std::size_t at = out_.size();
    out_.resize(at + n);
    if (n) std::memcpy(out_.data() + at, p, n);
  }
  void reserve(std::size_t n) { out_.reserve(n); }
  // A string is stored with a u16 length; a longer one would be cut short and the file would not read back.
  void str(const std::string& s) {
    if (s.size() > UINT16_MAX) {
      throw UserError("program: a name of " + std::to_string(s.size()) +
                      " bytes exceeds the 65535 a program file stores");
    }
    put<std::uint16_t>(static_cast<std::uint16_t>(s.size()));
    bytes(s.data(), s.size());
  }
  std::vector<std::uint8_t>& data() { return out_; }

 private:
  std::vector<std::uint8_t> out_;
};

// Bounds-checked reader over one section; every failure names the file, the section and the byte.
class Reader {
 public:
  Reader(std::span<const std::uint8_t> data, std::string where) : data_(data), where_(std::move(where)) {}
  template <typename T>
  T get(const char* what) {
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, data_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  std::span<const std::uint8_t> take(std::size_t n, const char* what) {
    need(n, what);
    auto s = data_.subspan(pos_, n);
    pos_ += n;
    return s;
  }
  std::string str(const char* what) {
    const auto n = get<std::uint16_t>(what);
    if (n > kMaxName) fail(std::string(what) + " is " + std::to_string(n) + " bytes long (at most 255)");
    const auto s = take(n, what);
    return {s.begin(), s.end()};
  }
  bool done() const { return pos_ == data_.size(); }
  std::size_t pos() const { return pos_; }
  [[noreturn]] void fail(const std::string& why) const {
    throw UserError(where_ + " at byte " + std::to_string(pos_) + ": " + why);
  }

 private:
  void need(std::size_t n, const char* what) const {
    if (data_.size() - pos_ < n) fail(std::string("truncated while reading ") + what);
  }
  std::span<const std::uint8_t> data_;
  std::string where_;
  std::size_t pos_ = 0;
};

// CRC-32 of the whole file with the CRC field (bytes 28..31) read as zero, so a flipped bit anywhere is caught.
std::uint32_t file_crc(std::span<const std::uint8_t> bytes) {
  constexpr std::size_t kCrcAt = 28;
  const std::uint8_t zeros[4] = {};
  uLong crc = crc32(0L, bytes.data(), static_cast<uInt>(kCrcAt));
  crc = crc32(crc, zeros, 4);
  crc = crc32(crc, bytes.data() + kCrcAt + 4, static_cast<uInt>(bytes.size() - kCrcAt - 4));
  return static_cast<std::uint32_t>(crc);
}

}  // namespace

std::uint64_t TensorDesc::bytes() const {
  std::uint64_t n = dtype_size(dtype);
  for (auto d : shape) {
    if (d <= 0 || __builtin_mul_overflow(n, static_cast<std::uint64_t>(d), &n)) return UINT64_MAX;
  }
  return n;
}

const TensorDesc* Program::find_tensor(std::string_view name) const {
  for (const auto& t : tensors) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::vector<std::uint8_t> Program::serialize() const {
  Writer meta;
  meta.str(arch_name);
  meta.put<std::uint64_t>(act_bytes);
  Writer ins;
  ins.reserve(insns.size() * sizeof(spec::Insn));
  for (const auto& insn : insns) {
    for (const auto w : insn) ins.put<std::uint64_t>(w);
  }
  Writer ten;
  ten.put<std::uint32_t>(static_cast<std::uint32_t>(tensors.size()));
  for (const auto& t : tensors) {
    ten.str(t.name);
    ten.put<std::uint8_t>(static_cast<std::uint8_t>(t.kind));
    ten.put<std::uint8_t>(static_cast<std::uint8_t>(t.dtype));
    ten.put<std::uint8_t>(static_cast<std::uint8_t>(t.shape.size()));
    ten.put<std::uint8_t>(static_cast<std::uint8_t>(t.layout));
    ten.put<float>(t.scale);
    ten.put<std::int32_t>(t.zero_point);
    ten.put<std::uint64_t>(t.offset);
    for (auto d : t.shape) ten.put<std::int64_t>(d);
  }

  Writer st;
  st.put<std::uint32_t>(static_cast<std::uint32_t>(steps.size()));
  for (const auto& step : steps) {
    st.put<std::uint8_t>(step.accel ? 0 : 1);
    if (step.accel) {
      st.put<std::uint32_t>(step.insn_begin);
      st.put<std::uint32_t>(step.insn_end);
      continue;
    }
    const HostStep& h = step.host;
    st.str(std::string(op_name(h.op.kind)));
    st.str(h.layer);
    st.put<std::uint32_t>(static_cast<std::uint32_t>(h.op.ints.size()));
    for (const auto& [key, values] : h.op.ints) {
      st.str(key);
      st.put<std::uint32_t>(static_cast<std::uint32_t>(values.size()));
      for (auto v : values) st.put<std::int64_t>(v);
    }
    st.put<std::uint32_t>(static_cast<std::uint32_t>(h.op.floats.size()));
    for (const auto& [key, values] : h.op.floats) {
      st.str(key);
      st.put<std::uint32_t>(static_cast<std::uint32_t>(values.size()));
      for (auto v : values) st.put<double>(v);
    }
    for (const auto* names : {&h.inputs, &h.outputs}) {
      st.put<std::uint32_t>(static_cast<std::uint32_t>(names->size()));
      for (const auto& n : *names) st.str(n);
    }
  }
  Writer lay;
  lay.put<std::uint32_t>(static_cast<std::uint32_t>(layers.size()));
  for (const auto& l : layers) {
    lay.put<std::uint32_t>(l.begin);
    lay.put<std::uint32_t>(l.end);
    lay.str(l.name);
  }

  const std::vector<std::uint8_t>* parts[kSectionCount] = {&meta.data(), &ins.data(), &constants,
                                                           &ten.data(),  &st.data(),  &lay.data()};
  Writer out;
  std::size_t total = kHeaderBytes + kSectionCount * kSectionEntryBytes;
  for (const auto* part : parts) total += part->size();
  out.reserve(total);
  out.bytes(kMagic, 8);
  out.put<std::uint32_t>(kProgramFormatVersion);
  out.put<std::uint32_t>(spec::kIsaVersion);
  out.put<std::uint64_t>(fingerprint);
  out.put<std::uint32_t>(kSectionCount);
  out.put<std::uint32_t>(0);  // CRC, patched below
  out.put<std::uint64_t>(0);  // file size, patched below
  out.data().resize(kHeaderBytes, 0);
  std::uint64_t offset = kHeaderBytes + kSectionCount * kSectionEntryBytes;
  for (std::uint32_t i = 0; i < kSectionCount; ++i) {
    out.put<std::uint32_t>(i + 1);
    out.put<std::uint32_t>(0);
    out.put<std::uint64_t>(offset);
    out.put<std::uint64_t>(parts[i]->size());
    offset += parts[i]->size();
  }
  for (const auto* p : parts) out.bytes(p->data(), p->size());
  auto& bytes = out.data();
  const std::uint64_t size = bytes.size();
  std::memcpy(bytes.data() + 32, &size, 8);
  const std::uint32_t crc = file_crc(bytes);
  std::memcpy(bytes.data() + 28, &crc, 4);
  // The writer applies every check of the reader: no file is written that Program::read would refuse.
  try {
    parse(bytes, "program");
  } catch (const UserError& e) {
    throw UserError(std::string(e.what()) + " (refused while writing: the file would not read back)");
  }
  return bytes;
}

void Program::write(const std::filesystem::path& file) const {
  const auto bytes = serialize();
  isa::write_file_atomic(file, {reinterpret_cast<const char*>(bytes.data()), bytes.size()}, "program file");
}

Program Program::read(const std::filesystem::path& file) {
  const std::string text = isa::read_file(file, isa::kMaxDataFileBytes, "program file");
  const std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
  return parse(bytes, "program file " + file.string());
}

Program Program::parse(std::span<const std::uint8_t> bytes, const std::string& origin) {
  Reader hdr(bytes, origin + ": header");
  const auto magic = hdr.take(8, "magic");
  if (!std::equal(magic.begin(), magic.end(), kMagic)) hdr.fail("not a Systole program (bad magic)");
  const auto version = hdr.get<std::uint32_t>("format version");
  if (version != kProgramFormatVersion) {
    hdr.fail("format version " + std::to_string(version) + " is not supported (this build reads version " +
             std::to_string(kProgramFormatVersion) + "); recompile the program");
  }
  const auto isa_version = hdr.get<std::uint32_t>("ISA version");
  if (isa_version != spec::kIsaVersion) {
    hdr.fail("ISA version " + std::to_string(isa_version) + " does not match this build's " +
             std::to_string(spec::kIsaVersion) + "; recompile the program");
  }
  Program p;
  p.fingerprint = hdr.get<std::uint64_t>("fingerprint");
  const auto nsec = hdr.get<std::uint32_t>("section count");
  const auto crc = hdr.get<std::uint32_t>("CRC");
  const auto size = hdr.get<std::uint64_t>("file size");
  if (bytes.size() < kHeaderBytes) hdr.fail("truncated header");
  const auto reserved = hdr.take(kHeaderBytes - 40, "reserved bytes");
  if (std::any_of(reserved.begin(), reserved.end(), [](std::uint8_t b) { return b != 0; })) {
    hdr.fail("reserved bytes 40..63 are not zero (a newer or damaged file)");
  }
  if (size != bytes.size()) {
    hdr.fail("file is " + std::to_string(bytes.size()) + " bytes but its header says " + std::to_string(size) +
             " (truncated or padded)");
  }
  if (crc != file_crc(bytes)) hdr.fail("CRC mismatch: the file is corrupted");
  if (nsec != kSectionCount)
    hdr.fail("has " + std::to_string(nsec) + " sections, expected " + std::to_string(kSectionCount));

  Reader table(bytes.subspan(kHeaderBytes), origin + ": section table");
  std::span<const std::uint8_t> sections[kSectionCount];
  std::uint64_t expected = kHeaderBytes + kSectionCount * kSectionEntryBytes;
  for (std::uint32_t i = 0; i < kSectionCount; ++i) {
    const auto id = table.get<std::uint32_t>("section id");
    if (table.get<std::uint32_t>("reserved") != 0) {
      table.fail("section " + std::to_string(i) + ": the reserved word is not zero (a newer or damaged file)");
    }
    const auto off = table.get<std::uint64_t>("section offset");
    const auto len = table.get<std::uint64_t>("section size");
    if (id != i + 1)
      table.fail("section " + std::to_string(i) + " has id " + std::to_string(id) + ", expected " +
                 std::to_string(i + 1) + " (" + section_name(i + 1) + ")");
    if (off != expected || len > bytes.size() || off > bytes.size() - len) {
      table.fail(std::string("section ") + section_name(id) + " spans bytes [" + std::to_string(off) + ", +" +
                 std::to_string(len) + "), outside the file or out of order");
    }
    sections[i] = bytes.subspan(off, len);
    expected = off + len;
  }
  if (expected != bytes.size()) table.fail("trailing bytes after the last section");

  Reader meta(sections[0], origin + ": section meta");
  p.arch_name = meta.str("arch name");
  if (const std::string why = isa::arch_name_problem(p.arch_name); !why.empty()) {
    meta.fail("arch name '" + p.arch_name.substr(0, 64) + "' " + why);
  }
  p.act_bytes = meta.get<std::uint64_t>("act region size");
  if (!meta.done()) meta.fail("trailing bytes");

  const auto insn_bytes = sections[1];
  constexpr std::size_t kInsnBytes = spec::kInsnWords * 8;
  if (insn_bytes.size() % kInsnBytes != 0) {
    throw UserError(origin + ": section insns: " + std::to_string(insn_bytes.size()) +
                    " bytes is not a whole number of " + std::to_string(kInsnBytes) + "-byte instructions");
  }
  p.insns.resize(insn_bytes.size() / kInsnBytes);
  if (!insn_bytes.empty()) std::memcpy(p.insns.data(), insn_bytes.data(), insn_bytes.size());
  p.constants.assign(sections[2].begin(), sections[2].end());

  Reader ten(sections[3], origin + ": section tensors");
  const auto count = ten.get<std::uint32_t>("tensor count");
  if (count > sections[3].size() / 20) ten.fail("tensor count " + std::to_string(count) + " exceeds the section");
  for (std::uint32_t i = 0; i < count; ++i) {
    TensorDesc t;
    t.name = ten.str("tensor name");
    const auto kind = ten.get<std::uint8_t>("tensor kind");
    const auto dtype = ten.get<std::uint8_t>("tensor dtype");
    const auto rank = ten.get<std::uint8_t>("tensor rank");
    const auto layout = ten.get<std::uint8_t>("tensor layout");
    if (kind > 3) ten.fail("tensor " + quote(t.name) + ": kind " + std::to_string(kind) + " is undefined");
    if (dtype > 3) ten.fail("tensor " + quote(t.name) + ": dtype " + std::to_string(dtype) + " is undefined");
    if (layout > 1) ten.fail("tensor " + quote(t.name) + ": layout " + std::to_string(layout) + " is undefined");
    t.layout = static_cast<Layout>(layout);
    if (rank > kMaxRank) ten.fail("tensor " + quote(t.name) + ": rank " + std::to_string(rank) + " exceeds 8");
    t.kind = static_cast<TensorKind>(kind);
    t.dtype = static_cast<DType>(dtype);
    t.scale = ten.get<float>("tensor scale");
    t.zero_point = ten.get<std::int32_t>("tensor zero point");
    t.offset = ten.get<std::uint64_t>("tensor offset");
    for (std::uint8_t d = 0; d < rank; ++d) t.shape.push_back(ten.get<std::int64_t>("tensor dimension"));
    p.tensors.push_back(std::move(t));
  }
  if (!ten.done()) ten.fail("trailing bytes");

  Reader st(sections[4], origin + ": section steps");
  const auto nsteps = st.get<std::uint32_t>("step count");
  if (nsteps > sections[4].size()) st.fail("step count " + std::to_string(nsteps) + " exceeds the section");
  auto list_size = [&](Reader& r, const char* what) {
    const auto n = r.get<std::uint32_t>(what);
    if (n > kMaxList) r.fail(std::string(what) + " " + std::to_string(n) + " is implausibly large");
    return n;
  };
  for (std::uint32_t i = 0; i < nsteps; ++i) {
    Step step;
    const auto kind = st.get<std::uint8_t>("step kind");
    if (kind > 1)
      st.fail("step " + std::to_string(i) + ": kind " + std::to_string(kind) + " is neither accel nor host");
    step.accel = kind == 0;
    if (step.accel) {
      step.insn_begin = st.get<std::uint32_t>("segment begin");
      step.insn_end = st.get<std::uint32_t>("segment end");
    } else {
      const std::string op = st.str("host op");
      const auto parsed = parse_op(op);
      if (!parsed) st.fail("step " + std::to_string(i) + ": unknown host op " + quote(op));
      step.host.op.kind = *parsed;
      step.host.layer = st.str("layer name");
      for (auto n = list_size(st, "int attribute count"); n > 0; --n) {
        auto& values = step.host.op.ints[st.str("attribute name")];
        for (auto k = list_size(st, "attribute length"); k > 0; --k)
          values.push_back(st.get<std::int64_t>("attribute value"));
      }
      for (auto n = list_size(st, "float attribute count"); n > 0; --n) {
        auto& values = step.host.op.floats[st.str("attribute name")];
        for (auto k = list_size(st, "attribute length"); k > 0; --k)
          values.push_back(st.get<double>("attribute value"));
      }
      if (const std::string why = op_attribute_problem(step.host.op); !why.empty()) {
        st.fail("step " + std::to_string(i) + ": " + why);
      }
      for (auto* names : {&step.host.inputs, &step.host.outputs}) {
        for (auto n = list_size(st, "operand count"); n > 0; --n) names->push_back(st.str("operand name"));
      }
    }
    p.steps.push_back(std::move(step));
  }
  if (!st.done()) st.fail("trailing bytes");

  Reader lay(sections[5], origin + ": section layers");
  for (auto n = list_size(lay, "layer count"); n > 0; --n) {
    LayerSpan l;
    l.begin = lay.get<std::uint32_t>("layer begin");
    l.end = lay.get<std::uint32_t>("layer end");
    l.name = lay.str("layer name");
    p.layers.push_back(std::move(l));
  }
  if (!lay.done()) lay.fail("trailing bytes");
  p.validate(origin);
  return p;
}

void Program::validate(const std::string& origin) const {
  std::set<std::string> names;
  std::vector<std::pair<std::pair<std::uint64_t, std::uint64_t>, TensorKind>> spans;
  for (const auto& t : tensors) {
    const std::string where = origin + ": tensor " + quote(t.name) + ": ";
    if (t.name.empty() || t.name.size() > kMaxName)
      throw UserError(origin + ": tensor with an empty or over-long name");
    for (const char c : t.name) {
      if (c < 0x21 || c > 0x7E) throw UserError(where + "name has a space or non-printable character");
    }
    if (!names.insert(t.name).second) throw UserError(where + "name used twice");
    const std::uint64_t bytes = t.bytes();
    const bool in_const = t.kind == TensorKind::kConst;
    const std::uint64_t region = in_const ? constants.size() : act_bytes;
    if (bytes == UINT64_MAX)
      throw UserError(where + "shape " + shape_text(t.shape) + " has a non-positive or huge dimension");
    if (t.offset > region || bytes > region - t.offset) {
      throw UserError(where + "bytes [" + std::to_string(t.offset) + ", +" + std::to_string(bytes) +
                      ") lie outside the " + std::to_string(region) + "-byte " + (in_const ? "const" : "act") +
                      " region");
    }
    if (t.layout == Layout::kNhwc && t.shape.size() != 4) throw UserError(where + "NHWC layout needs a 4-D shape");
    if (!std::isfinite(t.scale) || !(t.scale > 0.0f)) throw UserError(where + "scale must be finite and positive");
    if (t.zero_point < dtype_min(t.dtype) || t.zero_point > dtype_max(t.dtype)) {
      throw UserError(where + "zero point " + std::to_string(t.zero_point) + " is outside the range of " +
                      std::string(dtype_name(t.dtype)));
    }
    if (t.kind == TensorKind::kInput || t.kind == TensorKind::kOutput) {
      spans.push_back({{t.offset, t.offset + bytes}, t.kind});
    }
  }
  // Inputs are written by the host before a run and outputs read after it, so neither may share bytes with
  // another of its kind; internal tensors may reuse bytes (the compiler plans lifetimes).
  std::sort(spans.begin(), spans.end());
  for (std::size_t i = 1; i < spans.size(); ++i) {
    if (spans[i].first.first < spans[i - 1].first.second && spans[i].second == spans[i - 1].second) {
      throw UserError(origin + ": two " + (spans[i].second == TensorKind::kInput ? "inputs" : "outputs") +
                      " overlap at act bytes [" + std::to_string(spans[i].first.first) + ", " +
                      std::to_string(std::min(spans[i].first.second, spans[i - 1].first.second)) + ")");
    }
  }
  // A bound on what a host simulates: a lying header must not turn into a huge allocation.
  constexpr std::uint64_t kMaxActBytes = std::uint64_t{1} << 36;
  if (act_bytes > kMaxActBytes) {
    throw UserError(origin + ": act region of " + std::to_string(act_bytes) + " bytes exceeds the 64 GiB limit");
  }
  const isa::RegionSizes regions{constants.size(), act_bytes};
  try {
    if (steps.empty() && insns.empty()) throw UserError("no steps and no instructions: the program does nothing");
    for (std::size_t pc = 0; pc < insns.size(); ++pc)
      isa::check_dram_bounds(insns[pc], static_cast<std::uint32_t>(pc), regions);
  } catch (const UserError& e) {
    throw UserError(origin + ": " + e.what());
  }
  validate_steps(origin);
}

void Program::validate_steps(const std::string& origin) const {
  std::uint32_t next = 0;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const Step& s = steps[i];
    const std::string where = origin + ": step " + std::to_string(i) + ": ";
    if (s.accel) {
      if (s.insn_begin != next || s.insn_end <= s.insn_begin || s.insn_end > insns.size()) {
        throw UserError(where + "segment [" + std::to_string(s.insn_begin) + ", " + std::to_string(s.insn_end) +
                        ") does not continue the previous one at instruction " + std::to_string(next));
      }
      next = s.insn_end;
      continue;
    }
    for (const auto* names : {&s.host.inputs, &s.host.outputs}) {
      for (const auto& n : *names) {
        if (n.empty() && names == &s.host.inputs) continue;
        const TensorDesc* t = find_tensor(n);
        if (!t)
          throw UserError(where + "host " + std::string(op_name(s.host.op.kind)) + " names unknown tensor " + quote(n));
        if (names == &s.host.outputs && (t->kind == TensorKind::kInput || t->kind == TensorKind::kConst)) {
          throw UserError(where + "host " + std::string(op_name(s.host.op.kind)) + " writes input or const tensor '" +
                          n + "'");
        }
      }
    }
    if (s.host.outputs.size() != 1) throw UserError(where + "a host op has exactly one output");
    // Every string the writer stores fits its u16 length and the reader's limit.
    if (s.host.layer.size() > kMaxName) {
      throw UserError(where + "layer name " + quote(s.host.layer) + " is longer than " + std::to_string(kMaxName) +
                      " bytes");
    }
  }
  if (next != insns.size()) {
    throw UserError(origin + ": instructions [" + std::to_string(next) + ", " + std::to_string(insns.size()) +
                    ") belong to no step");
  }
  std::uint32_t prev = 0;
  for (const auto& l : layers) {
    if (l.name.size() > kMaxName) {
      throw UserError(origin + ": layer " + quote(l.name) + " has a name longer than " + std::to_string(kMaxName) +
                      " bytes");
    }
    if (l.begin < prev || l.end <= l.begin || l.end > insns.size() || l.name.empty()) {
      throw UserError(origin + ": layer " + quote(l.name) + " spans [" + std::to_string(l.begin) + ", " +
                      std::to_string(l.end) + "), which overlaps another layer or leaves the program");
    }
    prev = l.end;
  }
}

}  // namespace systole
