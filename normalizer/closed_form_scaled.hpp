// ccnorm baseline `closed-form-scaled`: the published TensorFlow implementation of the closed form.
//
// Transcribed from the authors' TensorFlow code, functions `cc_log_norm_const(eta)` and `cc_mean`
// of the `cc_funcs` module in github.com/cunningham-lab/cb_and_cc (the repository the ICML 2020 and
// 2022 papers link to; read through a public code index, not copied):
//
//     sds       = reduce_std(stop_gradient(eta))            # population std of the K-1 entries of eta
//     aug_eta   = [eta, 0]
//     lam       = softmax(aug_eta)                          # "lambda-numerators"
//     x         = aug_eta / sds
//     dens_k    = prod_{i != k} (x_i - x_k)                 # reduce_prod(x_i - x_k + I, axis=1)
//     log C     = -log((-1)^(K-1) * sum_k lam_k / dens_k) + (K-1) * log(sds)
//
// i.e. with g_k = 1 / prod_{i != k}(x_k - x_i):  S = sum_k lam_k g_k = s^{K-1} exp[z] / sum_i e^{z_i},
// because the divided difference of t -> e^{s t} at x = z/s is s^{K-1} exp[z]. Hence
//     logC = -log S + (K-1) log s   (as published),   A = LSE(z) - logC   (docs/design.md §1).
// The published mean is autodiff of A with s held constant (stop_gradient); analytically
//     mu_j = ( lam_j g_j (1 - (1/s) sum_{i != j} 1/(x_j - x_i)) + (1/s) sum_{k != j} lam_k g_k / (x_k - x_j) ) / S.
// (The published `cc_mean` then replaces rows with any component <= 0 by NaN; that masking is not
// reproduced: callers see the raw formula.)
//
// Differences from the published code, all deliberate:
//   - it is applied to the logits z directly (x = z / s) instead of eta = z - z_K; for the papers'
//     inputs z = (eta, 0) the nodes are identical.
//   - s is the population standard deviation of all K logits (numpy / tf.math.reduce_std
//     semantics), which is invariant under permutation and shift of z. The published code takes the
//     std of the K-1 entries of eta only (the appended 0 excluded); for K = 2 that is std of one
//     number = 0 and the published code returns NaN for every continuous-Bernoulli input, whereas
//     here K = 2 works (K = 1 is still NaN). The two choices give the same max computable
//     dimension on the papers' protocol (measured, see below).
//   - (-1)^(K-1) and the reversed difference sign are folded together: x_k - x_i instead of x_i - x_k.
//
// This is a BASELINE and keeps every failure of the published formula:
//   - s = 0 (all logits equal, e.g. all-zero initialisation): x = 0/0, everything NaN;
//   - other exact ties: a zero factor, +-inf terms, A = +-inf or NaN;
//   - alternating terms cancel exactly as in `closed-form` (scaling by s changes the range, not the
//     cancellation): NaN when S < 0, -inf when S = 0, garbage for clustered nodes.
// Stable regime: well-separated nodes: K up to ~14 at sigma = 1, ~33 at sigma = 10 (double).
// Cost: O(K^2) for the value, O(K^2) for value + mean (2K-entry workspace).
// Error (observed against the certified reference; tests/test_baselines.cpp, g++ 12 -O2 x86-64):
//   - well-separated rows (gaps >= 0.75, K <= 6), float / double / long double: err_A <= 16,
//     err_mu <= 322 (x = z / s costs a few bits of the differences on offset rows);
//   - max computable dimension (docs/design.md §3; median of 10 seeds) at sigma = 0.01/0.1/1/10/32:
//     float64 6/8/14/32.5/63.5 (published, 2022 notebook figure: ~7.5/~9.5/~15/~33/>=40),
//     float32 3/4/8/19/47 (published: ~4/-/~9/~22/-). The notebook's own s = std(eta) gives the
//     same float64 row and 3/4/8/19/48 in float32. Measured values sit ~1 below the published
//     ones throughout, as if the figure counted the first failing K; all are within +-3;
//   - clustered row z_k = 1e-3 k (double): |dA| = 1e-10 (K = 3), 9e-4 (K = 5), 1.6 (K = 6),
//     non-finite or > 10 from K = 7 on;
//   - notebook row z = (1, ..., 39, 0): NaN in float32; double: relative error of log C 1.2e-5.
// References: Gordon-Rodriguez, Loaiza-Ganem, Pleiss & Cunningham, ICML 2020 (eq. 7, appendix eq. 10
// for the mean by autodiff); Gordon-Rodriguez, Loaiza-Ganem, Potapczynski & Cunningham, "On the
// normalizing constant of the continuous categorical distribution", 2022 (the notebook's
// `cc_log_norm_const` and its max-dimension experiment).
#pragma once
#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <vector>

#include "normalizer/closed_form.hpp"
#include "normalizer/common.hpp"
#include "normalizer/config.hpp"

namespace ccnorm {
namespace detail {

// Population standard deviation (two-pass), as tf.math.reduce_std / numpy.std.
template <class T>
CCNORM_HD T population_std(const T* z, std::size_t K) {
  using std::sqrt;
  T mean = T(0);
  for (std::size_t i = 0; i < K; ++i) mean += z[i];
  mean /= T(static_cast<double>(K));
  T var = T(0);
  for (std::size_t i = 0; i < K; ++i) {
    T d = z[i] - mean;
    var += d * d;
  }
  var /= T(static_cast<double>(K));
  return T(sqrt(var));
}

// S = sum_k lam_k / prod_{i != k}(x_k - x_i) with x = z / s, lam = softmax(z). Pure, no allocation:
// x and g (K entries each) receive the scaled nodes and the terms g_k = lam_k / dens_k.
template <class T>
CCNORM_HD T closed_form_scaled_sum(const T* z, std::size_t K, const T& s, T* x, T* g) {
  using std::exp;
  // softmax as tf.math.softmax: exp(z - max) / sum(exp(z - max)); g holds lam first
  const T m = max_of(z, K);
  T den = T(0);
  for (std::size_t k = 0; k < K; ++k) {
    g[k] = exp(z[k] - m);
    den += g[k];
  }
  for (std::size_t k = 0; k < K; ++k) g[k] /= den;
  for (std::size_t k = 0; k < K; ++k) x[k] = z[k] / s;
  T S = T(0);
  for (std::size_t k = 0; k < K; ++k) {
    T p = T(1);
    for (std::size_t i = 0; i < K; ++i)
      if (i != k) p *= (x[k] - x[i]);
    g[k] = g[k] / p;  // lam_k / dens_k
    S += g[k];
  }
  return S;
}

// mu_j = dA/dz_j of the scaled formula with s held constant (autodiff of the published code).
template <class T>
CCNORM_HD T closed_form_scaled_mean(const T* x, const T* g, std::size_t K, std::size_t j, const T& s,
                                    const T& S) {
  T acc = T(0), inv = T(0);
  for (std::size_t k = 0; k < K; ++k) {
    if (k == j) continue;
    acc += g[k] / (x[k] - x[j]);
    inv += T(1) / (x[j] - x[k]);
  }
  return (g[j] * (T(1) - inv / s) + acc / s) / S;
}

// The published formula with a given scale s (the public entry point passes std(z); the
// measurement in tests/test_baselines.cpp also passes the notebook's std(eta) to compare).
template <class T>
Out<T> closed_form_scaled_with_scale(const T* z, std::size_t K, T* mu, const T& s) {
  using std::log;
  std::vector<T> x(K), g(K);
  const T S = closed_form_scaled_sum(z, K, s, x.data(), g.data());
  Out<T> r;
  r.logC = -T(log(S)) + T(static_cast<double>(K - 1)) * T(log(s));  // as published
  r.A = log_sum_exp(z, K) - r.logC;
  if (mu)
    for (std::size_t j = 0; j < K; ++j) mu[j] = closed_form_scaled_mean(x.data(), g.data(), K, j, s, S);
  return r;
}

}  // namespace detail

template <class T>
Out<T> closed_form_scaled(const T* z, std::size_t K, T* mu) {
  if (K == 0) throw std::invalid_argument("closed_form_scaled: K must be >= 1");
  // s = 0 for K = 1 or all-equal logits: x = 0/0 and the result is NaN, as published.
  return detail::closed_form_scaled_with_scale(z, K, mu, detail::population_std(z, K));
}

}  // namespace ccnorm
