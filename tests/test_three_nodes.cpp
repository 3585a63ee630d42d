// normalizer/three_nodes.hpp (auto's path for three nodes of spread >= 8) against the
// certified reference, never against normalizer/ code:
//   ref::certified           (the all-positive series in Arb) where the spread is <= 1000,
//   ref::certified_distinct  (the partial-fraction form in Arb) beyond (distinct nodes only).
// Rows (deterministic): spread d = 8 (the cut-off itself), 8.5, 10, 30, 100, 1000, 1e6, 1e12,
// 1e100, 1e300, and +-1.7e308 / +-1e308 (a spread beyond the double range); either gap at the
// switch points 1/2 and 1 of the functions inside, and e^-p subnormal in long double; the middle node at fraction f of the way up (f = 0 and 1: a tie with the bottom or
// the top node, for d <= 1000; f = 1e-12, 1e-3, 0.37, 0.5, 0.999, 1 - 2^-40), the three nodes in
// every order; offsets 0, +-1e4, and the offset that puts A at ~0 (where err_A is measured against
// u, not u |A|); and 200 random rows of sigma = 10 and 100 normals. f64 and f32 (nodes rounded to
// float, the reference taken there).
// Checked per row (tests/closed_form_rows.hpp, shared with tests/test_two_nodes.cpp): three_nodes
// accepts it, auto (row and batch) returns its bits, tied nodes get equal mu, mu increases with the
// logit and sums to 1, and the header's bounds hold against the certified reference:
//   err_A    <= 1 + 2^-11 (20 + 4 |A - max z| + |A|) / max(1, |A|)
//   err_logC <= 1 + 2^-11 (30 + 4 |A - max z|) / max(1, |log C|)
//   err_mu   <= 1 + 2^-4 (each component relative to mu_j, docs/design.md §3)
// (units of u of the dtype; 1 = the rounding of a correctly rounded result). The worst row of each
// is printed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "measures/mpfr.hpp"
#include "normalizer/normalizer.hpp"
#include "normalizer/three_nodes.hpp"
#include "reference/reference.hpp"
#include "tests/closed_form_rows.hpp"

namespace {

using ccnorm::Algo;

using closed_form_rows::Row;

std::vector<Row> rows() {
  std::vector<Row> r;
  char id[128];
  const int perm[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
  for (double d : {8.0, 8.5, 10.0, 30.0, 100.0, 1e3, 1e6, 1e12, 1e100, 1e300})
    for (double f : {0.0, 1e-12, 1e-3, 0.37, 0.5, 0.999, 1 - 0x1p-40, 1.0}) {
      if ((f == 0 || f == 1) && d > 1e3) continue;  // ties: the series reference only
      for (double off : {0.0, 1e4, -1e4, std::nan("")}) {
        std::vector<double> base{0, -(1 - f) * d, -d};  // a = 0 >= b >= c = -d
        double o = off;
        if (std::isnan(o)) {  // the offset that puts A near 0: A(z + o) = A(z) + o
          double A0 = 0;
          ccnorm::evaluate_row<double>(Algo::auto_precise, base.data(), 3, A0, nullptr, nullptr);
          o = -A0;
        }
        for (int p = 0; p < 6; ++p) {
          if (p > 0 && !std::isnan(off) && off != 0) continue;  // orders: at offsets 0 and A~0 only
          std::vector<double> z(3);
          for (int j = 0; j < 3; ++j) z[j] = base[perm[p][j]] + o;
          std::snprintf(id, sizeof id, "d=%g f=%.17g off=%.6g perm=%d", d, f, o, p);
          r.push_back({id, z});
        }
      }
    }
  // the switch points of E (x = 1/2) and of F, G (x = 1) in either gap; e^-p subnormal in long
  // double; spreads that overflow a double
  for (double d : {8.0, 30.0})
    for (double x : {0.5 - 0x1p-40, 0.5, 0.5 + 0x1p-40, 1 - 0x1p-40, 1.0, 1 + 0x1p-40}) {
      std::snprintf(id, sizeof id, "d=%g p=%.17g", d, x);
      r.push_back({id, {0, -x, -d}});
      std::snprintf(id, sizeof id, "d=%g q=%.17g", d, x);
      r.push_back({id, {0, -(d - x), -d}});
    }
  r.push_back({"p=11360 (e^-p subnormal)", {0, -11360, -11370}});
  r.push_back({"q=11360 (e^-q subnormal)", {0, -10, -11370}});
  for (int p = 0; p < 6; ++p) {
    const double a[3] = {1.7e308, 0, -1.7e308}, b[3] = {1e308, 0, -1e308};
    std::snprintf(id, sizeof id, "+-1.7e308 perm=%d", p);
    r.push_back({id, {a[perm[p][0]], a[perm[p][1]], a[perm[p][2]]}});
    std::snprintf(id, sizeof id, "+-1e308 perm=%d", p);
    r.push_back({id, {b[perm[p][0]], b[perm[p][1]], b[perm[p][2]]}});
  }
  closed_form_rows::add_normals(r, 3, ccnorm::kThreeNodesMinSpread, 2026);
  return r;
}

TEST(ThreeNodes, WithinItsBoundAgainstTheCertifiedReference) {
  closed_form_rows::check_both(rows(), {"three_nodes", 3, ccnorm::kThreeNodesMinSpread, 20, 30},
                               [](const auto* z, auto& o, auto* mu) { return ccnorm::three_nodes(z, o, mu); });
}

// Below the cut-off, and with the mean, auto keeps its other paths; three_nodes declines.
TEST(ThreeNodes, DeclinesBelowTheCutOff) {
  const double z1[3] = {0, 3, 8 - 0x1p-50};
  ccnorm::Out<double> o{};
  EXPECT_FALSE(ccnorm::three_nodes<double>(z1, o));
  const double z2[3] = {0, 3, 8};
  EXPECT_TRUE(ccnorm::three_nodes<double>(z2, o));
  // non-finite input is declined (auto_eval's trivial_row handles it before)
  const double inf = std::numeric_limits<double>::infinity(), nan = std::nan("");
  for (const auto& zb : {std::vector<double>{0, nan, -10}, {inf, 0, -3}, {0, 3, -inf}, {nan, nan, nan}}) {
    ccnorm::Out<double> ob{};
    EXPECT_FALSE(ccnorm::three_nodes<double>(zb.data(), ob)) << zb[0] << "," << zb[1] << "," << zb[2];
  }
}

}  // namespace
