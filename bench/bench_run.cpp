// ccnorm bench: run() - options, registration, Google Benchmark, post-processing, files.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>

#include <Eigen/Core>
#include <fmt/format.h>

#include "bench/bench_internal.hpp"
#include "io/format.hpp"
#if defined(CCNORM_HAVE_CUDA)
#include "normalizer/cuda/gpu.hpp"
#endif

namespace ccnorm::bench {

namespace {

// One row per case (medians when repeated), the skipped cases, the ratios to closed-form.
void collect(const Options& o, const std::vector<Case>& cases, const std::vector<benchmark::BenchmarkReporter::Run>& runs,
             Results& R) {
  for (const Case& c : cases) R.by_name[c.name] = c;
  for (const auto& r : runs) {
    const std::string fname = r.run_name.function_name;
    auto it = R.by_name.find(fname);
    if (it == R.by_name.end()) continue;
    const Case& c = it->second;
    if (r.error_occurred) {
      if (!R.rows.count(fname) &&
          std::find_if(R.skipped.begin(), R.skipped.end(), [&](auto& p) { return p.first == fname; }) == R.skipped.end())
        R.skipped.emplace_back(fname, r.error_message);
      continue;
    }
    const bool want = o.repetitions > 1 ? (r.run_type == benchmark::BenchmarkReporter::Run::RT_Aggregate && r.aggregate_name == "median")
                                        : r.run_type == benchmark::BenchmarkReporter::Run::RT_Iteration;
    if (!want) continue;
    ResultRow row;
    row.c = c;
    const double per = c.batch ? static_cast<double>(c.batch) : 1.0;
    const double cpu = to_ns(r.GetAdjustedCPUTime(), r.time_unit) / per;
    const double real = to_ns(r.GetAdjustedRealTime(), r.time_unit) / per;
    row.ns_per_eval = c.batch ? real : cpu;
    row.real_ns_per_eval = real;
    if (c.gpu()) {
      auto ctr = [&](const char* k) { auto f = r.counters.find(k); return f == r.counters.end() ? std::nan("") : static_cast<double>(f->second); };
      row.bytes = ctr("bytes");
      row.escalated = ctr("escalated");
      row.host = ctr("host");
    }
    R.rows[fname] = row;
  }
  // registration order (algorithm, dtype, K, sigma, grad; one-row before batched)
  for (const Case& c : cases)
    if (R.rows.count(c.name)) R.order.push_back(c.name);
  // ratio to closed-form from the same run
  for (auto& [n, row] : R.rows) {
    Case cf = row.c;
    cf.algo = "closed-form";
    auto it = R.rows.find(case_name(cf));
    if (it != R.rows.end() && it->second.ns_per_eval > 0) row.ratio = row.ns_per_eval / it->second.ns_per_eval;
  }
}

// The sampler cases: ns per draw (CPU time), the counters, or the error.
void collect_samples(const Options& o, const std::vector<SampleCase>& cases,
                     const std::vector<benchmark::BenchmarkReporter::Run>& runs, Results& R) {
  for (const SampleCase& c : cases) {
    SampleRow row;
    row.c = c;
    bool seen = false;
    for (const auto& r : runs) {
      if (r.run_name.function_name != c.name) continue;
      if (r.error_occurred) {
        row.note = r.error_message;
        seen = true;
        continue;
      }
      const bool want = o.repetitions > 1 ? (r.run_type == benchmark::BenchmarkReporter::Run::RT_Aggregate && r.aggregate_name == "median")
                                          : r.run_type == benchmark::BenchmarkReporter::Run::RT_Iteration;
      if (!want) continue;
      seen = true;
      row.ns_per_sample = to_ns(r.GetAdjustedCPUTime(), r.time_unit);
      auto ctr = [&](const char* k) { auto f = r.counters.find(k); return f == r.counters.end() ? std::nan("") : static_cast<double>(f->second); };
      row.acceptance = ctr("acceptance");
      row.nan_rate = ctr("nan_rate");
      row.setup_ns = ctr("setup_ns_per_row");
      const double rows = ctr("rows");
      row.rows = std::isnan(rows) ? 0 : static_cast<std::size_t>(rows);
    }
    if (seen) R.samples.push_back(row);  // (a case the filter excluded has no row)
  }
}

// GPU: effective bandwidth and speed-up over the CPU batched auto (all threads, same run).
void gpu_table(const Options& o, Results& R) {
  for (const auto& n : R.order) {
    const ResultRow& row = R.rows.at(n);
    if (!row.c.gpu()) continue;
    GpuRow g;
    g.name = n;
    g.gbps = row.bytes / (row.ns_per_eval * static_cast<double>(row.c.batch));  // bytes per ns = GB/s
    g.pct = 100.0 * g.gbps / R.gpu.copy_gbs;
    Case cpu = row.c;
    cpu.algo = "auto";
    cpu.batch = batch_rows(cpu.K);
    cpu.threads = o.threads > 0 ? o.threads : all_threads();
    auto it = R.rows.find(case_name(cpu));
    if (it != R.rows.end()) g.vs_cpu = it->second.ns_per_eval / row.ns_per_eval;
    R.gpu_rows.push_back(g);
  }
}

}  // namespace

int run(const Options& opt) {
  Options o = opt;
  if (o.min_time < 0) o.min_time = o.quick ? 0.01 : 0.1;
  if (o.quick && o.acc_rows > 8) o.acc_rows = 8;
  for (const auto& a : o.algos)
    if (a != "gpu" && a != "sample" && std::find(all_algos().begin(), all_algos().end(), a) == all_algos().end()) {
      std::fprintf(stderr, "ccnorm bench: unknown algorithm '%s'\n", a.c_str());
      return 2;
    }
  for (const auto& d : o.dtypes)
    if (d != "f64" && d != "f32") {
      std::fprintf(stderr, "ccnorm bench: unknown dtype '%s'\n", d.c_str());
      return 2;
    }
  if (o.peers && (o.python.empty() || o.peers_script.empty())) {
    std::fprintf(stderr, "ccnorm bench: --peers needs the interpreter and the peers script\n");
    return 2;
  }
  Eigen::setNbThreads(1);  // opitz-expm is a one-thread peer
  // the GPU family: only when built with CUDA and a device exists
  Results R;
  R.gpu.reason = "no GPU: not requested (--no-gpu)";
  if (o.gpu) R.gpu.reason = gpu_unavailable(R.gpu.device);
  const bool gpu_asked = std::find(o.algos.begin(), o.algos.end(), "gpu") != o.algos.end();
  if (!R.gpu.reason.empty()) {
    if (gpu_asked) {
      std::fprintf(stderr, "ccnorm bench: --algos gpu: %s\n", R.gpu.reason.c_str());
      return 2;
    }
    o.gpu = false;
  }
#if defined(CCNORM_HAVE_CUDA)
  if (o.gpu && !o.list) {
    try {
      R.gpu.copy_gbs = gpu::copy_bandwidth_gbs();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "ccnorm bench: measuring the device copy bandwidth failed: %s\n", e.what());
    }
  }
#endif
  const std::vector<Case> cases = make_cases(o);
  const std::vector<SampleCase> sample_cases = make_sample_cases(o);
  auto pools = std::make_unique<Pools>(o.seed);
  register_cases(cases, *pools);
  register_sample_cases(sample_cases, *pools);

  // Google Benchmark flags
  std::vector<std::string> args = {"ccnorm-bench"};
  if (!o.filter.empty()) args.push_back("--benchmark_filter=" + o.filter);
  args.push_back(fmt::format("--benchmark_min_time={}", o.min_time));
  if (o.repetitions > 1) {
    args.push_back(fmt::format("--benchmark_repetitions={}", o.repetitions));
    args.push_back("--benchmark_display_aggregates_only=true");
  }
  namespace fs = std::filesystem;
  fs::path outdir;
  if (!o.json.empty()) {
    fs::path jp = fs::absolute(o.json);
    outdir = jp.parent_path();
    std::error_code ec;
    fs::create_directories(outdir, ec);
    if (!fs::is_directory(outdir)) {
      std::fprintf(stderr, "ccnorm bench: cannot create the output directory %s\n", outdir.c_str());
      return 2;
    }
    args.push_back("--benchmark_out=" + jp.string());
    args.push_back("--benchmark_out_format=json");
  }
  if (o.list) args.push_back("--benchmark_list_tests=true");
  for (const auto& a : o.gb_args) args.push_back(a);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int argc = static_cast<int>(args.size());
  benchmark::Initialize(&argc, argv.data());
  if (argc > 1) {
    std::fprintf(stderr, "ccnorm bench: unrecognised Google Benchmark argument '%s'\n", argv[1]);
    return 2;
  }
  benchmark::AddCustomContext("ccnorm_inputs", fmt::format("z=(sigma*N(0,1)^(K-1),0), seed {}, pool of 64..1024 distinct rows cycled", o.seed));
  benchmark::AddCustomContext("ccnorm_clock", "log_partition: cpu_time of the calling thread; log_partition_batch: real_time per batch; "
                                              "log_partition_batch/gpu: device time per call (CUDA events, manual time)");
  benchmark::AddCustomContext("ccnorm_gpu", R.gpu.reason.empty() ? R.gpu.device : R.gpu.reason);
  if (!std::isnan(R.gpu.copy_gbs)) benchmark::AddCustomContext("ccnorm_gpu_copy_GBps", cell(R.gpu.copy_gbs, 5));
  benchmark::AddCustomContext("ccnorm_min_time_s", io::format_g(o.min_time));
  std::size_t nskip = 0;
  for (const Case& c : cases) nskip += !c.skip.empty();
  benchmark::AddCustomContext("ccnorm_skipped_by_design", fmt::format("{} cases end with 'skipped: <reason>'", nskip));

  CapturingReporter rep;
  benchmark::RunSpecifiedBenchmarks(&rep);
  if (o.list) return 0;

  // ---- post-processing
  collect(o, cases, rep.kept, R);
  collect_samples(o, sample_cases, rep.kept, R);
  // accuracy on the timed inputs (one-row and batched paths give identical results: computed once)
  RefCache refs(*pools);
  std::map<std::string, Accuracy> acc_cache;
  const auto t_acc0 = std::chrono::steady_clock::now();
  for (auto& [n, row] : R.rows) {
    Case k = row.c;
    k.batch = 0;
    k.threads = 1;
    const std::string key = case_name(k);
    auto it = acc_cache.find(key);
    if (it == acc_cache.end()) it = acc_cache.emplace(key, accuracy_of(k, *pools, refs, o.acc_rows)).first;
    row.acc = it->second;
    row.have_acc = true;
  }
  R.accuracy_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_acc0).count();

  if (o.peers) {
    std::vector<std::size_t> Ks = o.Ks.empty() ? (o.quick ? std::vector<std::size_t>{3, 10, 100, 316, 1000} : full_Ks()) : o.Ks;
    std::vector<double> sg = o.sigmas.empty() ? (o.quick ? std::vector<double>{1} : full_sigmas()) : o.sigmas;
    std::string tmp = (fs::temp_directory_path() / fmt::format("ccnorm-bench-peers-{}", static_cast<long>(::getpid()))).string();
    fs::create_directories(tmp);
    R.peers = run_peers(o, Ks, sg, *pools, refs, tmp);
    std::error_code ec;
    fs::remove_all(tmp, ec);
  }
  gpu_table(o, R);
  roofline(R, *pools);

  print_summary(R);
  if (o.json.empty()) return 0;
  write_files(outdir.string(), o, R);
  std::printf("wrote %s, %s, %s, %s, %s, %s%s\n", o.json.c_str(), (outdir / "bench_ratios.csv").c_str(),
              (outdir / "bench_summary.json").c_str(), (outdir / "bench_gpu.csv").c_str(), (outdir / "bench_sample.csv").c_str(),
              (outdir / "bench_roofline.csv").c_str(),
              R.peers.empty() ? "" : (", " + (outdir / "bench_peers.csv").string()).c_str());
  return 0;
}

}  // namespace ccnorm::bench
