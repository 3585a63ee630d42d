// ccnorm bench peer `opitz-expm`: the divided difference of exp read off the matrix exponential of
// the Opitz bidiagonal matrix, computed with Eigen's unsupported MatrixFunctions module
// (Eigen 3.4, Debian libeigen3-dev). Benchmark peer only: not part of the library's Algo enum.
//
// Formula (Opitz 1964; McCurdy, Ng & Parlett, Math. Comp. 43 (1984); Caliari, Computing 80 (2007)):
// for the upper bidiagonal K x K matrix M with the nodes on the diagonal and ones above it,
//     exp(M)_{1,K} = exp[z_1, ..., z_K].
// Range: the nodes are shifted by m = max z (all diagonal entries <= 0, so nothing overflows), and
// the superdiagonal holds t = 2^s instead of 1, with s = round(log2((K-1)!) / (K-1)). That is the
// exact similarity D^{-1} M D, D = diag(t^{i-1}), which multiplies the (1,K) entry by t^{K-1}:
//     A = m + log(exp(M_t)_{1,K}) - (K-1) s log 2.
// Without it the entry is <= 1/(K-1)! and underflows to 0 for K > ~170 (f64) / ~34 (f32), which is
// a range artefact, not the method's accuracy; with t = 2^s the scaling itself is exact.
// Eigen's matrix_exp is Higham's scaling-and-squaring with Pade approximants (degree up to 13 in
// double, 7 in float); all entries of exp(M) are positive for real nodes, but the squarings of a
// non-normal matrix lose relative accuracy in the small corner entry when the spread is large.
// Stable regime: moderate K and spread (measured by `ccnorm bench`: err_A column).
// Cost: O(K^3) time (several dense K x K products), O(K^2) memory. The mean is not provided
// (it needs exp of a (K+1) x (K+1) matrix per component, O(K^4)): a non-null mu throws.
// Error bound: none proved for the corner entry; observed in `ccnorm bench` (bench_ratios.csv).
#pragma once
#include <cmath>
#include <cstddef>
#include <limits>
#include <stdexcept>

#include <Eigen/Dense>
#include <unsupported/Eigen/MatrixFunctions>

#include "normalizer/common.hpp"

namespace ccnorm::bench {

template <class T>
Out<T> opitz_expm(const T* z, std::size_t K, T* mu) {
  if (mu) throw std::invalid_argument("opitz-expm: the mean is not supported (value only)");
  const T nan = std::numeric_limits<T>::quiet_NaN();
  if (K == 0) return {nan, nan};
  if (K == 1) return {z[0], T(0)};
  T m = z[0];
  for (std::size_t i = 1; i < K; ++i) m = z[i] > m ? z[i] : m;
  const int s = static_cast<int>(std::lround(ccnorm::lgamma_host(static_cast<double>(K)) / (static_cast<double>(K - 1) * std::log(2.0))));
  const T t = std::ldexp(T(1), s);
  using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
  const Eigen::Index n = static_cast<Eigen::Index>(K);
  Mat M = Mat::Zero(n, n);
  for (Eigen::Index i = 0; i < n; ++i) {
    M(i, i) = z[i] - m;
    if (i + 1 < n) M(i, i + 1) = t;
  }
  const Mat E = M.exp();
  const T corner = E(0, n - 1);
  const T A = m + std::log(corner) - static_cast<T>(static_cast<double>(K - 1) * s * 0.69314718055994530942);
  return {A, log_sum_exp(z, K) - A};
}

}  // namespace ccnorm::bench
