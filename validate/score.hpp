// ccnorm validate: the error measures of DESIGN.md section 3, taken against a reference that is never
// rounded to the output type (>= 200-bit MPFR arithmetic; golden references are hi + lo double pairs,
// ~106 bits, or certified midpoints).
//
//   u        unit roundoff of the output type: 2^-53 (f64), 2^-24 (f32)
//   value    err = |v - ref| / (u * max(1, |ref|))   (A, logC, negA = -A)
//            ulps = |v - ref| / ulp_T(ref), ulp_T(x) = 2^(e-p) for x = m 2^e, 1/2 <= |m| < 1,
//            p = 53 or 24, floored at T's smallest subnormal
//   mean     err = max_j t_j, t_j = |mu_j_hat - mu_j| / (u mu_j) if mu_j >= 2^-1000, else
//            |mu_j_hat - mu_j| / (u 2^-1022)
//   NaN, +-inf (in any component), or an error row count as +inf.
#pragma once
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <boost/multiprecision/mpfr.hpp>

namespace ccnorm::validate {

// >= 200-bit binary floating point (digits10 = 60 -> 201 bits); fixed precision: thread-safe.
using mp200 = boost::multiprecision::number<boost::multiprecision::mpfr_float_backend<60>,
                                            boost::multiprecision::et_off>;

inline constexpr double kInf = std::numeric_limits<double>::infinity();

enum class Quantity { A, logC, negA, mean };

inline const char* quantity_name(Quantity q) {
  switch (q) {
    case Quantity::A: return "A";
    case Quantity::logC: return "logC";
    case Quantity::negA: return "negA";
    case Quantity::mean: return "mean";
  }
  return "?";
}

// The reference of one case, at >= 201 bits.
struct Ref {
  mp200 A, logC;
  std::vector<mp200> mu;
};

inline mp200 hi_lo(double hi, double lo) {
  mp200 r(hi);
  r += mp200(lo);  // exact: lo is at most half an ulp of hi
  return r;
}

// Distance in ulps of the output type (p = 53 or 24 bits) between v and the unrounded x.
inline double ulps(double v, const mp200& x, int p) {
  if (!std::isfinite(v)) return kInf;
  const mp200 diff = abs(mp200(v) - x);
  double ulp = p == 53 ? std::numeric_limits<double>::denorm_min() : static_cast<double>(std::numeric_limits<float>::denorm_min());
  if (x != 0) {
    long e = 0;
    mpfr_get_d_2exp(&e, x.backend().data(), MPFR_RNDN);
    const double w = std::ldexp(1.0, static_cast<int>(e) - p);
    if (w > ulp) ulp = w;
  }
  return static_cast<double>(diff / ulp);
}

inline double err_value(double v, const mp200& x, double u) {
  if (!std::isfinite(v)) return kInf;
  const mp200 diff = abs(mp200(v) - x);
  mp200 scale = abs(x);
  if (scale < 1) scale = 1;
  return static_cast<double>(diff / (scale * u));
}

// Componentwise mean error; returns the max and sets `worst_j` to the component that attains it.
inline double err_mean(const std::vector<double>& m, const std::vector<mp200>& mu, double u, std::size_t* worst_j = nullptr) {
  double worst = 0;
  std::size_t wj = 0;
  static const mp200 kSmall = mp200(std::ldexp(1.0, -1000));
  static const mp200 kAbs = mp200(std::ldexp(1.0, -1022));
  for (std::size_t j = 0; j < mu.size(); ++j) {
    double t;
    if (j >= m.size() || !std::isfinite(m[j])) t = kInf;
    else {
      const mp200 diff = abs(mp200(m[j]) - mu[j]);
      t = static_cast<double>(diff / (u * (mu[j] >= kSmall ? mu[j] : kAbs)));
    }
    if (t > worst || (std::isinf(t) && !std::isinf(worst))) {
      worst = t;
      wj = j;
    }
  }
  if (worst_j) *worst_j = wj;
  return worst;
}

// Nearest-rank percentile of an ascending vector (p in (0, 100]).
inline double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  std::size_t r = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  if (r < 1) r = 1;
  return sorted[std::min(r, sorted.size()) - 1];
}

}  // namespace ccnorm::validate
