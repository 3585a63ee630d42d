// ccnorm io: the row reader shared by eval, reference, validate and golden
// (docs/design.md §4): one vector per line, comma-separated decimal or hex floats; blank lines
// and lines starting with '#' are skipped.
#pragma once
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace ccnorm::io {

enum class LineKind { skip, row, error };

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

inline std::string shorten(std::string_view s) {
  if (s.size() <= 40) return std::string(s);
  return std::string(s.substr(0, 37)) + "...";
}

// Parse one line. On LineKind::row, `out` holds the values (T = float parses with strtof, so
// decimal input is rounded once, directly to float). On LineKind::error, `why` says what is wrong
// and names the 1-based field.
template <class T>
LineKind parse_row(std::string_view line, std::vector<T>& out, std::string& why, const char* what = "logit") {
  out.clear();
  std::string_view s = trim(line);
  if (s.empty() || s.front() == '#') return LineKind::skip;
  std::string buf;
  std::size_t field = 0;
  std::size_t pos = 0;
  for (;;) {
    ++field;
    std::size_t comma = s.find(',', pos);
    std::string_view f = trim(s.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos));
    if (f.empty()) {
      why = "field " + std::to_string(field) + ": empty";
      return LineKind::error;
    }
    buf.assign(f);
    errno = 0;
    char* end = nullptr;
    T v;
    if constexpr (std::is_same_v<T, float>) v = std::strtof(buf.c_str(), &end);
    else v = std::strtod(buf.c_str(), &end);
    if (end != buf.c_str() + buf.size() || end == buf.c_str()) {
      why = "field " + std::to_string(field) + ": not a number: '" + shorten(f) + "'";
      return LineKind::error;
    }
    if (std::isnan(v)) {
      why = "field " + std::to_string(field) + ": NaN is not a valid " + what;
      return LineKind::error;
    }
    if (std::isinf(v)) {
      bool literal = buf.find_first_of("iI") != std::string::npos;
      why = "field " + std::to_string(field) + (literal ? std::string(": infinity is not a valid ") + what : ": out of range for the dtype: '" + shorten(f) + "'");
      return LineKind::error;
    }
    out.push_back(v);
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return LineKind::row;
}

}  // namespace ccnorm::io
