// ccnorm bench: the accuracy of the timed inputs (docs/design.md §3 measures): err_A against the
// certified reference where it is cheap, otherwise against auto-precise; err_mean against
// auto-precise's mean.
#include <algorithm>
#include <limits>

#include "bench/bench_internal.hpp"
#include "measures/mpfr.hpp"
#include "normalizer/normalizer.hpp"
#if defined(CCNORM_HAVE_CUDA)
#include "normalizer/cuda/gpu.hpp"
#endif

namespace ccnorm::bench {

bool RefCache::certify(std::size_t K, double sigma) {
  return K <= 1000 && static_cast<double>(K) * (spread_estimate(K, sigma) + 40) <= 4e5;
}

std::size_t RefCache::rows_for(std::size_t K, double sigma, int acc_rows) {
  const double c = cost_ns("auto-precise", K, sigma, true);
  std::size_t n = static_cast<std::size_t>(std::max(1.0, std::min<double>(acc_rows, 1.5e9 / c)));
  if (certify(K, sigma)) n = std::min<std::size_t>(n, 8);
  return n;
}

const RefRow& RefCache::get(bool f32, std::size_t K, double sigma, std::size_t r, bool want_mu) {
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

std::vector<double> RefCache::row_d(bool f32, std::size_t K, double sigma, std::size_t r) {
  if (f32) {
    const auto& p = pools_.f32(K, sigma);
    return std::vector<double>(p.begin() + r * K, p.begin() + (r + 1) * K);
  }
  const auto& p = pools_.f64(K, sigma);
  return std::vector<double>(p.begin() + r * K, p.begin() + (r + 1) * K);
}

namespace {

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
Accuracy accuracy_in(const Case& c, Pools& pools, RefCache& refs, int acc_rows) {
  Accuracy acc;
  const std::vector<T>& pool = pools.get<T>(c.K, c.sigma);
  const std::size_t n = RefCache::rows_for(c.K, c.sigma, acc_rows);
  const double u = measures::unit_roundoff<T>();
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
      e = measures::err_value(Ahat, rr.A, u);
    } else {
      e = measures::err_value(Ahat, rr.Ap, u);
    }
    acc.max_err_A = std::max(acc.max_err_A, e);
    if (c.grad) {
      const double em = threw ? measures::kFailed : measures::err_mean(mu, c.K, rr.mu.data(), u);
      acc.max_err_mean = std::max(acc.max_err_mean, em);
    }
  }
  acc.rows = n;
  acc.ref = cert_all ? "certified" : "auto-precise (not certified)";
  return acc;
}

}  // namespace

Accuracy accuracy_of(const Case& c, Pools& pools, RefCache& refs, int acc_rows) {
  return c.f32 ? accuracy_in<float>(c, pools, refs, acc_rows) : accuracy_in<double>(c, pools, refs, acc_rows);
}

}  // namespace ccnorm::bench
