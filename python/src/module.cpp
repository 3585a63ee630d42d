// ccnorm._core: the C++ library behind `import ccnorm` (docs/design.md §4.10).
//
// Arrays cross by the buffer protocol. Every function here takes C-contiguous 2-D (B, K) arrays of
// float32 or float64 (one overload per dtype, no conversion: the Python layer, ccnorm/__init__.py,
// applies the dtype rules and reshapes (..., K) to (B, K) without copying when it can), so a NumPy
// array or the .numpy() view of a CPU torch tensor is read in place. Outputs are allocated here as
// NumPy arrays. No torch header is included.
//
// Threads: the batched calls release the GIL and run the C++ batch functions of
// normalizer/batch.hpp (OpenMP over rows). `threads` <= 0 means the module default (set_threads;
// initially OMP_NUM_THREADS or every core); the team is capped at one thread per 16 rows (the
// batch schedule's chunk) and per 2048 logits of evaluate-sized work (~100 us), so that small batches
// neither wait for woken threads nor, on a busy machine, for descheduled ones (a 2-thread team
// took 8 ms instead of 60 us for 64 x 10 rows on a 2-core machine under load 7).
//
// Row status (normalizer/common.hpp RowStatus) -> Python:
//   invalid_input   ValueError "row b: <reason>" (b = flat row index; the reason of
//                   normalizer/params.hpp: "field F: NaN is not a valid logit", "empty row (K = 0)")
//   failed          ValueError "row b: <algorithm> failed: <what the C++ threw>" (the row is rerun
//                   alone to recover the message)
//   outside_domain  finite values; an OutsideDomainWarning names the first such row
// A non-finite value from an algorithm that reported ok (the baselines' documented failures,
// docs/design.md §2.2-2.4) raises a NonFiniteResultWarning. Nothing comes back NaN silently.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include <mpfr.h>

#include "normalizer/normalizer.hpp"
#include "reference/reference.hpp"

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace py = pybind11;

// validate_binding.cpp
void ccnorm_py_bind_validate(py::module_& m);

namespace {

using ccnorm::BatchSummary;
using ccnorm::RowStatus;

std::atomic<int> g_threads{1};  // module default team size (set at import; set_threads)

PyObject* g_outside_domain_warning = nullptr;
PyObject* g_nonfinite_warning = nullptr;

template <class T>
using Arr = py::array_t<T, py::array::c_style>;

struct Shape {
  std::size_t B, K;
};

template <class T>
Shape rows_of(const Arr<T>& a, const char* name) {
  if (a.ndim() != 2) throw py::value_error(std::string(name) + ": expected a 2-D (rows, K) array");
  return {static_cast<std::size_t>(a.shape(0)), static_cast<std::size_t>(a.shape(1))};
}

// weight: cost per logit relative to evaluate's value + mean (covariance ~K, KL ~50, sampling ~n/4)
int team(int threads, std::size_t B, std::size_t K, double weight = 1.0) {
  int nt = threads > 0 ? threads : g_threads.load();
  const double work = static_cast<double>(B) * static_cast<double>(std::max<std::size_t>(K, 1)) * weight;
  const std::size_t chunks = std::min<std::size_t>((B + 15) / 16, static_cast<std::size_t>(std::ceil(work / 2048.0)));
  if (chunks < static_cast<std::size_t>(nt)) nt = static_cast<int>(std::max<std::size_t>(1, chunks));
  return std::max(1, nt);
}

void warn(PyObject* category, const std::string& msg, int stacklevel) {
  if (PyErr_WarnEx(category, msg.c_str(), std::max(1, stacklevel)) < 0) throw py::error_already_set();
}

// The reason a row of logits is invalid (the text of normalizer/params.hpp).
template <class T>
std::string logits_reason(const T* z, std::size_t K) {
  std::vector<T> tmp;
  std::string why = ccnorm::to_logits(ccnorm::Param::logits, z, K, tmp);
  return why.empty() ? std::string("invalid row") : why;
}

// Raise for the first invalid or failed row, warn for outside-domain rows.
//   why(b, status) -> the reason of row b
template <class Why>
void check(const std::vector<RowStatus>& st, const BatchSummary& sum, Why&& why, int stacklevel) {
  const std::size_t bad = sum.invalid_input + sum.failed;
  if (bad > 0) {
    std::size_t b = 0;
    while (b < st.size() && (st[b] == RowStatus::ok || st[b] == RowStatus::outside_domain)) ++b;
    std::string msg = "row " + std::to_string(b) + ": " + why(b, st[b]);
    if (bad > 1) msg += " (" + std::to_string(bad - 1) + " more rejected row" + (bad > 2 ? "s" : "") + ")";
    throw py::value_error(msg);
  }
  if (sum.outside_domain > 0) {
    std::size_t b = 0;
    while (b < st.size() && st[b] != RowStatus::outside_domain) ++b;
    warn(g_outside_domain_warning,
         std::to_string(sum.outside_domain) + " row(s) outside the accuracy domain (first: row " + std::to_string(b) +
             "): the spread max z - min z exceeds the series limit 2^22; the values are finite asymptotic estimates "
             "with no accuracy goal (docs/design.md §2.6)",
         stacklevel);
  }
}

template <class T>
void warn_nonfinite(const char* algo, const T* A, const T* mu, std::size_t B, std::size_t K, int stacklevel) {
  std::size_t n = 0, first = 0;
  for (std::size_t b = 0; b < B; ++b) {
    bool bad = !std::isfinite(A[b]);
    if (mu && !bad)
      for (std::size_t j = 0; j < K && !bad; ++j) bad = !std::isfinite(mu[b * K + j]);
    if (bad && n++ == 0) first = b;
  }
  if (n)
    warn(g_nonfinite_warning,
         std::string("algo '") + algo + "' returned non-finite values for " + std::to_string(n) + " row(s) (first: row " +
             std::to_string(first) + "); the baselines fail this way by design (docs/design.md §2.2-2.4): use algo='auto'",
         stacklevel);
}

const ccnorm::AlgoInfo& host_algo(const std::string& name) {
  const ccnorm::AlgoInfo* i = ccnorm::find_algorithm(name);
  if (i == nullptr || !i->host())
    throw py::value_error("unknown algo '" + name + "'" + (i ? " (the GPU path is not available from Python)" : "") +
                          "; the algorithms are: " + ccnorm::algorithm_list());
  return *i;
}

// ---- A, log C, mean ----
template <class T>
py::tuple evaluate(Arr<T> Z, const std::string& algo, bool want_logC, bool want_mu, int threads, int stacklevel) {
  const auto [B, K] = rows_of(Z, "z");
  const ccnorm::AlgoInfo& ai = host_algo(algo);
  py::array_t<T> A(static_cast<py::ssize_t>(B));
  py::object logC = py::none(), mu = py::none();
  T* pL = nullptr;
  T* pM = nullptr;
  if (want_logC) {
    py::array_t<T> l(static_cast<py::ssize_t>(B));
    pL = l.mutable_data();
    logC = l;
  }
  if (want_mu) {
    py::array_t<T> m({static_cast<py::ssize_t>(B), static_cast<py::ssize_t>(K)});
    pM = m.mutable_data();
    mu = m;
  }
  std::vector<RowStatus> st(B);
  const T* z = Z.data();
  T* pA = A.mutable_data();
  BatchSummary sum;
  {
    py::gil_scoped_release nogil;
    sum = ccnorm::evaluate_batch<T>(ai.id, z, B, K, pA, pL, pM, team(threads, B, K), st.data());
  }
  check(
      st, sum,
      [&](std::size_t b, RowStatus s) -> std::string {
        if (s == RowStatus::invalid_input) return logits_reason(z + b * K, K);
        std::vector<T> tmp(K);
        try {
          ccnorm::evaluate<T>(ai.id, z + b * K, K, want_mu ? tmp.data() : nullptr);
        } catch (const std::exception& e) {
          return std::string(ai.name) + " failed: " + e.what();
        }
        return std::string(ai.name) + " failed";
      },
      stacklevel);
  warn_nonfinite<T>(ai.name, pA, pM, B, K, stacklevel);
  return py::make_tuple(A, logC, mu);
}

// eta / probs -> logits (normalizer/params.hpp), in parallel; the first bad row raises.
template <class T>
py::array_t<T> to_logits(Arr<T> X, const std::string& param, int threads) {
  const auto [B, n] = rows_of(X, "z");
  ccnorm::Param p;
  if (!ccnorm::parse_param(param, p)) throw py::value_error("param must be 'logits', 'eta' or 'probs', not '" + param + "'");
  const std::size_t K = p == ccnorm::Param::eta ? n + 1 : n;
  py::array_t<T> Z({static_cast<py::ssize_t>(B), static_cast<py::ssize_t>(K)});
  const T* x = X.data();
  T* z = Z.mutable_data();
  std::vector<unsigned char> bad(B, 0);
  {
    py::gil_scoped_release nogil;
    const auto nb = static_cast<std::ptrdiff_t>(B);
#if defined(_OPENMP)
#pragma omp parallel num_threads(team(threads, B, K))
#endif
    {
      std::vector<T> row;
#if defined(_OPENMP)
#pragma omp for schedule(static)
#endif
      for (std::ptrdiff_t b = 0; b < nb; ++b) {
        if (!ccnorm::to_logits(p, x + b * n, n, row).empty()) {
          bad[b] = 1;
          std::fill(z + b * K, z + (b + 1) * K, std::numeric_limits<T>::quiet_NaN());
        } else {
          std::copy(row.begin(), row.end(), z + b * K);
        }
      }
    }
  }
  const auto it = std::find(bad.begin(), bad.end(), 1);
  if (it != bad.end()) {
    const std::size_t b = static_cast<std::size_t>(it - bad.begin());
    const std::size_t count = static_cast<std::size_t>(std::count(bad.begin(), bad.end(), 1));
    std::vector<T> row;
    std::string msg = "row " + std::to_string(b) + ": " + ccnorm::to_logits(p, x + b * n, n, row);
    if (count > 1) msg += " (" + std::to_string(count - 1) + " more rejected row" + (count > 2 ? "s" : "") + ")";
    throw py::value_error(msg);
  }
  return Z;
}

// Every row finite and K >= 1? Raises "row b: <reason>" (what: "logit" rows or a vector v).
template <class T>
void check_finite(Arr<T> X, bool vector) {
  const auto [B, K] = rows_of(X, "z");
  const T* x = X.data();
  std::size_t first = B, count = 0;
  for (std::size_t b = 0; b < B; ++b) {
    bool ok = K > 0;
    for (std::size_t j = 0; j < K && ok; ++j) ok = std::isfinite(x[b * K + j]);
    if (!ok && count++ == 0) first = b;
  }
  if (!count) return;
  std::string why;
  if (vector) {
    std::size_t j = 0;
    while (j < K && std::isfinite(x[first * K + j])) ++j;
    why = "field " + std::to_string(j + 1) + ": " + (std::isnan(x[first * K + j]) ? "NaN" : "infinity") +
          " is not a valid entry of v";
  } else {
    why = logits_reason(x + first * K, K);
  }
  std::string msg = "row " + std::to_string(first) + ": " + why;
  if (count > 1) msg += " (" + std::to_string(count - 1) + " more rejected row" + (count > 2 ? "s" : "") + ")";
  throw py::value_error(msg);
}

// ---- the rest of the distribution (normalizer/distribution.hpp, sample.hpp) ----
template <class T>
std::string dist_reason(const T* z, std::size_t K, RowStatus s) {
  if (s == RowStatus::invalid_input) return logits_reason(z, K);
  return "the computation failed (memory?)";
}

template <class T>
py::array_t<T> covariance(Arr<T> Z, int threads, int stacklevel) {
  const auto [B, K] = rows_of(Z, "z");
  py::array_t<T> C(std::vector<py::ssize_t>{static_cast<py::ssize_t>(B), static_cast<py::ssize_t>(K), static_cast<py::ssize_t>(K)});
  std::vector<RowStatus> st(B);
  const T* z = Z.data();
  T* c = C.mutable_data();
  BatchSummary sum;
  {
    py::gil_scoped_release nogil;
    sum = ccnorm::covariance_batch<T>(z, B, K, c, team(threads, B, K, static_cast<double>(K)), st.data());
  }
  check(st, sum, [&](std::size_t b, RowStatus s) { return dist_reason(z + b * K, K, s); }, stacklevel);
  return C;
}

template <class T>
py::array_t<T> variances(Arr<T> Z, int threads, int stacklevel) {
  const auto [B, K] = rows_of(Z, "z");
  py::array_t<T> V({static_cast<py::ssize_t>(B), static_cast<py::ssize_t>(K)});
  std::vector<RowStatus> st(B);
  const T* z = Z.data();
  T* v = V.mutable_data();
  BatchSummary sum;
  {
    py::gil_scoped_release nogil;
    sum = ccnorm::variances_batch<T>(z, B, K, v, team(threads, B, K), st.data());
  }
  check(st, sum, [&](std::size_t b, RowStatus s) { return dist_reason(z + b * K, K, s); }, stacklevel);
  return V;
}

template <class T>
py::array_t<T> hvp(Arr<T> Z, Arr<T> Vin, int threads, int stacklevel) {
  const auto [B, K] = rows_of(Z, "z");
  const auto [Bv, Kv] = rows_of(Vin, "v");
  if (Bv != B || Kv != K)
    throw py::value_error("z and v must have the same (rows, K): (" + std::to_string(B) + ", " + std::to_string(K) +
                          ") and (" + std::to_string(Bv) + ", " + std::to_string(Kv) + ")");
  py::array_t<T> O({static_cast<py::ssize_t>(B), static_cast<py::ssize_t>(K)});
  std::vector<RowStatus> st(B);
  const T* z = Z.data();
  const T* v = Vin.data();
  T* o = O.mutable_data();
  BatchSummary sum;
  {
    py::gil_scoped_release nogil;
    sum = ccnorm::hvp_batch<T>(z, v, B, K, o, team(threads, B, K), st.data());
  }
  check(
      st, sum,
      [&](std::size_t b, RowStatus s) -> std::string {
        if (s == RowStatus::invalid_input && ccnorm::valid_row(z + b * K, K)) return "v: a NaN or infinite entry";
        return dist_reason(z + b * K, K, s);
      },
      stacklevel);
  return O;
}

template <class T>
py::array_t<T> entropy(Arr<T> Z, int threads, int stacklevel) {
  const auto [B, K] = rows_of(Z, "z");
  py::array_t<T> H(static_cast<py::ssize_t>(B));
  std::vector<RowStatus> st(B);
  const T* z = Z.data();
  T* h = H.mutable_data();
  BatchSummary sum;
  {
    py::gil_scoped_release nogil;
    sum = ccnorm::entropy_batch<T>(z, B, K, h, team(threads, B, K), st.data());
  }
  check(st, sum, [&](std::size_t b, RowStatus s) { return dist_reason(z + b * K, K, s); }, stacklevel);
  return H;
}

template <class T>
py::array_t<T> kl(Arr<T> ZP, Arr<T> ZQ, int threads, int stacklevel) {
  const auto [B, K] = rows_of(ZP, "zp");
  const auto [Bq, Kq] = rows_of(ZQ, "zq");
  if (Bq != B || Kq != K)
    throw py::value_error("zp and zq must have the same (rows, K): (" + std::to_string(B) + ", " + std::to_string(K) +
                          ") and (" + std::to_string(Bq) + ", " + std::to_string(Kq) + ")");
  py::array_t<T> D(static_cast<py::ssize_t>(B));
  std::vector<RowStatus> st(B);
  const T* p = ZP.data();
  const T* q = ZQ.data();
  T* d = D.mutable_data();
  BatchSummary sum;
  {
    py::gil_scoped_release nogil;
    sum = ccnorm::kl_batch<T>(p, q, B, K, d, team(threads, B, K, 50.0), st.data());
  }
  check(
      st, sum,
      [&](std::size_t b, RowStatus s) -> std::string {
        if (s == RowStatus::invalid_input)
          return ccnorm::valid_row(p + b * K, K) ? "zq: " + logits_reason(q + b * K, K) : "zp: " + logits_reason(p + b * K, K);
        return dist_reason(p + b * K, K, s);
      },
      stacklevel);
  return D;
}

template <class T>
py::array_t<T> sample(Arr<T> Z, std::size_t n, std::uint64_t seed, int threads) {
  const auto [B, K] = rows_of(Z, "z");
  py::array_t<T> X(std::vector<py::ssize_t>{static_cast<py::ssize_t>(n), static_cast<py::ssize_t>(B), static_cast<py::ssize_t>(K)});
  std::vector<RowStatus> st(B);
  const T* z = Z.data();
  T* x = X.mutable_data();
  BatchSummary sum;
  {
    py::gil_scoped_release nogil;
    sum = ccnorm::sample_batch<T>(z, B, K, n, seed, x, team(threads, B, K, 1.0 + static_cast<double>(n) / 4), st.data());
  }
  check(
      st, sum,
      [&](std::size_t b, RowStatus s) -> std::string {
        if (s == RowStatus::invalid_input) return logits_reason(z + b * K, K);
        try {
          ccnorm::CCSampler smp(z + b * K, K);
        } catch (const std::exception& e) {
          return e.what();
        }
        return "sample: failed";
      },
      1);
  return X;
}

// ---- certified references (reference/reference.hpp) ----
// mid (MPFR) -> v = RN(mid) in double, lo = RN(mid - v), r >= rad + |mid - v| (rounded up): a bound
// on |true - v| for the returned double.
void round_ball(const ccnorm::ref::mpfloat& mid, double rad, double& v, double* lo, double& r) {
  mpfr_srcptr m = mid.backend().data();
  v = mpfr_get_d(m, MPFR_RNDN);
  mpfr_t d;
  mpfr_init2(d, mpfr_get_prec(m) + 64);
  mpfr_sub_d(d, m, v, MPFR_RNDN);  // exact at this precision
  if (lo) *lo = mpfr_get_d(d, MPFR_RNDN);
  mpfr_abs(d, d, MPFR_RNDN);
  const double e = mpfr_get_d(d, MPFR_RNDU);
  mpfr_clear(d);
  r = (rad == 0 || e == 0) ? rad + e : std::nextafter(rad + e, std::numeric_limits<double>::infinity());
}

// Run f(b) for every row in parallel (dynamic, 1: rows differ wildly in cost); the first row whose
// f threw raises "row b: <what>".
template <class F>
void for_rows_certified(std::size_t B, int threads, F&& f) {
  std::vector<std::string> err(B);
  {
    py::gil_scoped_release nogil;
    const auto nb = static_cast<std::ptrdiff_t>(B);
    const int nt = std::max(1, std::min<int>(threads > 0 ? threads : g_threads.load(), static_cast<int>(std::max<std::size_t>(1, B))));
    (void)nt;
#if defined(_OPENMP)
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
#endif
    for (std::ptrdiff_t b = 0; b < nb; ++b) {
      try {
        f(static_cast<std::size_t>(b));
      } catch (const std::exception& e) {
        err[b] = e.what();
        if (err[b].empty()) err[b] = "failed";
      }
    }
  }
  for (std::size_t b = 0; b < B; ++b)
    if (!err[b].empty()) throw py::value_error("row " + std::to_string(b) + ": " + err[b]);
}

void require_valid_rows(const double* z, std::size_t B, std::size_t K, const char* who) {
  for (std::size_t b = 0; b < B; ++b)
    if (!ccnorm::valid_row(z + b * K, K)) throw py::value_error(std::string(who) + "row " + std::to_string(b) + ": " + logits_reason(z + b * K, K));
}

py::dict reference(Arr<double> Z, bool with_mu, int threads) {
  const auto [B, K] = rows_of(Z, "z");
  const double* z = Z.data();
  require_valid_rows(z, B, K, "");
  const auto b1 = static_cast<py::ssize_t>(B);
  py::array_t<double> A(b1), Alo(b1), Ar(b1), L(b1), Llo(b1), Lr(b1);
  py::array_t<double> M, Mlo, Mr;
  if (with_mu) {
    M = py::array_t<double>({b1, static_cast<py::ssize_t>(K)});
    Mlo = py::array_t<double>({b1, static_cast<py::ssize_t>(K)});
    Mr = py::array_t<double>({b1, static_cast<py::ssize_t>(K)});
  }
  double *pA = A.mutable_data(), *pAlo = Alo.mutable_data(), *pAr = Ar.mutable_data();
  double *pL = L.mutable_data(), *pLlo = Llo.mutable_data(), *pLr = Lr.mutable_data();
  double *pM = with_mu ? M.mutable_data() : nullptr, *pMlo = with_mu ? Mlo.mutable_data() : nullptr,
         *pMr = with_mu ? Mr.mutable_data() : nullptr;
  for_rows_certified(B, threads, [&](std::size_t b) {
    const ccnorm::ref::Certified r = ccnorm::ref::certified(z + b * K, K, with_mu);
    round_ball(r.A, r.A_rad, pA[b], &pAlo[b], pAr[b]);
    round_ball(r.logC, r.logC_rad, pL[b], &pLlo[b], pLr[b]);
    if (with_mu)
      for (std::size_t j = 0; j < K; ++j) round_ball(r.mu[j], r.mu_rad[j], pM[b * K + j], &pMlo[b * K + j], pMr[b * K + j]);
  });
  py::dict d;
  d["A"] = A;
  d["A_radius"] = Ar;
  d["logC"] = L;
  d["logC_radius"] = Lr;
  if (with_mu) {
    d["mean"] = M;
    d["mean_radius"] = Mr;
  }
  d["A_lo"] = Alo;
  d["logC_lo"] = Llo;
  if (with_mu) d["mean_lo"] = Mlo;
  return d;
}

py::tuple reference_covariance(Arr<double> Z, int threads) {
  const auto [B, K] = rows_of(Z, "z");
  const double* z = Z.data();
  require_valid_rows(z, B, K, "");
  const std::vector<py::ssize_t> shape{static_cast<py::ssize_t>(B), static_cast<py::ssize_t>(K), static_cast<py::ssize_t>(K)};
  py::array_t<double> C(shape), R(shape), L(shape);
  double *pc = C.mutable_data(), *pr = R.mutable_data(), *pl = L.mutable_data();
  for_rows_certified(B, threads, [&](std::size_t b) {
    const ccnorm::ref::CertifiedCov c = ccnorm::ref::certified_covariance(z + b * K, K);
    // c.cov[col K + i] = Cov_{i, col}; Cov is symmetric
    for (std::size_t col = 0; col < K; ++col)
      for (std::size_t i = 0; i < K; ++i) {
        const std::size_t o = (b * K + i) * K + col;
        round_ball(c.cov[col * K + i], c.cov_rad[col * K + i], pc[o], &pl[o], pr[o]);
      }
  });
  return py::make_tuple(C, R, L);
}

py::tuple reference_entropy(Arr<double> Z, int threads) {
  const auto [B, K] = rows_of(Z, "z");
  const double* z = Z.data();
  require_valid_rows(z, B, K, "");
  py::array_t<double> H(static_cast<py::ssize_t>(B)), R(static_cast<py::ssize_t>(B)), L(static_cast<py::ssize_t>(B));
  double *ph = H.mutable_data(), *pr = R.mutable_data(), *pl = L.mutable_data();
  for_rows_certified(B, threads, [&](std::size_t b) {
    const ccnorm::ref::CertifiedValue v = ccnorm::ref::certified_entropy(z + b * K, K);
    round_ball(v.mid, v.rad, ph[b], &pl[b], pr[b]);
  });
  return py::make_tuple(H, R, L);
}

py::tuple reference_kl(Arr<double> ZP, Arr<double> ZQ, int threads) {
  const auto [B, K] = rows_of(ZP, "zp");
  const auto [Bq, Kq] = rows_of(ZQ, "zq");
  if (Bq != B || Kq != K) throw py::value_error("zp and zq must have the same (rows, K)");
  const double *p = ZP.data(), *q = ZQ.data();
  require_valid_rows(p, B, K, "zp: ");
  require_valid_rows(q, B, K, "zq: ");
  py::array_t<double> D(static_cast<py::ssize_t>(B)), R(static_cast<py::ssize_t>(B)), L(static_cast<py::ssize_t>(B));
  double *pd = D.mutable_data(), *pr = R.mutable_data(), *pl = L.mutable_data();
  for_rows_certified(B, threads, [&](std::size_t b) {
    const ccnorm::ref::CertifiedValue v = ccnorm::ref::certified_kl(p + b * K, q + b * K, K);
    round_ball(v.mid, v.rad, pd[b], &pl[b], pr[b]);
  });
  return py::make_tuple(D, R, L);
}

// ---- timing helper for python/bench/bench_python.py: the pure C++ batch call on the same buffers ----
// Returns the wall seconds of `calls` consecutive evaluate_batch calls (outputs allocated once,
// logC not computed, exactly what log_partition(z, return_mean=want_mu) asks of the library).
template <class T>
double time_evaluate(Arr<T> Z, const std::string& algo, bool want_mu, int threads, int calls) {
  const auto [B, K] = rows_of(Z, "z");
  const ccnorm::AlgoInfo& ai = host_algo(algo);
  std::vector<T> A(B), mu(want_mu ? B * K : 0);
  std::vector<RowStatus> st(B);
  const T* z = Z.data();
  const int nt = team(threads, B, K);
  py::gil_scoped_release nogil;
  const auto t0 = std::chrono::steady_clock::now();
  for (int c = 0; c < calls; ++c)
    ccnorm::evaluate_batch<T>(ai.id, z, B, K, A.data(), nullptr, want_mu ? mu.data() : nullptr, nt, st.data());
  const auto t1 = std::chrono::steady_clock::now();
  return std::chrono::duration<double>(t1 - t0).count();
}

py::list algorithms() {
  py::list l;
  for (const auto& i : ccnorm::algorithms()) {
    if (!i.host()) continue;
    py::dict d;
    d["name"] = i.name;
    d["summary"] = i.summary;
    d["cost"] = ccnorm::cost_class_name(i.cost);
    d["baseline"] = i.baseline;
    d["mean"] = i.mean;
    d["max_K_mean"] = i.max_K_mean;
    l.append(d);
  }
  return l;
}

int default_threads() {
  if (const char* e = std::getenv("OMP_NUM_THREADS")) {
    const int n = std::atoi(e);  // "4" or "4,2": the first level
    if (n > 0) return n;
  }
#if defined(_OPENMP)
  return std::max(1, omp_get_num_procs());
#else
  return 1;
#endif
}

template <class T>
void def_typed(py::module_& m) {
  m.def("evaluate", &evaluate<T>, py::arg("z"), py::arg("algo"), py::arg("want_logC"), py::arg("want_mu"), py::arg("threads"),
        py::arg("stacklevel"));
  m.def("to_logits", &to_logits<T>, py::arg("x"), py::arg("param"), py::arg("threads"));
  m.def("check_finite", &check_finite<T>, py::arg("x"), py::arg("vector"));
  m.def("covariance", &covariance<T>, py::arg("z"), py::arg("threads"), py::arg("stacklevel"));
  m.def("variances", &variances<T>, py::arg("z"), py::arg("threads"), py::arg("stacklevel"));
  m.def("hvp", &hvp<T>, py::arg("z"), py::arg("v"), py::arg("threads"), py::arg("stacklevel"));
  m.def("entropy", &entropy<T>, py::arg("z"), py::arg("threads"), py::arg("stacklevel"));
  m.def("kl", &kl<T>, py::arg("zp"), py::arg("zq"), py::arg("threads"), py::arg("stacklevel"));
  m.def("sample", &sample<T>, py::arg("z"), py::arg("n"), py::arg("seed"), py::arg("threads"));
  m.def("time_evaluate", &time_evaluate<T>, py::arg("z"), py::arg("algo"), py::arg("want_mu"), py::arg("threads"),
        py::arg("calls"));
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "ccnorm's C++ library (internal; use the functions of the ccnorm package)";
  g_threads = default_threads();
  g_outside_domain_warning = PyErr_NewExceptionWithDoc(
      "ccnorm.OutsideDomainWarning",
      "Rows outside the accuracy domain (spread beyond 2^22): finite values without an accuracy goal.", PyExc_RuntimeWarning,
      nullptr);
  g_nonfinite_warning = PyErr_NewExceptionWithDoc(
      "ccnorm.NonFiniteResultWarning",
      "A baseline algorithm returned NaN or inf for valid input (its documented behaviour).", PyExc_RuntimeWarning, nullptr);
  m.attr("OutsideDomainWarning") = py::reinterpret_borrow<py::object>(g_outside_domain_warning);
  m.attr("NonFiniteResultWarning") = py::reinterpret_borrow<py::object>(g_nonfinite_warning);
  // float64 first, then float32: no conversion between them (the Python layer passes the right dtype)
  def_typed<double>(m);
  def_typed<float>(m);
  m.def("reference", &reference, py::arg("z"), py::arg("with_mu"), py::arg("threads"));
  m.def("reference_covariance", &reference_covariance, py::arg("z"), py::arg("threads"));
  m.def("reference_entropy", &reference_entropy, py::arg("z"), py::arg("threads"));
  m.def("reference_kl", &reference_kl, py::arg("zp"), py::arg("zq"), py::arg("threads"));
  m.def("algorithms", &algorithms);
  m.def("get_threads", [] { return g_threads.load(); });
  m.def("set_threads", [](int n) { g_threads = n > 0 ? n : default_threads(); });
  m.def("default_threads", &default_threads);
  m.attr("max_spread_reference") = ccnorm::ref::kMaxSpread;
  ccnorm_py_bind_validate(m);
}
