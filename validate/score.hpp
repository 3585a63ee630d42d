// ccnorm validate: what a scorecard measures (the quantity) and the reference of one case.
// The error measures themselves are docs/design.md §3's, from measures/measures.hpp: values
// (A, logC, negA = -A, the entropy H) by err_value and ulps, the mean by err_mean, the
// covariance entries (K*K, row-major) relatively on the diagonal and against the natural scale
// sqrt(Cov_ii Cov_jj) off it, KL(p || q) by err_relative (an exact 0 must be 0), against
// references held at >= 201 bits (golden hi + lo pairs are exact there; certified midpoints are
// copied), never rounded to the output type before the difference.
// Default tolerances: 16 u for A, logC, negA; 64 u for the mean; H, cov and kl take the goals of
// tests/data/distribution_tolerances.csv (tests/test_validate.cpp checks that they agree).
#pragma once
#include <algorithm>
#include <string>
#include <vector>

#include "measures/mpfr.hpp"

namespace ccnorm::validate {

using measures::mp200;
using measures::hi_lo;
using measures::percentile;
inline constexpr double kInf = measures::kFailed;

enum class Quantity { A, logC, negA, mean, H, cov, kl };

inline const char* quantity_name(Quantity q) {
  switch (q) {
    case Quantity::A: return "A";
    case Quantity::logC: return "logC";
    case Quantity::negA: return "negA";
    case Quantity::mean: return "mean";
    case Quantity::H: return "H";
    case Quantity::cov: return "cov";
    case Quantity::kl: return "kl";
  }
  return "?";
}
// One value per case (A, logC, negA, H, kl) or a vector (mean: K, cov: K*K).
inline bool is_vector(Quantity q) { return q == Quantity::mean || q == Quantity::cov; }

// The default tolerance in u of the dtype: 16 (values), 64 (mean); H 16, cov 64 and kl 2^-40
// relative (f32: the result's own rounding 2^-24, i.e. 1 u) are distribution_tolerances.csv's.
inline double default_tol(Quantity q, bool f32) {
  switch (q) {
    case Quantity::mean: return 64;
    case Quantity::H: return 16;
    case Quantity::cov: return 64;
    case Quantity::kl: return std::max(0x1p-40, f32 ? 0x1p-24 : 0.0) / (f32 ? 0x1p-24 : 0x1p-53);
    default: return 16;
  }
}

// The reference of one case, at >= 201 bits.
struct Ref {
  mp200 A, logC;
  std::vector<mp200> mu;
  mp200 H, kl;
  std::vector<mp200> cov;  // K*K, row-major
};

}  // namespace ccnorm::validate
