// ccnorm: common types and helpers shared by every algorithm header.
//
// The quantity (docs/design.md §1): for logits z in R^K,
//   A(z)     = log exp[z_1..z_K]     (log-partition; divided difference of exp)
//   log C    = LSE(z) - A(z)          (the paper's log normalising constant)
//   mu_j     = dA/dz_j                (the CC mean; 0 < mu_j < 1, sum mu = 1)
//
// Every algorithm is a function template of the same shape:
//   template <class T> Out<T> NAME(const T* z, std::size_t K, T* mu);
// z: K >= 1 logits; mu: nullptr (value only) or room for K entries (filled with the mean).
// Baselines may return NaN (that is what their formulas do); `auto` never does for finite input.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>

#include "normalizer/config.hpp"
#include "normalizer/dd.hpp"

namespace ccnorm {

// What became of one row (the batch API reports it per row; normalizer/batch.hpp).
enum class RowStatus : unsigned char {
  ok = 0,              // evaluated inside the algorithm's accuracy domain
  invalid_input = 1,   // K = 0 or a non-finite entry: outputs are NaN
  outside_domain = 2,  // finite outputs, but outside the domain where the accuracy goal is proven
                       // or measured (auto: spread beyond its series limit)
  failed = 3,          // the algorithm refused or failed (e.g. a size limit): outputs are NaN
};

template <class T>
struct Out {
  T A;     // log-partition A(z)
  T logC;  // LSE(z) - A(z)
  RowStatus status = RowStatus::ok;
};

// Unit roundoff of a scalar type (2^-53 for double, 2^-24 for float, 2^-106 for dd).
template <class T>
struct unit_roundoff {
  static T value() { return std::numeric_limits<T>::epsilon() / 2; }
};
template <>
struct unit_roundoff<dd> {
  static dd value() { return dd(0x1p-106); }
};

// log(sum exp(z)) with the usual max shift; generic in T (host).
template <class T>
T log_sum_exp(const T* z, std::size_t K) {
  using std::exp;
  using std::log;
  using std::log1p;
  std::size_t imax = 0;
  for (std::size_t i = 1; i < K; ++i)
    if (z[i] > z[imax]) imax = i;
  T m = z[imax];
  T s = T(0);
  for (std::size_t i = 0; i < K; ++i)
    if (i != imax) s += exp(z[i] - m);
  return m + log1p(s);
}

// log((K-1)!) in T (host). Uses lgamma_host for built-in types; generic types use a sum of logs.
template <class T>
T log_factorial(std::size_t n) {
  if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(lgamma_host(static_cast<long double>(n) + 1.0L));
  } else {
    using std::log;
    T r = T(0);
    for (std::size_t i = 2; i <= n; ++i) r += log(T(static_cast<double>(i)));
    return r;
  }
}

// The algorithms of docs/design.md §2; names, order and properties: normalizer/registry.hpp.
enum class Algo {
  closed_form,
  closed_form_scaled,
  sorted_difference,
  taylor,
  auto_,          // production path: plain double inside (f32 in/out also uses double inside)
  auto_precise,   // the same series entirely in double-double: <= 1 ulp for A, <= 1 u for mu
  auto_cr,        // correctly rounded A, log C and mu (normalizer/auto_cr.hpp)
  gpu,            // batched CUDA kernels (normalizer/cuda/gpu.hpp); no one-row entry point
};

}  // namespace ccnorm
