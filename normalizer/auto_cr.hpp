// ccnorm: `auto-cr` - correctly rounded A, log C and mean (docs/design.md §2.12).
//
// Result: for T = double (float), A, log C and every mu_j are RN(exact value), the double (float)
// nearest to the exact value, ties to even - or the row's status says why not (below). Ziv's
// strategy: an approximation with a rigorous absolute error bound b, a rounding test (does every
// real in [a - b, a + b] round to the same T?), and escalation to a wider level when the test
// cannot decide:
//
//   level   T = double                         T = float
//   fast    series in x87 long double (u=2^-64) series in double (u = 2^-53)
//   dd      series in double-double            series in double-double
//   oracle  an installed certified evaluator (set_oracle; the tools and tests install the Arb
//           reference, reference/cr_oracle.hpp, at increasing precision)
//
// Formula (docs/design.md §1, normalizer/series/step.hpp). Sorted nodes, m = min z, y = z - m >= 0
// (the exact two-sum pair), v_j(n) = (j v_{j-1}(n) + y_j v_j(n-1)) / (n+j), S = sum_n v_{K-1}(n):
//     A       = m + log S + E ln2 - log((K-1)!)
//     log C   = r + log(sum_j e^{y_j - r}) - (A - m)          (r = y_{K-1} = max y)
//     mu_j    = sw_j / (K S),   sw_j = sum_n w_j(n),  w_j(n) = (K v_{K-1}(n) + y_j w_j(n-1))/(n+K).
// Stable regime: every finite row with spread r <= 2^22 (series::kAccuracyDomainMaxSpread); the
// series has only nonnegative terms and nonnegative coefficients. Cost: O(K log K + K N),
// N ~ r + O(sqrt r) + 20, at the first level (the series in the level's type), plus O(K) dd
// exponentials for log C (8 at a time: exp_dd_n); an escalated row pays the next level again.
// Measured (docs/design.md §2.12, geometric mean over K = 3, 10, 100 and sigma = 0.01, 1, 10):
// ~3.0x `auto` for f32 values, ~3.6x with the mean, ~6.7x for f64 values (x87 series), ~13x for
// f64 with the mean (double-double series).
//
// The bound (proof sketch; u_C the unit roundoff of the level's type, eps = its per-operation
// relative error: long double 2^-64, double 2^-53 (1 + 2^-40); double-double u^2 = 2^-106 with
// the accurate double-double algorithms of Joldes, Muller & Popescu, ACM TOMS 44(2) 2017: add
// <= 3 u^2, mul <= 5 u^2, our reciprocal 1/i (three-term quotient) <= 8 u^2 (checked against MPFR in
// tests/test_auto_cr.cpp)).
//  (1) Series rounding. Every operation of the recurrence takes nonnegative operands (y_j >= 0; the
//      low part yl_j of the shift may be negative but |yl_j| <= 2^-53 yh_j, so yh_j x + yl_j x
//      loses at most a factor 1 + 2^-51 of the rounding bound). Hence each computed value is
//      v_j(n) (1 + t) with |t| <= gamma_L, L the largest number of roundings on any path from a
//      start value (v_j(0) = 1, w_j(0) = 1, exact) to it (Higham, Accuracy and Stability, §3.1,
//      positive sums and products). Roundings per step (form of series/step.hpp used by the level):
//        long double (numerator-first, times a rounded 1/i): yh x, c prev, +, yl x, +, x (1/i),
//          and 1/i itself: <= 5 on any path -> k = 5;
//        double (fused): g = (yh+yl)/i <= 1.01 u, c = j/i <= 1.01 u, c prev, fma: <= 3.02 -> k = 4;
//        double-double (numerator-first, DdRecipDivisor): mul 5 + add 3 + mul 5 + 1/i 8 -> k = 24
//          units of u^2 (k = 21 needed; 24 leaves a margin).
//      A path to v_{K-1}(n) has n + K - 1 steps; S adds N + 1 terms (k_add = 1, 1, 3 units). The
//      powers of two of the per-node scaling are exact; the gradual-underflow contributions are
//      below 2^-600 S (unscaled rows have S >= 1 and gains <= e^r <= 2^376; scaled rows keep their
//      entries in [2^-400, 2^400]). So, with L_S = k (N + K) + k_add (N + 1) and the rigorous
//      stopping rule (tail <= tol S, tol = u_C/16 or u_C/512 with the mean, applied to computed
//      values: <= 1.01 tol of the exact partial sum):
//          |S^ - S| <= theta_S S,   theta_S = 1.01 eps L_S + 2 tol + 2^-600       (L_S eps < 2^-20)
//      and for each mean sum (one more step per degree for the source, N + 1 w-steps):
//          theta_sw = 1.01 eps (k (2N + K + 2) + k_add (N + 1)) + 2 tol + 2^-600.
//  (2) Assembly in double-double (series/assembly.hpp reduced_dd): |log S^ - log S| <=
//      theta_S (1 + theta_S); dd.hpp dd_log(x) within 2^-98 (1 + |log x|) (a 47-entry table of
//      log(i/64), each the nearest double-double, within 2^-107 |log c|; then atanh of
//      |s| <= 0.0056, s in dd to ~2^-104 |s|, a positive Horner chain in s^2 whose dd steps add
//      ~8 u^2 each, damped by s^2 < 2^-15; checked against MPFR in the test); E ln2 within |E| 2^-102 (ln2 to 2^-109, one dd x double
//      product); log((K-1)!) within 2^-90 + 2^-97 (1 + lf) (exact product and dd_log for K <= 37,
//      Stirling's series with its first omitted term < 2^-91 beyond); two dd additions and the
//      final + m within 2^-103 of the sum of the magnitudes involved.
//  (3) log C: d_j = y_j - r in dd (within 2^-104 |d_j|); terms with d_j < -90 are dropped
//      (each < 2^-129); exp_dd on [-90, 0] within 2^-94 relative (below: x = n ln2/32 + r,
//      degree-11 Taylor in r, a table of 2^(i/32)); the positive sum adds 3 u^2 per term; log as in
//      (2); then r + L - (A - m) in dd.
//  (4) mu_j = sw_j / (K S) in dd: theta_mu = (theta_sw + theta_S)(1 + 2 theta_S) + 2^-100.
//  (5) Rounding test (decide): the candidate t = RN_T(a.hi + a.lo) with neighbours t-, t+; the exact
//      value is within [a - b, a + b]; accept t iff a - (t + t-)/2 > b and (t + t+)/2 - a > b, both
//      differences formed exactly in dd up to 3 u^2 relative (margin 2^-50 on b). The midpoints are
//      exact in dd (float: in double). Sound whatever candidate is chosen: acceptance proves that
//      every real in [a - b, a + b] rounds to t. Refused (escalated): |t| < 2^-1000 (2^-120 for
//      float) or non-finite neighbours.
//  (6) K = 2 near ties (|z1 - z2| <= 2^-20): A is taken as (z1 + z2)/2 (exact in dd) + t,
//      t = h^2 (1/6 - h^2/180), h = (z1 - z2)/2: truncation <= h^4 2^-8 t, five roundings of a
//      double and the dropped low part of z1 - z2: |error| <= 2^-50 |t| + 2^-1070. (For ulp-apart
//      nodes A lies ~h^2/6 from a midpoint: within 2^-50 ulp, out of reach of the series levels.)
//  Exact values: for double nodes exp[z] = sum_k P_k e^{z_k} over the distinct nodes, P_k rational;
//  by Lindemann-Weierstrass A (if not transcendental) equals a node z_k with P_k = 1 and every
//  other P_j = 0 (else sum P_j e^{z_j} - e^A = 0 is a nontrivial relation): a double, never a
//  midpoint: K = 2 ties (A = c, handled directly) and tie rows such as
//  z = (0, 1, 1) (exp[z] = 1, A = 0). A nonzero double is decided by the test; an exact 0 goes to
//  the oracle, whose ball shrinks to +-0 (+0 returned). Likewise mu_j and log C are never midpoints
//  on the rows tested (rational values with small denominators).
//
// Status: ok = correctly rounded. outside_domain = finite but not proven correctly rounded: the
// spread exceeds 2^22 (auto's out-of-domain fallback), or no level decided and no oracle is
// installed (the values are then the double-double level's, within its bound: <= 1 ulp). invalid
// input (K = 0, non-finite): NaN, status from the batch layer as for every algorithm.
// Counters (counters(), reset_counters()): rows finished at each level, relaxed atomics.
//
// References: Ziv, ACM TOMS 17(3) 1991 (the rounding test and escalation); Higham, Accuracy and
// Stability of Numerical Algorithms, 2nd ed., §3 (positive recurrences); Joldes, Muller & Popescu
// 2017 (double-double bounds); CORE-MATH (Sibidanov, Zimmermann, Glondu: worst cases near
// midpoints); FLINT/Arb documentation style for the statement above.
#pragma once
#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "normalizer/auto.hpp"
#include "normalizer/common.hpp"
#include "normalizer/dd.hpp"
#include "normalizer/series/assembly.hpp"
#include "normalizer/series/limits.hpp"
#include "normalizer/taylor.hpp"

namespace ccnorm {
namespace cr {

// Where a row was finished.
enum class Level : int { trivial = 0, fast = 1, dd = 2, oracle = 3, undecided = 4, outside_domain = 5 };
inline constexpr int kLevels = 6;
inline const char* level_name(Level l) {
  switch (l) {
    case Level::trivial: return "trivial";
    case Level::fast: return "fast";
    case Level::dd: return "dd";
    case Level::oracle: return "oracle";
    case Level::undecided: return "undecided";
    case Level::outside_domain: return "outside_domain";
  }
  return "?";
}

struct Counts {
  std::array<std::uint64_t, kLevels> n{};
  std::uint64_t operator[](Level l) const { return n[static_cast<int>(l)]; }
  std::uint64_t total() const {
    std::uint64_t s = 0;
    for (auto v : n) s += v;
    return s;
  }
};
inline std::array<std::atomic<std::uint64_t>, kLevels>& counter_slots() {
  static std::array<std::atomic<std::uint64_t>, kLevels> c{};
  return c;
}
inline Counts counters() {
  Counts o;
  for (int i = 0; i < kLevels; ++i) o.n[i] = counter_slots()[i].load(std::memory_order_relaxed);
  return o;
}
inline void reset_counters() {
  for (auto& c : counter_slots()) c.store(0, std::memory_order_relaxed);
}
inline void count(Level l) { counter_slots()[static_cast<int>(l)].fetch_add(1, std::memory_order_relaxed); }

// A certified evaluator for the rows no level decided: fills A, log C and (mu != nullptr) the K
// components, each correctly rounded to float (f32) or double (stored in double); false if it
// cannot decide. Installed once per process (reference/cr_oracle.hpp install_cr_oracle).
using Oracle = bool (*)(const double* z, std::size_t K, bool f32, double* A, double* logC, double* mu);
inline std::atomic<Oracle>& oracle_slot() {
  static std::atomic<Oracle> o{nullptr};
  return o;
}
inline void set_oracle(Oracle o) { oracle_slot().store(o); }
inline Oracle oracle() { return oracle_slot().load(); }

// Test hooks: the highest level tried (fast / dd / oracle), and a planted defect (accept the fast
// level without the rounding test) that tests/test_auto_cr.cpp must catch.
struct Knobs {
  Level max_level = Level::oracle;
  bool skip_test = false;
};
inline Knobs& knobs() {
  static Knobs k;
  return k;
}

namespace detail {

// |exact - (v + tail)| <= b
struct Approx {
  dd v{0.0};
  double b = 0;
  double tail = 0;  // a third, small part (the K = 2 near-tie form of A, header (6))
};

// Rounding test (header (5)).
template <class T>
bool decide(const Approx& a, T& out) {
  const double c = a.v.hi + (a.v.lo + a.tail);
  const T t = static_cast<T>(c);
  const double tiny = std::is_same_v<T, float> ? 0x1p-120 : 0x1p-1000;
  if (!std::isfinite(t) || !(std::fabs(static_cast<double>(t)) >= tiny) || !(a.b >= 0) || !std::isfinite(a.b))
    return false;
  if (knobs().skip_test) {
    out = t;
    return true;
  }
  const T dn = std::nextafter(t, -std::numeric_limits<T>::infinity());
  const T up = std::nextafter(t, std::numeric_limits<T>::infinity());
  if (!std::isfinite(dn) || !std::isfinite(up)) return false;
  const dd mlo = ldexp(two_sum(static_cast<double>(t), static_cast<double>(dn)), -1);  // exact
  const dd mhi = ldexp(two_sum(static_cast<double>(t), static_cast<double>(up)), -1);
  const dd dl = (a.v - mlo) + a.tail, dh = (mhi - a.v) - a.tail;
  const double bb = a.b * (1 + 0x1p-50) + 0x1p-1074;
  if (dl.hi * (1 - 0x1p-50) > bb && dh.hi * (1 - 0x1p-50) > bb) {
    out = t;
    return true;
  }
  return false;
}

// e^x by the plain dd algorithm (argument / 16, degree-14 Taylor, four squarings; relative error
// <= 2^-96 on [-1, 0]): used once, for the table below.
inline dd exp_dd_plain(dd x) {
  const double k = std::nearbyint(x.hi * 1.4426950408889634);
  dd t = x - dd_ln2() * k;
  t = t * 0.0625;
  dd p(1.0 / 87178291200.0);
  dd f(1.0);
  dd inv[15];
  for (int i = 0; i <= 14; ++i) {
    inv[i] = dd(1.0) / f;
    f = f * static_cast<double>(i + 1);
  }
  for (int i = 13; i >= 0; --i) p = p * t + inv[i];
  for (int i = 0; i < 4; ++i) p = p * p;
  return ldexp(p, static_cast<int>(k));
}

struct Tables {
  dd exp2_32[32];  // 2^(i/32) (exp_dd_plain: <= 2^-95.5 relative)
  dd inv_fact[6];  // 1/k!, k = 0..5 (dd division: <= 8 u^2)
  double inv_fact_tail[12];  // 1/k! in double, k = 6..11
};
inline Tables make_tables() {
  Tables t;
  for (int i = 0; i < 32; ++i) t.exp2_32[i] = exp_dd_plain(dd_ln2() * (i / 32.0));
  dd f(1.0);
  for (int k = 0; k < 12; ++k) {
    if (k < 6) t.inv_fact[k] = dd(1.0) / f;
    else t.inv_fact_tail[k] = 1.0 / (f.hi + f.lo);
    f = f * static_cast<double>(k + 1);
  }
  return t;
}
inline const Tables& tables() {
  static const Tables t = make_tables();
  return t;
}

// e^x for x in [-90, 0] in double-double, relative error <= 2^-94 (header (3)): x = n ln2/32 + r,
// |r| <= ln2/64 + 2^-99 (n ln2/32 formed with one rounding of ~2^-106 |x|, ln2 to 2^-109);
// e^r by Taylor to degree 11 (truncation < 2^-107), degrees 0..5 in dd (each Horner step ~8 u^2,
// damped by |r| < 0.011), 6..11 in double (their terms are < 2^-48: rounding < 2^-100);
// times 2^(i/32) (table, 2^-95.5) and the exact 2^k.
// exp_dd_n: N arguments at once, each step over all N before the next (the same operations on
// each argument, so bitwise exp_dd's values): the N Horner chains overlap, and the compiler keeps
// them in vector registers (N = 8 with AVX-512: 20 ns per exponential against 70 ns one at a
// time, measured on this project's 2-core machine; log C of a row takes K - 1 of them).
template <int N>
inline void exp_dd_n(const dd* x, dd* out) {
  const Tables& T = tables();
  const dd L = dd_ln2() * 0x1p-5;
  double n[N], q[N];
  dd r[N], p[N];
  for (int l = 0; l < N; ++l) {
    n[l] = std::nearbyint(x[l].hi * 46.166241308446828);  // 32 / ln2
    r[l] = x[l] - L * n[l];
    q[l] = T.inv_fact_tail[11];
  }
  for (int k = 10; k >= 6; --k)
    for (int l = 0; l < N; ++l) q[l] = q[l] * r[l].hi + T.inv_fact_tail[k];
  for (int l = 0; l < N; ++l) p[l] = dd(q[l]);
  for (int k = 5; k >= 0; --k)
    for (int l = 0; l < N; ++l) p[l] = p[l] * r[l] + T.inv_fact[k];
  for (int l = 0; l < N; ++l) {
    const int ni = static_cast<int>(n[l]);
    const int kk = ni >= 0 ? ni / 32 : -((-ni + 31) / 32);
    const int i = ni - 32 * kk;
    const dd t = p[l] * T.exp2_32[i];
    // 2^kk from its bits (kk in [-130, 0] for x in [-90, 0]: normal, exact; t.lo stays normal)
    const double sc = std::bit_cast<double>(static_cast<std::uint64_t>(kk + 1023) << 52);
    out[l] = {t.hi * sc, t.lo * sc};
  }
}
inline dd exp_dd(dd x) {
  dd o;
  exp_dd_n<1>(&x, &o);
  return o;
}

// K = 2 with |z1 - z2| <= 2^-20 (header (6)): A = (z1 + z2)/2 + log(sinh h / h), h = (z1 - z2)/2,
// log(sinh h / h) = h^2/6 - h^4/180 + O(h^6), so A sits within ~h^2/6 of the midpoint of two
// adjacent doubles when z1, z2 are ulps apart: no fixed-precision level can decide that from the
// series; this form carries the midpoint exactly (dd) and the small part as a double.
inline void near_tie_A(double z1, double z2, Approx& a) {
  const dd d = two_sum(z1, -z2);
  if (!(std::fabs(d.hi) <= 0x1p-20)) return;
  const double h = 0.5 * d.hi;  // relative error <= 2^-53 (d.lo dropped)
  const double h2 = h * h;
  const double t = h2 * (1.0 / 6.0 - h2 * (1.0 / 180.0));
  a.v = ldexp(two_sum(z1, z2), -1);  // exact
  a.tail = t;
  a.b = std::fabs(t) * 0x1p-50 + 0x1p-1070;
}

// Per-level rounding constants (header (1)).
template <class C>
struct LevelEps;
template <>
struct LevelEps<long double> {
  static constexpr double eps = 0x1p-64 * (1 + 0x1p-40);
  static constexpr double k = 5, k_add = 1;  // 4 roundings + the rounded 1/i
};
template <>
struct LevelEps<double> {
  static constexpr double eps = 0x1p-53 * (1 + 0x1p-40);
  static constexpr double k = 4, k_add = 1;
};
template <>
struct LevelEps<dd> {
  static constexpr double eps = 0x1p-106;
  static constexpr double k = 24, k_add = 3;
};

template <class C>
dd to_dd_exact(const C& x) {
  if constexpr (std::is_same_v<C, dd>) return x;
  else if constexpr (std::is_same_v<C, double>) return dd(x);
  else {
    const double h = static_cast<double>(x);
    return dd(h, static_cast<double>(x - static_cast<C>(h)));  // exact for a 64-bit long double
  }
}

// log((K-1)!) and its bound, cached per thread for the last K.
struct Lf {
  dd v{0.0};
  double b = 0;
};
inline Lf log_fact(std::size_t K) {
  static thread_local std::size_t lastK = 0;
  static thread_local Lf last;
  if (K != lastK) {
    last.v = log_factorial_dd(static_cast<std::int64_t>(K) - 1);
    last.b = 0x1p-90 + 0x1p-97 * (1 + std::fabs(last.v.hi));
    lastK = K;
  }
  return last;
}

// taylor.hpp's run_series with the value loop blocked over 8 degrees for long double too (the host
// driver blocks float and double only) and, for long double, a product with the rounded 1/i in
// place of the division (advance_ld): the 8 dependency chains of a block overlap. Double-double
// stays one degree at a time (blocking it measured 1.4x slower: register pressure), except that
// unsorted rows with K >= kDdWavefrontMinK take taylor.hpp's wavefront (run_series_dd_unsorted:
// the same values, 8 cells per step).
// The arithmetic of each entry is the same (numerator-first form for long double and dd, fused
// for double: the operation counts of header (1) hold); only the rescale and the stopping test
// run once per block (the growth over a block, <= r^8 <= 2^176, stays far inside the range: the
// block is taken only when 8 log2(r) < maxexp - R - 16 as in taylor.hpp).
// long double: 1/i rounded to long double (one more rounding per step: k = 5 in header (1)), so
// that the step multiplies instead of dividing (x87 fdiv on the dependency chain).
inline void ensure_inv_ld(taylor_detail::Work<long double>& ws, std::size_t upto) {
  std::size_t old = ws.ihi.size();
  if (old > upto) return;
  const std::size_t nsz = std::max<std::size_t>(upto + 1, 2 * old);
  ws.ihi.resize(nsz);
  if (old == 0) {
    ws.ihi[0] = 0;
    old = 1;
  }
  for (std::size_t i = old; i < nsz; ++i) ws.ihi[i] = 1.0L / static_cast<long double>(i);
}
// taylor.hpp advance<B> for long double with the division replaced by that product.
template <int B>
void advance_ld(taylor_detail::Work<long double>& ws, std::size_t K, std::size_t n0, long double* out) {
  using C = long double;
  C prev[B];
  for (int b = 0; b < B; ++b) prev[b] = C(0);
  C* v = ws.v.data();
  const C* yh = ws.yh.data();
  const C* yl = ws.yl.data();
  const C* ms = ws.ms.data();
  const C* inv = ws.ihi.data();
  for (std::size_t j = 1; j < K; ++j) {
    const C a = C(static_cast<double>(j));
    const C h = yh[j], l = yl[j], mj = ms[j];
    C x = v[j];
    for (int b = 0; b < B; ++b) {
      x = series::column_numerator(h, l, x, a, mj, prev[b]) * inv[n0 + b + j];
      prev[b] = x;
    }
    v[j] = x;
  }
  for (int b = 0; b < B; ++b) out[b] = prev[b];
}

template <class C>
taylor_detail::Series<C> run_series_blocked(taylor_detail::Work<C>& ws, std::size_t K, double r, bool want_mu) {
  using namespace taylor_detail;
  const double tol = series::series_tol(series::Precision<C>::u(), want_mu);
  // double-double, unsorted row: the wavefront form (taylor.hpp run_series_dd_unsorted), bitwise
  // this loop's values (the operations of header (1), in the same order per cell)
  if constexpr (std::is_same_v<C, dd>)
    if (!ws.sorted && K >= kDdWavefrontMinK) return run_series_dd_unsorted(ws, K, r, want_mu, tol);
  constexpr int R = series::Precision<C>::rescale_exp;
  constexpr int cmaxexp = std::is_same_v<C, long double> ? 16384 : 1024;
  const double lr = std::log2(std::max(r, 1.0));
  const int B = !std::is_same_v<C, dd> && (8 * lr < cmaxexp - R - kBlockMarginBits) ? 8 : 1;
  const int Ki = static_cast<int>(K);
  ws.v.assign(K, C(1));
  ws.ex.assign(K, 0);
  ws.ms.assign(K, C(1));
  C S = C(1);
  int E = 0;
  std::size_t n = 1;
  C out[8];
  const C Kc = C(static_cast<double>(K));
  C* w = nullptr;
  C* sw = nullptr;
  const C* yh = ws.yh.data();
  const C* yl = ws.yl.data();
  if (want_mu) {
    ws.w.assign(K, C(1));
    ws.sw.assign(K, C(1));
    w = ws.w.data();
    sw = ws.sw.data();
  }
  for (;;) {
    if constexpr (std::is_same_v<C, long double>) {
      ensure_inv_ld(ws, n + K + 8);
      if (B == 8) advance_ld<8>(ws, K, n, out);
      else advance_ld<1>(ws, K, n, out);
    } else {
      ensure_inv(ws, n + K + 8);
      if (B == 8) advance<8>(ws, K, n, out);
      else advance<1>(ws, K, n, out);
    }
    for (int b = 0; b < B; ++b) S += out[b];
    if (want_mu) {
      C c[8];
      for (int b = 0; b < B; ++b) c[b] = Kc * out[b];
      if constexpr (series::is_ieee<C>) {
        const C* ih = ws.ihi.data() + n + K;
        const C* il = ws.ilo.data() + n + K;
        C ci[8];
        for (int b = 0; b < B; ++b) ci[b] = series::mean_source(c[b], series::RecipDivisor<C>{ih[b], il[b]});
        for (std::size_t j = 0; j < K; ++j) {
          C x = w[j], acc = sw[j];
          const C h = yh[j], l = yl[j];
          for (int b = 0; b < B; ++b) {
            x = series::mean_update(h, l, x, ci[b], series::RecipDivisor<C>{ih[b], il[b]});
            acc += x;
          }
          w[j] = x;
          sw[j] = acc;
        }
      } else {
        for (std::size_t j = 0; j < K; ++j) {
          C x = w[j], acc = sw[j];
          for (int b = 0; b < B; ++b) {
            if constexpr (std::is_same_v<C, long double>)
              x = series::mean_numerator(c[b], yh[j], yl[j], x) * ws.ihi[n + b + K];
            else
              x = div_int(ws, series::mean_numerator(c[b], yh[j], yl[j], x), n + b + K);
            acc += x;
          }
          w[j] = x;
          sw[j] = acc;
        }
      }
    }
    n += B;
    C top = out[B - 1];
    if (ws.sorted) {
      const int EK = series::rescale_column<C>(ws.v.data(), ws.ex.data(), ws.ms.data(), Ki);
      series::follow_exponent<C>(EK, E, S, top, w, sw, Ki, want_mu);
    }
    const double next = static_cast<double>(n);
    if (series::series_failed(S, next, r)) return {S, E, n, false};
    double tf = 0;
    if (!series::tail_factor(r, next, tf)) continue;
    if (!series::tail_negligible(top, tf, tol, S)) continue;
    if (!want_mu) break;
    if (series::mean_tails_negligible<C>(w, sw, Ki, tf, tol)) break;
  }
  return {S, E, n, true};
}

// One level: run the series in C, return approximations with bounds. false: the series failed.
struct LevelOut {
  Approx A, logC;
  std::vector<Approx> mu;  // input order
};

template <class C, class T>
bool run_level(const T* z, std::size_t K, bool want_mu, LevelOut& o) {
  using namespace taylor_detail;
  auto& ws = workspace<C>();
  T mT = 0;
  const double r = taylor_prepare<C, T>(z, K, ws, mT);
  // double (the f32 fast level): auto's own double series (auto.hpp double_series: the one-row lane
  // kernel where it runs, bitwise run_series<double>, which is run_series_blocked<double>: the
  // same operations, so header (1) holds for its values).
  Series<C> s;
  if constexpr (std::is_same_v<C, double>) s = auto_detail::double_series<double>(ws, K, r, want_mu);
  else s = run_series_blocked<C>(ws, K, r, want_mu);
  if (!s.ok) return false;
  const double N = static_cast<double>(s.terms);  // N + 1 degrees summed
  const double Kd = static_cast<double>(K);
  using E = LevelEps<C>;
  const double tol = series::series_tol(series::Precision<C>::u(), want_mu);
  const double LS = E::k * (N + Kd) + E::k_add * N;
  if (!(LS * E::eps < 0x1p-20)) return false;
  const double thS = 1.01 * E::eps * LS + 2 * tol + 0x1p-600;
  // (2) A
  const dd S = to_dd_exact(s.S);
  const dd lS = dd_log(S);
  const dd eln2 = dd_ln2() * static_cast<double>(s.E);
  const Lf lf = log_fact(K);
  const dd red = lS + eln2 - lf.v;
  const double m = static_cast<double>(mT);
  const dd a = red + m;
  const double alS = std::fabs(lS.hi), aE = std::fabs(static_cast<double>(s.E));
  const double bred = thS * (1 + thS) + 0x1p-98 * (1 + alS) + aE * 0x1p-102 + lf.b +
                      0x1p-103 * (alS + aE + std::fabs(lf.v.hi) + std::fabs(red.hi));
  o.A.v = a;
  o.A.b = (bred + 0x1p-103 * (std::fabs(m) + std::fabs(red.hi))) * (1 + 0x1p-40);
  o.A.tail = 0;
  if (K == 2) near_tie_A(static_cast<double>(z[0]), static_cast<double>(z[1]), o.A);
  // (3) log C
  const dd top = series::exact_top(ws.yh[K - 1], ws.yl[K - 1]);
  dd sum(1.0);
  double dropped = 0;
  {
    // the kept exponents, 8 at a time (exp_dd_n; the sum in node order as one at a time)
    constexpr int kB = 8;
    dd d[kB], e[kB];
    int nd = 0;
    auto flush = [&] {
      for (int l = nd; l < kB; ++l) d[l] = dd(0.0);  // padding, not summed
      exp_dd_n<kB>(d, e);
      for (int l = 0; l < nd; ++l) sum += e[l];
      nd = 0;
    };
    for (std::size_t j = 0; j + 1 < K; ++j) {
      const dd dj = series::exact_top(ws.yh[j], ws.yl[j]) - top;
      if (dj.hi < -90) {
        dropped += 0x1p-129;
        continue;
      }
      d[nd++] = dj;
      if (nd == kB) flush();
    }
    if (nd > 0) flush();
  }
  const dd L = dd_log(sum);
  const dd lc = top + L - red;
  const double thsum = 0x1p-94 + 90 * 0x1p-104 + Kd * 0x1p-104 + dropped;
  o.logC.v = lc;
  o.logC.b = (bred + thsum * (1 + thsum) + 0x1p-98 * (1 + std::fabs(L.hi)) +
              0x1p-103 * (std::fabs(top.hi) + std::fabs(L.hi) + std::fabs(red.hi) + std::fabs(lc.hi))) *
             (1 + 0x1p-40);
  // (4) mu
  if (want_mu) {
    const double LW = E::k * (2 * N + Kd + 2) + E::k_add * N;
    const double thW = 1.01 * E::eps * LW + 2 * tol + 0x1p-600;
    const double thM = (thW + thS) * (1 + 2 * thS) + 0x1p-100;
    const dd den = S * Kd;
    o.mu.resize(K);
    for (std::size_t j = 0; j < K; ++j) {
      const dd q = to_dd_exact(ws.sw[j]) / den;
      o.mu[ws.perm[j]] = Approx{q, std::fabs(q.hi) * thM * (1 + 0x1p-40)};
    }
  }
  return true;
}

template <class T>
bool decide_all(const LevelOut& lo, std::size_t K, T* mu, Out<T>& out) {
  T A, lc;
  if (!decide<T>(lo.A, A) || !decide<T>(lo.logC, lc)) return false;
  if (mu) {
    for (std::size_t j = 0; j < K; ++j)
      if (!decide<T>(lo.mu[j], mu[j])) return false;
  }
  out = {A, lc, RowStatus::ok};
  return true;
}

// All nodes equal (including K = 2 ties, whose A = c is exact).
template <class T>
bool all_equal(const T* z, std::size_t K) {
  for (std::size_t i = 1; i < K; ++i)
    if (z[i] != z[0]) return false;
  return true;
}

}  // namespace detail

// auto-cr: T = float or double.
template <class T>
Out<T> auto_cr(const T* z, std::size_t K, T* mu) {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>, "auto-cr supports float and double");
  using namespace detail;
  if (Out<T> o; auto_detail::trivial_row(z, K, mu, o)) {
    count(Level::trivial);
    return o;
  }
  double r = 0;
  {
    T lo = z[0], hi = z[0];
    for (std::size_t i = 1; i < K; ++i) {
      lo = std::min(lo, z[i]);
      hi = std::max(hi, z[i]);
    }
    r = static_cast<double>(hi) - static_cast<double>(lo);
  }
  if (!(r <= series::kAccuracyDomainMaxSpread)) {
    count(Level::outside_domain);
    Out<T> o = auto_eval<T>(z, K, mu);
    o.status = RowStatus::outside_domain;
    return o;
  }
  if (K == 2 && all_equal(z, K)) {  // exp[c, c] = e^c: A = c, log C = log 2, mu = 1/2
    if (mu) mu[0] = mu[1] = T(0.5);
    count(Level::trivial);
    return {z[0], static_cast<T>(0.69314718055994530942), RowStatus::ok};  // RN(log 2), both types
  }
  const bool want_mu = mu != nullptr;
  const Knobs kn = knobs();
  thread_local LevelOut lo;
  Out<T> out{};
  // fast level; for f64 rows with the mean it is skipped from K = 3 on (its bound, ~(7N + 4K) 2^-64
  // relative per component, leaves most rows with some component undecided: measured).
  using Fast = std::conditional_t<std::is_same_v<T, double>, long double, double>;
  const bool try_fast = !(std::is_same_v<T, double> && want_mu && K >= 3) || kn.skip_test;
  if (try_fast && run_level<Fast, T>(z, K, want_mu, lo) && decide_all(lo, K, mu, out)) {
    count(Level::fast);
    return out;
  }
  if (kn.max_level == Level::fast) {
    count(Level::undecided);
    Out<T> o = auto_precise<T>(z, K, mu);
    o.status = RowStatus::outside_domain;
    return o;
  }
  const bool dd_ok = run_level<dd, T>(z, K, want_mu, lo);
  if (dd_ok && decide_all(lo, K, mu, out)) {
    count(Level::dd);
    return out;
  }
  if (Oracle orc = oracle(); orc && kn.max_level == Level::oracle) {
    std::vector<double> zd(z, z + K), md(want_mu ? K : 0);
    double A = 0, lc = 0;
    if (orc(zd.data(), K, std::is_same_v<T, float>, &A, &lc, want_mu ? md.data() : nullptr)) {
      if (mu)
        for (std::size_t j = 0; j < K; ++j) mu[j] = static_cast<T>(md[j]);
      count(Level::oracle);
      return {static_cast<T>(A), static_cast<T>(lc), RowStatus::ok};
    }
  }
  // Nothing decided: the double-double level's values (within their bound), flagged.
  count(Level::undecided);
  Out<T> o;
  if (dd_ok) {
    o = {static_cast<T>(lo.A.v.hi + lo.A.v.lo), static_cast<T>(lo.logC.v.hi + lo.logC.v.lo),
         RowStatus::outside_domain};
    if (mu)
      for (std::size_t j = 0; j < K; ++j) mu[j] = static_cast<T>(lo.mu[j].v.hi + lo.mu[j].v.lo);
  } else {
    o = auto_eval<T>(z, K, mu);
    o.status = RowStatus::outside_domain;
  }
  return o;
}

}  // namespace cr

template <class T>
Out<T> auto_cr(const T* z, std::size_t K, T* mu) {
  return cr::auto_cr<T>(z, K, mu);
}

}  // namespace ccnorm
