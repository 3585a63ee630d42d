// Small argument helpers shared by the sweep / merge / regions / report subcommands.
#pragma once
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/sweep/sweep.hpp"

namespace ccnorm::sweep {

inline std::vector<std::string> list_arg(const std::string& s) {
  std::vector<std::string> v;
  for (auto& x : split(s, ','))
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
// Every host algorithm of the registry, in report order.
inline std::vector<Algo> all_algos() {
  std::vector<Algo> a;
  for (const auto& i : algorithms())
    if (i.host()) a.push_back(i.id);
  return a;
}

// Fetch the value of option argv[i] (advances i); throws if missing.
inline std::string value_of(int argc, char** argv, int& i) {
  if (i + 1 >= argc) throw std::invalid_argument(std::string("missing value after ") + argv[i]);
  return argv[++i];
}

}  // namespace ccnorm::sweep
