// ccnorm regions: stability regions of every algorithm and dtype: the max computable dimension
// vs sigma (docs/design.md §3 protocol) and err_A heat maps. The protocol is the library
// bench/regions.hpp; this file parses the options.
#include <cstdio>
#include <string>

#include "bench/regions.hpp"
#include "cli/args.hpp"
#include "cli/command.hpp"

namespace {

const char* kHelp =
    "usage: ccnorm regions [--quick] [--out DIR] [--sigmas s,..] [--seeds N] [--kmax K]\n"
    "                      [--exhaustive E] [--heat-seeds H] [--gaps g,..] [--algos A,..]\n"
    "                      [--dtypes f64,f32] [--threads N] [--no-heat]\n"
    "\n"
    "(i) max computable dimension vs sigma (docs/design.md §3 protocol: z = (eta, 0), relative\n"
    "error of log C below 1 %, every K' <= K, median over seeds), K searched up to Kmax: every K\n"
    "up to E, then the doubling grid 2E, 4E, .., Kmax with bisection at the first failure (beyond E\n"
    "the every-K' clause is sampled). (ii) err_A over (K, sigma) and over (K, cluster gap).\n"
    "\n"
    "  default: sigmas 0.01,0.0316,0.1,0.316,1,3.16,10,31.6,100,1000; seeds 10; kmax 10000;\n"
    "           exhaustive 64; heat-seeds 1; gaps 0.01,0.1,1,10,100,1000; all algorithms; f64,f32\n"
    "  --quick  sigmas 0.01,0.1,1,10,32,100,1000; seeds 5; kmax 2048; heat-seeds 1;\n"
    "           gaps 0.01,1,100\n"
    "  --out DIR  default regions/: max_dimension.csv (per seed), max_dimension_median.csv,\n"
    "             max_dimension.json (medians, published points), heat_sigma.csv, heat_gap.csv\n";

int cmd_regions(int argc, char** argv) {
  using namespace ccnorm::cli;
  if (wants_help(argc, argv)) {
    std::fputs(kHelp, stdout);
    return 0;
  }
  ccnorm::regions::Config o;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      if (a == "--quick") ccnorm::regions::make_quick(o);
      else if (a == "--out") o.out = value_of(argc, argv, i);
      else if (a == "--sigmas") o.sigmas = doubles_arg(value_of(argc, argv, i));
      else if (a == "--seeds") o.seeds = static_cast<std::uint32_t>(sizes_arg(value_of(argc, argv, i)).at(0));
      else if (a == "--heat-seeds") o.heat_seeds = static_cast<std::uint32_t>(std::stoul(value_of(argc, argv, i)));
      else if (a == "--kmax") o.kmax = sizes_arg(value_of(argc, argv, i)).at(0);
      else if (a == "--exhaustive") o.exhaustive = sizes_arg(value_of(argc, argv, i)).at(0);
      else if (a == "--gaps") o.gaps = doubles_arg(value_of(argc, argv, i));
      else if (a == "--algos") {
        o.algos.clear();
        for (ccnorm::Algo id : algos_arg(value_of(argc, argv, i))) {
          const ccnorm::AlgoInfo& info = ccnorm::info(id);
          o.algos.push_back({info.name, info.eval_f32, info.eval_f64});
        }
      } else if (a == "--dtypes") o.dtypes = list_arg(value_of(argc, argv, i));
      else if (a == "--threads") o.threads = threads_arg(value_of(argc, argv, i));
      else if (a == "--no-heat") o.heat = false;
      else throw std::invalid_argument("unknown option " + a);
    }
    ccnorm::regions::check(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ccnorm regions: %s\n", e.what());
    return 2;
  }
  try {
    const ccnorm::regions::Result r = ccnorm::regions::run_regions(o);
    ccnorm::regions::write_regions(o, r);
    std::fprintf(stderr, "regions: %zu tasks in %.1f s -> %s/\n", r.tasks, r.wall_s, o.out.c_str());
    return r.failures ? 1 : 0;
  } catch (const ccnorm::io::io_error& e) {
    std::fprintf(stderr, "ccnorm regions: %s\n", e.what());
    return ccnorm::io::kExitIo;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ccnorm regions: %s\n", e.what());
    return 1;
  }
}

}  // namespace

CCNORM_COMMAND("regions", "stability regions: max computable dimension vs sigma, error heat maps", cmd_regions);
