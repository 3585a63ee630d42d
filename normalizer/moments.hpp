// ccnorm: the moment series — the all-positive Taylor series of exp[y] together with the
// divided differences that have one or two nodes repeated, for the rest of the distribution
// (covariance, Hessian-vector products, entropy, exact sampling; normalizer/distribution.hpp).
//
// Formula (docs/design.md §1). Sorted shifted nodes y (y_0 = 0 <= y_1 <= ... <= y_{K-1} = r),
// the normalised columns (0-based node j):
//     v_j(n)  = j! h_n(y_0..y_j) / (n+j)!                       the value column (taylor.hpp)
//     w_j(n)  = K! h_n(y u {y_j}) / (n+K)!
//             = (K v_{K-1}(n) + y_j w_j(n-1)) / (n+K)                   (K+1 nodes: the mean)
//     u_ij(n) = (K+1)! h_n(y u {y_j, y_i}) / (n+K+1)!
//             = ((K+1) w_j(n) + y_i u_ij(n-1)) / (n+K+1)                 (K+2 nodes)
// with every term >= 0. Then, with S = sum_n v_{K-1}(n):
//     mu_j = sum_n w_j(n) / (K S)
//     E[x_i x_j] = (1 + delta_ij) exp[y, y_i, y_j] / exp[y] = (1 + delta_ij) sum_n u_ij(n) / (K (K+1) S)
// A Hessian-vector product needs no matrix: for a vector v, with W(n) = sum_j v_j w_j(n),
//     U_i(n) = ((K+1) W(n) + y_i U_i(n-1)) / (n+K+1) = sum_j v_j u_ij(n)
// (the recurrence is linear in its source), so (E[x x^T] v)_i = (sum_n U_i(n) + v_i sum_n u_ii(n))
// / (K (K+1) S) in O(K) per degree. A signed v makes U signed; the same recurrence with |v|
// (Ua) bounds it and gives the scale of its rounding error.
// Identities used by the callers: sum_j w_j(n) = K v_{K-1}(n) (Newton's identity for complete
// homogeneous polynomials, sum_j h_n(y u {y_j}) = (n+K) h_n(y)), hence sum mu = 1.
//
// Stopping rule (rigorous, as taylor.hpp): every series here is the column of a node set inside
// [0, r], so its terms obey T(n+1) <= T(n) r/(n+1); once q = r/(n+1) < 15/16 the tail of each
// is at most its last term times q/(1-q), and the run stops when every requested tail is below
// u_C/512 of its sum.
// Scaling: the value column keeps the per-node power-of-two exponents of taylor.hpp; S and every
// other series share the exponent E of v_{K-1} and move with it.
// Sampler table (want_table): the probability that the sequential multiset sampler stays at
// node j when the remaining degree is n, stay_j(n) = y_j v_j(n-1) / ((n+j) v_j(n)) (the share of
// the second term of the column update), and v_{K-1}(n) 2^E(n) for the degree distribution.
//
// Cost per degree: O(K) for the value, mean, diagonal and each HVP vector; O(K^2) for the full
// matrix (only the upper triangle is run; E[x_i x_j] is symmetric exactly). N ~ r + O(sqrt r) + 20
// degrees. Memory O(K) (O(K^2) with the full matrix, O(K N) with the sampler table).
// Compute types C: double, long double, ccnorm::dd (host only).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "normalizer/common.hpp"
#include "normalizer/taylor.hpp"

namespace ccnorm::moments {

using taylor_detail::Work;

// (count * src + y * prev) / i with the series' accurate division (IEEE: the double-length
// reciprocal with the product's rounding recovered; long double and dd: their own division).
// The same operations as the mean step of the series core (series/step.hpp mean_source /
// mean_update, mean_numerator), for a source other than K v_{K-1}(n).
template <class C>
CCNORM_INLINE C affine_step(const Work<C>& ws, C yh, C yl, C prev, C count_src, std::size_t i) {
  if constexpr (series::is_ieee<C>) {
    const series::RecipDivisor<C> di{ws.ihi[i], ws.ilo[i]};
    return series::mean_update(yh, yl, prev, series::mean_source(count_src, di), di);
  } else {
    return taylor_detail::div_int(ws, series::mean_numerator(count_src, yh, yl, prev), i);
  }
}

template <class C>
double to_double(const C& x) {
  return series::to_double_full(x);
}

struct Request {
  bool mean = false;
  bool diag = false;                // sum_n u_jj(n)
  bool full = false;                // sum_n u_ij(n), i <= j
  const double* v = nullptr;        // HVP vectors in SORTED node order: nv x K, row-major
  std::size_t nv = 0;
  bool table = false;               // sampler table
};

template <class C>
struct Result {
  C S{0};
  int E = 0;
  std::uint32_t terms = 0;
  bool ok = false;
  std::vector<C> sw;                 // K
  std::vector<C> sd;                 // K
  std::vector<C> su;                 // K x K (row-major, both triangles filled)
  std::vector<C> sU, sUa;            // nv x K
  // sampler table
  std::vector<double> stay;          // (N+1) x K: stay[n K + j]
  std::vector<double> top;           // v_{K-1}(n) mantissa at scale 2^topE[n]
  std::vector<int> topE;
};

// Run the series on the sorted shifted nodes already in ws (taylor_prepare with ws.sorted
// forced; K >= 2, y_0 = 0, r = y_{K-1}).
template <class C>
Result<C> run(Work<C>& ws, std::size_t K, double r, const Request& rq) {
  using namespace taylor_detail;
  using series::to_double;
  Result<C> out;
  const double tol = series::series_tol(series::Precision<C>::u(), true);
  const C Kc = C(static_cast<double>(K)), K1c = C(static_cast<double>(K + 1));
  const bool need_w = rq.mean || rq.diag || rq.full || rq.nv > 0;
  const C* yh = ws.yh.data();
  const C* yl = ws.yl.data();
  ws.v.assign(K, C(1));
  ws.ex.assign(K, 0);
  ws.ms.assign(K, C(1));
  std::vector<C> w(need_w ? K : 0, C(1)), ud(rq.diag ? K : 0, C(1)), uf(rq.full ? K * K : 0, C(0));
  std::vector<C> U(rq.nv * K), Ua(rq.nv * K);
  out.sw.assign(need_w ? K : 0, C(1));
  out.sd.assign(rq.diag ? K : 0, C(1));
  out.su.assign(rq.full ? K * K : 0, C(0));
  for (std::size_t i = 0; rq.full && i < K; ++i)  // the upper triangle is run, the lower stays 0
    for (std::size_t j = i; j < K; ++j) uf[i * K + j] = out.su[i * K + j] = C(1);
  out.sU.assign(rq.nv * K, C(0));
  out.sUa.assign(rq.nv * K, C(0));
  // degree 0: u_ij(0) = 1 for every pair; U_i(0) = sum_j v_j, Ua_i(0) = sum_j |v_j|
  for (std::size_t k = 0; k < rq.nv; ++k) {
    C s = C(0), sa = C(0);
    for (std::size_t j = 0; j < K; ++j) {
      s += C(rq.v[k * K + j]);
      sa += C(std::fabs(rq.v[k * K + j]));
    }
    for (std::size_t i = 0; i < K; ++i) {
      U[k * K + i] = out.sU[k * K + i] = s;
      Ua[k * K + i] = out.sUa[k * K + i] = sa;
    }
  }
  if (rq.table) {
    out.stay.assign(K, 0.0);
    out.top.push_back(1.0);
    out.topE.push_back(0);
  }
  C S = C(1);
  int E = 0;
  C* v = ws.v.data();
  int* ex = ws.ex.data();
  C* ms = ws.ms.data();
  for (std::size_t n = 1;; ++n) {
    ensure_inv(ws, n + K + 2);
    // ---- the value column at degree n
    C prev = C(0);
    if (rq.table) out.stay.resize((n + 1) * K, 0.0);
    for (std::size_t j = 1; j < K; ++j) {
      const C x = v[j];
      const std::size_t i = n + j;
      C stay_part, nx;
      const C jc = C(static_cast<double>(j));
      if constexpr (series::is_ieee<C>) {  // series/step.hpp's fused column step
        const series::RecipDivisor<C> di{ws.ihi[i], ws.ilo[i]};
        const C gain = series::column_gain(yh[j], yl[j], di);
        nx = series::column_update(gain, x, series::column_coupling(jc, ms[j], di), prev);
        stay_part = gain * x;
      } else {  // its numerator-first form
        stay_part = div_int(ws, series::column_numerator(yh[j], yl[j], x, C(0), C(0), C(0)), i);
        nx = div_int(ws, series::column_numerator(yh[j], yl[j], x, jc, ms[j], prev), i);
      }
      if (rq.table) out.stay[n * K + j] = nx > C(0) ? std::min(1.0, to_double(stay_part) / to_double(nx)) : 0.0;
      v[j] = nx;
      prev = nx;
    }
    C top = prev;
    S += top;
    if (rq.table) {
      out.top.push_back(to_double(top));
      out.topE.push_back(E);
    }
    // ---- the series with repeated nodes, at the current scale
    if (need_w) {
      const std::size_t iK = n + K, iK1 = n + K + 1;
      const C Ktop = Kc * top;
      for (std::size_t j = 0; j < K; ++j) {
        w[j] = affine_step(ws, yh[j], yl[j], w[j], Ktop, iK);
        out.sw[j] += w[j];
      }
      if (rq.diag)
        for (std::size_t j = 0; j < K; ++j) {
          ud[j] = affine_step(ws, yh[j], yl[j], ud[j], C(K1c * w[j]), iK1);
          out.sd[j] += ud[j];
        }
      if (rq.full)
        for (std::size_t j = 0; j < K; ++j) {
          const C src = K1c * w[j];
          for (std::size_t i = 0; i <= j; ++i) {
            C& x = uf[i * K + j];
            x = affine_step(ws, yh[i], yl[i], x, src, iK1);
            out.su[i * K + j] += x;
          }
        }
      for (std::size_t k = 0; k < rq.nv; ++k) {
        const double* vk = rq.v + k * K;
        C W = C(0), Wa = C(0);
        for (std::size_t j = 0; j < K; ++j) {
          W += C(vk[j]) * w[j];
          Wa += C(std::fabs(vk[j])) * w[j];
        }
        const C src = K1c * W, srca = K1c * Wa;
        for (std::size_t i = 0; i < K; ++i) {
          C& x = U[k * K + i];
          C& xa = Ua[k * K + i];
          x = affine_step(ws, yh[i], yl[i], x, src, iK1);
          xa = affine_step(ws, yh[i], yl[i], xa, srca, iK1);
          out.sU[k * K + i] += x;
          out.sUa[k * K + i] += xa;
        }
      }
    }
    // ---- per-node scaling (series/step.hpp); everything else follows v_{K-1}'s exponent
    if (ws.sorted) series::rescale_column<C>(v, ex, ms, static_cast<int>(K));
    if (const int dE = ex[K - 1] - E; dE != 0) {
      auto sc = [dE](std::vector<C>& a) {
        for (auto& x : a) x = series::ldexpc(x, -dE);
      };
      S = series::ldexpc(S, -dE);
      top = series::ldexpc(top, -dE);
      sc(w), sc(out.sw), sc(ud), sc(out.sd), sc(uf), sc(out.su), sc(U), sc(out.sU), sc(Ua), sc(out.sUa);
      E = ex[K - 1];
    }
    // ---- stopping rule (rigorous) and safety net
    if (series::series_failed(S, static_cast<double>(n + 1), r)) {
      out.S = S, out.E = E, out.terms = static_cast<std::uint32_t>(n + 1), out.ok = false;
      return out;
    }
    double tf = 0;
    if (!series::tail_factor(r, static_cast<double>(n + 1), tf)) continue;
    auto conv = [&](const std::vector<C>& t, const std::vector<C>& s) {
      for (std::size_t i = 0; i < t.size(); ++i)
        if (!series::tail_negligible(t[i], tf, tol, s[i])) return false;
      return true;
    };
    if (!series::tail_negligible(top, tf, tol, S)) continue;
    if (!conv(w, out.sw) || !conv(ud, out.sd) || !conv(uf, out.su) || !conv(Ua, out.sUa)) continue;
    out.S = S, out.E = E, out.terms = static_cast<std::uint32_t>(n + 1), out.ok = true;
    break;
  }
  if (rq.full)  // mirror the upper triangle
    for (std::size_t i = 0; i < K; ++i)
      for (std::size_t j = 0; j < i; ++j) out.su[i * K + j] = out.su[j * K + i];
  return out;
}

}  // namespace ccnorm::moments
