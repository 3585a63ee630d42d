// ccnorm: `auto` over a batch with rows across SIMD lanes (Google Highway, run-time dispatch).
//
// What. evaluate_batch(Algo::auto_, ...) (normalizer/batch.hpp) hands batches to auto_batch when
// the library ccnorm::lanes is linked (it defines CCNORM_HAVE_LANES). The rows of auto's plain
// double-series path (auto_detail::plain_double_series: spread <= 128, no escalation; K >= 2) are
// grouped by spread into groups of W rows, W = the number of double lanes of the CPU (8 with
// AVX-512, 4 with AVX2, 2 with NEON), and the series of the W rows runs in lockstep, one row per
// lane; every other row (and every row on a CPU without fused multiply-add in its vector unit,
// e.g. Highway's SSE4 target) takes the scalar auto_eval. The target is chosen at run time
// (hwy::SupportedTargets()); no -march flag is needed.
//
// Formula and results. The lane kernel (auto_lanes.cpp) performs, lane by lane, exactly the
// operations of the scalar driver taylor_detail::run_series<double> on an unsorted row (the fused
// column step, the mean fold and the stopping rule of series/step.hpp, in the same order, with
// the same reciprocal table): each lane stops at the degree where the scalar series stops, and
// the assembly is the same function (auto_detail::finish_series). The outputs are therefore
// bitwise those of the scalar path (tests/test_lanes.cpp checks it on the hard corpus for every
// target the CPU supports); accuracy is auto's (docs/design.md §2).
//
// Cost. Per group: the series' K N fused steps per lane at W lanes per instruction; rows of one
// group share the degree loop, so a group costs its longest row (rows are sorted by spread before
// grouping: N ~ spread + O(sqrt spread) + 20 differs little within a group). Speed: docs/design.md
// §2.13, `ccnorm bench` (benchmarks named auto/batch/...).
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "normalizer/common.hpp"

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

// Tests: the Highway targets compiled in and supported by this CPU (bits of hwy::SupportedTargets());
// restrict the dispatcher to one of them, or 0 to restore the CPU's full set.
std::vector<long long> targets_for_test();
void set_target_for_test(long long target);

}  // namespace lanes
}  // namespace ccnorm
