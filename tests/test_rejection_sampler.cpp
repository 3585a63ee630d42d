// The papers' rejection sampler, the baseline of the sampler benchmark (bench/rejection_sampler.hpp):
// its continuous Bernoulli inverse CDF, its acceptance probability 1/(K-1)! at tied logits (the
// volume of the simplex in the unit cube), its exactness (sample moments against the CC mean and
// variances of the library) and the NaN after max_attempts rejections.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "bench/rejection_sampler.hpp"
#include "normalizer/normalizer.hpp"

namespace {

using ccnorm::Rng;
using ccnorm::bench::cb_inverse_cdf;
using ccnorm::bench::RejectionSampler;

// F(x) = (e^{eta x} - 1) / (e^eta - 1) in long double (the CDF the inverse must invert).
long double cb_cdf(long double eta, long double x) {
  if (eta == 0) return x;
  return std::expm1(eta * x) / std::expm1(eta);
}

TEST(RejectionSampler, ContinuousBernoulliInverseCdf) {
  for (double eta : {-800.0, -50.0, -3.0, -1e-10, 0.0, 1e-10, 0.7, 50.0, 800.0}) {
    SCOPED_TRACE(eta);
    double prev = -1;
    for (double u : {0.0, 1e-12, 0.1, 0.25, 0.5, 0.75, 0.9, 1 - 1e-12}) {
      const double x = cb_inverse_cdf(eta, u);
      ASSERT_TRUE(std::isfinite(x));
      EXPECT_GE(x, 0.0);
      EXPECT_LE(x, 1.0);
      EXPECT_GE(x, prev);  // monotone in u
      prev = x;
      if (std::fabs(eta) <= 50) {
        EXPECT_NEAR(static_cast<double>(cb_cdf(eta, x)), u, 1e-12);
      }
    }
  }
  // large |eta|: the mass sits at the end of the interval the sign points to
  EXPECT_GT(cb_inverse_cdf(800, 0.5), 0.999);
  EXPECT_LT(cb_inverse_cdf(-800, 0.5), 0.001);
}

// At tied logits the K-1 coordinates are uniform on [0,1]: P(sum <= 1) = 1/(K-1)!.
TEST(RejectionSampler, AcceptanceIsOneOverKMinusOneFactorialAtTiedLogits) {
  for (std::size_t K : {2u, 3u, 4u, 5u, 6u}) {
    SCOPED_TRACE(K);
    const std::vector<double> z(K, 0.37);
    RejectionSampler s(z.data(), K);
    Rng g(11, K);
    std::vector<double> x(K);
    for (int i = 0; i < 20000; ++i) ASSERT_TRUE(s.draw(g, x.data()));
    const double p = 1 / std::tgamma(static_cast<double>(K));
    const double n = static_cast<double>(s.attempts()), a = static_cast<double>(s.accepted());
    EXPECT_EQ(s.accepted(), 20000u);
    // the attempts are geometric: accepted / attempts estimates p; 5 standard errors
    const double se = std::sqrt(p * (1 - p) / n);
    EXPECT_NEAR(a / n, p, 5 * se + 1e-12) << "attempts " << n;
  }
}

// The accepted draws are CC(z): sample mean and variances against ccnorm's mean and variances.
TEST(RejectionSampler, DrawsFollowTheContinuousCategorical) {
  const std::vector<double> z = {0.75, -0.375, 0.25, 0.0};  // dyadic: z + 5 is exact below
  const std::size_t K = z.size();
  std::vector<double> mu(K), var(K);
  ccnorm::evaluate<double>(ccnorm::Algo::auto_, z.data(), K, mu.data());
  ccnorm::variances<double>(z.data(), K, var.data());
  RejectionSampler s(z.data(), K);
  Rng g(3, 0);
  const int n = 200000;
  std::vector<double> x(K), m1(K, 0), m2(K, 0);
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(s.draw(g, x.data()));
    double sum = 0;
    for (std::size_t j = 0; j < K; ++j) {
      ASSERT_GE(x[j], 0.0);
      sum += x[j];
      m1[j] += x[j];
      m2[j] += x[j] * x[j];
    }
    ASSERT_NEAR(sum, 1.0, 1e-12);
  }
  for (std::size_t j = 0; j < K; ++j) {
    const double mean = m1[j] / n, v = m2[j] / n - mean * mean;
    EXPECT_NEAR(mean, mu[j], 5 * std::sqrt(var[j] / n)) << j;
    EXPECT_NEAR(v, var[j], 0.03 * var[j]) << j;
  }
  // a (exact) shift of every logit changes nothing: the free logits are differences with the last
  std::vector<double> zs = z;
  for (double& v : zs) v += 5;
  RejectionSampler t(zs.data(), K);
  Rng g1(9, 1), g2(9, 1);
  std::vector<double> a(K), b(K);
  RejectionSampler u(z.data(), K);
  for (int i = 0; i < 100; ++i) {
    t.draw(g1, a.data());
    u.draw(g2, b.data());
    EXPECT_EQ(a, b);
  }
}

// After max_attempts rejections the draw is NaN (K = 12 tied: acceptance 1/11! ~ 2.5e-8).
TEST(RejectionSampler, GivesUpWithNaN) {
  const std::vector<double> z(12, 0.0);
  RejectionSampler s(z.data(), z.size(), 1000);
  Rng g(5, 5);
  std::vector<double> x(12);
  EXPECT_FALSE(s.draw(g, x.data()));
  for (double v : x) EXPECT_TRUE(std::isnan(v));
  EXPECT_EQ(s.attempts(), 1000u);
  EXPECT_EQ(s.gave_up(), 1u);
  EXPECT_THROW(RejectionSampler(z.data(), 0), std::invalid_argument);
  const double bad[2] = {0, NAN};
  EXPECT_THROW(RejectionSampler(bad, 2), std::invalid_argument);
  // K = 1: the point mass, always accepted
  const double one = 3;
  RejectionSampler p(&one, 1);
  double x1 = 0;
  EXPECT_TRUE(p.draw(g, &x1));
  EXPECT_EQ(x1, 1.0);
}

}  // namespace
