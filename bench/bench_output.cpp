// ccnorm bench: the console summary and the post-processed files next to the Google Benchmark
// JSON (bench_ratios.csv, bench_summary.json, bench_gpu.csv, bench_peers.csv; docs/design.md §5).
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "bench/bench_internal.hpp"
#include "io/csv.hpp"
#include "io/files.hpp"
#include "io/format.hpp"
#include "io/json.hpp"

namespace ccnorm::bench {

using io::csv_field;
using io::format_g;
using io::json_number;
using io::json_string;

std::string cell(double x, int prec) {
  if (std::isnan(x)) return "";
  return io::format_g(x, prec);
}

void print_summary(const Results& R) {
  std::printf("\nccnorm bench summary (ns per row; ratio = time / closed-form's time in this run; err_A in u of the dtype,\n"
              "max over the first rows of each input pool; ref 'certified' = ccnorm::ref::certified, otherwise auto-precise, not certified)\n");
  std::printf("%-74s %12s %9s %10s %10s %s\n", "case", "ns/row", "ratio", "err_A", "err_mean", "ref");
  for (const auto& n : R.order) {
    const ResultRow& row = R.rows.at(n);
    std::printf("%-74s %12s %9s %10s %10s %s\n", n.c_str(), cell(row.ns_per_eval, 5).c_str(), cell(row.ratio, 3).c_str(),
                cell(row.acc.max_err_A, 3).c_str(), row.acc.max_err_mean >= 0 ? cell(row.acc.max_err_mean, 3).c_str() : "-",
                row.acc.ref.c_str());
  }
  // batched speed-up
  for (const auto& n : R.order) {
    const ResultRow& row = R.rows.at(n);
    if (!row.c.batch || row.c.threads == 1) continue;
    Case one = row.c;
    one.threads = 1;
    auto it = R.rows.find(case_name(one));
    if (it != R.rows.end())
      std::printf("speed-up %s: %.2fx over 1 thread\n", n.c_str(), it->second.ns_per_eval / row.ns_per_eval);
  }
  if (R.gpu.reason.empty()) {
    std::printf("\nGPU: %s; device-to-device copy %s GB/s (read + write)\n", R.gpu.device.c_str(), cell(R.gpu.copy_gbs, 4).c_str());
    std::printf("%-66s %10s %9s %7s %10s %9s %5s\n", "case", "ns/row", "GB/s", "%copy", "x CPU auto", "escalated", "host");
    for (const auto& g : R.gpu_rows) {
      const ResultRow& row = R.rows.at(g.name);
      std::printf("%-66s %10s %9s %7s %10s %9s %5s\n", g.name.c_str(), cell(row.ns_per_eval, 4).c_str(), cell(g.gbps, 4).c_str(),
                  cell(g.pct, 3).c_str(), cell(g.vs_cpu, 3).c_str(), cell(row.escalated, 6).c_str(), cell(row.host, 6).c_str());
    }
  } else {
    std::printf("\nGPU cases not run: %s\n", R.gpu.reason.c_str());
  }
  if (!R.skipped.empty()) {
    std::printf("\n%zu cases skipped or failed (the reason is in the JSON 'error_message'):\n", R.skipped.size());
    for (const auto& [n, why] : R.skipped) std::printf("  %s: %s\n", n.c_str(), why.c_str());
  }
  if (!R.peers.empty()) {
    std::printf("\npeers on identical f64 rows (median ns per row; err_A in u = 2^-53):\n");
    std::printf("%-12s %6s %7s %5s %14s %12s %4s %s\n", "peer", "K", "sigma", "rows", "ns/row", "err_A", "nan", "ref / note");
    for (const auto& p : R.peers)
      std::printf("%-12s %6zu %7s %5zu %14s %12s %4zu %s\n", p.peer.c_str(), p.K, format_g(p.sigma).c_str(), p.rows,
                  cell(p.median_ns, 5).c_str(), cell(p.max_err_A, 3).c_str(), p.nonfinite, (p.note.empty() ? p.ref : p.note).c_str());
  }
  if (!R.samples.empty()) {
    std::printf("\nsamplers (one draw per iteration, CPU time; acceptance and NaN rate of the rejection sampler):\n");
    std::printf("%-36s %12s %14s %11s %9s %13s %s\n", "case", "ns/sample", "samples/s", "acceptance", "NaN rate", "setup ns/row", "note");
    for (const auto& s : R.samples)
      std::printf("%-36s %12s %14s %11s %9s %13s %s\n", s.c.name.c_str(), cell(s.ns_per_sample, 5).c_str(),
                  cell(1e9 / s.ns_per_sample, 5).c_str(), cell(s.acceptance, 3).c_str(), cell(s.nan_rate, 3).c_str(),
                  cell(s.setup_ns, 4).c_str(), s.note.c_str());
  }
  if (!R.roof.empty()) {
    std::printf("\nroofline of auto (useful flops of the series, bench/roofline.hpp; peak: measured fma rate of one core, %s GFLOP/s, %s, times the threads):\n",
                cell(R.peak_gflops_core, 4).c_str(), R.peak_target.c_str());
    std::printf("%-74s %12s %12s %9s %7s\n", "case", "ns/row", "flops/row", "GFLOP/s", "% peak");
    for (const auto& rr : R.roof)
      std::printf("%-74s %12s %12s %9s %7s\n", rr.name.c_str(), cell(R.rows.at(rr.name).ns_per_eval, 5).c_str(),
                  cell(rr.flops_per_row, 4).c_str(), cell(rr.gflops, 3).c_str(), cell(rr.pct_peak, 3).c_str());
  }
  std::printf("(accuracy columns took %.1f s)\n", R.accuracy_s);
}

namespace {

const char* clock_of(const Case& c) { return c.gpu() ? "device" : c.batch ? "real" : "cpu"; }

std::string ratios_csv(const Results& R) {
  std::string f =
      "algo,dtype,K,sigma,grad,ns_per_eval,ratio_to_closed_form,batch,threads,clock,max_err_A,err_A_ref,acc_rows,"
      "max_err_mean,nonfinite_rows,note\n";
  for (const auto& n : R.order) {
    const ResultRow& row = R.rows.at(n);
    const Case& c = row.c;
    f += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},\n", c.algo, c.dtype(), c.K, format_g(c.sigma), c.grad ? 1 : 0,
                     cell(row.ns_per_eval, 6), cell(row.ratio, 6), c.batch ? c.batch : 1, c.threads, clock_of(c),
                     cell(row.acc.max_err_A, 4), csv_field(row.acc.ref), row.acc.rows,
                     row.acc.max_err_mean >= 0 ? cell(row.acc.max_err_mean, 4) : "", row.acc.nonfinite);
  }
  for (const auto& [n, why] : R.skipped) {
    const Case& c = R.by_name.at(n);
    f += fmt::format("{},{},{},{},{},,,{},{},,,,,,,{}\n", c.algo, c.dtype(), c.K, format_g(c.sigma), c.grad ? 1 : 0,
                     c.batch ? c.batch : 1, c.threads, csv_field(why));
  }
  return f;
}

std::string summary_json(const Options& o, const Results& R) {
  std::string f = "{\n  \"throughput\": [\n";
  bool first = true;
  for (const auto& n : R.order) {
    const ResultRow& row = R.rows.at(n);
    const Case& c = row.c;
    f += std::string(first ? "" : ",\n") + "    {\"algo\": " + json_string(c.algo) + ", \"dtype\": " + json_string(c.dtype()) +
         ", \"K\": " + std::to_string(c.K) + ", \"sigma\": " + format_g(c.sigma) + ", \"grad\": " + (c.grad ? "true" : "false") +
         ", \"ns_per_eval\": " + json_number(row.ns_per_eval) + ", \"batch\": " + std::to_string(c.batch ? c.batch : 1) +
         ", \"threads\": " + std::to_string(c.threads) + ", \"clock\": " + json_string(clock_of(c)) +
         ", \"ratio_to_closed_form\": " + json_number(row.ratio) + ", \"max_err_A\": " + json_number(row.acc.max_err_A) +
         ", \"err_A_ref\": " + json_string(row.acc.ref) + ", \"acc_rows\": " + std::to_string(row.acc.rows) +
         ", \"max_err_mean\": " + (row.acc.max_err_mean >= 0 ? json_number(row.acc.max_err_mean) : "null") +
         ", \"nonfinite_rows\": " + std::to_string(row.acc.nonfinite) + ", \"name\": " + json_string(n) + "}";
    first = false;
  }
  f += "\n  ],\n  \"skipped\": [\n";
  first = true;
  for (const auto& [n, why] : R.skipped) {
    f += std::string(first ? "" : ",\n") + "    {\"name\": " + json_string(n) + ", \"reason\": " + json_string(why) + "}";
    first = false;
  }
  f += "\n  ],\n  \"peers\": [\n";
  first = true;
  for (const auto& p : R.peers) {
    f += std::string(first ? "" : ",\n") + "    {\"peer\": " + json_string(p.peer) + ", \"dtype\": \"f64\", \"K\": " +
         std::to_string(p.K) + ", \"sigma\": " + format_g(p.sigma) + ", \"rows\": " + std::to_string(p.rows) +
         ", \"ns_per_eval\": " + json_number(p.median_ns) + ", \"max_err_A\": " + json_number(p.max_err_A) +
         ", \"err_A_ref\": " + json_string(p.ref) + ", \"nonfinite_rows\": " + std::to_string(p.nonfinite) +
         ", \"note\": " + json_string(p.note) + "}";
    first = false;
  }
  f += "\n  ],\n  \"sampling\": [\n";
  first = true;
  for (const auto& s : R.samples) {
    f += std::string(first ? "" : ",\n") + "    {\"name\": " + json_string(s.c.name) + ", \"sampler\": " + json_string(s.c.sampler) +
         ", \"K\": " + std::to_string(s.c.K) + ", \"sigma\": " + format_g(s.c.sigma) +
         ", \"ns_per_sample\": " + json_number(s.ns_per_sample) + ", \"samples_per_s\": " + json_number(1e9 / s.ns_per_sample) +
         ", \"acceptance\": " + json_number(s.acceptance) + ", \"nan_rate\": " + json_number(s.nan_rate) +
         ", \"setup_ns_per_row\": " + json_number(s.setup_ns) + ", \"rows\": " + std::to_string(s.rows) +
         ", \"note\": " + json_string(s.note) + "}";
    first = false;
  }
  f += "\n  ],\n  \"gpu\": {\"available\": " + std::string(R.gpu.reason.empty() ? "true" : "false") +
       ", \"device\": " + json_string(R.gpu.device) + ", \"reason\": " + json_string(R.gpu.reason) +
       ", \"copy_GBps\": " + json_number(R.gpu.copy_gbs) + ", \"cases\": " + std::to_string(R.gpu_rows.size()) +
       "},\n  \"notes\": {\"err_A\": \"docs/design.md §3, in u of the dtype, max over acc_rows rows of the timed pool\", "
       "\"err_mean\": \"vs auto-precise (not certified)\", \"clock\": \"cpu: CPU time of the calling thread; real: wall "
       "time per row of the batch; device: GPU time per row (CUDA events, inputs resident on the device)\", \"min_time_s\": " +
       format_g(o.min_time) + ", \"repetitions\": " + std::to_string(o.repetitions) + "}\n}\n";
  return f;
}

std::string gpu_csv(const Results& R) {
  std::string f = "# " + (R.gpu.reason.empty() ? "device: " + R.gpu.device + "; copy_GBps " + cell(R.gpu.copy_gbs, 6) : R.gpu.reason) + "\n";
  f += "dtype,K,sigma,grad,batch,ns_per_row,rows_per_s,GBps,pct_copy_bw,x_cpu_auto_batch,escalated_rows,host_rows,"
       "max_err_A,err_A_ref,max_err_mean,acc_rows,nonfinite_rows\n";
  for (const auto& g : R.gpu_rows) {
    const ResultRow& row = R.rows.at(g.name);
    const Case& c = row.c;
    f += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", c.dtype(), c.K, format_g(c.sigma), c.grad ? 1 : 0,
                     c.batch, cell(row.ns_per_eval, 6), cell(1e9 / row.ns_per_eval, 6), cell(g.gbps, 6), cell(g.pct, 4),
                     cell(g.vs_cpu, 4), cell(row.escalated, 10), cell(row.host, 10), cell(row.acc.max_err_A, 4),
                     csv_field(row.acc.ref), row.acc.max_err_mean >= 0 ? cell(row.acc.max_err_mean, 4) : "", row.acc.rows,
                     row.acc.nonfinite);
  }
  return f;
}

std::string sample_csv(const Results& R) {
  std::string f = "sampler,K,sigma,ns_per_sample,samples_per_s,acceptance,nan_rate,setup_ns_per_row,rows,note\n";
  for (const auto& s : R.samples)
    f += fmt::format("{},{},{},{},{},{},{},{},{},{}\n", s.c.sampler, s.c.K, format_g(s.c.sigma), cell(s.ns_per_sample, 6),
                     cell(1e9 / s.ns_per_sample, 6), cell(s.acceptance, 6), cell(s.nan_rate, 6), cell(s.setup_ns, 6), s.rows,
                     csv_field(s.note));
  return f;
}

std::string peers_csv(const Results& R) {
  std::string f = "peer,dtype,K,sigma,rows,ns_per_eval,max_err_A,err_A_ref,nonfinite_rows,note\n";
  for (const auto& p : R.peers)
    f += fmt::format("{},f64,{},{},{},{},{},{},{},{}\n", p.peer, p.K, format_g(p.sigma), p.rows, cell(p.median_ns, 6),
                     cell(p.max_err_A, 4), csv_field(p.ref), p.nonfinite, csv_field(p.note));
  return f;
}

std::string roofline_csv(const Results& R) {
  std::string f = "# fma peak of one core: " + (R.peak_gflops_core > 0 ? cell(R.peak_gflops_core, 5) + " GFLOP/s (" + R.peak_target + ")" : R.peak_target) + "\n";
  f += "algo,dtype,K,sigma,grad,batch,threads,ns_per_row,useful_flops_per_row,GFLOPs,peak_GFLOPs,pct_peak\n";
  for (const auto& rr : R.roof) {
    const ResultRow& row = R.rows.at(rr.name);
    const Case& c = row.c;
    f += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{}\n", c.algo, c.dtype(), c.K, format_g(c.sigma), c.grad ? 1 : 0,
                     c.batch ? c.batch : 1, c.threads, cell(row.ns_per_eval, 6), cell(rr.flops_per_row, 6), cell(rr.gflops, 4),
                     cell(rr.peak_gflops, 4), cell(rr.pct_peak, 3));
  }
  return f;
}

}  // namespace

void write_files(const std::string& dir, const Options& o, const Results& R) {
  io::write_text(dir + "/bench_ratios.csv", ratios_csv(R));
  io::write_text(dir + "/bench_summary.json", summary_json(o, R));
  io::write_text(dir + "/bench_gpu.csv", gpu_csv(R));
  io::write_text(dir + "/bench_sample.csv", sample_csv(R));
  io::write_text(dir + "/bench_roofline.csv", roofline_csv(R));
  if (!R.peers.empty()) io::write_text(dir + "/bench_peers.csv", peers_csv(R));
}

}  // namespace ccnorm::bench
