// Unit tests of the report's sections and data (reporting/report.hpp, reporting/document.hpp) on
// fixture data: each section's tables, the "(top)" marking and the published-point check, the
// speed-goal rows, the missing-data messages, summary.json's keys, the accuracy groups, the
// scorecards' fields, the case-study section read from a results.json fixture (and its missing and
// unknown-format cases), and the Markdown/HTML rendering of the document model.
#include <gtest/gtest.h>

#include <algorithm>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <sstream>

#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>

#include "io/files.hpp"
#include "reporting/document.hpp"
#include "reporting/report.hpp"

using namespace ccnorm;
using namespace ccnorm::report;

namespace {

const double kInf = std::numeric_limits<double>::infinity();

bool has(const std::string& s, const std::string& what) { return s.find(what) != std::string::npos; }

sweep::Row row(const std::string& algo, const std::string& dtype, const std::string& family, std::size_t K, double eA,
               double emu) {
  sweep::Row r;
  r.algo = algo, r.dtype = dtype, r.family = family, r.K = K, r.sigma = "1", r.hash = "0123456789abcdef";
  r.err_A = eA, r.err_mu = emu, r.ulps_A = eA;
  return r;
}

Table medians() {
  // auto reached the top of the searched range; closed-form-scaled is 7 (published 7.5: within +-3)
  // at sigma 0.01 and 30 at sigma 1 (published 15: off)
  return {{{"algo", "auto"}, {"dtype", "f64"}, {"sigma", "0.01"}, {"median_K", "2048"}, {"seeds", "5"}, {"kmax", "2048"}},
          {{"algo", "auto"}, {"dtype", "f64"}, {"sigma", "1"}, {"median_K", "1500"}, {"seeds", "5"}, {"kmax", "2048"}},
          {{"algo", "closed-form-scaled"}, {"dtype", "f64"}, {"sigma", "0.01"}, {"median_K", "7"}, {"seeds", "5"}, {"kmax", "2048"}},
          {{"algo", "closed-form-scaled"}, {"dtype", "f64"}, {"sigma", "1"}, {"median_K", "30"}, {"seeds", "5"}, {"kmax", "2048"}}};
}

io::TableRow bench_row(const std::string& algo, const std::string& K, bool grad, const std::string& ns,
                       const std::string& batch = "1", const std::string& threads = "1", const std::string& ratio = "") {
  return {{"algo", algo}, {"dtype", "f64"}, {"K", K}, {"sigma", "1"}, {"grad", grad ? "1" : "0"}, {"ns_per_eval", ns},
          {"ratio_to_closed_form", ratio}, {"batch", batch}, {"threads", threads}};
}

}  // namespace

TEST(Document, MarkdownAndHtml) {
  Document d;
  d.heading(2, "Title `x`");
  d.paragraph("a <b> & `code`");
  d.table({"h|1", "h2"}, {{"a|b", "<c>"}});
  d.preformatted("x < y");
  d.figure("f.png", "cap & tion");
  const std::string md = d.markdown();
  EXPECT_TRUE(has(md, "## Title `x`\n\n"));
  EXPECT_TRUE(has(md, "| h\\|1 | h2 |\n|---|---|\n| a\\|b | <c> |\n"));
  EXPECT_TRUE(has(md, "```\nx < y\n```\n"));
  EXPECT_TRUE(has(md, "![cap & tion](f.png)\n\n*cap & tion*"));
  std::string asked;
  const std::string html = d.html("t<1>", [&](const std::string& f) {
    asked = f;
    return std::string("foo");
  });
  EXPECT_EQ(asked, "f.png");
  EXPECT_TRUE(has(html, "<title>t&lt;1&gt;</title>"));
  EXPECT_TRUE(has(html, "<h2>Title <code>x</code></h2>"));
  EXPECT_TRUE(has(html, "<p>a &lt;b&gt; &amp; <code>code</code></p>"));
  EXPECT_TRUE(has(html, "<td>a|b</td><td>&lt;c&gt;</td>"));
  EXPECT_TRUE(has(html, "<pre>x &lt; y</pre>"));
  EXPECT_TRUE(has(html, "src=\"data:image/png;base64,Zm9v\""));  // the figure is inlined
  EXPECT_TRUE(has(html, "alt=\"cap &amp; tion\""));
}

TEST(Document, Base64Rfc4648Vectors) {
  EXPECT_EQ(base64(""), "");
  EXPECT_EQ(base64("f"), "Zg==");
  EXPECT_EQ(base64("fo"), "Zm8=");
  EXPECT_EQ(base64("foo"), "Zm9v");
  EXPECT_EQ(base64("foob"), "Zm9vYg==");
  EXPECT_EQ(base64("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64(std::string("\xff\x00\x80", 3)), "/wCA");
}

TEST(Sections, MaxDimensionTopMarkingAndPublishedCheck) {
  Document d;
  section_max_dimension(d, medians(), {"max_dimension.png"});
  const std::string md = d.markdown();
  EXPECT_TRUE(has(md, "| algo/dtype | sigma 0.01 | sigma 1 |")) << md;
  // registry order: closed-form-scaled before auto; the top of the range is marked
  EXPECT_LT(md.find("| closed-form-scaled/f64 | 7 | 30 |"), md.find("| auto/f64 | 2048 (top) | 1500 |")) << md;
  EXPECT_TRUE(has(md, "the doubling grid 128, 256, ..., 2048 with bisection"));
  EXPECT_TRUE(has(md, "| closed-form-scaled/f64 | 0.01 | 7.5 | 7 | within +-3 |")) << md;
  EXPECT_TRUE(has(md, "| closed-form-scaled/f64 | 1 | 15 | 30 | OFF by more than 3 |")) << md;
  EXPECT_TRUE(has(md, "| closed-form-scaled/f32 | 0.01 | 4 | - | - |")) << md;  // not in this run
  EXPECT_FALSE(has(md, "inverse-laplace"));  // not implemented here: not checked
  EXPECT_TRUE(has(md, "![Median max computable dimension"));
  Document e;
  section_max_dimension(e, {}, {});
  EXPECT_TRUE(has(e.markdown(), "..., Kmax with bisection"));  // no regions output
  EXPECT_FALSE(has(e.markdown(), "max_dimension.png"));
}

TEST(Sections, AccuracyTables) {
  const std::vector<sweep::Row> rows{row("auto", "f64", "gaussian", 10, 0.5, 1), row("auto", "f64", "ties", 10, 2, 3),
                                     row("closed-form", "f64", "ties", 10, kInf, kInf),
                                     row("closed-form", "f64", "gaussian", 10, 40, 50)};
  sweep::Config sc;
  sc.families = {"gaussian", "ties", "offsets"};
  sc.Ks = {10};
  sc.sigmas = {1};
  sc.seeds = 1;
  Document d;
  section_accuracy(d, rows, sc, {"accuracy_err_A_vs_K.png"});
  const std::string md = d.markdown();
  EXPECT_TRUE(has(md, "Sweep: 4 cases, families gaussian, ties, offsets; K in {10}; sigma in {1}; 1 seeds.")) << md;
  // median = nearest rank (an error that occurred); closed-form first (registry order)
  EXPECT_LT(md.find("| closed-form/f64 | 2 | 40 | inf | inf | inf | 1 |"), md.find("| auto/f64 | 2 | 0.5 | 2 | 2 | 3 | 0 |"))
      << md;
  EXPECT_TRUE(has(md, "| auto/f64 | 0.5 | 2 | - |")) << md;  // per family; offsets not in the rows
  EXPECT_TRUE(has(md, "accuracy_err_A_vs_K.png"));
  EXPECT_FALSE(has(md, "accuracy_err_mu_vs_K.png"));
}

TEST(Sections, AccuracyGroupsAndCsv) {
  const std::vector<sweep::Row> rows{row("auto", "f64", "ties", 5, 1, 1), row("auto", "f64", "ties", 5, 3, 4),
                                     row("auto", "f64", "ties", 5, 2, 9), row("closed-form", "f32", "ties", 5, kInf, kInf)};
  const Table worst{{{"algo", "auto"}, {"dtype", "f64"}, {"family", "ties"}, {"K", "5"}, {"input", "0x1p+0 0x0p+0"}}};
  const auto acc = aggregate_accuracy(rows, worst);
  ASSERT_EQ(acc.size(), 2u);
  EXPECT_EQ(acc[0].algo, "closed-form");  // registry order
  EXPECT_TRUE(std::isinf(acc[0].max_A));
  EXPECT_EQ(acc[1].n, 3u);
  EXPECT_EQ(acc[1].max_A, 3);
  EXPECT_EQ(acc[1].med_A, 2);
  EXPECT_EQ(acc[1].p99_A, 3);
  EXPECT_EQ(acc[1].max_mu, 9);
  EXPECT_EQ(acc[1].worst, "0x1p+0 0x0p+0");
  EXPECT_EQ(accuracy_csv(acc),
            "algo,dtype,family,K,n,max_err_A,p99_err_A,median_err_A,max_err_mean\n"
            "closed-form,f32,ties,5,1,inf,inf,inf,inf\nauto,f64,ties,5,3,3,3,2,9\n");
}

TEST(Sections, ThroughputTablesAndSpeedGoals) {
  const Table bench{bench_row("closed-form", "10", false, "100"), bench_row("auto", "10", false, "200", "1", "1", "2"),
                    bench_row("auto", "316", true, "28500"), bench_row("auto", "10000", true, "966000"),
                    bench_row("auto", "100", false, "4000", "512", "1"), bench_row("auto", "100", false, "2100", "512", "2")};
  Document d;
  section_throughput(d, bench, "", false, {"time_vs_K.png"});
  const std::string md = d.markdown();
  EXPECT_TRUE(has(md, "| f64, sigma 1 | K 10 | K 316 | K 10000 |")) << md;
  EXPECT_TRUE(has(md, "| closed-form | 0.1 us | - | - |")) << md;
  EXPECT_TRUE(has(md, "| auto | 0.2 us (x2) | - | - |")) << md;
  EXPECT_TRUE(has(md, "| auto +mean | - | 28.5 us | 966 us |")) << md;
  EXPECT_TRUE(has(md, "| auto value+mean, one row, K=316, sigma 1 | <= 10 us | 28.5 us |")) << md;
  EXPECT_TRUE(has(md, "| auto value+mean, one row, K=10^4, sigma 1 | <= 400 us | 966 us |")) << md;
  EXPECT_TRUE(has(md, "| auto / closed-form at K=10, sigma 1 (value) | <= 3x | x2 |")) << md;
  EXPECT_TRUE(has(md, "| auto/f64/K:100/sigma:1/batch:512 | 4e+03 ns | 2 threads: 2.1e+03 ns | x1.9 |")) << md;
  EXPECT_TRUE(has(md, "Speed goals (README;"));
  EXPECT_FALSE(has(md, "issue"));
  EXPECT_FALSE(has(md, "reused from an earlier"));
  EXPECT_TRUE(has(md, "time_vs_K.png"));
  EXPECT_FALSE(has(md, "time_vs_sigma.png"));
  // a goal whose row is missing is "not measured"; reused tables are marked
  Document e;
  section_throughput(e, {bench_row("auto", "10", false, "200")}, "", true, {});
  EXPECT_TRUE(has(e.markdown(), "| auto value+mean, one row, K=10^4, sigma 1 | <= 400 us | not measured |")) << e.markdown();
  EXPECT_TRUE(has(e.markdown(), "| auto / closed-form at K=10, sigma 1 (value) | <= 3x | not measured |"));
  EXPECT_TRUE(has(e.markdown(), "--no-bench: the tables below are reused from an earlier `ccnorm bench` run"));
  // no bench rows: the status says why
  Document f;
  section_throughput(f, {}, "throughput: not available (--no-bench)", true, {});
  EXPECT_EQ(f.markdown(), "## Throughput\n\nthroughput: not available (--no-bench)\n\n");
  Document g;
  section_throughput(g, {}, "", false, {});
  EXPECT_TRUE(has(g.markdown(), "throughput: not available\n"));
}

TEST(Sections, RooflineTableFromBenchRoofline) {
  auto r = [](const char* K, const char* grad, const char* batch, const char* threads, const char* ns, const char* fl,
              const char* gf, const char* pct) {
    return io::TableRow{{"algo", "auto"}, {"dtype", "f64"}, {"K", K}, {"sigma", "1"}, {"grad", grad}, {"batch", batch},
                        {"threads", threads}, {"ns_per_row", ns}, {"useful_flops_per_row", fl}, {"GFLOPs", gf},
                        {"peak_GFLOPs", "121"}, {"pct_peak", pct}};
  };
  Document d;
  section_roofline(d, {r("316", "1", "1", "1", "8677", "302400", "34.85", "28.8"), r("100", "0", "512", "2", "1000", "56360", "56.36", "23.3"),
                       r("10", "1", "1", "1", "700", "", "", "")},
                   "fma peak of one core: 121.3 GFLOP/s (AVX3, 8 doubles per vector)");
  const std::string md = d.markdown();
  EXPECT_TRUE(has(md, "## CPU roofline of auto")) << md;
  EXPECT_TRUE(has(md, "Peak: fma peak of one core: 121.3 GFLOP/s (AVX3, 8 doubles per vector), times the threads")) << md;
  EXPECT_TRUE(has(md, "| f64 | 316 | 1 | value+mean | one row | 8.68e+03 | 3.02e+05 | 34.9 | 28.8 % |")) << md;
  EXPECT_TRUE(has(md, "| f64 | 100 | 1 | value | batch 512, 2 threads | 1e+03 | 5.64e+04 | 56.4 | 23.3 % |")) << md;
  EXPECT_TRUE(has(md, "| f64 | 10 | 1 | value+mean | one row | 700 | - | - | - |")) << md;
  EXPECT_FALSE(has(md, "issue"));
  Document e;
  section_roofline(e, {}, "");
  EXPECT_TRUE(has(e.markdown(), "Not available: no bench/bench_roofline.csv")) << e.markdown();
}

TEST(Sections, GpuWithAndWithoutRows) {
  Document d;
  section_gpu(d, {"no GPU: no CUDA device", {}});
  EXPECT_TRUE(has(d.markdown(), "no GPU: no CUDA device. The `gpu` algorithm is not measured in this report"));
  EXPECT_FALSE(has(d.markdown(), "% copy"));
  GpuStatus g{"device: FIXTURE; copy_GBps 1000", {}};
  auto r = [](const char* dt, const char* K, const char* grad, const char* ns, const char* pct) {
    return io::TableRow{{"dtype", dt}, {"K", K}, {"sigma", "1"}, {"grad", grad}, {"batch", "65536"}, {"ns_per_row", ns},
                        {"rows_per_s", "1e9"}, {"GBps", "300"}, {"pct_copy_bw", pct}, {"x_cpu_auto_batch", "100"},
                        {"escalated_rows", "0"}, {"max_err_A", "0.5"}, {"max_err_mean", ""}, {"err_A_ref", "certified"}};
  };
  g.rows = {r("f32", "10", "1", "0.25", "33.6"), r("f64", "1000", "0", "30", ""), r("f32", "1000", "0", "12", "")};
  Document e;
  section_gpu(e, g);
  const std::string md = e.markdown();
  EXPECT_TRUE(has(md, "From `ccnorm bench` (bench/bench_gpu.csv), device: FIXTURE; copy_GBps 1000"));
  EXPECT_TRUE(has(md, "| f32 | 10 | 1 | value+mean | 65536 | 0.25 | 1e+09 | 300 | 33.6 | 100 | 0 | 0.5 | - | certified |")) << md;
  EXPECT_TRUE(has(md, "| GPU goal | target | measured |"));
  EXPECT_TRUE(has(md, "percent of the copy bandwidth (batch 65536; the goal's B=2^22 is in bench/gpu/device_check.sh) | "
                      ">= 50 % of the roofline | 33.6 % |"))
      << md;
  EXPECT_TRUE(has(md, "| f64 / f32 time at K=1000, sigma 1, value | <= 3 | 2.5 |")) << md;
  EXPECT_FALSE(has(md, "value+mean | <= 3"));  // no value+mean rows at K = 1000
}

TEST(Sections, ScorecardsParsedAndMissing) {
  Document d;
  section_scorecards(d, {});
  EXPECT_TRUE(has(d.markdown(), "No scorecards found (DIR/validate/*.json"));
  const std::string js =
      R"({"name":"torch-cb","note":"PyTorch ContinuousBernoulli","quantity":"logC","dtype":"f32","tol":16,"cases":40,)"
      R"("failures":3,"nonfinite":1,"max_err":null,"max_err_finite":123.456789,"median_err":0.5,)"
      R"("by_family":{"cb":{"cases":40,"failures":9,"median_err":7.25}}})";
  const Scorecard c = parse_scorecard(js, "validate/torch.json");
  EXPECT_EQ(c.name, "torch-cb");
  EXPECT_EQ(c.cases, "40");
  EXPECT_EQ(c.failures, "3");  // the top-level field, not by_family's
  EXPECT_EQ(c.median_err, "0.5");
  EXPECT_EQ(c.max_err_finite, "123");  // three significant digits
  EXPECT_EQ(parse_scorecard(js, "x").quantity, "logC");
  EXPECT_EQ(parse_scorecard(R"({"max_err_finite":null})", "x").max_err_finite, "inf/NaN");
  EXPECT_EQ(parse_scorecard("{}", "x").name, "-");
  Document e;
  section_scorecards(e, {c});
  const std::string md = e.markdown();
  EXPECT_TRUE(has(md, "| torch-cb | logC | f32 | 40 | 3 | 1 | 0.5 | 123 | validate/torch.json |")) << md;
  EXPECT_TRUE(has(md, "`torch-cb`: PyTorch ContinuousBernoulli"));
}

TEST(Sections, EnvironmentTimeHeatMapsReproduce) {
  const Environment env{"g++ 12", "optimized", "CPU X (2 logical CPUs online)", "abc", "2026-01-02T03:04:05Z"};
  Document d;
  section_environment(d, true, "OUT", env, {"no GPU: none", {}}, {"sweep failed: disk full"});
  const std::string md = d.markdown();
  EXPECT_TRUE(has(md, "# ccnorm report\n\nGenerated by `ccnorm report --quick --out OUT` on 2026-01-02T03:04:05Z."));
  EXPECT_TRUE(has(md, "| git | abc |"));
  EXPECT_TRUE(has(md, "| GPU | no GPU: none (every number in this report is CPU-only) |")) << md;
  EXPECT_TRUE(has(md, "## Problems during this run\n\n```\n- sweep failed: disk full\n\n```")) << md;
  Document ok;
  section_environment(ok, false, "OUT", env, {"device: G", {{{"dtype", "f32"}}}}, {});
  EXPECT_TRUE(has(ok.markdown(), "| GPU | device: G |"));
  EXPECT_FALSE(has(ok.markdown(), "Problems"));

  Document t;
  section_time(t, {{"sweep", 30}, {"regions", 10}}, 45);
  EXPECT_TRUE(has(t.markdown(), "| sweep | 30.0 s | 75 % |\n| regions | 10.0 s | 25 % |\n"
                                "| total (including report assembly) | 45.0 s |  |"))
      << t.markdown();

  Document h;
  section_heat_maps(h, {"heat_sigma_f64.png", "heat_gap_f32.png"});
  EXPECT_TRUE(has(h.markdown(), "(heat_sigma_f64.png)"));
  EXPECT_TRUE(has(h.markdown(), "(heat_gap_f32.png)"));
  EXPECT_FALSE(has(h.markdown(), "heat_sigma_f32.png"));

  Document r;
  section_reproduce(r, true, "OUT");
  EXPECT_TRUE(has(r.markdown(), "ccnorm report --quick --out OUT\n"));
  EXPECT_TRUE(has(r.markdown(), "ccnorm regions --quick --out regions\nccnorm bench --quick --json bench/bench.json\n"));
  EXPECT_TRUE(has(r.markdown(), "ccnorm algorithms > algorithms.csv"));
}

TEST(Summary, JsonKeysAndValues) {
  SummaryData s;
  s.max_dimension_median = medians();
  s.accuracy = aggregate_accuracy({row("closed-form", "f64", "ties", 3, kInf, kInf), row("auto", "f64", "ties", 3, 0.5, 1)}, {});
  s.bench = {bench_row("auto", "10", true, "200", "1", ""), bench_row("gpu", "10", false, "0.25", "1048576", "0"),
             bench_row("closed-form", "10", false, "")};  // a skipped case: no throughput row
  s.bench_status = "throughput: not available (--no-bench)";
  s.env = {"g++", "flags", "cpu", "sha", "date"};
  s.gpu_line = "no GPU: none";
  s.quick = true;
  s.Ks = {2, 3};
  s.sigmas = {0.01, 1};
  s.seeds = 2;
  s.problems = {"p \"1\""};
  std::istringstream in(summary_json(s));
  boost::property_tree::ptree t;
  boost::property_tree::read_json(in, t);
  using Path = boost::property_tree::ptree::path_type;  // the sigma keys hold dots: '|' separates
  EXPECT_EQ(t.get<int>(Path("max_dimension|auto/f64|0.01", '|')), 2048);
  EXPECT_EQ(t.get<int>(Path("max_dimension|closed-form-scaled/f64|1", '|')), 30);
  EXPECT_EQ(t.get_child("max_dimension").size(), 2u);
  EXPECT_EQ(t.get<int>("max_dimension_protocol.kmax"), 2048);
  const auto& acc = t.get_child("accuracy");
  ASSERT_EQ(acc.size(), 2u);
  EXPECT_EQ(acc.begin()->second.get<std::string>("algo"), "closed-form");
  EXPECT_EQ(acc.begin()->second.get<std::string>("max_err_A"), "inf");
  for (const char* k : {"family", "K", "n", "max_err_A", "p99_err_A", "median_err_A", "max_err_mean", "worst_input"})
    EXPECT_TRUE(acc.begin()->second.get_child_optional(k)) << k;
  const auto& tp = t.get_child("throughput");
  ASSERT_EQ(tp.size(), 2u);
  EXPECT_EQ(tp.begin()->second.get<int>("threads"), 1);  // empty threads column: one thread
  EXPECT_EQ(tp.begin()->second.get<std::string>("grad"), "true");
  EXPECT_EQ(tp.begin()->second.get<std::string>("ratio_to_closed_form"), "null");
  EXPECT_EQ(std::next(tp.begin())->second.get<int>("threads"), 0);
  EXPECT_EQ(std::next(tp.begin())->second.get<long>("batch"), 1048576);
  EXPECT_EQ(t.get<std::string>("throughput_status"), s.bench_status);
  for (const char* k : {"compiler", "flags", "cpu", "git_sha", "date", "gpu"})
    EXPECT_TRUE(t.get_child("environment").get_child_optional(k)) << k;
  EXPECT_EQ(t.get<std::string>("environment.gpu"), "no GPU: none");
  EXPECT_EQ(t.get<std::string>("config.quick"), "true");
  EXPECT_EQ(t.get_child("config.sweep_sigmas").begin()->second.get_value<std::string>(), "0.01");
  EXPECT_EQ(t.get_child("problems").begin()->second.get_value<std::string>(), "p \"1\"");
}

TEST(Report, SweepConfigOfQuickAndDefault) {
  ReportConfig c;
  c.out = "D";
  const auto d = sweep_config(c);
  EXPECT_EQ(d.Ks, (std::vector<std::size_t>{2, 3, 5, 10, 32, 100, 316, 1000}));
  EXPECT_EQ(d.out, "D/sweep.csv");
  c.quick = true;
  const auto q = sweep_config(c);
  EXPECT_EQ(q.sigmas, (std::vector<double>{0.01, 1, 10}));
  EXPECT_EQ(q.seeds, 2u);
  EXPECT_EQ(q.algos, sweep::all_algos());
}

// ---- the rest of the distribution and the sampler benchmark

namespace {
sweep::Row drow(const std::string& algo, const std::string& dtype, const std::string& family, std::size_t K, std::uint32_t seed,
                double eH, double ev, double ec, double ek) {
  sweep::Row r = row(algo, dtype, family, K, 0.5, 1);
  r.seed = seed;
  const auto z = sweep::generate(family, K, 1.0, seed);
  r.hash = dtype == "f32" ? sweep::hex64(sweep::hash_input(sweep::as<float>(z))) : sweep::hex64(sweep::hash_input(z));
  r.err_H = eH, r.err_var = ev, r.err_cov = ec, r.err_kl = ek;
  return r;
}
}  // namespace

TEST(Sections, DistributionTablesWorstInputAndSchema1) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<sweep::Row> rows = {
      drow("closed-form", "f64", "gaussian", 3, 1, 5, kInf, kInf, 1e9),
      drow("closed-form", "f64", "gaussian", 5, 2, 7, nan, nan, 2e9),  // var/cov not computed
      drow("closed-form", "f64", "ties", 3, 1, kInf, kInf, kInf, kInf),
      drow("auto", "f64", "gaussian", 3, 1, 0.25, 0.5, 0.125, 1),
      drow("auto", "f64", "gaussian", 5, 2, 0.75, 0.5, 0.0625, 3),
      drow("auto", "f64", "ties", 3, 1, 0.5, 0.25, 0.25, 0),
      drow("auto", "f64", "ties", 316, 1, nan, nan, nan, nan)};  // above dist_max_K: not counted
  rows.back().hash = "0123456789abcdef";
  const auto acc = aggregate_distribution(rows);
  // 4 quantities x (auto, closed-form) x (gaussian, ties), in report order (quantity, rank)
  ASSERT_EQ(acc.size(), 16u);
  EXPECT_EQ(acc[0].quantity, "H");
  EXPECT_EQ(acc[0].algo, "closed-form");
  EXPECT_EQ(acc[0].method, "naive");
  EXPECT_EQ(acc[0].n, 2u);
  EXPECT_EQ(acc[0].max, 7);
  EXPECT_EQ(acc[0].worst_K, 5u);
  EXPECT_EQ(acc[0].worst_seed, 2u);
  EXPECT_NE(acc[0].worst_input.find("0x"), std::string::npos) << acc[0].worst_input;  // regenerated, hash checked
  EXPECT_EQ(acc[0].worst_input.find("unavailable"), std::string::npos);
  EXPECT_EQ(std::count(acc[0].worst_input.begin(), acc[0].worst_input.end(), ' '), 4);  // K = 5 values
  const auto var_cf = std::find_if(acc.begin(), acc.end(), [](const DistAccRow& a) {
    return a.quantity == "var" && a.algo == "closed-form" && a.family == "gaussian";
  });
  ASSERT_NE(var_cf, acc.end());
  EXPECT_EQ(var_cf->n, 1u);  // the empty cell is not counted
  EXPECT_EQ(var_cf->nonfinite, 1u);
  const auto kl_auto = std::find_if(acc.begin(), acc.end(), [](const DistAccRow& a) {
    return a.quantity == "kl" && a.algo == "auto" && a.family == "ties";
  });
  ASSERT_NE(kl_auto, acc.end());
  EXPECT_EQ(kl_auto->method, "ccnorm");
  EXPECT_EQ(kl_auto->n, 1u);  // the K = 316 row has no distribution values
  sweep::Config sc;
  sc.families = {"gaussian", "ties"};
  Document d;
  section_distribution(d, acc, sc, sweep::kSchema, {"distribution_err_vs_K.png"});
  const std::string md = d.markdown();
  EXPECT_TRUE(has(md, "## The rest of the distribution"));
  EXPECT_TRUE(has(md, "| algo/dtype | method | gaussian | ties | worst input (family K sigma seed) |")) << md;
  EXPECT_TRUE(has(md, "| closed-form/f64 | naive | 7 | inf | ties K=3 sigma=1 seed=1 (inf) |")) << md;
  EXPECT_TRUE(has(md, "| auto/f64 | ccnorm | 0.75 | 0.5 | gaussian K=5 sigma=1 seed=2 (0.75) |")) << md;
  EXPECT_TRUE(has(md, "KL divergence: max err_kl"));
  EXPECT_TRUE(has(md, "(distribution_err_vs_K.png)"));
  // an old sweep file: no tables, a message
  Document o;
  section_distribution(o, {}, sc, 1, {});
  EXPECT_TRUE(has(o.markdown(), "written before the distribution columns existed (schema 1"));
  EXPECT_FALSE(has(o.markdown(), "| algo/dtype |"));
  // summary.json: one object per group with the documented keys, the protocol, the sampling rows
  SummaryData s;
  s.distribution = acc;
  s.dist_max_K = 316;
  s.dist_cov_max_K_naive = 100;
  s.sampling = {{{"sampler", "ccnorm"}, {"K", "3"}, {"sigma", "0.01"}, {"samples_per_s", "3e7"}, {"ns_per_sample", "33"},
                 {"acceptance", "1"}, {"nan_rate", "0"}, {"setup_ns_per_row", "500"}}};
  std::istringstream in(summary_json(s));
  boost::property_tree::ptree t;
  boost::property_tree::read_json(in, t);
  const auto& da = t.get_child("distribution_accuracy");
  ASSERT_EQ(da.size(), 16u);
  for (const char* k : {"quantity", "algo", "dtype", "family", "method", "n", "nonfinite", "max_err", "p99_err", "median_err",
                        "worst_K", "worst_sigma", "worst_seed", "worst_input"})
    EXPECT_TRUE(da.begin()->second.get_child_optional(k)) << k;
  EXPECT_EQ(t.get<int>("distribution_protocol.max_K"), 316);
  EXPECT_EQ(t.get<int>("distribution_protocol.cov_max_K_naive"), 100);
  EXPECT_EQ(t.get_child("sampling").size(), 1u);
  EXPECT_EQ(t.get_child("sampling").begin()->second.get<double>("samples_per_s"), 3e7);
  for (const char* k : {"max_dimension", "accuracy", "throughput", "environment", "config", "problems"})
    EXPECT_TRUE(t.get_child_optional(k)) << k;  // the existing keys are still there
}

TEST(Sections, SamplingTable) {
  Document d;
  section_sampling(d, {}, "throughput: not available (--no-bench)");
  EXPECT_TRUE(has(d.markdown(), "throughput: not available (--no-bench)"));
  auto r = [](const char* s, const char* K, const char* sps, const char* acc, const char* nan) {
    return io::TableRow{{"sampler", s}, {"K", K}, {"sigma", "0.01"}, {"ns_per_sample", "10"}, {"samples_per_s", sps},
                        {"acceptance", acc}, {"nan_rate", nan}, {"setup_ns_per_row", "2000"}, {"rows", "64"}, {"note", ""}};
  };
  Document e;
  section_sampling(e, {r("ccnorm", "10", "4e6", "1", "0"), r("rejection", "10", "200", "2.8e-06", "0.75")}, "");
  const std::string md = e.markdown();
  EXPECT_TRUE(has(md, "| ccnorm | 10 | 0.01 | 4e+06 | 4e+06 | 10 | 2 | 1 | 0 | x2e+04 |  |")) << md;
  EXPECT_TRUE(has(md, "| rejection | 10 | 0.01 | 200 | 50 | 10 | 2 | 2.8e-06 | 0.75 | - |  |")) << md;
}

TEST(Sections, CaseStudyFromResultsJsonAndMissing) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("ccnorm_cs_" + std::to_string(::getpid()));
  fs::create_directories(dir / "casestudy");
  Document none;
  const CaseStudy missing = read_casestudy((dir / "casestudy" / "results.json").string());
  EXPECT_FALSE(missing.status.empty());
  section_casestudy(none, missing);
  EXPECT_TRUE(has(none.markdown(), "Not available: no case-study results:")) << none.markdown();

  // a minimal results.json: one label-smoothing group with two arms, one figure present and one absent
  const std::string js = R"JS({"format": "ccnorm-casestudy/1", "command": "python3 -m ccnorm.casestudy --quick",
    "quick": true, "started": "S", "finished": "F", "wall_s": 12.5, "compute_s": 10, "jobs": 1, "resumed_runs": 0,
    "expected_runs": 2, "missing_runs": [], "problems": [],
    "environment": {"git_sha": "abc", "cpu": "CPU X", "python": "3", "torch": "1", "numpy": "1", "ccnorm": "0"},
    "config": {"seeds": [1, 2], "eps": 0.1, "batch": 128, "lr": 0.001},
    "reference": {"note": "certified"}, "labels": {"cc": "CC (ccnorm)", "ccpub": "CC (published)"},
    "principled_predictive": {"cc": "ccmean", "ccpub": "ccmean"}, "arms": {"ls": ["cc", "ccpub"]},
    "datasets": {"digits": {"source": "sk", "n_train": 10, "n_val": 5, "n_test": 5}}, "teachers": {},
    "aggregate": [{"study": "ls", "dataset": "digits", "T": null, "arm": "cc", "metric": "acc", "n": 2, "mean": 0.9123, "std": 0.01},
                  {"study": "ls", "dataset": "digits", "T": null, "arm": "ccpub", "metric": "acc", "n": 2, "mean": 0.5, "std": 0},
                  {"study": "ls", "dataset": "digits", "T": null, "arm": "ccpub", "metric": "fallback_fraction", "n": 2, "mean": 0.25, "std": 0.05}],
    "timing": [{"study": "ls", "dataset": "digits", "T": null, "arm": "cc", "epoch_train_seconds_mean": 0.5, "epoch_train_seconds_std": 0.1, "ratio_to_ce": 3}],
    "published": [{"study": "ls", "dataset": "digits", "T": null, "arm": "ccpub", "fallback_fraction": 0.25,
                   "fallback_fraction_per_epoch": [1, 0.5, 0.01], "sampled_rows": 64, "would_fallback": 0.3,
                   "err_logC_median": 100, "err_logC_max": "inf", "err_logC_over_1pct": 0.2, "nonfinite_logC": 0.1,
                   "ccnorm_err_logC_max": 0.5, "spread_median": 2, "spread_max": 9}],
    "claims": [{"claim": "C1", "source": "S1", "measured": "M1"}],
    "statement": {"helps": [], "does_not_help": ["worse here"], "published_not_cc": ["fell back"], "rule": "R"},
    "figures": [{"file": "a.png", "caption": "fig A"}, {"file": "b.png", "caption": "fig B"}]})JS";
  io::write_text((dir / "casestudy" / "results.json").string(), js);
  io::write_text((dir / "casestudy" / "a.png").string(), "x");
  const CaseStudy cs = read_casestudy((dir / "casestudy" / "results.json").string());
  ASSERT_TRUE(cs.status.empty()) << cs.status;
  Document d;
  section_casestudy(d, cs);
  const std::string md = d.markdown();
  EXPECT_TRUE(has(md, "## Case studies")) << md;
  EXPECT_TRUE(has(md, "Wall time of the study: 12.5 s")) << md;
  EXPECT_TRUE(has(md, "| CC (ccnorm) | 2 | 91.23 ± 1.00 |")) << md;
  EXPECT_TRUE(has(md, "| 25.00 ± 5.00 |")) << md;  // the published arm's fallback column
  EXPECT_TRUE(has(md, "1: 100.0 %, 2: 50.0 %, 3: 1.0 %")) << md;
  EXPECT_TRUE(has(md, "| 100 | inf |")) << md;  // "inf" read as an infinite error
  EXPECT_TRUE(has(md, "| C1 | S1 | M1 |")) << md;
  EXPECT_TRUE(has(md, "- fell back")) << md;
  EXPECT_TRUE(has(md, "(casestudy/a.png)")) << md;
  EXPECT_FALSE(has(md, "b.png")) << md;
  io::write_text((dir / "casestudy" / "results.json").string(), "{\"format\": \"other\"}");
  EXPECT_TRUE(has(read_casestudy((dir / "casestudy" / "results.json").string()).status, "unknown format"));
  fs::remove_all(dir);
}
