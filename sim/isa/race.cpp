#include "sim/isa/race.hpp"

#include "sim/isa/dma.hpp"
#include "systole/error.hpp"

namespace systole::isa {
namespace {

int idx(Unit u) {
  return static_cast<int>(u);
}

}  // namespace

template <typename Fn>
void RaceChecker::RangeShadow::visit(std::uint64_t lo, std::uint64_t hi, Fn&& fn) {
  if (lo >= hi) return;
  split(lo);
  split(hi);
  auto it = segs_.lower_bound(lo);
  std::uint64_t cur = lo;
  while (cur < hi) {
    if (it == segs_.end() || it->first > cur) {
      const std::uint64_t gap_end = it == segs_.end() ? hi : std::min(hi, it->first);
      it = segs_.emplace_hint(it, cur, Segment{gap_end, Shadow{}});
    }
    fn(it->second.shadow);
    cur = it->second.end;
    ++it;
  }
  merge_around(lo, hi);
}

void RaceChecker::RangeShadow::split(std::uint64_t at) {
  auto it = segs_.upper_bound(at);
  if (it == segs_.begin()) return;
  --it;
  if (it->first < at && it->second.end > at) {
    segs_.emplace(at, Segment{it->second.end, it->second.shadow});
    it->second.end = at;
  }
}

void RaceChecker::RangeShadow::merge_around(std::uint64_t lo, std::uint64_t hi) {
  auto it = segs_.lower_bound(lo);
  if (it != segs_.begin()) --it;
  while (it != segs_.end() && it->first <= hi) {
    auto next = std::next(it);
    if (next != segs_.end() && it->second.end == next->first && it->second.shadow == next->second.shadow) {
      it->second.end = next->second.end;
      segs_.erase(next);
    } else {
      it = next;
    }
  }
}

RaceChecker::RaceChecker(std::span<const Insn> insns, const ArchConfig& arch)
    : insns_(insns),
      arch_(arch),
      unit_(insns.size()),
      epoch_(insns.size(), 0),
      inp_(static_cast<std::size_t>(arch.inp_rows())),
      wgt_(static_cast<std::size_t>(arch.wgt_rows())),
      acc_(static_cast<std::size_t>(arch.acc_rows())) {
  for (std::size_t pc = 0; pc < insns.size(); ++pc) unit_[pc] = unit_of(insns[pc]);
}

std::string RaceChecker::describe(std::uint32_t pc) const {
  return "instruction " + std::to_string(pc) + " (" + std::string(opcode_name(spec::decode_header(insns_[pc]).opcode)) +
         ", " + std::string(unit_name(unit_[pc])) + " unit)";
}

bool RaceChecker::happens_before(std::uint32_t pc) const {
  if (pc == kNone) return true;
  const int w = idx(unit_[pc]);
  return w == idx(unit_[current_]) ||
         epoch_[pc] <= clock_[static_cast<std::size_t>(idx(unit_[current_]))][static_cast<std::size_t>(w)];
}

void RaceChecker::access(Shadow& s, bool write, bool on_chip, const std::string& what) {
  if (on_chip && !write && s.writer == kNone) {
    throw UserError(describe(current_) + " reads " + what + ", which no earlier instruction writes");
  }
  const auto u = static_cast<std::size_t>(idx(unit_[current_]));
  auto race = [&](std::uint32_t other, const char* kind) {
    throw UserError("race: " + describe(current_) + " " + (write ? "writes " : "reads ") + what + ", which " +
                    describe(other) + " " + kind +
                    ", and no chain of dependency tokens or sync orders the two; add a token (push on one, pop on "
                    "the other) or a sync between them");
  };
  if (!happens_before(s.writer)) race(s.writer, "writes");
  if (write) {
    for (std::size_t v = 0; v < kUnitCount; ++v) {
      if (v != u && !happens_before(s.readers[v])) race(s.readers[v], "reads");
    }
    s.writer = current_;
    s.readers = {kNone, kNone, kNone};
  } else {
    s.readers[u] = current_;
  }
}

void RaceChecker::access_rows(std::vector<Shadow>& mem, std::int64_t row, bool read, bool write, const char* name) {
  Shadow& s = mem[static_cast<std::size_t>(row)];
  const std::string what = std::string(name) + " row " + std::to_string(row);
  if (read) access(s, false, true, what);
  if (write) access(s, true, true, what);
}

void RaceChecker::access_dram(std::uint64_t lo, std::uint64_t hi, bool write) {
  act_.visit(lo, hi, [&](Shadow& s) {
    access(s, write, false, "act bytes [" + std::to_string(lo) + ", " + std::to_string(hi) + ")");
  });
}

bool RaceChecker::ready(std::uint32_t pc) const {
  const spec::Header h = spec::decode_header(insns_[pc]);
  const int u = idx(unit_[pc]);
  const auto depth = static_cast<std::size_t>(arch_.params.queues_token_depth);
  auto has = [&](int from) { return !tokens_[static_cast<std::size_t>(from)][static_cast<std::size_t>(u)].empty(); };
  auto room = [&](int to) { return tokens_[static_cast<std::size_t>(u)][static_cast<std::size_t>(to)].size() < depth; };
  return (!h.pop_prev || has(u - 1)) && (!h.pop_next || has(u + 1)) && (!h.push_prev || room(u - 1)) &&
         (!h.push_next || room(u + 1));
}

void RaceChecker::execute(std::uint32_t pc) {
  current_ = pc;
  const Insn& insn = insns_[pc];
  const spec::Header h = spec::decode_header(insn);
  const int u = idx(unit_[pc]);
  const auto us = static_cast<std::size_t>(u);
  auto pop = [&](int from) {
    auto& q = tokens_[static_cast<std::size_t>(from)][us];
    for (std::size_t i = 0; i < kUnitCount; ++i) clock_[us][i] = std::max(clock_[us][i], q.front()[i]);
    q.pop_front();
  };
  if (h.pop_prev) pop(u - 1);
  if (h.pop_next) pop(u + 1);
  epoch_[pc] = ++clock_[us][us];

  const std::int64_t rows = arch_.rows();
  switch (h.opcode) {
    case Opcode::kLoad: {
      const auto f = spec::decode_load(insn);
      auto& mem = f.mem == spec::Mem::kInp ? inp_ : f.mem == spec::Mem::kWgt ? wgt_ : acc_;
      const char* name = f.mem == spec::Mem::kInp ? "inp" : f.mem == spec::Mem::kWgt ? "wgt" : "acc";
      if (f.region == spec::Region::kAct) {
        load_walk(f).for_each_range([&](std::uint64_t lo, std::uint64_t hi) { access_dram(lo, hi, false); });
      }
      const std::int64_t total =
          (std::int64_t{f.pad_top} + f.y_size + f.pad_bottom) * (std::int64_t{f.pad_left} + f.x_size + f.pad_right);
      for (std::int64_t r = 0; r < total; ++r) access_rows(mem, f.sram_addr + r, false, true, name);
      break;
    }
    case Opcode::kStore: {
      const auto f = spec::decode_store(insn);
      for (std::int64_t r = 0; r < std::int64_t{f.y_size} * f.x_size; ++r) {
        access_rows(acc_, f.sram_addr + r, true, false, "acc");
      }
      if (f.requant) {
        for (int r = 0; r < spec::kRequantParamRows; ++r) access_rows(acc_, f.param_addr + r, true, false, "acc");
      }
      store_walk(f).for_each_range([&](std::uint64_t lo, std::uint64_t hi) { access_dram(lo, hi, true); });
      break;
    }
    case Opcode::kGemm: {
      const auto f = spec::decode_gemm(insn);
      for (std::int64_t k = 0; k < rows; ++k) access_rows(wgt_, f.wgt_addr + k, true, false, "wgt");
      for (std::uint64_t o = 0; o < f.outer; ++o) {
        for (std::uint64_t i = 0; i < f.inner; ++i) {
          access_rows(inp_, static_cast<std::int64_t>(f.inp_addr + o * f.inp_stride_outer + i * f.inp_stride_inner),
                      true, false, "inp");
          access_rows(acc_, static_cast<std::int64_t>(f.acc_addr + o * f.acc_stride_outer + i * f.acc_stride_inner),
                      f.accumulate != 0, true, "acc");
        }
      }
      break;
    }
    case Opcode::kVec: {
      const auto f = spec::decode_vec(insn);
      const spec::VecOperands ops = spec::vec_operands(f.op);
      for (std::uint64_t o = 0; o < f.outer; ++o) {
        for (std::uint64_t i = 0; i < f.inner; ++i) {
          const auto s = static_cast<std::int64_t>(f.src_addr + o * f.src_stride_outer + i * f.src_stride_inner);
          for (int r = 0; r < ops.src_rows; ++r) access_rows(acc_, s + r, true, false, "acc");
          access_rows(acc_, static_cast<std::int64_t>(f.dst_addr + o * f.dst_stride_outer + i * f.dst_stride_inner),
                      ops.reads_dst, true, "acc");
        }
      }
      break;
    }
    case Opcode::kSync:
    case Opcode::kFinish: throw InternalError("barrier executed by a unit");
  }

  auto push = [&](int to) { tokens_[us][static_cast<std::size_t>(to)].push_back(clock_[us]); };
  if (h.push_prev) push(u - 1);
  if (h.push_next) push(u + 1);
}

void RaceChecker::barrier(std::uint32_t) {
  Clock join{};
  for (const auto& c : clock_) {
    for (std::size_t i = 0; i < kUnitCount; ++i) join[i] = std::max(join[i], c[i]);
  }
  clock_.fill(join);
}

void RaceChecker::deadlock() const {
  static const char* kUnitNames[] = {"load", "compute", "store"};
  std::string msg = "program deadlocks:";
  const auto depth = static_cast<std::size_t>(arch_.params.queues_token_depth);
  for (std::size_t u = 0; u < kUnitCount; ++u) {
    if (queue_[u].empty()) continue;
    const std::uint32_t pc = queue_[u].front();
    const spec::Header h = spec::decode_header(insns_[pc]);
    const int ui = static_cast<int>(u);
    std::string why;
    auto from = [&](int f) {
      if (tokens_[static_cast<std::size_t>(f)][u].empty())
        why += std::string(why.empty() ? "" : " and ") + "a token from the " + kUnitNames[f] + " unit";
    };
    auto to = [&](int t) {
      if (tokens_[u][static_cast<std::size_t>(t)].size() >= depth) {
        why +=
            std::string(why.empty() ? "" : " and ") + "room in the full token queue to the " + kUnitNames[t] + " unit";
      }
    };
    if (h.pop_prev) from(ui - 1);
    if (h.pop_next) from(ui + 1);
    if (h.push_prev) to(ui - 1);
    if (h.push_next) to(ui + 1);
    msg += " " + describe(pc) + " waits for " + why + ";";
  }
  if (dispatch_ < insns_.size()) {
    const Unit u = unit_[dispatch_];
    msg += " dispatch waits at " + describe(dispatch_) +
           (u == Unit::kDispatch ? " for the queues to drain"
                                 : " for room in the full " + std::string(unit_name(u)) + " queue (" +
                                       std::to_string(arch_.params.queues_insn_depth) + " entries)");
  }
  throw UserError(msg);
}

std::vector<std::uint32_t> RaceChecker::run() {
  std::vector<std::uint32_t> order;
  order.reserve(insns_.size());
  const auto depth = static_cast<std::size_t>(arch_.params.queues_insn_depth);
  const auto n = static_cast<std::uint32_t>(insns_.size());
  for (;;) {
    bool progress = false;
    while (dispatch_ < n) {
      const Unit u = unit_[dispatch_];
      if (u == Unit::kDispatch) {
        if (!queue_[0].empty() || !queue_[1].empty() || !queue_[2].empty()) break;
        barrier(dispatch_);
        order.push_back(dispatch_++);
      } else {
        auto& q = queue_[static_cast<std::size_t>(idx(u))];
        if (q.size() >= depth) break;
        q.push_back(dispatch_++);
      }
      progress = true;
    }
    std::uint32_t best = kNone;
    for (const auto& q : queue_) {
      if (!q.empty() && q.front() < best && ready(q.front())) best = q.front();
    }
    if (best != kNone) {
      execute(best);
      queue_[static_cast<std::size_t>(idx(unit_[best]))].pop_front();
      order.push_back(best);
      progress = true;
    }
    if (!progress) {
      if (dispatch_ == n && queue_[0].empty() && queue_[1].empty() && queue_[2].empty()) break;
      deadlock();
    }
  }
  // Tokens left at finish would be seen by the next run on the same hardware.
  static const char* kUnitNames[] = {"load", "compute", "store"};
  for (std::size_t from = 0; from < kUnitCount; ++from) {
    for (std::size_t to = 0; to < kUnitCount; ++to) {
      if (!tokens_[from][to].empty()) {
        throw UserError("program ends with " + std::to_string(tokens_[from][to].size()) +
                        " unconsumed token(s) from the " + kUnitNames[from] + " unit to the " + kUnitNames[to] +
                        " unit; every push needs a matching pop");
      }
    }
  }
  return order;
}

}  // namespace systole::isa
