// Tests of the certified reference (reference/reference.cpp): identities of docs/design.md §1,
// closed forms evaluated directly in MPFR, and agreement with the independent MPFR closed form.
#include <gtest/gtest.h>
#include <mpfr.h>

#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

#include "io/csv.hpp"
#include "reference/reference.hpp"

using ccnorm::ref::Certified;
using ccnorm::ref::certified;
using ccnorm::ref::closed_form_mpfr;
using ccnorm::ref::mpfloat;

namespace {

// MPFR scratch value at a fixed precision (the direct closed forms use 4000 bits).
struct M {
  mpfr_t v;
  explicit M(mpfr_prec_t p = 4000) { mpfr_init2(v, p); }
  M(const M&) = delete;
  ~M() { mpfr_clear(v); }
};

mpfloat to_mp(const M& x) {
  mpfloat r;
  mpfr_set_prec(r.backend().data(), mpfr_get_prec(x.v));
  mpfr_set(r.backend().data(), x.v, MPFR_RNDN);
  return r;
}

mpfloat exact(double x) {  // a double as an exact mpfloat
  mpfloat r;
  mpfr_set_prec(r.backend().data(), 64);
  mpfr_set_d(r.backend().data(), x, MPFR_RNDN);
  return r;
}

// |a - b| as a double (computed at the larger precision, then rounded).
double absdiff(const mpfloat& a, const mpfloat& b) {
  M d(std::max(mpfr_get_prec(a.backend().data()), mpfr_get_prec(b.backend().data())) + 64);
  mpfr_sub(d.v, a.backend().data(), b.backend().data(), MPFR_RNDN);
  return std::fabs(mpfr_get_d(d.v, MPFR_RNDU));
}

double toD(const mpfloat& a) { return mpfr_get_d(a.backend().data(), MPFR_RNDN); }

// Relative radius goal of the reference: rad <= 2^-80 max(1, |v|) (A, logC), 2^-80 |v| (mu).
void expect_goal(const Certified& c) {
  const double g = std::ldexp(1.0, -80);
  EXPECT_LE(c.A_rad, g * std::max(1.0, std::fabs(toD(c.A))));
  EXPECT_LE(c.logC_rad, g * std::max(1.0, std::fabs(toD(c.logC))));
  for (std::size_t j = 0; j < c.mu.size(); ++j) EXPECT_LE(c.mu_rad[j], g * toD(c.mu[j])) << "j=" << j;
}

// sum mu = 1 within the sum of radii (plus the rounding of the check itself).
void expect_mu_sums_to_one(const Certified& c) {
  M s(4000);
  mpfr_set_zero(s.v, 1);
  double rad = 0;
  for (std::size_t j = 0; j < c.mu.size(); ++j) {
    mpfr_add(s.v, s.v, c.mu[j].backend().data(), MPFR_RNDN);
    rad += c.mu_rad[j];
  }
  mpfr_sub_ui(s.v, s.v, 1, MPFR_RNDN);
  EXPECT_LE(std::fabs(mpfr_get_d(s.v, MPFR_RNDU)), rad * (1 + 1e-12) + 1e-300);
}

}  // namespace

TEST(Reference, RejectsInvalidInput) {
  std::vector<double> z{0.0, 1.0};
  EXPECT_THROW(certified(z.data(), 0, false), std::invalid_argument);
  z[1] = NAN;
  EXPECT_THROW(certified(z.data(), 2, false), std::invalid_argument);
  z[1] = INFINITY;
  EXPECT_THROW(certified(z.data(), 2, true), std::invalid_argument);
  z[1] = -INFINITY;
  EXPECT_THROW(certified(z.data(), 2, false), std::invalid_argument);
  z[1] = 1e300;
  EXPECT_THROW(certified(z.data(), 2, false), std::domain_error);
}

TEST(Reference, KOne) {
  for (double a : {0.0, 1.5, -7.25, 1e300, -3e-310, 0.1}) {
    Certified c = certified(&a, 1, true);
    EXPECT_LE(absdiff(c.A, exact(a)), c.A_rad) << a;
    EXPECT_LE(std::fabs(toD(c.logC)), c.logC_rad) << a;
    ASSERT_EQ(c.mu.size(), 1u);
    EXPECT_LE(absdiff(c.mu[0], exact(1.0)), c.mu_rad[0]);
    EXPECT_EQ(toD(c.A), a);
    EXPECT_EQ(toD(c.mu[0]), 1.0);
    expect_goal(c);
  }
}

// K = 2: A = log((e^a - e^b)/(a - b)), mu_1 = e^a/(e^a - e^b) - 1/(a - b), directly in MPFR.
TEST(Reference, KTwoClosedForm) {
  const double pairs[][2] = {{1.0, 0.0},     {0.0, 1.0},         {-3.0, 2.5},  {0.1, 0.1 + 1e-15},
                             {5.0, 5.0 - 1e-9}, {700.0, -700.0}, {1e4, 0.0},   {-2.5e3, 2.5e3},
                             {1e-300, 0.0},  {123.456, 123.457}, {-40.0, -41.0}};
  for (const auto& p : pairs) {
    const double a = p[0], b = p[1];
    M ea, eb, num, d, A, mu1, t;
    mpfr_set_d(ea.v, a, MPFR_RNDN);
    mpfr_exp(ea.v, ea.v, MPFR_RNDN);
    mpfr_set_d(eb.v, b, MPFR_RNDN);
    mpfr_exp(eb.v, eb.v, MPFR_RNDN);
    mpfr_sub(num.v, ea.v, eb.v, MPFR_RNDN);
    mpfr_set_d(d.v, a, MPFR_RNDN);
    mpfr_sub_d(d.v, d.v, b, MPFR_RNDN);  // exact at 4000 bits
    mpfr_div(A.v, num.v, d.v, MPFR_RNDN);
    mpfr_log(A.v, A.v, MPFR_RNDN);
    mpfr_div(mu1.v, ea.v, num.v, MPFR_RNDN);
    mpfr_ui_div(t.v, 1, d.v, MPFR_RNDN);
    mpfr_sub(mu1.v, mu1.v, t.v, MPFR_RNDN);

    const double z[2] = {a, b};
    Certified c = certified(z, 2, true);
    const double slack = 1e-60 * std::max(1.0, std::fabs(toD(c.A)));  // 4000-bit evaluation error
    EXPECT_LE(absdiff(c.A, to_mp(A)), c.A_rad + slack) << a << " " << b;
    EXPECT_LE(absdiff(c.mu[0], to_mp(mu1)), c.mu_rad[0] + 1e-60 * toD(c.mu[0])) << a << " " << b;
    expect_goal(c);
    expect_mu_sums_to_one(c);
  }
}

// all nodes equal to c: A = c - log((K-1)!), mu_j = 1/K.
TEST(Reference, AllEqualNodes) {
  for (double cval : {0.0, -3.5, 1e5, 1e-300, 7.0}) {
    for (std::size_t K : {2u, 3u, 5u, 100u, 1000u}) {
      std::vector<double> z(K, cval);
      Certified c = certified(z.data(), K, true);
      M expect(4000), lg(4000);
      mpfr_set_ui(lg.v, static_cast<unsigned long>(K), MPFR_RNDN);
      mpfr_lngamma(lg.v, lg.v, MPFR_RNDN);
      mpfr_set_d(expect.v, cval, MPFR_RNDN);
      mpfr_sub(expect.v, expect.v, lg.v, MPFR_RNDN);
      EXPECT_LE(absdiff(c.A, to_mp(expect)), c.A_rad + 1e-300) << cval << " K=" << K;
      M invK(4000);
      mpfr_set_ui(invK.v, 1, MPFR_RNDN);
      mpfr_div_ui(invK.v, invK.v, static_cast<unsigned long>(K), MPFR_RNDN);
      for (std::size_t j = 0; j < K; ++j)
        ASSERT_LE(absdiff(c.mu[j], to_mp(invK)), c.mu_rad[j] + 1e-300) << cval << " K=" << K << " j=" << j;
      // log C = LSE - A = log K + log((K-1)!) = log(K!)
      M lc(4000);
      mpfr_set_ui(lc.v, static_cast<unsigned long>(K + 1), MPFR_RNDN);
      mpfr_lngamma(lc.v, lc.v, MPFR_RNDN);
      EXPECT_LE(absdiff(c.logC, to_mp(lc)), c.logC_rad + 1e-300);
      expect_goal(c);
    }
  }
}

// Exact ties: confluent divided differences in MPFR.
//   exp[a,a,b]   = ((e^b - e^a)/(b - a) - e^a)/(b - a)
//   exp[a,a,a,b] = (exp[a,a,b] - e^a/2)/(b - a)
TEST(Reference, ExactTies) {
  const double pairs[][2] = {{0.0, 1.0}, {2.0, -3.0}, {0.25, 40.0}, {-10.0, -10.5}};
  for (const auto& p : pairs) {
    const double a = p[0], b = p[1];
    M ea, eb, h, d2, d3, t;
    mpfr_set_d(ea.v, a, MPFR_RNDN);
    mpfr_exp(ea.v, ea.v, MPFR_RNDN);
    mpfr_set_d(eb.v, b, MPFR_RNDN);
    mpfr_exp(eb.v, eb.v, MPFR_RNDN);
    mpfr_set_d(h.v, b, MPFR_RNDN);
    mpfr_sub_d(h.v, h.v, a, MPFR_RNDN);
    mpfr_sub(d2.v, eb.v, ea.v, MPFR_RNDN);
    mpfr_div(d2.v, d2.v, h.v, MPFR_RNDN);
    mpfr_sub(d2.v, d2.v, ea.v, MPFR_RNDN);
    mpfr_div(d2.v, d2.v, h.v, MPFR_RNDN);  // exp[a,a,b]
    mpfr_div_2ui(t.v, ea.v, 1, MPFR_RNDN);
    mpfr_sub(d3.v, d2.v, t.v, MPFR_RNDN);
    mpfr_div(d3.v, d3.v, h.v, MPFR_RNDN);  // exp[a,a,a,b]
    mpfr_log(d2.v, d2.v, MPFR_RNDN);
    mpfr_log(d3.v, d3.v, MPFR_RNDN);

    const double z3[3] = {a, b, a};
    Certified c3 = certified(z3, 3, true);
    EXPECT_LE(absdiff(c3.A, to_mp(d2)), c3.A_rad + 1e-100) << a << " " << b;
    EXPECT_LE(absdiff(c3.mu[0], c3.mu[2]), c3.mu_rad[0] + c3.mu_rad[2]);  // tied nodes, equal means
    expect_goal(c3);
    expect_mu_sums_to_one(c3);
    mpfloat cf;
    EXPECT_FALSE(closed_form_mpfr(z3, 3, 30, cf));  // 0/0: the closed form refuses

    const double z4[4] = {a, a, b, a};
    Certified c4 = certified(z4, 4, true);
    EXPECT_LE(absdiff(c4.A, to_mp(d3)), c4.A_rad + 1e-100) << a << " " << b;
    expect_goal(c4);
    expect_mu_sums_to_one(c4);
  }
}

// A(z + c) = A(z) + c, log C and mu shift-invariant; c and z dyadic so z + c is exact.
TEST(Reference, ShiftIdentity) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int> coarse(-4096, 4096);
  for (int trial = 0; trial < 8; ++trial) {
    const std::size_t K = 2 + trial * 5;
    std::vector<double> z(K), zs(K);
    for (auto& v : z) v = coarse(rng) / 256.0;
    const double c = (trial % 2 ? -1.0 : 1.0) * std::ldexp(1.0, trial * 3);
    for (std::size_t i = 0; i < K; ++i) zs[i] = z[i] + c;  // exact
    Certified a = certified(z.data(), K, true), b = certified(zs.data(), K, true);
    M lhs(4000);
    mpfr_add_d(lhs.v, a.A.backend().data(), c, MPFR_RNDN);
    EXPECT_LE(absdiff(b.A, to_mp(lhs)), a.A_rad + b.A_rad) << trial;
    EXPECT_LE(absdiff(b.logC, a.logC), a.logC_rad + b.logC_rad) << trial;
    for (std::size_t j = 0; j < K; ++j) EXPECT_LE(absdiff(b.mu[j], a.mu[j]), a.mu_rad[j] + b.mu_rad[j]);
  }
}

TEST(Reference, PermutationInvariance) {
  std::vector<double> z{0.5, -2.0, 3.25, 3.25, 1.0, -7.5, 0.0};
  Certified a = certified(z.data(), z.size(), true);
  std::vector<double> p{z[3], z[6], z[0], z[5], z[2], z[1], z[4]};
  const std::size_t idx[] = {3, 6, 0, 5, 2, 1, 4};
  Certified b = certified(p.data(), p.size(), true);
  EXPECT_LE(absdiff(a.A, b.A), a.A_rad + b.A_rad);
  for (std::size_t j = 0; j < z.size(); ++j)
    EXPECT_LE(absdiff(b.mu[j], a.mu[idx[j]]), b.mu_rad[j] + a.mu_rad[idx[j]]);
}

// mean(z) - log((K-1)!) <= A <= max(z) - log((K-1)!), sum mu = 1, 0 < mu < 1, radius goal.
TEST(Reference, BoundsAndMeanSum) {
  std::mt19937_64 rng(11);
  std::normal_distribution<double> N(0.0, 1.0);
  for (double sigma : {0.001, 1.0, 30.0, 300.0}) {
    for (std::size_t K : {2u, 7u, 64u, 500u}) {
      std::vector<double> z(K);
      for (auto& v : z) v = sigma * N(rng);
      Certified c = certified(z.data(), K, true);
      M lg(4000), lo(4000), hi(4000), s(4000);
      mpfr_set_ui(lg.v, static_cast<unsigned long>(K), MPFR_RNDN);
      mpfr_lngamma(lg.v, lg.v, MPFR_RNDN);
      mpfr_set_zero(s.v, 1);
      double zmax = z[0];
      for (double v : z) {
        mpfr_add_d(s.v, s.v, v, MPFR_RNDN);  // exact at 4000 bits
        zmax = std::max(zmax, v);
      }
      mpfr_div_ui(lo.v, s.v, static_cast<unsigned long>(K), MPFR_RNDN);
      mpfr_sub(lo.v, lo.v, lg.v, MPFR_RNDN);
      mpfr_set_d(hi.v, zmax, MPFR_RNDN);
      mpfr_sub(hi.v, hi.v, lg.v, MPFR_RNDN);
      M Au(4000), Al(4000);
      mpfr_add_d(Au.v, c.A.backend().data(), c.A_rad, MPFR_RNDU);
      mpfr_sub_d(Al.v, c.A.backend().data(), c.A_rad, MPFR_RNDD);
      EXPECT_GE(mpfr_cmp(Au.v, lo.v), 0) << "sigma=" << sigma << " K=" << K;
      EXPECT_LE(mpfr_cmp(Al.v, hi.v), 0) << "sigma=" << sigma << " K=" << K;
      for (std::size_t j = 0; j < K; ++j) {
        EXPECT_GT(toD(c.mu[j]), 0.0);
        EXPECT_LT(toD(c.mu[j]), 1.0);
      }
      expect_goal(c);
      expect_mu_sums_to_one(c);
    }
  }
}

// certified() against the independent MPFR closed form on random distinct inputs.
TEST(Reference, AgreesWithClosedFormMpfr) {
  std::mt19937_64 rng(2024);
  std::uniform_int_distribution<int> Kd(2, 40);
  std::uniform_real_distribution<double> ls(std::log(0.01), std::log(100.0));
  std::normal_distribution<double> N(0.0, 1.0);
  int compared = 0;
  for (int trial = 0; trial < 50; ++trial) {
    const std::size_t K = static_cast<std::size_t>(Kd(rng));
    const double sigma = std::exp(ls(rng));
    std::vector<double> z(K);
    for (auto& v : z) v = sigma * N(rng);
    mpfloat cf;
    ASSERT_TRUE(closed_form_mpfr(z.data(), K, 40, cf)) << trial;
    Certified c = certified(z.data(), K, false);
    const double tol = c.A_rad + 1e-25 * std::max(1.0, std::fabs(toD(c.A)));
    EXPECT_LE(absdiff(c.A, cf), tol) << "trial " << trial << " K=" << K << " sigma=" << sigma;
    expect_goal(c);
    ++compared;
  }
  EXPECT_EQ(compared, 50);
}

// The precision loop really raises the precision when the start is too low, and the automatic
// start grows with the spread.
TEST(Reference, PrecisionRisesWhenNeeded) {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> U(0.0, 5000.0);
  const std::size_t K = 50;
  std::vector<double> z(K);
  for (auto& v : z) v = U(rng);
  ccnorm::ref::Options low;
  low.start_prec = 40;  // far too low for a 2^-80 radius
  Certified c = certified(z.data(), K, true, low);
  EXPECT_GT(c.prec_bits, 40);
  expect_goal(c);
  expect_mu_sums_to_one(c);
  Certified d = certified(z.data(), K, true);
  EXPECT_LE(absdiff(c.A, d.A), c.A_rad + d.A_rad);
  EXPECT_EQ(toD(c.A), toD(d.A));
  EXPECT_EQ(toD(c.logC), toD(d.logC));
  for (std::size_t j = 0; j < K; ++j) EXPECT_EQ(toD(c.mu[j]), toD(d.mu[j])) << j;

  // independent: the closed form has little cancellation at this spread (gaps ~ 100)
  mpfloat cf;
  ASSERT_TRUE(closed_form_mpfr(z.data(), K, 40, cf));
  EXPECT_LE(absdiff(d.A, cf), d.A_rad + 1e-25 * std::fabs(toD(d.A)));
  std::vector<mpfloat> cmu;
  ASSERT_TRUE(ccnorm::ref::closed_form_mean_mpfr(z.data(), K, 40, cmu));
  for (std::size_t j = 0; j < K; ++j) EXPECT_LE(absdiff(d.mu[j], cmu[j]), d.mu_rad[j] + 1e-25 * toD(d.mu[j])) << j;

  std::vector<double> small(K);
  for (std::size_t i = 0; i < K; ++i) small[i] = z[i] / 5000.0;
  Certified s = certified(small.data(), K, false);
  EXPECT_GT(d.prec_bits, s.prec_bits);  // spread 5000 works at a higher precision than spread 1
  EXPECT_GT(d.terms, s.terms);
}

// The closed form itself: exact on K = 1, refuses ties, agrees with K = 2 done by hand.
TEST(Reference, ClosedFormMpfrBasics) {
  double one = 3.5;
  mpfloat A;
  ASSERT_TRUE(closed_form_mpfr(&one, 1, 30, A));
  EXPECT_EQ(toD(A), 3.5);
  const double z[2] = {2.0, 2.0 + std::ldexp(1.0, -40)};
  ASSERT_TRUE(closed_form_mpfr(z, 2, 30, A));
  Certified c = certified(z, 2, false);
  EXPECT_LE(absdiff(c.A, A), c.A_rad + 1e-28);
  const double t[3] = {1.0, 2.0, 1.0};
  EXPECT_FALSE(closed_form_mpfr(t, 3, 30, A));
}

// The mean against the independent confluent closed form on random distinct inputs.
TEST(Reference, MeanAgreesWithClosedFormMpfr) {
  std::mt19937_64 rng(99);
  std::uniform_int_distribution<int> Kd(2, 25);
  std::uniform_real_distribution<double> ls(std::log(0.01), std::log(100.0));
  std::normal_distribution<double> N(0.0, 1.0);
  for (int trial = 0; trial < 20; ++trial) {
    const std::size_t K = static_cast<std::size_t>(Kd(rng));
    const double sigma = std::exp(ls(rng));
    std::vector<double> z(K);
    for (auto& v : z) v = sigma * N(rng);
    std::vector<mpfloat> mu;
    ASSERT_TRUE(ccnorm::ref::closed_form_mean_mpfr(z.data(), K, 40, mu)) << trial;
    Certified c = certified(z.data(), K, true);
    for (std::size_t j = 0; j < K; ++j)
      EXPECT_LE(absdiff(c.mu[j], mu[j]), c.mu_rad[j] + 1e-25 * toD(c.mu[j]))
          << "trial " << trial << " K=" << K << " sigma=" << sigma << " j=" << j;
  }
  const double t[2] = {1.0, 1.0};
  std::vector<mpfloat> mu;
  EXPECT_FALSE(ccnorm::ref::closed_form_mean_mpfr(t, 2, 30, mu));
}

#ifdef CCNORM_FREEZE_EXE
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

namespace {
mpfloat parse_mp(const std::string& s) {
  mpfloat r;
  mpfr_set_prec(r.backend().data(), 400);
  mpfr_set_str(r.backend().data(), s.c_str(), 10, MPFR_RNDN);
  return r;
}
}  // namespace

// ccnorm_freeze end to end: format, verbatim input columns, honest printed radii, --no-mu-above,
// and no output file when a row fails.
TEST(FreezeTool, WritesHonestFrozenFile) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("ccnorm_freeze_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path in = dir / "c.in.csv", out = dir / "c.csv";
  {
    std::ofstream f(in);
    f << "# test corpus\nid,family,dtype,K,z\n"
      << "k1,one,f64,1,0x1.8p+1\n"
      << "tie,ties,f64,3,0x1p+0;0x1p+1;0x1p+0\n"
      << "f32,gaussian,f32,4,0x1.99999ap-4;-0x1.8p+0;0x1.4p+2;0x0p+0\n"
      << "wide,wide,f64,5,0x0p+0;0x1.f4p+9;0x1.f4p+8;-0x1.f4p+9;0x1p-1\n";
  }
  const std::string exe = CCNORM_FREEZE_EXE;
  std::string cmd = exe + " " + in.string() + " " + out.string() + " --threads 2 --no-mu-above 4 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  ASSERT_FALSE(fs::exists(out.string() + ".tmp"));
  std::ifstream f(out);
  std::string line;
  ASSERT_TRUE(std::getline(f, line));
  EXPECT_EQ(line.rfind("# generated by ccnorm_freeze (Arb ", 0), 0u) << line;
  EXPECT_NE(line.find("radii certified"), std::string::npos);
  ASSERT_TRUE(std::getline(f, line));
  EXPECT_EQ(line, "# test corpus");
  ASSERT_TRUE(std::getline(f, line));
  EXPECT_EQ(line, "id,family,dtype,K,z,A,A_rad,logC,logC_rad,mu,mu_rad_max,prec_bits");
  int rows = 0;
  while (std::getline(f, line)) {
    auto c = ccnorm::io::split(line, ',');
    ASSERT_EQ(c.size(), 12u) << line;
    ++rows;
    std::vector<double> z;
    for (const auto& s : ccnorm::io::split(c[4], ';')) z.push_back(std::strtod(s.c_str(), nullptr));
    ASSERT_EQ(z.size(), std::stoul(c[3]));
    Certified ref = certified(z.data(), z.size(), true);
    // the printed radius covers printed-vs-true: |printed - mid| + rad_mid <= printed radius
    EXPECT_LE(absdiff(parse_mp(c[5]), ref.A) + ref.A_rad, std::strtod(c[6].c_str(), nullptr) * (1 + 1e-12)) << c[0];
    EXPECT_LE(absdiff(parse_mp(c[7]), ref.logC) + ref.logC_rad, std::strtod(c[8].c_str(), nullptr) * (1 + 1e-12)) << c[0];
    EXPECT_EQ(c[5].find('e') - (c[5][0] == '-' ? 1 : 0), 31u) << c[5];  // d.29 digits then exponent
    if (z.size() <= 4) {
      auto mu = ccnorm::io::split(c[9], ';');
      ASSERT_EQ(mu.size(), z.size());
      const double rmax = std::strtod(c[10].c_str(), nullptr);
      for (std::size_t j = 0; j < z.size(); ++j) EXPECT_LE(absdiff(parse_mp(mu[j]), ref.mu[j]) + ref.mu_rad[j], rmax * (1 + 1e-12));
    } else {
      EXPECT_TRUE(c[9].empty());
      EXPECT_TRUE(c[10].empty());
    }
    EXPECT_EQ(std::stol(c[11]), ref.prec_bits);
  }
  EXPECT_EQ(rows, 4);
  // a bad row: no output written, nonzero exit
  {
    std::ofstream g(in);
    g << "id,family,dtype,K,z\nbad,x,f64,2,0x1p+0\n";
  }
  fs::remove(out);
  EXPECT_NE(std::system(cmd.c_str()), 0);
  EXPECT_FALSE(fs::exists(out));
  {
    std::ofstream g(in);
    g << "id,family,dtype,K,z\nhuge,x,f64,2,0x0p+0;0x1p+100\n";  // spread beyond the series' limit
  }
  EXPECT_NE(std::system(cmd.c_str()), 0);
  EXPECT_FALSE(fs::exists(out));
  fs::remove_all(dir);
}
#endif

// A tiny value must be decided, not accepted as 0 +- something larger than itself: for
// z = (d, 0) with d = 1e-300, A = log(expm1(d)/d) = d/2 + O(d^2) and the double must be exact.
TEST(Reference, TinyValuesAreDecided) {
  for (double d : {1e-300, -1e-300, 1e-200}) {
    const double z[2] = {d, 0.0};
    Certified c = certified(z, 2, true);
    const double A = static_cast<double>(c.A);
    EXPECT_EQ(A, d / 2) << "d=" << d;
    EXPECT_LT(c.A_rad, std::abs(d) * 1e-20) << "d=" << d;
  }
}
