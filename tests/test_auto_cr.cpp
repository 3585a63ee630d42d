// auto-cr (normalizer/auto_cr.hpp, docs/design.md §2.12): every returned A, log C and mu_j is the double
// (float) nearest to the exact value, judged against the certified Arb reference's ball - never a
// rounded reference: the ball [mid - rad, mid + rad] decides RN iff both ends round to the same
// value (the test's own judge below; the precision is raised until it does). Rows:
//   golden vectors (reference/golden/golden.csv; f32-representable rows also in float),
//   random rows of the hard families (bench/families.hpp; CCNORM_CR_ROWS rows, default 1500),
//   tests/data/hard_to_round.csv (values within 2^-20 ulp of a rounding boundary).
// Planted defects: `auto` (faithful, not correctly rounded) and auto-cr with its rounding test
// switched off (Knobs::skip_test) must be caught misrounding. The constants of the bound
// (dd_log, exp_dd, the reciprocals 1/i) are checked against MPFR. Level counts are printed.
// Rows finished by the oracle level are judged by the same reference they came from (counted and
// printed: none on the golden and random rows when this was written).
#include <gtest/gtest.h>
#include <mpfr.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "bench/families.hpp"
#include "normalizer/auto.hpp"
#include "normalizer/auto_cr.hpp"
#include "normalizer/registry.hpp"
#include "reference/cr_oracle.hpp"
#include "reference/reference.hpp"

using namespace ccnorm;

namespace {

// ---- the judge (independent of cr_oracle.hpp) ----
enum class Verdict { correct, misrounded, undecidable };

// RN_T of the exact value in the ball, if the ball decides it.
// rad_log2: the reference's bound rad <= 2^rad_log2, tighter below the double range.
bool ball_rn(const ref::mpfloat& mid, double rad, long rad_log2, bool f32, double& rn) {
  mpfr_srcptr m = mid.backend().data();
  mpfr_t lo, hi, r;
  mpfr_init2(lo, mpfr_get_prec(m) + 80);
  mpfr_init2(hi, mpfr_get_prec(m) + 80);
  mpfr_init2(r, 64);
  if (rad_log2 < -1074) {
    if (rad_log2 == std::numeric_limits<long>::min()) mpfr_set_zero(r, 1);  // an exact ball
    else mpfr_set_ui_2exp(r, 1, std::max(rad_log2, -(1L << 29)), MPFR_RNDU);
  } else {
    mpfr_set_d(r, rad, MPFR_RNDU);
  }
  mpfr_sub(lo, m, r, MPFR_RNDD);
  mpfr_add(hi, m, r, MPFR_RNDU);
  mpfr_clear(r);
  double a, b;
  if (f32) {
    a = mpfr_get_flt(lo, MPFR_RNDN);
    b = mpfr_get_flt(hi, MPFR_RNDN);
  } else {
    a = mpfr_get_d(lo, MPFR_RNDN);
    b = mpfr_get_d(hi, MPFR_RNDN);
  }
  mpfr_clear(lo);
  mpfr_clear(hi);
  rn = a;
  return a == b;
}

struct RowJudge {
  int misrounded = 0, undecidable = 0, values = 0;
  std::string first_bad;
};

// Judge one row's outputs (A, log C, mu if given) against the reference, raising its precision
// until every ball decides.
void judge_row(const std::vector<double>& z, bool f32, double A, double logC, const std::vector<double>* mu,
               RowJudge& j, const std::string& id) {
  const std::size_t K = z.size();
  for (long prec = 0; prec <= 4096; prec = prec == 0 ? 256 : 2 * prec) {
    ref::Options opt;
    opt.start_prec = prec;
    const ref::Certified c = ref::certified(z.data(), K, mu != nullptr, opt);
    double rA, rC;
    bool ok = ball_rn(c.A, c.A_rad, c.A_rad_log2, f32, rA) && ball_rn(c.logC, c.logC_rad, c.logC_rad_log2, f32, rC);
    std::vector<double> rm(K);
    if (mu)
      for (std::size_t i = 0; ok && i < K; ++i) ok = ball_rn(c.mu[i], c.mu_rad[i], c.mu_rad_log2[i], f32, rm[i]);
    if (!ok) continue;
    auto check = [&](double got, double want, const char* what) {
      ++j.values;
      if (got != want && !(got == 0 && want == 0)) {
        if (j.misrounded++ == 0) {
          char buf[256];
          std::snprintf(buf, sizeof buf, "%s %s: got %a want %a", id.c_str(), what, got, want);
          j.first_bad = buf;
        }
      }
    };
    check(A, rA, "A");
    check(logC, rC, "logC");
    if (mu)
      for (std::size_t i = 0; i < K; ++i) check((*mu)[i], rm[i], "mu");
    return;
  }
  ++j.undecidable;
}

// Evaluate with auto-cr (or another entry point) in T and judge.
template <class T>
void eval_and_judge(EntryPoint<T> f, const std::vector<double>& z, bool with_mu, RowJudge& j, const std::string& id) {
  const std::size_t K = z.size();
  std::vector<T> zt(z.begin(), z.end()), mt(K);
  const Out<T> o = f(zt.data(), K, with_mu ? mt.data() : nullptr);
  std::vector<double> md(mt.begin(), mt.end());
  if (o.status != RowStatus::ok) {
    std::string zs;
    char b[40];
    for (double x : z) {
      std::snprintf(b, sizeof b, "%a;", x);
      zs += b;
    }
    ADD_FAILURE() << id << ": status " << static_cast<int>(o.status) << " z=" << zs << " mu=" << with_mu;
    return;
  }
  judge_row(z, std::is_same_v<T, float>, o.A, o.logC, with_mu ? &md : nullptr, j, id);
}

std::string print_counts(const cr::Counts& c) {
  std::ostringstream s;
  for (int i = 0; i < cr::kLevels; ++i) s << cr::level_name(static_cast<cr::Level>(i)) << "=" << c.n[i] << " ";
  return s.str();
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream is(s);
  while (std::getline(is, cur, sep)) out.push_back(cur);
  if (!s.empty() && s.back() == sep) out.push_back("");
  return out;
}

struct Case {
  std::string id;
  bool f32;
  std::vector<double> z;
  bool mu;
};

std::vector<Case> golden_cases() {
  std::ifstream in("reference/golden/golden.csv");
  EXPECT_TRUE(in.good()) << "run from the repository root";
  std::vector<Case> cs;
  std::string line;
  bool header = false;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (!header) {
      header = true;
      continue;
    }
    const auto f = split(line, ',');
    Case c;
    c.id = f[0];
    c.f32 = f[4] == "f32";
    for (const auto& v : split(f[6], ';')) c.z.push_back(std::strtod(v.c_str(), nullptr));
    if (f[3] == "eta") c.z.push_back(0.0);
    c.mu = !f[13].empty();
    cs.push_back(c);
  }
  return cs;
}

std::vector<Case> random_hard_rows(std::size_t n, std::uint64_t seed) {
  gen::Rng g(seed);
  std::vector<Case> cs;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t K = g.below(5) == 0 ? 2 + g.below(40) : 2 + g.below(8);
    const bool f32 = g.below(3) == 0;
    std::vector<double> z(K);
    const int fam = static_cast<int>(g.below(8));
    switch (fam) {
      case 0: gen::gaussian_fill(g, z, g.log_uniform(1e-6, 30), g.below(4) == 0 ? g.uniform(-1e3, 1e3) : 0); break;
      case 1: gen::fill_ties(g, z, static_cast<int>(g.below(3)), f32); break;
      case 2: gen::fill_ulp_apart(g, z, g.below(2) ? 0.0 : g.uniform(-100, 100), static_cast<int>(g.below(2)), f32); break;
      case 3: gen::fill_clusters(g, z); break;
      case 4: gen::fill_progression(g, z, g.log_uniform(1e-4, 10)); break;
      case 5: gen::fill_outlier(g, z, g.log_uniform(1, 300), g.below(2) ? 1 : -1); break;
      case 6: gen::fill_wide(g, z, g.log_uniform(1, 300)); break;
      default: gen::gaussian_fill(g, z, 0.3, std::lgamma(static_cast<double>(K))); break;  // |A| small
    }
    if (f32)
      for (double& x : z) x = static_cast<double>(static_cast<float>(x));
    cs.push_back({"rand" + std::to_string(i) + ".fam" + std::to_string(fam), f32, z, g.below(2) == 0});
  }
  return cs;
}

std::vector<Case> hard_to_round() {
  std::ifstream in("tests/data/hard_to_round.csv");
  EXPECT_TRUE(in.good()) << "tests/data/hard_to_round.csv";
  std::vector<Case> cs;
  std::string line;
  bool header = false;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (!header) {
      header = true;
      continue;
    }
    const auto f = split(line, ',');  // id,dtype,quantity,K,z,dist_log2_ulp
    Case c;
    c.id = f[0];
    c.f32 = f[1] == "f32";
    for (const auto& v : split(f[4], ';')) c.z.push_back(std::strtod(v.c_str(), nullptr));
    c.mu = f[2] == "mu";
    cs.push_back(c);
  }
  return cs;
}

// Rows finished by the oracle level, printed (they are judged by the reference they came from).
void run_cases(const std::vector<Case>& cs, RowJudge& j) {
  int shown = 0;
  auto note = [&](std::uint64_t before, const Case& c, const char* t) {
    if (cr::counters()[cr::Level::oracle] > before && shown++ < 8)
      std::printf("  oracle row: %s %s K=%zu mu=%d z0=%a\n", c.id.c_str(), t, c.z.size(), c.mu, c.z[0]);
  };
  for (const auto& c : cs) {
    std::uint64_t b = cr::counters()[cr::Level::oracle];
    if (c.f32) eval_and_judge<float>(&auto_cr<float>, c.z, c.mu, j, c.id + ".f32");
    note(b, c, "f32");
    b = cr::counters()[cr::Level::oracle];
    eval_and_judge<double>(&auto_cr<double>, c.z, c.mu, j, c.id);
    note(b, c, "f64");
  }
}

class AutoCr : public ::testing::Test {
 protected:
  void SetUp() override {
    ref::install_cr_oracle();
    cr::knobs() = cr::Knobs{};
    cr::reset_counters();
  }
  void TearDown() override { cr::knobs() = cr::Knobs{}; }
};

}  // namespace

TEST_F(AutoCr, GoldenVectors) {
  RowJudge j;
  const auto cs = golden_cases();
  ASSERT_GT(cs.size(), 500u);
  run_cases(cs, j);
  const auto c = cr::counters();
  std::printf("golden: %zu cases, %d values judged, %d misrounded, %d undecidable; levels: %s\n", cs.size(), j.values,
              j.misrounded, j.undecidable, print_counts(c).c_str());
  EXPECT_EQ(j.misrounded, 0) << j.first_bad;
  EXPECT_EQ(j.undecidable, 0);
  EXPECT_EQ(c[cr::Level::undecided], 0u);
}

TEST_F(AutoCr, RandomHardFamilies) {
  const char* e = std::getenv("CCNORM_CR_ROWS");
  const std::size_t n = e ? std::strtoull(e, nullptr, 10) : 1500;
  const char* s = std::getenv("CCNORM_CR_SEED");
  const std::uint64_t seed = s ? std::strtoull(s, nullptr, 10) : 20261201;
  RowJudge j;
  run_cases(random_hard_rows(n, seed), j);
  const auto c = cr::counters();
  std::printf("random hard rows: %zu rows (seed %llu), %d values judged, %d misrounded, %d undecidable; levels: %s\n",
              n, static_cast<unsigned long long>(seed), j.values, j.misrounded, j.undecidable, print_counts(c).c_str());
  EXPECT_EQ(j.misrounded, 0) << j.first_bad;
  EXPECT_EQ(j.undecidable, 0);
  EXPECT_EQ(c[cr::Level::undecided], 0u);
}

TEST_F(AutoCr, HardToRoundCases) {
  const auto cs = hard_to_round();
  ASSERT_GE(cs.size(), 10u);
  RowJudge j;
  for (const auto& c : cs) {
    if (c.f32) eval_and_judge<float>(&auto_cr<float>, c.z, c.mu, j, c.id);
    else eval_and_judge<double>(&auto_cr<double>, c.z, c.mu, j, c.id);
  }
  const auto cnt = cr::counters();
  std::printf("hard-to-round: %zu rows, %d values, %d misrounded; levels: %s\n", cs.size(), j.values, j.misrounded,
              print_counts(cnt).c_str());
  EXPECT_EQ(j.misrounded, 0) << j.first_bad;
  EXPECT_EQ(j.undecidable, 0);
  // These rows are close enough to a boundary that the fast level must refuse most of them.
  EXPECT_GT(cnt[cr::Level::dd] + cnt[cr::Level::oracle], cnt[cr::Level::fast]);
}

// Planted defect 1: the fast level accepted without its rounding test misrounds hard cases, and
// the judge sees it.
TEST_F(AutoCr, PlantedDefectSkipTestIsCaught) {
  cr::knobs().skip_test = true;
  RowJudge j;
  for (const auto& c : hard_to_round()) {
    if (c.f32) eval_and_judge<float>(&auto_cr<float>, c.z, c.mu, j, c.id);
    else eval_and_judge<double>(&auto_cr<double>, c.z, c.mu, j, c.id);
  }
  std::printf("planted defect (no rounding test): %d of %d values misrounded\n", j.misrounded, j.values);
  EXPECT_GT(j.misrounded, 0);
}

// Planted defect 2: auto (faithful, <= a few ulp) is not correctly rounded on the golden rows.
TEST_F(AutoCr, PlantedDefectAutoIsCaught) {
  RowJudge j;
  const auto cs = golden_cases();
  for (std::size_t i = 0; i < cs.size(); i += 3)
    if (cs[i].z.size() <= 32) eval_and_judge<double>(&auto_eval<double>, cs[i].z, cs[i].mu, j, cs[i].id);
  std::printf("planted defect (auto as auto-cr): %d of %d values misrounded\n", j.misrounded, j.values);
  EXPECT_GT(j.misrounded, 0);
}

// The constants of the bound (header (2), (3), the reciprocals of (1)) against MPFR at 300 bits.
TEST(AutoCrBounds, DoubleDoubleKernels) {
  mpfr_t x, y, t;
  mpfr_inits2(300, x, y, t, static_cast<mpfr_ptr>(nullptr));
  auto err = [&](dd got) {  // |got - y| in t
    mpfr_set_d(t, got.hi, MPFR_RNDN);
    mpfr_add_d(t, t, got.lo, MPFR_RNDN);
    mpfr_sub(t, t, y, MPFR_RNDN);
    mpfr_abs(t, t, MPFR_RNDN);
    return mpfr_get_d(t, MPFR_RNDU);
  };
  gen::Rng g(7);
  double worst_log = 0, worst_exp = 0, worst_inv = 0;
  dd block_in[8], block_out[8];  // exp_dd_n<8> (log C's form) against exp_dd, bitwise
  int block_n = 0, block_mismatch = 0;
  for (int i = 0; i < 20000; ++i) {
    // dd_log on random positive dd values over a wide range
    const double hi = std::ldexp(1 + g.uniform(), static_cast<int>(g.below(2000)) - 1000);
    const dd a = quick_two_sum(hi, hi * 0x1p-60 * (g.uniform() - 0.5));
    mpfr_set_d(x, a.hi, MPFR_RNDN);
    mpfr_add_d(x, x, a.lo, MPFR_RNDN);
    mpfr_log(y, x, MPFR_RNDN);
    const double sc = 0x1p-99 * (1 + std::fabs(mpfr_get_d(y, MPFR_RNDN)));
    worst_log = std::max({worst_log, err(dd_log(a)) / (2 * sc), err(dd_log_series(a)) / sc});
    // exp_dd on [-90, 0]
    const double xh = -90 * g.uniform();
    const dd b = quick_two_sum(xh, xh * 0x1p-60 * (g.uniform() - 0.5));
    mpfr_set_d(x, b.hi, MPFR_RNDN);
    mpfr_add_d(x, x, b.lo, MPFR_RNDN);
    mpfr_exp(y, x, MPFR_RNDN);
    const double e2 = err(cr::detail::exp_dd(b)) / (0x1p-94 * mpfr_get_d(y, MPFR_RNDN));
    worst_exp = std::max(worst_exp, e2);
    block_in[block_n++] = b;
    if (block_n == 8) {
      cr::detail::exp_dd_n<8>(block_in, block_out);
      for (int l = 0; l < 8; ++l) {
        const dd one = cr::detail::exp_dd(block_in[l]);
        block_mismatch += one.hi != block_out[l].hi || one.lo != block_out[l].lo;
      }
      block_n = 0;
    }
    // 1/i (the dd level's DdRecipDivisor table entry)
    const double iv = static_cast<double>(1 + g.below(i < 10000 ? 100000 : (1u << 30)));
    mpfr_set_d(x, iv, MPFR_RNDN);
    mpfr_ui_div(y, 1, x, MPFR_RNDN);
    const double e3 = err(dd(1.0) / dd(iv)) * iv / (8 * 0x1p-106);
    worst_inv = std::max(worst_inv, e3);
  }
  mpfr_clears(x, y, t, static_cast<mpfr_ptr>(nullptr));
  std::printf("measured / stated bound: dd_log %.3g, exp_dd %.3g, 1/i %.3g\n", worst_log, worst_exp, worst_inv);
  EXPECT_LT(worst_log, 1.0);
  EXPECT_LT(worst_exp, 1.0);
  EXPECT_EQ(block_mismatch, 0) << "exp_dd_n<8> differs from exp_dd";
  EXPECT_LT(worst_inv, 1.0);
}

TEST_F(AutoCr, StatusesAndTrivialRows) {
  // outside the domain: finite, flagged
  const double wide[3] = {0, 1e7, 3};
  double mu[3];
  Out<double> o = auto_cr<double>(wide, 3, mu);
  EXPECT_EQ(o.status, RowStatus::outside_domain);
  EXPECT_TRUE(std::isfinite(o.A));
  // K = 1, ties K = 2, non-finite
  const double one[1] = {0.3};
  o = auto_cr<double>(one, 1, mu);
  EXPECT_EQ(o.A, 0.3);
  EXPECT_EQ(o.logC, 0.0);
  const double tie[2] = {1.5, 1.5};
  o = auto_cr<double>(tie, 2, mu);
  EXPECT_EQ(o.A, 1.5);
  EXPECT_EQ(o.logC, 0x1.62e42fefa39efp-1);
  EXPECT_EQ(mu[0], 0.5);
  const float tief[2] = {-2.f, -2.f};
  float muf[2];
  Out<float> of = auto_cr<float>(tief, 2, muf);
  EXPECT_EQ(of.logC, 0x1.62e43p-1f);  // RN_float(log 2)
  const double bad[2] = {0, NAN};
  o = auto_cr<double>(bad, 2, nullptr);
  EXPECT_TRUE(std::isnan(o.A));
  // without an oracle and with only the fast level, a hard case is flagged, never silently wrong
  cr::set_oracle(nullptr);
  cr::knobs().max_level = cr::Level::fast;
  int flagged = 0;
  for (const auto& c : hard_to_round()) {
    if (c.f32) continue;
    std::vector<double> m(c.z.size());
    const Out<double> h = auto_cr<double>(c.z.data(), c.z.size(), c.mu ? m.data() : nullptr);
    if (h.status == RowStatus::outside_domain) ++flagged;
    else {
      RowJudge j;
      std::vector<double> md(m.begin(), m.end());
      judge_row(c.z, false, h.A, h.logC, c.mu ? &md : nullptr, j, c.id);
      EXPECT_EQ(j.misrounded, 0) << j.first_bad;
    }
  }
  EXPECT_GT(flagged, 0);
  ref::install_cr_oracle();
}

TEST(AutoCrRegistry, Entry) {
  const AlgoInfo* a = find_algorithm("auto-cr");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->id, Algo::auto_cr);
  EXPECT_TRUE(a->f32 && a->f64 && a->mean);
  const double z[3] = {0.1, -0.4, 2};
  double mu[3];
  const Out<double> o = a->eval_f64(z, 3, mu);
  EXPECT_EQ(o.status, RowStatus::ok);
  EXPECT_NEAR(mu[0] + mu[1] + mu[2], 1.0, 1e-15);
}
