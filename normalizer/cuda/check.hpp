// ccnorm GPU: every CUDA runtime call is checked; a failure throws std::runtime_error with the
// file, line, the failing expression and cudaGetErrorString. Kernel launches are followed by
// CCNORM_CUDA_CHECK(cudaGetLastError()).
#pragma once
#include <cuda_runtime_api.h>

#include <stdexcept>
#include <string>

namespace ccnorm {
namespace gpu {

inline void check_cuda(cudaError_t e, const char* what, const char* file, int line) {
  if (e != cudaSuccess)
    throw std::runtime_error(std::string(file) + ":" + std::to_string(line) + ": " + what + ": " + cudaGetErrorName(e) +
                             ": " + cudaGetErrorString(e));
}

}  // namespace gpu
}  // namespace ccnorm

#define CCNORM_CUDA_CHECK(expr) ::ccnorm::gpu::check_cuda((expr), #expr, __FILE__, __LINE__)
