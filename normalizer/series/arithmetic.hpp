// ccnorm series core: scalar arithmetic of the all-positive Taylor series, written once for the host
// paths (taylor.hpp, auto.hpp) and the CUDA kernels (normalizer/cuda/), CCNORM_HD.
//
// Compute types C: float, double, ccnorm::dd (host and device); long double and Boost.Multiprecision
// types (host only: their overloads below are plain templates, never instantiated in device code).
//
//  * Precision<C>: unit roundoff u, rescale exponent R and neighbour-shift clamp (limits.hpp).
//  * fmac / to_double / to_double_full / ldexpc: fused multiply-add (explicit: the build uses
//    -ffp-contract=off and nvcc --fmad=false, so host and device round alike), the value as a double
//    (the high part of a double-double: enough for comparisons), the full value, scaling by 2^e.
//  * Division by an integer i (every series step divides by n + j):
//      RecipDivisor<C> (float, double): 1/i = hi + lo, hi = fl(1/i), lo = fl(fma(-hi, i, 1)/i), and
//        t / i = p + fma(t, lo, fma(t, hi, -p)), p = t hi: the product's own rounding error is
//        recovered with an fma, so the quotient is within ~0.5 ulp and its rounding is unbiased.
//        (The shortcut fma(t, lo, t hi) keeps the rounding of t hi, i.e. of the rounded 1/i, and
//        1/i rounds the same way for whole families of i (1/3, 1/6, 1/12, ...): that biased the
//        series by -0.25 u per term.) (h + l) / i for a two-sum pair h + l likewise (div_acc2).
//        Cost: 1 mul + 2 fma + 1 add (4 ops; 5 for the pair).
//      DdDivisor (double-double, GPU): t / dd(i), the double-double division (~2^-104 relative).
//      DdRecipDivisor (double-double, host): t * (1/i) with 1/i = dd(1)/dd(i) precomputed (one
//        dd multiplication, ~2^-104 relative).
//      ExactDivisor<C> (long double, multiprecision): t / i in C (correctly rounded).
//    Which form each path uses is fixed by the outputs it must reproduce (step.hpp lists them).
//  * Recip<C>: a table view of reciprocal pairs (entries < n) with the same pair computed on the fly
//    beyond it; Recip<dd> has no table (DdDivisor).
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "normalizer/config.hpp"
#include "normalizer/dd.hpp"
#include "normalizer/series/limits.hpp"

namespace ccnorm {
namespace series {

// ---- precision traits ----
template <class C>
struct Precision {  // long double, Boost.Multiprecision (host only)
  static constexpr int rescale_exp = kRescaleExp;
  static constexpr int max_shift = kMaxShift;
  static double u() {
    const C e = std::numeric_limits<C>::epsilon() / 2;
    return static_cast<double>(e);
  }
};
template <>
struct Precision<float> {
  static constexpr int rescale_exp = kRescaleExpFloat;
  static constexpr int max_shift = kMaxShiftFloat;
  CCNORM_HD static constexpr double u() { return 0x1p-24; }
};
template <>
struct Precision<double> {
  static constexpr int rescale_exp = kRescaleExp;
  static constexpr int max_shift = kMaxShift;
  CCNORM_HD static constexpr double u() { return 0x1p-53; }
};
template <>
struct Precision<dd> {
  static constexpr int rescale_exp = kRescaleExp;
  static constexpr int max_shift = kMaxShift;
  CCNORM_HD static constexpr double u() { return 0x1p-106; }
};

// Hardware float and double: the types with the fused (RecipDivisor) step.
template <class C>
constexpr bool is_ieee = std::is_same<C, double>::value || std::is_same<C, float>::value;

// ---- scalar helpers ----
CCNORM_HD CCNORM_INLINE float fmac(float a, float b, float c) { return ::fmaf(a, b, c); }
CCNORM_HD CCNORM_INLINE double fmac(double a, double b, double c) { return ::fma(a, b, c); }
CCNORM_HD CCNORM_INLINE dd fmac(dd a, dd b, dd c) { return a * b + c; }
template <class C>
CCNORM_INLINE C fmac(const C& a, const C& b, const C& c) {  // long double, multiprecision: unfused
  return a * b + c;
}

CCNORM_HD CCNORM_INLINE float ldexpc(float a, int e) { return ::ldexpf(a, e); }
CCNORM_HD CCNORM_INLINE double ldexpc(double a, int e) { return ::ldexp(a, e); }
CCNORM_HD CCNORM_INLINE dd ldexpc(dd a, int e) { return ldexp(a, e); }
template <class C>
CCNORM_INLINE C ldexpc(const C& a, int e) {  // long double, multiprecision (found by ADL)
  using std::ldexp;
  return ldexp(a, e);
}

// The value as a double; for a double-double its high part (enough for every comparison).
CCNORM_HD CCNORM_INLINE double to_double(float x) { return x; }
CCNORM_HD CCNORM_INLINE double to_double(double x) { return x; }
CCNORM_HD CCNORM_INLINE double to_double(dd x) { return x.hi; }
template <class C>
CCNORM_INLINE double to_double(const C& x) {
  return static_cast<double>(x);
}
// The value rounded to double (a double-double: hi + lo).
CCNORM_HD CCNORM_INLINE double to_double_full(float x) { return x; }
CCNORM_HD CCNORM_INLINE double to_double_full(double x) { return x; }
CCNORM_HD CCNORM_INLINE double to_double_full(dd x) { return x.hi + x.lo; }
template <class C>
CCNORM_INLINE double to_double_full(const C& x) {
  return static_cast<double>(x);
}

// fmax and fmin (the larger / smaller, a NaN operand ignored) as inline code: where the baseline
// target has no instruction for them (x86-64 without -march) ::fmax is a library call (3 % of a
// batch at K = 3).
CCNORM_HD CCNORM_INLINE double max_num(double a, double b) {
  const double m = a > b ? a : b;  // (maxsd)
  return b != b ? a : m;
}
CCNORM_HD CCNORM_INLINE double min_num(double a, double b) {
  const double m = a < b ? a : b;  // (minsd)
  return b != b ? a : m;
}

// ---- compensated sums (auto's double series for double outputs) ----

// s + e += x for positive terms x into a positive running sum s: Fast2Sum (Dekker 1971) of s and x
// with its rounding error accumulated in e. Error-free whenever s >= x, i.e. from the first
// degrees on (the series' partial sums outgrow their terms once n > ~r/2); where a term still
// exceeds the sum, e misses that step's rounding by at most ~u/2 of the term, as the plain sum
// does, and such early terms are a vanishing share of the final sum. The pair's own error is then
// ~u^2 N of the sum and the one rounding of s + e: plain double summation of N positive terms
// costs ~sqrt(N) u (rms) up to N u, which dominated the mean's componentwise error (docs/design.md
// §2.6). Four operations; the lane kernels (normalizer/lanes/) perform the same ones.
template <class C>
CCNORM_HD CCNORM_INLINE void compensated_add(C& s, C& e, C x) {
  const C t = s + x;
  e += x - (t - s);
  s = t;
}

// ---- division by an integer ----

// 1/i = hi + lo (float, double).
template <class C, class I>
CCNORM_HD CCNORM_INLINE void recip_pair(I i, C& hi, C& lo) {
  const C d = C(static_cast<double>(i));
  hi = C(1) / d;
  lo = fmac(-hi, d, C(1)) / d;
}

// t / i from 1/i = ih + il, unbiased (see the header).
template <class C>
CCNORM_HD CCNORM_INLINE C div_acc(C t, C ih, C il) {
  const C p = t * ih;
  return p + fmac(t, il, fmac(t, ih, -p));
}
// (h + l) / i for the two-sum pair h + l.
template <class C>
CCNORM_HD CCNORM_INLINE C div_acc2(C h, C l, C ih, C il) {
  const C p = h * ih;
  return p + fmac(l, ih, fmac(h, il, fmac(h, ih, -p)));
}

template <class C>
struct RecipDivisor {
  C hi, lo;  // 1/i = hi + lo
  CCNORM_HD CCNORM_INLINE C div(C t) const { return div_acc(t, hi, lo); }
  CCNORM_HD CCNORM_INLINE C div2(C h, C l) const { return div_acc2(h, l, hi, lo); }
};
struct DdDivisor {
  double i;
  CCNORM_HD CCNORM_INLINE dd div(dd t) const { return t / dd(i); }
  CCNORM_HD CCNORM_INLINE dd div2(dd h, dd l) const { return (h + l) / dd(i); }
};
struct DdRecipDivisor {
  dd inv;  // dd(1) / dd(i)
  CCNORM_HD CCNORM_INLINE dd div(dd t) const { return t * inv; }
};
template <class C>
struct ExactDivisor {  // host only (long double, multiprecision)
  C i;
  C div(const C& t) const { return t / i; }
};

// A table of reciprocal pairs (entries < n; the same pair is computed beyond it, so results do not
// depend on the table's size).
template <class C>
struct Recip {
  const C* hi = nullptr;
  const C* lo = nullptr;
  std::uint32_t n = 0;
  CCNORM_HD CCNORM_INLINE RecipDivisor<C> at(std::uint32_t i) const {
    RecipDivisor<C> d;
    if (i < n) {
      d.hi = hi[i];
      d.lo = lo[i];
    } else {
      recip_pair<C>(i, d.hi, d.lo);
    }
    return d;
  }
};
template <>
struct Recip<dd> {
  const dd* hi = nullptr;
  const dd* lo = nullptr;
  std::uint32_t n = 0;
  CCNORM_HD CCNORM_INLINE DdDivisor at(std::uint32_t i) const { return DdDivisor{static_cast<double>(i)}; }
};

}  // namespace series
}  // namespace ccnorm
