// Tests of the certified reference for the rest of the distribution (reference/reference.hpp:
// certified_covariance, certified_entropy, certified_kl, certified_marginal_sf) against closed
// forms evaluated directly in MPFR at 2000 bits (docs/design.md §1): the K = 2 continuous
// Bernoulli, the uniform Dirichlet at tied logits, and identities (rows of Cov sum to 0,
// symmetry, PSD, KL >= 0 and 0 on shifted copies, the survival function at its ends).
#include <gtest/gtest.h>
#include <mpfr.h>

#include <cmath>
#include <random>
#include <vector>

#include "reference/reference.hpp"

namespace {

using ccnorm::ref::mpfloat;

struct M {
  mpfr_t v;
  explicit M(mpfr_prec_t p = 2000) { mpfr_init2(v, p); }
  M(const M&) = delete;
  ~M() { mpfr_clear(v); }
};

// |a - x| <= tol * scale, with a certified midpoint a and the closed-form value x.
void expect_close(const mpfloat& a, const M& x, double tol_rel, double scale, const char* what) {
  M d;
  mpfr_sub(d.v, a.backend().data(), x.v, MPFR_RNDN);
  const double diff = std::fabs(mpfr_get_d(d.v, MPFR_RNDU));
  EXPECT_LE(diff, tol_rel * scale) << what << ": |certified - closed form| = " << diff << ", scale " << scale;
}
double toD(const mpfloat& a) { return mpfr_get_d(a.backend().data(), MPFR_RNDN); }

// K = 2, z = (d, 0): x_1 = t has density d e^{dt} / (e^d - 1) on [0, 1].
//   E[t] = 1/(1 - e^-d) - 1/d,  Var t = 1/d^2 - 1/(4 sinh^2(d/2)),
//   H = log((e^d - 1)/d) - d E[t],  P(t > s) = (e^d - e^{ds}) / (e^d - 1).
void cb_mean(M& out, double d) {
  M a, b;
  mpfr_set_d(a.v, -d, MPFR_RNDN);
  mpfr_expm1(a.v, a.v, MPFR_RNDN);  // e^-d - 1
  mpfr_neg(a.v, a.v, MPFR_RNDN);    // 1 - e^-d
  mpfr_ui_div(a.v, 1, a.v, MPFR_RNDN);
  mpfr_set_d(b.v, d, MPFR_RNDN);
  mpfr_ui_div(b.v, 1, b.v, MPFR_RNDN);
  mpfr_sub(out.v, a.v, b.v, MPFR_RNDN);
}
void cb_var(M& out, double d) {
  M a, b;
  mpfr_set_d(a.v, d, MPFR_RNDN);
  mpfr_sqr(b.v, a.v, MPFR_RNDN);
  mpfr_ui_div(b.v, 1, b.v, MPFR_RNDN);  // 1/d^2
  mpfr_div_ui(a.v, a.v, 2, MPFR_RNDN);
  mpfr_sinh(a.v, a.v, MPFR_RNDN);
  mpfr_sqr(a.v, a.v, MPFR_RNDN);
  mpfr_mul_ui(a.v, a.v, 4, MPFR_RNDN);
  mpfr_ui_div(a.v, 1, a.v, MPFR_RNDN);  // 1/(4 sinh^2(d/2))
  mpfr_sub(out.v, b.v, a.v, MPFR_RNDN);
}
void cb_log_norm(M& out, double d) {  // log((e^d - 1)/d) = A(d, 0)
  M a;
  mpfr_set_d(a.v, d, MPFR_RNDN);
  mpfr_expm1(out.v, a.v, MPFR_RNDN);
  mpfr_div(out.v, out.v, a.v, MPFR_RNDN);
  mpfr_log(out.v, out.v, MPFR_RNDN);
}
void cb_entropy(M& out, double d) {
  M m, a;
  cb_mean(m, d);
  mpfr_mul_d(m.v, m.v, d, MPFR_RNDN);
  cb_log_norm(a, d);
  mpfr_sub(out.v, a.v, m.v, MPFR_RNDN);
}

TEST(ReferenceDistribution, ContinuousBernoulliCovariance) {
  for (double d : {1e-9, 0.3, -2.5, 7.0, 40.0, -300.0, 2000.0}) {
    const double z[2] = {d, 0.0};
    const auto c = ccnorm::ref::certified_covariance(z, 2);
    ASSERT_EQ(c.cov.size(), 4u);
    M v;
    cb_var(v, d);
    const double var = mpfr_get_d(v.v, MPFR_RNDN);
    expect_close(c.cov[0], v, 1e-20, var, "Var x_1");
    expect_close(c.cov[3], v, 1e-20, var, "Var x_2");
    mpfr_neg(v.v, v.v, MPFR_RNDN);
    expect_close(c.cov[1], v, 1e-20, var, "Cov_12");
    expect_close(c.cov[2], v, 1e-20, var, "Cov_21");
    EXPECT_LE(c.cov_rad[0], std::ldexp(var, -80));
  }
}

TEST(ReferenceDistribution, TiedLogitsAreTheUniformDirichlet) {
  // Dirichlet(1, ..., 1): Var = (K-1)/(K^2 (K+1)), Cov_ij = -1/(K^2 (K+1)), H = -log((K-1)!).
  for (std::size_t K : {2u, 3u, 7u, 30u}) {
    std::vector<double> z(K, 0.75);
    const auto c = ccnorm::ref::certified_covariance(z.data(), K);
    const double k = static_cast<double>(K);
    for (std::size_t i = 0; i < K; ++i)
      for (std::size_t j = 0; j < K; ++j) {
        M x;
        mpfr_set_d(x.v, i == j ? k - 1 : -1.0, MPFR_RNDN);
        mpfr_div_d(x.v, x.v, k * k * (k + 1), MPFR_RNDN);
        expect_close(c.cov[j * K + i], x, 1e-22, 1.0 / (k * k), "Dirichlet covariance");
      }
    const auto h = ccnorm::ref::certified_entropy(z.data(), K);
    M lf, one;
    mpfr_set_ui(one.v, K, MPFR_RNDN);
    mpfr_lngamma(lf.v, one.v, MPFR_RNDN);  // log((K-1)!)
    mpfr_neg(lf.v, lf.v, MPFR_RNDN);
    expect_close(h.mid, lf, 1e-22, std::max(1.0, std::lgamma(k)), "entropy at tied logits");
  }
}

TEST(ReferenceDistribution, CovarianceIdentitiesAndColumns) {
  std::mt19937_64 g(7);
  std::normal_distribution<double> nd(0, 3);
  const std::size_t K = 9;
  std::vector<double> z(K);
  for (auto& x : z) x = nd(g);
  z[3] = z[5];  // a tie
  const auto c = ccnorm::ref::certified_covariance(z.data(), K);
  for (std::size_t i = 0; i < K; ++i) {
    double row = 0, scale = 0;
    for (std::size_t j = 0; j < K; ++j) {
      row += toD(c.cov[j * K + i]);
      scale += std::fabs(toD(c.cov[j * K + i]));
      EXPECT_NEAR(toD(c.cov[j * K + i]), toD(c.cov[i * K + j]), 1e-30 + 1e-20 * scale);  // symmetric
    }
    EXPECT_LE(std::fabs(row), 1e-15 * scale) << "row " << i << " must sum to 0";
    EXPECT_GT(toD(c.cov[i * K + i]), 0);
  }
  // PSD: v' Cov v >= 0 for random v
  for (int t = 0; t < 20; ++t) {
    std::vector<double> v(K);
    for (auto& x : v) x = nd(g);
    double q = 0;
    for (std::size_t i = 0; i < K; ++i)
      for (std::size_t j = 0; j < K; ++j) q += v[i] * toD(c.cov[j * K + i]) * v[j];
    EXPECT_GE(q, -1e-14);
  }
  // a subset of columns gives the same entries
  const auto c2 = ccnorm::ref::certified_covariance(z.data(), K, {4, 0});
  ASSERT_EQ(c2.cov.size(), 2 * K);
  for (std::size_t i = 0; i < K; ++i) {
    EXPECT_NEAR(toD(c2.cov[0 * K + i]), toD(c.cov[4 * K + i]), 1e-25);
    EXPECT_NEAR(toD(c2.cov[1 * K + i]), toD(c.cov[0 * K + i]), 1e-25);
  }
}

TEST(ReferenceDistribution, ContinuousBernoulliEntropy) {
  for (double d : {1e-7, 0.5, -3.0, 25.0, 1000.0, -1e4}) {
    const double z[2] = {d, 0.0};
    const auto h = ccnorm::ref::certified_entropy(z, 2);
    M x;
    cb_entropy(x, d);
    const double hv = mpfr_get_d(x.v, MPFR_RNDN);
    expect_close(h.mid, x, 1e-22, std::max(1.0, std::fabs(hv)), "CB entropy");
    EXPECT_LE(h.rad, std::ldexp(std::max(1.0, std::fabs(hv)), -80));
  }
}

TEST(ReferenceDistribution, KullbackLeibler) {
  // PyTorch #72525: KL(CB(logits=-500) || CB(logits=20)) = 22.1788758228...; in general for K = 2
  // KL = A(q) - A(p) - (dq - dp) E_p[t].
  const double cases[][2] = {{-500.0, 20.0}, {0.3, 0.2}, {5.0, -5.0}, {1e-3, 2e-3}, {40.0, 40.5}};
  for (const auto& c : cases) {
    const double zp[2] = {c[0], 0.0}, zq[2] = {c[1], 0.0};
    const auto kl = ccnorm::ref::certified_kl(zp, zq, 2);
    M aq, ap, m, x;
    cb_log_norm(aq, c[1]);
    cb_log_norm(ap, c[0]);
    cb_mean(m, c[0]);
    M dq;
    mpfr_set_d(dq.v, c[1], MPFR_RNDN);
    mpfr_sub_d(dq.v, dq.v, c[0], MPFR_RNDN);  // dq - dp exactly (2000 bits)
    mpfr_mul(m.v, m.v, dq.v, MPFR_RNDN);
    mpfr_sub(x.v, aq.v, ap.v, MPFR_RNDN);
    mpfr_sub(x.v, x.v, m.v, MPFR_RNDN);
    const double v = mpfr_get_d(x.v, MPFR_RNDN);
    EXPECT_GT(v, 0);
    expect_close(kl.mid, x, 1e-22, v, "CB KL");
    EXPECT_LE(kl.rad, std::ldexp(v, -80));
  }
  const double zp[2] = {-500.0, 0.0}, zq[2] = {20.0, 0.0};
  EXPECT_NEAR(toD(ccnorm::ref::certified_kl(zp, zq, 2).mid), 22.1788758228, 1e-9);
  // identical and shifted inputs: exactly 0
  const std::vector<double> a = {0.5, -1.0, 3.0}, b = {2.5, 1.0, 5.0};
  EXPECT_EQ(toD(ccnorm::ref::certified_kl(a.data(), a.data(), 3).mid), 0.0);
  EXPECT_EQ(toD(ccnorm::ref::certified_kl(a.data(), b.data(), 3).mid), 0.0);
  // one ulp away: tiny but positive and certified relative to itself
  std::vector<double> q = a;
  q[1] = std::nextafter(q[1], 1.0);
  const auto t = ccnorm::ref::certified_kl(a.data(), q.data(), 3);
  EXPECT_GT(toD(t.mid), 0);
  EXPECT_LT(toD(t.mid), 1e-30);
  EXPECT_LE(t.rad, std::ldexp(toD(t.mid), -80));
}

TEST(ReferenceDistribution, MarginalSurvivalFunction) {
  for (double d : {0.4, -6.0, 90.0}) {
    const double z[2] = {d, 0.0};
    for (double s : {0.0, 0.1, 0.5, 0.97, 1.0}) {
      const auto p = ccnorm::ref::certified_marginal_sf(z, 2, 0, s);
      M x, a, b;
      // (e^d - e^{ds}) / (e^d - 1) = (1 - e^{-d(1-s)}) / (1 - e^{-d})
      mpfr_set_d(b.v, s, MPFR_RNDN);
      mpfr_ui_sub(b.v, 1, b.v, MPFR_RNDN);  // 1 - s exactly
      mpfr_mul_d(a.v, b.v, -d, MPFR_RNDN);
      mpfr_expm1(a.v, a.v, MPFR_RNDN);
      mpfr_set_d(b.v, -d, MPFR_RNDN);
      mpfr_expm1(b.v, b.v, MPFR_RNDN);
      mpfr_div(x.v, a.v, b.v, MPFR_RNDN);
      const double v = mpfr_get_d(x.v, MPFR_RNDN);
      expect_close(p.mid, x, 1e-20, std::max(v, 1e-300), "CB survival function");
    }
  }
  // K = 3 at tied logits: x_j ~ Beta(1, 2), P(x_j > t) = (1 - t)^2
  const double z3[3] = {1.0, 1.0, 1.0};
  EXPECT_NEAR(toD(ccnorm::ref::certified_marginal_sf(z3, 3, 1, 0.25).mid), 0.5625, 1e-25);
}

}  // namespace
