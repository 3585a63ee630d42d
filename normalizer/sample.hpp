// ccnorm: exact sampling from the continuous categorical distribution CC(z).
//
// Method (docs/design.md §1). Expanding e^{y.x} (y = z - min z >= 0) in its Taylor series and
// each (y.x)^n by the multinomial theorem writes the CC density as a mixture of Dirichlet
// densities with nonnegative weights:
//     e^{y.x} / exp[y]  =  sum_{alpha in N^K} w(alpha) Dir(x; alpha + 1),
//     w(alpha) = y^alpha / (|alpha| + K - 1)!  / exp[y]
// (the Dirichlet(alpha + 1) normaliser alpha! / (|alpha| + K - 1)! cancels the multinomial
// coefficient), and sum_{|alpha| = n} y^alpha = h_n(y). So an exact draw is:
//   1. the degree n with probability h_n(y) / ((n + K - 1)! exp[y]) = v_{K-1}(n) / S (the terms of
//      the value series, normalizer/moments.hpp);
//   2. the multiset alpha, |alpha| = n, with probability y^alpha / h_n(y): sequentially from the
//      last node, using h_m(y_0..y_j) = y_j h_{m-1}(y_0..y_j) + h_m(y_0..y_{j-1}): at node j with
//      remaining degree m, stay (alpha_j += 1, m -= 1) with probability
//      stay_j(m) = y_j v_j(m-1) / ((m + j) v_j(m)), else move to node j - 1; node 0 has y_0 = 0
//      and stay_1(m) = 1, so the walk ends with m = 0 at some node >= 1;
//   3. x ~ Dirichlet(alpha + 1): x_j = G_j / sum G, G_j ~ Gamma(alpha_j + 1) independent.
// Every probability is a ratio of positive terms of the all-positive series: no rejection, no
// acceptance rate that collapses near uniform logits (the papers' rejection sampler accepts
// with probability 1/(K-1)! there) or at large spread. The series is truncated where its tail
// is below 2^-62 of its sum (the degree distribution then misses less than that mass).
//
// Cost: the table once per row, O(K N) time and memory (N ~ spread + O(sqrt(spread)) + 20
// degrees; refused above kSamplerMaxTable entries), then O(K + n) per sample (n ~ the degree,
// mean <= spread) plus K Gamma variates (Marsaglia-Tsang; Gamma(1) = -log U).
// Determinism: the stream of row i for seed s is xoshiro256** seeded by splitmix64 from
// (s, i); the results depend only on (s, i, z) and the C library's log/exp/sqrt/cos (same
// platform: bitwise reproducible, whatever the thread count).
// References: Devroye, Non-Uniform Random Variate Generation (1986) for mixtures and Dirichlet
// via Gamma; Marsaglia & Tsang, ACM TOMS 26 (2000); Blackman & Vigna (xoshiro, 2018).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "normalizer/common.hpp"
#include "normalizer/moments.hpp"
#include "normalizer/taylor.hpp"

namespace ccnorm {

// Largest sampler table (K x degrees) built for one row.
inline constexpr std::size_t kSamplerMaxTable = std::size_t(1) << 25;

// xoshiro256** (Blackman & Vigna), seeded with splitmix64.
class Rng {
 public:
  Rng(std::uint64_t seed, std::uint64_t stream) {
    std::uint64_t x = seed ^ (0x9E3779B97F4A7C15ull * (stream + 1));
    for (auto& w : s_) w = splitmix(x);
  }
  std::uint64_t next() {
    const std::uint64_t r = rotl(s_[1] * 5, 7) * 9, t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return r;
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1p-53; }               // [0, 1)
  double uniform_pos() { return static_cast<double>((next() >> 11) + 1) * 0x1p-53; }     // (0, 1]
  double normal() {  // Box-Muller, one value per two uniforms
    const double a = uniform_pos(), b = uniform();
    return std::sqrt(-2 * std::log(a)) * std::cos(6.283185307179586 * b);
  }
  // Gamma(a, 1) for a >= 1 (Marsaglia-Tsang; a = 1: the exponential)
  double gamma(double a) {
    if (a == 1) return -std::log(uniform_pos());
    const double d = a - 1.0 / 3, c = 1 / std::sqrt(9 * d);
    for (;;) {
      double x, v;
      do {
        x = normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const double u = uniform_pos();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v;
      if (std::log(u) < 0.5 * x * x + d * (1 - v + std::log(v))) return d * v;
    }
  }

 private:
  static std::uint64_t splitmix(std::uint64_t& x) {
    std::uint64_t z = (x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

// The sampler of one row: build once, draw many.
class CCSampler {
 public:
  // z: K >= 1 finite logits. Throws std::invalid_argument (bad input) or std::length_error (the
  // table would exceed kSamplerMaxTable entries).
  template <class T>
  CCSampler(const T* z, std::size_t K) : K_(K) {
    if (K == 0) throw std::invalid_argument("sample: K must be >= 1");
    for (std::size_t j = 0; j < K; ++j)
      if (!std::isfinite(z[j])) throw std::invalid_argument("sample: field " + std::to_string(j + 1) + ": not finite");
    if (K == 1) return;
    taylor_detail::Work<double> ws;
    T m;
    const double r = taylor_prepare<double, T>(z, K, ws, m);
    // the table is (N + 1) x K with N ~ r + O(sqrt r) + 20
    const double est = (r + 8 * std::sqrt(r + 1) + 64) * static_cast<double>(K);
    if (est > static_cast<double>(kSamplerMaxTable))
      throw std::length_error("sample: the sampler table (K x degrees ~ " + std::to_string(static_cast<long long>(est)) +
                              " entries) exceeds the limit of " + std::to_string(kSamplerMaxTable));
    moments::Request rq;
    rq.table = true;
    auto res = moments::run<double>(ws, K, r, rq);
    if (!res.ok) throw std::runtime_error("sample: the series did not converge");
    perm_.assign(ws.perm.begin(), ws.perm.end());
    stay_ = std::move(res.stay);
    // degree distribution: cumulative weights at the final scale 2^E
    const std::size_t N = res.top.size();
    cdf_.resize(N);
    double acc = 0;
    for (std::size_t n = 0; n < N; ++n) {
      acc += std::ldexp(res.top[n], res.topE[n] - res.E);
      cdf_[n] = acc;
    }
    for (auto& c : cdf_) c /= acc;
    cdf_.back() = 1.0;
  }

  std::size_t K() const { return K_; }

  // The three stages of a draw (public so that tests can check each and assemble variants).
  // 1. the series degree for a uniform u in [0, 1)
  std::size_t degree(double u) const {
    const auto n = static_cast<std::size_t>(std::upper_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin());
    return std::min(n, cdf_.size() - 1);
  }
  // 2. the multiset alpha (|alpha| = n, sorted node order) with probability y^alpha / h_n(y)
  void multiset(std::size_t n, Rng& g, std::vector<std::uint32_t>& alpha) const {
    alpha.assign(K_, 0);
    std::size_t j = K_ - 1, m = n;
    while (m > 0 && j > 0) {
      if (g.uniform() < stay_[m * K_ + j]) {
        ++alpha[j];
        --m;
      } else {
        --j;
      }
    }
    alpha[j] += static_cast<std::uint32_t>(m);  // j == 0 with m > 0 has probability 0 (y_0 = 0)
  }
  // 3. x ~ Dirichlet(alpha + 1) into the original node order
  template <class T>
  void dirichlet(const std::vector<std::uint32_t>& alpha, Rng& g, T* x) const {
    double s = 0;
    g_.resize(K_);
    for (std::size_t k = 0; k < K_; ++k) s += (g_[k] = g.gamma(static_cast<double>(alpha[k]) + 1));
    for (std::size_t k = 0; k < K_; ++k) x[perm_[k]] = static_cast<T>(g_[k] / s);
  }
  std::size_t max_degree() const { return cdf_.empty() ? 0 : cdf_.size() - 1; }

  // One draw into x (K entries, the original node order): every x_j >= 0, sum x = 1 (rounding).
  template <class T>
  void draw(Rng& g, T* x) const {
    if (K_ == 1) {
      x[0] = T(1);
      return;
    }
    multiset(degree(g.uniform()), g, alpha_);
    dirichlet(alpha_, g, x);
  }

 private:
  std::size_t K_;
  std::vector<std::uint32_t> perm_;
  std::vector<double> stay_, cdf_;
  mutable std::vector<std::uint32_t> alpha_;
  mutable std::vector<double> g_;
};

// n draws from CC(z) for row `stream` with seed `seed`: out is n x K, row-major.
template <class T>
RowStatus sample(const T* z, std::size_t K, std::size_t n, std::uint64_t seed, std::uint64_t stream, T* out) {
  try {
    CCSampler s(z, K);
    Rng g(seed, stream);
    for (std::size_t i = 0; i < n; ++i) s.draw(g, out + i * K);
    return RowStatus::ok;
  } catch (const std::invalid_argument&) {
    std::fill(out, out + n * K, std::numeric_limits<T>::quiet_NaN());
    return RowStatus::invalid_input;
  } catch (const std::exception&) {
    std::fill(out, out + n * K, std::numeric_limits<T>::quiet_NaN());
    return RowStatus::failed;
  }
}

}  // namespace ccnorm
