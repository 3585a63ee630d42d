// ccnorm: one row and many rows through any registered algorithm, with a status per row.
//
//   Out<T> evaluate<T>(Algo, z, K, mu)        one row; may throw (an algorithm's size limit,
//                                             std::bad_alloc); Out::status says ok or
//                                             outside_domain
//   RowStatus evaluate_row<T>(Algo, z, K, A, logC, mu)          one row, never throws
//   BatchSummary evaluate_batch<T>(Algo, Z, B, K, A, logC, mu, threads, status)
//                                             B rows of K logits, row-major; all cores
//                                             (normalizer/row_pool.hpp)
//
// Per-row status (RowStatus, normalizer/common.hpp):
//   ok              evaluated inside the algorithm's accuracy domain
//   invalid_input   K = 0 or a NaN/inf entry; the row's outputs are NaN; the algorithm is not run
//   outside_domain  finite outputs outside the domain where the accuracy goal holds (auto's
//                   out-of-domain fallback)
//   failed          the algorithm threw for this row (a size limit such as sorted-difference's
//                   mean above K = 8192, or memory); the row's outputs are NaN
// A bad or failing row never stops the others, and no exception leaves a parallel region.
//
// Thread safety: every algorithm keeps its scratch space in thread_local storage, so evaluate()
// and evaluate_row() may be called from any number of threads at once, and evaluate_batch() may
// be called concurrently from several threads (one call at a time gets the worker pool; a call
// made while another runs, or from inside a batch, runs its rows on its own thread). threads <= 0:
// omp_get_max_threads() (OMP_NUM_THREADS) where OpenMP is available, else the hardware threads.
// Output arrays of concurrent calls must not overlap.
#pragma once
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <functional>
#include <limits>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>

#include "normalizer/common.hpp"
#include "normalizer/distribution.hpp"
#include "normalizer/registry.hpp"
#include "normalizer/sample.hpp"
#if defined(CCNORM_HAVE_LANES)
#include "normalizer/lanes/auto_lanes.hpp"
#endif

#include "normalizer/row_pool.hpp"
#if defined(_OPENMP)
#include <omp.h>
#endif

namespace ccnorm {

template <class T>
Out<T> evaluate(Algo a, const T* z, std::size_t K, T* mu) {
  const AlgoInfo& i = info(a);
  const EntryPoint<T> f = i.template entry<T>();
  if (f == nullptr)
    throw std::invalid_argument(std::string(i.name) +
                                " has no one-row entry point (batched CUDA path: normalizer/cuda/gpu.hpp)");
  return f(z, K, mu);
}

// Is z a valid row (K >= 1, every entry finite)?
template <class T>
bool valid_row(const T* z, std::size_t K) {
  if (K == 0) return false;
  for (std::size_t j = 0; j < K; ++j)
    if (!std::isfinite(z[j])) return false;
  return true;
}

// One row, never throws: writes A (and logC, mu when not null) and returns the row's status.
template <class T>
RowStatus evaluate_row(Algo a, const T* z, std::size_t K, T& A, T* logC, T* mu) noexcept {
  const T nan = std::numeric_limits<T>::quiet_NaN();
  auto poison = [&] {
    A = nan;
    if (logC) *logC = nan;
    if (mu)
      for (std::size_t j = 0; j < K; ++j) mu[j] = nan;
  };
  if (!valid_row(z, K)) {
    poison();
    return RowStatus::invalid_input;
  }
  try {
    const Out<T> o = evaluate<T>(a, z, K, mu);
    A = o.A;
    if (logC) *logC = o.logC;
    return o.status;
  } catch (...) {  // std::exception or anything else: this row failed, the others go on
    poison();
    return RowStatus::failed;
  }
}

struct BatchSummary {
  std::size_t rows = 0, ok = 0, invalid_input = 0, outside_domain = 0, failed = 0;
  bool all_ok() const { return ok == rows; }
  void count(RowStatus s) {
    ++rows;
    switch (s) {
      case RowStatus::ok: ++ok; break;
      case RowStatus::invalid_input: ++invalid_input; break;
      case RowStatus::outside_domain: ++outside_domain; break;
      case RowStatus::failed: ++failed; break;
    }
  }
};

inline const char* status_name(RowStatus s) {
  switch (s) {
    case RowStatus::ok: return "ok";
    case RowStatus::invalid_input: return "invalid input";
    case RowStatus::outside_domain: return "outside the accuracy domain";
    case RowStatus::failed: return "failed";
  }
  return "?";
}

// The thread count of threads <= 0: OpenMP's (OMP_NUM_THREADS) or the hardware's.
inline int default_threads() {
#if defined(_OPENMP)
  return omp_get_max_threads();
#else
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
#endif
}

// Run f(b) -> RowStatus for b = 0..B-1 on `threads` threads (<= 0: default_threads()) of the row
// pool (normalizer/row_pool.hpp); an exception from f marks that row `failed` (f must then leave
// the row's outputs as NaN or overwrite them: for_each_row calls on_fail(b) to poison them).
// status: nullptr or B entries. Chunks of up to 16 rows, at least 8 chunks per thread.
template <class F, class P>
BatchSummary for_each_row(std::size_t B, int threads, RowStatus* status, F&& f, P&& on_fail) {
  std::atomic<std::size_t> counts[4] = {0, 0, 0, 0};
  const int nt = threads > 0 ? threads : default_threads();
  const std::size_t chunk = std::clamp<std::size_t>(B / (8 * static_cast<std::size_t>(nt)), 1, 16);
  const std::function<void(std::size_t, std::size_t)> task = [&](std::size_t first, std::size_t last) {
    std::size_t local[4] = {0, 0, 0, 0};
    for (std::size_t b = first; b < last; ++b) {
      RowStatus s;
      try {
        s = f(b);
      } catch (...) {
        on_fail(b);
        s = RowStatus::failed;
      }
      if (status) status[b] = s;
      ++local[static_cast<int>(s)];
    }
    for (int i = 0; i < 4; ++i) counts[i].fetch_add(local[i], std::memory_order_relaxed);
  };
  RowPool::instance().run(B, nt, chunk, task);
  BatchSummary sum;
  sum.rows = B;
  sum.ok = counts[0].load();
  sum.invalid_input = counts[1].load();
  sum.outside_domain = counts[2].load();
  sum.failed = counts[3].load();
  return sum;
}

// Batched: rows of K logits stored row-major in Z (B rows). A: B entries; logC: B entries or
// nullptr; mu: nullptr or B*K entries (row-major); status: nullptr or B entries.
// threads <= 0: all cores (OpenMP). Returns the counts of each status.
// Every row through evaluate_row (the scalar kernels), in parallel over rows.
template <class T>
BatchSummary evaluate_batch_rows(Algo a, const T* Z, std::size_t B, std::size_t K, T* A, T* logC, T* mu,
                                 int threads = 0, RowStatus* status = nullptr) {
  return for_each_row(
      B, threads, status,
      [&](std::size_t b) { return evaluate_row<T>(a, Z + b * K, K, A[b], logC ? logC + b : nullptr, mu ? mu + b * K : nullptr); },
      [](std::size_t) {});  // evaluate_row never throws
}

// The batch entry point: as evaluate_batch_rows, except that with ccnorm::lanes linked
// (CCNORM_HAVE_LANES) auto's rows run across SIMD lanes (normalizer/lanes/auto_lanes.hpp), with
// bitwise the same outputs.
template <class T>
BatchSummary evaluate_batch(Algo a, const T* Z, std::size_t B, std::size_t K, T* A, T* logC, T* mu, int threads = 0,
                            RowStatus* status = nullptr) {
#if defined(CCNORM_HAVE_LANES)
  if (a == Algo::auto_) return lanes::auto_batch<T>(Z, B, K, A, logC, mu, threads, status);
#endif
  return evaluate_batch_rows<T>(a, Z, B, K, A, logC, mu, threads, status);
}

// ---- the rest of the distribution, batched (rows of K logits, row-major; same status rules) ----

// Cov of every row: B x K x K.
template <class T>
BatchSummary covariance_batch(const T* Z, std::size_t B, std::size_t K, T* cov, int threads = 0, RowStatus* status = nullptr) {
  const T nan = std::numeric_limits<T>::quiet_NaN();
  return for_each_row(
      B, threads, status, [&](std::size_t b) { return covariance<T>(Z + b * K, K, cov + b * K * K); },
      [&](std::size_t b) { std::fill(cov + b * K * K, cov + (b + 1) * K * K, nan); });
}
// Cov v for every row (V: B x K, out: B x K).
template <class T>
BatchSummary hvp_batch(const T* Z, const T* V, std::size_t B, std::size_t K, T* out, int threads = 0,
                       RowStatus* status = nullptr) {
  const T nan = std::numeric_limits<T>::quiet_NaN();
  return for_each_row(
      B, threads, status, [&](std::size_t b) { return hvp<T>(Z + b * K, K, V + b * K, out + b * K); },
      [&](std::size_t b) { std::fill(out + b * K, out + (b + 1) * K, nan); });
}
// Var(x_i) of every row (B x K).
template <class T>
BatchSummary variances_batch(const T* Z, std::size_t B, std::size_t K, T* var, int threads = 0, RowStatus* status = nullptr) {
  const T nan = std::numeric_limits<T>::quiet_NaN();
  return for_each_row(
      B, threads, status, [&](std::size_t b) { return variances<T>(Z + b * K, K, var + b * K); },
      [&](std::size_t b) { std::fill(var + b * K, var + (b + 1) * K, nan); });
}
// Entropy of every row (B).
template <class T>
BatchSummary entropy_batch(const T* Z, std::size_t B, std::size_t K, T* H, int threads = 0, RowStatus* status = nullptr) {
  return for_each_row(
      B, threads, status,
      [&](std::size_t b) {
        RowStatus s;
        H[b] = entropy<T>(Z + b * K, K, &s);
        return s;
      },
      [&](std::size_t b) { H[b] = std::numeric_limits<T>::quiet_NaN(); });
}
// KL(p_b || q_b) for every pair of rows (ZP, ZQ: B x K).
template <class T>
BatchSummary kl_batch(const T* ZP, const T* ZQ, std::size_t B, std::size_t K, T* kl, int threads = 0,
                      RowStatus* status = nullptr) {
  return for_each_row(
      B, threads, status,
      [&](std::size_t b) {
        RowStatus s;
        kl[b] = kl_divergence<T>(ZP + b * K, ZQ + b * K, K, &s);
        return s;
      },
      [&](std::size_t b) { kl[b] = std::numeric_limits<T>::quiet_NaN(); });
}
// n samples of every row: out is n x B x K (sample index outermost, the shape (n, ..., K) of
// docs/design.md §4); row b uses the stream (seed, b), so the draws do not depend on the thread
// count or on the other rows.
template <class T>
BatchSummary sample_batch(const T* Z, std::size_t B, std::size_t K, std::size_t n, std::uint64_t seed, T* out,
                          int threads = 0, RowStatus* status = nullptr) {
  const T nan = std::numeric_limits<T>::quiet_NaN();
  auto poison = [&](std::size_t b) {
    for (std::size_t i = 0; i < n; ++i) std::fill(out + (i * B + b) * K, out + (i * B + b + 1) * K, nan);
  };
  return for_each_row(
      B, threads, status,
      [&](std::size_t b) {
        if (!valid_row(Z + b * K, K)) {
          poison(b);
          return RowStatus::invalid_input;
        }
        const CCSampler s(Z + b * K, K);
        Rng g(seed, b);
        for (std::size_t i = 0; i < n; ++i) s.draw(g, out + (i * B + b) * K);
        return RowStatus::ok;
      },
      poison);
}

}  // namespace ccnorm
