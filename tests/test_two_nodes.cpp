// normalizer/two_nodes.hpp (auto's path for two nodes of spread >= 8) against the certified
// reference, never against normalizer/ code:
//   ref::certified           (the all-positive series in Arb) where the spread is <= 1000,
//   ref::certified_distinct  (the partial-fraction form in Arb) beyond.
// Rows (deterministic): spread d = 8 (the cut-off itself), 8 + 2^-40, 8.5, 10, 30, 100, 1000, 1e6,
// 1e12, 1e100, 1e300 and +-1.7e308 / +-1e308 (a spread beyond the double range), e^-d subnormal in
// long double (d = 11360), both orders; offsets 0, +-1e4, +-7e5 and the offset that puts A at ~0
// (where err_A is measured against u, not u |A|); 400 random rows of sigma = 10 and 100 normals.
// f64 and f32 (nodes rounded to float, the reference taken there).
// Checked per row (tests/closed_form_rows.hpp, shared with tests/test_three_nodes.cpp): two_nodes
// accepts it, auto (row and batch) returns its bits, mu increases with the logit and sums to 1,
// and the header's bounds hold against the certified reference (units of u of the dtype,
// docs/design.md §3):
//   err_A    <= 1 + 2^-11 (15 + 4 |A - max z| + |A|) / max(1, |A|)
//   err_logC <= 1 + 2^-11 (20 + 4 |A - max z|) / max(1, |log C|)
//   err_mu   <= 1 + 2^-4 (each component relative to mu_j)
// The worst row of each is printed.
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
#include "normalizer/two_nodes.hpp"
#include "reference/reference.hpp"
#include "tests/closed_form_rows.hpp"

namespace {

using ccnorm::Algo;

using closed_form_rows::Row;

std::vector<Row> rows() {
  std::vector<Row> r;
  char id[128];
  for (double d : {8.0, 8 + 0x1p-40, 8.5, 10.0, 30.0, 100.0, 1e3, 1e6, 1e12, 1e100, 1e300, 11360.0})
    for (double off : {0.0, 1e4, -1e4, 7e5, -7e5, std::nan("")}) {
      double o = off;
      if (std::isnan(o)) {  // the offset that puts A near 0: A(z + o) = A(z) + o
        const double base[2] = {0, -d};
        double A0 = 0;
        ccnorm::evaluate_row<double>(Algo::auto_precise, base, 2, A0, nullptr, nullptr);
        o = -A0;
      }
      for (int p = 0; p < 2; ++p) {
        std::snprintf(id, sizeof id, "d=%.17g off=%.6g order=%d", d, o, p);
        r.push_back({id, p == 0 ? std::vector<double>{o, o - d} : std::vector<double>{o - d, o}});
      }
    }
  for (int p = 0; p < 2; ++p) {
    const double a = p ? -1.7e308 : 1.7e308, b = p ? -1e308 : 1e308;
    std::snprintf(id, sizeof id, "+-1.7e308 order=%d", p);
    r.push_back({id, {a, -a}});
    std::snprintf(id, sizeof id, "+-1e308 order=%d", p);
    r.push_back({id, {b, -b}});
  }
  closed_form_rows::add_normals(r, 2, ccnorm::kTwoNodesMinSpread, 2027);
  return r;
}

TEST(TwoNodes, WithinItsBoundAgainstTheCertifiedReference) {
  closed_form_rows::check_both(rows(), {"two_nodes", 2, ccnorm::kTwoNodesMinSpread, 15, 20},
                               [](const auto* z, auto& o, auto* mu) { return ccnorm::two_nodes(z, o, mu); });
}

// Below the cut-off auto keeps the series; two_nodes declines, and non-finite input too.
TEST(TwoNodes, DeclinesBelowTheCutOff) {
  ccnorm::Out<double> o{};
  const double z1[2] = {0, 8 - 0x1p-50};
  EXPECT_FALSE(ccnorm::two_nodes<double>(z1, o));
  const double z2[2] = {8, 0};
  EXPECT_TRUE(ccnorm::two_nodes<double>(z2, o));
  const double inf = std::numeric_limits<double>::infinity(), nan = std::nan("");
  for (const auto& zb : {std::vector<double>{0, nan}, {inf, 0}, {0, -inf}, {nan, nan}}) {
    ccnorm::Out<double> ob{};
    EXPECT_FALSE(ccnorm::two_nodes<double>(zb.data(), ob)) << zb[0] << "," << zb[1];
  }
}

}  // namespace
