// ccnorm golden vectors: the file formats (see golden.hpp).
#include "validate/golden.hpp"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>

#include <fmt/format.h>

#include "io/csv.hpp"
#include "io/format.hpp"
#include "io/json.hpp"
#include "io/rows.hpp"
#include "io/stream.hpp"

namespace ccnorm::golden {

using io::format_shortest;
using io::format_shortest_list;

std::string csv_row(const Case& c) {
  std::string s = fmt::format("{},{},{},{},{},{},{}", c.id, c.family, c.seed, c.eta ? "eta" : "logits",
                              c.f32 ? "f32" : "f64", c.K, format_shortest_list(c.x, ';'));
  if (c.has_ref)
    s += fmt::format(",{},{},{},{},{},{}", format_shortest(c.A), format_shortest(c.A_lo), format_shortest(c.A_rad),
                     format_shortest(c.logC), format_shortest(c.logC_lo), format_shortest(c.logC_rad));
  else
    s += ",,,,,,";
  if (c.has_mu)
    s += fmt::format(",{},{},{}", format_shortest_list(c.mu, ';'), format_shortest_list(c.mu_lo, ';'),
                     format_shortest(c.mu_relrad));
  else s += ",,,";
  if (c.has_H) s += fmt::format(",{},{},{}", format_shortest(c.H), format_shortest(c.H_lo), format_shortest(c.H_rad));
  else s += ",,,";
  if (c.has_cov)
    s += fmt::format(",{},{},{}", format_shortest_list(c.cov, ';'), format_shortest_list(c.cov_lo, ';'),
                     format_shortest(c.cov_relrad));
  else s += ",,,";
  s += "," + format_shortest_list(c.kl_q, ';');
  if (c.has_kl) s += fmt::format(",{},{},{}", format_shortest(c.kl), format_shortest(c.kl_lo), format_shortest(c.kl_rad));
  else s += ",,,";
  return s;
}

std::string json_row(const Case& c) {
  std::string s = fmt::format(R"({{"id":{},"family":{},"seed":{},"param":"{}","dtype":"{}","K":{},"z":[{}])",
                              io::json_string(c.id), io::json_string(c.family), c.seed, c.eta ? "eta" : "logits",
                              c.f32 ? "f32" : "f64", c.K, format_shortest_list(c.x, ','));
  if (c.has_ref)
    s += fmt::format(R"(,"A":{},"A_lo":{},"A_rad":{},"logC":{},"logC_lo":{},"logC_rad":{})", format_shortest(c.A),
                     format_shortest(c.A_lo), format_shortest(c.A_rad), format_shortest(c.logC), format_shortest(c.logC_lo),
                     format_shortest(c.logC_rad));
  if (c.has_mu)
    s += fmt::format(R"(,"mu":[{}],"mu_lo":[{}],"mu_relrad":{})", format_shortest_list(c.mu, ','),
                     format_shortest_list(c.mu_lo, ','), format_shortest(c.mu_relrad));
  if (c.has_H)
    s += fmt::format(R"(,"H":{},"H_lo":{},"H_rad":{})", format_shortest(c.H), format_shortest(c.H_lo), format_shortest(c.H_rad));
  if (c.has_cov)
    s += fmt::format(R"(,"cov":[{}],"cov_lo":[{}],"cov_relrad":{})", format_shortest_list(c.cov, ','),
                     format_shortest_list(c.cov_lo, ','), format_shortest(c.cov_relrad));
  if (!c.kl_q.empty()) s += fmt::format(R"(,"kl_q":[{}])", format_shortest_list(c.kl_q, ','));
  if (c.has_kl)
    s += fmt::format(R"(,"kl":{},"kl_lo":{},"kl_rad":{})", format_shortest(c.kl), format_shortest(c.kl_lo), format_shortest(c.kl_rad));
  s += '}';
  return s;
}

namespace {

// A finite double from a decimal/hex token; throws std::invalid_argument with a short reason.
double to_double(std::string_view tok, const char* what) {
  std::string b(io::trim(tok));
  if (b.empty()) throw std::invalid_argument(std::string(what) + ": empty");
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(b.c_str(), &end);
  if (end != b.c_str() + b.size()) throw std::invalid_argument(std::string(what) + ": not a number: '" + io::shorten(b) + "'");
  if (!std::isfinite(v)) throw std::invalid_argument(std::string(what) + ": not finite: '" + io::shorten(b) + "'");
  return v;
}

// A count field (K): an integer in 1..2^40 (a double outside the size_t range would be UB to cast).
std::size_t to_count(std::string_view tok, const char* what) {
  const double v = to_double(tok, what);
  if (!(v >= 1 && v <= 0x1p40) || v != std::floor(v))
    throw std::invalid_argument(std::string(what) + ": not a positive integer: '" + io::shorten(io::trim(tok)) + "'");
  return static_cast<std::size_t>(v);
}

std::vector<double> to_list(std::string_view s, char sep, const char* what) {
  std::vector<double> v;
  for (const auto& t : io::split_trimmed(s, sep)) v.push_back(to_double(t, what));
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
    if (i >= s.size() || s[i] != c) fail("expected '" + io::shorten(std::string_view(&c, 1)) + "'");
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

void finish_case(Case& c) {
  const std::size_t n = c.x.size();
  if (c.K != (c.eta ? n + 1 : n))
    throw std::invalid_argument(fmt::format("K = {} but z holds {} values (param {})", c.K, n, c.eta ? "eta" : "logits"));
  if (c.K == 0) throw std::invalid_argument("K must be >= 1");
  if (c.has_mu && (c.mu.size() != c.K || c.mu_lo.size() != c.K))
    throw std::invalid_argument(fmt::format("mu holds {} values and mu_lo {}, expected K = {}", c.mu.size(), c.mu_lo.size(), c.K));
  if (c.f32)
    for (double v : c.x)
      if (!float_representable(v)) throw std::invalid_argument("dtype f32 but an input value is not a float: " + format_shortest(v));
  if (c.has_cov && (c.cov.size() != c.K * c.K || c.cov_lo.size() != c.K * c.K))
    throw std::invalid_argument(fmt::format("cov holds {} values and cov_lo {}, expected K*K = {}", c.cov.size(),
                                            c.cov_lo.size(), c.K * c.K));
  if (!c.kl_q.empty() && c.kl_q.size() != n)
    throw std::invalid_argument(fmt::format("kl_q holds {} values, z {}: the q row has the shape of z", c.kl_q.size(), n));
  if (c.has_kl && c.kl_q.empty()) throw std::invalid_argument("kl is stored without its q row kl_q");
  if (c.f32)
    for (double v : c.kl_q)
      if (!float_representable(v)) throw std::invalid_argument("dtype f32 but a kl_q value is not a float: " + format_shortest(v));
}

// All three fields present (true), all empty (false), else an error naming them.
bool group(const std::vector<std::string>& f, std::size_t first, const char* names) {
  const bool a = !f[first].empty(), b = !f[first + 1].empty(), c = !f[first + 2].empty();
  if (a && b && c) return true;
  if (!a && !b && !c) return false;
  throw std::invalid_argument(std::string(names) + " must be all present or all empty");
}

}  // namespace

Case parse_csv_row(std::string_view line, int version) {
  auto f = io::split_trimmed(line, ',');
  const std::size_t want = version == 1 ? kCsvFieldsV1 : kCsvFields;
  if (f.size() != want)
    throw std::invalid_argument(fmt::format("expected {} fields (format version {}), found {}", want, version, f.size()));
  Case c;
  c.id = std::string(f[0]);
  c.family = std::string(f[1]);
  if (c.id.empty() || c.family.empty()) throw std::invalid_argument("empty id or family");
  {
    std::string s(f[2]);
    char* end = nullptr;
    c.seed = s.empty() ? 0 : std::strtoull(s.c_str(), &end, 10);
    if (!s.empty() && end != s.c_str() + s.size()) throw std::invalid_argument("seed: not an integer: '" + io::shorten(s) + "'");
  }
  if (f[3] == "eta") c.eta = true;
  else if (f[3] != "logits") throw std::invalid_argument("param must be logits or eta, not '" + io::shorten(f[3]) + "'");
  if (f[4] == "f32") c.f32 = true;
  else if (f[4] != "f64") throw std::invalid_argument("dtype must be f64 or f32, not '" + io::shorten(f[4]) + "'");
  c.K = to_count(f[5], "K");
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
  if (version >= 2) {
    if (group(f, 16, "H, H_lo, H_rad")) {
      c.has_H = true;
      c.H = to_double(f[16], "H");
      c.H_lo = to_double(f[17], "H_lo");
      c.H_rad = to_double(f[18], "H_rad");
    }
    if (group(f, 19, "cov, cov_lo, cov_relrad")) {
      c.has_cov = true;
      c.cov = to_list(f[19], ';', "cov");
      c.cov_lo = to_list(f[20], ';', "cov_lo");
      c.cov_relrad = to_double(f[21], "cov_relrad");
    }
    if (!f[22].empty()) c.kl_q = to_list(f[22], ';', "kl_q");
    if (group(f, 23, "kl, kl_lo, kl_rad")) {
      c.has_kl = true;
      c.kl = to_double(f[23], "kl");
      c.kl_lo = to_double(f[24], "kl_lo");
      c.kl_rad = to_double(f[25], "kl_rad");
    }
  }
  finish_case(c);
  return c;
}

namespace {

std::vector<double> jlist(const JVal& v, const char* what) {
  if (v.kind != JVal::array) throw std::invalid_argument(std::string(what) + ": expected an array");
  std::vector<double> out;
  for (auto& t : v.items) out.push_back(to_double(t, what));
  return out;
}

}  // namespace

Case parse_json_row(std::string_view line) {
  JParser p{line};
  auto m = p.object();
  auto get = [&](const char* k) -> const JVal* {
    auto it = m.find(k);
    return it == m.end() || it->second.kind == JVal::null ? nullptr : &it->second;
  };
  auto need = [&](const char* k) -> const JVal& {
    const JVal* v = get(k);
    if (!v) throw std::invalid_argument(std::string("missing key '") + io::shorten(k) + "'");
    return *v;
  };
  Case c;
  c.id = need("id").text;
  c.family = need("family").text;
  if (const JVal* s = get("seed")) c.seed = std::strtoull(s->text.c_str(), nullptr, 10);
  const std::string param = need("param").text, dtype = need("dtype").text;
  if (param == "eta") c.eta = true;
  else if (param != "logits") throw std::invalid_argument("param must be logits or eta, not '" + io::shorten(param) + "'");
  if (dtype == "f32") c.f32 = true;
  else if (dtype != "f64") throw std::invalid_argument("dtype must be f64 or f32, not '" + io::shorten(dtype) + "'");
  c.K = to_count(need("K").text, "K");
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
  if (get("H")) {
    c.has_H = true;
    c.H = to_double(need("H").text, "H");
    c.H_lo = to_double(need("H_lo").text, "H_lo");
    c.H_rad = to_double(need("H_rad").text, "H_rad");
  }
  if (get("cov")) {
    c.has_cov = true;
    c.cov = jlist(need("cov"), "cov");
    c.cov_lo = jlist(need("cov_lo"), "cov_lo");
    c.cov_relrad = to_double(need("cov_relrad").text, "cov_relrad");
  }
  if (get("kl_q")) c.kl_q = jlist(need("kl_q"), "kl_q");
  if (get("kl")) {
    c.has_kl = true;
    c.kl = to_double(need("kl").text, "kl");
    c.kl_lo = to_double(need("kl_lo").text, "kl_lo");
    c.kl_rad = to_double(need("kl_rad").text, "kl_rad");
  }
  finish_case(c);
  return c;
}

FileKind detect(const std::vector<std::string>& lines) {
  for (const auto& l : lines) {
    auto t = io::trim(l);
    if (t.empty() || t.front() == '#') continue;
    if (t.rfind("id,family,", 0) == 0) return FileKind::golden_csv;
    if (t.front() == '{') return FileKind::golden_jsonl;
    return FileKind::eval;
  }
  return FileKind::eval;
}

std::vector<std::string> read_lines(const std::string& path) {
  io::InputStream f;
  std::string why;
  if (!f.open(path, why)) throw FormatError(io::escape_bytes(why));
  std::vector<std::string> lines;
  std::string l;
  while (std::getline(f, l)) lines.push_back(std::move(l));
  if (f.error()) throw io::io_error(f.error_message());
  return lines;
}

std::vector<Case> parse_golden(const std::vector<std::string>& lines, FileKind kind, const std::string& path) {
  std::vector<Case> cases;
  bool header_seen = false;
  int version = kFormatVersion;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    auto t = io::trim(lines[i]);
    if (t.empty() || t.front() == '#') continue;
    try {
      if (kind == FileKind::golden_csv) {
        if (t.rfind("id,family,", 0) == 0) {
          // the header (a repeated one, of concatenated files, must match the first)
          const int v = t == kCsvHeader ? kFormatVersion : t == kCsvHeaderV1 ? 1 : 0;
          if (v == 0)
            throw std::invalid_argument(std::string("header must be exactly '") + kCsvHeader + "' (or the version 1 header '" +
                                        kCsvHeaderV1 + "')");
          if (header_seen && v != version) throw std::invalid_argument("a header of another format version");
          version = v;
          header_seen = true;
          continue;
        }
        if (!header_seen)
          throw std::invalid_argument(std::string("header must be exactly '") + kCsvHeader + "' (or the version 1 header '" +
                                      kCsvHeaderV1 + "')");
        cases.push_back(parse_csv_row(t, version));
      } else {
        if (t.find("\"format\"") != std::string_view::npos && t.find("ccnorm-golden") != std::string_view::npos &&
            t.find("\"z\"") == std::string_view::npos)
          continue;  // provenance line
        cases.push_back(parse_json_row(t));
      }
      cases.back().line = static_cast<long>(i + 1);
    } catch (const std::invalid_argument& e) {
      throw FormatError(fmt::format("{}:{}: {}", path, i + 1, e.what()));
    }
  }
  return cases;
}

}  // namespace ccnorm::golden
