// ccnorm golden vectors: the case model and the golden file formats (CSV and JSON Lines), shared by
// `ccnorm golden` (writer), `ccnorm validate` (reader) and the tests. Format documented in
// reference/golden/README.md; summary:
//
//   CSV   '#' provenance lines, then the header line
//           id,family,seed,param,dtype,K,z,A,A_lo,A_rad,logC,logC_lo,logC_rad,mu,mu_lo,mu_relrad
//         z, mu, mu_lo: ';'-separated lists. param = logits (z holds K values) or eta (z holds the
//         K-1 values eta; the K-th node is 0). All numbers are decimal, shortest round-trip of the
//         double (exact). A = RN(A_true) (round to nearest double), A_lo = RN(A_true - A): the pair
//         carries ~106 bits, so a scorer never compares against a reference rounded to double.
//         A_rad is the certified radius of the enclosure of A_true (|A_true - mid| <= A_rad, mid the
//         high-precision midpoint), mu_relrad = max_j rad(mu_j) / mu_j.
//         Empty reference fields mean "not stored": `ccnorm validate` then computes the certified
//         reference itself (adapters use this for inputs they had to transform).
//   JSONL first line {"format":"ccnorm-golden","version":1,"provenance":{...}}, then one object per
//         case with the same keys (z, mu, mu_lo as arrays; seed as an integer < 2^53).
//
// Only the small JSON subset these files use is parsed (objects of strings, numbers, arrays of
// numbers, null); a full JSON library is not a dependency of the project.
#pragma once
#include <cctype>
#include <cerrno>
#include <cstring>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

namespace ccnorm::golden {

inline constexpr const char* kCsvHeader =
    "id,family,seed,param,dtype,K,z,A,A_lo,A_rad,logC,logC_lo,logC_rad,mu,mu_lo,mu_relrad";

struct Case {
  std::string id;
  std::string family = "input";
  std::uint64_t seed = 0;
  bool eta = false;      // param: the row x is eta (K-1 values), z = (eta, 0)
  bool f32 = false;      // dtype column: every input value is exactly representable in float
  std::size_t K = 0;     // number of nodes (after appending 0 for eta)
  std::vector<double> x; // the input as given (K or K-1 values)
  // reference (hi + lo: ~106 bits), radii of the certified enclosure
  bool has_ref = false;
  double A = 0, A_lo = 0, A_rad = 0, logC = 0, logC_lo = 0, logC_rad = 0;
  bool has_mu = false;
  std::vector<double> mu, mu_lo;
  double mu_relrad = 0;
  long line = 0;  // 1-based line in the file it came from

  std::vector<double> z() const {
    std::vector<double> v = x;
    if (eta) v.push_back(0.0);
    return v;
  }
};

// Raised with a message that names the file and line.
struct FormatError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// ---- number formatting: shortest decimal that round-trips the double (exact) ----
inline std::string num(double v) {
  if (v == 0) return "0";  // no negative zero in the files
  return fmt::format("{}", v);
}
inline std::string list(const std::vector<double>& v, char sep) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) s += sep;
    s += num(v[i]);
  }
  return s;
}

inline bool float_representable(double v) { return static_cast<double>(static_cast<float>(v)) == v; }

// ---- writers ----
inline std::string csv_row(const Case& c) {
  std::string s = fmt::format("{},{},{},{},{},{},{}", c.id, c.family, c.seed, c.eta ? "eta" : "logits",
                              c.f32 ? "f32" : "f64", c.K, list(c.x, ';'));
  if (c.has_ref)
    s += fmt::format(",{},{},{},{},{},{}", num(c.A), num(c.A_lo), num(c.A_rad), num(c.logC), num(c.logC_lo),
                     num(c.logC_rad));
  else
    s += ",,,,,,";
  if (c.has_mu) s += fmt::format(",{},{},{}", list(c.mu, ';'), list(c.mu_lo, ';'), num(c.mu_relrad));
  else s += ",,,";
  return s;
}

inline std::string json_escape(std::string_view s) {
  std::string o;
  for (char ch : s) {
    if (ch == '"' || ch == '\\') o += '\\';
    if (static_cast<unsigned char>(ch) < 0x20) {
      o += fmt::format("\\u{:04x}", static_cast<unsigned>(ch));
      continue;
    }
    o += ch;
  }
  return o;
}

inline std::string json_row(const Case& c) {
  std::string s = fmt::format(R"({{"id":"{}","family":"{}","seed":{},"param":"{}","dtype":"{}","K":{},"z":[{}])",
                              json_escape(c.id), json_escape(c.family), c.seed, c.eta ? "eta" : "logits",
                              c.f32 ? "f32" : "f64", c.K, list(c.x, ','));
  if (c.has_ref)
    s += fmt::format(R"(,"A":{},"A_lo":{},"A_rad":{},"logC":{},"logC_lo":{},"logC_rad":{})", num(c.A), num(c.A_lo),
                     num(c.A_rad), num(c.logC), num(c.logC_lo), num(c.logC_rad));
  if (c.has_mu)
    s += fmt::format(R"(,"mu":[{}],"mu_lo":[{}],"mu_relrad":{})", list(c.mu, ','), list(c.mu_lo, ','),
                     num(c.mu_relrad));
  s += '}';
  return s;
}

// ---- readers ----
namespace detail {

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

inline std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  for (;;) {
    std::size_t p = s.find(sep, pos);
    out.push_back(trim(s.substr(pos, p == std::string_view::npos ? std::string_view::npos : p - pos)));
    if (p == std::string_view::npos) break;
    pos = p + 1;
  }
  return out;
}

// A finite double from a decimal/hex token; throws std::invalid_argument with a short reason.
inline double to_double(std::string_view tok, const char* what) {
  std::string b(trim(tok));
  if (b.empty()) throw std::invalid_argument(std::string(what) + ": empty");
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(b.c_str(), &end);
  if (end != b.c_str() + b.size()) throw std::invalid_argument(std::string(what) + ": not a number: '" + b + "'");
  if (!std::isfinite(v)) throw std::invalid_argument(std::string(what) + ": not finite: '" + b + "'");
  return v;
}

inline std::vector<double> to_list(std::string_view s, char sep, const char* what) {
  std::vector<double> v;
  for (auto t : split(s, sep)) v.push_back(to_double(t, what));
  return v;
}

// Minimal JSON value for the golden subset.
struct JVal {
  enum Kind { null, str, number, array } kind = null;
  std::string text;               // string contents or the number token
  std::vector<std::string> items; // number tokens of an array
};

struct JParser {
  std::string_view s;
  std::size_t i = 0;
  void ws() {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) ++i;
  }
  [[noreturn]] void fail(const std::string& why) { throw std::invalid_argument("JSON: " + why + " at column " + std::to_string(i + 1)); }
  void expect(char c) {
    ws();
    if (i >= s.size() || s[i] != c) fail(std::string("expected '") + c + "'");
    ++i;
  }
  std::string string() {
    expect('"');
    std::string o;
    while (i < s.size() && s[i] != '"') {
      if (s[i] == '\\') {
        ++i;
        if (i >= s.size()) fail("bad escape");
        char e = s[i];
        if (e == 'u') {
          if (i + 4 >= s.size()) fail("bad \\u escape");
          unsigned cp = static_cast<unsigned>(std::stoul(std::string(s.substr(i + 1, 4)), nullptr, 16));
          o += cp < 0x80 ? static_cast<char>(cp) : '?';
          i += 4;
        } else if (e == 'n') o += '\n';
        else if (e == 't') o += '\t';
        else o += e;
        ++i;
      } else {
        o += s[i++];
      }
    }
    if (i >= s.size()) fail("unterminated string");
    ++i;
    return o;
  }
  std::string number() {
    ws();
    std::size_t b = i;
    while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '-' || s[i] == '+' || s[i] == '.' ||
                            s[i] == 'e' || s[i] == 'E'))
      ++i;
    if (b == i) fail("expected a value");
    return std::string(s.substr(b, i - b));
  }
  JVal value() {
    ws();
    JVal v;
    if (i >= s.size()) fail("unexpected end");
    if (s[i] == '"') {
      v.kind = JVal::str;
      v.text = string();
    } else if (s[i] == '[') {
      v.kind = JVal::array;
      ++i;
      ws();
      if (i < s.size() && s[i] == ']') {
        ++i;
        return v;
      }
      for (;;) {
        v.items.push_back(number());
        ws();
        if (i < s.size() && s[i] == ',') {
          ++i;
          continue;
        }
        expect(']');
        break;
      }
    } else if (s.substr(i, 4) == "null") {
      i += 4;
    } else if (s[i] == '{') {
      // nested objects (provenance) are skipped as raw text
      int depth = 0;
      std::size_t b = i;
      bool in_str = false;
      for (; i < s.size(); ++i) {
        char c = s[i];
        if (in_str) {
          if (c == '\\') ++i;
          else if (c == '"') in_str = false;
        } else if (c == '"') in_str = true;
        else if (c == '{') ++depth;
        else if (c == '}' && --depth == 0) {
          ++i;
          break;
        }
      }
      v.kind = JVal::str;
      v.text = std::string(s.substr(b, i - b));
    } else {
      v.kind = JVal::number;
      v.text = number();
    }
    return v;
  }
  std::map<std::string, JVal> object() {
    std::map<std::string, JVal> m;
    expect('{');
    ws();
    if (i < s.size() && s[i] == '}') {
      ++i;
      return m;
    }
    for (;;) {
      std::string k = string();
      expect(':');
      m[k] = value();
      ws();
      if (i < s.size() && s[i] == ',') {
        ++i;
        continue;
      }
      expect('}');
      break;
    }
    ws();
    if (i != s.size()) fail("trailing characters");
    return m;
  }
};

inline void finish_case(Case& c) {
  const std::size_t n = c.x.size();
  if (c.K != (c.eta ? n + 1 : n))
    throw std::invalid_argument(fmt::format("K = {} but z holds {} values (param {})", c.K, n, c.eta ? "eta" : "logits"));
  if (c.K == 0) throw std::invalid_argument("K must be >= 1");
  if (c.has_mu && (c.mu.size() != c.K || c.mu_lo.size() != c.K))
    throw std::invalid_argument(fmt::format("mu holds {} values and mu_lo {}, expected K = {}", c.mu.size(), c.mu_lo.size(), c.K));
  if (c.f32)
    for (double v : c.x)
      if (!float_representable(v)) throw std::invalid_argument("dtype f32 but an input value is not a float: " + num(v));
}

inline Case parse_csv_row(std::string_view line) {
  auto f = split(line, ',');
  if (f.size() != 16) throw std::invalid_argument(fmt::format("expected 16 fields, found {}", f.size()));
  Case c;
  c.id = std::string(f[0]);
  c.family = std::string(f[1]);
  if (c.id.empty() || c.family.empty()) throw std::invalid_argument("empty id or family");
  {
    std::string s(f[2]);
    char* end = nullptr;
    c.seed = s.empty() ? 0 : std::strtoull(s.c_str(), &end, 10);
    if (!s.empty() && end != s.c_str() + s.size()) throw std::invalid_argument("seed: not an integer: '" + s + "'");
  }
  if (f[3] == "eta") c.eta = true;
  else if (f[3] != "logits") throw std::invalid_argument("param must be logits or eta, not '" + std::string(f[3]) + "'");
  if (f[4] == "f32") c.f32 = true;
  else if (f[4] != "f64") throw std::invalid_argument("dtype must be f64 or f32, not '" + std::string(f[4]) + "'");
  c.K = static_cast<std::size_t>(to_double(f[5], "K"));
  c.x = f[6].empty() ? std::vector<double>{} : to_list(f[6], ';', "z");
  bool any_ref = false, all_ref = true;
  for (int k = 7; k <= 12; ++k) {
    if (f[k].empty()) all_ref = false;
    else any_ref = true;
  }
  if (any_ref && !all_ref) throw std::invalid_argument("reference fields A..logC_rad must be all present or all empty");
  if (all_ref) {
    c.has_ref = true;
    c.A = to_double(f[7], "A");
    c.A_lo = to_double(f[8], "A_lo");
    c.A_rad = to_double(f[9], "A_rad");
    c.logC = to_double(f[10], "logC");
    c.logC_lo = to_double(f[11], "logC_lo");
    c.logC_rad = to_double(f[12], "logC_rad");
  }
  if (!f[13].empty() || !f[14].empty() || !f[15].empty()) {
    if (f[13].empty() || f[14].empty() || f[15].empty()) throw std::invalid_argument("mu, mu_lo, mu_relrad must be all present or all empty");
    c.has_mu = true;
    c.mu = to_list(f[13], ';', "mu");
    c.mu_lo = to_list(f[14], ';', "mu_lo");
    c.mu_relrad = to_double(f[15], "mu_relrad");
  }
  finish_case(c);
  return c;
}

inline std::vector<double> jlist(const JVal& v, const char* what) {
  if (v.kind != JVal::array) throw std::invalid_argument(std::string(what) + ": expected an array");
  std::vector<double> out;
  for (auto& t : v.items) out.push_back(to_double(t, what));
  return out;
}

inline Case parse_json_row(std::string_view line) {
  JParser p{line};
  auto m = p.object();
  auto get = [&](const char* k) -> const JVal* {
    auto it = m.find(k);
    return it == m.end() || it->second.kind == JVal::null ? nullptr : &it->second;
  };
  auto need = [&](const char* k) -> const JVal& {
    const JVal* v = get(k);
    if (!v) throw std::invalid_argument(std::string("missing key '") + k + "'");
    return *v;
  };
  Case c;
  c.id = need("id").text;
  c.family = need("family").text;
  if (const JVal* s = get("seed")) c.seed = std::strtoull(s->text.c_str(), nullptr, 10);
  const std::string param = need("param").text, dtype = need("dtype").text;
  if (param == "eta") c.eta = true;
  else if (param != "logits") throw std::invalid_argument("param must be logits or eta, not '" + param + "'");
  if (dtype == "f32") c.f32 = true;
  else if (dtype != "f64") throw std::invalid_argument("dtype must be f64 or f32, not '" + dtype + "'");
  c.K = static_cast<std::size_t>(to_double(need("K").text, "K"));
  c.x = jlist(need("z"), "z");
  if (get("A")) {
    c.has_ref = true;
    c.A = to_double(need("A").text, "A");
    c.A_lo = to_double(need("A_lo").text, "A_lo");
    c.A_rad = to_double(need("A_rad").text, "A_rad");
    c.logC = to_double(need("logC").text, "logC");
    c.logC_lo = to_double(need("logC_lo").text, "logC_lo");
    c.logC_rad = to_double(need("logC_rad").text, "logC_rad");
  }
  if (get("mu")) {
    c.has_mu = true;
    c.mu = jlist(need("mu"), "mu");
    c.mu_lo = jlist(need("mu_lo"), "mu_lo");
    c.mu_relrad = to_double(need("mu_relrad").text, "mu_relrad");
  }
  finish_case(c);
  return c;
}

}  // namespace detail

enum class FileKind { eval, golden_csv, golden_jsonl };

// Detect by the first line that is neither blank nor a '#' comment: "id,family,..." is golden CSV,
// '{' starts golden JSON Lines, anything else is eval's input format.
inline FileKind detect(const std::vector<std::string>& lines) {
  for (const auto& l : lines) {
    auto t = detail::trim(l);
    if (t.empty() || t.front() == '#') continue;
    if (t.rfind("id,family,", 0) == 0) return FileKind::golden_csv;
    if (t.front() == '{') return FileKind::golden_jsonl;
    return FileKind::eval;
  }
  return FileKind::eval;
}

inline std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw FormatError(fmt::format("cannot open '{}': {}", path, std::strerror(errno)));
  std::vector<std::string> lines;
  std::string l;
  while (std::getline(f, l)) lines.push_back(std::move(l));
  return lines;
}

// Parse a golden file (CSV or JSONL, already split into lines). Errors name path:line.
inline std::vector<Case> parse_golden(const std::vector<std::string>& lines, FileKind kind, const std::string& path) {
  std::vector<Case> cases;
  bool header_seen = false;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    auto t = detail::trim(lines[i]);
    if (t.empty() || t.front() == '#') continue;
    try {
      if (kind == FileKind::golden_csv) {
        if (!header_seen) {
          if (t != kCsvHeader)
            throw std::invalid_argument(std::string("header must be exactly '") + kCsvHeader + "'");
          header_seen = true;
          continue;
        }
        if (t.rfind("id,family,", 0) == 0) continue;  // a repeated header (concatenated files)
        cases.push_back(detail::parse_csv_row(t));
      } else {
        if (t.find("\"format\"") != std::string_view::npos && t.find("ccnorm-golden") != std::string_view::npos &&
            t.find("\"z\"") == std::string_view::npos)
          continue;  // provenance line
        cases.push_back(detail::parse_json_row(t));
      }
      cases.back().line = static_cast<long>(i + 1);
    } catch (const std::invalid_argument& e) {
      throw FormatError(fmt::format("{}:{}: {}", path, i + 1, e.what()));
    }
  }
  return cases;
}

}  // namespace ccnorm::golden
