// ccnorm: `taylor` - the all-positive Taylor series of the divided difference of exp.
//
// Formula (DESIGN.md section 1). Sort the nodes, m = min z, y = z - m >= 0 (sorted ascending,
// y_1 = 0), r = max y. With the normalised column v_j(n) = (j-1)! h_n(y_1..y_j) / (n+j-1)!
// (h_n = complete homogeneous symmetric polynomial):
//     v_j(0) = 1,  v_1(n >= 1) = 0 (y_1 = 0),
//     v_j(n) = ((j-1) v_{j-1}(n) + y_j v_j(n-1)) / (n+j-1),
//     exp[z] = e^m S / (K-1)!,  S = sum_{n>=0} v_K(n),
//     A = m + log S - log((K-1)!).
// Mean: w_j(n) = (K v_K(n) + y_j w_j(n-1)) / (n+K),  mu_j = sum_n w_j(n) / (K S)
// (w_j is the same column for the K+1 nodes y u {y_j}: exp[z, z_j] / exp[z] = mu_j).
// Every term is positive: no cancellation anywhere, ties need no special case.
//
// Stopping rule (rigorous): v_j(n+1) <= v_j(n) r/(n+1) for every j, so once q = r/(N+1) < 1 the
// tail beyond N is at most v_K(N) q/(1-q); we stop when that is below S u/16 (u/512 when the mean
// is requested, and each w_j series is checked the same way). Terms: N ~ r + O(sqrt r) + 20.
//
// Scaling: every node j keeps its own power-of-two exponent (v_j is rescaled when it leaves
// [2^-400, 2^400], [2^-40, 2^40] in f32) and the coupling from node j-1 carries the exact factor
// 2^(ex[j-1]-ex[j]). One scale per column is not enough: entries far below v_K still feed later
// degrees with large gains (K = 1e4, spread 1e4 came out 3 off in A). Sorted ascending y makes
// v_j(n) nondecreasing in j (Dirichlet coupling: adding a node >= all others moves y.x up
// pointwise), which bounds the exponent shift between neighbours. v_K and S share one scale.
//
// Exact shift: y_j = z_j - m is carried as an unevaluated pair yh + yl (two-sum), so offsets like
// 3e4 with tiny spreads lose nothing (a rounded y costs up to ~3000 u at spreads of 5000).
// Division by the integer n+j-1 is a multiplication by the double-double reciprocal (hi + lo),
// which rounds independently per operation (a rounded reciprocal would bias every path alike).
//
// Cost: O(K N) for the value, about the same again for all K components of the mean, O(K log K)
// for the sort, O(K + N) memory. The value loop is blocked over 8 degrees so that the
// dependency chain along j overlaps across degrees (out-of-order execution).
//
// Error (observed, DESIGN.md section 2 and tests/test_accuracy): relative error of S ~ a few u
// growing like sqrt(K + N); A assembled by the caller (auto.hpp) in double-double when its
// terms cancel. Templated on the compute type C (float, double, long double, ccnorm::dd,
// Boost.Multiprecision) and the input/output type T.
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

namespace ccnorm {
namespace taylor_detail {

template <class C>
constexpr bool is_ieee = std::is_same_v<C, double> || std::is_same_v<C, float>;

template <class C>
constexpr int rescale_exp() {
  return std::is_same_v<C, float> ? 40 : 400;
}

// Largest spread the series is run on (beyond it the term count ~ spread is impractical).
constexpr double kMaxSpread = 0x1p40;

template <class C>
CCNORM_INLINE C mad(C a, C b, C c) {
  if constexpr (is_ieee<C>) return std::fma(a, b, c);
  else return a * b + c;
}

template <class C>
CCNORM_INLINE double to_d(const C& x) {
  if constexpr (std::is_same_v<C, dd>) return x.hi;
  else return static_cast<double>(x);
}

template <class C>
struct Work {
  std::vector<C> yh, yl, v, w, sw;
  std::vector<int> ex;  // per-node binary exponent: the true v_j is v[j] 2^ex[j]
  std::vector<C> ms;    // ms[j] = 2^(ex[j-1] - ex[j]) (exact; 0 when it underflows)
  std::vector<C> ihi, ilo;  // 1/i = ihi[i] + ilo[i] (IEEE types only)
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
    for (std::size_t i = old; i < nsz; ++i) {
      C d = C(static_cast<double>(i));
      C h = C(1) / d;
      ws.ihi[i] = h;
      ws.ilo[i] = std::fma(-h, d, C(1)) / d;
    }
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

// t / i from the reciprocal pair 1/i = ih + il: the product's own rounding error is recovered
// with an fma, so the quotient is within ~0.5 ulp and its rounding is unbiased. (The shortcut
// fma(t, il, t*ih) keeps the rounding of t*ih, i.e. of the rounded 1/i, and 1/i rounds the same
// way for whole families of i (1/3, 1/6, 1/12, ...): that biased the series by -0.25 u per term.)
template <class C>
CCNORM_INLINE C div_acc(C t, C ih, C il) {
  C p = t * ih;
  return p + std::fma(t, il, std::fma(t, ih, -p));
}
// (h + l) / i for the two-sum pair h + l.
template <class C>
CCNORM_INLINE C div_acc2(C h, C l, C ih, C il) {
  C p = h * ih;
  return p + std::fma(l, ih, std::fma(h, il, std::fma(h, ih, -p)));
}

template <class C>
CCNORM_INLINE C div_int(const Work<C>& ws, C t, std::size_t i) {
  if constexpr (is_ieee<C>) return div_acc(t, ws.ihi[i], ws.ilo[i]);
  else if constexpr (std::is_same_v<C, dd>) return t * ws.ihi[i];
  else return t / C(static_cast<double>(i));
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
      // Latency: only one fma sits on the chain through x; the factors y_j/i and j/i are
      // formed off the chain (their roundings depend on (j, i), so they do not bias all paths
      // alike the way a rounded 1/i alone would).
      C hp[B], ap[B];
#pragma GCC unroll 8
      for (int b = 0; b < B; ++b) {
        hp[b] = div_acc2(h, l, ih[b], il[b]);  // (yh + yl) / i
        ap[b] = div_acc(a, ih[b], il[b]) * mj;  // j / i, times the exponent shift (exact)
      }
#pragma GCC unroll 8
      for (int b = 0; b < B; ++b) {
        x = std::fma(hp[b], x, ap[b] * prev[b]);
        prev[b] = x;
      }
    } else {
      for (int b = 0; b < B; ++b) {
        C t = h * x + a * mj * prev[b];
        if constexpr (std::is_same_v<C, long double>) t += yl[j] * x;  // exact shift, low part
        x = div_int(ws, t, n0 + b + j);
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
  bool ok;             // false: the safety net below fired (never for finite input)
};

// Core: run the series for sorted shifted nodes already stored in ws.yh/ws.yl (K >= 2).
// If want_mu, also fills ws.sw (sum_n w_j(n) for sorted index j, same scale as S).
template <class C>
Series<C> run_series(Work<C>& ws, std::size_t K, double r, bool want_mu) {
  using std::ldexp;
  const double u = to_d(unit_roundoff<C>::value());
  const double tol = want_mu ? u / 512 : u / 16;
  constexpr int R = rescale_exp<C>();
  const C big = ldexp(C(1), R);
  constexpr int cmaxexp = std::is_same_v<C, float> ? 128 : 1024;  // binary exponent range
  // Degrees per block: growth over a block is <= r^B; keep 2^R * r^B well inside the range.
  const double lr = std::log2(std::max(r, 1.0));
  const int B = (is_ieee<C> && 8 * lr < cmaxexp - R - 16) ? 8 : 1;

  ws.v.assign(K, C(1));
  ws.ex.assign(K, 0);
  ws.ms.assign(K, C(1));
  const C small = ldexp(C(1), -R);
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
    // Degree 0: w_j(0) = K v_K(0) / K = 1.
    ws.w.assign(K, C(1));
    ws.sw.assign(K, C(1));
    w = ws.w.data();
    sw = ws.sw.data();
  }
  for (;;) {
    ensure_inv(ws, n + K + 8);
    if (B == 8) advance<8>(ws, K, n, out);
    else advance<1>(ws, K, n, out);
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
        for (int b = 0; b < B; ++b) ci[b] = div_acc(c[b], ih[b], il[b]);  // K v_K(d) / (d+K)
        for (std::size_t j = 0; j < K; ++j) {
          C x = w[j], acc = sw[j];
          const C h = yh[j], l = yl[j];
          for (int b = 0; b < B; ++b) {
            x = std::fma(div_acc2(h, l, ih[b], il[b]), x, ci[b]);
            acc += x;
          }
          w[j] = x;
          sw[j] = acc;
        }
      } else {
        for (std::size_t j = 0; j < K; ++j) {
          C x = w[j], acc = sw[j];
          for (int b = 0; b < B; ++b) {
            if constexpr (std::is_same_v<C, long double>) x = div_int(ws, C(c[b] + yh[j] * x + yl[j] * x), n + b + K);
            else x = div_int(ws, C(c[b] + yh[j] * x), n + b + K);
            acc += x;
          }
          w[j] = x;
          sw[j] = acc;
        }
      }
    }
    n += B;
    C top = out[B - 1];
    // Per-node scaling. Entries of the current column that are tiny next to v_K still feed
    // future degrees with large gains (a node prefix absorbs a share of the degrees), so one
    // scale per column loses them once the column spans more than the exponent range
    // (K = 1e4, spread 1e4: A off by 3). Each node keeps its own power-of-two exponent and the
    // coupling to the previous node carries the exact factor 2^(ex[j-1] - ex[j]).
    if (ws.sorted) {
      C* v = ws.v.data();
      int* ex = ws.ex.data();
      C* msw = ws.ms.data();
      bool prev_changed = false;
      for (std::size_t j = 1; j < K; ++j) {
        int d = 0;
        if (v[j] > big) d = R;
        // Scale up decaying entries (avoids subnormal arithmetic), but never v_K: the sum S
        // lives at v_K's scale and stays near the peak while v_K decays in the tail.
        else if (v[j] < small && v[j] > C(0) && j + 1 < K) d = -R;
        if (d != 0) {
          v[j] = ldexp(v[j], -d);
          ex[j] += d;
        }
        if (d != 0 || prev_changed) {  // ms[j] depends on ex[j-1] and ex[j]
          // v_{j-1} <= v_j (true values) bounds sh by ~2R + growth < 1000; larger only next to
          // an exactly-zero v_{j-1} (nodes tied at the min, exponent never updated), where the
          // factor multiplies 0: keep it finite.
          const int sh = std::min(ex[j - 1] - ex[j], std::is_same_v<C, float> ? 120 : 1000);
          msw[j] = sh < -1100 ? C(0) : ldexp(C(1), sh);
        }
        prev_changed = d != 0;
      }
      const int EK = ex[K - 1];
      if (EK != E) {
        const int dE = EK - E;
        if (want_mu)
          for (std::size_t j = 0; j < K; ++j) {
            w[j] = ldexp(w[j], -dE);
            sw[j] = ldexp(sw[j], -dE);
          }
        S = ldexp(S, -dE);
        top = ldexp(top, -dE);
        E = EK;
      }
    }
    // Safety net (never reached for finite input: the tail bound holds from n ~ r + O(sqrt r)).
    if (!(to_d(S) > 0) || !std::isfinite(to_d(S)) || static_cast<double>(n) > 4.0 * r + 64.0 * std::sqrt(r) + 1000.0)
      return {S, E, n, false};
    const double q = r / static_cast<double>(n);  // r / (N+1), N = n-1 the last degree
    if (!(q < 0.9375)) continue;
    const double tail_factor = q / (1 - q);
    if (!(to_d(top) * tail_factor <= tol * to_d(S))) continue;
    if (!want_mu) break;
    // Each w_j series obeys the same ratio bound (it is the column of the K+1 nodes y u {y_j}).
    bool all_ok = true;
    for (std::size_t j = 0; j < K && all_ok; ++j) all_ok = to_d(w[j]) * tail_factor <= tol * to_d(sw[j]);
    if (all_ok) break;
  }
  return {S, E, n, true};
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
  // Small spreads (e^spread < 2^(R-24)) need no rescaling at all, and then the node order does
  // not matter beyond min first (y_1 = 0) and max last (y_K = r): skip the O(K log K) sort
  // (21 % of the time at K = 100). Wider rows are sorted, which the per-node scaling relies on.
  const double r0 = static_cast<double>(z[imax]) - static_cast<double>(z[imin]);
  ws.sorted = !(r0 * 1.4426950408889634 < rescale_exp<C>() - 24);
  if (ws.sorted) {
    std::sort(ws.perm.begin(), ws.perm.end(), [z](std::uint32_t a, std::uint32_t b) { return z[a] < z[b]; });
  } else if (K >= 2) {
    std::swap(ws.perm[0], ws.perm[imin]);
    const std::size_t pmax = (imax == 0) ? imin : imax;  // where imax sits now
    std::swap(ws.perm[K - 1], ws.perm[pmax]);
  }
  const T m = z[ws.perm[0]];
  m_out = m;
  ws.yh.resize(K);
  ws.yl.resize(K);
  for (std::size_t j = 0; j < K; ++j) {
    const T zj = z[ws.perm[j]];
    if constexpr (is_ieee<C>) {
      dd s;
      if constexpr (std::is_same_v<C, double>) {
        s = two_sum(static_cast<double>(zj), -static_cast<double>(m));
        ws.yh[j] = s.hi;
        ws.yl[j] = s.lo;
      } else {
        // float compute: two-sum in float.
        C a = C(zj), b = -C(m);
        C sh = a + b;
        C bb = sh - a;
        C sl = (a - (sh - bb)) + (b - bb);
        ws.yh[j] = sh;
        ws.yl[j] = sl;
      }
    } else if constexpr (std::is_same_v<C, long double> && std::is_same_v<T, double>) {
      // z_j - m exactly as the double two-sum pair (64-bit long double can still round it).
      dd s = two_sum(static_cast<double>(zj), -static_cast<double>(m));
      ws.yh[j] = s.hi;
      ws.yl[j] = s.lo;
    } else {
      ws.yh[j] = C(zj) - C(m);
      ws.yl[j] = C(0);
    }
  }
  return to_d(ws.yh[K - 1]);
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
  if (!(r <= kMaxSpread)) {
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
    const T denom = T(static_cast<double>(K)) * s.S;
    for (std::size_t j = 0; j < K; ++j) mu[ws.perm[j]] = ws.sw[j] / denom;
  }
  // log C = LSE(z) - A = LSE(y) - (A - m): no cancellation against m.
  std::vector<T> y(K);
  for (std::size_t j = 0; j < K; ++j) y[j] = ws.yh[j];
  const T lse_y = log_sum_exp(y.data(), K);
  return {m + Ared, lse_y - Ared};
}

}  // namespace ccnorm
