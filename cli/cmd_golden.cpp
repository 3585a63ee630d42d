// ccnorm golden: certified test vectors over the hard families, for other projects' unit tests.
// The generator is the library validate/golden_gen.hpp (format: validate/golden.hpp); this file
// parses the options and passes the provenance (git revision, date).
#include <cstdio>
#include <cstdlib>
#include <string>

#include "cli/command.hpp"
#include "cli/defaults.hpp"
#include "io/provenance.hpp"
#include "io/rows.hpp"
#include "validate/golden_gen.hpp"

namespace {

const char* kHelp =
    "usage: ccnorm golden [--out DIR] [--small] [--seed N] [--date YYYY-MM-DD] [--threads N]\n"
    "\n"
    "Writes certified golden vectors over the hard families (ties, near-ties one ulp apart, clusters,\n"
    "progressions, outliers, wide spreads, offsets, gaussian, the continuous Bernoulli K = 2 line, the\n"
    "papers' eta protocol; K from 1 to 10^4; logits and eta parameterisations; float32-representable\n"
    "and float64 inputs) to DIR/golden.csv, DIR/golden.jsonl and DIR/README.md.\n"
    "Each case: A, logC and mu correctly rounded to double (hi) plus the next 53 bits (lo) and the\n"
    "certified radius, the family and the seed; the entropy H, the covariance (K x K, row-major) and\n"
    "KL(z || kl_q) for a deterministic second row kl_q (z_j + max(1e-6 max(1, spread), 8 ulp(z_j))\n"
    "cos(j), rounded to the dtype), each as hi + lo with a certified bound (format version 2,\n"
    "reference/golden/README.md).\n"
    "Deterministic in --seed (default 20240611).\n"
    "  --out DIR    output folder (default: golden)\n"
    "  --small      the committed set (about 1.5 MB per file; mu and KL omitted for K > 316, the\n"
    "               covariance for K > 10; 32 without --small)\n"
    "  --date D     date written in the provenance header (default: today, UTC)\n"
    "  --threads N  worker threads for the reference (default: all cores)\n";

int cmd_golden(int argc, char** argv) {
  if (ccnorm::cli::wants_help(argc, argv)) {
    std::fputs(kHelp, stdout);
    return 0;
  }
  std::string out = "golden", date;
  bool small = false;
  std::uint64_t seed = ccnorm::golden::kDefaultSeed;
  int threads = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--small") {
      small = true;
      continue;
    }
    if (a != "--out" && a != "--seed" && a != "--date" && a != "--threads") {
      std::fprintf(stderr, "ccnorm golden: unknown argument '%s' (see ccnorm golden --help)\n", a.c_str());
      return 2;
    }
    const char* v = i + 1 < argc ? argv[++i] : nullptr;
    if (!v) {
      std::fprintf(stderr, "ccnorm golden: %s needs a value\n", a.c_str());
      return 2;
    }
    if (a == "--out") out = v;
    else if (a == "--seed") seed = std::strtoull(v, nullptr, 10);
    else if (a == "--date") date = v;
    else if (!ccnorm::io::parse_positive_int(v, threads)) {
      std::fprintf(stderr, "ccnorm golden: --threads must be a positive integer, not '%s'\n", ccnorm::io::escape_bytes(v).c_str());
      return 2;
    }
  }
  if (date.empty()) date = ccnorm::io::utc_date();
  try {
    std::vector<ccnorm::golden::Case> cases = ccnorm::golden::golden_inputs(seed, small);
    ccnorm::golden::certify(cases, {ccnorm::golden::mu_max_K(small), threads, ccnorm::golden::cov_max_K(small)});
    const ccnorm::io::Provenance prov = ccnorm::golden::provenance(seed, small, ccnorm::cli::git_short(), date);
    ccnorm::golden::write_golden(out, cases, prov, ccnorm::golden::mu_max_K(small), ccnorm::golden::cov_max_K(small));
    std::size_t n_eta = 0, n_f32 = 0, n_mu = 0;
    for (const auto& c : cases) n_eta += c.eta, n_f32 += c.f32, n_mu += c.has_mu;
    std::printf("ccnorm golden: %zu cases (%zu eta, %zu f32, %zu with mu) written to %s/golden.csv, golden.jsonl, README.md\n",
                cases.size(), n_eta, n_f32, n_mu, out.c_str());
    return 0;
  } catch (const std::exception& e) {
    for (const auto& line : ccnorm::io::split_trimmed(e.what(), '\n')) std::fprintf(stderr, "ccnorm golden: %s\n", line.c_str());
    return dynamic_cast<const ccnorm::io::io_error*>(&e) ? ccnorm::io::kExitIo : 1;
  }
}

}  // namespace

CCNORM_COMMAND("golden", "write certified golden test vectors (CSV + JSON Lines)", cmd_golden);
