#include "sim/isa/verify.hpp"

#include <array>
#include <deque>
#include <map>
#include <string>

#include "sim/isa/dma.hpp"
#include "sim/isa/race.hpp"
#include "systole/error.hpp"

namespace systole::isa {
namespace {

[[noreturn]] void fail(std::uint32_t pc, const Insn& insn, const std::string& why) {
  throw UserError("instruction " + std::to_string(pc) + " (" +
                  std::string(opcode_name(spec::decode_header(insn).opcode)) + "): " + why);
}

void need(bool ok, std::uint32_t pc, const Insn& insn, const std::string& why) {
  if (!ok) fail(pc, insn, why);
}

// Last row touched by a 2-level loop, or -1 on overflow.
std::int64_t loop_last(std::uint64_t base, std::uint64_t outer, std::uint64_t so, std::uint64_t inner,
                       std::uint64_t si) {
  const std::uint64_t last = base + (outer - 1) * so + (inner - 1) * si;  // fields <= 24+16+24 bits: no overflow
  return static_cast<std::int64_t>(last);
}

void check_rows(std::int64_t first, std::int64_t last, std::int64_t rows, const char* mem, const char* field,
                std::uint32_t pc, const Insn& insn) {
  need(last < rows, pc, insn,
       std::string(field) + ": " + mem + " rows " + std::to_string(first) + ".." + std::to_string(last) +
           " exceed the " + std::to_string(rows) + " rows of this arch config");
}

void check_dram(const DramWalk& walk, spec::Region region, RegionSizes regions, std::uint32_t pc, const Insn& insn) {
  const std::uint64_t size = region == spec::Region::kConst ? regions.const_bytes : regions.act_bytes;
  const char* name = region == spec::Region::kConst ? "const" : "act";
  std::uint64_t end = 0;
  need(walk.end(end) && end <= size, pc, insn,
       std::string("DMA reaches byte ") + (walk.end(end) ? std::to_string(end) : std::string("2^64+")) + " of the " +
           name + " region, which holds " + std::to_string(size) + " bytes");
}

const char* mem_name(spec::Mem m) {
  return m == spec::Mem::kInp ? "inp" : m == spec::Mem::kWgt ? "wgt" : "acc";
}

std::int64_t mem_rows(spec::Mem m, const ArchConfig& arch) {
  return m == spec::Mem::kInp ? arch.inp_rows() : m == spec::Mem::kWgt ? arch.wgt_rows() : arch.acc_rows();
}

}  // namespace

void check_dram_bounds(const Insn& insn, std::uint32_t pc, RegionSizes regions) {
  if (const auto err = encoding_error(insn)) throw UserError("instruction " + std::to_string(pc) + ": " + *err);
  const Opcode op = spec::decode_header(insn).opcode;
  if (op == Opcode::kLoad) {
    const auto f = spec::decode_load(insn);
    check_dram(load_walk(f), f.region, regions, pc, insn);
  } else if (op == Opcode::kStore) {
    const auto f = spec::decode_store(insn);
    need(f.region == spec::Region::kAct, pc, insn, "stores may only write the act region (const is read-only)");
    check_dram(store_walk(f), f.region, regions, pc, insn);
  }
}

void check_insn(const Insn& insn, std::uint32_t pc, const ArchConfig& arch, RegionSizes regions) {
  check_dram_bounds(insn, pc, regions);
  switch (spec::decode_header(insn).opcode) {
    case Opcode::kLoad: {
      const auto f = spec::decode_load(insn);
      const std::int64_t lanes = mem_lanes(f.mem, arch.rows(), arch.cols());
      need(
          f.lanes >= 1 && f.lanes <= lanes, pc, insn,
          "lanes=" + std::to_string(f.lanes) + " must be in [1, " + std::to_string(lanes) + "] for " + mem_name(f.mem));
      need(f.y_size >= 1 && f.x_size >= 1, pc, insn, "y_size and x_size must be at least 1");
      need(f.dtype != spec::Dtype::kInt32 || f.mem == spec::Mem::kAcc, pc, insn,
           "dtype int32 loads only into acc (inp and wgt hold int8)");
      const std::int64_t total =
          (std::int64_t{f.pad_top} + f.y_size + f.pad_bottom) * (std::int64_t{f.pad_left} + f.x_size + f.pad_right);
      check_rows(f.sram_addr, f.sram_addr + total - 1, mem_rows(f.mem, arch), mem_name(f.mem), "sram_addr", pc, insn);
      break;
    }
    case Opcode::kStore: {
      const auto f = spec::decode_store(insn);
      need(f.lanes >= 1 && f.lanes <= static_cast<std::uint64_t>(arch.cols()), pc, insn,
           "lanes=" + std::to_string(f.lanes) + " must be in [1, " + std::to_string(arch.cols()) + "]");
      need(f.y_size >= 1 && f.x_size >= 1, pc, insn, "y_size and x_size must be at least 1");
      need(f.dtype == spec::Dtype::kInt32 || f.clamp_min <= f.clamp_max, pc, insn, "clamp_min > clamp_max");
      check_rows(f.sram_addr, f.sram_addr + std::int64_t{f.y_size} * f.x_size - 1, arch.acc_rows(), "acc", "sram_addr",
                 pc, insn);
      if (f.requant) {
        check_rows(f.param_addr, f.param_addr + spec::kRequantParamRows - 1, arch.acc_rows(), "acc", "param_addr", pc,
                   insn);
      }
      break;
    }
    case Opcode::kGemm: {
      const auto f = spec::decode_gemm(insn);
      need(f.outer >= 1 && f.inner >= 1, pc, insn, "outer and inner must be at least 1");
      check_rows(f.wgt_addr, f.wgt_addr + arch.rows() - 1, arch.wgt_rows(), "wgt", "wgt_addr", pc, insn);
      check_rows(f.inp_addr, loop_last(f.inp_addr, f.outer, f.inp_stride_outer, f.inner, f.inp_stride_inner),
                 arch.inp_rows(), "inp", "inp_addr", pc, insn);
      check_rows(f.acc_addr, loop_last(f.acc_addr, f.outer, f.acc_stride_outer, f.inner, f.acc_stride_inner),
                 arch.acc_rows(), "acc", "acc_addr", pc, insn);
      break;
    }
    case Opcode::kVec: {
      const auto f = spec::decode_vec(insn);
      need(f.outer >= 1 && f.inner >= 1, pc, insn, "outer and inner must be at least 1");
      check_rows(f.dst_addr, loop_last(f.dst_addr, f.outer, f.dst_stride_outer, f.inner, f.dst_stride_inner),
                 arch.acc_rows(), "acc", "dst_addr", pc, insn);
      const spec::VecOperands ops = spec::vec_operands(f.op);
      if (ops.src_rows > 0) {
        check_rows(f.src_addr,
                   loop_last(f.src_addr, f.outer, f.src_stride_outer, f.inner, f.src_stride_inner) + ops.src_rows - 1,
                   arch.acc_rows(), "acc", "src_addr", pc, insn);
      }
      need(!ops.clamps || f.imm_a <= f.imm_b, pc, insn, "imm_a (lower clamp) > imm_b (upper clamp)");
      break;
    }
    case Opcode::kSync:
    case Opcode::kFinish: break;
  }
}

std::vector<std::uint32_t> verify_program(std::span<const Insn> insns, const ArchConfig& arch, RegionSizes regions) {
  if (insns.empty()) throw UserError("program has no instructions (it must end with finish)");
  for (std::size_t pc = 0; pc < insns.size(); ++pc) {
    const auto p = static_cast<std::uint32_t>(pc);
    check_insn(insns[pc], p, arch, regions);
    const bool is_finish = spec::decode_header(insns[pc]).opcode == Opcode::kFinish;
    if (is_finish != (pc + 1 == insns.size())) {
      throw UserError(is_finish ? "instruction " + std::to_string(pc) + ": finish before the end of the program"
                                : "program does not end with finish (last instruction is " +
                                      std::string(opcode_name(spec::decode_header(insns.back()).opcode)) + ")");
    }
  }
  RaceChecker races(insns, arch);
  return races.run();
}

}  // namespace systole::isa
