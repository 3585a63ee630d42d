// ccnorm validate: what a scorecard measures (the quantity) and the reference of one case.
// The error measures themselves are docs/design.md §3's, from measures/measures.hpp: values
// (A, logC, negA = -A) by err_value and ulps, the mean by err_mean, against references held at
// >= 201 bits (golden hi + lo pairs are exact there; certified midpoints are copied), never
// rounded to the output type before the difference.
#pragma once
#include <string>
#include <vector>

#include "measures/mpfr.hpp"

namespace ccnorm::validate {

using measures::mp200;
using measures::hi_lo;
using measures::percentile;
inline constexpr double kInf = measures::kFailed;

enum class Quantity { A, logC, negA, mean };

inline const char* quantity_name(Quantity q) {
  switch (q) {
    case Quantity::A: return "A";
    case Quantity::logC: return "logC";
    case Quantity::negA: return "negA";
    case Quantity::mean: return "mean";
  }
  return "?";
}

// The reference of one case, at >= 201 bits.
struct Ref {
  mp200 A, logC;
  std::vector<mp200> mu;
};

}  // namespace ccnorm::validate
