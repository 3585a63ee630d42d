// ccnorm io: the row reader and writer shared by eval, reference, validate and golden
// (docs/design.md §4).
//
//   parse_row<T>(line, out, why)   one input line: a vector of comma-separated decimal or hex
//                                  floats; blank lines and lines starting with '#' are skipped
//   append_result<T>(s, A, logC, mu, K)   one output line (without the newline): A,logC and,
//                                  with mu, ,mu_1..mu_K; 17 significant digits for double, 9 for
//                                  float (io/format.hpp format_value)
//   error_line(lineno, why)        "error: line N: <why>", printed in place of a bad row
//   trim(s), split_trimmed(s, sep), shorten(s)   the field helpers of the row formats
#pragma once
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "io/format.hpp"
#include "io/stream.hpp"

namespace ccnorm::io {

enum class LineKind { skip, row, error };

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

// A UTF-8 byte order mark at the start of a line is not part of it (editors write one at the
// start of a file; io::InputStream drops it already, this covers lines read by other means).
inline std::string_view strip_bom(std::string_view s) {
  if (s.size() >= 3 && static_cast<unsigned char>(s[0]) == 0xEF && static_cast<unsigned char>(s[1]) == 0xBB &&
      static_cast<unsigned char>(s[2]) == 0xBF)
    s.remove_prefix(3);
  return s;
}

// Fields between the separators, each trimmed of blanks (no quoting): " a ; b" -> {"a", "b"}.
inline std::vector<std::string> split_trimmed(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  for (;;) {
    const std::size_t p = s.find(sep, pos);
    out.emplace_back(trim(s.substr(pos, p == std::string_view::npos ? std::string_view::npos : p - pos)));
    if (p == std::string_view::npos) break;
    pos = p + 1;
  }
  return out;
}

// A field quoted in a message: at most 40 bytes of input (37 + "..." beyond 40), then its control
// bytes, NUL and DEL escaped as \xHH and a backslash as \\ (io/stream.hpp escape_bytes), so a
// message never carries a raw control byte and is never cut at a NUL.
inline std::string shorten(std::string_view s) {
  if (s.size() <= 40) return escape_bytes(s);
  return escape_bytes(s.substr(0, 37)) + "...";
}

// Parse one line. On LineKind::row, `out` holds the values (T = float parses with strtof, so
// decimal input is rounded once, directly to float). On LineKind::error, `why` says what is wrong
// and names the 1-based field.
template <class T>
LineKind parse_row(std::string_view line, std::vector<T>& out, std::string& why, const char* what = "logit") {
  out.clear();
  std::string_view s = trim(strip_bom(line));
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

template <class T>
void append_result(std::string& s, T A, T logC, const T* mu, std::size_t K) {
  s.reserve(s.size() + 24 * (2 + (mu ? K : 0)));
  format_value(s, A);
  s += ',';
  format_value(s, logC);
  if (mu)
    for (std::size_t j = 0; j < K; ++j) {
      s += ',';
      format_value(s, mu[j]);
    }
}

inline std::string error_line(long lineno, std::string_view why) {
  return "error: line " + std::to_string(lineno) + ": " + std::string(why);
}

}  // namespace ccnorm::io
