// `auto` on wide spreads (docs/design.md §2.11): rows that the Taylor series cannot afford (it needs
// ~spread terms per node) or could not run at all (spread beyond 2^22, up to any finite double),
// measured against a certified reference - never against normalizer/:
//   ref::certified            (the all-positive series in Arb) where K * spread <= 2e6,
//   ref::certified_distinct   (the partial-fraction form in Arb, precision doubled until decided)
//                             otherwise (every row here has distinct nodes).
// Families (deterministic, generated here):
//   progression_huge   z_j = h j, h = 4200, 1e5, 1e10, 1e100, K = 2..1000 (incl. the brief's
//                      K = 1000, h = 4200 row: A = 4181560.283)
//   two_clusters_far   m nodes within width w at 0 and m more at distance D = 1e3..1e12
//   cluster_plus_far   0, D, D + 0.001 j (j = 1..7), D = 5e6 (log C = 26.03), 1e12, 1e300
//   outlier            K - 1 standard-normal logits and one outlier 1e6 away (above / below)
//   offset_huge        +-1e300 - 1e290 j, K = 2..100; +-1.7e308 pairs (spread overflows double)
//   gaussian_wide      sigma = 100, 1000, K = 2..10 (the speed case: 15.9 us per row before)
//   gap_singletons     z_j = -h j, h = 8, 12, 16, and uniform logits with mean gap 8, 12 (K = 300, 1000)
//   heavy_cluster_near m = 20..59 tied nodes with nodes 1.5..14 below and two far ones (ties:
//                      f64 only)
// Each row runs in f64 and in f32 (inputs rounded to float, the reference taken at those floats).
// Checked per row: status ok (no fallback, no silent clamp), finite A and log C, mu strictly
// inside the simplex; per family and dtype: max err_A, err_logC, err_mu (docs/design.md §3) <=
// the bounds of tests/data/wide_spread_tolerances.csv, each maximum printed with its worst row.
// Times are printed (never asserted).
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "io/csv.hpp"
#include "tests/family_tolerances.hpp"
#include "measures/mpfr.hpp"
#include "normalizer/normalizer.hpp"
#include "reference/reference.hpp"

namespace {

using ccnorm::Algo;
using ccnorm::RowStatus;
using ccnorm::measures::mp200;

struct Row {
  std::string family, id;
  std::vector<double> z;
};

// Deterministic standard normals (splitmix64 + Box-Muller; portable, unlike std::normal_distribution).
struct Rng {
  std::uint64_t s;
  double uniform() {
    std::uint64_t x = (s += 0x9E3779B97F4A7C15ull);
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    x ^= x >> 31;
    return (static_cast<double>(x >> 11) + 0.5) * 0x1p-53;
  }
  double normal() { return std::sqrt(-2 * std::log(uniform())) * std::cos(6.283185307179586 * uniform()); }
};

std::vector<Row> rows() {
  std::vector<Row> r;
  auto add = [&](const std::string& f, const std::string& id, std::vector<double> z) { r.push_back({f, id, std::move(z)}); };
  for (double h : {4200.0, 1e5, 1e10, 1e100})
    for (int K : {2, 3, 10, 100, 1000}) {
      std::vector<double> z;
      for (int j = 0; j < K; ++j) z.push_back(h * j);
      char id[64];
      std::snprintf(id, sizeof id, "h=%g K=%d", h, K);
      add("progression_huge", id, z);
    }
  for (double D : {1e3, 1e6, 1e12})
    for (int m : {4, 20})
      for (double w : {0.01, 1.0}) {
        std::vector<double> z;
        for (int j = 0; j < m; ++j) z.push_back(w * j / (m - 1));
        for (int j = 0; j < m; ++j) z.push_back(-D + w * j / (m - 1));
        char id[64];
        std::snprintf(id, sizeof id, "D=%g m=%d w=%g", D, m, w);
        add("two_clusters_far", id, z);
      }
  for (double D : {5e6, 1e12, 1e300}) {
    std::vector<double> z{0, D};
    for (int j = 1; j <= 7; ++j) z.push_back(D + 0.001 * j);
    char id[64];
    std::snprintf(id, sizeof id, "D=%g", D);
    add("cluster_plus_far", id, z);
  }
  Rng g{12345};
  for (int K : {3, 10, 100, 1000})
    for (double o : {1e6, -1e6, 1e7}) {
      std::vector<double> z;
      for (int j = 0; j + 1 < K; ++j) z.push_back(g.normal());
      z.push_back(o);
      char id[64];
      std::snprintf(id, sizeof id, "K=%d outlier=%g", K, o);
      add("outlier", id, z);
    }
  for (double off : {1e300, -1e300})
    for (int K : {2, 10, 100}) {
      std::vector<double> z;
      for (int j = 0; j < K; ++j) z.push_back(off - 1e290 * j);
      char id[64];
      std::snprintf(id, sizeof id, "off=%g K=%d", off, K);
      add("offset_huge", id, z);
    }
  add("offset_huge", "-1.7e308,1.7e308", {-1.7e308, 1.7e308});
  add("offset_huge", "-1e308,0,1e308", {-1e308, 0, 1e308});
  for (double s : {100.0, 1000.0})
    for (int K : {2, 3, 5, 10})
      for (int rep = 0; rep < 4; ++rep) {
        std::vector<double> z;
        for (int j = 0; j < K; ++j) z.push_back(s * g.normal());
        char id[64];
        std::snprintf(id, sizeof id, "sigma=%g K=%d #%d", s, K, rep);
        add("gaussian_wide", id, z);
      }
  // A large tie cluster with nodes close below it and far ones further down (found by the kernel
  // fuzzer: the cluster's coefficients Gn_n ~ n!/rho^n alternate and cancel; separated.hpp must
  // see that and move to a wider gap threshold, never accept): m zeros, optionally one node 1
  // above them, nodes d and 45.57 below, and two far nodes (spread ~1e218).
  for (int m : {20, 45, 59})
    for (double d : {1.5, 7.05, 14.0})
      for (int above : {0, 1}) {
        std::vector<double> z;
        if (above) z.push_back(1.0);
        for (int j = 0; j < m; ++j) z.push_back(0.0);
        z.insert(z.end(), {-d, -45.568665832336734, -1e120, -1e218});
        char id[64];
        std::snprintf(id, sizeof id, "m=%d d=%g above=%d", m, d, above);
        add("heavy_cluster_near", id, z);
      }
  // Singletons whose neighbours are 8-16 apart (the sweep ends by the contour bound of
  // docs/design.md §2.11, although the nodes below are not light): progressions and uniform logits
  for (int K : {300, 1000}) {
    for (double h : {8.0, 12.0, 16.0}) {
      std::vector<double> z;
      for (int j = 0; j < K; ++j) z.push_back(-h * j);
      char id[64];
      std::snprintf(id, sizeof id, "step=%g K=%d", h, K);
      add("gap_singletons", id, z);
    }
    for (double h : {8.0, 12.0}) {
      std::vector<double> z;
      double x = 0;
      for (int j = 0; j < K; ++j, x += h * std::log(g.uniform())) z.push_back(x);
      char id[64];
      std::snprintf(id, sizeof id, "uniform gap=%g K=%d", h, K);
      add("gap_singletons", id, z);
    }
  }
  return r;
}

using ccnorm_test::Worst;

struct Group {
  int n = 0;
  Worst A, L, mu, t;
};

template <class T>
void check_row(const Row& r, const std::vector<double>& zd, Group& g, std::vector<std::string>& fails) {
  const std::size_t K = zd.size();
  std::vector<T> z(zd.begin(), zd.end());
  const double sp = *std::max_element(zd.begin(), zd.end()) - *std::min_element(zd.begin(), zd.end());
  const ccnorm::ref::Certified c = (std::isfinite(sp) && sp <= 1e7 && sp * static_cast<double>(K) <= 2e6)
                                       ? ccnorm::ref::certified(zd.data(), K, true)
                                       : ccnorm::ref::certified_distinct(zd.data(), K, true);
  std::vector<T> mu(K);
  T A = 0, L = 0;
  const auto t0 = std::chrono::steady_clock::now();
  const RowStatus s = ccnorm::evaluate_row<T>(Algo::auto_, z.data(), K, A, &L, mu.data());
  const double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
  const std::string id = r.id;
  if (s != RowStatus::ok) fails.push_back(r.family + " " + id + ": status " + ccnorm::status_name(s));
  if (!std::isfinite(A) || !std::isfinite(L)) fails.push_back(r.family + " " + id + ": non-finite A or log C");
  // mu in the closed simplex, and > 0 wherever the true component is at least twice T's smallest
  // subnormal (a correctly rounded 1 - 1e-300 is 1, a correctly rounded 1e-300 in float is 0).
  const double tiny = 2 * static_cast<double>(std::numeric_limits<T>::denorm_min());
  for (std::size_t j = 0; j < K; ++j)
    if (!(mu[j] >= 0 && mu[j] <= 1) || (!(mu[j] > 0) && c.mu[j] >= tiny)) {
      fails.push_back(r.family + " " + id + ": mu outside the simplex");
      break;
    }
  const double u = std::is_same_v<T, float> ? 0x1p-24 : 0x1p-53;
  std::vector<mp200> m(c.mu.begin(), c.mu.end());
  ++g.n;
  g.A.see(ccnorm::measures::err_value(static_cast<double>(A), mp200(c.A), u), id);
  g.L.see(ccnorm::measures::err_value(static_cast<double>(L), mp200(c.logC), u), id);
  // err_mu (docs/design.md §3) on components >= 2^-1000; a smaller one is compared absolutely in
  // units of max(u 2^-1022, smallest subnormal of T) (u 2^-1022 itself underflows to 0 in double).
  double em = 0;
  const double abs_scale = std::max(u * 0x1p-1022, static_cast<double>(std::numeric_limits<T>::denorm_min()));
  for (std::size_t j = 0; j < K; ++j) {
    using Tr = ccnorm::measures::ref_traits<mp200>;
    const double mag = Tr::magnitude(m[j]);
    const double d = Tr::abs_diff(static_cast<double>(mu[j]), m[j]);
    em = std::max(em, mag >= ccnorm::measures::kMeanRelativeFloor ? d / (u * mag) : d / abs_scale);
  }
  g.mu.see(em, id);
  g.t.see(us, id);
}

TEST(WideSpread, AutoAgainstTheCertifiedReference) {
  const auto tol = ccnorm_test::load_family_tolerances("tests/data/wide_spread_tolerances.csv");
  ASSERT_FALSE(tol.empty()) << "cannot read tests/data/wide_spread_tolerances.csv";
  std::map<std::string, Group> groups;
  std::vector<std::string> fails;
  for (const Row& r : rows()) {
    check_row<double>(r, r.z, groups[r.family + "/f64"], fails);
    std::vector<double> zf;
    for (double v : r.z) zf.push_back(static_cast<double>(static_cast<float>(v)));
    bool distinct = true, finite = true;
    for (std::size_t i = 0; i < zf.size(); ++i) {
      finite = finite && std::isfinite(zf[i]);
      for (std::size_t j = 0; j < i; ++j) distinct = distinct && zf[i] != zf[j];
    }
    if (finite && distinct) check_row<float>(r, zf, groups[r.family + "/f32"], fails);
  }
  std::printf("%-24s %4s  %-34s %-34s %-34s %s\n", "family/dtype", "n", "max err_A [worst]", "max err_logC [worst]",
              "max err_mu [worst]", "max us/row [worst]");
  for (const auto& [key, g] : groups) {
    auto cell = [](const Worst& w) {
      char b[96];
      std::snprintf(b, sizeof b, "%.3g [%s]", w.v, w.id.c_str());
      return std::string(b);
    };
    std::printf("%-24s %4d  %-34s %-34s %-34s %s\n", key.c_str(), g.n, cell(g.A).c_str(), cell(g.L).c_str(),
                cell(g.mu).c_str(), cell(g.t).c_str());
    auto it = tol.find(key);
    ASSERT_NE(it, tol.end()) << "tests/data/wide_spread_tolerances.csv has no line for " << key;
    EXPECT_LE(g.A.v, it->second.A) << key << " err_A, worst row " << g.A.id;
    EXPECT_LE(g.L.v, it->second.logC) << key << " err_logC, worst row " << g.L.id;
    EXPECT_LE(g.mu.v, it->second.mu) << key << " err_mu, worst row " << g.mu.id;
  }
  for (const auto& f : fails) ADD_FAILURE() << f;
}

// The brief's two silent failures of the old fallback, by value.
TEST(WideSpread, FormerClampsAreExact) {
  std::vector<double> z;
  for (int j = 0; j < 1000; ++j) z.push_back(4200.0 * j);
  double A = 0, L = 0;
  EXPECT_EQ(ccnorm::evaluate_row<double>(Algo::auto_, z.data(), z.size(), A, &L, nullptr), RowStatus::ok);
  EXPECT_NEAR(A, 4181560.283, 1e-3);
  std::vector<double> c{0, 5e6};
  for (int j = 1; j <= 7; ++j) c.push_back(5e6 + 0.001 * j);
  EXPECT_EQ(ccnorm::evaluate_row<double>(Algo::auto_, c.data(), c.size(), A, &L, nullptr), RowStatus::ok);
  EXPECT_NEAR(L, 26.03, 0.01);
}

}  // namespace
