// ccnorm device check: standalone driver for a machine with CUDA, CMake and g++ only
// (no Boost/MPFR/fmt/gtest). Built by bench/gpu/CMakeLists.txt; run by bench/gpu/device_check.sh.
//
// (a) accuracy: ccnorm::gpu::evaluate_batch against the certified reference shipped in
//     tests/data/hard_corpus.csv (rows K <= 1000; reference decimals parsed as long double, whose
//     2^-64 rounding is < 2^-11 u of f64 and is not rounded to the output type before the
//     difference), value-only and with the mean, outputs poisoned with NaN before every run; then
//     fresh random rows vs the host's double-double series (ccnorm::auto_precise). Prints
//     "N passed, M failed" with the err_A / err_mu maxima and worst rows.
// (b) timing: B in {2^16, 2^20, 2^22} x K in {3, 10, 100, 1000} x {f32, f64} x {value, value+mean},
//     CUDA events around enqueue_device (all kernels of a call), median of >= 20 after warm-up,
//     inputs rotated over several device buffers (>= 256 MB in all, so L2 never holds them),
//     combinations that do not fit in memory are skipped; device-to-device copy bandwidth measured
//     with cudaMemcpyAsync (ccnorm::gpu::copy_bandwidth_gbs, shared with ccnorm bench). Writes
//     the table as CSV (timing.csv) and, for B = 2^20, K <= 100, the inputs and our A / mu as
//     binary files for bench/gpu/torch_closed_form.py.
// Every CUDA call is checked (CCNORM_CUDA_CHECK: throws with file:line and cudaGetErrorString).
// Without a device it parses the corpus, prints the flop counts and exits 3; --host-only does that
// part and exits 0 whether or not a device exists (tests/gpu.cmake runs it in CI).
// Usage: device_check REPO_ROOT OUT_DIR [--quick] [--budget SECONDS] [--host-only]
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "normalizer/cuda/check.hpp"
#include "normalizer/cuda/gpu.hpp"
#include "io/corpus.hpp"

// bench/gpu/host_ref.cpp (C++ compiler): auto-precise, the double-double series; the useful flops
// of one row (the degree count of the kernels' series times the flops per degree).
double ccnorm_host_precise(const double* z, std::size_t K, double* mu);
double ccnorm_useful_flops(const double* z, std::size_t K, bool f32, bool mean);

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

using Row = ccnorm::corpus::Row<long double>;

// The corpus with its certified reference parsed as long double (io/corpus.hpp).
std::vector<Row> load_corpus(const std::string& path, std::size_t maxK) {
  return ccnorm::corpus::load<long double>(path, [maxK](std::size_t K) { return K <= maxK; }, [](const std::string& t) {
    char* end = nullptr;
    const long double v = std::strtold(t.c_str(), &end);
    if (end == t.c_str() || *end != '\0') throw std::runtime_error("bad reference value '" + t + "'");
    return v;
  });
}

template <class T>
constexpr double uround() {
  return std::is_same<T, float>::value ? 0x1p-24 : 0x1p-53;
}

// docs/design.md §3 (non-finite = infinite error).
template <class T>
double errA(T a, long double ref) {
  if (!std::isfinite(a)) return INFINITY;
  return static_cast<double>(std::fabs(static_cast<long double>(a) - ref) / (uround<T>() * std::max(1.0L, std::fabs(ref))));
}
template <class T>
double errMu(const T* m, const long double* ref, std::size_t K) {
  double w = 0;
  for (std::size_t j = 0; j < K; ++j) {
    if (!std::isfinite(m[j])) return INFINITY;
    const long double den = ref[j] >= 0x1p-1000L ? ref[j] : 0x1p-1022L;
    w = std::max(w, static_cast<double>(std::fabs(static_cast<long double>(m[j]) - ref[j]) / (den * uround<T>())));
  }
  return w;
}

struct Tally {
  std::size_t pass = 0, fail = 0;
  double maxA = 0, maxMu = 0;
  std::string worstA, worstMu;
  void add(const std::string& id, double eA, double eM) {
    if (eA <= 16 && eM <= 64) ++pass;
    else {
      ++fail;
      if (fail <= 20) std::printf("  FAIL %s err_A=%.3g err_mu=%.3g\n", id.c_str(), eA, eM);
    }
    if (!(eA <= maxA)) maxA = eA, worstA = id;
    if (!(eM <= maxMu)) maxMu = eM, worstMu = id;
  }
};

template <class T>
void corpus_group(const std::vector<const Row*>& g, std::size_t K, bool with_mu, Tally& t) {
  const std::size_t B = g.size();
  std::vector<T> Z(B * K), A(B, T(NAN)), L(B, T(NAN)), M(B * K, T(NAN));
  for (std::size_t b = 0; b < B; ++b)
    for (std::size_t j = 0; j < K; ++j) Z[b * K + j] = static_cast<T>(g[b]->z[j]);
  ccnorm::gpu::evaluate_batch<T>(Z.data(), B, K, A.data(), L.data(), with_mu ? M.data() : nullptr);
  for (std::size_t b = 0; b < B; ++b) {
    double eA = errA<T>(A[b], g[b]->A);
    if (!std::isfinite(L[b])) eA = INFINITY;
    const double eM = with_mu ? errMu<T>(M.data() + b * K, g[b]->mu.data(), K) : 0.0;
    t.add(g[b]->id + (with_mu ? "/mean" : "/value"), eA, eM);
  }
}

template <class T>
void random_vs_dd(std::size_t K, double sigma, std::size_t B, Tally& t) {
  std::mt19937_64 rng(K * 1000003 + static_cast<std::uint64_t>(sigma * 977) + sizeof(T));
  std::normal_distribution<double> nd(0, sigma);
  std::vector<T> Z(B * K);
  for (auto& x : Z) x = static_cast<T>(nd(rng));
  for (bool with_mu : {false, true}) {
    std::vector<T> A(B, T(NAN)), L(B, T(NAN)), M(B * K, T(NAN));
    ccnorm::gpu::evaluate_batch<T>(Z.data(), B, K, A.data(), L.data(), with_mu ? M.data() : nullptr);
    std::vector<double> zd(K), mref(K);
    std::vector<long double> ml(K);
    for (std::size_t b = 0; b < B; ++b) {
      for (std::size_t j = 0; j < K; ++j) zd[j] = Z[b * K + j];
      const double refA = ccnorm_host_precise(zd.data(), K, mref.data());  // double-double series
      for (std::size_t j = 0; j < K; ++j) ml[j] = mref[j];
      // auto-precise is ~1 ulp / 1 u of f64 from the truth: the goals apply with that slack.
      double eA = errA<T>(A[b], refA);
      if (!std::isfinite(L[b])) eA = INFINITY;
      const double eM = with_mu ? errMu<T>(M.data() + b * K, ml.data(), K) : 0.0;
      char id[96];
      std::snprintf(id, sizeof id, "random/%s/K%zu/s%g/row%zu/%s", std::is_same<T, float>::value ? "f32" : "f64", K, sigma, b,
                    with_mu ? "mean" : "value");
      t.add(id, eA, eM);
    }
  }
}

// ---- timing ----
__device__ __forceinline__ unsigned long long mix64(unsigned long long x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}
template <class T>
__global__ void fill_normal(T* z, std::size_t n, unsigned long long seed) {
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    const unsigned long long h1 = mix64(seed ^ (2 * i)), h2 = mix64(seed ^ (2 * i + 1));
    const double u1 = ((h1 >> 11) + 1) * 0x1p-53, u2 = (h2 >> 11) * 0x1p-53;
    z[i] = static_cast<T>(sqrt(-2.0 * log(u1)) * cospi(2.0 * u2));  // N(0, 1)
  }
}

struct Timing {
  std::string dtype;
  std::size_t K = 0, B = 0;
  bool mean = false;
  double ms = NAN, rows_per_s = NAN, gbs = NAN, pct = NAN;
  double gflops = NAN, pct_roof = NAN;  // useful flops / time; roofline max(bytes/bw, flops/peak) / time
  std::size_t escalated = 0;
  std::string note;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? NAN : v[v.size() / 2];
}

// Peak arithmetic rate of the current device in GFLOP/s (an fma = 2 flops): SMs x lanes per SM x
// 2 x the peak clock (cudaDevAttrClockRate). Lanes per SM by compute capability (CUDA C
// Programming Guide, arithmetic instructions throughput): fp32 128 (sm_90, 8.6, 8.9, 10.x, 12.x),
// 64 (sm_80, 7.x, 6.0); fp64 64 (sm_90, 10.0), 32 (sm_80, 7.0, 6.0), 2 otherwise.
double peak_gflops(bool f32) {
  int dev = 0, sms = 0, khz = 0, major = 0, minor = 0;
  CCNORM_CUDA_CHECK(cudaGetDevice(&dev));
  CCNORM_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev));
  CCNORM_CUDA_CHECK(cudaDeviceGetAttribute(&khz, cudaDevAttrClockRate, dev));
  CCNORM_CUDA_CHECK(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, dev));
  CCNORM_CUDA_CHECK(cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, dev));
  const int cc = 10 * major + minor;
  int lanes;
  if (f32) lanes = (cc == 80 || cc == 60 || (cc >= 70 && cc < 80)) ? 64 : 128;
  else lanes = (cc == 90 || cc == 100) ? 64 : (cc == 80 || cc == 70 || cc == 60) ? 32 : 2;
  return static_cast<double>(sms) * lanes * 2.0 * khz * 1e-6;
}

double mean_useful_flops(std::size_t K, bool f32, bool mean) {
  static std::map<std::tuple<std::size_t, bool, bool>, double> cache;
  auto key = std::make_tuple(K, f32, mean);
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  std::mt19937_64 rng(977 * K + 13);
  std::normal_distribution<double> nd(0, 1);
  const int rows = K >= 1000 ? 16 : 128;
  std::vector<double> z(K);
  double sum = 0;
  for (int r = 0; r < rows; ++r) {
    for (auto& x : z) x = f32 ? static_cast<double>(static_cast<float>(nd(rng))) : nd(rng);
    sum += ccnorm_useful_flops(z.data(), K, f32, mean);
  }
  return cache[key] = sum / rows;
}

template <class T>
void write_file(const std::string& path, const T* d, std::size_t n) {
  std::vector<T> h(n);
  CCNORM_CUDA_CHECK(cudaMemcpy(h.data(), d, n * sizeof(T), cudaMemcpyDeviceToHost));
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(h.data()), static_cast<std::streamsize>(n * sizeof(T)));
}

template <class T>
Timing time_one(std::size_t B, std::size_t K, bool mean, double copy_gbs, int reps, const std::string& outdir, double budget_left) {
  Timing r;
  r.dtype = std::is_same<T, float>::value ? "f32" : "f64";
  r.K = K;
  r.B = B;
  r.mean = mean;
  const std::size_t in_bytes = B * K * sizeof(T);
  const std::size_t out_bytes = B * 2 * sizeof(T) + (mean ? in_bytes : 0);
  const std::size_t nbuf = in_bytes >= (std::size_t(256) << 20) ? 1 : std::min<std::size_t>(16, ((std::size_t(256) << 20) + in_bytes - 1) / in_bytes);
  std::size_t freeb = 0, totalb = 0;
  CCNORM_CUDA_CHECK(cudaMemGetInfo(&freeb, &totalb));
  if (static_cast<double>(nbuf * in_bytes + out_bytes) > 0.6 * static_cast<double>(freeb)) {
    r.note = "skipped: memory";
    return r;
  }
  if (budget_left < 0) {
    r.note = "skipped: time budget";
    return r;
  }
  std::vector<T*> Z(nbuf, nullptr);
  T *A = nullptr, *L = nullptr, *M = nullptr;
  for (std::size_t i = 0; i < nbuf; ++i) {
    CCNORM_CUDA_CHECK(cudaMalloc(&Z[i], in_bytes));
    fill_normal<T><<<1024, 256>>>(Z[i], B * K, 12345 + 7 * i);
    CCNORM_CUDA_CHECK(cudaGetLastError());
  }
  CCNORM_CUDA_CHECK(cudaMalloc(&A, B * sizeof(T)));
  CCNORM_CUDA_CHECK(cudaMalloc(&L, B * sizeof(T)));
  if (mean) CCNORM_CUDA_CHECK(cudaMalloc(&M, in_bytes));
  cudaEvent_t e0, e1;
  CCNORM_CUDA_CHECK(cudaEventCreate(&e0));
  CCNORM_CUDA_CHECK(cudaEventCreate(&e1));
  std::vector<double> t;
  const auto t0 = Clock::now();
  int total = reps + 3;
  for (int i = 0; i < total; ++i) {
    T* z = Z[static_cast<std::size_t>(i) % nbuf];
    CCNORM_CUDA_CHECK(cudaEventRecord(e0));
    ccnorm::gpu::enqueue_device<T>(z, B, K, A, L, M);
    CCNORM_CUDA_CHECK(cudaEventRecord(e1));
    const ccnorm::gpu::Stats s = ccnorm::gpu::finish_device<T>(z, B, K, A, L, M);
    r.escalated = std::max(r.escalated, s.escalated);
    float ms = 0;
    CCNORM_CUDA_CHECK(cudaEventElapsedTime(&ms, e0, e1));
    if (i >= 3) t.push_back(ms);
    if (i == 0 && seconds_since(t0) > 1.0) {  // very slow combination: fewer repetitions
      total = std::min(total, 3 + 5);
      r.note = "5 reps only (slow)";
    }
  }
  r.ms = median(t);
  r.rows_per_s = B / (r.ms * 1e-3);
  r.gbs = static_cast<double>(in_bytes + out_bytes) / (r.ms * 1e-3) / 1e9;
  r.pct = 100.0 * r.gbs / copy_gbs;
  // compute side of the roofline: useful flops per row (mean over host rows from the same
  // distribution, N(0,1)) times B, over the dtype's peak
  const double flops = B * mean_useful_flops(K, std::is_same<T, float>::value, mean);
  r.gflops = flops / (r.ms * 1e-3) / 1e9;
  const double t_roof = std::max(static_cast<double>(in_bytes + out_bytes) / (copy_gbs * 1e9),
                                 flops / (peak_gflops(std::is_same<T, float>::value) * 1e9));
  r.pct_roof = 100.0 * t_roof / (r.ms * 1e-3);
  if (B == (std::size_t(1) << 20) && K <= 100) {  // inputs and our results for the PyTorch comparison
    const std::string stem = outdir + "/" + r.dtype + "_K" + std::to_string(K) + "_B" + std::to_string(B);
    T* z = Z[0];  // the same buffer in both modes (identical seeds), so z, A and mu belong together
    ccnorm::gpu::enqueue_device<T>(z, B, K, A, L, M);
    ccnorm::gpu::finish_device<T>(z, B, K, A, L, M);
    if (!mean) {
      write_file(stem + "_z.bin", z, B * K);
      write_file(stem + "_A.bin", A, B);
    } else {
      write_file(stem + "_mu.bin", M, B * K);
    }
  }
  CCNORM_CUDA_CHECK(cudaEventDestroy(e0));
  CCNORM_CUDA_CHECK(cudaEventDestroy(e1));
  for (T* z : Z) CCNORM_CUDA_CHECK(cudaFree(z));
  CCNORM_CUDA_CHECK(cudaFree(A));
  CCNORM_CUDA_CHECK(cudaFree(L));
  if (M) CCNORM_CUDA_CHECK(cudaFree(M));
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: device_check REPO_ROOT OUT_DIR [--quick] [--budget SECONDS]\n");
    return 2;
  }
  const std::string root = argv[1], outdir = argv[2];
  bool quick = false, host_only = false;
  double budget = 200;  // seconds for the timing part
  for (int i = 3; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--quick") quick = true;
    else if (a == "--budget" && i + 1 < argc) budget = std::atof(argv[++i]);
    else if (a == "--host-only") host_only = true;
    else {
      std::fprintf(stderr, "device_check: unknown argument '%s'\n", a.c_str());
      return 2;
    }
  }
  const auto t_start = Clock::now();
  try {
    // host-only preparation first (also run where no device exists: tests/gpu.cmake checks it)
    const auto rows = load_corpus(root + "/tests/data/hard_corpus.csv", 1000);
    std::printf("corpus: %zu rows with K <= 1000 parsed\n", rows.size());
    std::printf("useful flops per row of N(0,1) inputs (host-counted series degrees; bytes = input + outputs):\n");
    for (std::size_t K : {3, 10, 100, 1000})
      for (int f32 = 1; f32 >= 0; --f32)
        for (bool mean : {false, true})
          std::printf("  %s K=%-5zu %-10s %10.0f flops %6zu bytes\n", f32 ? "f32" : "f64", K, mean ? "value+mean" : "value",
                      mean_useful_flops(K, f32 == 1, mean), (K * (mean ? 2 : 1) + 2) * (f32 ? 4 : 8));
    if (rows.empty()) throw std::runtime_error("no corpus rows with K <= 1000");
    if (host_only) return 0;
    if (!ccnorm::gpu::available()) {
      std::printf("no CUDA device (%s): accuracy and timing not run\n", ccnorm::gpu::unavailable_reason().c_str());
      return 3;
    }
    std::printf("device: %s\n", ccnorm::gpu::device_name().c_str());
    // (a) accuracy
    std::map<std::pair<std::string, std::size_t>, std::vector<const Row*>> groups;
    for (const auto& r : rows) groups[{r.dtype, r.K}].push_back(&r);
    Tally corpus;
    for (bool with_mu : {false, true})
      for (const auto& [key, g] : groups) {
        if (key.first == "f32") corpus_group<float>(g, key.second, with_mu, corpus);
        else corpus_group<double>(g, key.second, with_mu, corpus);
      }
    std::printf("corpus (%zu rows x {value, value+mean}, K <= 1000): %zu passed, %zu failed; max err_A %.3g (%s), max err_mu %.3g (%s)\n",
                rows.size(), corpus.pass, corpus.fail, corpus.maxA, corpus.worstA.c_str(), corpus.maxMu, corpus.worstMu.c_str());
    Tally rnd;
    for (std::size_t K : {1, 3, 10, 33, 100, 1000})
      for (double sigma : {0.1, 1.0, 10.0, 50.0}) {
        const std::size_t B = K >= 1000 ? 37 : 1001;
        random_vs_dd<float>(K, sigma, B, rnd);
        random_vs_dd<double>(K, sigma, B, rnd);
      }
    std::printf("random rows vs host double-double: %zu passed, %zu failed; max err_A %.3g (%s), max err_mu %.3g (%s)\n", rnd.pass,
                rnd.fail, rnd.maxA, rnd.worstA.c_str(), rnd.maxMu, rnd.worstMu.c_str());
    std::printf("accuracy part: %.1f s\n", seconds_since(t_start));
    std::fflush(stdout);
    // (b) timing
    const double bw = ccnorm::gpu::copy_bandwidth_gbs();
    std::printf("device-to-device copy bandwidth: %.1f GB/s (read + write)\n", bw);
    const auto t_time = Clock::now();
    // written row by row (flushed), so a run stopped by the script's timeout keeps what it finished
    std::ofstream csv(outdir + "/timing.csv");
    csv << "dtype,K,B,mode,ms,rows_per_s,GBps,pct_copy,escalated,note,GFLOPs,pct_roofline\n" << std::flush;
    {
      std::ofstream info(outdir + "/device.txt");
      info << ccnorm::gpu::device_name() << "\ncopy_GBps " << bw << "\npeak_GFLOPs_f32 " << peak_gflops(true)
           << "\npeak_GFLOPs_f64 " << peak_gflops(false) << "\n";
    }
    std::printf("peak arithmetic (from SMs x lanes x clock): f32 %.0f GFLOP/s, f64 %.0f GFLOP/s\n", peak_gflops(true),
                peak_gflops(false));
    // largest batch first: the GPU goals are stated at B = 2^22 and must not be the ones a
    // spent budget skips
    const std::vector<std::size_t> Bs = quick ? std::vector<std::size_t>{1u << 20, 1u << 16}
                                              : std::vector<std::size_t>{1u << 22, 1u << 20, 1u << 16};
    for (std::size_t B : Bs)
      for (std::size_t K : {3, 10, 100, 1000})
        for (int dt = 0; dt < 2; ++dt)
          for (bool mean : {false, true}) {
            const double left = budget - seconds_since(t_time);
            Timing r = dt == 0 ? time_one<float>(B, K, mean, bw, 20, outdir, left) : time_one<double>(B, K, mean, bw, 20, outdir, left);
            std::printf("%s K=%-5zu B=2^%-2d %-10s %9.4f ms %12.4g rows/s %8.1f GB/s %6.1f%% copy %9.1f GFLOP/s %6.1f%% roofline esc=%zu %s\n",
                        r.dtype.c_str(), K, static_cast<int>(std::log2(static_cast<double>(B))), mean ? "value+mean" : "value",
                        r.ms, r.rows_per_s, r.gbs, r.pct, r.gflops, r.pct_roof, r.escalated, r.note.c_str());
            std::fflush(stdout);
            csv << r.dtype << ',' << r.K << ',' << r.B << ',' << (r.mean ? "value+mean" : "value") << ',' << r.ms << ','
                << r.rows_per_s << ',' << r.gbs << ',' << r.pct << ',' << r.escalated << ',' << r.note << ',' << r.gflops << ','
                << r.pct_roof << '\n' << std::flush;
          }
    std::printf("total: %.1f s\n", seconds_since(t_start));
    return (corpus.fail == 0 && rnd.fail == 0) ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "device_check: %s\n", e.what());
    return 2;
  }
}
