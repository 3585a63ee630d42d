// ccnorm: the per-row scalar pieces of the all-positive Taylor series, written once for host and
// CUDA device (CCNORM_HD). Used by normalizer/cuda/ (kernels) and by the host tests, which run the
// very same functions on the CPU (tests/test_gpu_launch.cpp), so the GPU's numerics are checked on
// machines without a GPU. taylor.hpp / auto.hpp are NOT changed by this header; it re-expresses
// their algorithm in a form a GPU thread (or a group of threads) can run.
//
// Formula (DESIGN.md section 1, taylor.hpp): sort z ascending, m = min z, y = z - m carried exactly
// as yh + yl (two-sum in the compute type C), r = max y. Column v_j(n) (0-based j):
//     v_j(0) = 1,  v_0(n >= 1) = 0,
//     v_j(n) = (j v_{j-1}(n) + y_j v_j(n-1)) / (n + j),
//     S = sum_n v_{K-1}(n),   A = m + log S + E ln 2 - log((K-1)!)
// Mean: w_j(n) = (K v_{K-1}(n) + y_j w_j(n-1)) / (n + K), w_j(0) = 1, mu_j = sum_n w_j(n) / (K S).
// All terms positive (no cancellation). Division by the integer n+j uses the double-length
// reciprocal hi + lo and recovers the product's own rounding with an fma (div_acc / div_acc2,
// same arithmetic as taylor.hpp): unbiased, whereas fma(t, lo, t*hi) kept the rounding of the
// rounded 1/i, biased for whole families of i (-0.25 u per term). The column step is
//     v_j = fma(hp, v_j(n-1), ap v_{j-1}(n)),  hp = (yh_j + yl_j)/(n+j),  ap = (j/(n+j)) ms_j,
// and the mean step w_j = fma((yh_j + yl_j)/(n+K), w_j, K v_{K-1}(n)/(n+K)).
// Stopping rule (rigorous, taylor.hpp): once q = r/(n+1) < 15/16 the tail after degree n is at
// most v_{K-1}(n) q/(1-q); stop when that is <= tol S (tol = u/16, u/512 with the mean, and each
// w_j series checked the same way).
// Scaling (per node, as taylor.hpp): node j keeps its own power-of-two exponent ex_j (the true
// v_j is v[j] 2^ex_j); v_j is rescaled by 2^-+R when it leaves [2^-R, 2^R] (R = 40 for float, 400
// for double and double-double), except that v_{K-1} is never scaled UP (S, the mean series and
// v_{K-1} share one exponent E = ex_{K-1}). The coupling from node j-1 carries the exact factor
// ms_j = 2^(ex_{j-1} - ex_j) (clamped at 2^1000, 2^120 for float, which only ever multiplies an
// exactly-zero v_{j-1}; 0 below 2^-1100). One scale per column lost entries tiny next to v_{K-1}
// that feed later degrees with large gains (K = 1e4, spread 1e4: A off by 3.2 in taylor.hpp).
// Spreads up to kMaxSpread are run (N ~ spread terms). Safety net: a non-finite or non-positive
// S, or n > 4r + 64 sqrt(r) + 1000 degrees, sends the row to the host (kHost: auto's fallback).
//
// Two mappings share these pieces:
//  * one thread per row (series_seq): degree by degree, j sequential; for K <= KM the node loops
//    are unrolled over a compile-time KM so a GPU keeps the work arrays in registers
//    (CCNORM_FOR_NODES; same operations in the same order as the run-time-K form);
//  * a group of G threads per row (a warp or a block): the column update at fixed n,
//        v_j = a_j v_{j-1} + b_j,   a_j = (j/(n+j)) ms_j >= 0,   b_j = y_j v_j(n-1)/(n+j) >= 0,
//    is a scan of positive affine maps (combine below; all products of nonnegative numbers, so
//    the scan is as well conditioned as the sequential loop). The per-node factors telescope:
//    the composed map of columns i..j has a = prod(k/(n+k)) 2^(ex_i - ex_j) <= 2^(2R + growth)
//    (v nondecreasing in j), so no composed coefficient overflows; one that underflows
//    multiplies a contribution below 2^-600 of v_j's own scale. Rescaling is a group phase
//    (vote, own columns, barrier, then ms from the neighbour's exponent).
//    scan_kogge_stone_emulate replays the device's exact combination order on the host.
// log C = LSE(y) - (A - m) is taken in double-double when the two cancel (auto_detail::log_c:
// 482 u at z = (1e4, 0) otherwise).
// Precision escalation (same policy as auto.hpp, calibrated on the hard corpus with the host
// replay): a row whose estimated error could exceed the goal (err_A <= 16, err_mu <= 64 in the
// output type) is recomputed in the next compute type (float -> double for f32 outputs, double ->
// double-double for f64 outputs): r > value_spread_limit<C> (mean_spread_limit<C> with the mean), or
// sqrt(K + N) > 4 max(1, |A|) (relative error of S observed ~ sqrt(K + N) u_C).
// Cost: O(K N) per row for value and mean, N ~ r + O(sqrt r) + 20.
// References: as taylor.hpp (McCurdy, Ng & Parlett 1984; Caliari 2007; Gordon-Rodriguez et al. 2020);
// Blelloch 1990 (prefix sums of associative operators), Kogge & Stone 1973.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "normalizer/config.hpp"
#include "normalizer/dd.hpp"

namespace ccnorm {
namespace series_row {

// Rows with a larger spread are not run by the series (auto.hpp's kAutoMaxSpread): the GPU hands
// them back to the host's `auto` (its out-of-domain fallback).
constexpr double kMaxSpread = 0x1p22;

template <class C>
struct Num;
template <>
struct Num<float> {
  static constexpr int R = 40;          // neighbour shifts (<= ~2R + growth) fit a float
  static constexpr int max_shift = 120;
  static constexpr double u = 0x1p-24;
  // Measured with the host replay (before per-node scaling): up to a spread of 256 the float
  // series meets the goal (max err_mu 20 u32 on gaussian and progression rows, K = 10..10^4);
  // beyond ~10^3 rounding (sqrt(K + N) u32) dominates. Beyond 128 the row goes to double.
  static constexpr double value_spread_limit = 128.0;
  static constexpr double mean_spread_limit = 128.0;
};
template <>
struct Num<double> {
  static constexpr int R = 400;
  static constexpr int max_shift = 1000;
  static constexpr double u = 0x1p-53;
  static constexpr double value_spread_limit = 1e300;  // as auto.hpp: double at every spread
  static constexpr double mean_spread_limit = 128.0;   // auto.hpp kMeanDDSpread
};
template <>
struct Num<dd> {
  static constexpr int R = 400;
  static constexpr int max_shift = 1000;
  static constexpr double u = 0x1p-106;
  static constexpr double value_spread_limit = 1e300;  // top of the chain
  static constexpr double mean_spread_limit = 1e300;
};

// The last compute type of an output type's chain (float -> double, double -> double-double):
// a compute type wider than the output type never escalates.
template <class T, class C>
struct IsTop {
  static constexpr bool value = sizeof(C) > sizeof(T);
};

CCNORM_HD CCNORM_INLINE float fmac(float a, float b, float c) { return ::fmaf(a, b, c); }
CCNORM_HD CCNORM_INLINE double fmac(double a, double b, double c) { return ::fma(a, b, c); }
CCNORM_HD CCNORM_INLINE dd fmac(dd a, dd b, dd c) { return a * b + c; }
CCNORM_HD CCNORM_INLINE float ldexpc(float a, int e) { return ::ldexpf(a, e); }
CCNORM_HD CCNORM_INLINE double ldexpc(double a, int e) { return ::ldexp(a, e); }
CCNORM_HD CCNORM_INLINE dd ldexpc(dd a, int e) { return ldexp(a, e); }
CCNORM_HD CCNORM_INLINE double tod(float x) { return x; }
CCNORM_HD CCNORM_INLINE double tod(double x) { return x; }
CCNORM_HD CCNORM_INLINE double tod(dd x) { return x.hi; }
CCNORM_HD CCNORM_INLINE double tod_full(float x) { return x; }
CCNORM_HD CCNORM_INLINE double tod_full(double x) { return x; }
CCNORM_HD CCNORM_INLINE double tod_full(dd x) { return x.hi + x.lo; }

// 1/i = hi + lo (IEEE types): the same two operations as taylor.hpp's ensure_inv.
template <class C>
CCNORM_HD CCNORM_INLINE void recip_entry(std::uint32_t i, C& hi, C& lo) {
  const C d = C(static_cast<double>(i));
  hi = C(1) / d;
  lo = fmac(-hi, d, C(1)) / d;
}

// t / i from 1/i = ih + il: the product's rounding error is recovered with an fma, so the
// quotient is within ~0.5 ulp and unbiased (taylor.hpp div_acc).
template <class C>
CCNORM_HD CCNORM_INLINE C div_acc(C t, C ih, C il) {
  const C p = t * ih;
  return p + fmac(t, il, fmac(t, ih, -p));
}
// (h + l) / i for the two-sum pair h + l (taylor.hpp div_acc2).
template <class C>
CCNORM_HD CCNORM_INLINE C div_acc2(C h, C l, C ih, C il) {
  const C p = h * ih;
  return p + fmac(l, ih, fmac(h, il, fmac(h, ih, -p)));
}

// t / i via an optional table of reciprocals (entries < n); identical values without the table.
template <class C>
struct Recip {
  const C* hi = nullptr;
  const C* lo = nullptr;
  std::uint32_t n = 0;
  CCNORM_HD CCNORM_INLINE void pair(std::uint32_t i, C& h, C& l) const {
    if (i < n) {
      h = hi[i];
      l = lo[i];
    } else {
      recip_entry<C>(i, h, l);
    }
  }
  CCNORM_HD CCNORM_INLINE C div(C t, std::uint32_t i) const {
    C h, l;
    pair(i, h, l);
    return div_acc(t, h, l);
  }
  CCNORM_HD CCNORM_INLINE C div2(C th, C tl, std::uint32_t i) const {
    C h, l;
    pair(i, h, l);
    return div_acc2(th, tl, h, l);
  }
};
template <>
struct Recip<dd> {
  const dd* hi = nullptr;
  const dd* lo = nullptr;
  std::uint32_t n = 0;
  CCNORM_HD CCNORM_INLINE dd div(dd t, std::uint32_t i) const { return t / dd(static_cast<double>(i)); }
  CCNORM_HD CCNORM_INLINE dd div2(dd th, dd tl, std::uint32_t i) const { return (th + tl) / dd(static_cast<double>(i)); }
};

// ms_j = 2^(ex_{j-1} - ex_j), exact; clamped above (only next to an exactly-zero v_{j-1}: nodes
// tied at the minimum, whose exponent is never updated) and 0 far below.
template <class C>
CCNORM_HD CCNORM_INLINE C shift_factor(int ex_prev, int ex_j) {
  int sh = ex_prev - ex_j;
  if (sh > Num<C>::max_shift) sh = Num<C>::max_shift;
  return sh < -1100 ? C(0.0) : ldexpc(C(1.0), sh);
}
// Per-node rescale decision for column j of K: +R (scale down), -R (scale up; never v_{K-1}), 0.
template <class C>
CCNORM_HD CCNORM_INLINE int node_rescale(C v, int j, int K) {
  constexpr int R = Num<C>::R;
  if (v > ldexpc(C(1.0), R)) return R;
  if (j + 1 < K && v < ldexpc(C(1.0), -R) && v > C(0.0)) return -R;
  return 0;
}
// Safety net (taylor.hpp): never reached for finite input, the tail bound holds from n ~ r + O(sqrt r).
template <class C>
CCNORM_HD CCNORM_INLINE bool series_failed(C S, std::uint32_t n, double r) {
  const double s = tod(S);
  return !(s > 0) || !(s - s == 0.0) || static_cast<double>(n) + 1.0 > 4.0 * r + 64.0 * ::sqrt(r) + 1000.0;
}

// Exact shift y = zj - m as an unevaluated pair (yh, yl) in C.
template <class C, class T>
CCNORM_HD CCNORM_INLINE void exact_shift(T zj, T m, C& yh, C& yl) {
  if constexpr (std::is_same<C, dd>::value) {
    yh = two_sum(static_cast<double>(zj), -static_cast<double>(m));
    yl = dd(0.0);
  } else {
    const C a = C(zj), b = -C(m);
    const C s = a + b;
    const C bb = s - a;
    yh = s;
    yl = (a - (s - bb)) + (b - bb);
  }
}

// Insertion sort of keys (ascending) carrying an index permutation; K small (<= ~32).
template <class T, class I>
CCNORM_HD CCNORM_INLINE void insertion_sort(T* key, I* perm, int K) {
  for (int i = 1; i < K; ++i) {
    const T k = key[i];
    const I p = perm[i];
    int j = i - 1;
    while (j >= 0 && key[j] > k) {
      key[j + 1] = key[j];
      perm[j + 1] = perm[j];
      --j;
    }
    key[j + 1] = k;
    perm[j + 1] = p;
  }
}

// Per-row constants: log((K-1)!) as lgamma(K) (plain path, as auto.hpp) and as double-double.
struct RowConsts {
  double lg = 0.0;     // std::lgamma(K)
  double lg_hi = 0.0;  // log_factorial_dd(K-1)
  double lg_lo = 0.0;
};
// Host side (the kernels receive it as an argument; the host replay calls it too).
inline RowConsts row_consts(std::size_t K) {
  RowConsts k;
  k.lg = std::lgamma(static_cast<double>(K));
  const dd l = log_factorial_dd(static_cast<std::int64_t>(K) - 1);
  k.lg_hi = l.hi;
  k.lg_lo = l.lo;
  return k;
}

// The compute types for output type T: `first` for every row, `second` for the rows escalated
// from it (IsTop: nothing escalates from the second).
template <class T>
struct Chain;
template <>
struct Chain<float> {
  using first = float;
  using second = double;
};
template <>
struct Chain<double> {
  using first = double;
  using second = dd;
};

template <class C>
struct SeriesOut {
  C S;
  int E;
  std::uint32_t N;  // last degree used
  bool ok;          // false: the safety net fired (the row goes to the host)
};

// Loops over the K nodes of a row, written for both forms of the one-thread path:
//  KM = 0: K-entry work arrays indexed at run time (local memory on a GPU);
//  KM > 0: K <= KM, arrays of KM entries that the device compiler keeps in registers: the bound
//          KM is a compile-time constant, CCNORM_UNROLL unrolls the loop completely and the
//          'j >= K' exit is a predicate, so every array index is a constant. Nothing is ever
//          indexed by a run-time value (the last node's entries are carried in scalars).
// Both forms perform the same operations in the same order: their results are bitwise equal
// (tests/test_gpu_launch.cpp RegisterPathIsBitwiseTheLocalPath).
#define CCNORM_FOR_NODES(j, first, K, KM) \
  CCNORM_UNROLL                           \
  for (int j = (first); j < ((KM) > 0 ? (KM) : (K)); ++j) if ((KM) > 0 && j >= (K)) break; else

// One thread per row: run the series on sorted shifted nodes yh/yl (K >= 2, yh[0] = 0).
// v, ex (exponents), ms (neighbour shifts) and, with the mean, w and sw are K-entry work arrays
// (KM entries when KM > 0, see CCNORM_FOR_NODES); on exit sw[j] = sum_n w_j(n) at the scale of S.
template <class C, int KM = 0>
CCNORM_HD CCNORM_INLINE SeriesOut<C> series_seq(const C* yh, const C* yl, int K, double r, C* v, int* ex, C* ms, C* w,
                                                C* sw, bool want_mu, const Recip<C>& rc) {
  const double tol = want_mu ? Num<C>::u / 512 : Num<C>::u / 16;
  const C Kc = C(static_cast<double>(K));
  CCNORM_FOR_NODES(j, 0, K, KM) {
    v[j] = C(1.0);
    ex[j] = 0;
    ms[j] = C(1.0);
  }
  if (want_mu) {
    CCNORM_FOR_NODES(j, 0, K, KM) {
      w[j] = C(1.0);
      sw[j] = C(1.0);
    }
  }
  C S = C(1.0);
  int E = 0;
  std::uint32_t n = 1;
  for (;; ++n) {
    C prev = C(0.0);  // v_0(n) = 0 for n >= 1
    CCNORM_FOR_NODES(j, 1, K, KM) {
      const std::uint32_t i = n + static_cast<std::uint32_t>(j);
      const C hp = rc.div2(yh[j], yl[j], i);                          // (yh + yl) / i
      const C ap = rc.div(C(static_cast<double>(j)), i) * ms[j];    // j / i, times the shift (exact)
      prev = fmac(hp, v[j], ap * prev);
      v[j] = prev;
    }
    C top = prev;
    S = S + top;
    if (want_mu) {
      // At the current scale (before any rescale), as taylor.hpp.
      const std::uint32_t d = n + static_cast<std::uint32_t>(K);
      const C ci = rc.div(Kc * top, d);
      CCNORM_FOR_NODES(j, 0, K, KM) {
        const C y = fmac(rc.div2(yh[j], yl[j], d), w[j], ci);
        w[j] = y;
        sw[j] = sw[j] + y;
      }
    }
    // Per-node scaling (taylor.hpp): ms_j depends on ex_{j-1} and ex_j.
    bool prev_changed = false;
    int EK = 0;  // ex[K-1] (the loop's last node)
    CCNORM_FOR_NODES(j, 1, K, KM) {
      const int dj = node_rescale(v[j], j, K);
      if (dj != 0) {
        v[j] = ldexpc(v[j], -dj);
        ex[j] += dj;
      }
      if (dj != 0 || prev_changed) ms[j] = shift_factor<C>(ex[j - 1], ex[j]);
      prev_changed = dj != 0;
      EK = ex[j];
    }
    if (EK != E) {
      const int dE = EK - E;
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
    if (series_failed(S, n, r)) return {S, E, n, false};
    const double q = r / static_cast<double>(n + 1);
    if (!(q < 0.9375)) continue;
    const double tf = q / (1 - q);
    if (!(tod(top) * tf <= tol * tod(S))) continue;
    if (!want_mu) break;
    bool ok = true;
    CCNORM_FOR_NODES(j, 0, K, KM) ok = ok && tod(w[j]) * tf <= tol * tod(sw[j]);
    if (ok) break;
  }
  return {S, E, n, true};
}

// ---- group mapping: the column update at fixed degree as a scan of positive affine maps ----
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
// (0, 0) since y_0 = 0. a is formed exactly as in pass2 (same value).
template <class C>
CCNORM_HD CCNORM_INLINE C column_a(int j, std::uint32_t n, C msj, const Recip<C>& rc) {
  return rc.div(C(static_cast<double>(j)), n + static_cast<std::uint32_t>(j)) * msj;
}
template <class C>
CCNORM_HD CCNORM_INLINE Affine<C> column_map(C yh, C yl, C x, C msj, int j, std::uint32_t n, const Recip<C>& rc) {
  const std::uint32_t d = n + static_cast<std::uint32_t>(j);
  return {column_a(j, n, msj, rc), rc.div2(yh, yl, d) * x};
}
// One mean step for column j: w <- fma((yh + yl)/(n+K), w, ci), ci = K v_{K-1}(n)/(n+K).
template <class C>
CCNORM_HD CCNORM_INLINE C mean_step(C yh, C yl, C w, C ci, std::uint32_t nK, const Recip<C>& rc) {
  return fmac(rc.div2(yh, yl, nK), w, ci);
}

// Chunk of columns owned by thread t of a group of G threads: [t*ch, min(K, (t+1)*ch)), stored
// interleaved (element i of thread t at i*G + t) so that a group's accesses coalesce.
CCNORM_HD CCNORM_INLINE int chunk_len(int K, int G) { return (K + G - 1) / G; }

// The per-degree phases of the group mapping, shared by the CUDA kernel (one call per thread,
// barriers between phases) and the host replay (a loop over t between phases). Arrays are the
// row's scratch in the interleaved layout; each has G*ch entries.
template <class C>
struct GroupRow {
  C* yh;
  C* yl;
  C* v;
  C* w;
  C* sw;
  C* ms;    // 2^(ex_{j-1} - ex_j)
  int* ex;  // per-node exponents
  int K, G, ch;
  CCNORM_HD CCNORM_INLINE int at(int t, int i) const { return i * G + t; }
  CCNORM_HD CCNORM_INLINE int col(int t, int i) const { return t * ch + i; }
  CCNORM_HD CCNORM_INLINE int slot_of(int j) const { return at(j / ch, j % ch); }
  CCNORM_HD CCNORM_INLINE int len(int t) const {
    const int lo = t * ch;
    const int hi = lo + ch < K ? lo + ch : K;
    return hi > lo ? hi - lo : 0;
  }
  // Degree 0.
  CCNORM_HD CCNORM_INLINE void init(int t, bool want_mu) const {
    for (int i = 0; i < len(t); ++i) {
      v[at(t, i)] = C(1.0);
      ms[at(t, i)] = C(1.0);
      ex[at(t, i)] = 0;
      if (want_mu) {
        w[at(t, i)] = C(1.0);
        sw[at(t, i)] = C(1.0);
      }
    }
  }
  // Pass 1 at degree n: the chunk's composed map; b_j is left in v (x = v_j(n-1) is not needed again).
  CCNORM_HD CCNORM_INLINE Affine<C> pass1(int t, std::uint32_t n, const Recip<C>& rc) const {
    Affine<C> agg{C(1.0), C(0.0)};
    for (int i = 0; i < len(t); ++i) {
      const int s = at(t, i);
      const Affine<C> mp = column_map(yh[s], yl[s], v[s], ms[s], col(t, i), n, rc);
      v[s] = mp.b;
      agg = combine(agg, mp);
    }
    return agg;
  }
  // Pass 2: v_j(n) from the incoming value; then the mean step with K v_{K-1}(n) (at the current
  // scale). Returns true when one of the chunk's nodes must be rescaled.
  CCNORM_HD CCNORM_INLINE bool pass2(int t, std::uint32_t n, C vin, C vK, bool want_mu, const Recip<C>& rc) const {
    C prev = vin;
    bool resc = false;
    for (int i = 0; i < len(t); ++i) {
      const int s = at(t, i);
      const int j = col(t, i);
      prev = fmac(column_a(j, n, ms[s], rc), prev, v[s]);
      v[s] = prev;
      resc = resc || (j > 0 && node_rescale(prev, j, K) != 0);
    }
    if (want_mu) {
      const std::uint32_t nK = n + static_cast<std::uint32_t>(K);
      const C ci = rc.div(C(static_cast<double>(K)) * vK, nK);
      for (int i = 0; i < len(t); ++i) {
        const int s = at(t, i);
        const C y = mean_step(yh[s], yl[s], w[s], ci, nK, rc);
        w[s] = y;
        sw[s] = sw[s] + y;
      }
    }
    return resc;
  }
  // Rescale phase 1 (own columns): v and ex.
  CCNORM_HD CCNORM_INLINE void rescale_nodes(int t) const {
    for (int i = 0; i < len(t); ++i) {
      const int j = col(t, i);
      if (j == 0) continue;
      const int s = at(t, i);
      const int d = node_rescale(v[s], j, K);
      if (d != 0) {
        v[s] = ldexpc(v[s], -d);
        ex[s] += d;
      }
    }
  }
  // Rescale phase 2 (after a barrier: reads the neighbour's exponent): ms, and the mean series
  // moved to the new exponent of v_{K-1} (dE = ex_{K-1} - E).
  CCNORM_HD CCNORM_INLINE void rescale_links(int t, int dE, bool want_mu) const {
    for (int i = 0; i < len(t); ++i) {
      const int j = col(t, i);
      const int s = at(t, i);
      if (j > 0) ms[s] = shift_factor<C>(ex[slot_of(j - 1)], ex[s]);
      if (want_mu && dE != 0) {
        w[s] = ldexpc(w[s], -dE);
        sw[s] = ldexpc(sw[s], -dE);
      }
    }
  }
  CCNORM_HD CCNORM_INLINE int exK() const { return ex[slot_of(K - 1)]; }
  CCNORM_HD CCNORM_INLINE bool mean_converged(int t, double tf, double tol) const {
    bool ok = true;
    for (int i = 0; i < len(t) && ok; ++i) ok = tod(w[at(t, i)]) * tf <= tol * tod(sw[at(t, i)]);
    return ok;
  }
};

// Scalar state of a group row (identical in every thread: they all add the same v_{K-1}(n)).
template <class C>
struct GroupScalars {
  C S;
  int E;
  std::uint32_t n;
};

// After the scan of degree n produced vK: S += vK.
template <class C>
CCNORM_HD CCNORM_INLINE void group_add(GroupScalars<C>& g, C vK) {
  g.S = g.S + vK;
}
// After the rescale phases: S and vK follow v_{K-1}'s new exponent EK.
template <class C>
CCNORM_HD CCNORM_INLINE int group_rescaled(GroupScalars<C>& g, C& vK, int EK) {
  const int dE = EK - g.E;
  if (dE != 0) {
    g.S = ldexpc(g.S, -dE);
    vK = ldexpc(vK, -dE);
    g.E = EK;
  }
  return dE;
}
// The value part of the stopping rule; tf receives q/(1-q). Returns true when the value series
// has converged (the mean series must then be checked with mean_converged).
template <class C>
CCNORM_HD CCNORM_INLINE bool group_value_converged(const GroupScalars<C>& g, C vK, double r, double tol, double& tf) {
  const double q = r / static_cast<double>(g.n + 1);
  if (!(q < 0.9375)) return false;
  tf = q / (1 - q);
  return tod(vK) * tf <= tol * tod(g.S);
}

// Kogge-Stone inclusive scan over 32 lanes, then over the warp totals, then the warp prefix
// combined in front: the exact order of the CUDA kernel's shuffle scan (host replay).
template <class C>
void scan_kogge_stone_emulate(Affine<C>* x, int G) {
  const int W = (G + 31) / 32;
  for (int wbase = 0; wbase < G; wbase += 32) {
    const int L = G - wbase < 32 ? G - wbase : 32;
    for (int off = 1; off < 32; off <<= 1) {
      Affine<C> tmp[32];
      for (int l = 0; l < L; ++l) tmp[l] = (l >= off) ? combine(x[wbase + l - off], x[wbase + l]) : x[wbase + l];
      for (int l = 0; l < L; ++l) x[wbase + l] = tmp[l];
    }
  }
  if (W == 1) return;
  Affine<C> tot[32];
  for (int w = 0; w < W; ++w) tot[w] = x[w * 32 + 31];
  for (int off = 1; off < 32; off <<= 1) {
    Affine<C> tmp[32];
    for (int l = 0; l < W; ++l) tmp[l] = (l >= off) ? combine(tot[l - off], tot[l]) : tot[l];
    for (int l = 0; l < W; ++l) tot[l] = tmp[l];
  }
  for (int t = 32; t < G; ++t) x[t] = combine(tot[t / 32 - 1], x[t]);
}

// ---- assembly ----
enum Status : std::uint8_t { kDone = 0, kEscalate = 1, kHost = 2 };

// A - m and A for output type T from the series (S, E) in C; red keeps A - m in double-double
// when it was formed (log C needs it again when it cancels).
struct Assembled {
  double A = 0, Ared = 0;
  dd red{0.0};
  bool have_dd = false;
};
template <class C>
CCNORM_HD CCNORM_INLINE dd reduced_dd(C S, int E, const RowConsts& k) {
  dd lS;
  if constexpr (std::is_same<C, dd>::value) lS = dd_log(S);
  else lS = dd_log(dd(tod(S)));
  return lS + dd_ln2() * static_cast<double>(E) - dd(k.lg_hi, k.lg_lo);
}
template <class T, class C>
CCNORM_HD CCNORM_INLINE Assembled assemble(double m, C S, int E, const RowConsts& k) {
  const double ln2 = 0.69314718055994530942;
  Assembled o;
  if constexpr (std::is_same<C, dd>::value) {
    o.red = reduced_dd(S, E, k);
    o.have_dd = true;
    const dd a = o.red + m;
    o.A = a.hi + a.lo;
    o.Ared = o.red.hi + o.red.lo;
  } else {
    const double lS = ::log(tod(S));
    const double lE = static_cast<double>(E) * ln2;
    if constexpr (std::is_same<T, float>::value) {
      o.Ared = lS + lE - k.lg;
      o.A = m + o.Ared;
    } else {
      const double A0 = m + lS + lE - k.lg;
      double big = ::fabs(m);
      big = ::fmax(big, ::fabs(lS));
      big = ::fmax(big, ::fabs(lE));
      big = ::fmax(big, ::fabs(k.lg));
      if (big <= 1.5 * ::fmax(1.0, ::fabs(A0))) {
        o.A = A0;
        o.Ared = lS + lE - k.lg;
      } else {
        o.red = reduced_dd(S, E, k);
        o.have_dd = true;
        const dd a = o.red + m;
        o.A = a.hi + a.lo;
        o.Ared = o.red.hi + o.red.lo;
      }
    }
  }
  return o;
}

// The largest shifted node yh_{K-1} + yl_{K-1} as an exact double-double.
template <class C>
CCNORM_HD CCNORM_INLINE dd exact_top(C yh, C yl) {
  if constexpr (std::is_same<C, dd>::value) return yh + yl;
  else return two_sum(static_cast<double>(yh), static_cast<double>(yl));
}

// log C = LSE(y) - (A - m), LSE(y) = r + log1p(s), s = sum_{j<K-1} e^{y_j - r}
// (auto_detail::log_c): r and A - m are both ~ spread for wide rows while log C ~ sum of log
// gaps, so the difference is taken in double-double when it cancels.
template <class C>
CCNORM_HD CCNORM_INLINE double log_c(C yhK, C ylK, double s, Assembled& as, C S, int E, const RowConsts& k) {
  const double r = tod(yhK);
  const double l1p = ::log1p(s);
  const double c0 = (r + l1p) - as.Ared;
  if (::fmax(r, ::fabs(as.Ared)) <= 2.0 * ::fmax(1.0, ::fabs(c0))) return c0;
  if (!as.have_dd) {
    as.red = reduced_dd(S, E, k);
    as.have_dd = true;
  }
  const dd c = exact_top(yhK, ylK) + l1p - as.red;
  return c.hi + c.lo;
}

// Does the row need the next compute type? (before the run: mean at large spread)
template <class T, class C>
CCNORM_HD CCNORM_INLINE bool escalate_before(double r, bool want_mu) {
  return !IsTop<T, C>::value && r > (want_mu ? Num<C>::mean_spread_limit : Num<C>::value_spread_limit);
}
// (after the run: S's rounding, ~ sqrt(K + N) u_C relative, against the goal for A)
template <class T, class C>
CCNORM_HD CCNORM_INLINE bool escalate_after(int K, std::uint32_t N, double A) {
  return !IsTop<T, C>::value && ::sqrt(static_cast<double>(K) + static_cast<double>(N)) > 4.0 * ::fmax(1.0, ::fabs(A));
}

// sum_{j<K-1} e^{y_j - r} of the sorted shifted nodes (r = tod(yh[K-1]), passed in).
template <class C, int KM = 0>
CCNORM_HD CCNORM_INLINE double lse_tail(const C* yh, int K, double r) {
  double s = 0.0;
  CCNORM_FOR_NODES(j, 0, K - 1, KM) s += ::exp(tod(yh[j]) - r);
  return s;
}

// Whole row, one thread: z (K >= 1 finite-or-not values, contiguous) -> A, logC, mu (mu nullable).
// Work arrays: key (T, K), perm (K), yh, yl, v, ms (C, K), ex (int, K); w, sw (C, K; only with
// the mean). KM > 0: K <= KM and yh ... sw have KM entries, kept in registers on a GPU
// (CCNORM_FOR_NODES; key and perm, sorted with run-time indices, stay in local memory).
// Returns kDone (outputs written), kEscalate (nothing written: rerun in the next type) or kHost
// (nothing written: spread beyond kMaxSpread, or the safety net fired).
template <class T, class C, class I, int KM = 0>
CCNORM_HD CCNORM_INLINE Status row_seq(const T* z, int K, const RowConsts& k, const Recip<C>& rc, T* key, I* perm, C* yh, C* yl,
                         C* v, int* ex, C* ms, C* w, C* sw, T& Aout, T& logCout, T* mu) {
  const bool want_mu = mu != nullptr;
  for (int j = 0; j < K; ++j) {
    key[j] = z[j];
    perm[j] = static_cast<I>(j);
  }
  bool finite = true;
  for (int j = 0; j < K; ++j) finite = finite && (key[j] - key[j] == T(0));
  if (!finite) {
    const T nan = T(NAN);
    Aout = nan;
    logCout = nan;
    if (mu)
      for (int j = 0; j < K; ++j) mu[j] = nan;
    return kDone;
  }
  if (K == 1) {
    Aout = z[0];
    logCout = T(0);
    if (mu) mu[0] = T(1);
    return kDone;
  }
  insertion_sort(key, perm, K);
  const T m = key[0];
  C yhK = C(0.0), ylK = C(0.0);  // the last node's shifted pair (no run-time index into yh/yl)
  CCNORM_FOR_NODES(j, 0, K, KM) {
    exact_shift<C, T>(key[j], m, yh[j], yl[j]);
    yhK = yh[j];
    ylK = yl[j];
  }
  const double r = tod(yhK);
  if (!(r <= kMaxSpread)) return kHost;
  if (escalate_before<T, C>(r, want_mu)) return kEscalate;
  SeriesOut<C> s = series_seq<C, KM>(yh, yl, K, r, v, ex, ms, w, sw, want_mu, rc);
  if (!s.ok) return kHost;
  Assembled as = assemble<T, C>(static_cast<double>(m), s.S, s.E, k);
  if (escalate_after<T, C>(K, s.N, as.A)) return kEscalate;
  Aout = static_cast<T>(as.A);
  logCout = static_cast<T>(log_c(yhK, ylK, lse_tail<C, KM>(yh, K, r), as, s.S, s.E, k));
  if (mu) {
    const C denom = C(static_cast<double>(K)) * s.S;
    CCNORM_FOR_NODES(j, 0, K, KM) mu[perm[j]] = static_cast<T>(tod_full(sw[j] / denom));
  }
  return kDone;
}

}  // namespace series_row
}  // namespace ccnorm
