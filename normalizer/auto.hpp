// ccnorm: `auto` and `auto-precise` - the production paths.
//
// auto (f64 in/out): the all-positive Taylor series (taylor.hpp's host driver of the series core
//   normalizer/series/) in plain double with the exact two-sum shift and compensated sums (S and
//   every mean sum carry their rounding errors in a second double: series::compensated_add, which
//   removes the summation's ~sqrt(N) u; docs/design.md §2.6 step 4), then
//     A = m + log S + E ln2 - log((K-1)!)
//   from unrounded terms (log S as log_pair's hi + lo) summed with error-free additions
//   (series/assembly.hpp assemble_compensated), in double-double
//   whenever its terms cancel (max |term| > 1.5 max(1,|A|)), so that |A| << |min z| costs nothing
//   in accuracy; log C = LSE(y) - (A - m) likewise (log_c). The series' own rounding (relative error of S
//   observed to grow like sqrt(N) u) lands on A and log C alike: where it could exceed ~6 u of the
//   smaller of the two (series/escalation.hpp auto_rerun_after), the row is recomputed with the
//   series in x87 extended precision (64-bit significand, ~2.3x cheaper than double-double;
//   double-double where long double is not wider than double). The mean's componentwise error
//   grows like sqrt(N) u along the degree chain: rows with the mean and spread beyond max(8, K)
//   (or beyond series::kMeanEscalationSpread = 128 at any K) run the compensated recurrence
//   (taylor_compensated.hpp; they went to x87 at once before). Result: err_A <= 16, err_mu <= 64 on the hard corpus
//   (tests/test_accuracy; observed 0.97 and 1.72), never NaN for finite input, mu strictly inside
//   the simplex.
// auto (f32 in/out): the same double series on the exactly widened input, stopped at float's
//   tolerance (series::output_series_tol: truncation <= 2^-36 relative, 2^-41 with the mean),
//   rounded once to float at the end (so ~0.5 ulp of float for A and mu).
// auto-precise: the series entirely in double-double (5.5-21x the cost, docs/design.md §2.7),
//   assembled in double-double (series/assembly.hpp assemble_dd): A <= 1 ulp and mu <= 1 u observed
//   (docs/design.md §2).
//
// Wide rows (spread > series::kSeparatedMinSpread = 128) are first given to the residue method over
// separated clusters (separated.hpp, docs/design.md §2.11): O(K) for well-separated logits at ANY
// finite spread, accurate to ~1 ulp (A, log C) and ~1 u (mu) where its acceptance tests hold; it
// declines within a budget of max(2^14, K spread / 8) operations where the series can run (2^26 beyond)
// (rows with spread <= 128 are untouched).
// Where it declines within a first budget of kSeparatedFirstOps per node (auto_detail::wide_row),
// rows of K >= 32 logits at a spread in (128, 2^22] go to the saddle-point quadrature
// (saddle.hpp, docs/design.md §2.15) when half the series' estimated cost buys >= 64 points
// (auto_detail::saddle_points): O(K) per point, ~50 points where S is near Gaussian, ~1 ulp (A,
// log C) and ~1.6 u (mu) observed; it declines in O(K) where a few nodes dominate. After it,
// separated runs on with its whole budget if the first budget was what stopped it.
// Spreads beyond series::kAccuracyDomainMaxSpread (2^22 ~ 4e6; the series needs ~spread terms) that
// separated declines are outside the accuracy domain: auto then falls back to the confluent Newton table
// (sorted-difference in long double, accurate when all gaps are large) and clamps into the
// certified bounds
//   mean(z) - log((K-1)!) <= A <= max(z) - log((K-1)!),
// with mu projected into the open simplex, so that the result is always finite.
//
// Rows of three nodes with spread >= kThreeNodesMinSpread = 8 take Newton's recurrence in extended
// precision (three_nodes.hpp, docs/design.md §2.14): ~0.5 ulp (A, log C) and ~0.5 u (mu) at any
// finite spread, a quarter of the series' cost at spread 30.
// Rows of two nodes with spread >= kTwoNodesMinSpread = 8 take the closed form A = a + log E(d) in
// extended precision (two_nodes.hpp, docs/design.md §2.14), likewise.
//
// Cost: O(K log K + K N) per row with N ~ spread + O(sqrt(spread)) + 20 (series), O(K) per evaluated
// cluster (separated), O(K) per quadrature point (saddle); never O(K^2) except in the flagged fallback.
#pragma once
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "normalizer/common.hpp"
#include "normalizer/dd.hpp"
#include "normalizer/series/assembly.hpp"
#include "normalizer/series/escalation.hpp"
#include "normalizer/saddle.hpp"
#include "normalizer/separated.hpp"
#include "normalizer/three_nodes.hpp"
#include "normalizer/two_nodes.hpp"
#include "normalizer/series/limits.hpp"
#include "normalizer/sorted_difference.hpp"
#include "normalizer/taylor.hpp"
#include "normalizer/taylor_compensated.hpp"
#if defined(CCNORM_HAVE_LANES)
#include "normalizer/lanes/auto_lanes.hpp"
#endif

namespace ccnorm {
namespace auto_detail {

// log((K-1)!) for the assembly (plain; double-double only when a rule needs it).
using Lf = series::LogFactorialOnDemand;

// A row prepared for the series (taylor_prepare's order): the shifted nodes yh + yl, the order
// (prepared index j -> input index perm[j]) and, after the series, the mean sums sw (at S's
// scale) with, from a compensated series (f64 outputs), their compensation terms swl. A view of a
// workspace, or of the SIMD batch driver's per-lane arrays (normalizer/lanes/).
template <class C>
struct PreparedRow {
  const C* yh;
  const C* yl;
  const std::uint32_t* perm;
  const C* sw;
  const C* swl = nullptr;
};
template <class C>
PreparedRow<C> prepared(const taylor_detail::Work<C>& ws) {
  return {ws.yh.data(), ws.yl.data(), ws.perm.data(), ws.sw.data(), ws.swl.data()};
}

// log C (series/assembly.hpp log_c) from the row's shifted nodes (top node last).
template <class C>
double log_c(const PreparedRow<C>& p, std::size_t K, series::Assembled& as, dd S, int E) {
  const int k = static_cast<int>(K);
  const C yhK = p.yh[K - 1], ylK = p.yl[K - 1];
  return series::log_c(yhK, ylK, series::lse_tail<C>(p.yh, p.yl, k, yhK, ylK), as, S, E, Lf{K});
}
template <class C>
double log_c(const taylor_detail::Work<C>& ws, std::size_t K, series::Assembled& as, dd S, int E) {
  return log_c(prepared(ws), K, as, S, E);
}

// mu from the row's mean sums (prepared index j -> input index perm[j]).
template <class T, class C>
void write_mu(const PreparedRow<C>& p, std::size_t K, const C& S, T* mu) {
  const C denom = series::mean_denominator(S, K);
  for (std::size_t j = 0; j < K; ++j) mu[p.perm[j]] = series::mean_component<T>(p.sw[j], denom);
}
template <class T, class C>
void write_mu(const taylor_detail::Work<C>& ws, std::size_t K, const C& S, T* mu) {
  write_mu(prepared(ws), K, S, mu);
}
// mu from the compensated sums of auto's double series (f64 outputs): (sw_j + swl_j) / (K S).
inline void write_mu_compensated(const PreparedRow<double>& p, std::size_t K, dd S, double* mu) {
  const dd D = series::mean_denominator_compensated(S, K);
  for (std::size_t j = 0; j < K; ++j) mu[p.perm[j]] = series::mean_component_compensated(p.sw[j], p.swl[j], D);
}

// Keep mu strictly inside the open simplex (only ever acts on out-of-domain fallbacks).
template <class T>
void project_mu(T* mu, std::size_t K) {
  const T tiny = std::numeric_limits<T>::min();
  T s = T(0);
  bool bad = false;
  for (std::size_t j = 0; j < K; ++j) {
    if (!(mu[j] > T(0)) || !std::isfinite(mu[j])) bad = true;
    else s += mu[j];
  }
  if (bad || !(s > T(0))) {
    for (std::size_t j = 0; j < K; ++j) mu[j] = T(1) / T(static_cast<double>(K));
    return;
  }
  for (std::size_t j = 0; j < K; ++j) mu[j] = std::max(tiny, mu[j] / s);
}

// Out-of-domain fallback (spread > series::kAccuracyDomainMaxSpread or overflowing): finite by
// construction.
template <class T>
[[gnu::noinline]] Out<T> huge_spread(const T* z, std::size_t K, T* mu) {
  std::vector<long double> zl(z, z + K), mul(mu ? K : 0);
  Out<long double> o{std::numeric_limits<long double>::quiet_NaN(), 0};
  try {
    o = sorted_difference<long double>(zl.data(), K, mu ? mul.data() : nullptr);
  } catch (const std::exception&) {  // e.g. the Newton table's mean refuses K > 8192
    std::fill(mul.begin(), mul.end(), std::numeric_limits<long double>::quiet_NaN());
  }
  if (mu) {
    bool bad = false;
    for (auto v : mul) bad = bad || !(v > 0) || !std::isfinite(static_cast<double>(v));
    if (bad) {
      // Asymptotics for wide gaps: a node far below the top gets mu ~ 1/(max z - z_j) (the
      // K = 2 limit); the rest of the mass is shared by the nodes within 1 of the top.
      long double mx = *std::max_element(zl.begin(), zl.end()), rest = 1;
      std::size_t top = 0;
      for (std::size_t j = 0; j < K; ++j)
        if (mx - zl[j] > 1) rest -= (mul[j] = 1 / (mx - zl[j]));
        else ++top;
      for (std::size_t j = 0; j < K; ++j)
        if (!(mx - zl[j] > 1)) mul[j] = std::max(rest, 0.5L) / static_cast<long double>(top);
    }
  }
  long double mx = zl[0], mean = 0;
  for (auto v : zl) {
    mx = std::max(mx, v);
    mean += v / static_cast<long double>(K);
  }
  const long double lg = lgamma_host(static_cast<long double>(K));
  const long double lo = mean - lg, hi = mx - lg;
  long double A = o.A;
  if (!std::isfinite(static_cast<double>(A))) A = hi;  // Laplace: the max dominates
  A = std::min(hi, std::max(lo, A));
  const long double lse = log_sum_exp(zl.data(), K);
  if (mu) {
    for (std::size_t j = 0; j < K; ++j) mu[j] = static_cast<T>(mul[j]);
    project_mu(mu, K);
  }
  return {static_cast<T>(A), static_cast<T>(lse - A), RowStatus::outside_domain};
}

// K == 0, non-finite input (NaN out) and K == 1 (A = z_1, log C = 0, mu = 1): true when handled.
template <class T>
bool trivial_row(const T* z, std::size_t K, T* mu, Out<T>& o) {
  const T nan = std::numeric_limits<T>::quiet_NaN();
  bool bad = K == 0;
  for (std::size_t i = 0; i < K && !bad; ++i) bad = !std::isfinite(z[i]);
  if (bad) {
    if (mu) std::fill(mu, mu + K, nan);
    o = {nan, nan};
    return true;
  }
  if (K == 1) {
    if (mu) mu[0] = T(1);
    o = {z[0], T(0)};
    return true;
  }
  return false;
}

// All K >= 2 logits equal (spread 0: the usual initialisation, z = 0): exp[z] = e^c / (K-1)!
// exactly, so A = c - log((K-1)!), log C = LSE - A = log K + log((K-1)!) = log(K!) and mu = 1/K,
// each from the double-double log-factorial (dd.hpp log_factorial_dd) and rounded once (the series
// would give the same A, but log C from log(K) and log((K-1)!) rounded apart: 1 ulp off at K = 3).
// true when handled (finite input: trivial_row first).
template <class T>
bool equal_row(const T* z, std::size_t K, T* mu, Out<T>& o) {
  for (std::size_t j = 1; j < K; ++j)
    if (z[j] != z[0]) return false;
  const dd lg = Lf{K}.exact();          // log((K-1)!)
  const dd lk = Lf{K + 1}.exact();      // log(K!)
  const dd a = two_sum(static_cast<double>(z[0]), -lg.hi);
  o = {static_cast<T>(a.hi + (a.lo - lg.lo)), static_cast<T>(lk.hi + lk.lo)};
  if (mu) std::fill(mu, mu + K, T(1) / T(static_cast<double>(K)));
  return true;
}

}  // namespace auto_detail

template <class T>
Out<T> auto_precise(const T* z, std::size_t K, T* mu);

namespace auto_detail {

// The row again with the series in x87 extended precision (64-bit significand: the chain's
// sqrt(N) growth stays ~2^-11 of a double ulp, at ~2.3x less cost than double-double; y carried
// exactly as the two-sum pair). Double-double where long double is not wider than double.
template <class T>
[[gnu::noinline]] Out<T> extended(const T* z, std::size_t K, T* mu, double r) {
  using namespace taylor_detail;
  if constexpr (std::numeric_limits<long double>::digits >= 64) {
    auto& wl = workspace<long double>();
    T mT = 0;  // set by taylor_prepare (initialised: GCC 12 cannot see that)
    taylor_prepare<long double, T>(z, K, wl, mT);
    Series<long double> sl = run_series<long double>(wl, K, r, mu != nullptr);
    if (!sl.ok) return huge_spread(z, K, mu);
    if (mu) write_mu(wl, K, sl.S, mu);
    const double hi = static_cast<double>(sl.S);
    const dd Sd = two_sum(hi, static_cast<double>(sl.S - static_cast<long double>(hi)));
    auto al = series::assemble_dd(static_cast<double>(mT), Sd, sl.E, Lf{K});
    const double lc = log_c(wl, K, al, Sd, sl.E);
    return {static_cast<T>(al.A), static_cast<T>(lc)};
  } else {
    return auto_precise<T>(z, K, mu);
  }
}

// The end of auto's double-series path, after run_series (or the same series run elsewhere: the
// SIMD batch driver normalizer/lanes/, with its own view of the row): assembly of A and log C,
// the late rerun in extended precision, the mean. p: the row's shifted nodes (taylor_prepare) and,
// when mu is wanted, its mean sums. recurrence_row: the series was the compensated recurrence
// (taylor_compensated.hpp; S ~1 u): never rerun.
template <class T>
Out<T> finish_series(const T* z, std::size_t K, T* mu, double r, const PreparedRow<double>& p, T mT,
                     const taylor_detail::Series<double>& s, bool recurrence_row = false) {
  if (!s.ok) return huge_spread(z, K, mu);
  if constexpr (std::is_same_v<T, double>) {
    // f64 outputs: the series' sums are compensated (S + S_lo, sw_j + swl_j; double_series)
    const dd Sd = quick_two_sum(s.S, s.S_lo);
    auto as = series::assemble_compensated(static_cast<double>(mT), Sd, s.E, Lf{K});
    const double lc0 = log_c(p, K, as, Sd, s.E);
    // Estimated error of the double series; it lands on A and on log C alike. Where it could
    // exceed ~6 u of the smaller: extended.
    if (!recurrence_row && series::auto_rerun_after(s.terms, K, as.A, lc0)) return extended(z, K, mu, r);
    if (mu) write_mu_compensated(p, K, Sd, mu);
    return {as.A, lc0};
  } else {
    auto as = series::assemble_checked(static_cast<double>(mT), s.S, s.E, Lf{K});
    const double lc0 = log_c(p, K, as, dd(s.S), s.E);
    if (mu) write_mu(p, K, s.S, mu);
    return {static_cast<T>(as.A), static_cast<T>(lc0)};
  }
}
template <class T>
Out<T> finish_series(const T* z, std::size_t K, T* mu, double r, const taylor_detail::Work<double>& ws, T mT,
                     const taylor_detail::Series<double>& s, bool recurrence_row = false) {
  return finish_series<T>(z, K, mu, r, prepared(ws), mT, s, recurrence_row);
}

// Does auto run the compensated recurrence (taylor_compensated.hpp) for a row of K logits and
// spread r? f64 outputs with the mean and either r in (max(kCompensatedMeanMinSpread, K), 128],
// where the plain double series' mean misses 2 u (series/limits.hpp), or r beyond
// kMeanEscalationSpread = 128 (any K), where the mean escalated to x87 extended precision
// (escalate_before) before: the recurrence is as accurate there (<= 1 u in mu, A, log C measured
// at spreads 130-3000, K = 4-316) and faster: 1.3-7.6x on unsorted rows (spread below ~260.6,
// across lanes), 1.3-2.2x on sorted rows (scalar, with per-node scaling; docs/design.md §2.6 step 3).
template <class T>
bool compensated_mean(double r, std::size_t K, bool want_mu) {
  if constexpr (!std::is_same_v<T, double>) return false;
  if (!want_mu) return false;
  return r > series::kMeanEscalationSpread ||
         r > std::max(series::kCompensatedMeanMinSpread, static_cast<double>(K));
}

// auto's plain double series of a prepared row: with ccnorm::lanes linked (CCNORM_HAVE_LANES)
// and K >= lanes::kRowMinK, an unsorted row runs with its degrees across SIMD lanes
// (normalizer/lanes/auto_lanes.hpp series_row: bitwise the same result), otherwise run_series.
// T: the output type (the stopping rule's tolerance, series::output_series_tol).
template <class T>
taylor_detail::Series<double> double_series(taylor_detail::Work<double>& ws, std::size_t K, double r, bool want_mu) {
  const double tol = series::output_series_tol<T>(want_mu);
  constexpr bool comp = std::is_same_v<T, double>;  // compensated sums for f64 outputs (finish_series)
#if defined(CCNORM_HAVE_LANES)
  if (K >= lanes::kRowMinK && !ws.sorted) {
    taylor_detail::Series<double> s;
    if (lanes::series_row(ws, K, r, want_mu, s, tol, comp)) return s;
  }
#endif
  return taylor_detail::run_series<double>(ws, K, r, want_mu, tol, comp);
}

// auto's compensated recurrence of a prepared unsorted row (taylor_compensated.hpp; the rows of
// compensated_mean): with ccnorm::lanes linked and K >= lanes::kRowCompMinK, the column's cells
// across SIMD lanes (lanes::series_row_compensated: bitwise the same result), otherwise the scalar
// run_series_compensated.
inline taylor_detail::Series<double> compensated_series(taylor_detail::Work<double>& ws, std::size_t K, double r) {
  const double tol = series::output_series_tol<double>(true);
#if defined(CCNORM_HAVE_LANES)
  if (K >= lanes::kRowCompMinK && !ws.sorted) {
    taylor_detail::Series<double> s;
    if (lanes::series_row_compensated(ws, K, r, true, s, tol)) return s;
  }
#endif
  return taylor_detail::run_series_compensated(ws, K, r, true, tol);
}

// separated's work budget in auto (docs/design.md §2.6): where the series can run, 1/8 of the
// series' ~K spread cells, so that a decline wastes at most that fraction of the row's time (at
// least 2^14 operations); beyond the accuracy domain separated_detail::kWorkBudget, after which the
// row takes the flagged fallback.
inline double separated_budget(double r, std::size_t K) {
  return r <= series::kAccuracyDomainMaxSpread ? std::max(0x1p14, 0.125 * r * static_cast<double>(K))
                                               : separated_detail::kWorkBudget;
}

// The saddle-point quadrature's budget in auto (docs/design.md §2.6 step 2): the points it may spend
// (all halvings together) so that it costs at most half of what the series would (a decline then
// adds at most half the series' time). Measured on the 2-core reference machine (one thread,
// scripts/time_wide_spread.sh): a quadrature point costs ~27 ns per node; the series ~2.5 ns per
// node and term in double (x87 extended precision, which f64 rows with the mean ran beyond 128
// before the compensated recurrence took them, ~20 ns); the series needs ~spread + 20 terms.
// 0: not worth trying.
// The compensated recurrence (f64 with the mean) costs about the plain series' 2.5 ns per cell on
// unsorted rows, across lanes (2.5, 2.0, 1.9 ns at K = 32, 64, 100, spread 200), and ~8 ns per
// cell on sorted rows, which run it scalar (7.7-8.4 ns at K = 32-316, spread 300-3000; the x87
// series 16-18 ns there): kRecurrenceSortedNsPerCell.
constexpr double kSaddleNsPerPointNode = 27, kSeriesNsPerCell = 2.5;
constexpr double kRecurrenceSortedNsPerCell = 8;
constexpr int kSaddleMinPoints = 64;
inline int saddle_points(double r, double ns_per_cell) {
  const double pts = 0.5 * ns_per_cell * (r + 20) / kSaddleNsPerPointNode;
  return pts < kSaddleMinPoints ? 0 : static_cast<int>(std::min(pts, static_cast<double>(saddle_detail::kMaxPoints)));
}
// Whether auto tries the saddle for a row of K logits and spread r, and with how many points
// (0: not tried): K >= kMinK, spread in (kSeparatedMinSpread, kAccuracyDomainMaxSpread], and the
// budget above for the series the row would otherwise run (the compensated recurrence for f64
// with the mean past 128).
template <class T>
int saddle_budget(double r, std::size_t K, bool want_mu) {
  if (K < saddle_detail::kMinK || r <= series::kSeparatedMinSpread || !(r <= series::kAccuracyDomainMaxSpread)) return 0;
  const bool sorted_recurrence = compensated_mean<T>(r, K, want_mu) && taylor_detail::sorts_nodes<double>(r);
  const double ns = sorted_recurrence ? kRecurrenceSortedNsPerCell : kSeriesNsPerCell;
  return saddle_points(r, ns);
}

// The wide-row stages of auto (docs/design.md §2.6 step 2) for a row of spread r > kSeparatedMinSpread:
// first `separated` within kSeparatedFirstOps per node (a few dozen clusters: rows with gaps of 8
// and more, whose sweep ends early by its contour bound), where the saddle would be tried next;
// then the saddle-point quadrature within saddle_budget (it declines in O(K) where a few nodes
// dominate, and otherwise costs ~K points x ~50 where S is near Gaussian, up to its cap where it
// is not); then `separated` again with its whole budget when the first attempt stopped for its
// budget only. none: the series (or beyond 2^22 the flagged fallback) runs.
enum class WidePath { none, saddle, separated };
constexpr double kSeparatedFirstOps = 640;  // ~20-40 singleton clusters; rows of K >= 1000 it evaluates need <= ~600
template <class T>
WidePath wide_row(const T* z, std::size_t K, T* mu, double r, Out<T>& o) {
  if (r <= series::kSeparatedMinSpread) return WidePath::none;
  const bool quick = r <= series::kAccuracyDomainMaxSpread;
  const int pts = saddle_budget<T>(r, K, mu != nullptr);
  const double full = separated_budget(r, K);
  const double first = pts > 0 ? std::min(full, kSeparatedFirstOps * static_cast<double>(K)) : full;
  bool more = false;
  if (separated<T>(z, K, mu, o, first, quick, &more)) return WidePath::separated;
  if (pts > 0 && saddle<T>(z, K, mu, o, pts)) return WidePath::saddle;
  if (more && first < full && separated<T>(z, K, mu, o, full, quick)) return WidePath::separated;
  return WidePath::none;
}

// Which path auto takes for a prepared row of spread r (taylor_prepare): the SIMD batch driver
// (normalizer/lanes/) runs exactly the rows of `plain_double_series`, whose nodes taylor_prepare
// leaves unsorted (no per-node rescaling: series/step.hpp) and whose series needs no escalation.
// The rows that reach taylor_prepare's unsorted double series at all (either of the two below).
inline bool unsorted_double_series(double r, std::size_t K) {
  if (K < 2 || !(r <= series::kSeparatedMinSpread) || taylor_detail::sorts_nodes<double>(r)) return false;
  if (r == 0) return false;  // all logits equal: equal_row
  if (K == 3 && r >= kThreeNodesMinSpread) return false;  // three_nodes.hpp
  if (K == 2 && r >= kTwoNodesMinSpread) return false;    // two_nodes.hpp
  return true;
}
template <class T>
bool plain_double_series(double r, std::size_t K, bool want_mu) {
  if (!unsorted_double_series(r, K)) return false;
  if constexpr (std::is_same_v<T, double>)
    if (series::escalate_before<T, double>(r, want_mu) || compensated_mean<T>(r, K, want_mu)) return false;
  return true;
}
// ... and exactly the rows of the compensated recurrence (compensated_series), which the batch
// driver also runs across lanes (lanes::auto_batch).
template <class T>
bool compensated_double_series(double r, std::size_t K, bool want_mu) {
  return unsorted_double_series(r, K) && compensated_mean<T>(r, K, want_mu);
}

}  // namespace auto_detail

// auto: T = float or double (other types: use taylor<T>).
template <class T>
Out<T> auto_eval(const T* z, std::size_t K, T* mu) {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>, "auto supports float and double");
  using namespace taylor_detail;
  if (Out<T> o; auto_detail::trivial_row(z, K, mu, o)) return o;
  if (Out<T> o; auto_detail::equal_row(z, K, mu, o)) return o;
  // three nodes of spread >= 8: Newton's recurrence across the gap (three_nodes.hpp)
  if (K == 3)
    if (Out<T> o; three_nodes<T>(z, o, mu)) return o;
  // two nodes of spread >= 8: the closed form in x87 (two_nodes.hpp)
  if (K == 2)
    if (Out<T> o; two_nodes<T>(z, o, mu)) return o;
  auto& ws = workspace<double>();
  T mT;
  const double r = taylor_prepare<double, T>(z, K, ws, mT);
  // Wide rows (the series needs ~spread terms): the residue method over separated clusters
  // (separated.hpp), O(K) for well-separated logits at any spread, and the saddle-point quadrature
  // (saddle.hpp), O(K) per point, for many logits without such gaps; both decline where their
  // acceptance tests fail, and the series runs instead.
  if (Out<T> o; auto_detail::wide_row<T>(z, K, mu, r, o) != auto_detail::WidePath::none) return o;
  if (!(r <= series::kAccuracyDomainMaxSpread)) return auto_detail::huge_spread(z, K, mu);
  // f64 mean beyond spread max(8, K) (beyond 128 at any K): the same series with every recurrence
  // compensated (its S needs no rerun: ~1 u). The plain series' mean error grows like sqrt(N) u
  // along the degree chain (~80 u at spread 3000); these rows went to x87 extended precision
  // beyond spread 128 (series::escalate_before) until the recurrence took them.
  if (auto_detail::compensated_mean<T>(r, K, mu != nullptr)) {
    return auto_detail::finish_series(z, K, mu, r, ws, mT, auto_detail::compensated_series(ws, K, r), true);
  }
  return auto_detail::finish_series(z, K, mu, r, ws, mT, auto_detail::double_series<T>(ws, K, r, mu != nullptr));
}

// auto-precise: the series in double-double (T = float or double).
template <class T>
Out<T> auto_precise(const T* z, std::size_t K, T* mu) {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>, "auto-precise supports float and double");
  using namespace taylor_detail;
  if (Out<T> o; auto_detail::trivial_row(z, K, mu, o)) return o;
  auto& wd = workspace<dd>();
  T mT;
  const double r = taylor_prepare<dd, T>(z, K, wd, mT);
  if (!(r <= series::kAccuracyDomainMaxSpread)) {  // beyond the series: as auto (separated.hpp)
    Out<T> o;
    if (separated<T>(z, K, mu, o)) return o;
    return auto_detail::huge_spread(z, K, mu);
  }
  Series<dd> sd = run_series<dd>(wd, K, r, mu != nullptr);
  if (!sd.ok) return auto_detail::huge_spread(z, K, mu);
  auto ad = series::assemble_dd(static_cast<double>(mT), sd.S, sd.E, auto_detail::Lf{K});
  if (mu) auto_detail::write_mu(wd, K, sd.S, mu);
  const double lc = series::log_c_exact(wd.yh.data(), wd.yl.data(), static_cast<int>(K), ad, sd.S, sd.E, auto_detail::Lf{K});
  return {static_cast<T>(ad.A), static_cast<T>(lc)};
}

}  // namespace ccnorm
