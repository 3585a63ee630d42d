// ccnorm: what one row may cost (docs/design.md §4.11): an estimate of the work (inner-loop
// operations, about a nanosecond each) and the memory of one row for an algorithm, and the check
// against caps, so that a front end refuses a row that would run for hours or exhaust memory
// (taylor at spread 10^10 needs ~10^10 series degrees; sorted-difference's mean holds a K^2/2 table)
// instead of starting it. Estimates, not bounds: they are within a small factor of the measured
// cost on the hard corpus and only have to separate "seconds" from "hours".
//
//   RowCost row_cost<T>(Algo, z, K, mean)
//     series (taylor; auto and auto-precise inside their domain, spread <= 2^22):
//         work = K (N + 1) (2 with the mean), N = spread + 8 sqrt(spread) + 20 degrees;
//         auto-precise x 6 (double-double), auto-cr x 8; bytes = 16 (K + N)
//     taylor beyond spread 2^40: returns NaN at once (work K)
//     auto, auto-precise beyond 2^22 (the fallback) and the Newton-table baselines:
//         work = K^2 (x K/8 for sorted-difference's mean); bytes = 8 K (8 K^2 with that mean)
//   std::string over_limit(cost, K, limits)   "" or the reason, naming the option to raise
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <string>

#include "normalizer/registry.hpp"
#include "normalizer/series/limits.hpp"

namespace ccnorm {

struct RowCost {
  double work = 0;   // operations (~1 ns each)
  double bytes = 0;  // working memory
};

struct RowLimits {
  std::size_t max_k = std::size_t(1) << 24;  // entries per row (--max-k)
  double max_work = 1e11;                    // row_cost().work (--max-row-work)
  double max_bytes = 4.0 * (1ull << 30);     // row_cost().bytes (--max-row-memory)
};

template <class T>
RowCost row_cost(Algo a, const T* z, std::size_t K, bool mean) {
  RowCost c;
  if (K == 0) return c;
  long double lo = z[0], hi = z[0];
  for (std::size_t j = 1; j < K; ++j) {
    if (z[j] < lo) lo = z[j];
    if (z[j] > hi) hi = z[j];
  }
  const double spread = static_cast<double>(hi - lo);
  const double Kd = static_cast<double>(K);
  const auto series = [&](double factor) {
    const double N = spread + 8 * std::sqrt(spread) + 20;
    c.work = Kd * (N + 1) * (mean ? 2 : 1) * factor;
    c.bytes = 16 * (Kd + N);
  };
  const auto table = [&](bool big_mean) {
    c.work = Kd * Kd * (big_mean ? Kd / 8 : 1);
    c.bytes = big_mean ? 8 * Kd * Kd : 8 * Kd;
  };
  switch (a) {
    case Algo::taylor:
      if (!(spread <= series::kPlainSeriesMaxSpread)) c.work = Kd, c.bytes = 8 * Kd;
      else series(1);
      break;
    case Algo::auto_:
    case Algo::auto_precise:
    case Algo::auto_cr:  // its levels: the double series, double-double (x6), rarely the Arb oracle
      if (!(spread <= series::kAccuracyDomainMaxSpread)) table(false);
      else series(a == Algo::auto_ ? 1 : a == Algo::auto_precise ? 6 : 8);
      break;
    case Algo::sorted_difference: table(mean); break;
    default: table(false); break;  // the closed forms: O(K^2) products, O(K) memory
  }
  if (K == 1) c.work = 1, c.bytes = 8;
  return c;
}

inline std::string over_limit(const RowCost& c, std::size_t K, const RowLimits& l) {
  char b[200];
  if (K > l.max_k) {
    std::snprintf(b, sizeof b, "row too large: K = %zu exceeds --max-k %zu", K, l.max_k);
    return b;
  }
  if (c.work > l.max_work) {
    std::snprintf(b, sizeof b, "row too costly: estimated work %.3g exceeds --max-row-work %.3g (docs/design.md 4.11)", c.work,
                  l.max_work);
    return b;
  }
  if (c.bytes > l.max_bytes) {
    std::snprintf(b, sizeof b, "row too costly: estimated memory %.3g bytes exceeds --max-row-memory %.3g", c.bytes,
                  l.max_bytes);
    return b;
  }
  return "";
}

}  // namespace ccnorm
