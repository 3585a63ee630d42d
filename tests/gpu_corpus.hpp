// ccnorm GPU tests: the frozen hard corpus (tests/data/hard_corpus.csv) with its certified
// reference parsed at 201 bits (tests/error_measures.hpp), and a per-group scorer. Shared by
// tests/test_gpu.cpp (device) and tests/test_gpu_replay.cpp (host replay of the kernels).
#pragma once
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "tests/error_measures.hpp"

namespace ccnorm::test::gpu_corpus {

struct Row {
  std::string id, family, dtype;
  std::size_t K = 0;
  std::vector<double> z;
  mp200 A;
  std::vector<mp200> mu;
};

inline std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t p = 0;
  for (;;) {
    std::size_t q = s.find(sep, p);
    out.push_back(s.substr(p, q == std::string::npos ? std::string::npos : q - p));
    if (q == std::string::npos) break;
    p = q + 1;
  }
  return out;
}

// Rows with K <= maxK; throws on a malformed file.
inline std::vector<Row> load(const std::string& path, std::size_t maxK) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path + " (run from the repository root)");
  std::vector<Row> rows;
  std::map<std::string, std::size_t> col;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    auto f = split(line, ',');
    if (col.empty()) {
      for (std::size_t i = 0; i < f.size(); ++i) col[f[i]] = i;
      for (const char* need : {"id", "family", "dtype", "K", "z", "A", "mu"})
        if (!col.count(need)) throw std::runtime_error(path + ": header lacks column " + need);
      continue;
    }
    if (f.size() != col.size()) throw std::runtime_error(path + ": bad field count in " + f[0]);
    Row r;
    r.id = f[col["id"]];
    r.family = f[col["family"]];
    r.dtype = f[col["dtype"]];
    r.K = std::stoul(f[col["K"]]);
    if (r.K > maxK) continue;
    for (const auto& t : split(f[col["z"]], ';')) r.z.push_back(std::strtod(t.c_str(), nullptr));
    r.A = parse_ref(f[col["A"]]);
    for (const auto& t : split(f[col["mu"]], ';')) r.mu.push_back(parse_ref(t));
    if (r.z.size() != r.K || r.mu.size() != r.K) throw std::runtime_error(path + ": K mismatch in " + r.id);
    rows.push_back(std::move(r));
  }
  return rows;
}

struct Score {
  std::size_t n = 0, failed = 0;
  double max_A = 0, max_mu = 0;
  std::string worst_A, worst_mu;
  void add(const Row& r, double eA, double emu, double goal_A, double goal_mu) {
    ++n;
    if (!(eA <= goal_A) || !(emu <= goal_mu)) ++failed;
    if (!(eA <= max_A)) {
      max_A = eA;
      worst_A = r.id;
    }
    if (!(emu <= max_mu)) {
      max_mu = emu;
      worst_mu = r.id;
    }
  }
};

inline void print(const std::map<std::string, Score>& s, const char* title) {
  std::printf("%s\n%-22s %5s %6s %10s %-34s %10s %-34s\n", title, "dtype/family", "n", "failed", "max_err_A", "worst",
              "max_err_mu", "worst");
  std::size_t n = 0, f = 0;
  for (const auto& [k, v] : s) {
    std::printf("%-22s %5zu %6zu %10.3g %-34s %10.3g %-34s\n", k.c_str(), v.n, v.failed, v.max_A, v.worst_A.c_str(),
                v.max_mu, v.worst_mu.c_str());
    n += v.n;
    f += v.failed;
  }
  std::printf("%zu passed, %zu failed\n", n - f, f);
}

}  // namespace ccnorm::test::gpu_corpus
