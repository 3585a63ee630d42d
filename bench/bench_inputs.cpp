// ccnorm bench: the input pools (z = (sigma N(0,1)^(K-1), 0), fixed seed) and the one-row entry
// points of the timed algorithms (the registry's and the bench peer opitz-expm).
//
// GCC 12 reports false -Wmaybe-uninitialized warnings inside avx512fintrin.h for Eigen's AVX-512
// matrix kernels (opitz-expm, -march=native); they are silenced for this translation unit only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <functional>
#include <random>

#include "bench/bench_internal.hpp"
#include "bench/opitz_expm.hpp"
#include "io/format.hpp"
#include "normalizer/registry.hpp"

namespace ccnorm::bench {

const std::vector<double>& Pools::f64(std::size_t K, double sigma) {
  auto key = std::make_pair(K, sigma);
  auto it = d_.find(key);
  if (it != d_.end()) return it->second;
  const std::size_t R = pool_rows(K);
  std::vector<double> z(R * K);
  std::uint64_t h = seed_ ^ (0x9E3779B97F4A7C15ull * (K + 1));
  h ^= std::hash<std::string>{}(io::format_g(sigma)) + 0x7F4A7C15ull + (h << 6) + (h >> 2);
  std::mt19937_64 g(h);
  std::normal_distribution<double> nd(0.0, 1.0);
  for (std::size_t r = 0; r < R; ++r) {
    for (std::size_t j = 0; j + 1 < K; ++j) z[r * K + j] = sigma * nd(g);
    z[r * K + K - 1] = 0.0;
  }
  return d_.emplace(key, std::move(z)).first->second;
}

const std::vector<float>& Pools::f32(std::size_t K, double sigma) {
  auto key = std::make_pair(K, sigma);
  auto it = f_.find(key);
  if (it != f_.end()) return it->second;
  const auto& d = f64(K, sigma);
  std::vector<float> z(d.begin(), d.end());
  return f_.emplace(key, std::move(z)).first->second;
}

template <class T>
Fn<T> function_for(const std::string& a) {
  if (a == "opitz-expm") return &opitz_expm<T>;
  // auto-rows (the batched baseline of the SIMD lanes): auto's own rows, bitwise
  const AlgoInfo* i = find_algorithm(a == "auto-rows" ? std::string("auto") : a);
  return i ? i->template entry<T>() : nullptr;
}
template Fn<float> function_for<float>(const std::string&);
template Fn<double> function_for<double>(const std::string&);

}  // namespace ccnorm::bench
