// ccnorm: configuration shared by every kernel.
//
// CCNORM_HD marks functions that compile for both host and CUDA device (scipy/xsf style):
// the kernels in normalizer/ are written once, templated on the scalar type, and reused by
// normalizer/cuda/. Host-only conveniences (std::vector, exceptions, threads) stay out of
// functions marked CCNORM_HD.
#pragma once
#include <math.h>

#include <cmath>

#if defined(__CUDACC__)
#define CCNORM_HD __host__ __device__
#define CCNORM_INLINE __forceinline__
#else
#define CCNORM_HD
#define CCNORM_INLINE inline
#endif

// CCNORM_UNROLL: full unrolling of a loop whose bound is a compile-time constant in device code
// (register-resident arrays need every index constant after unrolling); nothing on the host.
#if defined(__CUDA_ARCH__)
#define CCNORM_UNROLL _Pragma("unroll")
#else
#define CCNORM_UNROLL
#endif

// CCNORM_FOR_NODES(j, first, K, KM): loop j = first .. K-1 over the nodes of a row, in two forms:
//  KM = 0: K-entry work arrays indexed at run time (the host; local memory on a GPU);
//  KM > 0: K <= KM, arrays of KM entries that the device compiler keeps in registers: the bound
//          KM is a compile-time constant, CCNORM_UNROLL unrolls the loop completely and the
//          'j >= K' exit is a predicate, so every array index is a constant. Nothing may be
//          indexed by a run-time value in such a loop (carry the last node's entries in scalars).
// Both forms perform the same operations in the same order: their results are bitwise equal
// (tests/test_gpu_launch.cpp RegisterPathIsBitwiseTheLocalPath).
#define CCNORM_FOR_NODES(j, first, K, KM) \
  CCNORM_UNROLL                           \
  for (int j = (first); j < ((KM) > 0 ? (KM) : (K)); ++j) if ((KM) > 0 && j >= (K)) break; else

namespace ccnorm {

// log Gamma(x) on the host without writing glibc's global `signgam` (std::lgamma does, from
// every thread: a data race; docs/design.md §6.3): lgamma_r / lgammal_r where the C library has
// them.
inline double lgamma_host(double x) {
#if defined(__GLIBC__) || defined(__APPLE__)
  int sign = 0;
  return ::lgamma_r(x, &sign);
#else
  return std::lgamma(x);
#endif
}
inline long double lgamma_host(long double x) {
#if defined(__GLIBC__)
  int sign = 0;
  return ::lgammal_r(x, &sign);
#else
  return std::lgamma(x);
#endif
}

}  // namespace ccnorm
