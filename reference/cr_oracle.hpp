// ccnorm reference: the last level of `auto-cr` (normalizer/auto_cr.hpp, docs/design.md §2.12) - the
// certified Arb reference (reference.hpp certified()) at increasing precision until each ball
// decides the rounding of its value to the requested type.
//
// A ball [mid - rad, mid + rad] decides RN_T iff both ends round to the same T (rounding is
// monotone); the ends are formed in MPFR with directed rounding at the midpoint's precision + 64
// bits, so the test itself is exact. A ball whose ends both round to zero (an exact 0, e.g.
// A(0, 1, 1) = log 1) gives +0 (the sign of a zero result is not specified). Starting precisions: the reference's own choice, then 256,
// 512, ... 8192 bits (a value within 2^-8000 of a midpoint is left undecided: false).
//
// install_cr_oracle() registers it with auto-cr (the CLI and the tests call it; a program that
// links ccnorm::reference may too). Header-only: it needs what reference.hpp needs.
#pragma once
#include <cstddef>
#include <limits>
#include <algorithm>
#include <exception>

#include <mpfr.h>

#include "normalizer/auto_cr.hpp"
#include "reference/reference.hpp"

namespace ccnorm::ref {

// Does the ball decide RN to float (f32) or double? out: the rounded value.
// rad_log2: rad <= 2^rad_log2 (Certified::X_rad_log2), used where it is tighter than the double rad.
inline bool ball_decides(const mpfloat& mid, double rad, long rad_log2, bool f32, double& out) {
  mpfr_srcptr m = mid.backend().data();
  const mpfr_prec_t p = mpfr_get_prec(m) + 64;
  mpfr_t lo, hi, r;
  mpfr_init2(lo, p);
  mpfr_init2(hi, p);
  mpfr_init2(r, 64);
  mpfr_set_d(r, rad, MPFR_RNDU);
  if (rad_log2 < -1074) {
    if (rad_log2 == std::numeric_limits<long>::min()) mpfr_set_zero(r, 1);  // an exact ball
    else mpfr_set_ui_2exp(r, 1, std::max(rad_log2, -(1L << 29)), MPFR_RNDU);
  }
  mpfr_sub(lo, m, r, MPFR_RNDD);
  mpfr_add(hi, m, r, MPFR_RNDU);
  mpfr_clear(r);
  bool ok;
  if (f32) {
    const float a = mpfr_get_flt(lo, MPFR_RNDN), b = mpfr_get_flt(hi, MPFR_RNDN);
    ok = a == b;
    out = a == 0 ? 0.0 : a;
  } else {
    const double a = mpfr_get_d(lo, MPFR_RNDN), b = mpfr_get_d(hi, MPFR_RNDN);
    ok = a == b;
    out = a == 0 ? 0.0 : a;
  }
  mpfr_clear(lo);
  mpfr_clear(hi);
  return ok;
}

inline bool cr_oracle(const double* z, std::size_t K, bool f32, double* A, double* logC, double* mu) {
  try {
    for (long prec = 0; prec <= 8192; prec = prec == 0 ? 256 : 2 * prec) {
      Options opt;
      opt.start_prec = prec;
      const Certified c = certified(z, K, mu != nullptr, opt);
      bool ok = ball_decides(c.A, c.A_rad, c.A_rad_log2, f32, *A) &&
                ball_decides(c.logC, c.logC_rad, c.logC_rad_log2, f32, *logC);
      if (mu)
        for (std::size_t j = 0; ok && j < K; ++j) ok = ball_decides(c.mu[j], c.mu_rad[j], c.mu_rad_log2[j], f32, mu[j]);
      if (ok) return true;
    }
  } catch (const std::exception&) {
  }
  return false;
}

inline void install_cr_oracle() { ccnorm::cr::set_oracle(&cr_oracle); }

}  // namespace ccnorm::ref
