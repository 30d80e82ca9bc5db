// Small RAII and error helpers around the CUDA runtime and cuBLASLt for the GPU baseline (not part of its API).
#pragma once

#include <cublasLt.h>
#include <cuda_runtime.h>

#include <cstddef>
#include <memory>
#include <string>

#include "systole/error.hpp"

namespace systole::cuda::detail {

// A failed CUDA call is our bug or a broken GPU, never bad input: an internal error naming the call.
inline void check(cudaError_t rc, const char* what) {
  if (rc != cudaSuccess) throw InternalError(std::string("cuda baseline: ") + what + ": " + cudaGetErrorString(rc));
}
inline void check(cublasStatus_t rc, const char* what) {
  if (rc != CUBLAS_STATUS_SUCCESS) {
    throw InternalError(std::string("cuda baseline: ") + what + ": cuBLAS status " + std::to_string(int(rc)));
  }
}

struct DeviceFree {
  void operator()(void* p) const { cudaFree(p); }
};
struct HostFree {
  void operator()(void* p) const { cudaFreeHost(p); }
};
using DeviceMemory = std::unique_ptr<void, DeviceFree>;
using PinnedMemory = std::unique_ptr<void, HostFree>;

inline DeviceMemory device_alloc(std::size_t bytes) {
  void* p = nullptr;
  check(cudaMalloc(&p, bytes == 0 ? 1 : bytes), "cudaMalloc");
  return DeviceMemory(p);
}
inline PinnedMemory pinned_alloc(std::size_t bytes) {
  void* p = nullptr;
  check(cudaMallocHost(&p, bytes == 0 ? 1 : bytes), "cudaMallocHost");
  return PinnedMemory(p);
}
inline DeviceMemory upload(const void* data, std::size_t bytes) {
  DeviceMemory d = device_alloc(bytes);
  if (bytes) check(cudaMemcpy(d.get(), data, bytes, cudaMemcpyHostToDevice), "cudaMemcpy (upload)");
  return d;
}

// A cuBLASLt int8 x int8 -> int32 product in the TN layout IMMA takes, column-major:
//   C[rows_c, cols_c] = A^T B, A stored [k, rows_c] (ld k), B stored [k, cols_c] (ld k), C ld rows_c.
// `ok` is false where cuBLASLt offers no algorithm for the shape (the caller then uses its own kernel).
class LtGemm {
 public:
  LtGemm(cublasLtHandle_t lt, std::size_t rows_c, std::size_t cols_c, std::size_t k, std::size_t workspace_bytes);
  ~LtGemm();
  LtGemm(const LtGemm&) = delete;
  LtGemm& operator=(const LtGemm&) = delete;

  bool ok() const { return ok_; }
  void run(const void* a, const void* b, int* c, void* workspace, cudaStream_t s) const;

 private:
  cublasLtHandle_t lt_;
  cublasLtMatmulDesc_t desc_ = nullptr;
  cublasLtMatrixLayout_t la_ = nullptr, lb_ = nullptr, lc_ = nullptr;
  cublasLtMatmulAlgo_t algo_{};
  std::size_t workspace_ = 0;
  bool ok_ = false;
};

}  // namespace systole::cuda::detail
