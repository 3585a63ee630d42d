// ccnorm: the library's single entry point.
//
//   ccnorm::evaluate<T>(Algo, z, K, mu)                  one row
//   ccnorm::evaluate_batch<T>(Algo, Z, B, K, A, logC, mu, threads)  row-major B x K, all cores
//
// T = float or double for every algorithm; `taylor` and the baselines also take long double and
// Boost.Multiprecision types through their own headers.
#pragma once
#include <cstddef>
#include <stdexcept>

#include "normalizer/auto.hpp"
#include "normalizer/closed_form.hpp"
#include "normalizer/closed_form_scaled.hpp"
#include "normalizer/common.hpp"
#include "normalizer/sorted_difference.hpp"
#include "normalizer/taylor.hpp"

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace ccnorm {

template <class T>
Out<T> evaluate(Algo a, const T* z, std::size_t K, T* mu) {
  switch (a) {
    case Algo::closed_form: return closed_form<T>(z, K, mu);
    case Algo::closed_form_scaled: return closed_form_scaled<T>(z, K, mu);
    case Algo::sorted_difference: return sorted_difference<T>(z, K, mu);
    case Algo::taylor: return taylor<T>(z, K, mu);
    case Algo::auto_: return auto_eval<T>(z, K, mu);
    case Algo::auto_precise: return auto_precise<T>(z, K, mu);
  }
  throw std::invalid_argument("unknown algorithm");
}

// Batched: rows of K logits stored row-major in Z (B rows). A and logC: B entries each (logC may
// be null); mu: nullptr or B*K entries (row-major). threads <= 0: all cores (OpenMP).
template <class T>
void evaluate_batch(Algo a, const T* Z, std::size_t B, std::size_t K, T* A, T* logC, T* mu, int threads = 0) {
#if defined(_OPENMP)
  const int nt = threads > 0 ? threads : omp_get_max_threads();
#pragma omp parallel for schedule(dynamic, 16) num_threads(nt)
#endif
  for (std::ptrdiff_t b = 0; b < static_cast<std::ptrdiff_t>(B); ++b) {
    Out<T> o = evaluate<T>(a, Z + b * K, K, mu ? mu + b * K : nullptr);
    A[b] = o.A;
    if (logC) logC[b] = o.logC;
  }
  (void)threads;
}

}  // namespace ccnorm
