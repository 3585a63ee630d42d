// ccnorm golden generation (see golden_gen.hpp).
#include "validate/golden_gen.hpp"

#include <mpfr.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <stdexcept>

#include <fmt/format.h>
#if defined(_OPENMP)
#include <omp.h>
#endif

#include "bench/families.hpp"
#include "bench/rng.hpp"
#include "bench/sweep/inputs.hpp"
#include "io/files.hpp"
#include "reference/reference.hpp"

namespace ccnorm::golden {

namespace {

using namespace ccnorm::gen;  // Rng, splitmix64, fnv1a64, the family fill functions

std::string p(double x) { return fmt::format("{:g}", x); }

struct Gen {
  std::uint64_t seed;
  bool small;
  std::vector<Case> cases;
  std::set<std::string> ids;

  // gen fills z (K values; the full logits vector, including the trailing 0 for eta rows).
  void add(const std::string& family, bool f32, std::size_t K, const std::string& param, bool eta,
           const std::function<void(Rng&, std::vector<double>&)>& gen) {
    std::string id = family + "." + (f32 ? "f32" : "f64") + (param.empty() ? "" : "." + param) + ".K" + std::to_string(K);
    if (!ids.insert(id).second) throw std::logic_error("duplicate case id " + id);
    Case c;
    c.id = id;
    c.family = family;
    c.seed = splitmix64(seed ^ fnv1a64(id)) >> 11;
    c.eta = eta;
    c.f32 = f32;
    c.K = K;
    Rng rng(c.seed);
    std::vector<double> z(K);
    gen(rng, z);
    for (double& x : z) {
      x = to_type(x, f32);
      if (x == 0) x = 0.0;  // no negative zeros
      if (!std::isfinite(x)) throw std::logic_error("non-finite input in " + id);
    }
    if (eta) {
      z.back() = 0.0;
      z.pop_back();
    }
    c.x = std::move(z);
    cases.push_back(std::move(c));
  }
};


void generate(Gen& G) {
  const bool S = G.small;
  const std::vector<std::size_t> kK = S ? std::vector<std::size_t>{1, 2, 3, 5, 10, 32, 100}
                                        : std::vector<std::size_t>{1, 2, 3, 4, 5, 7, 10, 16, 32, 64, 100, 200, 316, 500, 1000};
  const std::vector<std::size_t> kThin = S ? std::vector<std::size_t>{2, 3, 10, 32}
                                           : std::vector<std::size_t>{2, 3, 5, 10, 32, 100, 316, 1000};
  for (bool f32 : {false, true}) {
    // gaussian: z = sigma N(0, 1)
    for (double s : S ? std::vector<double>{1e-6, 1.0, 10.0, 100.0} : std::vector<double>{1e-9, 1e-6, 1e-3, 0.1, 1.0, 10.0, 100.0, 300.0})
      for (std::size_t K : kK) G.add("gaussian", f32, K, "s" + p(s), false, [&](Rng& g, auto& z) { gaussian_fill(g, z, s); });

    // eta: the papers' protocol, z = (eta, 0), eta ~ sigma N(0, I_{K-1}); stored as eta
    for (double s : {0.01, 1.0, 10.0, 32.0})
      for (std::size_t K : kK)
        if (K >= 2) G.add("eta", f32, K, "s" + p(s), true, [&](Rng& g, auto& z) { gaussian_fill(g, z, s); });

    // cb: the continuous Bernoulli line, K = 2, z = (l, 0) stored as eta = l; l spans the Taylor
    // switch of PyTorch (lambda in (0.499, 0.501) <=> |l| < 0.004), the float32 saturation of
    // sigmoid (|l| ~ 17) and very large logits.
    for (double l : {0.0, 1e-300, 1e-30, 1e-8, 1e-4, 1e-3, 0.002, 0.0039, 0.0040001, 0.0045, 0.01, 0.1, 0.5, 1.0, 2.5, 5.0, 10.0,
                     16.0, 17.0, 20.0, 30.0, 37.0, 50.0, 88.0, 100.0, 700.0, 1e4, 1e6})
      for (double sg : {1.0, -1.0}) {
        if (l == 0 && sg < 0) continue;
        G.add("cb", f32, 2, "l" + p(sg * l), true, [&](Rng&, auto& z) { z[0] = sg * l; });
      }

    // ties: exact repeated values (v0: 1..5 groups; v1: half the nodes tied, rest distinct;
    // v2: small integers in [-3, 3])
    for (int v = 0; v < 3; ++v)
      for (std::size_t K : kK) {
        if (K < 2) continue;
        G.add("ties", f32, K, "v" + std::to_string(v), false, [&](Rng& g, auto& z) { fill_ties(g, z, v, f32); });
      }

    // near_ties: consecutive nodes 1 ulp (v0) or 1..3 ulps (v1) of the row's type apart around m
    for (double m : S ? std::vector<double>{0.0, 1.0, 1e3, -3e4} : std::vector<double>{0.0, 1.0, 1e3, 3e4, -3e4})
      for (int v = 0; v < 2; ++v)
        for (std::size_t K : kThin)
          G.add("near_ties", f32, K, "m" + p(m) + ".v" + std::to_string(v), false, [&](Rng& g, auto& z) { fill_ulp_apart(g, z, m, v, f32); });

    // clusters: 2..5 tight clusters (spread 1e-12..1e-3), centres 1..1e3 apart
    for (int v = 0; v < (S ? 2 : 3); ++v)
      for (std::size_t K : kK) {
        if (K < 2) continue;
        G.add("clusters", f32, K, "v" + std::to_string(v), false, [&](Rng& g, auto& z) { fill_clusters(g, z); });
      }

    // progression: a + h (0..K-1), shuffled (the closed form's cancellation ~ coth(h/2)^(K-1))
    for (double h : S ? std::vector<double>{1e-8, 1e-2, 1.0, 10.0} : std::vector<double>{1e-8, 1e-4, 1e-2, 0.1, 1.0, 10.0})
      for (std::size_t K : kK) {
        if (K < 2) continue;
        G.add("progression", f32, K, "h" + p(h), false, [&](Rng& g, auto& z) { fill_progression(g, z, h); });
      }

    // outlier: K-1 nodes N(0,1), one node `dist` above the max (up) or below the min (down)
    for (double dist : S ? std::vector<double>{10.0, 1e3, 1e4} : std::vector<double>{10.0, 100.0, 1e3, 1e4})
      for (int sign : {+1, -1})
        for (std::size_t K : kThin)
          G.add("outlier", f32, K, std::string(sign > 0 ? "up" : "down") + p(dist), false, [&](Rng& g, auto& z) { fill_outlier(g, z, dist, sign); });

    // offset: sigma 1 gaussian plus a large offset (|A| large, relative accuracy of A)
    for (double off : S ? std::vector<double>{-3e4, 700.0, 1e4} : std::vector<double>{-3e4, -1e4, -700.0, 700.0, 1e4, 3e4})
      for (std::size_t K : kThin)
        G.add("offset", f32, K, "o" + p(off), false, [&](Rng& g, auto& z) { gaussian_fill(g, z, 1.0, off); });

    // wide: uniform on [0, S] with both ends present
    for (double Sp : {100.0, 1e3, 1e4})
      for (std::size_t K : kK)
        if (K >= 2)
          G.add("wide", f32, K, "S" + p(Sp), false, [&](Rng& g, auto& z) { fill_wide(g, z, Sp); });

    // all_equal: A = c - log((K-1)!), mu_j = 1/K
    for (double c : {-1.0, 3e4})
      for (std::size_t K : kThin)
        G.add("all_equal", f32, K, "c" + p(c), false, [&](Rng&, auto& z) { std::fill(z.begin(), z.end(), c); });

    // small_A: gaussian rows shifted so that |A| < 1 (relative accuracy of exp[z] itself); the
    // shift is RN(A) of the unshifted row, applied after the reference is known (certify()).
    for (double s : {1.0, 10.0})
      for (std::size_t K : kThin) {
        G.add("small_A", f32, K, "s" + p(s), false, [&](Rng& g, auto& z) { gaussian_fill(g, z, s); });
      }
  }

  // Larger K (both parameterisations, both dtypes).
  const std::vector<std::size_t> big = S ? std::vector<std::size_t>{316, 1000} : std::vector<std::size_t>{2000, 3162};
  for (std::size_t K : big) {
    G.add("gaussian", false, K, "s1", false, [&](Rng& g, auto& z) { gaussian_fill(g, z, 1.0); });
    G.add("eta", true, K, "s1", true, [&](Rng& g, auto& z) { gaussian_fill(g, z, 1.0); });
    G.add("ties", false, K, "v2", false, [&](Rng& g, auto& z) {
      for (double& x : z) x = static_cast<double>(g.below(7)) - 3.0;
    });
    G.add("wide", true, K, "S1000", false, [&](Rng& g, auto& z) {
      for (double& x : z) x = g.uniform(0, 1e3);
      z[0] = 0;
      z[1] = 1e3;
      g.shuffle(z);
    });
  }
  // K = 10^4: values quantised to 2^-8 (short decimals, float-representable).
  G.add("gaussian", true, 10000, "s1.q8", false, [&](Rng& g, auto& z) {
    for (double& x : z) x = std::round(256 * g.normal()) / 256;
  });
  if (!S) {
    G.add("wide", false, 10000, "S10000", false, [&](Rng& g, auto& z) {
      for (double& x : z) x = g.uniform(0, 1e4);
      z[0] = 0;
      z[1] = 1e4;
      g.shuffle(z);
    });
    G.add("eta", true, 10000, "s10", true, [&](Rng& g, auto& z) { gaussian_fill(g, z, 10.0); });
  }
}

// RN of an mpfr value to double, and the check that [mid - rad, mid + rad] rounds to it.
bool decided(const ccnorm::ref::mpfloat& mid, double rad, double& hi, double& lo) {
  const mpfr_srcptr m = mid.backend().data();
  hi = mpfr_get_d(m, MPFR_RNDN);
  const mpfr_prec_t pr = std::max<mpfr_prec_t>(mpfr_get_prec(m), 64) + 64;
  mpfr_t a, b;
  mpfr_inits2(pr, a, b, static_cast<mpfr_ptr>(nullptr));
  mpfr_sub_d(a, m, hi, MPFR_RNDN);
  lo = mpfr_get_d(a, MPFR_RNDN);
  if (lo == 0) lo = 0.0;
  mpfr_sub_d(a, m, rad, MPFR_RNDD);
  mpfr_add_d(b, m, rad, MPFR_RNDU);
  const bool ok = mpfr_get_d(a, MPFR_RNDN) == hi && mpfr_get_d(b, MPFR_RNDN) == hi;
  mpfr_clears(a, b, static_cast<mpfr_ptr>(nullptr));
  return ok;
}

// hi = RN(mid), lo = RN(mid - hi) and the bound rad + |mid - (hi + lo)| on |true - (hi + lo)|
// (rounded up), for the values that need not be decided (the rest of the distribution).
double split_pair(const ccnorm::ref::mpfloat& mid, double rad, double& hi, double& lo) {
  const mpfr_srcptr m = mid.backend().data();
  hi = mpfr_get_d(m, MPFR_RNDN);
  const mpfr_prec_t pr = std::max<mpfr_prec_t>(mpfr_get_prec(m), 64) + 128;
  mpfr_t a;
  mpfr_init2(a, pr);
  mpfr_sub_d(a, m, hi, MPFR_RNDN);  // exact at this precision
  lo = mpfr_get_d(a, MPFR_RNDN);
  if (lo == 0) lo = 0.0;
  mpfr_sub_d(a, a, lo, MPFR_RNDN);
  mpfr_abs(a, a, MPFR_RNDN);
  mpfr_add_d(a, a, rad, MPFR_RNDU);
  const double r = mpfr_get_d(a, MPFR_RNDU);
  mpfr_clear(a);
  return r;
}

// x / sqrt(a b) rounded up (a, b > 0 as MPFR numbers; 0 when x == 0).
double over_scale(double x, const ccnorm::ref::mpfloat& a, const ccnorm::ref::mpfloat& b) {
  if (x == 0) return 0;
  mpfr_t s;
  mpfr_init2(s, 64);
  mpfr_mul(s, a.backend().data(), b.backend().data(), MPFR_RNDD);
  mpfr_sqrt(s, s, MPFR_RNDD);
  mpfr_d_div(s, x, s, MPFR_RNDU);
  const double r = mpfr_get_d(s, MPFR_RNDU);
  mpfr_clear(s);
  return std::fabs(r);
}

// The q row of a case's KL pair: kl_partner of its input values, in its dtype (no negative zeros).
std::vector<double> kl_q_of(const Case& c) {
  std::vector<double> q;
  if (c.f32) {
    const auto qf = ccnorm::sweep::kl_partner(ccnorm::sweep::as<float>(c.x));
    q.assign(qf.begin(), qf.end());
  } else {
    q = ccnorm::sweep::kl_partner(c.x);
  }
  for (double& v : q)
    if (v == 0) v = 0.0;
  return q;
}

// The entropy, covariance (K <= cov_max_K) and KL (K <= kl_max_K) columns of one case.
void certify_distribution(Case& c, std::size_t cov_max_K, std::size_t kl_max_K) {
  const auto z = c.z();
  const std::size_t K = z.size();
  const auto h = ref::certified_entropy(z.data(), K);
  c.H_rad = split_pair(h.mid, h.rad, c.H, c.H_lo);
  c.has_H = true;
  if (K <= cov_max_K) {
    c.cov.assign(K * K, 0.0);
    c.cov_lo.assign(K * K, 0.0);
    c.cov_relrad = 0;
    if (K > 1) {  // K = 1: a point mass, Cov = 0 exactly
      const auto cv = ref::certified_covariance(z.data(), K);
      // the upper triangle (entry (i, j), i <= j, from column j), mirrored: exactly symmetric
      for (std::size_t i = 0; i < K; ++i)
        for (std::size_t j = i; j < K; ++j) {
          const double r = split_pair(cv.cov[j * K + i], cv.cov_rad[j * K + i], c.cov[i * K + j], c.cov_lo[i * K + j]);
          c.cov[j * K + i] = c.cov[i * K + j];
          c.cov_lo[j * K + i] = c.cov_lo[i * K + j];
          c.cov_relrad = std::max(c.cov_relrad, over_scale(r, cv.var[i], cv.var[j]));
        }
    }
    c.has_cov = true;
  }
  if (K > kl_max_K) return;
  c.kl_q = kl_q_of(c);
  const auto zq = c.zq();
  const auto kl = ref::certified_kl(z.data(), zq.data(), K);
  c.kl_rad = split_pair(kl.mid, kl.rad, c.kl, c.kl_lo);
  c.has_kl = true;
}

}  // namespace

std::size_t mu_max_K(bool small) { return small ? 316 : 100000; }
std::size_t cov_max_K(bool small) { return small ? 10 : 32; }

std::vector<Case> golden_inputs(std::uint64_t seed, bool small) {
  Gen G{seed, small, {}, {}};
  generate(G);
  return std::move(G.cases);
}

namespace {

// The references of cases[idx] (values only, or with the mean up to mu_max_K); errors by index.
void certify_some(std::vector<Case>& cases, const std::vector<std::size_t>& idx, bool values_only,
                  const CertifyOptions& o, std::vector<std::string>& errors) {
#if defined(_OPENMP)
  const int nt = o.threads > 0 ? o.threads : omp_get_max_threads();
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
#endif
  for (std::ptrdiff_t t = 0; t < static_cast<std::ptrdiff_t>(idx.size()); ++t) {
    Case& c = cases[idx[t]];
    const auto z = c.z();
    const bool with_mu = !values_only && c.K <= o.mu_max_K;
    try {
      // certified() accepts a ball that straddles a rounding boundary when it is narrower than
      // 2^-200 max(1, |x|); for a tiny |A| (e.g. z = (1e-300, 0)) that is not decisive, so such
      // cases are recomputed from a higher starting precision until decided() holds.
      ref::Options opt;
      ref::Certified r;
      bool ok = false;
      for (int attempt = 0; attempt < 6; ++attempt) {
        r = ref::certified(z.data(), z.size(), with_mu, opt);
        double h, l;
        ok = decided(r.A, r.A_rad, h, l) && decided(r.logC, r.logC_rad, h, l);
        for (std::size_t j = 0; ok && with_mu && j < c.K; ++j) ok = decided(r.mu[j], r.mu_rad[j], h, l);
        if (ok) break;
        opt.start_prec = 4 * r.prec_bits;
      }
      ok = decided(r.A, r.A_rad, c.A, c.A_lo) && decided(r.logC, r.logC_rad, c.logC, c.logC_lo);
      c.A_rad = r.A_rad;
      c.logC_rad = r.logC_rad;
      c.has_ref = true;
      if (with_mu) {
        c.has_mu = true;
        c.mu.resize(c.K);
        c.mu_lo.resize(c.K);
        c.mu_relrad = 0;
        for (std::size_t j = 0; j < c.K; ++j) {
          ok = decided(r.mu[j], r.mu_rad[j], c.mu[j], c.mu_lo[j]) && ok;
          // rad_j / mu_j in MPFR (mu_j may be far below the double range, e.g. e^-10000)
          mpfr_t q;
          mpfr_init2(q, 64);
          mpfr_set_d(q, r.mu_rad[j], MPFR_RNDU);
          mpfr_div(q, q, r.mu[j].backend().data(), MPFR_RNDU);
          const double rel = mpfr_get_d(q, MPFR_RNDU);
          mpfr_clear(q);
          c.mu_relrad = std::max(c.mu_relrad, std::fabs(rel));
        }
        if (!std::isfinite(c.mu_relrad)) errors[idx[t]] = "non-finite relative radius of the mean";
      }
      if (!ok) errors[idx[t]] = "an enclosure does not decide its rounding to double";
      if (!values_only && o.distribution) {
        certify_distribution(c, o.cov_max_K, o.mu_max_K);
        if (!std::isfinite(c.H_rad) || !std::isfinite(c.cov_relrad) || !std::isfinite(c.kl_rad))
          errors[idx[t]] = "non-finite radius of the entropy, covariance or KL";
      }
    } catch (const std::exception& e) {
      errors[idx[t]] = e.what();
    }
  }
}

void throw_errors(const std::vector<Case>& cases, const std::vector<std::string>& errors) {
  std::string msg;
  for (std::size_t i = 0; i < errors.size(); ++i)
    if (!errors[i].empty()) msg += (msg.empty() ? "" : "\n") + cases[i].id + ": " + errors[i];
  if (!msg.empty()) throw std::runtime_error(msg);
}

}  // namespace

void certify(std::vector<Case>& cases, const CertifyOptions& opt) {
  std::vector<std::string> errors(cases.size());
  // small_A rows: shift by RN(A) of the unshifted row, rounded to the dtype, then the real reference.
  std::vector<std::size_t> small_A;
  for (std::size_t i = 0; i < cases.size(); ++i)
    if (cases[i].family == "small_A") small_A.push_back(i);
  certify_some(cases, small_A, true, opt, errors);
  throw_errors(cases, errors);
  for (std::size_t i : small_A) {
    Case& c = cases[i];
    for (double& x : c.x) {
      x = to_type(x - c.A, c.f32);
      if (x == 0) x = 0.0;
    }
    c.has_ref = false;
  }
  std::vector<std::size_t> all(cases.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  certify_some(cases, all, false, opt, errors);
  throw_errors(cases, errors);
}

io::Provenance provenance(std::uint64_t seed, bool small, const std::string& git, const std::string& date) {
  return {fmt::format("ccnorm golden{} --seed {}", small ? " --small" : "", seed), ref::library_versions(), git, date};
}

void write_golden(const std::string& dir, const std::vector<Case>& cases, const io::Provenance& prov,
                  std::size_t mu_max_K, std::size_t cov_max_K) {
  std::filesystem::create_directories(dir);
  std::map<std::string, std::size_t> per_family;
  std::map<std::string, std::size_t> per_K;
  std::size_t n_eta = 0, n_f32 = 0, n_mu = 0, n_H = 0, n_cov = 0, n_kl = 0;
  for (const Case& c : cases) {
    ++per_family[c.family];
    ++per_K[k_band(c.K)];
    n_eta += c.eta;
    n_f32 += c.f32;
    n_mu += c.has_mu;
    n_H += c.has_H;
    n_cov += c.has_cov;
    n_kl += c.has_kl;
  }
  const std::string prov_line = io::provenance_line(prov);

  std::string csv = fmt::format("# ccnorm golden vectors, format version {} (see README.md)\n", kFormatVersion);
  csv += "# generated by " + prov_line + "\n";
  csv += "# reference: ccnorm::ref::certified (Arb ball arithmetic, all-positive Taylor series)\n";
  csv += "# values: X = RN(X_true) to double, X_lo = RN(X_true - X); X_rad = certified radius; mu_relrad = max_j rad_j/mu_j\n";
  csv += "# H, cov, kl: X = RN(mid), X_lo = RN(mid - X), X_rad (cov_relrad: over sqrt(Cov_ii Cov_jj)) bounds |X_true - (X + "
         "X_lo)|; kl = KL(z || kl_q)\n";
  csv += fmt::format("# cases: {} ({} eta, {} f32-representable, {} with mu, {} with H, {} with cov, {} with kl)\n",
                     cases.size(), n_eta, n_f32, n_mu, n_H, n_cov, n_kl);
  csv += std::string(kCsvHeader) + "\n";
  for (const Case& c : cases) csv += csv_row(c) + "\n";
  io::write_text(dir + "/golden.csv", csv);

  std::string jl = "{\"format\":\"ccnorm-golden\",\"version\":" + std::to_string(kFormatVersion) + ",\"provenance\":{" + io::provenance_json(prov) +
                   ",\"reference\":\"ccnorm::ref::certified (Arb ball arithmetic)\",\"cases\":" +
                   std::to_string(cases.size()) + "}}\n";
  for (const Case& c : cases) jl += json_row(c) + "\n";
  io::write_text(dir + "/golden.jsonl", jl);

  std::string fam, ks;
  for (auto& [k, n] : per_family) fam += fmt::format("| {} | {} |\n", k, n);
  for (auto& [k, n] : per_K) ks += fmt::format("| {} | {} |\n", k, n);
  io::write_text(dir + "/README.md", fmt::format(R"(# ccnorm golden vectors

Certified test vectors for the log-normalizer of the continuous categorical (CC) distribution,
`A(z) = log exp[z_1..z_K]` (divided difference of exp), `log C = LSE(z) - A(z)`, the mean
`mu = grad A`, and the rest of the distribution: the entropy `H = A - z.mu`, the covariance
`Cov = grad^2 A` and the KL divergence `KL(p || q)` of a pair, for other projects to copy into
their unit tests. Generated (never typed) by

    {} --out DIR

(git {}, {}; {}). Regenerating with the same seed reproduces every data line exactly; only the
provenance header (date, git revision) changes. Format version {} (version 1 files, without the
columns from `H` on, are still read by `ccnorm validate`).

## Files

- `golden.csv`  - `#` provenance lines, then a header line and one case per line.
- `golden.jsonl` - the same cases: line 1 is `{{"format":"ccnorm-golden","version":{},"provenance":{{...}}}}`,
  then one JSON object per case with the same keys (`z`, `mu`, `mu_lo`, `cov`, `cov_lo`, `kl_q` as arrays).

## Columns

| column | meaning |
|---|---|
| `id` | unique name `family.dtype.params.K<K>` |
| `family` | generator family (table below) |
| `seed` | the case's own generator seed: `std::mt19937_64(seed)` (< 2^53) |
| `param` | `logits`: `z` holds the K logits; `eta`: `z` holds eta (K-1 values) and the logits are `(eta, 0)` (the papers' parameterisation) |
| `dtype` | `f32`: every input value is exactly representable in float32 (use these rows to test float32 code); `f64`: double inputs |
| `K` | number of nodes (for `eta` rows: len(z) + 1) |
| `z` | the input, `;`-separated in CSV; decimal, shortest round-trip of the double (exact) |
| `A`, `A_lo` | `A = RN(A_true)` (correctly rounded to double, round-to-nearest-even), `A_lo = RN(A_true - A)`: `A + A_lo` is the value to ~106 bits |
| `A_rad` | certified radius: the Arb enclosure `[mid - A_rad, mid + A_rad]` contains `A_true`, and both ends round to `A` |
| `logC`, `logC_lo`, `logC_rad` | the same for `log C = LSE(z) - A(z)` |
| `mu`, `mu_lo` | the mean (K components, `;`-separated in CSV), each correctly rounded to double, plus the low parts; empty for K > {} in this set |
| `mu_relrad` | `max_j rad(mu_j) / mu_j` over the certified enclosures of the mean |
| `H`, `H_lo`, `H_rad` | the entropy: `H = RN(mid)`, `H_lo = RN(mid - H)` of its certified midpoint, `H_rad` bounds `|H_true - (H + H_lo)|` (the enclosure is within 2^-80 max(1, |H|); `H` is not guaranteed to be the correctly rounded value when H_true is within that of a rounding boundary) |
| `cov`, `cov_lo` | the covariance, K x K row-major (`;`-separated), the same pair per entry; empty for K > {} in this set |
| `cov_relrad` | `max_ij` of the bound on `|Cov_ij_true - (cov + cov_lo)|` over `sqrt(Cov_ii Cov_jj)` (the entry's natural scale) |
| `kl_q` | the second row q of the case's KL pair, in the case's `param` and `dtype` (an `eta` row's logits are `(kl_q, 0)`): `q_j = RN(z_j + max(1e-6 max(1, spread), 8 ulp(z_j)) cos(j))` of its input values (`bench/sweep/inputs.hpp` kl_partner); empty (with `kl`) for K > {} in this set |
| `kl`, `kl_lo`, `kl_rad` | `KL(p || q)` for p = the case's logits and q = `kl_q`: pair and bound as for `H`; exactly 0 when q - p is a multiple of (1, ..., 1) |

Conventions: the papers' `log C(eta)` equals `-A(eta, 0)` for the exp-numerator form of the paper and
`LSE(eta, 0) - A(eta, 0)` = `logC` for the lambda-numerator form used by `cc_log_norm_const` in
the papers' code; PyTorch's `ContinuousBernoulli(logits=l)._cont_bern_log_norm()` is `logC` of the
case `(l, 0)` and its `mean` is `mu_1`.

How to score an implementation: compare against `A + A_lo` (never against `A` alone) with the
measures of docs/design.md §3, or write one result per case and run

    ccnorm validate --cases golden.csv --results my_results.txt --quantity A [--dtype f32]

(`--quantity H|cov|kl` for the entropy, the K*K covariance entries, and KL(z || kl_q)).

## Composition ({} cases: {} eta, {} float32-representable, {} with the mean, {} with H, {} with the covariance, {} with KL)

| family | cases |
|---|---|
{}
| K | cases |
|---|---|
{}
Families: `gaussian` (sigma N(0,1)), `eta` (the papers' max-dimension protocol, z = (eta,0)),
`cb` (K = 2, z = (l, 0): the continuous Bernoulli, including PyTorch's Taylor switch |l| < 0.004 and
float32 sigmoid saturation), `ties` (exact repeats), `near_ties` (nodes 1-3 ulps apart),
`clusters` (tight clusters far apart), `progression` (equally spaced, shuffled), `outlier` (one node
far from the rest), `offset` (large common offset), `wide` (uniform on [0, S]), `all_equal`
(A = c - log((K-1)!)), `small_A` (shifted so |A| < 1). Parameters are in each id; the generator is
`validate/golden_gen.cpp`.
)",
      prov.tool, prov.git, prov.date, prov.libraries, kFormatVersion, kFormatVersion, mu_max_K, cov_max_K, mu_max_K, cases.size(),
      n_eta, n_f32, n_mu, n_H, n_cov, n_kl, fam, ks));
}

}  // namespace ccnorm::golden
