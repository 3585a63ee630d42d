// ccnorm baseline `closed-form-scaled`: the published TensorFlow implementation of the closed form.
//
// Transcribed from the authors' TensorFlow code, function `cc_log_norm_const(eta)` (repository of
// the continuous Bernoulli / continuous categorical papers, file `cc_funcs.py` used by the 2022
// notebook; same function in the ICML 2020 example code):
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
//     logC = -log S + (K-1) log s   (as published),   A = LSE(z) - logC   (DESIGN section 1).
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
//     here K = 2 works. The two choices give the same max computable dimension on the papers'
//     protocol (measured, see tests/test_baselines.cpp).
//   - (-1)^(K-1) and the reversed difference sign are folded together: x_k - x_i instead of x_i - x_k.
//
// This is a BASELINE and keeps every failure of the published formula:
//   - s = 0 (all logits equal, e.g. all-zero initialisation): x = 0/0, everything NaN;
//   - other exact ties: a zero factor, +-inf terms, A = +-inf or NaN;
//   - alternating terms cancel exactly as in `closed-form` (scaling by s changes the range, not the
//     cancellation): NaN when S < 0, -inf when S = 0, garbage for clustered nodes.
// Stable regime: well-separated nodes, K below ~15 (double, sigma = 1) to ~35 (sigma = 10).
// Cost: O(K^2) for the value, O(K^2) for value + mean (K-entry workspace).
// Error (observed, tests/test_baselines.cpp, protocol of DESIGN section 3, median over 10 seeds):
// see the max-dimension table there; published figures (2022 notebook): float64 sigma = 1 -> ~15,
// sigma = 10 -> ~33.
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

// The published formula with a given scale s (the public entry point passes std(z); the
// measurement in tests/test_baselines.cpp also passes the notebook's std(eta) to compare).
template <class T>
Out<T> closed_form_scaled_with_scale(const T* z, std::size_t K, T* mu, const T& s) {
  using std::exp;
  using std::log;
  // softmax as tf.math.softmax: exp(z - max) / sum(exp(z - max))
  const T m = detail::max_of(z, K);
  std::vector<T> lam(K), x(K), g(K);
  T den = T(0);
  for (std::size_t k = 0; k < K; ++k) {
    lam[k] = exp(z[k] - m);
    den += lam[k];
  }
  for (std::size_t k = 0; k < K; ++k) lam[k] /= den;
  for (std::size_t k = 0; k < K; ++k) x[k] = z[k] / s;
  T S = T(0);
  for (std::size_t k = 0; k < K; ++k) {
    T p = T(1);
    for (std::size_t i = 0; i < K; ++i)
      if (i != k) p *= (x[k] - x[i]);
    g[k] = lam[k] / p;  // lam_k / dens_k
    S += g[k];
  }
  Out<T> r;
  r.logC = -T(log(S)) + T(static_cast<double>(K - 1)) * T(log(s));
  r.A = log_sum_exp(z, K) - r.logC;
  if (mu) {
    for (std::size_t j = 0; j < K; ++j) {
      T acc = T(0), inv = T(0);
      for (std::size_t k = 0; k < K; ++k) {
        if (k == j) continue;
        acc += g[k] / (x[k] - x[j]);
        inv += T(1) / (x[j] - x[k]);
      }
      mu[j] = (g[j] * (T(1) - inv / s) + acc / s) / S;
    }
  }
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
