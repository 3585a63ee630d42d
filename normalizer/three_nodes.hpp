// ccnorm: `three_nodes` - A, log C and mu of a row of K = 3 logits whose spread is at least
// kThreeNodesMinSpread = 8, by Newton's divided-difference recurrence in x87 extended precision
// (auto's path for such rows; docs/design.md §2.14).
//
// Formula. Sort the nodes a >= b >= c, p = a - b, q = b - c, d = p + q = a - c, and let
// E(x) = (1 - e^-x) / x (E(0) = 1). Newton's recurrence pairs the two outer nodes:
//     exp[a,b,c] = (exp[a,b] - exp[b,c]) / (a - c),   exp[a,b] = e^a E(p),   exp[b,c] = e^b E(q),
// so that with everything scaled by e^-a
//     A     = a + log(N / d),                 N = E(p) - e^-p E(q),
//     log C = log(1 + e^-p + e^-d) - log(N / d)          (both terms >= 0: no cancellation).
// E(x) is -expm1(-x) / x for x < 1/2 and (1 - e^-x) / x above (where 1 - e^-x >= 0.39), and
// e^-x is expm1(-x) + 1 below 1/2 and exp(-x) above, so that no quantity loses its relative
// accuracy however large the gaps are (e^-5e6 underflows to 0 harmlessly: N -> E(p)).
// Mean: the gradient of A = a + log N(p, q) - log d, with E' = -F and E - F = G,
//     F(x) = (1 - e^-x (1 + x)) / x^2,  G(x) = (x - 1 + e^-x) / x^2   (F(0) = G(0) = 1/2;
//                                                    24-term series below x = 1),
//     mu_a = 1 - 1/d + (e^-p E(q) - F(p)) / N,  mu_b = (F(p) - e^-p G(q)) / N,
//     mu_c = 1/d - e^-p F(q) / N.
//
// Stable regime. Both terms of N are positive and their ratio R = e^-p E(q) / E(p) is largest as
// p -> 0, where it is E(d) = (1 - e^-d) / d; so for d >= 8, R <= 1/8 and N's condition number
// (1 + R) / (1 - R) <= 9/7; mu_a >= 1/3 (the top node; its sum has condition <= 4.2), and the two
// differences in mu_b and mu_c have condition numbers <= 1.6 and <= 1.4 over d >= 8 (largest as
// p -> 0; measured on a grid of p in (0, d), d = 8 ... 1e5). (For d < 8 the gap ratio degrades like 4/d as d -> 0, where the series
// is the right method anyway; auto sends only d >= 8 here.) There is no upper limit on the spread:
// every finite row of three nodes is in the regime (the differences are taken in long double,
// whose exponent range holds a - c for any finite doubles).
//
// Error. With u_L = 2^-64 = 2^-11 u (u = 2^-53) and assuming each of the platform's expl,
// expm1l, logl and log1pl within 4 ulp of long double (an assumption about libm, not proved
// here; glibc's tables for x86-64 list less): e^-x and E(x) carry <= 9 u_L, G <= 8 u_L and F
// <= 14 u_L (the closed forms from x = 1 on have condition <= 6.6), N (condition <= 9/7)
// <= 14 u_L, log(N / d) an absolute error <= 15 u_L + 4 u_L |log(N/d)|, and the node differences
// <= u_L relative each (A moves by at most mu_b dp + mu_c dd <= 2 u_L of it). Hence
//     |A - A_exact| <= 1/2 ulp(A) + 2^-11 u (20 + 4 |log(N/d)| + |A|),
// i.e. <= 1/2 ulp(A) + 0.05 u max(1, |A|) for every row of spread <= 10^4 (|log(N/d)| <=
// 2 log d + 1), log C within 1/2 ulp + 2^-11 u (30 + 4 |log(N/d)|), and each mu_j within
// 1/2 ulp + 2^-4 u mu_j (<= 100 u_L before the rounding; observed <= 14 u_L). Observed against the certified reference:
// tests/test_three_nodes.cpp (and the hard corpus through test_accuracy).
//
// Cost: a sort of three, two expm1l or expl, logl and log1pl (and for the mean three short series
// or quotients): ~0.2 us on this project's reference machine against ~0.6 us for the series at
// spread 30 and ~0.75 us for separated.hpp at spread 300 (`ccnorm bench --peers`, docs/design.md
// §2.14).
//
// References: A. McCurdy, K. C. Ng, B. N. Parlett, Accurate computation of divided differences of
// the exponential function, Math. Comp. 43 (1984) (Newton's recurrence is accurate across large
// gaps); C. de Boor, Divided differences, Surveys in Approximation Theory 1 (2005).
#pragma once
#include <cmath>
#include <cstddef>
#include <limits>
#include <type_traits>

#include "normalizer/common.hpp"

namespace ccnorm {

// Rows of three nodes with max - min >= this (as a double difference) take three_nodes.
inline constexpr double kThreeNodesMinSpread = 8;

namespace three_nodes_detail {
using L = long double;
// e^-x and E(x) = (1 - e^-x) / x for x >= 0.
inline void exp_and_e(L x, L& ex, L& E) {
  if (x < L(0.5)) {
    const L em = expm1l(-x);
    ex = em + 1;
    E = x > 0 ? -em / x : L(1);
  } else {
    ex = expl(-x);
    E = (1 - ex) / x;
  }
}
// Taylor coefficients (k = 0..23) of F(x) = (1 - e^-x (1 + x)) / x^2 = sum (-1)^k (k+1)/(k+2)! x^k
// and G(x) = (x - 1 + e^-x) / x^2 = sum (-1)^k x^k / (k+2)!; 24 terms reach 2^-74 for x < 1.
inline constexpr int kTerms = 24;
struct Coefficients {
  L f[kTerms], g[kTerms];
  constexpr Coefficients() : f{}, g{} {
    L fact = 2;  // (k+2)! (exact in long double up to 20!, then within 2^-64)
    for (int k = 0; k < kTerms; ++k) {
      const L sign = (k % 2) ? -1 : 1;
      f[k] = sign * (k + 1) / fact;
      g[k] = sign / fact;
      fact *= (k + 3);
    }
  }
};
inline constexpr Coefficients kCoef{};
inline L horner(const L* c, L x) {
  L s = c[kTerms - 1];
  for (int k = kTerms - 2; k >= 0; --k) s = s * x + c[k];
  return s;
}
// F(x) and G(x) for x >= 0 (ex = e^-x): the series below 1, the closed form above (where
// 1 - e^-x (1 + x) >= 0.26 of terms <= 1.74, x - 1 + e^-x >= 0.37 of <= 2.37: condition <= 6.6).
inline L f_of(L x, L ex) { return x < L(1) ? horner(kCoef.f, x) : (1 - ex * (1 + x)) / (x * x); }
inline L g_of(L x, L ex) { return x < L(1) ? horner(kCoef.g, x) : (x - 1 + ex) / (x * x); }
}  // namespace three_nodes_detail

// A and log C (and, when mu is not null, mu_j = dA/dz_j) of three logits z[0..2] (T = float or
// double) when all are finite and max - min >= kThreeNodesMinSpread; false (o and mu untouched)
// otherwise, and where long double is not the x87 format (64-bit significand: elsewhere it is a
// software binary128 or a double-double, and the series is the better path).
template <class T>
bool three_nodes(const T* z, Out<T>& o, T* mu = nullptr) {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>, "three_nodes: float or double");
  using three_nodes_detail::L;
  if constexpr (std::numeric_limits<L>::digits != 64) {
    return false;
  } else {
    if (!(std::isfinite(z[0]) && std::isfinite(z[1]) && std::isfinite(z[2]))) return false;
    int ia = 0, ib = 1, ic = 2;  // indices of a >= b >= c (ties keep the input order)
    if (z[ia] < z[ib]) std::swap(ia, ib);
    if (z[ib] < z[ic]) std::swap(ib, ic);
    if (z[ia] < z[ib]) std::swap(ia, ib);
    const double a = z[ia], b = z[ib], c = z[ic];
    if (!(a - c >= kThreeNodesMinSpread)) return false;
    const L p = static_cast<L>(a) - static_cast<L>(b), q = static_cast<L>(b) - static_cast<L>(c);
    const L d = static_cast<L>(a) - static_cast<L>(c);
    L ep, Ep, eq, Eq;
    three_nodes_detail::exp_and_e(p, ep, Ep);
    three_nodes_detail::exp_and_e(q, eq, Eq);
    const L N = Ep - ep * Eq;
    const L lnd = logl(N / d);
    o.A = static_cast<T>(static_cast<L>(a) + lnd);
    o.logC = static_cast<T>(log1pl(ep + ep * eq) - lnd);
    o.status = RowStatus::ok;
    if (mu) {
      // mu = gradient of a + log N(p, q) - log d, with dE/dx = -F, F - E = -G:
      //   mu_a = 1 - 1/d + (e^-p E(q) - F(p)) / N     (>= 1/3: the top node)
      //   mu_b = (F(p) - e^-p G(q)) / N               (condition <= 1.6 for d >= 8)
      //   mu_c = 1/d - e^-p F(q) / N                  (condition <= 1.4 for d >= 8)
      // a tie keeps equal outputs: p = 0 gives mu_b = mu_a, q = 0 gives mu_b = mu_c.
      const L Fp = three_nodes_detail::f_of(p, ep), Fq = three_nodes_detail::f_of(q, eq);
      const L Gq = three_nodes_detail::g_of(q, eq);
      const L ma = 1 - 1 / d + (ep * Eq - Fp) / N;
      const L mc = 1 / d - ep * Fq / N;
      const L mb = p == 0 ? ma : q == 0 ? mc : (Fp - ep * Gq) / N;
      mu[ia] = static_cast<T>(ma);
      mu[ib] = static_cast<T>(mb);
      mu[ic] = static_cast<T>(mc);
    }
    return true;
  }
}

}  // namespace ccnorm
