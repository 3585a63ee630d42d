// ccnorm sweep measurements: the docs/design.md §3 error measures of one algorithm on one input,
// against the certified reference (never rounded before the difference).
//
// The reference (ccnorm::ref::certified: Arb enclosure, relative radius <= 2^-80) is copied into
// 201-bit MPFR numbers (measures/mpfr.hpp) and the difference is taken there.
// err_A = |Ahat - A| / (u max(1,|A|)), err_mu = max_j componentwise relative error in u,
// ulps_A = |Ahat - A| / ulp_T(A). NaN, +-inf or an exception count as +inf (measures::kFailed).
// The protocol of the max computable dimension measures the relative error of log C = LSE - A
// (rel_err_logC). T = float or double.
#pragma once
#include <limits>
#include <vector>

#include "measures/mpfr.hpp"
#include "normalizer/registry.hpp"

namespace ccnorm::sweep {

using measures::mp200;

// The reference of one input in 201 bits.
struct RefMP {
  mp200 A, logC;
  std::vector<mp200> mu;
};

// certified() of z (value, and the mean when with_mu) copied into 201 bits. Throws what
// ccnorm::ref::certified throws.
RefMP reference(const std::vector<double>& z, bool with_mu);

struct Errors {
  double err_A = measures::kFailed, err_mu = measures::kFailed, ulps_A = measures::kFailed;
  double logC = std::numeric_limits<double>::quiet_NaN();  // returned log C (for the protocol)
};

// Evaluate `f` on z (type T) and measure against r. With the mean requested and the algorithm
// refusing it (exception), A is still measured without the mean and err_mu = inf. A null entry
// point (no one-row path) measures as a failure.
template <class T>
Errors measure(EntryPoint<T> f, const std::vector<T>& z, const RefMP& r, bool with_mu);
// The same for a registered algorithm.
template <class T>
Errors measure(Algo a, const std::vector<T>& z, const RefMP& r, bool with_mu) {
  return measure<T>(info(a).template entry<T>(), z, r, with_mu);
}
extern template Errors measure<float>(EntryPoint<float>, const std::vector<float>&, const RefMP&, bool);
extern template Errors measure<double>(EntryPoint<double>, const std::vector<double>&, const RefMP&, bool);

// Relative error of log C = LSE - A (the protocol's "A - LSE"), taken in 201 bits; inf if not finite.
double rel_err_logC(double logC_hat, const mp200& logC);

}  // namespace ccnorm::sweep
