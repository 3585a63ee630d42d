// ccnorm bench: DivDiff (L. Gupta, L. Barash, I. Hen, "Calculating the divided differences of the
// exponential function by addition and removal of inputs", Comput. Phys. Commun. 254 (2020) 107385)
// as an in-process peer of `ccnorm bench --peers`. Its source is never part of this repository:
// configure with -DCCNORM_DIVDIFF_DIR=DIR (DIR holds its divdiff.cpp, e.g. a clone of
// github.com/LevBarash/DivDiff) and bench/peers/divdiff_peer.cpp compiles it into its own
// translation unit. Without the option these functions do not exist (CCNORM_HAVE_DIVDIFF unset).
//
// How it is called (docs/design.md §5.8, "bench_peers.csv"):
//   value       all K nodes added at once (its AddAll: s = ceil(spread / 3.5) squaring steps,
//               centre the mean), A = log(mantissa) + exponent ln 2 - log((K-1)!) of
//               divdiff[K-1] = (K-1)! exp[z_1..z_K] held as a double mantissa and an int exponent;
//   value+mean  then for each j: add z_j once more, mu_j = divdiff[K] / (K divdiff[K-1]), remove it.
// Its capacity (maxlen, shipped as 10001, which makes a call at small K ~350x slower than needed:
// every addition sweeps maxlen + 30 Taylor coefficients) is set to K + 2 before the rows of one K.
#pragma once
#include <cstddef>

namespace ccnorm::bench::divdiff_peer {

// Re-allocates DivDiff's global state for rows of K nodes (plus one repeated node for the mean).
void reserve(std::size_t K);
// A = log exp[z_1..z_K] by DivDiff; reserve(K) first.
double log_value(const double* z, std::size_t K);
// A, and mu_j = d A / d z_j in mu[0..K), by DivDiff's addition and removal of a repeated node.
double log_value_mean(const double* z, std::size_t K, double* mu);

}  // namespace ccnorm::bench::divdiff_peer
