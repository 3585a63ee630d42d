// ccnorm: the lane kernel of normalizer/lanes/auto_lanes.hpp (the formula, the domain and the
// bitwise contract are stated there). Highway's foreach_target compiles the section between
// HWY_BEFORE_NAMESPACE and HWY_AFTER_NAMESPACE once per target (SSE4, AVX2, AVX-512, ... as the
// build's Highway provides); HWY_DYNAMIC_DISPATCH picks the best one the CPU supports at run time.
//
// Every ccnorm header is included before the per-target section, so that the scalar code (the
// stopping rule of series/step.hpp, the assembly) is compiled once, for the baseline target.
#include "normalizer/lanes/auto_lanes.hpp"

#include <algorithm>
#include <chrono>
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

// One row with the degrees across lanes (RunRow). Node arrays are padded (see RunRow).
struct Row {
  std::size_t K = 0, Kp = 0;    // nodes; Kp = K rounded up to a multiple of the lane count
  bool mean = false;
  double tol = 0, r = 0;
  const double* ihi = nullptr;  // 1/i = ihi[i] + ilo[i], up to the safety net
  const double* ilo = nullptr;
  const double* rh = nullptr;   // K + 2W: the nodes reversed with W zeros each side (RunRow)
  const double* rl = nullptr;
  const double* yh = nullptr;   // Kp: the nodes in order, zero padded (the mean fold)
  const double* yl = nullptr;
  double* va = nullptr;         // K + 2W scratch each: the column of the last degree of a sub-block
  double* vb = nullptr;
  double* w = nullptr;          // Kp scratch: the mean columns
  double* sw = nullptr;         // Kp: the mean sums (at the stop)
  double S = 0;                 // out: the scaled sum at the stop
  std::size_t terms = 0;
  bool ok = false, ran = false; // ran: false where the target cannot (no vector fma, 8 % lanes != 0)
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

// series/arithmetic.hpp div_acc2 and div_acc on vectors, 1/i = vih + vil: the same operations in
// the same order (so each lane rounds as the scalar code does).
template <class V>
HWY_INLINE V DivAcc2(V h, V l, V vih, V vil) {
  const V p = hn::Mul(h, vih);
  return hn::Add(p, hn::MulAdd(l, vih, hn::MulAdd(h, vil, hn::MulAdd(h, vih, hn::Neg(p)))));
}
template <class V>
HWY_INLINE V DivAcc(V t, V vih, V vil) {
  const V p = hn::Mul(t, vih);
  return hn::Add(p, hn::MulAdd(t, vil, hn::MulAdd(t, vih, hn::Neg(p))));
}

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
  auto div2 = [&](V h, V l, double ih, double il) { return DivAcc2(h, l, hn::Set(d, ih), hn::Set(d, il)); };
  auto div1 = [&](V t, double ih, double il) { return DivAcc(t, hn::Set(d, ih), hn::Set(d, il)); };
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

// taylor_detail::run_series<double> on ONE unsorted row (B = 8, ms_j = 1, no rescaling, E = 0),
// operation for operation, with the cells of a block of degrees across lanes. The column update
// v_j(n) = fma(y_j/i, v_j(n-1), (j/i) v_{j-1}(n)), i = n + j, has independent cells along each
// anti-diagonal: a block of 8 degrees n0..n0+7 runs as 8/W sub-blocks of W degrees; in a sub-block,
// step t computes in lane b the cell (node j = t - b, degree n0 + qW + b), whose inputs are lane b's
// result of step t-1 (v_{j-1}, same degree) and lane b-1's (v_j, the degree before; lane 0 reads
// the previous sub-block's column). All lanes of a step share i = n0 + qW + t (one broadcast
// reciprocal); the nodes come reversed (rh, rl) so that lane b loads y_{t-b}; lanes outside
// 1 <= j <= K-1 see zero nodes and stay 0 below the row (j <= 0) or never feed a used cell (j >= K).
// Each step stores its vector at a descending address, so the array keeps exactly the last lane of
// every step: v_j of the sub-block's last degree, the next sub-block's input. The mean fold
// w_j(d) = fma((y_j)/(d+K), w_j(d-1), K v_{K-1}(d)/(d+K)) is independent across j: W nodes per
// vector, the 8 degrees in order. The sums into S and into each sw_j, and the stopping rule, are
// the scalar ones in the scalar order.
void RunRow(detail::Row& g) {
#if HWY_NATIVE_FMA && HWY_TARGET != HWY_SCALAR && HWY_TARGET != HWY_EMU128
  const hn::ScalableTag<double> d;
  using V = hn::Vec<decltype(d)>;
  constexpr int B = 8;
  const std::size_t W = hn::Lanes(d);
  if (W > static_cast<std::size_t>(B) || B % W != 0) return;
  const std::size_t K = g.K, Kp = g.Kp;
  const std::size_t L = K + 2 * W;            // rh, rl, va, vb
  const std::size_t base = K + W - 2;         // va[base - j] = v_j
  HWY_ALIGN double idx_src[64];
  using TI = hwy::MakeSigned<double>;
  HWY_ALIGN TI idx[64];
  for (std::size_t b = 0; b < W; ++b) {
    idx[b] = static_cast<TI>(b == 0 ? 0 : b - 1);  // lane b <- lane b-1
    idx_src[b] = static_cast<double>(b);
  }
  const auto shift = hn::SetTableIndices(d, idx);
  const V iota = hn::Load(d, idx_src);
  const auto first = hn::FirstN(d, 1);
  double* vin = g.va;
  double* vout = g.vb;
  for (std::size_t i = 0; i < L; ++i) vin[i] = 1.0;  // v_j(0) = 1
  if (g.mean)
    for (std::size_t j = 0; j < Kp; ++j) {
      g.w[j] = 1.0;
      g.sw[j] = 1.0;
    }
  double S = 1.0;
  std::size_t n = 1;
  const double Kc = static_cast<double>(K);
  HWY_ALIGN double lane[64];
  double out[B];
  for (;;) {
    for (std::size_t q = 0; q * W < static_cast<std::size_t>(B); ++q) {
      const std::size_t i0 = n + q * W;
      V res = hn::Zero(d);
      const std::size_t tend = K - 1 + W - 1;
      for (std::size_t t = 1; t <= tend; ++t) {
        const std::size_t off = L - 1 - W - t;
        const V h = hn::LoadU(d, g.rh + off), l = hn::LoadU(d, g.rl + off);
        const V vih = hn::Set(d, g.ihi[i0 + t]), vil = hn::Set(d, g.ilo[i0 + t]);
        const V gain = DivAcc2(h, l, vih, vil);                                     // column_gain
        const V coup = DivAcc(hn::Sub(hn::Set(d, static_cast<double>(t)), iota), vih, vil);  // column_coupling
        const V x = hn::IfThenElse(first, hn::Set(d, vin[base - t]), hn::TableLookupLanes(res, shift));
        res = hn::MulAdd(gain, x, hn::Mul(coup, res));                             // column_update
        hn::StoreU(res, d, vout + (base - t));
        if (t >= K - 1) {
          hn::Store(res, d, lane);
          out[q * W + (t - (K - 1))] = lane[t - (K - 1)];
        }
      }
      std::swap(vin, vout);
    }
    for (int b = 0; b < B; ++b) S += out[b];
    if (g.mean) {
      double ci[B];
      for (int b = 0; b < B; ++b) ci[b] = series::div_acc(Kc * out[b], g.ihi[n + K + b], g.ilo[n + K + b]);  // mean_source
      for (std::size_t j = 0; j < Kp; j += W) {
        V x = hn::LoadU(d, g.w + j), acc = hn::LoadU(d, g.sw + j);
        const V h = hn::LoadU(d, g.yh + j), l = hn::LoadU(d, g.yl + j);
        for (int b = 0; b < B; ++b) {
          x = hn::MulAdd(DivAcc2(h, l, hn::Set(d, g.ihi[n + K + b]), hn::Set(d, g.ilo[n + K + b])), x, hn::Set(d, ci[b]));  // mean_update
          acc = hn::Add(acc, x);
        }
        hn::StoreU(x, d, g.w + j);
        hn::StoreU(acc, d, g.sw + j);
      }
    }
    n += B;
    const double top = out[B - 1];
    const double next = static_cast<double>(n);
    if (series::series_failed(S, next, g.r)) {
      g.ok = false;
      break;
    }
    double tf = 0;
    if (!series::tail_factor(g.r, next, tf)) continue;
    if (!series::tail_negligible(top, tf, g.tol, S)) continue;
    if (!g.mean || series::mean_tails_negligible<double>(g.w, g.sw, static_cast<int>(K), tf, g.tol)) {
      g.ok = true;
      break;
    }
  }
  g.S = S;
  g.terms = n;
  g.ran = true;
#else
  (void)g;
#endif
}

const char* Name() { return hwy::TargetName(HWY_TARGET); }

std::size_t LanesDouble() { return hn::Lanes(hn::ScalableTag<double>()); }

// `iters` rounds of 16 independent fused multiply-adds on full double vectors (16 chains hide the
// fma latency on every x86 and Arm core we know: latency 4-5 x at most 2-3 issue ports); returns
// a sum of the chains so the compiler keeps them. Flops: iters x 16 x lanes x 2.
double FmaChains(std::uint64_t iters, double seed) {
  const hn::ScalableTag<double> d;
  using V = hn::Vec<decltype(d)>;
  const V m = hn::Set(d, 1.0 - 0x1p-30), c = hn::Set(d, 0x1p-31);
  V a[16];
  for (int k = 0; k < 16; ++k) a[k] = hn::Set(d, seed + k);
  for (std::uint64_t i = 0; i < iters; ++i) {
#pragma GCC unroll 16
    for (int k = 0; k < 16; ++k) a[k] = hn::MulAdd(a[k], m, c);
  }
  V s = a[0];
  for (int k = 1; k < 16; ++k) s = hn::Add(s, a[k]);
  return hn::GetLane(hn::SumOfLanes(d, s));
}

}  // namespace HWY_NAMESPACE
}  // namespace lanes
}  // namespace ccnorm
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace ccnorm {
namespace lanes {

HWY_EXPORT(Width);
HWY_EXPORT(RunGroup);
HWY_EXPORT(RunRow);
HWY_EXPORT(Name);
HWY_EXPORT(FmaChains);
HWY_EXPORT(LanesDouble);

FmaPeak fma_peak(double seconds) {
  FmaPeak p;
  p.target = target_name();
  p.lanes = HWY_DYNAMIC_DISPATCH(LanesDouble)();
  std::uint64_t iters = 1 << 16;
  double best = 0, sink = 0;
  const auto t_end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  do {
    const auto t0 = std::chrono::steady_clock::now();
    sink += HWY_DYNAMIC_DISPATCH(FmaChains)(iters, 1.0 + sink * 1e-300);
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (dt < 1e-3) {
      iters *= 4;
      continue;
    }
    best = std::max(best, static_cast<double>(iters) * 16.0 * static_cast<double>(p.lanes) * 2.0 / dt / 1e9);
  } while (std::chrono::steady_clock::now() < t_end);
  p.gflops = std::isfinite(sink) ? best : 0.0;
  return p;
}

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

ScalarOnly::ScalarOnly() {
  for (const auto t : hwy::SupportedAndGeneratedTargets()) {
    set_target_for_test(static_cast<long long>(t));
    if (width() == 0) return;
  }
  set_target_for_test(0);  // every target has a vector fma: nothing to force
}
ScalarOnly::~ScalarOnly() { set_target_for_test(0); }

namespace {

using taylor_detail::Work;

struct Scratch {
  std::vector<double> yh, yl, v, w, sw, sw_out, r, S, m;
  std::vector<std::uint32_t> perm;  // K W: each lane's node order (taylor_prepare), row-major
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
  s.perm.resize(KW);
  s.r.resize(W);
  s.m.resize(W);
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
    s.m[ln] = static_cast<double>(mT);  // exact
    std::copy(ws.perm.begin(), ws.perm.end(), s.perm.begin() + ln * K);
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
  g.tol = series::output_series_tol<T>(g.mean);
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
      // The row's prepared nodes back in the workspace (as taylor_prepare left them).
      const double r = s.r[ln];
      mT = static_cast<T>(s.m[ln]);
      ws.perm.assign(s.perm.begin() + ln * K, s.perm.begin() + (ln + 1) * K);
      ws.yh.resize(K);
      ws.yl.resize(K);
      for (std::size_t j = 0; j < K; ++j) {
        ws.yh[j] = s.yh[j * W + ln];
        ws.yl[j] = s.yl[j * W + ln];
      }
      ws.sorted = false;
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

struct RowScratch {
  std::vector<double> rh, rl, yh, yl, va, vb, w, sw;
};
RowScratch& row_scratch() {
  static thread_local RowScratch s;
  return s;
}

}  // namespace

bool series_row(Work<double>& ws, std::size_t K, double r, bool want_mu, taylor_detail::Series<double>& out, double tol) {
  const std::size_t W = width();
  if (W < 2 || 8 % W != 0 || K < 2 || ws.sorted) return false;
  RowScratch& s = row_scratch();
  const std::size_t Kp = (K + W - 1) / W * W, L = K + 2 * W;
  s.rh.assign(L, 0.0);
  s.rl.assign(L, 0.0);
  for (std::size_t j = 0; j < K; ++j) {
    s.rh[L - 1 - W - j] = ws.yh[j];
    s.rl[L - 1 - W - j] = ws.yl[j];
  }
  s.va.resize(L);
  s.vb.resize(L);
  if (want_mu) {
    s.yh.assign(Kp, 0.0);
    s.yl.assign(Kp, 0.0);
    std::copy(ws.yh.begin(), ws.yh.begin() + K, s.yh.begin());
    std::copy(ws.yl.begin(), ws.yl.begin() + K, s.yl.begin());
    s.w.resize(Kp);
    s.sw.resize(Kp);
  }
  taylor_detail::ensure_inv(ws, static_cast<std::size_t>(max_degree(r)) + K + 16);
  detail::Row g;
  g.K = K;
  g.Kp = Kp;
  g.mean = want_mu;
  g.tol = tol > 0 ? tol : series::series_tol(series::Precision<double>::u(), want_mu);
  g.r = r;
  g.ihi = ws.ihi.data();
  g.ilo = ws.ilo.data();
  g.rh = s.rh.data();
  g.rl = s.rl.data();
  g.yh = s.yh.data();
  g.yl = s.yl.data();
  g.va = s.va.data();
  g.vb = s.vb.data();
  g.w = s.w.data();
  g.sw = s.sw.data();
  HWY_DYNAMIC_DISPATCH(RunRow)(g);
  if (!g.ran) return false;
  if (want_mu) ws.sw.assign(s.sw.begin(), s.sw.begin() + static_cast<std::ptrdiff_t>(K));
  out = {g.S, 0, g.terms, g.ok};
  return true;
}

template <class T>
BatchSummary auto_batch(const T* Z, std::size_t B, std::size_t K, T* A, T* logC, T* mu, int threads,
                        RowStatus* status) {
  const std::size_t W = width();
  if (W < 2 || K < 2 || B < 2 || K >= kBatchByRowMinK)  // one by one (large K: each row across lanes, series_row)
    return evaluate_batch_rows<T>(Algo::auto_, Z, B, K, A, logC, mu, threads, status);
  std::vector<RowStatus> st_local;
  RowStatus* st = status;
  if (st == nullptr) {
    st_local.resize(B);
    st = st_local.data();
  }
  // Classify: the rows of auto's plain double series (their spread as taylor_prepare computes it)
  // go to the lanes, sorted by spread; the others run scalar.
  // (on the pool's threads: serial, it was the part of a batch that did not scale)
  std::vector<double> r(B);
  const int nt = threads > 0 ? threads : default_threads();
  RowPool::instance().run(B, nt, std::clamp<std::size_t>(B / (8 * static_cast<std::size_t>(nt)), 1, 64),
                          [&](std::size_t first, std::size_t last) {
                            for (std::size_t b = first; b < last; ++b) {
                              const T* z = Z + b * K;
                              double rb = std::numeric_limits<double>::quiet_NaN();
                              if (valid_row(z, K)) {
                                const auto [lo, hi] = std::minmax_element(z, z + K);
                                const double r0 = static_cast<double>(*hi) - static_cast<double>(*lo);
                                if (auto_detail::plain_double_series<T>(r0, K, mu != nullptr)) rb = r0;
                              }
                              r[b] = rb;
                            }
                          });
  std::vector<std::size_t> plain, other;
  plain.reserve(B);
  for (std::size_t b = 0; b < B; ++b) (std::isnan(r[b]) ? other : plain).push_back(b);
  // Group rows of similar spread (the degree count N ~ spread + O(sqrt spread) + 20): a counting
  // sort into buckets of width 1/2 (O(B); the comparison sort it replaced was 14 % of a batch of
  // 1024 rows at K = 10, all of it serial). Which rows share a group does not change any output.
  {
    constexpr double kPerUnit = 2.0;
    const std::size_t nb = static_cast<std::size_t>(series::kSeparatedMinSpread * kPerUnit) + 2;
    std::vector<std::size_t> start(nb + 1, 0), sorted(plain.size());
    auto bucket = [&](std::size_t b) { return std::min(nb - 1, static_cast<std::size_t>(r[b] * kPerUnit)); };
    for (std::size_t b : plain) ++start[bucket(b) + 1];
    for (std::size_t i = 0; i < nb; ++i) start[i + 1] += start[i];
    for (std::size_t b : plain) sorted[start[bucket(b)]++] = b;
    plain.swap(sorted);
  }
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
