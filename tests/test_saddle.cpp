// normalizer/saddle.hpp (auto's path for many logits at a wide spread without gaps, docs/design.md
// §2.15) against the certified reference ref::certified (the all-positive series in Arb), never
// against normalizer/ code.
// Families (deterministic, generated here; K * spread <= 2e6 so that the reference stays cheap):
//   progression  z_j = s j, s = 0.5, 1, 2, 4, 8, K = 32, 100, 300
//   gaussian     sigma = 30, 100, 300 normals, K = 32 .. 1000
//   uniform      uniform on [o, o + r], r = 300, 1000, 3000, K = 64, 300, 1000, offsets o = -5000,
//                0, 1e6, and the offset that puts A at ~0 (where err_A is measured against u)
//   ties         uniform rounded to integers (many equal logits), K = 300, 1000
// Each row in f64 and in f32 (nodes rounded to float, the reference taken there), with the mean.
// Checked: every row that saddle accepts has finite A and log C, mu strictly inside the simplex,
// summing to 1 within 4 u and ordered like the logits; per family and dtype the maximum err_A,
// err_logC and err_mu (docs/design.md §3) are within tests/data/saddle_tolerances.csv (printed with
// the worst row); the dense rows of its regime (K >= 300, 150 <= spread <= 4 K) are all accepted;
// K < kMinK is declined; auto (evaluate_row) returns saddle's bits where it takes this path, and a
// K = 10^4 row of spread 4e4 (the series: ~1 s for the value, ~20 s with the mean) is evaluated
// with status ok (its time printed, never asserted).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "bench/rng.hpp"
#include "tests/family_tolerances.hpp"
#include "measures/mpfr.hpp"
#include "normalizer/normalizer.hpp"
#include "normalizer/saddle.hpp"
#include "reference/reference.hpp"

namespace {

using ccnorm::Algo;
using ccnorm::RowStatus;
using ccnorm::measures::mp200;

struct Row {
  std::string family, id;
  std::vector<double> z;
  bool regime = false;  // K >= 300, 150 <= spread <= 4 K (dense): must be accepted
};

double uniform01(std::uint64_t& s) {
  std::uint64_t x = (s += 0x9E3779B97F4A7C15ull);
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  x ^= x >> 31;
  return (static_cast<double>(x >> 11) + 0.5) * 0x1p-53;
}
double normal(std::uint64_t& s) { return std::sqrt(-2 * std::log(uniform01(s))) * std::cos(6.283185307179586 * uniform01(s)); }

std::vector<Row> rows() {
  std::vector<Row> out;
  auto add = [&](const std::string& f, const std::string& id, std::vector<double> z) {
    const double sp = *std::max_element(z.begin(), z.end()) - *std::min_element(z.begin(), z.end());
    const bool regime = z.size() >= 300 && sp >= 150 && sp <= 4 * static_cast<double>(z.size());
    out.push_back({f, id, std::move(z), regime});
  };
  char id[96];
  for (double s : {0.5, 1.0, 2.0, 4.0, 8.0})
    for (int K : {32, 100, 300}) {
      std::vector<double> z;
      for (int j = 0; j < K; ++j) z.push_back(s * j);
      std::snprintf(id, sizeof id, "s=%g K=%d", s, K);
      add("progression", id, z);
    }
  std::uint64_t g = 2026;
  for (double sigma : {30.0, 100.0, 300.0})
    for (int K : {32, 100, 300, 1000}) {
      if (6 * sigma * K > 2e6) continue;
      std::vector<double> z;
      for (int j = 0; j < K; ++j) z.push_back(sigma * normal(g));
      std::snprintf(id, sizeof id, "sigma=%g K=%d", sigma, K);
      add("gaussian", id, z);
    }
  for (double r : {300.0, 1000.0, 3000.0})
    for (int K : {64, 300, 1000})
      for (double o : {-5000.0, 0.0, 1e6, std::nan("")}) {
        std::vector<double> z;
        for (int j = 0; j < K; ++j) z.push_back(r * uniform01(g));
        // NaN: the offset that puts A near 0 (A is shift-equivariant: A(z + c) = A(z) + c)
        double off = o;
        if (std::isnan(o)) {
          const ccnorm::ref::Certified c = ccnorm::ref::certified(z.data(), z.size(), false);
          off = -std::round(static_cast<double>(mp200(c.A)));
        }
        for (double& v : z) v += off;
        std::snprintf(id, sizeof id, "r=%g K=%d o=%s", r, K, std::isnan(o) ? "A~0" : std::to_string(static_cast<long>(o)).c_str());
        add("uniform", id, z);
      }
  for (int K : {300, 1000}) {
    std::vector<double> z;
    for (int j = 0; j < K; ++j) z.push_back(std::round(400 * uniform01(g)));
    std::snprintf(id, sizeof id, "integers 0..400 K=%d", K);
    add("ties", id, z);
  }
  return out;
}

using ccnorm_test::Worst;

struct Group {
  int n = 0, accepted = 0;
  Worst A, L, mu;
};

template <class T>
void check_row(const Row& r, const std::vector<double>& zd, Group& g, std::vector<std::string>& fails) {
  const std::size_t K = zd.size();
  std::vector<T> z(zd.begin(), zd.end());
  std::vector<T> mu(K);
  ccnorm::Out<T> o{};
  ++g.n;
  const std::string id = r.id + (std::is_same_v<T, float> ? " f32" : " f64");
  if (!ccnorm::saddle<T>(z.data(), K, mu.data(), o)) {
    if (r.regime) fails.push_back(r.family + " " + id + ": declined inside the regime");
    return;
  }
  ++g.accepted;
  const ccnorm::ref::Certified c = ccnorm::ref::certified(zd.data(), K, true);
  if (!std::isfinite(o.A) || !std::isfinite(o.logC)) fails.push_back(r.family + " " + id + ": non-finite A or log C");
  const double u = std::is_same_v<T, float> ? 0x1p-24 : 0x1p-53;
  double sum = 0;
  for (std::size_t j = 0; j < K; ++j) {
    sum += static_cast<double>(mu[j]);
    if (!(mu[j] > 0 && mu[j] < 1)) {
      fails.push_back(r.family + " " + id + ": mu outside the open simplex");
      break;
    }
  }
  if (!(std::fabs(sum - 1) <= 4 * u * static_cast<double>(K))) fails.push_back(r.family + " " + id + ": sum mu - 1 = " + std::to_string(sum - 1));
  // ordered like the logits (mu_j increases with z_j; equal logits, equal mu within 2 u)
  std::vector<std::size_t> p(K);
  for (std::size_t j = 0; j < K; ++j) p[j] = j;
  std::sort(p.begin(), p.end(), [&](std::size_t a, std::size_t b) { return z[a] < z[b]; });
  for (std::size_t i = 1; i < K; ++i)
    if (static_cast<double>(mu[p[i]]) < static_cast<double>(mu[p[i - 1]]) * (1 - 2 * u)) {
      fails.push_back(r.family + " " + id + ": mu not ordered like the logits");
      break;
    }
  g.A.see(ccnorm::measures::err_value(static_cast<double>(o.A), mp200(c.A), u), id);
  g.L.see(ccnorm::measures::err_value(static_cast<double>(o.logC), mp200(c.logC), u), id);
  double em = 0;
  for (std::size_t j = 0; j < K; ++j) {
    using Tr = ccnorm::measures::ref_traits<mp200>;
    const mp200 m(c.mu[j]);
    em = std::max(em, Tr::abs_diff(static_cast<double>(mu[j]), m) / (u * Tr::magnitude(m)));
  }
  g.mu.see(em, id);
}

TEST(Saddle, AgainstTheCertifiedReference) {
  const auto tol = ccnorm_test::load_family_tolerances("tests/data/saddle_tolerances.csv");
  ASSERT_FALSE(tol.empty()) << "cannot read tests/data/saddle_tolerances.csv";
  std::map<std::string, Group> groups;
  std::vector<std::string> fails;
  for (const Row& r : rows()) {
    check_row<double>(r, r.z, groups[r.family + "/f64"], fails);
    std::vector<double> zf;
    for (double v : r.z) zf.push_back(static_cast<double>(static_cast<float>(v)));
    check_row<float>(r, zf, groups[r.family + "/f32"], fails);
  }
  std::printf("%-18s %9s  %-34s %-34s %-34s\n", "family/dtype", "accepted", "max err_A [worst]", "max err_logC [worst]",
              "max err_mu [worst]");
  for (const auto& [key, g] : groups) {
    auto cell = [](const Worst& w) {
      char b[128];
      std::snprintf(b, sizeof b, "%.3g [%s]", w.v, w.id.c_str());
      return std::string(b);
    };
    std::printf("%-18s %4d/%-4d  %-34s %-34s %-34s\n", key.c_str(), g.accepted, g.n, cell(g.A).c_str(), cell(g.L).c_str(),
                cell(g.mu).c_str());
    auto it = tol.find(key);
    ASSERT_NE(it, tol.end()) << "tests/data/saddle_tolerances.csv has no line for " << key;
    EXPECT_GT(g.accepted, 0) << key << ": no row accepted";
    EXPECT_LE(g.A.v, it->second.A) << key << " err_A, worst row " << g.A.id;
    EXPECT_LE(g.L.v, it->second.logC) << key << " err_logC, worst row " << g.L.id;
    EXPECT_LE(g.mu.v, it->second.mu) << key << " err_mu, worst row " << g.mu.id;
  }
  for (const auto& f : fails) ADD_FAILURE() << f;
}

TEST(Saddle, DeclinesFewNodes) {
  std::vector<double> z;
  for (std::size_t j = 0; j + 1 < ccnorm::saddle_detail::kMinK; ++j) z.push_back(4.0 * static_cast<double>(j));
  std::vector<double> mu(z.size());
  ccnorm::Out<double> o{};
  EXPECT_FALSE(ccnorm::saddle<double>(z.data(), z.size(), mu.data(), o));
}

// The atan remainder against the odd series, summed in long double from the small end (no cancellation).
TEST(Saddle, AtanRemainderIsAccurate) {
  double worst = 0, wx = 0;
  for (double x = 1e-8; x <= 0.5; x *= 1.01) {
    long double t = 0, p = static_cast<long double>(x) * x * x;
    const long double x2 = static_cast<long double>(x) * x;
    long double terms[60];
    for (int n = 0; n < 60; ++n, p *= x2) terms[n] = ((n & 1) ? 1 : -1) * p / (2 * n + 3);
    for (int n = 59; n >= 0; --n) t += terms[n];
    const double e = static_cast<double>(std::fabs((ccnorm::saddle_detail::atan_minus_x(x) - t) / t)) / 0x1p-53;
    if (e > worst) {
      worst = e;
      wx = x;
    }
  }
  std::printf("atan_minus_x: max relative error %.2f u at x = %g\n", worst, wx);
  EXPECT_LE(worst, 8.0) << "at x = " << wx;
}

TEST(Saddle, AutoTakesItForDenseWideRows) {
  // a row auto gives to saddle (K = 300, spread ~600): the same bits through evaluate_row
  std::uint64_t g = 7;
  std::vector<double> z;
  for (int j = 0; j < 300; ++j) z.push_back(600 * uniform01(g));
  std::vector<double> mu(z.size()), mu2(z.size());
  ccnorm::Out<double> o{};
  ASSERT_TRUE(ccnorm::saddle<double>(z.data(), z.size(), mu.data(), o));
  double A = 0, L = 0;
  EXPECT_EQ(ccnorm::evaluate_row<double>(Algo::auto_, z.data(), z.size(), A, &L, mu2.data()), RowStatus::ok);
  EXPECT_EQ(A, o.A);
  EXPECT_EQ(L, o.logC);
  EXPECT_EQ(mu, mu2);
  // K = 10^4, z_j = 4 j: the series needs ~4e4 terms per node
  std::vector<double> big;
  for (int j = 0; j < 10000; ++j) big.push_back(4.0 * j);
  std::vector<double> mb(big.size());
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(ccnorm::evaluate_row<double>(Algo::auto_, big.data(), big.size(), A, &L, mb.data()), RowStatus::ok);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::printf("K = 10^4, z_j = 4 j, value + mean: A = %.17g, log C = %.17g, %.1f ms\n", A, L, ms);
  EXPECT_TRUE(std::isfinite(A) && std::isfinite(L));
  double s = 0;
  for (double v : mb) s += v;
  EXPECT_NEAR(s, 1.0, 1e-12);
}

}  // namespace
