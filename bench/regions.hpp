// ccnorm regions: stability regions of every algorithm and dtype (library of `ccnorm regions` and
// `ccnorm report`).
//  (i)  the 2022 paper's "max computable dimension" vs sigma (docs/design.md §3 protocol):
//       z = (eta, 0), eta ~ N(0, sigma^2 I_{K-1}) (a fresh draw per (seed, K), generator shared
//       with tests/test_baselines.cpp: bench/sweep/inputs.hpp protocol_row), relative error of
//       log C = LSE - A below 1 %, largest K such that every checked K' <= K passes, median over
//       the seeds.
//       Search (error is not monotone in K): every K' = 2..E (E = 64 by default) is checked; beyond E
//       only the doubling grid 2E, 4E, ... and Kmax (10^4 by default) is checked, and when an
//       algorithm first fails at a grid point G after passing at the previous grid point P, the
//       boundary is bisected between P and G (one fresh row per bisection point). So beyond E the
//       "every K' <= K" clause is sampled, not exhaustive. A seed that passes Kmax counts as Kmax.
//  (ii) heat maps of err_A (docs/design.md §3) over (K, sigma) on the same protocol rows (every
//       algorithm evaluated at K in {2,3,4,6,8,11,16,23,32,45,64} and the doubling grid, first H
//       seeds) and over (K, cluster gap) on clustered rows (inputs.hpp cluster_row: 3 clusters,
//       centres gap apart, nodes centre + w N(0,1), w = 1e-3).
// Reference: ccnorm::ref::certified (value only), differences in 201-bit MPFR (never rounded).
//
//   run_regions(config)            the search and the heat maps (OpenMP over (dtype, sigma|gap, seed))
//   write_regions(config, result)  config.out/: max_dimension.csv (per seed),
//                                  max_dimension_median.csv, max_dimension.json (medians +
//                                  published points), heat_sigma.csv, heat_gap.csv
//   medians(result)                algo/dtype -> sigma -> median K over the seeds
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "normalizer/registry.hpp"

namespace ccnorm::regions {

// An algorithm under test: a name and its one-row entry points (a null one: that dtype fails).
struct Candidate {
  std::string name;
  EntryPoint<float> f32 = nullptr;
  EntryPoint<double> f64 = nullptr;
};
// Every host algorithm of the registry, in report order.
std::vector<Candidate> registry_candidates();

struct Config {
  std::vector<double> sigmas{0.01, 0.0316, 0.1, 0.316, 1, 3.16, 10, 31.6, 100, 1000};
  std::uint32_t seeds = 10, heat_seeds = 1;
  std::size_t kmax = 10000, exhaustive = 64;
  std::vector<double> gaps{0.01, 0.1, 1, 10, 100, 1000};
  std::vector<Candidate> algos = registry_candidates();
  std::vector<std::string> dtypes{"f64", "f32"};
  int threads = 0;
  bool heat = true;
  bool progress = true;  // progress bar on stderr when it is a terminal
  std::string out = "regions";
};
// The --quick configuration: sigmas 0.01,0.1,1,10,32,100,1000; 5 seeds; kmax 2048; gaps 0.01,1,100.
void make_quick(Config& c);
// Throws std::invalid_argument for a configuration that cannot run (dtype, kmax < 2, ...).
void check(const Config& c);

struct HeatRow {
  std::string algo, dtype;
  double param;  // sigma or gap
  std::size_t K;
  std::uint32_t seed;
  double err_A, rel_logC;
};
struct DimRow {
  std::string algo, dtype;
  double sigma;
  std::uint32_t seed;
  std::size_t K;  // the max computable dimension of this seed
  bool capped;    // passed every checked K up to kmax
};

struct Result {
  std::vector<HeatRow> heat_sigma, heat_gap;  // sorted by (algo, dtype, param, K, seed)
  std::vector<DimRow> dims;                   // sorted by (algo, dtype, sigma, seed)
  std::size_t tasks = 0, failures = 0;        // failed tasks (an exception; reported on stderr)
  double wall_s = 0;
};

// The doubling grid beyond E: 2E, 4E, ..., and kmax.
std::vector<std::size_t> big_grid(const Config& c);

Result run_regions(const Config& c);

// The published max computable dimensions (docs/design.md §3: read off the 2022 notebook's figure,
// +-1), in the order max_dimension.json lists them.
struct PublishedPoint {
  std::string key;  // "algo/dtype"
  double sigma, K;
  bool lower_bound;  // the figure says ">= K"
  bool here;         // the algorithm is implemented in ccnorm (De Hoog's inverse Laplace is not)
};
const std::vector<PublishedPoint>& published_points();

// "algo/dtype" -> sigma -> median of the seeds' K (measures::median).
std::map<std::string, std::map<double, double>> medians(const Result& r);

// Writes the files listed above into c.out (created); throws std::runtime_error naming a file
// that cannot be written.
void write_regions(const Config& c, const Result& r);

}  // namespace ccnorm::regions
