#include "compiler/lower.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "compiler/interpret.hpp"
#include "compiler/lower_detail.hpp"
#include "sim/cycle/timing.hpp"
#include "systole/error.hpp"

namespace systole::compiler {
namespace {

using detail::Ctx;

bool is_conv_like(OpKind k) {
  return k == OpKind::kConv || k == OpKind::kGemm;
}
bool is_vec(OpKind k) {
  return k == OpKind::kMaxPool || k == OpKind::kAveragePool || k == OpKind::kGlobalAveragePool;
}

Layout layout_of(const Value& v) {
  return v.shape.size() == 4 && v.dtype != DType::kFloat32 ? Layout::kNhwc : Layout::kRowMajor;
}

// A reshape whose input and output bytes are in the same order needs no instructions: the output aliases the input.
bool storage_identical(const Value& in, const Value& out) {
  auto row_major_equivalent = [](const Value& v) {
    return layout_of(v) == Layout::kRowMajor || v.shape[2] * v.shape[3] == 1 || v.shape[1] == 1;
  };
  return row_major_equivalent(in) && row_major_equivalent(out);
}

std::string host_reason(const Node& n) {
  switch (n.op.kind) {
    case OpKind::kQuantize: return "float boundary (the accelerator computes in integers)";
    case OpKind::kDequantize: return "float boundary (the accelerator computes in integers)";
    case OpKind::kReshape: return "reshape changes the NHWC byte order";
    case OpKind::kMatMul: return "activation x activation matmul has no accelerator lowering yet";
    case OpKind::kAdd:
      return "QLinearAdd is fp32 fused multiply-adds in ONNX Runtime; the vector unit has no fused multiply-add";
    default: return std::string(op_name(n.op.kind)) + " has no accelerator lowering";
  }
}

std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) {
  return b ? (a + b - 1) / b : 0;
}

// The report's DRAM bytes, the analytic estimate (sim::estimate_cycles, shared with the timed backends' per-layer
// counters) and the roofline of node `n`.
void predict(const Graph& g, const Node& n, const std::vector<spec::Insn>& code, const isa::ArchConfig& arch,
             LayerReport& r) {
  for (const auto& insn : code) r.dram_bytes += sim::dram_bytes(insn);
  r.predicted_cycles = sim::estimate_cycles(code, arch);
  const auto pes = static_cast<std::uint64_t>(arch.rows() * arch.cols());
  r.utilization = r.predicted_cycles ? static_cast<double>(r.macs) /
                                           (static_cast<double>(r.predicted_cycles) * static_cast<double>(pes))
                                     : 0.0;
  auto bytes = [&](int t) {
    const Value& v = g.values[static_cast<std::size_t>(t)];
    return static_cast<std::uint64_t>(v.elements()) * dtype_size(v.dtype);
  };
  std::uint64_t reads = 0;
  for (int t : n.inputs) reads += t < 0 ? 0 : bytes(t);
  const std::uint64_t writes = bytes(n.output);
  r.min_dram_bytes = reads + writes;
  // Reads may share the two read ports (load, acc) and writes have the store port, each at dram.bytes_per_cycle.
  const auto port = static_cast<std::uint64_t>(arch.params.dram_bytes_per_cycle);
  const std::uint64_t compute = ceil_div(r.macs, pes);
  const std::uint64_t dram = std::max(ceil_div(reads, 2 * port), ceil_div(writes, port));
  r.roofline_cycles = std::max(compute, dram);
  r.roofline_bound = compute >= dram ? "compute" : "dram";
  r.utilization_of_roofline =
      r.predicted_cycles ? static_cast<double>(r.roofline_cycles) / static_cast<double>(r.predicted_cycles) : 0.0;
}

std::vector<std::uint8_t> raw_bytes(const Value& v) {
  std::vector<std::uint8_t> out;
  if (v.dtype == DType::kFloat32) {  // float constants of host operators: float32, little-endian as this host
    out.resize(v.fdata.size() * sizeof(float));
    if (!out.empty()) std::memcpy(out.data(), v.fdata.data(), out.size());
    return out;
  }
  for (std::int32_t x : v.data) {
    const auto u = static_cast<std::uint32_t>(x);
    const int n = v.dtype == DType::kInt32 ? 4 : 1;
    for (int b = 0; b < n; ++b) out.push_back(static_cast<std::uint8_t>(u >> (8 * b)));
  }
  return out;
}

}  // namespace

CompileResult compile(Graph& g, const isa::ArchConfig& arch) {
  CompileResult result;
  Program& p = result.program;
  p.arch_name = arch.name;
  p.fingerprint = arch.fingerprint();
  Ctx c{g, arch, p, std::vector<std::uint64_t>(g.values.size(), 0),
        std::vector<std::array<std::int64_t, 3>>(g.values.size())};
  const std::size_t nv = g.values.size();

  // Placement.
  std::vector<int> alias(nv, -1);  // value -> the value whose storage it shares
  for (Node& n : g.nodes) {
    std::optional<std::string> why;
    if (is_conv_like(n.op.kind)) {
      why = detail::conv_unsupported(c, n);
    } else if (is_vec(n.op.kind)) {
      why = detail::vec_unsupported(c, n);
    } else if (n.op.kind == OpKind::kReshape && storage_identical(c.value(n.inputs[0]), c.value(n.output)) &&
               !c.value(n.inputs[0]).is_const) {
      alias[static_cast<std::size_t>(n.output)] = n.inputs[0];
    } else {
      why = host_reason(n);
    }
    n.placement = why ? Placement::kHost : Placement::kAccel;
    n.reason = why.value_or("");
  }
  // The const region holds every constant about once (weight tiles, bias and requant rows): reserved up front, so the
  // tens of MB of a large network are not copied again each time the region grows.
  std::size_t const_bytes = 0;
  for (const Value& v : g.values) {
    if (v.is_const)
      const_bytes +=
          static_cast<std::size_t>(v.elements()) * (v.dtype == DType::kInt8 || v.dtype == DType::kUint8 ? 1 : 4) + 64;
  }
  p.constants.reserve(const_bytes + const_bytes / 4);

  // A flatten of an NHWC tensor whose every reader is an accelerator gemm stays in NHWC byte order: the gemms
  // permute their weight rows to match, so no host step is needed (the usual CNN classifier head).
  std::vector<std::vector<const Node*>> readers(nv);
  for (const Node& n : g.nodes) {
    for (int in : n.inputs) {
      if (in >= 0) readers[static_cast<std::size_t>(in)].push_back(&n);
    }
  }
  const std::set<int> graph_outputs(g.outputs.begin(), g.outputs.end());
  for (Node& n : g.nodes) {
    if (n.op.kind != OpKind::kReshape || n.placement != Placement::kHost) continue;
    const Value& in = c.value(n.inputs[0]);
    const Value& out = c.value(n.output);
    const auto& rd = readers[static_cast<std::size_t>(n.output)];
    const bool flatten = layout_of(in) == Layout::kNhwc && !in.is_const && out.shape.size() == 2 &&
                         out.shape[0] == in.shape[0] && !graph_outputs.count(n.output) && !rd.empty();
    const bool gemm_readers = std::all_of(rd.begin(), rd.end(), [&](const Node* r) {
      return r->op.kind == OpKind::kGemm && r->placement == Placement::kAccel && r->inputs[0] == n.output &&
             r->op.ints_or("trans_a", {0})[0] == 0;
    });
    if (!flatten || !gemm_readers) continue;
    alias[static_cast<std::size_t>(n.output)] = n.inputs[0];
    c.nhwc_flat[static_cast<std::size_t>(n.output)] = {in.shape[1], in.shape[2], in.shape[3]};
    n.placement = Placement::kAccel;
    n.reason.clear();
  }
  auto root = [&](int v) {
    while (alias[static_cast<std::size_t>(v)] >= 0) v = alias[static_cast<std::size_t>(v)];
    return v;
  };

  // Liveness of every activation buffer (alias groups share one), in node indices.
  const int end = static_cast<int>(g.nodes.size());
  std::vector<int> first(nv, end + 1), last(nv, -2);
  std::set<int> host_consts;
  for (int id : g.inputs) first[static_cast<std::size_t>(root(id))] = -1;
  for (int i = 0; i < end; ++i) {
    const Node& n = g.nodes[static_cast<std::size_t>(i)];
    const auto r = static_cast<std::size_t>(root(n.output));
    first[r] = std::min(first[r], i);
    last[r] = std::max(last[r], i);
    for (int in : n.inputs) {
      if (in < 0) continue;
      if (g.values[static_cast<std::size_t>(in)].is_const) {
        if (n.placement == Placement::kHost) host_consts.insert(in);
        continue;
      }
      last[static_cast<std::size_t>(root(in))] = std::max(last[static_cast<std::size_t>(root(in))], i);
    }
  }
  for (int id : g.outputs) last[static_cast<std::size_t>(root(id))] = end;
  for (int id : g.inputs)
    last[static_cast<std::size_t>(root(id))] = std::max(last[static_cast<std::size_t>(root(id))], 0);

  // First-fit allocation in order of definition; buffers whose lifetimes do not overlap share bytes.
  struct Live {
    std::uint64_t at, size;
    int last;
  };
  std::vector<Live> active;
  std::uint64_t act_bytes = 0;
  std::vector<int> order;
  for (std::size_t v = 0; v < nv; ++v) {
    if (!g.values[v].is_const && alias[v] < 0 && last[v] >= -1) order.push_back(static_cast<int>(v));
  }
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return first[static_cast<std::size_t>(a)] < first[static_cast<std::size_t>(b)];
  });
  for (int v : order) {
    const Value& val = g.values[static_cast<std::size_t>(v)];
    const std::uint64_t size = (static_cast<std::uint64_t>(val.elements()) * dtype_size(val.dtype) + 63) / 64 * 64;
    std::erase_if(active, [&](const Live& l) { return l.last < first[static_cast<std::size_t>(v)]; });
    std::sort(active.begin(), active.end(), [](const Live& a, const Live& b) { return a.at < b.at; });
    std::uint64_t at = 0;
    for (const Live& l : active) {
      if (l.at >= at + size) break;
      at = std::max(at, l.at + l.size);
    }
    c.offset[static_cast<std::size_t>(v)] = at;
    active.push_back({at, size, last[static_cast<std::size_t>(v)]});
    act_bytes = std::max(act_bytes, at + size);
  }
  for (std::size_t v = 0; v < nv; ++v) {
    if (alias[v] >= 0) c.offset[v] = c.offset[static_cast<std::size_t>(root(static_cast<int>(v)))];
  }
  p.act_bytes = std::max<std::uint64_t>(act_bytes, 64);

  // Tensor descriptors: every activation, and the constants host steps read.
  std::set<std::string> names;
  std::vector<std::string> name_of(nv);
  auto unique_name = [&](std::size_t v) {
    std::string base = g.values[v].name.empty() ? "v" + std::to_string(v) : g.values[v].name;
    for (char& ch : base) {
      if (ch < 0x21 || ch > 0x7E) ch = '_';
    }
    if (base.size() > 200) base.resize(200);
    std::string name = base;
    for (int k = 1; !names.insert(name).second; ++k) name = base + "#" + std::to_string(k);
    return name;
  };
  std::set<int> is_input(g.inputs.begin(), g.inputs.end()), is_output(g.outputs.begin(), g.outputs.end());
  for (std::size_t v = 0; v < nv; ++v) {
    const Value& val = g.values[v];
    const bool host_const = host_consts.count(static_cast<int>(v)) > 0;
    if (val.is_const && !host_const) continue;
    if (c.nhwc_flat[v][0] != 0) continue;  // only accelerator gemms read it, in NHWC order
    if (!val.is_const && last[static_cast<std::size_t>(root(static_cast<int>(v)))] < -1) continue;  // unused
    TensorDesc t;
    t.name = name_of[v] = unique_name(v);
    t.dtype = val.dtype;
    t.shape = val.shape;
    t.scale = val.channel_scale.empty() ? val.scale : 1.0f;
    t.zero_point = val.channel_scale.empty() ? val.zero_point : 0;
    if (host_const) {
      t.kind = TensorKind::kConst;
      t.offset = c.add_const(raw_bytes(val));
    } else {
      t.kind = is_input.count(static_cast<int>(v))    ? TensorKind::kInput
               : is_output.count(static_cast<int>(v)) ? TensorKind::kOutput
                                                      : TensorKind::kInternal;
      t.offset = c.offset[v];
      t.layout = layout_of(val);
    }
    if (!(t.scale > 0.0f)) t.scale = 1.0f;
    p.tensors.push_back(std::move(t));
  }

  // Emission: consecutive accelerator layers form one segment (sync between layers); a host node closes it.
  std::uint32_t segment_begin = 0;
  bool segment_open = false;
  auto close_segment = [&] {
    if (!segment_open) return;
    p.insns.push_back(spec::encode(spec::FinishFields{}));
    p.steps.push_back({true, segment_begin, static_cast<std::uint32_t>(p.insns.size()), {}});
    segment_open = false;
  };
  for (const Node& n : g.nodes) {
    LayerReport r;
    // Layer names come from ONNX node names, which may be any length: cut like tensor names (the program file
    // stores at most 255 bytes).
    r.name = n.name.substr(0, 200);
    r.op = std::string(op_name(n.op.kind));
    r.accel = n.placement == Placement::kAccel;
    r.reason = n.reason;
    if (n.placement == Placement::kHost) {
      close_segment();
      HostStep h;
      h.op = host_op(g, n);
      h.layer = r.name;
      for (int in : n.inputs) h.inputs.push_back(in < 0 ? "" : name_of[static_cast<std::size_t>(in)]);
      h.outputs.push_back(name_of[static_cast<std::size_t>(n.output)]);
      p.steps.push_back({false, 0, 0, std::move(h)});
    } else if (alias[static_cast<std::size_t>(n.output)] < 0) {
      if (!segment_open) {
        segment_open = true;
        segment_begin = static_cast<std::uint32_t>(p.insns.size());
      } else {
        p.insns.push_back(spec::encode(spec::SyncFields{}));  // this layer reads what the previous one stored
      }
      std::vector<spec::Insn> code;
      if (is_conv_like(n.op.kind)) {
        detail::emit_conv(c, n, code, r);
      } else {
        detail::emit_vec(c, n, code, r);
      }
      const auto begin = static_cast<std::uint32_t>(p.insns.size());
      p.insns.insert(p.insns.end(), code.begin(), code.end());
      p.layers.push_back({begin, static_cast<std::uint32_t>(p.insns.size()), r.name.empty() ? r.op : r.name});
      r.instructions = code.size();
      predict(g, n, code, arch, r);
    }
    result.layers.push_back(std::move(r));
  }
  close_segment();
  p.validate("compiled program");
  return result;
}

std::string report_table(const CompileResult& r, const isa::ArchConfig& arch) {
  std::ostringstream out;
  char line[512];
  std::snprintf(line, sizeof line, "%-28s %-20s %-6s %12s %7s %7s %12s %12s %6s %12s %-7s %7s\n", "layer", "op",
                "where", "MACs", "tiles", "blocks", "DRAM bytes", "cycles", "util", "roofline", "bound", "of roof");
  out << line;
  std::uint64_t macs = 0, cycles = 0, bytes = 0, roofline = 0;
  for (const auto& l : r.layers) {
    std::snprintf(line, sizeof line, "%-28.28s %-20s %-6s %12llu %7llu %7llu %12llu %12llu %5.1f%% %12llu %-7s %6.1f%%",
                  l.name.c_str(), l.op.c_str(), l.accel ? "accel" : "host", static_cast<unsigned long long>(l.macs),
                  static_cast<unsigned long long>(l.tiles), static_cast<unsigned long long>(l.blocks),
                  static_cast<unsigned long long>(l.dram_bytes), static_cast<unsigned long long>(l.predicted_cycles),
                  100.0 * l.utilization, static_cast<unsigned long long>(l.roofline_cycles),
                  l.roofline_bound.empty() ? "-" : l.roofline_bound.c_str(), 100.0 * l.utilization_of_roofline);
    out << line << (l.reason.empty() ? "" : "  (" + l.reason + ")") << "\n";
    macs += l.macs;
    cycles += l.predicted_cycles;
    bytes += l.dram_bytes;
    roofline += l.roofline_cycles;
  }
  const double util = cycles ? static_cast<double>(macs) /
                                   (static_cast<double>(cycles) * static_cast<double>(arch.rows() * arch.cols()))
                             : 0.0;
  std::snprintf(line, sizeof line,
                "total: %llu MACs, %llu DRAM bytes, %llu predicted cycles (%.3f ms at %lld MHz), "
                "utilization %.1f%%, roofline %llu cycles (%.1f%% of it), %zu instructions\n",
                static_cast<unsigned long long>(macs), static_cast<unsigned long long>(bytes),
                static_cast<unsigned long long>(cycles),
                static_cast<double>(cycles) / static_cast<double>(arch.params.clock_mhz) / 1e3,
                static_cast<long long>(arch.params.clock_mhz), 100.0 * util, static_cast<unsigned long long>(roofline),
                cycles ? 100.0 * static_cast<double>(roofline) / static_cast<double>(cycles) : 0.0,
                r.program.insns.size());
  out << line;
  return out.str();
}

std::string report_json(const CompileResult& r, const isa::ArchConfig& arch) {
  nlohmann::json j;
  j["arch"] = arch.name;
  j["instructions"] = r.program.insns.size();
  j["const_bytes"] = r.program.constants.size();
  j["act_bytes"] = r.program.act_bytes;
  std::uint64_t macs = 0, cycles = 0, roofline = 0;
  for (const auto& l : r.layers) {
    j["layers"].push_back({{"name", l.name},
                           {"op", l.op},
                           {"placement", l.accel ? "accel" : "host"},
                           {"reason", l.reason},
                           {"macs", l.macs},
                           {"array_macs", l.array_macs},
                           {"instructions", l.instructions},
                           {"tiles", l.tiles},
                           {"blocks", l.blocks},
                           {"dram_bytes", l.dram_bytes},
                           {"predicted_cycles", l.predicted_cycles},
                           {"utilization", l.utilization},
                           {"min_dram_bytes", l.min_dram_bytes},
                           {"roofline_cycles", l.roofline_cycles},
                           {"roofline_bound", l.roofline_bound},
                           {"utilization_of_roofline", l.utilization_of_roofline}});
    macs += l.macs;
    cycles += l.predicted_cycles;
    roofline += l.roofline_cycles;
  }
  j["total_macs"] = macs;
  j["predicted_cycles"] = cycles;
  j["roofline_cycles"] = roofline;
  j["utilization_of_roofline"] = cycles ? static_cast<double>(roofline) / static_cast<double>(cycles) : 0.0;
  j["utilization"] = cycles ? static_cast<double>(macs) /
                                  (static_cast<double>(cycles) * static_cast<double>(arch.rows() * arch.cols()))
                            : 0.0;
  return j.dump(2);
}

}  // namespace systole::compiler
