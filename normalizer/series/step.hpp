// ccnorm series core: the per-degree arithmetic of the all-positive Taylor series of the divided
// difference of exp, written once (CCNORM_HD) for the host drivers (taylor.hpp run_series: blocked
// over degrees) and the GPU drivers (normalizer/cuda/row_mappings.hpp: one thread or one group of
// threads per row). The drivers only order these operations; the arithmetic is here.
//
// Formula (docs/design.md §1). Sort the nodes ascending, m = min z, y = z - m >= 0 (y_0 = 0),
// r = max y. With the normalised column v_j(n) = j! h_n(y_0..y_j) / (n+j)! (0-based j; h_n =
// complete homogeneous symmetric polynomial):
//     v_j(0) = 1,  v_0(n >= 1) = 0 (y_0 = 0),
//     v_j(n) = (j v_{j-1}(n) + y_j v_j(n-1)) / (n+j),
//     exp[z] = e^m S 2^E / (K-1)!,  S = sum_{n>=0} v_{K-1}(n),
//     A = m + log S + E ln2 - log((K-1)!)                                        (assembly.hpp).
// Mean: w_j(n) = (K v_{K-1}(n) + y_j w_j(n-1)) / (n+K), w_j(0) = 1, mu_j = sum_n w_j(n) / (K S)
// (w_j is the same column for the K+1 nodes y u {y_j}: exp[z, z_j] / exp[z] = mu_j).
// Every term is positive: no cancellation anywhere, ties need no special case. Stable for every
// finite input; the spread decides the term count N ~ r + O(sqrt r) + 20 (16 at spread 0.05, ~35
// at 5, ~100 at 50, ~700 at 600, ~9000 at 10^4). Cost per degree: O(K) for the column, O(K) for
// the K mean series: O(K N) per row for value and mean, O(K) memory.
//
// Exact shift (exact_shift): y_j = z_j - m is carried as an unevaluated pair yh + yl (two-sum in the
// compute type), so offsets like 3e4 with tiny spreads lose nothing (a rounded y costs up to ~3000
// u of the mean at spreads of 5000).
//
// Forms of the column step. All three compute the recurrence above; they round differently, and
// each path keeps the form its outputs were frozen with (tests/test_frozen_outputs.cpp):
//   fused (float and double on host and GPU; double-double on the GPU, with DdDivisor):
//       v_j(n) = fma(g, v_j(n-1), c v_{j-1}(n)),  g = (yh_j + yl_j)/i,  c = (j/i) ms_j,  i = n + j
//     (column_gain, column_coupling, column_update). Only one fma sits on the dependency chain
//     through v; g and c are formed off the chain, and their roundings depend on (j, i), so they do
//     not bias all paths alike the way a rounded 1/i alone would.
//   affine (GPU group mapping: the column update at fixed n as a scan of positive affine maps):
//       v_j = a_j v_{j-1} + b_j,  a_j = c >= 0,  b_j = fl(g v_j(n-1)) >= 0,  applied as fma(a, v, b)
//     (column_map, combine). The composed map of columns i..j has a = prod(k/(n+k)) 2^(ex_i - ex_j)
//     <= 2^(2R + growth) (v nondecreasing in j), so no composed coefficient overflows; one that
//     underflows multiplies a contribution below 2^-600 of v_j's own scale. All products of
//     nonnegative numbers: the scan is as well conditioned as the sequential loop (Blelloch 1990).
//   numerator-first (host long double, double-double and multiprecision):
//       v_j(n) = (yh_j v_j(n-1) + (j ms_j) v_{j-1}(n) [+ yl_j v_j(n-1), long double only]) / i
//     (column_numerator; the caller divides with ExactDivisor or DdRecipDivisor).
// Mean step: fused w_j = fma((yh_j + yl_j)/(n+K), w_j, K v_{K-1}(n)/(n+K)) (mean_source,
// mean_update); numerator-first (K v_{K-1}(n) + yh_j w_j [+ yl_j w_j]) / (n+K) (mean_numerator).
//
// Scaling (per node: node_rescale, shift_factor, rescale_column, follow_exponent). Node j keeps its
// own power-of-two exponent ex_j (the true v_j is v[j] 2^ex_j); v_j is rescaled by 2^-+R when it
// leaves [2^-R, 2^R] (R = 40 for float, 400 for wider types; limits.hpp), except that v_{K-1} is
// never scaled UP: S, the mean series and v_{K-1} share one exponent E = ex_{K-1}, and S stays near
// the peak while v_{K-1} decays in the tail. The coupling from node j-1 carries the exact factor
// ms_j = 2^(ex_{j-1} - ex_j). One scale per column is not enough: entries far below v_{K-1} still
// feed later degrees with large gains (a node prefix absorbs a share of the degrees; K = 1e4,
// spread 1e4 came out 3.2 off in A). Sorted ascending y makes v_j(n) nondecreasing in j (Dirichlet
// coupling: adding a node >= all others moves y.x up pointwise), which bounds the exponent shift
// between neighbours by ~2R + growth. Needed beyond spreads of ~280 (double) / ~80 (float).
//
// Stopping rule (rigorous: series_tol, tail_factor, tail_negligible, mean_tails_negligible):
// v_j(n+1) <= v_j(n) r/(n+1) for every j, so once q = r/(N+1) < 15/16 the tail beyond degree N is
// at most v_{K-1}(N) q/(1-q); stop when that is below S u/16 (u/512 when the mean is requested, and
// each w_j series, the column of y u {y_j}, is checked the same way against its own sum). Safety
// net (series_failed): a non-finite or non-positive S, or more than 4r + 64 sqrt(r) + 1000 degrees
// (never reached for finite input).
//
// Error (observed, docs/design.md §2, tests/test_accuracy.cpp): relative error of S a few u,
// growing like sqrt(K + N); the mean's componentwise error like sqrt(N) u along the degree chain.
//
// References: McCurdy, Ng & Parlett, Math. Comp. 43 (1984); Caliari, Computing 80 (2007);
// Zivcovich, Dolomites Res. Notes Approx. 12 (2019); Gordon-Rodriguez et al., ICML 2020;
// Blelloch 1990 (prefix sums of associative operators).
#pragma once
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "normalizer/config.hpp"
#include "normalizer/dd.hpp"
#include "normalizer/series/arithmetic.hpp"
#include "normalizer/series/limits.hpp"

namespace ccnorm {
namespace series {

// ---- exact shift ----
// y = zj - m as the pair (yh, yl): float / double: two-sum in C; double-double: the double two-sum
// (exact; yl = 0); long double from double input: the double two-sum (a 64-bit long double can
// still round z - m); other types: C(zj) - C(m) in C, yl = 0.
template <class C, class T>
struct ShiftAsDoublePair : std::false_type {};  // (a trait: device code never names long double)
template <>
struct ShiftAsDoublePair<long double, double> : std::true_type {};

template <class C, class T>
CCNORM_HD CCNORM_INLINE void exact_shift(T zj, T m, C& yh, C& yl) {
  if constexpr (std::is_same<C, dd>::value) {
    yh = two_sum(static_cast<double>(zj), -static_cast<double>(m));
    yl = dd(0.0);
  } else if constexpr (is_ieee<C>) {
    const C a = C(zj), b = -C(m);
    const C s = a + b;
    const C bb = s - a;
    yh = s;
    yl = (a - (s - bb)) + (b - bb);
  } else if constexpr (ShiftAsDoublePair<C, T>::value) {
    const dd s = two_sum(static_cast<double>(zj), -static_cast<double>(m));
    yh = s.hi;
    yl = s.lo;
  } else {
    yh = C(zj) - C(m);
    yl = C(0);
  }
}

// ---- the column step ----
// Fused form. di divides by i = n + j (RecipDivisor, DdDivisor).
template <class C, class D>
CCNORM_HD CCNORM_INLINE C column_gain(C yh, C yl, const D& di) {  // y_j / i
  return di.div2(yh, yl);
}
template <class C, class D>
CCNORM_HD CCNORM_INLINE C column_coupling(C jc, C msj, const D& di) {  // (j / i) 2^(ex_{j-1} - ex_j)
  return di.div(jc) * msj;
}
// v_j(n) from x = v_j(n-1) and prev = v_{j-1}(n).
template <class C>
CCNORM_HD CCNORM_INLINE C column_update(C gain, C x, C coupling, C prev) {
  return fmac(gain, x, coupling * prev);
}

// Numerator-first form (host generic types): y_j x + (j ms_j) prev, divided by i by the caller.
template <class C>
CCNORM_INLINE C column_numerator(const C& yh, const C& yl, const C& x, const C& jc, const C& msj, const C& prev) {
  C t = yh * x + jc * msj * prev;
  if constexpr (std::is_same<C, long double>::value) t += yl * x;  // exact shift, low part
  return t;
}

// ---- the mean step ----
// Fused form: src = K v_{K-1}(n) / (n+K) once per degree, then w_j <- fma(y_j/(n+K), w_j, src).
template <class C, class D>
CCNORM_HD CCNORM_INLINE C mean_source(C K_vK, const D& dK) {
  return dK.div(K_vK);
}
template <class C, class D>
CCNORM_HD CCNORM_INLINE C mean_update(C yh, C yl, C w, C src, const D& dK) {
  return fmac(dK.div2(yh, yl), w, src);
}
// Numerator-first form: K v_{K-1}(n) + y_j w_j, divided by n+K by the caller.
template <class C>
CCNORM_INLINE C mean_numerator(const C& K_vK, const C& yh, const C& yl, const C& w) {
  if constexpr (std::is_same<C, long double>::value) return C(K_vK + yh * w + yl * w);
  else return C(K_vK + yh * w);
}

// ---- the column step as a positive affine map (GPU group mapping) ----
template <class C>
struct Affine {
  C a, b;  // v -> a v + b
};
// first, then second: v -> a2 (a1 v + b1) + b2.
template <class C>
CCNORM_HD CCNORM_INLINE Affine<C> combine(const Affine<C>& first, const Affine<C>& second) {
  return {second.a * first.a, fmac(second.a, first.b, second.b)};
}
// The map of column j at degree n (x = v_j(n-1), msj = 2^(ex_{j-1} - ex_j)); column 0 gives
// (0, 0) since y_0 = 0. a is the fused form's coupling (the same value as in the sequential step).
template <class C, class D>
CCNORM_HD CCNORM_INLINE Affine<C> column_map(C yh, C yl, C x, C msj, int j, const D& di) {
  return {column_coupling(C(static_cast<double>(j)), msj, di), column_gain(yh, yl, di) * x};
}

// ---- per-node exponents ----
// Rescale decision for node j of K: +R (scale down), -R (scale up, avoiding subnormal arithmetic;
// never v_{K-1}, see the header), 0.
template <class C>
CCNORM_HD CCNORM_INLINE int node_rescale(const C& v, int j, int K) {
  constexpr int R = Precision<C>::rescale_exp;
  if (v > ldexpc(C(1.0), R)) return R;
  if (j + 1 < K && v < ldexpc(C(1.0), -R) && v > C(0.0)) return -R;
  return 0;
}
// ms_j = 2^(ex_{j-1} - ex_j), exact. v_{j-1} <= v_j (true values) bounds the shift by ~2R + growth
// < 1000; it is larger only next to an exactly-zero v_{j-1} (nodes tied at the minimum, exponent
// never updated), where the factor multiplies 0: clamped to stay finite; 0 far below.
template <class C>
CCNORM_HD CCNORM_INLINE C shift_factor(int ex_prev, int ex_j) {
  int sh = ex_prev - ex_j;
  if (sh > Precision<C>::max_shift) sh = Precision<C>::max_shift;
  return sh < kMinShift ? C(0.0) : ldexpc(C(1.0), sh);
}
// One rescale pass over nodes 1..K-1 (node 0 is 0 after degree 0): v and ex of the nodes that left
// the range, ms of those and of their right neighbours. Returns ex_{K-1}. KM as CCNORM_FOR_NODES.
template <class C, int KM = 0>
CCNORM_HD CCNORM_INLINE int rescale_column(C* v, int* ex, C* ms, int K) {
  bool prev_changed = false;
  int EK = 0;  // ex[K-1] (the loop's last node)
  CCNORM_FOR_NODES(j, 1, K, KM) {
    const int dj = node_rescale(v[j], j, K);
    if (dj != 0) {
      v[j] = ldexpc(v[j], -dj);
      ex[j] += dj;
    }
    if (dj != 0 || prev_changed) ms[j] = shift_factor<C>(ex[j - 1], ex[j]);  // depends on ex_{j-1}, ex_j
    prev_changed = dj != 0;
    EK = ex[j];
  }
  return EK;
}
// S and the last column entry follow v_{K-1}'s new exponent EK; returns dE = EK - E (the mean
// series, at S's scale, must be moved by 2^-dE too: follow_exponent).
template <class C>
CCNORM_HD CCNORM_INLINE int follow_exponent_scalars(int EK, int& E, C& S, C& top) {
  const int dE = EK - E;
  if (dE != 0) {
    S = ldexpc(S, -dE);
    top = ldexpc(top, -dE);
    E = EK;
  }
  return dE;
}
template <class C, int KM = 0>
CCNORM_HD CCNORM_INLINE void follow_exponent(int EK, int& E, C& S, C& top, C* w, C* sw, int K, bool want_mu) {
  if (EK == E) return;
  const int dE = EK - E;
  // The arrays first, then the scalars: in this order ptxas (sm_90) spills 12 bytes in the f32
  // one-thread kernel with 16 register nodes, in the other 124.
  if (want_mu) {
    CCNORM_FOR_NODES(j, 0, K, KM) {
      w[j] = ldexpc(w[j], -dE);
      sw[j] = ldexpc(sw[j], -dE);
    }
  }
  S = ldexpc(S, -dE);
  top = ldexpc(top, -dE);
  E = EK;
}

// ---- stopping rule ----
CCNORM_HD CCNORM_INLINE double series_tol(double u, bool want_mu) {
  return want_mu ? u / kMeanTolDivisor : u / kValueTolDivisor;
}
// The tolerance of auto's double series for outputs of type T (host: scalar and lane drivers
// alike, so batch and row agree bitwise): double's own for double outputs, kFloatOutputSeriesU
// in place of u for float outputs.
template <class T>
CCNORM_HD CCNORM_INLINE double output_series_tol(bool want_mu) {
  return series_tol(std::is_same<T, float>::value ? kFloatOutputSeriesU : Precision<double>::u(), want_mu);
}
// After degree N (next = N + 1): false while q = r/(N+1) >= 15/16; else tf = q/(1-q).
CCNORM_HD CCNORM_INLINE bool tail_factor(double r, double next, double& tf) {
  const double q = r / next;
  if (!(q < kTailRatioMax)) return false;
  tf = q / (1 - q);
  return true;
}
// The tail bound last q/(1-q) of a series with sum `sum` is below tol sum.
template <class C>
CCNORM_HD CCNORM_INLINE bool tail_negligible(C last, double tf, double tol, C sum) {
  return to_double(last) * tf <= tol * to_double(sum);
}
template <class C, int KM = 0>
CCNORM_HD CCNORM_INLINE bool mean_tails_negligible(const C* w, const C* sw, int K, double tf, double tol) {
  if constexpr (KM == 0) {
    for (int j = 0; j < K; ++j)
      if (!tail_negligible(w[j], tf, tol, sw[j])) return false;
    return true;
  } else {
    bool ok = true;
    CCNORM_FOR_NODES(j, 0, K, KM) ok = ok && tail_negligible(w[j], tf, tol, sw[j]);
    return ok;
  }
}
// The most degrees the series of spread r may take (the safety net's degree limit).
CCNORM_HD CCNORM_INLINE double net_degrees(double r) {
  return kNetDegreesPerSpread * r + kNetDegreesPerSqrtSpread * ::sqrt(r) + kNetDegreesExtra;
}
// Safety net after degree N (next = N + 1).
template <class C>
CCNORM_HD CCNORM_INLINE bool series_failed(C S, double next, double r) {
  const double s = to_double(S);
  return !(s > 0) || !(s - s == 0.0) || next > net_degrees(r);
}

}  // namespace series
}  // namespace ccnorm
