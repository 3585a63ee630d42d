// ccnorm validate: score another implementation's outputs against the certified reference.
// The scorer is the library validate/validate.hpp (shared with tests/test_validate.cpp); this file
// prints the help and calls it.
#include <cstdio>

#include "cli/command.hpp"
#include "validate/validate.hpp"

namespace {

const char* kHelp =
    "usage: ccnorm validate --cases FILE --results FILE [--quantity A|logC|negA|mean|H|cov|kl]\n"
    "                       [--dtype f64|f32] [--tol N] [--param logits|eta]\n"
    "                       [--results-format values|eval] [--name LABEL] [--note TEXT]\n"
    "                       [--json OUT] [--html OUT] [--worst N] [--threads N]\n"
    "\n"
    "Scores another implementation's outputs against the certified reference (docs/design.md §3).\n"
    "  --cases FILE     eval's input format (one vector per line; --param applies) or a golden file\n"
    "                   (reference/golden/*.csv or *.jsonl; detected by its header). Cases without a\n"
    "                   stored reference get a certified one computed here (ccnorm::ref::certified).\n"
    "  --results FILE   one row per case, in order: the value (A, logC, negA = -A, H, kl), the K mean\n"
    "                   components comma-separated (mean), or the K*K covariance entries row-major\n"
    "                   (cov). nan/inf and rows starting with 'error' count as infinite error. Blank\n"
    "                   and '#' lines are skipped.\n"
    "  --results-format eval   read `ccnorm eval [--grad] [--entropy] [--cov]` output\n"
    "                   (A,logC[,mu...][,H][,Cov...]) instead (not for kl)\n"
    "  --quantity Q     A (default), logC = LSE - A, negA = -A (the papers' log C(eta)), mean,\n"
    "                   H (entropy A - z.mu; err as for values), cov (covariance: per entry, relative\n"
    "                   on the diagonal, against sqrt(Cov_ii Cov_jj) off it), kl (KL(z || q) with q\n"
    "                   the golden case's kl_q row; relative error, an exact 0 must be 0)\n"
    "  --dtype T        f64 (u = 2^-53, default) or f32 (u = 2^-24; inputs and results parsed as float;\n"
    "                   golden cases must then be float-representable)\n"
    "  --tol N          failure threshold in u (default 16 for values and H, 64 for the mean and cov,\n"
    "                   kl: 2^-40 relative = 8192 u in f64, 1 u in f32: tests/data/distribution_tolerances.csv)\n"
    "  --json OUT       scorecard as JSON (cases, failures, nonfinite, max_err, median_err, p99_err,\n"
    "                   by_family, by_K, worst, ...); non-finite numbers are written as null\n"
    "  --html OUT       self-contained HTML scorecard\n"
    "  --name, --note   label and free-text note stored in the scorecards\n"
    "Exit status: 0 all within tolerance, 1 some case over it, 2 malformed/misaligned input,\n"
    "3 a file could not be read or written.\n";

int cmd_validate(int argc, char** argv) {
  ccnorm::validate::Options o;
  const int rc = ccnorm::validate::parse_args(argc, argv, o, stderr);
  if (rc == 3) {
    std::fputs(kHelp, stdout);
    return 0;
  }
  if (rc) return rc;
  return ccnorm::validate::run(o);
}

}  // namespace

CCNORM_COMMAND("validate", "score another implementation's outputs against the certified reference", cmd_validate);
