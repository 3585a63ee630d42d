// ccnorm sample: exact draws from CC(z) for each input row (docs/design.md §4).
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "io/format.hpp"
#include "io/row_source.hpp"
#include "normalizer/normalizer.hpp"

namespace {

const char* kHelp =
    "usage: ccnorm sample --n N [--seed S] [--dtype f64|f32] [--param logits|eta|probs] [FILE|-]\n"
    "\n"
    "Draws N samples from the continuous categorical distribution of each input row (`ccnorm\n"
    "eval`'s input format) and prints, for input row i (0-based, in order), N lines\n"
    "  i,x_1,...,x_K\n"
    "(every x on the simplex). The sampler is exact (no MCMC, no rejection loop): a mixture over the\n"
    "degrees of the all-positive series, a sequential multiset draw, Dirichlet by Gamma variates\n"
    "(normalizer/sample.hpp). Deterministic: row i uses the stream (S, i); the default seed is 0.\n"
    "A bad row prints one line 'error: line N: <reason>' in place of its N lines; exit status 2\n"
    "if any row was bad.\n"
    "  --n N       samples per row (required, >= 1)\n"
    "  --seed S    unsigned 64-bit seed (default 0)\n"
    "  --param P   logits (default), eta (K-1 values, a 0 appended) or probs (entries > 0)\n";

template <class T>
int run(std::istream& in, ccnorm::Param param, std::size_t n, std::uint64_t seed) {
  ccnorm::io::RowSource<T> src(in, param);
  std::vector<T> z, x;
  std::string err, out;
  long line = 0;
  std::uint64_t row = 0;
  bool bad = false;
  while (src.next(line, z, err)) {
    out.clear();
    if (err.empty()) {
      try {
        const ccnorm::CCSampler s(z.data(), z.size());
        ccnorm::Rng g(seed, row);
        x.resize(z.size());
        const std::string prefix = std::to_string(row);
        for (std::size_t i = 0; i < n; ++i) {
          s.draw(g, x.data());
          out += prefix;
          for (T v : x) {
            out += ',';
            ccnorm::io::format_value(out, v);
          }
          out += '\n';
        }
      } catch (const std::exception& e) {
        err = e.what();
      }
    }
    if (!err.empty()) {
      out = "error: line " + std::to_string(line) + ": " + err + "\n";
      bad = true;
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    ++row;
  }
  return bad ? 2 : 0;
}

int cmd_sample(int argc, char** argv) {
  if (ccnorm::cli::wants_help(argc, argv)) {
    std::fputs(kHelp, stdout);
    return 0;
  }
  bool f32 = false;
  ccnorm::Param param = ccnorm::Param::logits;
  long long n = -1;
  std::uint64_t seed = 0;
  std::string file = "-";
  bool have_file = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char* opt) -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "ccnorm sample: %s needs a value\n", opt);
        std::exit(2);
      }
      return argv[++i];
    };
    auto integer = [&](const char* opt, const std::string& v) -> unsigned long long {
      char* end = nullptr;
      errno = 0;
      const unsigned long long r = std::strtoull(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || errno != 0 || v[0] == '-') {
        std::fprintf(stderr, "ccnorm sample: %s must be a non-negative integer, not '%s'\n", opt, v.c_str());
        std::exit(2);
      }
      return r;
    };
    if (a == "--n") {
      n = static_cast<long long>(integer("--n", value("--n")));
    } else if (a == "--seed") {
      seed = integer("--seed", value("--seed"));
    } else if (a == "--dtype") {
      const std::string v = value("--dtype");
      if (v != "f64" && v != "f32") {
        std::fprintf(stderr, "ccnorm sample: --dtype must be f64 or f32, not '%s'\n", v.c_str());
        return 2;
      }
      f32 = v == "f32";
    } else if (a == "--param") {
      const std::string v = value("--param");
      if (!ccnorm::parse_param(v, param)) {
        std::fprintf(stderr, "ccnorm sample: --param must be logits, eta or probs, not '%s'\n", v.c_str());
        return 2;
      }
    } else if (!a.empty() && a[0] == '-' && a != "-") {
      std::fprintf(stderr, "ccnorm sample: unknown option '%s' (see ccnorm sample --help)\n", a.c_str());
      return 2;
    } else {
      if (have_file) {
        std::fprintf(stderr, "ccnorm sample: only one input file may be given\n");
        return 2;
      }
      file = a;
      have_file = true;
    }
  }
  if (n < 1) {
    std::fprintf(stderr, "ccnorm sample: --n N (N >= 1) is required\n");
    return 2;
  }
  std::ifstream f;
  std::istream* in = &std::cin;
  if (file != "-") {
    f.open(file);
    if (!f) {
      std::fprintf(stderr, "ccnorm sample: cannot open '%s': %s\n", file.c_str(), std::strerror(errno));
      return 2;
    }
    in = &f;
  }
  const int rc = f32 ? run<float>(*in, param, static_cast<std::size_t>(n), seed)
                     : run<double>(*in, param, static_cast<std::size_t>(n), seed);
  std::fflush(stdout);
  return rc;
}

}  // namespace

CCNORM_COMMAND("sample", "exact samples from CC(z) for each input row", cmd_sample);
