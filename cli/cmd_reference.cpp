// ccnorm reference: certified arbitrary-precision values for each input row.
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <mpfr.h>

#include "cli/command.hpp"
#include "io/rows.hpp"
#include "io/stream.hpp"
#include "reference/reference.hpp"

namespace {

const char* kHelp =
    "usage: ccnorm reference [--grad] [--param logits|eta] [--dtype f64|f32] [--digits D] [FILE|-]\n"
    "\n"
    "Same input as `ccnorm eval`. For each row prints\n"
    "  A,A_rad,logC,logC_rad            (with --grad: ,mu_1,...,mu_K,mu_rad_max)\n"
    "where A and logC are midpoints of certified Arb enclosures (D significant digits, default 30)\n"
    "and the radii bound |true - printed| (the decimal rounding is included). The working\n"
    "precision rises until every enclosure decides the rounding to double.\n"
    "  --dtype f32   parse the row as float (the reference is then exact for those float values)\n";

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

int cmd_reference(int argc, char** argv) {
  if (ccnorm::cli::wants_help(argc, argv)) {
    std::fputs(kHelp, stdout);
    return 0;
  }
  bool grad = false, eta = false, f32 = false;
  int digits = 30;
  std::string file = "-";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--grad") grad = true;
    else if (a == "--param" && i + 1 < argc) {
      std::string v = argv[++i];
      if (v == "eta") eta = true;
      else if (v != "logits") {
        std::fprintf(stderr, "ccnorm reference: --param must be logits or eta\n");
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
      digits = std::atoi(argv[++i]);
      if (digits < 17 || digits > 1000) {
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
  std::istream* in = &input;
  // one line per row, flushed; false when the output is gone (then stop: main() says why)
  auto emit = [](const std::string& s) { return ccnorm::io::write_stdout(s + '\n'); };
  bool any_bad = false;
  std::string line, why;
  long lineno = 0;
  std::vector<double> z;
  std::vector<float> zf;
  while (std::getline(*in, line)) {
    ++lineno;
    ccnorm::io::LineKind k;
    if (f32) {
      k = ccnorm::io::parse_row<float>(line, zf, why);
      z.assign(zf.begin(), zf.end());
    } else {
      k = ccnorm::io::parse_row<double>(line, z, why);
    }
    if (k == ccnorm::io::LineKind::skip) continue;
    if (k == ccnorm::io::LineKind::error) {
      any_bad = true;
      if (!emit(ccnorm::io::error_line(lineno, why))) return ccnorm::io::kExitIo;
      continue;
    }
    if (eta) z.push_back(0.0);
    try {
      auto c = ccnorm::ref::certified(z.data(), z.size(), grad);
      double e1, e2;
      std::string A = dec(c.A, digits, e1), L = dec(c.logC, digits, e2);
      std::string out = A + "," + rad(c.A_rad + e1) + "," + L + "," + rad(c.logC_rad + e2);
      if (grad) {
        double mr = 0;
        for (std::size_t j = 0; j < c.mu.size(); ++j) {
          double e;
          out += "," + dec(c.mu[j], digits, e);
          mr = std::max(mr, c.mu_rad[j] + e);
        }
        out += "," + rad(mr);
      }
      if (!emit(out)) return ccnorm::io::kExitIo;
    } catch (const std::exception& e) {
      any_bad = true;
      if (!emit(ccnorm::io::error_line(lineno, ccnorm::io::escape_bytes(e.what())))) return ccnorm::io::kExitIo;
    }
  }
  if (input.error()) {
    std::fprintf(stderr, "ccnorm reference: %s\n", input.error_message().c_str());
    return ccnorm::io::kExitIo;
  }
  return any_bad ? 2 : 0;
}

}  // namespace

CCNORM_COMMAND("reference", "certified arbitrary-precision A, log C and mean (Arb balls)", cmd_reference);
