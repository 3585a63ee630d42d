// ccnorm sweep: the resumable, multi-threaded accuracy sweep of algorithms x dtypes x input
// families x K x sigma x seeds against the certified reference (docs/design.md §3). Library of
// `ccnorm sweep`, `ccnorm merge` and `ccnorm report`; the pieces:
//   bench/sweep/inputs.hpp     the deterministic input families and the protocol row
//   bench/sweep/measure.hpp    the error measures of one algorithm on one input
//   bench/sweep/sweep_csv.hpp  the CSV schema, reader and canonical writers
//
// Work unit = one input (family, K, sigma, seed). Its certified reference is computed once (with
// the mean) and shared by every algorithm; for f32 the input is rounded to float and, when that
// changes any value, a second reference is computed on the float values. For K <= dist_max_K the
// distribution columns (err_H, err_var, err_cov, err_kl; bench/sweep/measure.hpp) get their own
// certified references the same way (entropy, covariance, and the KL of the pair
// (z, kl_partner(z)) in each dtype); above it they are left empty. The naive variances and
// covariance column (2K evaluations on K+2 nodes: O(K^3) per row for the O(K^2) baselines; for
// taylor in float at spreads above 512 about 10 ms per evaluation at K = 316) are computed only
// for K <= dist_cov_max_K_naive: err_var and err_cov of the naive methods are empty above (by
// then the baselines' A is inf or wrong in every digit anyway, err_A says so); the ccnorm method
// (auto, auto-precise: variances and one HVP, O(K N)) has them up to dist_max_K. OpenMP runs inputs in
// parallel (dynamic schedule, most expensive first).
// Durability: each finished input appends its rows with one write + fflush (so a killed process
// loses at most the inputs in flight, never a finished row); fsync at most once per second and at
// the end. On start the existing file is read (schema checked), an unterminated last line (the
// trace of a kill) is truncated away, and every case whose key is present is skipped.
// A completed sweep rewrites the file in the canonical order (atomic rename) and writes the
// worst-input file, so equal configurations give byte-identical files whatever the thread count.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "bench/sweep/inputs.hpp"
#include "bench/sweep/measure.hpp"
#include "bench/sweep/sweep_csv.hpp"
#include "normalizer/registry.hpp"

namespace ccnorm::sweep {

// The default bound of the distribution columns (the report's quick sweep reaches it; the default
// report sweep's K = 1000 inputs leave them empty).
inline constexpr std::size_t kDistMaxK = 316;
inline constexpr std::size_t kDistCovMaxKNaive = 100;

// Every host algorithm of the registry (normalizer/registry.hpp), in report order.
std::vector<Algo> all_algos();

struct Config {
  std::vector<Algo> algos = all_algos();
  std::vector<std::string> dtypes{"f64", "f32"};
  std::vector<std::string> families = all_families();
  std::vector<std::size_t> Ks{2, 3, 5, 10, 32, 100};
  std::vector<double> sigmas{0.01, 1, 10, 100};
  std::uint32_t seeds = 3;  // replicates per (family, K, sigma)
  std::uint32_t seed = 1;   // base seed: replicate r uses seed + r
  int threads = 0;
  std::size_t shard_i = 0, shard_n = 1;
  std::size_t dist_max_K = kDistMaxK;  // distribution columns for K <= this (0: never)
  std::size_t dist_cov_max_K_naive = kDistCovMaxKNaive;  // err_var/err_cov of the naive methods
  std::string out = "sweep.csv";
  bool progress = true;       // progress bar on stderr when it is a terminal
  std::size_t stop_after = 0; // testing: stop (as if killed) after this many inputs (0: never)
  bool quiet = false;
  bool wait_lock = false;     // another sweep holds the output's lock: wait for it (else refuse)
};

struct Input {
  std::string family;
  std::size_t K;
  double sigma;
  std::uint32_t seed;
};

// Every input of the configuration in the canonical order; the shard keeps index % n == i.
std::vector<Input> enumerate_inputs(const Config& c);

struct Summary {
  std::size_t inputs_total = 0, inputs_done_before = 0, inputs_run = 0, rows_written = 0, failures = 0;
  bool complete = false;
  bool dropped_partial = false;
};

// Run (or resume) the sweep into c.out. Throws std::invalid_argument for a bad configuration,
// io::io_error (naming the file) when the output is locked by another sweep or cannot be read,
// truncated or written (all checked before any input is evaluated, where possible) and
// std::runtime_error when it is not a sweep file or a schema-1 file (written before the
// distribution columns; sweep_csv.hpp).
Summary run_sweep(const Config& c);

}  // namespace ccnorm::sweep
