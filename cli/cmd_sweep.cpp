// ccnorm sweep: accuracy sweep of algorithms x dtypes x input families x K x sigma x seeds against
// the certified reference (the library bench/sweep/sweep.hpp; this file parses the options).
#include <cstdio>
#include <cstring>
#include <string>

#include "bench/sweep/sweep.hpp"
#include "cli/args.hpp"
#include "cli/command.hpp"
#include "io/stream.hpp"

namespace {

const char* kHelpHead =  // then the --algos line (help())
    "usage: ccnorm sweep [--algos A,B,..] [--dtypes f64,f32] [--families F,..] [--K k1,k2,..]\n"
    "                    [--sigmas s1,s2,..] [--seeds N] [--seed S] [--threads N] [--shard i/n]\n"
    "                    [--dist-max-K N] [--out FILE.csv] [--wait] [--no-progress]\n"
    "\n"
    "Accuracy of every algorithm on deterministic inputs, against the certified reference\n"
    "(docs/design.md §3 error measures; the reference is never rounded before the difference).\n"
    "One CSV row per case:\n"
    "  family,K,sigma,seed,algo,dtype,hash,err_A,err_mu,ulps_A,err_H,err_var,err_cov,err_kl\n"
    "key = (family,K,sigma,seed,algo,dtype); hash = FNV-1a of the evaluated input's bits; NaN,\n"
    "inf or an exception count as inf. The distribution columns (K <= --dist-max-K, else empty)\n"
    "measure what `ccnorm eval --entropy --cov` prints for the algorithm (auto, auto-precise: the\n"
    "moment series; the others: the naive compositions with their own A and mean): err_H =\n"
    "|H^-H|/(u max(1,|H|)); err_var = max_i relative error of Var_i; err_cov = max |Cov^_ij-Cov_ij|\n"
    "/ (u sqrt(Var_i Var_j)) over i != j (all entries for K <= 32, else the top node's column);\n"
    "err_kl = relative error of KL(z||q), q_j = z_j + max(1e-6 max(1, spread), 8 ulp(z_j)) cos(j)\n"
    "rounded to the dtype, in u (0 exactly when KL = 0). The worst input of each (algo,dtype,family,K) group goes to\n"
    "<FILE without .csv>.worst.csv (algo,dtype,family,K,n,max_err_A,sigma,seed,hash,input), with\n"
    "the input as space-separated hex floats.\n"
    "\n"
    ;
const char* kHelpTail =
    "  --dtypes    default f64,f32 (f32: the input rounded to float, reference on those values)\n"
    "  --families  default: gaussian,ties,near-ties,clusters,progressions,outlier,offsets\n"
    "              (generators documented in bench/sweep/inputs.hpp)\n"
    "  --K         default 2,3,5,10,32,100\n"
    "  --sigmas    default 0.01,1,10,100 (the family's scale parameter)\n"
    "  --seeds N   replicates per (family,K,sigma), default 3; replicate r uses seed S+r\n"
    "  --seed S    base seed, default 1\n"
    "  --threads N worker threads (default: all cores)\n"
    "  --dist-max-K N  distribution columns for K <= N (default 316; 0: none)\n"
    "  --shard i/n evaluate only inputs with index % n == i (0 <= i < n); merge the shards with\n"
    "              `ccnorm merge OUT IN...`\n"
    "  --out FILE  default sweep.csv. Resumable: an existing FILE is read (schema checked), its\n"
    "              finished cases are skipped and a partial last line (killed run) is dropped.\n"
    "              Rows are appended and flushed as each input finishes. A complete run rewrites\n"
    "              FILE in canonical order (identical whatever the thread count). A file of\n"
    "              the older schema (the first ten columns) is refused: choose another FILE.\n"
    "              One sweep per FILE at a time (a lock on FILE.lock): a second one refuses, or\n"
    "  --wait      waits for the first to finish. FILE and its directory must be writable (checked\n"
    "              before any work).\n"
    "Exit status: 0 complete, 1 some inputs failed (rerun to retry them), 2 usage error,\n"
    "3 the output cannot be used: locked by another sweep, not writable, an I/O error or not a\n"
    "sweep file (the message names the file).\n";

// The help text; the --algos line lists the registry's algorithms.
std::string help() {
  return kHelpHead + ccnorm::cli::wrap("  --algos     ", "default: all (" + ccnorm::algorithm_list() + ")", 14) + kHelpTail;
}

int cmd_sweep(int argc, char** argv) {
  using namespace ccnorm::sweep;
  using namespace ccnorm::cli;
  if (wants_help(argc, argv)) {
    std::fputs(help().c_str(), stdout);
    return 0;
  }
  Config c;
  c.algos = all_algos();
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      if (a == "--algos") c.algos = algos_arg(value_of(argc, argv, i));
      else if (a == "--dtypes") c.dtypes = list_arg(value_of(argc, argv, i));
      else if (a == "--families") c.families = list_arg(value_of(argc, argv, i));
      else if (a == "--K") c.Ks = sizes_arg(value_of(argc, argv, i));
      else if (a == "--sigmas") c.sigmas = doubles_arg(value_of(argc, argv, i));
      else if (a == "--seeds") c.seeds = static_cast<std::uint32_t>(sizes_arg(value_of(argc, argv, i)).at(0));
      else if (a == "--seed") c.seed = static_cast<std::uint32_t>(std::stoul(value_of(argc, argv, i)));
      else if (a == "--threads") c.threads = threads_arg(value_of(argc, argv, i));
      else if (a == "--wait") c.wait_lock = true;
      else if (a == "--out") c.out = value_of(argc, argv, i);
      else if (a == "--no-progress") c.progress = false;
      else if (a == "--dist-max-K") c.dist_max_K = static_cast<std::size_t>(std::stoul(value_of(argc, argv, i)));
      else if (a == "--stop-after") c.stop_after = std::stoul(value_of(argc, argv, i));  // testing only
      else if (a == "--shard") {
        const std::string s = value_of(argc, argv, i);
        const auto slash = s.find('/');
        if (slash == std::string::npos) throw std::invalid_argument("--shard wants i/n");
        c.shard_i = std::stoul(s.substr(0, slash));
        c.shard_n = std::stoul(s.substr(slash + 1));
        if (c.shard_n == 0 || c.shard_i >= c.shard_n) throw std::invalid_argument("--shard i/n needs 0 <= i < n");
      } else {
        throw std::invalid_argument("unknown option " + a);
      }
    }
    for (const auto& f : c.families) (void)family_tag(f);
    for (const auto& d : c.dtypes)
      if (d != "f64" && d != "f32") throw std::invalid_argument("dtype must be f64 or f32: " + d);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ccnorm sweep: %s\n", e.what());
    return 2;
  }
  try {
    const Summary s = run_sweep(c);
    std::fprintf(stderr, "sweep: %zu inputs in this shard, %zu already done, %zu run, %zu rows written%s -> %s\n",
                 s.inputs_total, s.inputs_done_before, s.inputs_run, s.rows_written,
                 s.complete ? " (complete)" : " (INCOMPLETE)", c.out.c_str());
    if (s.failures) {
      std::fprintf(stderr, "sweep: %zu inputs failed; rerun to retry them\n", s.failures);
      return 1;
    }
    return s.complete ? 0 : 1;
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "ccnorm sweep: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {  // io::io_error and a file that is not a sweep file
    std::fprintf(stderr, "ccnorm sweep: %s\n", e.what());
    return ccnorm::io::kExitIo;
  }
}

}  // namespace

CCNORM_COMMAND("sweep", "accuracy sweep vs the certified reference (CSV, resumable, shardable)", cmd_sweep);
