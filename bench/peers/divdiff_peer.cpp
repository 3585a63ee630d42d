// The DivDiff peer (bench/peers/divdiff_peer.hpp): its divdiff.cpp is included from the directory
// given at configure time (CCNORM_DIVDIFF_SOURCE, set by bench/CMakeLists.txt from
// CCNORM_DIVDIFF_DIR); nothing of it is committed here. Its program entry point is renamed and its
// class members made reachable, so that the wrapper can read the mantissa and exponent of a result
// (get_double() overflows beyond exp(709)). It keeps its state in globals: one caller at a time.
#include "bench/peers/divdiff_peer.hpp"

#include <cmath>
#include <cstring>
#include <random>
#include <stdexcept>
// the C headers divdiff.cpp includes, included here first so that their guards keep them out of
// the namespace below
#include <math.h>
#include <stdio.h>
#include <string.h>

#ifndef CCNORM_DIVDIFF_SOURCE
#error "bench/peers/divdiff_peer.cpp is compiled only with -DCCNORM_DIVDIFF_DIR (bench/CMakeLists.txt)"
#endif

// Everything DivDiff defines lives in its own namespace (it declares globals named z, h, s, mu
// and the templates min/max).
namespace ccnorm_divdiff_src {
#define main divdiff_program_main
#define private public
#include CCNORM_DIVDIFF_SOURCE
#undef private
#undef main
}  // namespace ccnorm_divdiff_src

namespace ccnorm::bench::divdiff_peer {

namespace d = ccnorm_divdiff_src;

namespace {
bool g_initialised = false;
std::size_t g_K = 0;

double log_of(const d::ExExFloat& x) {
  return std::log(x.mantissa) + static_cast<double>(x.exponent) * 0.69314718055994530942;
}
}  // namespace

void reserve(std::size_t K) {
  if (K < 1 || K > 1000000) throw std::invalid_argument("divdiff_peer::reserve: K out of range");
  if (g_initialised) d::clear_up();
  d::maxlen = static_cast<int>(K) + 2;  // one repeated node for the mean, and AddElement's "< maxlen"
  d::init();
  g_initialised = true;
  g_K = K;
}

double log_value(const double* z, std::size_t K) {
  if (!g_initialised || K != g_K) throw std::logic_error("divdiff_peer: reserve(K) first");
  std::memcpy(d::z, z, K * sizeof(double));
  d::AddAll(static_cast<int>(K));
  return log_of(d::divdiff[K - 1]) - std::lgamma(static_cast<double>(K));
}

double log_value_mean(const double* z, std::size_t K, double* mu) {
  const double A = log_value(z, K);
  const d::ExExFloat v = d::divdiff[K - 1];
  for (std::size_t j = 0; j < K; ++j) {
    d::AddElement(z[j]);
    const d::ExExFloat w = d::divdiff[K];
    mu[j] = std::ldexp(w.mantissa / v.mantissa, w.exponent - v.exponent) / static_cast<double>(K);
    d::RemoveElement();
  }
  return A;
}

}  // namespace ccnorm::bench::divdiff_peer
