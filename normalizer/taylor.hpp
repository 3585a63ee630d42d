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
// Scaling: sorted ascending y makes v_j(n) nondecreasing in j (a Dirichlet-coupling argument:
// adding a node >= all others moves the mean of y.x up pointwise), so v_K(n) is the column max;
// the column is rescaled by an exact power of two when v_K exceeds 2^400 (f64/dd) or 2^60 (f32).
// Exponents are tracked exactly, so spreads up to ~2^40 are representable (cost grows ~ spread).
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
  return std::is_same_v<C, float> ? 60 : 400;
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
  std::vector<C> yh, yl, v, vK, w, sw;
  std::vector<C> ihi, ilo;  // 1/i = ihi[i] + ilo[i] (IEEE types only)
  std::vector<std::uint32_t> perm;
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

template <class C>
CCNORM_INLINE C div_int(const Work<C>& ws, C t, std::size_t i) {
  if constexpr (is_ieee<C>) return std::fma(t, ws.ilo[i], t * ws.ihi[i]);
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
  for (std::size_t j = 1; j < K; ++j) {
    const C a = C(static_cast<double>(j));
    const C h = yh[j];
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
        hp[b] = std::fma(l, ih[b], std::fma(h, il[b], h * ih[b]));  // (yh + yl) / i
        ap[b] = std::fma(a, il[b], a * ih[b]);                        // j / i
      }
#pragma GCC unroll 8
      for (int b = 0; b < B; ++b) {
        x = std::fma(hp[b], x, ap[b] * prev[b]);
        prev[b] = x;
      }
    } else {
      for (int b = 0; b < B; ++b) {
        C t = h * x + a * prev[b];
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
  C S;       // scaled sum
  int E;     // binary exponent of the scaling
  double r;  // spread max(z) - min(z) (rounded)
  bool ok;   // false: non-finite input or spread beyond kMaxSpread
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
  constexpr int maxexp = std::numeric_limits<double>::max_exponent;  // 1024
  constexpr int cmaxexp = std::is_same_v<C, float> ? 128 : maxexp;
  // Degrees per block: growth over a block is <= r^B; keep 2^R * r^B well inside the range.
  const double lr = std::log2(std::max(r, 1.0));
  const int B = (is_ieee<C> && 8 * lr < cmaxexp - R - 16) ? 8 : 1;

  ws.v.assign(K, C(1));
  ws.vK.assign(1, C(1));
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
    for (int b = 0; b < B; ++b) {
      S += out[b];
      ws.vK.push_back(out[b]);
    }
    if (want_mu) {
      // Fold the block's degrees into the mean series at the current scale (before any
      // rescale): w_j(d) = (K v_K(d) + y_j w_j(d-1)) / (d+K). The early v_K must enter w at
      // their own scale: w_j grows like e^{y_j} and carries them forward.
      C c[8];
      for (int b = 0; b < B; ++b) c[b] = Kc * out[b];
      if constexpr (is_ieee<C>) {
        const C* ih = ws.ihi.data() + n + K;
        const C* il = ws.ilo.data() + n + K;
        for (std::size_t j = 0; j < K; ++j) {
          C x = w[j], acc = sw[j];
          const C h = yh[j], l = yl[j];
          for (int b = 0; b < B; ++b) {
            C t = std::fma(h, x, std::fma(l, x, c[b]));
            x = std::fma(t, il[b], t * ih[b]);
            acc += x;
          }
          w[j] = x;
          sw[j] = acc;
        }
      } else {
        for (std::size_t j = 0; j < K; ++j) {
          C x = w[j], acc = sw[j];
          for (int b = 0; b < B; ++b) {
            x = div_int(ws, C(c[b] + yh[j] * x), n + b + K);
            acc += x;
          }
          w[j] = x;
          sw[j] = acc;
        }
      }
    }
    n += B;
    C top = out[B - 1];
    if (top > big) {
      for (std::size_t j = 0; j < K; ++j) ws.v[j] = ldexp(ws.v[j], -R);
      if (want_mu)
        for (std::size_t j = 0; j < K; ++j) {
          w[j] = ldexp(w[j], -R);
          sw[j] = ldexp(sw[j], -R);
        }
      S = ldexp(S, -R);
      top = ldexp(top, -R);
      E += R;
    }
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
  (void)maxexp;
  return {S, E, r, true};
}

}  // namespace taylor_detail

// Prepare sorted shifted nodes in ws (returns the spread, or NaN for non-finite input).
// m_out receives min z in T.
template <class C, class T>
double taylor_prepare(const T* z, std::size_t K, taylor_detail::Work<C>& ws, T& m_out) {
  using namespace taylor_detail;
  ws.perm.resize(K);
  std::iota(ws.perm.begin(), ws.perm.end(), 0u);
  for (std::size_t i = 0; i < K; ++i) {
    using std::isfinite;
    if (!isfinite(z[i])) return std::numeric_limits<double>::quiet_NaN();
  }
  std::sort(ws.perm.begin(), ws.perm.end(), [z](std::uint32_t a, std::uint32_t b) { return z[a] < z[b]; });
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
