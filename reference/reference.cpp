// ccnorm reference: certified enclosures of A(z) = log exp[z_1..z_K], log C = LSE(z) - A(z) and the
// mean mu = grad A, in Arb ball arithmetic (Johansson, "Arb: efficient arbitrary-precision
// midpoint-radius interval arithmetic", IEEE Trans. Comput. 66, 2017).
//
// Method (docs/design.md §1): shift by m = min z, y = z - m >= 0 computed EXACTLY (arf_sub with
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
#include <arb_poly.h>
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

// e with x <= 2^e (LONG_MIN for 0): the radius below the double range.
long mag_log2_up(const mag_t x) {
  if (mag_is_zero(x)) return std::numeric_limits<long>::min();
  if (mag_is_inf(x)) return std::numeric_limits<long>::max();
  Arf a;
  arf_set_mag(a, x);
  return static_cast<long>(arf_abs_bound_lt_2exp_si(a));
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

// What a series run must produce beyond S (see series()).
struct Want {
  bool mu = false;                 // G_j: the K+1-node series (mean)
  bool diag = false;               // D_i: E[x_i^2] numerators (all i)
  std::vector<slong> cols;         // P_{i,c}: E[x_i x_c] numerators for these columns c (all i)
};

struct SeriesOut {
  Arb S;                    // exp[y] = sum_n h_n(y) / (n+K-1)!
  std::vector<Arb> M;       // exp[y, y_j] = sum_n g_j(n) / (n+K)!                (want.mu)
  std::vector<Arb> D;       // exp[y, y_i, y_i] = sum_n g_ii(n) / (n+K+1)!         (want.diag)
  std::vector<Arb> P;       // exp[y, y_i, y_c] for c = cols[k]: P[k K + i]       (want.cols)
  long terms = 0;
};

// The all-positive series of exp[y] and of the divided differences with one or two nodes
// repeated (docs/design.md §1): with g_j(n) = h_n(y u {y_j}) = h_n(y) + y_j g_j(n-1) and
// g_ij(n) = h_n(y u {y_j, y_i}) = g_j(n) + y_i g_ij(n-1), every term is >= 0. The K+1- and
// K+2-node series obey the same ratio bound T(n+1) <= T(n) r/(n+1) (their nodes lie in [0, r]),
// so the tail of each is bounded as the value's and added to its radius.
void series(const std::vector<Arf>& y, const arf_t r, const Want& want, slong prec, SeriesOut& out) {
  const slong K = static_cast<slong>(y.size());
  const slong nc = static_cast<slong>(want.cols.size());
  const bool need_g = want.mu || want.diag || nc > 0;
  ArbVec H(K);  // H[j] = h_n(y_1..y_{j+1}) at the current degree n
  for (slong j = 0; j < K; ++j) arb_one(H[j]);
  Arb c, cnext, c2, t;  // c = 1/(n+K-1)!, cnext = 1/(n+K)!, c2 = 1/(n+K+1)!
  arb_zero(out.S);
  arb_fac_ui(c, static_cast<ulong>(K - 1), prec);
  arb_inv(c, c, prec);
  arb_div_ui(cnext, c, static_cast<ulong>(K), prec);
  arb_div_ui(c2, cnext, static_cast<ulong>(K + 1), prec);

  std::vector<Arb> G(need_g ? K : 0), GD(want.diag ? K : 0), GP(static_cast<std::size_t>(nc * K));
  out.M = std::vector<Arb>(want.mu ? K : 0);
  out.D = std::vector<Arb>(want.diag ? K : 0);
  out.P = std::vector<Arb>(static_cast<std::size_t>(nc * K));
  for (auto& g : G) arb_one(g);  // g_j(0) = 1
  for (auto& g : GD) arb_one(g);
  for (auto& g : GP) arb_one(g);

  Mag mr, q, one, den, factor, tmag, tail, slow, lim, tmp;
  arf_get_mag(mr, r);
  mag_one(one);
  // does every series of `v` (sum acc) have its tail (term * factor * scale) below lim?
  auto tails_ok = [&](std::vector<Arb>& terms, std::vector<Arb>& sums, const arb_t scale) {
    arb_get_mag(tmp, scale);
    for (std::size_t i = 0; i < terms.size(); ++i) {
      arb_get_mag(tmag, terms[i]);
      mag_mul(tmag, tmag, tmp);
      mag_mul(tmag, tmag, factor);
      arb_get_mag_lower(slow, sums[i]);
      mag_mul_2exp_si(lim, slow, -(prec + 4));
      if (mag_cmp(tmag, lim) > 0) return false;
    }
    return true;
  };
  auto add_tails = [&](std::vector<Arb>& terms, std::vector<Arb>& sums, const arb_t scale) {
    arb_get_mag(tmp, scale);
    for (std::size_t i = 0; i < terms.size(); ++i) {
      arb_get_mag(tmag, terms[i]);
      mag_mul(tmag, tmag, tmp);
      mag_mul(tmag, tmag, factor);
      arb_add_error_mag(sums[i], tmag);
    }
  };

  for (slong n = 0;; ++n) {
    if (n > 0) {
      arb_mul_arf(H[0], H[0], y[0], prec);
      for (slong j = 1; j < K; ++j) arb_fma_arf(H[j], H[j], y[j], H[j - 1], prec);
    }
    arb_srcptr hK = H[K - 1];
    arb_addmul(out.S, hK, c, prec);
    if (need_g) {
      for (slong j = 0; j < K; ++j) {
        if (n > 0) arb_fma_arf(G[j], G[j], y[j], hK, prec);
        if (want.mu) arb_addmul(out.M[j], G[j], cnext, prec);
      }
      for (slong i = 0; i < static_cast<slong>(GD.size()); ++i) {
        if (n > 0) arb_fma_arf(GD[i], GD[i], y[i], G[i], prec);
        arb_addmul(out.D[i], GD[i], c2, prec);
      }
      for (slong k = 0; k < nc; ++k) {
        arb_srcptr gc = G[want.cols[k]];
        for (slong i = 0; i < K; ++i) {
          Arb& g = GP[k * K + i];
          if (n > 0) arb_fma_arf(g, g, y[i], gc, prec);
          arb_addmul(out.P[k * K + i], g, c2, prec);
        }
      }
    }
    // ---- rigorous stopping test: q = r/(n+1) < 1 and every tail <= 2^-(prec+4) of its sum ----
    mag_set_ui_lower(tmp, static_cast<ulong>(n + 1));
    mag_div(q, mr, tmp);
    if (mag_cmp(q, one) < 0) {
      mag_sub_lower(den, one, q);  // may be 0 (then factor = inf: no stop yet)
      mag_div(factor, q, den);     // upper bound of q/(1-q)
      arb_get_mag(tmag, hK);
      arb_get_mag(tmp, c);
      mag_mul(tmag, tmag, tmp);
      mag_mul(tail, tmag, factor);
      arb_get_mag_lower(slow, out.S);
      mag_mul_2exp_si(lim, slow, -(prec + 4));
      bool stop = mag_cmp(tail, lim) <= 0;
      stop = stop && (!want.mu || tails_ok(G, out.M, cnext));
      stop = stop && tails_ok(GD, out.D, c2) && tails_ok(GP, out.P, c2);
      if (stop) {
        // add the tail bounds (the bound at the final n is valid for every series)
        arb_add_error_mag(out.S, tail);
        if (want.mu) add_tails(G, out.M, cnext);
        add_tails(GD, out.D, c2);
        add_tails(GP, out.P, c2);
        out.terms = n + 1;
        break;
      }
    }
    // next degree: each factorial weight moves one step
    arb_swap(c, cnext);
    arb_swap(cnext, c2);
    arb_div_ui(c2, cnext, static_cast<ulong>(n + 2 + K), prec);
  }
}

// One evaluation of A, log C and mu at working precision `prec` (see the file comment).
void evaluate(const std::vector<Arf>& y, const arf_t m, const arf_t r, bool with_mu, slong prec, Balls& out) {
  const slong K = static_cast<slong>(y.size());
  Want want;
  want.mu = with_mu;
  SeriesOut so;
  series(y, r, want, prec, so);
  out.terms = so.terms;
  Arb t;
  // A = m + log S
  arb_log(out.A, so.S, prec);
  arb_add_arf(out.A, out.A, m, prec);
  // log C = log(sum_j e^{y_j} / S)
  Arb E, e;
  for (slong j = 0; j < K; ++j) {
    arb_set_arf(e, y[j]);
    arb_exp(e, e, prec);
    arb_add(E, E, e, prec);
  }
  arb_div(t, E, so.S, prec);
  arb_log(out.logC, t, prec);
  if (with_mu)
    for (slong j = 0; j < K; ++j) arb_div(out.mu[j], so.M[j], so.S, prec);
}

void check_input(const double* z, std::size_t K) {
  if (K == 0) throw std::invalid_argument("ccnorm::ref: K must be >= 1");
  if (z == nullptr) throw std::invalid_argument("ccnorm::ref: null input");
  for (std::size_t i = 0; i < K; ++i)
    if (!std::isfinite(z[i])) throw std::invalid_argument("ccnorm::ref: non-finite logit");
}


// The exact shift y = z - min z (arf, exact) of finite doubles; r = max y, m = min z.
struct Shifted {
  Arf m, r;
  std::vector<Arf> y;
  double spread = 0;
};
void shift_exact(const double* z, std::size_t K, Shifted& s) {
  check_input(z, K);
  if (K > static_cast<std::size_t>(std::numeric_limits<slong>::max() / 4))
    throw std::invalid_argument("ccnorm::ref: K too large");
  double zmin = z[0];
  for (std::size_t i = 1; i < K; ++i) zmin = std::min(zmin, z[i]);
  arf_set_d(s.m, zmin);
  s.y = std::vector<Arf>(K);
  arf_zero(s.r);
  for (std::size_t i = 0; i < K; ++i) {
    arf_set_d(s.y[i], z[i]);
    arf_sub(s.y[i], s.y[i], s.m, ARF_PREC_EXACT, ARF_RND_DOWN);  // exact
    if (arf_cmp(s.y[i], s.r) > 0) arf_set(s.r, s.y[i]);
  }
  s.spread = arf_get_d(s.r, ARF_RND_UP);
  if (!(s.spread <= kMaxSpread))
    throw std::domain_error("ccnorm::ref: spread max(z) - min(z) = " + std::to_string(s.spread) +
                            " exceeds the series reference's limit " + std::to_string(kMaxSpread));
}
slong start_precision(std::size_t K, double spread) {
  return 128 + static_cast<slong>(std::ceil(std::log2(static_cast<double>(K) + 1.0))) +
         static_cast<slong>(std::ceil(std::log2(1.0 + spread)));
}
constexpr slong kMaxPrec = 1L << 16;

// rad(x) <= 2^-80 * scale, scale a (lower-bound) magnitude.
bool rad_below(const arb_t x, const mag_t scale) {
  Mag lim;
  mag_mul_2exp_si(lim, scale, -80);
  return mag_cmp(arb_radref(x), lim) <= 0;
}

CertifiedValue to_value(const arb_t x, slong prec) {
  CertifiedValue v;
  v.mid = arf_to_mpfloat(arb_midref(x), prec);
  v.rad = mag_to_double_up(arb_radref(x));
  v.prec_bits = prec;
  return v;
}

// The decided balls as a Certified: midpoints at the working precision, radii rounded up (to
// doubles, and as powers of two that go below the double range). One packaging for every
// reference path (the series, certified_grouped, certified_distinct).
Certified to_certified(const Balls& b, std::size_t K, bool with_mu, slong prec) {
  Certified c;
  c.prec_bits = prec;
  c.terms = b.terms;
  c.A = arf_to_mpfloat(arb_midref(b.A.v), prec);
  c.logC = arf_to_mpfloat(arb_midref(b.logC.v), prec);
  c.A_rad = mag_to_double_up(arb_radref(b.A.v));
  c.logC_rad = mag_to_double_up(arb_radref(b.logC.v));
  c.A_rad_log2 = mag_log2_up(arb_radref(b.A.v));
  c.logC_rad_log2 = mag_log2_up(arb_radref(b.logC.v));
  if (with_mu) {
    c.mu.reserve(K);
    c.mu_rad.reserve(K);
    for (std::size_t j = 0; j < K; ++j) {
      c.mu.push_back(arf_to_mpfloat(arb_midref(b.mu[j].v), prec));
      c.mu_rad.push_back(mag_to_double_up(arb_radref(b.mu[j].v)));
      c.mu_rad_log2.push_back(mag_log2_up(arb_radref(b.mu[j].v)));
    }
  }
  return c;
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

  return to_certified(b, K, with_mu, prec);
}


// ---- the rest of the distribution (docs/design.md §1) ----

CertifiedCov certified_covariance(const double* z, std::size_t K, const std::vector<std::size_t>& cols_in) {
  Shifted s;
  shift_exact(z, K, s);
  std::vector<std::size_t> cols = cols_in;
  if (cols.empty())
    for (std::size_t j = 0; j < K; ++j) cols.push_back(j);
  for (std::size_t c : cols)
    if (c >= K) throw std::invalid_argument("ccnorm::ref: covariance column out of range");
  Want want;
  want.mu = true;
  want.diag = true;
  for (std::size_t c : cols) want.cols.push_back(static_cast<slong>(c));
  const slong k = static_cast<slong>(K), nc = static_cast<slong>(cols.size());
  CertifiedCov out;
  out.K = K;
  out.cols = cols;
  for (slong prec = start_precision(K, s.spread);; prec *= 2) {
    SeriesOut so;
    series(s.y, s.r, want, prec, so);
    std::vector<Arb> mu(K), var(K), cov(static_cast<std::size_t>(nc * k));
    Arb t;
    for (slong j = 0; j < k; ++j) arb_div(mu[j], so.M[j], so.S, prec);
    // Var_i = 2 exp[y, y_i, y_i] / exp[y] - mu_i^2
    for (slong i = 0; i < k; ++i) {
      arb_div(var[i], so.D[i], so.S, prec);
      arb_mul_2exp_si(var[i], var[i], 1);
      arb_submul(var[i], mu[i], mu[i], prec);
    }
    bool ok = true;
    for (slong i = 0; i < k && ok; ++i) {
      Mag lo;
      arb_get_mag_lower(lo, var[i]);
      ok = rad_below(var[i], lo);
    }
    for (slong c = 0; c < nc; ++c) {
      const slong j = want.cols[c];
      for (slong i = 0; i < k; ++i) {
        Arb& x = cov[c * k + i];
        if (i == j) {
          arb_set(x, var[i]);
          continue;
        }
        arb_div(x, so.P[c * k + i], so.S, prec);
        arb_submul(x, mu[i], mu[j], prec);
        if (!ok) continue;
        // natural scale sqrt(Cov_ii Cov_jj) (lower bounds)
        Mag a, b, sc;
        arb_get_mag_lower(a, var[i]);
        arb_get_mag_lower(b, var[j]);
        mag_mul_lower(sc, a, b);
        mag_sqrt_lower(sc, sc);
        ok = rad_below(x, sc);
      }
    }
    if (ok) {
      out.prec_bits = prec;
      out.terms = so.terms;
      out.cov.clear();
      out.cov_rad.clear();
      for (auto& x : cov) {
        out.cov.push_back(arf_to_mpfloat(arb_midref(x.v), prec));
        out.cov_rad.push_back(mag_to_double_up(arb_radref(x.v)));
      }
      out.var.clear();
      out.var_rad.clear();
      for (auto& x : var) {
        out.var.push_back(arf_to_mpfloat(arb_midref(x.v), prec));
        out.var_rad.push_back(mag_to_double_up(arb_radref(x.v)));
      }
      return out;
    }
    if (prec * 2 > kMaxPrec) throw std::runtime_error("ccnorm::ref: precision limit reached (covariance)");
  }
}

CertifiedValue certified_entropy(const double* z, std::size_t K) {
  Shifted s;
  shift_exact(z, K, s);
  Want want;
  want.mu = true;
  for (slong prec = start_precision(K, s.spread);; prec *= 2) {
    SeriesOut so;
    series(s.y, s.r, want, prec, so);
    // H = A - z.mu = log exp[y] - y.mu  (A - m = log exp[y] and sum mu = 1)
    Arb H, t;
    arb_log(H, so.S, prec);
    for (std::size_t j = 0; j < K; ++j) {
      arb_div(t, so.M[j], so.S, prec);
      arb_mul_arf(t, t, s.y[j], prec);
      arb_sub(H, H, t, prec);
    }
    Mag sc, one;
    arb_get_mag_lower(sc, H);
    mag_one(one);
    if (mag_cmp(sc, one) < 0) mag_one(sc);
    if (rad_below(H, sc)) return to_value(H, prec);
    if (prec * 2 > kMaxPrec) throw std::runtime_error("ccnorm::ref: precision limit reached (entropy)");
  }
}

CertifiedValue certified_kl(const double* zp, const double* zq, std::size_t K) {
  Shifted sp, sq;
  shift_exact(zp, K, sp);
  shift_exact(zq, K, sq);
  // delta = zq - zp exactly; KL = 0 exactly iff delta is a multiple of (1, ..., 1)
  std::vector<Arf> delta(K);
  bool constant = true;
  for (std::size_t j = 0; j < K; ++j) {
    Arf a;
    arf_set_d(a, zq[j]);
    arf_set_d(delta[j], zp[j]);
    arf_sub(delta[j], a, delta[j], ARF_PREC_EXACT, ARF_RND_DOWN);
    constant = constant && arf_equal(delta[j], delta[0]);
  }
  if (constant) {
    CertifiedValue v;
    mpfr_set_prec(v.mid.backend().data(), 64);
    mpfr_set_zero(v.mid.backend().data(), 1);
    return v;
  }
  Want want;
  want.mu = true;
  Want value_only;
  for (slong prec = start_precision(K, std::max(sp.spread, sq.spread));; prec *= 2) {
    SeriesOut op, oq;
    series(sp.y, sp.r, want, prec, op);
    series(sq.y, sq.r, value_only, prec, oq);
    // KL = A(zq) - A(zp) - delta.mu_p, A = m + log exp[y]
    Arb kl, t;
    arb_log(kl, oq.S, prec);
    arb_add_arf(kl, kl, sq.m, prec);
    arb_log(t, op.S, prec);
    arb_add_arf(t, t, sp.m, prec);
    arb_sub(kl, kl, t, prec);
    for (std::size_t j = 0; j < K; ++j) {
      arb_div(t, op.M[j], op.S, prec);
      arb_mul_arf(t, t, delta[j], prec);
      arb_sub(kl, kl, t, prec);
    }
    Mag sc;
    arb_get_mag_lower(sc, kl);  // KL > 0: relative goal
    if (!mag_is_zero(sc) && rad_below(kl, sc)) return to_value(kl, prec);
    if (prec * 2 > kMaxPrec) throw std::runtime_error("ccnorm::ref: precision limit reached (KL)");
  }
}

CertifiedValue certified_marginal_sf(const double* z, std::size_t K, std::size_t j, double t) {
  Shifted s;
  shift_exact(z, K, s);
  if (j >= K) throw std::invalid_argument("ccnorm::ref: component out of range");
  if (!(t >= 0 && t <= 1)) throw std::invalid_argument("ccnorm::ref: t must lie in [0, 1]");
  CertifiedValue one_or_zero;
  if (K == 1 || t == 0 || t == 1) {  // P(x_j > 0) = 1 (K >= 2) and P(x_j > 1) = 0; K = 1: x_1 = 1
    mpfr_set_prec(one_or_zero.mid.backend().data(), 64);
    mpfr_set_ui(one_or_zero.mid.backend().data(), (K == 1 ? t < 1 : t == 0) ? 1 : 0, MPFR_RNDN);
    return one_or_zero;
  }
  // P(x_j > t) = (1-t)^(K-1) e^(t z_j) exp[(1-t) z] / exp[z]
  //            = (1-t)^(K-1) e^(t y_j) exp[(1-t) y] / exp[y]   (shift by min z: e^{t m} e^{(1-t) m} = e^m)
  Arf omt, yt;
  arf_one(omt);
  Arf tt;
  arf_set_d(tt, t);
  arf_sub(omt, omt, tt, ARF_PREC_EXACT, ARF_RND_DOWN);  // 1 - t, exact
  std::vector<Arf> ys(K);
  for (std::size_t i = 0; i < K; ++i) arf_mul(ys[i], s.y[i], omt, ARF_PREC_EXACT, ARF_RND_DOWN);  // exact
  Arf rs;
  arf_mul(rs, s.r, omt, ARF_PREC_EXACT, ARF_RND_DOWN);
  Want none;
  for (slong prec = start_precision(K, s.spread);; prec *= 2) {
    SeriesOut a, b;
    series(s.y, s.r, none, prec, a);
    series(ys, rs, none, prec, b);
    Arb p, x;
    arb_div(p, b.S, a.S, prec);
    arb_set_arf(x, omt);
    arb_pow_ui(x, x, static_cast<ulong>(K - 1), prec);
    arb_mul(p, p, x, prec);
    arb_set_arf(x, s.y[j]);
    arb_mul_arf(x, x, tt, prec);
    arb_exp(x, x, prec);
    arb_mul(p, p, x, prec);
    Mag sc;
    arb_get_mag_lower(sc, p);
    if (!mag_is_zero(sc) && rad_below(p, sc)) return to_value(p, prec);
    if (mag_is_zero(sc)) {  // an underflowing probability: absolute 2^-1100 is enough for any test
      Mag lim;
      mag_set_ui_2exp_si(lim, 1, -1100);
      if (mag_cmp(arb_radref(p.v), lim) <= 0) return to_value(p, prec);
    }
    if (prec * 2 > kMaxPrec) throw std::runtime_error("ccnorm::ref: precision limit reached (marginal)");
  }
}

namespace {
// Confluent partial fractions (ties): distinct values v_g (multiplicity m_g), y = v - M exactly;
//   exp[y] = sum_g e^{v_g} [s^{m_g - 1}] exp(s - sum_{h != g} m_h log(1 + s/d_gh)) prod_h d_gh^-m_h,
// d_gh = v_g - v_h; mu of a node of group g = exp[y, v_g] / exp[y] (m_g + 1). Cost O(D^2 m) per
// divided difference, O(D^3 m) with the mean (D distinct values): small rows only.
void grouped_dd(const std::vector<Arf>& v, const std::vector<slong>& mult, slong extra, slong prec, arb_t out) {
  const slong D = static_cast<slong>(v.size());
  Arf lim30;
  arf_set_si_2exp_si(lim30, -1, 30);
  arb_zero(out);
  Arb term, d, c, ex;
  arb_poly_t Q, G;
  arb_poly_init(Q);
  arb_poly_init(G);
  for (slong g = 0; g < D; ++g) {
    const slong n = mult[g] + (g == extra ? 1 : 0);
    arb_poly_zero(Q);
    if (n >= 2) arb_poly_set_coeff_si(Q, 1, 1);
    if (arf_cmp(v[g], lim30) < 0) {
      arb_zero(ex);
      arb_add_error_2exp_si(ex, -(1L << 30));
    } else {
      arb_set_arf(ex, v[g]);
      arb_exp(ex, ex, prec);
    }
    arb_set(term, ex);
    for (slong h = 0; h < D; ++h) {
      if (h == g) continue;
      const slong mh = mult[h] + (h == extra ? 1 : 0);
      arb_set_arf(d, v[g]);
      arb_sub_arf(d, d, v[h], prec);
      Arb p;
      arb_pow_ui(p, d, static_cast<ulong>(mh), prec);
      arb_div(term, term, p, prec);
      // -mh log(1 + s/d) = sum_k -mh (-1)^(k+1) s^k / (k d^k)
      Arb inv, pw;
      arb_inv(inv, d, prec);
      arb_set(pw, inv);
      for (slong k = 1; k < n; ++k) {
        Arb cur;
        arb_poly_get_coeff_arb(cur, Q, k);
        arb_mul_si(c, pw, mh, prec);
        arb_div_si(c, c, k, prec);
        if (k % 2 == 1) arb_sub(cur, cur, c, prec);
        else arb_add(cur, cur, c, prec);
        arb_poly_set_coeff_arb(Q, k, cur);
        arb_mul(pw, pw, inv, prec);
      }
    }
    arb_poly_exp_series(G, Q, n, prec);
    Arb cf;
    arb_poly_get_coeff_arb(cf, G, n - 1);
    arb_mul(term, term, cf, prec);
    arb_add(out, out, term, prec);
  }
  arb_poly_clear(Q);
  arb_poly_clear(G);
}
}  // namespace

Certified certified_grouped(const double* z, std::size_t K, bool with_mu) {
  check_input(z, K);
  std::vector<double> sorted(z, z + K);
  std::sort(sorted.begin(), sorted.end());
  std::vector<double> vals;
  std::vector<slong> mult;
  for (double x : sorted)
    if (vals.empty() || vals.back() != x) {
      vals.push_back(x);
      mult.push_back(1);
    } else {
      ++mult.back();
    }
  Arf M;
  arf_set_d(M, vals.back());
  std::vector<Arf> v(vals.size());
  for (std::size_t g = 0; g < vals.size(); ++g) {
    arf_set_d(v[g], vals[g]);
    arf_sub(v[g], v[g], M, ARF_PREC_EXACT, ARF_RND_DOWN);
  }
  const slong D = static_cast<slong>(vals.size());
  for (slong prec = 128 + static_cast<slong>(std::ceil(std::log2(static_cast<double>(K) + 1.0)));; prec *= 2) {
    Balls b(K);
    Arb S, E, e, t;
    grouped_dd(v, mult, -1, prec, S);
    for (slong g = 0; g < D; ++g) {
      arb_set_arf(e, v[g]);
      if (arf_cmp_si(v[g], -(1L << 30)) < 0) {
        arb_zero(e);
        arb_add_error_2exp_si(e, -(1L << 30));
      } else {
        arb_exp(e, e, prec);
      }
      arb_mul_si(e, e, mult[g], prec);
      arb_add(E, E, e, prec);
    }
    arb_log(b.A, S, prec);
    arb_add_arf(b.A, b.A, M, prec);
    arb_div(t, E, S, prec);
    arb_log(b.logC, t, prec);
    bool ok = arb_is_positive(S) && ball_ok(b.A, Goal::AbsBelowOne) && ball_ok(b.logC, Goal::AbsBelowOne);
    if (ok && with_mu) {
      std::vector<Arb> mg(static_cast<std::size_t>(D));
      for (slong g = 0; g < D && ok; ++g) {
        grouped_dd(v, mult, g, prec, t);
        arb_div(mg[g], t, S, prec);
        ok = ball_ok(mg[g], Goal::Relative);
      }
      for (std::size_t j = 0; ok && j < K; ++j) {
        const slong g = static_cast<slong>(std::lower_bound(vals.begin(), vals.end(), z[j]) - vals.begin());
        arb_set(b.mu[j], mg[g]);
      }
    }
    if (ok) {
      return to_certified(b, K, with_mu, prec);
    }
    if (prec * 2 > kMaxPrec) throw std::runtime_error("ccnorm::ref: precision limit reached (grouped)");
  }
}

Certified certified_distinct(const double* z, std::size_t K, bool with_mu) {
  check_input(z, K);
  std::vector<double> sorted(z, z + K);
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t i = 1; i < K; ++i)
    if (sorted[i] == sorted[i - 1]) return certified_grouped(z, K, with_mu);
  const double zmax = sorted.back();
  Arf M;
  arf_set_d(M, zmax);
  std::vector<Arf> y(K);
  for (std::size_t i = 0; i < K; ++i) {
    arf_set_d(y[i], z[i]);
    arf_sub(y[i], y[i], M, ARF_PREC_EXACT, ARF_RND_DOWN);  // exact
  }
  const slong k = static_cast<slong>(K);
  Arf lim30;
  arf_set_si_2exp_si(lim30, -1, 30);
  for (slong prec = 128 + static_cast<slong>(std::ceil(std::log2(static_cast<double>(K) + 1.0)));; prec *= 2) {
    ArbVec t(k), ex(k);
    Arb S, E, d, acc, one;
    arb_one(one);
    for (slong i = 0; i < k; ++i) {
      if (arf_cmp(y[i], lim30) < 0) {
        arb_zero(ex[i]);
        arb_add_error_2exp_si(ex[i], -(1L << 30));
      } else {
        arb_set_arf(ex[i], y[i]);
        arb_exp(ex[i], ex[i], prec);
      }
      arb_set(t[i], ex[i]);
      for (slong l = 0; l < k; ++l) {
        if (l == i) continue;
        arb_set_arf(d, y[i]);
        arb_sub_arf(d, d, y[l], prec);
        arb_div(t[i], t[i], d, prec);
      }
      arb_add(S, S, t[i], prec);
      arb_add(E, E, ex[i], prec);
    }
    Balls b(K);
    arb_log(b.A, S, prec);
    arb_add_arf(b.A, b.A, M, prec);
    arb_div(d, E, S, prec);
    arb_log(b.logC, d, prec);
    bool ok = arb_is_positive(S) && ball_ok(b.A, Goal::AbsBelowOne) && ball_ok(b.logC, Goal::AbsBelowOne);
    if (ok && with_mu) {
      for (slong j = 0; j < k && ok; ++j) {
        arb_zero(acc);
        Arb sinv;
        for (slong i = 0; i < k; ++i) {
          if (i == j) continue;
          arb_set_arf(d, y[i]);
          arb_sub_arf(d, d, y[j], prec);  // y_i - y_j
          Arb q;
          arb_div(q, t[i], d, prec);
          arb_add(acc, acc, q, prec);
          arb_inv(q, d, prec);
          arb_sub(sinv, sinv, q, prec);  // sum 1/(y_j - y_i)
        }
        Arb f;
        arb_sub(f, one, sinv, prec);
        arb_addmul(acc, t[j], f, prec);
        arb_div(b.mu[j], acc, S, prec);
        ok = ball_ok(b.mu[j], Goal::Relative);
      }
    }
    if (ok) {
      return to_certified(b, K, with_mu, prec);
    }
    if (prec * 2 > kMaxPrec) throw std::runtime_error("ccnorm::ref: precision limit reached (distinct)");
  }
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
