// ccnorm: the deterministic random sources of the input generators. Both are built only on
// std::mt19937_64's raw output (whose sequence the C++ standard fixes), with our own uniform and
// Box-Muller normal, so generated inputs do not depend on the standard library's distribution
// implementations.
//   Rng       tools/make_corpus, ccnorm golden (bench/families.hpp): per-row seeds
//             splitmix64(seed ^ fnv1a64(id)); normal = the cosine half of Box-Muller
//   SweepRng  ccnorm sweep's families and the max-dimension protocol rows (bench/sweep/inputs.hpp,
//             tests/test_baselines.cpp): seeded with std::seed_seq{seed, K, tag} (also fixed by the
//             standard); uniform in (0, 1); normal = both halves of Box-Muller
// The two streams are kept apart on purpose: the frozen corpus, the golden vectors and the sweep
// hashes are defined by them bit for bit.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
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

class SweepRng {
 public:
  SweepRng(std::uint32_t seed, std::uint32_t K, std::uint32_t tag) {
    std::seed_seq s{seed, K, tag};
    gen_.seed(s);
  }
  double uniform() { return (static_cast<double>(gen_() >> 11) + 0.5) * 0x1p-53; }
  double normal() {
    if (have_) {
      have_ = false;
      return spare_;
    }
    const double u1 = uniform(), u2 = uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    const double t = 2.0 * std::numbers::pi * u2;
    spare_ = r * std::sin(t);
    have_ = true;
    return r * std::cos(t);
  }
  std::size_t index(std::size_t n) { return std::min(n - 1, static_cast<std::size_t>(uniform() * n)); }

 private:
  std::mt19937_64 gen_;
  bool have_ = false;
  double spare_ = 0;
};

}  // namespace ccnorm::gen
