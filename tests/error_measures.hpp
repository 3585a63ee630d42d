// ccnorm test helpers: the error measures of DESIGN.md section 3, computed against the reference
// WITHOUT rounding it to the output type (the difference is taken in >= 200-bit MPFR arithmetic).
//
//   u       unit roundoff of the output type: 2^-53 (double), 2^-24 (float)
//   err_A   |Ahat - A| / (u * max(1, |A|))
//   err_mu  max_j |muhat_j - mu_j| / (u * mu_j)   over components with mu_j >= 2^-1000; a smaller
//           component is compared absolutely against 2^-1022: its term is |muhat_j - mu_j| /
//           (u * 2^-1022) (so an error below u * 2^-1022 counts as below 1)
//   ulps_A  |Ahat - A| / ulp_T(A), ulp_T(A) = 2^(e - p) with A = m 2^e, 1/2 <= |m| < 1, p = digits
//           of T (53 or 24), floored at the smallest subnormal of T (ulp_T(0) = denorm_min)
// NaN, +-inf (in A or any mu_j), a wrong-sized mean or an exception count as +inf.
//
// Reference values are decimal strings (30 significant digits for A, 25 for mu_j in the frozen
// corpus); they are parsed at 201 bits (mpfr_float_backend<60>: 60 decimal digits), so the
// string itself is the reference and no rounding to double ever happens before the difference.
// The types are fixed-precision (no global precision state), so this header is thread-safe.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <boost/multiprecision/mpfr.hpp>

namespace ccnorm::test {

// >= 200-bit binary floating point (digits10 = 60 -> 201 bits in Boost's mpfr backend).
using mp200 = boost::multiprecision::number<boost::multiprecision::mpfr_float_backend<60>,
                                            boost::multiprecision::et_off>;

inline constexpr double kInf = std::numeric_limits<double>::infinity();

template <class T>
constexpr double unit_roundoff_of() {
  static_assert(std::is_same_v<T, double> || std::is_same_v<T, float>, "f64 or f32 outputs");
  return std::is_same_v<T, double> ? 0x1p-53 : 0x1p-24;
}

// Parse a reference decimal (e.g. "-1.23456789012345678901234567890e+02") at 201 bits.
// Throws std::invalid_argument on anything that is not a finite number.
inline mp200 parse_ref(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  if (s.empty()) throw std::invalid_argument("empty reference value");
  mp200 x;
  std::string str(s);
  // mpfr_set_str returns 0 only if the whole string is a valid number.
  if (mpfr_set_str(x.backend().data(), str.c_str(), 10, MPFR_RNDN) != 0)
    throw std::invalid_argument("bad reference value: " + str);
  if (!boost::multiprecision::isfinite(x)) throw std::invalid_argument("non-finite reference value: " + str);
  return x;
}

// err_A = |Ahat - A| / (u * max(1, |A|)).
template <class T>
double err_A(T Ahat, const mp200& A) {
  if (!std::isfinite(Ahat)) return kInf;
  const mp200 diff = abs(mp200(static_cast<double>(Ahat)) - A);
  mp200 scale = abs(A);
  if (scale < 1) scale = 1;
  return static_cast<double>(diff / (scale * unit_roundoff_of<T>()));
}

// Distance in ulps of T between Ahat and the (unrounded) reference A.
template <class T>
double ulps_A(T Ahat, const mp200& A) {
  if (!std::isfinite(Ahat)) return kInf;
  const mp200 diff = abs(mp200(static_cast<double>(Ahat)) - A);
  double ulp = static_cast<double>(std::numeric_limits<T>::denorm_min());
  if (A != 0) {
    long e = 0;
    mpfr_get_d_2exp(&e, A.backend().data(), MPFR_RNDN);  // A = m 2^e, 1/2 <= |m| < 1
    const double u = std::ldexp(1.0, static_cast<int>(e) - std::numeric_limits<T>::digits);
    if (u > ulp) ulp = u;
  }
  return static_cast<double>(diff / ulp);
}

// err_mu = max_j |muhat_j - mu_j| / (u * mu_j) (absolute against 2^-1022 below mu_j = 2^-1000).
template <class T>
double err_mu(const T* muhat, std::size_t K, const std::vector<mp200>& mu, std::size_t* worst_j = nullptr) {
  if (mu.size() != K) return kInf;
  const double u = unit_roundoff_of<T>();
  static const mp200 tiny = ldexp(mp200(1), -1000), floor_abs = ldexp(mp200(1), -1022);
  double worst = 0;
  for (std::size_t j = 0; j < K; ++j) {
    if (!std::isfinite(muhat[j])) {
      if (worst_j) *worst_j = j;
      return kInf;
    }
    const mp200 diff = abs(mp200(static_cast<double>(muhat[j])) - mu[j]);
    const mp200& den = mu[j] >= tiny ? mu[j] : floor_abs;
    const double e = static_cast<double>(diff / (den * u));
    if (e > worst || j == 0) {
      worst = std::max(worst, e);
      if (worst_j) *worst_j = j;
    }
  }
  return worst;
}

// Sum of the returned mean in 201-bit arithmetic (each step's rounding error <= 2^-200 relative,
// i.e. <= K 2^-200 in all, far below any u): the "sum mu = 1" check uses it so that it measures
// the algorithm's components, not the rounding of a float summation loop.
template <class T>
mp200 exact_sum(const T* muhat, std::size_t K) {
  mp200 s = 0;
  for (std::size_t j = 0; j < K; ++j) s += mp200(static_cast<double>(muhat[j]));
  return s;
}

}  // namespace ccnorm::test
