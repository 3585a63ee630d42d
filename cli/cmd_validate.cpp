// ccnorm validate: score another implementation's outputs against the certified reference.
// The scorer is the library validate/validate.hpp (shared with tests/test_validate.cpp); this file
// prints the help and calls it.
#include <cstdio>

#include "cli/command.hpp"
#include "validate/validate.hpp"

namespace {

const char* kHelp =
    "usage: ccnorm validate --cases FILE --results FILE [--quantity A|logC|negA|mean]\n"
    "                       [--dtype f64|f32] [--tol N] [--param logits|eta]\n"
    "                       [--results-format values|eval] [--name LABEL] [--note TEXT]\n"
    "                       [--json OUT] [--html OUT] [--worst N] [--threads N]\n"
    "\n"
    "Scores another implementation's outputs against the certified reference (docs/design.md §3).\n"
    "  --cases FILE     eval's input format (one vector per line; --param applies) or a golden file\n"
    "                   (reference/golden/*.csv or *.jsonl; detected by its header). Cases without a\n"
    "                   stored reference get a certified one computed here (ccnorm::ref::certified).\n"
    "  --results FILE   one row per case, in order: the value (A, logC, negA = -A), or the K mean\n"
    "                   components comma-separated (mean). nan/inf and rows starting with 'error'\n"
    "                   count as infinite error. Blank and '#' lines are skipped.\n"
    "  --results-format eval   read `ccnorm eval [--grad]` output (A,logC[,mu...]) instead\n"
    "  --quantity Q     A (default), logC = LSE - A, negA = -A (the papers' log C(eta)), mean\n"
    "  --dtype T        f64 (u = 2^-53, default) or f32 (u = 2^-24; inputs and results parsed as float;\n"
    "                   golden cases must then be float-representable)\n"
    "  --tol N          failure threshold in u (default 16 for values, 64 for the mean)\n"
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
