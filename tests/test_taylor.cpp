// Identities of docs/design.md §1 for the series algorithms (taylor, auto, auto-precise), in
// float, double, long double and MPFR; robustness on extreme finite inputs.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <vector>

#include <boost/multiprecision/mpfr.hpp>

#include "normalizer/normalizer.hpp"
#include "reference/reference.hpp"

using namespace ccnorm;
using mp50 = boost::multiprecision::number<boost::multiprecision::mpfr_float_backend<50>>;

namespace {

std::vector<double> gaussian(std::size_t K, double sigma, std::uint64_t seed, double offset = 0) {
  std::mt19937_64 g(seed);
  std::normal_distribution<double> nd;
  std::vector<double> z(K);
  for (auto& x : z) x = offset + sigma * nd(g);
  return z;
}

double lgk(std::size_t K) { return std::lgamma(static_cast<double>(K)); }

constexpr double u64 = 0x1p-53;

// err_A in units of u (double) against a certified value.
double errA(double Ahat, const ref::Certified& c) {
  ref::mpfloat d = abs(ref::mpfloat(Ahat) - c.A);
  double scale = std::max(1.0, std::abs(static_cast<double>(c.A)));
  return static_cast<double>(d) / (u64 * scale);
}

const Algo kSeries[] = {Algo::taylor, Algo::auto_, Algo::auto_precise};

}  // namespace

TEST(series, k1_is_identity) {
  for (Algo a : kSeries)
    for (double z0 : {0.0, -3e4, 1e-300, 12.5}) {
      double mu = -1;
      auto o = evaluate<double>(a, &z0, 1, &mu);
      EXPECT_EQ(o.A, z0) << algo_name(a);
      EXPECT_EQ(o.logC, 0.0);
      EXPECT_EQ(mu, 1.0);
    }
}

TEST(series, k2_continuous_bernoulli) {
  // A = log((e^a - e^b)/(a - b)); log C(lambda) = log(2 atanh(1-2l)/(1-2l)), lambda = sigmoid(a-b)
  for (Algo a : kSeries)
    for (double d : {1e-12, 1e-6, 0.01, 0.5, 1.0, 5.0, 30.0, 300.0}) {
      double z[2] = {d, 0.0}, mu[2];
      auto o = evaluate<double>(a, z, 2, mu);
      mp50 D(d);
      mp50 A = log(expm1(D) / D);
      EXPECT_NEAR(o.A, static_cast<double>(A), 4 * u64 * std::max(1.0, std::abs(o.A))) << algo_name(a) << " d=" << d;
      using mp300 = boost::multiprecision::number<boost::multiprecision::mpfr_float_backend<300>>;
      mp300 D3(d);
      mp300 lam = 1 / (1 + exp(-D3));
      mp300 x = 1 - 2 * lam;
      mp300 logC = log(2 * atanh(x) / x);
      EXPECT_NEAR(o.logC, static_cast<double>(logC), 64 * u64 * std::max(1.0, std::abs(o.logC))) << algo_name(a) << " d=" << d;
      // mean of x_1: 1/(1-e^-d) - 1/d
      mp50 m1 = 1 / (-expm1(-D)) - 1 / D;
      EXPECT_NEAR(mu[0], static_cast<double>(m1), 64 * u64 * static_cast<double>(m1)) << algo_name(a) << " d=" << d;
    }
  // tie: limit log 2 for log C at lambda = 1/2
  double z[2] = {0.25, 0.25};
  EXPECT_NEAR(auto_eval<double>(z, 2, nullptr).logC, std::log(2.0), 4 * u64);
}

TEST(series, all_equal_nodes) {
  for (Algo a : kSeries)
    for (std::size_t K : {2u, 3u, 10u, 100u, 1000u, 10000u})
      for (double c : {0.0, -3e4, 1.0, 3e4}) {
        std::vector<double> z(K, c), mu(K);
        auto o = evaluate<double>(a, z.data(), K, mu.data());
        double ex = c - lgk(K);
        EXPECT_NEAR(o.A, ex, 4 * u64 * std::max(1.0, std::abs(ex))) << algo_name(a) << " K=" << K;
        for (double m : mu) ASSERT_NEAR(m, 1.0 / K, 2 * u64 / K);
      }
}

TEST(series, shift_and_permutation_invariance) {
  for (Algo a : kSeries)
    for (std::size_t K : {3u, 17u, 200u}) {
      auto z = gaussian(K, 3.0, K);
      std::vector<double> mu(K), mu2(K);
      auto o = evaluate<double>(a, z.data(), K, mu.data());
      // shift by an exactly representable constant
      std::vector<double> zs(z);
      for (auto& x : zs) x += 1024.0;
      auto os = evaluate<double>(a, zs.data(), K, mu2.data());
      EXPECT_NEAR(os.A, o.A + 1024.0, 8 * u64 * (std::abs(o.A) + 1024)) << algo_name(a);
      for (std::size_t j = 0; j < K; ++j) EXPECT_NEAR(mu2[j], mu[j], 1e-12 * mu[j]);
      // permutation
      std::vector<std::size_t> p(K);
      std::iota(p.begin(), p.end(), 0);
      std::mt19937 g(1);
      std::shuffle(p.begin(), p.end(), g);
      std::vector<double> zp(K);
      for (std::size_t j = 0; j < K; ++j) zp[j] = z[p[j]];
      auto op = evaluate<double>(a, zp.data(), K, mu2.data());
      EXPECT_NEAR(op.A, o.A, 8 * u64 * std::max(1.0, std::abs(o.A))) << algo_name(a);
      for (std::size_t j = 0; j < K; ++j) EXPECT_NEAR(mu2[j], mu[p[j]], 128 * u64 * mu[p[j]]);
    }
}

TEST(series, bounds_convexity_and_simplex) {
  for (Algo a : kSeries)
    for (std::size_t K : {2u, 5u, 50u, 500u})
      for (double sigma : {1e-9, 0.1, 1.0, 30.0, 300.0}) {
        auto z = gaussian(K, sigma, 100 * K + static_cast<std::uint64_t>(sigma * 10));
        auto w = gaussian(K, sigma, 7 + K);
        std::vector<double> mu(K);
        auto o = evaluate<double>(a, z.data(), K, mu.data());
        double mean = std::accumulate(z.begin(), z.end(), 0.0) / K, mx = *std::max_element(z.begin(), z.end());
        double tol = 8 * u64 * std::max(1.0, std::abs(o.A));
        EXPECT_GE(o.A, mean - lgk(K) - tol);
        EXPECT_LE(o.A, mx - lgk(K) + tol);
        double s = 0;
        for (double m : mu) {
          ASSERT_GT(m, 0.0);
          ASSERT_LT(m, 1.0);
          s += m;
        }
        EXPECT_NEAR(s, 1.0, (4 * K + 64) * u64) << algo_name(a) << " K=" << K << " sigma=" << sigma;
        // convexity: A((z+w)/2) <= (A(z)+A(w))/2
        std::vector<double> h(K);
        for (std::size_t j = 0; j < K; ++j) h[j] = 0.5 * (z[j] + w[j]);
        auto ow = evaluate<double>(a, w.data(), K, nullptr);
        auto oh = evaluate<double>(a, h.data(), K, nullptr);
        EXPECT_LE(oh.A, 0.5 * (o.A + ow.A) + tol);
        // the mean is the gradient: directional derivative check (central difference)
        double eps = 1e-5, dir = 0;
        std::vector<double> zp(z), zm(z);
        for (std::size_t j = 0; j < K; ++j) {
          double d = (j % 3 == 0) ? 1.0 : -0.5;
          zp[j] += eps * d;
          zm[j] -= eps * d;
          dir += mu[j] * d;
        }
        double fd = (evaluate<double>(a, zp.data(), K, nullptr).A - evaluate<double>(a, zm.data(), K, nullptr).A) / (2 * eps);
        EXPECT_NEAR(fd, dir, 1e-6 * (1 + std::abs(dir))) << algo_name(a) << " K=" << K << " sigma=" << sigma;
      }
}

TEST(series, generic_types_agree_with_certified_reference) {
  // taylor<long double> and taylor<mpfr 50 digits> run the same template; check against Arb.
  for (std::size_t K : {3u, 30u, 200u})
    for (double sigma : {0.01, 1.0, 20.0}) {
      auto z = gaussian(K, sigma, 5 * K + 1);
      auto c = ref::certified(z.data(), K, true);
      std::vector<long double> zl(z.begin(), z.end()), mul(K);
      auto ol = taylor<long double>(zl.data(), K, mul.data());
      EXPECT_LT(static_cast<double>(abs(ref::mpfloat(static_cast<double>(ol.A)) - c.A)), 1e-14 * std::max(1.0, std::abs(static_cast<double>(c.A))));
      std::vector<mp50> zm(z.begin(), z.end()), mum(K);
      auto om = taylor<mp50>(zm.data(), K, mum.data());
      ref::mpfloat d = abs(ref::mpfloat(om.A.str(60), 80) - c.A);
      // agreement within the certified radius plus the 50-digit series' own rounding
      EXPECT_LT(static_cast<double>(d), c.A_rad + 1e-45 * std::max(1.0, std::abs(static_cast<double>(c.A))))
          << "K=" << K << " sigma=" << sigma;
      for (std::size_t j = 0; j < K; ++j) {
        ref::mpfloat dm = abs(ref::mpfloat(mum[j].str(60), 80) - c.mu[j]);
        ASSERT_LT(static_cast<double>(dm), c.mu_rad[j] + 1e-44 * static_cast<double>(c.mu[j])) << "K=" << K << " j=" << j;
      }
    }
}

TEST(series, auto_accuracy_spot_checks_against_certified_reference) {
  struct Case {
    std::size_t K;
    double sigma, offset;
  };
  for (Case cs : {Case{2, 1e-9, 0}, Case{10, 1, 3e4}, Case{100, 5, -3e4}, Case{1000, 1, 0}, Case{64, 300, 0},
                  Case{1000, 1e-6, 5905.2}, Case{5, 2000, 0}}) {
    auto z = gaussian(cs.K, cs.sigma, cs.K + 11, cs.offset);
    auto c = ref::certified(z.data(), cs.K, true);
    std::vector<double> mu(cs.K);
    auto o = auto_eval<double>(z.data(), cs.K, mu.data());
    EXPECT_LE(errA(o.A, c), 16) << "K=" << cs.K << " sigma=" << cs.sigma;
    double em = 0;
    for (std::size_t j = 0; j < cs.K; ++j)
      em = std::max(em, static_cast<double>(abs(ref::mpfloat(mu[j]) - c.mu[j]) / c.mu[j]) / u64);
    EXPECT_LE(em, 64) << "K=" << cs.K << " sigma=" << cs.sigma;
    auto p = auto_precise<double>(z.data(), cs.K, mu.data());
    EXPECT_LE(errA(p.A, c), 2) << "auto-precise K=" << cs.K << " sigma=" << cs.sigma;
  }
}

TEST(series, float_in_float_out) {
  for (std::size_t K : {2u, 10u, 300u}) {
    auto zd = gaussian(K, 2.0, 3 * K);
    std::vector<float> z(zd.begin(), zd.end()), mu(K);
    std::vector<double> zw(z.begin(), z.end());
    auto c = ref::certified(zw.data(), K, true);
    for (Algo a : {Algo::auto_, Algo::auto_precise, Algo::taylor}) {
      auto o = evaluate<float>(a, z.data(), K, mu.data());
      double e = static_cast<double>(abs(ref::mpfloat(o.A) - c.A)) / (0x1p-24 * std::max(1.0, std::abs(static_cast<double>(c.A))));
      EXPECT_LE(e, a == Algo::taylor ? 16.0 : 1.0) << algo_name(a) << " K=" << K;
      for (std::size_t j = 0; j < K; ++j) {
        double em = static_cast<double>(abs(ref::mpfloat(mu[j]) - c.mu[j]) / c.mu[j]) / 0x1p-24;
        ASSERT_LE(em, a == Algo::taylor ? 64.0 : 1.0) << algo_name(a) << " K=" << K << " j=" << j;
      }
    }
  }
}

TEST(series, never_nan_on_extreme_finite_input) {
  const double big = std::numeric_limits<double>::max();
  std::vector<std::vector<double>> rows = {
      {big, -big},           {1e300, 0, -1e300},   {0, 1e7},        {5e-324, 0, -5e-324},
      {1e-300, 2e-300},      {-3e4, 3e4},          {0, 1, 1e6, 2e6}};
  for (auto& z : rows) {
    std::vector<double> mu(z.size());
    auto o = auto_eval<double>(z.data(), z.size(), mu.data());
    EXPECT_TRUE(std::isfinite(o.A)) << z[0] << "," << z[1];
    double s = 0;
    for (double m : mu) {
      EXPECT_GT(m, 0.0);
      EXPECT_LT(m, 1.0 + 1e-15);
      s += m;
    }
    EXPECT_NEAR(s, 1.0, 1e-12);
  }
}

TEST(series, batch_matches_single_rows) {
  const std::size_t B = 257, K = 33;
  auto Z = gaussian(B * K, 2.0, 99);
  std::vector<double> A(B), L(B), M(B * K);
  evaluate_batch<double>(Algo::auto_, Z.data(), B, K, A.data(), L.data(), M.data());
  for (std::size_t b = 0; b < B; ++b) {
    std::vector<double> mu(K);
    auto o = auto_eval<double>(Z.data() + b * K, K, mu.data());
    ASSERT_EQ(A[b], o.A);
    ASSERT_EQ(L[b], o.logC);
    for (std::size_t j = 0; j < K; ++j) ASSERT_EQ(M[b * K + j], mu[j]);
  }
}
