// ccnorm sweep inputs (see inputs.hpp).
#include "bench/sweep/inputs.hpp"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "bench/rng.hpp"

namespace ccnorm::sweep {

using gen::SweepRng;

const std::vector<std::string>& all_families() {
  static const std::vector<std::string> f{"gaussian", "ties", "near-ties", "clusters",
                                          "progressions", "outlier", "offsets"};
  return f;
}

std::uint32_t family_tag(const std::string& f) {
  const auto& fs = all_families();
  for (std::size_t i = 0; i < fs.size(); ++i)
    if (fs[i] == f) return 0x5157u + static_cast<std::uint32_t>(i);
  throw std::invalid_argument("unknown family '" + f + "' (gaussian, ties, near-ties, clusters, "
                              "progressions, outlier, offsets)");
}

std::vector<double> cluster_row(std::size_t K, double gap, double width, std::uint32_t seed) {
  SweepRng g(seed, static_cast<std::uint32_t>(K), 0xc1u);
  const std::size_t C = std::min<std::size_t>(K, 3);
  std::vector<double> z(K);
  for (std::size_t i = 0; i < K; ++i) z[i] = static_cast<double>(i % C) * gap + width * g.normal();
  return z;
}

std::vector<double> generate(const std::string& family, std::size_t K, double sigma, std::uint32_t seed) {
  if (K == 0) throw std::invalid_argument("K must be >= 1");
  SweepRng g(seed, static_cast<std::uint32_t>(K), family_tag(family));
  std::vector<double> z(K);
  auto ties = [&]() {
    const std::size_t L = std::max<std::size_t>(1, K / 4);
    std::vector<double> lv(L);
    for (auto& x : lv) x = sigma * g.normal();
    for (auto& x : z) x = lv[g.index(L)];
  };
  if (family == "gaussian") {
    for (auto& x : z) x = sigma * g.normal();
  } else if (family == "ties") {
    ties();
  } else if (family == "near-ties") {
    ties();
    for (auto& x : z) x += sigma * std::pow(10.0, -(4.0 + 8.0 * g.uniform())) * g.normal();
  } else if (family == "clusters") {
    return cluster_row(K, sigma, 1e-3 * sigma, seed);
  } else if (family == "progressions") {
    const double h = sigma * (0.5 + g.uniform()), o = g.normal();
    for (std::size_t i = 0; i < K; ++i) z[i] = o + h * static_cast<double>(i);
    for (std::size_t i = K; i > 1; --i) std::swap(z[i - 1], z[g.index(i)]);  // Fisher-Yates
  } else if (family == "outlier") {
    for (auto& x : z) x = sigma * g.normal();
    const double s = g.uniform() < 0.5 ? -1.0 : 1.0;
    z[g.index(K)] = s * (20.0 * sigma + 20.0);
  } else if (family == "offsets") {
    const double s = g.uniform() < 0.5 ? -1.0 : 1.0;
    const double c = s * std::pow(10.0, 2.0 + 4.0 * g.uniform());
    for (auto& x : z) x = c + sigma * g.normal();
  }
  return z;
}

std::vector<double> protocol_row(double sigma, std::uint32_t seed, std::size_t K) {
  SweepRng g(seed, static_cast<std::uint32_t>(K), 0x63636eu);
  std::vector<double> z(K, 0.0);
  for (std::size_t i = 0; i + 1 < K; ++i) z[i] = sigma * g.normal();
  return z;
}

namespace {
template <class T>
std::uint64_t fnv_bits(const std::vector<T>& z) {
  std::uint64_t h = 1469598103934665603ull;
  for (T x : z) {
    const double d = static_cast<double>(x);
    std::uint64_t b;
    std::memcpy(&b, &d, 8);
    for (int i = 0; i < 8; ++i) {
      h ^= (b >> (8 * i)) & 0xffu;
      h *= 1099511628211ull;
    }
  }
  return h;
}
template <class T>
std::string hex_floats(const std::vector<T>& z) {
  std::string s;
  char b[40];
  for (std::size_t i = 0; i < z.size(); ++i) {
    std::snprintf(b, sizeof b, "%a", static_cast<double>(z[i]));
    if (i) s += ' ';
    s += b;
  }
  return s;
}
}  // namespace

std::uint64_t hash_input(const std::vector<double>& z) { return fnv_bits(z); }
std::uint64_t hash_input(const std::vector<float>& z) { return fnv_bits(z); }
std::string input_hex(const std::vector<double>& z) { return hex_floats(z); }
std::string input_hex(const std::vector<float>& z) { return hex_floats(z); }

std::string hex64(std::uint64_t h) {
  char b[20];
  std::snprintf(b, sizeof b, "%016" PRIx64, h);
  return b;
}

}  // namespace ccnorm::sweep
