// ccnorm: double-double arithmetic (an unevaluated sum hi + lo of two doubles, ~106 bits).
//
// Used for (i) the accurate assembly of A = min z + log S + E ln 2 - log((K-1)!) when the terms
// cancel, and (ii) the `auto-precise` mode, which runs the Taylor kernel entirely in double-double.
// Written here rather than taken from libqd because the same code must compile for CUDA devices
// (CCNORM_HD) and inside templates; it needs only IEEE double with a fused multiply-add.
//
// Error-free transformations: Knuth's two-sum, Dekker/Kahan two-product via fma. The operations
// below are the "accurate" variants (Joldes, Muller, Popescu, ACM TOMS 44(2), 2017): relative
// error of add <= 3u^2, mul <= 5u^2 (u = 2^-53), enough for every use in this project.
//
// dd_log: log of a positive double-double by the atanh series
//   log f = 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + ...), s = (f-1)/(f+1), f in [sqrt(1/2), sqrt(2)),
// |s| <= 0.1716, 24 terms: truncation < 2^-110 relative. log x = e ln2 + log f.
//
// log_factorial_dd(n) = log(n!) to ~2^-100 absolute for moderate n: exact product + dd_log for
// n <= 36 (n! fits in 106 bits there), Stirling's series with 8 Bernoulli terms above (absolute
// error below 1e-26 for n >= 36, tested against MPFR's lgamma).
#pragma once
#include <cmath>
#include <cstdint>

#include "normalizer/config.hpp"

namespace ccnorm {

struct dd {
  double hi = 0.0;
  double lo = 0.0;
  CCNORM_HD constexpr dd() = default;
  CCNORM_HD constexpr dd(double h) : hi(h), lo(0.0) {}
  CCNORM_HD constexpr dd(double h, double l) : hi(h), lo(l) {}
  CCNORM_HD explicit operator double() const { return hi + lo; }
};

CCNORM_HD CCNORM_INLINE dd two_sum(double a, double b) {
  double s = a + b;
  double bb = s - a;
  double e = (a - (s - bb)) + (b - bb);
  return {s, e};
}
CCNORM_HD CCNORM_INLINE dd quick_two_sum(double a, double b) {  // requires |a| >= |b| or a == 0
  double s = a + b;
  return {s, b - (s - a)};
}
CCNORM_HD CCNORM_INLINE dd two_prod(double a, double b) {
  double p = a * b;
  return {p, ::fma(a, b, -p)};
}

CCNORM_HD CCNORM_INLINE dd operator+(dd a, dd b) {
  dd s = two_sum(a.hi, b.hi);
  dd t = two_sum(a.lo, b.lo);
  s.lo += t.hi;
  s = quick_two_sum(s.hi, s.lo);
  s.lo += t.lo;
  return quick_two_sum(s.hi, s.lo);
}
CCNORM_HD CCNORM_INLINE dd operator+(dd a, double b) {
  dd s = two_sum(a.hi, b);
  s.lo += a.lo;
  return quick_two_sum(s.hi, s.lo);
}
CCNORM_HD CCNORM_INLINE dd operator-(dd a) { return {-a.hi, -a.lo}; }
CCNORM_HD CCNORM_INLINE dd operator-(dd a, dd b) { return a + (-b); }
CCNORM_HD CCNORM_INLINE dd operator-(dd a, double b) { return a + (-b); }
CCNORM_HD CCNORM_INLINE dd operator*(dd a, dd b) {
  dd p = two_prod(a.hi, b.hi);
  p.lo = ::fma(a.hi, b.lo, p.lo);
  p.lo = ::fma(a.lo, b.hi, p.lo);
  return quick_two_sum(p.hi, p.lo);
}
CCNORM_HD CCNORM_INLINE dd operator*(dd a, double b) {
  dd p = two_prod(a.hi, b);
  p.lo = ::fma(a.lo, b, p.lo);
  return quick_two_sum(p.hi, p.lo);
}
CCNORM_HD CCNORM_INLINE dd operator/(dd a, dd b) {
  double q1 = a.hi / b.hi;
  dd r = a - b * q1;
  double q2 = r.hi / b.hi;
  r = r - b * q2;
  double q3 = r.hi / b.hi;
  dd q = quick_two_sum(q1, q2);
  return q + q3;
}
CCNORM_HD CCNORM_INLINE dd& operator+=(dd& a, dd b) { return a = a + b; }
CCNORM_HD CCNORM_INLINE dd& operator*=(dd& a, dd b) { return a = a * b; }
CCNORM_HD CCNORM_INLINE bool operator<(dd a, dd b) { return a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo); }
CCNORM_HD CCNORM_INLINE bool operator>(dd a, dd b) { return b < a; }
CCNORM_HD CCNORM_INLINE bool operator<=(dd a, dd b) { return !(b < a); }
CCNORM_HD CCNORM_INLINE bool operator>=(dd a, dd b) { return !(a < b); }
CCNORM_HD CCNORM_INLINE bool operator==(dd a, dd b) { return a.hi == b.hi && a.lo == b.lo; }
CCNORM_HD CCNORM_INLINE dd ldexp(dd a, int e) { return {::ldexp(a.hi, e), ::ldexp(a.lo, e)}; }
CCNORM_HD CCNORM_INLINE dd fma(dd a, dd b, dd c) { return a * b + c; }
CCNORM_HD CCNORM_INLINE bool isfinite(dd a) { return std::isfinite(a.hi) && std::isfinite(a.lo); }

// ln 2 and log(2*pi)/2 to 106 bits (hex digits computed with mpmath at 300 bits).
CCNORM_HD CCNORM_INLINE dd dd_ln2() { return {0x1.62e42fefa39efp-1, 0x1.abc9e3b39803fp-56}; }
CCNORM_HD CCNORM_INLINE dd dd_half_log_2pi() { return {0x1.d67f1c864beb5p-1, -0x1.65b5a1b7ff5dfp-55}; }

// Natural log of x > 0 to about 2^-104 relative (x finite, normalised).
CCNORM_HD inline dd dd_log(dd x) {
  int e = 0;
  double f = ::frexp(x.hi, &e);  // x.hi = f 2^e, f in [0.5, 1)
  if (f < 0.70710678118654752) e -= 1;
  dd m = ldexp(x, -e);  // m in [sqrt(1/2), sqrt(2))
  dd s = (m - 1.0) / (m + 1.0);
  dd s2 = s * s;
  dd p(1.0 / 47.0);
  for (int k = 22; k >= 0; --k) p = p * s2 + dd(1.0) / dd(2.0 * k + 1.0);
  dd r = s * p * 2.0;
  return dd_ln2() * static_cast<double>(e) + r;
}

// log(n!) as a double-double.
CCNORM_HD inline dd log_factorial_dd(std::int64_t n) {
  if (n <= 1) return dd(0.0);
  if (n <= 36) {
    dd p(1.0);
    for (std::int64_t i = 2; i <= n; ++i) p = p * static_cast<double>(i);  // exact: n! < 2^106 odd part
    return dd_log(p);
  }
  // Stirling for log Gamma(x) with x = n + 1:
  // (x - 1/2) log x - x + log(2 pi)/2 + sum_k B_2k / (2k (2k-1) x^(2k-1)).
  double x = static_cast<double>(n + 1);
  dd lx = dd_log(dd(x));
  dd r = lx * (x - 0.5) - x + dd_half_log_2pi();
  double ix = 1.0 / x, ix2 = ix * ix;
  // The first two correction terms in double-double, the rest in double (they are < 2e-11 for
  // x >= 37, so their double rounding is < 1e-27).
  const double c[] = {1.0 / 1260.0, -1.0 / 1680.0, 1.0 / 1188.0, -691.0 / 360360.0, 1.0 / 156.0, -3617.0 / 122400.0};
  double t = 0.0, pw = ix * ix2 * ix2;
  double terms[6];
  for (int k = 0; k < 6; ++k) { terms[k] = c[k] * pw; pw *= ix2; }
  for (int k = 5; k >= 0; --k) t += terms[k];
  dd xd(x);
  r = r + dd(1.0) / (xd * 12.0) - dd(1.0) / (xd * xd * xd * 360.0) + t;
  return r;
}

}  // namespace ccnorm
