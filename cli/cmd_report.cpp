// ccnorm report: the default configuration of sweep + regions + bench + plots, written as
// DIR/report.md, DIR/report.html, the PNGs and DIR/summary.json (docs/design.md §4 keys).
// The pipeline is the library reporting/ (report.hpp); this file parses the options and passes
// the resource locations (plots, interpreter, this executable, git revision).
#include <cstdio>
#include <string>

#include "cli/args.hpp"
#include "cli/command.hpp"
#include "cli/defaults.hpp"
#include "reporting/report.hpp"

namespace {

const char* kHelp =
    "usage: ccnorm report [--quick] [--out DIR] [--threads N] [--no-bench] [--resume]\n"
    "                     [--plots DIR] [--python PATH]\n"
    "\n"
    "Runs the suite's default configuration and writes DIR/report.md, DIR/report.html (self-\n"
    "contained), PNG figures and DIR/summary.json (keys: max_dimension, accuracy, throughput,\n"
    "environment, distribution_accuracy, sampling; docs/design.md §4.6). Stages (their raw\n"
    "outputs stay in DIR):\n"
    "  sweep    DIR/sweep.csv (+ sweep.worst.csv)      ccnorm sweep, all algorithms, f64+f32,\n"
    "           all families; default K 2,3,5,10,32,100,316,1000, sigma 0.01,1,10,100, 2 seeds;\n"
    "           --quick K 2,3,5,10,32,100,316, sigma 0.01,1,10, 2 seeds; with the distribution\n"
    "           columns (entropy, covariance, KL: naive compositions vs ccnorm) for K <= 316\n"
    "  regions  DIR/regions/                           ccnorm regions [--quick]\n"
    "  bench    DIR/bench/bench.json, bench_ratios.csv  ccnorm bench [--quick] --json (if built);\n"
    "           bench_gpu.csv: the GPU family where a device exists, else the reason (\"no GPU: ...\");\n"
    "           bench_sample.csv: the exact sampler vs the papers' rejection sampler\n"
    "  plots    DIR/*.png                              plots/*.py with /usr/bin/python3\n"
    "           (legend order: DIR/algorithms.csv, the registry as `ccnorm algorithms` prints it)\n"
    "Default: about 10-15 minutes on 2 cores; --quick: about 3 minutes.\n"
    "  --out DIR     default report\n"
    "  --no-bench    skip the throughput stage (tables from an earlier run in DIR/bench are\n"
    "                reused and marked so; otherwise reported as not available)\n"
    "  --resume      keep an existing DIR/sweep.csv and finish it, and reuse DIR/regions/ when it\n"
    "                was written complete with the same configuration (DIR/regions/stamp.txt)\n"
    "                (default: start afresh)\n"
    "  --plots DIR   the plot scripts (default: plots/ in ccnorm's data directory: $CCNORM_DATA_DIR,\n"
    "                else <prefix>/share/ccnorm next to an installed ccnorm, else build/share/ccnorm)\n"
    "  --python P    interpreter for the plots (default /usr/bin/python3)\n";

int cmd_report(int argc, char** argv) {
  using namespace ccnorm::cli;
  if (wants_help(argc, argv)) {
    std::fputs(kHelp, stdout);
    return 0;
  }
  ccnorm::report::ReportConfig c;
  c.plots_dir = default_plots_dir();
  c.plots_missing = plots_not_found();
  c.python = default_python();
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      if (a == "--quick") c.quick = true;
      else if (a == "--out") c.out = value_of(argc, argv, i);
      else if (a == "--threads") c.threads = threads_arg(value_of(argc, argv, i));
      else if (a == "--no-bench") c.no_bench = true;
      else if (a == "--resume") c.resume = true;
      else if (a == "--plots") c.plots_dir = value_of(argc, argv, i);
      else if (a == "--python") c.python = value_of(argc, argv, i);
      else throw std::invalid_argument("unknown option " + a);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ccnorm report: %s\n", e.what());
    return 2;
  }
  c.ccnorm_exe = self_exe();
  c.git_sha = source_git_sha();
  try {
    return ccnorm::report::run_report(c);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ccnorm report: %s\n", e.what());
    return 1;
  }
}

}  // namespace

CCNORM_COMMAND("report", "run sweep + regions + bench + plots; write report.md/.html and summary.json", cmd_report);
