// ccnorm baseline `closed-form`: the papers' formula, evaluated as written (with a max shift).
//
// Formula (distinct nodes; Gordon-Rodriguez, Loaiza-Ganem, Pleiss & Cunningham, "The continuous
// categorical", ICML 2020, eq. 7; also "Uses and Abuses of the Cross-Entropy Loss", 2020):
//
//     exp[z_1..z_K] = sum_k e^{z_k} / prod_{i != k} (z_k - z_i)
//
// Here with t_k = e^{z_k - m} / prod_{i != k}(z_k - z_i), m = max z (against overflow of e^{z}):
//     A = m + log(sum_k t_k),  logC = LSE(z) - A.
// Mean (what autodiff of the papers' code computes, written out analytically):
//     exp[z, z_j] = sum_{k != j} t_k / (z_k - z_j) + t_j (1 - sum_{i != j} 1/(z_j - z_i))   (times e^m)
//     mu_j = exp[z, z_j] / exp[z].
//
// This is a BASELINE: it must fail where the published formula fails, and it does. Nothing is fixed:
//   - exact ties: a zero factor makes two terms +-inf, so A is +inf, -inf or NaN (0/0 in the limit)
//     although the true value is finite (all-zero logits give A = +inf, mu = NaN);
//   - the terms alternate in sign and cancel: the cancellation factor is about coth(h/2)^{K-1} for
//     equally spaced nodes with gap h, so for clustered nodes the sum is garbage, can come out
//     negative (log of a negative number: NaN) or zero (A = -inf);
//   - the products prod (z_k - z_i) overflow/underflow for large K and spread (no scaling).
// Stable regime: few, well-separated nodes (gap h of order 1 or more and coth(h/2)^{K-1} * u << 1).
// Cost: O(K^2) for the value, O(K^2) for value + mean (one extra O(K) pass per component,
//       K-entry workspace).
// Error (observed against the certified reference; tests/test_baselines.cpp, g++ 12 -O2 x86-64):
//   - well-separated rows (gaps >= 0.75, K <= 6), float / double / long double: err_A <= 16,
//     err_mu <= 322 (docs/design.md §3 units);
//   - rows of the 2022 protocol at sigma = 1 (double): err_A ~ 6e2 at K = 5, 6e4 at K = 8, 8e9 at
//     K = 10, 1e13 at K = 14; err_mu 1e3-1e4 times larger;
//   - clustered row z_k = 1e-3 k (double): |dA| = 1e-10 (K = 3), 5e-7 (K = 4), 1e-3 (K = 5),
//     0.34 (K = 6), non-finite or > 20 from K = 7 on;
//   - max computable dimension (docs/design.md §3; median of 10 seeds) at sigma = 0.01/0.1/1/10/32:
//     float64 6/8/14/33/63.5, float32 3/4/8/19/22 (float32, sigma = 32: the products overflow, the
//     terms become 0 and A = -inf);
//   - notebook row z = (1, ..., 39, 0): float32 log C = 98.0 instead of 125.0; double: relative
//     error of log C 4.5e-7 (|dA| 6e9 u).
// References: Gordon-Rodriguez et al. ICML 2020 / 2022 (above); the closed form is the standard
// expression of a divided difference with distinct nodes (e.g. de Boor, "Divided differences",
// Surveys in Approximation Theory 1, 2005); McCurdy, Ng & Parlett, Math. Comp. 43 (1984) 501-528
// for why it cancels and how to avoid it.
#pragma once
#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <vector>

#include "normalizer/common.hpp"
#include "normalizer/config.hpp"

namespace ccnorm {
namespace detail {

// t_k = e^{z_k - m} / prod_{i != k} (z_k - z_i). Pure, no allocation.
template <class T>
CCNORM_HD T closed_form_term(const T* z, std::size_t K, std::size_t k, const T& m) {
  using std::exp;
  T den = T(1);
  for (std::size_t i = 0; i < K; ++i)
    if (i != k) den *= (z[k] - z[i]);
  T num = exp(z[k] - m);
  return num / den;
}

// Sum of the terms; if t != nullptr the terms are stored there (K entries). Returns sum_k t_k.
template <class T>
CCNORM_HD T closed_form_sum(const T* z, std::size_t K, const T& m, T* t) {
  T s = T(0);
  for (std::size_t k = 0; k < K; ++k) {
    T tk = closed_form_term(z, K, k, m);
    if (t) t[k] = tk;
    s += tk;
  }
  return s;
}

// Scaled exp[z, z_j] = e^{-m} d/dz_j (sum_k e^{z_k} / prod_{i != k}(z_k - z_i)), from the terms t.
template <class T>
CCNORM_HD T closed_form_dterm(const T* z, std::size_t K, std::size_t j, const T* t) {
  T acc = T(0);
  T inv = T(0);
  for (std::size_t k = 0; k < K; ++k) {
    if (k == j) continue;
    acc += t[k] / (z[k] - z[j]);
    inv += T(1) / (z[j] - z[k]);
  }
  return acc + t[j] * (T(1) - inv);
}

template <class T>
CCNORM_HD T max_of(const T* z, std::size_t K) {
  T m = z[0];
  for (std::size_t i = 1; i < K; ++i)
    if (z[i] > m) m = z[i];
  return m;
}

}  // namespace detail

template <class T>
Out<T> closed_form(const T* z, std::size_t K, T* mu) {
  using std::log;
  if (K == 0) throw std::invalid_argument("closed_form: K must be >= 1");
  const T m = detail::max_of(z, K);
  std::vector<T> t;
  if (mu) t.resize(K);
  const T S = detail::closed_form_sum(z, K, m, mu ? t.data() : static_cast<T*>(nullptr));
  Out<T> r;
  r.A = m + T(log(S));  // NaN when S < 0, -inf when S == 0, +inf on a tie with S = inf
  r.logC = log_sum_exp(z, K) - r.A;
  if (mu)
    for (std::size_t j = 0; j < K; ++j) mu[j] = detail::closed_form_dterm(z, K, j, t.data()) / S;
  return r;
}

}  // namespace ccnorm
