// ccnorm: `separated` - the divided difference of exp at well-separated clusters of logits, by
// residues (partial fractions over clusters), for any spread.
//
// Formula. Sort the logits descending, x_1 >= ... >= x_K, M = x_1, and split them into clusters
// at every gap x_i - x_{i+1} > G. For a cluster c with nodes X_c (m = |X_c|, bottom node c0,
// width w = max X_c - c0) the residue theorem applied to (1/2 pi i) \oint e^t / prod_j (t - x_j) dt
// over a contour around each cluster gives (docs/design.md §2.11)
//     exp[x_1..x_K] = sum_c T_c,     T_c = g_c[X_c],     g_c(t) = e^t / prod_{j not in c} (t - x_j),
// the divided difference over X_c of a function analytic in the disk of radius
// rho_c = min(c0 - (next node below), w + (next node above) - max X_c) around c0. With s = t - c0,
// d_j = c0 - x_j (|d_j| >= gap), g_c(c0 + s) = e^{c0} R_c G(s), R_c = prod_j 1/d_j and
//     G(s) = exp(Q(s)),  Q(s) = s - sum_j log(1 + s/d_j) = sum_n q_n s^n,
//     q_1 = 1 - sum_j 1/d_j,  q_n = (-1)^n P_n / n,  P_n = sum_j d_j^-n,
// whose normalised coefficients Gn_n = n! G_n obey Gn_n = sum_k k q_k (n-1)!/(n-k)! Gn_{n-k}.
// Then with hh_k = h_k(X_c - c0) (m-1)!/(k+m-1)! (complete homogeneous symmetric polynomial,
// normalised; column recurrence hh_k^(i) = (hh_k^(i-1) (i-1) + s_i hh_{k-1}^(i)) / (k+i-1),
// all terms >= 0)
//     T_c = e^{c0} R_c / (m-1)! * sum_k Gn_{k+m-1} hh_k.
// A singleton (m = 1) is the classical term e^{c0} / prod_j (c0 - x_j). Every T_c is held as a
// sign and a log-magnitude (e^{-5e6} and 1/prod|d_j| ~ 10^-10^6 are never formed), the sum is
// scaled by the top cluster's term: A = M + log T_top + log(sum_c T_c / T_top), and
// log C = log(sum_j e^{x_j - M}) - (A - M), both terms >= 0 (no cancellation).
//
// Mean: mu_j = sum_c dT_c/dx_j / sum_c T_c. Internal nodes: dT_c/dx_i = g_c[X_c, x_i] (one more
// column of hh with s_i repeated). External nodes: g_c / (t - x_j) by Leibniz' rule,
//     (g u)[x_1..x_m] = sum_i g[x_1..x_i] u[x_i..x_m],  u[x_i..x_m] = (-1)^(m-i) / prod_{l>=i} (s_l + d_j),
// over the prefix divided differences g[x_1..x_i] that the column sweep yields anyway.
//
// A lower cluster whose scale alone is below e^-60 / (e^w spread K e^100) of the top term is
// skipped unevaluated; after it the sweep ends when even a bound e^{(c0 - M) + (1 + K) w} on every
// cluster below is negligible.
//
// Stable regime. The terms alternate in sign ((-1)^(nodes above c)); the sum is accepted only
// when its condition number sum|T_c| / |sum T_c| <= 2^8, each cluster's series has
// sum|terms| / |sum| <= 2^8, every mean component's <= 2^10 (the magnitudes taken from the same
// recurrences run on |q_k|, Ga_n >= |Gn_n|, so that cancellation inside the coefficients counts
// too: nodes close below a large cluster make Gn_n ~ n!/rho^n alternate), and every evaluated cluster of m > 1
// nodes has w <= rho_c / 2, w <= 4096 and finite normalised coefficients (long double range). Clusters are evaluated from
// the top down and the rest dropped once a term is below 2^-70 of the sum (weighted by the spread
// for the mean) while the nodes below are "light": sum_{j below} 1/(c0 - x_j) < 1/2, so that the
// following terms decay at least like e^{-gap/2} (a heavy lower cluster, more nodes than its
// distance, revives the alternating sum: the regularised incomplete gamma case), or while the
// contour bound on every term below the gap (log_line_bound) is as small - the same bound lets the
// sweep end at a lower cluster it cannot evaluate. The attempt gives up once sum |T_c| exceeds
// 2^8 times the contour bound on the whole sum (the line through the saddle point). When a gap
// threshold G fails, the next of G = 1, 4, 16, ..., 4^8 is tried; when the clustering collapses to
// one cluster (or every G fails) the function declines and the caller runs the Taylor series
// (auto.hpp). Everything is computed in x87 extended precision (64-bit significand, 2^-11 of a
// double ulp), so that the accepted condition numbers cost at most ~1/8 u of double.
//
// Cost: O(K log K) sort + per evaluated cluster O(K N + N^2 + m N) with N = m + O(w + log 1/eps):
// O(K) for the usual row of separated singletons and a negligible remainder (an arithmetic
// progression with step 4200: two clusters evaluated), never more than a budget of operations per
// call (2^26 ~ 0.2 s; auto: max(2^14, K spread / 8) where its series can run, so that
// a decline costs a fraction of the series), after which it declines; an attempt also stops as soon as its partial sum has
// cancelled beyond the acceptance limit.
//
// Rows of singletons with neighbours 8-64 apart end by the contour bound within ~16-600
// operations per node (a singleton or a bound costs 16: K = 10^4, z_j = 16 j needs ~130).
//
// Error (observed against the certified reference, tests/test_wide_spread.cpp): A and log C within
// a few ulp, mu within a few tens of u (tests/data/wide_spread_tolerances.csv).
//
// References: G. Opitz, Steigungsmatrizen, ZAMM 44 (1964); A. McCurdy, K. C. Ng, B. N. Parlett,
// Accurate computation of divided differences of the exponential function, Math. Comp. 43 (1984)
// (Taylor for clustered, recurrence for separated points: here residues over clusters instead of
// the O(K^2) table); C. de Boor, Divided differences, Surveys in Approximation Theory 1 (2005)
// (Leibniz' rule, the partial-fraction form).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numeric>
#include <vector>

#include "normalizer/common.hpp"
#include "normalizer/saddle.hpp"

namespace ccnorm {
namespace separated_detail {

using L = long double;

// Acceptance limits (see the file comment).
constexpr L kMaxSumCondition = 256;       // sum |T_c| / |sum T_c|
constexpr L kMaxClusterCondition = 256;   // sum |terms| / |sum| of one cluster's series
constexpr L kMaxMeanCondition = 1024;     // per mean component
constexpr std::size_t kMaxClusterNodes = 100000;
constexpr L kMaxClusterWidth = 4096;
constexpr double kWorkBudget = 0x1p26;    // operations per call (all attempts), ~3 ns each
constexpr double kLogWeight = 16;         // one node's log, divisions and mean update, in operations
constexpr L kDropRel = 0x1p-70L;          // a term below this share of the sum may end the sweep
constexpr L kLightBelow = 0.5;            // sum_{j below} 1/(c0 - x_j) for the sweep to end
constexpr L kQuickDeclineDistance = 48;   // quick mode: an unevaluable cluster this close declines
// A lower term's scale relative to the top's, e^{dL}, dL = Lc - L0, is formed as one sum of log
// ratios (eval_cluster), each rounded (x87: ~2^-64 relative to its own size): its error, the
// relative error of the term, is estimated as kLogRounding (sqrt(sum of the squared logs) + |dL| +
// the small exact parts) (independent roundings). A mean numerator whose sum of |terms| times that
// error exceeds kMaxMeanRounding of its value declines (the top term's error is common to
// numerator and sum and cancels): the cap kMaxMeanCondition alone assumes terms exact to 2^-64.
// Forming Lc and L0 apart (K logs of ~log(spread) each) made that error ~2^-64 |Lc|: 95 u of mu
// on a progression of step 6.3, K = 1000, mean condition ~900, before this test; the test then
// declined K = 10^4 progressions of step 12-16 whose terms are well conditioned.
constexpr L kLogRounding = 0x1p-64L;
constexpr L kMaxMeanRounding = 0x1p-54L;  // ~0.5 u of double

struct Work {
  std::vector<std::size_t> perm;
  std::vector<L> x;                 // sorted descending
  std::vector<std::size_t> cb;      // cluster starts (descending order), cb.back() = K
  std::vector<L> num, numabs;       // mean numerators (sorted order), scaled by T_top
  std::vector<L> numerr;            // their error estimates from the terms' log-scales (ClusterOut::err)
  std::vector<L> d, P, q, Gn, Ga, hh, h2, gN, gNa, Dc;
  std::size_t top_e = 0;            // end of the top cluster [0, top_e) in this attempt
  bool budget_hit = false;          // a decline of this call was for the work budget
  bool have_sum_bound = false;      // log_sum_bound computed for this call
  L log_sum_bound = 0;              // log of the contour bound on the whole sum, relative to e^{x[0]}
};
inline Work& work() {
  thread_local Work w;
  return w;
}

// Kahan sum of log|d_j|.
struct KSum {
  L s = 0, c = 0;
  void add(L v) {
    const L y = v - c, t = s + y;
    c = (t - s) - y;
    s = t;
  }
};

// One cluster [b, e) of the sorted nodes: log-scale Lc, sign, value V (T_c = sign e^Lc V),
// condition, and (with the mean) dT_c/dx_j / (sign e^Lc) for every j in w.Dc. false: this cluster
// cannot be evaluated here.
struct ClusterOut {
  L Lc = 0, V = 1, Vabs = 1;
  L dL = 0;   // Lc - L0 (lower clusters), formed as one sum of log ratios (see eval_cluster)
  L err = 0;  // estimated rounding error (absolute) of Lc (top cluster) or of dL (lower clusters)
  int sign = 1;
};

inline bool eval_cluster(Work& w, std::size_t K, std::size_t b, std::size_t e, bool mean, double& work_done,
                         double budget, const L* L0, ClusterOut& co) {
  const std::size_t m = e - b;
  const L c0 = w.x[e - 1], top = w.x[b], wd = top - c0;
  const L gap_below = e < K ? c0 - w.x[e] : std::numeric_limits<L>::infinity();
  const L gap_above = b > 0 ? w.x[b - 1] - top : std::numeric_limits<L>::infinity();
  const L rho = std::min(gap_below, wd + gap_above);
  // external offsets d_j = c0 - x_j, log R, q_1
  w.d.assign(K, 0);
  KSum lr;
  L p1 = 0, l2 = 0;
  co.sign = (b % 2 == 0) ? 1 : -1;
  if (L0 == nullptr) {
    for (std::size_t j = 0; j < K; ++j) {
      if (j >= b && j < e) continue;
      const L dj = c0 - w.x[j];
      w.d[j] = dj;
      const L lg = std::log(std::fabs(dj));
      lr.add(lg);
      l2 += lg * lg;
      p1 += 1 / dj;
    }
    co.Lc = (c0 - w.x[0]) - lr.s - lgamma_host(static_cast<L>(m));
    co.err = kLogRounding * (std::sqrt(l2) + std::fabs(co.Lc));
  } else {
    // A lower cluster: its scale relative to the top's, dL = Lc - L0 =
    //   (c0 - c0t) - sum_{j not in c} log|c0 - x_j| + sum_{j not in top} log|c0t - x_j| - lgamma(m) + lgamma(mt),
    // summed as one log ratio per node outside both clusters (log1p of (c0 - c0t)/(c0t - x_j) where
    // the ratio is within [1/2, 1]), so that each node's rounding is relative to its share of the
    // difference, not to log|d_j| (Lc itself sums K logs of ~log(spread) each: its rounding,
    // ~2^-64 |Lc|, would be the term's relative error).
    const std::size_t et = w.top_e;
    const L c0t = w.x[et - 1], dc = c0 - c0t;
    const auto direct = [&](L a_, L b_) {  // log|a_| - log|b_|, with its rounding estimate
      const L la = std::log(std::fabs(a_)), lb = std::log(std::fabs(b_));
      lr.add(la - lb);
      l2 += la * la + lb * lb;
    };
    for (std::size_t j = 0; j < K; ++j) {
      if (j >= b && j < e) {
        const L lg = std::log(std::fabs(c0t - w.x[j]));  // in L0's sum only
        lr.add(-lg);
        l2 += lg * lg;
        continue;
      }
      const L dj = c0 - w.x[j];
      w.d[j] = dj;
      p1 += 1 / dj;
      if (j < et) {  // in Lc's sum only
        const L lg = std::log(std::fabs(dj));
        lr.add(lg);
        l2 += lg * lg;
      } else if (j >= e) {  // below both: ratio (c0 - x_j)/(c0t - x_j) in (0, 1)
        const L r = dc / (c0t - w.x[j]);
        if (r >= L(-0.5)) {
          const L lg = std::log1p(r);
          lr.add(lg);
          l2 += (lg + 2 * r) * (lg + 2 * r);  // log1p's own rounding and r's, |r| / (1 + r) <= 2 |r|
        } else {
          direct(dj, c0t - w.x[j]);
        }
      } else {
        direct(dj, c0t - w.x[j]);  // between the two clusters
      }
    }
    const L lgm = lgamma_host(static_cast<L>(m)), lgt = lgamma_host(static_cast<L>(et));
    co.dL = dc - lr.s - lgm + lgt;
    co.Lc = *L0 + co.dL;
    co.err = kLogRounding * (std::sqrt(l2) + std::fabs(co.dL) + std::fabs(dc) + lgm + lgt);
  }
  work_done += kLogWeight * static_cast<double>(K);
  if (mean) w.Dc.assign(K, 0);
  // A lower cluster whose scale alone puts it far below the top term (by more than its width, the
  // spread and K could ever make up: |V|, |dT/dx| <= e^w poly) contributes nothing: skipped
  // without its series (and without its validity test).
  if (L0 != nullptr) {
    const L spread = w.x[0] - w.x[K - 1];
    if (co.dL + wd + std::log(std::max(L(1), spread)) + std::log(static_cast<L>(K)) + 100 < -60) {
      co.V = co.Vabs = 0;
      return true;
    }
  }
  if (m > 1 && (!(wd <= rho / 2) || m > kMaxClusterNodes || !(wd <= kMaxClusterWidth))) return false;
  if (m == 1) {
    co.V = co.Vabs = 1;
    if (mean) {
      for (std::size_t j = 0; j < K; ++j)
        if (j != b) w.Dc[j] = 1 / w.d[j];
      w.Dc[b] = 1 - p1;
    }
    return true;
  }
  const L q = rho > 0 && std::isfinite(static_cast<double>(rho)) ? wd / rho : 0;
  std::size_t kmax = 24 + static_cast<std::size_t>(std::ceil(2 * 2.718281828L * wd)) +
                     static_cast<std::size_t>(std::ceil(2 * m * q / (1 - q))) +
                     (q > 0 ? static_cast<std::size_t>(std::ceil(75 / std::log2(1 / q))) : 0);
  for (int attempt = 0; attempt < 4; ++attempt, kmax *= 2) {
    const std::size_t N = kmax + m + 1;  // Gn_0..Gn_N-1 (the mean's columns need index kmax + m)
    if (static_cast<double>(K) + static_cast<double>(m) * static_cast<double>(kmax) + work_done > budget) {
      w.budget_hit = true;
      return false;
    }
    // power sums P_n, truncated where (|1/d| N)^n / N < 2^-80 for every j
    w.P.assign(N + 1, 0);
    std::size_t nq = 1;
    const L NL = static_cast<L>(N);
    for (std::size_t j = 0; j < K; ++j) {
      if (j >= b && j < e) continue;
      const L v = 1 / w.d[j];
      L p = v, pn = std::fabs(v) * NL;
      L test = pn / NL;
      for (std::size_t n = 1; n <= N; ++n) {
        w.P[n] += p;
        nq = std::max(nq, n);
        p *= v;
        test *= std::fabs(v) * NL;
        if (test < 0x1p-80L) break;
      }
    }
    work_done += static_cast<double>(K) * static_cast<double>(nq);
    const double rest = static_cast<double>(N) * static_cast<double>(nq) +
                        static_cast<double>(m) * static_cast<double>(kmax) * (mean ? 3 : 1) +
                        (mean ? static_cast<double>(K) * static_cast<double>(std::min<std::size_t>(m, 64)) : 0);
    if (work_done + rest > budget) {
      w.budget_hit = true;
      return false;
    }
    w.q.assign(nq + 1, 0);
    w.q[1] = 1 - w.P[1];
    for (std::size_t n = 2; n <= nq; ++n) w.q[n] = ((n % 2 == 0) ? 1 : -1) * w.P[n] / static_cast<L>(n);
    // Gn_n = sum_k k q_k (n-1)!/(n-k)! Gn_{n-k}
    // Ga_n: the same recurrence on |q_k| - the scale of the roundings in Gn_n. The recurrence
    // cancels when nodes close below make q_k alternate (a cluster of m nodes at distance rho has
    // Gn_m ~ m!/rho^m): every condition below is taken against Ga, not |Gn|.
    w.Gn.assign(N, 0);
    w.Ga.assign(N, 0);
    w.Gn[0] = w.Ga[0] = 1;
    for (std::size_t n = 1; n < N; ++n) {
      L s = 0, sa = 0, ff = 1;
      const std::size_t kk = std::min(n, nq);
      for (std::size_t k = 1; k <= kk; ++k) {
        const L c = static_cast<L>(k) * ff;
        s += c * w.q[k] * w.Gn[n - k];
        sa += c * std::fabs(w.q[k]) * w.Ga[n - k];
        ff *= static_cast<L>(n - k);
      }
      w.Gn[n] = s;
      w.Ga[n] = sa;
      if (!std::isfinite(sa)) return false;
    }
    work_done += 2 * static_cast<double>(N) * static_cast<double>(nq);
    // hh columns, ascending nodes (i = 1 is c0, s = 0); prefix divided differences gN_i
    w.hh.assign(kmax + 1, 0);
    w.hh[0] = 1;
    if (mean) {
      w.gN.assign(m + 1, 0);
      w.gNa.assign(m + 1, 0);
      w.gN[1] = w.Gn[0];
      w.gNa[1] = w.Ga[0];
    }
    for (std::size_t i = 2; i <= m; ++i) {
      const L s = w.x[e - i] - c0, im1 = static_cast<L>(i - 1);
      L prev = 0;
      for (std::size_t k = 0; k <= kmax; ++k) {
        const L inv = 1 / (static_cast<L>(k) + im1);
        const L v = (w.hh[k] * im1 + s * prev) * inv;
        w.hh[k] = v;
        prev = v;
      }
      if (mean) {
        L g = 0, ga = 0;
        for (std::size_t k = 0; k <= kmax; ++k) {
          g += w.Gn[k + i - 1] * w.hh[k];
          ga += w.Ga[k + i - 1] * w.hh[k];
        }
        w.gN[i] = g;
        w.gNa[i] = ga;
      }
    }
    work_done += static_cast<double>(m) * static_cast<double>(kmax) * (mean ? 2 : 1);
    L V = 0, Va = 0;
    for (std::size_t k = 0; k <= kmax; ++k) {
      V += w.Gn[k + m - 1] * w.hh[k];
      Va += w.Ga[k + m - 1] * w.hh[k];  // hh_k >= 0
    }
    if (!std::isfinite(static_cast<double>(V / (Va > 0 ? Va : 1)))) return false;
    const L tail = w.Ga[kmax + m - 1] * w.hh[kmax] + w.Ga[kmax + m - 2] * w.hh[kmax - 1];
    if (!(tail <= 0x1p-72L * Va)) continue;  // more terms
    if (!(V > 0) && !(V < 0)) return false;
    if (!(Va <= kMaxClusterCondition * std::fabs(V))) return false;
    co.V = V;
    co.Vabs = Va;
    if (mean) {
      // internal: g[X, x_i] = (1/m!) sum_k Gn_{k+m} hh'_k; relative to 1/(m-1)!: / m
      const L mL = static_cast<L>(m);
      w.h2.assign(kmax + 1, 0);
      for (std::size_t i = b; i < e; ++i) {
        const L s = w.x[i] - c0;
        L prev = 0, g = 0, ga = 0;
        for (std::size_t k = 0; k <= kmax; ++k) {
          const L v = (w.hh[k] * mL + s * prev) / (static_cast<L>(k) + mL);
          prev = v;
          g += w.Gn[k + m] * v;
          ga += w.Ga[k + m] * v;  // v >= 0
        }
        if (!(ga <= kMaxMeanCondition * std::fabs(g))) return false;
        w.Dc[i] = g / mL;
      }
      // external: Leibniz over the prefix divided differences (ascending nodes)
      double leib = 0;
      for (std::size_t j = 0; j < K; ++j) {
        if (j >= b && j < e) continue;
        const L dj = w.d[j];
        L F = 0, acc = 0, acca = 0;
        for (std::size_t i = m; i >= 1; --i) {
          const L s = w.x[e - i] - c0;
          F = (i == m) ? 1 / (s + dj) : F * static_cast<L>(i) / (s + dj);
          const L t = (((m - i) % 2 == 0) ? 1 : -1) * w.gN[i] * F;
          acc += t;
          acca += w.gNa[i] * std::fabs(F);
          ++leib;
          // the rest decays at least geometrically (ratio ~ i / |d_j| < 1/2): negligible
          if (static_cast<L>(i) < std::fabs(dj) / 2 && std::fabs(t) < 0x1p-80L * std::fabs(acc)) break;
        }
        if (!(acca <= kMaxMeanCondition * std::fabs(acc))) return false;
        w.Dc[j] = acc;
      }
      work_done += leib;
    }
    return true;
  }
  return false;
}

// Contour bounds (docs/design.md §2.11). For a line Re t = a through no node, the sum of the residues
// of e^t / prod_l (t - x_l) at the nodes left of it is (1/2 pi i) times the integral along the line,
// closed on the left, where the integrand vanishes (K >= 2). With d_l = |a - x_l| and d2 the
// second smallest d_l, prod_l |a + iy - x_l| = prod_l d_l (1 + y^2/d_l^2)^{1/2}, and the product
// of the (1 + y^2/d_l^2) is at least (1 + y^2/d2^2)^2 (its two largest factors) and at least
// 1 + e1 y^2 + e2 y^4 >= (1 + alpha y^2)^2 (the first terms of its expansion, all >= 0), with
// e1 = sum 1/d_l^2, e2 = sum_{l<m} 1/(d_l d_m)^2, alpha = min(e1/2, sqrt e2). The integral of
// (1 + c y^2)^-1 being pi / sqrt c, the sum is at most
//     e^a min(d2, 1/sqrt(alpha)) / (2 prod_l d_l);
// a sum with one more factor 1/(t - x_j) (a mean numerator) at most that over min_l d_l.
// Returns the log of the bound relative to e^{x[0]}; O(K) logs. Two lines are used: the midpoint of
// a gap (x[e-1], x[e]) (d2 = the half-gap: every term below the gap, where the sweep may end), and
// Re t = x[0] + u through the saddle point (saddle.hpp; the whole divided difference, which caps
// what sum |T_c| may reach before the condition test must fail).
inline L log_line_bound(const Work& w, std::size_t K, L a, L d2) {
  KSum s;
  L e1 = 0, e2 = 0;  // e2 as sum_l (1/d_l^2) (prefix sum of the others): no cancellation
  for (std::size_t j = 0; j < K; ++j) {
    const L d = std::fabs(a - w.x[j]), q = 1 / (d * d);
    s.add(std::log(d));
    e2 += q * e1;
    e1 += q;
  }
  const L alpha = std::min(e1 / 2, std::sqrt(e2));
  const L width = alpha > 0 ? std::min(d2, 1 / std::sqrt(alpha)) : d2;
  return (a - w.x[0]) + std::log(width / 2) - s.s;
}

// One attempt at gap threshold G: 1 done, 0 failed, -1 one cluster (larger G: the same).
template <class T>
int attempt(Work& w, std::size_t K, L G, T* mu, double budget, bool quick, std::size_t& prev_nc, double& work_done,
            Out<T>& out) {
  w.cb.clear();
  w.cb.push_back(0);
  for (std::size_t i = 0; i + 1 < K; ++i)
    if (w.x[i] - w.x[i + 1] > G) w.cb.push_back(i + 1);
  const std::size_t nc = w.cb.size();
  w.cb.push_back(K);
  if (nc == 1) return -1;
  if (nc == prev_nc) return 0;  // the same clusters as at the previous threshold
  prev_nc = nc;
  if (quick) {
    // Geometry first (free): the sweep has to end before the first cluster it cannot evaluate,
    // which needs that cluster well below the top (its term ~ e^{-distance}); closer than
    // kQuickDeclineDistance, decline at once.
    for (std::size_t c = 0; c < nc; ++c) {
      const std::size_t b = w.cb[c], e = w.cb[c + 1], m = e - b;
      if (m == 1) continue;
      const L c0 = w.x[e - 1], wd = w.x[b] - c0;
      const L gb = e < K ? c0 - w.x[e] : std::numeric_limits<L>::infinity();
      const L ga = b > 0 ? w.x[b - 1] - w.x[b] : std::numeric_limits<L>::infinity();
      if (!(wd <= std::min(gb, wd + ga) / 2) || m > kMaxClusterNodes || !(wd <= kMaxClusterWidth)) {
        if (w.x[0] - w.x[b] < kQuickDeclineDistance) return 0;
        break;
      }
    }
  }
  const bool mean = mu != nullptr;
  if (mean) {
    w.num.assign(K, 0);
    w.numabs.assign(K, 0);
    w.numerr.assign(K, 0);
  }
  L S = 0, Sa = 0, L0 = 0;
  const L spread = w.x[0] - w.x[K - 1];
  // The sweep may end at a gap where the contour bound on everything below is below kDropRel of
  // the sum (times the spread over the half-gap with the mean); mean_tail keeps the log of the
  // bound on each mean numerator's tail (relative to e^{x[0] + L0}), verified against every
  // numerator at the end.
  L mean_tail = -std::numeric_limits<L>::infinity();
  const auto tail_negligible = [&](std::size_t e_) {
    const L lt = log_line_bound(w, K, (w.x[e_ - 1] + w.x[e_]) / 2, (w.x[e_ - 1] - w.x[e_]) / 2) - L0;
    work_done += kLogWeight * static_cast<double>(K);
    const L ltm = lt - std::log((w.x[e_ - 1] - w.x[e_]) / 2), lim = std::log(kDropRel * std::fabs(S));
    if (!(lt < lim) || (mean && !(ltm + std::log(std::max(L(1), spread)) < lim))) return false;
    mean_tail = ltm;
    return true;
  };
  for (std::size_t c = 0; c < nc; ++c) {
    const std::size_t b = w.cb[c], e = w.cb[c + 1];
    ClusterOut co;
    if (!eval_cluster(w, K, b, e, mean, work_done, budget, c == 0 ? nullptr : &L0, co)) {
      // a cluster that cannot be evaluated here is harmless when everything from it down is negligible
      if (c > 0 && S != 0 && Sa <= kMaxSumCondition * std::fabs(S) && tail_negligible(b)) break;
      return 0;
    }
    if (c == 0) {
      L0 = co.Lc;
      w.top_e = e;
    }
    const L f = c == 0 ? L(1) : std::exp(co.dL);
    // relative error of this term against the top's (the top's own error is common to every term
    // and cancels in mu): dL's rounding, and exp's
    const L te = c == 0 ? L(0) : co.err + 0x1p-63L;
    S += co.sign * f * co.V;
    Sa += f * co.Vabs;
    if (mean && f > 0)
      for (std::size_t j = 0; j < K; ++j) {
        const L t = co.sign * f * w.Dc[j];
        w.num[j] += t;
        w.numabs[j] += std::fabs(t);
        w.numerr[j] += std::fabs(t) * te;
      }
    if (c > 0 && co.Vabs == 0) {
      // skipped: every cluster below has Lc <= (its c0 - M) (outside nodes >= G >= 1 away) and a
      // series growing at most like e^{(1 + K) w}; when even that is negligible, stop here.
      const L cb0 = w.x[e - 1];
      if ((cb0 - w.x[0]) - L0 + (cb0 - w.x[K - 1]) * static_cast<L>(1 + K) + std::log(std::max(L(1), spread)) +
              std::log(static_cast<L>(K)) + 200 < -60)
        break;
    }
    if (c > 0 && f * co.Vabs * (mean ? std::max(L(1), spread) : L(1)) < kDropRel * std::fabs(S)) {
      const L cb0 = w.x[e - 1];
      L H = 0;
      for (std::size_t j = e; j < K; ++j) H += 1 / (cb0 - w.x[j]);
      work_done += kLogWeight * static_cast<double>(K - e);
      if (H < kLightBelow || tail_negligible(e)) break;
    }
    if (work_done > budget) {
      w.budget_hit = true;
      return 0;
    }
    // Declining is always safe (the caller has the series): give up as soon as the partial sum has
    // cancelled beyond the acceptance limit, or sum |T_c| has outgrown kMaxSumCondition times the
    // bound on the whole sum (its terms grow before they cancel: the condition test must fail).
    if (!(Sa <= kMaxSumCondition * std::fabs(S))) return 0;
    if (c >= 1 && c + 1 < nc) {
      if (!w.have_sum_bound) {
        const double u = saddle_detail::saddle_offset(K, [&](std::size_t j) { return static_cast<double>(w.x[0] - w.x[j]); });
        w.log_sum_bound = std::isfinite(u) ? log_line_bound(w, K, w.x[0] + u, u + (w.x[0] - w.x[1]))
                                           : std::numeric_limits<L>::infinity();
        w.have_sum_bound = true;
        work_done += kLogWeight * static_cast<double>(K);
      }
      if (std::log(Sa) + L0 > std::log(kMaxSumCondition) + w.log_sum_bound + L(0.01)) return 0;
    }
  }
  if (!(S > 0) || !(Sa <= kMaxSumCondition * S)) return 0;
  const L a = L0 + std::log(S);
  L se = 0;
  for (std::size_t j = 0; j < K; ++j) se += std::exp(w.x[j] - w.x[0]);
  const L lse = std::log(se);
  if (mean) {
    for (std::size_t j = 0; j < K; ++j) {
      const L v = w.num[j] / S;
      if (!(v > 0) || !(w.numabs[j] <= kMaxMeanCondition * w.num[j])) return 0;
      if (!(mean_tail < std::log(w.num[j]) - 60 * std::log(L(2)))) return 0;  // the truncated tail
      if (!(w.numerr[j] <= kMaxMeanRounding * w.num[j])) return 0;  // the terms' own errors
      mu[w.perm[j]] = static_cast<T>(v);
    }
  }
  out = {static_cast<T>(w.x[0] + a), static_cast<T>(lse - a), RowStatus::ok};
  return 1;
}

}  // namespace separated_detail

// The residue method of the file comment: true (and *out, mu filled) when every acceptance test
// holds, false when it declines (nothing meaningful written to mu). Finite input, K >= 2.
// budget: operations allowed for the whole call, all attempts (auto: a fraction of the series' K * spread
// where the series can run, kWorkBudget beyond). quick (auto, where the series can run): decline
// at once when a cluster it could not evaluate lies within kQuickDeclineDistance of the top.
// budget_hit (optional): set to whether a decline was for the budget (a larger one may succeed).
template <class T>
bool separated(const T* z, std::size_t K, T* mu, Out<T>& out, double budget = separated_detail::kWorkBudget,
               bool quick = false, bool* budget_hit = nullptr) {
  using namespace separated_detail;
  if (budget_hit != nullptr) *budget_hit = false;
  if (K < 2) return false;
  Work& w = work();
  w.budget_hit = false;
  w.have_sum_bound = false;
  w.perm.resize(K);
  std::iota(w.perm.begin(), w.perm.end(), std::size_t(0));
  std::stable_sort(w.perm.begin(), w.perm.end(), [&](std::size_t a, std::size_t b) { return z[a] > z[b]; });
  w.x.resize(K);
  for (std::size_t i = 0; i < K; ++i) w.x[i] = static_cast<L>(z[w.perm[i]]);
  std::size_t prev_nc = 0;
  double work_done = 0;
  for (L G = 1; G <= 65536; G *= 4) {
    const int r = attempt<T>(w, K, G, mu, budget, quick, prev_nc, work_done, out);
    if (r == 1) return true;
    if (r < 0) break;
  }
  if (budget_hit != nullptr) *budget_hit = w.budget_hit;
  return false;
}

}  // namespace ccnorm
