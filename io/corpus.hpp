// ccnorm io: the frozen hard corpus (tests/data/hard_corpus.csv, written by tools/make_corpus +
// ccnorm_freeze; docs/design.md §5) reader, shared by the accuracy tests (test_accuracy,
// test_gpu, test_gpu_replay: reference parsed at 201 bits) and the standalone GPU device check
// (bench/gpu/device_check.cu: reference parsed as long double). Standard C++17 only (this header
// and io/csv.hpp), so nvcc and a machine without Boost/MPFR/fmt can build it; the reference number
// type and its parser are template parameters.
// Strict: a missing column, a wrong field count, a dtype other than f64/f32, a z value that is not
// a finite number (or, in an f32 row, not a float), or a K that does not match z / mu throws
// std::runtime_error naming the file and line. Rows that `keep(K)` rejects are skipped unparsed.
#pragma once
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "io/csv.hpp"

namespace ccnorm::corpus {

using io::split;

template <class Ref>
struct Row {
  std::string id, family, dtype;
  std::size_t K = 0;
  std::string ztext;  // the z field as written (semicolon-separated)
  std::vector<double> z;
  Ref A;
  Ref logC;        // when the file has a logC column (the frozen corpus does)
  bool has_logC = false;
  std::vector<Ref> mu;
};

// keep: bool(std::size_t K); parse: Ref(const std::string&), may throw.
template <class Ref, class Keep, class Parse>
std::vector<Row<Ref>> load(const std::string& path, Keep keep, Parse parse) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path + " (run from the repository root)");
  std::vector<Row<Ref>> rows;
  std::map<std::string, std::size_t> col;
  std::string line;
  std::size_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    const std::string at = path + ":" + std::to_string(lineno) + ": ";
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    const auto f = split(line, ',');
    if (col.empty()) {
      for (std::size_t i = 0; i < f.size(); ++i) col[f[i]] = i;
      for (const char* need : {"id", "family", "dtype", "K", "z", "A", "mu"})
        if (!col.count(need)) throw std::runtime_error(path + ": header lacks column " + need);
      continue;
    }
    if (f.size() != col.size()) throw std::runtime_error(at + "expected " + std::to_string(col.size()) + " fields");
    Row<Ref> r;
    r.id = f[col["id"]];
    r.family = f[col["family"]];
    r.dtype = f[col["dtype"]];
    r.K = std::stoul(f[col["K"]]);
    if (!keep(r.K)) continue;
    if (r.dtype != "f64" && r.dtype != "f32") throw std::runtime_error(at + "bad dtype " + r.dtype);
    r.ztext = f[col["z"]];
    for (const auto& t : split(r.ztext, ';')) {
      char* end = nullptr;
      r.z.push_back(std::strtod(t.c_str(), &end));
      if (end == t.c_str() || *end != '\0' || !std::isfinite(r.z.back()))
        throw std::runtime_error(at + "bad z value '" + t + "'");
      if (r.dtype == "f32" && static_cast<double>(static_cast<float>(r.z.back())) != r.z.back())
        throw std::runtime_error(at + "f32 row holds a non-float value " + t);
    }
    try {
      r.A = parse(f[col["A"]]);
      if (col.count("logC")) {
        r.logC = parse(f[col["logC"]]);
        r.has_logC = true;
      }
      for (const auto& t : split(f[col["mu"]], ';')) r.mu.push_back(parse(t));
    } catch (const std::exception& e) {
      throw std::runtime_error(at + e.what());
    }
    if (r.z.size() != r.K || r.mu.size() != r.K) throw std::runtime_error(at + "K does not match z/mu in " + r.id);
    rows.push_back(std::move(r));
  }
  if (col.empty()) throw std::runtime_error(path + ": no header");
  return rows;
}

}  // namespace ccnorm::corpus
