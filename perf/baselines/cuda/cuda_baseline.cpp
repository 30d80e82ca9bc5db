#include "perf/baselines/cuda/cuda_baseline.hpp"

#include <algorithm>
#include <cstring>
#include <deque>
#include <functional>
#include <limits>

#include "compiler/interpret.hpp"
#include "perf/baselines/batch.hpp"
#include "perf/baselines/cpu/cpu_baseline.hpp"
#include "perf/baselines/cuda/cuda_runtime_util.hpp"
#include "perf/baselines/cuda/kernels.cuh"
#include "runtime/host_kernels.hpp"
#include "sim/isa/quant.hpp"

namespace systole::cuda {

using detail::check;
using detail::DeviceMemory;
using detail::PinnedMemory;

namespace {

constexpr std::size_t kWorkspaceBytes = std::size_t{32} << 20;  // cuBLASLt's, shared by every product

bool is_8bit(DType t) {
  return t == DType::kInt8 || t == DType::kUint8;
}

// Dense int8 tensor-core ops per SM per clock (2 per multiply-accumulate), from NVIDIA's published peaks.
double int8_ops_per_sm_clock(int cc) {
  switch (cc) {
    case 75: return 2048;  // T4: 130 TOPS, 40 SMs, 1.59 GHz
    case 80: return 4096;  // A100: 624 TOPS, 108 SMs, 1.41 GHz
    case 86:
    case 87:
    case 89: return 2048;    // A10, RTX 30x0/40x0, L4, L40
    case 90: return 8192;    // H100/H200: 1979 TOPS (SXM), 132 SMs, 1.83 GHz
    case 100: return 16384;  // B200
    default: return 0;
  }
}

// Host <-> device bytes of a value: 8-bit values one byte each, int32 and float32 four.
std::vector<std::uint8_t> pack(const runtime::HostValue& v) {
  std::vector<std::uint8_t> out;
  if (v.dtype == DType::kFloat32) {
    out.resize(v.floats.size() * 4);
    std::memcpy(out.data(), v.floats.data(), out.size());
  } else if (v.dtype == DType::kInt32) {
    out.resize(v.ints.size() * 4);
    std::memcpy(out.data(), v.ints.data(), out.size());
  } else {
    out.resize(v.ints.size());
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>(v.ints[i]);
  }
  return out;
}

void unpack(const void* bytes, std::size_t count, runtime::HostValue& v) {
  if (v.dtype == DType::kFloat32) {
    v.floats.resize(count);
    std::memcpy(v.floats.data(), bytes, count * 4);
    return;
  }
  v.ints.resize(count);
  if (v.dtype == DType::kInt32) {
    std::memcpy(v.ints.data(), bytes, count * 4);
  } else {
    const auto* b = static_cast<const std::uint8_t*>(bytes);
    for (std::size_t i = 0; i < count; ++i) {
      v.ints[i] = v.dtype == DType::kInt8 ? static_cast<std::int8_t>(b[i]) : b[i];
    }
  }
}

std::size_t value_bytes(const compiler::Value& v) {
  return static_cast<std::size_t>(v.elements()) * dtype_size(v.dtype);
}

kernels::OutRange out_range(const OpDesc& op, DType t) {
  kernels::OutRange r;
  r.lo = dtype_min(t);
  r.hi = dtype_max(t);
  const auto it = op.ints.find("clip");
  if (it != op.ints.end() && it->second.size() == 2) {
    r.clip = true;
    r.clip_lo = static_cast<int>(it->second[0]);
    r.clip_hi = static_cast<int>(it->second[1]);
  }
  return r;
}

// A node run on the reference kernels on the host, inside the CUDA graph: its activations are copied into pinned
// buffers, a host node runs runtime::run_host_op, its output is copied back.
struct HostStep {
  std::string node;
  OpDesc op;
  runtime::OutDesc out;
  std::vector<const runtime::HostValue*> consts;  // per input: the constant, or nullptr for an activation
  std::vector<runtime::HostValue> activations;    // per input: dtype, shape, quantization; values filled per run
  std::vector<PinnedMemory> staged;               // per input (activations only)
  PinnedMemory result;
  std::size_t result_bytes = 0;
  std::string* error = nullptr;  // the first failure of a run

  static void CUDART_CB call(void* self) { static_cast<HostStep*>(self)->execute(); }

  // No exception may cross into the CUDA runtime's thread: failures are kept and raised by run().
  void execute() {
    try {
      std::vector<const runtime::HostValue*> in(consts.size());
      for (std::size_t i = 0; i < consts.size(); ++i) {
        if (consts[i]) {
          in[i] = consts[i];
        } else if (!staged[i]) {
          in[i] = nullptr;  // an absent optional input
        } else {
          runtime::HostValue& v = activations[i];
          unpack(staged[i].get(), static_cast<std::size_t>(checked_element_count(v.shape, kMaxElements)), v);
          in[i] = &v;
        }
      }
      const runtime::HostValue y = runtime::run_host_op(op, in, out);
      const std::vector<std::uint8_t> bytes = pack(y);
      if (bytes.size() != result_bytes) throw InternalError("host step " + node + ": output of unexpected size");
      std::memcpy(result.get(), bytes.data(), bytes.size());
    } catch (const std::exception& e) {
      if (error->empty()) *error = "node " + quote(node) + ": " + e.what();
    }
  }
  static constexpr std::int64_t kMaxElements = std::numeric_limits<std::int64_t>::max();
};

}  // namespace

namespace detail {

LtGemm::LtGemm(cublasLtHandle_t lt, std::size_t rows_c, std::size_t cols_c, std::size_t k, std::size_t workspace_bytes)
    : lt_(lt), workspace_(workspace_bytes) {
  check(cublasLtMatmulDescCreate(&desc_, CUBLAS_COMPUTE_32I, CUDA_R_32I), "cublasLtMatmulDescCreate");
  const cublasOperation_t t = CUBLAS_OP_T, n = CUBLAS_OP_N;
  check(cublasLtMatmulDescSetAttribute(desc_, CUBLASLT_MATMUL_DESC_TRANSA, &t, sizeof t), "TRANSA");
  check(cublasLtMatmulDescSetAttribute(desc_, CUBLASLT_MATMUL_DESC_TRANSB, &n, sizeof n), "TRANSB");
  check(cublasLtMatrixLayoutCreate(&la_, CUDA_R_8I, k, rows_c, static_cast<std::int64_t>(k)), "layout A");
  check(cublasLtMatrixLayoutCreate(&lb_, CUDA_R_8I, k, cols_c, static_cast<std::int64_t>(k)), "layout B");
  check(cublasLtMatrixLayoutCreate(&lc_, CUDA_R_32I, rows_c, cols_c, static_cast<std::int64_t>(rows_c)), "layout C");
  cublasLtMatmulPreference_t pref = nullptr;
  check(cublasLtMatmulPreferenceCreate(&pref), "cublasLtMatmulPreferenceCreate");
  check(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &workspace_,
                                             sizeof workspace_),
        "workspace preference");
  cublasLtMatmulHeuristicResult_t result{};
  int found = 0;
  const cublasStatus_t rc = cublasLtMatmulAlgoGetHeuristic(lt_, desc_, la_, lb_, lc_, lc_, pref, 1, &result, &found);
  cublasLtMatmulPreferenceDestroy(pref);
  ok_ = rc == CUBLAS_STATUS_SUCCESS && found > 0 && result.state == CUBLAS_STATUS_SUCCESS;
  if (ok_) {
    algo_ = result.algo;
    // The algorithm as it will run (shape, layouts, workspace): a form it refuses goes to the direct kernels instead
    // of failing inside the captured graph.
    cublasLtMatmulHeuristicResult_t checked{};
    ok_ = cublasLtMatmulAlgoCheck(lt_, desc_, la_, lb_, lc_, lc_, &algo_, &checked) == CUBLAS_STATUS_SUCCESS &&
          checked.workspaceSize <= workspace_;
  }
}

LtGemm::~LtGemm() {
  if (lc_) cublasLtMatrixLayoutDestroy(lc_);
  if (lb_) cublasLtMatrixLayoutDestroy(lb_);
  if (la_) cublasLtMatrixLayoutDestroy(la_);
  if (desc_) cublasLtMatmulDescDestroy(desc_);
}

void LtGemm::run(const void* a, const void* b, int* c, void* workspace, cudaStream_t s) const {
  const std::int32_t alpha = 1, beta = 0;  // exact: the int32 accumulator itself
  check(cublasLtMatmul(lt_, desc_, &alpha, a, la_, b, lb_, &beta, c, lc_, c, lc_, &algo_, workspace, workspace_, s),
        "cublasLtMatmul");
}

}  // namespace detail

DeviceInfo device_info(int device) {
  DeviceInfo info;
  int count = 0;
  if (const cudaError_t rc = cudaGetDeviceCount(&count); rc != cudaSuccess) {
    info.why_not = cudaGetErrorString(rc);
    return info;
  }
  if (count <= device) {
    info.why_not = count == 0 ? "no CUDA device" : "no CUDA device " + std::to_string(device);
    return info;
  }
  cudaDeviceProp prop{};
  check(cudaGetDeviceProperties(&prop, device), "cudaGetDeviceProperties");
  int clock_khz = 0;
  check(cudaDeviceGetAttribute(&clock_khz, cudaDevAttrClockRate, device), "cudaDeviceGetAttribute (clock)");
  info.available = true;
  info.name = prop.name;
  info.compute_capability = prop.major * 10 + prop.minor;
  info.int8_peak_ops = int8_ops_per_sm_clock(info.compute_capability) * prop.multiProcessorCount * (clock_khz * 1e3);
  int runtime = 0, driver = 0;
  cudaRuntimeGetVersion(&runtime);
  cudaDriverGetVersion(&driver);
  auto text = [](int v) { return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10); };
  info.versions = "cuda runtime " + text(runtime) + ", driver " + text(driver) + ", cublasLt " +
                  std::to_string(cublasLtGetVersion());
  return info;
}

namespace {

DeviceInfo require_gpu(int device) {
  DeviceInfo info = device_info(device);
  if (!info.available) throw UserError("the GPU baseline needs a CUDA GPU: " + info.why_not);
  check(cudaSetDevice(device), "cudaSetDevice");
  return info;
}

}  // namespace

double gemm_int8_ops_per_s(int m, int n, int k, int repeat) {
  require_gpu(0);
  cublasLtHandle_t lt = nullptr;
  check(cublasLtCreate(&lt), "cublasLtCreate");
  std::unique_ptr<std::remove_pointer_t<cublasLtHandle_t>, decltype(&cublasLtDestroy)> owner(lt, cublasLtDestroy);
  const auto um = static_cast<std::size_t>(m), un = static_cast<std::size_t>(n), uk = static_cast<std::size_t>(k);
  DeviceMemory a = detail::device_alloc(um * uk), b = detail::device_alloc(uk * un);
  DeviceMemory c = detail::device_alloc(um * un * 4), ws = detail::device_alloc(kWorkspaceBytes);
  check(cudaMemset(a.get(), 1, um * uk), "cudaMemset");
  check(cudaMemset(b.get(), 1, uk * un), "cudaMemset");
  const detail::LtGemm gemm(lt, um, un, uk, kWorkspaceBytes);
  if (!gemm.ok()) throw InternalError("cuBLASLt has no int8 algorithm for the benchmark's shape");
  cudaEvent_t start = nullptr, stop = nullptr;
  check(cudaEventCreate(&start), "cudaEventCreate");
  check(cudaEventCreate(&stop), "cudaEventCreate");
  std::vector<float> ms;
  for (int r = -1; r < repeat; ++r) {  // r = -1: warm-up
    check(cudaEventRecord(start, nullptr), "cudaEventRecord");
    gemm.run(a.get(), b.get(), static_cast<int*>(c.get()), ws.get(), nullptr);
    check(cudaEventRecord(stop, nullptr), "cudaEventRecord");
    check(cudaEventSynchronize(stop), "cudaEventSynchronize");
    float t = 0;
    check(cudaEventElapsedTime(&t, start, stop), "cudaEventElapsedTime");
    if (r >= 0) ms.push_back(t);
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  std::sort(ms.begin(), ms.end());
  return 2.0 * m * n * static_cast<double>(k) / (ms[ms.size() / 2] / 1e3);
}

struct Baseline::Impl {
  compiler::Graph graph;
  int batch = 1;
  cudaStream_t stream = nullptr;
  cublasLtHandle_t lt = nullptr;
  cudaGraph_t cuda_graph = nullptr;
  cudaGraphExec_t exec = nullptr;
  std::vector<runtime::HostValue> consts;  // by value id
  std::vector<DeviceMemory> buffers;       // by value id: activations, and the constants elementwise kernels read
  std::vector<DeviceMemory> weights;       // prepared operands of the nodes (reordered weights, scales, sums)
  std::vector<std::unique_ptr<detail::LtGemm>> gemms;
  std::deque<HostStep> host_steps;
  std::vector<std::function<void(cudaStream_t)>> launches;  // per node, in order: what the graph captures
  std::map<int, PinnedMemory> staged_inputs, staged_outputs;
  std::vector<NodePlan> plan;
  std::string host_error;
  // Scratch shared by the GEMM-path nodes (they run one after another on one stream).
  std::size_t a_bytes = 0, acc_bytes = 0, rowsum_bytes = 0;
  DeviceMemory scratch_a, scratch_acc, scratch_rowsum, workspace;

  ~Impl() {
    if (exec) cudaGraphExecDestroy(exec);
    if (cuda_graph) cudaGraphDestroy(cuda_graph);
    gemms.clear();
    if (lt) cublasLtDestroy(lt);
    if (stream) cudaStreamDestroy(stream);
  }

  const compiler::Value& value(int id) const { return graph.values[static_cast<std::size_t>(id)]; }

  // The device copy of a value: an activation's buffer, or a constant uploaded on first use.
  void* device(int id) {
    DeviceMemory& d = buffers[static_cast<std::size_t>(id)];
    if (!d) {
      const std::vector<std::uint8_t> bytes = pack(consts[static_cast<std::size_t>(id)]);
      d = detail::upload(bytes.data(), bytes.size());
    }
    return d.get();
  }
  std::uint8_t* bytes(int id) { return static_cast<std::uint8_t*>(device(id)); }

  template <typename T>
  const T* keep(const std::vector<T>& v) {
    weights.push_back(detail::upload(v.data(), v.size() * sizeof(T)));
    return static_cast<const T*>(weights.back().get());
  }

  std::string prepare(std::size_t index);
  std::string prepare_product(const compiler::Node& node, const OpDesc& op);
  std::string prepare_other(const compiler::Node& node, const OpDesc& op);
  void prepare_host(const compiler::Node& node, const OpDesc& op);
};

// The products on the GEMM path (cuBLASLt) or the direct kernels; "" when prepared, else why the host runs it.
std::string Baseline::Impl::prepare_product(const compiler::Node& node, const OpDesc& op) {
  std::vector<const runtime::HostValue*> in;
  std::vector<bool> constant;
  std::vector<runtime::HostValue> shapes(node.inputs.size());
  for (std::size_t i = 0; i < node.inputs.size(); ++i) {
    const int id = node.inputs[i];
    if (id < 0) {
      in.push_back(nullptr);
      constant.push_back(false);
      continue;
    }
    const compiler::Value& v = value(id);
    shapes[i] = v.is_const ? consts[static_cast<std::size_t>(id)]
                           : runtime::HostValue{v.dtype, v.shape, {}, {}, v.scale, v.zero_point};
    in.push_back(&shapes[i]);
    constant.push_back(v.is_const);
  }
  const compiler::Value& yv = value(node.output);
  const runtime::OutDesc out{yv.dtype, yv.scale, yv.zero_point, yv.shape};
  // The CPU baseline's checks: 8-bit operands, constant weights and int32 bias, consistent shapes and quantization,
  // per-tensor weight zero point 0 on convolutions, accumulators that cannot leave int32.
  if (std::string why = cpu::onednn_refusal(op, in, constant, out); !why.empty()) return why;
  const bool conv = op.kind == OpKind::kConv;
  const bool gemm = op.kind == OpKind::kGemm;
  if (gemm && op.ints_or("trans_a", {0})[0] != 0) return "a transposed activation operand";
  const runtime::HostValue& x = *in[0];
  const runtime::HostValue& w = *in[1];
  const bool trans_b = gemm && op.ints_or("trans_b", {0})[0] != 0;
  const int axis = conv ? 0 : (gemm ? (trans_b ? 0 : 1) : static_cast<int>(w.shape.size()) - 1);
  const ref::QuantParams q = runtime::weight_quant(op, w, axis);
  const int shift_w = w.dtype == DType::kUint8 ? 128 : 0, shift_x = x.dtype == DType::kUint8 ? 128 : 0;

  // Weights as rows of k per output channel (conv: [M, C/g * KH * KW] as stored; gemm: column n of b).
  const std::int64_t cols = conv ? w.shape[0] : (trans_b ? w.shape[0] : w.shape[1]);
  const std::int64_t k = conv ? w.shape[1] * w.shape[2] * w.shape[3] : (trans_b ? w.shape[1] : w.shape[0]);
  const std::int64_t rows = yv.elements() / cols;  // conv: N * OH * OW; products: every leading dimension
  auto weight_at = [&](std::int64_t c, std::int64_t i) {
    const std::int64_t flat = conv || trans_b ? c * k + i : i * cols + c;
    return w.ints[static_cast<std::size_t>(flat)];
  };
  auto per = [&](const auto& v, std::int64_t c) { return v.size() > 1 ? v[static_cast<std::size_t>(c)] : v[0]; };
  float x_scale = x.scale;
  if (gemm) {
    const auto alpha = op.floats.find("alpha");
    if (alpha != op.floats.end()) x_scale = static_cast<float>(alpha->second.at(0)) * x.scale;  // ref::qgemm's order
  }
  std::vector<float> scale(static_cast<std::size_t>(cols));
  std::vector<std::int32_t> bias(static_cast<std::size_t>(cols), 0), zw(static_cast<std::size_t>(cols));
  for (std::int64_t c = 0; c < cols; ++c) {
    scale[c] = quant::requant_scale(x_scale, per(q.scale, c), yv.scale);
    zw[c] = per(q.zero_point, c);
    if (in.size() > 2 && in[2]) bias[c] = in[2]->ints[static_cast<std::size_t>(c)];
  }
  const kernels::OutRange range = out_range(op, yv.dtype);
  const int group = conv ? static_cast<int>(op.ints_or("group", {1})[0]) : 1;
  const auto strides = op.ints_or("strides", {1, 1}), dil = op.ints_or("dilations", {1, 1});
  const auto pads = op.ints_or("pads", {0, 0, 0, 0});
  auto narrow = [](std::int64_t v) { return static_cast<int>(v); };

  // Direct kernels: weights minus their zero point, int16.
  std::vector<short> centered(static_cast<std::size_t>(cols * k));
  for (std::int64_t c = 0; c < cols; ++c) {
    for (std::int64_t i = 0; i < k; ++i) centered[c * k + i] = static_cast<short>(weight_at(c, i) - zw[c]);
  }
  auto direct = [&]() {
    const short* wc = keep(centered);
    const int* b = keep(bias);
    const float* s = keep(scale);
    const std::uint8_t* xd = bytes(node.inputs[0]);
    std::uint8_t* yd = bytes(node.output);
    if (conv) {
      kernels::DirectConv p{xd,
                            yd,
                            wc,
                            b,
                            s,
                            narrow(x.shape[0]),
                            narrow(x.shape[1]),
                            narrow(x.shape[2]),
                            narrow(x.shape[3]),
                            narrow(cols),
                            narrow(w.shape[2]),
                            narrow(w.shape[3]),
                            narrow(yv.shape[2]),
                            narrow(yv.shape[3]),
                            group,
                            narrow(strides[0]),
                            narrow(strides[1]),
                            narrow(pads[0]),
                            narrow(pads[1]),
                            narrow(dil[0]),
                            narrow(dil[1]),
                            x.zero_point,
                            yv.zero_point,
                            x.dtype == DType::kInt8,
                            range};
      launches.push_back([p](cudaStream_t st) { kernels::direct_conv(p, st); });
    } else {
      kernels::DirectGemm p{
          xd, yd, wc, b, s, rows, narrow(cols), narrow(k), x.zero_point, yv.zero_point, x.dtype == DType::kInt8, range};
      launches.push_back([p](cudaStream_t st) { kernels::direct_gemm(p, st); });
    }
  };
  if (group != 1) {
    direct();
    return "";
  }

  // The GEMM path: int8 operands (uint8 shifted by -128, which leaves every difference unchanged), k padded to a
  // multiple of 16 with zeros on both sides.
  const std::int64_t kp = (k + 15) / 16 * 16;
  auto lt_gemm = std::make_unique<detail::LtGemm>(lt, static_cast<std::size_t>(cols), static_cast<std::size_t>(rows),
                                                  static_cast<std::size_t>(kp), kWorkspaceBytes);
  if (!lt_gemm->ok()) {
    direct();
    return "";
  }
  std::vector<std::int8_t> w8(static_cast<std::size_t>(cols * kp), 0);
  std::vector<std::int32_t> colsum(static_cast<std::size_t>(cols), 0);
  bool any_zw = false;
  for (std::int64_t c = 0; c < cols; ++c) {
    for (std::int64_t i = 0; i < k; ++i) {
      const int v = weight_at(c, i) - shift_w;
      w8[static_cast<std::size_t>(c * kp + i)] = static_cast<std::int8_t>(v);
      colsum[c] += v;
    }
    zw[c] -= shift_w;
    any_zw = any_zw || zw[c] != 0;
  }
  const std::int8_t* wd = keep(w8);
  const std::uint8_t* xd = bytes(node.inputs[0]);
  const bool packed = conv || shift_x != 0 || kp != k || any_zw;
  a_bytes = std::max(a_bytes, packed ? static_cast<std::size_t>(rows * kp) : 0);
  acc_bytes = std::max(acc_bytes, static_cast<std::size_t>(rows * cols * 4));
  if (any_zw) rowsum_bytes = std::max(rowsum_bytes, static_cast<std::size_t>(rows * 4));
  kernels::Epilogue e{nullptr,
                      bytes(node.output),
                      keep(bias),
                      keep(colsum),
                      keep(zw),
                      keep(scale),
                      nullptr,
                      rows,
                      narrow(cols),
                      narrow(k),
                      x.zero_point - shift_x,
                      yv.zero_point,
                      conv ? narrow(yv.shape[2] * yv.shape[3]) : 0,
                      range};
  const detail::LtGemm* g = lt_gemm.get();
  gemms.push_back(std::move(lt_gemm));
  // Scratch pointers are bound at capture (after every node is prepared and the scratch sized).
  if (conv) {
    kernels::Im2col p{xd,
                      nullptr,
                      nullptr,
                      narrow(x.shape[0]),
                      narrow(x.shape[1]),
                      narrow(x.shape[2]),
                      narrow(x.shape[3]),
                      narrow(w.shape[2]),
                      narrow(w.shape[3]),
                      narrow(yv.shape[2]),
                      narrow(yv.shape[3]),
                      narrow(strides[0]),
                      narrow(strides[1]),
                      narrow(pads[0]),
                      narrow(pads[1]),
                      narrow(dil[0]),
                      narrow(dil[1]),
                      narrow(k),
                      narrow(kp),
                      x.zero_point - shift_x,
                      shift_x != 0};
    launches.push_back([this, p, e, g, wd](cudaStream_t st) mutable {
      p.a = static_cast<std::int8_t*>(scratch_a.get());
      kernels::im2col(p, st);
      e.acc = static_cast<const int*>(scratch_acc.get());
      g->run(wd, p.a, static_cast<int*>(scratch_acc.get()), workspace.get(), st);
      kernels::epilogue(e, st);
    });
  } else {
    kernels::PackRows p{xd, nullptr, nullptr, rows, narrow(k), narrow(kp), shift_x != 0};
    launches.push_back([this, p, e, g, wd, packed, any_zw](cudaStream_t st) mutable {
      const void* a = p.x;
      if (packed) {
        p.a = static_cast<std::int8_t*>(scratch_a.get());
        if (any_zw) {
          p.rowsum = static_cast<int*>(scratch_rowsum.get());
          e.rowsum = p.rowsum;
          check(cudaMemsetAsync(p.rowsum, 0, static_cast<std::size_t>(p.m) * 4, st), "cudaMemsetAsync");
        }
        kernels::pack_rows(p, st);
        a = p.a;
      }
      e.acc = static_cast<const int*>(scratch_acc.get());
      g->run(wd, a, static_cast<int*>(scratch_acc.get()), workspace.get(), st);
      kernels::epilogue(e, st);
    });
  }
  return "";
}

// The operators with own elementwise and pooling kernels; "" when prepared, else why the host runs it.
std::string Baseline::Impl::prepare_other(const compiler::Node& node, const OpDesc& op) {
  if (node.inputs.empty() || node.inputs[0] < 0) return "no input";
  const compiler::Value& x = value(node.inputs[0]);
  const compiler::Value& y = value(node.output);
  const long long count = y.elements();
  if (!x.channel_scale.empty()) return "a per-channel quantized input";
  auto narrow = [](std::int64_t v) { return static_cast<int>(v); };
  switch (op.kind) {
    case OpKind::kQuantize:
    case OpKind::kDequantize:
    case OpKind::kRequantize: {
      if (x.elements() != count) return "input and output sizes differ";
      const bool to_float = op.kind == OpKind::kDequantize;
      if ((op.kind == OpKind::kQuantize) != (x.dtype == DType::kFloat32)) return "an input of another type";
      if (to_float != (y.dtype == DType::kFloat32)) return "an output of another type";
      kernels::Quant p{device(node.inputs[0]),
                       device(node.output),
                       count,
                       static_cast<int>(dtype_size(x.dtype)),
                       x.dtype == DType::kInt8,
                       x.scale,
                       x.zero_point,
                       y.scale,
                       y.zero_point,
                       dtype_min(y.dtype),
                       dtype_max(y.dtype),
                       static_cast<int>(dtype_size(y.dtype))};
      if (op.kind == OpKind::kQuantize) {
        launches.push_back([p](cudaStream_t s) { kernels::quantize(p, s); });
      } else if (to_float) {
        launches.push_back([p](cudaStream_t s) { kernels::dequantize(p, s); });
      } else {
        launches.push_back([p](cudaStream_t s) { kernels::requantize(p, s); });
      }
      return "";
    }
    case OpKind::kReshape: {
      if (value_bytes(x) != value_bytes(y)) return "input and output sizes differ";
      void* from = device(node.inputs[0]);
      void* to = device(node.output);
      const std::size_t n = value_bytes(y);
      launches.push_back([from, to, n](cudaStream_t s) {
        check(cudaMemcpyAsync(to, from, n, cudaMemcpyDeviceToDevice, s), "cudaMemcpyAsync (reshape)");
      });
      return "";
    }
    case OpKind::kClip: {
      const auto c = op.ints_or("clip", {});
      if (!is_8bit(x.dtype) || y.dtype != x.dtype || x.shape != y.shape || c.size() != 2) return "not an 8-bit clip";
      if (c[0] < dtype_min(x.dtype) || c[1] > dtype_max(x.dtype) || c[0] > dtype_max(x.dtype) ||
          c[1] < dtype_min(x.dtype)) {
        return "bounds outside the input's type";
      }
      const std::uint8_t* xd = bytes(node.inputs[0]);
      std::uint8_t* yd = bytes(node.output);
      const bool is_signed = x.dtype == DType::kInt8;
      const int lo = narrow(c[0]), hi = narrow(c[1]);
      launches.push_back([=](cudaStream_t s) { kernels::clip(xd, yd, count, is_signed, lo, hi, s); });
      return "";
    }
    case OpKind::kAdd: {
      if (node.inputs.size() != 2 || node.inputs[1] < 0) return "not two operands";
      const compiler::Value& b = value(node.inputs[1]);
      if (!is_8bit(x.dtype) || !is_8bit(b.dtype) || !is_8bit(y.dtype)) return "not 8-bit in and out";
      if (!b.channel_scale.empty()) return "a per-channel quantized operand";
      if (x.shape != b.shape || y.shape != x.shape) return "broadcasting (ONNX Runtime's spans)";
      if (count < 2) return "a single element (ONNX Runtime's scalar branch)";
      // ref::qlinear_add with the whole tensor as one span: rA = sa / sy, rB = sb / sy, F = zy - fma(rA, za, rB zb).
      const float ra = x.scale / y.scale, rb = b.scale / y.scale;
      const float f = static_cast<float>(y.zero_point) -
                      std::fma(ra, static_cast<float>(x.zero_point), rb * static_cast<float>(b.zero_point));
      kernels::Add p{bytes(node.inputs[0]),   bytes(node.inputs[1]),   bytes(node.output),    count, ra, rb, f,
                     x.dtype == DType::kInt8, b.dtype == DType::kInt8, out_range(op, y.dtype)};
      launches.push_back([p](cudaStream_t s) { kernels::add(p, s); });
      return "";
    }
    case OpKind::kMaxPool: {
      if (!is_8bit(x.dtype) || !is_8bit(y.dtype) || x.shape.size() != 4 || y.shape.size() != 4) {
        return "not an 8-bit 2-D pool";
      }
      const auto kernel = op.ints_or("kernel", {}), strides = op.ints_or("strides", {1, 1});
      const auto pads = op.ints_or("pads", {0, 0, 0, 0}), dil = op.ints_or("dilations", {1, 1});
      if (kernel.size() != 2 || strides.size() != 2 || pads.size() != 4 || dil.size() != 2) return "attribute sizes";
      if (op.ints_or("ceil_mode", {0})[0] != 0) return "ceil_mode (windows that may cover only padding)";
      for (int d = 0; d < 2; ++d) {
        if (kernel[d] < 1 || strides[d] < 1 || dil[d] < 1 || pads[d] < 0 || pads[d + 2] < 0 || pads[d] >= kernel[d] ||
            pads[d + 2] >= kernel[d]) {
          return "attributes the reference kernel checks";
        }
      }
      const bool same = x.scale == y.scale && x.zero_point == y.zero_point && x.dtype == y.dtype;
      kernels::MaxPool p{bytes(node.inputs[0]),
                         bytes(node.output),
                         narrow(x.shape[0]),
                         narrow(x.shape[1]),
                         narrow(x.shape[2]),
                         narrow(x.shape[3]),
                         narrow(kernel[0]),
                         narrow(kernel[1]),
                         narrow(y.shape[2]),
                         narrow(y.shape[3]),
                         narrow(strides[0]),
                         narrow(strides[1]),
                         narrow(pads[0]),
                         narrow(pads[1]),
                         narrow(dil[0]),
                         narrow(dil[1]),
                         x.dtype == DType::kInt8,
                         same,
                         x.scale,
                         y.scale,
                         x.zero_point,
                         y.zero_point,
                         dtype_min(y.dtype),
                         dtype_max(y.dtype)};
      launches.push_back([p](cudaStream_t s) { kernels::max_pool(p, s); });
      return "";
    }
    case OpKind::kGlobalAveragePool: {
      if (!is_8bit(x.dtype) || !is_8bit(y.dtype) || x.shape.size() < 3) return "not an 8-bit pool";
      const std::int64_t planes = x.shape[0] * x.shape[1], plane = x.elements() / std::max<std::int64_t>(planes, 1);
      if (plane < 1 || plane * 255 >= (std::int64_t{1} << 31)) return "a plane the reference kernel refuses";
      const float scale = quant::global_average_scale(x.scale, y.scale, plane);
      if (!(scale >= 0x1.0p-32f && scale < 256.0f)) return "a scale ONNX Runtime refuses";
      const kernels::OutRange range = out_range({}, y.dtype);  // no fused clip: run_host_op applies none here
      kernels::GlobalAverage p{
          bytes(node.inputs[0]), bytes(node.output), planes, narrow(plane), x.dtype == DType::kInt8,
          x.zero_point,          y.zero_point,       scale,  range};
      launches.push_back([p](cudaStream_t s) { kernels::global_average(p, s); });
      return "";
    }
    default: return "no GPU kernel for " + std::string(op_name(op.kind));
  }
}

void Baseline::Impl::prepare_host(const compiler::Node& node, const OpDesc& op) {
  HostStep& h = host_steps.emplace_back();
  h.node = node.name;
  h.op = op;
  const compiler::Value& y = value(node.output);
  h.out = {y.dtype, y.scale, y.zero_point, y.shape};
  h.error = &host_error;
  h.result_bytes = value_bytes(y);
  h.result = detail::pinned_alloc(h.result_bytes);
  std::vector<std::function<void(cudaStream_t)>> copies;
  for (int id : node.inputs) {
    const compiler::Value* v = id < 0 ? nullptr : &value(id);
    h.consts.push_back(v && v->is_const ? &consts[static_cast<std::size_t>(id)] : nullptr);
    h.activations.push_back(v ? runtime::HostValue{v->dtype, v->shape, {}, {}, v->scale, v->zero_point}
                              : runtime::HostValue{});
    h.staged.push_back(v && !v->is_const ? detail::pinned_alloc(value_bytes(*v)) : PinnedMemory());
    if (v && !v->is_const) {
      void* to = h.staged.back().get();
      const void* from = device(id);
      const std::size_t n = value_bytes(*v);
      copies.push_back([=](cudaStream_t s) {
        check(cudaMemcpyAsync(to, from, n, cudaMemcpyDeviceToHost, s), "cudaMemcpyAsync (to a host step)");
      });
    }
  }
  HostStep* step = &h;
  void* out = device(node.output);
  launches.push_back([copies, step, out](cudaStream_t s) {
    for (const auto& copy : copies) copy(s);
    check(cudaLaunchHostFunc(s, &HostStep::call, step), "cudaLaunchHostFunc");
    check(cudaMemcpyAsync(out, step->result.get(), step->result_bytes, cudaMemcpyHostToDevice, s),
          "cudaMemcpyAsync (from a host step)");
  });
}

std::string Baseline::Impl::prepare(std::size_t index) {
  const compiler::Node& node = graph.nodes[index];
  const OpDesc op = compiler::host_op(graph, node);
  const bool product = op.kind == OpKind::kConv || op.kind == OpKind::kGemm || op.kind == OpKind::kMatMul;
  const std::string why = product ? prepare_product(node, op) : prepare_other(node, op);
  if (!why.empty()) prepare_host(node, op);
  return why;
}

Baseline::Baseline(const compiler::Graph& graph, const Options& options) : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  require_gpu(options.device);
  s.graph = options.batch > 0 ? bench::rebatch(graph, options.batch) : graph;
  s.batch = static_cast<int>(bench::graph_batch(s.graph));
  check(cudaStreamCreateWithFlags(&s.stream, cudaStreamNonBlocking), "cudaStreamCreate");
  check(cublasLtCreate(&s.lt), "cublasLtCreate");
  const std::size_t n_values = s.graph.values.size();
  s.consts.resize(n_values);
  s.buffers.resize(n_values);
  for (std::size_t i = 0; i < n_values; ++i) {
    const compiler::Value& v = s.graph.values[i];
    if (v.is_const) {
      s.consts[i] = compiler::const_value(v);
    } else {
      s.buffers[i] = detail::device_alloc(value_bytes(v));
    }
  }
  for (std::size_t i = 0; i < s.graph.nodes.size(); ++i) {
    const std::size_t gemms_before = s.gemms.size();
    const std::string why = s.prepare(i);
    std::string engine = "cuda";
    if (!why.empty()) {
      engine = "host";
    } else if (s.gemms.size() > gemms_before) {
      engine = "cublaslt";
    }
    s.plan.push_back({s.graph.nodes[i].name, engine, why});
  }
  if (s.a_bytes) s.scratch_a = detail::device_alloc(s.a_bytes);
  if (s.acc_bytes) s.scratch_acc = detail::device_alloc(s.acc_bytes);
  if (s.rowsum_bytes) s.scratch_rowsum = detail::device_alloc(s.rowsum_bytes);
  if (!s.gemms.empty()) s.workspace = detail::device_alloc(kWorkspaceBytes);

  // The whole run as one CUDA graph: inputs in, every node, outputs out.
  for (int id : s.graph.inputs) {
    s.staged_inputs[id] = detail::pinned_alloc(value_bytes(s.value(id)));
  }
  for (int id : s.graph.outputs) {
    if (!s.value(id).is_const) s.staged_outputs[id] = detail::pinned_alloc(value_bytes(s.value(id)));
  }
  check(cudaStreamBeginCapture(s.stream, cudaStreamCaptureModeThreadLocal), "cudaStreamBeginCapture");
  for (const auto& [id, staged] : s.staged_inputs) {
    check(cudaMemcpyAsync(s.device(id), staged.get(), value_bytes(s.value(id)), cudaMemcpyHostToDevice, s.stream),
          "cudaMemcpyAsync (input)");
  }
  for (const auto& launch : s.launches) launch(s.stream);
  for (const auto& [id, staged] : s.staged_outputs) {
    check(cudaMemcpyAsync(staged.get(), s.device(id), value_bytes(s.value(id)), cudaMemcpyDeviceToHost, s.stream),
          "cudaMemcpyAsync (output)");
  }
  check(cudaStreamEndCapture(s.stream, &s.cuda_graph), "cudaStreamEndCapture");
  check(cudaGetLastError(), "a kernel launch");
  check(cudaGraphInstantiate(&s.exec, s.cuda_graph, 0), "cudaGraphInstantiate");
}

Baseline::~Baseline() = default;

const std::vector<NodePlan>& Baseline::plan() const {
  return impl_->plan;
}
int Baseline::batch() const {
  return impl_->batch;
}
const compiler::Graph& Baseline::graph() const {
  return impl_->graph;
}

void Baseline::replay() {
  Impl& s = *impl_;
  s.host_error.clear();
  check(cudaGraphLaunch(s.exec, s.stream), "cudaGraphLaunch");
  check(cudaStreamSynchronize(s.stream), "cudaStreamSynchronize");
  if (!s.host_error.empty()) throw UserError("cuda baseline: " + s.host_error);
}

std::map<std::string, Tensor> Baseline::run(const std::map<std::string, Tensor>& inputs) {
  Impl& s = *impl_;
  const compiler::Graph& g = s.graph;
  std::vector<runtime::HostValue> values(g.values.size());
  compiler::bind_graph_inputs(g, inputs, values, "cuda baseline");
  for (auto& [id, staged] : s.staged_inputs) {
    const std::vector<std::uint8_t> bytes = pack(values[static_cast<std::size_t>(id)]);
    std::memcpy(staged.get(), bytes.data(), bytes.size());
  }
  replay();
  for (int id : g.outputs) {
    const compiler::Value& v = s.value(id);
    runtime::HostValue& out = values[static_cast<std::size_t>(id)];
    if (v.is_const) {
      out = s.consts[static_cast<std::size_t>(id)];
      continue;
    }
    out = runtime::HostValue{v.dtype, v.shape, {}, {}, v.scale, v.zero_point};
    unpack(s.staged_outputs.at(id).get(), static_cast<std::size_t>(v.elements()), out);
  }
  return compiler::graph_outputs(g, values);
}

}  // namespace systole::cuda
