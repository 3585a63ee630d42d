// ccnorm: `saddle` - the divided difference of exp as a Bromwich integral through its saddle point,
// by the trapezoid rule: O(K) per quadrature point for rows of many logits at a wide spread, where the
// series needs ~spread terms per node (docs/design.md §2.15).
//
// Formula. For real nodes x_1..x_K (K >= 2) and any real t* > M = max x,
//     exp[x_1..x_K] = (1/2 pi i) \int_{t* - i inf}^{t* + i inf} e^t / prod_j (t - x_j) dt
//                   = e^{t*} prod_j d_j^-1 * J,   d_j = t* - x_j > 0,
//     J = (1/2 pi) \int f(y) dy,   f(y) = e^{iy} prod_j (1 + i y / d_j)^-1.
// f is the characteristic function of 1 - S, S = sum_j E_j with independent E_j ~ Exp(rate d_j), so
// J = p_S(1), the density of S at 1. t* is the saddle point of e^t / prod (t - x_j) on the real line,
// sum_j 1/d_j = 1 (E[S] = 1: the density is taken at its mean), found by Newton's method on the
// convex decreasing log sum_j 1/(t - x_j) (from t = M + 1, monotone; t* need not be exact: any
// t* > M gives the same integral, the saddle only makes it cheap). With x_j = y/d_j,
//     f(y) = exp(-R(y)/2 - i Theta(y)),  R = sum_j log1p(x_j^2),
//     Theta = sum_j (atan x_j - x_j) + y (sum_j 1/d_j - 1),
// the linear part of the phase taken out analytically (each atan x_j - x_j ~ -x_j^3/3 is evaluated
// without cancellation: half-angle reduction and a 14-term series, so the phase carries u of its own
// size, not u y). Mean: mu_j = dA/dx_j = p_{S + E'_j}(1) / (d_j p_S(1)) with one more exponential
// of rate d_j, i.e. the same integral of f(y) d_j / (d_j + i y).
//
// Quadrature. Trapezoid rule with step h on y >= 0 (f(-y) = conj f(y)):
//     J_h = (h/pi) D,  D = 1/2 + sum_{k>=1} Re f(kh);   n_j = 1/2 + sum_k Re(f(kh) / (1 + i kh/d_j)),
//     mu_j = n_j / (d_j D),   A = M + (t* - M) - sum_j log d_j + log(h/pi) + log D.
// Error bound (proved; here the rounding aside). By Poisson summation, J_h - J = sum_{n != 0}
// p_S(1 + 2 pi n/h): every term is >= 0, and p_S is log-concave (a convolution of exponential
// densities), so with rho = (J_{2h} - J_h)/J >= max_{+-} p_S(1 +- pi/h)/p_S(1) (J_{2h} - J_h is the
// sum over odd n at the half frequency, and J_{2h} uses every second point of J_h: free),
//     0 <= (J_h - J)/J <= sum_{n>=1} (rho_+^{2n} + rho_-^{2n}) <= 2 rho^2 / (1 - rho^2).
// The same holds for every n_j (p_{S+E'_j} is log-concave too). The sum over k is stopped at Y = kh
// where |f| has become negligible: log(1 + e^v) is convex in v = 2 log y, hence for y >= Y
//     |f(y)| <= |f(Y)| (Y/y)^P,  P = sum_j x_j^2 / (1 + x_j^2) at y = Y,
// and the omitted sum of |f| (or of |f| d_j/|d_j + iy|, no larger) is at most |f(Y)| Y / (h (P - 1)).
// h starts at 2 pi / (28 sigma), sigma^2 = sum_j d_j^-2 (the variance of S: |f| ~ exp(-y^2 sigma^2/2)
// near 0, and rho ~ exp(-(pi/h)^2 / (2 sigma^2)) for a Gaussian-like S; the skewed right tail of S
// needs the factor 28 rather than 14 in practice) and the quadrature is redone at h/2 until
// rho <= 2^-31 for D and every n_j; the sum runs until the truncation bound is below 2^-64 of D and
// of every n_j: discretisation plus truncation <= 2^-60 relative.
//
// Stable regime (acceptance tests). The terms Re f(kh) are positive near y = 0 and oscillate once the
// phase Theta has turned (few nodes near the top: S is far from Gaussian); the result is accepted
// only when (1/2 + sum |Re f|) <= kMaxCondition D, and the same for each n_j with kMaxMeanCondition,
// K >= kMinK, 1/sigma^2 >= kMinEffectiveNodes (checked first, O(K)) and at most max_points points;
// otherwise it declines and the caller runs the other paths.
// Rounding (observed, not proved): R and Theta are positive sums of log1p and of the cubic
// remainders (relative error ~u each) accumulated in x87; 1/d_j is held as two doubles so that
// x_j = y/d_j carries no rounding common to all points; the mean numerators are TwoSum-compensated
// and mu_j is formed in extended precision; sum_j log d_j is an extended Neumaier sum, and where
// A << max z (M + (A - M) cancels) it is recomputed in double-double with d_j exact. Observed
// against the certified reference (tests/test_saddle.cpp, tests/data/saddle_tolerances.csv):
// f64 err_A <= 0.87, err_logC <= 0.71, err_mu <= 1.63 u; f32 <= 1 u.
//
// Cost: O(K) for the Newton steps (~log2 of the saddle's distance), K extended logarithms and
// exponentials, then per quadrature point one log1p and the atan remainder per node (~27 ns; 40-60
// points for a Gaussian-like S at any spread - the count depends on the shape of S, not on the
// spread - up to a few hundred for K ~ 32-100); with the mean one more division per node and point.
// auto (auto.hpp) uses it where its measured cost is below the series' (docs/design.md §2.6 step 2).
//
// References: the inverse Laplace transform of 1/prod (s - x_j) at time 1 is exp[x_1..x_K] (Opitz's
// matrix exp(M) of the bidiagonal matrix; de Boor, Divided differences, 2005); the trapezoid rule
// for analytic integrands and its aliasing error by Poisson summation: L. N. Trefethen, J. A. C.
// Weideman, The exponentially convergent trapezoidal rule, SIAM Review 56 (2014); saddle-point
// contours for inverse Laplace transforms: J. A. C. Weideman, L. N. Trefethen, Parabolic and
// hyperbolic contours for computing the Bromwich integral, Math. Comp. 76 (2007); log-concavity of
// sums of independent exponentials (convolutions of log-concave densities): I. J. Ibragimov (1956).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "normalizer/common.hpp"
#include "normalizer/dd.hpp"

namespace ccnorm {
namespace saddle_detail {

using L = long double;

constexpr std::size_t kMinK = 32;           // fewer nodes: S is far from Gaussian, the series is cheap
constexpr int kMaxPoints = 1024;            // quadrature points, all halvings together, before declining
constexpr double kMaxCondition = 2;         // (1/2 + sum |Re f|) / D
constexpr double kMaxMeanCondition = 4;     // the same for each n_j
constexpr double kMaxRho = 0x1p-31;         // (J_2h - J_h) / J_h: discretisation <= 2 rho^2 / (1 - rho^2)
constexpr double kMaxTail = 0x1p-64;        // truncation bound relative to D and to each n_j
constexpr double kMinEffectiveNodes = 16;   // 1 / Var S = (sum 1/d)^2 / sum 1/d^2: fewer, S is far from Gaussian
constexpr double kStartSteps = 28;          // h = 2 pi / (kStartSteps sigma)
constexpr L kPi = 3.141592653589793238462643383279502884L;

// atan(x) - x for x >= 0 with a relative error of a few u (no cancellation for small x; 5.6 u
// observed, tests/test_saddle.cpp):
// atan x = 2 atan w, w = x / (1 + sqrt(1 + x^2)) <= 0.236 for x <= 1/2, so
// atan x - x = 2 (atan w - w) - x^3 / (1 + sqrt(1 + x^2))^2, both terms <= 0, and
// atan w - w = -w^3 sum_n (-1)^n w^{2n} / (2n + 3), 14 terms (w^28 < 2^-58).
inline double atan_minus_x(double x) {
  if (x > 0.5) return std::atan(x) - x;
  constexpr double c[14] = {1.0 / 3,  -1.0 / 5,  1.0 / 7,  -1.0 / 9,  1.0 / 11, -1.0 / 13, 1.0 / 15,
                            -1.0 / 17, 1.0 / 19, -1.0 / 21, 1.0 / 23, -1.0 / 25, 1.0 / 27, -1.0 / 29};
  const double s = std::sqrt(1 + x * x), q = 1 + s, w = x / q, w2 = w * w;
  double p = c[13];
  for (int n = 12; n >= 0; --n) p = c[n] + w2 * p;
  return -2 * (w * w2) * p - (x * x * x) / (q * q);
}

struct Work {
  std::vector<L> dl;                 // d_j = t* - x_j (extended)
  std::vector<double> r, rl;         // 1 / d_j = r + rl (to ~2^-64: x_j = y/d_j carries no rounding common to all y)
  std::vector<double> ns, nc, nd, na;  // n_j: sum, its compensation, alternating sum, sum |terms|
};
inline Work& work() {
  thread_local Work w;
  return w;
}

// The saddle point: the offset u > 0 with sum_j 1/(u + dl(j)) = 1, for offsets dl(j) = max z - z_j
// >= 0 (one of them 0), by Newton's method on the convex decreasing log g(u), g = sum 1/(u + dl),
// from u = 1 (g(1) >= 1): the iterates increase towards the root and never pass it. NaN when an
// iterate is not finite.
template <class Offset>
double saddle_offset(std::size_t K, Offset dl) {
  double u = 1;
  for (int it = 0; it < 200; ++it) {
    double g = 0, g1 = 0;
    for (std::size_t j = 0; j < K; ++j) {
      const double q = 1 / (u + dl(j));
      g += q;
      g1 += q * q;
    }
    const double lg = std::log(g);
    if (!(lg > 1e-9)) break;  // at (or numerically past) the saddle
    u += lg * g / g1;          // u - log g / (log g)',  (log g)' = -g1 / g
    if (!std::isfinite(u)) return NAN;
  }
  return u;
}

}  // namespace saddle_detail

// The saddle-point quadrature of the file comment: true (and out, mu filled) when every acceptance
// test holds, false when it declines (nothing meaningful in mu). Finite input, any K.
// max_points: quadrature points allowed over all halvings (auto: what the series would cost).
template <class T>
bool saddle(const T* z, std::size_t K, T* mu, Out<T>& out, int max_points = saddle_detail::kMaxPoints) {
  using namespace saddle_detail;
  if (K < kMinK) return false;
  Work& w = work();
  w.dl.resize(K);
  w.r.resize(K);
  w.rl.resize(K);
  double M = static_cast<double>(z[0]);
  for (std::size_t j = 1; j < K; ++j) M = std::max(M, static_cast<double>(z[j]));
  for (std::size_t j = 0; j < K; ++j) w.dl[j] = static_cast<L>(M) - static_cast<L>(z[j]);
  const double u = saddle_offset(K, [&](std::size_t j) { return static_cast<double>(w.dl[j]); });
  if (!std::isfinite(u)) return false;
  // prefactor and the exact linear part of the phase, in extended precision (Neumaier sums)
  L slog = 0, clog = 0, sinv = 0, cinv = 0;
  double var = 0;
  for (std::size_t j = 0; j < K; ++j) {
    const L d = w.dl[j] + static_cast<L>(u);
    w.dl[j] = d;
    const L lg = std::log(d), iv = 1 / d;
    const L t1 = slog + lg;
    clog += std::fabs(slog) >= std::fabs(lg) ? (slog - t1) + lg : (lg - t1) + slog;
    slog = t1;
    const L t2 = sinv + iv;
    cinv += (sinv - t2) + iv;  // sinv >= iv after the first term (all positive): fine either way
    sinv = t2;
    w.r[j] = static_cast<double>(iv);
    w.rl[j] = static_cast<double>(iv - static_cast<L>(w.r[j]));
    var += w.r[j] * w.r[j];
  }
  const double q1 = static_cast<double>((sinv - 1) + cinv);
  const L sumlog = slog + clog;
  const bool mean = mu != nullptr;
  // Var S = sum 1/d_j^2 = 1 / (effective number of nodes): a few nodes dominating (a gap below the
  // top, separated.hpp's case) make the integrand's tail heavy; decline at once, at O(K) cost
  if (!(var * kMinEffectiveNodes <= 1)) return false;
  const double sigma = std::sqrt(var);
  double h = static_cast<double>(2 * kPi) / (kStartSteps * sigma);
  if (!(h > 0) || !std::isfinite(h)) return false;
  int spent = 0;
  for (int halvings = 0; halvings < 4; ++halvings) {
    // points k = 1, 2, ...: D = 1/2 + sum Re f_k (extended), Dd = 1/2 + sum (-1)^k Re f_k, so that
    // J_2h - J_h = (h/pi) Dd; n_j as a compensated double sum (TwoSum), its alternating sum and
    // its sum of |terms| as plain doubles (they only enter the acceptance tests)
    L D = 0.5, Dd = 0.5, Da = 0.5;
    if (mean) {
      w.ns.assign(K, 0.5);
      w.nc.assign(K, 0);
      w.nd.assign(K, 0.5);
      w.na.assign(K, 0.5);
    }
    int k = 1;
    bool stopped = false;
    for (; spent < max_points; ++k, ++spent) {
      const double y = k * h;
      L R = 0, Th = 0;
      double P = 0;
      for (std::size_t j = 0; j < K; ++j) {
        const double x = std::fma(y, w.r[j], y * w.rl[j]), x2 = x * x;
        R += std::log1p(x2);
        Th += atan_minus_x(x);
        P += x2 / (1 + x2);
      }
      const double ph = static_cast<double>(Th) + y * q1, mag = std::exp(-0.5 * static_cast<double>(R));
      const double fr = mag * std::cos(ph), fi = -mag * std::sin(ph), sg = (k & 1) ? -1.0 : 1.0;
      D += fr;
      Dd += sg * fr;
      Da += std::fabs(fr);
      if (mean)
        for (std::size_t j = 0; j < K; ++j) {
          const double x = std::fma(y, w.r[j], y * w.rl[j]);
          const double t = (fr + x * fi) / (1 + x * x);
          const double s = w.ns[j] + t, bb = s - w.ns[j];
          w.nc[j] += (w.ns[j] - (s - bb)) + (t - bb);
          w.ns[j] = s;
          w.nd[j] += sg * t;
          w.na[j] += std::fabs(t);
        }
      // truncation: sum over k' > k of |f| <= |f(y)| y / (h (P - 1)) for P > 1 (file comment)
      const double tail = P > 2 ? mag * y / (h * (P - 1)) : HUGE_VAL;
      if (tail <= kMaxTail * static_cast<double>(D)) {
        bool ok = true;
        if (mean)
          for (std::size_t j = 0; j < K && ok; ++j) ok = tail <= kMaxTail * (w.ns[j] + w.nc[j]);
        if (ok) {
          stopped = true;
          break;
        }
      }
    }
    if (!stopped) return false;
    if (!(D > 0) || !(Da <= kMaxCondition * D)) return false;
    // rho = (J_2h - J_h) / J_h = Dd / D (file comment): halve h until rho <= kMaxRho, for every n_j too
    bool fine = std::fabs(Dd) <= kMaxRho * D;
    if (fine && mean)
      for (std::size_t j = 0; j < K && fine; ++j) {
        const double nj = w.ns[j] + w.nc[j];
        if (!(nj > 0) || !(w.na[j] <= kMaxMeanCondition * nj)) return false;
        fine = std::fabs(w.nd[j]) <= kMaxRho * nj;
      }
    if (!fine) {
      h *= 0.5;
      continue;
    }
    // A - M = (t* - M) - sum log d_j + log(h / pi) + log D, in extended precision
    const L small = std::log(static_cast<L>(h) / kPi) + std::log(D);  // |.| ~ 1
    const L am = (static_cast<L>(u) - sumlog) + small;
    L se = 0;
    for (std::size_t j = 0; j < K; ++j) se += std::exp(static_cast<L>(z[j]) - static_cast<L>(M));
    const L lse = std::log(se);
    if (!(std::fabs(M) > 4 * std::max(1.0L, std::fabs(static_cast<L>(M) + am)))) {
      out = {static_cast<T>(static_cast<L>(M) + am), static_cast<T>(lse - am), RowStatus::ok};
    } else {
      // A << max z: M + (A - M) cancels, and the extended sum of logs (~2^-64 of |A - M| absolute)
      // would be several u of A. Recompute sum_j log d_j in double-double, d_j = (M - z_j) + u
      // exact as a double-double (two-sums), and assemble A and log C there.
      dd sl{0, 0};
      for (std::size_t j = 0; j < K; ++j) sl += dd_log(two_sum(M, -static_cast<double>(z[j])) + u);
      const double sh = static_cast<double>(small);
      const dd amd = (dd{u, 0} - sl) + dd{sh, static_cast<double>(small - sh)};
      const dd a = amd + M;
      const double lh = static_cast<double>(lse);
      const dd lc = dd{lh, static_cast<double>(lse - lh)} - amd;
      out = {static_cast<T>(a.hi + a.lo), static_cast<T>(lc.hi + lc.lo), RowStatus::ok};
    }
    if (mean)
      for (std::size_t j = 0; j < K; ++j)
        mu[j] = static_cast<T>((static_cast<L>(w.ns[j]) + static_cast<L>(w.nc[j])) / (w.dl[j] * D));
    return true;
  }
  return false;
}

}  // namespace ccnorm
