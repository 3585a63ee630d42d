// ccnorm io: the algorithm registry (normalizer/registry.hpp, docs/design.md §2) as a CSV table,
// written by `ccnorm algorithms` (stdout) and `ccnorm report` (DIR/algorithms.csv). The plot
// scripts read the legend order from it (plots/common.py), so no other list of names exists.
//
//   name,rank,cost,baseline,f32,f64,mean,max_K_mean,summary
//   rank: 0-based position in report order; cost: cost_class_name ("O(K^2)", ...); baseline, f32,
//   f64, mean: 0/1; max_K_mean: 0 = no limit; fields quoted where needed (io/csv.hpp csv_field).
#pragma once
#include <string>

namespace ccnorm::io {

inline constexpr const char* kAlgorithmsHeader = "name,rank,cost,baseline,f32,f64,mean,max_K_mean,summary";

// The whole table, header line first, one line per registered algorithm, '\n'-terminated.
std::string algorithms_csv();
// Writes algorithms_csv() to path; throws std::runtime_error naming the file if it cannot.
void write_algorithms_csv(const std::string& path);

}  // namespace ccnorm::io
