// ccnorm bench: the papers' rejection sampler of the continuous categorical, the baseline of the
// sampler benchmark (`ccnorm bench` cases sample/rejection/K:<k>/sigma:<s>; docs/design.md §2.10,
// §4.7). Written here from its description (the published cc/cc_samplers.py of the CC papers):
//
//   with eta_i = z_i - z_K (i < K), draw x_1..x_{K-1} independently from the continuous Bernoulli
//   CB(eta_i) (density proportional to e^{eta_i x} on [0, 1]) and accept when x_1 + ... + x_{K-1}
//   <= 1, then x_K = 1 - sum; after max_attempts (10^5) rejections the draw is NaN.
//
// Exact: the product of the CB densities is proportional to exp(sum_i eta_i x_i) on the cube, so
// conditioned on the simplex it is CC(z). The acceptance probability is P(sum x_i <= 1) under that
// product: 1/(K-1)! at tied logits (the volume of the simplex in the unit cube), and it collapses
// whenever several free logits are large (several coordinates pushed towards 1).
// A CB(eta) variate is drawn by inverting its CDF F(x) = (e^{eta x} - 1)/(e^eta - 1):
//   eta < 0:  x = log(1 + u expm1(eta)) / eta
//   eta > 0:  x = 1 + log(1 + (1 - u) expm1(-eta)) / eta      (no overflow for large eta)
//   eta = 0:  x = u
// with log(1 + t) as log1p(t) while t > -1/2, else as the log of the sum of the positive terms
// (1 - u) + u e^eta, resp. u + (1 - u) e^-eta, from their logs (t rounds to -1 and e^-eta to 0
// for large |eta| at the end of the interval).
// Uniforms: ccnorm::Rng (normalizer/sample.hpp), the stream of the exact sampler, so both samplers
// of a benchmark row consume the same kind of random numbers.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <vector>

#include "normalizer/sample.hpp"

namespace ccnorm::bench {

// Inverse CDF of the continuous Bernoulli CB(eta) at u in [0, 1).
// log(e^a + e^b) (a or b may be -inf, not both).
inline double log_add(double a, double b) {
  const double m = std::max(a, b), n = std::min(a, b);
  return m + std::log1p(std::exp(n - m));
}
inline double cb_inverse_cdf(double eta, double u) {
  if (eta == 0) return u;
  if (eta < 0) {
    const double t = u * std::expm1(eta);
    return (t > -0.5 ? std::log1p(t) : log_add(std::log1p(-u), std::log(u) + eta)) / eta;
  }
  const double t = (1 - u) * std::expm1(-eta);
  return 1 + (t > -0.5 ? std::log1p(t) : log_add(std::log(u), std::log1p(-u) - eta)) / eta;
}

class RejectionSampler {
 public:
  static constexpr std::size_t kMaxAttempts = 100000;

  // z: K >= 1 finite logits (the last is the reference coordinate, as in the papers' eta form).
  template <class T>
  RejectionSampler(const T* z, std::size_t K, std::size_t max_attempts = kMaxAttempts) : max_attempts_(max_attempts) {
    if (K == 0) throw std::invalid_argument("rejection sampler: K must be >= 1");
    for (std::size_t j = 0; j < K; ++j)
      if (!std::isfinite(static_cast<double>(z[j]))) throw std::invalid_argument("rejection sampler: non-finite logit");
    eta_.resize(K - 1);
    for (std::size_t i = 0; i + 1 < K; ++i) eta_[i] = static_cast<double>(z[i]) - static_cast<double>(z[K - 1]);
  }

  std::size_t K() const { return eta_.size() + 1; }

  // One draw into x (K entries). Returns false, with x all NaN, when max_attempts proposals were
  // all rejected.
  template <class T>
  bool draw(Rng& g, T* x) {
    const std::size_t n = eta_.size();
    for (std::size_t a = 0; a < max_attempts_; ++a) {
      ++attempts_;
      double s = 0;
      std::size_t i = 0;
      for (; i < n; ++i) {
        const double v = cb_inverse_cdf(eta_[i], g.uniform());
        x[i] = static_cast<T>(v);
        s += v;
        if (s > 1) break;  // already rejected: the remaining coordinates cannot lower the sum
      }
      if (i < n) continue;
      ++accepted_;
      x[n] = static_cast<T>(1 - s);
      return true;
    }
    ++gave_up_;
    for (std::size_t j = 0; j <= n; ++j) x[j] = std::numeric_limits<T>::quiet_NaN();
    return false;
  }

  std::uint64_t attempts() const { return attempts_; }
  std::uint64_t accepted() const { return accepted_; }
  std::uint64_t gave_up() const { return gave_up_; }

 private:
  std::vector<double> eta_;
  std::size_t max_attempts_;
  std::uint64_t attempts_ = 0, accepted_ = 0, gave_up_ = 0;
};

}  // namespace ccnorm::bench
