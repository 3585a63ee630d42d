// ccnorm bench: the grid, the case names, the cost model and the skipped combinations.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "bench/bench_internal.hpp"
#include "io/format.hpp"
#include "normalizer/registry.hpp"
#if defined(CCNORM_HAVE_CUDA)
#include "normalizer/cuda/gpu.hpp"
#endif

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace ccnorm::bench {

const std::vector<std::string>& all_algos() {
  static const std::vector<std::string> a = [] {
    std::vector<std::string> v;
    for (const auto& i : algorithms())
      if (i.host()) v.push_back(i.name);
    v.push_back("opitz-expm");
    return v;
  }();
  return a;
}
const std::vector<std::size_t>& full_Ks() {
  static const std::vector<std::size_t> k = {2, 3, 5, 10, 32, 100, 316, 1000, 3162, 10000};
  return k;
}
const std::vector<double>& full_sigmas() {
  static const std::vector<double> s = {0.01, 1, 10, 100};
  return s;
}

const std::vector<std::string>& samplers() {
  static const std::vector<std::string> s = {"ccnorm", "rejection"};
  return s;
}
const std::vector<std::size_t>& sample_Ks() {
  static const std::vector<std::size_t> k = {3, 10, 30};
  return k;
}
const std::vector<double>& sample_sigmas() {
  static const std::vector<double> s = {0.01, 1, 10};
  return s;
}
std::string sample_case_name(const SampleCase& c) {
  return fmt::format("sample/{}/K:{}/sigma:{}", c.sampler, c.K, io::format_g(c.sigma));
}
std::vector<SampleCase> make_sample_cases(const Options& o) {
  std::vector<SampleCase> out;
  if (!o.sample) return out;
  if (!o.algos.empty() && std::find(o.algos.begin(), o.algos.end(), "sample") == o.algos.end()) return out;
  for (const auto& s : samplers())
    for (std::size_t K : sample_Ks())
      for (double sg : sample_sigmas()) {
        SampleCase c{s, K, sg, {}};
        c.name = sample_case_name(c);
        out.push_back(c);
      }
  return out;
}

std::string case_name(const Case& c) {
  std::string n = fmt::format("{}/{}/{}/K:{}/sigma:{}{}", c.batch ? "log_partition_batch" : "log_partition", c.algo,
                              c.dtype(), c.K, io::format_g(c.sigma), c.grad ? "/grad" : "");
  if (c.gpu()) n += fmt::format("/batch:{}", c.batch);
  else if (c.batch) n += fmt::format("/batch:{}/threads:{}", c.batch, c.threads);
  return n;
}

// Rows per GPU batch: 2^20, or fewer so that one input buffer holds at most 2^26 values
// (512 MiB in f64): K=3..32 -> 2^20, 100 -> 2^19, 316 -> 2^17, 1000 -> 2^16, 10^4 -> 2^12.
std::size_t gpu_batch_rows(std::size_t K) {
  std::size_t b = std::size_t(1) << 20;
  while (b > 256 && b * K > (std::size_t(1) << 26)) b /= 2;
  return b;
}

std::string gpu_unavailable(std::string& device) {
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

#if defined(CCNORM_HAVE_LANES)
constexpr bool kBatchLanes = true;
#else
constexpr bool kBatchLanes = false;
#endif

double spread_estimate(std::size_t K, double sigma) {
  return K < 2 ? 0.0 : sigma * 2.0 * std::sqrt(2.0 * std::log(std::max<double>(3.0, K)));
}

double cost_ns(const std::string& algo, std::size_t K, double sigma, bool grad) {
  const double k = static_cast<double>(K), r = spread_estimate(K, sigma);
  if (algo == "closed-form" || algo == "closed-form-scaled") return 20 + 1.5 * k * k * (grad ? 2.5 : 1.0);
  if (algo == "sorted-difference") return 50 + 1.0 * k * k * (grad ? 3.0 : 1.0);
  if (algo == "opitz-expm") return 1000 + 0.8 * k * k * k;
  double c = 50 + 1.0 * k * (r + 30) * (grad ? 2.0 : 1.0);
  if (algo == "auto-precise") c *= 8;
  if (algo == "auto" && grad && r > 128) c *= 8;
  return c;
}

namespace {

bool quadratic_or_worse(const std::string& a) {
  if (a == "opitz-expm") return true;  // O(K^3)
  const AlgoInfo* i = find_algorithm(a);
  return i && i->cost == CostClass::quadratic;
}

std::string skip_reason(const Case& c) {
  if (c.algo == "opitz-expm") {
    if (c.grad) return "opitz-expm is value only (the mean needs exp of a (K+1)x(K+1) matrix per component, O(K^4))";
    if (c.K > 1000) return fmt::format("opitz-expm is O(K^3): about {:.0f} s per row at K={}; run up to K=1000", cost_ns(c.algo, c.K, c.sigma, false) * 1e-9, c.K);
  }
  if (const AlgoInfo* i = find_algorithm(c.algo); i && c.grad && i->max_K_mean && c.K > i->max_K_mean)
    return fmt::format("{} refuses the mean above K={} (O(K^2) table memory)", c.algo, i->max_K_mean);
  if (c.batch && quadratic_or_worse(c.algo) && c.K >= 10000)
    return fmt::format("batched O(K^2) at K={}: about {:.0f} s per batch of {} rows; see the one-row case", c.K,
                       cost_ns(c.algo, c.K, c.sigma, c.grad) * 1e-9 * c.batch / std::max(1, c.threads), c.batch);
  const double one = cost_ns(c.algo, c.K, c.sigma, c.grad);
  if (one > 5e9) return fmt::format("estimated {:.0f} s per row", one * 1e-9);
  return {};
}

}  // namespace

// Batch size per K (independent of the algorithm, so batched ratios compare like with like;
// B * K <= 2^16 values: the batch stays in L2 and an O(K^2) batch at K = 1000 takes ~0.5 s).
std::size_t batch_rows(std::size_t K) {
  std::size_t b = 1024;
  while (b > 32 && b * K > (std::size_t(1) << 16)) b /= 2;
  return b;
}
std::size_t pool_rows(std::size_t K) { return std::max<std::size_t>(K <= 1000 ? 256 : 64, batch_rows(K)); }

int all_threads() {
#if defined(_OPENMP)
  return omp_get_max_threads();
#else
  return 1;
#endif
}

std::vector<Case> make_cases(const Options& o) {
  const int nt = o.threads > 0 ? o.threads : all_threads();
  std::vector<std::string> algos, dtypes = o.dtypes;
  for (const auto& a : o.algos)
    if (a != "gpu" && a != "sample") algos.push_back(a);
  const bool gpu_only = !o.algos.empty() && algos.empty();  // (or only "sample": no log_partition cases)
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
                // auto-rows one row: auto_eval under lanes::ScalarOnly (no one-row lanes), the
                // baseline of the one-row SIMD path in the time-vs-K figure
                if (a == "auto" && kBatchLanes) {
                  c.algo = "auto-rows";
                  c.name = case_name(c);
                  out.push_back(c);
                }
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
                // auto-rows: the same batch with every row through the scalar kernel
                // (evaluate_batch_rows), the baseline of the SIMD lanes (normalizer/lanes/)
                if (a == "auto" && kBatchLanes) {
                  b.algo = "auto-rows";
                  b.name = case_name(b);
                  out.push_back(b);
                }
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

}  // namespace ccnorm::bench
