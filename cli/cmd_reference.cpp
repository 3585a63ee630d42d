// ccnorm reference: certified arbitrary-precision values for each input row (docs/design.md §4.5):
// A, log C, and on request the mean, the entropy and the covariance, in the field order of
// `ccnorm eval` with a radius after each group.
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <mpfr.h>

#include "cli/command.hpp"
#include "io/row_source.hpp"
#include "io/rows.hpp"
#include "io/stream.hpp"
#include "reference/reference.hpp"

namespace {

const char* kHelp =
    "usage: ccnorm reference [--grad] [--entropy] [--cov] [--param logits|eta|probs] [--dtype f64|f32]\n"
    "                        [--digits D] [FILE|-]\n"
    "\n"
    "Same input as `ccnorm eval`. For each row prints, in eval's field order with radii:\n"
    "  A,A_rad,logC,logC_rad[,mu_1,...,mu_K,mu_rad_max][,H,H_rad][,Cov_11,Cov_12,...,Cov_KK,cov_rad_max]\n"
    "  mu, mu_rad_max     with --grad: the mean and the largest radius over j\n"
    "  H, H_rad           with --entropy: the entropy A - z.mu\n"
    "  Cov, cov_rad_max   with --cov: the covariance, K x K row-major, and the largest radius over\n"
    "                     the entries (each radius <= 2^-80 sqrt(Cov_ii Cov_jj) + the decimal rounding)\n"
    "Values are midpoints of certified Arb enclosures (D significant digits, default 30) and the\n"
    "radii bound |true - printed| (the decimal rounding is included). The working precision rises\n"
    "until every enclosure decides the rounding to double (A, logC, mu) or is below 2^-80 of its\n"
    "scale (H: max(1, |H|); Cov: sqrt(Cov_ii Cov_jj)).\n"
    "  --dtype f32      parse the row as float (the reference is then exact for those float values)\n"
    "  --param P        logits (default), eta (K-1 values, a 0 appended) or probs (entries > 0;\n"
    "                   the reference is for z = log(lambda) as rounded in the dtype, which is what\n"
    "                   `ccnorm eval --param probs` evaluates)\n"
    "Exit status: 0, 2 if any row was an error row or on a usage error, 3 if the output could not\n"
    "be written or the input not read to its end.\n";

std::string dec(const ccnorm::ref::mpfloat& x, int digits, double& conv_err) {
  mpfr_t t;
  mpfr_init2(t, static_cast<mpfr_prec_t>(mpfr_get_prec(x.backend().data())));
  mpfr_set(t, x.backend().data(), MPFR_RNDN);
  char* s = nullptr;
  mpfr_asprintf(&s, "%.*Re", digits - 1, t);
  std::string out(s);
  mpfr_free_str(s);
  // conversion error |decimal - x| (bounded above, in double)
  mpfr_t d;
  mpfr_init2(d, mpfr_get_prec(t) + 64);
  mpfr_set_str(d, out.c_str(), 10, MPFR_RNDN);
  mpfr_sub(d, d, t, MPFR_RNDA);
  conv_err = mpfr_get_d(d, MPFR_RNDA);
  if (conv_err < 0) conv_err = -conv_err;
  mpfr_clear(d);
  mpfr_clear(t);
  return out;
}

std::string rad(double r) {
  char b[32];
  std::snprintf(b, sizeof b, "%.3e", r * (1 + 1e-3));  // printing at 4 digits: round up
  return b;
}

struct Flags {
  bool grad = false, entropy = false, cov = false;
  int digits = 30;
};

// The output line of one row (throws what the reference throws).
std::string reference_line(const std::vector<double>& z, const Flags& fl) {
  const std::size_t K = z.size();
  const int digits = fl.digits;
  auto c = ccnorm::ref::certified(z.data(), K, fl.grad);
  double e1, e2;
  std::string A = dec(c.A, digits, e1), L = dec(c.logC, digits, e2);
  std::string out = A + "," + rad(c.A_rad + e1) + "," + L + "," + rad(c.logC_rad + e2);
  if (fl.grad) {
    double mr = 0;
    for (std::size_t j = 0; j < c.mu.size(); ++j) {
      double e;
      out += "," + dec(c.mu[j], digits, e);
      mr = std::max(mr, c.mu_rad[j] + e);
    }
    out += "," + rad(mr);
  }
  if (fl.entropy) {
    const auto h = ccnorm::ref::certified_entropy(z.data(), K);
    double e;
    out += "," + dec(h.mid, digits, e);
    out += "," + rad(h.rad + e);
  }
  if (fl.cov) {
    double mr = 0;
    if (K == 1) {
      double e;  // one point mass at x_1 = 1: Var = 0 exactly
      out += "," + dec(ccnorm::ref::mpfloat(0), digits, e) + "," + rad(0);
    } else {
      // cov[c K + i] = Cov_{i,c}; printed row by row, entry (i, j) from column max(i, j) (the
      // upper triangle, mirrored: the printed matrix is exactly symmetric)
      const auto cv = ccnorm::ref::certified_covariance(z.data(), K);
      for (std::size_t i = 0; i < K; ++i)
        for (std::size_t j = 0; j < K; ++j) {
          const std::size_t k = i <= j ? j * K + i : i * K + j;
          double e;
          out += "," + dec(cv.cov[k], digits, e);
          mr = std::max(mr, cv.cov_rad[k] + e);
        }
      out += "," + rad(mr);
    }
  }
  return out;
}

template <class T>
int run(std::istream& in, ccnorm::Param param, const Flags& fl) {
  ccnorm::io::RowSource<T> src(in, param);
  bool any_bad = false;
  long lineno = 0;
  std::vector<T> zt;
  std::string why;
  // one line per row, flushed; false when the output is gone (then stop: main() says why)
  auto emit = [](const std::string& s) { return ccnorm::io::write_stdout(s + '\n'); };
  while (src.next(lineno, zt, why)) {
    if (!why.empty()) {
      any_bad = true;
      if (!emit(ccnorm::io::error_line(lineno, why))) return ccnorm::io::kExitIo;
      continue;
    }
    const std::vector<double> z(zt.begin(), zt.end());  // float values widened exactly
    std::string out;
    try {
      out = reference_line(z, fl);
    } catch (const std::exception& e) {
      out = ccnorm::io::error_line(lineno, ccnorm::io::escape_bytes(e.what()));
      any_bad = true;
    }
    if (!emit(out)) return ccnorm::io::kExitIo;
  }
  return any_bad ? 2 : 0;
}

int cmd_reference(int argc, char** argv) {
  if (ccnorm::cli::wants_help(argc, argv)) {
    std::fputs(kHelp, stdout);
    return 0;
  }
  Flags fl;
  bool f32 = false;
  ccnorm::Param param = ccnorm::Param::logits;
  std::string file = "-";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--grad") fl.grad = true;
    else if (a == "--entropy") fl.entropy = true;
    else if (a == "--cov") fl.cov = true;
    else if (a == "--param" && i + 1 < argc) {
      if (!ccnorm::parse_param(argv[++i], param)) {
        std::fprintf(stderr, "ccnorm reference: --param must be logits, eta or probs\n");
        return 2;
      }
    } else if (a == "--dtype" && i + 1 < argc) {
      std::string v = argv[++i];
      if (v == "f32") f32 = true;
      else if (v != "f64") {
        std::fprintf(stderr, "ccnorm reference: --dtype must be f64 or f32\n");
        return 2;
      }
    } else if (a == "--digits" && i + 1 < argc) {
      fl.digits = std::atoi(argv[++i]);
      if (fl.digits < 17 || fl.digits > 1000) {
        std::fprintf(stderr, "ccnorm reference: --digits must be in 17..1000\n");
        return 2;
      }
    } else if (!a.empty() && a[0] == '-' && a != "-") {
      std::fprintf(stderr, "ccnorm reference: unknown option '%s' (see --help)\n", a.c_str());
      return 2;
    } else file = a;
  }
  ccnorm::io::InputStream input;
  std::string open_why;
  if (!input.open(file, open_why)) {
    std::fprintf(stderr, "ccnorm reference: %s\n", ccnorm::io::escape_bytes(open_why).c_str());
    return 2;
  }
  const int rc = f32 ? run<float>(input, param, fl) : run<double>(input, param, fl);
  if (input.error()) {
    std::fprintf(stderr, "ccnorm reference: %s\n", input.error_message().c_str());
    return ccnorm::io::kExitIo;
  }
  return rc;
}

}  // namespace

CCNORM_COMMAND("reference", "certified arbitrary-precision A, log C, mean, entropy, covariance (Arb balls)", cmd_reference);
