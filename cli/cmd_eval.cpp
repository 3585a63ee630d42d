// ccnorm eval: evaluate A, log C and (with --grad) the mean, (with --entropy) the entropy and
// (with --cov) the covariance for every input row (docs/design.md §4.2). The rows are read and
// written by io/rows.hpp and converted from their parameterisation by normalizer/params.hpp; the
// entropy and covariance come from normalizer/naive_moments.hpp (distribution.hpp for auto and
// auto-precise, the naive compositions for the other algorithms); this file keeps the streaming
// loop (chunks of rows evaluated in parallel, printed in order).
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>


#include "cli/args.hpp"
#include "cli/command.hpp"
#include "io/rows.hpp"
#include "io/stream.hpp"
#include "normalizer/cost.hpp"
#include "normalizer/naive_moments.hpp"
#include "normalizer/normalizer.hpp"

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace ccnorm::cli {
int eval_gpu(bool f32, bool grad, ccnorm::Param param, std::istream& in);  // cli/cmd_eval_gpu.cpp
}

namespace {

const char* kHelpHead =  // then the --algo lines (help())
    "usage: ccnorm eval [--algo NAME] [--dtype f64|f32] [--grad] [--entropy] [--cov]\n"
    "                   [--param logits|eta|probs] [--threads N] [--max-k N] [--max-row-work W]\n"
    "                   [--max-row-memory B] [FILE|-]\n"
    "\n"
    "Reads one vector per line (comma-separated decimal or hex floats; blank lines and lines\n"
    "starting with '#' are skipped) and writes one line per row, in order:\n"
    "  A,logC[,mu_1..mu_K][,H][,Cov_11,Cov_12,...,Cov_KK]\n"
    "  A      the log-partition log exp[z];  logC = LSE(z) - A\n"
    "  mu     with --grad: the CC mean (the gradient of A)\n"
    "  H      with --entropy: the differential entropy A - z.mu\n"
    "  Cov    with --cov: the covariance (Hessian of A), K x K, row-major\n"
    "The fields always come in this order, whichever options are given, and A,logC[,mu] are\n"
    "exactly what the same command prints without --entropy/--cov. H and Cov come from the\n"
    "moment series (normalizer/distribution.hpp) for auto and auto-precise; for the other\n"
    "algorithms they are the naive compositions with that algorithm's own A and mean\n"
    "(H = A - z.mu, Cov_ij = (1 + [i=j]) e^{A(z, z_i, z_j) - A(z)} - mu_i mu_j with A on the K+2\n"
    "nodes; normalizer/naive_moments.hpp): the baseline, which may cancel or be nan.\n"
    "Numbers have 17 significant digits (f64) or 9 (f32). A bad row prints\n"
    "'error: line N: <reason>' in its place; the others are still evaluated; exit status 2 if\n"
    "any row was bad (rows over the --max-* caps included), 3 if the output could not be\n"
    "written or the input not read to its end (docs/design.md 4.11).\n"
    "\n"
    ;
const char* kHelpTail =
    "  --dtype T       f64 (default) or f32 (float in, float out; auto computes in double inside)\n"
    "  --grad          also print the mean mu (K values)\n"
    "  --entropy       also print the entropy H (one value)\n"
    "  --cov           also print the covariance (K*K values; not with --algo gpu)\n"
    "  --param P       logits (default): the row is z (K >= 1 values);\n"
    "                  eta: the row is eta (K-1 values) and a 0 is appended;\n"
    "                  probs: the row is lambda (K values, each > 0, need not sum to 1) and\n"
    "                  z = log(lambda) in the dtype (A depends on the normalisation of lambda,\n"
    "                  logC, mu, H and Cov do not); an entry <= 0 is an error row\n"
    "  --threads N     worker threads (default: all cores)\n"
    "  --max-k N       rows with more than N entries (default 2^24 = 16777216) or lines longer than\n"
    "                  64 N + 4096 bytes are error rows ('row too large'), never held in memory\n"
    "  --max-row-work W  rows whose estimated work exceeds W (default 1e11, ~1 ns each: a minute\n"
    "                  or two) are error rows ('row too costly'), e.g. taylor at spread 1e10\n"
    "  --max-row-memory B  the same for the estimated working memory (default 4 GiB)\n"
    "  FILE            input file; '-' or none reads standard input\n";

// The help text; the --algo line lists the registry's algorithms.
std::string help() {
  std::string names = ccnorm::algorithm_list(true);
  names.replace(names.find("auto,"), 5, "auto (default),");
  return kHelpHead +
         ccnorm::cli::wrap("  --algo NAME     ", names + ". Baselines may print nan for valid input; auto never does.", 18) +
         kHelpTail;
}

struct Options {
  ccnorm::Algo algo = ccnorm::Algo::auto_;
  bool f32 = false;
  bool grad = false;
  bool entropy = false;
  bool cov = false;
  ccnorm::Param param = ccnorm::Param::logits;
  bool gpu = false;  // --algo gpu (cli/cmd_eval_gpu.cpp)
  int threads = 0;
  std::string file = "-";
  ccnorm::RowLimits limits;  // --max-k, --max-row-work, --max-row-memory (docs/design.md §4.11)
};

struct Row {
  long line = 0;
  bool bad = false;
  bool too_long = false;  // longer than the line cap: not parsed
  std::string raw;
};

template <class T>
int run(const Options& o, ccnorm::io::InputStream& in) {
  constexpr std::size_t kChunk = 2048;
  std::vector<Row> rows;
  std::vector<std::string> outs;
  bool any_bad = false;
  long lineno = 0;
  std::string line;
  bool eof = false;
  // a row of K fields needs well under 64 K bytes; longer lines are not kept (memory cap)
  const std::size_t max_line = o.limits.max_k > (std::size_t(1) << 50) ? std::size_t(1) << 56 : 64 * o.limits.max_k + 4096;
  while (!eof) {
    rows.clear();
    while (rows.size() < kChunk) {
      bool too_long = false;
      if (!ccnorm::io::getline_bounded(in, line, max_line, too_long)) {
        eof = true;
        break;
      }
      ++lineno;
      std::string_view t = ccnorm::io::trim(line);
      if (t.empty() || t.front() == '#') continue;
      Row r;
      r.line = lineno;
      r.too_long = too_long;
      r.raw = std::move(line);
      line.clear();
      rows.push_back(std::move(r));
    }
    outs.assign(rows.size(), std::string());
#if defined(_OPENMP)
    const int nt = o.threads > 0 ? o.threads : omp_get_max_threads();
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
#endif
    for (std::ptrdiff_t i = 0; i < static_cast<std::ptrdiff_t>(rows.size()); ++i) {
      Row& r = rows[i];
      std::vector<T> vals, z;
      std::string why;
      std::string& s = outs[i];
      if (r.too_long) {
        r.bad = true;
        s = ccnorm::io::error_line(r.line, "row too large: line longer than " + std::to_string(max_line) +
                                               " bytes (64 x --max-k + 4096)");
        continue;
      }
      auto kind = ccnorm::io::parse_row<T>(r.raw, vals, why, o.param == ccnorm::Param::probs ? "probability" : "logit");
      if (kind == ccnorm::io::LineKind::row) why = ccnorm::to_logits<T>(o.param, vals.data(), vals.size(), z);
      if (kind != ccnorm::io::LineKind::row || !why.empty()) {
        r.bad = true;
        s = ccnorm::io::error_line(r.line, why);
        continue;
      }
      const std::size_t K = z.size();
      {
        ccnorm::RowCost cost = ccnorm::row_cost<T>(o.algo, z.data(), K, o.grad);
        if (o.cov) cost.work += 4.0 * K * K, cost.bytes += 8.0 * K * K;  // the K x K covariance
        why = ccnorm::over_limit(cost, K, o.limits);
      }
      if (!why.empty()) {
        r.bad = true;
        s = ccnorm::io::error_line(r.line, why);
        continue;
      }
      std::vector<T> mu(o.grad ? K : 0), cov(o.cov ? K * K : 0);
      ccnorm::Out<T> res;
      T H = T(0);
      try {
        // A, logC and mu exactly as without --entropy/--cov; H and Cov evaluated on their own
        res = ccnorm::evaluate<T>(o.algo, z.data(), K, o.grad ? mu.data() : nullptr);
        if (o.entropy) H = ccnorm::naive::entropy_of<T>(o.algo, z.data(), K);
        if (o.cov) ccnorm::naive::covariance_of<T>(o.algo, z.data(), K, cov.data());
      } catch (const std::exception& e) {
        r.bad = true;
        s = ccnorm::io::error_line(r.line, std::string(ccnorm::algo_name(o.algo)) + " failed: " + e.what());
        continue;
      }
      ccnorm::io::append_result(s, res.A, res.logC, o.grad ? mu.data() : nullptr, mu.size());
      if (o.entropy) {
        s += ',';
        ccnorm::io::format_value(s, H);
      }
      for (std::size_t k = 0; k < cov.size(); ++k) {
        s += ',';
        ccnorm::io::format_value(s, cov[k]);
      }
    }
    std::string block;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (rows[i].bad) any_bad = true;
      block += outs[i];
      block += '\n';
    }
    // the output is gone (disk full, reader closed the pipe): stop before the next chunk
    if (!ccnorm::io::write_stdout(block)) return ccnorm::io::kExitIo;  // main() prints the message
  }
  if (in.error()) {
    std::fprintf(stderr, "ccnorm eval: %s\n", in.error_message().c_str());
    return ccnorm::io::kExitIo;
  }
  return any_bad ? 2 : 0;
}

int cmd_eval(int argc, char** argv) {
  if (ccnorm::cli::wants_help(argc, argv)) {
    std::fputs(help().c_str(), stdout);
    return 0;
  }
  Options o;
  bool have_file = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto need = [&](const char* what) -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "ccnorm eval: %s needs a value\n", what);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--algo") {
      std::string v = need("--algo");
      if (v == "gpu") {
        o.gpu = true;
      } else if (!ccnorm::parse_algo(v, o.algo)) {
        std::fprintf(stderr, "ccnorm eval: unknown algorithm '%s' (see ccnorm eval --help)\n", v.c_str());
        return 2;
      }
    } else if (a == "--dtype") {
      std::string v = need("--dtype");
      if (v == "f32") o.f32 = true;
      else if (v == "f64") o.f32 = false;
      else {
        std::fprintf(stderr, "ccnorm eval: --dtype must be f64 or f32, not '%s'\n", v.c_str());
        return 2;
      }
    } else if (a == "--max-k" || a == "--max-row-work" || a == "--max-row-memory") {
      const std::string v = need(a.c_str());
      char* end = nullptr;
      const double x = std::strtod(v.c_str(), &end);
      if (v.empty() || *end || !(x >= 1) || !std::isfinite(x)) {
        std::fprintf(stderr, "ccnorm eval: %s must be a number >= 1, not '%s'\n", a.c_str(), ccnorm::io::escape_bytes(v).c_str());
        return 2;
      }
      if (a == "--max-k") o.limits.max_k = x >= 1e18 ? std::size_t(1) << 60 : static_cast<std::size_t>(x);
      else if (a == "--max-row-work") o.limits.max_work = x;
      else o.limits.max_bytes = x;
    } else if (a == "--grad") {
      o.grad = true;
    } else if (a == "--entropy") {
      o.entropy = true;
    } else if (a == "--cov") {
      o.cov = true;
    } else if (a == "--param") {
      std::string v = need("--param");
      if (!ccnorm::parse_param(v, o.param)) {
        std::fprintf(stderr, "ccnorm eval: --param must be logits, eta or probs, not '%s'\n", v.c_str());
        return 2;
      }
    } else if (a == "--threads") {
      const std::string v = need("--threads");
      if (!ccnorm::io::parse_positive_int(v, o.threads)) {
        std::fprintf(stderr, "ccnorm eval: --threads must be a positive integer, not '%s'\n",
                     ccnorm::io::escape_bytes(v).c_str());
        return 2;
      }
    } else if (!a.empty() && a[0] == '-' && a != "-") {
      std::fprintf(stderr, "ccnorm eval: unknown option '%s' (see ccnorm eval --help)\n", a.c_str());
      return 2;
    } else {
      if (have_file) {
        std::fprintf(stderr, "ccnorm eval: only one input file may be given\n");
        return 2;
      }
      o.file = a;
      have_file = true;
    }
  }
  if (o.gpu && (o.entropy || o.cov)) {
    std::fprintf(stderr,
                 "ccnorm eval: --algo gpu computes A, logC and the mean only; --entropy and --cov are computed on the "
                 "CPU (use --algo auto)\n");
    return 2;
  }
  ccnorm::io::InputStream in;
  std::string why;
  if (!in.open(o.file, why)) {
    std::fprintf(stderr, "ccnorm eval: %s\n", ccnorm::io::escape_bytes(why).c_str());
    return 2;
  }
  if (o.gpu) {
    const int rc = ccnorm::cli::eval_gpu(o.f32, o.grad, o.param, in);
    if (in.error()) {
      std::fprintf(stderr, "ccnorm eval: %s\n", in.error_message().c_str());
      return ccnorm::io::kExitIo;
    }
    return rc;
  }
  return o.f32 ? run<float>(o, in) : run<double>(o, in);
}

}  // namespace

CCNORM_COMMAND("eval", "evaluate A, log C, the mean, entropy and covariance for each input row", cmd_eval);
