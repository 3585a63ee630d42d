// Accuracy of every algorithm on the frozen hard corpus (tests/data/hard_corpus.csv), measured
// against its certified reference with the measures of docs/design.md §3 (measures/measures.hpp).
//
// The corpus: tools/make_corpus writes the inputs (tests/data/hard_corpus.in.csv) and
// ccnorm_freeze appends the certified reference (A, log C and every mu_j, from reference/ - never
// from normalizer/). Each row is evaluated in its own dtype: f64 rows with double in/double out,
// f32 rows with float in/float out (u = 2^-53 or 2^-24).
//
// Tolerances are data: tests/data/tolerances.csv, `algo,dtype,family,max_err_A,max_err_mu,expect,max_err_logC`
// (family `*` = every family without its own line), expect one of
//   pass    every row of the group must have err_A <= max_err_A and err_mu <= max_err_mu
//   fail    a documented failure of a baseline: at least one row of the group must exceed a bound
//           (asserted on the main corpus only; the slow K = 10^4 subset treats it as `record`)
//   record  measured and printed only
// Every (algo, dtype, family) present must be covered by a line: a missing line is a failure.
//
// For `auto` and `auto-precise` every row is also checked for: finite A and log C; every mu_j
// finite with 0 < mu_j < 1 (mu = (1) for K = 1); |sum_j mu_j - 1| <= max_err_mu * u + K 2^-1022,
// the sum taken in 201-bit arithmetic. Justification: the true mean sums to 1, so
// |sum muhat - 1| <= sum_j |muhat_j - mu_j| <= sum_j err_mu u mu_j = err_mu u (components below
// 2^-1000 add at most u 2^-1022 err each); an algorithm meeting its err_mu bound therefore meets
// this one, and a violation shows inconsistent components. (A user summing the K floats in T adds
// at most (K-1) u of their own.)
//
// Output: a table per algo x dtype x family (n, max err_A with the worst row, p99, median, max
// err_mu with the worst row, max ulps of A, non-finite rows, bounds, verdict), a closing line
// `N passed, M failed` (groups), and the same table as CSV in the build directory:
// accuracy_results.csv (main corpus, K <= 1000) or accuracy_results_slow.csv (the K = 10^4 rows,
// label `slow`). The CSV has one line per group with K = "all" plus one per (group, K).
//
// Build-time switch CCNORM_ACCURACY_SLOW selects the K > 1000 rows (the `slow` executable);
// otherwise the K <= 1000 rows are used. Rows are evaluated in parallel with OpenMP.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "normalizer/normalizer.hpp"
#include "io/corpus.hpp"
#include "io/format.hpp"
#include "measures/mpfr.hpp"

#ifndef CCNORM_BUILD_DIR
#define CCNORM_BUILD_DIR "."
#endif

namespace {

using ccnorm::Algo;
using ccnorm::measures::mp200;

#ifdef CCNORM_ACCURACY_SLOW
constexpr bool kSlow = true;
#define CORPUS_SUITE HardCorpusSlow
#else
constexpr bool kSlow = false;
#define CORPUS_SUITE HardCorpus
#endif
constexpr std::size_t kMainMaxK = 1000;  // main corpus: K <= 1000; slow: K > 1000

const std::vector<Algo> kAlgos = {Algo::auto_,      Algo::auto_precise, Algo::taylor, Algo::sorted_difference,
                                  Algo::closed_form, Algo::closed_form_scaled};

using ccnorm::corpus::split;
using Row = ccnorm::corpus::Row<mp200>;

std::string input_excerpt(const Row& r, std::size_t max_chars = 240) {
  std::string s = r.ztext;
  if (s.size() > max_chars) s = s.substr(0, max_chars) + "...(" + std::to_string(r.K) + " values)";
  return s;
}

// Reads the frozen corpus; rows outside this executable's K range are skipped unparsed.
std::vector<Row> load_corpus(const std::string& path, std::string& error) {
  try {
    return ccnorm::corpus::load<mp200>(
        path, [](std::size_t K) { return (K > kMainMaxK) == kSlow; }, ccnorm::measures::parse_decimal);
  } catch (const std::exception& e) {
    error = e.what();
    return {};
  }
}

struct Tol {
  double max_A = 0, max_mu = 0;
  std::string expect;
  double max_logC = 0;  // the optional 7th column; absent: max_A
};

std::map<std::string, Tol> load_tolerances(const std::string& path, std::string& error) {
  std::map<std::string, Tol> t;
  std::ifstream in(path);
  if (!in) {
    error = "cannot open " + path;
    return t;
  }
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    auto f = split(line, ',');
    if (header) {
      header = false;
      if (line != "algo,dtype,family,max_err_A,max_err_mu,expect,max_err_logC") {
        error = path + ": unexpected header " + line;
        return {};
      }
      continue;
    }
    if ((f.size() != 6 && f.size() != 7) || (f[5] != "pass" && f[5] != "fail" && f[5] != "record")) {
      error = path + ": bad line " + line;
      return {};
    }
    const std::string key = f[0] + "/" + f[1] + "/" + f[2];
    if (t.count(key)) {
      error = path + ": duplicate line for " + key;
      return {};
    }
    t[key] = Tol{std::strtod(f[3].c_str(), nullptr), std::strtod(f[4].c_str(), nullptr), f[5],
                 std::strtod((f.size() == 7 && !f[6].empty() ? f[6] : f[3]).c_str(), nullptr)};
  }
  return t;
}

struct Result {
  double eA = ccnorm::measures::kFailed, ulpsA = ccnorm::measures::kFailed, emu = ccnorm::measures::kFailed;
  double eC = ccnorm::measures::kFailed;  // err_logC, held to the bound of err_A
  bool nonfinite = true;   // A, log C or some mu_j not finite, or an exception
  std::string sanity;      // for auto / auto-precise: first violated invariant, empty if none
};

template <class T>
Result evaluate_row(Algo a, const Row& r, bool check_invariants, double tol_mu) {
  Result res;
  std::vector<T> z(r.K), mu(r.K, std::numeric_limits<T>::quiet_NaN());
  for (std::size_t i = 0; i < r.K; ++i) z[i] = static_cast<T>(r.z[i]);
  ccnorm::Out<T> o{};
  try {
    o = ccnorm::evaluate<T>(a, z.data(), r.K, mu.data());
  } catch (const std::exception& e) {  // an error for a valid input: infinite error (docs/design.md §3)
    if (check_invariants) res.sanity = std::string("exception: ") + e.what();
    return res;
  } catch (...) {
    if (check_invariants) res.sanity = "exception";
    return res;
  }
  res.eA = ccnorm::measures::err_value<T>(o.A, r.A);
  res.ulpsA = ccnorm::measures::ulps<T>(o.A, r.A);
  res.emu = ccnorm::measures::err_mean<T>(mu.data(), r.K, r.mu);
  res.eC = r.has_logC ? ccnorm::measures::err_value<T>(o.logC, r.logC) : 0.0;
  bool finite = std::isfinite(o.A) && std::isfinite(o.logC);
  for (T m : mu) finite = finite && std::isfinite(m);
  res.nonfinite = !finite;
  if (!finite) res.eA = res.emu = res.ulpsA = res.eC = ccnorm::measures::kFailed;  // any non-finite output: infinite error
  if (check_invariants) {
    if (!finite) {
      res.sanity = "non-finite output";
    } else {
      for (std::size_t j = 0; j < r.K && res.sanity.empty(); ++j) {
        const bool ok = r.K == 1 ? mu[j] == T(1) : (mu[j] > T(0) && mu[j] < T(1));
        if (!ok) {
          char buf[96];
          std::snprintf(buf, sizeof buf, "mu_%zu = %.17g outside the open simplex", j + 1, static_cast<double>(mu[j]));
          res.sanity = buf;
        }
      }
      if (res.sanity.empty()) {
        const double u = ccnorm::measures::unit_roundoff<T>();
        const mp200 dev = abs(ccnorm::measures::exact_sum(mu.data(), r.K) - 1);
        if (dev > tol_mu * u + static_cast<double>(r.K) * 0x1p-1022) {
          char buf[96];
          std::snprintf(buf, sizeof buf, "|sum mu - 1| = %.3g u > %g u", static_cast<double>(dev / u), tol_mu);
          res.sanity = buf;
        }
      }
    }
  }
  return res;
}

struct Group {
  std::vector<std::size_t> rows;  // indices into the corpus
};


}  // namespace

TEST(CORPUS_SUITE, AccuracyAgainstFrozenReference) {
  std::string err;
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<Row> rows = load_corpus("tests/data/hard_corpus.csv", err);
  ASSERT_TRUE(err.empty()) << err;
  ASSERT_FALSE(rows.empty()) << "no rows in the " << (kSlow ? "slow" : "main") << " corpus";
  const auto tol = load_tolerances("tests/data/tolerances.csv", err);
  ASSERT_TRUE(err.empty()) << err;
  const double t_load = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  // groups and their tolerance lines
  std::map<std::string, Group> groups;  // "algo/dtype/family"
  std::map<std::string, Tol> gtol;
  for (Algo a : kAlgos)
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const std::string key = std::string(ccnorm::algo_name(a)) + "/" + rows[i].dtype + "/" + rows[i].family;
      groups[key].rows.push_back(i);
      if (!gtol.count(key)) {
        auto it = tol.find(key);
        if (it == tol.end()) it = tol.find(std::string(ccnorm::algo_name(a)) + "/" + rows[i].dtype + "/*");
        ASSERT_NE(it, tol.end()) << "tests/data/tolerances.csv has no line for " << key << " (nor a '*' line)";
        gtol[key] = it->second;
      }
    }

  // evaluate: one task per (algo, row), biggest K first for load balance
  struct Task {
    Algo a;
    std::size_t row;
  };
  std::vector<Task> tasks;
  for (Algo a : kAlgos)
    for (std::size_t i = 0; i < rows.size(); ++i) tasks.push_back({a, i});
  std::stable_sort(tasks.begin(), tasks.end(), [&](const Task& x, const Task& y) { return rows[x.row].K > rows[y.row].K; });
  std::vector<Result> results(tasks.size());
  std::vector<double> task_s(tasks.size(), 0.0);
  std::map<std::pair<int, std::size_t>, std::size_t> where;  // (algo, row) -> task index
  for (std::size_t t = 0; t < tasks.size(); ++t) where[{static_cast<int>(tasks[t].a), tasks[t].row}] = t;
  const auto t1 = std::chrono::steady_clock::now();
#pragma omp parallel for schedule(dynamic, 1)
  for (std::size_t t = 0; t < tasks.size(); ++t) {
    const Row& r = rows[tasks[t].row];
    const Algo a = tasks[t].a;
    const bool inv = a == Algo::auto_ || a == Algo::auto_precise;
    const Tol& tl = gtol.at(std::string(ccnorm::algo_name(a)) + "/" + r.dtype + "/" + r.family);
    const auto ts = std::chrono::steady_clock::now();
    results[t] = r.dtype == "f64" ? evaluate_row<double>(a, r, inv, tl.max_mu) : evaluate_row<float>(a, r, inv, tl.max_mu);
    task_s[t] = std::chrono::duration<double>(std::chrono::steady_clock::now() - ts).count();
  }
  const double t_eval = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();

  // aggregate, check, print, write CSV
  const std::string csv_path = std::string(CCNORM_BUILD_DIR) + (kSlow ? "/accuracy_results_slow.csv" : "/accuracy_results.csv");
  std::FILE* csv = std::fopen(csv_path.c_str(), "w");
  ASSERT_NE(csv, nullptr) << "cannot write " << csv_path;
  std::fprintf(csv, "algo,dtype,family,K,n,max_err_A,worst_A_id,p99_err_A,median_err_A,max_err_mu,worst_mu_id,p99_err_mu,"
                    "max_ulps_A,n_nonfinite,bound_A,bound_mu,expect,verdict,max_err_logC,worst_logC_id\n");
  std::printf("\nhard corpus (%s): %zu rows, %zu evaluations; load %.1f s, evaluate %.1f s on %d threads\n",
              kSlow ? "slow, K > 1000" : "main, K <= 1000", rows.size(), tasks.size(), t_load, t_eval, omp_get_max_threads());
  {
    std::map<std::string, std::pair<double, double>> per_algo;  // total, slowest row (seconds)
    std::map<std::string, std::string> slowest;
    for (std::size_t t = 0; t < tasks.size(); ++t) {
      auto& pa = per_algo[ccnorm::algo_name(tasks[t].a)];
      pa.first += task_s[t];
      if (task_s[t] > pa.second) pa.second = task_s[t], slowest[ccnorm::algo_name(tasks[t].a)] = rows[tasks[t].row].id;
    }
    for (const auto& [name, pa] : per_algo)
      std::printf("  time %-19s %8.2f s in all (incl. error measures), slowest row %.3f s (%s)\n", name.c_str(), pa.first,
                  pa.second, slowest[name].c_str());
  }
  std::printf("%-19s %-4s %-12s %5s %9s %-38s %9s %9s %9s %-38s %9s %5s %13s %-6s %s\n", "algo", "type", "family", "n",
              "maxErrA", "worst A row", "p99ErrA", "medErrA", "maxErrMu", "worst mu row", "maxUlpsA", "nonf", "bounds A/mu",
              "expect", "verdict");
  std::size_t n_pass = 0, n_fail = 0;
  for (const auto& [key, g] : groups) {
    const auto parts = split(key, '/');
    const Tol& tl = gtol.at(key);
    Algo a{};
    ccnorm::parse_algo(parts[0], a);
    // per-K sub-groups for the CSV
    std::map<std::size_t, std::vector<std::size_t>> byK;
    for (std::size_t i : g.rows) byK[rows[i].K].push_back(i);
    auto stats = [&](const std::vector<std::size_t>& idx, std::string K, std::string* verdict_out, bool print) {
      std::vector<double> eA, emu;
      double maxA = -1, maxmu = -1, maxulps = 0, maxC = -1;
      std::string worstA, worstmu, worstC;
      std::size_t nonf = 0, over = 0;
      std::vector<std::string> offenders, sanity;
      for (std::size_t i : idx) {
        const Result& r = results[where.at({static_cast<int>(a), i})];
        eA.push_back(r.eA);
        emu.push_back(r.emu);
        if (r.eA > maxA || worstA.empty()) maxA = std::max(maxA, r.eA), worstA = rows[i].id;
        if (r.emu > maxmu || worstmu.empty()) maxmu = std::max(maxmu, r.emu), worstmu = rows[i].id;
        if (r.eC > maxC || worstC.empty()) maxC = std::max(maxC, r.eC), worstC = rows[i].id;
        maxulps = std::max(maxulps, r.ulpsA);
        nonf += r.nonfinite;
        const bool exceeds = !(r.eA <= tl.max_A) || !(r.emu <= tl.max_mu) || !(r.eC <= tl.max_logC);
        over += exceeds;
        if (exceeds && offenders.size() < 8)
          offenders.push_back(rows[i].id + ": err_A " + ccnorm::io::format_g(r.eA, 3) + ", err_logC " + ccnorm::io::format_g(r.eC, 3) +
                              ", err_mu " + ccnorm::io::format_g(r.emu, 3) + "; z = " + input_excerpt(rows[i]));
        if (!r.sanity.empty() && sanity.size() < 8) sanity.push_back(rows[i].id + ": " + r.sanity + "; z = " + input_excerpt(rows[i]));
      }
      std::string verdict;
      bool ok = true;
      const bool expect_fail = tl.expect == "fail" && !kSlow;
      if (tl.expect == "pass") {
        ok = over == 0;
        verdict = ok ? "ok" : std::to_string(over) + " rows over";
      } else if (expect_fail) {
        ok = over > 0;
        verdict = ok ? "fails as expected (" + std::to_string(over) + " rows)" : "EXPECTED FAILURE NOT SEEN";
      } else {
        verdict = over ? std::to_string(over) + " rows over (recorded)" : "within (recorded)";
      }
      if (!sanity.empty()) ok = false, verdict += "; invariants violated";
      if (verdict_out) {
        *verdict_out = verdict;
        if (!ok) {
          std::string msg = key + ": " + verdict + " (bounds err_A <= " + ccnorm::io::format_g(tl.max_A, 3) + ", err_mu <= " + ccnorm::io::format_g(tl.max_mu, 3) + ", err_logC <= " + ccnorm::io::format_g(tl.max_logC, 3) + ")";
          for (const auto& o : offenders) msg += "\n    " + o;
          for (const auto& s : sanity) msg += "\n    invariant: " + s;
          ADD_FAILURE() << msg;
        }
        (ok ? n_pass : n_fail) += 1;
      }
      if (print)
        std::printf("%-19s %-4s %-12s %5zu %9s %-38s %9s %9s %9s %-38s %9s %5zu %6s/%-6s %-6s %s\n", parts[0].c_str(),
                    parts[1].c_str(), parts[2].c_str(), idx.size(), ccnorm::io::format_g(maxA, 3).c_str(), worstA.c_str(),
                    ccnorm::io::format_g(ccnorm::measures::percentile_of(eA, 99), 3).c_str(), ccnorm::io::format_g(ccnorm::measures::percentile_of(eA, 50), 3).c_str(), ccnorm::io::format_g(maxmu, 3).c_str(),
                    worstmu.c_str(), ccnorm::io::format_g(maxulps, 3).c_str(), nonf, ccnorm::io::format_g(tl.max_A, 3).c_str(), ccnorm::io::format_g(tl.max_mu, 3).c_str(),
                    tl.expect.c_str(), verdict.c_str());
      std::fprintf(csv, "%s,%s,%s,%s,%zu,%.6g,%s,%.6g,%.6g,%.6g,%s,%.6g,%.6g,%zu,%g,%g,%s,%s,%.6g,%s\n", parts[0].c_str(),
                   parts[1].c_str(), parts[2].c_str(), K.c_str(), idx.size(), maxA, worstA.c_str(), ccnorm::measures::percentile_of(eA, 99),
                   ccnorm::measures::percentile_of(eA, 50), maxmu, worstmu.c_str(), ccnorm::measures::percentile_of(emu, 99), maxulps, nonf, tl.max_A, tl.max_mu,
                   tl.expect.c_str(), verdict_out ? verdict.c_str() : "", maxC, worstC.c_str());
    };
    std::string verdict;
    stats(g.rows, "all", &verdict, true);
    for (const auto& [K, idx] : byK) stats(idx, std::to_string(K), nullptr, false);
  }
  std::fclose(csv);
  std::printf("%zu passed, %zu failed (groups algo x dtype x family); table written to %s\n", n_pass, n_fail, csv_path.c_str());
}

// The frozen reference itself, checked against facts that need no algorithm (docs/design.md §1):
// the bounds mean(z) - log((K-1)!) <= A <= max(z) - log((K-1)!), the mean inside the simplex and
// summing to 1, and the exact values for all-equal rows (A = c - log((K-1)!), mu_j = 1/K).
// Catches a corrupted or mis-frozen data file; it does not involve normalizer/ code.
TEST(CORPUS_SUITE, FrozenReferenceSatisfiesIdentities) {
  std::string err;
  const std::vector<Row> rows = load_corpus("tests/data/hard_corpus.csv", err);
  ASSERT_TRUE(err.empty()) << err;
  ASSERT_FALSE(rows.empty());
  const mp200 tiny = ldexp(mp200(1), -75);  // the reference is printed to 25-30 digits (>= 83 bits)
  std::size_t bad = 0;
  for (const Row& r : rows) {
    mp200 lf;  // log((K-1)!) = lgamma(K)
    mp200 Kmp(static_cast<double>(r.K));
    mpfr_lngamma(lf.backend().data(), Kmp.backend().data(), MPFR_RNDN);
    mp200 mean = 0, zmax = r.z[0];
    for (double x : r.z) mean += x, zmax = std::max(zmax, mp200(x));
    mean /= static_cast<double>(r.K);
    const mp200 slack = tiny * std::max(mp200(1), abs(r.A));
    bool ok = r.A >= mean - lf - slack && r.A <= zmax - lf + slack;
    mp200 s = 0;
    for (const auto& m : r.mu) {
      ok = ok && m > 0 && m <= 1;
      s += m;
    }
    ok = ok && abs(s - 1) < tiny * static_cast<double>(r.K);
    if (r.family == "all_equal" || r.family == "all_zero") {
      ok = ok && abs(r.A - (mp200(r.z[0]) - lf)) <= slack;
      for (const auto& m : r.mu) ok = ok && abs(m * static_cast<double>(r.K) - 1) < tiny;
    }
    if (!ok && ++bad <= 10) ADD_FAILURE() << "reference of row " << r.id << " violates an identity (A = " << r.A << ")";
  }
  EXPECT_EQ(bad, 0u);
}
