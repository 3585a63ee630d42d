// ccnorm: generators of the hard input families, shared by tools/make_corpus (the frozen test
// corpus) and `ccnorm golden` (the certified golden vectors). Each fills a row z (its size is
// K) from the deterministic Rng of bench/rng.hpp; `f32` rounds intermediate values where the
// family's structure (exact ties, ulp spacing) must survive the rounding of the row to float.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "bench/rng.hpp"

namespace ccnorm::gen {

inline double to_type(double x, bool f32) { return f32 ? static_cast<double>(static_cast<float>(x)) : x; }

// gaussian: z = offset + sigma N(0, 1)
inline void gaussian_fill(Rng& g, std::vector<double>& z, double sigma, double offset = 0) {
  for (double& x : z) x = offset + sigma * g.normal();
}

// ties (K >= 2): v0 a few groups of exactly equal values, v1 half the nodes tied at one value,
// v2 small integers in [-3, 3]; every row has at least one exact tie.
inline void fill_ties(Rng& g, std::vector<double>& z, int v, bool f32) {
  const std::size_t n = z.size();
  if (v == 0) {
    const std::size_t groups = 1 + g.below(std::min<std::size_t>(5, n - 1));
    std::vector<double> val(groups);
    for (double& x : val) x = to_type(g.normal(), f32);
    for (std::size_t i = 0; i < n; ++i) z[i] = val[i < groups ? i : g.below(groups)];
  } else if (v == 1) {
    const double t = to_type(3 * g.normal(), f32);
    const std::size_t m = std::max<std::size_t>(2, (n + 1) / 2);
    for (std::size_t i = 0; i < n; ++i) z[i] = i < m ? t : 3 * g.normal();
  } else {
    for (std::size_t i = 0; i < n; ++i) z[i] = static_cast<double>(g.below(7)) - 3.0;
  }
  std::vector<double> s(z.begin(), z.end());
  std::sort(s.begin(), s.end());
  if (std::adjacent_find(s.begin(), s.end()) == s.end()) z[n - 1] = z[0];
  g.shuffle(z);
}

// ulp-apart (K >= 2): consecutive nodes 1 ulp (v0) or 1..3 ulps (v1) of the row's type apart
// around m (around 0: steps of 2^-1000, 2^-120 in f32, so no subnormals).
inline void fill_ulp_apart(Rng& g, std::vector<double>& z, double m, int v, bool f32) {
  const std::size_t n = z.size(), below = n / 2;
  auto gap = [&]() -> int { return v == 0 ? 1 : 1 + static_cast<int>(g.below(3)); };
  auto step = [&](double x, double dir) {
    if (m == 0) return x + dir * (f32 ? 0x1p-120 : 0x1p-1000);
    return f32 ? static_cast<double>(std::nextafter(static_cast<float>(x), static_cast<float>(dir * HUGE_VALF)))
               : std::nextafter(x, dir * HUGE_VAL);
  };
  z[below] = m;
  for (std::size_t i = below; i-- > 0;) {
    double x = z[i + 1];
    for (int k = gap(); k > 0; --k) x = step(x, -1);
    z[i] = x;
  }
  for (std::size_t i = below + 1; i < n; ++i) {
    double x = z[i - 1];
    for (int k = gap(); k > 0; --k) x = step(x, +1);
    z[i] = x;
  }
  g.shuffle(z);
}

// clusters (K >= 2): 2..5 tight clusters (spread 1e-12..1e-3), centres 1..1e3 apart.
inline void fill_clusters(Rng& g, std::vector<double>& z) {
  const std::size_t n = z.size();
  const std::size_t nc = 2 + g.below(std::min<std::size_t>(4, n - 1));
  std::vector<double> centre(nc), spread(nc);
  centre[0] = g.uniform(-50, 50);
  for (std::size_t c = 1; c < nc; ++c) centre[c] = centre[c - 1] + g.log_uniform(1, 1e3);
  for (double& s : spread) s = g.log_uniform(1e-12, 1e-3);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t c = i < nc ? i : g.below(nc);
    z[i] = centre[c] + spread[c] * g.normal();
  }
  g.shuffle(z);
}

// progression: a + h (0..K-1), shuffled; a = 0 for h < 1e-2, else a multiple of 1/8 in [-20, 20].
inline void fill_progression(Rng& g, std::vector<double>& z, double h) {
  const double a = h < 1e-2 ? 0.0 : std::round(8 * g.uniform(-20, 20)) / 8;
  for (std::size_t i = 0; i < z.size(); ++i) z[i] = a + h * static_cast<double>(i);
  g.shuffle(z);
}

// outlier (K >= 2): K-1 nodes N(0,1), one node `dist` above the max (sign +) or below the min.
inline void fill_outlier(Rng& g, std::vector<double>& z, double dist, int sign) {
  const std::size_t n = z.size();
  gaussian_fill(g, z, 1.0);
  const double lo = *std::min_element(z.begin(), z.end() - 1);
  const double hi = *std::max_element(z.begin(), z.end() - 1);
  z[n - 1] = sign > 0 ? hi + dist : lo - dist;
  g.shuffle(z);
}

// wide: uniform on [0, S] with both ends present (spread exactly S for K >= 2).
inline void fill_wide(Rng& g, std::vector<double>& z, double S) {
  for (double& x : z) x = g.uniform(0, S);
  z[0] = 0;
  if (z.size() > 1) z[1] = S;
  g.shuffle(z);
}

}  // namespace ccnorm::gen
