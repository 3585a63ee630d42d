// ccnorm GPU tests: the frozen hard corpus (tests/data/hard_corpus.csv) with its certified
// reference parsed at 201 bits (measures/measures.hpp), and a per-group scorer. Shared by
// tests/test_gpu.cpp (device) and tests/test_gpu_replay.cpp (host replay of the kernels).
#pragma once
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "io/corpus.hpp"
#include "measures/mpfr.hpp"

namespace ccnorm::test::gpu_corpus {

using measures::mp200;

using Row = corpus::Row<mp200>;

// Rows with K <= maxK; throws on a malformed file (io/corpus.hpp).
inline std::vector<Row> load(const std::string& path, std::size_t maxK) {
  return corpus::load<mp200>(path, [maxK](std::size_t K) { return K <= maxK; }, measures::parse_decimal);
}

struct Score {
  std::size_t n = 0, failed = 0;
  double max_A = 0, max_mu = 0;
  std::string worst_A, worst_mu;
  void add(const Row& r, double eA, double emu, double goal_A, double goal_mu) {
    ++n;
    if (!(eA <= goal_A) || !(emu <= goal_mu)) ++failed;
    if (!(eA <= max_A)) {
      max_A = eA;
      worst_A = r.id;
    }
    if (!(emu <= max_mu)) {
      max_mu = emu;
      worst_mu = r.id;
    }
  }
};

inline void print(const std::map<std::string, Score>& s, const char* title) {
  std::printf("%s\n%-22s %5s %6s %10s %-34s %10s %-34s\n", title, "dtype/family", "n", "failed", "max_err_A", "worst",
              "max_err_mu", "worst");
  std::size_t n = 0, f = 0;
  for (const auto& [k, v] : s) {
    std::printf("%-22s %5zu %6zu %10.3g %-34s %10.3g %-34s\n", k.c_str(), v.n, v.failed, v.max_A, v.worst_A.c_str(),
                v.max_mu, v.worst_mu.c_str());
    n += v.n;
    f += v.failed;
  }
  std::printf("%zu passed, %zu failed\n", n - f, f);
}

}  // namespace ccnorm::test::gpu_corpus
