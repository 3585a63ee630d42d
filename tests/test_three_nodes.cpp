// normalizer/three_nodes.hpp (auto's path for three nodes of spread >= 8) against the
// certified reference, never against normalizer/ code:
//   ref::certified           (the all-positive series in Arb) where the spread is <= 1000,
//   ref::certified_distinct  (the partial-fraction form in Arb) beyond (distinct nodes only).
// Rows (deterministic): spread d = 8 (the cut-off itself), 8.5, 10, 30, 100, 1000, 1e6, 1e12,
// 1e100, 1e300, and +-1.7e308 / +-1e308 (a spread beyond the double range); either gap at the
// switch points 1/2 and 1 of the functions inside, and e^-p subnormal in long double; the middle node at fraction f of the way up (f = 0 and 1: a tie with the bottom or
// the top node, for d <= 1000; f = 1e-12, 1e-3, 0.37, 0.5, 0.999, 1 - 2^-40), the three nodes in
// every order; offsets 0, +-1e4, and the offset that puts A at ~0 (where err_A is measured against
// u, not u |A|); and 200 random rows of sigma = 10 and 100 normals. f64 and f32 (nodes rounded to
// float, the reference taken there).
// Checked per row: three_nodes accepts it, evaluate_row(auto) returns the same bits (value only
// and with the mean) and status ok, evaluate_batch(auto) over all rows returns the same bits (its
// lanes hand these rows back), A is the same with and without the mean, tied nodes get equal mu,
// mu increases with the logit and sums to 1 within 4 u, non-finite rows are declined, and the
// header's error bounds hold:
//   err_A    <= 1 + 2^-11 (20 + 4 |A - max z| + |A|) / max(1, |A|)
//   err_logC <= 1 + 2^-11 (30 + 4 |A - max z|) / max(1, |log C|)
//   err_mu   <= 1 + 2^-4 (each component relative to mu_j, docs/design.md §3)
// (units of u of the dtype, docs/design.md §3; 1 = the rounding of a correctly rounded result).
// The worst row of each is printed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "bench/rng.hpp"
#include "measures/mpfr.hpp"
#include "normalizer/normalizer.hpp"
#include "normalizer/three_nodes.hpp"
#include "reference/reference.hpp"

namespace {

using ccnorm::Algo;
using ccnorm::RowStatus;
using ccnorm::measures::mp200;

struct Row {
  std::string id;
  std::vector<double> z;
};

std::vector<Row> rows() {
  std::vector<Row> r;
  char id[128];
  const int perm[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
  for (double d : {8.0, 8.5, 10.0, 30.0, 100.0, 1e3, 1e6, 1e12, 1e100, 1e300})
    for (double f : {0.0, 1e-12, 1e-3, 0.37, 0.5, 0.999, 1 - 0x1p-40, 1.0}) {
      if ((f == 0 || f == 1) && d > 1e3) continue;  // ties: the series reference only
      for (double off : {0.0, 1e4, -1e4, std::nan("")}) {
        std::vector<double> base{0, -(1 - f) * d, -d};  // a = 0 >= b >= c = -d
        double o = off;
        if (std::isnan(o)) {  // the offset that puts A near 0: A(z + o) = A(z) + o
          double A0 = 0;
          ccnorm::evaluate_row<double>(Algo::auto_precise, base.data(), 3, A0, nullptr, nullptr);
          o = -A0;
        }
        for (int p = 0; p < 6; ++p) {
          if (p > 0 && !std::isnan(off) && off != 0) continue;  // orders: at offsets 0 and A~0 only
          std::vector<double> z(3);
          for (int j = 0; j < 3; ++j) z[j] = base[perm[p][j]] + o;
          std::snprintf(id, sizeof id, "d=%g f=%.17g off=%.6g perm=%d", d, f, o, p);
          r.push_back({id, z});
        }
      }
    }
  // the switch points of E (x = 1/2) and of F, G (x = 1) in either gap; e^-p subnormal in long
  // double; spreads that overflow a double
  for (double d : {8.0, 30.0})
    for (double x : {0.5 - 0x1p-40, 0.5, 0.5 + 0x1p-40, 1 - 0x1p-40, 1.0, 1 + 0x1p-40}) {
      std::snprintf(id, sizeof id, "d=%g p=%.17g", d, x);
      r.push_back({id, {0, -x, -d}});
      std::snprintf(id, sizeof id, "d=%g q=%.17g", d, x);
      r.push_back({id, {0, -(d - x), -d}});
    }
  r.push_back({"p=11360 (e^-p subnormal)", {0, -11360, -11370}});
  r.push_back({"q=11360 (e^-q subnormal)", {0, -10, -11370}});
  for (int p = 0; p < 6; ++p) {
    const double a[3] = {1.7e308, 0, -1.7e308}, b[3] = {1e308, 0, -1e308};
    std::snprintf(id, sizeof id, "+-1.7e308 perm=%d", p);
    r.push_back({id, {a[perm[p][0]], a[perm[p][1]], a[perm[p][2]]}});
    std::snprintf(id, sizeof id, "+-1e308 perm=%d", p);
    r.push_back({id, {b[perm[p][0]], b[perm[p][1]], b[perm[p][2]]}});
  }
  ccnorm::gen::Rng g{2026};  // (bench/rng.hpp: mt19937_64 and our own Box-Muller, portable)
  for (double s : {10.0, 100.0})
    for (int i = 0; i < 200; ++i) {
      std::vector<double> z{s * g.normal(), s * g.normal(), s * g.normal()};
      const auto [lo, hi] = std::minmax_element(z.begin(), z.end());
      if (*hi - *lo < ccnorm::kThreeNodesMinSpread) continue;
      std::snprintf(id, sizeof id, "sigma=%g #%d", s, i);
      r.push_back({id, z});
    }
  return r;
}

struct Worst {
  double v = -1, bound = 0;
  std::string id;
};

bool same_bits(double x, double y) { return std::memcmp(&x, &y, sizeof x) == 0; }

template <class T>
void check(const std::vector<Row>& all) {
  const char* dt = std::is_same_v<T, float> ? "f32" : "f64";
  const double u = std::is_same_v<T, float> ? 0x1p-24 : 0x1p-53;
  std::vector<T> Z;
  std::vector<Row> used;
  for (const Row& r : all) {
    std::vector<T> z(r.z.begin(), r.z.end());
    if (!std::all_of(z.begin(), z.end(), [](T v) { return std::isfinite(v); })) continue;  // (f32: 1e100 overflows)
    const auto [lo, hi] = std::minmax_element(z.begin(), z.end());
    if (!(static_cast<double>(*hi) - static_cast<double>(*lo) >= ccnorm::kThreeNodesMinSpread)) continue;
    Z.insert(Z.end(), z.begin(), z.end());
    used.push_back(r);
  }
  const std::size_t B = used.size();
  ASSERT_GT(B, 300u);
  std::vector<T> bA(B), bL(B), bM(3 * B), bA2(B), bL2(B);
  std::vector<RowStatus> bs(B), bs2(B);
  ccnorm::evaluate_batch<T>(Algo::auto_, Z.data(), B, 3, bA.data(), bL.data(), nullptr, 2, bs.data());
  ccnorm::evaluate_batch<T>(Algo::auto_, Z.data(), B, 3, bA2.data(), bL2.data(), bM.data(), 2, bs2.data());
  Worst wA, wL, wM;
  int n = 0;
  for (std::size_t i = 0; i < B; ++i) {
    const T* z = Z.data() + 3 * i;
    const std::string& id = used[i].id;
    ccnorm::Out<T> o{};
    ASSERT_TRUE(ccnorm::three_nodes<T>(z, o)) << dt << " " << id << ": declined";
    T A = 0, L = 0;
    const RowStatus s = ccnorm::evaluate_row<T>(Algo::auto_, z, 3, A, &L, nullptr);
    EXPECT_EQ(s, RowStatus::ok) << dt << " " << id;
    EXPECT_TRUE(same_bits(A, o.A) && same_bits(L, o.logC)) << dt << " " << id << ": auto's value path is not three_nodes";
    EXPECT_TRUE(same_bits(bA[i], o.A) && same_bits(bL[i], o.logC) && bs[i] == RowStatus::ok)
        << dt << " " << id << ": evaluate_batch differs from the row";
    ccnorm::Out<T> om{};
    T mu[3] = {0, 0, 0}, rmu[3] = {0, 0, 0};
    ASSERT_TRUE(ccnorm::three_nodes<T>(z, om, mu)) << dt << " " << id << ": declined with the mean";
    EXPECT_TRUE(same_bits(om.A, o.A) && same_bits(om.logC, o.logC)) << dt << " " << id << ": A depends on the mean";
    T A2 = 0, L2 = 0;
    EXPECT_EQ(ccnorm::evaluate_row<T>(Algo::auto_, z, 3, A2, &L2, rmu), RowStatus::ok) << dt << " " << id;
    for (int j = 0; j < 3; ++j) {
      EXPECT_TRUE(same_bits(rmu[j], mu[j]) && same_bits(bM[3 * i + j], mu[j]) && bs2[i] == RowStatus::ok)
          << dt << " " << id << ": mu_" << j << " of evaluate_row / evaluate_batch differs from three_nodes";
      for (int k = 0; k < 3; ++k) {
        if (k < j && z[k] == z[j]) {
          EXPECT_TRUE(same_bits(mu[k], mu[j])) << dt << " " << id << ": tied nodes, unequal mu";
        }
        if (z[k] > z[j]) {
          EXPECT_GE(mu[k], mu[j]) << dt << " " << id << ": mu not increasing with the logit";
        }
      }
    }
    EXPECT_LE(std::fabs(static_cast<double>(mu[0]) + mu[1] + mu[2] - 1), 4 * u) << dt << " " << id << ": sum of mu";
    std::vector<double> zd(z, z + 3);
    bool distinct = zd[0] != zd[1] && zd[1] != zd[2] && zd[0] != zd[2];
    const double sp = *std::max_element(zd.begin(), zd.end()) - *std::min_element(zd.begin(), zd.end());
    if (sp > 1e3 && !distinct) continue;  // (not generated: ties only at d <= 1000)
    const ccnorm::ref::Certified c = sp <= 1e3 && std::isfinite(sp) ? ccnorm::ref::certified(zd.data(), 3, true)
                                               : ccnorm::ref::certified_distinct(zd.data(), 3, true);
    const double Ar = static_cast<double>(mp200(c.A)), Lr = static_cast<double>(mp200(c.logC));
    const double top = *std::max_element(zd.begin(), zd.end());
    const double lnd = std::fabs(Ar - top);
    const double bA_ = 1 + 0x1p-11 * (20 + 4 * lnd + std::fabs(Ar)) / std::max(1.0, std::fabs(Ar));
    const double bL_ = 1 + 0x1p-11 * (30 + 4 * lnd) / std::max(1.0, std::fabs(Lr));
    const double eA = ccnorm::measures::err_value(static_cast<double>(o.A), mp200(c.A), u);
    const double eL = ccnorm::measures::err_value(static_cast<double>(o.logC), mp200(c.logC), u);
    EXPECT_LE(eA, bA_) << dt << " " << id << ": err_A";
    EXPECT_LE(eL, bL_) << dt << " " << id << ": err_logC";
    if (eA > wA.v) wA = {eA, bA_, id};
    if (eL > wL.v) wL = {eL, bL_, id};
    // (as tests/test_wide_spread.cpp: below the relative floor, absolute against the type's smallest
    // subnormal, so that a result rounded to a subnormal is not judged at 2^-1022 u)
    const double abs_scale = std::max(u * 0x1p-1022, static_cast<double>(std::numeric_limits<T>::denorm_min()));
    for (int j = 0; j < 3; ++j) {
      using Tr = ccnorm::measures::ref_traits<mp200>;
      const mp200 m(c.mu[j]);
      const double mag = Tr::magnitude(m), dm = Tr::abs_diff(static_cast<double>(mu[j]), m);
      const double em = mag >= ccnorm::measures::kMeanRelativeFloor ? dm / (u * mag) : dm / abs_scale;
      EXPECT_LE(em, 1 + 0x1p-4) << dt << " " << id << ": err_mu_" << j;
      if (em > wM.v) wM = {em, 1 + 0x1p-4, id};
    }
    ++n;
  }
  std::printf("three_nodes %s: %d rows against the certified reference; max err_A %.3f (bound %.3f) [%s], "
              "max err_logC %.3f (bound %.3f) [%s], max err_mu %.3f (bound %.3f) [%s]\n",
              dt, n, wA.v, wA.bound, wA.id.c_str(), wL.v, wL.bound, wL.id.c_str(), wM.v, wM.bound, wM.id.c_str());
}

TEST(ThreeNodes, WithinItsBoundAgainstTheCertifiedReference) {
  const auto r = rows();
  check<double>(r);
  check<float>(r);
}

// Below the cut-off, and with the mean, auto keeps its other paths; three_nodes declines.
TEST(ThreeNodes, DeclinesBelowTheCutOff) {
  const double z1[3] = {0, 3, 8 - 0x1p-50};
  ccnorm::Out<double> o{};
  EXPECT_FALSE(ccnorm::three_nodes<double>(z1, o));
  const double z2[3] = {0, 3, 8};
  EXPECT_TRUE(ccnorm::three_nodes<double>(z2, o));
  // non-finite input is declined (auto_eval's trivial_row handles it before)
  const double inf = std::numeric_limits<double>::infinity(), nan = std::nan("");
  for (const auto& zb : {std::vector<double>{0, nan, -10}, {inf, 0, -3}, {0, 3, -inf}, {nan, nan, nan}}) {
    ccnorm::Out<double> ob{};
    EXPECT_FALSE(ccnorm::three_nodes<double>(zb.data(), ob)) << zb[0] << "," << zb[1] << "," << zb[2];
  }
}

}  // namespace
