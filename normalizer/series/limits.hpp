// ccnorm series core: the domain limits and the calibrated constants of the all-positive Taylor
// series (docs/design.md §2), one named constant per limit. Shared by the host paths (taylor.hpp,
// auto.hpp) and the CUDA kernels (normalizer/cuda/): namespace-scope constexpr scalars, usable in
// device code as they are (C++17 under nvcc, C++20 under g++).
//
// Spreads are r = max z - min z (the series needs N ~ r + O(sqrt r) + 20 terms).
#pragma once

namespace ccnorm {
namespace series {

// ---- spreads: which rows are run by the series ----

// `taylor` (the plain series in the input type) attempts spreads up to 2^40 and returns NaN beyond:
// past that the term count N ~ spread is impractical, not inaccurate.
constexpr double kPlainSeriesMaxSpread = 0x1p40;

// The edge of the accuracy domain (~4.2e6): `auto`, `auto-precise` and the GPU run the series on
// spreads up to 2^22 and meet the accuracy goal there (err_A <= 16, err_mu <= 64; ~spread terms).
// Beyond it auto first tries normalizer/separated.hpp (any spread; docs/design.md §2.11), and where
// that declines takes its out-of-domain fallback (auto.hpp huge_spread: the confluent Newton table
// in long double clamped into the certified bounds, always finite), and the GPU hands the row to
// the host's auto, which takes the same fallback.
constexpr double kAccuracyDomainMaxSpread = 0x1p22;

// `auto` first tries the residue method over separated clusters (normalizer/separated.hpp) on rows
// with spread beyond this (rows within it are left to the series, bitwise as before): there the
// series needs > 128 terms per node and the x87 escalation for the mean, while separated rows cost
// O(K). Equal to kMeanEscalationSpread by choice, not by definition.
constexpr double kSeparatedMinSpread = 128.0;

// f64 outputs from a double series with the mean: beyond spread 128 the mean's componentwise error
// grows like sqrt(N) u along the degree chain (~80 u at spread 3000 in plain double), so the row is
// computed in the next wider compute type before the run (GPU: double-double); auto runs the
// compensated recurrence below instead (x87 extended before 2026-12-03).
constexpr double kMeanEscalationSpread = 128.0;

// f64 outputs with the mean, spread in (max(kCompensatedMeanMinSpread, K), kMeanEscalationSpread]:
// the plain double series' mean misses 2 u there (the degree chain's rounding grows like
// sqrt(spread) u and falls with K: measured 2.0-11 u beyond, 1.3-1.9 u within; docs/design.md
// §2.6 step 3), so `auto` runs the compensated recurrence (normalizer/taylor_compensated.hpp,
// <= 1.24 u on the same rows) instead; it also takes every row beyond kMeanEscalationSpread
// (auto_detail::compensated_mean). Host only.
constexpr double kCompensatedMeanMinSpread = 8.0;

// The compensated recurrence's tail (normalizer/taylor_compensated.hpp): once the rigorous tail
// bound of the stopping rule says the degrees still to come add less than this fraction of S (and,
// with the mean, of every mean sum), their cells run without error terms (the high parts only: the
// same bits as the compensated cell's high part, ~5 operations instead of ~25). The tail's own
// rounding, relative error <= ~2 (N + K) u of terms summing to <= 2^-20 of the sums, moves S and
// the mean sums by <= ~2^-10 u at N + K <= 2^9 (observed sqrt growth: far less). Measured (200
// normal rows rescaled to each spread, value + mean, counting the degrees folded in the tail): 41-43 %
// of a row's degrees at spread 16 (K = 5, 10), 29-33 % at 64 (K = 5-32), 20-26 % at 100-127 (K = 5-100).
constexpr double kCompensatedTailTol = 0x1p-20;

// f32 outputs on the GPU, whose first compute type is float: up to spread 128 the float series meets
// the goal, value and mean (measured with the host replay before per-node scaling: max err_mu 20 u32
// up to spread 256 on gaussian and progression rows, K = 10..10^4; beyond ~10^3 its rounding,
// ~sqrt(K + N) u32, dominates). Beyond it the row goes to the double series. Equal to
// kMeanEscalationSpread by calibration, not by definition: it bounds another type's rounding.
constexpr double kFloatSeriesMaxSpread = 128.0;

// ---- escalation after the run (the series' rounding against the goal for A and log C) ----

// auto, f64 outputs: the relative error of S from the double series, estimated as
// 1.5 sqrt(N + 1) + 0.5 sqrt(K) in u (measured: K = 2 rows (0, d) give rms 0.7 sqrt(N), worst
// 2 sqrt(N), over N = 50..30000 terms), lands on A and log C alike; the row is rerun in extended
// precision when that exceeds kAutoRerunErrBudget max(1, min(|A|, |log C|)) u (~6 u of the smaller).
constexpr double kAutoRerunErrBudget = 10.0;

// GPU: a row is rerun in the next compute type of its chain when sqrt(K + N) (the relative error of
// S observed, in u of the compute type) exceeds kGpuEscalationErrBudget max(1, |A|) (calibrated on
// the hard corpus with the host replay). A different estimate and budget from auto's (above): the
// two were calibrated separately, on different chains (double -> x87 vs float -> double,
// double -> double-double); merging them would change outputs.
constexpr double kGpuEscalationErrBudget = 4.0;

// ---- stopping rule (rigorous): v(n+1) <= v(n) r/(n+1) ----

// The tail bound v_K(N) q/(1-q), q = r/(N+1), is applied once q < 15/16.
constexpr double kTailRatioMax = 0.9375;
// Stop when the tail is below S u/16 (value only) or S u/512 (with the mean; each w_j series is
// checked the same way against its own sum).
constexpr double kValueTolDivisor = 16.0;
constexpr double kMeanTolDivisor = 512.0;
// auto's double series for float outputs (output_series_tol) stops as if its unit roundoff were
// 2^-32 = 2^-8 of float's: the truncation (<= 2^-36 relative for the value, 2^-41 with the mean)
// stays below 2^-11 of a float ulp before the one rounding to float, with ~20 fewer bits of
// terms than double outputs need.
constexpr double kFloatOutputSeriesU = 0x1p-32;

// Safety net: a series still running after 4 r + 64 sqrt(r) + 1000 degrees has failed (never for
// finite input: the tail bound holds from n ~ r + O(sqrt r)).
constexpr double kNetDegreesPerSpread = 4.0;
constexpr double kNetDegreesPerSqrtSpread = 64.0;
constexpr double kNetDegreesExtra = 1000.0;

// ---- per-node scaling (exact powers of two) ----

// A node's column entry is rescaled by 2^-+R when it leaves [2^-R, 2^R]: R = 40 for float, 400 for
// every wider type (double, double-double, long double, multiprecision). Needed beyond spreads of
// about 80 (float) / 280 (double).
constexpr int kRescaleExpFloat = 40;
constexpr int kRescaleExp = 400;
// The neighbour shift factor 2^(ex_{j-1} - ex_j) (true shifts <= ~2R + growth fit the type's
// range) is clamped above at 2^120 (float) / 2^1000 (wider types) - larger only next to an
// exactly-zero v_{j-1} (nodes tied at the minimum, whose exponent is never updated), where it
// multiplies 0 and must stay finite - and is 0 below 2^-1100.
constexpr int kMaxShiftFloat = 120;
constexpr int kMaxShift = 1000;
constexpr int kMinShift = -1100;

// ---- assembly: when the plain-double sums are redone in double-double ----

// A = m + log S + E ln2 - log((K-1)!) in double-double when max |term| > 1.5 max(1, |A|).
constexpr double kAssemblyCancellation = 1.5;
// log C = LSE(y) - (A - m) in double-double when max(r, |A - m|) > 2 max(1, |log C|).
constexpr double kLogCCancellation = 2.0;

}  // namespace series
}  // namespace ccnorm
