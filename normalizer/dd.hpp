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
// dd_log: log of a positive double-double, table-driven: x = 2^e f, f in [sqrt(1/2), sqrt(2)),
//   c = i/64 nearest f (i = 45..91), log f = log c + 2 atanh(s), s = (f - c)/(f + c), |s| <= 0.0056,
//   atanh(s) = s + s^3/3 + ... to s^15 (truncation < 2^-120 relative), the terms from s^9 on
//   (< 2^-60 of the sum) in double, the first four in double-double (each Horner step ~8 u^2, damped
//   by s^2 < 2^-15). log(i/64) and 1/(2k+1) are the nearest double-doubles (tools/constants/
//   dd_log_table.py, mpmath at 300 bits). Error <= 2^-98 (1 + |log x|) (proved in auto_cr.hpp's
//   header, item (2)); observed <= 2^-104 (1 + |log x|) (tests/test_dd.cpp). Cost: one dd division,
//   ~6 dd multiply-adds (the 24-term series it replaced on the host cost 24 dd divisions: a third of
//   auto's time per row at K = 3, since the assembly takes the double-double path on most rows).
// dd_log_series: log f = 2 atanh(s), s = (f-1)/(f+1) (c = 1 above), 24 terms, |s| <= 0.1716:
//   truncation < 2^-110 relative. No table: the device code (CUDA) uses it.
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

// x = 2^e m with m in [sqrt(1/2), sqrt(2)) (exact: x finite, normalised); the reduction of both logs.
CCNORM_HD CCNORM_INLINE dd log_reduce(dd x, int& e) {
  const double f = ::frexp(x.hi, &e);  // x.hi = f 2^e, f in [0.5, 1)
  if (f < 0.70710678118654752) e -= 1;
  return ldexp(x, -e);
}

// Natural log of x > 0 to about 2^-104 relative (x finite, normalised), without a table.
CCNORM_HD inline dd dd_log_series(dd x) {
  int e = 0;
  const dd m = log_reduce(x, e);
  dd s = (m - 1.0) / (m + 1.0);
  dd s2 = s * s;
  dd p(1.0 / 47.0);
  for (int k = 22; k >= 0; --k) p = p * s2 + dd(1.0) / dd(2.0 * k + 1.0);
  dd r = s * p * 2.0;
  return dd_ln2() * static_cast<double>(e) + r;
}

namespace dd_detail {
inline constexpr dd kLogI64[47] = {
    {-0x1.68ac83e9c6a14p-2, -0x1.a64eadd740178p-58},  // log(45/64)
    {-0x1.522ae0738a3d8p-2, 0x1.8f7e9b38a6979p-57},  // log(46/64)
    {-0x1.3c25277333184p-2, 0x1.2ad27e50a8ec6p-56},  // log(47/64)
    {-0x1.269621134db92p-2, -0x1.e0efadd9db02bp-56},  // log(48/64)
    {-0x1.1178e8227e47cp-2, 0x1.0e63a5f01c691p-57},  // log(49/64)
    {-0x1.f991c6cb3b379p-3, -0x1.f665066f980a2p-57},  // log(50/64)
    {-0x1.d1037f2655e7bp-3, -0x1.60629242471a2p-57},  // log(51/64)
    {-0x1.a93ed3c8ad9e3p-3, -0x1.bcafa9de97203p-57},  // log(52/64)
    {-0x1.823c16551a3c2p-3, 0x1.1232ce70be781p-57},  // log(53/64)
    {-0x1.5bf406b543db2p-3, 0x1.1f5b44c0df7e7p-61},  // log(54/64)
    {-0x1.365fcb0159016p-3, -0x1.7d411a5b944adp-58},  // log(55/64)
    {-0x1.1178e8227e47cp-3, 0x1.0e63a5f01c691p-58},  // log(56/64)
    {-0x1.da727638446a2p-4, -0x1.401fa71733019p-58},  // log(57/64)
    {-0x1.9335e5d594989p-4, 0x1.478a85704ccb7p-58},  // log(58/64)
    {-0x1.4d3115d207eacp-4, -0x1.769f42c7842ccp-58},  // log(59/64)
    {-0x1.08598b59e3a07p-4, 0x1.dd7009902bf32p-58},  // log(60/64)
    {-0x1.894aa149fb343p-5, -0x1.a8be97660a23dp-60},  // log(61/64)
    {-0x1.0415d89e74444p-5, -0x1.c05cf1d753622p-59},  // log(62/64)
    {-0x1.0205658935847p-6, -0x1.27c8e8416e71fp-60},  // log(63/64)
    {0.0, 0.0},  // log(64/64)
    {0x1.fc0a8b0fc03e4p-7, -0x1.83092c59642a1p-62},  // log(65/64)
    {0x1.f829b0e783300p-6, 0x1.33e3f04f1ef23p-60},  // log(66/64)
    {0x1.77458f632dcfcp-5, 0x1.18d3ca87b9296p-59},  // log(67/64)
    {0x1.f0a30c01162a6p-5, 0x1.85f325c5bbacdp-59},  // log(68/64)
    {0x1.341d7961bd1d1p-4, -0x1.b599f227becbbp-58},  // log(69/64)
    {0x1.6f0d28ae56b4cp-4, -0x1.906d99184b992p-58},  // log(70/64)
    {0x1.a926d3a4ad563p-4, 0x1.942f48aa70ea9p-58},  // log(71/64)
    {0x1.e27076e2af2e6p-4, -0x1.61578001e0162p-60},  // log(72/64)
    {0x1.0d77e7cd08e59p-3, 0x1.9a5dc5e9030acp-57},  // log(73/64)
    {0x1.29552f81ff523p-3, 0x1.301771c407dbfp-57},  // log(74/64)
    {0x1.44d2b6ccb7d1ep-3, 0x1.9f4f6543e1f88p-57},  // log(75/64)
    {0x1.5ff3070a793d4p-3, -0x1.bc60efafc6f6ep-58},  // log(76/64)
    {0x1.7ab890210d909p-3, 0x1.be36b2d6a0608p-59},  // log(77/64)
    {0x1.9525a9cf456b4p-3, 0x1.d904c1d4e2e26p-57},  // log(78/64)
    {0x1.af3c94e80bff3p-3, -0x1.398cff3641985p-58},  // log(79/64)
    {0x1.c8ff7c79a9a22p-3, -0x1.4f689f8434012p-57},  // log(80/64)
    {0x1.e27076e2af2e6p-3, -0x1.61578001e0162p-59},  // log(81/64)
    {0x1.fb9186d5e3e2bp-3, -0x1.caaae64f21acbp-57},  // log(82/64)
    {0x1.0a324e27390e3p-2, 0x1.7dcfde8061c03p-56},  // log(83/64)
    {0x1.1675cababa60ep-2, 0x1.ce63eab883717p-61},  // log(84/64)
    {0x1.22941fbcf7966p-2, -0x1.76f5eb09628afp-56},  // log(85/64)
    {0x1.2e8e2bae11d31p-2, -0x1.8f4cdb95ebdf9p-56},  // log(86/64)
    {0x1.3a64c556945eap-2, -0x1.c68651945f97cp-57},  // log(87/64)
    {0x1.4618bc21c5ec2p-2, 0x1.f42decdeccf1dp-56},  // log(88/64)
    {0x1.51aad872df82dp-2, 0x1.3927ac19f55e3p-59},  // log(89/64)
    {0x1.5d1bdbf5809cap-2, 0x1.4236383dc7fe1p-56},  // log(90/64)
    {0x1.686c81e9b14afp-2, -0x1.ddea0f7f58e3dp-57},  // log(91/64)
};
inline constexpr dd kInvOdd[4] = {
    {0x1.0000000000000p+0, 0.0},  // 1/1
    {0x1.5555555555555p-2, 0x1.5555555555555p-56},  // 1/3
    {0x1.999999999999ap-3, -0x1.999999999999ap-57},  // 1/5
    {0x1.2492492492492p-3, 0x1.2492492492492p-57},  // 1/7
};
}  // namespace dd_detail

// Natural log of x > 0 (finite, normalised) in double-double: the table-driven form on the host,
// the series on the device (header).
CCNORM_HD inline dd dd_log(dd x) {
#if defined(__CUDA_ARCH__)
  return dd_log_series(x);
#else
  int e = 0;
  const dd m = log_reduce(x, e);
  const int i = static_cast<int>(std::nearbyint(m.hi * 64));
  const double c = i * 0x1p-6;
  const dd s = (m - c) / (m + c);
  const dd s2 = s * s;
  double q = 1.0 / 15;
  q = q * s2.hi + 1.0 / 13;
  q = q * s2.hi + 1.0 / 11;
  q = q * s2.hi + 1.0 / 9;
  dd p(q);
  for (int k = 3; k >= 0; --k) p = p * s2 + dd_detail::kInvOdd[k];
  const dd r = s * p * 2.0;
  return (dd_ln2() * static_cast<double>(e) + dd_detail::kLogI64[i - 45]) + r;
#endif
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
