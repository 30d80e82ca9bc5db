// The program file: what the compiler (or the assembler) writes and every backend loads.
//
// Binary layout, little-endian (docs/program-file.md):
//   header (64 bytes): magic "SYSTOLE\0", format version, ISA version, arch fingerprint, section count,
//                      CRC-32 of everything after the header, file size
//   section table:     {id, offset, size} per section
//   sections:          meta (arch name, act region size), insns, consts, tensors, steps, layers
// read()/parse() validate every field, every section bound and every DMA range against the regions the program
// declares, and reject a bad file with one UserError naming the file and the problem.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "systole/op.hpp"
#include "systole/spec/isa_gen.hpp"
#include "systole/tensor.hpp"

namespace systole {

constexpr std::uint32_t kProgramFormatVersion = 1;

// Inputs are bound and outputs read by the host; internal tensors pass between steps; const tensors live in the
// const region (weights of host operators).
enum class TensorKind : std::uint8_t { kInput = 0, kOutput = 1, kInternal = 2, kConst = 3 };

// How a tensor's bytes are ordered: row-major in `shape`, or (for a 4-D NCHW shape) stored N, H, W, C, the
// accelerator's layout, so channels are the contiguous lanes a DMA element holds.
enum class Layout : std::uint8_t { kRowMajor = 0, kNhwc = 1 };

// A tensor at `offset` in the act region (the const region for kConst).
struct TensorDesc {
  std::string name;
  TensorKind kind = TensorKind::kInput;
  DType dtype = DType::kInt8;
  std::vector<std::int64_t> shape;  // logical (ONNX) shape
  float scale = 1.0f;
  std::int32_t zero_point = 0;
  std::uint64_t offset = 0;
  Layout layout = Layout::kRowMajor;

  std::uint64_t bytes() const;
};

// An operator the host runs between accelerator segments (reference kernels), on tensors named here.
struct HostStep {
  OpDesc op;
  std::vector<std::string> inputs;  // "" for an absent optional input
  std::vector<std::string> outputs;
  std::string layer;  // the IR layer it implements

  bool operator==(const HostStep&) const = default;
};

// The program runs its steps in order: an accelerator segment (instructions [insn_begin, insn_end), ending with
// its only finish; one ap_start..ap_done on the device) or a host operator.
struct Step {
  bool accel = true;
  std::uint32_t insn_begin = 0;
  std::uint32_t insn_end = 0;
  HostStep host;

  bool operator==(const Step&) const = default;
};

// The IR layer that instructions [begin, end) implement, for counters, reports and traces.
struct LayerSpan {
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
  std::string name;

  bool operator==(const LayerSpan&) const = default;
};

struct Program {
  std::string arch_name;          // config the program was compiled for (informational)
  std::uint64_t fingerprint = 0;  // ArchConfig::fingerprint() of that config; devices refuse a mismatch
  std::vector<spec::Insn> insns;
  std::vector<std::uint8_t> constants;  // the const region's contents
  std::uint64_t act_bytes = 0;          // size of the act region the program needs
  std::vector<TensorDesc> tensors;
  std::vector<Step> steps;
  std::vector<LayerSpan> layers;

  static Program read(const std::filesystem::path& file);
  static Program parse(std::span<const std::uint8_t> bytes, const std::string& origin);
  std::vector<std::uint8_t> serialize() const;
  void write(const std::filesystem::path& file) const;

  // Arch-independent checks (encodings, DMA ranges, tensor descriptors, steps, layers); throws UserError prefixed
  // by origin.
  void validate(const std::string& origin) const;

  const TensorDesc* find_tensor(std::string_view name) const;

 private:
  void validate_steps(const std::string& origin) const;
};

}  // namespace systole
