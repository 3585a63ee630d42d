// ccnorm GPU: DeviceBatch (normalizer/cuda/gpu.hpp), the device-resident batches that `ccnorm bench`
// times. Inputs are copied once, before timing, into nbuf rotating buffers; run() times one
// enqueue_device + finish_device call on the next buffer.
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "normalizer/cuda/check.hpp"
#include "normalizer/cuda/gpu.hpp"
#include "normalizer/cuda/launch.hpp"

namespace ccnorm {
namespace gpu {

template <class T>
struct DeviceBatch<T>::Impl {
  std::size_t B = 0, K = 0;
  bool mean = false;
  std::vector<T*> Z;
  T* A = nullptr;
  T* L = nullptr;
  T* M = nullptr;
  cudaEvent_t e0 = nullptr, e1 = nullptr;
  std::size_t next = 0;
  Stats last;
  void release() noexcept {
    for (T* z : Z) (void)cudaFree(z);
    Z.clear();
    for (T* p : {A, L, M})
      if (p) (void)cudaFree(p);
    A = L = M = nullptr;
    if (e0) (void)cudaEventDestroy(e0);
    if (e1) (void)cudaEventDestroy(e1);
    e0 = e1 = nullptr;
  }
};

template <class T>
DeviceBatch<T>::DeviceBatch(const T* rows, std::size_t nrows, std::size_t B, std::size_t K, bool mean, std::size_t min_bytes)
    : p_(new Impl) {
  if (nrows == 0 || B == 0 || K == 0) {
    delete p_;
    throw std::invalid_argument("ccnorm::gpu::DeviceBatch: rows, B and K must be positive");
  }
  Impl& m = *p_;
  m.B = B;
  m.K = K;
  m.mean = mean;
  try {
    const std::size_t in_bytes = B * K * sizeof(T);
    const std::size_t out_bytes = 2 * B * sizeof(T) + (mean ? in_bytes : 0);
    std::size_t nbuf = std::max<std::size_t>(2, (min_bytes + in_bytes - 1) / in_bytes);
    std::size_t freeb = 0, totalb = 0;
    CCNORM_CUDA_CHECK(cudaMemGetInfo(&freeb, &totalb));
    // the workspace of enqueue_device: lists (8 bytes per row) and group scratch (bounded by
    // launch.hpp's scratch_budget per compute type; twice that as a margin)
    const double workspace = 8.0 * static_cast<double>(B) + 2.0 * static_cast<double>(DeviceLimits{}.scratch_budget);
    const double room = 0.8 * static_cast<double>(freeb) - workspace;
    while (nbuf > 1 && static_cast<double>(nbuf * in_bytes + out_bytes) > room) --nbuf;
    if (static_cast<double>(nbuf * in_bytes + out_bytes) > room)
      throw std::runtime_error("DeviceBatch: " + std::to_string((in_bytes + out_bytes) >> 20) + " MiB do not fit in 80% of the " +
                               std::to_string(freeb >> 20) + " MiB free on the device");
    std::vector<T> h(B * K);
    for (std::size_t b = 0; b < nbuf; ++b) {
      const std::size_t off = b * nrows / nbuf;
      for (std::size_t i = 0; i < B; ++i) {
        const T* src = rows + ((i + off) % nrows) * K;
        std::copy(src, src + K, h.begin() + i * K);
      }
      T* z = nullptr;
      CCNORM_CUDA_CHECK(cudaMalloc(&z, in_bytes));
      m.Z.push_back(z);
      CCNORM_CUDA_CHECK(cudaMemcpy(z, h.data(), in_bytes, cudaMemcpyHostToDevice));
    }
    CCNORM_CUDA_CHECK(cudaMalloc(&m.A, B * sizeof(T)));
    CCNORM_CUDA_CHECK(cudaMalloc(&m.L, B * sizeof(T)));
    if (mean) CCNORM_CUDA_CHECK(cudaMalloc(&m.M, in_bytes));
    CCNORM_CUDA_CHECK(cudaEventCreate(&m.e0));
    CCNORM_CUDA_CHECK(cudaEventCreate(&m.e1));
    CCNORM_CUDA_CHECK(cudaDeviceSynchronize());
    run();  // untimed warm-up: workspace allocation, reciprocal tables, lazy kernel loading
    m.next = 0;
  } catch (...) {
    m.release();
    delete p_;
    throw;
  }
}

template <class T>
DeviceBatch<T>::~DeviceBatch() {
  p_->release();
  delete p_;
}

template <class T>
double DeviceBatch<T>::run() {
  Impl& m = *p_;
  T* z = m.Z[m.next];
  m.next = (m.next + 1) % m.Z.size();
  const auto t0 = std::chrono::steady_clock::now();
  CCNORM_CUDA_CHECK(cudaEventRecord(m.e0));
  enqueue_device<T>(z, m.B, m.K, m.A, m.L, m.M);
  CCNORM_CUDA_CHECK(cudaEventRecord(m.e1));
  m.last = finish_device<T>(z, m.B, m.K, m.A, m.L, m.M);
  CCNORM_CUDA_CHECK(cudaEventSynchronize(m.e1));
  if (m.last.host > 0) return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  float ms = 0;
  CCNORM_CUDA_CHECK(cudaEventElapsedTime(&ms, m.e0, m.e1));
  return ms * 1e-3;
}

template <class T>
Stats DeviceBatch<T>::last_stats() const {
  return p_->last;
}
template <class T>
std::size_t DeviceBatch<T>::buffers() const {
  return p_->Z.size();
}
template <class T>
std::size_t DeviceBatch<T>::bytes_per_run() const {
  return (p_->B * p_->K * (p_->mean ? 2 : 1) + 2 * p_->B) * sizeof(T);
}

double copy_bandwidth_gbs() {
  std::size_t freeb = 0, totalb = 0;
  CCNORM_CUDA_CHECK(cudaMemGetInfo(&freeb, &totalb));
  std::size_t bytes = std::size_t(1) << 30;
  while (bytes > (std::size_t(1) << 24) && 2 * bytes > freeb / 2) bytes /= 2;
  struct Res {  // released on every path
    void* a = nullptr;
    void* b = nullptr;
    cudaEvent_t e0 = nullptr, e1 = nullptr;
    ~Res() {
      if (e0) (void)cudaEventDestroy(e0);
      if (e1) (void)cudaEventDestroy(e1);
      if (a) (void)cudaFree(a);
      if (b) (void)cudaFree(b);
    }
  } r;
  CCNORM_CUDA_CHECK(cudaMalloc(&r.a, bytes));
  CCNORM_CUDA_CHECK(cudaMalloc(&r.b, bytes));
  CCNORM_CUDA_CHECK(cudaMemset(r.a, 1, bytes));
  CCNORM_CUDA_CHECK(cudaEventCreate(&r.e0));
  CCNORM_CUDA_CHECK(cudaEventCreate(&r.e1));
  std::vector<float> t;
  for (int i = 0; i < 23; ++i) {
    CCNORM_CUDA_CHECK(cudaEventRecord(r.e0));
    CCNORM_CUDA_CHECK(cudaMemcpyAsync(r.b, r.a, bytes, cudaMemcpyDeviceToDevice));
    CCNORM_CUDA_CHECK(cudaEventRecord(r.e1));
    CCNORM_CUDA_CHECK(cudaEventSynchronize(r.e1));
    float ms = 0;
    CCNORM_CUDA_CHECK(cudaEventElapsedTime(&ms, r.e0, r.e1));
    if (i >= 3) t.push_back(ms);
  }
  std::sort(t.begin(), t.end());
  const double ms = t[t.size() / 2];
  return 2.0 * static_cast<double>(bytes) / (ms * 1e-3) / 1e9;
}

template class DeviceBatch<float>;
template class DeviceBatch<double>;

}  // namespace gpu
}  // namespace ccnorm
