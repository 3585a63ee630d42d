// ccnorm series core: precision escalation - which rows are (re)computed in a wider compute type so
// that every input of the domain meets the accuracy goal (err_A <= 16, err_mu <= 64 in the output
// type; docs/design.md §3), written once (CCNORM_HD) for the host's `auto` (auto.hpp) and the GPU
// (normalizer/cuda/). Thresholds in limits.hpp.
//
// Chains of compute types:
//   host auto:  f32 outputs: double only (it is wider than the output: never escalates);
//               f64 outputs: double -> x87 long double (64-bit significand: the chain's sqrt(N)
//               growth stays ~2^-11 of a double ulp, ~2.3x cheaper than double-double; double-double
//               where long double is not wider than double). auto-precise: double-double only.
//   GPU (Chain<T>): f32: float -> double; f64: double -> double-double. A compute type wider than
//               the output type is the top of its chain (IsTop) and never escalates.
// Before the run (escalate_before; both): the mean from a double series for f64 outputs beyond
//   kMeanEscalationSpread, and (GPU) any float series beyond kFloatSeriesMaxSpread.
// After the run, from the series' rounding (relative error of S ~ sqrt(N) u_C, landing on A and on
//   log C alike) - two separately calibrated rules (limits.hpp):
//   auto_rerun_after (host auto, f64): 1.5 sqrt(N + 1) + 0.5 sqrt(K) > 10 max(1, min(|A|, |log C|));
//   gpu_escalate_after (GPU): sqrt(K + N) > 4 max(1, |A|).
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "normalizer/config.hpp"
#include "normalizer/dd.hpp"
#include "normalizer/series/arithmetic.hpp"
#include "normalizer/series/limits.hpp"

namespace ccnorm {
namespace series {

// The compute type C is the last of output type T's chain.
template <class T, class C>
struct IsTop {
  static constexpr bool value = sizeof(C) > sizeof(T);
};

// The GPU's compute types for output type T: `first` for every row, `second` for the rows escalated
// from it (IsTop: nothing escalates from the second).
template <class T>
struct Chain;
template <>
struct Chain<float> {
  using first = float;
  using second = double;
};
template <>
struct Chain<double> {
  using first = double;
  using second = dd;
};

// Before the run, r <= kAccuracyDomainMaxSpread: does the row need a wider type than C?
template <class T, class C>
CCNORM_HD CCNORM_INLINE bool escalate_before(double r, bool want_mu) {
  if (IsTop<T, C>::value) return false;
  if constexpr (std::is_same<C, float>::value) return r > kFloatSeriesMaxSpread;
  else return want_mu && r > kMeanEscalationSpread;
}

// auto (f64 outputs, double series of `terms` = N + 1 degrees): rerun in extended precision?
CCNORM_HD CCNORM_INLINE bool auto_rerun_after(std::size_t terms, std::size_t K, double A, double logC) {
  const double small_out = max_num(1.0, min_num(::fabs(A), ::fabs(logC)));
  const double err_est = 1.5 * ::sqrt(static_cast<double>(terms)) + 0.5 * ::sqrt(static_cast<double>(K));
  return err_est > kAutoRerunErrBudget * small_out;
}

// GPU (series in C of last degree N): rerun in the next compute type?
template <class T, class C>
CCNORM_HD CCNORM_INLINE bool gpu_escalate_after(int K, std::uint32_t N, double A) {
  return !IsTop<T, C>::value &&
         ::sqrt(static_cast<double>(K) + static_cast<double>(N)) > kGpuEscalationErrBudget * max_num(1.0, ::fabs(A));
}

}  // namespace series
}  // namespace ccnorm
