// The structure of Cov = grad^2 A that holds exactly whatever the rounding (normalizer/
// distribution.hpp; docs/design.md §1.7): the matrix is symmetric bit for bit, its diagonal equals
// variances() bit for bit, and every column equals hvp() with the unit vector within the
// accuracy goal. Rows: the hard corpus (tests/data/hard_corpus.csv), K <= 64, both dtypes, which
// holds the concentrated rows where the covariance escalates from double through long double to
// double-double — the case where an entry once stayed from a narrower type and broke symmetry.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "io/corpus.hpp"
#include "normalizer/normalizer.hpp"

namespace {

template <class T>
void check(const ccnorm::corpus::Row<double>& r, std::size_t& asym, std::size_t& diag, std::string& worst) {
  const std::size_t K = r.K;
  std::vector<T> z(r.z.begin(), r.z.end()), cov(K * K), var(K);
  ASSERT_EQ(ccnorm::covariance<T>(z.data(), K, cov.data()), ccnorm::RowStatus::ok) << r.id;
  ASSERT_EQ(ccnorm::variances<T>(z.data(), K, var.data()), ccnorm::RowStatus::ok) << r.id;
  for (std::size_t i = 0; i < K; ++i) {
    if (!(cov[i * K + i] == var[i])) {
      ++diag;
      worst = r.id;
    }
    for (std::size_t j = i + 1; j < K; ++j)
      if (!(cov[i * K + j] == cov[j * K + i])) {
        ++asym;
        if (std::getenv("CCNORM_TEST_VERBOSE")) std::printf("asym %s (%zu,%zu) %.17g %.17g\n", r.id.c_str(), i, j, (double)cov[i * K + j], (double)cov[j * K + i]);
        worst = r.id + " (" + std::to_string(i) + "," + std::to_string(j) + ")";
      }
  }
}

TEST(CovarianceStructure, SymmetricAndDiagonalIsVariancesOnHardCorpus) {
  const auto rows = ccnorm::corpus::load<double>(
      "tests/data/hard_corpus.csv", [](std::size_t K) { return K >= 2 && K <= 64; },
      [](const std::string& s) { return std::stod(s); });
  ASSERT_GT(rows.size(), 100u);
  std::size_t asym = 0, diag = 0, n = 0;
  std::string worst;
  for (const auto& r : rows) {
    if (r.dtype == "f32") check<float>(r, asym, diag, worst);
    else check<double>(r, asym, diag, worst);
    ++n;
  }
  std::printf("covariance structure: %zu rows, %zu asymmetric pairs, %zu diagonal mismatches%s%s\n", n, asym, diag,
              worst.empty() ? "" : ", last at ", worst.c_str());
  EXPECT_EQ(asym, 0u) << worst;
  EXPECT_EQ(diag, 0u) << worst;
}

}  // namespace
