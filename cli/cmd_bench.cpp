// ccnorm bench: Google Benchmark timings of every algorithm (docs/design.md §4 names), the
// batched all-cores path, peers on identical inputs, ratios to closed-form and accuracy columns.
// The cases, the peers and the post-processing are the library bench/bench.hpp; this file parses
// the options and passes the resource locations (interpreter, peers script).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "bench/bench.hpp"
#include "cli/command.hpp"
#include "io/stream.hpp"
#include "io/resources.hpp"
#include "cli/defaults.hpp"

namespace {

const char* kHelpHead =  // then the algorithm list (help())
    "usage: ccnorm bench [--quick] [--json OUT] [--filter REGEX] [--min-time S] [--threads N]\n"
    "                    [--repetitions N] [--peers] [--no-batch] [--no-gpu] [--no-sample] [--list]\n"
    "                    [--algos A,B] [--dtypes f64,f32] [--K k1,k2] [--sigma s1,s2]\n"
    "                    [--acc-rows N] [--seed N] [--python PATH] [--peers-script PATH]\n"
    "                    [-- GOOGLE-BENCHMARK-FLAGS...]\n"
    "\n"
    "Times log-partition evaluations with Google Benchmark. Case names (docs/design.md §4):\n"
    "  log_partition/<algo>/<dtype>/K:<k>/sigma:<s>[/grad]         one row per call, one thread\n"
    "  log_partition_batch/<algo>/<dtype>/K:<k>/sigma:<s>[/grad]/batch:<B>/threads:<T>\n"
    "                                                             evaluate_batch on B rows\n"
    "  log_partition_batch/gpu/<dtype>/K:<k>/sigma:<s>[/grad]/batch:<B>\n"
    "                                                             CUDA kernels, B rows on the device\n"
    "  sample/<sampler>/K:<k>/sigma:<s>                           one draw from CC(z), one thread\n"
    ;
const char* kHelpTail =
    "(opitz-expm: Eigen's matrix exponential of the Opitz matrix, a value-only peer, no batch path;\n"
    "gpu: only when ccnorm was built with CUDA and a device exists, otherwise the run says why it\n"
    "was left out, and '--algos gpu' is an error. GPU cases time the kernels of one call with CUDA\n"
    "events on B = 2^20 rows (fewer for K > 64: at most 2^26 values) resident on the device, inputs\n"
    "rotated over buffers larger than the L2 cache; bench_gpu.csv adds GB/s, percent of the measured\n"
    "device-to-device copy bandwidth and the speed-up over the CPU batched auto of the same run).\n"
    "Grid: K in {2,3,5,10,32,100,316,1000,3162,10000}, sigma in {0.01,1,10,100}, f64 and f32,\n"
    "value and /grad (value + mean). Inputs z = (sigma*N(0,1)^(K-1), 0) from a fixed seed, a pool\n"
    "of distinct rows cycled. Combinations that would take seconds per row are still listed and\n"
    "end with 'skipped: <reason>'. One-row cases report CPU time, batched cases wall time per row.\n"
    "\n"
    "  --quick          K in {3,10,100,316,1000}, sigma 1, batch for auto and closed-form, min time\n"
    "                   0.01 s (about a minute on 2 cores)\n"
    "  --json OUT       Google Benchmark JSON; next to it: bench_ratios.csv (ratio to closed-form\n"
    "                   from the same run, accuracy of the timed rows), bench_summary.json\n"
    "                   ('throughput' rows as in summary.json, 'skipped', 'peers', 'gpu'),\n"
    "                   bench_gpu.csv (GPU rows, or a first line saying why there are none),\n"
    "                   bench_sample.csv (the sampler family), bench_roofline.csv (auto's\n"
    "                   useful GFLOP/s against the measured fma peak of a core), bench_peers.csv\n"
    "  --filter REGEX   run only matching cases (Google Benchmark filter; '-REGEX' negates)\n"
    "  --min-time S     minimum seconds per case (default 0.1; quick 0.01)\n"
    "  --repetitions N  repeat each case N times; the medians are post-processed\n"
    "  --threads N      threads of the batched path (default: all cores); the batched family\n"
    "                   also runs with 1 thread (at sigma 1) for the speed-up\n"
    "  --peers          also run scipy.linalg.expm and mpmath (subprocess, /usr/bin/python3),\n"
    "                   Eigen opitz-expm, auto and auto+mean on identical f64 rows: time per row\n"
    "                   + err_A; with a build configured -DCCNORM_DIVDIFF_DIR=DIR (DivDiff's\n"
    "                   divdiff.cpp) also divdiff and divdiff+mean\n"
    "  --no-batch       skip the batched family\n"
    "  --no-gpu         skip the GPU family even when a device exists\n"
    "  --no-sample      skip the sampler family: sample/ccnorm (the exact sampler) and\n"
    "                   sample/rejection (the papers' rejection sampler: independent continuous\n"
    "                   Bernoulli coordinates accepted when their sum is <= 1, NaN after 10^5\n"
    "                   attempts) at K 3,10,30, sigma 0.01,1,10 on the same rows; it runs by\n"
    "                   default and with an --algos list that names 'sample'; bench_sample.csv\n"
    "                   gets samples/s, acceptance, NaN rate and the per-row setup time\n"
    "  --list           list the case names and exit\n"
    "  --algos/--dtypes/--K/--sigma  override the grid (comma-separated)\n"
    "  --acc-rows N     rows per case for the accuracy columns (default 16; certified: <= 8)\n"
    "  --seed N         input seed (default 20240601)\n";

// The help text; its algorithm list is the registry's (bench::all_algos(), then gpu).
std::string help() {
  std::string algos;
  for (const auto& a : ccnorm::bench::all_algos()) algos += a + ' ';
  return std::string(kHelpHead) + "algos: " + algos + "gpu sample\n" + kHelpTail;
}

template <class T>
bool parse_list(const char* s, std::vector<T>& out) {
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.empty()) continue;
    if constexpr (std::is_same_v<T, std::string>) out.push_back(item);
    else {
      char* end = nullptr;
      double v = std::strtod(item.c_str(), &end);
      if (*end != '\0' || !(v > 0)) return false;
      out.push_back(static_cast<T>(v));
    }
  }
  return !out.empty();
}

int cmd_bench(int argc, char** argv) {
  if (ccnorm::cli::wants_help(argc, argv)) {
    std::fputs(help().c_str(), stdout);
    return 0;
  }
  ccnorm::bench::Options o;
  o.python = ccnorm::cli::default_python();
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto need = [&](const char* what) -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "ccnorm bench: %s needs %s\n", a.c_str(), what);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--") {
      for (++i; i < argc; ++i) o.gb_args.push_back(argv[i]);
      break;
    } else if (a == "--quick") o.quick = true;
    else if (a == "--json") o.json = need("a file name");
    else if (a == "--filter") o.filter = need("a regex");
    else if (a == "--min-time") o.min_time = std::atof(need("seconds"));
    else if (a == "--threads") {
      const char* v = need("a count");
      if (!ccnorm::io::parse_positive_int(v, o.threads)) {
        std::fprintf(stderr, "ccnorm bench: --threads must be a positive integer, not '%s'\n", ccnorm::io::escape_bytes(v).c_str());
        return 2;
      }
    }
    else if (a == "--repetitions") o.repetitions = std::atoi(need("a count"));
    else if (a == "--peers") o.peers = true;
    else if (a == "--no-batch") o.batch = false;
    else if (a == "--no-gpu") o.gpu = false;
    else if (a == "--no-sample") o.sample = false;
    else if (a == "--list") o.list = true;
    else if (a == "--acc-rows") o.acc_rows = std::atoi(need("a count"));
    else if (a == "--seed") o.seed = std::strtoull(need("a number"), nullptr, 10);
    else if (a == "--python") o.python = need("a path");
    else if (a == "--peers-script") o.peers_script = need("a path");
    else if (a == "--algos") {
      if (!parse_list(need("a list"), o.algos)) return 2;
    } else if (a == "--dtypes") {
      if (!parse_list(need("a list"), o.dtypes)) return 2;
    } else if (a == "--K") {
      if (!parse_list(need("a list"), o.Ks)) {
        std::fprintf(stderr, "ccnorm bench: --K needs positive integers\n");
        return 2;
      }
    } else if (a == "--sigma") {
      if (!parse_list(need("a list"), o.sigmas)) {
        std::fprintf(stderr, "ccnorm bench: --sigma needs positive numbers\n");
        return 2;
      }
    } else {
      std::fprintf(stderr, "ccnorm bench: unknown option '%s' (see ccnorm bench --help)\n", a.c_str());
      return 2;
    }
  }
  if (o.repetitions < 1 || o.acc_rows < 1 || o.threads < 0) {
    std::fprintf(stderr, "ccnorm bench: --repetitions/--acc-rows must be >= 1, --threads >= 0\n");
    return 2;
  }
  if (o.peers_script.empty()) {
    o.peers_script = ccnorm::cli::default_peers_script();
    if (o.peers && !ccnorm::io::find_resource("bench/peers/peers.py"))
      std::fprintf(stderr, "ccnorm bench: %s; or pass --peers-script PATH\n",
                   ccnorm::io::not_found_message("bench/peers/peers.py").c_str());
  }
  try {
    return ccnorm::bench::run(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ccnorm bench: %s\n", e.what());
    return 1;
  }
}

}  // namespace

CCNORM_COMMAND("bench", "Google Benchmark timings of every algorithm, batched path and peers", cmd_bench);
