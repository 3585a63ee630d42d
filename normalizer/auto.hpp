// ccnorm: `auto` and `auto-precise` - the production paths.
//
// auto (f64 in/out): the all-positive Taylor series of taylor.hpp in plain double with the exact
//   two-sum shift, then
//     A = m + log S + E ln2 - log((K-1)!)
//   assembled in double-double whenever its terms cancel (max |term| > 1.5 max(1,|A|)), so that
//   |A| << |min z| costs nothing in accuracy; log C = LSE(y) - (A - m) likewise. The series' own
//   rounding (relative error of S observed to grow like sqrt(N) u) lands on A and log C alike:
//   where it could exceed ~6 u of the smaller of the two, and for the mean over long series
//   (spread > 128: its componentwise error grows like sqrt(N) u along the degree chain), the row
//   is recomputed with the series in x87 extended precision (64-bit significand, ~2.3x cheaper
//   than double-double; double-double where long double is not wider than double). Result:
//   err_A <= 16, err_mu <= 64 on the hard corpus (tests/test_accuracy), never NaN for finite
//   input, mu strictly inside the simplex.
// auto (f32 in/out): the same double series on the exactly widened input, rounded once to float
//   at the end (so ~0.5 ulp of float for A and mu).
// auto-precise: the series entirely in double-double (about 6x the cost): A <= 1 ulp and
//   mu <= 1 u observed (DESIGN.md section 2).
//
// Spreads beyond kAutoMaxSpread (2^22 ~ 4e6; the series needs ~spread terms) are outside the
// accuracy domain: auto then falls back to the confluent Newton table (sorted-difference in long
// double, accurate when all gaps are large) and clamps into the certified bounds
//   mean(z) - log((K-1)!) <= A <= max(z) - log((K-1)!),
// with mu projected into the open simplex, so that the result is always finite.
//
// Cost: O(K log K + K N) per row with N ~ spread + O(sqrt(spread)) + 20; never O(K^2).
#pragma once
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "normalizer/common.hpp"
#include "normalizer/dd.hpp"
#include "normalizer/sorted_difference.hpp"
#include "normalizer/taylor.hpp"

namespace ccnorm {
namespace auto_detail {

constexpr double kAutoMaxSpread = 0x1p22;
constexpr double kMeanDDSpread = 128.0;
// auto (f64) reruns the series in extended precision when its estimated relative error of S,
// 1.5 sqrt(N) + 0.5 sqrt(K) in u (measured: K = 2 rows (0, d) give rms 0.7 sqrt(N), worst
// 2 sqrt(N) over N = 50..30000 terms), exceeds kSeriesErrBudget max(1, min(|A|, |log C|)) u.
constexpr double kSeriesErrBudget = 10.0;  // spread above which auto (f64) computes the mean in double-double

// A - m = log S + E ln2 - log((K-1)!) and A; `red` kept in double-double when it was formed
// (it is needed again for log C when that cancels).
struct Assembled {
  double A;
  double Ared;     // A - m (rounded)
  dd red;          // A - m in double-double (valid when have_dd)
  bool have_dd;
};

inline dd reduced_dd(dd S, int E, std::size_t K) {
  return dd_log(S) + dd_ln2() * static_cast<double>(E) - log_factorial_dd(static_cast<std::int64_t>(K) - 1);
}

inline Assembled assemble(double m, double S, int E, std::size_t K) {
  const double lS = std::log(S);
  const double lE = static_cast<double>(E) * 0.69314718055994530942;
  const double lg = std::lgamma(static_cast<double>(K));
  const double A0 = m + lS + lE - lg;
  const double big = std::max({std::fabs(m), std::fabs(lS), std::fabs(lE), std::fabs(lg)});
  if (big <= 1.5 * std::max(1.0, std::fabs(A0))) return {A0, lS + lE - lg, dd(0.0), false};
  dd red = reduced_dd(dd(S), E, K);
  dd A = red + m;
  return {A.hi + A.lo, red.hi + red.lo, red, true};
}

inline Assembled assemble(double m, dd S, int E, std::size_t K) {
  dd red = reduced_dd(S, E, K);
  dd A = red + m;
  return {A.hi + A.lo, red.hi + red.lo, red, true};
}

// log C = LSE(z) - A = LSE(y) - (A - m), y sorted ascending with y_K = r (exact as yh + yl):
//   LSE(y) = r + log1p(sum_{j<K} e^{y_j - r}).
// r and A - m are both ~ spread for wide rows while log C ~ sum of log gaps: the difference is
// taken in double-double when it cancels (otherwise 1e4-sized terms cost ~500 u of log C).
template <class C>
double log_c(const taylor_detail::Work<C>& ws, std::size_t K, Assembled& as, dd S, int E) {
  using taylor_detail::to_d;
  const double r = to_d(ws.yh[K - 1]);
  double s = 0.0;
  for (std::size_t j = 0; j + 1 < K; ++j) s += std::exp(to_d(ws.yh[j]) - r);
  const double l1p = std::log1p(s);
  const double c0 = (r + l1p) - as.Ared;
  if (std::max(r, std::fabs(as.Ared)) <= 2.0 * std::max(1.0, std::fabs(c0))) return c0;
  if (!as.have_dd) {
    as.red = reduced_dd(S, E, K);
    as.have_dd = true;
  }
  dd rr;
  if constexpr (std::is_same_v<C, dd>) rr = ws.yh[K - 1];
  else if constexpr (std::is_same_v<C, double>) rr = two_sum(ws.yh[K - 1], ws.yl[K - 1]);
  else rr = dd(static_cast<double>(ws.yh[K - 1]));
  dd c = rr + l1p - as.red;
  return c.hi + c.lo;
}

// Keep mu strictly inside the open simplex (only ever acts on out-of-domain fallbacks).
template <class T>
void project_mu(T* mu, std::size_t K) {
  const T tiny = std::numeric_limits<T>::min();
  T s = T(0);
  bool bad = false;
  for (std::size_t j = 0; j < K; ++j) {
    if (!(mu[j] > T(0)) || !std::isfinite(mu[j])) bad = true;
    else s += mu[j];
  }
  if (bad || !(s > T(0))) {
    for (std::size_t j = 0; j < K; ++j) mu[j] = T(1) / T(static_cast<double>(K));
    return;
  }
  for (std::size_t j = 0; j < K; ++j) mu[j] = std::max(tiny, mu[j] / s);
}

// Out-of-domain fallback (spread > kAutoMaxSpread or overflowing): finite by construction.
template <class T>
Out<T> huge_spread(const T* z, std::size_t K, T* mu) {
  std::vector<long double> zl(z, z + K), mul(mu ? K : 0);
  Out<long double> o{std::numeric_limits<long double>::quiet_NaN(), 0};
  try {
    o = sorted_difference<long double>(zl.data(), K, mu ? mul.data() : nullptr);
  } catch (const std::exception&) {  // e.g. the Newton table's mean refuses K > 8192
    std::fill(mul.begin(), mul.end(), std::numeric_limits<long double>::quiet_NaN());
  }
  if (mu) {
    bool bad = false;
    for (auto v : mul) bad = bad || !(v > 0) || !std::isfinite(static_cast<double>(v));
    if (bad) {
      // Asymptotics for wide gaps: a node far below the top gets mu ~ 1/(max z - z_j) (the
      // K = 2 limit); the rest of the mass is shared by the nodes within 1 of the top.
      long double mx = *std::max_element(zl.begin(), zl.end()), rest = 1;
      std::size_t top = 0;
      for (std::size_t j = 0; j < K; ++j)
        if (mx - zl[j] > 1) rest -= (mul[j] = 1 / (mx - zl[j]));
        else ++top;
      for (std::size_t j = 0; j < K; ++j)
        if (!(mx - zl[j] > 1)) mul[j] = std::max(rest, 0.5L) / static_cast<long double>(top);
    }
  }
  long double mx = zl[0], mean = 0;
  for (auto v : zl) {
    mx = std::max(mx, v);
    mean += v / static_cast<long double>(K);
  }
  const long double lg = std::lgamma(static_cast<long double>(K));
  const long double lo = mean - lg, hi = mx - lg;
  long double A = o.A;
  if (!std::isfinite(static_cast<double>(A))) A = hi;  // Laplace: the max dominates
  A = std::min(hi, std::max(lo, A));
  const long double lse = log_sum_exp(zl.data(), K);
  if (mu) {
    for (std::size_t j = 0; j < K; ++j) mu[j] = static_cast<T>(mul[j]);
    project_mu(mu, K);
  }
  return {static_cast<T>(A), static_cast<T>(lse - A)};
}

// K == 0, non-finite input (NaN out) and K == 1 (A = z_1, log C = 0, mu = 1): true when handled.
template <class T>
bool trivial_row(const T* z, std::size_t K, T* mu, Out<T>& o) {
  const T nan = std::numeric_limits<T>::quiet_NaN();
  bool bad = K == 0;
  for (std::size_t i = 0; i < K && !bad; ++i) bad = !std::isfinite(z[i]);
  if (bad) {
    if (mu) std::fill(mu, mu + K, nan);
    o = {nan, nan};
    return true;
  }
  if (K == 1) {
    if (mu) mu[0] = T(1);
    o = {z[0], T(0)};
    return true;
  }
  return false;
}

}  // namespace auto_detail

template <class T>
Out<T> auto_precise(const T* z, std::size_t K, T* mu);

namespace auto_detail {

// The row again with the series in x87 extended precision (64-bit significand: the chain's
// sqrt(N) growth stays ~2^-11 of a double ulp, at ~2.3x less cost than double-double; y carried
// exactly as the two-sum pair). Double-double where long double is not wider than double.
template <class T>
Out<T> extended(const T* z, std::size_t K, T* mu, double r) {
  using namespace taylor_detail;
  if constexpr (std::numeric_limits<long double>::digits >= 64) {
    auto& wl = workspace<long double>();
    T mT = 0;  // set by taylor_prepare (initialised: GCC 12 cannot see that)
    taylor_prepare<long double, T>(z, K, wl, mT);
    Series<long double> sl = run_series<long double>(wl, K, r, mu != nullptr);
    if (!sl.ok) return huge_spread(z, K, mu);
    if (mu) {
      const long double denom = sl.S * static_cast<long double>(K);
      for (std::size_t j = 0; j < K; ++j) mu[wl.perm[j]] = static_cast<T>(wl.sw[j] / denom);
    }
    const double hi = static_cast<double>(sl.S);
    const dd Sd = two_sum(hi, static_cast<double>(sl.S - static_cast<long double>(hi)));
    auto al = assemble(static_cast<double>(mT), Sd, sl.E, K);
    const double lc = log_c(wl, K, al, Sd, sl.E);
    return {static_cast<T>(al.A), static_cast<T>(lc)};
  } else {
    return auto_precise<T>(z, K, mu);
  }
}

}  // namespace auto_detail

// auto: T = float or double (other types: use taylor<T>).
template <class T>
Out<T> auto_eval(const T* z, std::size_t K, T* mu) {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>, "auto supports float and double");
  using namespace taylor_detail;
  if (Out<T> o; auto_detail::trivial_row(z, K, mu, o)) return o;
  auto& ws = workspace<double>();
  T mT;
  const double r = taylor_prepare<double, T>(z, K, ws, mT);
  if (!(r <= auto_detail::kAutoMaxSpread)) return auto_detail::huge_spread(z, K, mu);
  // f64 mean over a long series: its componentwise error grows like sqrt(N) u along the degree
  // chain (~80 u at spread 3000 in plain double), so such rows go to extended precision at once.
  if constexpr (std::is_same_v<T, double>)
    if (mu != nullptr && r > auto_detail::kMeanDDSpread) return auto_detail::extended(z, K, mu, r);
  Series<double> s = run_series<double>(ws, K, r, mu != nullptr);
  if (!s.ok) return auto_detail::huge_spread(z, K, mu);
  auto as = auto_detail::assemble(static_cast<double>(mT), s.S, s.E, K);
  const double lc0 = auto_detail::log_c(ws, K, as, dd(s.S), s.E);
  if constexpr (std::is_same_v<T, double>) {
    // Estimated error of the double series (see kSeriesErrBudget); it lands on A and on log C
    // alike: err ~ that / max(1, |A|) (or |log C|). Where it could exceed ~6 u: extended.
    const double small_out = std::max(1.0, std::min(std::fabs(as.A), std::fabs(lc0)));
    const double err_est = 1.5 * std::sqrt(static_cast<double>(s.terms)) + 0.5 * std::sqrt(static_cast<double>(K));
    if (err_est > auto_detail::kSeriesErrBudget * small_out) return auto_detail::extended(z, K, mu, r);
  }
  if (mu) {
    const double denom = static_cast<double>(K) * s.S;
    for (std::size_t j = 0; j < K; ++j) mu[ws.perm[j]] = static_cast<T>(ws.sw[j] / denom);
  }
  return {static_cast<T>(as.A), static_cast<T>(lc0)};
}

// auto-precise: the series in double-double (T = float or double).
template <class T>
Out<T> auto_precise(const T* z, std::size_t K, T* mu) {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>, "auto-precise supports float and double");
  using namespace taylor_detail;
  if (Out<T> o; auto_detail::trivial_row(z, K, mu, o)) return o;
  auto& wd = workspace<dd>();
  T mT;
  const double r = taylor_prepare<dd, T>(z, K, wd, mT);
  if (!(r <= auto_detail::kAutoMaxSpread)) return auto_detail::huge_spread(z, K, mu);
  Series<dd> sd = run_series<dd>(wd, K, r, mu != nullptr);
  if (!sd.ok) return auto_detail::huge_spread(z, K, mu);
  auto ad = auto_detail::assemble(static_cast<double>(mT), sd.S, sd.E, K);
  if (mu) {
    const dd denom = sd.S * static_cast<double>(K);
    for (std::size_t j = 0; j < K; ++j) {
      dd q = wd.sw[j] / denom;
      mu[wd.perm[j]] = static_cast<T>(q.hi + q.lo);
    }
  }
  const double lc = auto_detail::log_c(wd, K, ad, sd.S, sd.E);
  return {static_cast<T>(ad.A), static_cast<T>(lc)};
}

}  // namespace ccnorm
