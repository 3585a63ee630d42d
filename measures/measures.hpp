// ccnorm measures: the error measures of docs/design.md §3, defined once for every user (tests,
// `ccnorm validate`, `ccnorm sweep`, `ccnorm bench`, the GPU device check, the Python tests' C++
// side).
//
//   u            unit roundoff of the OUTPUT type: 2^-53 (double), 2^-24 (float)
//   err_value    |v - x| / (u max(1, |x|))            used for A (err_A), log C (err_logC), -A, H
//   ulps         |v - x| / ulp_p(x),  ulp_p(x) = 2^(e - p) for x = m 2^e, 1/2 <= |m| < 1,
//                p = 53 or 24, floored at the smallest subnormal of the output type
//   err_mean     max_j |m_j - mu_j| / (u mu_j) over components with mu_j >= 2^-1000; a smaller
//                component is compared absolutely: |m_j - mu_j| / (u 2^-1022)
//   NaN, +-inf (in the value or any component), a wrong-sized mean, or an error/exception for a
//   valid input count as +inf (kFailed).
//
// The reference x is NEVER rounded to the output type before the difference: it is held in a
// reference type R (201-bit MPFR numbers, a double-double, ...) and the difference |v - x| is
// formed in R; only the final ratio is rounded to double. A type R is usable once
// ccnorm::measures::ref_traits<R> provides
//     static double abs_diff(double v, const R& x);   // |v - x|, formed in R, rounded to double
//     static double magnitude(const R& x);            // |x| rounded to double
//     static bool   is_zero(const R& x);
//     static long   exponent(const R& x);             // e with x = m 2^e, 1/2 <= |m| < 1 (x != 0)
// This header provides it for double (the difference is exact by two-sum) and for ccnorm::dd;
// measures/mpfr.hpp adds the MPFR types.
//
// Statistics over many cases: `percentile` (nearest rank: a value that occurred) for error
// distributions (their "median" is percentile 50), `median` (midpoint of the middle pair) for
// timings and the max-dimension protocol; ErrorStats accumulates a group of errors with its
// worst case.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "normalizer/dd.hpp"

namespace ccnorm::measures {

inline constexpr double kFailed = std::numeric_limits<double>::infinity();
// Components below kMeanRelativeFloor are compared absolutely against kMeanAbsoluteScale.
inline constexpr double kMeanRelativeFloor = 0x1p-1000;
inline constexpr double kMeanAbsoluteScale = 0x1p-1022;

// Unit roundoff and significand digits of an output type (float or double).
template <class T>
constexpr double unit_roundoff() {
  static_assert(std::is_same_v<T, double> || std::is_same_v<T, float>, "outputs are f64 or f32");
  return std::is_same_v<T, double> ? 0x1p-53 : 0x1p-24;
}
template <class T>
constexpr int digits() {
  static_assert(std::is_same_v<T, double> || std::is_same_v<T, float>, "outputs are f64 or f32");
  return std::numeric_limits<T>::digits;
}
// The same for a dtype given at run time (f32 = true for float).
constexpr double unit_roundoff(bool f32) { return f32 ? 0x1p-24 : 0x1p-53; }
constexpr int digits(bool f32) { return f32 ? 24 : 53; }

template <class R, class = void>
struct ref_traits;

template <>
struct ref_traits<double> {
  static double abs_diff(double v, double x) {
    const dd d = two_sum(v, -x);  // exact
    return std::fabs(d.hi + d.lo);
  }
  static double magnitude(double x) { return std::fabs(x); }
  static bool is_zero(double x) { return x == 0; }
  static long exponent(double x) {
    int e = 0;
    std::frexp(x, &e);
    return e;
  }
};

template <>
struct ref_traits<dd> {
  static double abs_diff(double v, const dd& x) {
    const dd d = dd(v) - x;  // |relative error| <= 3u^2 of the difference
    return std::fabs(d.hi + d.lo);
  }
  static double magnitude(const dd& x) { return std::fabs(x.hi + x.lo); }
  static bool is_zero(const dd& x) { return x.hi == 0 && x.lo == 0; }
  static long exponent(const dd& x) {
    int e = 0;
    std::frexp(x.hi, &e);
    // x.hi a power of two and x.lo of the opposite sign: |x| < |x.hi|, one binade lower.
    if (std::fabs(std::frexp(x.hi, &e)) == 0.5 && x.lo != 0 && ((x.lo < 0) != (x.hi < 0))) --e;
    return e;
  }
};

// err_value = |v - x| / (u max(1, |x|)): err_A, err_logC (and any other value of order 1 or
// larger whose relative error is wanted beyond 1).
template <class R>
double err_value(double v, const R& x, double u) {
  if (!std::isfinite(v)) return kFailed;
  using Tr = ref_traits<R>;
  return Tr::abs_diff(v, x) / (u * std::max(1.0, Tr::magnitude(x)));
}
template <class T, class R>
double err_value(T v, const R& x) {
  return err_value(static_cast<double>(v), x, unit_roundoff<T>());
}

// Relative error |v - x| / (u |x|) (x != 0): for quantities whose relative error is wanted at
// every magnitude (KL, variances); kFailed for non-finite v, and for x == 0 unless v == 0.
template <class R>
double err_relative(double v, const R& x, double u) {
  if (!std::isfinite(v)) return kFailed;
  using Tr = ref_traits<R>;
  if (Tr::is_zero(x)) return v == 0 ? 0.0 : kFailed;
  return Tr::abs_diff(v, x) / u / Tr::magnitude(x);  // (u a power of two: / u is exact; see err_mean)
}

// Absolute error against an explicit scale: |v - x| / (u scale).
template <class R>
double err_scaled(double v, const R& x, double scale, double u) {
  if (!std::isfinite(v)) return kFailed;
  return ref_traits<R>::abs_diff(v, x) / u / scale;  // (see err_mean)
}

// Distance in ulps of a p-digit output type between v and the unrounded x.
template <class R>
double ulps(double v, const R& x, int p) {
  if (!std::isfinite(v)) return kFailed;
  using Tr = ref_traits<R>;
  double ulp = p == 24 ? static_cast<double>(std::numeric_limits<float>::denorm_min())
                       : std::numeric_limits<double>::denorm_min();
  if (!Tr::is_zero(x)) ulp = std::max(ulp, std::ldexp(1.0, static_cast<int>(Tr::exponent(x)) - p));
  return Tr::abs_diff(v, x) / ulp;
}
template <class T, class R>
double ulps(T v, const R& x) {
  return ulps(static_cast<double>(v), x, digits<T>());
}

// err_mean over K components m[0..K) against mu[0..K); *worst_j receives the component that
// attains the maximum (the first non-finite one, if any).
template <class T, class R>
double err_mean(const T* m, std::size_t K, const R* mu, double u, std::size_t* worst_j = nullptr) {
  using Tr = ref_traits<R>;
  double worst = 0;
  std::size_t wj = 0;
  for (std::size_t j = 0; j < K; ++j) {
    const double mj = static_cast<double>(m[j]);
    if (!std::isfinite(mj)) {
      if (worst_j) *worst_j = j;
      return kFailed;
    }
    const double mag = Tr::magnitude(mu[j]);
    // divided by u first (exact: a power of two), then by the scale: u * 2^-1022 = 2^-1075 would
    // underflow to 0 in double (0/0 = NaN for an exact component); otherwise bit-identical
    const double t = Tr::abs_diff(mj, mu[j]) / u / (mag >= kMeanRelativeFloor ? mag : kMeanAbsoluteScale);
    if (t > worst) {
      worst = t;
      wj = j;
    }
  }
  if (worst_j) *worst_j = wj;
  return worst;
}
template <class T, class R>
double err_mean(const T* m, std::size_t K, const R* mu, std::size_t* worst_j = nullptr) {
  return err_mean(m, K, mu, unit_roundoff<T>(), worst_j);
}
// Against a vector of K reference components (a reference of the wrong size is a failure).
template <class T, class R>
double err_mean(const T* m, std::size_t K, const std::vector<R>& mu, std::size_t* worst_j = nullptr) {
  if (mu.size() != K) return kFailed;
  return err_mean(m, K, mu.data(), unit_roundoff<T>(), worst_j);
}
// Containers: a mean of the wrong size is a failure.
template <class T, class R>
double err_mean(const std::vector<T>& m, const std::vector<R>& mu, double u, std::size_t* worst_j = nullptr) {
  if (m.size() != mu.size()) return kFailed;
  return err_mean(m.data(), m.size(), mu.data(), u, worst_j);
}

// ---------------------------------------------------------------------------------------------
// Statistics

// Nearest-rank percentile p in (0, 100] of an ASCENDING vector (+inf sorts last); 0 when empty.
// The median of the project's reports is percentile(v, 50).
inline double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  auto r = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  r = std::clamp<std::size_t>(r, 1, sorted.size());
  return sorted[r - 1];
}
// The same for an unsorted copy.
inline double percentile_of(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return percentile(v, p);
}
// The median (the mean of the two middle values for an even count; NaN when empty): timings and
// the max-computable-dimension protocol's median over seeds. Error tables report the
// nearest-rank percentile(v, 50) instead (an error that actually occurred).
inline double median(std::vector<double> v) {
  if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// A group of errors (one per case) with the worst case's label (an input, an id, ...).
// NaN errors are recorded as kFailed.
class ErrorStats {
 public:
  void add(double err, const std::string& label = {}) {
    if (std::isnan(err)) err = kFailed;
    if (!std::isfinite(err)) ++nonfinite_;
    else max_finite_ = std::max(max_finite_, err);
    if (errs_.empty() || err > max_) {
      max_ = err;
      worst_ = label;
    }
    errs_.push_back(err);
    sorted_ = false;
  }
  std::size_t n() const { return errs_.size(); }
  std::size_t nonfinite() const { return nonfinite_; }
  double max() const { return errs_.empty() ? 0 : max_; }
  double max_finite() const { return max_finite_; }
  const std::string& worst() const { return worst_; }
  double percentile(double p) const {
    sort();
    return measures::percentile(errs_, p);
  }
  double p50() const { return percentile(50); }
  const std::vector<double>& sorted() const {
    sort();
    return errs_;
  }

 private:
  void sort() const {
    if (!sorted_) std::sort(errs_.begin(), errs_.end());
    sorted_ = true;
  }
  mutable std::vector<double> errs_;
  mutable bool sorted_ = true;
  double max_ = 0, max_finite_ = 0;
  std::size_t nonfinite_ = 0;
  std::string worst_;
};

}  // namespace ccnorm::measures
