// ccnorm sweep: the driver (see sweep.hpp).
#include "bench/sweep/sweep.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <unordered_set>

#include "bench/progress.hpp"
#include "io/format.hpp"
#include "io/stream.hpp"
#include "normalizer/naive_moments.hpp"

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace ccnorm::sweep {

std::vector<Algo> all_algos() {
  std::vector<Algo> a;
  for (const auto& i : algorithms())
    if (i.host()) a.push_back(i.id);
  return a;
}

std::vector<Input> enumerate_inputs(const Config& c) {
  std::vector<Input> v;
  std::size_t idx = 0;
  for (const auto& f : c.families)
    for (std::size_t K : c.Ks)
      for (double s : c.sigmas)
        for (std::uint32_t r = 0; r < c.seeds; ++r, ++idx)
          if (idx % c.shard_n == c.shard_i) v.push_back({f, K, s, c.seed + r});
  return v;
}

namespace {

// Rough cost of one input (reference O(K N) with N ~ spread + 20, O(K^2) baselines; with the
// distribution columns about 4x the references and O(K^3) for the naive covariance).
double input_cost(const Input& in, std::size_t dist_max_K) {
  const double K = static_cast<double>(in.K);
  const double base = K * (30.0 + 8.0 * in.sigma) + 1e-2 * K * K;
  if (in.K > dist_max_K) return base;
  return 4 * base + (in.K <= kDistFullK ? 1e-2 * K * K * K * K : 1e-1 * K * K * K) * (in.K <= kDistCovMaxKNaive ? 1 : 0.01);
}

void check(const Config& c) {
  if (c.shard_n == 0 || c.shard_i >= c.shard_n) throw std::invalid_argument("--shard i/n needs 0 <= i < n");
  if (c.algos.empty() || c.dtypes.empty() || c.families.empty() || c.Ks.empty() || c.sigmas.empty() || c.seeds == 0)
    throw std::invalid_argument("empty sweep configuration");
  for (const auto& d : c.dtypes)
    if (d != "f64" && d != "f32") throw std::invalid_argument("dtype must be f64 or f32: " + d);
  for (const auto& f : c.families) (void)family_tag(f);
  for (auto K : c.Ks)
    if (K == 0) throw std::invalid_argument("K must be >= 1");
  for (double s : c.sigmas)
    if (!(s >= 0) || !std::isfinite(s)) throw std::invalid_argument("sigma must be finite and >= 0");
}

std::string key_of(const Input& in, const std::string& algo, const std::string& dtype) {
  return in.family + ',' + std::to_string(in.K) + ',' + io::format_g(in.sigma) + ',' + std::to_string(in.seed) + ',' +
         algo + ',' + dtype;
}

}  // namespace

Summary run_sweep(const Config& c) {
  check(c);
  Summary sum;
  const auto inputs = enumerate_inputs(c);
  sum.inputs_total = inputs.size();

  // one sweep per output at a time, and every file it will write checked before any work
  const OutputLock lock(c.out, c.wait_lock);
  check_writable(c.out);
  LoadResult lr = load_csv(c.out);
  if (lr.existed && lr.valid_bytes > 0 && lr.schema != kSchema)
    throw std::runtime_error(c.out + " has the schema-1 sweep header '" + std::string(kHeaderV1) +
                             "' (written before the distribution columns err_H,err_var,err_cov,err_kl); this sweep "
                             "writes schema 2 and cannot resume it: remove the file or choose another --out");
  if (lr.dropped_partial) {
    sum.dropped_partial = true;
    if (::truncate(c.out.c_str(), static_cast<off_t>(lr.valid_bytes)) != 0)
      throw io::io_error("cannot truncate the partial last line of " + c.out + ": " + std::strerror(errno));
    if (!c.quiet) std::fprintf(stderr, "sweep: dropped a partial last line of %s (interrupted run)\n", c.out.c_str());
  }
  std::unordered_set<std::string> done;
  for (const auto& r : lr.rows) done.insert(r.key());

  std::vector<Input> todo;
  for (const auto& in : inputs) {
    bool all = true;
    for (const auto& d : c.dtypes)
      for (Algo a : c.algos) all = all && done.count(key_of(in, algo_name(a), d));
    if (all) ++sum.inputs_done_before;
    else todo.push_back(in);
  }
  std::stable_sort(todo.begin(), todo.end(),
                   [&](const Input& a, const Input& b) { return input_cost(a, c.dist_max_K) > input_cost(b, c.dist_max_K); });

  std::FILE* f = std::fopen(c.out.c_str(), "ab");
  if (!f) throw io::io_error("cannot open " + c.out + " for appending: " + std::strerror(errno));
  if (lr.valid_bytes == 0 && (std::fprintf(f, "%s\n", kHeader) < 0 || std::fflush(f) != 0)) {
    const int e = errno;
    std::fclose(f);
    throw io::io_error("error writing " + c.out + ": " + std::strerror(e));
  }
  int write_errno = 0;
  double total = 0;
  for (const auto& in : todo) total += input_cost(in, c.dist_max_K);
  bench::Progress bar(total, c.progress && !c.quiet, "sweep");
  std::mutex wm;
  auto last_sync = std::chrono::steady_clock::now();
  std::atomic<std::size_t> finished{0}, failures{0}, written{0};
  std::atomic<bool> stop{false}, write_error{false};

#if defined(_OPENMP)
  const int nt = c.threads > 0 ? c.threads : omp_get_max_threads();
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
#endif
  for (std::ptrdiff_t t = 0; t < static_cast<std::ptrdiff_t>(todo.size()); ++t) {
    if (stop.load()) continue;
    const Input& in = todo[t];
    std::string block;
    std::size_t nrows = 0;
    try {
      const std::vector<double> z = generate(in.family, in.K, in.sigma, in.seed);
      RefMP r64;
      bool have64 = false;
      auto ref64 = [&]() -> const RefMP& {
        if (!have64) {
          r64 = reference(z, true);
          have64 = true;
        }
        return r64;
      };
      DistRef d64;  // the distribution references of z (kl: of the f64 pair)
      bool haved64 = false;
      auto dref64 = [&]() -> const DistRef& {
        if (!haved64) {
          d64 = dist_reference(z);
          haved64 = true;
        }
        return d64;
      };
      for (const auto& d : c.dtypes) {
        std::vector<Algo> need;
        for (Algo a : c.algos)
          if (!done.count(key_of(in, algo_name(a), d))) need.push_back(a);
        if (need.empty()) continue;
        Row row;
        row.family = in.family;
        row.K = in.K;
        row.sigma = io::format_g(in.sigma);
        row.seed = in.seed;
        row.dtype = d;
        const bool dist = in.K <= c.dist_max_K;
        // one row per algorithm for input zz (float or double) against references r, dr (dist)
        auto emit = [&]<class T>(const std::vector<T>& zz, const RefMP& r, const DistRef* dr, const std::vector<T>& q) {
          row.hash = hex64(hash_input(zz));
          for (Algo a : need) {
            const Errors e = measure<T>(a, zz, r, true);
            row.algo = algo_name(a);
            row.err_A = e.err_A;
            row.err_mu = e.err_mu;
            row.ulps_A = e.ulps_A;
            if (dr) {
              const bool with_cov = !naive::uses_naive(a) || in.K <= c.dist_cov_max_K_naive;
              const DistErrors de = measure_dist<T>(a, zz, q, *dr, with_cov);
              row.err_H = de.H, row.err_var = de.var, row.err_cov = de.cov, row.err_kl = de.kl;
            }
            block += row.line() + '\n';
            ++nrows;
          }
        };
        if (d == "f64") {
          const std::vector<double> q = dist ? kl_partner(z) : std::vector<double>{};
          if (dist) {
            dref64();
            d64.kl = kl_reference(z, q);
          }
          emit(z, ref64(), dist ? &d64 : nullptr, q);
        } else {
          const std::vector<float> zf = as<float>(z);
          const std::vector<double> zw = as<double>(zf);
          const std::vector<float> qf = dist ? kl_partner(zf) : std::vector<float>{};
          DistRef d32;
          if (dist) {
            d32 = zw == z ? dref64() : dist_reference(zw);
            d32.kl = kl_reference(zw, as<double>(qf));
          }
          // the reference of the rounded input (shared with f64 when rounding changed nothing)
          if (zw == z) emit(zf, ref64(), dist ? &d32 : nullptr, qf);
          else emit(zf, reference(zw, true), dist ? &d32 : nullptr, qf);
        }
      }
    } catch (const std::exception& ex) {
      ++failures;
      std::lock_guard<std::mutex> l(wm);
      std::fprintf(stderr, "\nsweep: %s K=%zu sigma=%g seed=%u failed: %s\n", in.family.c_str(), in.K, in.sigma,
                   in.seed, ex.what());
      continue;
    }
    {
      std::lock_guard<std::mutex> l(wm);
      if (!stop.load()) {
        errno = 0;
        if (std::fwrite(block.data(), 1, block.size(), f) != block.size() || std::fflush(f) != 0) {
          write_errno = errno ? errno : EIO;
          write_error = true;
          stop = true;
          continue;
        }
        const auto now = std::chrono::steady_clock::now();
        if (std::chrono::duration<double>(now - last_sync).count() > 1.0) {
          ::fsync(fileno(f));
          last_sync = now;
        }
        written += nrows;
        const std::size_t k = ++finished;
        if (c.stop_after && k >= c.stop_after) stop = true;
      }
    }
    bar.add(input_cost(in, c.dist_max_K), 1);
  }
  errno = 0;
  bool closed_ok = std::fflush(f) == 0;
  closed_ok = ::fsync(fileno(f)) == 0 && closed_ok;
  if (!closed_ok && !write_errno) write_errno = errno ? errno : EIO;
  closed_ok = std::fclose(f) == 0 && closed_ok;
  bar.finish();
  if (write_error || !closed_ok)
    throw io::io_error("error writing " + c.out + ": " + std::strerror(write_errno ? write_errno : EIO));
  sum.inputs_run = finished;
  sum.rows_written = written;
  sum.failures = failures;
  sum.complete = !stop.load() && failures == 0;
  if (sum.complete) {
    // the canonical rewrite keeps every row in the file (rows another writer might have appended
    // included): it rereads the file under the lock, and rereads again if it grew meanwhile
    LoadResult all;
    for (int attempt = 0;; ++attempt) {
      struct stat before {};
      if (::stat(c.out.c_str(), &before) != 0) throw io::io_error("cannot stat " + c.out + ": " + std::strerror(errno));
      all = load_csv(c.out);
      struct stat after {};
      if (::stat(c.out.c_str(), &after) == 0 && after.st_size == before.st_size && !all.dropped_partial) break;
      if (attempt == 20) throw io::io_error(c.out + " keeps changing during the final rewrite (another writer?)");
    }
    write_sorted(c.out, all.rows);
    if (write_worst(worst_path(c.out), all.rows) && !c.quiet)
      std::fprintf(stderr, "sweep: warning: some worst inputs could not be regenerated (generator mismatch)\n");
  }
  return sum;
}

}  // namespace ccnorm::sweep
