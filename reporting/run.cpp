// ccnorm report: the driver run_report() (see report.hpp): the stages, then the data of the
// sections from the files the stages wrote, then summary.json, report.md and report.html.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "bench/regions.hpp"
#include "io/algorithms.hpp"
#include "io/files.hpp"
#include "io/format.hpp"
#include "io/process.hpp"
#include "reporting/report.hpp"

namespace fs = std::filesystem;

namespace ccnorm::report {

namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// The first line of a result file when it is a "# ..." comment (without "# "), else "".
std::string comment_line(const std::string& path) {
  std::ifstream in(path);
  std::string l;
  return std::getline(in, l) && l.rfind("# ", 0) == 0 ? l.substr(2) : std::string();
}

// bench_gpu.csv: its first line "# device: ..." / "# no GPU: ..." and its rows.
GpuStatus read_gpu_status(const std::string& path, bool have_bench) {
  GpuStatus g;
  g.rows = io::read_table_if_exists(path);
  g.line = comment_line(path);
  if (g.line.empty()) g.line = have_bench ? "no GPU: bench_gpu.csv missing" : "no GPU measured (no throughput stage)";
  return g;
}

std::vector<Scorecard> read_scorecards(const std::string& dir) {
  std::vector<std::string> files;
  if (fs::is_directory(dir))
    for (auto& e : fs::directory_iterator(dir))
      if (e.path().extension() == ".json") files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  std::vector<Scorecard> cards;
  for (const auto& f : files) cards.push_back(parse_scorecard(io::read_text(f), "validate/" + fs::path(f).filename().string()));
  return cards;
}

Figures figures_in(const std::string& dir) {
  Figures f;
  for (auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".png") f.insert(e.path().filename().string());
  return f;
}

}  // namespace

sweep::Config sweep_config(const ReportConfig& c) {
  sweep::Config sc;
  sc.algos = sweep::all_algos();
  sc.out = c.out + "/sweep.csv";
  sc.threads = c.threads;
  sc.seeds = 2;
  if (c.quick) {
    sc.Ks = {2, 3, 5, 10, 32, 100, 316};
    sc.sigmas = {0.01, 1, 10};
  } else {
    sc.Ks = {2, 3, 5, 10, 32, 100, 316, 1000};
    sc.sigmas = {0.01, 1, 10, 100};
  }
  return sc;
}

// The regions stage's configuration as one line: `--resume` reuses DIR/regions/ only when its
// stamp (written after every regions file) holds the same line.
std::string regions_stamp(const regions::Config& rc) {
  std::string s = "regions v1; sigmas";
  for (double x : rc.sigmas) s += ' ' + io::format_g(x);
  s += "; seeds " + std::to_string(rc.seeds) + "; heat_seeds " + std::to_string(rc.heat_seeds) + "; kmax " +
       std::to_string(rc.kmax) + "; exhaustive " + std::to_string(rc.exhaustive) + "; heat " + (rc.heat ? "1" : "0") +
       "; gaps";
  for (double x : rc.gaps) s += ' ' + io::format_g(x);
  s += "; algos";
  for (const auto& a : rc.algos) s += ' ' + a.name;
  s += "; dtypes";
  for (const auto& d : rc.dtypes) s += ' ' + d;
  return s + '\n';
}

bool regions_reusable(const regions::Config& rc) {
  const std::string stamp = rc.out + "/stamp.txt";
  if (!fs::exists(stamp) || io::read_text(stamp) != regions_stamp(rc)) return false;
  for (const char* f : {"heat_sigma.csv", "heat_gap.csv", "max_dimension.csv", "max_dimension_median.csv",
                        "max_dimension.json"})
    if (!fs::exists(rc.out + "/" + f)) return false;
  return true;
}

int run_report(const ReportConfig& c) {
  const std::string& out = c.out;
  fs::create_directories(out);
  const std::string log = out + "/report.log";
  std::remove(log.c_str());
  std::vector<std::string> problems;
  std::vector<Stage> stages;
  const double T0 = now_s();

  // ---- 1. sweep (in process)
  const sweep::Config sc = sweep_config(c);
  if (!c.resume) {
    std::remove(sc.out.c_str());
    std::remove(sweep::worst_path(sc.out).c_str());
  }
  std::fprintf(stderr, "report: [1/4] sweep -> %s\n", sc.out.c_str());
  double t = now_s();
  try {
    const sweep::Summary ss = sweep::run_sweep(sc);
    if (!ss.complete) problems.push_back("sweep incomplete: " + std::to_string(ss.failures) + " inputs failed");
  } catch (const std::exception& e) {
    problems.push_back(std::string("sweep failed: ") + e.what());
  }
  stages.push_back({"accuracy sweep (certified reference + all algorithms)", now_s() - t});

  // ---- 2. regions (in process)
  regions::Config rc;
  if (c.quick) regions::make_quick(rc);
  rc.out = out + "/regions";
  rc.threads = c.threads;
  std::fprintf(stderr, "report: [2/4] regions -> %s\n", rc.out.c_str());
  t = now_s();
  const bool regions_reused = c.resume && regions_reusable(rc);
  if (regions_reused) {
    std::fprintf(stderr, "regions: reused from an earlier run with the same configuration (%s/stamp.txt)\n",
                 rc.out.c_str());
  } else {
    try {
      std::remove((rc.out + "/stamp.txt").c_str());
      const regions::Result r = regions::run_regions(rc);
      regions::write_regions(rc, r);
      if (!r.failures) io::write_text(rc.out + "/stamp.txt", regions_stamp(rc));
      std::fprintf(stderr, "regions: %zu tasks in %.1f s -> %s/\n", r.tasks, r.wall_s, rc.out.c_str());
      if (r.failures) problems.push_back("regions: " + std::to_string(r.failures) + " tasks failed");
    } catch (const std::exception& e) {
      problems.push_back(std::string("regions failed: ") + e.what());
    }
  }
  stages.push_back({regions_reused ? "stability regions (reused: --resume, same configuration)"
                                   : "stability regions (max dimension search + heat maps)",
                    now_s() - t});

  // ---- 3. bench (subprocess)
  std::string bench_status;
  const std::string bench_dir = out + "/bench";
  t = now_s();
  if (c.no_bench) {
    bench_status = "throughput: not available (--no-bench)";
  } else if (c.ccnorm_exe.empty()) {
    bench_status = "throughput: not available (no ccnorm executable to run `ccnorm bench`)";
  } else {
    std::fprintf(stderr, "report: [3/4] bench -> %s/bench.json (log: %s)\n", bench_dir.c_str(), log.c_str());
    fs::create_directories(bench_dir);
    std::remove((bench_dir + "/bench_ratios.csv").c_str());
    std::remove((bench_dir + "/bench_gpu.csv").c_str());
    std::remove((bench_dir + "/bench_sample.csv").c_str());
    std::remove((bench_dir + "/bench_roofline.csv").c_str());
    std::vector<std::string> a{c.ccnorm_exe, "bench", "--json", bench_dir + "/bench.json"};
    if (c.quick) a.push_back("--quick");
    // Full one-thread grid; the batched family only at K <= 1000 and sigma = 1 (its large-K and
    // large-sigma cases take minutes and add nothing to the all-cores-vs-one-thread comparison).
    else a.insert(a.end(), {"--K", "2,3,5,10,32,100,316,1000,3162,10000", "--sigma", "0.01,1,10,100",
                            "--min-time", "0.02", "--filter",
                            "-log_partition_batch/.*(K:3162|K:10000|sigma:0\\.01|sigma:10)"});
    if (c.threads > 0) a.insert(a.end(), {"--threads", std::to_string(c.threads)});
    const int st = io::run_process(a, log);
    if (st != 0) {
      problems.push_back("ccnorm bench exited with status " + std::to_string(st) + " (see report.log)");
      bench_status = "throughput: bench failed (status " + std::to_string(st) + ")";
    }
  }
  stages.push_back({"throughput benchmarks (ccnorm bench)", now_s() - t});
  const Table bench = io::read_table_if_exists(bench_dir + "/bench_ratios.csv");
  // the GPU rows of the same bench run (ccnorm bench registers the GPU family only where a device exists)
  const GpuStatus gpu = read_gpu_status(bench_dir + "/bench_gpu.csv", !bench.empty());
  if (bench.empty() && bench_status.empty()) bench_status = "throughput: not available (no bench_ratios.csv)";

  // ---- 4. plots (their legend order: DIR/algorithms.csv)
  io::write_algorithms_csv(out + "/algorithms.csv");
  std::fprintf(stderr, "report: [4/4] plots\n");
  t = now_s();
  if (c.plots_dir.empty()) problems.push_back("plots skipped: no plot scripts directory (" + c.plots_missing + ")");
  auto plot = [&](const std::string& script, std::vector<std::string> args) {
    if (c.plots_dir.empty()) return;
    args.insert(args.begin(), {c.python, c.plots_dir + "/" + script});
    const int st = io::run_process(args, log);
    if (st != 0) problems.push_back(args[1] + " exited with status " + std::to_string(st) + " (see report.log)");
  };
  if (fs::exists(sc.out)) plot("plot_accuracy.py", {sc.out, out});
  if (fs::exists(sc.out)) plot("plot_distribution.py", {sc.out, out});
  if (fs::exists(rc.out + "/max_dimension.json")) plot("plot_regions.py", {rc.out, out});
  if (!bench.empty()) plot("plot_bench.py", {bench_dir + "/bench_ratios.csv", out, sc.out});
  stages.push_back({"plots (matplotlib)", now_s() - t});

  // ---- the data of the sections
  std::vector<sweep::Row> rows;
  int schema = sweep::kSchema;
  try {
    sweep::LoadResult lr = sweep::load_csv(sc.out);
    rows = std::move(lr.rows);
    schema = lr.schema;
  } catch (const std::exception& e) {
    problems.push_back(std::string("cannot read the sweep: ") + e.what());
  }
  SummaryData sd;
  sd.accuracy = aggregate_accuracy(rows, io::read_table_if_exists(sweep::worst_path(sc.out)));
  io::write_text(out + "/accuracy.csv", accuracy_csv(sd.accuracy));
  sd.distribution = aggregate_distribution(rows);
  sd.dist_max_K = sc.dist_max_K;
  sd.dist_cov_max_K_naive = sc.dist_cov_max_K_naive;
  sd.sampling = io::read_table_if_exists(bench_dir + "/bench_sample.csv");
  sd.max_dimension_median = io::read_table_if_exists(rc.out + "/max_dimension_median.csv");
  sd.bench = bench;
  sd.bench_status = bench_status;
  sd.env = probe_environment(c.git_sha);
  sd.gpu_line = gpu.line;
  sd.quick = c.quick;
  sd.Ks = sc.Ks;
  sd.sigmas = sc.sigmas;
  sd.seeds = sc.seeds;
  sd.problems = problems;
  io::write_text(out + "/summary.json", summary_json(sd));

  // ---- the document
  const Figures figs = figures_in(out);
  Document d;
  section_environment(d, c.quick, out, sd.env, gpu, problems);
  section_time(d, stages, now_s() - T0);
  section_max_dimension(d, sd.max_dimension_median, figs);
  section_accuracy(d, rows, sc, figs);
  section_distribution(d, sd.distribution, sc, schema, figs);
  section_heat_maps(d, figs);
  section_throughput(d, bench, bench_status, c.no_bench, figs);
  section_roofline(d, io::read_table_if_exists(bench_dir + "/bench_roofline.csv"), comment_line(bench_dir + "/bench_roofline.csv"));
  section_sampling(d, sd.sampling, bench_status.empty() ? "" : bench_status);
  section_scorecards(d, read_scorecards(out + "/validate"));
  section_gpu(d, gpu);
  // written by `ccnorm casestudy --out DIR` before the report (scripts/main.sh); absent: the section says so
  section_casestudy(d, read_casestudy(out + "/casestudy/results.json"));
  section_reproduce(d, c.quick, out);
  io::write_text(out + "/report.md", d.markdown());
  io::write_text(out + "/report.html",
                 d.html("ccnorm report", [&](const std::string& file) { return io::read_text(out + "/" + file); }));
  std::fprintf(stderr, "report: wrote %s/report.md, report.html, summary.json in %.1f s%s\n", out.c_str(), now_s() - T0,
               problems.empty() ? "" : " (with problems: see report.md)");
  return problems.empty() ? 0 : 1;
}

}  // namespace ccnorm::report
