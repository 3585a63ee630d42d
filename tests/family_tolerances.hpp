// Shared by the accuracy tests that hold per-family maxima to a tolerance file (test_wide_spread,
// test_saddle): the file format of tests/data/*_tolerances.csv with columns family, dtype,
// max_err_A, max_err_logC, max_err_mu (units of u of the output type, docs/design.md §3), and the
// running maximum with the id of its worst row.
#pragma once
#include <map>
#include <string>

#include "io/csv.hpp"

namespace ccnorm_test {

struct FamilyTol {
  double A, logC, mu;
};

// key "family/dtype"; empty when the file cannot be read (the caller asserts it is not).
inline std::map<std::string, FamilyTol> load_family_tolerances(const std::string& path) {
  std::map<std::string, FamilyTol> t;
  for (auto& r : ccnorm::io::read_table_if_exists(path))
    t[r["family"] + "/" + r["dtype"]] = {std::stod(r["max_err_A"]), std::stod(r["max_err_logC"]), std::stod(r["max_err_mu"])};
  return t;
}

// The largest value seen and the id of its row (a NaN counts as the largest).
struct Worst {
  double v = 0;
  std::string id;
  void see(double x, const std::string& i) {
    if (!(x <= v)) {
      v = x;
      id = i;
    }
  }
};

}  // namespace ccnorm_test
