// ccnorm GPU: batched CUDA evaluation of A = log exp[z], log C and the mean for a row-major B x K
// array (float32 and float64). The algorithm is the all-positive Taylor series, its arithmetic the
// series core the host shares (normalizer/series/), mapped onto threads by
// normalizer/cuda/row_mappings.hpp; the mapping by K (a thread, a warp or a block per row) is
// chosen in normalizer/cuda/launch.hpp. Accuracy goal (as `auto` in that dtype):
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
// Why available() is false ("cudaErrorNoDevice: no CUDA-capable device is detected", ...); empty
// when a device is there. Never throws.
std::string unavailable_reason();
// "NVIDIA H100 80GB HBM3 (sm_90, 132 SMs)" for the current device; throws if there is none.
std::string device_name();

// Host pointers: copies Z (B*K values) to the device in chunks, evaluates, copies back A (B), logC
// (B, nullable) and mu (B*K, nullable: value only). Throws std::runtime_error on any CUDA error.
template <class T>
void evaluate_batch(const T* Z, std::size_t B, std::size_t K, T* A, T* logC, T* mu);

// Device pointers (for benchmarks): enqueue only launches kernels on `stream` (a cudaStream_t,
// nullptr = default stream); finish synchronises the stream and evaluates on the host the rows the
// device handed back (spread > 2^22), then returns how many rows were escalated to the wider
// compute type and how many went to the host. B must be below 2^30 and K at most 2^29.
// One call in flight per process: the pair shares the internal workspace (counters, lists,
// scratch), so enqueue_device throws std::logic_error until the previous one is finished.
struct Stats {
  std::size_t escalated = 0;
  std::size_t host = 0;
};
template <class T>
void enqueue_device(const T* dZ, std::size_t B, std::size_t K, T* dA, T* dlogC, T* dmu, void* stream = nullptr);
template <class T>
Stats finish_device(const T* dZ, std::size_t B, std::size_t K, T* dA, T* dlogC, T* dmu, void* stream = nullptr);

// Benchmark helper (ccnorm bench): B rows of K values resident on the device, in nbuf input
// buffers (enough that together they exceed min_bytes, so the L2 cache never holds the next
// call's input; at least 2, fewer only when memory is short); buffer b holds the caller's rows
// cycled from offset b * nrows / nbuf, so consecutive calls never see the same input. Outputs A,
// log C and (with mean) mu on the device. The constructor makes one untimed call (workspace
// allocation, reciprocal tables, lazy module loading). run() evaluates the next buffer
// (enqueue_device + finish_device) and returns its time in seconds: CUDA events around the
// kernels, or the host wall time of the whole call when rows went to the host fallback. Throws
// std::runtime_error on any CUDA error or when the buffers and the workspace do not fit in 80 % of
// the free device memory.
template <class T>
class DeviceBatch {
 public:
  DeviceBatch(const T* rows, std::size_t nrows, std::size_t B, std::size_t K, bool mean,
              std::size_t min_bytes = std::size_t(256) << 20);
  ~DeviceBatch();
  DeviceBatch(const DeviceBatch&) = delete;
  DeviceBatch& operator=(const DeviceBatch&) = delete;
  double run();
  Stats last_stats() const;      // escalated / host rows of the last run()
  std::size_t buffers() const;   // nbuf
  std::size_t bytes_per_run() const;  // input + outputs read and written once: the roofline's bytes

 private:
  struct Impl;
  Impl* p_;
};

// Device-to-device copy bandwidth in GB/s (read + write counted: 2 x bytes / time), median of
// 20 timed cudaMemcpyAsync calls of 1 GiB (512 MiB when less memory is free) after 3 warm-ups:
// the memory roofline that ccnorm bench and bench/gpu/device_check compare against.
double copy_bandwidth_gbs();

namespace detail {
// Host fallback for one row (gpu.cpp, compiled by the C++ compiler): ccnorm::auto_eval<T>.
template <class T>
void host_row(const T* z, std::size_t K, T* A, T* logC, T* mu);
}  // namespace detail

}  // namespace gpu
}  // namespace ccnorm
