// ccnorm bench: the CPU roofline table (bench_roofline.csv, docs/design.md §5.8). For each `auto`
// case of the run (one-row and batched): the useful flops per row (bench/roofline.hpp, with the
// degree count N of auto's own double series on the case's pool rows), GFLOP/s at the measured
// time, and the fraction of the compute roof = the measured fma peak of one core
// (normalizer/lanes/auto_lanes.hpp fma_peak) times the threads of the case. The series is
// compute-bound (K inputs and K + 2 outputs per row against ~30 K N flops), so only the compute
// roof is stated.
#include <algorithm>

#include "bench/bench_internal.hpp"
#include "bench/roofline.hpp"
#include "normalizer/auto.hpp"
#include "normalizer/taylor.hpp"
#if defined(CCNORM_HAVE_LANES)
#include "normalizer/lanes/auto_lanes.hpp"
#endif

namespace ccnorm::bench {

namespace {

// Mean useful flops per row over the first rows of the pool; NaN when a row does not take the
// plain double series (wide rows go to separated.hpp or extended precision: not this count).
template <class T>
double flops_per_row(Pools& pools, std::size_t K, double sigma, bool grad) {
  const std::vector<T>& z = pools.get<T>(K, sigma);
  const std::size_t rows = std::min<std::size_t>(z.size() / K, K >= 1000 ? 16 : 128);
  taylor_detail::Work<double> ws;
  double sum = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    T m;
    const double sp = taylor_prepare<double, T>(z.data() + r * K, K, ws, m);
    if (!auto_detail::plain_double_series<T>(sp, K, grad)) return std::nan("");
    const auto s = taylor_detail::run_series<double>(ws, K, sp, grad);
    sum += series_useful_flops(static_cast<double>(s.terms), K, grad);
  }
  return rows ? sum / static_cast<double>(rows) : std::nan("");
}

}  // namespace

void roofline(Results& R, Pools& pools) {
  bool any = false;
  for (const auto& n : R.order) any = any || R.rows.at(n).c.algo == "auto";
  if (!any) return;
#if defined(CCNORM_HAVE_LANES)
  const lanes::FmaPeak p = lanes::fma_peak(0.3);
  R.peak_gflops_core = p.gflops;
  R.peak_target = p.target + ", " + std::to_string(p.lanes) + " doubles per vector";
#else
  R.peak_target = "not measured (built without ccnorm::lanes)";
#endif
  std::map<std::tuple<bool, std::size_t, double, bool>, double> cache;
  for (const auto& n : R.order) {
    const ResultRow& row = R.rows.at(n);
    const Case& c = row.c;
    if (c.algo != "auto" || std::isnan(row.ns_per_eval)) continue;
    const auto key = std::make_tuple(c.f32, c.K, c.sigma, c.grad);
    auto it = cache.find(key);
    if (it == cache.end())
      it = cache.emplace(key, c.f32 ? flops_per_row<float>(pools, c.K, c.sigma, c.grad)
                                    : flops_per_row<double>(pools, c.K, c.sigma, c.grad)).first;
    RoofRow rr;
    rr.name = n;
    rr.flops_per_row = it->second;
    rr.gflops = rr.flops_per_row / row.ns_per_eval;  // flops per ns = GFLOP/s
    const int threads = c.batch ? std::max(1, c.threads) : 1;
    rr.peak_gflops = R.peak_gflops_core > 0 ? R.peak_gflops_core * threads : std::nan("");
    rr.pct_peak = 100.0 * rr.gflops / rr.peak_gflops;
    R.roof.push_back(rr);
  }
}

}  // namespace ccnorm::bench
