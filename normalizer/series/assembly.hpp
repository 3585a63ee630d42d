// ccnorm series core: A, log C and the mean from the series' result, written once (CCNORM_HD) for
// the host paths (auto.hpp: auto, auto-precise and auto's extended rerun) and the GPU
// (normalizer/cuda/row_mappings.hpp, kernels.cu). The plain `taylor` assembles in its own type T
// (taylor.hpp).
//
// The series (step.hpp) gives exp[z] = e^m S 2^E / (K-1)!, m = min z, and sw_j = sum_n w_j(n) at
// S's scale. Then
//     A - m = log S + E ln2 - log((K-1)!),            A = m + (A - m),
//     log C = LSE(z) - A = LSE(y) - (A - m),          LSE(y) = r + log1p(sum_{j<K-1} e^{y_j - r}),
//     mu_j = sw_j / (K S).
// Assembly rules (which one a path uses is fixed by the outputs it must reproduce):
//   assemble_checked (double S; auto f32/f64 and GPU f64 outputs): in plain double, redone in
//     double-double when its terms cancel (max |term| > 1.5 max(1, |A|)), so that |A| << |min z|
//     costs nothing in accuracy (plain double: up to ~19 ulp of A there, docs/design.md §2);
//   assemble_compensated (S + S_lo from auto's compensated double series, f64 outputs; host):
//     where the terms do not cancel, m + log S + E ln2 - log((K-1)!) with every term a pair
//     (log S_hi from log_pair, dd.hpp, to ~2^-66; E ln2 as E kLn2Hi, exact, plus E kLn2Lo;
//     log((K-1)!) as its double-double; the first-order S_lo / S_hi), summed with error-free
//     additions and rounded once, so that A's error is the series' own plus the final rounding
//     (until 2026-12-04 log S_hi and E ln2 were rounded doubles: up to 1.47 u of A = -0.67 at
//     K = 3, where the rounding of log S is not small against |A|); otherwise assemble_dd of the pair.
//   assemble_dd (double-double S; auto-precise, auto's extended rerun, the GPU's double-double
//     rows): always in double-double (A <= 1 ulp);
//   assemble_plain (GPU f32 outputs from a float or double series): in plain double, rounded to
//     float at the end (the sum's rounding, ~2^-53 of its largest term, stays far below float's
//     u unless the terms cancel by a factor beyond ~2^25).
// log C (log_c): r and A - m are both ~ spread for wide rows while log C ~ sum of log gaps, so the
// difference is taken in double-double when it cancels (max(r, |A - m|) > 2 max(1, |log C|));
// otherwise 1e4-sized terms cost ~500 u of log C (482 u at z = (1e4, 0)).
// log((K-1)!) comes from a provider LF with plain() (lgamma(K), the plain path) and exact() (its
// double-double, dd.hpp log_factorial_dd): RowConsts precomputed once per K (GPU: a kernel
// argument), or LogFactorialOnDemand (host: the double-double only when a rule needs it).
// Cost: O(1) per row (when double-double is taken: dd_log, a table lookup and ~8 double-double
// operations on the host, and log_factorial_dd), O(K) for the log-sum-exp tail and the mean.
#pragma once
#include <array>
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

// ---- log((K-1)!) ----
struct RowConsts {
  double lg = 0.0;     // lgamma(K) (lgamma_host: reentrant)
  double lg_hi = 0.0;  // log_factorial_dd(K-1)
  double lg_lo = 0.0;
  CCNORM_HD CCNORM_INLINE double plain() const { return lg; }
  CCNORM_HD CCNORM_INLINE dd exact() const { return dd(lg_hi, lg_lo); }
};
// Host side (the kernels receive it as an argument; the host replay calls it too).
inline RowConsts row_consts(std::size_t K) {
  RowConsts k;
  k.lg = lgamma_host(static_cast<double>(K));
  const dd l = log_factorial_dd(static_cast<std::int64_t>(K) - 1);
  k.lg_hi = l.hi;
  k.lg_lo = l.lo;
  return k;
}
// Host: the same two values, each computed when asked for; for K <= kSmallK both come from a
// table filled once with the very same functions (bitwise the values computed on demand; lgamma
// and the double-double were ~8 % of auto's time per row at K = 3).
struct LogFactorialOnDemand {
  static constexpr std::size_t kSmallK = 128;
  std::size_t K;
  static const RowConsts* small_table() {
    static const std::array<RowConsts, kSmallK + 1> t = [] {
      std::array<RowConsts, kSmallK + 1> a{};
      for (std::size_t k = 1; k <= kSmallK; ++k) a[k] = row_consts(k);
      return a;
    }();
    return t.data();
  }
  double plain() const {
    return K <= kSmallK ? small_table()[K].plain() : lgamma_host(static_cast<double>(K));
  }
  dd exact() const {
    return K <= kSmallK ? small_table()[K].exact() : log_factorial_dd(static_cast<std::int64_t>(K) - 1);
  }
};

CCNORM_HD CCNORM_INLINE dd to_dd(float x) { return dd(static_cast<double>(x)); }
CCNORM_HD CCNORM_INLINE dd to_dd(double x) { return dd(x); }
CCNORM_HD CCNORM_INLINE dd to_dd(dd x) { return x; }

// ---- A ----
// A - m and A; red keeps A - m in double-double when it was formed (log C needs it again when it
// cancels).
struct Assembled {
  double A = 0, Ared = 0;  // A and A - m (rounded)
  dd red{0.0};             // A - m in double-double (valid when have_dd)
  bool have_dd = false;
  // A - m as the unrounded sum part[0] + ... + part[3] of the plain assembly (log S, E ln 2,
  // -log((K-1)!), and for assemble_compensated the low parts: log_pair's lo + S_lo / S_hi +
  // E kLn2Lo - the low part of log((K-1)!)); assemble_dd leaves {Ared, 0, 0, 0}
  static constexpr int kParts = 4;
  double part[kParts] = {0, 0, 0, 0};
};

template <class LF>
CCNORM_HD CCNORM_INLINE dd reduced_dd(dd S, int E, const LF& lf) {
  return dd_log(S) + dd_ln2() * static_cast<double>(E) - lf.exact();
}
template <class LF>
CCNORM_HD CCNORM_INLINE Assembled assemble_dd(double m, dd S, int E, const LF& lf) {
  Assembled o;
  o.red = reduced_dd(S, E, lf);
  o.have_dd = true;
  const dd a = o.red + m;
  o.A = a.hi + a.lo;
  o.Ared = o.red.hi + o.red.lo;
  o.part[0] = o.Ared;
  return o;
}
template <class LF>
CCNORM_HD CCNORM_INLINE Assembled assemble_checked(double m, double S, int E, const LF& lf) {
  const double lS = ::log(S);
  const double lE = static_cast<double>(E) * 0.69314718055994530942;
  const double lg = lf.plain();
  const double A0 = m + lS + lE - lg;
  double big = ::fabs(m);
  big = max_num(big, ::fabs(lS));
  big = max_num(big, ::fabs(lE));
  big = max_num(big, ::fabs(lg));
  if (big <= kAssemblyCancellation * max_num(1.0, ::fabs(A0))) {
    Assembled o;
    o.A = A0;
    o.Ared = lS + lE - lg;
    o.part[0] = lS;
    o.part[1] = lE;
    o.part[2] = -lg;
    return o;
  }
  return assemble_dd(m, dd(S), E, lf);
}
// Host only (log_pair).
template <class LF>
inline Assembled assemble_compensated(double m, dd S, int E, const LF& lf) {
  const dd lS = log_pair(S.hi);  // log S_hi to ~2^-66 (dd.hpp): not rounded to a double
  const double Ed = static_cast<double>(E);
  const double lE = Ed * kLn2Hi;  // exact (|E| < 2^27)
  const dd lg = lf.exact();
  double big = ::fabs(m);
  big = max_num(big, ::fabs(lS.hi));
  big = max_num(big, ::fabs(lE));
  big = max_num(big, ::fabs(lg.hi));
  // the low parts: log(S_hi + S_lo) = log S_hi + S_lo/S_hi + O(u^2), E ln2's, log((K-1)!)'s
  const double low = ((lS.lo + S.lo / S.hi) + Ed * kLn2Lo) - lg.lo;
  dd a = two_sum(m, lS.hi);
  double lo = a.lo;
  a = two_sum(a.hi, lE);
  lo += a.lo;
  a = two_sum(a.hi, -lg.hi);
  lo += a.lo;
  const double A0 = a.hi + (lo + low);
  if (big <= kAssemblyCancellation * max_num(1.0, ::fabs(A0))) {
    Assembled o;
    o.A = A0;
    o.part[0] = lS.hi;
    o.part[1] = lE;
    o.part[2] = -lg.hi;
    o.part[3] = low;
    o.Ared = ((lS.hi + lE) - lg.hi) + low;
    return o;
  }
  return assemble_dd(m, S, E, lf);
}
template <class LF>
CCNORM_HD CCNORM_INLINE Assembled assemble_plain(double m, double S, int E, const LF& lf) {
  Assembled o;
  o.part[0] = ::log(S);
  o.part[1] = static_cast<double>(E) * 0.69314718055994530942;
  o.part[2] = -lf.plain();
  o.Ared = o.part[0] + o.part[1] + o.part[2];
  o.A = m + o.Ared;
  return o;
}
// The GPU's rule for output type T from a series in C.
template <class T, class C, class LF>
CCNORM_HD CCNORM_INLINE Assembled assemble_gpu(double m, C S, int E, const LF& lf) {
  if constexpr (std::is_same<C, dd>::value) return assemble_dd(m, S, E, lf);
  else if constexpr (std::is_same<T, float>::value) return assemble_plain(m, to_double(S), E, lf);
  else return assemble_checked(m, to_double(S), E, lf);
}

// ---- log C ----
// The largest shifted node yh_{K-1} + yl_{K-1} as a double-double: exact for float, double,
// double-double and long double (auto's extended rerun stores the double two-sum pair in long
// double, or a float difference; both fit a double-double). (Until 2026-12 the long double case
// dropped yl: log C of rows such as z = (x, x + 1e4 + d), K = 2, came out up to 807 u off.)
template <class C>
CCNORM_HD CCNORM_INLINE dd exact_top(C yh, C yl) {
  if constexpr (std::is_same<C, dd>::value) return yh + yl;
  else if constexpr (is_ieee<C>) return two_sum(static_cast<double>(yh), static_cast<double>(yl));
  else {
    const double h = static_cast<double>(yh);
    return two_sum(h, static_cast<double>(yh - static_cast<C>(h))) + static_cast<double>(yl);
  }
}
// e^{y_j - r} for the shifted pairs y_j = yh + yl and r = yhK + ylK: the difference of the high
// parts (exact where it matters: y_j within a factor 2 of r, Sterbenz) plus that of the low parts,
// so that an inexact shift (yl != 0, e.g. a node 1e4 below the others) costs ~u of the exponent,
// not ulp(1e4). (Until 2026-12 the low parts were dropped: up to 238 u of log C on such rows.)
template <class C>
CCNORM_HD CCNORM_INLINE double lse_term(C yh, C yl, C yhK, C ylK) {
  return ::exp(to_double_full(C(yh - yhK)) + to_double_full(C(yl - ylK)));
}
// sum_{j<K-1} e^{y_j - r} of the sorted shifted nodes (top node K-1).
template <class C, int KM = 0>
CCNORM_HD CCNORM_INLINE double lse_tail(const C* yh, const C* yl, int K, C yhK, C ylK) {
  double s = 0.0;
  CCNORM_FOR_NODES(j, 0, K - 1, KM) s += lse_term(yh[j], yl[j], yhK, ylK);
  return s;
}
// log(1 + s) for s >= 0 (the tail sum; s <= K - 1) as an unevaluated pair hi + lo: hi = log t of
// t = 1 + s rounded, lo = d / t, the first-order term of t's rounding error d = (1 + s) - t (exact
// by two-sum): log(1 + s) = log t + log(1 + d/t), |d/t| <= u/2, so the neglected -(d/t)^2/2 is
// below 2^-107 relative and the pair's error is log's (glibc: < 1 ulp of hi). About a quarter of
// the cost of the library's log1p, which was 11-15 % of a batch at K = 3.
CCNORM_HD CCNORM_INLINE dd log1p_pair(double s) {
  const dd t = two_sum(1.0, s);
  return {::log(t.hi), t.lo / t.hi};
}
// log C from the top node (yhK, ylK), the tail sum s (lse_tail) and the assembled A (as; its
// double-double A - m is formed here from S, E when the difference cancels and it was not yet).
// r + log(1 + s) - (A - m) is summed with error-free additions (two-sum; A - m as the parts of
// its assembly, or its double-double) and rounded once, so that its error is that of log1p's and
// log S's logarithms and of s, not five roundings of about log C.
template <class C, class LF>
CCNORM_HD CCNORM_INLINE double log_c(C yhK, C ylK, double s, Assembled& as, dd S, int E, const LF& lf) {
  // the top node exactly (its low part too: dropping it cost up to 1/2 ulp of r, e.g. 1 ulp of
  // log C = 2.5 at r = 4.5; until 2026-12-03)
  const dd top = exact_top(yhK, ylK);
  const double r = top.hi;
  const dd l1p = log1p_pair(s);
  dd c = two_sum(r, l1p.hi);
  double lo = c.lo + l1p.lo + top.lo;
  if (as.have_dd) {
    c = two_sum(c.hi, -as.red.hi);
    lo += c.lo - as.red.lo;
  } else {
    for (int i = 0; i < 3; ++i) {
      c = two_sum(c.hi, -as.part[i]);
      lo += c.lo;
    }
    lo -= as.part[3];  // (0 except from assemble_compensated: ~u of log S plus E kLn2Lo, ~2^-26
                       // of E ln2, so its rounding here is ~2^-79 of E ln2)
  }
  const double c0 = c.hi + lo;
  if (max_num(r, ::fabs(as.Ared)) <= kLogCCancellation * max_num(1.0, ::fabs(c0))) return c0;
  if (!as.have_dd) {
    as.red = reduced_dd(S, E, lf);
    as.have_dd = true;
  }
  const dd x = (exact_top(yhK, ylK) + l1p) - as.red;
  return x.hi + x.lo;
}

// log C with every step in double-double (auto-precise): the tail sum s compensated (Neumaier),
// exact_top + log1p(s) - (A - m) in double-double whether or not it cancels, one rounding at the
// end. Host only.
template <class C, class LF>
inline double log_c_exact(const C* yh, const C* yl, int K, Assembled& as, dd S, int E, const LF& lf) {
  double s = 0.0, comp = 0.0;
  for (int j = 0; j + 1 < K; ++j) {
    const double t = lse_term(yh[j], yl[j], yh[K - 1], yl[K - 1]);
    const double u = s + t;
    comp += std::fabs(s) >= std::fabs(t) ? (s - u) + t : (t - u) + s;
    s = u;
  }
  s += comp;
  if (!as.have_dd) {
    as.red = reduced_dd(S, E, lf);
    as.have_dd = true;
  }
  const dd c = exact_top(yh[K - 1], yl[K - 1]) + std::log1p(s) - as.red;
  return c.hi + c.lo;
}

// ---- the mean: mu_j = sw_j / (K S) ----
// N: the caller's integer type for K (the device passes its int K: converting a size_t to double
// there costs registers - 128 instead of 12 bytes of spills in the f32 one-thread kernel).
template <class C, class N>
CCNORM_HD CCNORM_INLINE C mean_denominator(C S, N K) {
  return C(static_cast<double>(K)) * S;
}
// One component in the output type T (float, double) from a series in C (one rounding to double,
// then to T; for a double-double the quotient's hi + lo).
template <class T, class C>
CCNORM_HD CCNORM_INLINE T mean_component(C sw, C denom) {
  return static_cast<T>(to_double_full(C(sw / denom)));
}
// From compensated sums (assemble_compensated's series): (sw + swl) / D, D = K (S_hi + S_lo) as
// a double-double (mean_denominator_compensated), with one correction step of the quotient
// (exact residual by fma), so that the component's error is the sums' and one rounding.
template <class N>
CCNORM_HD CCNORM_INLINE dd mean_denominator_compensated(dd S, N K) {
  const double k = static_cast<double>(K);
  const dd p = two_prod(k, S.hi);
  return quick_two_sum(p.hi, p.lo + k * S.lo);
}
CCNORM_HD CCNORM_INLINE double mean_component_compensated(double sw, double swl, dd D) {
  const double q = sw / D.hi;
  const double res = (::fma(-q, D.hi, sw) + swl) - q * D.lo;
  return q + res / D.hi;
}

}  // namespace series
}  // namespace ccnorm
