// ccnorm sweep measurements (see measure.hpp).
#include "bench/sweep/measure.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "normalizer/naive_moments.hpp"
#include "reference/reference.hpp"

namespace ccnorm::sweep {

RefMP reference(const std::vector<double>& z, bool with_mu) {
  const ref::Certified c = ref::certified(z.data(), z.size(), with_mu);
  RefMP r;
  r.A = measures::to_mp200(c.A);
  r.logC = measures::to_mp200(c.logC);
  for (const auto& m : c.mu) r.mu.push_back(measures::to_mp200(m));
  return r;
}

template <class T>
Errors measure(EntryPoint<T> f, const std::vector<T>& z, const RefMP& r, bool with_mu) {
  Errors e;
  if (f == nullptr) return e;
  std::vector<T> mu(z.size());
  Out<T> o{};
  bool ok = false;
  try {
    o = f(z.data(), z.size(), with_mu ? mu.data() : nullptr);
    ok = true;
    if (with_mu) e.err_mu = measures::err_mean<T>(mu.data(), z.size(), r.mu);
  } catch (const std::exception&) {
  }
  if (!ok && with_mu) {
    try {
      o = f(z.data(), z.size(), nullptr);
      ok = true;
    } catch (const std::exception&) {
    }
  }
  if (!ok) return e;
  e.err_A = measures::err_value<T>(o.A, r.A);
  e.ulps_A = measures::ulps<T>(o.A, r.A);
  e.logC = static_cast<double>(o.logC);
  return e;
}
template Errors measure<float>(EntryPoint<float>, const std::vector<float>&, const RefMP&, bool);
template Errors measure<double>(EntryPoint<double>, const std::vector<double>&, const RefMP&, bool);

mp200 kl_reference(const std::vector<double>& z, const std::vector<double>& q) {
  return measures::to_mp200(ref::certified_kl(z.data(), q.data(), z.size()).mid);
}

DistRef dist_reference(const std::vector<double>& z) {
  const std::size_t K = z.size();
  DistRef r;
  r.H = measures::to_mp200(ref::certified_entropy(z.data(), K).mid);
  r.top = static_cast<std::size_t>(std::max_element(z.begin(), z.end()) - z.begin());
  r.full = K <= kDistFullK;
  if (K == 1) {  // a point mass: Var = 0 exactly (no covariance entries)
    r.var = {mp200(0)};
    r.sd = {0.0};
    r.cov = {mp200(0)};
    return r;
  }
  std::vector<std::size_t> cols;
  if (!r.full) cols = {r.top};
  const ref::CertifiedCov c = ref::certified_covariance(z.data(), K, cols);
  for (std::size_t i = 0; i < K; ++i) {
    r.var.push_back(measures::to_mp200(c.var[i]));
    r.sd.push_back(std::sqrt(std::max(0.0, c.var[i].convert_to<double>())));
  }
  for (const auto& x : c.cov) r.cov.push_back(measures::to_mp200(x));
  return r;
}

namespace {
// Relative error, absolute against 2^-1022 below 2^-1000 (the rule of err_mean, docs/design.md §3).
double err_rel_floor(double v, const mp200& x, double u) {
  const double mag = measures::ref_traits<mp200>::magnitude(x);
  return measures::err_scaled(v, x, mag >= measures::kMeanRelativeFloor ? mag : measures::kMeanAbsoluteScale, u);
}
}  // namespace

template <class T>
DistErrors measure_dist(Algo a, const std::vector<T>& z, const std::vector<T>& q, const DistRef& r, bool with_cov) {
  const std::size_t K = z.size();
  const double u = measures::unit_roundoff<T>();
  DistErrors e;
  try {
    e.H = measures::err_value(static_cast<double>(naive::entropy_of<T>(a, z.data(), K)), r.H, u);
  } catch (const std::exception&) {
  }
  try {
    e.kl = measures::err_relative(static_cast<double>(naive::kl_of<T>(a, z.data(), q.data(), K)), r.kl, u);
  } catch (const std::exception&) {
  }
  if (!with_cov) {
    e.var = e.cov = std::numeric_limits<double>::quiet_NaN();
    return e;
  }
  try {
    // var[i] and the compared off-diagonal entries: col(i, j) = Cov_ij
    std::vector<T> var(K), m;
    std::vector<std::pair<std::size_t, std::size_t>> ent;  // (i, j), i != j, with m[k] = Cov^_ij
    if (r.full) {
      std::vector<T> cov(K * K);
      naive::covariance_of<T>(a, z.data(), K, cov.data());
      for (std::size_t i = 0; i < K; ++i) {
        var[i] = cov[i * K + i];
        for (std::size_t j = 0; j < K; ++j)
          if (i != j) ent.push_back({i, j}), m.push_back(cov[i * K + j]);
      }
    } else if (naive::uses_naive(a)) {
      std::vector<T> mu(K), work;
      const Out<T> o = evaluate<T>(a, z.data(), K, mu.data());
      for (std::size_t i = 0; i < K; ++i) {
        var[i] = naive::cov_entry<T>(a, z.data(), K, i, i, o.A, mu.data(), work);
        if (i == r.top) continue;
        ent.push_back({i, r.top});
        m.push_back(naive::cov_entry<T>(a, z.data(), K, i, r.top, o.A, mu.data(), work));
      }
    } else {
      variances<T>(z.data(), K, var.data());
      std::vector<T> ev(K, T(0)), col(K);
      ev[r.top] = T(1);
      hvp<T>(z.data(), K, ev.data(), col.data());
      for (std::size_t i = 0; i < K; ++i)
        if (i != r.top) ent.push_back({i, r.top}), m.push_back(col[i]);
    }
    double ev = 0, ec = 0;
    for (std::size_t i = 0; i < K; ++i) {
      const double err = err_rel_floor(static_cast<double>(var[i]), r.var[i], u);
      ev = std::max(ev, std::isnan(err) ? measures::kFailed : err);
    }
    for (std::size_t k = 0; k < ent.size(); ++k) {
      const auto [i, j] = ent[k];
      const mp200& x = r.full ? r.cov[j * K + i] : r.cov[i];
      const double scale = std::max(r.sd[i] * r.sd[j], measures::kMeanAbsoluteScale);
      const double err = measures::err_scaled(static_cast<double>(m[k]), x, scale, u);
      ec = std::max(ec, std::isnan(err) ? measures::kFailed : err);
    }
    e.var = ev;
    e.cov = K == 1 ? 0.0 : ec;
  } catch (const std::exception&) {
  }
  return e;
}
template DistErrors measure_dist<float>(Algo, const std::vector<float>&, const std::vector<float>&, const DistRef&, bool);
template DistErrors measure_dist<double>(Algo, const std::vector<double>&, const std::vector<double>&, const DistRef&,
                                         bool);

double rel_err_logC(double logC_hat, const mp200& logC) { return measures::err_relative(logC_hat, logC, 1.0); }

}  // namespace ccnorm::sweep
