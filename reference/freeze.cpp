// ccnorm_freeze: evaluates the certified reference (reference/reference.cpp) on every row of a
// corpus file and writes the frozen reference file that the accuracy tests read.
//
//   ccnorm_freeze IN OUT [--threads N] [--no-mu-above K]
//
// Input (e.g. tests/data/hard_corpus.in.csv): '#' lines are comments (provenance, copied to the
// output after the generator's own line); the first other line is the header `id,family,dtype,K,z`;
// then rows `<id>,<family>,<f64|f32>,<K>,<z>` with z as ';'-separated hex floats (%a).
// Output (e.g. tests/data/hard_corpus.csv): provenance comments, then the header
//   id,family,dtype,K,z,A,A_rad,logC,logC_rad,mu,mu_rad_max,prec_bits
// and one row per input row: the input columns verbatim; A, logC with 30 significant digits; their
// radii as %.3e rounded up and covering the decimal rounding of the printed value (so the printed
// radius is honest for the printed value); mu as ';'-separated 25-significant-digit decimals with
// mu_rad_max = the largest such honest radius over j; prec_bits. Rows with K above --no-mu-above
// get empty mu and mu_rad_max fields.
// Rows are evaluated in parallel (std::thread over rows); the file is written to OUT.tmp and renamed,
// so an interrupted run never leaves a truncated OUT.
#include <arb.h>
#include <flint/flint.h>
#include <mpfr.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "reference/reference.hpp"

namespace {

using ccnorm::ref::mpfloat;

struct Row {
  std::string line;  // the input row, verbatim (trailing whitespace stripped)
  std::string id;
  std::vector<double> z;
  std::size_t lineno = 0;
};

std::string rstrip(std::string s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == '\n' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
  return s;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    std::size_t p = s.find(sep, start);
    out.push_back(s.substr(start, p == std::string::npos ? std::string::npos : p - start));
    if (p == std::string::npos) break;
    start = p + 1;
  }
  return out;
}

[[noreturn]] void fail(const std::string& msg) {
  std::fprintf(stderr, "ccnorm_freeze: %s\n", msg.c_str());
  std::exit(2);
}

double parse_double(const std::string& s, std::size_t lineno) {
  const char* b = s.c_str();
  char* e = nullptr;
  errno = 0;
  double v = std::strtod(b, &e);
  if (e == b || *e != '\0' || !std::isfinite(v))
    fail("line " + std::to_string(lineno) + ": bad number '" + s + "'");
  return v;
}

// A decimal string of x with `digits` significant digits (round to nearest), and an upper bound
// of |decimal - x| added to `err` (an mpfr in RNDU arithmetic).
std::string decimal(const mpfr_t x, int digits, mpfr_t err) {
  char* buf = nullptr;
  std::string fmt = "%." + std::to_string(digits - 1) + "Re";
  if (mpfr_asprintf(&buf, fmt.c_str(), x) < 0) fail("mpfr_asprintf failed");
  std::string s(buf);
  mpfr_free_str(buf);
  // |decimal - x|: parse the decimal at a precision well above x's, bound the parse error too
  const mpfr_prec_t P = mpfr_get_prec(x) + 128;
  mpfr_t d, diff, pe;
  mpfr_inits2(P, d, diff, (mpfr_ptr)0);
  mpfr_init2(pe, 64);
  const int inexact = mpfr_strtofr(d, s.c_str(), nullptr, 10, MPFR_RNDN);  // |d - decimal| <= 2^-P |d|
  mpfr_sub(diff, d, x, MPFR_RNDA);
  mpfr_abs(diff, diff, MPFR_RNDU);
  mpfr_add(err, err, diff, MPFR_RNDU);
  if (inexact != 0) {
    mpfr_abs(pe, d, MPFR_RNDU);
    mpfr_mul_2si(pe, pe, -(static_cast<long>(P) - 2), MPFR_RNDU);
    mpfr_add(err, err, pe, MPFR_RNDU);
  }
  mpfr_clears(d, diff, pe, (mpfr_ptr)0);
  return s;
}

std::string radius_string(const mpfr_t r) {
  char* buf = nullptr;
  if (mpfr_asprintf(&buf, "%.3RUe", r) < 0) fail("mpfr_asprintf failed");
  std::string s(buf);
  mpfr_free_str(buf);
  return s;
}

// The output columns after the verbatim input ones.
std::string evaluate_row(const Row& row, bool with_mu) {
  ccnorm::ref::Certified c = ccnorm::ref::certified(row.z.data(), row.z.size(), with_mu);
  std::ostringstream o;
  mpfr_t err, tmp;
  mpfr_init2(err, 64);
  mpfr_init2(tmp, 64);

  mpfr_set_d(err, c.A_rad, MPFR_RNDU);
  std::string A = decimal(c.A.backend().data(), 30, err);
  o << A << ',' << radius_string(err) << ',';
  mpfr_set_d(err, c.logC_rad, MPFR_RNDU);
  std::string L = decimal(c.logC.backend().data(), 30, err);
  o << L << ',' << radius_string(err) << ',';
  if (with_mu) {
    mpfr_t worst;
    mpfr_init2(worst, 64);
    mpfr_set_zero(worst, 1);
    for (std::size_t j = 0; j < c.mu.size(); ++j) {
      mpfr_set_d(err, c.mu_rad[j], MPFR_RNDU);
      if (j) o << ';';
      o << decimal(c.mu[j].backend().data(), 25, err);
      if (mpfr_cmp(err, worst) > 0) mpfr_set(worst, err, MPFR_RNDU);
    }
    o << ',' << radius_string(worst) << ',';
    mpfr_clear(worst);
  } else {
    o << ",,";
  }
  o << c.prec_bits;
  mpfr_clears(err, tmp, (mpfr_ptr)0);
  return o.str();
}

std::string iso_now() {
  std::time_t t = std::time(nullptr);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  std::string in, out;
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  std::size_t no_mu_above = static_cast<std::size_t>(-1);
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      std::printf("usage: ccnorm_freeze IN OUT [--threads N] [--no-mu-above K]\n");
      return 0;
    } else if (a == "--threads" && i + 1 < argc) {
      threads = static_cast<unsigned>(std::max(1L, std::strtol(argv[++i], nullptr, 10)));
    } else if (a == "--no-mu-above" && i + 1 < argc) {
      no_mu_above = static_cast<std::size_t>(std::strtoull(argv[++i], nullptr, 10));
    } else if (!a.empty() && a[0] == '-') {
      fail("unknown option '" + a + "'");
    } else if (in.empty()) {
      in = a;
    } else if (out.empty()) {
      out = a;
    } else {
      fail("too many arguments");
    }
  }
  if (in.empty() || out.empty()) fail("usage: ccnorm_freeze IN OUT [--threads N] [--no-mu-above K]");

  // ---- read the corpus ----
  std::ifstream f(in);
  if (!f) fail("cannot open " + in);
  std::vector<std::string> comments;
  std::vector<Row> rows;
  bool have_header = false;
  std::string line;
  std::size_t lineno = 0;
  while (std::getline(f, line)) {
    ++lineno;
    line = rstrip(line);
    if (line.empty()) continue;
    if (line[0] == '#') {
      comments.push_back(line);
      continue;
    }
    if (!have_header) {
      if (line != "id,family,dtype,K,z") fail("line " + std::to_string(lineno) + ": expected header id,family,dtype,K,z");
      have_header = true;
      continue;
    }
    auto cols = split(line, ',');
    if (cols.size() != 5) fail("line " + std::to_string(lineno) + ": expected 5 columns");
    if (cols[2] != "f64" && cols[2] != "f32") fail("line " + std::to_string(lineno) + ": dtype must be f64 or f32");
    Row r;
    r.line = line;
    r.id = cols[0];
    r.lineno = lineno;
    char* e = nullptr;
    unsigned long long K = std::strtoull(cols[3].c_str(), &e, 10);
    if (cols[3].empty() || *e != '\0' || K == 0) fail("line " + std::to_string(lineno) + ": bad K");
    for (const auto& s : split(cols[4], ';')) r.z.push_back(parse_double(s, lineno));
    if (r.z.size() != K) fail("line " + std::to_string(lineno) + ": K does not match the number of logits");
    if (cols[2] == "f32")
      for (double v : r.z)
        if (static_cast<double>(static_cast<float>(v)) != v)
          fail("line " + std::to_string(lineno) + ": f32 row holds a value that is not a float");
    rows.push_back(std::move(r));
  }
  if (!have_header) fail("no header in " + in);

  // ---- evaluate in parallel (costliest rows first for load balance; output keeps input order) ----
  // cost ~ K * (number of series terms) ~ K * (spread + 30)
  std::vector<double> cost(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto [lo, hi] = std::minmax_element(rows[i].z.begin(), rows[i].z.end());
    cost[i] = static_cast<double>(rows[i].z.size()) * ((*hi - *lo) + 30.0);
  }
  std::vector<std::size_t> order(rows.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return cost[a] > cost[b]; });
  std::vector<std::string> results(rows.size());
  std::vector<std::string> errors(rows.size());
  std::atomic<std::size_t> next{0}, done{0};
  std::mutex io;
  const auto t0 = std::chrono::steady_clock::now();
  auto worker = [&]() {
    for (;;) {
      std::size_t k = next.fetch_add(1);
      if (k >= order.size()) break;
      const Row& r = rows[order[k]];
      const auto t1 = std::chrono::steady_clock::now();
      try {
        results[order[k]] = evaluate_row(r, r.z.size() <= no_mu_above);
      } catch (const std::exception& e) {
        errors[order[k]] = e.what();
      }
      const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
      const double tt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      std::size_t d = ++done;
      std::lock_guard<std::mutex> lk(io);
      std::fprintf(stderr, "[%zu/%zu] %s K=%zu %.2fs (elapsed %.1fs)%s\n", d, rows.size(), r.id.c_str(),
                   r.z.size(), dt, tt, errors[order[k]].empty() ? "" : " ERROR");
    }
    flint_cleanup();  // this thread's Arb/FLINT caches
  };
  std::vector<std::thread> pool;
  threads = std::min<unsigned>(threads, std::max<std::size_t>(1, rows.size()));
  for (unsigned t = 0; t < threads; ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();

  int bad = 0;
  for (std::size_t i = 0; i < rows.size(); ++i)
    if (!errors[i].empty()) {
      std::fprintf(stderr, "ccnorm_freeze: line %zu (%s): %s\n", rows[i].lineno, rows[i].id.c_str(), errors[i].c_str());
      ++bad;
    }
  if (bad) {
    std::fprintf(stderr, "ccnorm_freeze: %d row(s) failed; %s not written\n", bad, out.c_str());
    flint_cleanup_master();
    return 1;
  }

  // ---- write OUT.tmp, then rename ----
  const std::string tmp = out + ".tmp";
  {
    std::ofstream o(tmp, std::ios::trunc);
    if (!o) fail("cannot write " + tmp);
    o << "# generated by ccnorm_freeze (Arb " << arb_version << ", MPFR " << mpfr_get_version() << ") from " << in
      << " on " << iso_now()
      << "; reference = Arb ball Taylor series with tail bound; digits = 30 significant; radii certified\n";
    for (const auto& c : comments) o << c << '\n';
    o << "id,family,dtype,K,z,A,A_rad,logC,logC_rad,mu,mu_rad_max,prec_bits\n";
    for (std::size_t i = 0; i < rows.size(); ++i) o << rows[i].line << ',' << results[i] << '\n';
    o.flush();
    if (!o) fail("write error on " + tmp);
  }
  if (std::rename(tmp.c_str(), out.c_str()) != 0) fail("cannot rename " + tmp + " to " + out);
  const double tt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr, "ccnorm_freeze: wrote %zu rows to %s in %.1fs\n", rows.size(), out.c_str(), tt);
  flint_cleanup_master();
  return 0;
}
