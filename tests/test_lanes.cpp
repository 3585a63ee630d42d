// normalizer/lanes/auto_lanes.hpp: auto over a batch with rows across SIMD lanes must give bitwise
// the outputs of the scalar path (evaluate_batch_rows: every row through auto_eval) - A, log C,
// every mu_j and the status - on every Highway target this CPU supports (each forced in turn),
// for f32 and f64, value only and value + mean, on
//   - the hard corpus inputs (tests/data/hard_corpus.in.csv, batched by dtype and K: ties, ulp-apart
//     nodes, clusters, progressions, outliers, offsets, wide rows that the lanes hand back), and
//   - generated batches mixing spreads 0..300 (lane groups of different lengths, rows beyond the
//     lane path's spread 128 and sorted rows interleaved), NaN/inf rows, batch sizes that are not
//     multiples of the lane width, one and two threads.
// A second test compares the one-row lane kernel (series_row) with the scalar series itself, a
// third the compensated one-row kernel (series_row_compensated) with run_series_compensated.
// A mismatch names the row and the field. Timings are for `ccnorm bench` (never asserted here).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "io/csv.hpp"
#include "normalizer/lanes/auto_lanes.hpp"
#include "normalizer/normalizer.hpp"

namespace {

using ccnorm::Algo;
using ccnorm::RowStatus;

template <class T>
bool same_bits(T a, T b) {
  return std::memcmp(&a, &b, sizeof(T)) == 0;
}

// Runs both paths on batch Z (B x K) and returns the first difference ("" if none).
template <class T>
std::string compare(const std::vector<T>& Z, std::size_t B, std::size_t K, bool mean, int threads,
                    const std::vector<std::string>& ids) {
  std::vector<T> A1(B), L1(B), A2(B), L2(B), m1(mean ? B * K : 0), m2(mean ? B * K : 0);
  std::vector<RowStatus> s1(B), s2(B);
  const auto r1 = ccnorm::lanes::auto_batch<T>(Z.data(), B, K, A1.data(), L1.data(), mean ? m1.data() : nullptr, threads,
                                               s1.data());
  const auto r2 = ccnorm::evaluate_batch_rows<T>(Algo::auto_, Z.data(), B, K, A2.data(), L2.data(),
                                                 mean ? m2.data() : nullptr, threads, s2.data());
  char buf[256];
  for (std::size_t b = 0; b < B; ++b) {
    auto fail = [&](const char* field, double x, double y) {
      std::snprintf(buf, sizeof buf, "row %zu (%s) K=%zu %s: lanes %a vs scalar %a", b, ids[b].c_str(), K, field, x, y);
      return std::string(buf);
    };
    if (s1[b] != s2[b]) return fail("status", static_cast<double>(s1[b]), static_cast<double>(s2[b]));
    if (!same_bits(A1[b], A2[b])) return fail("A", A1[b], A2[b]);
    if (!same_bits(L1[b], L2[b])) return fail("logC", L1[b], L2[b]);
    for (std::size_t j = 0; j < (mean ? K : 0); ++j)
      if (!same_bits(m1[b * K + j], m2[b * K + j])) return fail(("mu_" + std::to_string(j + 1)).c_str(), m1[b * K + j], m2[b * K + j]);
  }
  if (r1.rows != r2.rows || r1.ok != r2.ok || r1.invalid_input != r2.invalid_input || r1.outside_domain != r2.outside_domain)
    return "batch summaries differ";
  return "";
}

struct Batch {
  std::vector<double> z;  // B x K
  std::vector<std::string> ids;
};

// hard_corpus.in.csv: id,family,dtype,K,z (z ';'-separated hex floats)
std::map<std::pair<std::string, std::size_t>, Batch> corpus_batches() {
  std::map<std::pair<std::string, std::size_t>, Batch> out;
  for (auto& r : ccnorm::io::read_table_if_exists("tests/data/hard_corpus.in.csv")) {
    const std::size_t K = std::stoul(r["K"]);
    if (K > 2000) continue;  // the large-K rows: slow in both paths, nothing lane-specific
    Batch& b = out[{r["dtype"], K}];
    const auto z = ccnorm::io::split(r["z"], ';');
    EXPECT_EQ(z.size(), K) << r["id"];
    for (const auto& v : z) b.z.push_back(std::strtod(v.c_str(), nullptr));
    b.ids.push_back(r["id"]);
  }
  return out;
}

std::uint64_t mix(std::uint64_t& s) {
  std::uint64_t x = (s += 0x9E3779B97F4A7C15ull);
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}
double uniform(std::uint64_t& s) { return (static_cast<double>(mix(s) >> 11) + 0.5) * 0x1p-53; }

Batch generated(std::size_t K, std::size_t B, std::uint64_t seed) {
  Batch b;
  std::uint64_t s = seed;
  const double spreads[] = {0, 1e-12, 0.05, 1, 3, 10, 40, 100, 127.9, 128.1, 200, 261, 300};
  for (std::size_t i = 0; i < B; ++i) {
    const double sp = spreads[mix(s) % (sizeof spreads / sizeof spreads[0])];
    const double off = (mix(s) % 4 == 0) ? 1e4 * (uniform(s) - 0.5) : 0;
    for (std::size_t j = 0; j < K; ++j) b.z.push_back(off + sp * uniform(s));
    if (i % 37 == 5) b.z[i * K + (mix(s) % K)] = std::nan("");
    if (i % 53 == 7) b.z[i * K] = INFINITY;
    b.ids.push_back("generated #" + std::to_string(i) + " spread " + std::to_string(sp));
  }
  return b;
}

template <class T>
std::vector<T> as(const std::vector<double>& z) {
  return std::vector<T>(z.begin(), z.end());
}

}  // namespace

TEST(Lanes, BitwiseTheScalarPathOnEveryTarget) {
  const auto corpus = corpus_batches();
  ASSERT_FALSE(corpus.empty()) << "cannot read tests/data/hard_corpus.in.csv";
  std::vector<std::pair<std::size_t, Batch>> gen;
  for (std::size_t K : {2, 3, 5, 10, 17, 64, 100}) gen.emplace_back(K, generated(K, 61, 1000 + K));
  int targets = 0;
  for (const long long t : ccnorm::lanes::targets_for_test()) {
    ccnorm::lanes::set_target_for_test(t);
    const std::size_t W = ccnorm::lanes::width();
    std::printf("target %-8s lanes %zu%s\n", ccnorm::lanes::target_name().c_str(), W,
                W == 0 ? " (no vector fma: every row scalar)" : "");
    ++targets;
    std::size_t rows = 0;
    for (bool mean : {false, true}) {
      for (const auto& [key, b] : corpus) {
        const std::size_t B = b.ids.size(), K = key.second;
        const std::string w = key.first == "f32" ? compare<float>(as<float>(b.z), B, K, mean, 1, b.ids)
                                                 : compare<double>(b.z, B, K, mean, 1, b.ids);
        EXPECT_EQ(w, "") << "target " << ccnorm::lanes::target_name() << ", hard corpus, mean " << mean;
        rows += B;
      }
      for (const auto& [K, b] : gen)
        for (int threads : {1, 2}) {
          EXPECT_EQ(compare<double>(b.z, b.ids.size(), K, mean, threads, b.ids), "")
              << "target " << ccnorm::lanes::target_name() << ", f64, mean " << mean << ", threads " << threads;
          EXPECT_EQ(compare<float>(as<float>(b.z), b.ids.size(), K, mean, threads, b.ids), "")
              << "target " << ccnorm::lanes::target_name() << ", f32, mean " << mean << ", threads " << threads;
          rows += 2 * b.ids.size();
        }
    }
    std::printf("  %zu rows compared, bitwise equal\n", rows);
  }
  ccnorm::lanes::set_target_for_test(0);
  EXPECT_GE(targets, 1);
}

// One row with the degrees across lanes (series_row, which auto_eval uses for K >= kRowMinK, so
// also the comparator evaluate_batch_rows above) against the scalar series run_series<double>:
// S, the degree count, ok and every mean sum bitwise, value only and with the mean, on every
// target, for every row of the hard corpus (K <= 2000, f64 and f32 inputs) and generated rows of
// K = 2..1000 (K not a multiple of the lanes, spreads up to the sorted threshold) that taylor_prepare
// leaves unsorted. Together with the test above: groups, rows and the scalar series agree.
template <class T>
std::string compare_row(const T* z, std::size_t K, bool mean, const std::string& id, bool& ran) {
  using namespace ccnorm;
  taylor_detail::Work<double> a, b;
  T m;
  const double r = taylor_prepare<double, T>(z, K, a, m);
  taylor_prepare<double, T>(z, K, b, m);
  ran = false;
  if (!(r <= series::kSeparatedMinSpread) || a.sorted) return "";
  const auto s1 = taylor_detail::run_series<double>(a, K, r, mean);
  taylor_detail::Series<double> s2{};
  if (!lanes::series_row(b, K, r, mean, s2)) return "";
  ran = true;
  char buf[256];
  auto fail = [&](const char* what, double x, double y) {
    std::snprintf(buf, sizeof buf, "%s K=%zu mean %d %s: lanes %a vs scalar %a", id.c_str(), K, mean, what, x, y);
    return std::string(buf);
  };
  if (!same_bits(s1.S, s2.S)) return fail("S", s2.S, s1.S);
  if (s1.terms != s2.terms) return fail("terms", static_cast<double>(s2.terms), static_cast<double>(s1.terms));
  if (s1.ok != s2.ok) return fail("ok", s2.ok, s1.ok);
  for (std::size_t j = 0; mean && j < K; ++j)
    if (!same_bits(a.sw[j], b.sw[j])) return fail(("sw_" + std::to_string(j)).c_str(), b.sw[j], a.sw[j]);
  return "";
}

// The one-row tests' loop: cmp(z, K, mean, id, ran) on every target for every corpus row (K <=
// max_k; f32 rows as float) and every finite generated row, value only and with the mean; each
// must return "" (bitwise equal), and some target must have run the lanes (ran).
using Generated = std::vector<std::pair<std::size_t, Batch>>;
template <class Cmp>
void one_row_on_every_target(const Generated& gen, std::size_t max_k, const char* what, Cmp cmp) {
  const auto corpus = corpus_batches();
  ASSERT_FALSE(corpus.empty()) << "cannot read tests/data/hard_corpus.in.csv";
  std::size_t used = 0;
  for (const long long t : ccnorm::lanes::targets_for_test()) {
    ccnorm::lanes::set_target_for_test(t);
    std::size_t rows = 0, ran_rows = 0;
    for (bool mean : {false, true}) {
      auto one = [&](const std::string& w, bool ran) {
        EXPECT_EQ(w, "") << "target " << ccnorm::lanes::target_name();
        ++rows;
        ran_rows += ran;
      };
      bool ran = false;
      for (const auto& [key, b] : corpus) {
        const std::size_t K = key.second;
        if (K > max_k) continue;
        for (std::size_t i = 0; i < b.ids.size(); ++i) {
          if (key.first == "f32") {
            const auto zf = as<float>(std::vector<double>(b.z.begin() + i * K, b.z.begin() + (i + 1) * K));
            one(cmp(zf.data(), K, mean, b.ids[i], ran), ran);
          } else {
            one(cmp(b.z.data() + i * K, K, mean, b.ids[i], ran), ran);
          }
        }
      }
      for (const auto& [K, b] : gen)
        for (std::size_t i = 0; i < b.ids.size(); ++i) {
          if (!std::isfinite(*std::max_element(b.z.begin() + i * K, b.z.begin() + (i + 1) * K)) ||
              std::any_of(b.z.begin() + i * K, b.z.begin() + (i + 1) * K, [](double x) { return std::isnan(x); }))
            continue;
          one(cmp(b.z.data() + i * K, K, mean, b.ids[i], ran), ran);
        }
    }
    std::printf("target %-8s: %zu rows, %zu through the %s\n", ccnorm::lanes::target_name().c_str(), rows, ran_rows,
                what);
    used += ran_rows;
  }
  ccnorm::lanes::set_target_for_test(0);
  EXPECT_GT(used, 0u) << "no target ran the " << what << " on this CPU";
}

TEST(Lanes, OneRowBitwiseTheScalarSeriesOnEveryTarget) {
  Generated gen;
  for (std::size_t K : {2, 4, 5, 7, 8, 9, 16, 31, 33, 100, 257, 1000}) gen.emplace_back(K, generated(K, K >= 257 ? 13 : 41, 7000 + K));
  one_row_on_every_target(gen, 2000, "one-row lanes, bitwise run_series",
                          [](const auto* z, std::size_t K, bool mean, const std::string& id, bool& ran) {
                            return compare_row(z, K, mean, id, ran);
                          });
}

// The compensated recurrence with the column across lanes (series_row_compensated, which auto_eval
// uses for the rows of auto_detail::compensated_mean with K >= kRowCompMinK) against the scalar
// run_series_compensated: S, S_lo, the degree count, ok, every mean sum and its low part bitwise,
// value only and with the mean, on every target, for the same rows as the test above (every
// unsorted row of the series' domain, not only auto's compensated ones: the kernel is the same).
template <class T>
std::string compare_row_compensated(const T* z, std::size_t K, bool mean, const std::string& id, bool& ran) {
  using namespace ccnorm;
  taylor_detail::Work<double> a, b;
  T m;
  const double r = taylor_prepare<double, T>(z, K, a, m);
  taylor_prepare<double, T>(z, K, b, m);
  ran = false;
  if (!(r <= series::kSeparatedMinSpread) || a.sorted) return "";
  const double tol = series::output_series_tol<double>(mean);
  const auto s1 = taylor_detail::run_series_compensated(a, K, r, mean, tol);
  taylor_detail::Series<double> s2{};
  if (!lanes::series_row_compensated(b, K, r, mean, s2, tol)) return "";
  ran = true;
  char buf[256];
  auto fail = [&](const char* what, double x, double y) {
    std::snprintf(buf, sizeof buf, "%s K=%zu mean %d %s: lanes %a vs scalar %a", id.c_str(), K, mean, what, x, y);
    return std::string(buf);
  };
  if (!same_bits(s1.S, s2.S)) return fail("S", s2.S, s1.S);
  if (!same_bits(s1.S_lo, s2.S_lo)) return fail("S_lo", s2.S_lo, s1.S_lo);
  if (s1.terms != s2.terms) return fail("terms", static_cast<double>(s2.terms), static_cast<double>(s1.terms));
  if (s1.ok != s2.ok) return fail("ok", s2.ok, s1.ok);
  for (std::size_t j = 0; mean && j < K; ++j) {
    if (!same_bits(a.sw[j], b.sw[j])) return fail(("sw_" + std::to_string(j)).c_str(), b.sw[j], a.sw[j]);
    if (!same_bits(a.swl[j], b.swl[j])) return fail(("swl_" + std::to_string(j)).c_str(), b.swl[j], a.swl[j]);
  }
  return "";
}

TEST(Lanes, OneRowCompensatedBitwiseTheScalarRecurrenceOnEveryTarget) {
  Generated gen;
  for (std::size_t K : {2, 3, 4, 5, 7, 8, 9, 10, 16, 31, 33, 100, 257})
    gen.emplace_back(K, generated(K, K >= 257 ? 7 : 41, 9100 + K));
  one_row_on_every_target(gen, 1000, "compensated one-row lanes, bitwise run_series_compensated",
                          [](const auto* z, std::size_t K, bool mean, const std::string& id, bool& ran) {
                            return compare_row_compensated(z, K, mean, id, ran);
                          });
}

// The comparison above must have exercised the lanes on at least one target (every x86-64 CPU
// with AVX2 and every AArch64 CPU has a vector unit with fma); the chosen target is printed.
TEST(Lanes, SomeTargetUsesTheLanes) {
  std::size_t widest = 0;
  for (const long long t : ccnorm::lanes::targets_for_test()) {
    ccnorm::lanes::set_target_for_test(t);
    widest = std::max(widest, ccnorm::lanes::width());
  }
  ccnorm::lanes::set_target_for_test(0);
  std::printf("chosen target %s, %zu double lanes; widest %zu\n", ccnorm::lanes::target_name().c_str(),
              ccnorm::lanes::width(), widest);
  EXPECT_GE(widest, 2u) << "no target with vector fma on this CPU: the lane kernel was not tested here";
}
