// ccnorm: the algorithm registry — the one list of the algorithms of docs/design.md §2.
//
// Every program that enumerates algorithms (the CLI's --algo, `ccnorm sweep`, `bench`, `report`,
// `golden`, `validate`, the Python module) reads this table; names, order (the order of every
// report table and plot legend), supported dtypes, whether the mean is computed, the cost class
// and per-algorithm limits live here and nowhere else. Plot scripts read the order from the data
// files the tools write (the `algorithms.csv` written by `ccnorm report` / `ccnorm algorithms`).
//
// An entry point has the shape of every algorithm header (docs/design.md §2):
//     Out<T> f(const T* z, std::size_t K, T* mu);   // mu: nullptr (value only) or K entries
// `gpu` is listed for its name and limits but has no one-row entry point: it runs batches on a
// CUDA device (normalizer/cuda/gpu.hpp) when ccnorm was built with CUDA.
#pragma once
#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "normalizer/auto.hpp"
#include "normalizer/auto_cr.hpp"
#include "normalizer/closed_form.hpp"
#include "normalizer/closed_form_scaled.hpp"
#include "normalizer/common.hpp"
#include "normalizer/sorted_difference.hpp"
#include "normalizer/taylor.hpp"

namespace ccnorm {

// How the cost of one row grows (N = series terms ~ spread + O(sqrt(spread)) + 20).
enum class CostClass {
  quadratic,  // O(K^2) per row (closed forms, Newton table)
  series,     // O(K N) per row (the Taylor series)
  device,     // O(K N) per row, batched on a GPU
};

inline const char* cost_class_name(CostClass c) {
  switch (c) {
    case CostClass::quadratic: return "O(K^2)";
    case CostClass::series: return "O(K N)";
    case CostClass::device: return "O(K N), GPU batch";
  }
  return "?";
}

template <class T>
using EntryPoint = Out<T> (*)(const T* z, std::size_t K, T* mu);

struct AlgoInfo {
  Algo id;
  const char* name;        // the name of docs/design.md §2 (CLI, reports, benchmark names)
  const char* summary;     // one line
  CostClass cost;
  bool baseline;           // a published formula kept for comparison: may return NaN for valid input
  bool f32, f64;           // supported dtypes
  bool mean;               // computes the mean (gradient) when asked
  std::size_t max_K_mean;  // largest K for which the mean is computed (0: no limit)
  EntryPoint<float> eval_f32;   // nullptr: no one-row entry point (gpu)
  EntryPoint<double> eval_f64;

  template <class T>
  EntryPoint<T> entry() const {
    if constexpr (std::is_same_v<T, float>) return eval_f32;
    else return eval_f64;
  }
  bool host() const { return eval_f64 != nullptr; }
};

// In report order: the baselines first, then the series, the production paths, the GPU.
inline const std::array<AlgoInfo, 8>& algorithms() {
  static const std::array<AlgoInfo, 8> table = {{
      {Algo::closed_form, "closed-form", "the papers' formula sum e^{z_k} / prod (z_k - z_i), max-shifted",
       CostClass::quadratic, true, true, true, true, 0, &closed_form<float>, &closed_form<double>},
      {Algo::closed_form_scaled, "closed-form-scaled", "the published TensorFlow variant (nodes divided by their std)",
       CostClass::quadratic, true, true, true, true, 0, &closed_form_scaled<float>, &closed_form_scaled<double>},
      {Algo::sorted_difference, "sorted-difference", "Newton's divided-difference table on sorted nodes, confluent on ties",
       CostClass::quadratic, true, true, true, true, kSortedDifferenceMaxKMean, &sorted_difference<float>,
       &sorted_difference<double>},
      {Algo::taylor, "taylor", "the all-positive Taylor series in the working type", CostClass::series, false, true,
       true, true, 0, &taylor<float>, &taylor<double>},
      {Algo::auto_, "auto", "production path: the series in double with exact shift, careful assembly, escalation",
       CostClass::series, false, true, true, true, 0, &auto_eval<float>, &auto_eval<double>},
      {Algo::auto_precise, "auto-precise", "the series entirely in double-double (<= 1 ulp / 1 u observed)",
       CostClass::series, false, true, true, true, 0, &auto_precise<float>, &auto_precise<double>},
      {Algo::auto_cr, "auto-cr", "correctly rounded A, log C and mean (Ziv: long double / double, double-double, Arb)",
       CostClass::series, false, true, true, true, 0, &auto_cr<float>, &auto_cr<double>},
      {Algo::gpu, "gpu", "batched CUDA kernels (needs a CUDA build and a device)", CostClass::device, false, true, true,
       true, 0, nullptr, nullptr},
  }};
  return table;
}

inline const AlgoInfo& info(Algo a) {
  for (const auto& i : algorithms())
    if (i.id == a) return i;
  throw std::invalid_argument("unknown algorithm");
}
inline const AlgoInfo* find_algorithm(std::string_view name) {
  for (const auto& i : algorithms())
    if (name == i.name) return &i;
  return nullptr;
}
inline const char* algo_name(Algo a) { return info(a).name; }
inline bool parse_algo(std::string_view s, Algo& out) {
  const AlgoInfo* i = find_algorithm(s);
  if (i) out = i->id;
  return i != nullptr;
}
// Position in report order (unknown names after every registered one).
inline int algo_rank(std::string_view name) {
  int r = 0;
  for (const auto& i : algorithms()) {
    if (name == i.name) return r;
    ++r;
  }
  return r;
}
// "closed-form, closed-form-scaled, ..." (host algorithms; with_device adds gpu).
inline std::string algorithm_list(bool with_device = false, const char* sep = ", ") {
  std::string s;
  for (const auto& i : algorithms()) {
    if (!i.host() && !with_device) continue;
    if (!s.empty()) s += sep;
    s += i.name;
  }
  return s;
}

}  // namespace ccnorm
