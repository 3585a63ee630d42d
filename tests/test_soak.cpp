// Soak test (label slow): CCNORM_SOAK_ROWS (default 10^7) random rows of the hard families through
// `auto` in both dtypes (each row in f64 and rounded to f32), every row checked against the
// invariants of tests/fuzz/kernel_invariants.hpp (finite, mean in the simplex, the bounds
// mean(z) - Lk <= A <= max(z) - Lk, exact shifts, permutations; tolerances there and in
// docs/design.md §4.11; the shift and permutation checks on every 8th row, the others on every
// row: ~2.75 evaluations per row instead of 8). Families: ties, near-ties (a few ulps apart), tight clusters with gaps,
// wide gaussians (sigma up to 30), one far outlier (up to 10^3, or beyond the 2^22 domain edge:
// the fallback), large common offsets (up to 1e15), tiny and subnormal values, huge values (1e300);
// K = 1..64 (a few up to 256). All threads; prints the worst row (largest observed/tolerance) in hex.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tests/fuzz/kernel_invariants.hpp"

namespace {

std::vector<double> hard_row(std::mt19937_64& g, int& family) {
  std::uniform_real_distribution<double> U(0, 1);
  std::normal_distribution<double> N(0, 1);
  std::size_t K = 1 + g() % 64;
  if (g() % 64 == 0) K = 65 + g() % 192;
  std::vector<double> z(K);
  family = static_cast<int>(g() % 9);
  switch (family) {
    case 0: {  // ties
      const double c = std::ldexp(N(g), static_cast<int>(g() % 60) - 30);
      std::fill(z.begin(), z.end(), c);
      break;
    }
    case 1: {  // near-ties: a few ulps apart
      double c = N(g) * std::pow(10.0, static_cast<int>(g() % 12) - 4);
      for (auto& v : z) {
        v = c;
        for (int k = static_cast<int>(g() % 4); k > 0; --k) v = std::nextafter(v, (g() & 1) ? INFINITY : -INFINITY);
      }
      break;
    }
    case 2: {  // clusters
      const int C = 1 + static_cast<int>(g() % 3);
      const double gap = std::pow(10.0, 4 * U(g) - 2), w = std::pow(10.0, -2 - 8 * U(g));
      for (auto& v : z) v = gap * static_cast<double>(g() % C) + w * N(g);
      break;
    }
    case 3: {  // wide gaussian
      const double sigma = std::pow(10.0, 3.5 * U(g) - 2);  // 0.01 .. 30
      for (auto& v : z) v = sigma * N(g);
      break;
    }
    case 4: {  // one far outlier (sometimes beyond the domain edge 2^22)
      for (auto& v : z) v = N(g);
      // up to 10^3 (the series), or beyond the domain edge 2^22 (the fallback): spreads between
      // cost ~spread degrees per evaluation and are left to the accuracy tests
      const double e = (g() & 3) ? 1 + 2 * U(g) : 6.7 + 1.3 * U(g);
      z[g() % K] = ((g() & 1) ? 1 : -1) * std::pow(10.0, e);
      break;
    }
    case 5: {  // large common offset
      const double off = ((g() & 1) ? 1 : -1) * std::pow(10.0, 15 * U(g));
      for (auto& v : z) v = off + N(g);
      break;
    }
    case 6: {  // tiny and subnormal values
      for (auto& v : z) v = std::ldexp(N(g), -1000 - static_cast<int>(g() % 74));
      break;
    }
    case 7: {  // huge values: spread far beyond the domain (the fallback)
      for (auto& v : z) v = N(g) * 1e300;
      break;
    }
    default: {  // small A: K large, z near 0 with a few large negative entries
      for (auto& v : z) v = 0.1 * N(g);
      for (std::size_t k = 0; k < K / 4; ++k) z[g() % K] = -50 * U(g);
      break;
    }
  }
  return z;
}

struct Worst {
  double ratio = -1;
  std::string where;
  std::vector<double> z;
  bool f32 = false;
};

}  // namespace

TEST(Soak, AutoInvariantsOnHardFamilies) {
  const char* env = std::getenv("CCNORM_SOAK_ROWS");
  const std::size_t rows = env ? std::strtoull(env, nullptr, 10) : 10000000ull;
  const unsigned nt = std::max(1u, std::thread::hardware_concurrency());
  std::atomic<std::size_t> next{0}, failures{0};
  std::mutex m;
  Worst worst;
  std::vector<std::string> failed;
  const auto t0 = std::chrono::steady_clock::now();
  auto work = [&](unsigned t) {
    std::mt19937_64 g(0x5eed0000ull + t);
    Worst local;
    constexpr std::size_t kBlock = 4096;
    for (;;) {
      const std::size_t b = next.fetch_add(kBlock);
      if (b >= rows) break;
      for (std::size_t i = b; i < std::min(rows, b + kBlock); ++i) {
        int fam = 0;
        const std::vector<double> z = hard_row(g, fam);
        for (int f32 = 0; f32 < 2; ++f32) {
          double ratio = 0;
          std::string w;
          if (f32) {
            std::vector<float> zf(z.size());
            bool finite = true;
            for (std::size_t j = 0; j < z.size(); ++j) finite = finite && std::isfinite(zf[j] = static_cast<float>(z[j]));
            if (!finite) continue;  // beyond float's range
            w = ccnorm::fuzz::check_auto(zf, &ratio, i % 8 == 0);
          } else {
            w = ccnorm::fuzz::check_auto(z, &ratio, i % 8 == 0);
          }
          if (!w.empty() || ratio > local.ratio) {
            local.ratio = w.empty() ? ratio : INFINITY;
            local.where = w.empty() ? "family " + std::to_string(fam) : w;
            local.z = z;
            local.f32 = f32;
          }
          if (!w.empty()) {
            ++failures;
            std::lock_guard<std::mutex> l(m);
            if (failed.size() < 20) {
              std::string s = (f32 ? "f32: " : "f64: ") + w + "; z =";
              char b2[40];
              for (double v : z) std::snprintf(b2, sizeof b2, " %a", f32 ? static_cast<double>(static_cast<float>(v)) : v), s += b2;
              failed.push_back(s);
            }
          }
        }
      }
    }
    std::lock_guard<std::mutex> l(m);
    if (local.ratio > worst.ratio) worst = local;
  };
  std::vector<std::thread> th;
  for (unsigned t = 0; t < nt; ++t) th.emplace_back(work, t);
  for (auto& x : th) x.join();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("soak: %zu rows x 2 dtypes through auto (shift and permutations on every 8th row) on %u threads in %.1f s; %zu failures\n",
              rows, nt, secs, failures.load());
  std::printf("soak: worst row (observed/tolerance %.3g, %s, %s, K = %zu):", worst.ratio, worst.f32 ? "f32" : "f64",
              worst.where.c_str(), worst.z.size());
  for (double v : worst.z) std::printf(" %a", worst.f32 ? static_cast<double>(static_cast<float>(v)) : v);
  std::printf("\n");
  for (const auto& f : failed) ADD_FAILURE() << f;
  EXPECT_EQ(failures.load(), 0u);
}
