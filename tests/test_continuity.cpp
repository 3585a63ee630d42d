// `auto` across its internal cut-offs (docs/design.md §2.6, §2.11): wherever the path it takes
// changes with the input, no output may jump. Each cut-off gets a one-parameter family of rows
// whose parameter crosses it; the samples are the two neighbouring parameter values where the path
// flips, 8 ulp steps of the parameter on each side of them and a few wider steps (relative 2^-40 ..
// 2^-5), in f64 and in f32 (the parameter and the row rounded to float), with and without the
// mean. Everything is measured against the certified reference (ref::certified, or
// ref::certified_distinct where the series reference would be too slow), never against
// normalizer/ code.
//
// Cut-offs (source lines as of this test's commit; the family name is the first column of the
// table and of the tolerance file):
//   sort_skip         taylor_prepare (normalizer/taylor.hpp:266): rows with spread*log2(e) <
//                     R - kUnsortedMarginBits = 400 - 24 (taylor.hpp:61, series/limits.hpp:80) are
//                     not sorted (only min first, max last): spread 260.6233... for the double series
//                     and for auto's x87 rerun alike; f64 with the mean, the compensated recurrence
//                     unscaled below it and scaled per node above. Family: a shuffled progression of K = 300 nodes
//                     (gaps < 1, so separated declines and the series runs on both sides).
//   separated_K4      auto_eval (normalizer/auto.hpp): spread > series::kSeparatedMinSpread
//                     = 128 (series/limits.hpp:30) goes to separated.hpp first. Family that
//                     separated accepts: (0, 0.25, t/2, t). (Two nodes take two_nodes from spread 8:
//                     the former family (0, t) measures two_nodes on both sides of 128.)
//   two_nodes         auto_eval (normalizer/auto.hpp, two_nodes.hpp): K = 2, spread >=
//                     kTwoNodesMinSpread = 8 takes the closed form in x87. Family (0, t), t crossing 8.
//   mean_escalation   compensated_mean (auto.hpp): f64 with the mean and spread >
//                     kMeanEscalationSpread = 128 (limits.hpp) runs the compensated recurrence at
//                     any K (it ran in x87 before; sort_skip walks the recurrence's switch to
//                     per-node scaling at 260.62). Family: a
//                     progression of 160 nodes (gaps < 1: separated declines), spread t crossing
//                     128: the plain series below (spread < K), the recurrence above (without the
//                     mean, and in f32, the path does not change there: those rows measure one path).
//   rerun_after       auto_rerun_after (auto.hpp:216, escalation.hpp:62-66, limits.hpp:50): f64,
//                     1.5 sqrt(terms) + 0.5 sqrt(K) > 10 max(1, min(|A|, |log C|)) reruns in x87.
//                     Family: z = c + y, y a fixed K = 10 row of spread 40, c moving A across the
//                     budget (f32 never reruns: sampled where f64 flips).
//   assembly_dd_K2,   assemble_checked (series/assembly.hpp:103, limits.hpp:92): max |term| >
//   assembly_dd       1.5 max(1, |A|) redoes A in double-double. Families: (-9, -9 + t) and the
//                     shift z = c + (0, 2.5, 5) (whose error is exactly shift-invariant: jump 0;
//                     spread 5, below three_nodes' 8).
//   logc_dd           log_c (series/assembly.hpp:162, limits.hpp:94): max(r, |A - m|) >
//                     2 max(1, |log C|) redoes log C in double-double. Family: (0, t), t near 2.
//   domain_2^22_K4    auto_eval (auto.hpp:197-204): spread > kAccuracyDomainMaxSpread = 2^22
//                     (limits.hpp:24) changes separated's budget and quick flag, and beyond it a row
//                     that separated declines takes the flagged fallback. Family that separated
//                     accepts: (0, 0.37 t, 0.71 t, t) (two and three nodes take two_nodes and
//                     three_nodes at any spread). (Rows that it declines at spread 2^22 need
//                     > 4096 nodes within width 1 or ~2 10^6 nodes below the top: the series and
//                     the reference would take minutes; not covered.)
//   log_factorial,    log_factorial_dd (normalizer/dd.hpp:119): log(n!) as an exact product for
//   log_factorial_ties n <= 36, Stirling above, i.e. K = 37 / 38; the plain assembly uses lgamma.
//                     The parameter is K = 30..45: z_j = lgamma(K) + 0.1 j / (K - 1) (A ~ 0.05,
//                     the double-double assembly), and all z_j = lgamma(K) (S = 1 exactly: the
//                     error of A is that of log((K-1)!) alone). The mean's jump compares j < 37.
//   three_nodes       auto_eval (normalizer/auto.hpp, three_nodes.hpp): K = 3, spread >=
//                     kThreeNodesMinSpread = 8 takes Newton's recurrence in x87. Family (0, 0.37 t, t),
//                     t crossing 8. The K = 3 rows of the families above with spread >= 8
//                     (separated_gap) measure three_nodes on both sides.
//   compensated_mean  compensated_mean (normalizer/auto.hpp, series/limits.hpp): f64 with the mean
//                     and spread in (max(kCompensatedMeanMinSpread = 8, K), 128] runs the
//                     compensated recurrence (taylor_compensated.hpp). Family: a progression of
//                     K = 10 nodes, spread t crossing 10 (the path changes in f64 with the mean only).
//   (also found)
//   separated_gap     separated.hpp:389: the clusters are split at gaps > G = 1, 4, ... Family:
//                     (0, t, 200), t crossing 1 (the path stays separated: internal switch).
//   separated_accept  separated's acceptance tests (separated.hpp:77-86): where it declines the
//                     series (f64 with the mean: x87) takes over. Family: 100 nodes in [0, 0.99]
//                     and one at t, t scanned over [129, 1500] for the flip.
//   min_swap          taylor_prepare (taylor.hpp:262): the strict z[i] < z[imin] picks the shift
//                     m; a tie at the minimum swaps it. Family: (s, 1, 1.7, 2.3), s crossing 1.
//   block_of_8        run_series (taylor.hpp:170, 192-245): 8 degrees per block, the stopping rule
//                     once per block, so the number of terms jumps by 8. Family: (0, 0.5, 1, t), t in
//                     [10, 12] (two and three nodes of spread >= 8 take their closed forms).
//   (not reachable by auto: the blocking switch at spreads 2^76, the plain series' 2^40.)
// Where the path flips is found by replaying auto_eval's decisions with its own functions (probe
// below: a copy of auto.hpp's control flow, used only to locate and label the paths; it must
// reproduce evaluate_row's A and log C bitwise on every sample, else the test fails). The test also
// fails when a documented threshold (128, 2^22, 260.62) is not where the path flips, or when a
// family's path does not change in any dtype and mode (the cut-off moved or vanished).
//
// Measured per cut-off, dtype and mode (val: no mean; mu: with the mean): max err_A, err_logC,
// err_mu (docs/design.md §3, measures/) on each side, and the jump = max over consecutive samples
// whose path differs of |(out(t2) - out(t1)) - (ref(t2) - ref(t1))| (formed in 201 bits) in units
// of u max(1, |value|) (A, log C) or u mu_j (mu: max over j), and for comparison the largest such
// difference between consecutive samples of the same path ("noise"). Tolerances:
// tests/data/continuity_tolerances.csv (the goal is a jump <= 2 u in A and mu).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "io/csv.hpp"
#include "measures/mpfr.hpp"
#include "normalizer/normalizer.hpp"
#include "normalizer/auto.hpp"
#include "normalizer/two_nodes.hpp"
#include "reference/reference.hpp"

namespace {

using ccnorm::Algo;
using ccnorm::RowStatus;
using ccnorm::measures::mp200;

// ---- where auto goes: a replay of auto_eval's decisions (normalizer/auto.hpp) ----
struct Path {
  double r = 0;
  bool sorted = false, separated = false, fallback = false, rerun = false;
  bool asm_dd = false, logc_dd = false, three = false, two = false, saddle = false, equal = false, comp = false;
  std::size_t terms = 0;
  double A = NAN, logC = NAN;  // what auto returns by this replay (checked against evaluate_row)
  std::string name() const {
    if (three) return "three_nodes";
    if (two) return "two_nodes";
    if (equal) return "equal_row";
    if (saddle) return "saddle";
    if (separated) return r <= ccnorm::series::kAccuracyDomainMaxSpread ? "sep/quick" : "sep/full-budget";
    if (fallback) return "fallback";
    std::string s = rerun ? "x87rerun" : comp ? "dbl-compensated" : "dbl";
    s += sorted ? "/sorted" : "/unsorted";
    if (asm_dd) s += "/asm-dd";
    if (logc_dd) s += "/logC-dd";
    s += "/N+1=" + std::to_string(terms);
    return s;
  }
};

template <class T>
Path probe(const std::vector<T>& z, bool want_mu) {
  using namespace ccnorm;
  using namespace ccnorm::taylor_detail;
  const std::size_t K = z.size();
  Path p;
  if (Out<T> o; auto_detail::equal_row<T>(z.data(), K, nullptr, o)) {  // (all logits equal)
    p.equal = true;
    p.A = o.A;
    p.logC = o.logC;
    return p;
  }
  if (K == 2 || K == 3) {
    Out<T> o;
    std::vector<T> mu3(3);
    if (K == 3 ? three_nodes<T>(z.data(), o, want_mu ? mu3.data() : nullptr)
               : two_nodes<T>(z.data(), o, want_mu ? mu3.data() : nullptr)) {
      (K == 3 ? p.three : p.two) = true;
      p.r = static_cast<double>(*std::max_element(z.begin(), z.end())) - static_cast<double>(*std::min_element(z.begin(), z.end()));
      p.A = o.A;
      p.logC = o.logC;
      return p;
    }
  }
  auto& ws = workspace<double>();
  T mT;
  const double r = taylor_prepare<double, T>(z.data(), K, ws, mT);
  p.r = r;
  p.sorted = ws.sorted;
  {
    Out<T> o;
    std::vector<T> mu(K);
    const auto w = auto_detail::wide_row<T>(z.data(), K, want_mu ? mu.data() : nullptr, r, o);
    if (w != auto_detail::WidePath::none) {
      p.saddle = w == auto_detail::WidePath::saddle;
      p.separated = w == auto_detail::WidePath::separated;
      p.A = o.A;
      p.logC = o.logC;
      return p;
    }
  }
  std::vector<T> mu(want_mu ? K : 0);
  auto set = [&](const Out<T>& o) {
    p.A = o.A;
    p.logC = o.logC;
  };
  if (!(r <= series::kAccuracyDomainMaxSpread)) {
    p.fallback = true;
    set(auto_detail::huge_spread(z.data(), K, want_mu ? mu.data() : nullptr));
    return p;
  }
  auto extended_sorted = [&] {
    auto& wl = workspace<long double>();
    T m2;
    taylor_prepare<long double, T>(z.data(), K, wl, m2);
    return wl.sorted;
  };
  // (f64 outputs: compensated sums and their assembly, auto_detail::double_series / finish_series;
  // with the mean beyond max(8, K) on an unsorted row: the compensated recurrence, never rerun)
  constexpr bool comp = std::is_same_v<T, double>;
  p.comp = auto_detail::compensated_mean<T>(r, K, want_mu);
  Series<double> s = p.comp ? run_series_compensated(ws, K, r, want_mu, series::output_series_tol<T>(want_mu))
                            : run_series<double>(ws, K, r, want_mu, 0, comp);
  p.terms = s.terms;
  const dd Sd = comp ? quick_two_sum(s.S, s.S_lo) : dd(s.S);
  auto as = comp ? series::assemble_compensated(static_cast<double>(mT), Sd, s.E, auto_detail::Lf{K})
                 : series::assemble_checked(static_cast<double>(mT), s.S, s.E, auto_detail::Lf{K});
  p.asm_dd = as.have_dd;
  series::Assembled as2 = as;
  as2.have_dd = false;
  auto_detail::log_c(ws, K, as2, Sd, s.E);
  p.logc_dd = as2.have_dd;
  const double lc0 = auto_detail::log_c(ws, K, as, Sd, s.E);
  p.A = static_cast<T>(as.A);
  p.logC = static_cast<T>(lc0);
  if constexpr (std::is_same_v<T, double>)
    if (!p.comp && series::auto_rerun_after(s.terms, K, as.A, lc0)) {
      p.rerun = true;
      p.sorted = extended_sorted();
      set(auto_detail::extended(z.data(), K, want_mu ? mu.data() : nullptr, r));
    }
  return p;
}

// ---- families ----
struct Family {
  std::string name;
  double lo, hi;                                     // bracket of the parameter for the scan
  std::function<std::vector<double>(double)> row;    // z(t) (rounded to the dtype afterwards)
  std::function<double(const Path&)> key;            // changes where the path flips
  bool integer_param = false;                        // t = K, sampled at every integer of [lo, hi]
  bool internal = false;                             // the switch is not visible in Path (K, shift, clusters)
  double expect_lo = NAN, expect_hi = NAN;           // where the documented threshold puts the flip (f64, f32)
};

std::vector<double> progression(double t, int K) {
  std::vector<double> z(K);
  for (int j = 0; j < K; ++j) z[j] = j == K - 1 ? t : t * j / (K - 1);
  return z;
}

std::vector<Family> families() {
  std::vector<Family> f;
  f.push_back({"sort_skip", 200, 300,
               [](double t) {
                 auto p = progression(t, 300);
                 std::vector<double> z(300);
                 for (int j = 0; j < 300; ++j) z[(7 * j) % 300] = p[j];  // shuffled (7 is prime to 300)
                 return z;
               },
               [](const Path& p) { return p.sorted ? 1.0 : 0.0; }, false, false, 376 / 1.4426950408889634 - 1e-3,
               376 / 1.4426950408889634 + 1e-3});
  f.push_back({"two_nodes", 6, 10, [](double t) { return std::vector<double>{0, t}; },
               [](const Path& p) { return p.two ? 1.0 : 0.0; }, false, false, ccnorm::kTwoNodesMinSpread - 1e-5,
               ccnorm::kTwoNodesMinSpread});  // (t_lo: the value just below 8 in f64 / f32)
  f.push_back({"separated_K4", 100, 160, [](double t) { return std::vector<double>{0, 0.25, 0.5 * t, t}; },
               [](const Path& p) { return p.separated ? 1.0 : 0.0; }, false, false, 128, 128});
  f.push_back({"mean_escalation", 100, 160, [](double t) { return progression(t, 160); },
               [](const Path& p) { return p.r > ccnorm::series::kMeanEscalationSpread ? 1.0 : 0.0; }, false, false, 128, 128});
  f.push_back({"rerun_after", -40, 0,
               [](double c) {
                 std::vector<double> z;
                 for (double y : {0.0, 3.0, 7.5, 11.0, 16.0, 20.5, 26.0, 31.0, 35.5, 40.0}) z.push_back(c + y);
                 return z;
               },
               [](const Path& p) { return p.rerun ? 1.0 : 0.0; }});
  f.push_back({"assembly_dd_K2", 2, 7.5, [](double t) { return std::vector<double>{-9, -9 + t}; },
               [](const Path& p) { return p.asm_dd ? 1.0 : 0.0; }});
  f.push_back({"assembly_dd", -40, 0, [](double c) { return std::vector<double>{c, c + 2.5, c + 5}; },
               [](const Path& p) { return p.asm_dd ? 1.0 : 0.0; }});
  f.push_back({"logc_dd", 0.5, 7.5, [](double t) { return std::vector<double>{0, t}; },
               [](const Path& p) { return p.logc_dd ? 1.0 : 0.0; }});
  f.push_back({"domain_2^22_K4", 0x1p21, 0x1p23, [](double t) { return std::vector<double>{0, 0.37 * t, 0.71 * t, t}; },
               [](const Path& p) { return p.r > ccnorm::series::kAccuracyDomainMaxSpread ? 1.0 : 0.0; }, false, false, 0x1p22, 0x1p22});
  f.push_back({"log_factorial", 30, 45,
               [](double k) {
                 const int K = static_cast<int>(k);
                 std::vector<double> z(K);
                 for (int j = 0; j < K; ++j) z[j] = std::lgamma(static_cast<double>(K)) + 0.1 * j / (K - 1);
                 return z;
               },
               [](const Path&) { return 0.0; }, true, true});
  f.push_back({"log_factorial_ties", 30, 45,  // all nodes equal: S = 1 exactly, A = c - log((K-1)!)
               [](double k) { return std::vector<double>(static_cast<int>(k), std::lgamma(k)); },
               [](const Path&) { return 0.0; }, true, true});
  f.push_back({"separated_gap", 0.5, 1.5, [](double t) { return std::vector<double>{0, t, 200}; },
               [](const Path&) { return 0.0; }, false, true});  // located at t = 1 (internal to separated)
  f.push_back({"separated_accept", 129, 1500,
               [](double t) {
                 std::vector<double> z;
                 for (int j = 0; j < 100; ++j) z.push_back(0.01 * j);
                 z.push_back(t);
                 return z;
               },
               [](const Path& p) { return p.separated ? 1.0 : 0.0; }});
  f.push_back({"min_swap", 0.5, 1.5, [](double s) { return std::vector<double>{s, 1, 1.7, 2.3}; },
               [](const Path&) { return 0.0; }, false, true});  // located at s = 1
  f.push_back({"three_nodes", 6, 10, [](double t) { return std::vector<double>{0, 0.37 * t, t}; },
               [](const Path& p) { return p.three ? 1.0 : 0.0; }, false, false, ccnorm::kThreeNodesMinSpread - 1e-5,
               ccnorm::kThreeNodesMinSpread});  // (t_lo: the value just below 8 in f64 / f32)
  f.push_back({"compensated_mean", 6, 14, [](double t) { return progression(t, 10); },
               [](const Path& p) { return p.comp ? 1.0 : 0.0; }, false, false, 10, 10});
  f.push_back({"block_of_8", 10, 12, [](double t) { return std::vector<double>{0, 0.5, 1, t}; },
               [](const Path& p) { return static_cast<double>(p.terms); }});
  return f;
}

// Monotone integer coordinates of the dtype's finite values.
template <class T>
std::int64_t ord(T x) {
  if constexpr (std::is_same_v<T, double>) {
    std::int64_t i;
    std::memcpy(&i, &x, 8);
    return i < 0 ? std::numeric_limits<std::int64_t>::min() - i : i;
  } else {
    std::int32_t i;
    std::memcpy(&i, &x, 4);
    return i < 0 ? std::numeric_limits<std::int32_t>::min() - static_cast<std::int64_t>(i) : i;
  }
}
template <class T>
T unord(std::int64_t i) {
  if constexpr (std::is_same_v<T, double>) {
    std::int64_t b = i < 0 ? std::numeric_limits<std::int64_t>::min() - i : i;
    double x;
    std::memcpy(&x, &b, 8);
    return x;
  } else {
    std::int32_t b = static_cast<std::int32_t>(i < 0 ? std::numeric_limits<std::int32_t>::min() - i : i);
    float x;
    std::memcpy(&x, &b, 4);
    return x;
  }
}

template <class T>
std::vector<T> row_in(const Family& f, double t) {
  const auto z = f.row(t);
  return std::vector<T>(z.begin(), z.end());
}

// The two neighbouring parameter values (in T) where f.key flips: a 64-point scan of [lo, hi], then
// bisection on the T grid. false if no flip.
template <class T>
bool locate(const Family& f, bool with_mu, T& t_lo, T& t_hi) {
  auto key = [&](T t) { return f.key(probe<T>(row_in<T>(f, t), with_mu)); };
  const int n = 64;
  T a = static_cast<T>(f.lo);
  double ka = key(a);
  for (int i = 1; i <= n; ++i) {
    const T b = static_cast<T>(f.lo + (f.hi - f.lo) * i / n);
    const double kb = key(b);
    if (kb != ka) {
      std::int64_t ia = ord(a), ib = ord(b);
      while (ib - ia > 1) {
        const std::int64_t im = ia + (ib - ia) / 2;
        if (key(unord<T>(im)) == ka) ia = im;
        else ib = im;
      }
      t_lo = unord<T>(ia);
      t_hi = unord<T>(ib);
      return true;
    }
    a = b;
    ka = kb;
  }
  return false;
}

// ---- measurement ----
struct Sample {
  double t;  // parameter (in T, widened)
  std::vector<double> z;
  ccnorm::ref::Certified c;
};

struct Worst {
  double v = 0;
  std::string id;
  void see(double x, const std::string& i) {
    if (!(x <= v) || id.empty()) {
      v = x;
      id = i;
    }
  }
};

struct Result {
  std::string key;  // cutoff/dtype/mode
  int n = 0;
  std::string left_path, right_path;
  Worst errA[2], errL[2], errM[2];  // left / right side
  Worst jA, jL, jM;                 // across the flip
  Worst nA, nL, nM;                 // same path, consecutive samples (noise)
  std::vector<std::string> fails;
};

std::string fmt_t(double t, bool f32) {
  char b[64];
  std::snprintf(b, sizeof b, f32 ? "%.9g" : "%.17g", t);
  return b;
}

template <class T>
void measure(const Family& f, const std::vector<Sample>& S, std::size_t flip, bool with_mu, Result& R) {
  // flip: index of the first sample on the right of the cut-off (S sorted by t).
  const bool f32 = std::is_same_v<T, float>;
  const double u = f32 ? 0x1p-24 : 0x1p-53;
  struct Eval {
    mp200 eA, eL;  // signed errors out - ref (201 bits)
    std::vector<mp200> emu;
    std::string path;
    double key = 0;
  };
  std::vector<Eval> ev(S.size());
  for (std::size_t i = 0; i < S.size(); ++i) {
    const std::size_t K = S[i].z.size();
    std::vector<T> z(S[i].z.begin(), S[i].z.end());
    std::vector<T> mu(K);
    T A = 0, L = 0;
    const RowStatus st = ccnorm::evaluate_row<T>(Algo::auto_, z.data(), K, A, &L, with_mu ? mu.data() : nullptr);
    const std::string id = "t=" + fmt_t(S[i].t, f32);
    if (st != RowStatus::ok) R.fails.push_back(R.key + " " + id + ": status " + ccnorm::status_name(st));
    const Path p = probe<T>(z, with_mu);
    ev[i].path = p.name();
    if (!(static_cast<T>(p.A) == A && static_cast<T>(p.logC) == L))
      R.fails.push_back(R.key + " " + id + ": the replay of auto's decisions (probe, path " + p.name() +
                        ") does not reproduce its output: update probe() to auto.hpp");
    ev[i].key = f.internal ? (i < flip ? 0.0 : 1.0) : f.key(p);
    const ccnorm::ref::Certified& c = S[i].c;
    const int side = i < flip ? 0 : 1;
    R.errA[side].see(ccnorm::measures::err_value(static_cast<double>(A), mp200(c.A), u), id);
    R.errL[side].see(ccnorm::measures::err_value(static_cast<double>(L), mp200(c.logC), u), id);
    ev[i].eA = mp200(static_cast<double>(A)) - mp200(c.A);
    ev[i].eL = mp200(static_cast<double>(L)) - mp200(c.logC);
    if (with_mu) {
      // err_mu as tests/test_wide_spread.cpp measures it.
      double em = 0;
      const double abs_scale = std::max(u * 0x1p-1022, static_cast<double>(std::numeric_limits<T>::denorm_min()));
      using Tr = ccnorm::measures::ref_traits<mp200>;
      for (std::size_t j = 0; j < K; ++j) {
        const mp200 m(c.mu[j]);
        const double mag = Tr::magnitude(m);
        const double d = Tr::abs_diff(static_cast<double>(mu[j]), m);
        em = std::max(em, mag >= ccnorm::measures::kMeanRelativeFloor ? d / (u * mag) : d / abs_scale);
        // signed error relative to the component's own scale
        const mp200 sc = mag >= ccnorm::measures::kMeanRelativeFloor ? m : mp200(abs_scale / u);
        ev[i].emu.push_back((mp200(static_cast<double>(mu[j])) - m) / sc);
      }
      R.errM[side].see(em, id);
      const double tiny = 2 * static_cast<double>(std::numeric_limits<T>::denorm_min());
      for (std::size_t j = 0; j < K; ++j)
        if (!(mu[j] >= 0 && mu[j] <= 1) || (!(mu[j] > 0) && c.mu[j] >= tiny)) {
          R.fails.push_back(R.key + " " + id + ": mu outside the simplex");
          break;
        }
    }
    if (!std::isfinite(static_cast<double>(A)) || !std::isfinite(static_cast<double>(L)))
      R.fails.push_back(R.key + " " + id + ": non-finite A or log C");
    ++R.n;
  }
  R.left_path = ev[flip - 1].path;
  R.right_path = ev[flip].path;
  using Tr = ccnorm::measures::ref_traits<mp200>;
  // Across the cut-off: consecutive samples whose key differs; where the key does not change in
  // this dtype and mode (e.g. f32 never reruns), the pair where it changes in f64.
  bool key_changes = false;
  for (std::size_t i = 0; i + 1 < S.size(); ++i) key_changes = key_changes || ev[i].key != ev[i + 1].key;
  for (std::size_t i = 0; i + 1 < S.size(); ++i) {
    const std::string pair = fmt_t(S[i].t, f32) + ".." + fmt_t(S[i + 1].t, f32);
    const bool across = key_changes ? ev[i].key != ev[i + 1].key : i + 1 == flip;
    auto scale = [&](const ccnorm::ref::mpfloat& a, const ccnorm::ref::mpfloat& b) {
      return u * std::max(1.0, std::min(Tr::magnitude(mp200(a)), Tr::magnitude(mp200(b))));
    };
    const double dA = Tr::magnitude(mp200(ev[i + 1].eA - ev[i].eA)) / scale(S[i].c.A, S[i + 1].c.A);
    const double dL = Tr::magnitude(mp200(ev[i + 1].eL - ev[i].eL)) / scale(S[i].c.logC, S[i + 1].c.logC);
    double dM = 0;
    for (std::size_t j = 0; j < std::min(ev[i].emu.size(), ev[i + 1].emu.size()); ++j)
      dM = std::max(dM, Tr::magnitude(mp200(ev[i + 1].emu[j] - ev[i].emu[j])) / u);
    // (ev[].emu is relative to mu_j at each sample; mu_j moves by far less than u between samples.)
    if (across) {
      R.jA.see(dA, pair);
      R.jL.see(dL, pair);
      if (with_mu) R.jM.see(dM, pair);
    } else {
      R.nA.see(dA, pair);
      R.nL.see(dL, pair);
      if (with_mu) R.nM.see(dM, pair);
    }
  }
}

ccnorm::ref::Certified reference(const std::vector<double>& z) {
  const double sp = *std::max_element(z.begin(), z.end()) - *std::min_element(z.begin(), z.end());
  const std::size_t K = z.size();
  return (sp <= 1e7 && sp * static_cast<double>(K) <= 2e6) ? ccnorm::ref::certified(z.data(), K, true)
                                                           : ccnorm::ref::certified_distinct(z.data(), K, true);
}

// Samples of family f in dtype T around the flip (t_lo, t_hi); returns the index of t_hi.
template <class T>
std::vector<Sample> samples(const Family& f, T t_lo, T t_hi, std::size_t& flip) {
  std::vector<double> ts;
  if (f.integer_param) {
    for (double k = f.lo; k <= f.hi; ++k) ts.push_back(k);
  } else {
    for (int k = 0; k < 8; ++k) {
      ts.push_back(static_cast<double>(unord<T>(ord(t_lo) - k)));
      ts.push_back(static_cast<double>(unord<T>(ord(t_hi) + k)));
    }
    const double lo = f.lo, hi = f.hi;
    for (int e : {40, 30, 20, 10, 5}) {
      if (std::is_same_v<T, float> && e > 20) continue;
      const double d = std::ldexp(std::max(std::fabs(static_cast<double>(t_lo)), 1.0), -e);
      const T a = static_cast<T>(static_cast<double>(t_lo) - d), b = static_cast<T>(static_cast<double>(t_hi) + d);
      if (a >= lo) ts.push_back(static_cast<double>(a));
      if (b <= hi) ts.push_back(static_cast<double>(b));
    }
  }
  std::sort(ts.begin(), ts.end());
  ts.erase(std::unique(ts.begin(), ts.end()), ts.end());
  std::vector<Sample> S;
  flip = 0;
  for (double t : ts) {
    auto zT = row_in<T>(f, static_cast<double>(static_cast<T>(t)));
    std::vector<double> z(zT.begin(), zT.end());
    S.push_back({t, z, reference(z)});
    if (t < static_cast<double>(t_hi)) flip = S.size();
  }
  return S;
}

struct Tol {
  double A, L, M, jA, jL, jM;
};
std::map<std::string, Tol> load_tolerances(const std::string& path) {
  std::map<std::string, Tol> t;
  for (auto& r : ccnorm::io::read_table_if_exists(path))
    t[r["cutoff"] + "/" + r["dtype"] + "/" + r["mode"]] = {
        std::stod(r["max_err_A"]),  std::stod(r["max_err_logC"]),  std::stod(r["max_err_mu"]),
        std::stod(r["max_jump_A"]), std::stod(r["max_jump_logC"]), std::stod(r["max_jump_mu"])};
  return t;
}

struct Loc {
  bool ok = false;
  double lo = 0, hi = 0;
};

template <class T>
void run_family(const Family& f, std::vector<Result>& out, const Loc f64[2]) {
  const bool f32 = std::is_same_v<T, float>;
  for (bool mu : {false, true}) {
    Result R;
    R.key = f.name + (f32 ? "/f32" : "/f64") + (mu ? "/mu" : "/val");
    T t_lo{}, t_hi{};
    bool found = false;
    if (f.integer_param) {
      t_lo = T(37);
      t_hi = T(38);
      found = true;
    } else if (f.internal) {
      t_lo = T(1);  // separated_gap, min_swap: the flip is at the parameter 1
      t_hi = unord<T>(ord(T(1)) + 1);
      found = true;
    } else {
      found = locate<T>(f, mu, t_lo, t_hi);
      // The path does not flip in this dtype and mode: sample where f64's does (this mode's, else
      // the other's).
      for (int m : {mu ? 1 : 0, mu ? 0 : 1})
        if (!found && f64[m].ok) {
          t_lo = static_cast<T>(f64[m].lo);
          if (static_cast<double>(t_lo) > f64[m].lo) t_lo = unord<T>(ord(t_lo) - 1);
          t_hi = unord<T>(ord(t_lo) + 1);
          found = true;
        }
    }
    if (!found) {
      R.fails.push_back(R.key + ": no flip of the path found in [" + std::to_string(f.lo) + ", " + std::to_string(f.hi) + "]");
      out.push_back(R);
      continue;
    }
    if (!(std::isnan(f.expect_lo) || (f.expect_lo <= static_cast<double>(t_lo) && static_cast<double>(t_lo) <= f.expect_hi)))
      R.fails.push_back(R.key + ": the path flips at " + fmt_t(static_cast<double>(t_lo), f32) + ".." +
                        fmt_t(static_cast<double>(t_hi), f32) + ", not where the documented threshold puts it");
    std::size_t flip = 0;
    const auto S = samples<T>(f, t_lo, t_hi, flip);
    measure<T>(f, S, flip, mu, R);
    out.push_back(R);
  }
}

TEST(Continuity, AutoAcrossItsCutOffs) {
  const auto tol = load_tolerances("tests/data/continuity_tolerances.csv");
  ASSERT_FALSE(tol.empty()) << "cannot read tests/data/continuity_tolerances.csv";
  std::vector<Result> res;
  const auto t0 = std::chrono::steady_clock::now();
  for (const Family& f : families()) {
    Loc loc[2];
    for (int m = 0; m < 2; ++m)
      if (!f.integer_param && !f.internal) loc[m].ok = locate<double>(f, m == 1, loc[m].lo, loc[m].hi);
    run_family<double>(f, res, loc);
    run_family<float>(f, res, loc);
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("Errors (docs/design.md §3) on each side of the cut-off (left | right); jump = max over consecutive samples\n"
              "on the two sides of |(out2 - out1) - (ref2 - ref1)| / (u max(1, |ref|)) (A, log C), / (u mu_j) (mu);\n"
              "noise = the same between consecutive samples of one side. Units of u of the output type.\n");
  std::printf("%-26s %3s | %-11s | %-11s | %-11s | %-17s | %-17s | %s\n", "cut-off/dtype/mode", "n", "err_A L|R",
              "err_logC L|R", "err_mu L|R", "jump A logC mu", "noise A logC mu", "path left -> right");
  std::map<std::string, bool> changed;  // family -> its path changed somewhere
  std::map<std::string, bool> internal;
  for (const Family& f : families()) internal[f.name] = f.internal;
  for (const auto& R : res) {
    const std::string fam = R.key.substr(0, R.key.find('/'));
    changed[fam] = changed[fam] || R.left_path != R.right_path;
    const bool mu = R.key.compare(R.key.size() - 3, 3, "/mu") == 0;
    auto worse = [](const Worst* w) { return w[1].v > w[0].v ? w[1] : w[0]; };
    std::printf("%-26s %3d | %5.2f %5.2f | %5.2f %5.2f | %5.2f %5.2f | %5.2f %5.2f %5.2f | %5.2f %5.2f %5.2f | %s -> %s\n",
                R.key.c_str(), R.n, R.errA[0].v, R.errA[1].v, R.errL[0].v, R.errL[1].v, mu ? R.errM[0].v : 0.0,
                mu ? R.errM[1].v : 0.0, R.jA.v, R.jL.v, R.jM.v, R.nA.v, R.nL.v, R.nM.v, R.left_path.c_str(),
                R.right_path.c_str());
    std::printf("%-26s     worst: A %s, logC %s%s%s; jump A [%s], logC [%s]%s%s%s\n", "", worse(R.errA).id.c_str(),
                worse(R.errL).id.c_str(), mu ? ", mu " : "", mu ? worse(R.errM).id.c_str() : "", R.jA.id.c_str(),
                R.jL.id.c_str(), mu ? ", mu [" : "", mu ? R.jM.id.c_str() : "", mu ? "]" : "");
    for (const auto& s : R.fails) ADD_FAILURE() << s;
    if (R.n == 0) continue;
    auto it = tol.find(R.key);
    if (it == tol.end()) {
      ADD_FAILURE() << "tests/data/continuity_tolerances.csv has no line for " << R.key;
      continue;
    }
    const Tol& t = it->second;
    for (int s = 0; s < 2; ++s) {
      EXPECT_LE(R.errA[s].v, t.A) << R.key << " err_A, worst row " << R.errA[s].id;
      EXPECT_LE(R.errL[s].v, t.L) << R.key << " err_logC, worst row " << R.errL[s].id;
      EXPECT_LE(R.errM[s].v, t.M) << R.key << " err_mu, worst row " << R.errM[s].id;
    }
    EXPECT_LE(R.jA.v, t.jA) << R.key << " jump of A, pair " << R.jA.id;
    EXPECT_LE(R.jL.v, t.jL) << R.key << " jump of log C, pair " << R.jL.id;
    EXPECT_LE(R.jM.v, t.jM) << R.key << " jump of mu, pair " << R.jM.id;
  }
  for (const auto& [fam, ch] : changed)
    if (!internal[fam]) {
      EXPECT_TRUE(ch) << fam << ": the path of auto does not change across its cut-off";
    }
  std::printf("total %.1f s\n", secs);
}

}  // namespace
