// Smoke test of `ccnorm report --quick` (label unit): the real executable writes report.md,
// report.html and summary.json with the docs/design.md §4 keys, and its GPU section follows
// bench/bench_gpu.csv. No device is needed: the report is run with --no-bench on bench files
// written here, marked "TEST FIXTURE" (they are inputs of the renderer, not measurements): once
// with a GPU row (the table, the GPU goal rows, summary.json's environment.gpu and a throughput
// row with threads 0) and once with the "no GPU: <reason>" line that ccnorm bench writes without
// a device.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>

#ifndef CCNORM_EXE
#error "CCNORM_EXE must point to the ccnorm executable"
#endif

namespace fs = std::filesystem;
namespace pt = boost::property_tree;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void write(const fs::path& p, const std::string& s) {
  fs::create_directories(p.parent_path());
  std::ofstream f(p);
  f << s;
}

const char* kRatios =
    "algo,dtype,K,sigma,grad,ns_per_eval,ratio_to_closed_form,batch,threads,clock,max_err_A,err_A_ref,acc_rows,"
    "max_err_mean,nonfinite_rows,note\n"
    "closed-form,f64,10,1,0,100,,1,1,cpu,1,certified,2,,0,\n"
    "auto,f64,10,1,0,200,2,1,1,cpu,0.5,certified,2,,0,\n"
    "auto,f32,10,1,1,300,,1024,2,real,0.1,certified,2,0.5,0,\n"
    "gpu,f32,10,1,1,0.25,,1048576,0,device,0.1,certified,2,0.5,0,\n";

int run_report(const fs::path& dir, bool resume) {
  const std::string cmd = std::string("'") + CCNORM_EXE + "' report --quick --no-bench" + (resume ? " --resume" : "") +
                          " --out '" + dir.string() + "' > '" + (dir / "test.log").string() + "' 2>&1";
  return std::system(cmd.c_str());
}

TEST(Report, QuickWithAndWithoutGpuRows) {
  const fs::path dir = fs::temp_directory_path() / ("ccnorm_test_report_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  write(dir / "bench" / "bench_ratios.csv", kRatios);
  write(dir / "bench" / "bench_gpu.csv",
        "# device: TEST FIXTURE GPU (sm_90, 1 SMs); copy_GBps 1000\n"
        "dtype,K,sigma,grad,batch,ns_per_row,rows_per_s,GBps,pct_copy_bw,x_cpu_auto_batch,escalated_rows,host_rows,"
        "max_err_A,err_A_ref,max_err_mean,acc_rows,nonfinite_rows\n"
        "f32,10,1,1,1048576,0.25,4e9,336,33.6,1200,0,0,0.1,certified,0.5,2,0\n");
  ASSERT_EQ(run_report(dir, false), 0) << slurp(dir / "test.log");
  for (const char* f : {"report.md", "report.html", "summary.json", "sweep.csv"}) EXPECT_TRUE(fs::exists(dir / f)) << f;
  const std::string md = slurp(dir / "report.md");
  EXPECT_NE(md.find("device: TEST FIXTURE GPU"), std::string::npos);
  EXPECT_NE(md.find("% copy"), std::string::npos);
  EXPECT_NE(md.find("f32, K=10, value+mean: percent of the copy bandwidth"), std::string::npos);
  EXPECT_NE(md.find("33.6 %"), std::string::npos);
  EXPECT_NE(md.find("reused from an earlier"), std::string::npos);
  pt::ptree js;
  pt::read_json((dir / "summary.json").string(), js);
  for (const char* k : {"max_dimension", "accuracy", "throughput", "environment"}) EXPECT_TRUE(js.get_child_optional(k)) << k;
  EXPECT_EQ(js.get<std::string>("environment.gpu"), "device: TEST FIXTURE GPU (sm_90, 1 SMs); copy_GBps 1000");
  bool gpu_row = false;
  for (const auto& [k, r] : js.get_child("throughput"))
    if (r.get<std::string>("algo") == "gpu") {
      gpu_row = true;
      EXPECT_EQ(r.get<int>("threads"), 0);
      EXPECT_EQ(r.get<long>("batch"), 1048576);
    }
  EXPECT_TRUE(gpu_row);
  EXPECT_FALSE(js.get_child("accuracy").empty());

  // without a device: bench_gpu.csv holds only the reason
  write(dir / "bench" / "bench_gpu.csv",
        "# no GPU: TEST FIXTURE reason\n"
        "dtype,K,sigma,grad,batch,ns_per_row,rows_per_s,GBps,pct_copy_bw,x_cpu_auto_batch,escalated_rows,host_rows,"
        "max_err_A,err_A_ref,max_err_mean,acc_rows,nonfinite_rows\n");
  EXPECT_EQ(slurp(dir / "test.log").find("regions: reused"), std::string::npos) << "a fresh run computes the regions";
  EXPECT_TRUE(fs::exists(dir / "regions" / "stamp.txt"));
  ASSERT_EQ(run_report(dir, true), 0) << slurp(dir / "test.log");
  // --resume: the regions of the first run (same configuration, stamp written) are reused
  EXPECT_NE(slurp(dir / "test.log").find("regions: reused from an earlier run"), std::string::npos) << slurp(dir / "test.log");
  const std::string md2 = slurp(dir / "report.md");
  EXPECT_NE(md2.find("no GPU: TEST FIXTURE reason. The `gpu` algorithm is not measured"), std::string::npos);
  EXPECT_NE(md2.find("no GPU: TEST FIXTURE reason (every number in this report is CPU-only)"), std::string::npos);
  EXPECT_EQ(md2.find("% copy"), std::string::npos);
  pt::ptree js2;
  pt::read_json((dir / "summary.json").string(), js2);
  EXPECT_EQ(js2.get<std::string>("environment.gpu"), "no GPU: TEST FIXTURE reason");
  fs::remove_all(dir);
}

}  // namespace
