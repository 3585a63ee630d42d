// Statistical tests of the exact CC sampler (normalizer/sample.hpp) against what the certified
// reference knows exactly (reference/reference.hpp): the mean and covariance (z-scores) and the
// marginal CDF of each coordinate (Kolmogorov-Smirnov), on a grid of rows with ties, near-uniform
// logits, clusters, wide spreads (up to 10^3) and K up to 10^3.
//
// Statistics and thresholds (fixed seeds: the test is deterministic; the rates below are what a
// CORRECT sampler would score with fresh seeds):
//   mean        z_j = (xbar_j - mu_j) / sqrt(Var_j / n)                     fail if |z| > 5
//   covariance  z_ij = (s_ij - Cov_ij) / se_ij, s_ij = mean((x_i - mu_i)(x_j - mu_j)), se_ij from
//               the sample's own fourth moments                              fail if |z| > 5
//   marginal    sqrt(n) D_n, D_n = sup_t |F_n(t) - F(t)|, F(t) = 1 - P(x_j > t) certified   fail if > 2.69
// |z| > 5 has probability 5.7e-7 for a normal statistic and sqrt(n) D_n > 2.69 about 1.0e-6
// (Kolmogorov's limit 2 exp(-2 x^2)), so with the 375 statistics below the false-alarm rate of
// the whole test is below 4e-4 (union bound). Also checked: every sample lies on the simplex
// (x_j >= 0, |sum x - 1| <= 4 K u), seeds are reproducible and rows independent of each other.
// Planted wrong samplers (a degree off by one, a Dirichlet shape off by one, the multiset walk
// skipped) must each be caught by the same statistics.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "normalizer/normalizer.hpp"
#include "reference/reference.hpp"

namespace {

using ccnorm::CCSampler;
using ccnorm::Rng;

constexpr double kZ = 5.0;
constexpr double kKS = 2.69;

struct GridRow {
  std::string name;
  std::vector<double> z;
  std::size_t n;
};

std::vector<GridRow> grid() {
  std::vector<GridRow> g;
  std::mt19937_64 r(2024);
  auto gauss = [&](std::size_t K, double s) {
    std::normal_distribution<double> nd(0, s);
    std::vector<double> z(K);
    for (auto& x : z) x = nd(r);
    return z;
  };
  g.push_back({"ties K=5", {1, 1, 1, 1, 1}, 20000});
  g.push_back({"near-uniform K=10 sigma=1e-6", gauss(10, 1e-6), 20000});
  g.push_back({"continuous Bernoulli d=3", {3, 0}, 20000});
  g.push_back({"sigma=1 K=3", gauss(3, 1), 20000});
  g.push_back({"sigma=10 K=10", gauss(10, 10), 20000});
  g.push_back({"sigma=1 K=30", gauss(30, 1), 20000});
  {
    std::vector<double> z;
    std::normal_distribution<double> nd(0, 1e-3);
    for (int c = 0; c < 3; ++c)
      for (int k = 0; k < 3; ++k) z.push_back(5.0 * c + nd(r));
    g.push_back({"clusters K=9 gap=5", z, 20000});
  }
  {
    std::vector<double> z = {0, 1000};
    std::uniform_real_distribution<double> ud(0, 1000);
    for (int k = 0; k < 4; ++k) z.push_back(ud(r));
    g.push_back({"wide spread 1000 K=6", z, 20000});
  }
  {
    std::vector<double> z = gauss(4, 1);
    z[2] = z[0];  // a tie inside a gaussian row, plus a far outlier
    z.push_back(40);
    g.push_back({"tie + outlier K=5", z, 20000});
  }
  g.push_back({"sigma=1 K=1000", gauss(1000, 1), 3000});
  return g;
}

using Sampler = std::function<void(const CCSampler&, Rng&, double*)>;

Sampler exact() {
  return [](const CCSampler& s, Rng& g, double* x) { s.draw(g, x); };
}

struct Verdict {
  std::size_t stats = 0, failed = 0;
  double worst_z = 0, worst_ks = 0;
  std::string worst;
  void z(double v, const std::string& what) {
    ++stats;
    if (!(std::fabs(v) <= kZ)) ++failed;
    if (!(std::fabs(v) <= worst_z)) {
      worst_z = std::isnan(v) ? 1e300 : std::fabs(v);
      worst = what;
    }
  }
  void ks(double v, const std::string& what) {
    ++stats;
    if (!(v <= kKS)) ++failed;
    if (v > worst_ks) {
      worst_ks = v;
      if (worst_ks > kKS) worst = what;
    }
  }
};

// Draws n samples of row r with `draw`, and scores them. simplex_ok receives whether every sample
// is on the simplex.
Verdict score(const GridRow& r, const Sampler& draw, std::uint64_t seed, bool with_ks, bool& simplex_ok) {
  const std::size_t K = r.z.size(), n = r.n;
  CCSampler s(r.z.data(), K);
  Rng g(seed, 0);
  std::vector<double> X(n * K);
  simplex_ok = true;
  for (std::size_t i = 0; i < n; ++i) {
    draw(s, g, X.data() + i * K);
    double sum = 0;
    for (std::size_t j = 0; j < K; ++j) {
      simplex_ok = simplex_ok && X[i * K + j] >= 0 && X[i * K + j] <= 1;
      sum += X[i * K + j];
    }
    simplex_ok = simplex_ok && std::fabs(sum - 1) <= 4 * static_cast<double>(K) * 0x1p-53;
  }
  // the coordinates checked: all for K <= 10, else the top, the bottom and a few in between
  std::vector<std::size_t> coords;
  if (K <= 10) {
    for (std::size_t j = 0; j < K; ++j) coords.push_back(j);
  } else {
    coords = {static_cast<std::size_t>(std::max_element(r.z.begin(), r.z.end()) - r.z.begin()),
              static_cast<std::size_t>(std::min_element(r.z.begin(), r.z.end()) - r.z.begin()), 1, K / 3, K / 2, K - 2};
  }
  const auto ref = ccnorm::ref::certified(r.z.data(), K, true);
  const auto cov = ccnorm::ref::certified_covariance(r.z.data(), K, coords);
  Verdict v;
  const double dn = static_cast<double>(n);
  for (std::size_t a = 0; a < coords.size(); ++a) {
    const std::size_t j = coords[a];
    const double mu = ref.mu[j].convert_to<double>(), var = cov.var[j].convert_to<double>();
    double m = 0;
    for (std::size_t i = 0; i < n; ++i) m += X[i * K + j];
    m /= dn;
    v.z((m - mu) / std::sqrt(var / dn), r.name + ": mean of x_" + std::to_string(j + 1));
    for (std::size_t b = 0; b <= a; ++b) {
      const std::size_t i2 = coords[b];
      const double mu2 = ref.mu[i2].convert_to<double>(), c = cov.cov[a * K + i2].convert_to<double>();
      double s1 = 0, s2 = 0;
      for (std::size_t i = 0; i < n; ++i) {
        const double p = (X[i * K + j] - mu) * (X[i * K + i2] - mu2);
        s1 += p;
        s2 += p * p;
      }
      s1 /= dn;
      s2 /= dn;
      const double se = std::sqrt(std::max(s2 - s1 * s1, 1e-300) / dn);
      v.z((s1 - c) / se, r.name + ": Cov(x_" + std::to_string(j + 1) + ", x_" + std::to_string(i2 + 1) + ")");
    }
    if (with_ks && K <= 30) {
      const std::size_t nk = std::min<std::size_t>(n, 1500);
      std::vector<double> t(nk);
      for (std::size_t i = 0; i < nk; ++i) t[i] = X[i * K + j];
      std::sort(t.begin(), t.end());
      double D = 0;
      for (std::size_t i = 0; i < nk; ++i) {
        const double F = 1 - ccnorm::ref::certified_marginal_sf(r.z.data(), K, j, t[i]).mid.convert_to<double>();
        D = std::max({D, std::fabs(static_cast<double>(i + 1) / nk - F), std::fabs(F - static_cast<double>(i) / nk)});
      }
      v.ks(std::sqrt(static_cast<double>(nk)) * D, r.name + ": KS of x_" + std::to_string(j + 1));
    }
  }
  return v;
}

TEST(Sampler, MomentsAndMarginalsMatchTheCertifiedReference) {
  std::size_t total = 0, failed = 0;
  for (const auto& r : grid()) {
    bool simplex = false;
    const Verdict v = score(r, exact(), 17, true, simplex);
    total += v.stats;
    failed += v.failed;
    std::printf("%-32s stats %4zu failed %zu  max|z| %5.2f  max sqrt(n)D %5.2f %s\n", r.name.c_str(), v.stats, v.failed,
                v.worst_z, v.worst_ks, v.failed ? v.worst.c_str() : "");
    EXPECT_TRUE(simplex) << r.name << ": a sample off the simplex";
    EXPECT_EQ(v.failed, 0u) << r.name << ": " << v.worst;
  }
  std::printf("%zu passed, %zu failed (false-alarm rate of the whole test < 4e-4 with fresh seeds)\n", total - failed, failed);
}

TEST(Sampler, PlantedWrongSamplersAreCaught) {
  // Each planted sampler differs from the exact one by one plausible bug.
  const std::vector<std::pair<std::string, Sampler>> planted = {
      {"degree off by one",
       [](const CCSampler& s, Rng& g, double* x) {
         std::vector<std::uint32_t> a;
         s.multiset(std::min(s.degree(g.uniform()) + 1, s.max_degree()), g, a);
         s.dirichlet(a, g, x);
       }},
      {"Dirichlet shape off by one",
       [](const CCSampler& s, Rng& g, double* x) {
         std::vector<std::uint32_t> a;
         s.multiset(s.degree(g.uniform()), g, a);
         for (auto& v : a) ++v;
         s.dirichlet(a, g, x);
       }},
      {"multiset walk skipped (all degree on the top node)",
       [](const CCSampler& s, Rng& g, double* x) {
         std::vector<std::uint32_t> a(s.K(), 0);
         a.back() = static_cast<std::uint32_t>(s.degree(g.uniform()));
         s.dirichlet(a, g, x);
       }},
  };
  // rows where each bug changes the distribution (not the tied or near-uniform ones, where the
  // degree is 0 almost surely and the walk has nothing to do)
  const auto g = grid();
  for (const auto& [name, draw] : planted) {
    std::size_t caught_rows = 0, rows = 0;
    for (const auto& r : g) {
      if (r.name.rfind("ties", 0) == 0 || r.name.rfind("near-uniform", 0) == 0 || r.z.size() > 100) continue;
      bool simplex = false;
      const Verdict v = score(r, draw, 17, false, simplex);
      ++rows;
      caught_rows += v.failed > 0;
    }
    std::printf("planted '%s': caught on %zu of %zu rows\n", name.c_str(), caught_rows, rows);
    EXPECT_GE(caught_rows, rows / 2) << name << " slipped through";
  }
}

TEST(Sampler, DeterministicIndependentOfBatchAndThreads) {
  const std::vector<double> Z = {0.5, -1, 2, 0, 0, 0, 3, 1, -2};  // 3 rows of K = 3
  std::vector<double> a(5 * 9), b(5 * 9), c(5 * 3);
  ccnorm::sample_batch<double>(Z.data(), 3, 3, 5, 99, a.data(), 1);
  ccnorm::sample_batch<double>(Z.data(), 3, 3, 5, 99, b.data(), 2);
  EXPECT_EQ(a, b);
  // row 2 alone with stream 2 gives the same draws as inside the batch
  ccnorm::sample<double>(Z.data() + 6, 3, 5, 99, 2, c.data());
  for (std::size_t i = 0; i < 5; ++i)
    for (std::size_t j = 0; j < 3; ++j) EXPECT_EQ(c[i * 3 + j], a[(i * 3 + 2) * 3 + j]);
  // another seed gives other draws
  ccnorm::sample_batch<double>(Z.data(), 3, 3, 5, 100, b.data(), 1);
  EXPECT_NE(a, b);
}

TEST(Sampler, BadInputAndLimits) {
  const double nan_row[3] = {0, NAN, 1};
  std::vector<double> out(6);
  EXPECT_EQ(ccnorm::sample<double>(nan_row, 3, 2, 1, 0, out.data()), ccnorm::RowStatus::invalid_input);
  EXPECT_TRUE(std::isnan(out[0]));
  // K = 1: the point mass at x = (1)
  const double one[1] = {7};
  EXPECT_EQ(ccnorm::sample<double>(one, 1, 3, 1, 0, out.data()), ccnorm::RowStatus::ok);
  EXPECT_EQ(out[0], 1.0);
  // a table beyond kSamplerMaxTable is refused with a status, not gigabytes
  std::vector<double> huge(1000, 0.0);
  huge[0] = 1e6;
  std::vector<double> o(1000);
  EXPECT_EQ(ccnorm::sample<double>(huge.data(), 1000, 1, 1, 0, o.data()), ccnorm::RowStatus::failed);
  EXPECT_THROW(CCSampler(huge.data(), 1000), std::length_error);
}

}  // namespace
