// The shared check of auto's closed forms for few nodes (normalizer/two_nodes.hpp,
// normalizer/three_nodes.hpp), used by tests/test_two_nodes.cpp and tests/test_three_nodes.cpp,
// against the certified reference, never against normalizer/ code:
//   ref::certified           (the all-positive series in Arb) where the spread is <= 1000,
//   ref::certified_distinct  (the partial-fraction form in Arb) beyond (distinct nodes only).
// Checked per row (rows of K nodes with spread >= the path's cut-off; f64, or f32 with the nodes
// rounded to float and the reference taken there): the path accepts it, evaluate_row(auto) and
// evaluate_batch(auto) return the same bits (value only and with the mean) and status ok, A is the
// same with and without the mean, tied nodes get equal mu, mu does not decrease with the logit and
// sums to 1 within 4 u, and the header's error bounds hold (units of u of the dtype,
// docs/design.md §3; 1 = the rounding of a correctly rounded result):
//   err_A    <= 1 + 2^-11 (a0 + 4 |A - max z| + |A|) / max(1, |A|)
//   err_logC <= 1 + 2^-11 (l0 + 4 |A - max z|) / max(1, |log C|)
//   err_mu   <= 1 + 2^-4 (each component relative to mu_j)
// The worst row of each is printed.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "bench/rng.hpp"
#include "measures/mpfr.hpp"
#include "normalizer/normalizer.hpp"
#include "reference/reference.hpp"

namespace closed_form_rows {

struct Row {
  std::string id;
  std::vector<double> z;
};

// 200 rows of K sigma N(0, 1) logits for sigma = 10 and 100 (bench/rng.hpp: mt19937_64 and our own
// Box-Muller, portable), those of spread >= min_spread, named "sigma=S #i".
inline void add_normals(std::vector<Row>& r, std::size_t K, double min_spread, std::uint64_t seed) {
  ccnorm::gen::Rng g{seed};
  char id[64];
  for (double s : {10.0, 100.0})
    for (int i = 0; i < 200; ++i) {
      std::vector<double> z(K);
      for (auto& x : z) x = s * g.normal();
      const auto [lo, hi] = std::minmax_element(z.begin(), z.end());
      if (*hi - *lo < min_spread) continue;
      std::snprintf(id, sizeof id, "sigma=%g #%d", s, i);
      r.push_back({id, z});
    }
}

// The path under test: its name, node count, cut-off and the constants of its bounds (above).
struct Spec {
  const char* name;
  std::size_t K;
  double min_spread;
  double a0, l0;
};

struct Worst {
  double v = -1, bound = 0;
  std::string id;
};

inline bool same_bits(double x, double y) { return std::memcmp(&x, &y, sizeof x) == 0; }

// path(z, Out<T>&, T* mu) -> bool: the closed form itself (e.g. ccnorm::three_nodes<T>).
template <class T, class Path>
void check(const std::vector<Row>& all, const Spec& spec, Path path) {
  using ccnorm::Algo;
  using ccnorm::RowStatus;
  using ccnorm::measures::mp200;
  const char* dt = std::is_same_v<T, float> ? "f32" : "f64";
  const double u = std::is_same_v<T, float> ? 0x1p-24 : 0x1p-53;
  const std::size_t K = spec.K;
  std::vector<T> Z;
  std::vector<Row> used;
  for (const Row& r : all) {
    std::vector<T> z(r.z.begin(), r.z.end());
    if (!std::all_of(z.begin(), z.end(), [](T v) { return std::isfinite(v); })) continue;  // (f32: 1e100 overflows)
    const auto [lo, hi] = std::minmax_element(z.begin(), z.end());
    if (!(static_cast<double>(*hi) - static_cast<double>(*lo) >= spec.min_spread)) continue;
    Z.insert(Z.end(), z.begin(), z.end());
    used.push_back(r);
  }
  const std::size_t B = used.size();
  ASSERT_GT(B, 300u);
  std::vector<T> bA(B), bL(B), bM(K * B), bA2(B), bL2(B);
  std::vector<RowStatus> bs(B), bs2(B);
  ccnorm::evaluate_batch<T>(Algo::auto_, Z.data(), B, K, bA.data(), bL.data(), nullptr, 2, bs.data());
  ccnorm::evaluate_batch<T>(Algo::auto_, Z.data(), B, K, bA2.data(), bL2.data(), bM.data(), 2, bs2.data());
  Worst wA, wL, wM;
  int n = 0;
  for (std::size_t i = 0; i < B; ++i) {
    const T* z = Z.data() + K * i;
    const std::string& id = used[i].id;
    ccnorm::Out<T> o{};
    ASSERT_TRUE(path(z, o, static_cast<T*>(nullptr))) << dt << " " << id << ": declined";
    T A = 0, L = 0;
    EXPECT_EQ(ccnorm::evaluate_row<T>(Algo::auto_, z, K, A, &L, nullptr), RowStatus::ok) << dt << " " << id;
    EXPECT_TRUE(same_bits(A, o.A) && same_bits(L, o.logC)) << dt << " " << id << ": auto's value path is not " << spec.name;
    EXPECT_TRUE(same_bits(bA[i], o.A) && same_bits(bL[i], o.logC) && bs[i] == RowStatus::ok)
        << dt << " " << id << ": evaluate_batch differs from the row";
    ccnorm::Out<T> om{};
    std::vector<T> mu(K), rmu(K);
    ASSERT_TRUE(path(z, om, mu.data())) << dt << " " << id << ": declined with the mean";
    EXPECT_TRUE(same_bits(om.A, o.A) && same_bits(om.logC, o.logC)) << dt << " " << id << ": A depends on the mean";
    T A2 = 0, L2 = 0;
    EXPECT_EQ(ccnorm::evaluate_row<T>(Algo::auto_, z, K, A2, &L2, rmu.data()), RowStatus::ok) << dt << " " << id;
    double sum = 0;
    for (std::size_t j = 0; j < K; ++j) {
      sum += static_cast<double>(mu[j]);
      EXPECT_TRUE(same_bits(rmu[j], mu[j]) && same_bits(bM[K * i + j], mu[j]) && bs2[i] == RowStatus::ok)
          << dt << " " << id << ": mu_" << j << " of evaluate_row / evaluate_batch differs from " << spec.name;
      for (std::size_t k = 0; k < K; ++k) {
        if (k < j && z[k] == z[j]) {
          EXPECT_TRUE(same_bits(mu[k], mu[j])) << dt << " " << id << ": tied nodes, unequal mu";
        }
        if (z[k] > z[j]) {
          EXPECT_GE(mu[k], mu[j]) << dt << " " << id << ": mu not increasing with the logit";
        }
      }
    }
    EXPECT_LE(std::fabs(sum - 1), 4 * u) << dt << " " << id << ": sum of mu";
    const std::vector<double> zd(z, z + K);
    bool distinct = true;
    for (std::size_t j = 0; j < K; ++j)
      for (std::size_t k = 0; k < j; ++k) distinct = distinct && zd[j] != zd[k];
    const double top = *std::max_element(zd.begin(), zd.end());
    const double sp = top - *std::min_element(zd.begin(), zd.end());
    if (sp > 1e3 && !distinct) continue;  // (not generated: ties only at spreads <= 1000)
    const ccnorm::ref::Certified c = sp <= 1e3 && std::isfinite(sp) ? ccnorm::ref::certified(zd.data(), K, true)
                                                                     : ccnorm::ref::certified_distinct(zd.data(), K, true);
    const double Ar = static_cast<double>(mp200(c.A)), Lr = static_cast<double>(mp200(c.logC));
    const double lnd = std::fabs(Ar - top);
    const double bA_ = 1 + 0x1p-11 * (spec.a0 + 4 * lnd + std::fabs(Ar)) / std::max(1.0, std::fabs(Ar));
    const double bL_ = 1 + 0x1p-11 * (spec.l0 + 4 * lnd) / std::max(1.0, std::fabs(Lr));
    const double eA = ccnorm::measures::err_value(static_cast<double>(o.A), mp200(c.A), u);
    const double eL = ccnorm::measures::err_value(static_cast<double>(o.logC), mp200(c.logC), u);
    EXPECT_LE(eA, bA_) << dt << " " << id << ": err_A";
    EXPECT_LE(eL, bL_) << dt << " " << id << ": err_logC";
    if (eA > wA.v) wA = {eA, bA_, id};
    if (eL > wL.v) wL = {eL, bL_, id};
    // (as tests/test_wide_spread.cpp: below the relative floor, absolute against the type's smallest
    // subnormal, so that a result rounded to a subnormal is not judged at 2^-1022 u)
    const double abs_scale = std::max(u * 0x1p-1022, static_cast<double>(std::numeric_limits<T>::denorm_min()));
    for (std::size_t j = 0; j < K; ++j) {
      using Tr = ccnorm::measures::ref_traits<mp200>;
      const mp200 m(c.mu[j]);
      const double mag = Tr::magnitude(m), dm = Tr::abs_diff(static_cast<double>(mu[j]), m);
      const double em = mag >= ccnorm::measures::kMeanRelativeFloor ? dm / (u * mag) : dm / abs_scale;
      EXPECT_LE(em, 1 + 0x1p-4) << dt << " " << id << ": err_mu_" << j;
      if (em > wM.v) wM = {em, 1 + 0x1p-4, id};
    }
    ++n;
  }
  std::printf("%s %s: %d rows against the certified reference; max err_A %.3f (bound %.3f) [%s], "
              "max err_logC %.3f (bound %.3f) [%s], max err_mu %.3f (bound %.3f) [%s]\n",
              spec.name, dt, n, wA.v, wA.bound, wA.id.c_str(), wL.v, wL.bound, wL.id.c_str(), wM.v, wM.bound,
              wM.id.c_str());
}

// Both dtypes; path: a generic callable (const T*, Out<T>&, T*) -> bool.
template <class Path>
void check_both(const std::vector<Row>& all, const Spec& spec, Path path) {
  check<double>(all, spec, path);
  check<float>(all, spec, path);
}

}  // namespace closed_form_rows
