// Host replay of the CUDA kernels (normalizer/cuda/emulate.hpp: the same CCNORM_HD code of
// normalizer/series_row.hpp in the kernels' operation order, with the same escalation and host
// fallback) on the certified hard corpus, rows with K <= 1000: err_A <= 16, err_mu <= 64 in the
// row's dtype (DESIGN.md section 3, tests/error_measures.hpp). This is the CPU-side evidence for
// the GPU's numerics; tests/test_gpu.cpp runs the kernels themselves where a device exists.
#include <gtest/gtest.h>
#include <omp.h>

#include <map>

#include "normalizer/cuda/emulate.hpp"
#include "tests/gpu_corpus.hpp"

namespace {

using namespace ccnorm::test;

// err_A is the worse of the value-only and the value+mean runs (their escalation rules differ).
template <class T>
void eval_row(const gpu_corpus::Row& r, double& eA, double& emu) {
  std::vector<T> z(r.z.begin(), r.z.end()), mu(r.K, T(NAN));
  const auto o = ccnorm::gpu::emulate::row<T>(z.data(), r.K, mu.data());
  const auto v = ccnorm::gpu::emulate::row<T>(z.data(), r.K, nullptr);
  eA = std::max(err_A<T>(o.A, r.A), err_A<T>(v.A, r.A));
  emu = err_mu<T>(mu.data(), r.K, r.mu);
}

TEST(GpuReplay, HardCorpus) {
  const auto rows = gpu_corpus::load("tests/data/hard_corpus.csv", 1000);
  ASSERT_GT(rows.size(), 1000u);
  std::vector<double> eA(rows.size()), emu(rows.size());
#pragma omp parallel for schedule(dynamic, 1)
  for (std::ptrdiff_t i = 0; i < static_cast<std::ptrdiff_t>(rows.size()); ++i) {
    if (rows[i].dtype == "f32") eval_row<float>(rows[i], eA[i], emu[i]);
    else eval_row<double>(rows[i], eA[i], emu[i]);
  }
  std::map<std::string, gpu_corpus::Score> s;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    s[rows[i].dtype + "/" + rows[i].family].add(rows[i], eA[i], emu[i], 16, 64);
    EXPECT_LE(eA[i], 16) << rows[i].id;
    EXPECT_LE(emu[i], 64) << rows[i].id;
  }
  gpu_corpus::print(s, "host replay of the GPU kernels vs the certified corpus (K <= 1000; goal err_A <= 16, err_mu <= 64)");
}

}  // namespace
