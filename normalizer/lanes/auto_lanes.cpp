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
  const double* net = nullptr;  // W: series::net_degrees(r) (the safety net's degree limit)
  double* yh = nullptr;         // K W shifted nodes (taylor_prepare's order)
  double* yl = nullptr;
  double* v = nullptr;          // K W scratch: the column
  double* w = nullptr;          // K W scratch: the mean columns
  double* sw = nullptr;         // K W scratch: the mean sums
  double* S_out = nullptr;      // W: the scaled sum at the lane's stop
  std::size_t* terms_out = nullptr;
  unsigned char* ok_out = nullptr;
  double* sw_out = nullptr;     // K W: the mean sums at the lane's stop
  bool comp = false;            // compensated sums (run_series with comp: f64 outputs)
  double* swl = nullptr;        // K W scratch: the mean sums' compensation terms (comp)
  double* S_lo_out = nullptr;   // W: S's compensation term at the stop (comp)
  double* swl_out = nullptr;    // K W: the mean sums' compensation terms at the stop (comp)
  double* ve = nullptr;         // K W scratch: the column's error terms (RunGroupComp)
  double* we = nullptr;         // K W scratch: the mean columns' error terms (RunGroupComp)
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
  double* vae = nullptr;        // K + 2W scratch each: the column's error terms (RunRowComp)
  double* vbe = nullptr;
  double* we = nullptr;         // Kp scratch: the mean columns' error terms (RunRowComp)
  bool comp = false;            // compensated sums (run_series with comp: f64 outputs)
  double* swl = nullptr;        // Kp: the mean sums' compensation terms (comp; at the stop)
  double S = 0;                 // out: the scaled sum at the stop
  double S_lo = 0;              // out: its compensation term (comp)
  std::size_t terms = 0;
  bool ok = false, ran = false; // ran: false where the target cannot (no vector fma, 8 % lanes != 0)
};

// One row's assembly after the group's series (auto_detail::finish_series).
template <class T>
struct Finish {
  const T* z = nullptr;
  std::size_t K = 0;
  T* mu = nullptr;
  double r = 0;
  auto_detail::PreparedRow<double> p{};
  T m = 0;
  taylor_detail::Series<double> s{};
  bool recurrence_row = false;  // the compensated recurrence's rows (finish_series)
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

// series::compensated_add on vectors (the same four operations in the same order).
template <class V>
HWY_INLINE void CompensatedAdd(V& s, V& e, V x) {
  const V t = hn::Add(s, x);
  e = hn::Add(e, hn::Sub(x, hn::Sub(t, s)));
  s = t;
}

// dd.hpp two_prod / two_sum and taylor_compensated.hpp product_pair on vectors (the same
// operations in the same order).
template <class V>
HWY_INLINE void TwoProd(V a, V b, V& p, V& e) {
  p = hn::Mul(a, b);
  e = hn::MulAdd(a, b, hn::Neg(p));
}
template <class V>
HWY_INLINE void TwoSum(V a, V b, V& s, V& e) {
  s = hn::Add(a, b);
  const V bb = hn::Sub(s, a);
  e = hn::Add(hn::Sub(a, hn::Sub(s, bb)), hn::Sub(b, bb));
}
template <class V>
HWY_INLINE void ProductPair(V yh, V yl, V ih, V il, V& hi, V& lo) {
  hi = hn::Mul(yh, ih);
  lo = hn::Add(hn::MulAdd(yh, ih, hn::Neg(hi)), hn::MulAdd(yh, il, hn::Mul(yl, ih)));
}
// taylor_compensated.hpp's column cell: out + oute = (g + gl)(x + xe) + (c + cl)(p + pe) to first
// order (x + xe = v_j of the degree before, p + pe = v_{j-1} of this degree).
template <class V>
HWY_INLINE void CompensatedCell(V g, V gl, V c, V cl, V x, V xe, V p, V pe, V& out, V& oute) {
  V p1, p1l, p2, p2l, sm, sml;
  TwoProd(g, x, p1, p1l);
  TwoProd(c, p, p2, p2l);
  TwoSum(p1, p2, sm, sml);
  oute = hn::MulAdd(g, xe, hn::MulAdd(c, pe, hn::MulAdd(gl, x, hn::MulAdd(cl, p, hn::Add(hn::Add(p1l, p2l), sml)))));
  out = sm;
}
// taylor_compensated.hpp compensated_mean_step's cell: w + we <- h (w + we) + a + al with
// h + hl = (yh + yl)(ih + il), folded into the compensated sum sw + swl.
template <class V>
HWY_INLINE void CompensatedMeanCell(V yh, V yl, V ih, V il, V a, V al, V& w, V& we, V& sw, V& swl) {
  V h, hl, q, ql, sa, sl;
  ProductPair(yh, yl, ih, il, h, hl);
  TwoProd(h, w, q, ql);
  TwoSum(q, a, sa, sl);
  const V e = hn::MulAdd(h, we, hn::MulAdd(hl, w, hn::Add(hn::Add(ql, sl), al)));
  const V t = hn::Add(sw, sa);
  swl = hn::Add(swl, hn::Add(hn::Sub(sa, hn::Sub(t, sw)), e));
  sw = t;
  w = sa;
  we = e;
}

// The same cell with the error term e zeroed in the lanes of mask m (the tail of
// taylor_compensated.hpp: those lanes keep exactly tail_mean_step's bits).
template <class V, class M>
HWY_INLINE void CompensatedMeanCellMasked(M m, V yh, V yl, V ih, V il, V a, V al, V& w, V& we, V& sw, V& swl) {
  V h, hl, q, ql, sa, sl;
  ProductPair(yh, yl, ih, il, h, hl);
  TwoProd(h, w, q, ql);
  TwoSum(q, a, sa, sl);
  const V e = hn::IfThenZeroElse(m, hn::MulAdd(h, we, hn::MulAdd(hl, w, hn::Add(hn::Add(ql, sl), al))));
  const V t = hn::Add(sw, sa);
  swl = hn::Add(swl, hn::Add(hn::Sub(sa, hn::Sub(t, sw)), e));
  sw = t;
  w = sa;
  we = e;
}
// taylor_compensated.hpp tail_mean_step's cell (the high parts only).
template <class V>
HWY_INLINE void TailMeanCell(V yh, V ih, V a, V& w, V& sw, V& swl) {
  const V sa = hn::Add(hn::Mul(hn::Mul(yh, ih), w), a);
  const V t = hn::Add(sw, sa);
  swl = hn::Add(swl, hn::Sub(sa, hn::Sub(t, sw)));
  sw = t;
  w = sa;
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

// The stopping rule of run_series (series/step.hpp series_failed, tail_factor, tail_negligible,
// mean_tails_negligible) on every lane of a group at once after degree next - 1 (top: its
// v_{K-1}), for U vectors of lanes: the same operations, so the same decisions. Returns the lanes
// that stop; failed receives those whose safety net fired.
// The lanes of vector u whose tail bound (tail_factor, tail_negligible, mean_tails_negligible)
// after degree next - 1 is below tol.
template <class V>
HWY_INLINE auto LaneTails(const detail::Group& g, int u, double next, V S, V top, double tol) {
  const hn::ScalableTag<double> d;
  const std::size_t K = g.K, W = g.W, L = hn::Lanes(d);
  const V one = hn::Set(d, 1.0), vnext = hn::Set(d, next), vtol = hn::Set(d, tol),
          vmax = hn::Set(d, series::kTailRatioMax);
  const V q = hn::Div(hn::LoadU(d, g.r + u * L), vnext);
  const V tf = hn::Div(q, hn::Sub(one, q));
  auto dn = hn::And(hn::Lt(q, vmax), hn::Le(hn::Mul(top, tf), hn::Mul(vtol, S)));
  if (g.mean && !hn::AllFalse(d, dn))
    for (std::size_t j = 0; j < K; ++j)
      dn = hn::And(dn, hn::Le(hn::Mul(hn::LoadU(d, g.w + j * W + u * L), tf),
                              hn::Mul(vtol, hn::LoadU(d, g.sw + j * W + u * L))));
  return dn;
}
// A mask's lanes as bits.
template <class M>
HWY_INLINE std::uint64_t MaskBits(M m) {
  const hn::ScalableTag<double> d;
  const std::size_t L = hn::Lanes(d);
  std::uint8_t bits[8] = {};
  hn::StoreMaskBits(d, m, bits);
  std::uint64_t b = 0;
  for (std::size_t k = 0; k < (L + 7) / 8; ++k) b |= static_cast<std::uint64_t>(bits[k]) << (8 * k);
  if (L < 64) b &= (1ull << L) - 1;
  return b;
}
template <int U, class V>
HWY_INLINE std::uint64_t LaneStops(const detail::Group& g, double next, const V* S, const V* top, std::uint64_t& failed) {
  const hn::ScalableTag<double> d;
  const std::size_t L = hn::Lanes(d);
  std::uint64_t stop = 0;
  failed = 0;
  for (int u = 0; u < U; ++u) {
    const auto dn = LaneTails(g, u, next, S[u], top[u], g.tol);
    const V vnext = hn::Set(d, next);
    const auto bad = hn::Or(hn::Not(hn::Gt(S[u], hn::Zero(d))),
                            hn::Or(hn::Not(hn::Eq(hn::Sub(S[u], S[u]), hn::Zero(d))),
                                   hn::Gt(vnext, hn::LoadU(d, g.net + u * L))));
    stop |= MaskBits(hn::Or(dn, bad)) << (u * L);
    failed |= MaskBits(bad) << (u * L);
  }
  return stop;
}
// The lanes in stop leave the group (live) with their sums at `terms` degrees (rarely more than
// one at a time: stored one by one). Comp: with the compensation terms.
template <int U, bool Comp, class V>
HWY_INLINE void SaveStopped(const detail::Group& g, const V* S, const V* Slo, std::uint64_t stop, std::uint64_t failed,
                            std::size_t terms, std::uint64_t& live) {
  const hn::ScalableTag<double> d;
  const std::size_t K = g.K, W = g.W, L = hn::Lanes(d);
  HWY_ALIGN double Sl[64], Sll[64];
  for (int u = 0; u < U; ++u) {
    hn::Store(S[u], d, Sl + u * L);
    if constexpr (Comp) hn::Store(Slo[u], d, Sll + u * L);
  }
  for (std::size_t ln = 0; ln < W; ++ln) {
    if (!(stop >> ln & 1)) continue;
    live &= ~(1ull << ln);
    g.S_out[ln] = Sl[ln];
    if constexpr (Comp) g.S_lo_out[ln] = Sll[ln];
    g.terms_out[ln] = terms;
    g.ok_out[ln] = (failed >> ln & 1) ? 0 : 1;
    if (g.mean)
      for (std::size_t j = 0; j < K; ++j) {
        g.sw_out[j * W + ln] = g.sw[j * W + ln];
        if constexpr (Comp) g.swl_out[j * W + ln] = g.swl[j * W + ln];
      }
  }
}

// taylor_detail::run_series<double> (B = 8, unsorted nodes: ms_j = 1, no rescaling, E = 0) on
// g.W = U L rows at once (L = the target's double lanes: U vectors per node, so that small K has U
// independent chains in flight), operation for operation (series/arithmetic.hpp div_acc / div_acc2,
// series/step.hpp column_gain, column_coupling, column_update, mean_source, mean_update; the same
// order of the additions into S and the mean sums).
template <int U, bool Comp>
void RunGroupU(const detail::Group& g) {
#if HWY_NATIVE_FMA && HWY_TARGET != HWY_SCALAR && HWY_TARGET != HWY_EMU128
  const hn::ScalableTag<double> d;
  using V = hn::Vec<decltype(d)>;
  const std::size_t K = g.K, W = g.W, L = hn::Lanes(d);
  constexpr int B = 8;
  const V one = hn::Set(d, 1.0);
  for (std::size_t j = 0; j < K; ++j)
    for (std::size_t q = 0; q < W; q += L) {
      hn::StoreU(one, d, g.v + j * W + q);
      if (g.mean) {
        hn::StoreU(one, d, g.w + j * W + q);
        hn::StoreU(one, d, g.sw + j * W + q);
        if (Comp) hn::StoreU(hn::Zero(d), d, g.swl + j * W + q);
      }
    }
  V S[U], Slo[U];
  for (int u = 0; u < U; ++u) {
    S[u] = one;
    Slo[u] = hn::Zero(d);
  }
  std::size_t n = 1;
  const double Kc = static_cast<double>(K);
  std::uint64_t live = (W >= 64 ? ~0ull : ((1ull << W) - 1));
  HWY_ALIGN double ap[64];
  while (live != 0) {
    V prev[B][U];
    for (int b = 0; b < B; ++b)
      for (int u = 0; u < U; ++u) prev[b][u] = hn::Zero(d);
    for (std::size_t j = 1; j < K; ++j) {
      const double* ih = g.ihi + n + j;
      const double* il = g.ilo + n + j;
      // column_coupling div_acc(j, 1/i) for the block's 8 degrees (ms_j = 1: exact), L at a time
      const V a = hn::Set(d, static_cast<double>(j));
      if (L <= static_cast<std::size_t>(B) && B % L == 0)
        for (int b = 0; b < B; b += static_cast<int>(L))
          hn::Store(DivAcc(a, hn::LoadU(d, ih + b), hn::LoadU(d, il + b)), d, ap + b);
      else
        for (int b = 0; b < B; ++b) ap[b] = series::div_acc(static_cast<double>(j), ih[b], il[b]);
      V h[U], l[U], x[U];
      for (int u = 0; u < U; ++u) {
        h[u] = hn::LoadU(d, g.yh + j * W + u * L);
        l[u] = hn::LoadU(d, g.yl + j * W + u * L);
        x[u] = hn::LoadU(d, g.v + j * W + u * L);
      }
      for (int b = 0; b < B; ++b) {
        const V vih = hn::Set(d, ih[b]), vil = hn::Set(d, il[b]), va = hn::Set(d, ap[b]);
        for (int u = 0; u < U; ++u) {
          const V hp = DivAcc2(h[u], l[u], vih, vil);         // column_gain
          x[u] = hn::MulAdd(hp, x[u], hn::Mul(va, prev[b][u]));  // column_update
          prev[b][u] = x[u];
        }
      }
      for (int u = 0; u < U; ++u) hn::StoreU(x[u], d, g.v + j * W + u * L);
    }
    for (int b = 0; b < B; ++b)
      for (int u = 0; u < U; ++u) {
        if constexpr (Comp) CompensatedAdd(S[u], Slo[u], prev[b][u]);
        else S[u] = hn::Add(S[u], prev[b][u]);
      }
    if (g.mean) {
      const double* ih = g.ihi + n + K;
      const double* il = g.ilo + n + K;
      const V vK = hn::Set(d, Kc);
      V ci[B][U];
      for (int b = 0; b < B; ++b) {
        const V vih = hn::Set(d, ih[b]), vil = hn::Set(d, il[b]);
        for (int u = 0; u < U; ++u) ci[b][u] = DivAcc(hn::Mul(vK, prev[b][u]), vih, vil);  // mean_source
      }
      for (std::size_t j = 0; j < K; ++j) {
        V x[U], acc[U], lo[U], h[U], l[U];
        for (int u = 0; u < U; ++u) {
          x[u] = hn::LoadU(d, g.w + j * W + u * L);
          acc[u] = hn::LoadU(d, g.sw + j * W + u * L);
          if constexpr (Comp) lo[u] = hn::LoadU(d, g.swl + j * W + u * L);
          h[u] = hn::LoadU(d, g.yh + j * W + u * L);
          l[u] = hn::LoadU(d, g.yl + j * W + u * L);
        }
        for (int b = 0; b < B; ++b) {
          const V vih = hn::Set(d, ih[b]), vil = hn::Set(d, il[b]);
          for (int u = 0; u < U; ++u) {
            x[u] = hn::MulAdd(DivAcc2(h[u], l[u], vih, vil), x[u], ci[b][u]);  // mean_update
            if constexpr (Comp) CompensatedAdd(acc[u], lo[u], x[u]);
            else acc[u] = hn::Add(acc[u], x[u]);
          }
        }
        for (int u = 0; u < U; ++u) {
          hn::StoreU(x[u], d, g.w + j * W + u * L);
          hn::StoreU(acc[u], d, g.sw + j * W + u * L);
          if constexpr (Comp) hn::StoreU(lo[u], d, g.swl + j * W + u * L);
        }
      }
    }
    n += B;
    // The stopping rule on every lane at once (LaneStops); the lanes that stop are stored.
    std::uint64_t failed = 0;
    const std::uint64_t stop = LaneStops<U>(g, static_cast<double>(n), S, prev[B - 1], failed) & live;
    if (stop != 0) SaveStopped<U, Comp>(g, S, Slo, stop, failed, n, live);
  }
#else
  (void)g;
#endif
}
// g.W = U x the target's lanes, U = 1 or 2 (group_vectors).
void RunGroup(const detail::Group& g) {
  const bool two = g.W > hn::Lanes(hn::ScalableTag<double>());
  if (g.comp) {
    if (two) RunGroupU<2, true>(g);
    else RunGroupU<1, true>(g);
  } else {
    if (two) RunGroupU<2, false>(g);
    else RunGroupU<1, false>(g);
  }
}

// taylor_detail::run_series_compensated (normalizer/taylor_compensated.hpp) on g.W = U L rows at
// once, one row per lane, operation for operation: the compensated column cells of a degree in
// node order, S's compensated sum, the compensated mean cells and the stopping rule after every
// degree (as the scalar recurrence has it), so each lane stops at the scalar degree with the
// scalar bits. U vectors per node as RunGroupU.
template <int U>
void RunGroupCompU(const detail::Group& g) {
#if HWY_NATIVE_FMA && HWY_TARGET != HWY_SCALAR && HWY_TARGET != HWY_EMU128
  const hn::ScalableTag<double> d;
  using V = hn::Vec<decltype(d)>;
  const std::size_t K = g.K, W = g.W, L = hn::Lanes(d);
  const V one = hn::Set(d, 1.0), zero = hn::Zero(d);
  for (std::size_t j = 0; j < K; ++j)
    for (std::size_t q = 0; q < W; q += L) {
      hn::StoreU(one, d, g.v + j * W + q);
      hn::StoreU(zero, d, g.ve + j * W + q);
      if (g.mean) {
        hn::StoreU(one, d, g.w + j * W + q);
        hn::StoreU(zero, d, g.we + j * W + q);
        hn::StoreU(one, d, g.sw + j * W + q);
        hn::StoreU(zero, d, g.swl + j * W + q);
      }
    }
  V S[U], Slo[U];
  for (int u = 0; u < U; ++u) {
    S[u] = one;
    Slo[u] = zero;
  }
  const double Kc = static_cast<double>(K);
  const V vK = hn::Set(d, Kc);
  std::uint64_t live = (W >= 64 ? ~0ull : ((1ull << W) - 1));
  // The lanes in the tail (taylor_compensated.hpp, series::kCompensatedTailTol): their cells' error
  // terms are zeroed; once every live lane is there, the degrees run on the high parts only.
  hn::Mask<decltype(d)> tm[U];
  for (int u = 0; u < U; ++u) tm[u] = hn::FirstN(d, 0);
  std::uint64_t tails = 0;
  bool cheap = false;
  for (std::size_t n = 1;; ++n) {
    V p[U], pe[U];
    for (int u = 0; u < U; ++u) {
      p[u] = zero;  // v_0(n) = 0 (y_0 = 0)
      pe[u] = zero;
    }
    for (std::size_t j = 1; j < K; ++j) {
      const std::size_t i = n + j;
      const double ih = g.ihi[i], il = g.ilo[i], jd = static_cast<double>(j);
      const double c = jd * ih;
      const V vih = hn::Set(d, ih), vc = hn::Set(d, c);
      if (cheap) {
        for (int u = 0; u < U; ++u) {
          const std::size_t o = j * W + static_cast<std::size_t>(u) * L;
          const V gg = hn::Mul(hn::LoadU(d, g.yh + o), vih);
          p[u] = hn::Add(hn::Mul(gg, hn::LoadU(d, g.v + o)), hn::Mul(vc, p[u]));
          hn::StoreU(p[u], d, g.v + o);
        }
        continue;
      }
      const double cl = std::fma(jd, ih, -c) + jd * il;
      const V vil = hn::Set(d, il), vcl = hn::Set(d, cl);
      for (int u = 0; u < U; ++u) {
        const std::size_t o = j * W + static_cast<std::size_t>(u) * L;
        const V h = hn::LoadU(d, g.yh + o), l = hn::LoadU(d, g.yl + o);
        V gg, gl;
        ProductPair(h, l, vih, vil, gg, gl);
        CompensatedCell(gg, gl, vc, vcl, hn::LoadU(d, g.v + o), hn::LoadU(d, g.ve + o), p[u], pe[u], p[u], pe[u]);
        pe[u] = hn::IfThenZeroElse(tm[u], pe[u]);
        hn::StoreU(p[u], d, g.v + o);
        hn::StoreU(pe[u], d, g.ve + o);
      }
    }
    // p + pe = v_{K-1}(n): taylor_compensated.hpp's fold
    for (int u = 0; u < U; ++u) {
      CompensatedAdd(S[u], Slo[u], p[u]);
      if (!cheap) Slo[u] = hn::Add(Slo[u], pe[u]);
    }
    if (g.mean) {
      const std::size_t i = n + K;
      const V vih = hn::Set(d, g.ihi[i]), vil = hn::Set(d, g.ilo[i]);
      V a[U], al[U];
      for (int u = 0; u < U; ++u) {
        V kt, ktl;
        TwoProd(vK, p[u], kt, ktl);
        if (cheap) {
          a[u] = hn::Mul(kt, vih);
        } else {
          ProductPair(kt, hn::MulAdd(vK, pe[u], ktl), vih, vil, a[u], al[u]);
        }
      }
      for (std::size_t j = 0; j < K; ++j)
        for (int u = 0; u < U; ++u) {
          const std::size_t o = j * W + static_cast<std::size_t>(u) * L;
          V w = hn::LoadU(d, g.w + o);
          V sw = hn::LoadU(d, g.sw + o), swl = hn::LoadU(d, g.swl + o);
          if (cheap) {
            TailMeanCell(hn::LoadU(d, g.yh + o), vih, a[u], w, sw, swl);
          } else {
            V we = hn::LoadU(d, g.we + o);
            CompensatedMeanCellMasked(tm[u], hn::LoadU(d, g.yh + o), hn::LoadU(d, g.yl + o), vih, vil, a[u], al[u], w,
                                      we, sw, swl);
            hn::StoreU(we, d, g.we + o);
          }
          hn::StoreU(w, d, g.w + o);
          hn::StoreU(swl, d, g.swl + o);
          hn::StoreU(sw, d, g.sw + o);
        }
    }
    // The stopping rule after degree n (next = n + 1), every lane at once, as RunGroupU.
    std::uint64_t failed = 0;
    const double next = static_cast<double>(n + 1);
    const std::uint64_t stop = LaneStops<U>(g, next, S, p, failed) & live;
    if (stop != 0) SaveStopped<U, true>(g, S, Slo, stop, failed, n + 1, live);
    if (live == 0) break;
    // ... and the tail rule of taylor_compensated.hpp's fold (after the stopping rule, as there).
    if (!cheap) {
      for (int u = 0; u < U; ++u) {
        const auto t = LaneTails(g, u, next, S[u], p[u], series::kCompensatedTailTol);
        tm[u] = hn::Or(tm[u], t);
        tails |= MaskBits(tm[u]) << (u * L);
      }
      cheap = (live & ~tails) == 0;
    }
  }
#else
  (void)g;
#endif
}
void RunGroupComp(const detail::Group& g) {
  if (g.W > hn::Lanes(hn::ScalableTag<double>())) RunGroupCompU<2>(g);
  else RunGroupCompU<1>(g);
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
template <bool Comp>
void RunRowC(detail::Row& g) {
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
      if (Comp) g.swl[j] = 0.0;
    }
  double S = 1.0, S_lo = 0.0;
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
    if constexpr (Comp)
      for (int b = 0; b < B; ++b) series::compensated_add(S, S_lo, out[b]);
    else
      for (int b = 0; b < B; ++b) S += out[b];
    if (g.mean) {
      double ci[B];
      for (int b = 0; b < B; ++b) ci[b] = series::div_acc(Kc * out[b], g.ihi[n + K + b], g.ilo[n + K + b]);  // mean_source
      for (std::size_t j = 0; j < Kp; j += W) {
        V x = hn::LoadU(d, g.w + j), acc = hn::LoadU(d, g.sw + j);
        V lo = Comp ? hn::LoadU(d, g.swl + j) : hn::Zero(d);
        const V h = hn::LoadU(d, g.yh + j), l = hn::LoadU(d, g.yl + j);
        for (int b = 0; b < B; ++b) {
          x = hn::MulAdd(DivAcc2(h, l, hn::Set(d, g.ihi[n + K + b]), hn::Set(d, g.ilo[n + K + b])), x, hn::Set(d, ci[b]));  // mean_update
          if constexpr (Comp) CompensatedAdd(acc, lo, x);
          else acc = hn::Add(acc, x);
        }
        hn::StoreU(x, d, g.w + j);
        hn::StoreU(acc, d, g.sw + j);
        if constexpr (Comp) hn::StoreU(lo, d, g.swl + j);
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
  g.S_lo = S_lo;
  g.terms = n;
  g.ran = true;
#else
  (void)g;
#endif
}
void RunRow(detail::Row& g) {
  if (g.comp) RunRowC<true>(g);
  else RunRowC<false>(g);
}

// taylor_detail::run_series_compensated (normalizer/taylor_compensated.hpp) on ONE unsorted row,
// operation for operation, with the column's cells across lanes as RunRowC has them: lane b of
// step t computes the compensated cell (node j = t - b, degree n0 + qW + b) from lane b-1's pair
// of step t-1 (v_j of the degree before; lane 0 reads the previous sub-block's column, va + vae)
// and its own (v_{j-1}, same degree); the pair's arrays keep the last degree's column the same way.
// The degrees are then folded one at a time in order (S, the mean cells W nodes per vector, the
// stopping rule after each degree), so the row stops at the scalar degree with the scalar bits;
// the rest of a block's column is dropped, as the scalar drops the second degree of a pass.
void RunRowComp(detail::Row& g) {
#if HWY_NATIVE_FMA && HWY_TARGET != HWY_SCALAR && HWY_TARGET != HWY_EMU128
  const hn::ScalableTag<double> d;
  using V = hn::Vec<decltype(d)>;
  constexpr int B = 8;
  const std::size_t W = hn::Lanes(d);
  if (W > static_cast<std::size_t>(B) || B % W != 0) return;
  const std::size_t K = g.K, Kp = g.Kp;
  const std::size_t L = K + 2 * W;     // rh, rl, va, vb, vae, vbe
  const std::size_t base = K + W - 2;  // va[base - j] = v_j
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
  double* vine = g.vae;
  double* voute = g.vbe;
  for (std::size_t i = 0; i < L; ++i) {
    vin[i] = 1.0;  // v_j(0) = 1, exact
    vine[i] = 0.0;
  }
  if (g.mean)
    for (std::size_t j = 0; j < Kp; ++j) {
      g.w[j] = 1.0;
      g.we[j] = 0.0;
      g.sw[j] = 1.0;
      g.swl[j] = 0.0;
    }
  double S = 1.0, S_lo = 0.0;
  std::size_t n = 1;
  const double Kc = static_cast<double>(K);
  HWY_ALIGN double lane[64], lanee[64];
  double out[B], oute[B];
  bool tail = false;  // taylor_compensated.hpp's tail (series::kCompensatedTailTol)
  for (;;) {
    for (std::size_t q = 0; q * W < static_cast<std::size_t>(B); ++q) {
      const std::size_t i0 = n + q * W;
      V res = hn::Zero(d), rese = hn::Zero(d);
      const std::size_t tend = K - 1 + W - 1;
      if (tail) {  // the high parts only (the cell's high part: fl(g x) + fl(c p))
        for (std::size_t t = 1; t <= tend; ++t) {
          const std::size_t off = L - 1 - W - t;
          const V vih = hn::Set(d, g.ihi[i0 + t]);
          const V gg = hn::Mul(hn::LoadU(d, g.rh + off), vih);
          const V c = hn::Mul(hn::Sub(hn::Set(d, static_cast<double>(t)), iota), vih);
          const V x = hn::IfThenElse(first, hn::Set(d, vin[base - t]), hn::TableLookupLanes(res, shift));
          res = hn::Add(hn::Mul(gg, x), hn::Mul(c, res));
          hn::StoreU(res, d, vout + (base - t));
          if (t >= K - 1) {
            hn::Store(res, d, lane);
            out[q * W + (t - (K - 1))] = lane[t - (K - 1)];
            oute[q * W + (t - (K - 1))] = 0.0;
          }
        }
        std::swap(vin, vout);
        continue;
      }
      for (std::size_t t = 1; t <= tend; ++t) {
        const std::size_t off = L - 1 - W - t;
        const V h = hn::LoadU(d, g.rh + off), l = hn::LoadU(d, g.rl + off);
        const V vih = hn::Set(d, g.ihi[i0 + t]), vil = hn::Set(d, g.ilo[i0 + t]);
        // product_pair(y_j, 1/i): the gain g + gl; the coupling c + cl = j (ihi + ilo)
        V gg, gl;
        ProductPair(h, l, vih, vil, gg, gl);
        const V jd = hn::Sub(hn::Set(d, static_cast<double>(t)), iota);
        const V c = hn::Mul(jd, vih);
        const V cl = hn::Add(hn::MulAdd(jd, vih, hn::Neg(c)), hn::Mul(jd, vil));
        const V x = hn::IfThenElse(first, hn::Set(d, vin[base - t]), hn::TableLookupLanes(res, shift));
        const V xe = hn::IfThenElse(first, hn::Set(d, vine[base - t]), hn::TableLookupLanes(rese, shift));
        CompensatedCell(gg, gl, c, cl, x, xe, res, rese, res, rese);
        hn::StoreU(res, d, vout + (base - t));
        hn::StoreU(rese, d, voute + (base - t));
        if (t >= K - 1) {
          hn::Store(res, d, lane);
          hn::Store(rese, d, lanee);
          out[q * W + (t - (K - 1))] = lane[t - (K - 1)];
          oute[q * W + (t - (K - 1))] = lanee[t - (K - 1)];
        }
      }
      std::swap(vin, vout);
      std::swap(vine, voute);
    }
    // The block's degrees one at a time: taylor_compensated.hpp's fold.
    for (int b = 0; b < B; ++b) {
      const std::size_t nn = n + static_cast<std::size_t>(b);
      const double top = out[b], tope = tail ? 0.0 : oute[b];
      series::compensated_add(S, S_lo, top);
      S_lo += tope;
      if (g.mean && tail) {
        const std::size_t i = nn + K;
        const V vih = hn::Set(d, g.ihi[i]), va = hn::Set(d, (Kc * top) * g.ihi[i]);
        for (std::size_t j = 0; j < Kp; j += W) {
          V w = hn::LoadU(d, g.w + j), sw = hn::LoadU(d, g.sw + j), swl = hn::LoadU(d, g.swl + j);
          TailMeanCell(hn::LoadU(d, g.yh + j), vih, va, w, sw, swl);
          hn::StoreU(w, d, g.w + j);
          hn::StoreU(swl, d, g.swl + j);
          hn::StoreU(sw, d, g.sw + j);
        }
      } else if (g.mean) {
        const std::size_t i = nn + K;
        const double ih = g.ihi[i], il = g.ilo[i];
        const double kt = Kc * top;
        const double ktl = std::fma(Kc, tope, std::fma(Kc, top, -kt));
        const double a = kt * ih;
        const double al = std::fma(kt, ih, -a) + std::fma(kt, il, ktl * ih);
        const V vih = hn::Set(d, ih), vil = hn::Set(d, il), va = hn::Set(d, a), val = hn::Set(d, al);
        for (std::size_t j = 0; j < Kp; j += W) {
          V w = hn::LoadU(d, g.w + j), we = hn::LoadU(d, g.we + j);
          V sw = hn::LoadU(d, g.sw + j), swl = hn::LoadU(d, g.swl + j);
          CompensatedMeanCell(hn::LoadU(d, g.yh + j), hn::LoadU(d, g.yl + j), vih, vil, va, val, w, we, sw, swl);
          hn::StoreU(w, d, g.w + j);
          hn::StoreU(we, d, g.we + j);
          hn::StoreU(swl, d, g.swl + j);
          hn::StoreU(sw, d, g.sw + j);
        }
      }
      const double next = static_cast<double>(nn + 1);
      g.terms = nn + 1;
      if (series::series_failed(S, next, g.r)) {
        g.ok = false;
        g.S = S;
        g.S_lo = S_lo;
        g.ran = true;
        return;
      }
      double tf = 0;
      if (!series::tail_factor(g.r, next, tf)) continue;
      if (series::tail_negligible(top, tf, g.tol, S) &&
          (!g.mean || series::mean_tails_negligible<double>(g.w, g.sw, static_cast<int>(K), tf, g.tol))) {
        g.ok = true;
        g.S = S;
        g.S_lo = S_lo;
        g.ran = true;
        return;
      }
      if (!tail && series::tail_negligible(top, tf, series::kCompensatedTailTol, S) &&
          (!g.mean ||
           series::mean_tails_negligible<double>(g.w, g.sw, static_cast<int>(K), tf, series::kCompensatedTailTol)))
        tail = true;
    }
    n += B;
  }
#else
  (void)g;
#endif
}

// auto_detail::finish_series compiled for each target with its inline callees flattened in, so
// that the double-double assembly's fused multiply-adds are instructions where the target has them
// (the baseline x86-64 code calls the library's fma, ~20 calls per double-double log; the rare
// paths, the extended rerun and the out-of-domain fallback, stay calls). The same operations:
// bitwise the scalar assembly.
HWY_FLATTEN Out<double> FinishDouble(const detail::Finish<double>& f) {
  return auto_detail::finish_series<double>(f.z, f.K, f.mu, f.r, f.p, f.m, f.s, f.recurrence_row);
}
HWY_FLATTEN Out<float> FinishFloat(const detail::Finish<float>& f) {
  return auto_detail::finish_series<float>(f.z, f.K, f.mu, f.r, f.p, f.m, f.s, f.recurrence_row);
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
HWY_EXPORT(RunGroupComp);
HWY_EXPORT(RunRow);
HWY_EXPORT(RunRowComp);
HWY_EXPORT(FinishDouble);
HWY_EXPORT(FinishFloat);
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
  std::vector<double> yh, yl, v, w, sw, sw_out, swl, swl_out, r, net, S, S_lo, m, ve, we;
  std::vector<double> row_yh, row_yl, row_sw, row_swl;  // K W: each lane's shifted nodes (row-major), K: one row's mean sums
  std::vector<std::uint32_t> perm;  // K W: each lane's node order (taylor_prepare's), row-major
  std::vector<std::size_t> terms;
  std::vector<unsigned char> ok;
};
Scratch& scratch() {
  static thread_local Scratch s;
  return s;
}

// The largest degree the series may reach before its safety net (series_failed), plus a block.
double max_degree(double r) { return series::net_degrees(r) + 16; }

// Vectors per node in a group (U; a group has U x width() rows): small K gives the kernel too
// short a dependency chain per block (about K + 8 fused steps) to fill the pipeline, so two
// independent vectors per node run interleaved (measured: K = 3 value + mean, AVX-512, one thread,
// docs/design.md §2.13).
std::size_t group_vectors(std::size_t K, std::size_t lanes) {
  return K <= kTwoVectorMaxK && 2 * lanes <= 64 ? 2 : 1;
}

// Rows idx[0..cnt) (cnt <= W) of one group: the lane series, then auto's assembly row by row.
// Each row is prepared as taylor_prepare<double, T> prepares a row it does not sort (the rows of
// plain_double_series are exactly those: the same order, the same exact shifts), straight into
// the lane arrays; the assembly reads them through a PreparedRow view.
template <class T>
void run_group(const T* Z, std::size_t K, T* A, T* logC, T* mu, RowStatus* st, const std::size_t* idx, std::size_t cnt,
               std::size_t W, bool recurrence) {
  Scratch& s = scratch();
  const std::size_t KW = K * W;
  for (auto* a : {&s.yh, &s.yl, &s.v, &s.w, &s.sw, &s.sw_out, &s.row_yh, &s.row_yl}) a->resize(KW);
  if (recurrence) {
    s.ve.resize(KW);
    s.we.resize(KW);
  }
  constexpr bool comp = std::is_same_v<T, double>;  // compensated sums for f64 outputs (auto_detail::double_series)
  if (comp && mu) {
    s.swl.resize(KW);
    s.swl_out.resize(KW);
    s.row_swl.resize(K);
  }
  s.row_sw.resize(K);
  s.perm.resize(KW);
  s.r.resize(W);
  s.net.resize(W);
  s.m.resize(W);
  s.S.resize(W);
  s.S_lo.assign(W, 0.0);
  s.terms.resize(W);
  s.ok.resize(W);
  Work<double>& ws = taylor_detail::workspace<double>();
  double rmax = 0;
  for (std::size_t ln = 0; ln < W; ++ln) {
    const std::size_t b = idx[std::min(ln, cnt - 1)];  // idle lanes repeat the group's last row
    const T* z = Z + b * K;
    std::uint32_t* perm = s.perm.data() + ln * K;
    std::iota(perm, perm + K, 0u);
    std::size_t imin = 0, imax = 0;
    for (std::size_t i = 0; i < K; ++i) {
      if (z[i] < z[imin]) imin = i;
      if (z[imax] < z[i]) imax = i;
    }
    taylor_detail::unsorted_order(perm, K, imin, imax);
    const T m = z[perm[0]];
    double* yh = s.row_yh.data() + ln * K;
    double* yl = s.row_yl.data() + ln * K;
    for (std::size_t j = 0; j < K; ++j) {
      series::exact_shift<double, T>(z[perm[j]], m, yh[j], yl[j]);
      s.yh[j * W + ln] = yh[j];
      s.yl[j * W + ln] = yl[j];
    }
    s.r[ln] = yh[K - 1];
    s.net[ln] = series::net_degrees(s.r[ln]);
    s.m[ln] = static_cast<double>(m);  // exact
    rmax = std::max(rmax, s.r[ln]);
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
  g.net = s.net.data();
  g.yh = s.yh.data();
  g.yl = s.yl.data();
  g.v = s.v.data();
  g.w = s.w.data();
  g.sw = s.sw.data();
  g.S_out = s.S.data();
  g.terms_out = s.terms.data();
  g.ok_out = s.ok.data();
  g.sw_out = s.sw_out.data();
  g.comp = comp;
  g.swl = s.swl.data();
  g.S_lo_out = s.S_lo.data();
  g.swl_out = s.swl_out.data();
  g.ve = s.ve.data();
  g.we = s.we.data();
  if (recurrence) HWY_DYNAMIC_DISPATCH(RunGroupComp)(g);
  else HWY_DYNAMIC_DISPATCH(RunGroup)(g);
  for (std::size_t ln = 0; ln < cnt; ++ln) {
    const std::size_t b = idx[ln];
    const T* z = Z + b * K;
    T* mub = mu ? mu + b * K : nullptr;
    RowStatus rs;
    try {
      if (mub)
        for (std::size_t j = 0; j < K; ++j) {
          s.row_sw[j] = s.sw_out[j * W + ln];
          if (comp) s.row_swl[j] = s.swl_out[j * W + ln];
        }
      const auto_detail::PreparedRow<double> p{s.row_yh.data() + ln * K, s.row_yl.data() + ln * K,
                                               s.perm.data() + ln * K, s.row_sw.data(), s.row_swl.data()};
      const detail::Finish<T> f{z, K, mub, s.r[ln], p, static_cast<T>(s.m[ln]),
                                taylor_detail::Series<double>{s.S[ln], 0, s.terms[ln], s.ok[ln] != 0, s.S_lo[ln]},
                                recurrence};
      Out<T> o;
      if constexpr (std::is_same_v<T, double>) o = HWY_DYNAMIC_DISPATCH(FinishDouble)(f);
      else o = HWY_DYNAMIC_DISPATCH(FinishFloat)(f);
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
  std::vector<double> rh, rl, yh, yl, va, vb, w, sw, swl, vae, vbe, we;
};
RowScratch& row_scratch() {
  static thread_local RowScratch s;
  return s;
}

// One row across lanes (series_row, series_row_compensated): the node arrays, the scratch, the
// reciprocal table, then the kernel (RunRowComp for the compensated recurrence, else RunRow).
bool run_row(Work<double>& ws, std::size_t K, double r, bool want_mu, taylor_detail::Series<double>& out, double tol,
             bool comp, bool recurrence) {
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
  if (recurrence) {
    s.vae.resize(L);
    s.vbe.resize(L);
  }
  if (want_mu) {
    s.yh.assign(Kp, 0.0);
    s.yl.assign(Kp, 0.0);
    std::copy(ws.yh.begin(), ws.yh.begin() + static_cast<std::ptrdiff_t>(K), s.yh.begin());
    std::copy(ws.yl.begin(), ws.yl.begin() + static_cast<std::ptrdiff_t>(K), s.yl.begin());
    s.w.resize(Kp);
    s.sw.resize(Kp);
    if (comp) s.swl.resize(Kp);
    if (recurrence) s.we.resize(Kp);
  }
  taylor_detail::ensure_inv(ws, static_cast<std::size_t>(max_degree(r)) + K + 16);
  detail::Row g;
  g.K = K;
  g.Kp = Kp;
  g.mean = want_mu;
  g.tol = tol;
  g.r = r;
  g.ihi = ws.ihi.data();
  g.ilo = ws.ilo.data();
  g.rh = s.rh.data();
  g.rl = s.rl.data();
  g.yh = s.yh.data();
  g.yl = s.yl.data();
  g.va = s.va.data();
  g.vb = s.vb.data();
  g.vae = s.vae.data();
  g.vbe = s.vbe.data();
  g.w = s.w.data();
  g.we = s.we.data();
  g.sw = s.sw.data();
  g.comp = comp;
  g.swl = s.swl.data();
  if (recurrence) HWY_DYNAMIC_DISPATCH(RunRowComp)(g);
  else HWY_DYNAMIC_DISPATCH(RunRow)(g);
  if (!g.ran) return false;
  if (want_mu) ws.sw.assign(s.sw.begin(), s.sw.begin() + static_cast<std::ptrdiff_t>(K));
  if (want_mu && comp) ws.swl.assign(s.swl.begin(), s.swl.begin() + static_cast<std::ptrdiff_t>(K));
  out = {g.S, 0, g.terms, g.ok, g.S_lo};
  return true;
}

}  // namespace

bool series_row(Work<double>& ws, std::size_t K, double r, bool want_mu, taylor_detail::Series<double>& out, double tol,
                bool comp) {
  return run_row(ws, K, r, want_mu, out, tol > 0 ? tol : series::series_tol(series::Precision<double>::u(), want_mu),
                 comp, false);
}

bool series_row_compensated(Work<double>& ws, std::size_t K, double r, bool want_mu, taylor_detail::Series<double>& out,
                            double tol) {
  return run_row(ws, K, r, want_mu, out, tol, true, true);
}

// Rows [first, last) of a batch, on one thread: classified, the plain rows grouped by spread and
// run in groups of W (run_group), the others one by one. A window's rows are contiguous, so
// threads working on different windows write different cache lines (the grouping of the whole
// batch at once scattered each thread's writes over the batch: about a third of the loss of
// scaling on 2 cores at K = 10).
template <class T>
void run_window(const T* Z, std::size_t K, T* A, T* logC, T* mu, RowStatus* st, std::size_t first, std::size_t last,
                std::size_t W) {
  static thread_local std::vector<double> r;
  static thread_local std::vector<std::size_t> plain, comp, sorted, other, start;
  const std::size_t n = last - first;
  r.resize(n);
  plain.clear();
  comp.clear();
  other.clear();
  // Classify: the rows of auto's plain double series and of its compensated recurrence (their
  // spread as taylor_prepare computes it) go to the lanes; the others run scalar.
  for (std::size_t b = first; b < last; ++b) {
    const T* z = Z + b * K;
    int lane = 0;
    if (valid_row(z, K)) {
      const auto [lo, hi] = std::minmax_element(z, z + K);
      const double r0 = static_cast<double>(*hi) - static_cast<double>(*lo);
      lane = auto_detail::plain_double_series<T>(r0, K, mu != nullptr)           ? 1
             : auto_detail::compensated_double_series<T>(r0, K, mu != nullptr) ? 2
                                                                                : 0;
      r[b - first] = r0;
    }
    (lane == 1 ? plain : lane == 2 ? comp : other).push_back(b);
  }
  auto one = [&](std::size_t b) {
    st[b] = evaluate_row<T>(Algo::auto_, Z + b * K, K, A[b], logC ? logC + b : nullptr, mu ? mu + b * K : nullptr);
  };
  for (const bool recurrence : {false, true}) {
    const std::vector<std::size_t>& rows = recurrence ? comp : plain;
    // Group rows of similar spread (the degree count N ~ spread + O(sqrt spread) + 20): a counting
    // sort into buckets of width 1/2 (O(n)). Which rows share a group does not change any output.
    {
      constexpr double kPerUnit = 2.0;
      const std::size_t nb = static_cast<std::size_t>(series::kSeparatedMinSpread * kPerUnit) + 2;
      start.assign(nb + 1, 0);
      sorted.resize(rows.size());
      auto bucket = [&](std::size_t b) { return std::min(nb - 1, static_cast<std::size_t>(r[b - first] * kPerUnit)); };
      for (std::size_t b : rows) ++start[bucket(b) + 1];
      for (std::size_t i = 0; i < nb; ++i) start[i + 1] += start[i];
      for (std::size_t b : rows) sorted[start[bucket(b)]++] = b;
    }
    for (std::size_t g0 = 0; g0 < sorted.size(); g0 += W) {
      const std::size_t cnt = std::min(W, sorted.size() - g0);
      try {
        run_group<T>(Z, K, A, logC, mu, st, sorted.data() + g0, cnt, W, recurrence);
      } catch (...) {  // e.g. no memory for the group's scratch: its rows one by one
        for (std::size_t i = g0; i < g0 + cnt; ++i) one(sorted[i]);
      }
    }
  }
  for (std::size_t b : other) one(b);
}

template <class T>
BatchSummary auto_batch(const T* Z, std::size_t B, std::size_t K, T* A, T* logC, T* mu, int threads,
                        RowStatus* status) {
  const std::size_t L = width();
  if (L < 2 || K < 2 || B < 2 || K >= kBatchByRowMinK)  // one by one (large K: each row across lanes, series_row)
    return evaluate_batch_rows<T>(Algo::auto_, Z, B, K, A, logC, mu, threads, status);
  const std::size_t W = group_vectors(K, L) * L;  // rows per group
  std::vector<RowStatus> st_local;
  RowStatus* st = status;
  if (st == nullptr) {
    st_local.resize(B);
    st = st_local.data();
  }
  // Windows of contiguous rows, one task each: at least 8 per thread where the batch allows,
  // 4 to 64 groups' worth of rows each.
  const int nt = threads > 0 ? threads : default_threads();
  const std::size_t win =
      std::clamp<std::size_t>(B / (8 * static_cast<std::size_t>(nt)) / W, 4, 64) * W;
  const std::size_t nwin = (B + win - 1) / win;
  RowPool::instance().run(nwin, nt, 1, [&](std::size_t t0, std::size_t t1) {
    for (std::size_t t = t0; t < t1; ++t) {
      const std::size_t first = t * win, last = std::min(B, first + win);
      try {
        run_window<T>(Z, K, A, logC, mu, st, first, last, W);
      } catch (...) {  // (the window's scratch) its rows one by one, as for_each_row would
        for (std::size_t b = first; b < last; ++b)
          st[b] = evaluate_row<T>(Algo::auto_, Z + b * K, K, A[b], logC ? logC + b : nullptr, mu ? mu + b * K : nullptr);
      }
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
