// GPU launch logic and the host replay of the kernels' arithmetic (CPU only, label unit).
//  - mapping by K, group sizes, geometry and scratch bounds (normalizer/cuda/launch.hpp);
//  - every row of a launch is visited exactly once by the kernels' grid-stride loops, including
//    tail rows (B not a multiple of the rows per block) and grids capped below the row count;
//  - chunking of huge B;
//  - the replay (normalizer/cuda/emulate.hpp: the same CCNORM_HD code and operation order as the
//    kernels) against auto-precise on fresh random rows, f32 and f64, value and mean, for every
//    mapping, and thread vs group mappings against each other;
//  - the thread kernel's register-array form (KM > 0) against its local-memory form: bitwise equal.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "normalizer/auto.hpp"
#include "normalizer/cuda/emulate.hpp"
#include "normalizer/cuda/launch.hpp"

namespace {

using namespace ccnorm::gpu;

TEST(GpuLaunch, MappingByK) {
  EXPECT_EQ(choose_mapping(1), Mapping::thread);
  EXPECT_EQ(choose_mapping(32), Mapping::thread);
  EXPECT_EQ(choose_mapping(33), Mapping::warp);
  EXPECT_EQ(choose_mapping(512), Mapping::warp);
  EXPECT_EQ(choose_mapping(513), Mapping::block);
  EXPECT_EQ(choose_mapping(100000), Mapping::block);
  for (std::size_t K : {33, 100, 512, 513, 1000, 4096, 10000, 100000}) {
    const Mapping m = choose_mapping(K);
    const int G = group_threads(m, K);
    EXPECT_EQ(G % 32, 0) << K;
    EXPECT_LE(G, kMaxGroup) << K;
    const std::size_t ch = (K + G - 1) / G;
    EXPECT_GE(ch * G, K) << K;
    if (m == Mapping::warp) {
      EXPECT_LE(ch, 16u) << K;
    }
    if (m == Mapping::block && G < kMaxGroup) {
      EXPECT_LE(ch, 8u) << K;
    }
  }
}

// The kernels' loops (kernels.cu): thread mapping row = block*blockDim + tid, stride grid*blockDim;
// group mapping it = block*rpb + group, stride grid*rpb. Count visits of every row.
std::vector<int> visits(const Plan& p, std::size_t rows) {
  std::vector<int> v(rows, 0);
  if (p.mapping == Mapping::thread) {
    for (std::size_t b = 0; b < p.grid; ++b)
      for (int t = 0; t < p.block; ++t)
        for (std::size_t r = b * p.block + t; r < rows; r += p.grid * p.block) ++v[r];
  } else {
    for (std::size_t b = 0; b < p.grid; ++b)
      for (int g = 0; g < p.rows_per_block; ++g)
        for (std::size_t r = b * p.rows_per_block + g; r < rows; r += p.grid * p.rows_per_block) ++v[r];
  }
  return v;
}

TEST(GpuLaunch, EveryRowOnceIncludingTails) {
  DeviceLimits small;
  small.sms = 2;  // caps the grid far below the row count: the grid-stride loop must cover the rest
  small.scratch_budget = 1 << 20;
  for (const DeviceLimits& lim : {DeviceLimits{}, small})
    for (std::size_t K : {1, 3, 32, 33, 100, 600, 10000})
      for (std::size_t rows : {1, 5, 127, 128, 129, 1000, 4099, 70001}) {
        for (int force : {0, 32}) {
          const Plan p = make_plan(rows, K, 8, 16, lim, force);
          ASSERT_GE(p.grid, 1u);
          ASSERT_EQ(p.slots, p.grid * p.rows_per_block);
          ASSERT_EQ(p.block, p.group * p.rows_per_block);
          ASSERT_LE(p.block, 1024);
          const auto v = visits(p, rows);
          for (std::size_t r = 0; r < rows; ++r) ASSERT_EQ(v[r], 1) << "K=" << K << " rows=" << rows << " row " << r;
          if (p.mapping != Mapping::thread) {
            EXPECT_GE(p.kpad, K);
            EXPECT_EQ(p.kpad & (p.kpad - 1), 0u);
            EXPECT_EQ(p.chunk, static_cast<int>((K + p.group - 1) / p.group));
            EXPECT_EQ(p.slot_bytes % 256, 0u);
            // Scratch bounded by the budget unless a single row's slot is larger.
            if (p.slots > static_cast<std::size_t>(p.rows_per_block)) {
              EXPECT_LE((p.slots - p.rows_per_block) * p.slot_bytes, lim.scratch_budget);
            }
            EXPECT_LE(p.slots, rows + p.rows_per_block - 1);
          }
        }
      }
}

TEST(GpuLaunch, SlotBytesHoldTheArrays) {
  for (std::size_t K : {2, 33, 1000, 10000}) {
    const int G = group_threads(choose_mapping(K), K);
    const std::size_t ch = (K + G - 1) / G;
    const std::size_t need = next_pow2(K) * (8 + 4) + 5 * G * ch * 16;
    EXPECT_GE(slot_bytes(K, G, 8, 16), need);
  }
}

TEST(GpuLaunch, ChunksCoverAllRows) {
  for (std::size_t B : {1, 7, 1000, 1 << 20}) {
    for (std::size_t per : {1, 3, 1000, 1 << 22}) {
      const auto ch = split_rows(B, per);
      std::size_t next = 0;
      for (const auto& c : ch) {
        EXPECT_EQ(c.first, next);
        EXPECT_GE(c.count, 1u);
        EXPECT_LE(c.count, per);
        next += c.count;
      }
      EXPECT_EQ(next, B);
    }
  }
  EXPECT_TRUE(split_rows(0, 5).empty());
  EXPECT_THROW(split_rows(5, 0), std::invalid_argument);
  const std::size_t budget = 1 << 30;
  for (std::size_t K : {3, 1000, 10000000})
    for (bool mu : {false, true}) {
      const std::size_t r = rows_per_chunk(K, mu, 4, budget);
      EXPECT_GE(r, 1u);
      if (r > 1) {
        EXPECT_LE(r * bytes_per_row(K, mu, 4), budget);
      }
    }
  EXPECT_THROW(make_plan(0, 3, 4, 4, DeviceLimits{}), std::invalid_argument);
}

// ---- replay of the kernels' arithmetic vs auto-precise (host reference ~1 ulp, ~1 u) ----
template <class T>
void replay_vs_precise(std::size_t K, double sigma, std::uint64_t seed, double& wA, double& wmu) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> nd(0.0, sigma);
  const double u = std::is_same_v<T, float> ? 0x1p-24 : 0x1p-53;
  for (int rep = 0; rep < 4; ++rep) {
    std::vector<T> z(K);
    for (auto& x : z) x = static_cast<T>(nd(rng) + (rep == 3 ? 1000.0 : 0.0));
    if (rep == 2 && K > 2) z[1] = z[0];  // a tie
    std::vector<double> zd(z.begin(), z.end()), mref(K);
    const auto ref = ccnorm::auto_precise<double>(zd.data(), K, mref.data());
    for (bool want_mu : {false, true}) {
      std::vector<T> mu(K, T(NAN));
      const auto o = emulate::row<T>(z.data(), K, want_mu ? mu.data() : nullptr);
      const double eA = std::fabs(static_cast<double>(o.A) - ref.A) / (u * std::max(1.0, std::fabs(ref.A)));
      wA = std::max(wA, std::isfinite(eA) ? eA : 1e300);
      if (want_mu)
        for (std::size_t j = 0; j < K; ++j) {
          const double e = std::fabs(static_cast<double>(mu[j]) - mref[j]) / (u * mref[j]);
          wmu = std::max(wmu, std::isfinite(e) ? e : 1e300);
        }
      // log C = LSE(z) - A: compare in absolute terms scaled like A.
      const double lse = ccnorm::log_sum_exp(zd.data(), K);
      EXPECT_LE(std::fabs(static_cast<double>(o.logC) - (lse - ref.A)), 64 * u * std::max(1.0, std::fabs(lse)) + 16 * u * std::max(1.0, std::fabs(ref.A)));
    }
  }
}

TEST(GpuReplay, RandomRowsMeetTheGoal) {
  // The reference is auto-precise (<= 1 ulp / 1 u observed): bounds are the goals + 1.
  for (std::size_t K : {1, 2, 3, 10, 32, 33, 100, 513, 1000})
    for (double sigma : {0.01, 1.0, 30.0}) {
      double fA = 0, fmu = 0, dA = 0, dmu = 0;
      replay_vs_precise<float>(K, sigma, 1000 * K + static_cast<std::uint64_t>(sigma * 100), fA, fmu);
      replay_vs_precise<double>(K, sigma, 7 + 1000 * K + static_cast<std::uint64_t>(sigma * 100), dA, dmu);
      EXPECT_LE(fA, 17) << "f32 K=" << K << " sigma=" << sigma;
      EXPECT_LE(fmu, 65) << "f32 K=" << K << " sigma=" << sigma;
      EXPECT_LE(dA, 17) << "f64 K=" << K << " sigma=" << sigma;
      EXPECT_LE(dmu, 65) << "f64 K=" << K << " sigma=" << sigma;
    }
}

TEST(GpuReplay, ThreadAndGroupMappingsAgree) {
  std::mt19937_64 rng(42);
  std::normal_distribution<double> nd(0.0, 2.0);
  for (std::size_t K : {2, 5, 17, 32}) {
    std::vector<double> z(K);
    for (auto& x : z) x = nd(rng);
    std::vector<double> m1(K), m2(K), m3(K);
    double A1, L1, A2, L2, A3, L3;
    ASSERT_TRUE((emulate::row_thread<double, double>(z.data(), K, A1, L1, m1.data()) == ccnorm::gpu::kDone));
    ASSERT_TRUE((emulate::row_group<double, double>(z.data(), K, 32, A2, L2, m2.data()) == ccnorm::gpu::kDone));
    ASSERT_TRUE((emulate::row_group<double, double>(z.data(), K, 64, A3, L3, m3.data()) == ccnorm::gpu::kDone));
    EXPECT_NEAR(A1, A2, 8e-16 * std::max(1.0, std::fabs(A1))) << K;
    EXPECT_NEAR(A1, A3, 8e-16 * std::max(1.0, std::fabs(A1))) << K;
    for (std::size_t j = 0; j < K; ++j) {
      EXPECT_NEAR(m1[j], m2[j], 1e-14 * m1[j]) << K;
      EXPECT_NEAR(m1[j], m3[j], 1e-14 * m1[j]) << K;
    }
  }
}

TEST(GpuReplay, EscalationAndFallbackPaths) {
  int stage = -1;
  // Spread 1000 with the mean: float -> double (f32), double -> double-double (f64).
  std::vector<float> zf = {0.f, 1000.f, 3.f};
  std::vector<float> muf(3);
  auto of = emulate::row<float>(zf.data(), 3, muf.data(), &stage);
  EXPECT_EQ(stage, 1);
  EXPECT_TRUE(std::isfinite(of.A));
  std::vector<double> zd = {0.0, 1000.0, 3.0}, mud(3);
  emulate::row<double>(zd.data(), 3, mud.data(), &stage);
  EXPECT_EQ(stage, 1);
  // Spread beyond 2^22: the host's auto.
  std::vector<double> zh = {0.0, 1e7};
  auto oh = emulate::row<double>(zh.data(), 2, mud.data(), &stage);
  EXPECT_EQ(stage, 2);
  EXPECT_TRUE(std::isfinite(oh.A));
  // Non-finite input: NaN, as auto.
  std::vector<double> zn = {0.0, NAN, 1.0};
  auto on = emulate::row<double>(zn.data(), 3, mud.data(), &stage);
  EXPECT_TRUE(std::isnan(on.A));
  EXPECT_TRUE(std::isnan(mud[0]));
  // Small spread: the first compute type.
  std::vector<double> zs = {0.1, 0.2, 0.3};
  emulate::row<double>(zs.data(), 3, mud.data(), &stage);
  EXPECT_EQ(stage, 0);
}

// The register-array form of the one-thread row (row_mappings.hpp, CCNORM_FOR_NODES KM > 0) runs
// the same operations in the same order as the local-memory form (KM = 0): statuses, A, log C
// and every mu_j must be bitwise equal, for every K <= KM, value and mean, narrow and wide rows
// (wide enough to rescale: float R = 40, double R = 400), ties and rows beyond the float limit
// (escalated in both forms).
template <class T, class C, int KM>
void register_form_matches(std::mt19937_64& g) {
  const double sigmas[] = {0.0, 1e-3, 1.0, 10.0, 40.0, 300.0};
  std::normal_distribution<double> nd;
  std::size_t rows = 0, rescaled = 0;
  for (int K = 1; K <= KM; ++K)
    for (double sg : sigmas)
      for (int rep = 0; rep < 12; ++rep)
        for (bool mean : {false, true}) {
          std::vector<T> z(K);
          for (auto& x : z) x = static_cast<T>(sg * nd(g));
          if (rep % 4 == 1 && K > 2) z[1] = z[0];  // a tie
          T A0, L0, A1, L1;
          std::vector<T> m0(K, T(-1)), m1(K, T(-1));
          const auto s0 = emulate::row_thread_form<T, C, 0>(z.data(), K, A0, L0, mean ? m0.data() : nullptr);
          const auto s1 = emulate::row_thread_form<T, C, KM>(z.data(), K, A1, L1, mean ? m1.data() : nullptr);
          ASSERT_EQ(s0, s1) << "K=" << K << " sigma=" << sg;
          ++rows;
          if (sg >= 40) ++rescaled;
          if (s0 != ccnorm::gpu::kDone) continue;
          EXPECT_EQ(std::memcmp(&A0, &A1, sizeof(T)), 0) << "K=" << K << " sigma=" << sg << " A " << A0 << " vs " << A1;
          EXPECT_EQ(std::memcmp(&L0, &L1, sizeof(T)), 0) << "K=" << K << " sigma=" << sg << " logC " << L0 << " vs " << L1;
          EXPECT_EQ(std::memcmp(m0.data(), m1.data(), K * sizeof(T)), 0) << "K=" << K << " sigma=" << sg << " mean";
        }
  EXPECT_GT(rows, 0u);
  EXPECT_GT(rescaled, 0u);
}

TEST(GpuReplay, RegisterPathIsBitwiseTheLocalPath) {
  std::mt19937_64 g(20261126);
  register_form_matches<float, float, 4>(g);
  register_form_matches<float, float, 8>(g);
  register_form_matches<float, float, 16>(g);
  register_form_matches<double, double, 4>(g);
  register_form_matches<double, double, 8>(g);
  // the forms the device picks (launch.hpp): f32 rows up to K = 16, f64 up to K = 8 in registers
  EXPECT_EQ(thread_register_nodes(3, sizeof(float)), 4);
  EXPECT_EQ(thread_register_nodes(10, sizeof(float)), 16);
  EXPECT_EQ(thread_register_nodes(10, sizeof(double)), 0);
  EXPECT_EQ(thread_register_nodes(8, sizeof(double)), 8);
  EXPECT_EQ(thread_register_nodes(17, sizeof(float)), 0);
}

}  // namespace
