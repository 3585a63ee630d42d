// ccnorm: `auto` over a batch with rows across SIMD lanes (Google Highway, run-time dispatch).
//
// What. evaluate_batch(Algo::auto_, ...) (normalizer/batch.hpp) hands batches to auto_batch when
// the library ccnorm::lanes is linked (it defines CCNORM_HAVE_LANES). The rows of auto's plain
// double-series path (auto_detail::plain_double_series: spread <= 128, no escalation; K >= 2) are
// grouped by spread into groups of W rows, W = the number of double lanes of the CPU (8 with
// AVX-512, 4 with AVX2, 2 with NEON; twice that for K <= kTwoVectorMaxK, two vectors per node),
// and the series of the W rows runs in lockstep, one row per lane; every other row (and every row on a CPU without fused multiply-add in its vector unit,
// e.g. Highway's SSE4 target) takes the scalar auto_eval. The target is chosen at run time
// (hwy::SupportedTargets()); no -march flag is needed.
//
// Formula and results. The lane kernel (auto_lanes.cpp) performs, lane by lane, exactly the
// operations of the scalar driver taylor_detail::run_series<double> on an unsorted row (the fused
// column step, the mean fold and the stopping rule of series/step.hpp, in the same order, with
// the same reciprocal table): each lane stops at the degree where the scalar series stops, and
// the assembly is the same function (auto_detail::finish_series, compiled per target with its
// inline callees flattened in: the same operations, fma as an instruction). The outputs are therefore
// bitwise those of the scalar path (tests/test_lanes.cpp checks it on the hard corpus for every
// target the CPU supports); accuracy is auto's (docs/design.md §2).
//
// One row (series_row, below; used by auto_eval itself, so by every one-row entry point and by
// batches of K >= kBatchByRowMinK): the cells of each block of 8 degrees along anti-diagonals, W
// degrees per vector (the column update's cells (j, n) with j + n fixed are independent), and the
// mean fold W nodes per vector. The same operations on the same operands as run_series: bitwise
// its result (tests/test_lanes.cpp, every target).
//
// The compensated recurrence (taylor_compensated.hpp; auto's f64 rows with the mean at spreads in
// (max(8, K), 128]) in both layouts: series_row_compensated for one row, and groups of such rows
// in auto_batch (auto_detail::compensated_double_series), each bitwise the scalar recurrence.
//
// Cost. Per group: the series' K N fused steps per lane at W lanes per instruction; rows of one
// group share the degree loop, so a group costs its longest row (rows are sorted by spread before
// grouping: N ~ spread + O(sqrt spread) + 20 differs little within a group). One row: (K + W - 2)
// steps per W degrees, each a chain of one lane permute, a blend and an fma (latency-bound: about
// a cell per cycle with AVX-512). Speed: docs/design.md §2.13, `ccnorm bench` (log_partition/auto/...
// for one row, log_partition_batch/auto/... for batches; bench_roofline.csv).
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "normalizer/common.hpp"
#include "normalizer/taylor.hpp"

namespace ccnorm {
struct BatchSummary;
namespace lanes {

// The lane width the dispatcher chose on this CPU (doubles per vector; 0: no vector unit with
// fused multiply-add, every row runs scalar) and the Highway target's name ("AVX3", "AVX2", ...).
std::size_t width();
std::string target_name();

// auto over B rows of K (row-major, Z[b*K + j]); as evaluate_batch. A[b], logC[b] (optional),
// mu[b*K + j] (optional: nullptr for the value only), status[b] (optional).
template <class T>
BatchSummary auto_batch(const T* Z, std::size_t B, std::size_t K, T* A, T* logC, T* mu, int threads,
                        RowStatus* status);

// One row: auto's plain double series (taylor_detail::run_series<double>) of a row that
// taylor_prepare left unsorted in ws (no per-node rescaling), with the cells of each block of
// degrees across lanes (an anti-diagonal wavefront; auto_lanes.cpp RunRow) and the mean fold
// across nodes. S, terms, ok and ws.sw (want_mu) are bitwise run_series' (same tol: 0 = the default
// series_tol of double, as run_series'). Returns false, having
// done nothing, where the CPU's vector unit cannot (no fma, or 8 not a multiple of its double lanes)
// or the row is sorted. auto_eval (normalizer/auto.hpp) calls it for K >= kRowMinK: where the
// caller's scalar code has fma instructions (-march with FMA, or AArch64), below K = 5 the W - 1
// extra steps per sub-block cost more than the lanes gain (measured with AVX-512 on this project's
// 2-core machine: the value alone breaks even at K ~ 5, the value + mean at K ~ 4); in a portable
// x86-64 build std::fma is a library call and the scalar series is ~4x slower (K = 3 value + mean,
// one row: 1022 ns against 289 ns native), so the lanes take every row. auto_batch gives each row
// of K >= kBatchByRowMinK to it instead of grouping rows (a group's K W columns outgrow the L2
// cache: at K = 10^4, 365 us per row in groups, 285 us row by row).
#if defined(__FMA__) || defined(__aarch64__)
constexpr std::size_t kRowMinK = 5;
#else
constexpr std::size_t kRowMinK = 2;
#endif
constexpr std::size_t kBatchByRowMinK = 512;
// Groups of rows with K <= kTwoVectorMaxK hold two vectors of rows per node (2 W rows; see
// auto_lanes.cpp group_vectors).
constexpr std::size_t kTwoVectorMaxK = 16;
// comp: the compensated sums of run_series(..., comp) (f64 outputs), into out.S_lo and ws.swl.
bool series_row(taylor_detail::Work<double>& ws, std::size_t K, double r, bool want_mu,
                taylor_detail::Series<double>& out, double tol = 0, bool comp = false);

// One row: the compensated recurrence (taylor_detail::run_series_compensated, normalizer/
// taylor_compensated.hpp) of a row that taylor_prepare left unsorted, the column's cells across
// lanes as series_row has them, the degrees then folded one at a time (so the row stops where
// the scalar recurrence stops). S, S_lo, terms, ok, ws.sw and ws.swl (want_mu) are bitwise
// run_series_compensated's with the same tol (tests/test_lanes.cpp, every target). Returns false,
// having done nothing, where series_row would. auto_eval calls it for K >= kRowCompMinK: measured
// with AVX-512 on this project's 2-core machine (docs/design.md §2.6 step 3), against the scalar
// recurrence compiled with fma instructions it costs 1.1x at K = 3-4, 0.85x at K = 5, 0.72x at
// K = 10, 0.46x at K = 32; against a portable x86-64 build's scalar recurrence (std::fma a library
// call) 0.26x at K = 3 and 0.12x at K = 10.
#if defined(__FMA__) || defined(__aarch64__)
constexpr std::size_t kRowCompMinK = 5;
#else
constexpr std::size_t kRowCompMinK = 2;
#endif
bool series_row_compensated(taylor_detail::Work<double>& ws, std::size_t K, double r, bool want_mu,
                            taylor_detail::Series<double>& out, double tol);

// The measured arithmetic peak of one core in double (the compute roof of `ccnorm bench`'s
// roofline table, bench_roofline.csv, docs/design.md §4.7): 16 independent chains of fused
// multiply-adds on full vectors of the dispatched target, timed for `seconds` (best interval);
// gflops counts an fma as 2 flops. Without a vector fma (width() == 0) it is still measured, on
// the target's emulated MulAdd.
struct FmaPeak {
  double gflops = 0;
  std::size_t lanes = 0;  // doubles per vector of the target
  std::string target;
};
FmaPeak fma_peak(double seconds = 0.2);

// Benchmarks: while an instance lives, the dispatcher uses a target without vector fma (width 0),
// so that auto runs entirely scalar (no lane groups, no one-row lanes): the baseline of the
// `auto-rows` benchmark cases. Process-wide; not for concurrent use.
class ScalarOnly {
 public:
  ScalarOnly();
  ~ScalarOnly();
  ScalarOnly(const ScalarOnly&) = delete;
  ScalarOnly& operator=(const ScalarOnly&) = delete;
};

// Tests: the Highway targets compiled in and supported by this CPU (bits of hwy::SupportedTargets());
// restrict the dispatcher to one of them, or 0 to restore the CPU's full set.
std::vector<long long> targets_for_test();
void set_target_for_test(long long target);

}  // namespace lanes
}  // namespace ccnorm
