// ccnorm GPU: host-side pieces compiled by the C++ compiler (C++20): the out-of-domain fallback
// (rows with spread > 2^22 are evaluated by `auto` on the CPU, exactly as the CPU path does).
#include <cstddef>

#include "normalizer/auto.hpp"
#include "normalizer/cuda/gpu.hpp"

namespace ccnorm {
namespace gpu {
namespace detail {

template <class T>
void host_row(const T* z, std::size_t K, T* A, T* logC, T* mu) {
  const Out<T> o = auto_eval<T>(z, K, mu);
  *A = o.A;
  *logC = o.logC;
}

template void host_row<float>(const float*, std::size_t, float*, float*, float*);
template void host_row<double>(const double*, std::size_t, double*, double*, double*);

}  // namespace detail
}  // namespace gpu
}  // namespace ccnorm
