// ccnorm GPU: host replay of the CUDA kernels' arithmetic (pure C++; no CUDA needed).
//
// Runs the same CCNORM_HD functions that the kernels run (the series core normalizer/series/ and
// its GPU mappings normalizer/cuda/row_mappings.hpp), in the same order of operations (sequential
// row for the thread mapping, the group phases with the Kogge-Stone scan order of the warp/block
// mappings), with the same precision escalation (float -> double for f32 outputs, double ->
// double-double for f64) and the same host fallback (auto_eval) for spreads beyond
// series::kAccuracyDomainMaxSpread. Used by the CPU tests to check the GPU's
// numerics against the certified corpus on machines without a GPU. Differences to the device:
// the device's log/exp/log1p/lgamma (used only in the O(1) assembly and in log C) and the order of
// the block reduction for log C's log-sum-exp.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <vector>

#include "normalizer/auto.hpp"
#include "normalizer/common.hpp"
#include "normalizer/cuda/launch.hpp"
#include "normalizer/cuda/row_mappings.hpp"
#include "normalizer/dd.hpp"
#include "normalizer/series/arithmetic.hpp"
#include "normalizer/series/assembly.hpp"
#include "normalizer/series/escalation.hpp"
#include "normalizer/series/limits.hpp"
#include "normalizer/series/step.hpp"

namespace ccnorm {
namespace gpu {
namespace emulate {

template <class C>
struct RecipTable {
  std::vector<C> hi, lo;
  explicit RecipTable(std::uint32_t n = 4096) : hi(n), lo(n) {
    if constexpr (!std::is_same_v<C, dd>)
      for (std::uint32_t i = 1; i < n; ++i) series::recip_pair<C>(i, hi[i], lo[i]);
  }
  series::Recip<C> view() const {
    series::Recip<C> r;
    r.hi = hi.data();
    r.lo = lo.data();
    r.n = static_cast<std::uint32_t>(hi.size());
    return r;
  }
};

template <class C>
const series::Recip<C>& recip() {
  static const RecipTable<C> t;
  static const series::Recip<C> v = t.view();
  return v;
}

// The thread kernel's row in its KM form (KM > 0: K <= KM, the register-array form; 0: local).
template <class T, class C, int KM>
Status row_thread_form(const T* z, std::size_t K, T& A, T& logC, T* mu) {
  const int k = static_cast<int>(K);
  const std::size_t L = std::max<std::size_t>(K, KM);
  std::vector<T> key(L);
  std::vector<std::uint32_t> perm(L);
  std::vector<C> yh(L), yl(L), v(L), ms(L), w(L), sw(L);
  std::vector<int> ex(L);
  return row_seq<T, C, std::uint32_t, KM>(z, k, row_consts(K), recip<C>(), key.data(), perm.data(), yh.data(), yl.data(),
                                          v.data(), ex.data(), ms.data(), w.data(), sw.data(), A, logC, mu);
}

// The thread kernel's row (any K on the host; the device limits it to kThreadMaxK), in the form
// the device uses for this K (launch.hpp thread_register_nodes).
template <class T, class C>
Status row_thread(const T* z, std::size_t K, T& A, T& logC, T* mu) {
  if (K <= kThreadMaxK) switch (thread_register_nodes(K, sizeof(C))) {
      case 4: return row_thread_form<T, C, 4>(z, K, A, logC, mu);
      case 8: return row_thread_form<T, C, 8>(z, K, A, logC, mu);
      case 16: return row_thread_form<T, C, 16>(z, K, A, logC, mu);
      default: break;
    }
  return row_thread_form<T, C, 0>(z, K, A, logC, mu);
}

// The group kernels' row (warp: G = 32; block: G from the plan).
template <class T, class C>
Status row_group(const T* z, std::size_t K, int G, T& A, T& logC, T* mu) {
  using namespace series;
  const bool want_mu = mu != nullptr;
  const int k = static_cast<int>(K);
  for (std::size_t j = 0; j < K; ++j)
    if (!(z[j] - z[j] == T(0))) {
      A = logC = T(NAN);
      if (mu) std::fill(mu, mu + K, T(NAN));
      return kDone;
    }
  if (K == 1) {
    A = z[0];
    logC = T(0);
    if (mu) mu[0] = T(1);
    return kDone;
  }
  std::vector<std::uint32_t> perm(K);
  std::iota(perm.begin(), perm.end(), 0u);
  std::stable_sort(perm.begin(), perm.end(), [z](std::uint32_t a, std::uint32_t b) { return z[a] < z[b]; });
  const T m = z[perm[0]];
  const int ch = chunk_len(k, G);
  const std::size_t n = static_cast<std::size_t>(G) * ch;
  std::vector<C> yh(n, C(0.0)), yl(n, C(0.0)), v(n, C(0.0)), w(n, C(0.0)), sw(n, C(0.0)), ms(n, C(0.0));
  std::vector<int> ex(n, 0);
  GroupRow<C> g{yh.data(), yl.data(), v.data(), w.data(), sw.data(), ms.data(), ex.data(), k, G, ch};
  for (int t = 0; t < G; ++t)
    for (int i = 0; i < g.len(t); ++i) exact_shift<C, T>(z[perm[g.col(t, i)]], m, yh[g.at(t, i)], yl[g.at(t, i)]);
  const double r = to_double(yh[g.at((k - 1) / ch, (k - 1) % ch)]);
  if (!(r <= kAccuracyDomainMaxSpread)) return kHost;
  if (escalate_before<T, C>(r, want_mu)) return kEscalate;
  const auto& rc = recip<C>();
  const double tol = series_tol(Precision<C>::u(), want_mu);
  for (int t = 0; t < G; ++t) g.init(t, want_mu);
  GroupScalars<C> gs{C(1.0), 0, 1};
  std::vector<Affine<C>> agg(G);
  for (;; ++gs.n) {
    for (int t = 0; t < G; ++t) agg[t] = g.pass1(t, gs.n, rc);
    scan_kogge_stone_emulate(agg.data(), G);
    C vK = agg[G - 1].b;
    bool resc = false;
    for (int t = 0; t < G; ++t) resc = g.pass2(t, gs.n, t > 0 ? agg[t - 1].b : C(0.0), vK, want_mu, rc) || resc;
    group_add(gs, vK);
    if (resc) {  // the kernel's vote, then two phases separated by a barrier
      for (int t = 0; t < G; ++t) g.rescale_nodes(t);
      const int dE = group_rescaled(gs, vK, g.exK());
      for (int t = 0; t < G; ++t) g.rescale_links(t, dE, want_mu);
    }
    if (group_failed(gs, r)) return kHost;
    double tf = 0;
    if (!group_value_converged(gs, vK, r, tol, tf)) continue;
    if (!want_mu) break;
    bool ok = true;
    for (int t = 0; t < G; ++t) ok = g.mean_converged(t, tf, tol) && ok;
    if (ok) break;
  }
  const RowConsts kc = row_consts(K);
  Assembled as = assemble_gpu<T, C>(static_cast<double>(m), gs.S, gs.E, kc);
  if (gpu_escalate_after<T, C>(k, gs.n, as.A)) return kEscalate;
  double s = 0;
  const int sK0 = g.slot_of(k - 1);
  for (int j = 0; j + 1 < k; ++j) s += lse_term(yh[g.slot_of(j)], yl[g.slot_of(j)], yh[sK0], yl[sK0]);
  A = static_cast<T>(as.A);
  const int sK = g.slot_of(k - 1);
  logC = static_cast<T>(log_c(yh[sK], yl[sK], s, as, to_dd(gs.S), gs.E, kc));
  if (mu) {
    const C denom = mean_denominator(gs.S, K);
    for (int j = 0; j < k; ++j) mu[perm[j]] = mean_component<T>(sw[g.at(j / ch, j % ch)], denom);
  }
  return kDone;
}

// The whole GPU pipeline for one row: the mapping's kernel in the first compute type, the warp
// kernel in the second for escalated rows, auto_eval on the host beyond kAccuracyDomainMaxSpread.
// `stage` (optional) receives 0, 1 or 2 (which of the three produced the result).
template <class T>
Out<T> row(const T* z, std::size_t K, T* mu, int* stage = nullptr) {
  using C1 = typename Chain<T>::first;
  using C2 = typename Chain<T>::second;
  Out<T> o{};
  const Mapping mp = choose_mapping(K);
  Status s = mp == Mapping::thread ? row_thread<T, C1>(z, K, o.A, o.logC, mu)
                                   : row_group<T, C1>(z, K, group_threads(mp, K), o.A, o.logC, mu);
  if (stage) *stage = 0;
  if (s == kEscalate) {
    s = row_group<T, C2>(z, K, 32, o.A, o.logC, mu);
    if (stage) *stage = 1;
  }
  if (s == kHost) {
    o = auto_eval<T>(z, K, mu);
    if (stage) *stage = 2;
  }
  return o;
}

}  // namespace emulate
}  // namespace gpu
}  // namespace ccnorm
