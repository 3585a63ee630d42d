// ccnorm: the three parameterisations of a row (docs/design.md §1, §4).
//
//   logits  z in R^K (K >= 1 entries): the library's native input
//   eta     the papers' K-1 free logits; z = (eta, 0) (a 0 is appended)
//   probs   lambda on the open simplex (every entry > 0; normalisation is irrelevant because A
//           shifts by a constant): z = log lambda, computed in the input type T
// to_logits converts one row and says what is wrong with it (naming the 1-based field), so that
// every front end (CLI, Python) reports bad input the same way.
#pragma once
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ccnorm {

enum class Param { logits, eta, probs };

inline const char* param_name(Param p) {
  switch (p) {
    case Param::logits: return "logits";
    case Param::eta: return "eta";
    case Param::probs: return "probs";
  }
  return "?";
}
inline bool parse_param(std::string_view s, Param& p) {
  for (Param q : {Param::logits, Param::eta, Param::probs})
    if (s == param_name(q)) {
      p = q;
      return true;
    }
  return false;
}

// Row `in` (n entries) in parameterisation p -> logits z. Returns "" on success, else the reason
// ("field F: ..."). Non-finite entries are refused in every parameterisation.
template <class T>
std::string to_logits(Param p, const T* in, std::size_t n, std::vector<T>& z) {
  z.clear();
  for (std::size_t j = 0; j < n; ++j) {
    if (std::isnan(in[j])) return "field " + std::to_string(j + 1) + ": NaN is not a valid " + (p == Param::probs ? "probability" : "logit");
    if (std::isinf(in[j])) return "field " + std::to_string(j + 1) + ": infinity is not a valid " + (p == Param::probs ? "probability" : "logit");
  }
  switch (p) {
    case Param::logits:
      if (n == 0) return "empty row (K = 0)";
      z.assign(in, in + n);
      return {};
    case Param::eta:
      z.assign(in, in + n);
      z.push_back(T(0));
      return {};
    case Param::probs:
      if (n == 0) return "empty row (K = 0)";
      for (std::size_t j = 0; j < n; ++j) {
        if (!(in[j] > T(0))) return "field " + std::to_string(j + 1) + ": probability must be > 0 (the open simplex)";
        z.push_back(std::log(in[j]));
      }
      return {};
  }
  return "unknown parameterisation";
}

}  // namespace ccnorm
