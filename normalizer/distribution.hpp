// ccnorm: the rest of the continuous categorical distribution — covariance, Hessian-vector
// products, variances, entropy, KL divergence (docs/design.md §1). Sampling: sample.hpp.
//
//   covariance<T>(z, K, cov)        Cov = grad^2 A, K x K row-major (symmetric, PSD, rows sum to 0)
//   hvp<T>(z, K, v, out)            Cov v in O(K N) without forming the matrix
//   variances<T>(z, K, var)         the diagonal of Cov
//   entropy<T>(z, K)                H = A - z.mu  (differential entropy, Lebesgue measure on the first
//                                   K-1 coordinates: the papers' density)
//   kl_divergence<T>(zp, zq, K)     KL(p || q) = A(zq) - A(zp) - (zq - zp).mu_p >= 0
// T = float or double (float inputs are widened exactly and computed in double or wider).
// Each returns (or sets) a RowStatus: invalid_input (K = 0, a NaN/inf) with NaN outputs; ok.
//
// Method. The moment series of normalizer/moments.hpp: all-positive recurrences for the mean
// and the second moments E[x_i x_j] (K+1- and K+2-node divided differences), so no moment
// cancels. What cancels is the centring: Cov_ij = E[x_i x_j] - mu_i mu_j loses a factor
// kappa_ij = (E[x_i x_j] + mu_i mu_j) / sqrt(Cov_ii Cov_jj) (large for a concentrated
// distribution: the dominant coordinate's variance), and H, KL are differences of terms
// larger than themselves. Each function therefore evaluates its cancellation and the rounding
// error it implies in the compute type C (relative error of every series sum <= 2 sqrt(N + K)
// u_C, observed growth ~ sqrt(N) u_C as for the value), and reruns the row in the next compute
// type, double -> x87 long double (64-bit significand) -> double-double, until the estimate is
// inside its goal:
//   covariance / hvp   every entry within 16 u of its natural scale sqrt(Cov_ii Cov_jj)
//                      (diagonal: of Cov_ii; hvp_i: of sqrt(Cov_ii) sum_j sqrt(Cov_jj) |v_j|)
//   entropy            within 8 u of max(1, |H|), from H = (A - max z) + sum_j (max z - z_j) mu_j
//                      (the second sum has only nonnegative terms and ignores the dominant
//                      component's error; A - max z is assembled in double-double)
//   KL                 relative 2^-46: the direct formula in double-double, with exact shifted
//                      nodes (KL = (A_q - m_q) - (A_p - m_p) - sum_j (yq_j - yp_j) mu_p,j, y = z - min z,
//                      exact as two-sum pairs), when its error bound (2^-104 of its terms plus the
//                      series' truncation, 2^-108 absolute) is below 2^-46 of it; otherwise
//                      (q within ~2^-30 of p) the integral form
//                          KL = int_0^1 (1 - t) delta' Cov(z_p + t delta) delta dt,  delta = zq - zp,
//                      which does not cancel, by adaptive Gauss-Kronrod quadrature (K7, checked
//                      against its nested G3, intervals halved until they agree to 2^-46) with
//                      delta centred once by mu_p and every node of the path held exactly in
//                      double-double. KL is 0 exactly when zq - zp is a multiple of (1, ..., 1),
//                      and never negative.
// Tested against the certified reference (reference/reference.hpp certified_covariance,
// certified_entropy, certified_kl) on the hard corpus families: tests/test_distribution.cpp.
//
// Cost: covariance O(K^2 N) (the full upper triangle of the K+2-node series), hvp / variances /
// entropy O(K N), KL O(K N) (the direct formula; where it cancels, the quadrature: 7 HVPs in
// double-double per interval, one interval for a q near p). Rows that escalate cost ~2.3x (long
// double) or ~6x (double-double) more. Spreads beyond kMomentsMaxSpread (the series
// needs ~spread terms) return status outside_domain with the asymptotic values of a
// vertex-concentrated distribution (finite, no accuracy goal).
#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numeric>
#include <type_traits>
#include <vector>

#include "normalizer/auto.hpp"
#include "normalizer/common.hpp"
#include "normalizer/dd.hpp"
#include "normalizer/moments.hpp"
#include "normalizer/taylor.hpp"

namespace ccnorm {
namespace dist_detail {

// The series of the moments is run up to this spread (as auto's series; beyond it: asymptotics).
constexpr double kMomentsMaxSpread = 0x1p22;
// Relative rounding error of the series sums: <= kSeriesErr sqrt(N + K) u_C.
constexpr double kSeriesErr = 2.0;

template <class C>
constexpr double unit_of() {
  if constexpr (std::is_same_v<C, dd>) return 0x1p-104;  // a few ulps of the 106-bit pair
  else if constexpr (std::is_same_v<C, long double>) return std::numeric_limits<long double>::epsilon() / 2;
  else return std::numeric_limits<C>::epsilon() / 2;
}

template <class C>
dd to_dd(const C& x) {
  if constexpr (std::is_same_v<C, dd>) return x;
  else if constexpr (std::is_same_v<C, long double>) {
    const double hi = static_cast<double>(x);
    return two_sum(hi, static_cast<double>(x - static_cast<long double>(hi)));
  } else {
    return dd(static_cast<double>(x));
  }
}

// The node values (original order) of a prepared row: y_j = z_j - min z exactly, as dd.
template <class C>
std::vector<dd> shifted_nodes(const taylor_detail::Work<C>& ws, std::size_t K) {
  std::vector<dd> y(K);
  for (std::size_t s = 0; s < K; ++s) {
    if constexpr (std::is_same_v<C, dd>) y[ws.perm[s]] = ws.yh[s] + ws.yl[s];
    else if constexpr (std::is_same_v<C, long double>) y[ws.perm[s]] = to_dd(ws.yh[s]) + to_dd(ws.yl[s]);
    else y[ws.perm[s]] = two_sum(static_cast<double>(ws.yh[s]), static_cast<double>(ws.yl[s]));
  }
  return y;
}

// Prepare a row for the moment series in C: sorted (the per-node scaling needs it) shifted
// nodes. Returns the spread (NaN for non-finite input).
template <class C, class T>
double prepare(const T* z, std::size_t K, taylor_detail::Work<C>& ws, T& m) {
  return taylor_prepare<C, T>(z, K, ws, m);
}

// Prepare from exact dd node values (the KL quadrature's path z_p + t delta): sorted, shifted by
// the minimum in dd (relative error 2^-106 of the spread), compute type dd.
inline double prepare_dd(const std::vector<dd>& x, taylor_detail::Work<dd>& ws) {
  const std::size_t K = x.size();
  ws.perm.resize(K);
  std::iota(ws.perm.begin(), ws.perm.end(), 0u);
  std::sort(ws.perm.begin(), ws.perm.end(), [&](std::uint32_t a, std::uint32_t b) { return x[a] < x[b]; });
  ws.sorted = true;
  ws.yh.resize(K);
  ws.yl.resize(K);
  const dd m = x[ws.perm[0]];
  for (std::size_t j = 0; j < K; ++j) {
    ws.yh[j] = x[ws.perm[j]] - m;
    ws.yl[j] = dd(0.0);
  }
  ws.yh[0] = dd(0.0);
  return ws.yh[K - 1].hi + ws.yh[K - 1].lo;
}

// Moments of one row in compute type C, all in ORIGINAL node order.
template <class C>
struct Moments {
  bool ok = false;
  std::size_t K = 0;
  std::uint32_t terms = 0;
  double err = 0;                // kSeriesErr sqrt(N + K) u_C: relative error of every sum
  C S{0};
  int E = 0;
  std::vector<C> mu;             // K
  std::vector<C> second_diag;    // E[x_i^2] (K), with diag
  std::vector<C> second;         // E[x_i x_j] (K x K), with full
  std::vector<C> Mv, Mva;        // (E[x x^T] v)_i and the same for |v| (K), with a vector
  double r = 0;                  // spread
};

template <class C>
Moments<C> moments_of(taylor_detail::Work<C>& ws, std::size_t K, double r, bool diag, bool full,
                      const double* v_orig) {
  Moments<C> mo;
  mo.K = K;
  mo.r = r;
  std::vector<double> vs;
  moments::Request rq;
  rq.mean = true;
  rq.diag = diag || v_orig != nullptr;
  rq.full = full;
  if (v_orig) {
    vs.resize(K);
    for (std::size_t s = 0; s < K; ++s) vs[s] = v_orig[ws.perm[s]];
    rq.v = vs.data();
    rq.nv = 1;
  }
  const auto res = moments::run<C>(ws, K, r, rq);
  mo.ok = res.ok;
  mo.terms = res.terms;
  mo.err = kSeriesErr * std::sqrt(static_cast<double>(res.terms) + static_cast<double>(K)) * unit_of<C>();
  mo.S = res.S;
  mo.E = res.E;
  if (!res.ok) return mo;
  const C Kc = C(static_cast<double>(K));
  const C KS = Kc * res.S, KKS = Kc * C(static_cast<double>(K + 1)) * res.S;
  mo.mu.resize(K);
  for (std::size_t s = 0; s < K; ++s) mo.mu[ws.perm[s]] = res.sw[s] / KS;
  if (rq.diag) {
    mo.second_diag.resize(K);
    for (std::size_t s = 0; s < K; ++s) mo.second_diag[ws.perm[s]] = C(2.0) * res.sd[s] / KKS;
  }
  if (full) {
    mo.second.resize(K * K);
    for (std::size_t a = 0; a < K; ++a)
      for (std::size_t b = 0; b < K; ++b)
        mo.second[ws.perm[a] * K + ws.perm[b]] = (a == b ? C(2.0) : C(1.0)) * res.su[a * K + b] / KKS;
  }
  if (v_orig) {
    mo.Mv.resize(K);
    mo.Mva.resize(K);
    for (std::size_t s = 0; s < K; ++s) {
      const C dterm = C(vs[s]) * res.sd[s], dterma = C(std::fabs(vs[s])) * res.sd[s];
      mo.Mv[ws.perm[s]] = (res.sU[s] + dterm) / KKS;
      mo.Mva[ws.perm[s]] = (res.sUa[s] + dterma) / KKS;
    }
  }
  return mo;
}

template <class C>
double d(const C& x) {
  return moments::to_double(x);
}

// The vertex asymptotics for rows beyond kMomentsMaxSpread: the nodes far below the top behave
// like independent exponentials of rate (max z - z_j); the top absorbs the rest.
template <class T>
void asymptotic_cov(const T* z, std::size_t K, T* cov) {
  const double mx = static_cast<double>(*std::max_element(z, z + K));
  std::size_t top = 0;
  for (std::size_t j = 0; j < K; ++j)
    if (static_cast<double>(z[j]) == mx) top = j;
  std::fill(cov, cov + K * K, T(0));
  double tot = 0;
  for (std::size_t j = 0; j < K; ++j) {
    if (j == top) continue;
    const double g = std::max(1.0, mx - static_cast<double>(z[j]));
    const double var = 1.0 / (g * g);
    cov[j * K + j] = static_cast<T>(var);
    cov[j * K + top] = cov[top * K + j] = static_cast<T>(-var);
    tot += var;
  }
  cov[top * K + top] = static_cast<T>(tot);
}

template <class T>
bool invalid(const T* z, std::size_t K) {
  if (K == 0) return true;
  for (std::size_t j = 0; j < K; ++j)
    if (!std::isfinite(z[j])) return true;
  return false;
}

// ---- covariance / variances / hvp in one compute type; false: escalate ----
template <class T, class C>
// keep_all: the widest type, whose result is kept whatever the estimates say, so every entry is
// written (a first failing estimate must not leave later entries from a narrower type).
bool cov_in(const T* z, std::size_t K, bool full, const double* v, T* cov, T* var, T* hv, bool keep_all = false) {
  auto& ws = taylor_detail::workspace<C>();
  T m;
  const double r = prepare<C, T>(z, K, ws, m);
  Moments<C> mo = moments_of<C>(ws, K, r, true, full, v);
  if (!mo.ok) return false;
  const double uT = unit_roundoff<T>::value();
  const double goal = 16 * uT;
  std::vector<double> vr(K);  // Var_i (double) for the scales
  bool fine = true;
  for (std::size_t i = 0; i < K; ++i) {
    const C c = mo.second_diag[i] - mo.mu[i] * mo.mu[i];
    vr[i] = std::max(0.0, d(c));
    const double est = mo.err * (d(mo.second_diag[i]) + d(mo.mu[i] * mo.mu[i])) + unit_of<C>() * d(mo.second_diag[i]);
    fine = fine && est <= goal * vr[i];
    if (var) var[i] = static_cast<T>(d(c));
  }
  if (full) {
    // The upper triangle, mirrored: Cov is symmetric bit for bit (second[i][j] and second[j][i]
    // are accumulated in different orders and can differ in their last bits).
    for (std::size_t i = 0; i < K && (fine || keep_all); ++i)
      for (std::size_t j = i + 1; j < K; ++j) {
        const C c = mo.second[i * K + j] - mo.mu[i] * mo.mu[j];
        const double est = mo.err * (d(mo.second[i * K + j]) + d(mo.mu[i] * mo.mu[j]));
        if (!(est <= goal * std::sqrt(vr[i] * vr[j]))) {
          fine = false;
          if (!keep_all) break;
        }
        cov[i * K + j] = cov[j * K + i] = static_cast<T>(d(c));
      }
    for (std::size_t i = 0; i < K; ++i) cov[i * K + i] = static_cast<T>(vr[i]);
  }
  if (v && (fine || keep_all)) {
    C mv = C(0), mva = C(0);
    double natural = 0;
    for (std::size_t j = 0; j < K; ++j) {
      mv += mo.mu[j] * C(v[j]);
      mva += mo.mu[j] * C(std::fabs(v[j]));
      natural += std::sqrt(vr[j]) * std::fabs(v[j]);
    }
    for (std::size_t i = 0; i < K; ++i) {
      const C h = mo.Mv[i] - mo.mu[i] * mv;
      const double est = mo.err * (d(mo.Mva[i]) + d(mo.mu[i] * mva));
      if (!(est <= goal * std::sqrt(vr[i]) * natural)) {
        fine = false;
        if (!keep_all) break;
      }
      hv[i] = static_cast<T>(d(h));
    }
  }
  return fine;
}

template <class T>
RowStatus cov_any(const T* z, std::size_t K, bool full, const double* v, T* cov, T* var, T* hv) {
  const T nan = std::numeric_limits<T>::quiet_NaN();
  if (invalid(z, K)) {
    if (cov) std::fill(cov, cov + K * K, nan);
    if (var) std::fill(var, var + K, nan);
    if (hv) std::fill(hv, hv + K, nan);
    return RowStatus::invalid_input;
  }
  if (K == 1) {
    if (cov) cov[0] = T(0);
    if (var) var[0] = T(0);
    if (hv) hv[0] = T(0);
    return RowStatus::ok;
  }
  const double spread = static_cast<double>(*std::max_element(z, z + K)) - static_cast<double>(*std::min_element(z, z + K));
  if (!(spread <= kMomentsMaxSpread)) {
    std::vector<T> c(K * K);
    asymptotic_cov(z, K, c.data());
    if (cov) std::copy(c.begin(), c.end(), cov);
    if (var)
      for (std::size_t i = 0; i < K; ++i) var[i] = c[i * K + i];
    if (hv)
      for (std::size_t i = 0; i < K; ++i) {
        double s = 0;
        for (std::size_t j = 0; j < K; ++j) s += static_cast<double>(c[i * K + j]) * v[j];
        hv[i] = static_cast<T>(s);
      }
    return RowStatus::outside_domain;
  }
  if (cov_in<T, double>(z, K, full, v, cov, var, hv)) return RowStatus::ok;
  if constexpr (std::numeric_limits<long double>::digits >= 64)
    if (cov_in<T, long double>(z, K, full, v, cov, var, hv)) return RowStatus::ok;
  cov_in<T, dd>(z, K, full, v, cov, var, hv, true);  // the widest type: its result is kept
  return RowStatus::ok;
}

// ---- entropy ----
// H = (A - max z) + sum_j (max z - z_j) mu_j with y = z - min z: (A - m - r) + sum_j (r - y_j) mu_j.
template <class T, class C>
bool entropy_in(const T* z, std::size_t K, double& H) {
  auto& ws = taylor_detail::workspace<C>();
  T m;
  const double r = prepare<C, T>(z, K, ws, m);
  const Moments<C> mo = moments_of<C>(ws, K, r, false, false, nullptr);
  if (!mo.ok) return false;
  const std::vector<dd> y = shifted_nodes(ws, K);
  dd rr = y[0];
  for (const dd& x : y) rr = std::max(rr, x);
  const dd red = series::reduced_dd(to_dd(mo.S), mo.E, series::LogFactorialOnDemand{K});  // A - min z
  const dd first = red - rr;                                       // A - max z (<= 0)
  dd D(0.0);
  double Dabs = 0;
  for (std::size_t j = 0; j < K; ++j) {
    const dd g = rr - y[j];  // >= 0, exact to 2^-106
    const dd t = g * to_dd(mo.mu[j]);
    D += t;
    Dabs += t.hi;
  }
  const dd h = first + D;
  H = h.hi + h.lo;
  const double uT = unit_roundoff<T>::value();
  const double est = mo.err * Dabs + (mo.err + 0x1p-100) * std::fabs(first.hi);
  return est <= 8 * uT * std::max(1.0, std::fabs(H));
}

// ---- KL ----
// The Gauss-Kronrod pair G3 / K7 on [0, 1]: K7's seven nodes contain G3's three, so one set of
// seven evaluations gives both rules (K7 exact for polynomials of degree <= 11, G3 for <= 5).
// Nodes and weights on [-1, 1] to 30 digits (the Kronrod extension of the 3-point Gauss rule,
// solved to 40 digits from the moment equations; tests/test_distribution.cpp checks exactness on
// monomials), mapped to [0, 1] here.
struct KronrodNode {
  long double x, wk, wg;  // node on [0, 1], K7 weight, G3 weight (0 off the Gauss nodes)
};
inline const std::array<KronrodNode, 7>& gauss_kronrod7_01() {
  static const auto table = [] {
    const long double xs[4] = {0.0L, 0.434243749346802558002071502845L, 0.774596669241483377035853079956L,
                               0.960491268708020283423507092629L};
    const long double wk[4] = {0.450916538658474142345110087046L, 0.401397414775962222905051818618L,
                               0.268488089868333440728569280667L, 0.104656226026467265193823857192L};
    const long double wg[4] = {8.0L / 9, 0, 5.0L / 9, 0};
    std::array<KronrodNode, 7> t{};
    t[0] = {0.5L, wk[0] / 2, wg[0] / 2};
    for (int i = 1; i < 4; ++i) {
      t[2 * i - 1] = {(1 - xs[i]) / 2, wk[i] / 2, wg[i] / 2};
      t[2 * i] = {(1 + xs[i]) / 2, wk[i] / 2, wg[i] / 2};
    }
    return t;
  }();
  return table;
}

// The path of the integral form: x(t) = x0 + t delta held exactly in double-double, and delta
// centred once, dc = (delta - delta_0) - c with c = sum_j mu_j(p) (delta_j - delta_0). Cov 1 = 0,
// so any constant centring leaves delta' Cov delta unchanged; it is there to remove the
// cancellation of a nearly constant delta. Two steps: delta - delta_0 is exact in dd when the two
// are close (a shift of 3.1 next to differences of 1e-300 leaves just the differences), then the
// mean of what is left under p. Centring by delta.mu directly would leave its rounding error,
// 2^-106 |delta|, which can be far larger than the differences themselves. Along the path the
// mean moves by O(t Cov delta), so dc stays centred under x(t) up to t |Q| (the sums below are
// double-double: that residual costs nothing).
struct KlPath {
  std::vector<dd> x0, delta;
  std::vector<double> dc;
};

inline KlPath kl_path(std::vector<dd> x0, std::vector<dd> delta, const std::vector<dd>& mu_p) {
  const std::size_t K = x0.size();
  std::vector<dd> d1(K);
  for (std::size_t j = 0; j < K; ++j) d1[j] = delta[j] - delta[0];
  dd c(0.0);
  for (std::size_t j = 0; j < K; ++j) c += mu_p[j] * d1[j];
  std::vector<double> dc(K);
  for (std::size_t j = 0; j < K; ++j) {
    const dd e = d1[j] - c;  // in dd: delta = 3 + 1e-16 next to delta = 3 must stay apart
    dc[j] = e.hi + e.lo;
  }
  return {std::move(x0), std::move(delta), std::move(dc)};
}

// Q(t) = dc' Cov(x(t)) dc, one moment series in double-double (the mean and Cov dc together).
inline double kl_quadratic(const KlPath& p, long double t) {
  const std::size_t K = p.x0.size();
  std::vector<dd> x(K);
  const dd tt = to_dd(t);
  for (std::size_t j = 0; j < K; ++j) x[j] = p.x0[j] + tt * p.delta[j];
  auto& ws = taylor_detail::workspace<dd>();
  const double r = prepare_dd(x, ws);
  const Moments<dd> mo = moments_of<dd>(ws, K, r, false, false, p.dc.data());
  dd mv(0.0);
  for (std::size_t j = 0; j < K; ++j) mv += mo.mu[j] * p.dc[j];
  dd q(0.0);
  for (std::size_t j = 0; j < K; ++j) q += (mo.Mv[j] - mo.mu[j] * mv) * p.dc[j];
  return std::max(0.0, q.hi + q.lo);
}

// int_a^b (1 - t) Q(t) dt, adaptive: K7 kept on an interval where it agrees with G3 to 2^-46
// relative, otherwise the interval is halved (at most 8 times).
inline double kl_integral(const KlPath& p, long double a, long double b, int depth) {
  long double k7 = 0, g3 = 0;
  for (const auto& n : gauss_kronrod7_01()) {
    const long double t = a + (b - a) * n.x;
    const long double f = (1 - t) * static_cast<long double>(kl_quadratic(p, t));
    k7 += n.wk * f;
    g3 += n.wg * f;
  }
  k7 *= b - a;
  g3 *= b - a;
  if (depth >= 8 || std::fabs(k7 - g3) <= 0x1p-46L * std::fabs(k7)) return static_cast<double>(k7);
  const long double mid = (a + b) / 2;
  return kl_integral(p, a, mid, depth + 1) + kl_integral(p, mid, b, depth + 1);
}

}  // namespace dist_detail

// Cov = grad^2 A (K x K row-major).
template <class T>
RowStatus covariance(const T* z, std::size_t K, T* cov) {
  return dist_detail::cov_any<T>(z, K, true, nullptr, cov, nullptr, nullptr);
}
// The diagonal of Cov: Var(x_i).
template <class T>
RowStatus variances(const T* z, std::size_t K, T* var) {
  return dist_detail::cov_any<T>(z, K, false, nullptr, nullptr, var, nullptr);
}
// Cov v (K entries), O(K N).
template <class T>
RowStatus hvp(const T* z, std::size_t K, const T* v, T* out) {
  std::vector<double> vd(v, v + K);
  for (double x : vd)
    if (!std::isfinite(x)) {
      std::fill(out, out + K, std::numeric_limits<T>::quiet_NaN());
      return RowStatus::invalid_input;
    }
  return dist_detail::cov_any<T>(z, K, false, vd.data(), nullptr, nullptr, out);
}

// Differential entropy H = A - z.mu.
template <class T>
T entropy(const T* z, std::size_t K, RowStatus* status = nullptr) {
  using namespace dist_detail;
  auto set = [&](RowStatus s) {
    if (status) *status = s;
  };
  if (invalid(z, K)) {
    set(RowStatus::invalid_input);
    return std::numeric_limits<T>::quiet_NaN();
  }
  set(RowStatus::ok);
  if (K == 1) return T(0);
  const double spread = static_cast<double>(*std::max_element(z, z + K)) - static_cast<double>(*std::min_element(z, z + K));
  if (!(spread <= kMomentsMaxSpread)) {
    // vertex asymptotics: H ~ A - max z + (K - 1) (the exponentials' means times rates)
    std::vector<T> mu(K);
    const Out<T> o = auto_eval<T>(z, K, mu.data());
    const double mx = static_cast<double>(*std::max_element(z, z + K));
    double s = 0;
    for (std::size_t j = 0; j < K; ++j) s += (mx - static_cast<double>(z[j])) * static_cast<double>(mu[j]);
    set(RowStatus::outside_domain);
    return static_cast<T>(static_cast<double>(o.A) - mx + s);
  }
  double H = 0;
  if (entropy_in<T, double>(z, K, H)) return static_cast<T>(H);
  if constexpr (std::numeric_limits<long double>::digits >= 64)
    if (entropy_in<T, long double>(z, K, H)) return static_cast<T>(H);
  entropy_in<T, dd>(z, K, H);
  return static_cast<T>(H);
}

// KL(p || q) for logits zp, zq of the same K.
template <class T>
T kl_divergence(const T* zp, const T* zq, std::size_t K, RowStatus* status = nullptr) {
  using namespace dist_detail;
  auto set = [&](RowStatus s) {
    if (status) *status = s;
  };
  if (invalid(zp, K) || invalid(zq, K)) {
    set(RowStatus::invalid_input);
    return std::numeric_limits<T>::quiet_NaN();
  }
  set(RowStatus::ok);
  // exactly 0 for zq - zp = c (1, ..., 1), checked exactly (two-sum differences)
  {
    const dd d0 = two_sum(static_cast<double>(zq[0]), -static_cast<double>(zp[0]));
    bool constant = true;
    for (std::size_t j = 1; j < K && constant; ++j) constant = two_sum(static_cast<double>(zq[j]), -static_cast<double>(zp[j])) == d0;
    if (constant) return T(0);
  }
  const double sp = static_cast<double>(*std::max_element(zp, zp + K)) - static_cast<double>(*std::min_element(zp, zp + K));
  const double sq = static_cast<double>(*std::max_element(zq, zq + K)) - static_cast<double>(*std::min_element(zq, zq + K));
  if (!(sp <= kMomentsMaxSpread) || !(sq <= kMomentsMaxSpread)) {
    std::vector<T> mu(K);
    const Out<T> a = auto_eval<T>(zp, K, mu.data()), b = auto_eval<T>(zq, K, nullptr);
    double s = static_cast<double>(b.A) - static_cast<double>(a.A);
    for (std::size_t j = 0; j < K; ++j) s -= (static_cast<double>(zq[j]) - static_cast<double>(zp[j])) * static_cast<double>(mu[j]);
    set(RowStatus::outside_domain);
    return static_cast<T>(std::max(0.0, s));
  }
  // direct formula in double-double with exactly shifted nodes
  auto& wp = taylor_detail::workspace<dd>();
  T mp, mq;
  const double rp = prepare<dd, T>(zp, K, wp, mp);
  const Moments<dd> mo = moments_of<dd>(wp, K, rp, false, false, nullptr);
  const std::vector<dd> yp = shifted_nodes(wp, K);
  const dd redp = series::reduced_dd(mo.S, mo.E, series::LogFactorialOnDemand{K});
  auto& wq = taylor_detail::workspace<dd>();  // (the same thread_local workspace: p's data is copied out)
  const double rq = prepare<dd, T>(zq, K, wq, mq);
  (void)rq;
  const std::vector<dd> yq = shifted_nodes(wq, K);
  const auto sq_series = taylor_detail::run_series<dd>(wq, K, rq, false);
  const dd redq = series::reduced_dd(sq_series.S, sq_series.E, series::LogFactorialOnDemand{K});
  dd kl = redq - redp;
  double terms = std::fabs(redq.hi) + std::fabs(redp.hi);
  for (std::size_t j = 0; j < K; ++j) {
    const dd t = (yq[j] - yp[j]) * mo.mu[j];
    kl = kl - t;
    terms += std::fabs(t.hi);
  }
  const double direct = kl.hi + kl.lo;
  // Its absolute error: the double-double rounding of the terms (2^-104 of them) and the
  // series' truncation (each log S and every mean component to 2^-110 relative): keep it when
  // that is below 2^-46 of the result.
  if (direct >= 0x1p46 * (0x1p-104 * terms + 0x1p-108)) return static_cast<T>(direct);
  // the integral form along the exact path zp + t delta (both rows shifted by min zp)
  std::vector<dd> x0(K), delta(K);
  const dd shift = two_sum(static_cast<double>(mq), -static_cast<double>(mp));  // m_q - m_p, exact
  for (std::size_t j = 0; j < K; ++j) {
    x0[j] = yp[j];
    delta[j] = (yq[j] + shift) - yp[j];  // zq_j - zp_j, kept in dd (never rounded to double)
  }
  return static_cast<T>(kl_integral(kl_path(std::move(x0), std::move(delta), mo.mu), 0.0L, 1.0L, 0));
}

}  // namespace ccnorm
