// ccnorm CLI: the small argument parsers shared by the subcommands (comma-separated lists,
// option values) and the help-text helper that wraps generated lists (the registry's names).
#pragma once
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

#include "io/csv.hpp"
#include "io/stream.hpp"
#include "normalizer/registry.hpp"

namespace ccnorm::cli {

// Non-empty items of "a,b,,c"; throws std::invalid_argument when there are none.
inline std::vector<std::string> list_arg(const std::string& s) {
  std::vector<std::string> v;
  for (auto& x : io::split(s, ','))
    if (!x.empty()) v.push_back(x);
  if (v.empty()) throw std::invalid_argument("empty list");
  return v;
}
inline std::vector<double> doubles_arg(const std::string& s) {
  std::vector<double> v;
  for (auto& x : list_arg(s)) {
    std::size_t p = 0;
    v.push_back(std::stod(x, &p));
    if (p != x.size()) throw std::invalid_argument("not a number: " + x);
  }
  return v;
}
inline std::vector<std::size_t> sizes_arg(const std::string& s) {
  std::vector<std::size_t> v;
  for (auto& x : list_arg(s)) {
    std::size_t p = 0;
    const long long k = std::stoll(x, &p);
    if (p != x.size() || k < 1) throw std::invalid_argument("not a positive integer: " + x);
    v.push_back(static_cast<std::size_t>(k));
  }
  return v;
}
inline std::vector<Algo> algos_arg(const std::string& s) {
  std::vector<Algo> v;
  for (auto& x : list_arg(s)) {
    Algo a;
    if (!parse_algo(x, a)) throw std::invalid_argument("unknown algorithm: " + x);
    v.push_back(a);
  }
  return v;
}

// A --threads value: a positive decimal integer; throws std::invalid_argument otherwise.
inline int threads_arg(const std::string& s) {
  int n = 0;
  if (!io::parse_positive_int(s, n))
    throw std::invalid_argument("--threads must be a positive integer, not '" + io::escape_bytes(s) + "'");
  return n;
}

// The value of option argv[i] (advances i); throws std::invalid_argument if missing.
inline std::string value_of(int argc, char** argv, int& i) {
  if (i + 1 >= argc) throw std::invalid_argument(std::string("missing value after ") + argv[i]);
  return argv[++i];
}

// `text` filled into lines of at most `width` characters: the first line starts with `first`,
// the others with `indent` spaces; ends with '\n'. For help texts whose lists are generated.
inline std::string wrap(const std::string& first, const std::string& text, std::size_t indent, std::size_t width = 96) {
  std::string out = first;
  std::size_t col = first.size();
  bool fresh = true;  // no word on this line yet
  for (const auto& word : io::split(text, ' ')) {
    if (word.empty()) continue;
    if (!fresh && col + 1 + word.size() > width) {
      out += '\n' + std::string(indent, ' ');
      col = indent;
      fresh = true;
    }
    if (!fresh) {
      out += ' ';
      ++col;
    }
    out += word;
    col += word.size();
    fresh = false;
  }
  return out + '\n';
}

}  // namespace ccnorm::cli
