#include "sim/cycle/timing.hpp"

#include <algorithm>
#include <vector>

#include "sim/isa/dma.hpp"

namespace systole::sim {

DramParams dram_params(const isa::ArchConfig& arch) {
  const auto& p = arch.params;
  return {static_cast<std::uint64_t>(p.dram_latency_cycles), static_cast<std::uint64_t>(p.dram_bytes_per_cycle),
          static_cast<std::uint64_t>(p.dram_burst_bytes), static_cast<std::uint64_t>(p.dram_max_outstanding)};
}

DramPorts dram_ports(const isa::ArchConfig& arch) {
  const DramParams p = dram_params(arch);
  return {DramModel(p), DramModel(p), DramModel(p), DramModel(p)};
}

InsnFetch::InsnFetch(std::uint64_t insn_addr, std::uint32_t count, std::uint64_t t0, DramModel& port)
    : port_(port),
      addr_(insn_addr),
      end_(insn_addr + 32 * std::uint64_t{count}),
      entry_bytes_(std::max<std::uint64_t>(port.params().bytes_per_cycle, 32)),
      chunk_bytes_(std::max<std::uint64_t>(port.params().burst_bytes, entry_bytes_)),
      capacity_(2 * chunk_bytes_ / entry_bytes_),
      count_(count),
      next_(insn_addr),
      next_request_(t0) {}

void InsnFetch::request_next() {
  const std::uint64_t lo = next_;
  const std::uint64_t hi = std::min(end_, (lo / chunk_bytes_ + 1) * chunk_bytes_);
  const std::uint64_t entries = (hi - 1) / entry_bytes_ - lo / entry_bytes_ + 1;
  // Room for its entries: the entries of the bursts before it, less those dispatch has freed, leave enough.
  std::uint64_t t = next_request_;
  if (requested_entries_ + entries > capacity_) {
    const std::uint64_t must_free = requested_entries_ + entries - capacity_;  // the first must_free entries
    t = std::max(t, freed_.at(must_free - 1));
  }
  const std::uint64_t w = port_.params().bytes_per_cycle;
  const BurstTiming b = port_.burst(t, lo / w * w, ((hi - 1) / w - lo / w + 1) * w, false);
  bytes_ += (b.done - b.data) * w;
  bursts_.push_back({lo, hi, b.data});
  requested_entries_ += entries;
  next_request_ = b.issue + 1;
  next_ = hi;
}

std::uint64_t InsnFetch::available(std::uint32_t pc) {
  const std::uint64_t first = addr_ + 32 * std::uint64_t{pc}, last = first + 31;
  while (bursts_.empty() || bursts_.back().hi <= first) request_next();
  auto it =
      std::upper_bound(bursts_.begin(), bursts_.end(), first, [](std::uint64_t a, const Burst& b) { return a < b.hi; });
  const std::uint64_t w = port_.params().bytes_per_cycle;
  return it->data + (last / w - it->lo / w) + 1;
}

void InsnFetch::dispatched(std::uint32_t pc, std::uint64_t cycle) {
  // An entry is freed with its last instruction (or the segment's); its slot takes a request from the next cycle.
  if (pc + 1 == count_ || entry(pc + 1) != entry(pc)) freed_.push_back(cycle + 1);
}

std::string_view memory_name(Memory m) {
  switch (m) {
    case Memory::kInp: return "inp";
    case Memory::kWgt: return "wgt";
    case Memory::kAcc: return "acc";
    case Memory::kDram: return "dram";
  }
  return "?";
}

std::string_view queue_name(int queue) {
  static constexpr std::array<std::string_view, kQueueCount> kNames{"load_queue",
                                                                    "compute_queue",
                                                                    "store_queue",
                                                                    "load_to_compute_tokens",
                                                                    "compute_to_load_tokens",
                                                                    "compute_to_store_tokens",
                                                                    "store_to_compute_tokens"};
  return queue >= 0 && queue < kQueueCount ? kNames[static_cast<std::size_t>(queue)] : "?";
}

namespace {

constexpr auto kDram = static_cast<std::size_t>(Memory::kDram);
constexpr auto kAcc = static_cast<std::size_t>(Memory::kAcc);

std::uint64_t walk_bytes(const isa::DramWalk& walk) {
  return walk.y_size * walk.x_size * walk.bytes;
}

// The DMA's requests: every element of the walk (lanes x element bytes, contiguous) is one request of one or more
// bursts (split at 4 KiB), in walk order, one per cycle from `request`, each no earlier than the cycle after the
// previous one issued (the AXI address channel is in order). Returns the element's last burst and advances
// `request` past it.
BurstTiming dma_element(const isa::DramWalk& walk, std::uint64_t y, std::uint64_t x, bool write, DramModel& dram,
                        std::uint64_t& request) {
  BurstTiming t{request, request, request};
  dram.for_each_burst(walk.offset + y * walk.y_stride + x * walk.x_stride, walk.bytes,
                      [&](std::uint64_t a, std::uint64_t n) {
                        t = dram.burst(request, a, n, write);
                        request = std::max(request, t.issue) + 1;
                      });
  return t;
}

// Memory index of the ISA's load targets.
std::size_t memory_of(spec::Mem mem) {
  switch (mem) {
    case spec::Mem::kInp: return static_cast<std::size_t>(Memory::kInp);
    case spec::Mem::kWgt: return static_cast<std::size_t>(Memory::kWgt);
    case spec::Mem::kAcc: return kAcc;
  }
  return kAcc;
}

// The vector unit reads, per element, the accumulator rows its op needs; each bank serves one read per cycle, so an
// element whose reads hit one bank k times takes k cycles. Requant latches its parameter rows (src .. src +
// spec::kRequantParamRows - 1) and rereads them when the source address changes or an element has written one of them.
// Returns the rows read and adds the extra cycles to `bank_stall`.
std::uint64_t vec_reads(const spec::VecFields& f, std::uint64_t banks, std::uint64_t& bank_stall) {
  const spec::VecOperands ops = spec::vec_operands(f.op);
  const bool latches = ops.src_rows > 1;  // requant's parameter rows
  const std::uint64_t n = f.outer * f.inner;
  if (!latches && !(ops.reads_dst && ops.src_rows == 1)) return n;  // one read per element: no conflict
  std::uint64_t reads = 0;
  std::uint64_t latched = UINT64_MAX;  // the requant parameter rows held in registers; none at the start
  std::uint64_t rows[1 + spec::kRequantParamRows];
  for (std::uint64_t o = 0; o < f.outer; ++o) {
    for (std::uint64_t i = 0; i < f.inner; ++i) {
      const std::uint64_t dst = f.dst_addr + o * f.dst_stride_outer + i * f.dst_stride_inner;
      const std::uint64_t src = f.src_addr + o * f.src_stride_outer + i * f.src_stride_inner;
      int k = 0;
      rows[k++] = dst;
      if (latches) {
        if (src != latched) {
          for (std::uint64_t r = 0; r < static_cast<std::uint64_t>(ops.src_rows); ++r) rows[k++] = src + r;
          latched = src;
        }
      } else {
        rows[k++] = src;
      }
      std::uint64_t worst = 1;
      for (int a = 0; a < k; ++a) {
        std::uint64_t same = 0;
        for (int b = 0; b < k; ++b) same += rows[a] % banks == rows[b] % banks;
        worst = std::max(worst, same);
      }
      bank_stall += worst - 1;
      reads += static_cast<std::uint64_t>(k);
      if (latched != UINT64_MAX && dst - latched < spec::kRequantParamRows)
        latched = UINT64_MAX;  // the write hits the latched rows
    }
  }
  return reads;
}

}  // namespace

std::uint64_t dram_bytes(const isa::Insn& insn) {
  switch (spec::decode_header(insn).opcode) {
    case spec::Opcode::kLoad: return walk_bytes(isa::load_walk(spec::decode_load(insn)));
    case spec::Opcode::kStore: return walk_bytes(isa::store_walk(spec::decode_store(insn)));
    default: return 0;
  }
}

InsnCost cost(const isa::Insn& insn, const isa::ArchConfig& arch, std::uint64_t start, DramModel& dram) {
  const auto R = static_cast<std::uint64_t>(arch.rows()), C = static_cast<std::uint64_t>(arch.cols());
  const std::uint64_t acc_row = 4 * C;
  InsnCost c;
  switch (spec::decode_header(insn).opcode) {
    case spec::Opcode::kLoad: {
      // Data rows are written in the cycle their element's last beat has arrived; padding rows (pad_value) in the
      // free write cycles from `start` on, one per cycle.
      const auto f = spec::decode_load(insn);
      const isa::DramWalk walk = isa::load_walk(f);
      const std::uint64_t rows =
          (std::uint64_t{f.pad_top} + f.y_size + f.pad_bottom) * (std::uint64_t{f.pad_left} + f.x_size + f.pad_right);
      std::vector<std::uint64_t> writes;  // data-row write cycles
      writes.reserve(walk.y_size * walk.x_size);
      std::uint64_t request = start;
      for (std::uint64_t y = 0; y < walk.y_size; ++y) {
        for (std::uint64_t x = 0; x < walk.x_size; ++x) {
          writes.push_back(dma_element(walk, y, x, false, dram, request).done);
        }
      }
      // The last padding row goes in the P-th cycle from `start` that no data row takes (data writes are strictly
      // increasing: each element has at least one beat of its own on the bus).
      std::uint64_t end = writes.empty() ? start : writes.back() + 1;
      if (const std::uint64_t pads = rows - writes.size(); pads > 0) {
        std::uint64_t last = start + pads - 1;
        std::size_t taken = 0;
        while (taken < writes.size() && writes[taken] <= last) {
          ++taken;
          ++last;
        }
        end = std::max(end, last + 1);
      }
      const std::uint64_t occupancy = std::max<std::uint64_t>(end - start, 1);
      c.work = rows;
      c.dram_stall = occupancy - std::min(occupancy, rows);
      const std::size_t m = memory_of(f.mem);
      const auto row_bytes = static_cast<std::uint64_t>(
                                 isa::mem_lanes(f.mem, static_cast<std::int64_t>(R), static_cast<std::int64_t>(C))) *
                             (f.mem == spec::Mem::kAcc ? 4 : 1);
      c.traffic.write_bytes[m] = rows * row_bytes;
      c.traffic.read_bytes[kDram] = walk_bytes(walk);
      break;
    }
    case spec::Opcode::kStore: {
      // The requant parameter rows (scales, zero points) are read in the first cycles, one per cycle, then one
      // accumulator row per cycle; an element's write is requested the cycle after its row was read (requantized on the
      // way), and the next row is read no earlier than the cycle that write issued (one element buffered ahead of the
      // address channel). Done when the last write completes.
      const auto f = spec::decode_store(insn);
      const isa::DramWalk walk = isa::store_walk(f);
      const std::uint64_t rows = std::uint64_t{f.y_size} * f.x_size;
      const std::uint64_t params = f.requant ? spec::kRequantParamRows : 0;
      std::uint64_t read = start + params;  // cycle the current row is read
      std::uint64_t end = read;
      std::uint64_t next_request = read + 1;
      for (std::uint64_t y = 0; y < walk.y_size; ++y) {
        for (std::uint64_t x = 0; x < walk.x_size; ++x) {
          std::uint64_t request = std::max(read + 1, next_request);
          const BurstTiming t = dma_element(walk, y, x, true, dram, request);
          next_request = request;
          end = std::max(read + 1, t.done);
          read = std::max(read + 1, t.issue);
        }
      }
      const std::uint64_t occupancy = std::max<std::uint64_t>(std::max(end, start + params) - start, 1);
      c.work = rows + params;
      c.dram_stall = occupancy - std::min(occupancy, c.work);
      c.traffic.read_bytes[kAcc] = (rows + params) * acc_row;
      c.traffic.write_bytes[kDram] = walk_bytes(walk);
      break;
    }
    case spec::Opcode::kGemm: {
      const auto f = spec::decode_gemm(insn);
      const std::uint64_t rows = f.outer * f.inner;
      // Weight-stationary: the weight tile is read (one cycle of read latency) and shifted in one row per cycle,
      // then one input row enters per cycle and the last result is written back rows + cols - 1 cycles after it
      // entered. Output-stationary: the input rows' addresses run one block of R rows ahead (each block is loaded
      // last row first), plus one cycle of buffer latency; then one input row per cycle, the weight tile streamed
      // again with every block of R rows, and each result written back 2 rows + cols cycles after its row was read
      // (R steps of accumulation, R of drain, cols of de-skew; docs/timing.md).
      const bool ws = arch.dataflow() == spec::Dataflow::kWeightStationary;
      c.work = ws ? (R + 1) + rows + (R + C - 1) : (R + 1) + rows + (2 * R + C);
      c.macs = rows * R * C;
      c.traffic.read_bytes[static_cast<std::size_t>(Memory::kInp)] = rows * R;
      c.traffic.read_bytes[static_cast<std::size_t>(Memory::kWgt)] = (ws ? R : (rows + R - 1) / R * R) * C;
      c.traffic.read_bytes[kAcc] = f.accumulate ? rows * acc_row : 0;
      c.traffic.write_bytes[kAcc] = rows * acc_row;
      break;
    }
    case spec::Opcode::kVec: {
      // One accumulator row per cycle through a 2-stage pipeline (read, write back), plus bank conflicts.
      const auto f = spec::decode_vec(insn);
      const std::uint64_t reads = vec_reads(f, static_cast<std::uint64_t>(arch.params.memory_banks), c.bank_stall);
      c.work = f.outer * f.inner + 1;
      c.traffic.read_bytes[kAcc] = reads * acc_row;
      c.traffic.write_bytes[kAcc] = f.outer * f.inner * acc_row;
      break;
    }
    case spec::Opcode::kSync:
    case spec::Opcode::kFinish: break;
  }
  return c;
}

namespace {

// A load's or store's cycles on its DRAM port in closed form, after the DMA rule (docs/timing.md, "DMA"): one request
// per element, at most one issued per cycle and at most max_outstanding in flight, each holding its slot for the
// latency and its beats, the beats of all on one data channel. Splits at 4 KiB and the port's history are left out.
std::uint64_t dma_estimate(const isa::DramWalk& walk, const DramParams& p) {
  const std::uint64_t elements = walk.y_size * walk.x_size;
  if (elements == 0) return 1;
  const std::uint64_t beats = std::max<std::uint64_t>(1, (walk.bytes + p.bytes_per_cycle - 1) / p.bytes_per_cycle);
  const std::uint64_t busy = p.latency_cycles + beats;
  const std::uint64_t per_element = std::max({beats, (busy + p.max_outstanding - 1) / p.max_outstanding});
  return busy + (elements - 1) * per_element + 1;
}

}  // namespace

std::uint64_t estimate_cycles(std::span<const isa::Insn> insns, const isa::ArchConfig& arch) {
  const DramParams p = dram_params(arch);
  std::uint64_t array = 0, load = 0, store = 0;
  for (const auto& insn : insns) {
    switch (spec::decode_header(insn).opcode) {
      case spec::Opcode::kGemm: {
        const auto f = spec::decode_gemm(insn);
        array += f.outer * f.inner + static_cast<std::uint64_t>(arch.rows());
        break;
      }
      case spec::Opcode::kVec: {
        const auto f = spec::decode_vec(insn);
        array += f.outer * f.inner;
        break;
      }
      case spec::Opcode::kLoad: load += dma_estimate(isa::load_walk(spec::decode_load(insn)), p); break;
      case spec::Opcode::kStore: store += dma_estimate(isa::store_walk(spec::decode_store(insn)), p); break;
      default: break;
    }
  }
  return std::max({array, load, store});
}

}  // namespace systole::sim
