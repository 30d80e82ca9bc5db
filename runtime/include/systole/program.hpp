// The program file: what the compiler (or the assembler) writes and every backend loads.
//
// Binary layout, little-endian (docs/program-file.md):
//   header (64 bytes): magic "SYSTOLE\0", format version, ISA version, arch fingerprint, section count,
//                      CRC-32 of everything after the header, file size
//   section table:     {id, offset, size} per section
//   sections:          meta (arch name, act region size), insns, consts, tensors
// read()/parse() validate every field, every section bound and every DMA range against the regions the program
// declares, and reject a bad file with one UserError naming the file and the problem.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "systole/spec/isa_gen.hpp"
#include "systole/tensor.hpp"

namespace systole {

constexpr std::uint32_t kProgramFormatVersion = 1;

enum class TensorKind : std::uint8_t { kInput = 0, kOutput = 1 };

// A tensor the host binds or reads: it lives in the act region at `offset`, row-major in `shape`.
struct TensorDesc {
  std::string name;
  TensorKind kind = TensorKind::kInput;
  DType dtype = DType::kInt8;
  std::vector<std::int64_t> shape;
  float scale = 1.0f;
  std::int32_t zero_point = 0;
  std::uint64_t offset = 0;

  std::uint64_t bytes() const;
};

struct Program {
  std::string arch_name;          // config the program was compiled for (informational)
  std::uint64_t fingerprint = 0;  // ArchConfig::fingerprint() of that config; devices refuse a mismatch
  std::vector<spec::Insn> insns;
  std::vector<std::uint8_t> constants;  // the const region's contents
  std::uint64_t act_bytes = 0;          // size of the act region the program needs
  std::vector<TensorDesc> tensors;

  static Program read(const std::filesystem::path& file);
  static Program parse(std::span<const std::uint8_t> bytes, const std::string& origin);
  std::vector<std::uint8_t> serialize() const;
  void write(const std::filesystem::path& file) const;

  // Arch-independent checks (encodings, DMA ranges, tensor descriptors); throws UserError prefixed by origin.
  void validate(const std::string& origin) const;

  const TensorDesc* find_tensor(std::string_view name) const;
};

}  // namespace systole
