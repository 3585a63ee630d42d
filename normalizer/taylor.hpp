// ccnorm: `taylor` - the all-positive Taylor series of the divided difference of exp, and the host
// driver of the series that `auto` and `auto-precise` (auto.hpp) run.
//
// The arithmetic - formula, the three forms of the column and mean steps, the unbiased division by
// an integer, per-node exponents, the stopping rule, the exact shift - is the series core shared
// with the CUDA kernels: normalizer/series/step.hpp and arithmetic.hpp (docs/design.md §1-§2);
// limits in normalizer/series/limits.hpp. In short: sort the nodes, m = min z, y = z - m >= 0
// (exact two-sum pair), r = max y; the normalised column v_j(n) = ((j-1) v_{j-1}(n) +
// y_j v_j(n-1)) / (n+j-1) (1-based j) gives exp[z] = e^m S 2^E / (K-1)!, S = sum_n v_K(n), and
// A = m + log S + E ln2 - log((K-1)!); the mean from w_j(n) = (K v_K(n) + y_j w_j(n-1)) / (n+K),
// mu_j = sum_n w_j(n) / (K S). Every term is positive: no cancellation, ties need no special case.
//
// This file is the host's driver of those operations:
//  * taylor_prepare: the node order. Small spreads (e^spread < 2^(R-24)) never rescale, and then
//    the order does not matter beyond min first (y_1 = 0) and max last (y_K = r): the O(K log K)
//    sort is skipped (21 % of the time at K = 100). Wider rows are sorted, which the per-node
//    scaling relies on (v_j nondecreasing in j).
//  * run_series / advance: the value loop is blocked over 8 degrees (float and double) so that the
//    dependency chain along j overlaps across degrees (out-of-order execution); the rescale pass
//    and the stopping rule run once per block (so the host may sum up to 7 degrees more than the
//    GPU's one-thread mapping, which checks every degree). The early v_K of a block enter the
//    mean series at their own scale, before any rescale. Float and double use the fused step with
//    the reciprocal table of the workspace; long double, double-double and multiprecision types
//    the numerator-first form (series/step.hpp).
//  * taylor<T>: the plain algorithm, series in C = T (float, double, long double, dd or a
//    Boost.Multiprecision type), A and log C assembled in T. The production path with careful
//    assembly (series/assembly.hpp) and precision escalation is auto.hpp.
// taylor_prepare and run_series are templated on the compute type C and the input type T.
//
// Cost: O(K N) for the value, N ~ r + O(sqrt r) + 20 terms, about the same again for all K
// components of the mean, O(K log K) for the sort, O(K + N) memory (thread-local workspace).
// Error (observed, docs/design.md §2 and tests/test_accuracy.cpp): relative error of S ~ a few u
// growing like sqrt(K + N); `taylor` assembles A in T, so |A| << |min z| costs up to ~19 ulp of A
// (auto assembles in double-double there). Spreads beyond series::kPlainSeriesMaxSpread (2^40):
// NaN.
//
// References: McCurdy, Ng & Parlett, Math. Comp. 43 (1984); Caliari, Computing 80 (2007);
// Zivcovich, Dolomites Res. Notes Approx. 12 (2019); Gordon-Rodriguez et al., ICML 2020.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <type_traits>
#include <vector>

#include "normalizer/common.hpp"
#include "normalizer/series/arithmetic.hpp"
#include "normalizer/series/assembly.hpp"
#include "normalizer/series/limits.hpp"
#include "normalizer/series/step.hpp"

namespace ccnorm {
namespace taylor_detail {

using series::is_ieee;

// Rows whose spread keeps e^spread below 2^(R - kUnsortedMarginBits) never rescale: not sorted.
constexpr int kUnsortedMarginBits = 24;
// Does taylor_prepare sort a row of spread r0 = max z - min z (and rescale per node)?
template <class C>
inline bool sorts_nodes(double r0) {
  return !(r0 * 1.4426950408889634 < series::Precision<C>::rescale_exp - kUnsortedMarginBits);
}
// Blocking over 8 degrees: growth over a block is <= r^8; keep 2^R r^8 inside the exponent range
// with this many bits to spare.
constexpr int kBlockMarginBits = 16;

template <class C>
struct Work {
  std::vector<C> yh, yl, v, w, sw;
  std::vector<C> swl;   // the mean sums' compensation terms (run_series with comp: sw_j + swl_j)
  std::vector<int> ex;  // per-node binary exponent: the true v_j is v[j] 2^ex[j]
  std::vector<C> ms;    // ms[j] = 2^(ex[j-1] - ex[j]) (exact; 0 when it underflows)
  std::vector<C> ihi, ilo;  // 1/i = ihi[i] + ilo[i] (float, double); ihi[i] = 1/i (double-double)
  std::vector<std::uint32_t> perm;
  bool sorted = true;  // nodes fully sorted (else only min first and max last; no rescaling)
};

template <class C>
void ensure_inv(Work<C>& ws, std::size_t upto) {
  if constexpr (is_ieee<C>) {
    std::size_t old = ws.ihi.size();
    if (old > upto) return;
    std::size_t nsz = std::max<std::size_t>(upto + 1, 2 * old);
    ws.ihi.resize(nsz);
    ws.ilo.resize(nsz);
    if (old == 0) {
      ws.ihi[0] = ws.ilo[0] = C(0);
      old = 1;
    }
    for (std::size_t i = old; i < nsz; ++i) series::recip_pair<C>(i, ws.ihi[i], ws.ilo[i]);
  } else if constexpr (std::is_same_v<C, dd>) {
    // double-double: 1/i to ~2^-106, so the division becomes one dd multiplication.
    std::size_t old = ws.ihi.size();
    if (old > upto) return;
    std::size_t nsz = std::max<std::size_t>(upto + 1, 2 * old);
    ws.ihi.resize(nsz);
    for (std::size_t i = std::max<std::size_t>(old, 1); i < nsz; ++i) ws.ihi[i] = dd(1.0) / dd(static_cast<double>(i));
  } else {
    (void)ws;
    (void)upto;
  }
}

// The numerator-first form's division by the integer i (long double, dd, multiprecision).
template <class C>
CCNORM_INLINE C div_int(const Work<C>& ws, const C& t, std::size_t i) {
  if constexpr (std::is_same_v<C, dd>) return series::DdRecipDivisor{ws.ihi[i]}.div(t);
  else return series::ExactDivisor<C>{C(static_cast<double>(i))}.div(t);
}

// Advance the column by B degrees: on entry v[j] = v_j(n0-1), on exit v[j] = v_j(n0+B-1);
// out[b] = v_K(n0+b). Requires K >= 2 and y_1 = 0 (so v_1(n) = 0 for n >= 1).
template <int B, class C>
void advance(Work<C>& ws, std::size_t K, std::size_t n0, C* out) {
  C prev[B];
  for (int b = 0; b < B; ++b) prev[b] = C(0);
  C* v = ws.v.data();
  const C* yh = ws.yh.data();
  const C* yl = ws.yl.data();
  const C* ms = ws.ms.data();
  for (std::size_t j = 1; j < K; ++j) {
    const C a = C(static_cast<double>(j));
    const C h = yh[j];
    const C mj = ms[j];
    C x = v[j];
    if constexpr (is_ieee<C>) {
      const C l = yl[j];
      const C* ih = ws.ihi.data() + n0 + j;
      const C* il = ws.ilo.data() + n0 + j;
      // The fused step: gains and couplings off the chain, one fma on it (series/step.hpp).
      C hp[B], ap[B];
#pragma GCC unroll 8
      for (int b = 0; b < B; ++b) {
        const series::RecipDivisor<C> di{ih[b], il[b]};
        hp[b] = series::column_gain(h, l, di);        // (yh + yl) / i
        ap[b] = series::column_coupling(a, mj, di);   // j / i, times the exponent shift (exact)
      }
#pragma GCC unroll 8
      for (int b = 0; b < B; ++b) {
        x = series::column_update(hp[b], x, ap[b], prev[b]);
        prev[b] = x;
      }
    } else {
      for (int b = 0; b < B; ++b) {
        x = div_int(ws, series::column_numerator(h, yl[j], x, a, mj, prev[b]), n0 + b + j);
        prev[b] = x;
      }
    }
    v[j] = x;
  }
  for (int b = 0; b < B; ++b) out[b] = prev[b];
}

// Result of the series in the compute type: exp[z] = e^m * S * 2^E / (K-1)!.
template <class C>
struct Series {
  C S;                 // scaled sum
  int E;               // binary exponent of the scaling
  std::size_t terms;   // degrees summed (N + 1)
  bool ok;             // false: the safety net fired (never for finite input)
  C S_lo = C(0);       // compensation term: the sum is S + S_lo (run_series with comp; else 0)
};

// run_series<dd> on an unsorted row (taylor_prepare left it unsorted: no per-node scaling, ms_j = 1,
// E = 0), bitwise the same values as the one-degree-at-a-time loop below, at several cells per
// instruction. The column: the cells of 8 consecutive degrees n0..n0+7 along anti-diagonals: at
// step t, lane b computes cell (j = t - b, n0 + b) from step t-1's cells (j, n0+b-1) (lane b-1;
// lane 0 reads the previous block's column) and (j-1, n0+b) (lane b itself), all lanes with the
// same reciprocal 1/(n0 + t); lanes outside 1 <= j <= K-1 give 0. Each cell is the numerator-first
// step (series/step.hpp column_numerator with jc ms_j = dd(j) exactly, since ms_j = 1; times
// DdRecipDivisor). The mean fold of each degree runs 8 nodes at a time (its nodes are independent).
// S, the mean fold and the stopping rule then take the block's degrees one by one, in order, as
// the loop below does (it checks after every degree for double-double), so the row stops at the
// same degree with the same S and mean sums; the cells computed beyond it are dropped. Written as
// loops over 8 lanes of plain double-double operations (dd.hpp), which the compiler keeps in
// vector registers. Below kDdWavefrontMinK nodes the ramp of each block (W - 1 steps with idle
// lanes) costs more than the lanes gain: the loop below runs those rows. Measured (value + mean,
// sigma 1 rows, AVX-512, this project's 2-core machine, us per row, one degree at a time ->
// wavefront): K = 4 2.7 -> 3.3, K = 5 3.9 -> 3.8, K = 6 4.8 -> 4.1, K = 10 8.4 -> 6.4,
// K = 100 87 -> 42.
constexpr std::size_t kDdWavefrontMinK = 6;
template <class C>
Series<C> run_series_dd_unsorted(Work<C>& ws, std::size_t K, double r, bool want_mu, double tol) {
  static_assert(std::is_same_v<C, dd>);
  constexpr int W = 8;
  const std::ptrdiff_t Ki = static_cast<std::ptrdiff_t>(K);
  ws.v.assign(K + W, dd(1.0));  // v_j(0) = 1; entries >= K are never used by a live lane
  ws.ex.assign(K, 0);
  ws.ms.assign(K, dd(1.0));
  // the nodes reversed with zeros on both sides: y_j at yrev[c0 - j], so that the lanes of a step
  // (j = t - b) read consecutive entries
  const std::ptrdiff_t c0 = Ki + W - 1;
  thread_local std::vector<dd> yrev;
  yrev.assign(K + 2 * W, dd(0.0));
  for (std::size_t j = 0; j < K; ++j) yrev[static_cast<std::size_t>(c0) - j] = ws.yh[j];
  // the mean's arrays padded to a multiple of W nodes (zero nodes; ws.w, ws.sw cut back to K
  // entries at the end)
  const std::size_t Kp = (K + W - 1) / W * W;
  thread_local std::vector<dd> ymean, ylow;
  if (want_mu) {
    ws.w.assign(Kp, dd(1.0));
    ws.sw.assign(Kp, dd(1.0));
    ymean.assign(Kp, dd(0.0));
    ylow.assign(Kp, dd(0.0));
    std::copy(ws.yh.begin(), ws.yh.begin() + static_cast<std::ptrdiff_t>(K), ymean.begin());
    std::copy(ws.yl.begin(), ws.yl.begin() + static_cast<std::ptrdiff_t>(K), ylow.begin());
  }
  dd* v = ws.v.data();
  dd* w = ws.w.data();
  dd* sw = ws.sw.data();
  const dd* ym = ymean.data();
  const dd* yl0 = ylow.data();
  const dd Kc(static_cast<double>(K));
  dd S(1.0);
  std::size_t n = 1;
  auto done = [&](bool ok) {
    if (want_mu) {
      ws.w.resize(K);
      ws.sw.resize(K);
    }
    return Series<C>{S, 0, n, ok};
  };
  for (;;) {
    ensure_inv(ws, n + K + 2 * W);
    const dd* inv = ws.ihi.data();
    dd cur[W], out[W];
    for (int b = 0; b < W; ++b) cur[b] = out[b] = dd(0.0);
    const std::size_t n0 = n;
    const double last = static_cast<double>(Ki - 1);
    for (std::ptrdiff_t t = 1; t <= Ki - 1 + W - 1; ++t) {
      const dd ii = inv[n0 + static_cast<std::size_t>(t)];
      const dd* yt = yrev.data() + (c0 - t);  // lane b: y_{t-b}
      dd x[W], nxt[W];
      x[0] = v[t];
      for (int b = 1; b < W; ++b) x[b] = cur[b - 1];
      for (int b = 0; b < W; ++b) {
        const double j = static_cast<double>(t - b);
        const dd val = (yt[b] * x[b] + dd(j) * cur[b]) * ii;
        const bool live = j >= 1.0 && j <= last;
        nxt[b] = {live ? val.hi : 0.0, live ? val.lo : 0.0};
      }
      for (int b = 0; b < W; ++b) cur[b] = nxt[b];
      if (t - (W - 1) >= 1 && t - (W - 1) <= Ki - 1) v[t - (W - 1)] = cur[W - 1];  // v_j(n0 + 7)
      if (t >= Ki - 1) out[t - (Ki - 1)] = cur[t - (Ki - 1)];                      // v_{K-1}(n0 + b)
    }
    for (int b = 0; b < W; ++b) {
      S += out[b];
      if (want_mu) {
        const dd c = Kc * out[b];
        const dd ik = inv[n + K];
        for (std::size_t j0 = 0; j0 < Kp; j0 += W)  // (the padding nodes compute unused values)
          for (std::size_t l = 0; l < W; ++l) {
            const std::size_t j = j0 + l;
            w[j] = series::mean_numerator(c, ym[j], yl0[j], w[j]) * ik;
            sw[j] = sw[j] + w[j];
          }
      }
      n += 1;
      const dd top = out[b];
      const double next = static_cast<double>(n);
      if (series::series_failed(S, next, r)) return done(false);
      double tf = 0;
      if (!series::tail_factor(r, next, tf)) continue;
      if (!series::tail_negligible(top, tf, tol, S)) continue;
      if (!want_mu || series::mean_tails_negligible<dd>(w, sw, static_cast<int>(K), tf, tol)) return done(true);
    }
  }
}

// Core: run the series for sorted shifted nodes already stored in ws.yh/ws.yl (K >= 2).
// If want_mu, also fills ws.sw (sum_n w_j(n) for sorted index j, same scale as S).
// tol: the stopping rule's relative tolerance; 0 = series_tol of C (auto passes
// series::output_series_tol of its output type).
// Comp (C = double only; auto's double series for double outputs): S and every mean sum are
// compensated sums (series::compensated_add): the sum is S + S_lo, sw_j + swl_j (ws.swl). The
// stopping rule reads the high parts, so a row stops at the same degree either way.
template <class C, bool Comp>
Series<C> run_series_impl(Work<C>& ws, std::size_t K, double r, bool want_mu, double tol);
template <class C>
Series<C> run_series(Work<C>& ws, std::size_t K, double r, bool want_mu, double tol_in = 0, bool comp = false) {
  const double tol = tol_in > 0 ? tol_in : series::series_tol(series::Precision<C>::u(), want_mu);
  if constexpr (std::is_same_v<C, dd>)
    if (!ws.sorted && K >= kDdWavefrontMinK) return run_series_dd_unsorted(ws, K, r, want_mu, tol);
  if constexpr (std::is_same_v<C, double>)
    if (comp) return run_series_impl<C, true>(ws, K, r, want_mu, tol);
  return run_series_impl<C, false>(ws, K, r, want_mu, tol);
}
template <class C, bool Comp>
Series<C> run_series_impl(Work<C>& ws, std::size_t K, double r, bool want_mu, double tol) {
  constexpr int R = series::Precision<C>::rescale_exp;
  constexpr int cmaxexp = std::is_same_v<C, float> ? 128 : 1024;  // binary exponent range
  // Degrees per block: growth over a block is <= r^B; keep 2^R * r^B well inside the range.
  const double lr = std::log2(std::max(r, 1.0));
  const int B = (is_ieee<C> && 8 * lr < cmaxexp - R - kBlockMarginBits) ? 8 : 1;
  const int Ki = static_cast<int>(K);

  ws.v.assign(K, C(1));
  ws.ex.assign(K, 0);
  ws.ms.assign(K, C(1));
  C S = C(1), S_lo = C(0);
  int E = 0;
  std::size_t n = 1;
  C out[8];
  const C Kc = C(static_cast<double>(K));
  C* w = nullptr;
  C* sw = nullptr;
  const C* yh = ws.yh.data();
  const C* yl = ws.yl.data();
  if (want_mu) {
    // Degree 0: w_j(0) = K v_K(0) / K = 1.
    ws.w.assign(K, C(1));
    ws.sw.assign(K, C(1));
    w = ws.w.data();
    sw = ws.sw.data();
  }
  C* swl = nullptr;
  if (Comp && want_mu) {
    ws.swl.assign(K, C(0));
    swl = ws.swl.data();
  }
  for (;;) {
    ensure_inv(ws, n + K + 8);
    if (B == 8) advance<8>(ws, K, n, out);
    else advance<1>(ws, K, n, out);
    if constexpr (Comp)
      for (int b = 0; b < B; ++b) series::compensated_add(S, S_lo, out[b]);
    else
      for (int b = 0; b < B; ++b) S += out[b];
    if (want_mu) {
      // Fold the block's degrees into the mean series at the current scale (before any
      // rescale): w_j(d) = (K v_K(d) + y_j w_j(d-1)) / (d+K). The early v_K must enter w at
      // their own scale: w_j grows like e^{y_j} and carries them forward.
      C c[8];
      for (int b = 0; b < B; ++b) c[b] = Kc * out[b];
      if constexpr (is_ieee<C>) {
        const C* ih = ws.ihi.data() + n + K;
        const C* il = ws.ilo.data() + n + K;
        C ci[8];
        for (int b = 0; b < B; ++b) ci[b] = series::mean_source(c[b], series::RecipDivisor<C>{ih[b], il[b]});
        for (std::size_t j = 0; j < K; ++j) {
          C x = w[j], acc = sw[j];
          const C h = yh[j], l = yl[j];
          if constexpr (Comp) {
            C lo = swl[j];
            for (int b = 0; b < B; ++b) {
              x = series::mean_update(h, l, x, ci[b], series::RecipDivisor<C>{ih[b], il[b]});
              series::compensated_add(acc, lo, x);
            }
            swl[j] = lo;
          } else {
            for (int b = 0; b < B; ++b) {
              x = series::mean_update(h, l, x, ci[b], series::RecipDivisor<C>{ih[b], il[b]});
              acc += x;
            }
          }
          w[j] = x;
          sw[j] = acc;
        }
      } else {
        for (std::size_t j = 0; j < K; ++j) {
          C x = w[j], acc = sw[j];
          for (int b = 0; b < B; ++b) {
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
    // Per-node scaling (series/step.hpp), once per block, on sorted rows only.
    if (ws.sorted) {
      const int EK = series::rescale_column<C>(ws.v.data(), ws.ex.data(), ws.ms.data(), Ki);
      if constexpr (Comp)
        if (EK != E) {  // the compensation terms follow their sums (exact powers of two)
          S_lo = series::ldexpc(S_lo, E - EK);
          if (want_mu)
            for (std::size_t j = 0; j < K; ++j) swl[j] = series::ldexpc(swl[j], E - EK);
        }
      series::follow_exponent<C>(EK, E, S, top, w, sw, Ki, want_mu);
    }
    const double next = static_cast<double>(n);  // N + 1, N = n-1 the last degree
    if (series::series_failed(S, next, r)) return {S, E, n, false, S_lo};
    double tf = 0;
    if (!series::tail_factor(r, next, tf)) continue;
    if (!series::tail_negligible(top, tf, tol, S)) continue;
    if (!want_mu) break;
    // Each w_j series obeys the same ratio bound (it is the column of the K+1 nodes y u {y_j}).
    if (series::mean_tails_negligible<C>(w, sw, Ki, tf, tol)) break;
  }
  return {S, E, n, true, S_lo};
}

}  // namespace taylor_detail

namespace taylor_detail {
// The order of a row that is not sorted (K >= 2), given the identity in perm: the first minimum
// imin swapped to the front, then the first maximum imax to the back.
inline void unsorted_order(std::uint32_t* perm, std::size_t K, std::size_t imin, std::size_t imax) {
  std::swap(perm[0], perm[imin]);
  const std::size_t pmax = (imax == 0) ? imin : imax;  // where imax sits now
  std::swap(perm[K - 1], perm[pmax]);
}
}  // namespace taylor_detail

// Prepare sorted shifted nodes in ws (returns the spread, or NaN for non-finite input).
// m_out receives min z in T.
template <class C, class T>
double taylor_prepare(const T* z, std::size_t K, taylor_detail::Work<C>& ws, T& m_out) {
  using namespace taylor_detail;
  ws.perm.resize(K);
  std::iota(ws.perm.begin(), ws.perm.end(), 0u);
  std::size_t imin = 0, imax = 0;
  for (std::size_t i = 0; i < K; ++i) {
    using std::isfinite;
    if (!isfinite(z[i])) return std::numeric_limits<double>::quiet_NaN();
    if (z[i] < z[imin]) imin = i;
    if (z[imax] < z[i]) imax = i;
  }
  const double r0 = static_cast<double>(z[imax]) - static_cast<double>(z[imin]);
  ws.sorted = taylor_detail::sorts_nodes<C>(r0);
  if (ws.sorted) {
    std::sort(ws.perm.begin(), ws.perm.end(), [z](std::uint32_t a, std::uint32_t b) { return z[a] < z[b]; });
  } else if (K >= 2) {
    taylor_detail::unsorted_order(ws.perm.data(), K, imin, imax);
  }
  const T m = z[ws.perm[0]];
  m_out = m;
  ws.yh.resize(K);
  ws.yl.resize(K);
  for (std::size_t j = 0; j < K; ++j) series::exact_shift<C, T>(z[ws.perm[j]], m, ws.yh[j], ws.yl[j]);
  return series::to_double(ws.yh[K - 1]);
}

namespace taylor_detail {
template <class C>
Work<C>& workspace() {
  static thread_local Work<C> ws;
  return ws;
}
}  // namespace taylor_detail

// Plain `taylor`: the series in C = T (float, double, long double, dd or a Boost.Multiprecision
// type), A assembled in T. The production path with careful assembly is auto.hpp.
template <class T>
Out<T> taylor(const T* z, std::size_t K, T* mu) {
  using namespace taylor_detail;
  using std::log;
  using std::ldexp;
  const T nan = std::numeric_limits<T>::quiet_NaN();
  if (K == 0) return {nan, nan};
  if (K == 1) {
    if (mu) mu[0] = T(1);
    return {z[0], T(0)};
  }
  auto& ws = workspace<T>();
  T m;
  const double r = taylor_prepare<T, T>(z, K, ws, m);
  if (!(r <= series::kPlainSeriesMaxSpread)) {
    if (mu) std::fill(mu, mu + K, nan);
    return {nan, nan};
  }
  Series<T> s = run_series<T>(ws, K, r, mu != nullptr);
  if (!s.ok) {
    if (mu) std::fill(mu, mu + K, nan);
    return {nan, nan};
  }
  const T ln2 = log(T(2));
  const T Ared = log(s.S) + T(static_cast<double>(s.E)) * ln2 - log_factorial<T>(K - 1);
  if (mu) {
    const T denom = series::mean_denominator(s.S, K);
    for (std::size_t j = 0; j < K; ++j) mu[ws.perm[j]] = ws.sw[j] / denom;
  }
  // log C = LSE(z) - A = LSE(y) - (A - m): no cancellation against m.
  std::vector<T> y(K);
  for (std::size_t j = 0; j < K; ++j) y[j] = ws.yh[j];
  const T lse_y = log_sum_exp(y.data(), K);
  return {m + Ared, lse_y - Ared};
}

}  // namespace ccnorm
