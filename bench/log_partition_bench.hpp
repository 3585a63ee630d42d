// ccnorm bench: Google Benchmark cases for every algorithm, the batched all-cores path, the peers,
// and the post-processing (ratio to closed-form, accuracy of the timed inputs, summary rows).
//
// Names (DESIGN.md section 4, a contract):
//   log_partition/<algo>/<dtype>/K:<k>/sigma:<s>[/grad]                      one row per call, 1 thread
//   log_partition_batch/<algo>/<dtype>/K:<k>/sigma:<s>[/grad]/batch:<B>/threads:<T>
//                                                     ccnorm::evaluate_batch on B rows, T threads
//   log_partition_batch/gpu/<dtype>/K:<k>/sigma:<s>[/grad]/batch:<B>
//                                                     the CUDA kernels (normalizer/cuda/) on B rows
//                                                     resident on the device; registered only when
//                                                     ccnorm was built with CUDA and a device exists
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
// ("throughput" rows in the shape of DESIGN's summary.json, plus accuracy and skipped notes),
// and with --peers bench_peers.csv.
#pragma once
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include <unistd.h>

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <mpfr.h>

#include "bench/opitz_expm.hpp"
#include "io/resources.hpp"
#include "normalizer/normalizer.hpp"
#include "reference/reference.hpp"
#if defined(CCNORM_HAVE_CUDA)
#include "normalizer/cuda/gpu.hpp"
#endif

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace ccnorm::bench {

// ------------------------------------------------------------------------------------------
// options and grids

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
  bool list = false;                // list names only
  std::vector<std::string> algos;   // overrides
  std::vector<std::string> dtypes;
  std::vector<std::size_t> Ks;
  std::vector<double> sigmas;
  int acc_rows = 16;                // rows per case for the accuracy columns
  std::uint64_t seed = 20240601;
  std::string python = "/usr/bin/python3";
  std::string peers_script;         // default: bench/peers/peers.py in the data directory (io/resources.hpp)
  std::vector<std::string> gb_args; // passed to Google Benchmark verbatim
};

inline const std::vector<std::string>& all_algos() {
  static const std::vector<std::string> a = {"closed-form", "closed-form-scaled", "sorted-difference", "taylor",
                                             "auto", "auto-precise", "opitz-expm"};
  return a;
}
inline const std::vector<std::size_t>& full_Ks() {
  static const std::vector<std::size_t> k = {2, 3, 5, 10, 32, 100, 316, 1000, 3162, 10000};
  return k;
}
inline const std::vector<double>& full_sigmas() {
  static const std::vector<double> s = {0.01, 1, 10, 100};
  return s;
}

inline std::string gfmt(double x) {
  char b[64];
  std::snprintf(b, sizeof b, "%g", x);
  return b;
}

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

inline std::string case_name(const Case& c) {
  std::string n = fmt::format("{}/{}/{}/K:{}/sigma:{}{}", c.batch ? "log_partition_batch" : "log_partition", c.algo,
                              c.dtype(), c.K, gfmt(c.sigma), c.grad ? "/grad" : "");
  if (c.gpu()) n += fmt::format("/batch:{}", c.batch);
  else if (c.batch) n += fmt::format("/batch:{}/threads:{}", c.batch, c.threads);
  return n;
}

// ------------------------------------------------------------------------------------------
// GPU family

// Rows per GPU batch: 2^20, or fewer so that one input buffer holds at most 2^26 values
// (512 MiB in f64): K=3..32 -> 2^20, 100 -> 2^19, 316 -> 2^17, 1000 -> 2^16, 10^4 -> 2^12.
inline std::size_t gpu_batch_rows(std::size_t K) {
  std::size_t b = std::size_t(1) << 20;
  while (b > 256 && b * K > (std::size_t(1) << 26)) b /= 2;
  return b;
}

// Is the GPU family available? Empty string: yes (device receives the device's name);
// otherwise the reason it is not.
inline std::string gpu_unavailable(std::string& device) {
#if defined(CCNORM_HAVE_CUDA)
  try {
    if (!gpu::available()) return "no GPU: " + gpu::unavailable_reason();
    device = gpu::device_name();
    return {};
  } catch (const std::exception& e) {
    return std::string("no GPU: ") + e.what();
  }
#else
  (void)device;
  return "no GPU: this ccnorm was built without CUDA (CCNORM_CUDA=OFF or no nvcc at configure time)";
#endif
}

// Expected spread max z - min z of z = (sigma N(0,1)^(K-1), 0): about sigma * 2 sqrt(2 ln K).
inline double spread_estimate(std::size_t K, double sigma) {
  return K < 2 ? 0.0 : sigma * 2.0 * std::sqrt(2.0 * std::log(std::max<double>(3.0, K)));
}

// Rough single-row cost model in ns (this machine kind, measured order of magnitude). Used only to
// size batches and accuracy samples and to skip combinations that would take seconds per row.
inline double cost_ns(const std::string& algo, std::size_t K, double sigma, bool grad) {
  const double k = static_cast<double>(K), r = spread_estimate(K, sigma);
  if (algo == "closed-form" || algo == "closed-form-scaled") return 20 + 1.5 * k * k * (grad ? 2.5 : 1.0);
  if (algo == "sorted-difference") return 50 + 1.0 * k * k * (grad ? 3.0 : 1.0);
  if (algo == "opitz-expm") return 1000 + 0.8 * k * k * k;
  double c = 50 + 1.0 * k * (r + 30) * (grad ? 2.0 : 1.0);
  if (algo == "auto-precise") c *= 8;
  if (algo == "auto" && grad && r > 128) c *= 8;
  return c;
}

inline bool quadratic_or_worse(const std::string& a) {
  return a == "closed-form" || a == "closed-form-scaled" || a == "sorted-difference" || a == "opitz-expm";
}

// Batch size per K (independent of the algorithm, so batched ratios compare like with like).
inline std::size_t batch_rows(std::size_t K) {
  std::size_t b = 1024;
  while (b > 32 && b * K > (std::size_t(1) << 16)) b /= 2;
  return b;
}
inline std::size_t pool_rows(std::size_t K) { return std::max<std::size_t>(K <= 1000 ? 256 : 64, batch_rows(K)); }
// (B * K <= 2^16 values: the batch stays in L2 and an O(K^2) batch at K = 1000 takes ~0.5 s)

inline std::string skip_reason(const Case& c) {
  if (c.algo == "opitz-expm") {
    if (c.grad) return "opitz-expm is value only (the mean needs exp of a (K+1)x(K+1) matrix per component, O(K^4))";
    if (c.K > 1000) return fmt::format("opitz-expm is O(K^3): about {:.0f} s per row at K={}; run up to K=1000", cost_ns(c.algo, c.K, c.sigma, false) * 1e-9, c.K);
  }
  if (c.algo == "sorted-difference" && c.grad && c.K > 8192)
    return "sorted-difference refuses the mean above K=8192 (O(K^2) table memory)";
  if (c.batch && quadratic_or_worse(c.algo) && c.K >= 10000)
    return fmt::format("batched O(K^2) at K={}: about {:.0f} s per batch of {} rows; see the one-row case", c.K,
                       cost_ns(c.algo, c.K, c.sigma, c.grad) * 1e-9 * c.batch / std::max(1, c.threads), c.batch);
  const double one = cost_ns(c.algo, c.K, c.sigma, c.grad);
  if (one > 5e9) return fmt::format("estimated {:.0f} s per row", one * 1e-9);
  return {};
}

inline int all_threads() {
#if defined(_OPENMP)
  return omp_get_max_threads();
#else
  return 1;
#endif
}

inline std::vector<Case> make_cases(const Options& o) {
  const int nt = o.threads > 0 ? o.threads : all_threads();
  std::vector<std::string> algos, dtypes = o.dtypes;
  for (const auto& a : o.algos)
    if (a != "gpu") algos.push_back(a);
  const bool gpu_only = !o.algos.empty() && algos.empty();
  std::vector<std::size_t> Ks = o.Ks;
  std::vector<double> sigmas = o.sigmas;
  if (algos.empty() && !gpu_only) algos = all_algos();
  if (dtypes.empty()) dtypes = {"f64", "f32"};
  if (Ks.empty()) Ks = o.quick ? std::vector<std::size_t>{3, 10, 100, 316, 1000} : full_Ks();
  if (sigmas.empty()) sigmas = o.quick ? std::vector<double>{1} : full_sigmas();
  std::vector<Case> out;
  // one-row cases first, batched after (keeps OpenMP's spinning workers out of one-row timings)
  for (int pass = 0; pass < 2; ++pass)
    for (const auto& a : algos)
      for (const auto& d : dtypes)
        for (std::size_t K : Ks)
          for (double s : sigmas)
            for (bool g : {false, true}) {
              Case c;
              c.algo = a;
              c.f32 = d == "f32";
              c.K = K;
              c.sigma = s;
              c.grad = g;
              if (pass == 0) {
                c.name = case_name(c);
                c.skip = skip_reason(c);
                out.push_back(c);
                continue;
              }
              if (!o.batch || a == "opitz-expm") continue;  // opitz-expm: bench peer, no library batch path
              if (o.quick && o.algos.empty() && a != "auto" && a != "closed-form") continue;
              std::vector<int> ts = {nt};
              // the 1-thread batch (for the speed-up) at sigma = 1 (every sigma in quick mode)
              if (nt > 1 && (o.quick || s == 1.0 || sigmas.size() == 1)) ts = {1, nt};
              for (int t : ts) {
                Case b = c;
                b.batch = batch_rows(K);
                b.threads = t;
                b.name = case_name(b);
                b.skip = skip_reason(b);
                out.push_back(b);
              }
            }
  // the GPU family last (the caller checked that a device exists)
  if (o.gpu && (o.algos.empty() || std::find(o.algos.begin(), o.algos.end(), "gpu") != o.algos.end()))
    for (const auto& d : dtypes)
      for (std::size_t K : Ks)
        for (double s : sigmas)
          for (bool g : {false, true}) {
            Case c;
            c.algo = "gpu";
            c.f32 = d == "f32";
            c.K = K;
            c.sigma = s;
            c.grad = g;
            c.batch = gpu_batch_rows(K);
            c.threads = 0;
            c.name = case_name(c);
            out.push_back(c);
          }
  return out;
}

// ------------------------------------------------------------------------------------------
// inputs

class Pools {
 public:
  explicit Pools(std::uint64_t seed) : seed_(seed) {}
  // rows x K, row-major; z = (sigma N(0,1)^(K-1), 0)
  const std::vector<double>& f64(std::size_t K, double sigma) {
    auto key = std::make_pair(K, sigma);
    auto it = d_.find(key);
    if (it != d_.end()) return it->second;
    const std::size_t R = pool_rows(K);
    std::vector<double> z(R * K);
    std::uint64_t h = seed_ ^ (0x9E3779B97F4A7C15ull * (K + 1));
    h ^= std::hash<std::string>{}(gfmt(sigma)) + 0x7F4A7C15ull + (h << 6) + (h >> 2);
    std::mt19937_64 g(h);
    std::normal_distribution<double> nd(0.0, 1.0);
    for (std::size_t r = 0; r < R; ++r) {
      for (std::size_t j = 0; j + 1 < K; ++j) z[r * K + j] = sigma * nd(g);
      z[r * K + K - 1] = 0.0;
    }
    return d_.emplace(key, std::move(z)).first->second;
  }
  const std::vector<float>& f32(std::size_t K, double sigma) {
    auto key = std::make_pair(K, sigma);
    auto it = f_.find(key);
    if (it != f_.end()) return it->second;
    const auto& d = f64(K, sigma);
    std::vector<float> z(d.begin(), d.end());
    return f_.emplace(key, std::move(z)).first->second;
  }
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

template <class T>
Fn<T> function_for(const std::string& a) {
  if (a == "closed-form") return &closed_form<T>;
  if (a == "closed-form-scaled") return &closed_form_scaled<T>;
  if (a == "sorted-difference") return &sorted_difference<T>;
  if (a == "taylor") return &taylor<T>;
  if (a == "auto") return &auto_eval<T>;
  if (a == "auto-precise") return &auto_precise<T>;
  if (a == "opitz-expm") return &opitz_expm<T>;
  return nullptr;
}

// ------------------------------------------------------------------------------------------
// the benchmark bodies

template <class T>
void run_one_row(benchmark::State& st, const Case& c, Pools& pools) {
  if (!c.skip.empty()) {
    st.SkipWithError(("skipped: " + c.skip).c_str());
    return;
  }
  const Fn<T> fn = function_for<T>(c.algo);
  const std::vector<T>& pool = pools.get<T>(c.K, c.sigma);
  const std::size_t R = pool.size() / c.K;
  std::vector<T> mu(c.K);
  T* mup = c.grad ? mu.data() : nullptr;
  std::size_t i = 0;
  try {
    for (auto _ : st) {
      Out<T> o = fn(pool.data() + i * c.K, c.K, mup);
      benchmark::DoNotOptimize(o);
      if (mup) benchmark::ClobberMemory();
      if (++i == R) i = 0;
    }
  } catch (const std::exception& e) {
    st.SkipWithError(e.what());
    return;
  }
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()));
}

template <class T>
void run_batch(benchmark::State& st, const Case& c, Pools& pools) {
  if (!c.skip.empty()) {
    st.SkipWithError(("skipped: " + c.skip).c_str());
    return;
  }
  Algo a;
  if (!parse_algo(c.algo, a)) {
    st.SkipWithError("not a library algorithm");
    return;
  }
  const std::vector<T>& pool = pools.get<T>(c.K, c.sigma);
  const std::size_t B = c.batch;
  std::vector<T> A(B), logC(B), mu(c.grad ? B * c.K : 0);
  try {
    for (auto _ : st) {
      evaluate_batch<T>(a, pool.data(), B, c.K, A.data(), logC.data(), c.grad ? mu.data() : nullptr, c.threads);
      benchmark::DoNotOptimize(A.data());
      benchmark::ClobberMemory();
    }
  } catch (const std::exception& e) {
    st.SkipWithError(e.what());
    return;
  }
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()) * static_cast<std::int64_t>(B));
}

// GPU: B rows cycled from the pool, resident on the device (gpu::DeviceBatch); manual time = the
// device time of one call. Counters: bytes (input + outputs of one call, the roofline's bytes),
// escalated / host (rows rerun in the wider compute type / sent to the host fallback, max over
// the calls).
template <class T>
void run_gpu(benchmark::State& st, const Case& c, Pools& pools) {
#if defined(CCNORM_HAVE_CUDA)
  const std::vector<T>& pool = pools.get<T>(c.K, c.sigma);
  try {
    gpu::DeviceBatch<T> db(pool.data(), pool.size() / c.K, c.batch, c.K, c.grad);
    std::size_t esc = 0, host = 0;
    for (auto _ : st) {
      st.SetIterationTime(db.run());
      esc = std::max(esc, db.last_stats().escalated);
      host = std::max(host, db.last_stats().host);
    }
    st.counters["bytes"] = static_cast<double>(db.bytes_per_run());
    st.counters["escalated"] = static_cast<double>(esc);
    st.counters["host"] = static_cast<double>(host);
    st.counters["buffers"] = static_cast<double>(db.buffers());
  } catch (const std::exception& e) {
    st.SkipWithError(e.what());
    return;
  }
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()) * static_cast<std::int64_t>(c.batch));
#else
  (void)c;
  (void)pools;
  st.SkipWithError("built without CUDA");
#endif
}

// Console reporter that also keeps every run for the post-processing.
class CapturingReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs) kept.push_back(r);
    ConsoleReporter::ReportRuns(runs);
  }
  std::vector<Run> kept;
};

inline double to_ns(double t, benchmark::TimeUnit u) {
  switch (u) {
    case benchmark::kNanosecond: return t;
    case benchmark::kMicrosecond: return t * 1e3;
    case benchmark::kMillisecond: return t * 1e6;
    case benchmark::kSecond: return t * 1e9;
  }
  return t;
}

// ------------------------------------------------------------------------------------------
// accuracy of the timed inputs: err_A (DESIGN section 3) against the certified reference where it
// is cheap, otherwise against auto-precise (labelled "auto-precise (not certified)"); err_mean
// against auto-precise's mean (<= 1 u observed, not certified).

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

inline double err_vs_mp(double Ahat, const ref::mpfloat& A, double u) {
  if (!std::isfinite(Ahat)) return std::numeric_limits<double>::infinity();
  mpfr_t d;
  mpfr_init2(d, 256);
  mpfr_sub_d(d, A.backend().data(), Ahat, MPFR_RNDN);  // A - Ahat, relative error 2^-256
  mpfr_abs(d, d, MPFR_RNDN);
  const double diff = mpfr_get_d(d, MPFR_RNDU);
  mpfr_clear(d);
  const double a = std::fabs(A.convert_to<double>());
  return diff / (u * std::max(1.0, a));
}

class RefCache {
 public:
  explicit RefCache(Pools& p) : pools_(p) {}
  // Certified where cheap: K (spread + 40) <= 4e5 and K <= 1000 (value only).
  static bool certify(std::size_t K, double sigma) {
    return K <= 1000 && static_cast<double>(K) * (spread_estimate(K, sigma) + 40) <= 4e5;
  }
  static std::size_t rows_for(std::size_t K, double sigma, int acc_rows) {
    const double c = cost_ns("auto-precise", K, sigma, true);
    std::size_t n = static_cast<std::size_t>(std::max(1.0, std::min<double>(acc_rows, 1.5e9 / c)));
    if (certify(K, sigma)) n = std::min<std::size_t>(n, 8);
    return n;
  }
  const RefRow& get(bool f32, std::size_t K, double sigma, std::size_t r, bool want_mu) {
    auto key = std::make_tuple(f32, K, sigma, r);
    RefRow& rr = rows_[key];
    if (!rr.filled) {
      rr.filled = true;
      std::vector<double> z = row_d(f32, K, sigma, r);
      rr.Ap = auto_precise<double>(z.data(), K, nullptr).A;
      if (certify(K, sigma)) {
        ref::Certified c = ref::certified(z.data(), K, false);
        rr.A = c.A;
        rr.certified = true;
      }
    }
    if (want_mu && rr.mu.empty()) {
      std::vector<double> z = row_d(f32, K, sigma, r);
      rr.mu.resize(K);
      auto_precise<double>(z.data(), K, rr.mu.data());
    }
    return rr;
  }
  std::vector<double> row_d(bool f32, std::size_t K, double sigma, std::size_t r) {
    if (f32) {
      const auto& p = pools_.f32(K, sigma);
      return std::vector<double>(p.begin() + r * K, p.begin() + (r + 1) * K);
    }
    const auto& p = pools_.f64(K, sigma);
    return std::vector<double>(p.begin() + r * K, p.begin() + (r + 1) * K);
  }

 private:
  Pools& pools_;
  std::map<std::tuple<bool, std::size_t, double, std::size_t>, RefRow> rows_;
};

// The first n rows of the pool through the algorithm: A (n) and, with the mean, mu (n x K);
// threw[r] marks a row whose evaluation threw (an error; counted as non-finite). The GPU evaluates
// them in one gpu::evaluate_batch call (same kernels as the timed device-resident batches).
template <class T>
void outputs_of(const Case& c, const T* rows, std::size_t n, std::vector<T>& A, std::vector<T>& mu,
                std::vector<char>& threw) {
  A.assign(n, std::numeric_limits<T>::quiet_NaN());
  mu.assign(c.grad ? n * c.K : 0, std::numeric_limits<T>::quiet_NaN());
  threw.assign(n, 0);
  if (c.gpu()) {
#if defined(CCNORM_HAVE_CUDA)
    std::vector<T> logC(n);
    try {
      gpu::evaluate_batch<T>(rows, n, c.K, A.data(), logC.data(), c.grad ? mu.data() : nullptr);
    } catch (const std::exception&) {
      threw.assign(n, 1);
    }
#else
    threw.assign(n, 1);
#endif
    return;
  }
  const Fn<T> fn = function_for<T>(c.algo);
  for (std::size_t r = 0; r < n; ++r) {
    try {
      A[r] = fn(rows + r * c.K, c.K, c.grad ? mu.data() + r * c.K : nullptr).A;
    } catch (const std::exception&) {
      threw[r] = 1;
    }
  }
}

template <class T>
Accuracy accuracy_of(const Case& c, Pools& pools, RefCache& refs, int acc_rows) {
  Accuracy acc;
  const std::vector<T>& pool = pools.get<T>(c.K, c.sigma);
  const std::size_t n = RefCache::rows_for(c.K, c.sigma, acc_rows);
  const double u = std::is_same_v<T, float> ? 0x1p-24 : 0x1p-53;
  std::vector<T> As, mus;
  std::vector<char> threw_row;
  outputs_of<T>(c, pool.data(), n, As, mus, threw_row);
  bool cert_all = true;
  if (c.grad) acc.max_err_mean = 0;
  for (std::size_t r = 0; r < n; ++r) {
    const T* mu = c.grad ? mus.data() + r * c.K : nullptr;
    const bool threw = threw_row[r] != 0;
    const RefRow& rr = refs.get(c.f32, c.K, c.sigma, r, c.grad);
    cert_all = cert_all && rr.certified;
    double e;
    const double Ahat = static_cast<double>(As[r]);
    if (threw || !std::isfinite(Ahat)) {
      e = std::numeric_limits<double>::infinity();
      ++acc.nonfinite;
    } else if (rr.certified) {
      e = err_vs_mp(Ahat, rr.A, u);
    } else {
      e = std::fabs(Ahat - rr.Ap) / (u * std::max(1.0, std::fabs(rr.Ap)));
    }
    acc.max_err_A = std::max(acc.max_err_A, e);
    if (c.grad) {
      double em = 0;
      for (std::size_t j = 0; j < c.K && !threw; ++j) {
        const double mh = static_cast<double>(mu[j]), m = rr.mu[j];
        double t;
        if (!std::isfinite(mh)) t = std::numeric_limits<double>::infinity();
        else if (m >= 0x1p-1000) t = std::fabs(mh - m) / (u * m);
        else t = std::fabs(mh - m) / (u * 0x1p-1022);
        em = std::max(em, t);
      }
      if (threw) em = std::numeric_limits<double>::infinity();
      acc.max_err_mean = std::max(acc.max_err_mean, em);
    }
  }
  acc.rows = n;
  acc.ref = cert_all ? "certified" : "auto-precise (not certified)";
  return acc;
}

// ------------------------------------------------------------------------------------------
// peers: scipy.linalg.expm and mpmath in a subprocess, Eigen (opitz-expm) and auto in process,
// all on the same rows, timed per row (median).

// bench/peers/peers.py in ccnorm's data directory (io/resources.hpp). Not found: says where it
// looked and returns the first place, so that the peer rows record the failed subprocess.
inline std::string default_peers_script() {
  const char* rel = "bench/peers/peers.py";
  if (auto p = ccnorm::io::find_resource(rel)) return p->string();
  std::fprintf(stderr, "ccnorm bench: %s; or pass --peers-script PATH\n", ccnorm::io::not_found_message(rel).c_str());
  const auto dirs = ccnorm::io::data_dirs();
  return dirs.empty() ? std::string(rel) : (dirs.front() / rel).string();
}

inline std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char ch : s) {
    if (ch == '\'') q += "'\\''";
    else q += ch;
  }
  return q + "'";
}

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

inline double median(std::vector<double> v) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Error of a peer's A given as a decimal string (parsed exactly enough: 256 bits).
inline double err_of_string(const std::string& s, const RefRow& rr, double u, bool& finite) {
  mpfr_t a;
  mpfr_init2(a, 256);
  const bool ok = mpfr_set_str(a, s.c_str(), 10, MPFR_RNDN) == 0 && mpfr_number_p(a);
  finite = ok;
  double e = std::numeric_limits<double>::infinity();
  if (ok) {
    mpfr_t d;
    mpfr_init2(d, 256);
    if (rr.certified) mpfr_sub(d, rr.A.backend().data(), a, MPFR_RNDN);
    else mpfr_d_sub(d, rr.Ap, a, MPFR_RNDN);
    mpfr_abs(d, d, MPFR_RNDN);
    const double scale = std::max(1.0, std::fabs(mpfr_get_d(a, MPFR_RNDN)));
    e = mpfr_get_d(d, MPFR_RNDU) / (u * scale);
    mpfr_clear(d);
  }
  mpfr_clear(a);
  return e;
}

inline std::vector<PeerResult> run_peers(const Options& o, const std::vector<std::size_t>& Ks,
                                         const std::vector<double>& sigmas, Pools& pools, RefCache& refs,
                                         const std::string& tmpdir) {
  std::vector<PeerResult> out;
  const std::string script = o.peers_script.empty() ? default_peers_script() : o.peers_script;
  std::regex re;
  bool neg = false, have_re = false;
  if (!o.filter.empty()) {
    std::string f = o.filter;
    if (f[0] == '-') {
      neg = true;
      f = f.substr(1);
    }
    re = std::regex(f);
    have_re = true;
  }
  const double u = 0x1p-53;
  for (std::size_t K : Ks)
    for (double sigma : sigmas) {
      struct P {
        const char* name;
        std::size_t maxK;
      };
      for (P p : {P{"scipy-expm", 1000}, P{"mpmath", 100}, P{"opitz-expm", 1000}, P{"auto", 100000}}) {
        const std::string pname = fmt::format("peer/{}/f64/K:{}/sigma:{}", p.name, K, gfmt(sigma));
        if (have_re && (std::regex_search(pname, re) == neg)) continue;
        PeerResult pr;
        pr.peer = p.name;
        pr.K = K;
        pr.sigma = sigma;
        if (K > p.maxK) {
          pr.note = fmt::format("skipped above K={} ({})", p.maxK, std::string(p.name) == "mpmath" ? "O(K^2) Python arbitrary precision" : "O(K^3)");
          out.push_back(pr);
          continue;
        }
        // the same first n rows of the pool for every peer at this (K, sigma)
        std::size_t n = K <= 32 ? 16 : K <= 100 ? 8 : K <= 316 ? 4 : 2;
        n = std::min(n, RefCache::rows_for(K, sigma, o.acc_rows));
        pr.rows = n;
        std::vector<std::string> Avals(n);
        std::vector<double> times(n, std::nan(""));
        const std::string name(p.name);
        if (name == "scipy-expm" || name == "mpmath") {
          const std::string in = tmpdir + "/peer_in.txt", outf = tmpdir + "/peer_out.txt";
          {
            std::ofstream f(in);
            for (std::size_t r = 0; r < n; ++r) {
              std::vector<double> z = refs.row_d(false, K, sigma, r);
              for (std::size_t j = 0; j < K; ++j) f << (j ? "," : "") << fmt::format("{:a}", z[j]);
              f << "\n";
            }
          }
          std::filesystem::remove(outf);
          const std::string cmd = fmt::format(
              "OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 {} {} --method {} --in {} --out {}",
              shell_quote(o.python), shell_quote(script), name == "mpmath" ? "mpmath" : "scipy", shell_quote(in),
              shell_quote(outf));
          const int rc = std::system(cmd.c_str());
          std::ifstream f(outf);
          std::string line;
          std::size_t r = 0;
          while (r < n && std::getline(f, line)) {
            auto comma = line.find(',');
            if (comma == std::string::npos) break;
            Avals[r] = line.substr(0, comma);
            times[r] = std::strtod(line.c_str() + comma + 1, nullptr);
            ++r;
          }
          if (rc != 0 || r != n) {
            pr.note = fmt::format("peer process failed (exit {}, {} of {} rows)", rc, r, n);
            pr.rows = r;
            n = r;
          }
        } else {
          Fn<double> fn = function_for<double>(name);
          const auto& pool = pools.f64(K, sigma);
          for (std::size_t r = 0; r < n; ++r) {
            // one warm-up call, then the median of up to 5 timed calls on this row
            Out<double> res = fn(pool.data() + r * K, K, nullptr);
            std::vector<double> ts;
            const int reps = cost_ns(name, K, sigma, false) > 1e8 ? 1 : 5;
            for (int t = 0; t < reps; ++t) {
              auto t0 = std::chrono::steady_clock::now();
              res = fn(pool.data() + r * K, K, nullptr);
              benchmark::DoNotOptimize(res);
              auto t1 = std::chrono::steady_clock::now();
              ts.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count());
            }
            times[r] = median(ts);
            Avals[r] = std::isfinite(res.A) ? fmt::format("{:.17g}", res.A) : "nan";
          }
        }
        bool allcert = true;
        double maxe = 0;
        std::vector<double> tv;
        for (std::size_t r = 0; r < n; ++r) {
          const RefRow& rr = refs.get(false, K, sigma, r, false);
          allcert = allcert && rr.certified;
          bool finite = false;
          const double e = err_of_string(Avals[r], rr, u, finite);
          if (!finite) ++pr.nonfinite;
          maxe = std::max(maxe, e);
          if (std::isfinite(times[r])) tv.push_back(times[r]);
        }
        pr.median_ns = median(tv);
        pr.max_err_A = n ? maxe : std::nan("");
        pr.ref = allcert ? "certified" : "auto-precise (not certified)";
        out.push_back(pr);
      }
    }
  return out;
}

// ------------------------------------------------------------------------------------------
// post-processing rows

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

inline std::string num(double x, int prec = 6) {
  if (std::isnan(x)) return "";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  return fmt::format("{:.{}g}", x, prec);
}
inline std::string jnum(double x, int prec = 6) {  // JSON: null for non-finite
  if (!std::isfinite(x)) return "null";
  return fmt::format("{:.{}g}", x, prec);
}
inline std::string jstr(const std::string& s) {
  std::string o = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') {
      o += '\\';
      o += ch;
    } else if (static_cast<unsigned char>(ch) < 0x20) o += fmt::format("\\u{:04x}", static_cast<int>(ch));
    else o += ch;
  }
  return o + "\"";
}

inline std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char ch : s) {
    if (ch == '"') q += "\"\"";
    else q += ch;
  }
  return q + "\"";
}

// ------------------------------------------------------------------------------------------
// entry point

inline int run(const Options& opt) {
  Options o = opt;
  if (o.min_time < 0) o.min_time = o.quick ? 0.01 : 0.1;
  if (o.quick && o.acc_rows > 8) o.acc_rows = 8;
  for (const auto& a : o.algos)
    if (a != "gpu" && std::find(all_algos().begin(), all_algos().end(), a) == all_algos().end()) {
      std::fprintf(stderr, "ccnorm bench: unknown algorithm '%s'\n", a.c_str());
      return 2;
    }
  for (const auto& d : o.dtypes)
    if (d != "f64" && d != "f32") {
      std::fprintf(stderr, "ccnorm bench: unknown dtype '%s'\n", d.c_str());
      return 2;
    }
  Eigen::setNbThreads(1);  // opitz-expm is a one-thread peer
  // the GPU family: only when built with CUDA and a device exists
  std::string gpu_device, gpu_reason = "no GPU: not requested (--no-gpu)";
  if (o.gpu) gpu_reason = gpu_unavailable(gpu_device);
  const bool gpu_asked = std::find(o.algos.begin(), o.algos.end(), "gpu") != o.algos.end();
  if (!gpu_reason.empty()) {
    if (gpu_asked) {
      std::fprintf(stderr, "ccnorm bench: --algos gpu: %s\n", gpu_reason.c_str());
      return 2;
    }
    o.gpu = false;
  }
  double copy_gbs = std::nan("");
#if defined(CCNORM_HAVE_CUDA)
  if (o.gpu && !o.list) {
    try {
      copy_gbs = gpu::copy_bandwidth_gbs();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "ccnorm bench: measuring the device copy bandwidth failed: %s\n", e.what());
    }
  }
#endif
  const std::vector<Case> cases = make_cases(o);
  auto pools = std::make_shared<Pools>(o.seed);
  std::map<std::string, Case> by_name;
  benchmark::ClearRegisteredBenchmarks();
  for (const Case& c : cases) {
    by_name[c.name] = c;
    Pools* pp = pools.get();
    if (c.gpu()) {
      if (c.f32) benchmark::RegisterBenchmark(c.name.c_str(), [c, pp](benchmark::State& s) { run_gpu<float>(s, c, *pp); })->UseManualTime();
      else benchmark::RegisterBenchmark(c.name.c_str(), [c, pp](benchmark::State& s) { run_gpu<double>(s, c, *pp); })->UseManualTime();
    } else if (c.batch) {
      if (c.f32) benchmark::RegisterBenchmark(c.name.c_str(), [c, pp](benchmark::State& s) { run_batch<float>(s, c, *pp); });
      else benchmark::RegisterBenchmark(c.name.c_str(), [c, pp](benchmark::State& s) { run_batch<double>(s, c, *pp); });
    } else {
      if (c.f32) benchmark::RegisterBenchmark(c.name.c_str(), [c, pp](benchmark::State& s) { run_one_row<float>(s, c, *pp); });
      else benchmark::RegisterBenchmark(c.name.c_str(), [c, pp](benchmark::State& s) { run_one_row<double>(s, c, *pp); });
    }
  }

  // Google Benchmark flags
  std::vector<std::string> args = {"ccnorm-bench"};
  if (!o.filter.empty()) args.push_back("--benchmark_filter=" + o.filter);
  args.push_back(fmt::format("--benchmark_min_time={}", o.min_time));
  if (o.repetitions > 1) {
    args.push_back(fmt::format("--benchmark_repetitions={}", o.repetitions));
    args.push_back("--benchmark_display_aggregates_only=true");
  }
  namespace fs = std::filesystem;
  fs::path outdir;
  if (!o.json.empty()) {
    fs::path jp = fs::absolute(o.json);
    outdir = jp.parent_path();
    std::error_code ec;
    fs::create_directories(outdir, ec);
    if (!fs::is_directory(outdir)) {
      std::fprintf(stderr, "ccnorm bench: cannot create the output directory %s\n", outdir.c_str());
      return 2;
    }
    args.push_back("--benchmark_out=" + jp.string());
    args.push_back("--benchmark_out_format=json");
  }
  if (o.list) args.push_back("--benchmark_list_tests=true");
  for (const auto& a : o.gb_args) args.push_back(a);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int argc = static_cast<int>(args.size());
  benchmark::Initialize(&argc, argv.data());
  if (argc > 1) {
    std::fprintf(stderr, "ccnorm bench: unrecognised Google Benchmark argument '%s'\n", argv[1]);
    return 2;
  }
  benchmark::AddCustomContext("ccnorm_inputs", fmt::format("z=(sigma*N(0,1)^(K-1),0), seed {}, pool of 64..1024 distinct rows cycled", o.seed));
  benchmark::AddCustomContext("ccnorm_clock", "log_partition: cpu_time of the calling thread; log_partition_batch: real_time per batch; "
                                              "log_partition_batch/gpu: device time per call (CUDA events, manual time)");
  benchmark::AddCustomContext("ccnorm_gpu", gpu_reason.empty() ? gpu_device : gpu_reason);
  if (!std::isnan(copy_gbs)) benchmark::AddCustomContext("ccnorm_gpu_copy_GBps", num(copy_gbs, 5));
  benchmark::AddCustomContext("ccnorm_min_time_s", gfmt(o.min_time));
  std::size_t nskip = 0;
  for (const Case& c : cases) nskip += !c.skip.empty();
  benchmark::AddCustomContext("ccnorm_skipped_by_design", fmt::format("{} cases end with 'skipped: <reason>'", nskip));

  CapturingReporter rep;
  benchmark::RunSpecifiedBenchmarks(&rep);
  if (o.list) return 0;

  // ---- post-processing: one row per case (medians when repeated)
  std::map<std::string, ResultRow> rows;
  std::vector<std::pair<std::string, std::string>> skipped;
  for (const auto& r : rep.kept) {
    const std::string fname = r.run_name.function_name;
    auto it = by_name.find(fname);
    if (it == by_name.end()) continue;
    const Case& c = it->second;
    if (r.error_occurred) {
      if (!rows.count(fname) && std::find_if(skipped.begin(), skipped.end(), [&](auto& p) { return p.first == fname; }) == skipped.end())
        skipped.emplace_back(fname, r.error_message);
      continue;
    }
    const bool want = o.repetitions > 1 ? (r.run_type == benchmark::BenchmarkReporter::Run::RT_Aggregate && r.aggregate_name == "median")
                                        : r.run_type == benchmark::BenchmarkReporter::Run::RT_Iteration;
    if (!want) continue;
    ResultRow row;
    row.c = c;
    const double per = c.batch ? static_cast<double>(c.batch) : 1.0;
    const double cpu = to_ns(r.GetAdjustedCPUTime(), r.time_unit) / per;
    const double real = to_ns(r.GetAdjustedRealTime(), r.time_unit) / per;
    row.ns_per_eval = c.batch ? real : cpu;
    row.real_ns_per_eval = real;
    if (c.gpu()) {
      auto ctr = [&](const char* k) { auto f = r.counters.find(k); return f == r.counters.end() ? std::nan("") : static_cast<double>(f->second); };
      row.bytes = ctr("bytes");
      row.escalated = ctr("escalated");
      row.host = ctr("host");
    }
    rows[fname] = row;
  }
  // registration order (algorithm, dtype, K, sigma, grad; one-row before batched)
  std::vector<std::string> order;
  for (const Case& c : cases)
    if (rows.count(c.name)) order.push_back(c.name);
  // ratio to closed-form from the same run
  for (auto& [n, row] : rows) {
    Case cf = row.c;
    cf.algo = "closed-form";
    auto it = rows.find(case_name(cf));
    if (it != rows.end() && it->second.ns_per_eval > 0) row.ratio = row.ns_per_eval / it->second.ns_per_eval;
  }
  // accuracy on the timed inputs (one-row and batched paths give identical results: computed once)
  RefCache refs(*pools);
  std::map<std::string, Accuracy> acc_cache;
  const auto t_acc0 = std::chrono::steady_clock::now();
  for (auto& [n, row] : rows) {
    Case k = row.c;
    k.batch = 0;
    k.threads = 1;
    const std::string key = case_name(k);
    auto it = acc_cache.find(key);
    if (it == acc_cache.end()) {
      Accuracy a = k.f32 ? accuracy_of<float>(k, *pools, refs, o.acc_rows) : accuracy_of<double>(k, *pools, refs, o.acc_rows);
      it = acc_cache.emplace(key, a).first;
    }
    row.acc = it->second;
    row.have_acc = true;
  }
  const double acc_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_acc0).count();

  // peers
  std::vector<PeerResult> peers;
  if (o.peers) {
    std::vector<std::size_t> Ks = o.Ks.empty() ? (o.quick ? std::vector<std::size_t>{3, 10, 100, 316, 1000} : full_Ks()) : o.Ks;
    std::vector<double> sg = o.sigmas.empty() ? (o.quick ? std::vector<double>{1} : full_sigmas()) : o.sigmas;
    std::string tmp = (fs::temp_directory_path() / fmt::format("ccnorm-bench-peers-{}", static_cast<long>(::getpid()))).string();
    fs::create_directories(tmp);
    peers = run_peers(o, Ks, sg, *pools, refs, tmp);
    std::error_code ec;
    fs::remove_all(tmp, ec);
  }

  // ---- console summary
  std::printf("\nccnorm bench summary (ns per row; ratio = time / closed-form's time in this run; err_A in u of the dtype,\n"
              "max over the first rows of each input pool; ref 'certified' = ccnorm::ref::certified, otherwise auto-precise, not certified)\n");
  std::printf("%-74s %12s %9s %10s %10s %s\n", "case", "ns/row", "ratio", "err_A", "err_mean", "ref");
  for (const auto& n : order) {
    const ResultRow& row = rows[n];
    std::printf("%-74s %12s %9s %10s %10s %s\n", n.c_str(), num(row.ns_per_eval, 5).c_str(), num(row.ratio, 3).c_str(),
                num(row.acc.max_err_A, 3).c_str(), row.acc.max_err_mean >= 0 ? num(row.acc.max_err_mean, 3).c_str() : "-",
                row.acc.ref.c_str());
  }
  // batched speed-up
  for (const auto& n : order) {
    const ResultRow& row = rows[n];
    if (!row.c.batch || row.c.threads == 1) continue;
    Case one = row.c;
    one.threads = 1;
    auto it = rows.find(case_name(one));
    if (it != rows.end())
      std::printf("speed-up %s: %.2fx over 1 thread\n", n.c_str(), it->second.ns_per_eval / row.ns_per_eval);
  }
  // GPU: effective bandwidth and speed-up over the CPU batched auto (all threads, same run)
  struct GpuRow {
    std::string name;
    double gbps = std::nan(""), pct = std::nan(""), vs_cpu = std::nan("");
  };
  std::vector<GpuRow> gpu_rows;
  for (const auto& n : order) {
    const ResultRow& row = rows[n];
    if (!row.c.gpu()) continue;
    GpuRow g;
    g.name = n;
    g.gbps = row.bytes / (row.ns_per_eval * static_cast<double>(row.c.batch));  // bytes per ns = GB/s
    g.pct = 100.0 * g.gbps / copy_gbs;
    Case cpu = row.c;
    cpu.algo = "auto";
    cpu.batch = batch_rows(cpu.K);
    cpu.threads = o.threads > 0 ? o.threads : all_threads();
    auto it = rows.find(case_name(cpu));
    if (it != rows.end()) g.vs_cpu = it->second.ns_per_eval / row.ns_per_eval;
    gpu_rows.push_back(g);
  }
  if (gpu_reason.empty()) {
    std::printf("\nGPU: %s; device-to-device copy %s GB/s (read + write)\n", gpu_device.c_str(), num(copy_gbs, 4).c_str());
    std::printf("%-66s %10s %9s %7s %10s %9s %5s\n", "case", "ns/row", "GB/s", "%copy", "x CPU auto", "escalated", "host");
    for (const auto& g : gpu_rows) {
      const ResultRow& row = rows[g.name];
      std::printf("%-66s %10s %9s %7s %10s %9s %5s\n", g.name.c_str(), num(row.ns_per_eval, 4).c_str(), num(g.gbps, 4).c_str(),
                  num(g.pct, 3).c_str(), num(g.vs_cpu, 3).c_str(), num(row.escalated, 6).c_str(), num(row.host, 6).c_str());
    }
  } else {
    std::printf("\nGPU cases not run: %s\n", gpu_reason.c_str());
  }
  if (!skipped.empty()) {
    std::printf("\n%zu cases skipped or failed (the reason is in the JSON 'error_message'):\n", skipped.size());
    for (const auto& [n, why] : skipped) std::printf("  %s: %s\n", n.c_str(), why.c_str());
  }
  if (!peers.empty()) {
    std::printf("\npeers on identical f64 rows (median ns per row; err_A in u = 2^-53):\n");
    std::printf("%-12s %6s %7s %5s %14s %12s %4s %s\n", "peer", "K", "sigma", "rows", "ns/row", "err_A", "nan", "ref / note");
    for (const auto& p : peers)
      std::printf("%-12s %6zu %7s %5zu %14s %12s %4zu %s\n", p.peer.c_str(), p.K, gfmt(p.sigma).c_str(), p.rows,
                  num(p.median_ns, 5).c_str(), num(p.max_err_A, 3).c_str(), p.nonfinite, (p.note.empty() ? p.ref : p.note).c_str());
  }
  std::printf("(accuracy columns took %.1f s)\n", acc_s);

  if (o.json.empty()) return 0;

  // ---- files next to the JSON
  {
    std::ofstream f(outdir / "bench_ratios.csv");
    f << "algo,dtype,K,sigma,grad,ns_per_eval,ratio_to_closed_form,batch,threads,clock,max_err_A,err_A_ref,acc_rows,"
         "max_err_mean,nonfinite_rows,note\n";
    for (const auto& n : order) {
      const ResultRow& row = rows[n];
      const Case& c = row.c;
      f << c.algo << ',' << c.dtype() << ',' << c.K << ',' << gfmt(c.sigma) << ',' << (c.grad ? 1 : 0) << ','
        << num(row.ns_per_eval, 6) << ',' << num(row.ratio, 6) << ',' << (c.batch ? c.batch : 1) << ',' << c.threads << ','
        << (c.gpu() ? "device" : c.batch ? "real" : "cpu") << ',' << num(row.acc.max_err_A, 4) << ',' << csv_field(row.acc.ref) << ','
        << row.acc.rows << ',' << (row.acc.max_err_mean >= 0 ? num(row.acc.max_err_mean, 4) : "") << ','
        << row.acc.nonfinite << ",\n";
    }
    for (const auto& [n, why] : skipped) {
      const Case& c = by_name[n];
      f << c.algo << ',' << c.dtype() << ',' << c.K << ',' << gfmt(c.sigma) << ',' << (c.grad ? 1 : 0) << ",,,"
        << (c.batch ? c.batch : 1) << ',' << c.threads << ",,,,,,," << csv_field(why) << "\n";
    }
  }
  {
    std::ofstream f(outdir / "bench_summary.json");
    f << "{\n  \"throughput\": [\n";
    bool first = true;
    for (const auto& n : order) {
      const ResultRow& row = rows[n];
      const Case& c = row.c;
      f << (first ? "" : ",\n") << "    {\"algo\": " << jstr(c.algo) << ", \"dtype\": " << jstr(c.dtype()) << ", \"K\": " << c.K
        << ", \"sigma\": " << gfmt(c.sigma) << ", \"grad\": " << (c.grad ? "true" : "false")
        << ", \"ns_per_eval\": " << jnum(row.ns_per_eval) << ", \"batch\": " << (c.batch ? c.batch : 1)
        << ", \"threads\": " << c.threads << ", \"clock\": " << jstr(c.gpu() ? "device" : c.batch ? "real" : "cpu")
        << ", \"ratio_to_closed_form\": " << jnum(row.ratio) << ", \"max_err_A\": " << jnum(row.acc.max_err_A)
        << ", \"err_A_ref\": " << jstr(row.acc.ref) << ", \"acc_rows\": " << row.acc.rows
        << ", \"max_err_mean\": " << (row.acc.max_err_mean >= 0 ? jnum(row.acc.max_err_mean) : "null")
        << ", \"nonfinite_rows\": " << row.acc.nonfinite << ", \"name\": " << jstr(n) << "}";
      first = false;
    }
    f << "\n  ],\n  \"skipped\": [\n";
    first = true;
    for (const auto& [n, why] : skipped) {
      f << (first ? "" : ",\n") << "    {\"name\": " << jstr(n) << ", \"reason\": " << jstr(why) << "}";
      first = false;
    }
    f << "\n  ],\n  \"peers\": [\n";
    first = true;
    for (const auto& p : peers) {
      f << (first ? "" : ",\n") << "    {\"peer\": " << jstr(p.peer) << ", \"dtype\": \"f64\", \"K\": " << p.K
        << ", \"sigma\": " << gfmt(p.sigma) << ", \"rows\": " << p.rows << ", \"ns_per_eval\": " << jnum(p.median_ns)
        << ", \"max_err_A\": " << jnum(p.max_err_A) << ", \"err_A_ref\": " << jstr(p.ref)
        << ", \"nonfinite_rows\": " << p.nonfinite << ", \"note\": " << jstr(p.note) << "}";
      first = false;
    }
    f << "\n  ],\n  \"gpu\": {\"available\": " << (gpu_reason.empty() ? "true" : "false")
      << ", \"device\": " << jstr(gpu_device) << ", \"reason\": " << jstr(gpu_reason)
      << ", \"copy_GBps\": " << jnum(copy_gbs) << ", \"cases\": " << gpu_rows.size() << "},\n  \"notes\": {\"err_A\": \"DESIGN section 3, in u of the dtype, max over acc_rows rows of the timed pool\", "
         "\"err_mean\": \"vs auto-precise (not certified)\", \"clock\": \"cpu: CPU time of the calling thread; real: wall "
         "time per row of the batch; device: GPU time per row (CUDA events, inputs resident on the device)\", \"min_time_s\": "
      << gfmt(o.min_time) << ", \"repetitions\": " << o.repetitions << "}\n}\n";
  }
  {
    std::ofstream f(outdir / "bench_gpu.csv");
    f << "# " << (gpu_reason.empty() ? "device: " + gpu_device + "; copy_GBps " + num(copy_gbs, 6) : gpu_reason) << "\n";
    f << "dtype,K,sigma,grad,batch,ns_per_row,rows_per_s,GBps,pct_copy_bw,x_cpu_auto_batch,escalated_rows,host_rows,"
         "max_err_A,err_A_ref,max_err_mean,acc_rows,nonfinite_rows\n";
    for (const auto& g : gpu_rows) {
      const ResultRow& row = rows[g.name];
      const Case& c = row.c;
      f << c.dtype() << ',' << c.K << ',' << gfmt(c.sigma) << ',' << (c.grad ? 1 : 0) << ',' << c.batch << ','
        << num(row.ns_per_eval, 6) << ',' << num(1e9 / row.ns_per_eval, 6) << ',' << num(g.gbps, 6) << ',' << num(g.pct, 4) << ','
        << num(g.vs_cpu, 4) << ',' << num(row.escalated, 10) << ',' << num(row.host, 10) << ',' << num(row.acc.max_err_A, 4) << ','
        << csv_field(row.acc.ref) << ',' << (row.acc.max_err_mean >= 0 ? num(row.acc.max_err_mean, 4) : "") << ','
        << row.acc.rows << ',' << row.acc.nonfinite << "\n";
    }
  }
  if (!peers.empty()) {
    std::ofstream f(outdir / "bench_peers.csv");
    f << "peer,dtype,K,sigma,rows,ns_per_eval,max_err_A,err_A_ref,nonfinite_rows,note\n";
    for (const auto& p : peers)
      f << p.peer << ",f64," << p.K << ',' << gfmt(p.sigma) << ',' << p.rows << ',' << num(p.median_ns, 6) << ','
        << num(p.max_err_A, 4) << ',' << csv_field(p.ref) << ',' << p.nonfinite << ',' << csv_field(p.note) << "\n";
  }
  std::printf("wrote %s, %s, %s, %s%s\n", o.json.c_str(), (outdir / "bench_ratios.csv").c_str(),
              (outdir / "bench_summary.json").c_str(), (outdir / "bench_gpu.csv").c_str(), peers.empty() ? "" : (", " + (outdir / "bench_peers.csv").string()).c_str());
  return 0;
}

}  // namespace ccnorm::bench
