// cr_hard_search: search for hard-to-round inputs of A, log C and mu (auto-cr's worst cases, in
// the manner of CORE-MATH's worst-case files) and print them as tests/data/hard_to_round.csv.
//
//   cr_hard_search [--rows N] [--seed S] [--max-log2 D] > tests/data/hard_to_round.csv
//
// Random rows, K = 2..5, nodes N(0, sigma^2) with sigma log-uniform in [1e-3, 30] (a third of the
// rows rounded to float and judged against float). Prefilter: auto-cr's double-double level
// (normalizer/auto_cr.hpp run_level<dd>, |error| ~2^-95) puts the value within 2^-14 ulp of a
// midpoint of the target type. Confirmation: the certified Arb reference at 512 bits
// (reference.hpp certified); a row is kept when the exact value is within 2^D ulp (D = -20 by
// default) of a midpoint, the ball's radius being below 1/64 of that distance. dist_log2_ulp is
// log2(|exact - midpoint| / ulp) (ulp: the spacing of the target type on that side).
#include <mpfr.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "bench/rng.hpp"
#include "normalizer/auto_cr.hpp"
#include "reference/reference.hpp"

using namespace ccnorm;

namespace {

// log2 of the distance of x (dd) to the nearest midpoint of T, in ulps of T.
template <class T>
double dist_dd(dd x) {
  const T t = static_cast<T>(x.hi + x.lo);
  const T up = std::nextafter(t, std::numeric_limits<T>::infinity());
  const T dn = std::nextafter(t, -std::numeric_limits<T>::infinity());
  const dd mhi = ldexp(two_sum(double(t), double(up)), -1), mlo = ldexp(two_sum(double(t), double(dn)), -1);
  const dd a = mhi - x, b = x - mlo;
  const double da = std::fabs(a.hi) / (double(up) - double(t)), db = std::fabs(b.hi) / (double(t) - double(dn));
  return std::log2(std::min(da, db));
}

// The same from the certified ball; false when the ball is too wide to say.
double dist_ball(const ref::mpfloat& mid, double rad, bool f32, bool& ok) {
  mpfr_srcptr m = mid.backend().data();
  const double c = f32 ? double(mpfr_get_flt(m, MPFR_RNDN)) : mpfr_get_d(m, MPFR_RNDN);
  double up, dn;
  if (f32) {
    up = std::nextafter(float(c), HUGE_VALF);
    dn = std::nextafter(float(c), -HUGE_VALF);
  } else {
    up = std::nextafter(c, HUGE_VAL);
    dn = std::nextafter(c, -HUGE_VAL);
  }
  mpfr_t t, u;
  mpfr_init2(t, mpfr_get_prec(m) + 64);
  mpfr_init2(u, mpfr_get_prec(m) + 64);
  double best = 1e300, bestabs = 0;
  for (double nb : {up, dn}) {
    mpfr_set_d(t, c, MPFR_RNDN);
    mpfr_add_d(t, t, nb, MPFR_RNDN);  // exact at this precision
    mpfr_div_2ui(t, t, 1, MPFR_RNDN);
    mpfr_sub(u, m, t, MPFR_RNDN);
    mpfr_abs(u, u, MPFR_RNDN);
    const double ab = mpfr_get_d(u, MPFR_RNDN);
    const double d = ab / std::fabs(nb - c);
    if (d < best) {
      best = d;
      bestabs = ab;
    }
  }
  mpfr_clear(t);
  mpfr_clear(u);
  ok = rad < bestabs / 64;
  return std::log2(best);
}

std::string row_z(const std::vector<double>& z) {
  std::string s;
  char b[64];
  for (std::size_t i = 0; i < z.size(); ++i) {
    std::snprintf(b, sizeof b, "%s%a", i ? ";" : "", z[i]);
    s += b;
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t rows = 20000000, seed = 20261201;
  double maxd = -20;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--rows")) rows = std::strtoull(argv[i + 1], nullptr, 10);
    else if (!std::strcmp(argv[i], "--seed")) seed = std::strtoull(argv[i + 1], nullptr, 10);
    else if (!std::strcmp(argv[i], "--max-log2")) maxd = std::atof(argv[i + 1]);
  }
  char date[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%d", std::gmtime(&now));
  std::printf("# hard-to-round inputs of auto-cr (A, logC, mu within 2^%g ulp of a rounding midpoint)\n", maxd);
  std::printf("# tool: cr_hard_search --rows %llu --seed %llu --max-log2 %g; date: %s\n",
              static_cast<unsigned long long>(rows), static_cast<unsigned long long>(seed), maxd, date);
  std::printf("# method: random rows K=2..5, z ~ N(0, sigma^2), sigma log-uniform [1e-3, 30], 1/3 rounded to float; "
              "prefilter auto-cr's double-double level (2^-14 ulp); confirmed with ccnorm::ref::certified at 512 bits "
              "(Arb ball radius < 1/64 of the distance); %s\n",
              ref::library_versions().c_str());
  std::printf("# dist_log2_ulp = log2(|exact - nearest midpoint| / ulp of the target type)\n");
  std::printf("id,dtype,quantity,K,z,dist_log2_ulp\n");
  gen::Rng g(seed);
  cr::detail::LevelOut lo;
  int kept = 0;
  for (std::uint64_t i = 0; i < rows; ++i) {
    const std::size_t K = 2 + g.below(4);
    const bool f32 = g.below(3) == 0;
    const double sigma = g.log_uniform(1e-3, 30);
    std::vector<double> z(K);
    for (double& x : z) x = sigma * g.normal();
    if (f32)
      for (double& x : z) x = double(float(x));
    const bool want_mu = g.below(2) == 0;
    if (!cr::detail::run_level<dd, double>(z.data(), K, want_mu, lo)) continue;
    auto d = [&](const cr::detail::Approx& a) { return f32 ? dist_dd<float>(a.v) : dist_dd<double>(a.v); };
    std::vector<std::pair<std::string, int>> cand;  // quantity, mu index
    if (d(lo.A) < maxd + 6) cand.push_back({"A", -1});
    if (d(lo.logC) < maxd + 6) cand.push_back({"logC", -1});
    if (want_mu)
      for (std::size_t j = 0; j < K; ++j)
        if (d(lo.mu[j]) < maxd + 6) cand.push_back({"mu", static_cast<int>(j)});
    if (cand.empty()) continue;
    ref::Options opt;
    opt.start_prec = 512;
    const ref::Certified c = ref::certified(z.data(), K, want_mu, opt);
    for (const auto& q : cand) {
      bool ok = false;
      double e;
      if (q.first == "A") e = dist_ball(c.A, c.A_rad, f32, ok);
      else if (q.first == "logC") e = dist_ball(c.logC, c.logC_rad, f32, ok);
      else e = dist_ball(c.mu[q.second], c.mu_rad[q.second], f32, ok);
      if (!ok || e > maxd) continue;
      std::printf("hard%d.row%llu%s%s,%s,%s,%zu,%s,%.2f\n", kept++, static_cast<unsigned long long>(i),
                  q.second >= 0 ? ".mu" : "", q.second >= 0 ? std::to_string(q.second).c_str() : "",
                  f32 ? "f32" : "f64", q.first.c_str(), K, row_z(z).c_str(), e);
      std::fflush(stdout);
    }
  }
  std::fprintf(stderr, "cr_hard_search: %d kept of %llu rows\n", kept, static_cast<unsigned long long>(rows));
  return 0;
}
