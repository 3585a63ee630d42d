// ccnorm: the deterministic random source shared by the input generators (tools/make_corpus,
// ccnorm golden). Built only on std::mt19937_64's raw output (whose sequence the C++ standard
// fixes), with our own uniform and Box-Muller normal, so generated inputs do not depend on the
// standard library's distribution implementations. Per-row seeds: splitmix64(seed ^ fnv1a64(id)).
#pragma once
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <utility>

namespace ccnorm::gen {

inline std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

inline std::uint64_t fnv1a64(const std::string& s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

struct Rng {
  std::mt19937_64 eng;
  explicit Rng(std::uint64_t seed) : eng(seed) {}
  double uniform() { return static_cast<double>(eng() >> 11) * 0x1p-53; }            // [0,1)
  double uniform_pos() { return static_cast<double>((eng() >> 11) + 1) * 0x1p-53; }  // (0,1]
  double uniform(double a, double b) { return a + (b - a) * uniform(); }
  double normal() {
    const double u1 = uniform_pos(), u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586476925 * u2);
  }
  std::uint64_t below(std::uint64_t n) { return eng() % n; }
  double log_uniform(double a, double b) { return std::exp(uniform(std::log(a), std::log(b))); }
  template <class V>
  void shuffle(V& v) {  // Fisher-Yates
    for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[below(i)]);
  }
};

}  // namespace ccnorm::gen
