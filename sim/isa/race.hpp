// Dispatch and dependency-token simulation with happens-before race detection (used by verify_program()).
//
// The model: one in-order dispatcher feeds three bounded instruction queues (load, compute, store); each unit runs
// its queue in order; an instruction pops its tokens before it starts and pushes its tokens when it ends; token
// queues are FIFO and bounded; sync/finish wait until all queues are empty. Vector clocks (one epoch per unit)
// follow the token edges; every on-chip row and act-region byte keeps its last writer and last reader per unit, so
// an unordered conflicting access is found whatever interleaving the hardware picks.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "sim/isa/insn.hpp"
#include "sim/isa/verify.hpp"
#include "systole/arch.hpp"

namespace systole::isa {

class RaceChecker {
 public:
  RaceChecker(std::span<const Insn> insns, const ArchConfig& arch);

  // Returns the execution order; throws UserError on deadlock or race.
  std::vector<std::uint32_t> run();

 private:
  static constexpr std::uint32_t kNone = 0xFFFFFFFFu;
  using Clock = std::array<std::uint32_t, kUnitCount>;

  // Last writer and last reader per unit of one row or byte range (instruction indices).
  struct Shadow {
    std::uint32_t writer = kNone;
    std::array<std::uint32_t, kUnitCount> readers{kNone, kNone, kNone};
    bool operator==(const Shadow&) const = default;
  };

  // Byte-range shadow of the act region: non-overlapping segments [start, end), merged when equal.
  class RangeShadow {
   public:
    template <typename Fn>
    void visit(std::uint64_t lo, std::uint64_t hi, Fn&& fn);

   private:
    struct Segment {
      std::uint64_t end;
      Shadow shadow;
    };
    void split(std::uint64_t at);
    void merge_around(std::uint64_t lo, std::uint64_t hi);
    std::map<std::uint64_t, Segment> segs_;
  };

  bool ready(std::uint32_t pc) const;
  void execute(std::uint32_t pc);
  void barrier(std::uint32_t pc);
  void access(Shadow& s, bool write, bool on_chip, const std::string& what);
  void access_rows(std::vector<Shadow>& mem, std::int64_t row, bool read, bool write, const char* name);
  void access_dram(std::uint64_t lo, std::uint64_t hi, bool write);
  bool happens_before(std::uint32_t pc) const;
  [[noreturn]] void deadlock() const;
  std::string describe(std::uint32_t pc) const;

  std::span<const Insn> insns_;
  const ArchConfig& arch_;
  std::vector<Unit> unit_;
  std::vector<std::uint32_t> epoch_;
  std::array<Clock, kUnitCount> clock_{};
  std::array<std::deque<std::uint32_t>, kUnitCount> queue_;
  std::array<std::array<std::deque<Clock>, kUnitCount>, kUnitCount> tokens_;  // [from][to]
  std::vector<Shadow> inp_, wgt_, acc_;
  RangeShadow act_;
  std::uint32_t dispatch_ = 0;
  std::uint32_t current_ = 0;  // instruction being checked
};

}  // namespace systole::isa
