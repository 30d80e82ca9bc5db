// The functional model: the golden reference every other level is compared to.
//
// Runs a verified program instruction by instruction in the order verify_program() returned, with exact integer
// arithmetic (quant.hpp) and no notion of time. Results never depend on a previous run: verification guarantees
// every on-chip row is written before it is read.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "sim/isa/insn.hpp"
#include "systole/arch.hpp"

namespace systole::isa {

// DRAM as the host granted it: the read-only const region and the read-write act region.
struct DramImage {
  std::span<const std::uint8_t> const_region;
  std::span<std::uint8_t> act_region;
};

// What the functional level can count (no time at this level).
struct Counters {
  std::array<std::uint64_t, spec::kOpcodeValues.size()> insns_by_opcode{};
  std::array<std::uint64_t, kUnitCount> insns_by_unit{};
  std::uint64_t macs = 0;              // MACs the array performs (rows x cols per input row)
  std::uint64_t dram_read_bytes = 0;   // DMA bytes read (both regions)
  std::uint64_t dram_write_bytes = 0;  // DMA bytes written
};

// The hardware's error status (the `status` and `error_pc` registers).
struct RunStatus {
  spec::ErrorCode code = spec::ErrorCode::kOk;
  std::uint32_t pc = 0;
};

class Machine {
 public:
  explicit Machine(ArchConfig arch);

  const ArchConfig& arch() const { return arch_; }

  // Executes `insns` in `order`. Precondition: `order` came from verify_program() for this arch, which checked
  // every on-chip row. A DMA outside the granted regions stops the run with an error status, as the hardware
  // does, without touching memory.
  RunStatus run(std::span<const Insn> insns, std::span<const std::uint32_t> order, DramImage dram);

  // Executes one instruction (the timed models call this in their own order, which verification makes
  // equivalent). Counters accumulate until reset_counters().
  spec::ErrorCode execute(const Insn& insn, DramImage dram);
  void reset_counters() { counters_ = {}; }

  // The error a load or store raises before it moves anything, given the sizes of the granted regions: a walk
  // outside its region (kDmaOutOfBounds), a store to the const region (kStoreToConst); kOk otherwise and for every
  // other instruction. Every level checks this, the RTL's DMA included.
  static spec::ErrorCode dma_error(const Insn& insn, std::uint64_t const_size, std::uint64_t act_size);

  const Counters& counters() const { return counters_; }

  // The on-chip memories (row-major), for benches that compare another level's memories with this one's.
  std::span<const std::int8_t> inp() const { return inp_; }
  std::span<const std::int8_t> wgt() const { return wgt_; }
  std::span<const std::int32_t> acc() const { return acc_; }

 private:
  void load(const spec::LoadFields& f, DramImage dram);  // dma_error() was kOk
  void store(const spec::StoreFields& f, DramImage dram);
  void gemm(const spec::GemmFields& f);
  void vec(const spec::VecFields& f);

  ArchConfig arch_;
  std::int64_t rows_, cols_;
  std::vector<std::int8_t> inp_;        // inp_rows x rows
  std::vector<std::int8_t> wgt_;        // wgt_rows x cols
  std::vector<std::int32_t> acc_;       // acc_rows x cols
  std::vector<std::int32_t> wide_wgt_;  // scratch: the current GEMM's weight tile as int32
  std::vector<std::int32_t> sum_;       // scratch: one row of products
  Counters counters_;
};

}  // namespace systole::isa
