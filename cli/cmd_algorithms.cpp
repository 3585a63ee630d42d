// ccnorm algorithms: the algorithm registry (normalizer/registry.hpp, docs/design.md §2) as CSV
// on stdout (io/algorithms.hpp): name,rank,cost,baseline,f32,f64,mean,max_K_mean,summary. The
// plot scripts read their legend order from this table (`ccnorm report` writes it as
// DIR/algorithms.csv).
#include <cstdio>
#include <string>

#include "cli/command.hpp"
#include "io/algorithms.hpp"

namespace {

const char* kHelp =
    "usage: ccnorm algorithms\n"
    "\n"
    "Prints the algorithm registry as CSV, one line per algorithm in report order:\n"
    "  name,rank,cost,baseline,f32,f64,mean,max_K_mean,summary\n"
    "rank: 0-based report order (the order of every table and plot legend); cost: O(K^2), O(K N)\n"
    "or O(K N), GPU batch; baseline, f32, f64, mean: 0/1; max_K_mean: the largest K for which the\n"
    "mean is computed (0: no limit). `ccnorm report` writes the same table to DIR/algorithms.csv.\n";

int cmd_algorithms(int argc, char** argv) {
  if (ccnorm::cli::wants_help(argc, argv)) {
    std::fputs(kHelp, stdout);
    return 0;
  }
  if (argc > 1) {
    std::fprintf(stderr, "ccnorm algorithms: unexpected argument '%s' (see ccnorm algorithms --help)\n", argv[1]);
    return 2;
  }
  const std::string csv = ccnorm::io::algorithms_csv();
  std::fwrite(csv.data(), 1, csv.size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 1;
}

}  // namespace

CCNORM_COMMAND("algorithms", "print the algorithm registry as CSV (name, rank, cost, dtypes, mean, ...)", cmd_algorithms);
