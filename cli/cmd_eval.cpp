// ccnorm eval: evaluate A, log C and (with --grad) the mean for every input row (docs/design.md §4).
// The rows are read and written by io/rows.hpp; this file keeps the streaming loop (chunks of
// rows evaluated in parallel, printed in order).
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
#include "normalizer/normalizer.hpp"

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace ccnorm::cli {
int eval_gpu(bool f32, bool grad, bool eta, std::istream& in);  // cli/cmd_eval_gpu.cpp
}

namespace {

const char* kHelpHead =  // then the --algo lines (help())
    "usage: ccnorm eval [--algo NAME] [--dtype f64|f32] [--grad] [--param logits|eta]\n"
    "                   [--threads N] [--max-k N] [--max-row-work W] [--max-row-memory B] [FILE|-]\n"
    "\n"
    "Reads one vector per line (comma-separated decimal or hex floats; blank lines and lines\n"
    "starting with '#' are skipped) and writes one line per row, in order:\n"
    "  A,logC            A = log-partition log exp[z], logC = LSE(z) - A\n"
    "  A,logC,mu_1..mu_K with --grad (the CC mean, the gradient of A)\n"
    "with 17 significant digits (f64) or 9 (f32). A bad row prints 'error: line N: <reason>'\n"
    "in its place; the others are still evaluated; exit status 2 if any row was bad.\n"
    "\n"
    ;
const char* kHelpTail =
    "  --dtype T       f64 (default) or f32 (float in, float out; auto computes in double inside)\n"
    "  --grad          also print the mean mu (K values)\n"
    "  --param P       logits (default): the row is z (K >= 1 values);\n"
    "                  eta: the row is eta (K-1 values) and a 0 is appended\n"
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
  bool eta = false;
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
      std::vector<T> z;
      std::string why;
      std::string& s = outs[i];
      if (r.too_long) {
        r.bad = true;
        s = ccnorm::io::error_line(r.line, "row too large: line longer than " + std::to_string(max_line) +
                                               " bytes (64 x --max-k + 4096)");
        continue;
      }
      auto kind = ccnorm::io::parse_row<T>(r.raw, z, why);
      if (kind != ccnorm::io::LineKind::row) {
        r.bad = true;
        s = ccnorm::io::error_line(r.line, why);
        continue;
      }
      if (o.eta) z.push_back(T(0));
      why = ccnorm::over_limit(ccnorm::row_cost<T>(o.algo, z.data(), z.size(), o.grad), z.size(), o.limits);
      if (!why.empty()) {
        r.bad = true;
        s = ccnorm::io::error_line(r.line, why);
        continue;
      }
      std::vector<T> mu(o.grad ? z.size() : 0);
      ccnorm::Out<T> res;
      try {
        res = ccnorm::evaluate<T>(o.algo, z.data(), z.size(), o.grad ? mu.data() : nullptr);
      } catch (const std::exception& e) {
        r.bad = true;
        s = ccnorm::io::error_line(r.line, std::string(ccnorm::algo_name(o.algo)) + " failed: " + e.what());
        continue;
      }
      ccnorm::io::append_result(s, res.A, res.logC, o.grad ? mu.data() : nullptr, mu.size());
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
    } else if (a == "--param") {
      std::string v = need("--param");
      if (v == "eta") o.eta = true;
      else if (v == "logits") o.eta = false;
      else {
        std::fprintf(stderr, "ccnorm eval: --param must be logits or eta, not '%s'\n", v.c_str());
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
  ccnorm::io::InputStream in;
  std::string why;
  if (!in.open(o.file, why)) {
    std::fprintf(stderr, "ccnorm eval: %s\n", ccnorm::io::escape_bytes(why).c_str());
    return 2;
  }
  if (o.gpu) {
    const int rc = ccnorm::cli::eval_gpu(o.f32, o.grad, o.eta, in);
    if (in.error()) {
      std::fprintf(stderr, "ccnorm eval: %s\n", in.error_message().c_str());
      return ccnorm::io::kExitIo;
    }
    return rc;
  }
  return o.f32 ? run<float>(o, in) : run<double>(o, in);
}

}  // namespace

CCNORM_COMMAND("eval", "evaluate A, log C and the mean for each input row", cmd_eval);
