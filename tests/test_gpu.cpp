// The CUDA kernels on a device (label gpu): ccnorm::gpu::evaluate_batch against the certified
// hard corpus (rows K <= 1000, grouped by dtype and K, one batch each) and against auto-precise on
// fresh random rows (B not a multiple of any block size, value and mean, f32 and f64). Outputs are
// poisoned with NaN before every run, so a row the device skipped cannot pass. Without a device
// every test calls GTEST_SKIP with the reason (ctest reports them as skipped, not passed).
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>

#include "normalizer/auto.hpp"
#include "normalizer/cuda/gpu.hpp"
#include "tests/gpu_corpus.hpp"

namespace {

using namespace ccnorm::test;

#define CCNORM_REQUIRE_DEVICE()                                                                   \
  do {                                                                                            \
    if (!ccnorm::gpu::available())                                                                \
      GTEST_SKIP() << "not run: no CUDA device (cudaGetDeviceCount reports none on this machine)"; \
  } while (0)

template <class T>
void corpus_group(const std::vector<const gpu_corpus::Row*>& rows, std::size_t K, std::map<std::string, gpu_corpus::Score>& s,
                  bool with_mu) {
  const std::size_t B = rows.size();
  std::vector<T> Z(B * K), A(B, T(NAN)), L(B, T(NAN)), M(B * K, T(NAN));
  for (std::size_t b = 0; b < B; ++b)
    for (std::size_t j = 0; j < K; ++j) Z[b * K + j] = static_cast<T>(rows[b]->z[j]);
  ccnorm::gpu::evaluate_batch<T>(Z.data(), B, K, A.data(), L.data(), with_mu ? M.data() : nullptr);
  for (std::size_t b = 0; b < B; ++b) {
    const auto& r = *rows[b];
    const double eA = ccnorm::measures::err_value<T>(A[b], r.A);
    const double emu = with_mu ? ccnorm::measures::err_mean<T>(M.data() + b * K, K, r.mu) : 0.0;
    s[r.dtype + "/" + r.family + (with_mu ? "/mean" : "/value")].add(r, eA, emu, 16, 64);
    EXPECT_LE(eA, 16) << r.id << (with_mu ? " (with mean)" : " (value only)");
    EXPECT_LE(emu, 64) << r.id;
    EXPECT_TRUE(std::isfinite(L[b])) << r.id;
  }
}

TEST(Gpu, HardCorpus) {
  CCNORM_REQUIRE_DEVICE();
  std::printf("device: %s\n", ccnorm::gpu::device_name().c_str());
  const auto rows = gpu_corpus::load("tests/data/hard_corpus.csv", 1000);
  std::map<std::pair<std::string, std::size_t>, std::vector<const gpu_corpus::Row*>> groups;
  for (const auto& r : rows) groups[{r.dtype, r.K}].push_back(&r);
  std::map<std::string, gpu_corpus::Score> s;
  for (bool with_mu : {false, true})
    for (const auto& [key, g] : groups) {
      if (key.first == "f32") corpus_group<float>(g, key.second, s, with_mu);
      else corpus_group<double>(g, key.second, s, with_mu);
    }
  gpu_corpus::print(s, "GPU vs the certified corpus (K <= 1000; goal err_A <= 16, err_mu <= 64)");
}

template <class T>
void random_vs_precise(std::size_t K, double sigma, std::size_t B) {
  std::mt19937_64 rng(K * 7919 + static_cast<std::uint64_t>(sigma * 1000) + sizeof(T));
  std::normal_distribution<double> nd(0.0, sigma);
  std::vector<T> Z(B * K);
  for (auto& x : Z) x = static_cast<T>(nd(rng));
  if (K > 2) Z[1] = Z[0];  // a tie in row 0
  const double u = ccnorm::measures::unit_roundoff<T>();
  for (bool with_mu : {false, true}) {
    std::vector<T> A(B, T(NAN)), L(B, T(NAN)), M(B * K, T(NAN));
    ccnorm::gpu::evaluate_batch<T>(Z.data(), B, K, A.data(), L.data(), with_mu ? M.data() : nullptr);
    double wA = 0, wmu = 0;
    std::vector<double> zd(K), mref(K);
    for (std::size_t b = 0; b < B; ++b) {
      for (std::size_t j = 0; j < K; ++j) zd[j] = Z[b * K + j];
      const auto ref = ccnorm::auto_precise<double>(zd.data(), K, mref.data());
      const double eA = ccnorm::measures::err_value(static_cast<double>(A[b]), ref.A, u);
      wA = std::max(wA, eA);
      const double lse = ccnorm::log_sum_exp(zd.data(), K);
      ASSERT_LE(std::fabs(static_cast<double>(L[b]) - (lse - ref.A)), 64 * u * std::max(1.0, std::fabs(lse)) + 16 * u * std::max(1.0, std::fabs(ref.A)))
          << "row " << b;
      if (with_mu) wmu = std::max(wmu, ccnorm::measures::err_mean(M.data() + b * K, K, mref.data(), u));
    }
    // auto-precise is within ~1 ulp / 1 u of the truth: the goals + 1.
    EXPECT_LE(wA, 17) << "K=" << K << " sigma=" << sigma << " mu=" << with_mu;
    EXPECT_LE(wmu, 65) << "K=" << K << " sigma=" << sigma;
  }
}

TEST(Gpu, RandomRowsF32) {
  CCNORM_REQUIRE_DEVICE();
  for (std::size_t K : {1, 2, 3, 10, 32, 33, 100, 512, 513, 1000})
    for (double sigma : {0.01, 1.0, 50.0}) random_vs_precise<float>(K, sigma, K >= 500 ? 67 : 1031);
}

TEST(Gpu, RandomRowsF64) {
  CCNORM_REQUIRE_DEVICE();
  for (std::size_t K : {1, 2, 3, 10, 32, 33, 100, 512, 513, 1000})
    for (double sigma : {0.01, 1.0, 50.0}) random_vs_precise<double>(K, sigma, K >= 500 ? 67 : 1031);
}

TEST(Gpu, NonFiniteAndHugeSpreadRows) {
  CCNORM_REQUIRE_DEVICE();
  // row 0: NaN -> NaN outputs; row 1: spread 1e7 -> host fallback (finite); row 2: ordinary.
  std::vector<double> Z = {0.0, NAN, 1.0, 0.0, 1e7, 2.0, 0.5, 0.25, 0.125};
  std::vector<double> A(3, 0.0), L(3, 0.0), M(9, -1.0);
  ccnorm::gpu::evaluate_batch<double>(Z.data(), 3, 3, A.data(), L.data(), M.data());
  EXPECT_TRUE(std::isnan(A[0]));
  EXPECT_TRUE(std::isnan(M[0]));
  EXPECT_TRUE(std::isfinite(A[1]));
  for (int j = 3; j < 9; ++j) EXPECT_TRUE(M[j] > 0 && M[j] < 1) << j;
  const auto ref = ccnorm::auto_precise<double>(Z.data() + 6, 3, nullptr);
  EXPECT_NEAR(A[2], ref.A, 16 * 0x1p-53 * std::max(1.0, std::fabs(ref.A)));
}

}  // namespace
