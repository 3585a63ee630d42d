// ccnorm baseline `sorted-difference`: Newton's divided-difference table on sorted nodes.
//
// Formula: sort the nodes ascending, z_1 <= ... <= z_K, m = z_K = max z, and build the table
//     d[i,i] = e^{z_i - m},
//     d[i,j] = (d[i+1,j] - d[i,j-1]) / (z_j - z_i)          if z_i < z_j,
//     d[i,j] = e^{z_i - m} / (j-i)!                          if z_i = z_j (confluent rule: the nodes
//                                                            are sorted, so all between are equal),
// then exp[z] = e^m d[1,K], A = m + log d[1,K], logC = LSE(z) - A. The value needs one column of
// the table (O(K) memory, updated in place, K(K-1)/2 subtract-divides).
//
// Mean: exp[z, y] with y = z_j repeated. Keep the whole (packed upper-triangular) table and, for
// each distinct node value y = z_j (j = first index of its tie block), use the symmetric recurrence
// f[S, p, q] = (f[S, q] - f[S, p]) / (q - p):
//     R_j = f[z_j, y] = e^{y - m};  R_k = f[z_j..z_k, y] = (R_{k-1} - d[j,k]) / (y - z_k)   (z_k > y),
//                                   R_k = e^{y - m} / (k-j+1)!                               (z_k = y),
//     P_K... : P = R_K = f[z_j..z_K, y];  P_i = f[z_i..z_K, y] = (P_{i+1} - d[i,K]) / (y - z_i), i < j,
//     exp[z, y] = e^m P_1,   mu_j = P_1 / d[1,K]   (equal for every member of the tie block).
// O(K) per distinct node on top of the table: O(K^2) time and O(K^2) memory for value + mean;
// refuses (std::length_error) K > 8192 when the mean is requested (table > 256 MiB in double).
//
// This is a BASELINE: exact ties are handled exactly (all-equal nodes: A = c - log((K-1)!),
// mu_j = 1/K), but otherwise it is the textbook recurrence with all its weaknesses:
//   - cancellation in d[i+1,j] - d[i,j-1] when nodes are clustered (gaps small compared to 1):
//     the rounding error of the first differences is amplified by ~ (j-i)! / prod(gaps), as in the
//     closed form; the error is small when gaps are large relative to K;
//   - no scaling beyond the max shift: d[1,K] ~ e^{xi - m} / (K-1)! underflows for large K
//     (K > 178 in double, K > 39 in float even for equal nodes) -> A = -inf.
// Cost: O(K log K + K^2) value, O(K^2) time + memory value and mean.
// Error (observed against the certified reference; tests/test_baselines.cpp, g++ 12 -O2 x86-64):
//   - well-separated rows (gaps >= 0.75, K <= 6), float / double / long double: err_A <= 16,
//     err_mu <= 322; all-equal rows: err_A <= 8, err_mu <= 8 K (double, K <= 100);
//   - rows of the 2022 protocol at sigma = 1 (double): err_A ~ 80 at K = 5, 1e4 at K = 8, 1e9 at
//     K = 10, 1e12 at K = 14 (about 10x better than the closed form, same growth);
//   - clustered row z_k = 1e-3 k (double): |dA| = 5e-11 (K = 3), 1e-4 (K = 5), 0.25 (K = 6),
//     non-finite or > 30 from K = 7 on;
//   - max computable dimension (docs/design.md §3; median of 10 seeds) at sigma = 0.01/0.1/1/10/32:
//     float64 6/8.5/15/33/63.5, float32 3/4/8/19/26 (float32, sigma = 32: underflow of d[1,K]);
//   - all-zero logits: exact up to K = 178 in double (39 in float), -inf beyond (1/(K-1)! underflows);
//   - notebook row z = (1, ..., 39, 0): -inf in float32 (d[1,K] ~ e^-125 underflows); double:
//     relative error of log C 1.8e-6.
// References: Newton's divided differences (e.g. de Boor, "A Practical Guide to Splines", ch. I);
// McCurdy, Ng & Parlett, "Accurate computation of divided differences of the exponential
// function", Math. Comp. 43 (1984) 501-528 (why the recurrence cancels and how to avoid it).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "normalizer/common.hpp"
#include "normalizer/config.hpp"

namespace ccnorm {
namespace detail {

// Value only, nodes already sorted ascending. work: K entries. Returns d[1,K] (scaled by e^{-m}).
template <class T>
CCNORM_HD T sorted_difference_value_sorted(const T* zs, std::size_t K, T* work) {
  using std::exp;
  const T m = zs[K - 1];
  for (std::size_t i = 0; i < K; ++i) work[i] = exp(zs[i] - m);
  T invf = T(1);  // 1/j!
  for (std::size_t j = 1; j < K; ++j) {
    invf /= T(static_cast<double>(j));
    // after this pass work[i] = f[z_{i-j} .. z_i], for i >= j (descending i keeps work[i-1] old)
    for (std::size_t i = K - 1; i >= j; --i) {
      if (zs[i] == zs[i - j])
        work[i] = exp(zs[i] - m) * invf;
      else
        work[i] = (work[i] - work[i - 1]) / (zs[i] - zs[i - j]);
    }
  }
  return work[K - 1];
}

// Packed upper-triangular table: entry (a, b), a <= b, at a*K - a*(a-1)/2 + (b - a).
CCNORM_HD inline std::size_t packed_index(std::size_t a, std::size_t b, std::size_t K) {
  return a * K - (a * (a - 1)) / 2 + (b - a);  // a = 0: 0 * (size_t)(-1) = 0
}

// The whole table d[a,b] = f[z_a..z_b] (scaled by e^{-m}) for sorted nodes; D: K(K+1)/2 entries,
// ez: K entries (receives e^{z_a - m}), invf: K entries (receives 1/n!).
// The arithmetic is the same as sorted_difference_value_sorted (same operands, same order), so
// D(0, K-1) equals that function's result bit for bit.
template <class T>
CCNORM_HD void sorted_difference_table(const T* zs, std::size_t K, T* D, T* ez, T* invf) {
  using std::exp;
  const T m = zs[K - 1];
  invf[0] = T(1);
  for (std::size_t n = 1; n < K; ++n) invf[n] = invf[n - 1] / T(static_cast<double>(n));
  for (std::size_t a = 0; a < K; ++a) ez[a] = exp(zs[a] - m);
  for (std::size_t a = K; a-- > 0;) {
    D[packed_index(a, a, K)] = ez[a];
    for (std::size_t b = a + 1; b < K; ++b) {
      T v;
      if (zs[a] == zs[b])
        v = ez[b] * invf[b - a];
      else
        v = (D[packed_index(a + 1, b, K)] - D[packed_index(a, b - 1, K)]) / (zs[b] - zs[a]);
      D[packed_index(a, b, K)] = v;
    }
  }
}

// exp[z, z_j] (scaled by e^{-m}) for j = first index of its tie block, from the table.
template <class T>
CCNORM_HD T sorted_difference_repeat(const T* zs, std::size_t K, std::size_t j, const T* D,
                                     const T* ez, const T* invf) {
  const T y = zs[j];
  T R = ez[j];  // f[y, y]
  for (std::size_t k = j + 1; k < K; ++k) {
    if (zs[k] == y) {
      // k-j+2 equal nodes; (k-j+1)! may exceed the table of 1/n! (n < K) only when k = K-1, j = 0,
      // i.e. all nodes equal: then f = e^{y-m}/K! = invf[K-1]/K.
      std::size_t n = k - j + 1;
      R = (n < K) ? ez[j] * invf[n] : ez[j] * invf[K - 1] / T(static_cast<double>(K));
    } else {
      R = (R - D[packed_index(j, k, K)]) / (y - zs[k]);
    }
  }
  T P = R;
  for (std::size_t i = j; i-- > 0;) P = (P - D[packed_index(i, K - 1, K)]) / (y - zs[i]);
  return P;
}

}  // namespace detail

// Largest K for which the mean is computed (its O(K^2) table: 256 MiB in double at 8192).
inline constexpr std::size_t kSortedDifferenceMaxKMean = 8192;

template <class T>
Out<T> sorted_difference(const T* z, std::size_t K, T* mu) {
  using std::log;
  if (K == 0) throw std::invalid_argument("sorted_difference: K must be >= 1");
  if (mu && K > kSortedDifferenceMaxKMean)
    throw std::length_error("sorted_difference: the mean needs the O(K^2) table; K > " +
                            std::to_string(kSortedDifferenceMaxKMean) + " refused");
  std::vector<std::size_t> perm(K);
  std::iota(perm.begin(), perm.end(), std::size_t(0));
  std::stable_sort(perm.begin(), perm.end(),
                   [&](std::size_t a, std::size_t b) { return z[a] < z[b]; });
  std::vector<T> zs(K);
  for (std::size_t i = 0; i < K; ++i) zs[i] = z[perm[i]];
  const T m = zs[K - 1];
  Out<T> r;
  if (!mu) {
    std::vector<T> work(K);
    const T d = detail::sorted_difference_value_sorted(zs.data(), K, work.data());
    r.A = m + T(log(d));
    r.logC = log_sum_exp(z, K) - r.A;
    return r;
  }
  std::vector<T> D(K * (K + 1) / 2), ez(K), invf(K);
  detail::sorted_difference_table(zs.data(), K, D.data(), ez.data(), invf.data());
  const T d = D[detail::packed_index(0, K - 1, K)];
  r.A = m + T(log(d));
  r.logC = log_sum_exp(z, K) - r.A;
  for (std::size_t j = 0; j < K;) {
    std::size_t e = j + 1;
    while (e < K && zs[e] == zs[j]) ++e;
    const T mj = detail::sorted_difference_repeat(zs.data(), K, j, D.data(), ez.data(), invf.data()) / d;
    for (std::size_t q = j; q < e; ++q) mu[perm[q]] = mj;
    j = e;
  }
  return r;
}

}  // namespace ccnorm
