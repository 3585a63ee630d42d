// ccnorm golden generation: certified test vectors over the hard families, for other projects'
// unit tests (library of `ccnorm golden`; format: validate/golden.hpp, reference/golden/README.md).
//
//   golden_inputs(seed, small)   the cases' inputs (no reference yet), in file order
//   certify(cases, opt)          the certified reference of every case (ccnorm::ref::certified: Arb
//                                balls, precision raised until every enclosure decides its rounding
//                                to double); A, logC and mu_j stored as hi = RN(mid) and
//                                lo = RN(mid - hi) plus the certified radius. Both ends of every
//                                ball are re-checked to round to the same double: an undecided value
//                                is an error, never written. `small_A` rows are first shifted by
//                                RN(A) of the unshifted row (rounded to the dtype), so |A| < 1.
//                                The rest of the distribution (format version 2): the entropy
//                                (certified_entropy), the covariance for K <= cov_max_K
//                                (certified_covariance) and, for K <= mu_max_K, the KL divergence
//                                of the pair (x, kl_q) with kl_q = kl_partner(x) of bench/sweep/inputs.hpp
//                                rounded to the dtype (certified_kl): hi, lo and a radius that
//                                bounds |true - (hi + lo)| (the enclosure's radius plus the pair's
//                                rounding), certified to 2^-80 of the value's scale, not required
//                                to be decided (golden.hpp).
//   write_golden(dir, cases, prov, mu_max_K)   DIR/golden.csv, DIR/golden.jsonl, DIR/README.md
//
// Families (parameters in each id): gaussian, eta (the papers' max-dimension protocol), cb
// (K = 2, the continuous Bernoulli), ties, near_ties, clusters, progression, outlier, offset,
// wide, all_equal, small_A; K from 1 to 10^4; logits and eta parameterisations;
// float32-representable and float64 inputs. The generators are bench/families.hpp's.
//
// Determinism: each case has its own generator, std::mt19937_64 seeded with
// splitmix64(seed ^ fnv1a64(id)) >> 11 (stored in the `seed` column, < 2^53 so JSON keeps it exact),
// and only the raw engine output is used (bench/rng.hpp), so the data lines depend only on the seed
// and the set (small/full). The provenance header records the tool, versions, git revision and date.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "io/provenance.hpp"
#include "validate/golden.hpp"

namespace ccnorm::golden {

inline constexpr std::uint64_t kDefaultSeed = 20240611;

// The largest K with a stored mean: 316 in the small (committed) set, no limit otherwise.
std::size_t mu_max_K(bool small);
// The largest K with a stored covariance (K x K values): 10 in the small set, 32 otherwise.
std::size_t cov_max_K(bool small);

// Throws std::logic_error on a duplicate id or a non-finite generated input (a generator bug).
std::vector<Case> golden_inputs(std::uint64_t seed, bool small);

struct CertifyOptions {
  std::size_t mu_max_K = 0;   // the mean for K <= mu_max_K
  int threads = 0;            // 0: all cores
  std::size_t cov_max_K = 10; // the covariance for K <= cov_max_K
  bool distribution = true;   // the entropy, covariance and KL columns (format version 2)
};
// Fills the reference of every case. Throws std::runtime_error whose message holds one line
// "<id>: <reason>" per case that could not be certified.
void certify(std::vector<Case>& cases, const CertifyOptions& opt);

// The provenance of a set: tool "ccnorm golden [--small] --seed N", the reference's library versions.
io::Provenance provenance(std::uint64_t seed, bool small, const std::string& git, const std::string& date);

// Writes the three files into dir (created); throws std::runtime_error naming a file that cannot be
// written.
void write_golden(const std::string& dir, const std::vector<Case>& cases, const io::Provenance& prov,
                  std::size_t mu_max_K, std::size_t cov_max_K = 10);

}  // namespace ccnorm::golden
