// Accuracy of the rest of the distribution (normalizer/distribution.hpp) against the certified
// reference (reference/reference.hpp: certified_covariance, certified_entropy, certified_kl),
// computed here at test time from the rows of the hard corpus (tests/data/hard_corpus.csv:
// ties, clusters, progressions, outliers, offsets, spreads up to 10^4, K up to 1000; the
// K = 10^4 spot rows in the `slow` executable). Measures (docs/design.md §3, measures/):
//   covariance   |Cov^_ij - Cov_ij| / (u sqrt(Cov_ii Cov_jj))   (natural scale), diagonal relative
//   hvp          |(Cov v)^_i - (Cov v)_i| / (u sqrt(Cov_ii) sum_j sqrt(Cov_jj) |v_j|)
//   entropy      err_value: |H^ - H| / (u max(1, |H|))
//   KL           relative error |KL^ - KL| / KL (0 exactly when KL = 0); below 2^40 subnormal
//                units of the dtype the error is measured against that floor (the dtype cannot
//                hold 40 bits there: a KL that underflows must come out 0)
// Tolerances are data: tests/data/distribution_tolerances.csv. Rows with K <= 32 are checked with
// the full matrix; larger rows with the variances and three columns (the top node, the bottom
// node, the middle one), each column computed both by covariance() and by hvp() with a unit
// vector. A table per quantity x dtype x family (n, max error and the worst row) is printed and
// written to the build directory (distribution_results[_slow].csv), with `N passed, M failed`.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "measures/mpfr.hpp"
#include "normalizer/normalizer.hpp"
#include "reference/reference.hpp"
#include "io/corpus.hpp"

#ifndef CCNORM_BUILD_DIR
#define CCNORM_BUILD_DIR "."
#endif

namespace {

using ccnorm::measures::mp200;
using Row = ccnorm::corpus::Row<mp200>;
namespace ms = ccnorm::measures;

#ifdef CCNORM_DISTRIBUTION_SLOW
constexpr bool kSlow = true;
#else
constexpr bool kSlow = false;
#endif

std::map<std::string, double> load_tolerances() {
  std::map<std::string, double> t;
  std::ifstream in("tests/data/distribution_tolerances.csv");
  if (!in) throw std::runtime_error("cannot open tests/data/distribution_tolerances.csv (run from the repository root)");
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto f = ccnorm::corpus::split(line, ',');
    if (header) {
      header = false;
      if (line.rfind("quantity,dtype,max_err", 0) != 0) throw std::runtime_error("distribution_tolerances.csv: bad header");
      continue;
    }
    if (f.size() < 3) throw std::runtime_error("distribution_tolerances.csv: bad line " + line);
    t[f[0] + "/" + f[1]] = std::stod(f[2]);
  }
  return t;
}

struct Worst {
  std::size_t n = 0, failed = 0;
  double max = 0;
  std::string worst;
  void add(double e, double tol, const std::string& what) {
    ++n;
    if (!(e <= tol)) ++failed;
    if (n == 1 || e > max || std::isnan(e)) {
      max = std::isnan(e) ? ms::kFailed : e;
      worst = what;
    }
  }
};

struct Table {
  std::mutex mu;
  std::map<std::string, Worst> groups;  // quantity/dtype/family
  std::vector<std::string> failures;
  void add(const std::string& q, const Row& r, double e, double tol, const std::string& what) {
    std::lock_guard<std::mutex> l(mu);
    groups[q + "/" + r.dtype + "/" + r.family].add(e, tol, r.id + (what.empty() ? "" : " " + what));
    if (!(e <= tol) && failures.size() < 40)
      failures.push_back(q + " " + r.id + " " + what + ": error " + std::to_string(e) + " > " + std::to_string(tol));
  }
  void print_and_write(const char* csv_name) {
    std::size_t pass = 0, fail = 0;
    std::FILE* f = std::fopen((std::string(CCNORM_BUILD_DIR) + "/" + csv_name).c_str(), "w");
    if (f) std::fprintf(f, "quantity,dtype,family,n,failed,max_err,worst\n");
    std::printf("%-34s %6s %6s %10s  %s\n", "quantity/dtype/family", "n", "failed", "max err", "worst");
    for (auto& [k, w] : groups) {
      std::printf("%-34s %6zu %6zu %10.3g  %s\n", k.c_str(), w.n, w.failed, w.max, w.worst.c_str());
      pass += w.n - w.failed;
      fail += w.failed;
      if (f) {
        auto p = ccnorm::corpus::split(k, '/');
        std::fprintf(f, "%s,%s,%s,%zu,%zu,%.4g,%s\n", p[0].c_str(), p[1].c_str(), p[2].c_str(), w.n, w.failed, w.max,
                     w.worst.c_str());
      }
    }
    if (f) std::fclose(f);
    std::printf("%zu passed, %zu failed\n", pass, fail);
    for (const auto& s : failures) ADD_FAILURE() << s;
  }
};

template <class T>
std::vector<T> row_z(const Row& r) {
  return std::vector<T>(r.z.begin(), r.z.end());
}

double d(const ccnorm::ref::mpfloat& x) { return x.convert_to<double>(); }

template <class T>
void check_row(const Row& r, const std::map<std::string, double>& tol, Table& tab) {
  const std::size_t K = r.K;
  const auto z = row_z<T>(r);
  const double u = ms::unit_roundoff<T>();
  const std::string& dt = r.dtype;
  // ---- entropy
  {
    const auto h = ccnorm::ref::certified_entropy(r.z.data(), K);
    ccnorm::RowStatus s;
    const T H = ccnorm::entropy<T>(z.data(), K, &s);
    tab.add("entropy", r, ms::err_value(static_cast<double>(H), h.mid, u), tol.at("entropy/" + dt), "");
  }
  if (K < 2) return;
  // ---- covariance: full (K <= 32) or variances + three columns (covariance() and hvp())
  std::vector<std::size_t> cols;
  if (K > 32) {
    const std::size_t top = static_cast<std::size_t>(std::max_element(r.z.begin(), r.z.end()) - r.z.begin());
    const std::size_t bot = static_cast<std::size_t>(std::min_element(r.z.begin(), r.z.end()) - r.z.begin());
    cols = {top, bot, K / 2};
  }
  const auto c = ccnorm::ref::certified_covariance(r.z.data(), K, cols);
  const auto& cl = c.cols;
  std::vector<double> sd(K);
  for (std::size_t i = 0; i < K; ++i) sd[i] = std::sqrt(d(c.var[i]));
  std::vector<T> var(K);
  ccnorm::variances<T>(z.data(), K, var.data());
  for (std::size_t i = 0; i < K; ++i)
    tab.add("cov_diag", r, ms::err_relative(static_cast<double>(var[i]), c.var[i], u), tol.at("cov_diag/" + dt),
            "i=" + std::to_string(i));
  std::vector<T> full;
  if (K <= 32) {
    full.resize(K * K);
    ccnorm::covariance<T>(z.data(), K, full.data());
  }
  for (std::size_t k = 0; k < cl.size(); ++k) {
    const std::size_t j = cl[k];
    std::vector<T> e(K, T(0)), col(K);
    e[j] = T(1);
    ccnorm::hvp<T>(z.data(), K, e.data(), col.data());
    for (std::size_t i = 0; i < K; ++i) {
      const auto& ref = c.cov[k * K + i];
      const double scale = sd[i] * sd[j];
      const std::string at = "(" + std::to_string(i) + "," + std::to_string(j) + ")";
      if (!full.empty()) {
        const double ef = i == j ? ms::err_relative(static_cast<double>(full[i * K + j]), ref, u)
                                 : ms::err_scaled(static_cast<double>(full[i * K + j]), ref, scale, u);
        tab.add(i == j ? "cov_diag" : "cov_offdiag", r, ef, tol.at(std::string(i == j ? "cov_diag/" : "cov_offdiag/") + dt), at);
      }
      tab.add("hvp", r, ms::err_scaled(static_cast<double>(col[i]), ref, scale, u), tol.at("hvp/" + dt), at);
    }
  }
}

// KL pairs made from a corpus row: one ulp in one coordinate, a few ulps everywhere, relative
// 1e-8 and 1e-3 tilts, a reversed row (large KL), a shift up to rounding (z + 3.1 rounded: KL of
// the rounding alone) and an exactly shifted copy (exactly 0).
template <class T>
void check_kl(const Row& r, const std::map<std::string, double>& tol, Table& tab) {
  const std::size_t K = r.K;
  if (K < 2) return;
  const auto zp = row_z<T>(r);
  std::vector<std::pair<std::string, std::vector<T>>> qs;
  auto q = zp;
  q[K / 2] = std::nextafter(q[K / 2], T(1e30));
  qs.push_back({"one-ulp", q});
  q = zp;
  for (std::size_t j = 0; j < K; ++j) q[j] = j % 2 ? std::nextafter(q[j], T(-1e30)) : std::nextafter(std::nextafter(q[j], T(1e30)), T(1e30));
  qs.push_back({"ulps-everywhere", q});
  for (double eps : {1e-8, 1e-3}) {
    q = zp;
    for (std::size_t j = 0; j < K; ++j) q[j] = static_cast<T>(static_cast<double>(q[j]) + eps * std::cos(1.0 + j));
    qs.push_back({"tilt" + std::to_string(eps), q});
  }
  q = zp;
  std::reverse(q.begin(), q.end());
  qs.push_back({"reversed", q});
  // a shift up to rounding: zq - zp = 3.1 + (rounding of each z_j + 3.1), KL ~ 1e-34 or exactly 0
  q = zp;
  for (auto& x : q) x = x + T(3.1);
  qs.push_back({"near-shift", q});
  for (const auto& [name, zq] : qs) {
    std::vector<double> qd(zq.begin(), zq.end()), pd(zp.begin(), zp.end());
    const auto ref = ccnorm::ref::certified_kl(pd.data(), qd.data(), K);
    const T kl = ccnorm::kl_divergence<T>(zp.data(), zq.data(), K);
    // relative error; below 2^40 subnormal units of T (where T cannot hold 40 bits) absolute,
    // in units of 2^-40 of that floor, so an exact 0 for a KL that underflows T passes
    const double floor = std::ldexp(static_cast<double>(std::numeric_limits<T>::denorm_min()), 40);
    const double mag = ms::ref_traits<ccnorm::ref::mpfloat>::magnitude(ref.mid);
    double e = ms::err_scaled(static_cast<double>(kl), ref.mid, std::max(mag, floor), 1.0);
    if (!(kl >= 0)) e = ms::kFailed;
    // f32 outputs: the relative goal is bounded below by the float rounding of the result
    const double goal = std::max(tol.at("kl/" + r.dtype), std::is_same_v<T, float> ? 0x1p-24 : 0.0);
    tab.add("kl", r, e, goal, name);
  }
  // exactly 0 for a shifted copy (a representable shift)
  auto s = zp;
  for (auto& x : s) x = x + T(2);
  bool representable = true;
  for (std::size_t j = 0; j < K; ++j) representable = representable && s[j] - T(2) == zp[j];
  if (representable) tab.add("kl", r, ccnorm::kl_divergence<T>(zp.data(), s.data(), K) == T(0) ? 0.0 : ms::kFailed, 0.0, "shifted");
}

void run_corpus(bool with_kl, std::size_t kl_max_K, const char* csv) {
  const auto tol = load_tolerances();
  const auto rows = ccnorm::corpus::load<mp200>(
      "tests/data/hard_corpus.csv", [](std::size_t K) { return kSlow ? K > 1000 : K <= 1000; }, ms::parse_decimal);
  ASSERT_FALSE(rows.empty());
  Table tab;
  std::atomic<std::size_t> next{0};
  std::vector<std::string> errors;
  std::mutex em;
  auto work = [&] {
    for (std::size_t i; (i = next++) < rows.size();) {
      const Row& r = rows[i];
      try {
        if (r.dtype == "f32") check_row<float>(r, tol, tab);
        else check_row<double>(r, tol, tab);
        if (with_kl && r.K <= kl_max_K) {
          if (r.dtype == "f32") check_kl<float>(r, tol, tab);
          else check_kl<double>(r, tol, tab);
        }
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> l(em);
        errors.push_back(r.id + ": " + e.what());
      }
    }
  };
  const unsigned nt = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> th;
  for (unsigned t = 0; t < nt; ++t) th.emplace_back(work);
  for (auto& t : th) t.join();
  for (const auto& e : errors) ADD_FAILURE() << e;
  tab.print_and_write(csv);
}

// The quadrature rule of KL's integral form: K7 integrates t^k on [0, 1] exactly for k <= 11,
// its nested G3 for k <= 5 (and not for k = 6: the two rules are different), weights sum to 1.
TEST(KlQuadrature, KronrodPairIsExactOnMonomials) {
  const auto& rule = ccnorm::dist_detail::gauss_kronrod7_01();
  for (int k = 0; k <= 12; ++k) {
    long double sk = 0, sg = 0;
    for (const auto& n : rule) {
      sk += n.wk * std::pow(n.x, static_cast<long double>(k));
      sg += n.wg * std::pow(n.x, static_cast<long double>(k));
    }
    const long double exact = 1.0L / (k + 1);
    const long double eps = 8 * std::numeric_limits<long double>::epsilon();
    if (k <= 11) {
      EXPECT_LE(std::fabs(sk - exact), eps) << "K7, t^" << k;
    } else {
      EXPECT_GT(std::fabs(sk - exact), 1e-9L) << "K7 is not exact beyond degree 11";
    }
    if (k <= 5) {
      EXPECT_LE(std::fabs(sg - exact), eps) << "G3, t^" << k;
    } else if (k == 6) {
      EXPECT_GT(std::fabs(sg - exact), 1e-4L) << "G3 is not exact at degree 6";
    }
  }
}

#ifndef CCNORM_DISTRIBUTION_SLOW
TEST(DistributionAccuracy, HardCorpus) { run_corpus(true, 100, "distribution_results.csv"); }
#else
TEST(DistributionAccuracy, HardCorpusLargeK) { run_corpus(false, 0, "distribution_results_slow.csv"); }
#endif

}  // namespace
