// ccnorm: `taylor_compensated` - the Taylor series of taylor.hpp in double with every recurrence
// compensated (error-free transformations carry the first-order rounding error of each cell in a
// second double), for the mean of f64 rows of moderate spread where the plain double series misses
// 2 u (auto's path for them: docs/design.md §2.6 step 3).
//
// Formula: the series of taylor.hpp and series/step.hpp (0-based j, y_0 = 0; on sorted rows the
// per-node scaling of series/step.hpp after every 8 degrees, c times ms_j, E = ex_{K-1}):
//     v_j(n) = g v_j(n-1) + c v_{j-1}(n),   g = y_j / (n+j),  c = j / (n+j),
//     w_j(n) = h w_j(n-1) + a,              h = y_j / (n+K),  a = K v_{K-1}(n) / (n+K),
//     S = sum_n v_{K-1}(n),  mu_j = sum_n w_j(n) / (K S).
// Each state is the unevaluated pair x + x' (x' ~ u x). One cell of the column computes, with
// two_prod / two_sum (dd.hpp) and the reciprocal pair 1/i = ihi + ilo of the workspace,
//     g + g' = (yh + yl)(ihi + ilo)  (g' to first order: fma(yh, ihi, -g) + yh ilo + yl ihi),
//     c + c' likewise, p1 + e1 = g v, p2 + e2 = c p (exact), s + e3 = p1 + p2 (exact),
//     v <- s,  v' <- e1 + e2 + e3 + g' v + c' p + g v' + c p'
// (p = v_{j-1}(n), p' its error), and the mean cell the same with one product. So each state
// carries the exact value of its recurrence up to terms of order u^2 per cell: the rounding of a
// state no longer feeds the next degree, and the gains' roundings (y_j / i, the larger part once the
// states are exact: measured below) are in the sum too. S, S' and the mean sums are summed as
// compensated sums (series::compensated_add) with the states' error terms added to the low parts.
//
// Why (docs/design.md §2.6 step 4): in the plain double series the relative rounding of a state
// is carried forward with gain y_j / i ~ 1 for the first ~y_j degrees, so v_{K-1}(n) and w_j(n)
// drift like sqrt(n) u; S and the mean sums weight the degrees differently (w_j leans to the early
// ones), so mu_j = sw_j / (K S) keeps ~sqrt(spread) u of it: 6-8 u at spread 64-128 for K <= 16.
// Transcribed with a binary128 reference (max over 40 normal rows rescaled to each spread, K = 4,
// 5, 10, 16; u): plain double 3.2-7.6; the gains exact only 3.4-8.7; the states only 1.7-3.1; both
// (this file) 0.87-1.14, of which ~0.5 u is the final division and ~0.5 u the sums.
//
// Stable regime: every row of the series' domain (unsorted rows, spread <= ~260, need no scaling;
// sorted rows are scaled per node as run_series scales them, each error term with its state by
// the same power of two, so no state leaves double's range); auto sends it the f64 rows with the
// mean and spread in (max(kCompensatedMeanMinSpread, K), kMeanEscalationSpread] (series/
// limits.hpp) and every f64 row with the mean beyond kMeanEscalationSpread (auto_detail::
// compensated_mean), which went to x87 before.
// Error (first order, all terms positive): each cell before the tail adds <= ~2^-104 relative to its
// state beyond what the compensated pair carries (the tail's cells, below 2^-20 of the sums, add
// <= ~2^-10 u at N + K <= 2^9), so S and the mean sums are within ~(few + N 2^-51) u of exact
// (the compensated sums' own bound), and mu_j within ~1.5 u (observed <= 1.2 u: tests/test_
// taylor_compensated.cpp against the certified reference).
// Cost: O(K N), N as taylor.hpp; ~25 operations per column cell instead of ~7 (two degrees per
// pass, skewed by one node, so that their chains overlap) and ~20 per mean cell instead of ~8 (the
// K cells of a degree vectorise: compensated_mean_step). Measured 1.3-1.4x the scalar plain series
// at K <= 10. The tail: once the stopping rule's rigorous tail bound puts the degrees still to come
// below series::kCompensatedTailTol = 2^-20 of S and of every mean sum, they run without error terms
// (the high parts only, ~5 operations per cell: the same high-part bits, so the same stopping
// degree; their dropped first-order errors are <= ~2 (N + K) u of 2^-20 of the sums); that is
// 20-43 % of a row's degrees (series/limits.hpp); one row of auto's f64 value + mean at sigma = 10,
// K = 5-32, went to 0.80-0.85x its time before (docs/design.md §2.6 step 3). The same operations
// run across SIMD lanes (normalizer/lanes/auto_lanes.hpp series_row_compensated for one row,
// auto_batch for a batch's rows), bitwise this function, the tail included; auto uses them where
// linked (docs/design.md §2.6 step 3, §2.13).
//
// References: T. Ogita, S. M. Rump, S. Oishi, Accurate sum and dot product, SIAM J. Sci. Comput.
// 26 (2005); S. Graillat, Ph. Langlois, N. Louvet, Algorithms for accurate, validated and fast
// polynomial evaluation, Japan J. Indust. Appl. Math. 26 (2009) (compensated Horner: the same
// first-order error recurrence run beside the state).
#pragma once
#include <cmath>
#include <cstddef>

#include "normalizer/dd.hpp"
#include "normalizer/taylor.hpp"

namespace ccnorm {
namespace taylor_detail {

// (yh + yl) (ih + il) as hi + first-order lo.
CCNORM_INLINE void product_pair(double yh, double yl, double ih, double il, double& hi, double& lo) {
  hi = yh * ih;
  lo = std::fma(yh, ih, -hi) + std::fma(yh, il, yl * ih);
}

// One degree of the K mean cells w_j <- h w_j + a (h = y_j / i as a pair from 1/i = ih + il,
// a + al the source), each state with its error term, folded into the compensated sums sw + swl.
// The K cells are independent (restrict pointers: the loop vectorises).
CCNORM_INLINE void compensated_mean_step(const double* __restrict yh, const double* __restrict yl, double ih,
                                         double il, double a, double al, double* __restrict w,
                                         double* __restrict we, double* __restrict sw, double* __restrict swl,
                                         std::size_t K) {
  for (std::size_t j = 0; j < K; ++j) {
    double h, hl;
    product_pair(yh[j], yl[j], ih, il, h, hl);
    const dd q = two_prod(h, w[j]);
    const dd s = two_sum(q.hi, a);
    const double e = std::fma(h, we[j], std::fma(hl, w[j], (q.lo + s.lo) + al));
    w[j] = s.hi;
    we[j] = e;
    // the compensated sum (series::compensated_add) with the state's error term in the same
    // addition: swl += (its rounding error + e)
    const double t = sw[j] + s.hi;
    swl[j] += (s.hi - (t - sw[j])) + e;
    sw[j] = t;
  }
}

// The same degree in the tail (series::kCompensatedTailTol): the high parts of
// compensated_mean_step's cells only (h = yh / i, w <- h w + a, the compensated sum with no error
// term to add), so the bits of w, sw and swl are those the compensated cell gives with its error
// terms zero.
CCNORM_INLINE void tail_mean_step(const double* __restrict yh, double ih, double a, double* __restrict w,
                                  double* __restrict sw, double* __restrict swl, std::size_t K) {
  for (std::size_t j = 0; j < K; ++j) {
    const double h = yh[j] * ih;
    const double q = h * w[j];
    const double s = q + a;
    const double t = sw[j] + s;
    swl[j] += s - (t - sw[j]);
    sw[j] = t;
    w[j] = s;
  }
}

// The compensated series of a prepared row (K >= 2; sorted rows scaled per node). Returns S, E,
// S_lo and terms as run_series does with comp; with want_mu, ws.sw / ws.swl hold the mean sums and
// their low parts (series::mean_component_compensated reads them). tol: the stopping rule's
// relative tolerance (series::output_series_tol<double>).
template <bool Sorted>
Series<double> run_series_compensated_impl(Work<double>& ws, std::size_t K, double r, bool want_mu, double tol);
inline Series<double> run_series_compensated(Work<double>& ws, std::size_t K, double r, bool want_mu, double tol) {
  return ws.sorted ? run_series_compensated_impl<true>(ws, K, r, want_mu, tol)
                   : run_series_compensated_impl<false>(ws, K, r, want_mu, tol);
}
template <bool Sorted>
Series<double> run_series_compensated_impl(Work<double>& ws, std::size_t K, double r, bool want_mu, double tol) {
  const int Ki = static_cast<int>(K);
  int E = 0;
  if (Sorted) {
    ws.ex.assign(K, 0);
    ws.ms.assign(K, 1.0);
  }
  const double* ms = ws.ms.data();
  ws.v.assign(K, 1.0);
  thread_local std::vector<double> vlo, wlo;
  vlo.assign(K, 0.0);
  double* v = ws.v.data();
  double* ve = vlo.data();
  double *w = nullptr, *we = nullptr, *sw = nullptr, *swl = nullptr;
  if (want_mu) {
    ws.w.assign(K, 1.0);
    ws.sw.assign(K, 1.0);
    ws.swl.assign(K, 0.0);
    wlo.assign(K, 0.0);
    w = ws.w.data();
    sw = ws.sw.data();
    swl = ws.swl.data();
    we = wlo.data();
  }
  const double* yh = ws.yh.data();
  const double* yl = ws.yl.data();
  const double Kc = static_cast<double>(K);
  double S = 1.0, S_lo = 0.0;
  // One compensated cell of the column: v_j(nn) from x + xe = v_j(nn - 1), p + pe = v_{j-1}(nn).
  auto cell = [&](int j, std::size_t nn, double x, double xe, double p, double pe, double& out, double& oute) {
    const std::size_t i = nn + static_cast<std::size_t>(j);
    const double ih = ws.ihi[i], il = ws.ilo[i], jd = static_cast<double>(j);
    double g, gl;
    product_pair(yh[j], yl[j], ih, il, g, gl);
    double c = jd * ih;
    double cl = std::fma(jd, ih, -c) + jd * il;
    if constexpr (Sorted) {  // times ms_j = 2^(ex_{j-1} - ex_j), exact (series/step.hpp)
      c *= ms[j];
      cl *= ms[j];
    }
    const dd p1 = two_prod(g, x);
    const dd p2 = two_prod(c, p);
    const dd sm = two_sum(p1.hi, p2.hi);
    oute = std::fma(g, xe, std::fma(c, pe, std::fma(gl, x, std::fma(cl, p, (p1.lo + p2.lo) + sm.lo))));
    out = sm.hi;
  };
  // The tail (series::kCompensatedTailTol): set after the degree whose rigorous tail bound is below
  // kCompensatedTailTol of S and of every mean sum; the degrees after it run without error terms.
  bool tail = false;
  // S, the mean and the stopping rule for degree nn with top + tope = v_{K-1}(nn) (tope = 0 in the
  // tail); true: stop.
  auto fold = [&](std::size_t nn, double top, double tope, bool& ok) {
    series::compensated_add(S, S_lo, top);
    S_lo += tope;
    if (want_mu) {
      // a + a' = K (top + tope) (ihi + ilo) at i = nn + K
      const std::size_t i = nn + K;
      const double ih = ws.ihi[i], il = ws.ilo[i];
      const dd kt = two_prod(Kc, top);
      if (tail) {
        tail_mean_step(yh, ih, kt.hi * ih, w, sw, swl, K);
      } else {
        double a, al;
        product_pair(kt.hi, std::fma(Kc, tope, kt.lo), ih, il, a, al);
        compensated_mean_step(yh, yl, ih, il, a, al, w, we, sw, swl, K);
      }
    }
    const double next = static_cast<double>(nn + 1);  // N + 1, N = nn the last degree
    ok = false;
    if (series::series_failed(S, next, r)) return true;
    ok = true;
    double tf = 0;
    if (!series::tail_factor(r, next, tf)) return false;
    if (series::tail_negligible(top, tf, tol, S) && (!want_mu || series::mean_tails_negligible<double>(w, sw, Ki, tf, tol)))
      return true;
    if (!tail && series::tail_negligible(top, tf, series::kCompensatedTailTol, S) &&
        (!want_mu || series::mean_tails_negligible<double>(w, sw, Ki, tf, series::kCompensatedTailTol)))
      tail = true;
    return false;
  };
  // The tail's cell: the high part of `cell` (g = yh / i, c = j / i [times ms_j], fl(g x) + fl(c p)).
  auto tail_cell = [&](int j, std::size_t nn, double x, double p) {
    const double ih = ws.ihi[nn + static_cast<std::size_t>(j)];
    const double g = yh[j] * ih;
    double c = static_cast<double>(j) * ih;
    if constexpr (Sorted) c *= ms[j];
    const double p1 = g * x;
    const double p2 = c * p;
    return p1 + p2;
  };
  // Two degrees per pass, n and n + 1, skewed by one node (cell j of degree n beside cell j - 1 of
  // degree n + 1), so that their dependency chains along j overlap; S, the mean and the stopping
  // rule then take the degrees one at a time, so a row stops at the same degree with the same
  // bits as with one degree per pass (the column of degree n + 1 is dropped when it stops at n).
  for (std::size_t n = 1;; n += 2) {
    ensure_inv(ws, n + K + 2);
    v[0] = 0.0;  // v_0(n) = v_0(n + 1) = 0 (y_0 = 0)
    ve[0] = 0.0;
    if (tail) {  // the two degrees one after the other, high parts only
      bool ok = true, stop = false;
      for (std::size_t nn = n; nn <= n + 1 && !stop; ++nn) {
        double p = 0.0;
        for (int j = 1; j < Ki; ++j) v[j] = p = tail_cell(j, nn, v[j], p);
        stop = fold(nn, p, 0.0, ok);
        if (stop) return {S, E, nn + 1, ok, S_lo};
      }
    } else {
      double pa = 0.0, pae = 0.0;  // v_{j-1}(n), the cell of degree n last computed
      double pb = 0.0, pbe = 0.0;  // v_{j-2}(n + 1)
      for (int j = 1; j <= Ki; ++j) {
        double na = 0.0, nae = 0.0;
        if (j < Ki) cell(j, n, v[j], ve[j], pa, pae, na, nae);
        if (j >= 2) {  // degree n + 1, node j - 1: v[j - 1] holds v_{j-1}(n) since the last step
          cell(j - 1, n + 1, v[j - 1], ve[j - 1], pb, pbe, v[j - 1], ve[j - 1]);
          pb = v[j - 1];
          pbe = ve[j - 1];
        }
        if (j < Ki) {
          v[j] = na;
          ve[j] = nae;
          pa = na;
          pae = nae;
        }
      }
      bool ok = true;
      // pa + pae = v_{K-1}(n) (node K - 1 of degree n was the last cell of that degree)
      if (fold(n, pa, pae, ok)) return {S, E, n + 1, ok, S_lo};
      if (tail)  // from degree n + 1 on: its cells' error terms are dropped
        for (int j = 0; j < Ki; ++j) ve[j] = 0.0;
      if (fold(n + 1, v[Ki - 1], ve[Ki - 1], ok)) return {S, E, n + 2, ok, S_lo};
    }
    // Per-node scaling of a sorted row after every 8 degrees (as run_series: growth over 8
    // degrees <= r^8 stays in range), each error term with its state (powers of two: exact).
    if constexpr (Sorted)
      if ((n + 1) % 8 == 0) {
        thread_local std::vector<int> ex0;
        ex0.assign(ws.ex.begin(), ws.ex.end());
        const int EK = series::rescale_column<double>(v, ws.ex.data(), ws.ms.data(), Ki);
        for (int j = 1; j < Ki; ++j)
          if (ws.ex[j] != ex0[j]) ve[j] = series::ldexpc(ve[j], ex0[j] - ws.ex[j]);
        if (EK != E) {
          const int dE = EK - E;
          S = series::ldexpc(S, -dE);
          S_lo = series::ldexpc(S_lo, -dE);
          if (want_mu)
            for (std::size_t j = 0; j < K; ++j) {
              w[j] = series::ldexpc(w[j], -dE);
              we[j] = series::ldexpc(we[j], -dE);
              sw[j] = series::ldexpc(sw[j], -dE);
              swl[j] = series::ldexpc(swl[j], -dE);
            }
          E = EK;
        }
      }
  }
}

}  // namespace taylor_detail
}  // namespace ccnorm
