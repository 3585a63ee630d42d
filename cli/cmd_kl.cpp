// ccnorm kl: KL(p || q) row by row (docs/design.md §4).
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
    "usage: ccnorm kl [--algo auto] [--dtype f64|f32] [--param logits|eta|probs] P Q\n"
    "\n"
    "P and Q are files in `ccnorm eval`'s input format (one vector per line; blank and '#' lines\n"
    "skipped) with the same number of rows and the same K row by row. Prints one line per pair:\n"
    "  KL(p || q) = A(z_q) - A(z_p) - (z_q - z_p).mu_p   (>= 0; exactly 0 for z_q - z_p = c 1)\n"
    "with 17 significant digits (f64) or 9 (f32); relative error <= 2^-40 against the certified\n"
    "reference, including q one ulp from p (docs/design.md §2). A bad pair prints\n"
    "'error: line N: P|Q: <reason>' in its place; exit status 2 if any pair was bad or the files\n"
    "have different numbers of rows.\n"
    "  --param P   logits (default), eta (K-1 values, a 0 appended) or probs (entries > 0)\n";

template <class T>
int run(std::istream& P, std::istream& Q, ccnorm::Param param, const std::string& pn, const std::string& qn) {
  ccnorm::io::RowSource<T> sp(P, param), sq(Q, param);
  std::vector<T> zp, zq;
  std::string ep, eq;
  long lp = 0, lq = 0;
  bool bad = false;
  std::string out;
  for (;;) {
    const bool hp = sp.next(lp, zp, ep), hq = sq.next(lq, zq, eq);
    if (!hp && !hq) break;
    if (hp != hq) {
      std::fflush(stdout);
      std::fprintf(stderr, "ccnorm kl: %s has more rows than %s (row at line %ld has no partner)\n",
                   (hp ? pn : qn).c_str(), (hp ? qn : pn).c_str(), hp ? lp : lq);
      return 2;
    }
    out.clear();
    if (!ep.empty() || !eq.empty()) {
      out = "error: line " + std::to_string(!ep.empty() ? lp : lq) + ": " + (!ep.empty() ? "P: " + ep : "Q: " + eq);
      bad = true;
    } else if (zp.size() != zq.size()) {
      out = "error: line " + std::to_string(lp) + ": P has K = " + std::to_string(zp.size()) + " but Q (line " +
            std::to_string(lq) + ") has K = " + std::to_string(zq.size());
      bad = true;
    } else {
      ccnorm::RowStatus st;
      const T kl = ccnorm::kl_divergence<T>(zp.data(), zq.data(), zp.size(), &st);
      ccnorm::io::format_value(out, kl);
    }
    out += '\n';
    std::fwrite(out.data(), 1, out.size(), stdout);
  }
  return bad ? 2 : 0;
}

int cmd_kl(int argc, char** argv) {
  if (ccnorm::cli::wants_help(argc, argv)) {
    std::fputs(kHelp, stdout);
    return 0;
  }
  bool f32 = false;
  ccnorm::Param param = ccnorm::Param::logits;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char* opt) -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "ccnorm kl: %s needs a value\n", opt);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--algo") {
      const std::string v = value("--algo");
      if (v != "auto") {
        std::fprintf(stderr, "ccnorm kl: only --algo auto computes KL (the direct formula of the baselines cancels)\n");
        return 2;
      }
    } else if (a == "--dtype") {
      const std::string v = value("--dtype");
      if (v != "f64" && v != "f32") {
        std::fprintf(stderr, "ccnorm kl: --dtype must be f64 or f32, not '%s'\n", v.c_str());
        return 2;
      }
      f32 = v == "f32";
    } else if (a == "--param") {
      const std::string v = value("--param");
      if (!ccnorm::parse_param(v, param)) {
        std::fprintf(stderr, "ccnorm kl: --param must be logits, eta or probs, not '%s'\n", v.c_str());
        return 2;
      }
    } else if (!a.empty() && a[0] == '-' && a != "-") {
      std::fprintf(stderr, "ccnorm kl: unknown option '%s' (see ccnorm kl --help)\n", a.c_str());
      return 2;
    } else {
      files.push_back(a);
    }
  }
  if (files.size() != 2) {
    std::fprintf(stderr, "ccnorm kl: needs two files, P and Q (see ccnorm kl --help)\n");
    return 2;
  }
  if (files[0] == "-" && files[1] == "-") {
    std::fprintf(stderr, "ccnorm kl: P and Q cannot both be standard input\n");
    return 2;
  }
  std::ifstream fp, fq;
  std::istream* ip = &std::cin;
  std::istream* iq = &std::cin;
  if (files[0] != "-") {
    fp.open(files[0]);
    if (!fp) {
      std::fprintf(stderr, "ccnorm kl: cannot open '%s': %s\n", files[0].c_str(), std::strerror(errno));
      return 2;
    }
    ip = &fp;
  }
  if (files[1] != "-") {
    fq.open(files[1]);
    if (!fq) {
      std::fprintf(stderr, "ccnorm kl: cannot open '%s': %s\n", files[1].c_str(), std::strerror(errno));
      return 2;
    }
    iq = &fq;
  }
  const int rc = f32 ? run<float>(*ip, *iq, param, files[0], files[1]) : run<double>(*ip, *iq, param, files[0], files[1]);
  std::fflush(stdout);
  return rc;
}

}  // namespace

CCNORM_COMMAND("kl", "KL divergence KL(p || q) of two CC distributions, row by row", cmd_kl);
