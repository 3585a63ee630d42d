// ccnorm bench: the timing bodies (one row per call, evaluate_batch, the GPU family) and their
// registration with Google Benchmark.
#include <algorithm>
#include <chrono>
#include <optional>

#include "bench/bench_internal.hpp"
#include "bench/rejection_sampler.hpp"
#include "normalizer/normalizer.hpp"
#if defined(CCNORM_HAVE_LANES)
#include "normalizer/lanes/auto_lanes.hpp"
#endif
#if defined(CCNORM_HAVE_CUDA)
#include "normalizer/cuda/gpu.hpp"
#endif

namespace ccnorm::bench {

namespace {

template <class T>
void run_one_row(benchmark::State& st, const Case& c, Pools& pools) {
  if (!c.skip.empty()) {
    st.SkipWithError(("skipped: " + c.skip).c_str());
    return;
  }
  const Fn<T> fn = function_for<T>(c.algo);  // (auto-rows: auto's own function)
  const std::vector<T>& pool = pools.get<T>(c.K, c.sigma);
  const std::size_t R = pool.size() / c.K;
  std::vector<T> mu(c.K);
#if defined(CCNORM_HAVE_LANES)
  std::optional<lanes::ScalarOnly> scalar;  // auto-rows: the scalar series, no one-row lanes
  if (c.algo == "auto-rows") scalar.emplace();
#endif
  T* mup = c.grad ? mu.data() : nullptr;
  std::size_t i = 0;
  try {
    for (auto _ : st) {
      Out<T> o = fn(pool.data() + i * c.K, c.K, mup);
      benchmark::DoNotOptimize(o);
      if (mup) benchmark::ClobberMemory();
      if (++i == R) i = 0;
    }
  } catch (const std::exception& e) {
    st.SkipWithError(e.what());
    return;
  }
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()));
}

template <class T>
void run_batch(benchmark::State& st, const Case& c, Pools& pools) {
  if (!c.skip.empty()) {
    st.SkipWithError(("skipped: " + c.skip).c_str());
    return;
  }
  Algo a;
  const bool rows = c.algo == "auto-rows";  // auto with every row scalar, no lanes: the lanes' baseline
  if (rows) a = Algo::auto_;
  else if (!parse_algo(c.algo, a)) {
    st.SkipWithError("not a library algorithm");
    return;
  }
  const std::vector<T>& pool = pools.get<T>(c.K, c.sigma);
  const std::size_t B = c.batch;
  std::vector<T> A(B), logC(B), mu(c.grad ? B * c.K : 0);
#if defined(CCNORM_HAVE_LANES)
  std::optional<lanes::ScalarOnly> scalar;  // auto-rows: no lanes at all (groups or one-row)
  if (rows) scalar.emplace();
#endif
  try {
    for (auto _ : st) {
      if (rows)
        evaluate_batch_rows<T>(a, pool.data(), B, c.K, A.data(), logC.data(), c.grad ? mu.data() : nullptr, c.threads);
      else
        evaluate_batch<T>(a, pool.data(), B, c.K, A.data(), logC.data(), c.grad ? mu.data() : nullptr, c.threads);
      benchmark::DoNotOptimize(A.data());
      benchmark::ClobberMemory();
    }
  } catch (const std::exception& e) {
    st.SkipWithError(e.what());
    return;
  }
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()) * static_cast<std::int64_t>(B));
}

// GPU: B rows cycled from the pool, resident on the device (gpu::DeviceBatch); manual time = the
// device time of one call. Counters: bytes (input + outputs of one call, the roofline's bytes),
// escalated / host (rows rerun in the wider compute type / sent to the host fallback, max over
// the calls).
template <class T>
void run_gpu(benchmark::State& st, const Case& c, Pools& pools) {
#if defined(CCNORM_HAVE_CUDA)
  const std::vector<T>& pool = pools.get<T>(c.K, c.sigma);
  try {
    gpu::DeviceBatch<T> db(pool.data(), pool.size() / c.K, c.batch, c.K, c.grad);
    std::size_t esc = 0, host = 0;
    for (auto _ : st) {
      st.SetIterationTime(db.run());
      esc = std::max(esc, db.last_stats().escalated);
      host = std::max(host, db.last_stats().host);
    }
    st.counters["bytes"] = static_cast<double>(db.bytes_per_run());
    st.counters["escalated"] = static_cast<double>(esc);
    st.counters["host"] = static_cast<double>(host);
    st.counters["buffers"] = static_cast<double>(db.buffers());
  } catch (const std::exception& e) {
    st.SkipWithError(e.what());
    return;
  }
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()) * static_cast<std::int64_t>(c.batch));
#else
  (void)c;
  (void)pools;
  st.SkipWithError("built without CUDA");
#endif
}

// One draw per iteration from the next pool row (the samplers of all rows built before timing).
template <class Sampler>
void run_sample_with(benchmark::State& st, const SampleCase& c, Pools& pools) {
  const std::vector<double>& pool = pools.f64(c.K, c.sigma);
  const std::size_t R = pool.size() / c.K;
  std::vector<Sampler> s;
  s.reserve(R);
  const auto t0 = std::chrono::steady_clock::now();
  try {
    for (std::size_t r = 0; r < R; ++r) s.emplace_back(pool.data() + r * c.K, c.K);
  } catch (const std::exception& e) {
    st.SkipWithError(e.what());
    return;
  }
  const double setup = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count() / R;
  Rng g(20240601, c.K);
  std::vector<double> x(c.K);
  std::size_t i = 0;
  std::uint64_t nan = 0;
  for (auto _ : st) {
    if constexpr (std::is_same_v<Sampler, CCSampler>) s[i].draw(g, x.data());
    else if (!s[i].draw(g, x.data())) ++nan;
    benchmark::DoNotOptimize(x.data());
    benchmark::ClobberMemory();
    if (++i == R) i = 0;
  }
  double acc = 1;
  if constexpr (!std::is_same_v<Sampler, CCSampler>) {
    std::uint64_t att = 0, ok = 0;
    for (const auto& r : s) att += r.attempts(), ok += r.accepted();
    acc = att ? static_cast<double>(ok) / static_cast<double>(att) : std::nan("");
  }
  st.counters["acceptance"] = acc;
  st.counters["nan_rate"] = st.iterations() ? static_cast<double>(nan) / static_cast<double>(st.iterations()) : 0.0;
  st.counters["setup_ns_per_row"] = setup;
  st.counters["rows"] = static_cast<double>(R);
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()));
}

}  // namespace

void register_sample_cases(const std::vector<SampleCase>& cases, Pools& pools) {
  Pools* pp = &pools;
  for (const SampleCase& c : cases) {
    if (c.sampler == "ccnorm")
      benchmark::RegisterBenchmark(c.name.c_str(), [c, pp](benchmark::State& s) { run_sample_with<CCSampler>(s, c, *pp); });
    else
      benchmark::RegisterBenchmark(c.name.c_str(),
                                   [c, pp](benchmark::State& s) { run_sample_with<RejectionSampler>(s, c, *pp); });
  }
}

void register_cases(const std::vector<Case>& cases, Pools& pools) {
  benchmark::ClearRegisteredBenchmarks();
  Pools* pp = &pools;
  for (const Case& c : cases) {
    if (c.gpu()) {
      if (c.f32) benchmark::RegisterBenchmark(c.name.c_str(), [c, pp](benchmark::State& s) { run_gpu<float>(s, c, *pp); })->UseManualTime();
      else benchmark::RegisterBenchmark(c.name.c_str(), [c, pp](benchmark::State& s) { run_gpu<double>(s, c, *pp); })->UseManualTime();
    } else if (c.batch) {
      if (c.f32) benchmark::RegisterBenchmark(c.name.c_str(), [c, pp](benchmark::State& s) { run_batch<float>(s, c, *pp); });
      else benchmark::RegisterBenchmark(c.name.c_str(), [c, pp](benchmark::State& s) { run_batch<double>(s, c, *pp); });
    } else {
      if (c.f32) benchmark::RegisterBenchmark(c.name.c_str(), [c, pp](benchmark::State& s) { run_one_row<float>(s, c, *pp); });
      else benchmark::RegisterBenchmark(c.name.c_str(), [c, pp](benchmark::State& s) { run_one_row<double>(s, c, *pp); });
    }
  }
}

double to_ns(double t, benchmark::TimeUnit u) {
  switch (u) {
    case benchmark::kNanosecond: return t;
    case benchmark::kMicrosecond: return t * 1e3;
    case benchmark::kMillisecond: return t * 1e6;
    case benchmark::kSecond: return t * 1e9;
  }
  return t;
}

}  // namespace ccnorm::bench
