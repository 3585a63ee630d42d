// The batch API (normalizer/batch.hpp) and the algorithm registry (normalizer/registry.hpp):
// a status per row, no exception leaving the parallel region (sorted-difference's mean at
// K = 8193 used to abort the process), bad rows never stopping the others, results equal to the
// one-row entry points whatever the thread count, and the registry's names and limits.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "normalizer/normalizer.hpp"

namespace {

using ccnorm::Algo;
using ccnorm::RowStatus;

TEST(Batch, StatusPerRowAndNoEscapingException) {
  // K = 8193 rows: sorted-difference refuses the mean above K = 8192 (std::length_error)
  const std::size_t K = ccnorm::kSortedDifferenceMaxKMean + 1, B = 3;
  std::vector<double> Z(B * K);
  std::mt19937_64 g(1);
  std::normal_distribution<double> nd(0, 1e-3);
  for (auto& x : Z) x = nd(g);
  Z[K + 5] = std::numeric_limits<double>::quiet_NaN();  // row 1: invalid input
  std::vector<double> A(B), L(B), M(B * K);
  std::vector<RowStatus> st(B);
  const auto sum = ccnorm::evaluate_batch<double>(Algo::sorted_difference, Z.data(), B, K, A.data(), L.data(), M.data(), 2,
                                                  st.data());
  EXPECT_EQ(st[0], RowStatus::failed);
  EXPECT_EQ(st[1], RowStatus::invalid_input);
  EXPECT_EQ(st[2], RowStatus::failed);
  EXPECT_EQ(sum.failed, 2u);
  EXPECT_EQ(sum.invalid_input, 1u);
  EXPECT_FALSE(sum.all_ok());
  for (std::size_t b = 0; b < B; ++b) EXPECT_TRUE(std::isnan(A[b])) << b;  // failed and invalid rows are NaN
  // the value alone is computed
  const auto s2 = ccnorm::evaluate_batch<double>(Algo::sorted_difference, Z.data(), B, K, A.data(), L.data(), nullptr, 2,
                                                 st.data());
  EXPECT_EQ(s2.ok, 2u);
  EXPECT_EQ(st[1], RowStatus::invalid_input);
}

TEST(Batch, BadRowsDoNotStopTheOthersAndResultsMatchOneRow) {
  const std::size_t K = 7, B = 257;
  std::vector<double> Z(B * K);
  std::mt19937_64 g(7);
  std::normal_distribution<double> nd(0, 3);
  for (auto& x : Z) x = nd(g);
  Z[10 * K] = std::numeric_limits<double>::infinity();
  Z[200 * K + 3] = std::numeric_limits<double>::quiet_NaN();
  for (int threads : {1, 2}) {
    std::vector<double> A(B), L(B), M(B * K);
    std::vector<RowStatus> st(B);
    const auto sum = ccnorm::evaluate_batch<double>(Algo::auto_, Z.data(), B, K, A.data(), L.data(), M.data(), threads,
                                                    st.data());
    EXPECT_EQ(sum.invalid_input, 2u);
    EXPECT_EQ(sum.ok, B - 2);
    for (std::size_t b = 0; b < B; ++b) {
      if (b == 10 || b == 200) {
        EXPECT_EQ(st[b], RowStatus::invalid_input);
        EXPECT_TRUE(std::isnan(A[b]) && std::isnan(L[b]) && std::isnan(M[b * K]));
        continue;
      }
      std::vector<double> mu(K);
      const auto o = ccnorm::evaluate<double>(Algo::auto_, Z.data() + b * K, K, mu.data());
      EXPECT_EQ(A[b], o.A);
      EXPECT_EQ(L[b], o.logC);
      for (std::size_t j = 0; j < K; ++j) EXPECT_EQ(M[b * K + j], mu[j]);
    }
  }
}

TEST(Batch, OutsideTheAccuracyDomainIsAStatus) {
  // a spread beyond the series' domain (series/limits.hpp kAccuracyDomainMaxSpread) that the
  // residue method (normalizer/separated.hpp) declines - its top cluster, 1e9 + 0..5000 step 1,
  // is wider than it evaluates - : finite values from auto's fallback, flagged outside_domain
  std::vector<double> z;
  for (int j = 0; j <= 5000; ++j) z.push_back(1e9 + j);
  z.push_back(0.0);
  double A = 0, L = 0;
  std::vector<double> mu(z.size());
  const RowStatus s = ccnorm::evaluate_row<double>(Algo::auto_, z.data(), z.size(), A, &L, mu.data());
  EXPECT_EQ(s, RowStatus::outside_domain) << ccnorm::status_name(s);
  EXPECT_TRUE(std::isfinite(A) && std::isfinite(L));
  // a wide spread that it evaluates: ok (formerly the fallback)
  const double wide[3] = {0.0, 1e9, 2.0};
  double m3[3];
  EXPECT_EQ(ccnorm::evaluate_row<double>(Algo::auto_, wide, 3, A, &L, m3), RowStatus::ok);
  const double inside[3] = {0.0, 1e3, 2.0};
  EXPECT_EQ(ccnorm::evaluate_row<double>(Algo::auto_, inside, 3, A, &L, m3), RowStatus::ok);
}

TEST(Registry, NamesOrderAndLimits) {
  std::set<std::string> names;
  int rank = 0;
  for (const auto& a : ccnorm::algorithms()) {
    EXPECT_TRUE(names.insert(a.name).second) << a.name;
    EXPECT_EQ(ccnorm::algo_rank(a.name), rank++);
    Algo x;
    ASSERT_TRUE(ccnorm::parse_algo(a.name, x));
    EXPECT_EQ(x, a.id);
    EXPECT_STREQ(ccnorm::algo_name(a.id), a.name);
    EXPECT_EQ(a.host(), a.id != Algo::gpu);
  }
  EXPECT_EQ(ccnorm::algorithm_list(), "closed-form, closed-form-scaled, sorted-difference, taylor, auto, auto-precise, auto-cr");
  EXPECT_EQ(ccnorm::info(Algo::sorted_difference).max_K_mean, ccnorm::kSortedDifferenceMaxKMean);
  EXPECT_EQ(ccnorm::algo_rank("no-such-algorithm"), static_cast<int>(ccnorm::algorithms().size()));
  Algo x;
  EXPECT_FALSE(ccnorm::parse_algo("no-such-algorithm", x));
  // gpu has no one-row entry point: evaluate() says so, evaluate_row() marks the row failed
  const double z[2] = {0, 1};
  EXPECT_THROW(ccnorm::evaluate<double>(Algo::gpu, z, 2, nullptr), std::invalid_argument);
  double A = 0;
  EXPECT_EQ(ccnorm::evaluate_row<double>(Algo::gpu, z, 2, A, nullptr, nullptr), RowStatus::failed);
}

TEST(Params, LogitsEtaProbs) {
  std::vector<double> z;
  const double eta[2] = {0.5, -1};
  EXPECT_EQ(ccnorm::to_logits<double>(ccnorm::Param::eta, eta, 2, z), "");
  EXPECT_EQ(z, (std::vector<double>{0.5, -1, 0}));
  const double probs[3] = {0.25, 0.5, 0.25};
  EXPECT_EQ(ccnorm::to_logits<double>(ccnorm::Param::probs, probs, 3, z), "");
  EXPECT_DOUBLE_EQ(z[1] - z[0], std::log(2.0));
  const double bad[3] = {0.25, 0.0, 0.75};
  EXPECT_EQ(ccnorm::to_logits<double>(ccnorm::Param::probs, bad, 3, z), "field 2: probability must be > 0 (the open simplex)");
  const double nan[2] = {1, std::numeric_limits<double>::quiet_NaN()};
  EXPECT_EQ(ccnorm::to_logits<double>(ccnorm::Param::logits, nan, 2, z), "field 2: NaN is not a valid logit");
  EXPECT_EQ(ccnorm::to_logits<double>(ccnorm::Param::logits, nan, 0, z), "empty row (K = 0)");
}

}  // namespace
