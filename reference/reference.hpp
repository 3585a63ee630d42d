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
  // (added) rad <= 2^X_rad_log2, also below the double range where X_rad stops at 2^-1074
  // (auto-cr's oracle and test decide values such as an exact 0 with it); LONG_MIN: rad = 0
  long A_rad_log2 = 0, logC_rad_log2 = 0;
  std::vector<long> mu_rad_log2;
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

// ---- the rest of the distribution (docs/design.md §1), same method: the all-positive series
// of exp[y] and of the divided differences with one or two repeated nodes, in Arb balls, the
// working precision doubling until every goal below is met (or std::runtime_error at 2^16 bits).
// Same input rules as certified() (std::invalid_argument, std::domain_error).

// A certified scalar: |true - mid| <= rad.
struct CertifiedValue {
  mpfloat mid;
  double rad = 0;
  long prec_bits = 0;
};

// Cov = grad^2 A for the requested columns (all K when `cols` is empty):
//   Cov_ij = (1 + delta_ij) exp[z, z_i, z_j] / exp[z] - mu_i mu_j.
// cov[c K + i] = Cov_{i, cols[c]}; every radius <= 2^-80 sqrt(Cov_ii Cov_jj) (the entry's
// natural scale), diagonal radii <= 2^-80 Cov_ii. Cost O(K N (|cols| + 1)).
struct CertifiedCov {
  std::size_t K = 0;
  std::vector<std::size_t> cols;
  std::vector<mpfloat> cov;
  std::vector<double> cov_rad;
  std::vector<mpfloat> var;      // every diagonal entry Cov_ii (K), whatever the columns
  std::vector<double> var_rad;
  long prec_bits = 0;
  long terms = 0;
};
CertifiedCov certified_covariance(const double* z, std::size_t K, const std::vector<std::size_t>& cols = {});

// Differential entropy H = A - z.mu (w.r.t. Lebesgue measure on the first K-1 coordinates);
// radius <= 2^-80 max(1, |H|).
CertifiedValue certified_entropy(const double* z, std::size_t K);

// KL(p || q) = A(zq) - A(zp) - (zq - zp).mu_p for two rows of the same K; exactly 0 when
// zq - zp is a multiple of (1, ..., 1) (checked exactly), else radius <= 2^-80 KL.
CertifiedValue certified_kl(const double* zp, const double* zq, std::size_t K);

// The marginal survival function P(x_j > t) = (1-t)^(K-1) e^(t z_j) exp[(1-t) z] / exp[z],
// t in [0, 1]; radius <= 2^-80 of the value. (The exact CDF for tests of samplers.)
CertifiedValue certified_marginal_sf(const double* z, std::size_t K, std::size_t j, double t);

// Independent cross-check: the closed form sum_k e^{z_k} / prod_{i!=k}(z_k - z_i) evaluated in
// MPFR with enough bits to absorb its cancellation (distinct nodes only; returns false on ties).
// Result A to about `digits` decimal digits.
bool closed_form_mpfr(const double* z, std::size_t K, int digits, mpfloat& A);

// (added) Independent cross-check of the mean, same method: mu_j = exp[z, z_j] / exp[z] with the
// confluent closed form exp[z, z_j] = sum_{k!=j} t_k/(z_k - z_j) + t_j (1 - sum_{i!=j} 1/(z_j - z_i)),
// t_k = e^{z_k}/prod_{i!=k}(z_k - z_i). Cost O(K^2) per component. Distinct nodes only (false on ties).
bool closed_form_mean_mpfr(const double* z, std::size_t K, int digits, std::vector<mpfloat>& mu);

// (added) Certified A, log C and mu for pairwise DISTINCT nodes and ANY finite spread (the
// series reference above stops at kMaxSpread): the partial-fraction form
//     exp[z] = e^M sum_k e^{y_k} / prod_{i!=k} (y_k - y_i),   y = z - M exactly (arf), M = max z,
//     exp[z, z_j] = e^M (sum_{k!=j} t_k/(y_k - y_j) + t_j (1 - sum_{i!=j} 1/(y_j - y_i))),
// in Arb balls, the precision doubling until the goals of certified() are met (its cancellation
// is absorbed by precision, never estimated). e^{y_k} for y_k < -2^30 is enclosed as
// [0 +- 2^-2^30] (rigorous). Cost O(K^2) ball operations per precision (K <= a few thousand).
// Rows with exact ties are handed to certified_grouped. Throws std::invalid_argument on K == 0 or
// non-finite input.
Certified certified_distinct(const double* z, std::size_t K, bool with_mu);
// (added) The same for rows with exact ties, any spread: the confluent partial fractions, each tie
// group's term [s^(m-1)] of exp(s - sum_h m_h log(1 + s/d)) (Arb power series) times
// e^{v} prod_h d^-m_h; cost O(D^2 m) per divided difference, O(D^3 m) with the mean (D distinct
// values): rows of up to a few hundred nodes.
Certified certified_grouped(const double* z, std::size_t K, bool with_mu);

// "Arb x, FLINT y, MPFR z, GMP w": the versions of the libraries behind certified(), for the
// provenance lines of the files that store its values (io/provenance.hpp).
std::string library_versions();

}  // namespace ccnorm::ref
