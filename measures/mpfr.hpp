// ccnorm measures: MPFR reference types (Boost.Multiprecision over MPFR) for measures.hpp.
//
// mp200 is the project's fixed 201-bit reference type (mpfr_float_backend<60>: 60 decimal
// digits; fixed precision, so no global precision state: thread-safe). Certified references
// (reference/reference.hpp, variable-precision mpfr_float midpoints) and decimal strings from the
// frozen corpus or golden files are held in it, and the difference with an output is formed at
// >= 201 bits (docs/design.md §3: the reference is never rounded to the output type first).
#pragma once
#include <string>
#include <string_view>
#include <stdexcept>

#include <boost/multiprecision/mpfr.hpp>

#include "measures/measures.hpp"

namespace ccnorm::measures {

using mp200 = boost::multiprecision::number<boost::multiprecision::mpfr_float_backend<60>,
                                            boost::multiprecision::et_off>;

// Every Boost.Multiprecision number over an MPFR backend (mp200, ref::mpfloat).
template <class B, boost::multiprecision::expression_template_option E>
struct ref_traits<boost::multiprecision::number<B, E>,
                  std::void_t<decltype(std::declval<const B&>().data())>> {
  using N = boost::multiprecision::number<B, E>;
  static double abs_diff(double v, const N& x) {
    // |v - x| at max(201, prec(x)) bits, rounded up once to double.
    mpfr_t d;
    mpfr_init2(d, std::max<long>(201, static_cast<long>(mpfr_get_prec(x.backend().data()))) + 64);
    mpfr_d_sub(d, v, x.backend().data(), MPFR_RNDN);
    mpfr_abs(d, d, MPFR_RNDN);
    const double r = mpfr_get_d(d, MPFR_RNDU);
    mpfr_clear(d);
    return r;
  }
  static double magnitude(const N& x) { return std::fabs(mpfr_get_d(x.backend().data(), MPFR_RNDN)); }
  static bool is_zero(const N& x) { return mpfr_zero_p(x.backend().data()) != 0; }
  static long exponent(const N& x) { return mpfr_get_exp(x.backend().data()); }
};

// err_value for a value that is itself held at >= 201 bits (a peer's decimal output): the
// difference and the scale are formed in mp200.
inline double err_value(const mp200& v, const mp200& x, double u) {
  mp200 scale = abs(x);
  if (scale < 1) scale = 1;
  return static_cast<double>(abs(v - x) / (scale * u));
}

// A Boost.Multiprecision MPFR number of any precision copied (correctly rounded) into mp200.
template <class N>
mp200 to_mp200(const N& x) {
  mp200 y;
  mpfr_set(y.backend().data(), x.backend().data(), MPFR_RNDN);
  return y;
}

// A decimal (or any mpfr_set_str base-10 number) at 201 bits; throws std::invalid_argument for
// anything that is not a finite number (surrounding blanks and a trailing CR are ignored).
inline mp200 parse_decimal(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  if (s.empty()) throw std::invalid_argument("empty reference value");
  mp200 x;
  const std::string str(s);
  if (mpfr_set_str(x.backend().data(), str.c_str(), 10, MPFR_RNDN) != 0)
    throw std::invalid_argument("bad reference value: " + str);
  if (!boost::multiprecision::isfinite(x)) throw std::invalid_argument("non-finite reference value: " + str);
  return x;
}

// hi + lo double pair (golden files) as an exact 201-bit number.
inline mp200 hi_lo(double hi, double lo) {
  mp200 r(hi);
  r += mp200(lo);  // exact: |lo| <= ulp(hi)/2 and 201 bits hold both
  return r;
}

// Sum of the components in 201-bit arithmetic (K 2^-200 relative at most): "sum mu = 1" checks
// measure the algorithm's components, not the rounding of a float summation loop.
template <class T>
mp200 exact_sum(const T* m, std::size_t K) {
  mp200 s = 0;
  for (std::size_t j = 0; j < K; ++j) s += mp200(static_cast<double>(m[j]));
  return s;
}

}  // namespace ccnorm::measures
