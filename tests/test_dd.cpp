// Double-double building blocks against MPFR (the assembly of A relies on them).
#include <gtest/gtest.h>

#include <cstdio>
#include <limits>
#include <random>
#include <vector>

#include <boost/multiprecision/mpfr.hpp>

#include "normalizer/dd.hpp"

using mp = boost::multiprecision::number<boost::multiprecision::mpfr_float_backend<60>>;  // 60 digits
using ccnorm::dd;

static mp to_mp(dd x) { return mp(x.hi) + mp(x.lo); }

TEST(dd, log_matches_mpfr_to_2pow_minus_100) {
  std::mt19937_64 g(7);
  std::uniform_real_distribution<double> ex(-700, 700);
  for (int i = 0; i < 2000; ++i) {
    double x = std::exp(ex(g));
    mp ref = log(mp(x));
    for (dd l : {ccnorm::dd_log(dd(x)), ccnorm::dd_log_series(dd(x))}) {
      mp err = abs(to_mp(l) - ref) / mp(std::max(1.0, std::abs(static_cast<double>(ref))));
      ASSERT_LT(static_cast<double>(err), 0x1p-100) << "x=" << x;
    }
  }
}

TEST(dd, log_near_one) {
  for (double x : {1.0, std::nextafter(1.0, 2.0), std::nextafter(1.0, 0.0), 1.0 + 1e-9, 0.999999}) {
    mp ref = log(mp(x));
    for (dd l : {ccnorm::dd_log(dd(x)), ccnorm::dd_log_series(dd(x))}) {
      mp err = abs(to_mp(l) - ref);
      EXPECT_LT(static_cast<double>(err), 0x1p-104) << x;
    }
  }
}

// The table-driven dd_log at the edges of its reduction: f next to sqrt(1/2) (the binade switch),
// midway between two table points c = i/64 (|s| largest), on the table points, and with a low
// part (a double-double argument, as the assembly passes S).
TEST(dd, log_table_edges) {
  std::vector<dd> xs;
  const double r2 = 0.70710678118654752;
  for (int e : {-900, -3, 0, 1, 40, 900})
    for (double f : {r2, std::nextafter(r2, 0.0), std::nextafter(r2, 1.0), 2 * r2, std::nextafter(2 * r2, 0.0)})
      xs.push_back(dd(std::ldexp(f, e)));
  for (int i = 45; i <= 91; ++i)
    for (double d : {-0.5, -0.49999, 0.0, 0.49999, 0.5}) {
      const double f = (i + d) / 64;
      xs.push_back(dd(f));
      xs.push_back(ccnorm::quick_two_sum(f, f * 0x1p-60));
    }
  double worst = 0;
  for (dd x : xs) {
    mp ref = log(to_mp(x));
    mp err = abs(to_mp(ccnorm::dd_log(x)) - ref) / mp(1.0 + std::abs(static_cast<double>(ref)));
    worst = std::max(worst, static_cast<double>(err));
    EXPECT_LT(static_cast<double>(err), 0x1p-102) << x.hi << " + " << x.lo;
  }
  std::printf("dd_log at the table edges: %zu arguments, worst |err| / (1 + |log x|) = 2^%.1f\n", xs.size(),
              std::log2(std::max(worst, 0x1p-300)));
}

// log_pair (the plain assembly's log S as hi + lo, dd.hpp): across the exponent range, near 1,
// at the edges and centres of the table's 1/128-wide intervals and at the binade edges. Bound:
// |err| <= 2^-64 max(1, |log x|) (observed 2^-66); dropping the remainder rl of d / c fails it
// (~2^-61).
TEST(dd, log_pair_matches_mpfr) {
  std::vector<double> xs;
  std::mt19937_64 g(11);
  std::uniform_real_distribution<double> ex(-700, 700), un(-0.5, 0.5);
  for (int i = 0; i < 20000; ++i) xs.push_back(std::exp(ex(g)));
  for (int k = 0; k <= 52; ++k)
    for (int i = 0; i < 40; ++i) xs.push_back(1.0 + un(g) * std::ldexp(1.0, -k));
  for (int e : {-1022, -1, 0, 1, 2, 1000})
    for (double f : {1.0, std::nextafter(1.0, 2.0), std::nextafter(2.0, 1.0)}) xs.push_back(std::ldexp(f, e));
  for (int i = 0; i < 128; ++i)
    for (double d : {0.0, 1e-9, 0.5, 0.99999999, 1.0 - 0x1p-40}) xs.push_back(std::ldexp(1.0 + (i + d) / 128, i % 7 - 3));
  xs.push_back(std::numeric_limits<double>::max());
  double worst = 0;
  for (double x : xs) {
    const mp ref = log(mp(x));
    const dd l = ccnorm::log_pair(x);
    const double err = static_cast<double>(abs(to_mp(l) - ref));
    const double scale = std::max(1.0, std::abs(static_cast<double>(ref)));
    worst = std::max(worst, err / scale);
    ASSERT_LE(err, 0x1p-64 * scale) << "x=" << x;
  }
  const dd one = ccnorm::log_pair(1.0);  // c = 1 + 1/256 != 1: not exactly 0, within the bound
  EXPECT_LE(std::abs(one.hi + one.lo), 0x1p-64);
  // outside the normal range: libm's log, lo = 0
  const double sub = std::numeric_limits<double>::denorm_min() * 3;
  EXPECT_EQ(ccnorm::log_pair(sub).hi, std::log(sub));
  EXPECT_EQ(ccnorm::log_pair(0.0).hi, -std::numeric_limits<double>::infinity());
  std::printf("log_pair: %zu arguments, worst |err| / max(1, |log x|) = 2^%.1f\n", xs.size(), std::log2(worst));
}

TEST(dd, log_factorial_matches_mpfr_lgamma) {
  for (std::int64_t n : {0, 1, 2, 3, 10, 20, 35, 36, 37, 38, 50, 99, 100, 999, 1000, 9999, 10000, 100000, 1000000}) {
    dd l = ccnorm::log_factorial_dd(n);
    mp ref = boost::multiprecision::lgamma(mp(n + 1));
    mp err = abs(to_mp(l) - ref);  // absolute: what the assembly of A needs
    EXPECT_LT(static_cast<double>(err), std::max(0x1p-85, 0x1p-100 * static_cast<double>(ref))) << "n=" << n;
  }
}

TEST(dd, arithmetic_error_bounds) {
  std::mt19937_64 g(3);
  std::uniform_real_distribution<double> u(-1, 1);
  for (int i = 0; i < 10000; ++i) {
    dd a = ccnorm::two_sum(u(g), u(g) * 1e-17), b = ccnorm::two_sum(u(g), u(g) * 1e-17);
    mp A = to_mp(a), B = to_mp(b);
    ASSERT_LE(static_cast<double>(abs(to_mp(a * b) - A * B)), 0x1p-103 * std::abs((a * b).hi) + 1e-300);
    ASSERT_LE(static_cast<double>(abs(to_mp(a + b) - (A + B))), 0x1p-103 * std::max(std::abs(a.hi), std::abs(b.hi)));
    if (std::abs(b.hi) > 1e-3) {
      ASSERT_LE(static_cast<double>(abs(to_mp(a / b) - A / B)), 0x1p-101 * std::abs((a / b).hi));
    }
  }
}
