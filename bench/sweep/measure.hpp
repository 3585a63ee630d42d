// ccnorm sweep measurements: the docs/design.md §3 error measures of one algorithm on one input,
// against the certified reference (never rounded before the difference).
//
// The reference (ccnorm::ref::certified: Arb enclosure, relative radius <= 2^-80) is copied into
// 201-bit MPFR numbers (measures/mpfr.hpp) and the difference is taken there.
// err_A = |Ahat - A| / (u max(1,|A|)), err_mu = max_j componentwise relative error in u,
// ulps_A = |Ahat - A| / ulp_T(A). NaN, +-inf or an exception count as +inf (measures::kFailed).
// The protocol of the max computable dimension measures the relative error of log C = LSE - A
// (rel_err_logC). T = float or double.
//
// The rest of the distribution (the sweep's distribution columns; docs/design.md §3, §5.6), for
// the method of each algorithm (normalizer/naive_moments.hpp: auto and auto-precise through
// distribution.hpp, the others by the naive compositions with their own A and mean), against
// ref::certified_entropy / certified_covariance / certified_kl:
//   err_H    err_value: |H^ - H| / (u max(1, |H|))
//   err_var  max_i |Var^_i - Var_i| / (u Var_i)                 (every variance, relative)
//   err_cov  max |Cov^_ij - Cov_ij| / (u sqrt(Cov_ii Cov_jj))    over i != j: the full matrix for
//            K <= kDistFullK, else the column of the top node (the largest logit, first of ties)
//   err_kl   |KL^ - KL| / (u KL) for the pair (z, kl_partner(z)) of bench/sweep/inputs.hpp;
//            an exact 0 must come out exactly 0 (else inf)
// NaN, inf, a negative variance... are what they are: a non-finite result or an exception is inf.
// For auto, K > kDistFullK, the column is hvp(z, e_top) and the variances variances(z).
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

// ---- the distribution columns
inline constexpr std::size_t kDistFullK = 32;

struct DistRef {
  mp200 H;
  std::vector<mp200> var;   // K
  std::vector<double> sd;   // sqrt(Var_i) in double (the natural scales)
  std::size_t top = 0;      // the covariance column (K > kDistFullK)
  bool full = false;        // cov holds every column (K <= kDistFullK)
  std::vector<mp200> cov;   // full: cov[j K + i] = Cov_ij; else the top column cov[i] = Cov_{i,top}
  mp200 kl;                 // KL(z || q); exactly 0 when q - z is constant
};
// The certified references of z (H, the variances, the covariance entries compared; kl unset).
// Throws what ref:: throws.
DistRef dist_reference(const std::vector<double>& z);
// KL(z || q), certified (exactly 0 when q - z is constant).
mp200 kl_reference(const std::vector<double>& z, const std::vector<double>& q);

struct DistErrors {
  double H = measures::kFailed, var = measures::kFailed, cov = measures::kFailed, kl = measures::kFailed;
};
// with_cov = false leaves var and cov NaN (not computed).
template <class T>
DistErrors measure_dist(Algo a, const std::vector<T>& z, const std::vector<T>& q, const DistRef& r, bool with_cov = true);
extern template DistErrors measure_dist<float>(Algo, const std::vector<float>&, const std::vector<float>&, const DistRef&,
                                               bool);
extern template DistErrors measure_dist<double>(Algo, const std::vector<double>&, const std::vector<double>&,
                                                const DistRef&, bool);

// Relative error of log C = LSE - A (the protocol's "A - LSE"), taken in 201 bits; inf if not finite.
double rel_err_logC(double logC_hat, const mp200& logC);

}  // namespace ccnorm::sweep
