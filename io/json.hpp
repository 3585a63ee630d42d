// ccnorm io: the one JSON writer of the project (strings and numbers; documents are assembled by
// their writers). Used by `report` (summary.json), `bench` (bench_summary.json), `validate`
// (--json scorecards) and `golden` (golden.jsonl).
//
// Non-finite numbers: JSON has none. Two rules, each for its own kind of field:
//   json_number(x)  null for NaN and +-inf (plain data: a value that does not exist)
//   json_error(x)   the strings "inf" / "-inf" for infinite errors, null for NaN (error measures
//                   in u, where +inf means "failed": docs/design.md §3 and the summary.json keys)
#pragma once
#include <cmath>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace ccnorm::io {

// The escaped body of a JSON string (no quotes): " and \ escaped, control bytes as \u00XX.
inline std::string json_escape(std::string_view s) {
  std::string o;
  o.reserve(s.size());
  for (char ch : s) {
    if (ch == '"' || ch == '\\') {
      o += '\\';
      o += ch;
    } else if (static_cast<unsigned char>(ch) < 0x20) {
      o += fmt::format("\\u{:04x}", static_cast<unsigned>(static_cast<unsigned char>(ch)));
    } else {
      o += ch;
    }
  }
  return o;
}
// A quoted JSON string.
inline std::string json_string(std::string_view s) { return "\"" + json_escape(s) + "\""; }

// A JSON number with `prec` significant digits (%g style); prec = 0: the shortest decimal that
// round-trips the double. NaN and +-inf: null.
inline std::string json_number(double x, int prec = 6) {
  if (!std::isfinite(x)) return "null";
  if (prec <= 0) return fmt::format("{}", x);
  return fmt::format("{:.{}g}", x, prec);
}
// An error measure: as json_number, but +-inf as the strings "inf" / "-inf" (NaN: null).
inline std::string json_error(double x, int prec = 6) {
  if (std::isinf(x)) return x > 0 ? "\"inf\"" : "\"-inf\"";
  return json_number(x, prec);
}

}  // namespace ccnorm::io
