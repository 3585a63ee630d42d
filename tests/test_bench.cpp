// Smoke test of `ccnorm bench` (label unit): a tiny run of the real executable produces valid
// Google Benchmark JSON with the docs/design.md §4 names, the post-processed files are consistent
// with it (ratio to closed-form, ns per row = 1 / items per second, accuracy columns against the
// certified reference), skipped combinations are reported with their reason, and the subprocess
// peers (scipy, mpmath) return per-row results on the same inputs. No timing is asserted.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>

#ifndef CCNORM_EXE
#error "CCNORM_EXE must point to the ccnorm executable"
#endif

namespace fs = std::filesystem;
namespace pt = boost::property_tree;

namespace {

std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  bool q = false;
  for (char c : line) {
    if (c == '"') q = !q;
    else if (c == ',' && !q) {
      out.push_back(cur);
      cur.clear();
    } else cur += c;
  }
  out.push_back(cur);
  return out;
}

struct Csv {
  std::vector<std::string> header;
  std::vector<std::map<std::string, std::string>> rows;
};

Csv read_csv(const fs::path& p) {
  Csv c;
  std::ifstream f(p);
  std::string line;
  if (!std::getline(f, line)) return c;
  c.header = split_csv(line);
  while (std::getline(f, line)) {
    if (line.empty()) continue;
    auto v = split_csv(line);
    std::map<std::string, std::string> r;
    for (std::size_t i = 0; i < c.header.size() && i < v.size(); ++i) r[c.header[i]] = v[i];
    c.rows.push_back(r);
  }
  return c;
}

class BenchRun : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("ccnorm_test_bench_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    // Tiny grid: K in {3, 10}, sigma 1, f64, auto / closed-form / opitz-expm, batch with 1 and 2
    // threads, one case removed by a negative filter, the peers on the same rows.
    const std::string cmd = std::string("'") + CCNORM_EXE +
                            "' bench --K 3,10 --sigma 1 --algos auto,closed-form,opitz-expm --dtypes f64 "
                            "--threads 2 --min-time 0.002 --acc-rows 4 --peers "
                            "--filter '-closed-form/f64/K:3/sigma:1/grad$' --json '" +
                            (dir_ / "bench.json").string() + "' > '" + (dir_ / "log.txt").string() + "' 2>&1";
    rc_ = std::system(cmd.c_str());
  }
  static void TearDownTestSuite() {
    if (!::testing::Test::HasFailure()) fs::remove_all(dir_);
  }
  static std::string log() {
    std::ifstream f(dir_ / "log.txt");
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  }
  static inline fs::path dir_;
  static inline int rc_ = -1;
};

TEST_F(BenchRun, ExitsZero) { ASSERT_EQ(rc_, 0) << log(); }

TEST_F(BenchRun, GoogleBenchmarkJsonHasTheDesignNames) {
  pt::ptree j;
  ASSERT_NO_THROW(pt::read_json((dir_ / "bench.json").string(), j)) << log();
  std::map<std::string, pt::ptree> by_name;
  for (const auto& [k, b] : j.get_child("benchmarks")) by_name[b.get<std::string>("name")] = b;
  const std::vector<std::string> expected = {
      "log_partition/auto/f64/K:3/sigma:1",
      "log_partition/auto/f64/K:3/sigma:1/grad",
      "log_partition/auto/f64/K:10/sigma:1/grad",
      "log_partition/closed-form/f64/K:3/sigma:1",
      "log_partition/closed-form/f64/K:10/sigma:1/grad",
      "log_partition/opitz-expm/f64/K:10/sigma:1",
      "log_partition_batch/auto/f64/K:10/sigma:1/grad/batch:1024/threads:1",
      "log_partition_batch/auto/f64/K:10/sigma:1/grad/batch:1024/threads:2",
      "log_partition_batch/closed-form/f64/K:3/sigma:1/batch:1024/threads:2",
  };
  for (const auto& n : expected) {
    auto it = by_name.find(n);
    ASSERT_NE(it, by_name.end()) << "missing " << n << "\n" << log();
    EXPECT_FALSE(it->second.get<bool>("error_occurred", false)) << n;
    EXPECT_GT(it->second.get<double>("items_per_second", 0.0), 0.0) << n;
    EXPECT_GT(it->second.get<double>("real_time", 0.0), 0.0) << n;
  }
  // the negative filter removed exactly that case
  EXPECT_EQ(by_name.count("log_partition/closed-form/f64/K:3/sigma:1/grad"), 0u);
  // the batch family counts rows: items per second ~ batch / real time
  const auto& b = by_name["log_partition_batch/auto/f64/K:10/sigma:1/grad/batch:1024/threads:1"];
  EXPECT_EQ(b.get<std::string>("time_unit"), "ns");
  EXPECT_NEAR(b.get<double>("items_per_second") * b.get<double>("cpu_time") / 1e9, 1024.0, 1024.0 * 0.01);
  // skipped by design: listed, with its reason
  auto sk = by_name.find("log_partition/opitz-expm/f64/K:3/sigma:1/grad");
  ASSERT_NE(sk, by_name.end());
  EXPECT_TRUE(sk->second.get<bool>("error_occurred", false));
  EXPECT_EQ(sk->second.get<std::string>("error_message", "").rfind("skipped: ", 0), 0u);
}

TEST_F(BenchRun, RatiosCsvIsConsistent) {
  Csv c = read_csv(dir_ / "bench_ratios.csv");
  const std::vector<std::string> head = {"algo", "dtype", "K", "sigma", "grad", "ns_per_eval", "ratio_to_closed_form"};
  ASSERT_GE(c.header.size(), head.size()) << log();
  for (std::size_t i = 0; i < head.size(); ++i) EXPECT_EQ(c.header[i], head[i]);
  pt::ptree j;
  pt::read_json((dir_ / "bench.json").string(), j);
  std::map<std::string, double> ips;
  for (const auto& [k, b] : j.get_child("benchmarks")) ips[b.get<std::string>("name")] = b.get<double>("items_per_second", 0);
  int n_auto = 0, n_cf = 0, n_skipped = 0;
  for (auto& r : c.rows) {
    if (!r["note"].empty()) {
      ++n_skipped;
      EXPECT_EQ(r["note"].rfind("skipped: ", 0), 0u) << r["note"];
      continue;
    }
    const double ns = std::stod(r["ns_per_eval"]);
    EXPECT_GT(ns, 0.0);
    if (r["batch"] == "1") {
      // one-row cases: ns per eval is the CPU time per iteration = 1e9 / items_per_second
      std::string name = "log_partition/" + r["algo"] + "/f64/K:" + r["K"] + "/sigma:" + r["sigma"] + (r["grad"] == "1" ? "/grad" : "");
      ASSERT_TRUE(ips.count(name)) << name;
      EXPECT_NEAR(ns * ips[name] / 1e9, 1.0, 0.01) << name;
    }
    if (r["algo"] == "closed-form") {
      ++n_cf;
      EXPECT_EQ(r["ratio_to_closed_form"], "1");
    }
    if (r["algo"] == "auto") {
      ++n_auto;
      // accuracy of the timed rows against the certified reference (auto: err_A <= 16 u, err_mean <= 64 u)
      EXPECT_EQ(r["err_A_ref"], "certified");
      EXPECT_LE(std::stod(r["max_err_A"]), 16.0) << r["K"];
      if (r["grad"] == "1") {
        EXPECT_LE(std::stod(r["max_err_mean"]), 64.0) << r["K"];
      }
      // the closed-form twin of the one-row K=3 /grad case was filtered out: no ratio there
      const bool no_twin = r["batch"] == "1" && r["K"] == "3" && r["grad"] == "1";
      EXPECT_EQ(r["ratio_to_closed_form"].empty(), no_twin) << r["K"] << " batch " << r["batch"];
    }
  }
  EXPECT_EQ(n_auto, 4 + 8);  // 4 one-row + 8 batched (K 3/10 x value/grad x threads 1/2)
  EXPECT_GE(n_cf, 3);
  EXPECT_EQ(n_skipped, 2);  // opitz-expm /grad at K = 3 and 10
}

TEST_F(BenchRun, SummaryJsonHasThroughputRows) {
  pt::ptree j;
  ASSERT_NO_THROW(pt::read_json((dir_ / "bench_summary.json").string(), j)) << log();
  std::set<std::string> algos;
  int n = 0;
  for (const auto& [k, r] : j.get_child("throughput")) {
    for (const char* key : {"algo", "dtype", "K", "sigma", "grad", "ns_per_eval", "batch"})
      EXPECT_TRUE(r.get_child_optional(key)) << key;
    algos.insert(r.get<std::string>("algo"));
    EXPECT_GT(r.get<double>("ns_per_eval"), 0.0);
    ++n;
  }
#if defined(CCNORM_HAVE_LANES)
  // auto-rows: the batched scalar baseline of the SIMD lanes (docs/design.md §4)
  EXPECT_EQ(algos, (std::set<std::string>{"auto", "auto-rows", "closed-form", "opitz-expm"}));
#else
  EXPECT_EQ(algos, (std::set<std::string>{"auto", "closed-form", "opitz-expm"}));
#endif
  EXPECT_GT(n, 10);
  EXPECT_EQ(j.get_child("skipped").size(), 2u);
}

TEST_F(BenchRun, PeersRunOnTheSameRows) {
  Csv c = read_csv(dir_ / "bench_peers.csv");
  ASSERT_FALSE(c.rows.empty()) << log();
  std::set<std::string> seen;
  for (auto& r : c.rows) {
    seen.insert(r["peer"]);
    EXPECT_EQ(r["note"], "") << r["peer"] << " K=" << r["K"];
    EXPECT_EQ(r["rows"], "4");  // --acc-rows 4: the same first 4 rows for every peer
    EXPECT_EQ(r["nonfinite_rows"], "0") << r["peer"];
    EXPECT_GT(std::stod(r["ns_per_eval"]), 0.0);
    EXPECT_EQ(r["err_A_ref"], "certified");
    // mpmath is an arbitrary-precision evaluation: it must agree with the certified reference
    // far below one unit roundoff (a parsing or row mix-up would show up here)
    if (r["peer"] == "mpmath") {
      EXPECT_LT(std::stod(r["max_err_A"]), 1e-3) << "K=" << r["K"];
    }
    if (r["peer"] == "auto") {
      EXPECT_LE(std::stod(r["max_err_A"]), 16.0);
    }
  }
  // divdiff and divdiff+mean only in a build configured with CCNORM_DIVDIFF_DIR: both or neither
  EXPECT_EQ(seen.count("divdiff"), seen.count("divdiff+mean"));
  seen.erase("divdiff");
  seen.erase("divdiff+mean");
  EXPECT_EQ(seen, (std::set<std::string>{"scipy-expm", "mpmath", "opitz-expm", "auto", "auto+mean"}));
}

}  // namespace

// bench_roofline.csv (docs/design.md §5.8): its first line names the measured fma peak; one row per
// auto case of the run (one-row and batched), each with a positive flop count and GFLOP/s =
// flops / ns, percent of peak = GFLOP/s over the peak times the threads.
TEST_F(BenchRun, RooflineCsvHasEveryAutoCase) {
  std::ifstream f(dir_ / "bench_roofline.csv");
  std::string first;
  ASSERT_TRUE(std::getline(f, first)) << "bench_roofline.csv missing\n" << log();
  EXPECT_EQ(first.rfind("# fma peak of one core: ", 0), 0u) << first;
  std::string rest((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  const fs::path tmp = dir_ / "roof_body.csv";
  std::ofstream(tmp) << rest;
  const Csv c = read_csv(tmp);
  const Csv ratios = read_csv(dir_ / "bench_ratios.csv");
  std::size_t autos = 0;
  for (const auto& r : ratios.rows) autos += r.at("algo") == "auto" && !r.at("ns_per_eval").empty();
  EXPECT_EQ(c.rows.size(), autos) << rest;
  EXPECT_GE(autos, 4u);
  for (const auto& r : c.rows) {
    const double ns = std::stod(r.at("ns_per_row")), fl = std::stod(r.at("useful_flops_per_row"));
    const double gf = std::stod(r.at("GFLOPs")), peak = std::stod(r.at("peak_GFLOPs")), pct = std::stod(r.at("pct_peak"));
    EXPECT_GT(fl, 0) << rest;
    EXPECT_NEAR(gf, fl / ns, 1e-3 * gf) << rest;
    EXPECT_GT(peak, 0) << rest;
    EXPECT_NEAR(pct, 100 * gf / peak, 1e-2 * pct) << rest;
#if !defined(__SANITIZE_ADDRESS__)
    EXPECT_LT(pct, 100) << "more than the measured peak: the flop count or the peak is wrong\n" << rest;
#else
    // (AddressSanitizer build, -O1: the peak kernel's 16 chains live in instrumented stack memory
    // and measure ~3 GFLOP/s, so the batched series, which keeps its vectors in registers, can
    // exceed that "peak"; the bound is checked in the release build.)
#endif
  }
}

// The GPU family: this run did not ask for it (--algos without gpu), so it has no GPU cases either
// way; bench_summary.json and bench_gpu.csv still say whether a device exists, and why not.
// Without a device, '--algos gpu' is an error that names the reason (exit 2), not an empty run.
TEST_F(BenchRun, GpuAvailabilityIsReported) {
  pt::ptree j;
  ASSERT_NO_THROW(pt::read_json((dir_ / "bench_summary.json").string(), j)) << log();
  const bool avail = j.get<bool>("gpu.available");
  const std::string reason = j.get<std::string>("gpu.reason");
  EXPECT_EQ(j.get<int>("gpu.cases"), 0);
  std::ifstream f(dir_ / "bench_gpu.csv");
  std::string first;
  ASSERT_TRUE(std::getline(f, first)) << "bench_gpu.csv missing";
  if (avail) {
    EXPECT_TRUE(reason.empty());
    EXPECT_FALSE(j.get<std::string>("gpu.device").empty());
    EXPECT_EQ(first.rfind("# device: ", 0), 0u) << first;
  } else {
    EXPECT_EQ(reason.rfind("no GPU: ", 0), 0u) << reason;
    EXPECT_EQ(first, "# " + reason);
    const std::string out = (dir_ / "gpu_only.txt").string();
    const std::string cmd = std::string("'") + CCNORM_EXE + "' bench --algos gpu --K 3 --min-time 0.001 > '" + out + "' 2>&1";
    const int rc = std::system(cmd.c_str());
    ASSERT_TRUE(WIFEXITED(rc));
    EXPECT_EQ(WEXITSTATUS(rc), 2);
    std::ifstream g(out);
    std::stringstream ss;
    ss << g.rdbuf();
    EXPECT_NE(ss.str().find("--algos gpu: no GPU: "), std::string::npos) << ss.str();
  }
}

// The sampler family (docs/design.md §4.7): `--algos sample` registers only the sample/... cases,
// 2 samplers x K {3, 10, 30} x sigma {0.01, 1, 10}, and bench_sample.csv has one row per case
// with samples/s, the rejection sampler's acceptance (about 1/(K-1)! at near-uniform logits) and
// its NaN rate (every K = 30 near-uniform draw gives up after 10^5 attempts).
TEST(BenchSample, CasesNamesAndAcceptance) {
  const fs::path dir = fs::temp_directory_path() / ("ccnorm_test_bench_sample_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string cmd = std::string("'") + CCNORM_EXE + "' bench --algos sample --min-time 0.001 --json '" +
                          (dir / "bench.json").string() + "' > '" + (dir / "log.txt").string() + "' 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  pt::ptree j;
  pt::read_json((dir / "bench.json").string(), j);
  std::set<std::string> names;
  for (const auto& [k, b] : j.get_child("benchmarks")) names.insert(b.get<std::string>("name"));
  EXPECT_EQ(names.size(), 18u);
  for (const char* n : {"sample/ccnorm/K:3/sigma:0.01", "sample/rejection/K:30/sigma:10", "sample/ccnorm/K:10/sigma:1"})
    EXPECT_TRUE(names.count(n)) << n;
  for (const auto& n : names) EXPECT_EQ(n.rfind("sample/", 0), 0u) << n;  // no log_partition cases
  const Csv c = read_csv(dir / "bench_sample.csv");
  const std::vector<std::string> head = {"sampler", "K", "sigma", "ns_per_sample", "samples_per_s", "acceptance",
                                         "nan_rate", "setup_ns_per_row", "rows", "note"};
  EXPECT_EQ(c.header, head);
  ASSERT_EQ(c.rows.size(), 18u);
  for (const auto& r : c.rows) {
    SCOPED_TRACE(r.at("sampler") + " K=" + r.at("K") + " sigma=" + r.at("sigma"));
    EXPECT_GT(std::stod(r.at("samples_per_s")), 0);
    if (r.at("sampler") == "ccnorm") {
      EXPECT_EQ(std::stod(r.at("acceptance")), 1.0);
      EXPECT_EQ(std::stod(r.at("nan_rate")), 0.0);
    }
    if (r.at("sampler") == "rejection" && r.at("K") == "3" && r.at("sigma") == "0.01") {
      EXPECT_NEAR(std::stod(r.at("acceptance")), 0.5, 0.05);  // 1/2! at near-uniform logits
      EXPECT_EQ(std::stod(r.at("nan_rate")), 0.0);
    }
    if (r.at("sampler") == "rejection" && r.at("K") == "30" && r.at("sigma") == "0.01") {
      EXPECT_EQ(std::stod(r.at("nan_rate")), 1.0);  // 1/29! ~ 1e-31 per attempt
    }
  }
  pt::ptree s;
  pt::read_json((dir / "bench_summary.json").string(), s);
  EXPECT_EQ(s.get_child("sampling").size(), 18u);
  EXPECT_TRUE(s.get_child("throughput").empty());
  fs::remove_all(dir);
}
