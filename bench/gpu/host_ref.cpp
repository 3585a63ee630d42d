// Host side of the device check, compiled by the C++ compiler (not nvcc):
//  - ccnorm_host_precise: the double-double Taylor series of normalizer/auto.hpp (auto-precise:
//    <= 1 ulp for A, <= 1 u for mu observed), the reference for fresh random rows;
//  - ccnorm_useful_flops: the arithmetic the series needs for one row, for the compute side of the
//    roofline (bench/roofline.hpp: the one count of useful flops). The degree count N comes from
//    the kernels' own series (series_seq of normalizer/cuda/row_mappings.hpp in the first compute
//    type, the host replay's reciprocal table).
#include <algorithm>
#include <cstddef>
#include <vector>

#include "bench/roofline.hpp"
#include "normalizer/auto.hpp"
#include "normalizer/cuda/emulate.hpp"
#include "normalizer/cuda/row_mappings.hpp"
#include "normalizer/series/step.hpp"

double ccnorm_host_precise(const double* z, std::size_t K, double* mu) { return ccnorm::auto_precise<double>(z, K, mu).A; }

namespace {
template <class C>
double degrees(const double* z, std::size_t K, bool mean) {
  using namespace ccnorm::gpu;
  using ccnorm::series::exact_shift;
  std::vector<double> s(z, z + K);
  std::sort(s.begin(), s.end());
  std::vector<C> yh(K), yl(K), v(K), ms(K), w(K), sw(K);
  std::vector<int> ex(K);
  for (std::size_t j = 0; j < K; ++j) exact_shift<C, double>(s[j], s[0], yh[j], yl[j]);
  const double r = static_cast<double>(yh[K - 1]);
  const SeriesOut<C> o = series_seq<C>(yh.data(), yl.data(), static_cast<int>(K), r, v.data(), ex.data(), ms.data(),
                                       w.data(), sw.data(), mean, ccnorm::gpu::emulate::recip<C>());
  return o.N;
}
}  // namespace

double ccnorm_useful_flops(const double* z, std::size_t K, bool f32, bool mean) {
  if (K < 2) return 0.0;
  const double N = f32 ? degrees<float>(z, K, mean) : degrees<double>(z, K, mean);
  return ccnorm::bench::series_useful_flops(N, K, mean);
}
