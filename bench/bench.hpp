// ccnorm bench: Google Benchmark cases for every algorithm, the batched all-cores path, the GPU
// family, the peers, and the post-processing (ratio to closed-form, accuracy of the timed inputs,
// summary rows). Library of `ccnorm bench`; the pieces:
//   bench_cases.cpp     the grid, the case names, the cost model and the skipped combinations
//   bench_inputs.cpp    the input pools
//   bench_timing.cpp    the timing bodies (one row, batch, GPU) and their registration
//   bench_accuracy.cpp  err_A / err_mean of the timed inputs
//   bench_peers.cpp     scipy / mpmath (subprocess), Eigen opitz-expm and auto on the same rows
//   bench_output.cpp    the console summary and the files next to the JSON
//   bench_run.cpp       run(): all of the above
//
// Names (docs/design.md §4, a contract):
//   log_partition/<algo>/<dtype>/K:<k>/sigma:<s>[/grad]                      one row per call, 1 thread
//   log_partition_batch/<algo>/<dtype>/K:<k>/sigma:<s>[/grad]/batch:<B>/threads:<T>
//                                                     ccnorm::evaluate_batch on B rows, T threads
//   log_partition_batch/gpu/<dtype>/K:<k>/sigma:<s>[/grad]/batch:<B>
//                                                     the CUDA kernels (normalizer/cuda/) on B rows
//                                                     resident on the device; registered only when
//                                                     ccnorm was built with CUDA and a device exists
//   sample/<sampler>/K:<k>/sigma:<s>                  one draw from CC(z) per iteration, one thread;
//                                                     sampler = ccnorm (the exact sampler of
//                                                     normalizer/sample.hpp) or rejection (the papers'
//                                                     sampler, bench/rejection_sampler.hpp); K in
//                                                     {3, 10, 30}, sigma in {0.01, 1, 10}, f64 rows
//                                                     of the same pools; registered unless --no-sample
//                                                     or an --algos list without "sample"
// sigma printed with %g. Inputs: z = (eta, 0), eta_i = sigma * N(0,1) (the papers' protocol), a
// pool of 64..1024 distinct rows per (K, sigma) from a fixed seed (f32 rows are the f64 rows
// rounded), cycled row by row (never the same row twice in a row); generated before timing.
// Clock: one-row cases report CPU time of the calling thread (robust to other processes on a
// shared machine); batched cases report wall time per row (all threads); GPU cases report device
// time per row (CUDA events around the kernels of one call, inputs rotated over device buffers
// that together exceed the L2 cache; transfers to and from the host are not included).
// Skipped combinations (O(K^2)/O(K^3) methods where one row takes seconds, unsupported modes) are
// registered anyway and end with a "skipped: <reason>" error, so they are visible in the console
// and the JSON instead of silently missing.
// Post-processing (with --json OUT, next to OUT): bench_ratios.csv, bench_summary.json
// ("throughput" rows in the shape of summary.json, docs/design.md §4, plus accuracy and skipped
// notes, and "sampling"), bench_gpu.csv, bench_sample.csv (the sampler cases: samples/s, the
// rejection sampler's acceptance and NaN rates, the per-row setup) and with --peers
// bench_peers.csv.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ccnorm::bench {

struct Options {
  bool quick = false;
  std::string json;                 // Google Benchmark JSON output (post-processed files next to it)
  std::string filter;               // regex (Google Benchmark semantics); empty = all
  double min_time = -1;             // seconds per case; < 0: 0.1 (full) / 0.01 (quick)
  int threads = 0;                  // batched path: threads (0 = all cores)
  int repetitions = 1;              // > 1: medians are post-processed
  bool peers = false;               // run the subprocess peers (scipy, mpmath) on identical inputs
  bool batch = true;                // register the batched family
  bool gpu = true;                  // register the GPU family (when built with CUDA and a device exists)
  bool sample = true;               // register the sampler family (sample/...)
  bool list = false;                // list names only
  std::vector<std::string> algos;   // overrides
  std::vector<std::string> dtypes;
  std::vector<std::size_t> Ks;
  std::vector<double> sigmas;
  int acc_rows = 16;                // rows per case for the accuracy columns
  std::uint64_t seed = 20240601;
  // resources, set by the caller (the CLI computes the defaults); needed with peers only
  std::string python;               // interpreter of the peers script
  std::string peers_script;         // bench/peers/peers.py
  std::vector<std::string> gb_args; // passed to Google Benchmark verbatim
};

// The host algorithms of the registry in report order, then the in-process bench peer
// opitz-expm (Eigen's matrix exponential of the Opitz matrix; bench/opitz_expm.hpp).
const std::vector<std::string>& all_algos();
// The default grid: K in {2,3,5,10,32,100,316,1000,3162,10000}, sigma in {0.01,1,10,100}.
const std::vector<std::size_t>& full_Ks();
const std::vector<double>& full_sigmas();

struct Case {
  std::string algo;  // "gpu": the CUDA kernels (batch > 0, threads 0)
  bool f32 = false;
  std::size_t K = 0;
  double sigma = 1;
  bool grad = false;
  std::size_t batch = 0;  // 0: one-row case
  int threads = 1;
  std::string name;
  std::string skip;  // non-empty: registered as skipped with this reason
  const char* dtype() const { return f32 ? "f32" : "f64"; }
  bool gpu() const { return algo == "gpu"; }
};

// The Google Benchmark name of a case (the contract above).
std::string case_name(const Case& c);
// Every case of the options, in registration order: one-row cases, then batched, then GPU.
std::vector<Case> make_cases(const Options& o);

// A sampler case: sample/<sampler>/K:<k>/sigma:<s>.
struct SampleCase {
  std::string sampler;  // "ccnorm" or "rejection"
  std::size_t K = 0;
  double sigma = 1;
  std::string name;
};
// The samplers, K and sigma of the sampler family.
const std::vector<std::string>& samplers();
const std::vector<std::size_t>& sample_Ks();
const std::vector<double>& sample_sigmas();
std::string sample_case_name(const SampleCase& c);
// The sampler cases of the options (empty with --no-sample, or with --algos not naming "sample").
std::vector<SampleCase> make_sample_cases(const Options& o);

// Rows per batch: CPU batched family (B * K <= 2^16), GPU family (<= 2^20 rows, B * K <= 2^26).
std::size_t batch_rows(std::size_t K);
std::size_t gpu_batch_rows(std::size_t K);

// Is the GPU family available? Empty string: yes (device receives the device's name);
// otherwise the reason it is not ("no GPU: ...").
std::string gpu_unavailable(std::string& device);

// The whole `ccnorm bench`: registers the cases, runs Google Benchmark (console output on
// stdout), post-processes and writes the files. Returns the exit status (0 ok, 2 usage error);
// throws std::runtime_error naming a file that cannot be written.
int run(const Options& o);

}  // namespace ccnorm::bench
