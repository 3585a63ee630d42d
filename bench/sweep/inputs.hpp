// ccnorm sweep inputs: the deterministic input families of `ccnorm sweep` and the max-dimension
// protocol row of `ccnorm regions` (all deterministic functions of (family, K, sigma, seed)).
//
// Random numbers: gen::SweepRng (bench/rng.hpp): std::mt19937_64 seeded with
// std::seed_seq{seed, K, tag} (both fully specified by the C++ standard), uniforms
// u = ((bits >> 11) + 1/2) 2^-53 in (0, 1), normals by Box-Muller. Only libm's log/sqrt/sin/cos
// roundings may differ between platforms (an ulp of a sample); the sweep CSV's `hash` column
// (FNV-1a of the input's bit patterns) detects any such difference.
//   gaussian      z_i = sigma g_i, g_i ~ N(0,1), i = 1..K.
//   ties          L = max(1, K/4) levels sigma g_l; every node picks a level uniformly: exact ties
//                 (0/0 for the closed form).
//   near-ties     the ties rows with every node moved by sigma 10^-e g_i, e ~ U(4, 12): distinct
//                 nodes whose gaps are 1e-4 .. 1e-12 of the spread (worst case for cancellation).
//   clusters      C = min(K, 3) clusters with centres c sigma, c = 0..C-1 (gap = sigma), nodes
//                 assigned round-robin, each centre + 1e-3 sigma g_i (tight clusters, wide gaps).
//                 cluster_row(K, gap, width, seed) is the same construction with explicit gap and
//                 width (used by `ccnorm regions` for the (K, gap) heat map).
//   progressions  arithmetic progression z_i = o + h (i - 1), h = sigma U(0.5, 1.5), o = g, in a
//                 shuffled order (equal gaps: cancellation factor ~ coth(h/2)^{K-1}).
//   outlier       K-1 nodes sigma g_i and one node at +-(20 sigma + 20) (random sign, random slot).
//   offsets       gaussian rows plus a common offset +-10^e, e ~ U(2, 6) (|A| large; tests the
//                 shift invariance and the assembly of A = min z + ...).
//   protocol_row  the 2022 paper's "max computable dimension" row z = (eta, 0),
//                 eta ~ N(0, sigma^2 I_{K-1}) (docs/design.md §3); identical to
//                 tests/test_baselines.cpp's generator (seed_seq{seed, K, 0x63636e}).
// kl_partner(z): the q row of the sweep's KL column (and of the golden vectors' kl_q):
//   q_j = RN_T(z_j + max(1e-6 max(1, spread(z)), 8 ulp_T(z_j)) cos(j)),  j = 1..K
// (computed in double, rounded to T once): a deterministic perturbation of relative size ~1e-6 of
// the distribution's scale (the spread), at least 8 ulps of the logit in T so that the rounding to
// T keeps it (float rows with a large common offset would otherwise round most of it away); q - z
// is then not a multiple of (1,...,1) for K >= 2, and for K = 1 KL = 0 exactly.
// Helpers: as<T> (element-wise conversion), hash_input (FNV-1a 64 of the double bit patterns),
// hex64 (16 hex digits), input_hex (space-separated C99 hex floats, %a).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace ccnorm::sweep {

const std::vector<std::string>& all_families();
// The stream tag of a family; throws std::invalid_argument naming the families for an unknown one.
std::uint32_t family_tag(const std::string& family);

std::vector<double> generate(const std::string& family, std::size_t K, double sigma, std::uint32_t seed);
std::vector<double> cluster_row(std::size_t K, double gap, double width, std::uint32_t seed);
std::vector<double> protocol_row(double sigma, std::uint32_t seed, std::size_t K);

template <class T>
std::vector<T> kl_partner(const std::vector<T>& z) {
  if (z.empty()) return {};
  double lo = static_cast<double>(z[0]), hi = lo;
  for (T x : z) lo = std::min(lo, static_cast<double>(x)), hi = std::max(hi, static_cast<double>(x));
  const double scale = 1e-6 * std::max(1.0, hi - lo);
  std::vector<T> q(z.size());
  for (std::size_t j = 0; j < z.size(); ++j) {
    const T a = z[j] < 0 ? -z[j] : z[j];
    const double ulp = static_cast<double>(std::nextafter(a, std::numeric_limits<T>::infinity()) - a);
    q[j] = static_cast<T>(static_cast<double>(z[j]) + std::max(scale, 8 * ulp) * std::cos(static_cast<double>(j + 1)));
  }
  return q;
}

template <class T, class S>
std::vector<T> as(const std::vector<S>& z) {
  std::vector<T> r(z.size());
  for (std::size_t i = 0; i < z.size(); ++i) r[i] = static_cast<T>(z[i]);
  return r;
}

std::uint64_t hash_input(const std::vector<double>& z);
std::uint64_t hash_input(const std::vector<float>& z);  // of the values widened to double
std::string hex64(std::uint64_t h);
std::string input_hex(const std::vector<double>& z);
std::string input_hex(const std::vector<float>& z);

}  // namespace ccnorm::sweep
