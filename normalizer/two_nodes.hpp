// ccnorm: `two_nodes` - A, log C and mu of a row of K = 2 logits whose spread is at least
// kTwoNodesMinSpread = 8, in closed form in x87 extended precision (auto's path for such rows;
// docs/design.md §2.14).
//
// Formula. With a >= b, d = a - b and E(x) = (1 - e^-x) / x, F(x) = (1 - e^-x (1 + x)) / x^2,
// G(x) = (x - 1 + e^-x) / x^2 (E = F + G; three_nodes.hpp computes all three without cancellation:
// -expm1(-x) / x below 1/2, 24-term series for F and G below 1, the closed forms above)
//     exp[a, b] = (e^a - e^b) / d = e^a E(d),
//     A     = a + log E(d),
//     log C = LSE(a, b) - A = log1p(e^-d) - log E(d)        (both terms >= 0: no cancellation),
//     mu_a  = dA/da = G(d) / E(d),   mu_b = F(d) / E(d)     (a tie d = 0 gives 1/2 each).
//
// Stable regime: every finite pair. E, F, G are positive with relative errors of a few units of
// long double (the closed forms from x = 1 on have condition <= 6.6), log E(d) in [-log d, 0], and
// the quotients need no subtraction; e^-d underflows to 0 harmlessly (d = 5e6: E = 1/d). auto
// sends only d >= 8 here: below, the series is as accurate (a few dozen terms) and runs in the SIMD
// batch driver, where a row of two nodes costs less than these four long double calls.
//
// Error. With u_L = 2^-64 = 2^-11 u and the platform's expl, expm1l, logl, log1pl within 4 ulp of
// long double (an assumption about libm, as in three_nodes.hpp): E, F, G within ~14 u_L, log E(d)
// within 4 u_L |log E| + 15 u_L absolute, so
//     |A - A_exact| <= 1/2 ulp(A) + 2^-11 u (15 + 4 log d + |A|),
// log C within 1/2 ulp + 2^-11 u (20 + 4 log d), and mu_j within 1/2 ulp + 2^-11 u 30 mu_j.
// Observed against the certified reference: tests/test_three_nodes.cpp (rows of two nodes) and
// the hard corpus through test_accuracy.
//
// Cost: expl or expm1l, logl, log1pl (and two short series or quotients for the mean): ~0.1 us,
// against ~0.5 us for the double series at spread 100 (a K = 2 series needs ~spread terms).
//
// References: A. McCurdy, K. C. Ng, B. N. Parlett, Accurate computation of divided differences of
// the exponential function, Math. Comp. 43 (1984); C. de Boor, Divided differences, Surveys in
// Approximation Theory 1 (2005).
#pragma once
#include <cmath>
#include <limits>
#include <type_traits>

#include "normalizer/common.hpp"
#include "normalizer/three_nodes.hpp"

namespace ccnorm {

// Rows of two nodes with |z_1 - z_0| >= this (as a double difference) take two_nodes.
inline constexpr double kTwoNodesMinSpread = 8;

// A and log C (and, when mu is not null, mu_j = dA/dz_j) of two logits z[0..1] (T = float or
// double) when both are finite and |z_1 - z_0| >= kTwoNodesMinSpread; false (o and mu untouched)
// otherwise, and where long double is not the x87 format.
template <class T>
bool two_nodes(const T* z, Out<T>& o, T* mu = nullptr) {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>, "two_nodes: float or double");
  using three_nodes_detail::L;
  if constexpr (std::numeric_limits<L>::digits != 64) {
    return false;
  } else {
    if (!(std::isfinite(z[0]) && std::isfinite(z[1]))) return false;
    const int ia = z[0] < z[1] ? 1 : 0, ib = 1 - ia;
    const double a = z[ia], b = z[ib];
    if (!(a - b >= kTwoNodesMinSpread)) return false;
    const L d = static_cast<L>(a) - static_cast<L>(b);  // exact: the exponent range of long double
    L ed, Ed;
    three_nodes_detail::exp_and_e(d, ed, Ed);
    const L lE = logl(Ed);
    o.A = static_cast<T>(static_cast<L>(a) + lE);
    o.logC = static_cast<T>(log1pl(ed) - lE);
    o.status = RowStatus::ok;
    if (mu) {
      mu[ia] = static_cast<T>(three_nodes_detail::g_of(d, ed) / Ed);
      mu[ib] = static_cast<T>(three_nodes_detail::f_of(d, ed) / Ed);
    }
    return true;
  }
}

}  // namespace ccnorm
