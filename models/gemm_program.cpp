#include "models/gemm_program.hpp"

#include <algorithm>

#include "systole/error.hpp"

namespace systole::models {

Program gemm_program(GemmShape s, const isa::ArchConfig& arch) {
  const std::int64_t R = arch.rows(), C = arch.cols();
  const std::int64_t kt_count = (s.k + R - 1) / R, nt_count = (s.n + C - 1) / C;
  if (kt_count * nt_count * R > arch.wgt_rows()) {
    throw UserError("gemm_program: " + std::to_string(s.k) + "x" + std::to_string(s.n) + " weights need " +
                    std::to_string(kt_count * nt_count * R) + " weight rows, arch '" + arch.name + "' has " +
                    std::to_string(arch.wgt_rows()));
  }
  // Rows of a per block: kt_count input rows and nt_count accumulator rows each; capped by the 16-bit loop extent.
  const std::int64_t block =
      std::min({s.m, arch.inp_rows() / kt_count, arch.acc_rows() / nt_count, std::int64_t{65535}});
  if (block < 1) throw UserError("gemm_program: K or N too large for arch '" + arch.name + "'");
  const std::int64_t blocks = (s.m + block - 1) / block;

  Program p;
  p.arch_name = arch.name;
  p.fingerprint = arch.fingerprint();
  const std::uint64_t a_off = 0, w_off = static_cast<std::uint64_t>(s.m * s.k);
  const std::uint64_t y_off = w_off + static_cast<std::uint64_t>(s.k * s.n);
  p.act_bytes = y_off + static_cast<std::uint64_t>(4 * s.m * s.n);
  p.tensors = {{"a", TensorKind::kInput, DType::kInt8, {s.m, s.k}, 1.0f, 0, a_off, Layout::kRowMajor},
               {"w", TensorKind::kInput, DType::kInt8, {s.k, s.n}, 1.0f, 0, w_off, Layout::kRowMajor},
               {"y", TensorKind::kOutput, DType::kInt32, {s.m, s.n}, 1.0f, 0, y_off, Layout::kRowMajor}};
  auto u = [](std::int64_t v) { return static_cast<std::uint64_t>(v); };
  auto lanes = [](std::int64_t total, std::int64_t tile, std::int64_t t) { return std::min(tile, total - t * tile); };

  for (std::int64_t b = 0; b < blocks; ++b) {
    const std::int64_t m0 = b * block, rows = std::min(block, s.m - m0);
    const bool first = b == 0, last = b == blocks - 1;
    std::vector<spec::Insn> loads;
    if (first) {
      for (std::int64_t kt = 0; kt < kt_count; ++kt) {
        for (std::int64_t nt = 0; nt < nt_count; ++nt) {
          spec::LoadFields f;
          f.mem = spec::Mem::kWgt;
          f.region = spec::Region::kAct;
          f.sram_addr = static_cast<std::uint32_t>((kt * nt_count + nt) * R);
          f.dram_offset = w_off + u(kt * R * s.n + nt * C);
          f.y_size = static_cast<std::uint32_t>(lanes(s.k, R, kt));
          f.x_size = 1;
          f.lanes = static_cast<std::uint32_t>(lanes(s.n, C, nt));
          f.y_stride = static_cast<std::uint32_t>(s.n);
          f.pad_bottom = static_cast<std::uint32_t>(R - f.y_size);  // short k-tiles padded with zero weight rows
          loads.push_back(spec::encode(f));
        }
      }
    }
    for (std::int64_t kt = 0; kt < kt_count; ++kt) {
      spec::LoadFields f;
      f.mem = spec::Mem::kInp;
      f.region = spec::Region::kAct;
      f.sram_addr = static_cast<std::uint32_t>(kt * block);
      f.dram_offset = a_off + u(m0 * s.k + kt * R);
      f.y_size = static_cast<std::uint32_t>(rows);
      f.x_size = 1;
      f.lanes = static_cast<std::uint32_t>(lanes(s.k, R, kt));
      f.y_stride = static_cast<std::uint32_t>(s.k);
      f.header.pop_next = kt == 0 && !first;  // the compute unit has released the input buffer
      f.header.push_next = kt == kt_count - 1;
      loads.push_back(spec::encode(f));
    }
    for (auto& i : loads) p.insns.push_back(i);

    for (std::int64_t nt = 0; nt < nt_count; ++nt) {
      for (std::int64_t kt = 0; kt < kt_count; ++kt) {
        spec::GemmFields f;
        f.accumulate = kt > 0;
        f.wgt_addr = static_cast<std::uint32_t>((kt * nt_count + nt) * R);
        f.inp_addr = static_cast<std::uint32_t>(kt * block);
        f.acc_addr = static_cast<std::uint32_t>(nt * block);
        f.outer = 1;
        f.inner = static_cast<std::uint32_t>(rows);
        f.inp_stride_inner = 1;
        f.acc_stride_inner = 1;
        const bool first_gemm = nt == 0 && kt == 0, last_gemm = nt == nt_count - 1 && kt == kt_count - 1;
        f.header.pop_prev = first_gemm;
        f.header.pop_next = first_gemm && !first;  // the store unit has drained the accumulator
        f.header.push_next = last_gemm;
        f.header.push_prev = last_gemm && !last;
        p.insns.push_back(spec::encode(f));
      }
    }
    for (std::int64_t nt = 0; nt < nt_count; ++nt) {
      spec::StoreFields f;
      f.region = spec::Region::kAct;
      f.dtype = spec::Dtype::kInt32;
      f.sram_addr = static_cast<std::uint32_t>(nt * block);
      f.dram_offset = y_off + u(4 * (m0 * s.n + nt * C));
      f.y_size = static_cast<std::uint32_t>(rows);
      f.x_size = 1;
      f.lanes = static_cast<std::uint32_t>(lanes(s.n, C, nt));
      f.y_stride = static_cast<std::uint32_t>(4 * s.n);
      f.header.pop_prev = nt == 0;
      f.header.push_prev = nt == nt_count - 1 && !last;
      p.insns.push_back(spec::encode(f));
    }
  }
  p.insns.push_back(spec::encode(spec::FinishFields{}));
  p.steps = {{true, 0, static_cast<std::uint32_t>(p.insns.size()), {}}};
  p.validate("gemm_program");
  return p;
}

}  // namespace systole::models
