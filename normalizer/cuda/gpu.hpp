// ccnorm GPU: batched CUDA evaluation of A = log exp[z], log C and the mean for a row-major B x K
// array (float32 and float64). The algorithm is the all-positive Taylor series of taylor.hpp,
// shared with the host through normalizer/series_row.hpp; the mapping by K (a thread, a warp or a
// block per row) is chosen in normalizer/cuda/launch.hpp. Accuracy goal (as `auto` in that dtype):
// err_A <= 16, err_mu <= 64 in units of the output type's u, never NaN for finite input (non-finite
// input gives NaN, as `auto`). Rows with a spread beyond 2^22 are evaluated by `auto` on the host.
//
// This header needs no CUDA headers; link ccnorm_cuda (built when CMake's CCNORM_CUDA is on, which
// defines CCNORM_HAVE_CUDA=1 for its users). Calls are serialised by an internal mutex (one
// device workspace per process, on the current device).
#pragma once
#include <cstddef>
#include <string>

namespace ccnorm {
namespace gpu {

// True when the CUDA runtime reports at least one device. Never throws.
bool available() noexcept;
// "NVIDIA H100 80GB HBM3 (sm_90, 132 SMs)" for the current device; throws if there is none.
std::string device_name();

// Host pointers: copies Z (B*K values) to the device in chunks, evaluates, copies back A (B), logC
// (B, nullable) and mu (B*K, nullable: value only). Throws std::runtime_error on any CUDA error.
template <class T>
void evaluate_batch(const T* Z, std::size_t B, std::size_t K, T* A, T* logC, T* mu);

// Device pointers (for benchmarks): enqueue only launches kernels on `stream` (a cudaStream_t,
// nullptr = default stream); finish synchronises the stream and evaluates on the host the rows the
// device handed back (spread > 2^22), then returns how many rows were escalated to the wider
// compute type and how many went to the host. B must be below 2^30.
struct Stats {
  std::size_t escalated = 0;
  std::size_t host = 0;
};
template <class T>
void enqueue_device(const T* dZ, std::size_t B, std::size_t K, T* dA, T* dlogC, T* dmu, void* stream = nullptr);
template <class T>
Stats finish_device(const T* dZ, std::size_t B, std::size_t K, T* dA, T* dlogC, T* dmu, void* stream = nullptr);

namespace detail {
// Host fallback for one row (gpu.cpp, compiled by the C++ compiler): ccnorm::auto_eval<T>.
template <class T>
void host_row(const T* z, std::size_t K, T* A, T* logC, T* mu);
}  // namespace detail

}  // namespace gpu
}  // namespace ccnorm
