// ccnorm bench: the useful arithmetic of the series, one definition for the CPU roofline table
// (`ccnorm bench`, bench_roofline.csv) and the GPU device check (bench/gpu/host_ref.cpp).
//
// Per degree the column update of nodes 1..K-1 costs 18 flops (the unbiased (yh + yl)/i: 8, j/i
// times the shift: 7, the fma with the coupling product: 3) and, with the mean, each of the K
// mean steps 11 (the division 8, the fma 2, the running sum 1); an fma counts 2. These are the
// useful flops of the sequential algorithm: the stopping rule, rescale tests, sort, assembly and
// log-sum-exp are not counted (so the compute roof is a lower bound on the time).
#pragma once
#include <cstddef>

namespace ccnorm::bench {

// Useful flops of one row whose series summed N degrees.
inline double series_useful_flops(double N, std::size_t K, bool mean) {
  const double k = static_cast<double>(K);
  return K < 2 ? 0.0 : N * (18.0 * (k - 1.0) + (mean ? 11.0 * k : 0.0));
}

}  // namespace ccnorm::bench
