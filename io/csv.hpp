// ccnorm io: the one CSV reader/quoter for tables with a header row (bench_ratios.csv,
// bench_gpu.csv, regions' CSVs, the sweep's worst file, ...). Lines starting with '#' are
// comments (provenance); fields may be double-quoted ("" escapes a quote); a CR before the
// newline is dropped. Row formats with their own strict parsers (the hard corpus, the sweep
// rows, golden files; docs/design.md §5) use split (no quoting) or split_csv for the field split
// and check the fields themselves.
//
//   split(s, sep)           fields between separators, verbatim (no quoting, no trimming)
//   split_csv(line)         fields of one CSV line (RFC 4180 quoting)
//   csv_field(s)            a field quoted when it needs to be
//   read_table(path)        rows of a CSV file with a header row, as column -> value maps
//   read_table_if_exists    the same, an absent file is an empty table
// Standard C++17 only (io/corpus.hpp uses it from the CUDA device check).
#pragma once
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ccnorm::io {

// Fields between the separators, verbatim: "a;;b" -> {"a", "", "b"}, "" -> {""}.
inline std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::size_t p = 0;
  for (;;) {
    const std::size_t q = s.find(sep, p);
    out.emplace_back(s.substr(p, q == std::string_view::npos ? std::string_view::npos : q - p));
    if (q == std::string_view::npos) break;
    p = q + 1;
  }
  return out;
}

// Fields of one CSV line (RFC 4180 quoting; no embedded newlines).
inline std::vector<std::string> split_csv(std::string_view line) {
  std::vector<std::string> f;
  std::string cur;
  bool q = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (q) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') cur += '"', ++i;
      else if (c == '"') q = false;
      else cur += c;
    } else if (c == '"') q = true;
    else if (c == ',') f.push_back(cur), cur.clear();
    else if (c != '\r') cur += c;
  }
  f.push_back(cur);
  return f;
}

// A field quoted when it needs to be (comma, quote or newline inside).
inline std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(s);
  std::string q = "\"";
  for (char ch : s) {
    if (ch == '"') q += "\"\"";
    else q += ch;
  }
  return q + "\"";
}

using TableRow = std::map<std::string, std::string>;

// Rows of a CSV file with a header row, as column -> value maps (missing trailing fields are
// empty). Throws std::runtime_error naming the file when it cannot be opened or read.
inline std::vector<TableRow> read_table(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open '" + path + "': " + std::strerror(errno));
  std::vector<TableRow> out;
  std::string line;
  std::vector<std::string> head;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || line == "\r") continue;
    auto f = split_csv(line);
    if (head.empty()) {
      head = std::move(f);
      continue;
    }
    TableRow r;
    for (std::size_t i = 0; i < head.size(); ++i) r[head[i]] = i < f.size() ? f[i] : "";
    out.push_back(std::move(r));
  }
  if (in.bad()) throw std::runtime_error("error reading '" + path + "'");
  return out;
}

// The same, but an absent file is an empty table (other errors still throw).
inline std::vector<TableRow> read_table_if_exists(const std::string& path) {
  std::ifstream probe(path);
  if (!probe && errno == ENOENT) return {};
  return read_table(path);
}

}  // namespace ccnorm::io
