// ccnorm: the lane kernel of normalizer/lanes/auto_lanes.hpp (the formula, the domain and the
// bitwise contract are stated there). Highway's foreach_target compiles the section between
// HWY_BEFORE_NAMESPACE and HWY_AFTER_NAMESPACE once per target (SSE4, AVX2, AVX-512, ... as the
// build's Highway provides); HWY_DYNAMIC_DISPATCH picks the best one the CPU supports at run time.
//
// Every ccnorm header is included before the per-target section, so that the scalar code (the
// stopping rule of series/step.hpp, the assembly) is compiled once, for the baseline target.
#include "normalizer/lanes/auto_lanes.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

#include "normalizer/auto.hpp"
#include "normalizer/batch.hpp"
#include "normalizer/series/step.hpp"
#include "normalizer/taylor.hpp"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "normalizer/lanes/auto_lanes.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

// (foreach_target.h includes this file once per target: the shared part is guarded.)
#ifndef CCNORM_LANES_SHARED_PART
#define CCNORM_LANES_SHARED_PART
namespace ccnorm {
namespace lanes {
namespace detail {

// One group of W rows in lockstep. Arrays are node-major with W lanes: X[j * W + l].
struct Group {
  std::size_t K = 0, W = 0;
  bool mean = false;
  double tol = 0;
  const double* ihi = nullptr;  // 1/i = ihi[i] + ilo[i] (taylor_detail::ensure_inv), up to the safety net
  const double* ilo = nullptr;
  const double* r = nullptr;    // W spreads
  double* yh = nullptr;         // K W shifted nodes (taylor_prepare's order)
  double* yl = nullptr;
  double* v = nullptr;          // K W scratch: the column
  double* w = nullptr;          // K W scratch: the mean columns
  double* sw = nullptr;         // K W scratch: the mean sums
  double* S_out = nullptr;      // W: the scaled sum at the lane's stop
  std::size_t* terms_out = nullptr;
  unsigned char* ok_out = nullptr;
  double* sw_out = nullptr;     // K W: the mean sums at the lane's stop
};

}  // namespace detail
}  // namespace lanes
}  // namespace ccnorm
#endif  // CCNORM_LANES_SHARED_PART

HWY_BEFORE_NAMESPACE();
namespace ccnorm {
namespace lanes {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// 0 where the target has no fused multiply-add (the kernel's divisions are error-free only with
// one rounding per fma; Highway emulates MulAdd as mul + add on SSE4).
std::size_t Width() {
#if HWY_NATIVE_FMA && HWY_TARGET != HWY_SCALAR && HWY_TARGET != HWY_EMU128
  return hn::Lanes(hn::ScalableTag<double>());
#else
  return 0;
#endif
}

// taylor_detail::run_series<double> (B = 8, unsorted nodes: ms_j = 1, no rescaling, E = 0) on W
// rows at once, operation for operation (series/arithmetic.hpp div_acc / div_acc2, series/step.hpp
// column_gain, column_coupling, column_update, mean_source, mean_update; the same order of the
// additions into S and the mean sums).
void RunGroup(const detail::Group& g) {
#if HWY_NATIVE_FMA && HWY_TARGET != HWY_SCALAR && HWY_TARGET != HWY_EMU128
  const hn::ScalableTag<double> d;
  using V = hn::Vec<decltype(d)>;
  const std::size_t K = g.K, W = g.W;
  constexpr int B = 8;
  // div_acc2(h, l, ih, il) = p + fma(l, ih, fma(h, il, fma(h, ih, -p))), p = h ih
  auto div2 = [&](V h, V l, double ih, double il) {
    const V vih = hn::Set(d, ih), vil = hn::Set(d, il);
    const V p = hn::Mul(h, vih);
    return hn::Add(p, hn::MulAdd(l, vih, hn::MulAdd(h, vil, hn::MulAdd(h, vih, hn::Neg(p)))));
  };
  auto div1 = [&](V t, double ih, double il) {  // div_acc(t, ih, il)
    const V vih = hn::Set(d, ih), vil = hn::Set(d, il);
    const V p = hn::Mul(t, vih);
    return hn::Add(p, hn::MulAdd(t, vil, hn::MulAdd(t, vih, hn::Neg(p))));
  };
  const V one = hn::Set(d, 1.0);
  for (std::size_t j = 0; j < K; ++j) {
    hn::StoreU(one, d, g.v + j * W);
    if (g.mean) {
      hn::StoreU(one, d, g.w + j * W);
      hn::StoreU(one, d, g.sw + j * W);
    }
  }
  V S = one;
  std::size_t n = 1;
  const double Kc = static_cast<double>(K);
  std::uint64_t live = (W >= 64 ? ~0ull : ((1ull << W) - 1));
  HWY_ALIGN double Sl[64], topl[64];
  while (live != 0) {
    V prev[B];
    for (int b = 0; b < B; ++b) prev[b] = hn::Zero(d);
    for (std::size_t j = 1; j < K; ++j) {
      const double a = static_cast<double>(j);
      const V h = hn::LoadU(d, g.yh + j * W), l = hn::LoadU(d, g.yl + j * W);
      V x = hn::LoadU(d, g.v + j * W);
      const double* ih = g.ihi + n + j;
      const double* il = g.ilo + n + j;
      for (int b = 0; b < B; ++b) {
        const V hp = div2(h, l, ih[b], il[b]);                         // column_gain
        const double ap = series::div_acc(a, ih[b], il[b]);            // column_coupling (ms_j = 1: exact)
        x = hn::MulAdd(hp, x, hn::Mul(hn::Set(d, ap), prev[b]));       // column_update
        prev[b] = x;
      }
      hn::StoreU(x, d, g.v + j * W);
    }
    for (int b = 0; b < B; ++b) S = hn::Add(S, prev[b]);
    if (g.mean) {
      const double* ih = g.ihi + n + K;
      const double* il = g.ilo + n + K;
      V ci[B];
      for (int b = 0; b < B; ++b) ci[b] = div1(hn::Mul(hn::Set(d, Kc), prev[b]), ih[b], il[b]);  // mean_source
      for (std::size_t j = 0; j < K; ++j) {
        V x = hn::LoadU(d, g.w + j * W), acc = hn::LoadU(d, g.sw + j * W);
        const V h = hn::LoadU(d, g.yh + j * W), l = hn::LoadU(d, g.yl + j * W);
        for (int b = 0; b < B; ++b) {
          x = hn::MulAdd(div2(h, l, ih[b], il[b]), x, ci[b]);  // mean_update
          acc = hn::Add(acc, x);
        }
        hn::StoreU(x, d, g.w + j * W);
        hn::StoreU(acc, d, g.sw + j * W);
      }
    }
    n += B;
    hn::Store(S, d, Sl);
    hn::Store(prev[B - 1], d, topl);
    // the stopping rule of run_series, lane by lane (scalar: series/step.hpp)
    const double next = static_cast<double>(n);
    for (std::size_t ln = 0; ln < W; ++ln) {
      if (!(live >> ln & 1)) continue;
      bool done = false, ok = true;
      if (series::series_failed(Sl[ln], next, g.r[ln])) {
        done = true;
        ok = false;
      } else {
        double tf = 0;
        if (series::tail_factor(g.r[ln], next, tf) && series::tail_negligible(topl[ln], tf, g.tol, Sl[ln])) {
          done = true;
          if (g.mean)
            for (std::size_t j = 0; j < K && done; ++j)
              done = series::tail_negligible(g.w[j * W + ln], tf, g.tol, g.sw[j * W + ln]);
        }
      }
      if (!done) continue;
      live &= ~(1ull << ln);
      g.S_out[ln] = Sl[ln];
      g.terms_out[ln] = n;
      g.ok_out[ln] = ok ? 1 : 0;
      if (g.mean)
        for (std::size_t j = 0; j < K; ++j) g.sw_out[j * W + ln] = g.sw[j * W + ln];
    }
  }
#else
  (void)g;
#endif
}

const char* Name() { return hwy::TargetName(HWY_TARGET); }

}  // namespace HWY_NAMESPACE
}  // namespace lanes
}  // namespace ccnorm
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace ccnorm {
namespace lanes {

HWY_EXPORT(Width);
HWY_EXPORT(RunGroup);
HWY_EXPORT(Name);

std::size_t width() {
  const std::size_t w = HWY_DYNAMIC_DISPATCH(Width)();
  return w <= 64 ? w : 0;
}
std::string target_name() { return HWY_DYNAMIC_DISPATCH(Name)(); }

std::vector<long long> targets_for_test() {
  std::vector<long long> t;
  for (const auto x : hwy::SupportedAndGeneratedTargets()) t.push_back(static_cast<long long>(x));
  return t;
}

void set_target_for_test(long long target) {
  hwy::SetSupportedTargetsForTest(target);
  hwy::GetChosenTarget().Update(hwy::SupportedTargets());
}

namespace {

using taylor_detail::Work;

struct Scratch {
  std::vector<double> yh, yl, v, w, sw, sw_out, r, S;
  std::vector<std::size_t> terms;
  std::vector<unsigned char> ok;
};
Scratch& scratch() {
  static thread_local Scratch s;
  return s;
}

// The largest degree the series may reach before its safety net (series_failed), plus a block.
double max_degree(double r) {
  return series::kNetDegreesPerSpread * r + series::kNetDegreesPerSqrtSpread * std::sqrt(r) + series::kNetDegreesExtra + 16;
}

// Rows idx[0..cnt) (cnt <= W) of one group: the lane series, then auto's assembly row by row.
template <class T>
void run_group(const T* Z, std::size_t K, T* A, T* logC, T* mu, RowStatus* st, const std::size_t* idx, std::size_t cnt,
               std::size_t W) {
  Scratch& s = scratch();
  const std::size_t KW = K * W;
  for (auto* a : {&s.yh, &s.yl, &s.v, &s.w, &s.sw, &s.sw_out}) a->resize(KW);
  s.r.resize(W);
  s.S.resize(W);
  s.terms.resize(W);
  s.ok.resize(W);
  Work<double>& ws = taylor_detail::workspace<double>();
  T mT;
  double rmax = 0;
  for (std::size_t ln = 0; ln < W; ++ln) {
    const std::size_t b = idx[std::min(ln, cnt - 1)];  // idle lanes repeat the group's last row
    const double r = taylor_prepare<double, T>(Z + b * K, K, ws, mT);
    s.r[ln] = r;
    rmax = std::max(rmax, r);
    for (std::size_t j = 0; j < K; ++j) {
      s.yh[j * W + ln] = ws.yh[j];
      s.yl[j * W + ln] = ws.yl[j];
    }
  }
  taylor_detail::ensure_inv(ws, static_cast<std::size_t>(max_degree(rmax)) + K + 16);
  detail::Group g;
  g.K = K;
  g.W = W;
  g.mean = mu != nullptr;
  g.tol = series::series_tol(series::Precision<double>::u(), g.mean);
  g.ihi = ws.ihi.data();
  g.ilo = ws.ilo.data();
  g.r = s.r.data();
  g.yh = s.yh.data();
  g.yl = s.yl.data();
  g.v = s.v.data();
  g.w = s.w.data();
  g.sw = s.sw.data();
  g.S_out = s.S.data();
  g.terms_out = s.terms.data();
  g.ok_out = s.ok.data();
  g.sw_out = s.sw_out.data();
  HWY_DYNAMIC_DISPATCH(RunGroup)(g);
  for (std::size_t ln = 0; ln < cnt; ++ln) {
    const std::size_t b = idx[ln];
    const T* z = Z + b * K;
    T* mub = mu ? mu + b * K : nullptr;
    RowStatus rs;
    try {
      const double r = taylor_prepare<double, T>(z, K, ws, mT);
      if (mub) {
        ws.sw.resize(K);
        for (std::size_t j = 0; j < K; ++j) ws.sw[j] = s.sw_out[j * W + ln];
      }
      const taylor_detail::Series<double> sr{s.S[ln], 0, s.terms[ln], s.ok[ln] != 0};
      const Out<T> o = auto_detail::finish_series<T>(z, K, mub, r, ws, mT, sr);
      A[b] = o.A;
      if (logC) logC[b] = o.logC;
      rs = o.status;
    } catch (...) {
      rs = evaluate_row<T>(Algo::auto_, z, K, A[b], logC ? logC + b : nullptr, mub);
    }
    if (st) st[b] = rs;
  }
}

}  // namespace

template <class T>
BatchSummary auto_batch(const T* Z, std::size_t B, std::size_t K, T* A, T* logC, T* mu, int threads,
                        RowStatus* status) {
  const std::size_t W = width();
  if (W < 2 || K < 2 || B < 2) return evaluate_batch_rows<T>(Algo::auto_, Z, B, K, A, logC, mu, threads, status);
  std::vector<RowStatus> st_local;
  RowStatus* st = status;
  if (st == nullptr) {
    st_local.resize(B);
    st = st_local.data();
  }
  // Classify: the rows of auto's plain double series (their spread as taylor_prepare computes it)
  // go to the lanes, sorted by spread; the others run scalar.
  std::vector<double> r(B);
  std::vector<std::size_t> plain, other;
  plain.reserve(B);
  for (std::size_t b = 0; b < B; ++b) {
    const T* z = Z + b * K;
    double rb = std::numeric_limits<double>::quiet_NaN();
    if (valid_row(z, K)) {
      const auto [lo, hi] = std::minmax_element(z, z + K);
      const double r0 = static_cast<double>(*hi) - static_cast<double>(*lo);
      if (auto_detail::plain_double_series<T>(r0, K, mu != nullptr)) rb = r0;
    }
    r[b] = rb;
    (std::isnan(rb) ? other : plain).push_back(b);
  }
  std::stable_sort(plain.begin(), plain.end(), [&](std::size_t a, std::size_t b) { return r[a] < r[b]; });
  const std::size_t ngroups = (plain.size() + W - 1) / W;
  const std::size_t ntasks = ngroups + other.size();
  for_each_row(
      ntasks, threads, nullptr,
      [&](std::size_t t) {
        if (t < ngroups) {
          const std::size_t first = t * W, cnt = std::min(W, plain.size() - first);
          run_group<T>(Z, K, A, logC, mu, st, plain.data() + first, cnt, W);
        } else {
          const std::size_t b = other[t - ngroups];
          st[b] = evaluate_row<T>(Algo::auto_, Z + b * K, K, A[b], logC ? logC + b : nullptr, mu ? mu + b * K : nullptr);
        }
        return RowStatus::ok;
      },
      [&](std::size_t t) {  // an exception out of a group (e.g. no memory): its rows one by one
        if (t >= ngroups) return;
        for (std::size_t i = t * W; i < std::min(plain.size(), (t + 1) * W); ++i) {
          const std::size_t b = plain[i];
          st[b] = evaluate_row<T>(Algo::auto_, Z + b * K, K, A[b], logC ? logC + b : nullptr, mu ? mu + b * K : nullptr);
        }
      });
  BatchSummary sum;
  for (std::size_t b = 0; b < B; ++b) sum.count(st[b]);
  return sum;
}

template BatchSummary auto_batch<float>(const float*, std::size_t, std::size_t, float*, float*, float*, int, RowStatus*);
template BatchSummary auto_batch<double>(const double*, std::size_t, std::size_t, double*, double*, double*, int,
                                         RowStatus*);

}  // namespace lanes
}  // namespace ccnorm
#endif  // HWY_ONCE
