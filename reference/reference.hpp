// ccnorm reference: certified arbitrary-precision values of A, log C and the mean.
//
// Independent of normalizer/ (never calls the code under test). See reference.cpp for the method.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include <boost/multiprecision/mpfr.hpp>

namespace ccnorm::ref {

using mpfloat = boost::multiprecision::mpfr_float;  // variable precision (set per value)

struct Certified {
  mpfloat A;                  // midpoint of the enclosure of A(z)
  mpfloat logC;               // midpoint of the enclosure of LSE(z) - A(z)
  double A_rad = 0;           // certified radius: |A_true - A| <= A_rad (rounded up)
  double logC_rad = 0;
  std::vector<mpfloat> mu;    // midpoints of mu_j (empty unless requested)
  std::vector<double> mu_rad; // certified radii of mu_j
  long prec_bits = 0;         // working precision that decided the result
  long terms = 0;             // series terms N used at that precision (added)
};

// Largest spread max(z) - min(z) the series reference accepts (cost O(K * spread)); beyond it
// certified() throws std::domain_error. (added)
inline constexpr double kMaxSpread = 1e7;

// z: K >= 1 finite doubles (float inputs are passed exactly, widened to double).
// Raises the working precision until every enclosure decides the double rounding of its value
// and has relative radius <= 2^-80 (or absolute 2^-80 when the value is below 1 in magnitude).
// Throws std::invalid_argument on K == 0 or non-finite input, std::domain_error when the spread
// exceeds kMaxSpread.
Certified certified(const double* z, std::size_t K, bool with_mu);

// (added) Tuning knobs, mainly for tests: start_prec > 0 overrides the automatic starting precision
// (the precision still doubles until the goals above are met).
struct Options {
  long start_prec = 0;
};
Certified certified(const double* z, std::size_t K, bool with_mu, const Options& opt);

// Independent cross-check: the closed form sum_k e^{z_k} / prod_{i!=k}(z_k - z_i) evaluated in
// MPFR with enough bits to absorb its cancellation (distinct nodes only; returns false on ties).
// Result A to about `digits` decimal digits.
bool closed_form_mpfr(const double* z, std::size_t K, int digits, mpfloat& A);

// (added) Independent cross-check of the mean, same method: mu_j = exp[z, z_j] / exp[z] with the
// confluent closed form exp[z, z_j] = sum_{k!=j} t_k/(z_k - z_j) + t_j (1 - sum_{i!=j} 1/(z_j - z_i)),
// t_k = e^{z_k}/prod_{i!=k}(z_k - z_i). Cost O(K^2) per component. Distinct nodes only (false on ties).
bool closed_form_mean_mpfr(const double* z, std::size_t K, int digits, std::vector<mpfloat>& mu);

// "Arb x, FLINT y, MPFR z, GMP w": the versions of the libraries behind certified(), for the
// provenance lines of the files that store its values (io/provenance.hpp).
std::string library_versions();

}  // namespace ccnorm::ref
