// ccnorm report: the report pipeline (library of `ccnorm report`). run_report() runs the default
// configuration of sweep + regions + bench + plots into DIR and writes DIR/report.md,
// DIR/report.html (self-contained: PNGs inlined as base64 data URIs), the PNGs, DIR/summary.json
// (docs/design.md §4 keys), DIR/accuracy.csv and DIR/algorithms.csv (the registry: the plots'
// legend order). Every table is generated from the CSV/JSON files the stages wrote; nothing is
// typed in.
//
// Stages (their raw outputs stay in DIR):
//   sweep    DIR/sweep.csv (+ sweep.worst.csv), in process (bench/sweep/sweep.hpp)
//   regions  DIR/regions/, in process (bench/regions.hpp)
//   bench    DIR/bench/bench.json, bench_ratios.csv, bench_gpu.csv: `ccnorm bench` as a
//            subprocess (Google Benchmark keeps global state), log in DIR/report.log
//   plots    DIR/*.png: plots/*.py with the configured interpreter
//
// One function per section, each appending to a Document (reporting/document.hpp) from data that
// the driver parsed (tables of the stage files, structs), so each can be tested on fixtures:
//   section_environment  title, generation line, environment table, problems of the run
//   section_time         where the time goes (stage wall times)
//   section_max_dimension  the protocol's table, the "(top)" marking, the published points
//   section_accuracy     the sweep's tables (per algorithm/dtype, per family)
//   section_distribution "The rest of the distribution": the sweep's distribution columns
//                        (entropy, variances, covariance, KL; naive compositions vs ccnorm)
//   section_sampling     the sampler benchmark (bench/bench_sample.csv): exact vs rejection
//   section_heat_maps    the heat-map figures
//   section_throughput   one-thread table, fitted exponents, batched speed-ups, speed goals
//   section_roofline     auto's useful GFLOP/s and percent of the measured fma peak (CPU)
//   section_scorecards   other implementations' scorecards (DIR/validate/*.json)
//   section_gpu          the GPU family of the bench run, or why there is none
//   section_reproduce    the commands that reproduce the run
//   section_casestudy    the case studies (label smoothing, distillation) from
//                        DIR/casestudy/results.json (`ccnorm casestudy`), or why there are none
#pragma once
#include <map>
#include <set>
#include <string>
#include <vector>

#include "bench/sweep/sweep.hpp"
#include "io/csv.hpp"
#include "reporting/document.hpp"

namespace ccnorm::report {

using Table = std::vector<io::TableRow>;

struct ReportConfig {
  bool quick = false;
  bool no_bench = false;  // skip the bench stage (tables of an earlier run in DIR/bench are reused)
  bool resume = false;    // keep and finish an existing DIR/sweep.csv
  int threads = 0;        // 0: all cores
  std::string out = "report";
  // resources, computed by the caller (the CLI)
  std::string plots_dir;   // the plot scripts plots/*.py (empty: none found, the plots are skipped)
  std::string plots_missing;  // why plots_dir is empty (what was looked for, where)
  std::string python;      // their interpreter
  std::string ccnorm_exe;  // the ccnorm executable, for the `ccnorm bench` stage ("" : no bench stage)
  std::string git_sha;     // source revision for the environment table ("" : unknown)
};

// The whole report. Returns 0, or 1 when a stage had problems (listed in report.md and
// summary.json). Throws std::runtime_error naming a file that cannot be written.
int run_report(const ReportConfig& c);

// The sweep configuration of the report (default or --quick).
sweep::Config sweep_config(const ReportConfig& c);

// ------------------------------------------------------------------ the sections' data
struct Environment {
  std::string compiler, flags, cpu, git_sha, date;
};
// Compiler and flags of this build, the CPU (/proc/cpuinfo, logical CPUs online), the date (now).
Environment probe_environment(const std::string& git_sha);

// The GPU rows of the bench run (bench_gpu.csv) and its first line without "# ": "device: NAME;
// copy_GBps X" or "no GPU: <reason>".
struct GpuStatus {
  std::string line;
  Table rows;
};

struct Stage {
  std::string name;
  double seconds;
};

// One accuracy group: (algo, dtype, family, K) over sigmas and seeds.
struct AccRow {
  std::string algo, dtype, family;
  std::size_t K = 0, n = 0;
  double max_A = 0, p99_A = 0, med_A = 0, max_mu = 0;
  std::string worst;  // the worst input in hex (the sweep's worst file)
};
// Groups in report order (registry rank, dtype, family, K); worst: the sweep's worst file.
std::vector<AccRow> aggregate_accuracy(const std::vector<sweep::Row>& rows, const Table& worst);
std::string accuracy_csv(const std::vector<AccRow>& acc);

// One distribution group: (quantity, algo, dtype, family) over K, sigma and seeds (the sweep's
// distribution columns; rows where the column is empty are not counted).
struct DistAccRow {
  std::string quantity;  // "H", "var", "cov", "kl" (the columns err_H, err_var, err_cov, err_kl)
  std::string algo, dtype, family;
  std::string method;    // "ccnorm" (auto, auto-precise) or "naive" (normalizer/naive_moments.hpp)
  std::size_t n = 0, nonfinite = 0;
  double max = 0, p99 = 0, median = 0;
  // the worst case (largest error, first in canonical order): its key and the regenerated input
  // (space-separated hex floats, checked against the row's hash)
  std::size_t worst_K = 0;
  std::string worst_sigma;
  std::uint32_t worst_seed = 0;
  std::string worst_input;
};
// The quantities of the distribution columns, in report order.
const std::vector<std::string>& dist_quantities();
// Groups in report order (quantity, registry rank, dtype, family).
std::vector<DistAccRow> aggregate_distribution(const std::vector<sweep::Row>& rows);

// The top-level fields of a `ccnorm validate --json` scorecard ("-" when absent).
struct Scorecard {
  std::string name, quantity, dtype, cases, failures, nonfinite, median_err, max_err_finite, note, file;
};
Scorecard parse_scorecard(const std::string& json, const std::string& file);

// The PNG files present in DIR (a section shows a figure only when it exists).
using Figures = std::set<std::string>;

// Everything summary.json holds (docs/design.md §4 keys plus config and problems).
struct SummaryData {
  Table max_dimension_median;  // regions/max_dimension_median.csv
  std::vector<AccRow> accuracy;
  std::vector<DistAccRow> distribution;  // the sweep's distribution columns
  std::size_t dist_max_K = 0, dist_cov_max_K_naive = 0;
  Table bench;                 // bench/bench_ratios.csv
  Table sampling;              // bench/bench_sample.csv
  std::string bench_status;    // non-empty: why there is no (fresh) throughput
  Environment env;
  std::string gpu_line;
  bool quick = false;
  std::vector<std::size_t> Ks;
  std::vector<double> sigmas;
  std::uint32_t seeds = 0;
  std::vector<std::string> problems;
};
std::string summary_json(const SummaryData& s);

// The case studies' results.json (`ccnorm casestudy`, python/ccnorm/casestudy; docs/design.md
// §5.14), as the section needs it. status non-empty: why there is nothing (file missing,
// unreadable, unknown format); the other fields are then empty.
struct CaseStudy {
  struct Key {
    std::string study, dataset, T;  // T: "%g" of the temperature, "" in the label-smoothing study
    bool operator==(const Key& o) const { return study == o.study && dataset == o.dataset && T == o.T; }
  };
  struct Dataset { std::string name, source, n_train, n_val, n_test; };
  struct Teacher { std::string dataset, epochs, best_epoch; double val_acc, test_acc; };
  struct Agg { Key key; std::string arm, metric, n; double mean, std; };
  struct Timing { Key key; std::string arm; double mean_s, std_s, ratio_to_ce; };
  struct Published {
    Key key;
    std::string arm;
    double fallback;                          // NaN for arms other than ccpub
    std::vector<double> fallback_per_epoch;   // ccpub only
    std::string sampled_rows;
    double would_fallback, err_median, err_max, over_1pct, nonfinite, ccnorm_err_max, spread_median, spread_max;
  };
  struct Claim { std::string claim, source, measured; };
  std::string status, file;
  std::string command, started, finished, jobs, resumed_runs, expected_runs, git_sha, cpu, versions, seeds, eps, batch,
      lr, reference_note, statement_rule;
  bool quick = false;
  double wall_s = 0, compute_s = 0;
  std::vector<std::string> missing_runs, problems, helps, does_not_help, published_not_cc;
  std::map<std::string, std::string> labels, principled;
  std::map<std::string, std::vector<std::string>> arms;
  std::vector<Dataset> datasets;
  std::vector<Teacher> teachers;
  std::vector<Agg> aggregate;
  std::vector<Timing> timing;
  std::vector<Published> published;
  std::vector<Claim> claims;
  std::vector<std::pair<std::string, std::string>> figures;  // (file relative to results.json's folder, caption), existing only
};
CaseStudy read_casestudy(const std::string& results_json);

// ------------------------------------------------------------------ the sections
void section_environment(Document& d, bool quick, const std::string& out, const Environment& env,
                         const GpuStatus& gpu, const std::vector<std::string>& problems);
void section_time(Document& d, const std::vector<Stage>& stages, double total_s);
void section_max_dimension(Document& d, const Table& medians, const Figures& figs);
void section_accuracy(Document& d, const std::vector<sweep::Row>& rows, const sweep::Config& sc, const Figures& figs);
// schema: the sweep file's schema (1: written before the distribution columns existed).
void section_distribution(Document& d, const std::vector<DistAccRow>& acc, const sweep::Config& sc, int schema,
                          const Figures& figs);
void section_heat_maps(Document& d, const Figures& figs);
// status: why bench is empty (shown instead of the tables); reused: the tables come from an earlier run.
void section_throughput(Document& d, const Table& bench, const std::string& status, bool reused, const Figures& figs);
// roof: bench/bench_roofline.csv (its rows); peak_line: its first line without "# " (empty: absent).
void section_roofline(Document& d, const Table& roof, const std::string& peak_line);
// rows: bench/bench_sample.csv (status: why it is empty).
void section_sampling(Document& d, const Table& rows, const std::string& status);
void section_scorecards(Document& d, const std::vector<Scorecard>& cards);
void section_gpu(Document& d, const GpuStatus& gpu);
void section_reproduce(Document& d, bool quick, const std::string& out);
// fig_prefix: the figures' folder relative to the document ("casestudy/" in the report).
void section_casestudy(Document& d, const CaseStudy& cs, const std::string& fig_prefix = "casestudy/");

}  // namespace ccnorm::report
