// Timing of `auto` on wide-spread rows (docs/design.md §2.11), value and value + mean, median of
// repeated calls per row (one thread). Build and run: bash scripts/time_wide_spread.sh
// Prints: case, K, spread, us/row value, us/row value+mean, status. Never asserted anywhere.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "normalizer/normalizer.hpp"

namespace {
double splitmix(std::uint64_t& s) {
  std::uint64_t x = (s += 0x9E3779B97F4A7C15ull);
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  x ^= x >> 31;
  return (static_cast<double>(x >> 11) + 0.5) * 0x1p-53;
}
double normal(std::uint64_t& s) { return std::sqrt(-2 * std::log(splitmix(s))) * std::cos(6.283185307179586 * splitmix(s)); }

double time_us(const std::vector<double>& z, bool mean, int& status) {
  const std::size_t K = z.size();
  std::vector<double> mu(K);
  double A = 0, L = 0;
  std::vector<double> t;
  double total = 0;
  for (int rep = 0; rep < 200 && (rep < 3 || total < 2e5); ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    status = static_cast<int>(ccnorm::evaluate_row<double>(ccnorm::Algo::auto_, z.data(), K, A, &L, mean ? mu.data() : nullptr));
    const double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
    t.push_back(us);
    total += us;
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}
void row(const std::string& name, const std::vector<double>& z) {
  int s1 = 0, s2 = 0;
  const double v = time_us(z, false, s1), m = time_us(z, true, s2);
  const double sp = *std::max_element(z.begin(), z.end()) - *std::min_element(z.begin(), z.end());
  std::printf("%-34s K=%-6zu spread=%-10.3g value %10.2f us   value+mean %10.2f us   status %d/%d\n", name.c_str(), z.size(), sp,
              v, m, s1, s2);
}
}  // namespace

int main() {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  std::uint64_t seed = 7;
  for (double sigma : {100.0, 1000.0})
    for (int K : {3, 10, 100, 1000}) {
      std::vector<double> z;
      for (int j = 0; j < K; ++j) z.push_back(sigma * normal(seed));
      row("gaussian sigma=" + std::to_string(static_cast<int>(sigma)), z);
    }
  for (int K : {1000, 10000}) {
    std::vector<double> z;
    for (int j = 0; j < K; ++j) z.push_back(4200.0 * j);
    row("progression step 4200", z);
  }
  {
    std::vector<double> z;
    for (int j = 0; j < 1000; ++j) z.push_back(4e6 * j / 999.0);
    row("progression spread 4e6", z);
  }
  {
    std::vector<double> z{0, 5e6};
    for (int j = 1; j <= 7; ++j) z.push_back(5e6 + 0.001 * j);
    row("0, 5e6, 5e6+0.001j", z);
  }
  for (int K : {100, 1000, 10000}) {
    std::vector<double> z;
    for (int j = 0; j + 1 < K; ++j) z.push_back(normal(seed));
    z.push_back(1e6);
    row("normal + outlier 1e6", z);
  }
  for (int K : {1000, 10000}) {
    std::vector<double> z;
    for (int j = 0; j < K / 2; ++j) z.push_back(0.001 * j);
    for (int j = 0; j < K / 2; ++j) z.push_back(1e7 + 0.001 * j);
    row("two clusters 1e7 apart", z);
  }
  {
    std::vector<double> z;
    for (int j = 0; j < 1000; ++j) z.push_back(2.0 * j);
    row("progression step 2", z);
  }
  {
    std::vector<double> z;
    for (int j = 0; j < 10000; ++j) z.push_back(100 * normal(seed));
    row("gaussian sigma=100 K=1e4", z);
  }
  // dense rows without gaps (docs/design.md §2.15: the saddle-point quadrature)
  for (double step : {1.0, 4.0, 8.0}) {
    std::vector<double> z;
    for (int j = 0; j < 10000; ++j) z.push_back(step * j);
    row("progression step " + std::to_string(static_cast<int>(step)) + " K=1e4", z);
  }
  for (int K : {300, 1000}) {
    std::vector<double> z;
    for (int j = 0; j < K; ++j) z.push_back(3000 * (0.5 + 0.5 * std::erf(normal(seed))));
    row("uniform-ish over 3000", z);
  }
  // neighbours 8-16 apart (docs/design.md §2.11: the sweep ends by the contour bound)
  for (int K : {1000, 10000})
    for (double step : {8.0, 12.0, 16.0}) {
      std::vector<double> z;
      for (int j = 0; j < K; ++j) z.push_back(step * j);
      row("progression step " + std::to_string(static_cast<int>(step)), z);
    }
  for (int K : {1000, 10000}) {
    std::vector<double> z;
    double x = 0;
    for (int j = 0; j < K; ++j, x -= 8 * std::log(splitmix(seed))) z.push_back(x);
    row("uniform, mean gap 8", z);
  }
  return 0;
}
