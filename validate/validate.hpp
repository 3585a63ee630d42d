// ccnorm validate: score another implementation's outputs against the certified reference
// (docs/design.md §3 measures). Library of `ccnorm validate` (and of the tests).
//
//   ccnorm validate --cases FILE --results FILE [--quantity A|logC|negA|mean|H|cov|kl] [--dtype f32|f64]
//                   [--tol N] [--param logits|eta] [--results-format values|eval] [--name LABEL]
//                   [--json OUT] [--html OUT] [--threads N] [--worst N]
//
// --cases is eval's input format (one vector per line) or a golden file (CSV or JSON Lines, detected
// by the first non-comment line; see validate/golden.hpp and reference/golden/README.md). Golden
// cases carry their reference (hi + lo); cases without one (eval format, or golden rows with empty
// reference fields) get ccnorm::ref::certified() computed here.
// --results holds one row per case, in order (blank lines and '#' lines skipped, like the cases):
// one value for A/logC/negA/H/kl, K comma-separated values for mean, K*K (row-major) for cov;
// 'nan', 'inf', '-inf' and rows starting with 'error' are accepted and count as infinite error.
// --results-format eval reads `ccnorm eval` output instead (A,logC[,mu...][,H][,Cov...]: the
// layout is read off the field counts) and picks the quantity's columns (not for kl: `ccnorm kl`
// prints one value per pair). kl scores KL(z || q) with q the case's kl_q column (golden format
// version 2; cases without it are an error).
// Exit status: 0 all cases within --tol (default 16 u for values and H, 64 u for the mean and the
// covariance, 2^-40 relative for kl: 8192 u in f64, 1 u in f32), 1 some case over it (NaN/inf
// included), 2 usage error or malformed/misaligned files (message names file:line).
// Scorecards: --json (keys: name, note, quantity, dtype, tol, cases_file, cases_format,
// results_file, date, cases, failures, nonfinite, passed, references_computed, max_err,
// max_err_finite, median_err, p99_err, max_ulps, by_family, by_K, worst; non-finite numbers null)
// and --html (self-contained).
#pragma once
#include <cstddef>
#include <cstdio>
#include <string>

#include "validate/score.hpp"

namespace ccnorm::validate {

struct Options {
  std::string cases, results, json, html, name, note;
  Quantity q = Quantity::A;
  bool f32 = false;
  bool eta = false;
  bool param_given = false;
  bool eval_results = false;
  double tol = -1;  // <0: default
  int threads = 0;
  std::size_t worst = 10;
};

// Parse the options of `ccnorm validate` (argv[0] is the subcommand). Returns 0 when ok, 2 after
// printing the reason to err, 3 when -h/--help was given (the caller prints its help).
int parse_args(int argc, char** argv, Options& o, std::FILE* err);

// Score: the text summary to out, errors to err; the scorecards when asked. Returns the exit
// status (0 all within the tolerance, 1 some case over it, 2 malformed/misaligned input or a
// scorecard that cannot be written).
int run(const Options& o, std::FILE* out = stdout, std::FILE* err = stderr);

}  // namespace ccnorm::validate
