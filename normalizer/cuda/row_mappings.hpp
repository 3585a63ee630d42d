// ccnorm GPU: the mappings of the series core (normalizer/series/) onto GPU threads - the drivers
// that order the core's operations for one row, written once (CCNORM_HD, pure C++: no CUDA headers)
// for the kernels (kernels.cu) and for the host replay (emulate.hpp), which runs the very same
// functions on the CPU, so the GPU's numerics are checked on machines without a GPU
// (tests/test_gpu_launch.cpp, tests/test_gpu_replay.cpp). The arithmetic itself (steps, per-node
// exponents, stopping rule, assembly, escalation, limits) is the host's: normalizer/series/.
//
// Two mappings:
//  * one thread per row (series_seq, row_seq): degree by degree, j sequential, the fused column
//    step; for K <= KM the node loops are unrolled over a compile-time KM so a GPU keeps the work
//    arrays in registers (CCNORM_FOR_NODES; same operations in the same order as the run-time-K
//    form). Differs from the host's `auto` (taylor.hpp run_series) in the order only where stated
//    there: the host blocks 8 degrees between rescale and stopping tests, this checks every degree.
//  * a group of G threads per row (a warp or a block; GroupRow): the column update at fixed n as a
//    scan of positive affine maps (series/step.hpp column_map, combine), the mean K-parallel.
//    Rescaling is a group phase (vote, own columns, barrier, then ms from the neighbour's exponent).
//    scan_kogge_stone_emulate replays the device's exact combination order on the host.
// Both escalate through Chain<T> (series/escalation.hpp) and hand rows beyond
// kAccuracyDomainMaxSpread, or whose safety net fired, to the host's `auto` (kHost).
// Cost: O(K N) per row for value and mean, N ~ r + O(sqrt r) + 20; insertion sort O(K^2) for the
// one-thread mapping (K <= 32), bitonic sort in the group kernel.
// References: as normalizer/series/step.hpp; Blelloch 1990 (prefix sums of associative operators),
// Kogge & Stone 1973.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "normalizer/config.hpp"
#include "normalizer/dd.hpp"
#include "normalizer/series/arithmetic.hpp"
#include "normalizer/series/assembly.hpp"
#include "normalizer/series/escalation.hpp"
#include "normalizer/series/limits.hpp"
#include "normalizer/series/step.hpp"

namespace ccnorm {
namespace gpu {

using series::Affine;
using series::Chain;
using series::Recip;
using series::RowConsts;
using series::row_consts;

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

template <class C>
struct SeriesOut {
  C S;
  int E;
  std::uint32_t N;  // last degree used
  bool ok;          // false: the safety net fired (the row goes to the host)
};

// One thread per row: run the series on sorted shifted nodes yh/yl (K >= 2, yh[0] = 0).
// v, ex (exponents), ms (neighbour shifts) and, with the mean, w and sw are K-entry work arrays
// (KM entries when KM > 0, see CCNORM_FOR_NODES); on exit sw[j] = sum_n w_j(n) at the scale of S.
template <class C, int KM = 0>
CCNORM_HD CCNORM_INLINE SeriesOut<C> series_seq(const C* yh, const C* yl, int K, double r, C* v, int* ex, C* ms, C* w,
                                                C* sw, bool want_mu, const Recip<C>& rc) {
  using namespace series;
  const double tol = series_tol(Precision<C>::u(), want_mu);
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
      const auto di = rc.at(n + static_cast<std::uint32_t>(j));
      const C g = column_gain(yh[j], yl[j], di);                          // (yh + yl) / i
      const C c = column_coupling(C(static_cast<double>(j)), ms[j], di);  // j / i, times the shift
      prev = column_update(g, v[j], c, prev);
      v[j] = prev;
    }
    C top = prev;
    S = S + top;
    if (want_mu) {  // at the current scale (before any rescale)
      const auto dK = rc.at(n + static_cast<std::uint32_t>(K));
      const C src = mean_source(Kc * top, dK);
      CCNORM_FOR_NODES(j, 0, K, KM) {
        const C y = mean_update(yh[j], yl[j], w[j], src, dK);
        w[j] = y;
        sw[j] = sw[j] + y;
      }
    }
    const int EK = rescale_column<C, KM>(v, ex, ms, K);
    follow_exponent<C, KM>(EK, E, S, top, w, sw, K, want_mu);
    const double next = static_cast<double>(n) + 1.0;
    if (series_failed(S, next, r)) return {S, E, n, false};
    double tf = 0;
    if (!tail_factor(r, next, tf)) continue;
    if (!tail_negligible(top, tf, tol, S)) continue;
    if (!want_mu) break;
    if (mean_tails_negligible<C, KM>(w, sw, K, tf, tol)) break;
  }
  return {S, E, n, true};
}

// ---- group mapping: the column update at fixed degree as a scan of positive affine maps ----

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
      const int j = col(t, i);
      const Affine<C> mp = series::column_map(yh[s], yl[s], v[s], ms[s], j, rc.at(n + static_cast<std::uint32_t>(j)));
      v[s] = mp.b;
      agg = series::combine(agg, mp);
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
      const C a = series::column_coupling(C(static_cast<double>(j)), ms[s], rc.at(n + static_cast<std::uint32_t>(j)));
      prev = series::fmac(a, prev, v[s]);
      v[s] = prev;
      resc = resc || (j > 0 && series::node_rescale(prev, j, K) != 0);
    }
    if (want_mu) {
      const auto dK = rc.at(n + static_cast<std::uint32_t>(K));
      const C src = series::mean_source(C(static_cast<double>(K)) * vK, dK);
      for (int i = 0; i < len(t); ++i) {
        const int s = at(t, i);
        const C y = series::mean_update(yh[s], yl[s], w[s], src, dK);
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
      const int d = series::node_rescale(v[s], j, K);
      if (d != 0) {
        v[s] = series::ldexpc(v[s], -d);
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
      if (j > 0) ms[s] = series::shift_factor<C>(ex[slot_of(j - 1)], ex[s]);
      if (want_mu && dE != 0) {
        w[s] = series::ldexpc(w[s], -dE);
        sw[s] = series::ldexpc(sw[s], -dE);
      }
    }
  }
  CCNORM_HD CCNORM_INLINE int exK() const { return ex[slot_of(K - 1)]; }
  CCNORM_HD CCNORM_INLINE bool mean_converged(int t, double tf, double tol) const {
    bool ok = true;
    for (int i = 0; i < len(t) && ok; ++i) ok = series::tail_negligible(w[at(t, i)], tf, tol, sw[at(t, i)]);
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
// After the rescale phases: S and vK follow v_{K-1}'s new exponent EK; returns dE.
template <class C>
CCNORM_HD CCNORM_INLINE int group_rescaled(GroupScalars<C>& g, C& vK, int EK) {
  return series::follow_exponent_scalars(EK, g.E, g.S, vK);
}
// The safety net after degree g.n.
template <class C>
CCNORM_HD CCNORM_INLINE bool group_failed(const GroupScalars<C>& g, double r) {
  return series::series_failed(g.S, static_cast<double>(g.n) + 1.0, r);
}
// The value part of the stopping rule; tf receives q/(1-q). Returns true when the value series
// has converged (the mean series must then be checked with mean_converged).
template <class C>
CCNORM_HD CCNORM_INLINE bool group_value_converged(const GroupScalars<C>& g, C vK, double r, double tol, double& tf) {
  if (!series::tail_factor(r, static_cast<double>(g.n + 1), tf)) return false;
  return series::tail_negligible(vK, tf, tol, g.S);
}

// Kogge-Stone inclusive scan over 32 lanes, then over the warp totals, then the warp prefix
// combined in front: the exact order of the CUDA kernel's shuffle scan (host replay).
template <class C>
void scan_kogge_stone_emulate(Affine<C>* x, int G) {
  using series::combine;
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

// ---- whole rows ----
enum Status : std::uint8_t { kDone = 0, kEscalate = 1, kHost = 2 };

// Whole row, one thread: z (K >= 1 finite-or-not values, contiguous) -> A, logC, mu (mu nullable).
// Work arrays: key (T, K), perm (K), yh, yl, v, ms (C, K), ex (int, K); w, sw (C, K; only with
// the mean). KM > 0: K <= KM and yh ... sw have KM entries, kept in registers on a GPU
// (CCNORM_FOR_NODES; key and perm, sorted with run-time indices, stay in local memory).
// Returns kDone (outputs written), kEscalate (nothing written: rerun in the next type) or kHost
// (nothing written: spread beyond kAccuracyDomainMaxSpread, or the safety net fired).
template <class T, class C, class I, int KM = 0>
CCNORM_HD CCNORM_INLINE Status row_seq(const T* z, int K, const RowConsts& k, const Recip<C>& rc, T* key, I* perm, C* yh,
                                       C* yl, C* v, int* ex, C* ms, C* w, C* sw, T& Aout, T& logCout, T* mu) {
  using namespace series;
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
  const double r = to_double(yhK);
  if (!(r <= kAccuracyDomainMaxSpread)) return kHost;
  if (escalate_before<T, C>(r, want_mu)) return kEscalate;
  SeriesOut<C> s = series_seq<C, KM>(yh, yl, K, r, v, ex, ms, w, sw, want_mu, rc);
  if (!s.ok) return kHost;
  Assembled as = assemble_gpu<T, C>(static_cast<double>(m), s.S, s.E, k);
  if (gpu_escalate_after<T, C>(K, s.N, as.A)) return kEscalate;
  Aout = static_cast<T>(as.A);
  logCout = static_cast<T>(log_c(yhK, ylK, lse_tail<C, KM>(yh, yl, K, yhK, ylK), as, to_dd(s.S), s.E, k));
  if (mu) {
    const C denom = mean_denominator(s.S, K);
    CCNORM_FOR_NODES(j, 0, K, KM) mu[perm[j]] = mean_component<T>(sw[j], denom);
  }
  return kDone;
}

}  // namespace gpu
}  // namespace ccnorm
