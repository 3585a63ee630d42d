// The invariants of `auto` that the kernel fuzzer (fuzz_kernels.cpp) and the soak test
// (tests/test_soak.cpp) check on every row; docs/design.md §4.11 states them with their
// tolerances. u = unit roundoff of the output type T (2^-53, 2^-24), Lk = log((K-1)!).
//   finite      A, logC and every mu_j finite; status ok or outside_domain
//   simplex     0 <= mu_j <= 1 and |sum mu - 1| <= (64 + K) u (the accuracy goal err_mu <= 64
//               componentwise, plus the rounding of each component; mu_j = 0 only where the true
//               value is below the smallest subnormal of T)
//   bounds      mean(z) - Lk - t <= A <= max(z) - Lk + t,  t = 4 u (1 + max|z_j| + Lk)
//   shift       for a shift c with every z_j + c exact in T: |mu_j(z + c) - mu_j(z)| <= 64 u mu_j
//               + 2 min-normal(T) and |A(z + c) - (A(z) + c)| <= 16 u (max(1,|A(z)|) + max(1,|A(z+c)|))
//               + 2 u |c| (the goal err_A <= 16 on each side)
//               (not bit for bit: auto's late escalation, docs/design.md §2.6 step 6, depends on
//               |A|, which the shift changes, so the two rows may take different precisions)
//   permutation for z reversed and rotated: |A' - A| <= 16 u max(1, |A|) and
//               |mu'_j - mu_j| <= 64 u mu_j + 2 min-normal(T)
// Shift and permutations are compared only when both rows are inside the accuracy domain (status
// ok): the out-of-domain fallback claims no accuracy (docs/design.md §2.6 step 7).
// check_auto returns "" or what failed.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "normalizer/normalizer.hpp"

namespace ccnorm::fuzz {

template <class T>
struct Eval {
  T A, logC;
  RowStatus st;
  std::vector<T> mu;
};

template <class T>
Eval<T> run_auto(const std::vector<T>& z) {
  Eval<T> e;
  e.mu.assign(z.size(), T(0));
  e.st = evaluate_row<T>(Algo::auto_, z.data(), z.size(), e.A, &e.logC, e.mu.data());
  return e;
}

// Is z_j + c exact in T for every j?
template <class T>
bool exact_shift(const std::vector<T>& z, T c) {
  for (T v : z) {
    const T s = v + c;
    if (!std::isfinite(s)) return false;
    const T bb = s - v;  // TwoSum: error = (v - (s - bb)) + (c - bb)
    const T err = (v - (s - bb)) + (c - bb);
    if (err != T(0)) return false;
  }
  return true;
}

// ratio (optional): the largest observed/tolerance over the measured checks (<= 1 when they hold)
inline void note(double* ratio, long double obs, long double tol) {
  if (ratio && tol > 0) *ratio = std::max(*ratio, static_cast<double>(obs / tol));
}

template <class T>
std::string check_values(const std::vector<T>& z, const Eval<T>& e, const char* what, double* ratio = nullptr) {
  const std::size_t K = z.size();
  const long double u = std::numeric_limits<T>::epsilon() / 2;
  char b[256];
  if (!(e.st == RowStatus::ok || e.st == RowStatus::outside_domain)) return std::string(what) + ": status " + status_name(e.st);
  if (!std::isfinite(e.A) || !std::isfinite(e.logC)) return std::string(what) + ": A or logC not finite";
  long double s = 0;
  for (T m : e.mu) {
    if (!std::isfinite(m) || m < T(0) || m > T(1)) return std::string(what) + ": mu_j outside [0,1]";
    s += m;
  }
  note(ratio, std::fabs(s - 1.0L), (64.0L + static_cast<long double>(K)) * u);
  if (std::fabs(s - 1.0L) > (64.0L + static_cast<long double>(K)) * u) {
    std::snprintf(b, sizeof b, "%s: sum mu - 1 = %.3Le", what, s - 1.0L);
    return b;
  }
  long double mx = z[0], mean = 0, amax = 0;
  for (T v : z) {
    mx = std::max<long double>(mx, v);
    mean += static_cast<long double>(v) / static_cast<long double>(K);
    amax = std::max<long double>(amax, std::fabs(static_cast<long double>(v)));
  }
  int sg = 0;
  const long double Lk = ::lgammal_r(static_cast<long double>(K), &sg);
  const long double t = 4 * u * (1 + amax + Lk);
  if (static_cast<long double>(e.A) < mean - Lk - t || static_cast<long double>(e.A) > mx - Lk + t) {
    std::snprintf(b, sizeof b, "%s: A = %.17Lg outside [mean - Lk, max - Lk] = [%.17Lg, %.17Lg]", what,
                  static_cast<long double>(e.A), mean - Lk, mx - Lk);
    return b;
  }
  return "";
}

// Every invariant on row z (a valid row: finite entries, K >= 1).
template <class T>
std::string check_auto(const std::vector<T>& z, double* ratio = nullptr, bool transforms = true) {
  const std::size_t K = z.size();
  const long double u = std::numeric_limits<T>::epsilon() / 2;
  const Eval<T> e = run_auto(z);
  std::string w = check_values(z, e, "z", ratio);
  if (!w.empty() || !transforms) return w;
  char b[256];
  // shift: the first candidate c that is exact for every entry
  const T cands[] = {T(1), T(-0.75), T(1024), T(-3e5), z[0], -z[K - 1], T(std::ldexp(1.0, 40)), T(std::ldexp(1.0, -30))};
  for (T c : cands) {
    if (c == T(0) || !exact_shift(z, c)) continue;
    std::vector<T> zs(z);
    for (T& v : zs) v += c;
    const Eval<T> es = run_auto(zs);
    w = check_values(zs, es, "z + c");
    if (!w.empty()) return w;
    if (e.st != RowStatus::ok || es.st != RowStatus::ok) break;
    for (std::size_t j = 0; j < K; ++j) {
      const long double tol = 64 * u * e.mu[j] + 2 * static_cast<long double>(std::numeric_limits<T>::min());
      const long double d = std::fabs(static_cast<long double>(es.mu[j]) - e.mu[j]);
      note(ratio, d, tol);
      if (d > tol) {
        std::snprintf(b, sizeof b, "shift c = %a: mu_%zu %a vs %a", static_cast<double>(c), j + 1, static_cast<double>(es.mu[j]),
                      static_cast<double>(e.mu[j]));
        return b;
      }
    }
    const long double d = std::fabs(static_cast<long double>(es.A) - (static_cast<long double>(e.A) + c));
    const long double tA = 16 * u * (std::max<long double>(1, std::fabs(static_cast<long double>(e.A))) +
                                     std::max<long double>(1, std::fabs(static_cast<long double>(es.A)))) +
                           2 * u * std::fabs(static_cast<long double>(c));
    note(ratio, d, tA);
    if (d > tA) {
      std::snprintf(b, sizeof b, "shift c = %a: A(z+c) - A(z) - c = %.3Le", static_cast<double>(c), d);
      return b;
    }
    break;
  }
  // permutations: reversed, rotated by one
  for (int p = 0; p < 2 && K > 1; ++p) {
    std::vector<T> zp(K);
    std::vector<std::size_t> idx(K);
    for (std::size_t j = 0; j < K; ++j) idx[j] = p == 0 ? K - 1 - j : (j + 1) % K;
    for (std::size_t j = 0; j < K; ++j) zp[j] = z[idx[j]];
    const Eval<T> ep = run_auto(zp);
    w = check_values(zp, ep, "permuted z");
    if (!w.empty()) return w;
    if (e.st != RowStatus::ok || ep.st != RowStatus::ok) continue;
    note(ratio, std::fabs(static_cast<long double>(ep.A) - e.A), 16 * u * std::max<long double>(1, std::fabs(static_cast<long double>(e.A))));
    if (std::fabs(static_cast<long double>(ep.A) - e.A) > 16 * u * std::max<long double>(1, std::fabs(static_cast<long double>(e.A)))) {
      std::snprintf(b, sizeof b, "permutation %d: A %a vs %a", p, static_cast<double>(ep.A), static_cast<double>(e.A));
      return b;
    }
    for (std::size_t j = 0; j < K; ++j) {
      const long double a = ep.mu[j], r = e.mu[idx[j]];
      note(ratio, std::fabs(a - r), 64 * u * r + 2 * static_cast<long double>(std::numeric_limits<T>::min()));
      if (std::fabs(a - r) > 64 * u * r + 2 * static_cast<long double>(std::numeric_limits<T>::min())) {
        std::snprintf(b, sizeof b, "permutation %d: mu %a vs %a", p, static_cast<double>(a), static_cast<double>(r));
        return b;
      }
    }
  }
  return "";
}

}  // namespace ccnorm::fuzz
