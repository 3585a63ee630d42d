// ccnorm bench: the pieces shared by the bench_*.cpp files (not an API; bench/bench.hpp is).
#pragma once
#include <cmath>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench/bench.hpp"
#include "normalizer/common.hpp"
#include "reference/reference.hpp"

namespace ccnorm::bench {

// ---- the grid and the cost model (bench_cases.cpp)
// Expected spread max z - min z of z = (sigma N(0,1)^(K-1), 0): about sigma * 2 sqrt(2 ln K).
double spread_estimate(std::size_t K, double sigma);
// Rough single-row cost model in ns (this machine kind, measured order of magnitude). Used only to
// size batches and accuracy samples and to skip combinations that would take seconds per row.
double cost_ns(const std::string& algo, std::size_t K, double sigma, bool grad);
std::size_t pool_rows(std::size_t K);
int all_threads();

// ---- inputs (bench_inputs.cpp)
class Pools {
 public:
  explicit Pools(std::uint64_t seed) : seed_(seed) {}
  // rows x K, row-major; z = (sigma N(0,1)^(K-1), 0)
  const std::vector<double>& f64(std::size_t K, double sigma);
  const std::vector<float>& f32(std::size_t K, double sigma);
  template <class T>
  const std::vector<T>& get(std::size_t K, double sigma) {
    if constexpr (std::is_same_v<T, float>) return f32(K, sigma);
    else return f64(K, sigma);
  }

 private:
  std::uint64_t seed_;
  std::map<std::pair<std::size_t, double>, std::vector<double>> d_;
  std::map<std::pair<std::size_t, double>, std::vector<float>> f_;
};

template <class T>
using Fn = Out<T> (*)(const T*, std::size_t, T*);
// The one-row entry point of a registered algorithm or of opitz-expm (nullptr: none).
template <class T>
Fn<T> function_for(const std::string& a);

// ---- timing (bench_timing.cpp)
// Registers every case with Google Benchmark (the pools are used by the timing bodies).
void register_cases(const std::vector<Case>& cases, Pools& pools);
// Registers the sampler cases (after register_cases, which clears the registry). Timing body:
// the samplers of every pool row are built first (timed separately: counter setup_ns_per_row),
// then each iteration draws one sample from the next row; counters acceptance (accepted /
// attempts; 1 for the exact sampler) and nan_rate (draws that gave up / draws).
void register_sample_cases(const std::vector<SampleCase>& cases, Pools& pools);

// Console reporter that also keeps every run for the post-processing.
class CapturingReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs) kept.push_back(r);
    ConsoleReporter::ReportRuns(runs);
  }
  std::vector<Run> kept;
};

double to_ns(double t, benchmark::TimeUnit u);

// ---- accuracy of the timed inputs (bench_accuracy.cpp): err_A (docs/design.md §3) against the
// certified reference where it is cheap, otherwise against auto-precise (labelled "auto-precise
// (not certified)"); err_mean against auto-precise's mean (<= 1 u observed, not certified).
struct RefRow {
  bool filled = false;
  bool certified = false;
  ref::mpfloat A;            // certified midpoint (if certified)
  double Ap = 0;             // auto-precise A (double)
  std::vector<double> mu;    // auto-precise mean (filled on demand)
};

struct Accuracy {
  double max_err_A = 0;
  double max_err_mean = -1;  // < 0: not computed
  std::string ref;
  std::size_t rows = 0;
  std::size_t nonfinite = 0;
};

class RefCache {
 public:
  explicit RefCache(Pools& p) : pools_(p) {}
  // Certified where cheap: K (spread + 40) <= 4e5 and K <= 1000 (value only).
  static bool certify(std::size_t K, double sigma);
  static std::size_t rows_for(std::size_t K, double sigma, int acc_rows);
  const RefRow& get(bool f32, std::size_t K, double sigma, std::size_t r, bool want_mu);
  std::vector<double> row_d(bool f32, std::size_t K, double sigma, std::size_t r);

 private:
  Pools& pools_;
  std::map<std::tuple<bool, std::size_t, double, std::size_t>, RefRow> rows_;
};

// The accuracy of case c (one-row or GPU) on the first rows of its pool.
Accuracy accuracy_of(const Case& c, Pools& pools, RefCache& refs, int acc_rows);

// ---- peers (bench_peers.cpp)
struct PeerResult {
  std::string peer;
  std::size_t K = 0;
  double sigma = 0;
  std::size_t rows = 0;
  double median_ns = std::nan("");
  double max_err_A = std::nan("");
  std::string ref;
  std::size_t nonfinite = 0;
  std::string note;
};
// scipy.linalg.expm and mpmath in a subprocess (o.python, o.peers_script), Eigen (opitz-expm) and
// auto in process, all on the same rows, timed per row (median). tmpdir holds the exchange files.
std::vector<PeerResult> run_peers(const Options& o, const std::vector<std::size_t>& Ks,
                                  const std::vector<double>& sigmas, Pools& pools, RefCache& refs,
                                  const std::string& tmpdir);

// ---- post-processing (bench_output.cpp)
struct ResultRow {
  Case c;
  double ns_per_eval = std::nan("");
  double real_ns_per_eval = std::nan("");
  double ratio = std::nan("");
  Accuracy acc;
  bool have_acc = false;
  std::string note;
  // GPU cases: bytes of one call (input + outputs), rows escalated / sent to the host (max per call)
  double bytes = std::nan("");
  double escalated = 0, host = 0;
};
struct GpuRow {
  std::string name;
  double gbps = std::nan(""), pct = std::nan(""), vs_cpu = std::nan("");
};
struct GpuInfo {
  std::string device, reason;  // reason empty: the GPU family ran on `device`
  double copy_gbs = std::nan("");
};
// A sampler case's result.
struct SampleRow {
  SampleCase c;
  double ns_per_sample = std::nan(""), acceptance = std::nan(""), nan_rate = std::nan(""), setup_ns = std::nan("");
  std::size_t rows = 0;
  std::string note;  // an error (the case did not run)
};

// One row of the CPU roofline table (bench_roofline.cpp): an `auto` case of the run.
struct RoofRow {
  std::string name;                         // the case (R.rows key)
  double flops_per_row = std::nan("");      // useful flops (bench/roofline.hpp); NaN: not the plain series
  double gflops = std::nan(""), peak_gflops = std::nan(""), pct_peak = std::nan("");
};

// Everything the writers need: rows in registration order, skipped cases, peers.
struct Results {
  std::map<std::string, ResultRow> rows;
  std::vector<std::string> order;
  std::map<std::string, Case> by_name;
  std::vector<std::pair<std::string, std::string>> skipped;  // name, reason
  std::vector<GpuRow> gpu_rows;
  std::vector<PeerResult> peers;
  std::vector<SampleRow> samples;  // the sampler cases, in registration order
  GpuInfo gpu;
  double accuracy_s = 0;
  std::vector<RoofRow> roof;   // the auto cases, registration order
  double peak_gflops_core = 0; // measured fma peak of one core (0: not measured)
  std::string peak_target;     // the Highway target it was measured on
};

// The roofline rows of the auto cases in R (measures the fma peak once when there are any).
void roofline(Results& R, Pools& pools);

// ns/row, ratio, accuracy, batched speed-ups, GPU table, skipped cases, peers (stdout).
void print_summary(const Results& r);
// bench_ratios.csv, bench_summary.json, bench_gpu.csv and (with peers) bench_peers.csv in dir.
void write_files(const std::string& dir, const Options& o, const Results& r);

// A table cell: %.{prec}g, "inf" / "-inf", empty for NaN (not measured).
std::string cell(double x, int prec = 6);

}  // namespace ccnorm::bench
