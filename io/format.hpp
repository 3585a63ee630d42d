// ccnorm io: number (and document text) formatting shared by the writers (eval rows, CSV tables,
// golden files, reports).
//
//   format_value<T>(out, v)  an output value: 17 significant digits for double, 9 for float
//                            (enough to round-trip the type; docs/design.md §4), "nan", "inf",
//                            "-inf" for non-finite values
//   format_g(x, prec)        %.{prec}g; "inf" / "-inf" / "nan"
//   format_error(x, prec)    an error measure in u: %.{prec}g, "inf" for +inf and NaN (both mean
//                            "failed", docs/design.md §3)
//   format_shortest(x)       the shortest decimal that round-trips the double; 0 without sign
//   format_shortest_list(v, sep)  format_shortest of each value, `sep` between them
//   parse_error(s)           the inverse of format_error
//   html_escape(s)           < > & " as HTML entities (text and attribute values)
#pragma once
#include <cmath>
#include <iterator>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <fmt/format.h>

namespace ccnorm::io {

template <class T>
void format_value(std::string& out, T v) {
  if (std::isnan(v)) {
    out += "nan";
    return;
  }
  if (std::isinf(v)) {
    out += v > 0 ? "inf" : "-inf";
    return;
  }
  if constexpr (std::is_same_v<T, float>) fmt::format_to(std::back_inserter(out), "{:.9g}", v);
  else fmt::format_to(std::back_inserter(out), "{:.17g}", static_cast<double>(v));
}

inline std::string format_g(double x, int prec = 6) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  return fmt::format("{:.{}g}", x, prec);
}

inline std::string format_error(double x, int prec = 6) {
  if (std::isinf(x) || std::isnan(x)) return "inf";
  return fmt::format("{:.{}g}", x, prec);
}

inline std::string format_shortest(double x) {
  if (x == 0) return "0";
  return fmt::format("{}", x);
}

inline std::string format_shortest_list(const std::vector<double>& v, char sep) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) s += sep;
    s += format_shortest(v[i]);
  }
  return s;
}

inline double parse_error(const std::string& s) {
  if (s == "inf") return std::numeric_limits<double>::infinity();
  return std::stod(s);
}

inline std::string html_escape(std::string_view s) {
  std::string o;
  o.reserve(s.size());
  for (char c : s) {
    if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else if (c == '&') o += "&amp;";
    else if (c == '"') o += "&quot;";
    else o += c;
  }
  return o;
}

}  // namespace ccnorm::io
