// normalizer/taylor_compensated.hpp (auto's path for f64 rows with the mean and spread in
// (max(8, K), 128], and beyond 128 on unsorted rows) against the certified reference
// (ref::certified, the all-positive series in Arb), never against normalizer/ code.
// Rows (deterministic, bench/rng.hpp): for K = 4 ... 100 and spreads from just above the cut-off
// max(8, K) to 128 (the cut-off's next double, 1.5x, 2x, ..., 128 itself), 160 ... 258 (below
// taylor_prepare's sorting at 260.62) and 400, 1000 (sorted rows, per-node scaling); beyond 128
// auto first tries the wide-row paths, so the identity with auto is checked only where they
// decline: normals rescaled to the
// spread, an arithmetic progression, one outlier above a cluster, a tie at the top and one at the
// bottom, and offsets 0, -37.25 and +-1e4 (the exact shift).
// Checked per row: auto takes this path (auto_detail::compensated_mean), evaluate_row and
// evaluate_batch return the same bits, A does not depend on the mean, tied nodes get equal mu,
// mu sums (exactly) to 1 within 2 u, and against the certified reference (units of u, docs/design.md §3):
//   err_mu   <= 1.5   (the header's ~1.5 u: the compensated sums and one division)
//   err_A, err_logC <= 2 (the logarithms' rounding on top of S's ~1 u)
// The plain double series (auto_detail::double_series, what auto ran there before) is measured
// on the same rows for comparison and printed; the worst row of each is printed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "bench/rng.hpp"
#include "measures/mpfr.hpp"
#include "normalizer/auto.hpp"
#include "normalizer/normalizer.hpp"
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
  std::vector<Row> out;
  ccnorm::gen::Rng g{20261203};
  char id[160];
  for (int K : {4, 5, 6, 8, 10, 12, 16, 24, 32, 48, 64, 100}) {
    const double cut = std::max(ccnorm::series::kCompensatedMeanMinSpread, static_cast<double>(K));
    for (double s : {std::nextafter(cut, 1e9), 1.5 * cut, 2 * cut, 3 * cut, 4 * cut, 96.0, 128.0, 160.0, 200.0, 258.0,
                     400.0, 1000.0}) {
      // beyond 128: 160 ... 258 (unsorted rows), 400 and 1000 (sorted rows: per-node scaling)
      if ((s > 128.0 && s < 160.0) || (s > 258.0 && s != 400.0 && s != 1000.0)) continue;
      for (int shape = 0; shape < 6; ++shape) {
        std::vector<double> y(K);
        const char* name = "";
        switch (shape) {
          case 0:
          case 1:
            name = "normal";
            for (auto& x : y) x = g.normal();
            break;
          case 2:
            name = "progression";
            for (int j = 0; j < K; ++j) y[j] = j;
            break;
          case 3:
            name = "outlier";
            for (int j = 0; j < K - 1; ++j) y[j] = 0.01 * g.normal();
            y[K - 1] = 1;
            break;
          case 4:
            name = "tie_top";
            for (auto& x : y) x = g.normal();
            break;
          default:
            name = "tie_bottom";
            for (auto& x : y) x = g.normal();
            break;
        }
        const auto [lo, hi] = std::minmax_element(y.begin(), y.end());
        const double l = *lo, w = *hi - *lo;
        for (auto& x : y) x = (x - l) / w * s;  // min 0, max s (exactly: (hi - lo) / w = 1)
        const auto imax = std::max_element(y.begin(), y.end()) - y.begin();
        const auto imin = std::min_element(y.begin(), y.end()) - y.begin();
        y[imax] = s;
        std::size_t other = 0;  // a node that is neither the minimum nor the maximum
        while (static_cast<std::ptrdiff_t>(other) == imin || static_cast<std::ptrdiff_t>(other) == imax) ++other;
        if (shape == 4) y[other] = s;
        if (shape == 5) y[other] = 0;
        for (double off : {0.0, -37.25, 1e4, -1e4}) {
          if (off != 0 && shape != 0 && shape != 2) continue;
          std::vector<double> z(y);
          for (auto& x : z) x += off;
          const double zs = *std::max_element(z.begin(), z.end()) - *std::min_element(z.begin(), z.end());
          if (!(zs > cut)) continue;  // (the offset rounded the spread back onto the cut-off)
          std::snprintf(id, sizeof id, "K=%d spread=%.17g %s offset=%g", K, s, name, off);
          out.push_back({id, z});
        }
      }
    }
  }
  return out;
}

bool same_bits(double x, double y) { return std::memcmp(&x, &y, sizeof x) == 0; }

struct Worst {
  double v = -1;
  std::string id;
};

// err_mu (docs/design.md §3) against the certified midpoints, held at 200 bits
double mu_error(const std::vector<double>& mu, const ccnorm::ref::Certified& c) {
  const std::vector<mp200> ref(c.mu.begin(), c.mu.end());
  return ccnorm::measures::err_mean(mu, ref, 0x1p-53);
}

TEST(TaylorCompensated, MeanWithinBoundAgainstCertified) {
  constexpr double u = 0x1p-53;
  const std::vector<Row> all = rows();
  ASSERT_GT(all.size(), 300u);
  Worst wA, wL, wM, wPlain;
  int n = 0, through_auto = 0, beyond = 0, sorted_rows = 0;
  for (const Row& r : all) {
    const std::size_t K = r.z.size();
    const double* z = r.z.data();
    const double sp = *std::max_element(r.z.begin(), r.z.end()) - *std::min_element(r.z.begin(), r.z.end());
    ASSERT_TRUE(ccnorm::auto_detail::compensated_mean<double>(sp, K, true)) << r.id << ": not on this path";
    ASSERT_FALSE(ccnorm::auto_detail::compensated_mean<double>(sp, K, false)) << r.id;
    ASSERT_FALSE(ccnorm::auto_detail::compensated_mean<float>(sp, K, true)) << r.id;
    // the path itself (as auto_eval runs it)
    auto& ws = ccnorm::taylor_detail::workspace<double>();
    double mT = 0;
    const double rr = ccnorm::taylor_prepare<double, double>(z, K, ws, mT);
    ASSERT_EQ(ws.sorted, sp > 260.62) << r.id;
    beyond += sp > ccnorm::series::kMeanEscalationSpread;
    sorted_rows += ws.sorted;
    std::vector<double> mu(K), rmu(K), bmu(K), pmu(K);
    const auto s = ccnorm::taylor_detail::run_series_compensated(ws, K, rr, true, ccnorm::series::output_series_tol<double>(true));
    ASSERT_TRUE(s.ok) << r.id;
    const auto o = ccnorm::auto_detail::finish_series<double>(z, K, mu.data(), rr, ws, mT, s, true);
    // auto, row and batch (beyond spread 128 auto first tries the wide-row paths: where one of
    // them takes the row, auto's result is not this path's and only the path itself is checked)
    bool wide = false;
    if (sp > ccnorm::series::kSeparatedMinSpread) {
      ccnorm::Out<double> ow;
      std::vector<double> wmu(K);
      wide = ccnorm::auto_detail::wide_row<double>(z, K, wmu.data(), sp, ow) != ccnorm::auto_detail::WidePath::none;
    }
    double A = 0, L = 0, A0 = 0, L0 = 0, bA = 0, bL = 0;
    RowStatus bs{};
    EXPECT_EQ(ccnorm::evaluate_row<double>(Algo::auto_, z, K, A, &L, rmu.data()), RowStatus::ok) << r.id;
    ccnorm::evaluate_batch<double>(Algo::auto_, z, 1, K, &bA, &bL, bmu.data(), 1, &bs);
    EXPECT_TRUE(same_bits(A, bA) && same_bits(L, bL) && bs == RowStatus::ok) << r.id << ": batch differs";
    if (!wide) {
      EXPECT_TRUE(same_bits(A, o.A) && same_bits(L, o.logC)) << r.id << ": auto's result is not this path's";
      ++through_auto;
    }
    EXPECT_EQ(ccnorm::evaluate_row<double>(Algo::auto_, z, K, A0, &L0, nullptr), RowStatus::ok) << r.id;
    mp200 sum = 0;  // (exact: a plain double sum of K = 64 terms rounds by more than the bound)
    for (std::size_t j = 0; j < K; ++j) {
      sum += mp200(mu[j]);
      EXPECT_TRUE(same_bits(rmu[j], bmu[j])) << r.id << ": batch mu_" << j << " differs";
      if (!wide) {
        EXPECT_TRUE(same_bits(rmu[j], mu[j])) << r.id << ": auto's mu_" << j << " is not this path's";
      }
      for (std::size_t k = 0; k < j; ++k) {
        if (z[k] == z[j]) {
          EXPECT_TRUE(same_bits(mu[k], mu[j])) << r.id << ": tied nodes, unequal mu";
        }
      }
    }
    EXPECT_LE(static_cast<double>(abs(sum - 1)), 2 * u) << r.id << ": sum of mu";
    // the plain double series on the same row, for comparison
    ccnorm::taylor_prepare<double, double>(z, K, ws, mT);
    const auto sp0 = ccnorm::auto_detail::double_series<double>(ws, K, rr, true);
    ccnorm::auto_detail::finish_series<double>(z, K, pmu.data(), rr, ws, mT, sp0, true);  // (assembled alike, no rerun)
    // against the certified reference
    const ccnorm::ref::Certified c = ccnorm::ref::certified(z, K, true);
    const double eA = ccnorm::measures::err_value(o.A, mp200(c.A), u);
    const double eL = ccnorm::measures::err_value(o.logC, mp200(c.logC), u);
    const double eM = mu_error(mu, c), eP = mu_error(pmu, c);
    EXPECT_LE(eA, 2.0) << r.id << ": err_A";
    EXPECT_LE(eL, 2.0) << r.id << ": err_logC";
    EXPECT_LE(eM, 1.5) << r.id << ": err_mu";
    if (eA > wA.v) wA = {eA, r.id};
    if (eL > wL.v) wL = {eL, r.id};
    if (eM > wM.v) wM = {eM, r.id};
    if (eP > wPlain.v) wPlain = {eP, r.id};
    ++n;
  }
  std::printf("taylor_compensated f64: %d rows against the certified reference (%d beyond spread 128, %d of them sorted; "
              "%d through auto, the others taken by a wide-row path); max err_A %.3f [%s], max err_logC %.3f [%s], max err_mu %.3f [%s]; "
              "the plain double series on the same rows: max err_mu %.3f [%s]\n",
              n, beyond, sorted_rows, through_auto, wA.v, wA.id.c_str(), wL.v, wL.id.c_str(), wM.v, wM.id.c_str(), wPlain.v,
              wPlain.id.c_str());
  EXPECT_GT(through_auto, n / 2) << "most rows should reach this path through auto";
}

}  // namespace
