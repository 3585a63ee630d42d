// ccnorm: the naive moments of a normalizer — entropy, covariance and KL divergence composed from
// an algorithm's own A and mean (docs/design.md §1.7), the baseline that automatic
// differentiation or composition of a log-normalizer gives. `ccnorm eval --entropy/--cov`, the
// sweep's distribution columns and the report's section "The rest of the distribution" use these
// for every algorithm except auto and auto-precise, whose moments come from
// normalizer/distribution.hpp (all-positive moment series with escalation; method "ccnorm").
//
//   H        = A - z.mu                                                   (with the algorithm's A, mu)
//   Cov_ij   = (1 + delta_ij) e^{A(z u {z_i, z_j}) - A(z)} - mu_i mu_j     (A of the algorithm on K+2 nodes)
//   KL(p||q) = A(z_q) - A(z_p) - (z_q - z_p).mu(z_p)
// All arithmetic is in the row's type T (float rows stay float), as a framework would do it.
// Nothing is repaired: the closed forms on K+2 nodes always see the repeated node z_i (0/0: every
// covariance entry is non-finite), and for concentrated distributions the differences cancel
// (the dominant variance, H and a KL between nearby rows lose every digit).
//
// Cost: entropy and KL are one or two evaluations with the mean; one covariance entry is one
// evaluation on K+2 nodes, the full matrix K(K+1)/2 of them (O(K^4) for the O(K^2) baselines).
//
// The dispatch used by every front end (one place decides which method an algorithm gets):
//   uses_naive(a)            false for auto and auto-precise
//   method_name(a)           "naive" or "ccnorm"
//   entropy_of / covariance_of / kl_of    naive or distribution.hpp, by uses_naive
// Exceptions of the algorithm (a size limit such as sorted-difference's mean above K = 8192,
// std::bad_alloc) propagate; the callers print them as error rows.
#pragma once
#include <cstddef>
#include <vector>

#include "normalizer/batch.hpp"
#include "normalizer/distribution.hpp"
#include "normalizer/registry.hpp"

namespace ccnorm::naive {

inline bool uses_naive(Algo a) { return a != Algo::auto_ && a != Algo::auto_precise; }
inline const char* method_name(Algo a) { return uses_naive(a) ? "naive" : "ccnorm"; }

// H = A - z.mu from a given A and mean, summed in T.
template <class T>
T entropy_from(const T* z, std::size_t K, T A, const T* mu) {
  T s = T(0);
  for (std::size_t j = 0; j < K; ++j) s += z[j] * mu[j];
  return A - s;
}

// H with the algorithm's own A and mean.
template <class T>
T entropy(Algo a, const T* z, std::size_t K) {
  std::vector<T> mu(K);
  const Out<T> o = evaluate<T>(a, z, K, mu.data());
  return entropy_from(z, K, o.A, mu.data());
}

// One covariance entry Cov_ij from the algorithm's A on the K+2 nodes z u {z_i, z_j}; A and mu
// are the algorithm's values at z; work is scratch (resized to K + 2).
template <class T>
T cov_entry(Algo a, const T* z, std::size_t K, std::size_t i, std::size_t j, T A, const T* mu, std::vector<T>& work) {
  work.assign(z, z + K);
  work.push_back(z[i]);
  work.push_back(z[j]);
  const T A2 = evaluate<T>(a, work.data(), K + 2, nullptr).A;
  using std::exp;
  return (i == j ? T(2) : T(1)) * exp(A2 - A) - mu[i] * mu[j];
}

// The full K x K matrix (row-major; K(K+1)/2 evaluations, mirrored).
template <class T>
void covariance(Algo a, const T* z, std::size_t K, T* cov) {
  std::vector<T> mu(K), work;
  const Out<T> o = evaluate<T>(a, z, K, mu.data());
  for (std::size_t i = 0; i < K; ++i)
    for (std::size_t j = i; j < K; ++j) cov[i * K + j] = cov[j * K + i] = cov_entry(a, z, K, i, j, o.A, mu.data(), work);
}

// KL(p || q) = A(zq) - A(zp) - (zq - zp).mu(zp), in T.
template <class T>
T kl_divergence(Algo a, const T* zp, const T* zq, std::size_t K) {
  std::vector<T> mu(K);
  const Out<T> p = evaluate<T>(a, zp, K, mu.data());
  const Out<T> q = evaluate<T>(a, zq, K, nullptr);
  T s = T(0);
  for (std::size_t j = 0; j < K; ++j) s += (zq[j] - zp[j]) * mu[j];
  return q.A - p.A - s;
}

// ---- the dispatch: naive constructions, or distribution.hpp for auto / auto-precise ----
template <class T>
T entropy_of(Algo a, const T* z, std::size_t K) {
  return uses_naive(a) ? entropy<T>(a, z, K) : ccnorm::entropy<T>(z, K);
}
template <class T>
void covariance_of(Algo a, const T* z, std::size_t K, T* cov) {
  if (uses_naive(a)) covariance<T>(a, z, K, cov);
  else ccnorm::covariance<T>(z, K, cov);
}
template <class T>
T kl_of(Algo a, const T* zp, const T* zq, std::size_t K) {
  return uses_naive(a) ? kl_divergence<T>(a, zp, zq, K) : ccnorm::kl_divergence<T>(zp, zq, K);
}

}  // namespace ccnorm::naive
