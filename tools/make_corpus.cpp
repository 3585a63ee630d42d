// make_corpus: writes the inputs of the hard corpus (tests/data/hard_corpus.in.csv).
//
// The corpus is the set of inputs on which every algorithm is measured against the certified
// reference (docs/design.md §3). `ccnorm_freeze IN OUT` appends the certified columns and the
// result, tests/data/hard_corpus.csv, is what the accuracy tests read. This tool never computes
// reference data: the only arithmetic on A here is a rough estimate used to shift the `small_A`
// rows so that |A| < 1 (the reference then measures the true A of the shifted row).
//
// Determinism. Every row has its own generator: std::mt19937_64 seeded with
// splitmix64(seed ^ fnv1a64(row id)), so a row depends only on the seed and its id (adding or
// removing families never changes the other rows). Only the raw 64-bit output of the engine is
// used (the engine is fully specified by the standard); libstdc++'s distributions are not used:
//   uniform in [0,1)   u = (x >> 11) * 2^-53
//   uniform in (0,1]   u = ((x >> 11) + 1) * 2^-53
//   normal N(0,1)      Box-Muller: sqrt(-2 log u1) * cos(2 pi u2), u1 in (0,1], u2 in [0,1)
//                      (the sine half is discarded so that each draw uses exactly two words)
//   integer in [0,n)   x % n (bias <= n/2^64, irrelevant here)
// std::log/std::cos come from the C library (glibc's are correctly rounded or within 1 ulp;
// a different libm may change the last bits of the gaussian rows, never the families' nature).
//
// Provenance: the first line names the tool, its seed, the ccnorm version and the date
// (io/provenance.hpp); ccnorm_freeze copies it into the frozen file.
// Rows: `<id>,<family>,<f64|f32>,<K>,<z_1;...;z_K>` with z printed with %a (exact). f32 rows are
// generated in double and rounded to float (or generated directly in float where the family is
// about float spacing, e.g. ulp_apart), so every value is exactly representable in float.
//
// Usage: make_corpus [--seed N] [--out FILE] [--max-k N] [--date YYYY-MM-DD]
//   --max-k N    drop rows with K > N (a small development corpus, e.g. --max-k 32)
#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "bench/families.hpp"
#include "bench/rng.hpp"
#include "io/provenance.hpp"
#include "normalizer/config.hpp"

namespace {

constexpr std::uint64_t kDefaultSeed = 20240611;

using namespace ccnorm::gen;  // Rng, splitmix64, fnv1a64, the family fill functions
using ccnorm::gen::fnv1a64;
using ccnorm::gen::Rng;
using ccnorm::gen::splitmix64;

enum class Dtype { f64, f32 };
const char* dname(Dtype d) { return d == Dtype::f64 ? "f64" : "f32"; }

// Round to the row's type (double rows unchanged).
double to_dtype(double x, Dtype d) { return d == Dtype::f64 ? x : static_cast<double>(static_cast<float>(x)); }

// Short, file-safe formatting of a parameter for ids (no ',' or ';').
std::string p(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

// Rough A(z) in long double: all-positive Taylor series of the divided difference of exp after
// the shift y = z - min z (docs/design.md §1). Only used to place the small_A rows near A = 0;
// the frozen reference measures their true A. Assumes spread <= ~1000 (no rescaling needed in the
// long double range) which holds for the rows it is used on.
long double rough_A(const std::vector<double>& z) {
  const std::size_t K = z.size();
  const double zmin = *std::min_element(z.begin(), z.end());
  std::vector<long double> y(K), v(K, 1.0L);
  long double r = 0;
  for (std::size_t j = 0; j < K; ++j) {
    y[j] = static_cast<long double>(z[j]) - zmin;
    r = std::max(r, y[j]);
  }
  long double S = 1.0L;  // n = 0 term: v_K(0) = 1
  for (std::size_t n = 1; n < 100000; ++n) {
    // v_j(n) = ((j-1) v_{j-1}(n) + y_j v_j(n-1)) / (n+j-1), 1-based j; v_1(n) = y_1 v_1(n-1) / n
    v[0] = y[0] * v[0] / static_cast<long double>(n);
    for (std::size_t j = 1; j < K; ++j)
      v[j] = (static_cast<long double>(j) * v[j - 1] + y[j] * v[j]) / static_cast<long double>(n + j);
    S += v[K - 1];
    const long double q = r / static_cast<long double>(n + 1);
    if (q < 0.5L && v[K - 1] * q / (1 - q) < 1e-19L * S) break;
  }
  return static_cast<long double>(zmin) + std::log(S) - ccnorm::lgamma_host(static_cast<long double>(K));
}

struct Writer {
  std::FILE* f;
  std::uint64_t seed;
  std::size_t max_k;
  std::size_t rows = 0, comps = 0;
  std::vector<std::string> ids;

  // Emit one row; gen fills z (size K) from the row's own generator.
  void row(const std::string& family, Dtype d, std::size_t K, const std::string& param,
           const std::function<void(Rng&, std::vector<double>&)>& gen) {
    if (K > max_k) return;
    std::string id = family + "." + dname(d) + (param.empty() ? "" : "." + param) + ".K" + std::to_string(K);
    Rng rng(splitmix64(seed ^ fnv1a64(id)));
    std::vector<double> z(K);
    gen(rng, z);
    for (double& x : z) {
      x = to_dtype(x, d);
      if (!std::isfinite(x)) {
        std::fprintf(stderr, "make_corpus: non-finite value in %s\n", id.c_str());
        std::exit(1);
      }
      if (x == 0) x = 0.0;  // no negative zeros in the file
    }
    std::fprintf(f, "%s,%s,%s,%zu,", id.c_str(), family.c_str(), dname(d), K);
    for (std::size_t i = 0; i < K; ++i) std::fprintf(f, i ? ";%a" : "%a", z[i]);
    std::fputc('\n', f);
    ++rows;
    comps += K;
    ids.push_back(id);
  }
};

const std::vector<std::size_t> kK = {1, 2, 3, 4, 5, 7, 10, 16, 32, 64, 100, 200, 316, 500, 1000};
// A thinner K list for families with many parameter values (keeps the file size down).
const std::vector<std::size_t> kKthin = {1, 2, 3, 5, 10, 32, 100, 316, 1000};


void generate(Writer& w) {
  for (Dtype d : {Dtype::f64, Dtype::f32}) {
    const bool f32 = d == Dtype::f32;

    // gaussian: z = sigma * N(0,1)
    for (double s : {1e-9, 1e-6, 1e-3, 0.1, 1.0, 10.0, 100.0, 300.0})
      for (std::size_t K : kK)
        w.row("gaussian", d, K, "s" + p(s), [&](Rng& g, auto& z) { gaussian_fill(g, z, s); });

    // eta: the papers' parameterisation z = (eta, 0), eta ~ sigma * N(0, I_{K-1}); not shuffled
    for (double s : {0.01, 1.0, 10.0, 32.0})
      for (std::size_t K : kKthin)
        w.row("eta", d, K, "s" + p(s), [&](Rng& g, auto& z) {
          gaussian_fill(g, z, s);
          z.back() = 0;
        });

    // ties: exact repeated values. v0: 1..5 groups with gaussian values (sigma 1), random
    // membership; v1: half the nodes tied at one value, the rest distinct (sigma 3); v2: small
    // integers in [-3, 3] (many large groups).
    for (int v = 0; v < 3; ++v)
      for (std::size_t K : kK) {
        if (K < 2) continue;
        w.row("ties", d, K, "v" + std::to_string(v), [&](Rng& g, auto& z) { fill_ties(g, z, v, f32); });
      }

    // all_equal: every node equal to c (A = c - log((K-1)!), mu_j = 1/K)
    for (double c : {-3e4, -1.0, 0.5, 1e3, 3e4})
      for (std::size_t K : kKthin)
        w.row("all_equal", d, K, "c" + p(c), [&](Rng&, auto& z) { std::fill(z.begin(), z.end(), c); });

    // all_zero: the initialisation case
    for (std::size_t K : kK) w.row("all_zero", d, K, "", [&](Rng&, auto& z) { std::fill(z.begin(), z.end(), 0.0); });

    // ulp_apart: consecutive nodes 1..3 ulps (of the row's type) apart around m, crossing m.
    // Around 0 the spacing is a tiny normal number (2^-1000 in f64, 2^-120 in f32: no denormals).
    // v0: every gap one ulp; v1: gaps drawn from {1, 2, 3} ulps.
    for (double m : {0.0, 1.0, 1e3, 3e4, -3e4})
      for (int v = 0; v < 2; ++v)
        for (std::size_t K : kKthin) {
          if (K < 2) continue;
          w.row("ulp_apart", d, K, "m" + p(m) + ".v" + std::to_string(v), [&](Rng& g, auto& z) { fill_ulp_apart(g, z, m, v, f32); });
        }

    // clusters: 2..5 clusters, spread log-uniform in [1e-12, 1e-3], consecutive centres separated
    // by log-uniform gaps in [1, 1e3]. (In f32 the smallest spreads round to ties or ulp-apart
    // nodes, which are hard cases too.)
    for (int v = 0; v < 3; ++v)
      for (std::size_t K : kK) {
        if (K < 2) continue;
        w.row("clusters", d, K, "v" + std::to_string(v), [&](Rng& g, auto& z) { fill_clusters(g, z); });
      }

    // progression: z = a + h * (0..K-1), shuffled; a = 0 for h < 1e-2 (so that f32 keeps the
    // progression), else a in [-20, 20] (multiple of 1/8).
    for (double h : {1e-8, 1e-4, 1e-2, 0.1, 1.0, 10.0})
      for (std::size_t K : kK) {
        if (K < 2) continue;
        w.row("progression", d, K, "h" + p(h), [&](Rng& g, auto& z) { fill_progression(g, z, h); });
      }

    // outlier: K-1 nodes ~ N(0,1), one node `dist` above the max (sign +) or below the min (-).
    for (double dist : {10.0, 100.0, 1e3, 1e4})
      for (int sign : {+1, -1})
        for (std::size_t K : kKthin) {
          if (K < 2) continue;
          w.row("outlier", d, K, std::string(sign > 0 ? "up" : "down") + p(dist), [&](Rng& g, auto& z) { fill_outlier(g, z, dist, sign); });
        }

    // offset: gaussian sigma 1 or 10 (alternating with the offset) plus a large offset
    for (double off : {-3e4, -1e4, -700.0, 700.0, 1e4, 3e4})
      for (double s : {1.0, 10.0})
        for (std::size_t K : kKthin)
          if ((s == 1.0) == (off == -3e4 || off == -700.0 || off == 1e4))
          w.row("offset", d, K, "o" + p(off) + ".s" + p(s), [&](Rng& g, auto& z) { gaussian_fill(g, z, s, off); });

    // wide: uniform on [0, S] with both ends present (spread exactly S for K >= 2)
    for (double S : {100.0, 1e3, 1e4})
      for (std::size_t K : kK)
        w.row("wide", d, K, "S" + p(S), [&](Rng& g, auto& z) { fill_wide(g, z, S); });

    // small_A: gaussian rows shifted so that A is a target t with |t| < 0.9 (t = 0 for v0,
    // uniform in [-0.9, 0.9] otherwise): stresses the relative accuracy of exp[z] and the
    // cancellation in min z + log S - log((K-1)!). The shift is applied in double and the row
    // rounded to its type afterwards, so the true A is near t, not exactly t.
    for (double s : {0.1, 1.0, 10.0})
      for (int v = 0; v < 2; ++v)
        for (std::size_t K : kKthin)
          w.row("small_A", d, K, "s" + p(s) + ".v" + std::to_string(v), [&](Rng& g, auto& z) {
            gaussian_fill(g, z, s);
            const double t = v == 0 ? 0.0 : g.uniform(-0.9, 0.9);
            // round once to the type, estimate, shift, and re-estimate once (the shift of a
            // rounded row changes A by at most one rounding of each node).
            for (double& x : z) x = to_dtype(x, d);
            const double shift = static_cast<double>(static_cast<long double>(t) - rough_A(z));
            for (double& x : z) x = to_dtype(x + shift, d);
          });
  }

  // Spot cases at K = 10^4 (the expensive end: the series needs ~spread terms per node).
  const std::size_t KB = 10000;
  w.row("gaussian", Dtype::f64, KB, "s1", [&](Rng& g, auto& z) { gaussian_fill(g, z, 1.0); });
  w.row("gaussian", Dtype::f32, KB, "s1", [&](Rng& g, auto& z) { gaussian_fill(g, z, 1.0); });
  w.row("ties", Dtype::f64, KB, "v0", [&](Rng& g, auto& z) {
    const double val[3] = {-1.5, 0.25, 2.0};
    for (double& x : z) x = val[g.below(3)];
  });
  w.row("wide", Dtype::f64, KB, "S10000", [&](Rng& g, auto& z) {
    for (double& x : z) x = g.uniform(0, 1e4);
    z[0] = 0;
    z[1] = 1e4;
    g.shuffle(z);
  });
  w.row("offset", Dtype::f64, KB, "o30000.s1", [&](Rng& g, auto& z) { gaussian_fill(g, z, 1.0, 3e4); });
  w.row("offset", Dtype::f32, KB, "o-10000.s10", [&](Rng& g, auto& z) { gaussian_fill(g, z, 10.0, -1e4); });
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t seed = kDefaultSeed;
  std::string out = "tests/data/hard_corpus.in.csv";
  std::size_t max_k = std::numeric_limits<std::size_t>::max();
  std::string date;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "make_corpus: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--seed") seed = std::strtoull(next().c_str(), nullptr, 10);
    else if (a == "--out") out = next();
    else if (a == "--max-k") max_k = std::strtoull(next().c_str(), nullptr, 10);
    else if (a == "--date") date = next();
    else if (a == "-h" || a == "--help") {
      std::printf(
          "usage: make_corpus [--seed N] [--out FILE] [--max-k N] [--date YYYY-MM-DD]\n"
          "Writes the hard-corpus inputs (id,family,dtype,K,z with z as ';'-separated %%a hex floats).\n"
          "Deterministic in the seed (default %" PRIu64 "); --max-k drops rows with K > N.\n"
          "Then: ccnorm_freeze FILE tests/data/hard_corpus.csv appends the certified reference.\n",
          kDefaultSeed);
      return 0;
    } else {
      std::fprintf(stderr, "make_corpus: unknown argument %s (see --help)\n", a.c_str());
      return 2;
    }
  }
  if (date.empty()) date = ccnorm::io::utc_date();
  std::FILE* f = std::fopen(out.c_str(), "w");
  if (!f) {
    std::perror(out.c_str());
    return 1;
  }
  const ccnorm::io::Provenance prov{"make_corpus --seed " + std::to_string(seed), "", "", date};
  std::fprintf(f, "# ccnorm hard corpus (inputs), generated by %s; source: tools/make_corpus.cpp\n",
               ccnorm::io::provenance_line(prov).c_str());
  std::fprintf(f, "# generator: per-row std::mt19937_64 seeded with splitmix64(seed ^ fnv1a64(id)); uniform = "
                  "(x>>11)*2^-53; normal = own Box-Muller (no <random> distributions)\n");
  std::fprintf(f, "# z: ';'-separated hex floats (%%a), exact; f32 rows hold float-representable values\n");
  std::fprintf(f, "# families: gaussian eta ties all_equal all_zero ulp_apart clusters progression outlier "
                  "offset wide small_A (see tools/make_corpus.cpp for parameters)\n");
  if (max_k != std::numeric_limits<std::size_t>::max()) std::fprintf(f, "# max-k: %zu\n", max_k);
  std::fprintf(f, "id,family,dtype,K,z\n");
  Writer w{f, seed, max_k, 0, 0, {}};
  generate(w);
  std::fclose(f);
  // ids must be unique (they name rows in reports)
  std::vector<std::string> ids = w.ids;
  std::sort(ids.begin(), ids.end());
  if (std::adjacent_find(ids.begin(), ids.end()) != ids.end()) {
    std::fprintf(stderr, "make_corpus: duplicate row id %s\n", std::adjacent_find(ids.begin(), ids.end())->c_str());
    return 1;
  }
  std::fprintf(stderr, "make_corpus: wrote %zu rows, %zu components to %s\n", w.rows, w.comps, out.c_str());
  return 0;
}
