// ccnorm reference: certified enclosures of A(z) = log exp[z_1..z_K], log C = LSE(z) - A(z) and the
// mean mu = grad A, in Arb ball arithmetic (Johansson, "Arb: efficient arbitrary-precision
// midpoint-radius interval arithmetic", IEEE Trans. Comput. 66, 2017).
//
// Method (DESIGN.md section 1): shift by m = min z, y = z - m >= 0 computed EXACTLY (arf_sub with
// ARF_PREC_EXACT), r = max y. Hermite-Genocchi gives
//     exp[y] = sum_{n>=0} h_n(y) / (n+K-1)!,          exp[z] = e^m exp[y],
// h_n = complete homogeneous symmetric polynomial, obtained column by column with
//     h_n(y_1..y_j) = h_n(y_1..y_{j-1}) + y_j h_{n-1}(y_1..y_j)      (one ball fma per entry).
// Every term is >= 0, so there is no cancellation: rounding only grows the relative radius by about
// (n + j) 2^-prec. The factorial 1/(n+K-1)! is applied once per degree, not per entry (the
// unnormalised h_n may be astronomically large; Arb exponents are unbounded).
// Tail bound (rigorous): with x uniform on the simplex, h_n(y)/(n+K-1)! = E[(y.x)^n]/(n! (K-1)!),
// and 0 <= y.x <= r, so T(n+1) <= T(n) r/(n+1). Once q = r/(n+1) < 1 the tail after T(n) is at
// most T(n) q/(1-q); it is added to the ball radius (arb_add_error_mag).
// Mean: mu_j = exp[y, y_j] / exp[y], exp[y, y_j] = sum_n g_j(n)/(n+K)!, g_j(n) = h_n(y) + y_j g_j(n-1)
// (also all positive; the K+1-node series obeys the same ratio bound r/(n+1)). All K components are
// carried in the same degree loop: cost O(K N) for the value and O(K N) for the mean,
// N ~ spread + O(sqrt(spread * prec)) + 20.
// A = m + log S, log C = log(sum_j e^{y_j} / S) (no cancellation between LSE and A).
// Exact ties need nothing special (no division by differences).
//
// Precision: starts at 128 + log2 K + log2(1 + spread) bits and doubles until every enclosure has
// radius <= 2^-80 max(1, |A|) (A, log C), <= 2^-80 mu_j (mu, relative, all positive) AND both ends of
// every ball round to the same double (or the ball is narrower than 2^-200 relative: the value sits
// on a rounding boundary, which no precision can decide).
//
// closed_form_mpfr: the papers' closed form, evaluated independently in MPFR with precision grown
// to absorb the measured cancellation sum|t_k| / |sum t_k|.
#include "reference/reference.hpp"

#include <arb.h>
#include <arf.h>
#include <flint/flint.h>
#include <gmp.h>
#include <mag.h>
#include <mpfr.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace ccnorm::ref {

namespace {

// ---- small RAII wrappers (no allocation in the inner loop: vectors are built once) ----
struct Arb {
  arb_t v;
  Arb() { arb_init(v); }
  ~Arb() { arb_clear(v); }
  Arb(const Arb&) = delete;
  Arb& operator=(const Arb&) = delete;
  operator arb_ptr() { return v; }
  operator arb_srcptr() const { return v; }
};
struct Arf {
  arf_t v;
  Arf() { arf_init(v); }
  ~Arf() { arf_clear(v); }
  Arf(const Arf&) = delete;
  Arf& operator=(const Arf&) = delete;
  operator arf_ptr() { return v; }
  operator arf_srcptr() const { return v; }
};
struct Mag {
  mag_t v;
  Mag() { mag_init(v); }
  ~Mag() { mag_clear(v); }
  Mag(const Mag&) = delete;
  Mag& operator=(const Mag&) = delete;
  operator mag_ptr() { return v; }
  operator mag_srcptr() const { return v; }
};
struct ArbVec {
  arb_ptr p = nullptr;
  slong n = 0;
  explicit ArbVec(slong len) : p(_arb_vec_init(len)), n(len) {}
  ~ArbVec() { _arb_vec_clear(p, n); }
  ArbVec(const ArbVec&) = delete;
  ArbVec& operator=(const ArbVec&) = delete;
  arb_ptr operator[](slong i) { return p + i; }
};
struct Mpfr {
  mpfr_t v;
  explicit Mpfr(mpfr_prec_t prec) { mpfr_init2(v, prec); }
  ~Mpfr() { mpfr_clear(v); }
  Mpfr(const Mpfr&) = delete;
  Mpfr& operator=(const Mpfr&) = delete;
};

// An upper bound of a mag as a double (correctly rounded up, including the subnormal range; the
// stock mag_get_d returns 2^-1000 for anything tinier).
double mag_to_double_up(const mag_t x) {
  if (mag_is_zero(x)) return 0.0;
  if (mag_is_inf(x)) return std::numeric_limits<double>::infinity();
  Arf a;
  arf_set_mag(a, x);
  if (arf_cmpabs_2exp_si(a, -1100) < 0) return std::numeric_limits<double>::denorm_min();
  if (arf_cmpabs_2exp_si(a, 1100) > 0) return std::numeric_limits<double>::infinity();
  Mpfr t(64);  // a mag has a 30-bit mantissa: exact in 64 bits
  arf_get_mpfr(t.v, a, MPFR_RNDU);
  return mpfr_get_d(t.v, MPFR_RNDU);
}

// Round an arf to the nearest double (ties-to-even, gradual underflow, overflow to inf).
double arf_to_double_nearest(const arf_t x) {
  if (arf_is_zero(x)) return 0.0;
  if (arf_cmpabs_2exp_si(x, -1100) < 0) return arf_sgn(x) > 0 ? 0.0 : -0.0;
  if (arf_cmpabs_2exp_si(x, 1100) > 0)
    return arf_sgn(x) > 0 ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
  slong bits = std::max<slong>(arf_bits(x), 2);
  Mpfr t(bits);
  arf_get_mpfr(t.v, x, MPFR_RNDN);  // exact
  return mpfr_get_d(t.v, MPFR_RNDN);
}

// Exact conversion of a ball midpoint to an mpfr_float carrying at least `prec` bits.
mpfloat arf_to_mpfloat(const arf_t x, slong prec) {
  mpfloat out;
  slong bits = std::max<slong>({arf_bits(x), prec, 2});
  mpfr_set_prec(out.backend().data(), bits);
  arf_get_mpfr(out.backend().data(), x, MPFR_RNDN);  // exact: bits >= arf_bits(x)
  return out;
}

enum class Goal { AbsBelowOne, Relative };

// Does the ball meet the accuracy goal and decide the rounding to double?
bool ball_ok(const arb_t x, Goal goal) {
  Mag lim, scale, rad;
  mag_set(rad, arb_radref(x));
  if (mag_is_zero(rad)) return true;
  arb_get_mag_lower(scale, x);  // lower bound of |x|
  Mag true_scale;
  mag_set(true_scale, scale);
  if (goal == Goal::AbsBelowOne) {
    Mag one;
    mag_one(one);
    if (mag_cmp(scale, one) < 0) mag_one(scale);
  }
  // accuracy goal: rad <= 2^-80 * scale
  mag_mul_2exp_si(lim, scale, -80);
  if (mag_cmp(rad, lim) > 0) return false;
  // rounding decided: both ends round to the same double
  Arf lo, hi;
  arb_get_lbound_arf(lo, x, ARF_PREC_EXACT);
  arb_get_ubound_arf(hi, x, ARF_PREC_EXACT);
  double dlo = arf_to_double_nearest(lo), dhi = arf_to_double_nearest(hi);
  if (dlo == dhi) return true;
  // the value sits on (or within 2^-200 of) a rounding boundary: accept a very tight ball,
  // relative to |x| itself (not to max(1,|x|): a tiny value such as A = 5e-301 must still be
  // decided, not accepted as 0 +- 1e-300)
  mag_mul_2exp_si(lim, true_scale, -200);
  return mag_cmp(rad, lim) <= 0;
}

struct Balls {
  Arb A, logC;
  std::vector<Arb> mu;
  long terms = 0;
  explicit Balls(std::size_t K) : mu(K) {}
};

// One evaluation at working precision `prec` (see the file comment).
void evaluate(const std::vector<Arf>& y, const arf_t m, const arf_t r, bool with_mu, slong prec, Balls& out) {
  const slong K = static_cast<slong>(y.size());
  ArbVec H(K);  // H[j] = h_n(y_1..y_{j+1}) at the current degree n
  for (slong j = 0; j < K; ++j) arb_one(H[j]);
  Arb S, c, cnext, t;  // S = sum h_n c_n, c = 1/(n+K-1)!, cnext = 1/(n+K)!
  arb_fac_ui(c, static_cast<ulong>(K - 1), prec);
  arb_inv(c, c, prec);
  arb_div_ui(cnext, c, static_cast<ulong>(K), prec);

  // mean accumulators
  std::vector<Arb> G(with_mu ? K : 0), M(with_mu ? K : 0);
  for (slong j = 0; with_mu && j < K; ++j) arb_one(G[j]);  // g_j(0) = 1

  Mag mr, q, one, den, factor, tmag, tail, slow, lim, tmp;
  arf_get_mag(mr, r);
  mag_one(one);
  slong jcheck = 0;  // first mean component not yet known to be converged

  for (slong n = 0;; ++n) {
    if (n > 0) {
      arb_mul_arf(H[0], H[0], y[0], prec);
      for (slong j = 1; j < K; ++j) arb_fma_arf(H[j], H[j], y[j], H[j - 1], prec);
    }
    arb_srcptr hK = H[K - 1];
    arb_addmul(S, hK, c, prec);
    if (with_mu) {
      for (slong j = 0; j < K; ++j) {
        if (n > 0) arb_fma_arf(G[j], G[j], y[j], hK, prec);
        arb_addmul(M[j], G[j], cnext, prec);
      }
    }
    // ---- rigorous stopping test: q = r/(n+1) < 1 and every tail <= 2^-(prec+4) of its sum ----
    mag_set_ui_lower(tmp, static_cast<ulong>(n + 1));
    mag_div(q, mr, tmp);
    bool stop = false;
    if (mag_cmp(q, one) < 0) {
      mag_sub_lower(den, one, q);  // may be 0 (then factor = inf: no stop yet)
      mag_div(factor, q, den);  // upper bound of q/(1-q)
      // value series: T(n) = h_K(n) c_n
      arb_get_mag(tmag, hK);
      arb_get_mag(tmp, c);
      mag_mul(tmag, tmag, tmp);
      mag_mul(tail, tmag, factor);
      arb_get_mag_lower(slow, S);
      mag_mul_2exp_si(lim, slow, -(prec + 4));
      stop = mag_cmp(tail, lim) <= 0;
      if (stop && with_mu) {
        arb_get_mag(tmp, cnext);
        for (; jcheck < K; ++jcheck) {
          arb_get_mag(tmag, G[jcheck]);
          mag_mul(tmag, tmag, tmp);
          mag_mul(tmag, tmag, factor);
          arb_get_mag_lower(slow, M[jcheck]);
          mag_mul_2exp_si(lim, slow, -(prec + 4));
          if (mag_cmp(tmag, lim) > 0) break;
        }
        stop = jcheck == K;
      }
      if (stop) {
        // add the tail bounds (the bound at the final n is valid for every series)
        arb_add_error_mag(S, tail);
        if (with_mu) {
          arb_get_mag(tmp, cnext);
          for (slong j = 0; j < K; ++j) {
            arb_get_mag(tmag, G[j]);
            mag_mul(tmag, tmag, tmp);
            mag_mul(tmag, tmag, factor);
            arb_add_error_mag(M[j], tmag);
          }
        }
        out.terms = n + 1;
        break;
      }
    }
    // next degree: c_{n+1} = c_n/(n+K), cnext_{n+1} = cnext_n/(n+K+1)
    arb_swap(c, cnext);
    arb_div_ui(cnext, c, static_cast<ulong>(n + 1 + K), prec);
  }

  // A = m + log S
  arb_log(out.A, S, prec);
  arb_add_arf(out.A, out.A, m, prec);
  // log C = log(sum_j e^{y_j} / S)
  Arb E, e;
  for (slong j = 0; j < K; ++j) {
    arb_set_arf(e, y[j]);
    arb_exp(e, e, prec);
    arb_add(E, E, e, prec);
  }
  arb_div(t, E, S, prec);
  arb_log(out.logC, t, prec);
  if (with_mu)
    for (slong j = 0; j < K; ++j) arb_div(out.mu[j], M[j], S, prec);
}

void check_input(const double* z, std::size_t K) {
  if (K == 0) throw std::invalid_argument("ccnorm::ref: K must be >= 1");
  if (z == nullptr) throw std::invalid_argument("ccnorm::ref: null input");
  for (std::size_t i = 0; i < K; ++i)
    if (!std::isfinite(z[i])) throw std::invalid_argument("ccnorm::ref: non-finite logit");
}

}  // namespace

Certified certified(const double* z, std::size_t K, bool with_mu) { return certified(z, K, with_mu, Options{}); }

Certified certified(const double* z, std::size_t K, bool with_mu, const Options& opt) {
  check_input(z, K);
  if (K > static_cast<std::size_t>(std::numeric_limits<slong>::max() / 4))
    throw std::invalid_argument("ccnorm::ref: K too large");
  double zmin = z[0], zmax = z[0];
  for (std::size_t i = 1; i < K; ++i) {
    zmin = std::min(zmin, z[i]);
    zmax = std::max(zmax, z[i]);
  }
  // exact shift
  Arf m, r;
  arf_set_d(m, zmin);
  std::vector<Arf> y(K);
  for (std::size_t i = 0; i < K; ++i) {
    arf_set_d(y[i], z[i]);
    arf_sub(y[i], y[i], m, ARF_PREC_EXACT, ARF_RND_DOWN);  // exact
    if (arf_cmp(y[i], r) > 0) arf_set(r, y[i]);
  }
  const double spread = arf_get_d(r, ARF_RND_UP);
  if (!(spread <= kMaxSpread))
    throw std::domain_error("ccnorm::ref: spread max(z) - min(z) = " + std::to_string(spread) +
                            " exceeds the series reference's limit " + std::to_string(kMaxSpread));

  slong prec = 128 + static_cast<slong>(std::ceil(std::log2(static_cast<double>(K) + 1.0))) +
               static_cast<slong>(std::ceil(std::log2(1.0 + spread)));
  if (opt.start_prec > 0) prec = std::max<slong>(opt.start_prec, 16);
  const slong max_prec = 1L << 16;
  Balls b(K);
  for (;; prec *= 2) {
    evaluate(y, m, r, with_mu, prec, b);
    bool ok = ball_ok(b.A, Goal::AbsBelowOne) && ball_ok(b.logC, Goal::AbsBelowOne);
    for (std::size_t j = 0; ok && with_mu && j < K; ++j) ok = ball_ok(b.mu[j], Goal::Relative);
    if (ok) break;
    if (prec * 2 > max_prec)
      throw std::runtime_error("ccnorm::ref: precision limit reached without deciding the result");
  }

  Certified c;
  c.prec_bits = prec;
  c.terms = b.terms;
  c.A = arf_to_mpfloat(arb_midref(b.A.v), prec);
  c.logC = arf_to_mpfloat(arb_midref(b.logC.v), prec);
  c.A_rad = mag_to_double_up(arb_radref(b.A.v));
  c.logC_rad = mag_to_double_up(arb_radref(b.logC.v));
  if (with_mu) {
    c.mu.reserve(K);
    c.mu_rad.reserve(K);
    for (std::size_t j = 0; j < K; ++j) {
      c.mu.push_back(arf_to_mpfloat(arb_midref(b.mu[j].v), prec));
      c.mu_rad.push_back(mag_to_double_up(arb_radref(b.mu[j].v)));
    }
  }
  return c;
}

bool closed_form_mpfr(const double* z, std::size_t K, int digits, mpfloat& A) {
  check_input(z, K);
  if (digits < 1) digits = 1;
  for (std::size_t k = 0; k < K; ++k)
    for (std::size_t i = k + 1; i < K; ++i)
      if (z[i] == z[k]) return false;  // exact tie: 0/0
  const double zmax = *std::max_element(z, z + K);
  const long base = static_cast<long>(std::ceil(digits * 3.33)) + 64 +
                    static_cast<long>(std::ceil(std::log2(static_cast<double>(K) + 1.0)));
  long prec = base;
  for (int iter = 0; iter < 32; ++iter) {
    Mpfr sum(prec), abs_sum(prec), term(prec), d(prec), zk(prec);
    mpfr_set_zero(sum.v, 1);
    mpfr_set_zero(abs_sum.v, 1);
    for (std::size_t k = 0; k < K; ++k) {
      mpfr_set_d(zk.v, z[k], MPFR_RNDN);
      mpfr_sub_d(term.v, zk.v, zmax, MPFR_RNDN);
      mpfr_exp(term.v, term.v, MPFR_RNDN);  // e^{z_k - max z}
      for (std::size_t i = 0; i < K; ++i) {
        if (i == k) continue;
        mpfr_sub_d(d.v, zk.v, z[i], MPFR_RNDN);
        mpfr_div(term.v, term.v, d.v, MPFR_RNDN);
      }
      mpfr_add(sum.v, sum.v, term.v, MPFR_RNDN);
      mpfr_abs(term.v, term.v, MPFR_RNDN);
      mpfr_add(abs_sum.v, abs_sum.v, term.v, MPFR_RNDN);
    }
    long need;
    if (mpfr_sgn(sum.v) <= 0) {
      need = 2 * prec;  // everything cancelled: the true sum is positive
    } else {
      mpfr_div(d.v, abs_sum.v, sum.v, MPFR_RNDU);
      long cancel_bits = std::max<long>(0, mpfr_get_exp(d.v));
      need = base + cancel_bits;
    }
    if (need <= prec) {
      mpfr_log(sum.v, sum.v, MPFR_RNDN);
      mpfr_add_d(sum.v, sum.v, zmax, MPFR_RNDN);
      mpfr_set_prec(A.backend().data(), prec);
      mpfr_set(A.backend().data(), sum.v, MPFR_RNDN);
      return true;
    }
    prec = need + 16;
    if (prec > (1L << 22)) return false;
  }
  return false;
}

bool closed_form_mean_mpfr(const double* z, std::size_t K, int digits, std::vector<mpfloat>& mu) {
  check_input(z, K);
  if (digits < 1) digits = 1;
  for (std::size_t k = 0; k < K; ++k)
    for (std::size_t i = k + 1; i < K; ++i)
      if (z[i] == z[k]) return false;
  mu.assign(K, mpfloat());
  if (K == 1) {
    mpfr_set_prec(mu[0].backend().data(), 64);
    mpfr_set_ui(mu[0].backend().data(), 1, MPFR_RNDN);
    return true;
  }
  const double zmax = *std::max_element(z, z + K);
  const long base = static_cast<long>(std::ceil(digits * 3.33)) + 64 +
                    static_cast<long>(std::ceil(std::log2(static_cast<double>(K) + 1.0)));
  long prec = base;
  for (int iter = 0; iter < 32; ++iter) {
    std::vector<std::unique_ptr<Mpfr>> t;
    t.reserve(K);
    for (std::size_t k = 0; k < K; ++k) t.push_back(std::make_unique<Mpfr>(prec));
    Mpfr S(prec), Sabs(prec), d(prec), D(prec), Dabs(prec), u(prec), w(prec);
    mpfr_set_zero(S.v, 1);
    mpfr_set_zero(Sabs.v, 1);
    for (std::size_t k = 0; k < K; ++k) {
      mpfr_set_d(d.v, z[k], MPFR_RNDN);
      mpfr_sub_d(d.v, d.v, zmax, MPFR_RNDN);
      mpfr_exp(t[k]->v, d.v, MPFR_RNDN);
      for (std::size_t i = 0; i < K; ++i) {
        if (i == k) continue;
        mpfr_set_d(d.v, z[k], MPFR_RNDN);
        mpfr_sub_d(d.v, d.v, z[i], MPFR_RNDN);
        mpfr_div(t[k]->v, t[k]->v, d.v, MPFR_RNDN);
      }
      mpfr_add(S.v, S.v, t[k]->v, MPFR_RNDN);
      mpfr_abs(u.v, t[k]->v, MPFR_RNDN);
      mpfr_add(Sabs.v, Sabs.v, u.v, MPFR_RNDN);
    }
    long worst = 0;
    bool bad = mpfr_sgn(S.v) <= 0;
    if (!bad) {
      mpfr_div(u.v, Sabs.v, S.v, MPFR_RNDU);
      worst = std::max<long>(worst, mpfr_get_exp(u.v));
    }
    for (std::size_t j = 0; j < K && !bad; ++j) {
      mpfr_set_zero(D.v, 1);
      mpfr_set_zero(Dabs.v, 1);
      // confluent term: t_j (1 - sum_{i!=j} 1/(z_j - z_i))
      mpfr_set_ui(w.v, 1, MPFR_RNDN);
      mpfr_set_ui(Dabs.v, 1, MPFR_RNDN);  // temporarily: 1 + sum |1/(z_j - z_i)|
      for (std::size_t i = 0; i < K; ++i) {
        if (i == j) continue;
        mpfr_set_d(d.v, z[j], MPFR_RNDN);
        mpfr_sub_d(d.v, d.v, z[i], MPFR_RNDN);
        mpfr_ui_div(u.v, 1, d.v, MPFR_RNDN);
        mpfr_sub(w.v, w.v, u.v, MPFR_RNDN);
        mpfr_abs(u.v, u.v, MPFR_RNDN);
        mpfr_add(Dabs.v, Dabs.v, u.v, MPFR_RNDN);
      }
      mpfr_mul(D.v, t[j]->v, w.v, MPFR_RNDN);
      mpfr_abs(u.v, t[j]->v, MPFR_RNDN);
      mpfr_mul(Dabs.v, Dabs.v, u.v, MPFR_RNDN);
      for (std::size_t k = 0; k < K; ++k) {
        if (k == j) continue;
        mpfr_set_d(d.v, z[k], MPFR_RNDN);
        mpfr_sub_d(d.v, d.v, z[j], MPFR_RNDN);
        mpfr_div(u.v, t[k]->v, d.v, MPFR_RNDN);
        mpfr_add(D.v, D.v, u.v, MPFR_RNDN);
        mpfr_abs(u.v, u.v, MPFR_RNDN);
        mpfr_add(Dabs.v, Dabs.v, u.v, MPFR_RNDN);
      }
      if (mpfr_sgn(D.v) <= 0) {
        bad = true;
        break;
      }
      mpfr_div(u.v, Dabs.v, D.v, MPFR_RNDU);
      worst = std::max<long>(worst, mpfr_get_exp(u.v));
      mpfloat& out = mu[j];
      mpfr_set_prec(out.backend().data(), prec);
      mpfr_div(out.backend().data(), D.v, S.v, MPFR_RNDN);
    }
    const long need = bad ? 2 * prec : base + worst;
    if (need <= prec) return true;
    prec = need + 16;
    if (prec > (1L << 22)) return false;
  }
  return false;
}

std::string library_versions() {
  return std::string("Arb ") + arb_version + ", FLINT " + flint_version + ", MPFR " + mpfr_get_version() + ", GMP " +
         gmp_version;
}

}  // namespace ccnorm::ref
