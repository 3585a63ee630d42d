// ccnorm: configuration shared by every kernel.
//
// CCNORM_HD marks functions that compile for both host and CUDA device (scipy/xsf style):
// the kernels in normalizer/ are written once, templated on the scalar type, and reused by
// normalizer/cuda/. Host-only conveniences (std::vector, exceptions, threads) stay out of
// functions marked CCNORM_HD.
#pragma once

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
