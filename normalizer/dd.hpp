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
// log_pair (host): log of a positive normal double (other x: libm's log, lo = 0) as an
//   unevaluated pair hi + lo, for assemblies that must not round log S (series/assembly.hpp
//   assemble_compensated): x = 2^e f, f in [1, 2), c = 1 + (i + 1/2)/128 the centre of f's
//   1/128-wide interval (i = the top 7 bits of the fraction: no rounding to an integer), d = f - c
//   exact, r = d/c as rh + rl (rh = d * (1/c); the remainder d - rh c formed exactly without fma:
//   rh split into 44 + 9 bits, each product with the 9-bit c exact), |r| <= 2^-8, log x =
//   e ln2 + log c + r + p(r), p(r) = log1p(r) - r to r^7 in plain double (truncation
//   |r|^8/8 < 2^-67, rounding ~u r^2 < 2^-68), e ln2 and log c as pairs. Error of hi + lo:
//   absolute, observed <= 2^-66 max(1, |log x|) (tests/test_dd.cpp, against MPFR; near x = 1 from
//   below, e ln2 and log c cancel, so it is not a relative bound there). About 1.6x libm's log
//   (~8.5 against ~5 ns here), no fma needed.
// log_factorial_dd(n) = log(n!) to ~2^-100 absolute for moderate n: exact product + dd_log for
// n <= 36 (n! fits in 106 bits there), Stirling's series with 8 Bernoulli terms above (absolute
// error below 1e-26 for n >= 36, tested against MPFR's lgamma).
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

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

// ln 2 = kLn2Hi + kLn2Lo: kLn2Hi on 26 bits (E kLn2Hi is exact for |E| < 2^27), kLn2Lo the double
// nearest the rest (mpmath at 300 bits).
inline constexpr double kLn2Hi = 0x1.62e42f8p-1;
inline constexpr double kLn2Lo = 0x1.be8e7bcd5e4f2p-27;

namespace dd_detail {
// log_pair's table: log c_i, c_i = 1 + (i + 1/2)/128, as the nearest double-doubles
// (tools/constants/dd_log_table.py --log-pair, mpmath at 300 bits), and 1/c_i correctly rounded
// (constant evaluation is IEEE).
inline constexpr dd kLogC128[128] = {
    {0x1.ff00aa2b10bc0p-9, 0x1.2821ad5a6d353p-63},  // log(1 + 0.5/128)
    {0x1.7dc475f810a77p-7, -0x1.16d7687d3df21p-62},  // log(1 + 1.5/128)
    {0x1.3cea44346a575p-6, -0x1.0cb5a902b3a1cp-62},  // log(1 + 2.5/128)
    {0x1.b9fc027af9198p-6, -0x1.0ae69229dc868p-64},  // log(1 + 3.5/128)
    {0x1.1b0d98923d980p-5, -0x1.e9ae889bac481p-60},  // log(1 + 4.5/128)
    {0x1.58a5bafc8e4d5p-5, -0x1.ce55c2b4e2b72p-59},  // log(1 + 5.5/128)
    {0x1.95c830ec8e3ebp-5, 0x1.f5a0e80520bf2p-59},  // log(1 + 6.5/128)
    {0x1.d276b8adb0b52p-5, 0x1.1e3c53257fd47p-61},  // log(1 + 7.5/128)
    {0x1.075983598e471p-4, 0x1.80da5333c45b8p-59},  // log(1 + 8.5/128)
    {0x1.253f62f0a1417p-4, -0x1.c125963fc4cfdp-62},  // log(1 + 9.5/128)
    {0x1.42edcbea646f0p-4, 0x1.ddd4f935996c9p-59},  // log(1 + 10.5/128)
    {0x1.60658a93750c4p-4, -0x1.388458ec21b6ap-58},  // log(1 + 11.5/128)
    {0x1.7da766d7b12cdp-4, -0x1.eeedfcdd94131p-58},  // log(1 + 12.5/128)
    {0x1.9ab42462033adp-4, -0x1.2099e1c184e8ep-59},  // log(1 + 13.5/128)
    {0x1.b78c82bb0eda1p-4, 0x1.0878cf0327e21p-61},  // log(1 + 14.5/128)
    {0x1.d4313d66cb35dp-4, 0x1.790dd951d90fap-58},  // log(1 + 15.5/128)
    {0x1.f0a30c01162a6p-4, 0x1.85f325c5bbacdp-58},  // log(1 + 16.5/128)
    {0x1.0671512ca596ep-3, 0x1.50c647eb86499p-58},  // log(1 + 17.5/128)
    {0x1.14785846742acp-3, 0x1.a28813e3a7f07p-57},  // log(1 + 18.5/128)
    {0x1.2266f190a5acbp-3, 0x1.f547bf1809e88p-57},  // log(1 + 19.5/128)
    {0x1.303d718e47fd3p-3, -0x1.6b9c7d96091fap-63},  // log(1 + 20.5/128)
    {0x1.3dfc2b0ecc62ap-3, -0x1.ab3a8e7d81017p-58},  // log(1 + 21.5/128)
    {0x1.4ba36f39a55e5p-3, 0x1.68981bcc36756p-57},  // log(1 + 22.5/128)
    {0x1.59338d9982086p-3, -0x1.65d22aa8ad7cfp-58},  // log(1 + 23.5/128)
    {0x1.66acd4272ad51p-3, -0x1.0900e4e1ea8b2p-58},  // log(1 + 24.5/128)
    {0x1.740f8f54037a5p-3, -0x1.b264062a84cdbp-58},  // log(1 + 25.5/128)
    {0x1.815c0a14357ebp-3, -0x1.4be48073a0564p-58},  // log(1 + 26.5/128)
    {0x1.8e928de886d41p-3, -0x1.569d851a56770p-57},  // log(1 + 27.5/128)
    {0x1.9bb362e7dfb83p-3, 0x1.575e31f003e0cp-57},  // log(1 + 28.5/128)
    {0x1.a8becfc882f19p-3, -0x1.e8c37918c39ebp-58},  // log(1 + 29.5/128)
    {0x1.b5b519e8fb5a4p-3, 0x1.ba27fdc19e1a0p-57},  // log(1 + 30.5/128)
    {0x1.c2968558c18c1p-3, -0x1.73dee38a3fb6bp-57},  // log(1 + 31.5/128)
    {0x1.cf6354e09c5dcp-3, 0x1.239a07d55b695p-57},  // log(1 + 32.5/128)
    {0x1.dc1bca0abec7dp-3, 0x1.834c51998b6fcp-57},  // log(1 + 33.5/128)
    {0x1.e8c0252aa5a60p-3, -0x1.6e03a39bfc89bp-59},  // log(1 + 34.5/128)
    {0x1.f550a564b7b37p-3, 0x1.c5f6dfd018c37p-61},  // log(1 + 35.5/128)
    {0x1.00e6c45ad501dp-2, -0x1.cb9568ff6feadp-57},  // log(1 + 36.5/128)
    {0x1.071b85fcd590dp-2, 0x1.d1707f97bde80p-58},  // log(1 + 37.5/128)
    {0x1.0d46b579ab74bp-2, 0x1.03ec81c3cbd92p-57},  // log(1 + 38.5/128)
    {0x1.136870293a8b0p-2, 0x1.7b66298edd24ap-56},  // log(1 + 39.5/128)
    {0x1.1980d2dd4236fp-2, 0x1.9d3d1b0e4d147p-56},  // log(1 + 40.5/128)
    {0x1.1f8ff9e48a2f3p-2, -0x1.c9fdf9a0c4b07p-56},  // log(1 + 41.5/128)
    {0x1.2596010df763ap-2, -0x1.0f76c57075e9ep-58},  // log(1 + 42.5/128)
    {0x1.2b9303ab89d25p-2, -0x1.896b5fd852ad4p-56},  // log(1 + 43.5/128)
    {0x1.31871c9544185p-2, -0x1.51acc4c09b379p-60},  // log(1 + 44.5/128)
    {0x1.3772662bfd85bp-2, -0x1.b5629d8117de7p-59},  // log(1 + 45.5/128)
    {0x1.3d54fa5c1f710p-2, -0x1.e3265c6a1c98dp-56},  // log(1 + 46.5/128)
    {0x1.432ef2a04e814p-2, -0x1.29931715ac903p-56},  // log(1 + 47.5/128)
    {0x1.49006804009d1p-2, -0x1.9ffc341f177dcp-57},  // log(1 + 48.5/128)
    {0x1.4ec973260026ap-2, -0x1.42a87d977dc5ep-56},  // log(1 + 49.5/128)
    {0x1.548a2c3add263p-2, -0x1.819cf7e308ddbp-57},  // log(1 + 50.5/128)
    {0x1.5a42ab0f4cfe2p-2, -0x1.8ebcb7dee9a3dp-56},  // log(1 + 51.5/128)
    {0x1.5ff3070a793d4p-2, -0x1.bc60efafc6f6ep-57},  // log(1 + 52.5/128)
    {0x1.659b57303e1f3p-2, -0x1.f893d41c411f1p-56},  // log(1 + 53.5/128)
    {0x1.6b3bb2235943ep-2, -0x1.da856ccd987b3p-56},  // log(1 + 54.5/128)
    {0x1.70d42e2789236p-2, -0x1.52cc811d78d59p-57},  // log(1 + 55.5/128)
    {0x1.7664e1239dbcfp-2, -0x1.f6d5d64f5daf8p-57},  // log(1 + 56.5/128)
    {0x1.7bede0a37afc0p-2, -0x1.8783cb9801a5cp-56},  // log(1 + 57.5/128)
    {0x1.816f41da0d496p-2, -0x1.2923ca04b701cp-56},  // log(1 + 58.5/128)
    {0x1.86e919a330ba0p-2, 0x1.3f9b16feb7dd8p-59},  // log(1 + 59.5/128)
    {0x1.8c5b7c858b48bp-2, -0x1.e0ab4fdfa0595p-56},  // log(1 + 60.5/128)
    {0x1.91c67eb45a83ep-2, -0x1.e0e0ae234ae11p-56},  // log(1 + 61.5/128)
    {0x1.972a341135158p-2, 0x1.a5c09d24b70d9p-56},  // log(1 + 62.5/128)
    {0x1.9c86b02dc0863p-2, -0x1.917eeb69dd421p-56},  // log(1 + 63.5/128)
    {0x1.a1dc064d5b995p-2, 0x1.90128698ba0b8p-56},  // log(1 + 64.5/128)
    {0x1.a72a4966bd9eap-2, 0x1.6a76b1a7d87c3p-58},  // log(1 + 65.5/128)
    {0x1.ac718c258b0e4p-2, 0x1.8163d6f46f714p-59},  // log(1 + 66.5/128)
    {0x1.b1b1e0ebdfc5bp-2, 0x1.a4479608a2c55p-56},  // log(1 + 67.5/128)
    {0x1.b6eb59d3cf35ep-2, -0x1.8adbccd326a3cp-56},  // log(1 + 68.5/128)
    {0x1.bc1e08b0dad0ap-2, 0x1.09e8707055996p-56},  // log(1 + 69.5/128)
    {0x1.c149ff115f027p-2, -0x1.4cbcb90c06305p-56},  // log(1 + 70.5/128)
    {0x1.c66f4e3ff6ff8p-2, -0x1.82947258b688bp-58},  // log(1 + 71.5/128)
    {0x1.cb8e0744d7acap-2, -0x1.48879a214a2afp-61},  // log(1 + 72.5/128)
    {0x1.d0a63ae721e64p-2, 0x1.2acce112c40f2p-57},  // log(1 + 73.5/128)
    {0x1.d5b7f9ae2c684p-2, -0x1.a7be7f84ac06ap-57},  // log(1 + 74.5/128)
    {0x1.dac353e2c5954p-2, 0x1.18734b81a1bf8p-57},  // log(1 + 75.5/128)
    {0x1.dfc859906d5b5p-2, 0x1.01e1399f96398p-56},  // log(1 + 76.5/128)
    {0x1.e4c71a8687704p-2, 0x1.667923e1f5a8ep-57},  // log(1 + 77.5/128)
    {0x1.e9bfa659861f5p-2, 0x1.91bafc7dbe130p-56},  // log(1 + 78.5/128)
    {0x1.eeb20c640ddf4p-2, 0x1.ac371d7c8f7f5p-57},  // log(1 + 79.5/128)
    {0x1.f39e5bc811e5cp-2, -0x1.97fc777bb19e5p-57},  // log(1 + 80.5/128)
    {0x1.f884a36fe9ec2p-2, 0x1.6315c9e010800p-57},  // log(1 + 81.5/128)
    {0x1.fd64f20f61572p-2, -0x1.adb0ac2cead1bp-57},  // log(1 + 82.5/128)
    {0x1.011fab125ff8ap-1, 0x1.810dd40845ddep-57},  // log(1 + 83.5/128)
    {0x1.0389eefce633bp-1, 0x1.e155c53483748p-56},  // log(1 + 84.5/128)
    {0x1.05f14bd26459cp-1, 0x1.535b8ee4f9efep-58},  // log(1 + 85.5/128)
    {0x1.0855c884b450ep-1, 0x1.705826e49f318p-55},  // log(1 + 86.5/128)
    {0x1.0ab76bece14d2p-1, -0x1.fd6c935453f66p-56},  // log(1 + 87.5/128)
    {0x1.0d163ccb9d6b8p-1, -0x1.f7b9a9a8bc30fp-57},  // log(1 + 88.5/128)
    {0x1.0f7241c9b497dp-1, 0x1.3a8443b9db19dp-55},  // log(1 + 89.5/128)
    {0x1.11cb81787ccf8p-1, 0x1.02387ab1fcc90p-55},  // log(1 + 90.5/128)
    {0x1.1422025243d45p-1, -0x1.ad0e24adb489ep-58},  // log(1 + 91.5/128)
    {0x1.1675cababa60ep-1, 0x1.ce63eab883717p-60},  // log(1 + 92.5/128)
    {0x1.18c6e0ff5cf06p-1, 0x1.765142c2c671fp-58},  // log(1 + 93.5/128)
    {0x1.1b154b57da29fp-1, -0x1.011eb47db6a99p-57},  // log(1 + 94.5/128)
    {0x1.1d610fe677003p-1, 0x1.09d58d91e58f2p-58},  // log(1 + 95.5/128)
    {0x1.1faa34b87094cp-1, 0x1.817b8f7a193b0p-58},  // log(1 + 96.5/128)
    {0x1.21f0bfc65beecp-1, -0x1.e24f0c9187c92p-57},  // log(1 + 97.5/128)
    {0x1.2434b6f483934p-1, -0x1.debb8cf0f6d11p-57},  // log(1 + 98.5/128)
    {0x1.26762013430e0p-1, -0x1.96a95781c6727p-56},  // log(1 + 99.5/128)
    {0x1.28b500df60783p-1, -0x1.43f60605aaab3p-55},  // log(1 + 100.5/128)
    {0x1.2af15f02640adp-1, 0x1.cb064524aceb0p-57},  // log(1 + 101.5/128)
    {0x1.2d2b4012edc9ep-1, -0x1.51162c99b1cabp-55},  // log(1 + 102.5/128)
    {0x1.2f62a99509546p-1, 0x1.6c686739ffd99p-56},  // log(1 + 103.5/128)
    {0x1.3197a0fa7fe6ap-1, 0x1.d6348fb97128fp-57},  // log(1 + 104.5/128)
    {0x1.33ca2ba328995p-1, -0x1.bf28b3205ede1p-56},  // log(1 + 105.5/128)
    {0x1.35fa4edd36ea0p-1, 0x1.27d4680964362p-60},  // log(1 + 106.5/128)
    {0x1.38280fe58797fp-1, -0x1.015bd362a6e5dp-55},  // log(1 + 107.5/128)
    {0x1.3a5373e7ebdfap-1, -0x1.cd8f775b8f76ep-55},  // log(1 + 108.5/128)
    {0x1.3c7c7fff73206p-1, -0x1.be80db7025bedp-56},  // log(1 + 109.5/128)
    {0x1.3ea33936b2f5cp-1, -0x1.f099168a1360bp-55},  // log(1 + 110.5/128)
    {0x1.40c7a4880dce9p-1, 0x1.14f22de7fc9e1p-56},  // log(1 + 111.5/128)
    {0x1.42e9c6ddf80bfp-1, 0x1.657dc7a65061dp-56},  // log(1 + 112.5/128)
    {0x1.4509a5133bb0ap-1, 0x1.40fe2852d7b5ap-55},  // log(1 + 113.5/128)
    {0x1.472743f33aaadp-1, 0x1.8d6cf012a2948p-56},  // log(1 + 114.5/128)
    {0x1.4942a83a2fc07p-1, 0x1.ed0c544652b5ap-55},  // log(1 + 115.5/128)
    {0x1.4b5bd6956e274p-1, -0x1.c87a06beea773p-55},  // log(1 + 116.5/128)
    {0x1.4d72d3a39fd00p-1, 0x1.1cd4d414e008dp-55},  // log(1 + 117.5/128)
    {0x1.4f87a3f5026e9p-1, -0x1.e8ca8b1bcea9dp-55},  // log(1 + 118.5/128)
    {0x1.519a4c0ba3446p-1, 0x1.9b32128e4a77fp-55},  // log(1 + 119.5/128)
    {0x1.53aad05b99b7dp-1, -0x1.55c8b052e2539p-55},  // log(1 + 120.5/128)
    {0x1.55b9354b40bcdp-1, 0x1.e4197a357cb37p-56},  // log(1 + 121.5/128)
    {0x1.57c57f336f191p-1, -0x1.e953a3bc88192p-55},  // log(1 + 122.5/128)
    {0x1.59cfb25fae87ep-1, -0x1.172904559c6b6p-58},  // log(1 + 123.5/128)
    {0x1.5bd7d30e71c73p-1, 0x1.bf8da6db2b45cp-57},  // log(1 + 124.5/128)
    {0x1.5ddde57149923p-1, 0x1.dcfa37d75ef28p-55},  // log(1 + 125.5/128)
    {0x1.5fe1edad18919p-1, -0x1.ca8b610e18dbfp-55},  // log(1 + 126.5/128)
    {0x1.61e3efda46467p-1, -0x1.a1b727edefae3p-55},  // log(1 + 127.5/128)
};
struct InvC128 {
  double v[128];
  constexpr InvC128() : v() {
    for (int i = 0; i < 128; ++i) v[i] = 1.0 / (1.0 + (i + 0.5) / 128);
  }
};
inline constexpr InvC128 kInvC128{};
}  // namespace dd_detail

inline dd log_pair(double x) {
  std::uint64_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  const int bexp = static_cast<int>(bits >> 52);
  if (bexp == 0 || bexp >= 0x7ff) return dd(std::log(x));  // zero, subnormal, negative, inf, NaN
  // x = 2^e f, f in [1, 2); i = the top 7 bits of f's fraction, c = 1 + (i + 1/2)/128 (9 bits)
  const int e = bexp - 1023;
  const int i = static_cast<int>((bits >> 45) & 127);
  const std::uint64_t fb = (bits & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL;
  const std::uint64_t cb = (fb & ~((std::uint64_t{1} << 45) - 1)) | (std::uint64_t{1} << 44);
  double f, c;
  std::memcpy(&f, &fb, sizeof f);
  std::memcpy(&c, &cb, sizeof c);
  const double inv = dd_detail::kInvC128.v[i];
  const double d = f - c;  // exact (Sterbenz), |d| <= 2^-8
  const double rh = d * inv;
  // d - rh c exactly without fma: rh = ra + (rh - ra), ra on 44 bits, so that both products with
  // the 9-bit c are exact
  std::uint64_t rb;
  std::memcpy(&rb, &rh, sizeof rb);
  rb &= ~std::uint64_t{0x1ff};
  double ra;
  std::memcpy(&ra, &rb, sizeof ra);
  const double rl = ((d - ra * c) - (rh - ra) * c) * inv;
  // log1p(r) - r = r^2 q(r), q = -1/2 + r/3 - r^2/4 + r^3/5 - r^4/6 + r^5/7 (Estrin's scheme)
  const double r2 = rh * rh;
  const double q01 = -0.5 + rh * (1.0 / 3);
  const double q23 = -0.25 + rh * (1.0 / 5);
  const double q45 = -1.0 / 6 + rh * (1.0 / 7);
  const double q = (q01 + r2 * q23) + (r2 * r2) * q45;
  const double p = r2 * q - rh * rl;  // log1p(rh + rl) - rh - rl to first order in rl
  const double E = e;
  const dd lc = dd_detail::kLogC128[i];
  // |E kLn2Hi| >= 0.69 > log c (or E = 0): Fast2Sum is exact; then a two-sum (E = -1, c near 2:
  // the sum may fall below |rh|)
  const dd s1 = quick_two_sum(E * kLn2Hi, lc.hi);
  const dd s2 = two_sum(s1.hi, rh);
  const double lo = s1.lo + s2.lo + (((E * kLn2Lo + lc.lo) + rl) + p);
  return quick_two_sum(s2.hi, lo);
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
