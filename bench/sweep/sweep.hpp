// ccnorm sweep library: deterministic input families, the DESIGN.md section 3 error measures
// against the certified reference, and the sweep CSV (schema, keys, resumable append, merge).
// Header-only; used by cli/cmd_sweep.cpp, cli/cmd_merge.cpp, cli/cmd_regions.cpp,
// cli/cmd_report.cpp and tests/test_sweep.cpp.
//
// ---- Input families (all deterministic functions of (family, K, sigma, seed)) ----
// Random numbers: std::mt19937_64 seeded with std::seed_seq{seed, K, tag} (both fully specified
// by the C++ standard), uniforms u = ((bits >> 11) + 1/2) 2^-53 in (0, 1), normals by Box-Muller.
// Only libm's log/sqrt/sin/cos roundings may differ between platforms (an ulp of a sample); the
// CSV's `hash` column (FNV-1a of the input's bit patterns) detects any such difference.
//   gaussian      z_i = sigma g_i, g_i ~ N(0,1), i = 1..K.
//   ties          L = max(1, K/4) levels sigma g_l; every node picks a level uniformly: exact ties
//                 (0/0 for the closed form).
//   near-ties     the ties rows with every node moved by sigma 10^-e g_i, e ~ U(4, 12): distinct
//                 nodes whose gaps are 1e-4 .. 1e-12 of the spread (worst case for cancellation).
//   clusters      C = min(K, 3) clusters with centres c sigma, c = 0..C-1 (gap = sigma), nodes
//                 assigned round-robin, each centre + 1e-3 sigma g_i (tight clusters, wide gaps).
//                 cluster_row(K, gap, width, seed) is the same construction with explicit gap and
//                 width (used by `ccnorm regions` for the (K, gap) heat map).
//   progressions  arithmetic progression z_i = o + h (i - 1), h = sigma U(0.5, 1.5), o = g, in a
//                 shuffled order (equal gaps: cancellation factor ~ coth(h/2)^{K-1}).
//   outlier       K-1 nodes sigma g_i and one node at +-(20 sigma + 20) (random sign, random slot).
//   offsets       gaussian rows plus a common offset +-10^e, e ~ U(2, 6) (|A| large; tests the
//                 shift invariance and the assembly of A = min z + ...).
//   protocol_row  the 2022 paper's "max computable dimension" row z = (eta, 0),
//                 eta ~ N(0, sigma^2 I_{K-1}); identical to tests/test_baselines.cpp's generator
//                 (seed_seq{seed, K, 0x63636e}).
//
// ---- Error measures (DESIGN.md section 3; never rounded before the difference) ----
// The reference (ccnorm::ref::certified: Arb enclosure, relative radius <= 2^-80) is copied into
// 201-bit MPFR numbers (measures/measures.hpp) and the difference is taken there.
// err_A = |Ahat - A| / (u max(1,|A|)), err_mu = max_j componentwise relative error in u,
// ulps_A = |Ahat - A| / ulp_T(A). NaN, +-inf or an exception count as +inf.
//
// ---- Sweep CSV (one row per case) ----
//   family,K,sigma,seed,algo,dtype,hash,err_A,err_mu,ulps_A
// The case key is (family,K,sigma,seed,algo,dtype) (sigma printed with %g). `hash` is the FNV-1a
// 64-bit hash (16 hex digits) of the bit patterns of the input actually evaluated (the float
// values for f32, widened to double). Errors are printed with %.6g ("inf" for infinite).
// The worst input of each (algo,dtype,family,K) group is NOT in the rows: it goes to the
// companion file worst_path(out) = <out without .csv>.worst.csv:
//   algo,dtype,family,K,n,max_err_A,sigma,seed,hash,input
// where input is the regenerated input (checked against `hash`) as space-separated C99 hex
// floats (%a), the row with the largest err_A (then err_mu) of the group.
#pragma once
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <numbers>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "normalizer/normalizer.hpp"
#include "reference/reference.hpp"
#include "measures/mpfr.hpp"

namespace ccnorm::sweep {

using measures::mp200;

// ------------------------------------------------------------------ random streams
class Rng {
 public:
  Rng(std::uint32_t seed, std::uint32_t K, std::uint32_t tag) {
    std::seed_seq s{seed, K, tag};
    gen_.seed(s);
  }
  double uniform() { return (static_cast<double>(gen_() >> 11) + 0.5) * 0x1p-53; }
  double normal() {
    if (have_) {
      have_ = false;
      return spare_;
    }
    const double u1 = uniform(), u2 = uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    const double t = 2.0 * std::numbers::pi * u2;
    spare_ = r * std::sin(t);
    have_ = true;
    return r * std::cos(t);
  }
  std::size_t index(std::size_t n) { return std::min(n - 1, static_cast<std::size_t>(uniform() * n)); }

 private:
  std::mt19937_64 gen_;
  bool have_ = false;
  double spare_ = 0;
};

inline const std::vector<std::string>& all_families() {
  static const std::vector<std::string> f{"gaussian", "ties", "near-ties", "clusters",
                                          "progressions", "outlier", "offsets"};
  return f;
}

inline std::uint32_t family_tag(const std::string& f) {
  const auto& fs = all_families();
  for (std::size_t i = 0; i < fs.size(); ++i)
    if (fs[i] == f) return 0x5157u + static_cast<std::uint32_t>(i);
  throw std::invalid_argument("unknown family '" + f + "' (gaussian, ties, near-ties, clusters, "
                              "progressions, outlier, offsets)");
}

inline std::vector<double> cluster_row(std::size_t K, double gap, double width, std::uint32_t seed) {
  Rng g(seed, static_cast<std::uint32_t>(K), 0xc1u);
  const std::size_t C = std::min<std::size_t>(K, 3);
  std::vector<double> z(K);
  for (std::size_t i = 0; i < K; ++i) z[i] = static_cast<double>(i % C) * gap + width * g.normal();
  return z;
}

inline std::vector<double> generate(const std::string& family, std::size_t K, double sigma, std::uint32_t seed) {
  if (K == 0) throw std::invalid_argument("K must be >= 1");
  Rng g(seed, static_cast<std::uint32_t>(K), family_tag(family));
  std::vector<double> z(K);
  auto ties = [&]() {
    const std::size_t L = std::max<std::size_t>(1, K / 4);
    std::vector<double> lv(L);
    for (auto& x : lv) x = sigma * g.normal();
    for (auto& x : z) x = lv[g.index(L)];
  };
  if (family == "gaussian") {
    for (auto& x : z) x = sigma * g.normal();
  } else if (family == "ties") {
    ties();
  } else if (family == "near-ties") {
    ties();
    for (auto& x : z) x += sigma * std::pow(10.0, -(4.0 + 8.0 * g.uniform())) * g.normal();
  } else if (family == "clusters") {
    return cluster_row(K, sigma, 1e-3 * sigma, seed);
  } else if (family == "progressions") {
    const double h = sigma * (0.5 + g.uniform()), o = g.normal();
    for (std::size_t i = 0; i < K; ++i) z[i] = o + h * static_cast<double>(i);
    for (std::size_t i = K; i > 1; --i) std::swap(z[i - 1], z[g.index(i)]);  // Fisher-Yates
  } else if (family == "outlier") {
    for (auto& x : z) x = sigma * g.normal();
    const double s = g.uniform() < 0.5 ? -1.0 : 1.0;
    z[g.index(K)] = s * (20.0 * sigma + 20.0);
  } else if (family == "offsets") {
    const double s = g.uniform() < 0.5 ? -1.0 : 1.0;
    const double c = s * std::pow(10.0, 2.0 + 4.0 * g.uniform());
    for (auto& x : z) x = c + sigma * g.normal();
  }
  return z;
}

// The 2022 paper's protocol row z = (eta, 0), eta ~ N(0, sigma^2 I_{K-1}) (also used by
// tests/test_baselines.cpp).
inline std::vector<double> protocol_row(double sigma, std::uint32_t seed, std::size_t K) {
  Rng g(seed, static_cast<std::uint32_t>(K), 0x63636eu);
  std::vector<double> z(K, 0.0);
  for (std::size_t i = 0; i + 1 < K; ++i) z[i] = sigma * g.normal();
  return z;
}

template <class T, class S>
std::vector<T> as(const std::vector<S>& z) {
  std::vector<T> r(z.size());
  for (std::size_t i = 0; i < z.size(); ++i) r[i] = static_cast<T>(z[i]);
  return r;
}

template <class T>
std::uint64_t hash_input(const std::vector<T>& z) {
  std::uint64_t h = 1469598103934665603ull;
  for (T x : z) {
    const double d = static_cast<double>(x);
    std::uint64_t b;
    std::memcpy(&b, &d, 8);
    for (int i = 0; i < 8; ++i) {
      h ^= (b >> (8 * i)) & 0xffu;
      h *= 1099511628211ull;
    }
  }
  return h;
}

inline std::string hex64(std::uint64_t h) {
  char b[20];
  std::snprintf(b, sizeof b, "%016" PRIx64, h);
  return b;
}

template <class T>
std::string input_hex(const std::vector<T>& z) {
  std::string s;
  char b[40];
  for (std::size_t i = 0; i < z.size(); ++i) {
    std::snprintf(b, sizeof b, "%a", static_cast<double>(z[i]));
    if (i) s += ' ';
    s += b;
  }
  return s;
}

inline std::string fmt_g(double x) {
  char b[40];
  std::snprintf(b, sizeof b, "%g", x);
  return b;
}
inline std::string fmt_err(double x) {
  if (std::isinf(x) || std::isnan(x)) return "inf";
  char b[40];
  std::snprintf(b, sizeof b, "%.6g", x);
  return b;
}
inline double parse_err(const std::string& s) {
  if (s == "inf") return std::numeric_limits<double>::infinity();
  return std::stod(s);
}

// ------------------------------------------------------------------ reference in 201 bits
struct RefMP {
  mp200 A, logC;
  std::vector<mp200> mu;
};

inline mp200 to_mp(const ref::mpfloat& x) {
  mp200 r;
  mpfr_set(r.backend().data(), x.backend().data(), MPFR_RNDN);
  return r;
}

inline RefMP reference(const std::vector<double>& z, bool with_mu) {
  const ref::Certified c = ref::certified(z.data(), z.size(), with_mu);
  RefMP r;
  r.A = to_mp(c.A);
  r.logC = to_mp(c.logC);
  for (const auto& m : c.mu) r.mu.push_back(to_mp(m));
  return r;
}

struct Errors {
  double err_A = measures::kFailed, err_mu = measures::kFailed, ulps_A = measures::kFailed;
  double logC = std::numeric_limits<double>::quiet_NaN();  // returned log C (for the protocol)
};

// Evaluate `a` on z (type T) and measure against r. With the mean requested and the algorithm
// refusing it (exception), A is still measured without the mean and err_mu = inf.
template <class T>
Errors measure(Algo a, const std::vector<T>& z, const RefMP& r, bool with_mu) {
  Errors e;
  std::vector<T> mu(z.size());
  Out<T> o{};
  bool ok = false;
  try {
    o = evaluate<T>(a, z.data(), z.size(), with_mu ? mu.data() : nullptr);
    ok = true;
    if (with_mu) e.err_mu = measures::err_mean<T>(mu.data(), z.size(), r.mu);
  } catch (const std::exception&) {
  }
  if (!ok && with_mu) {
    try {
      o = evaluate<T>(a, z.data(), z.size(), nullptr);
      ok = true;
    } catch (const std::exception&) {
    }
  }
  if (!ok) return e;
  e.err_A = measures::err_value<T>(o.A, r.A);
  e.ulps_A = measures::ulps<T>(o.A, r.A);
  e.logC = static_cast<double>(o.logC);
  return e;
}

// Relative error of log C = LSE - A (the protocol's "A - LSE"), taken in 201 bits; inf if not finite.
inline double rel_err_logC(double logC_hat, const mp200& logC) { return measures::err_relative(logC_hat, logC, 1.0); }

// ------------------------------------------------------------------ CSV schema and IO
inline const char* kHeader = "family,K,sigma,seed,algo,dtype,hash,err_A,err_mu,ulps_A";
inline constexpr std::size_t kFields = 10;

struct Row {
  std::string family;
  std::size_t K = 0;
  std::string sigma;  // %g
  std::uint32_t seed = 0;
  std::string algo, dtype, hash;
  double err_A = 0, err_mu = 0, ulps_A = 0;

  std::string key() const {
    return family + ',' + std::to_string(K) + ',' + sigma + ',' + std::to_string(seed) + ',' + algo + ',' + dtype;
  }
  std::string line() const {
    return key() + ',' + hash + ',' + fmt_err(err_A) + ',' + fmt_err(err_mu) + ',' + fmt_err(ulps_A);
  }
  // Canonical order: family, K, sigma (numeric), seed, algo, dtype.
  auto order() const { return std::make_tuple(family, K, std::stod(sigma), seed, algo, dtype); }
};

inline std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> f;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      f.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  f.push_back(cur);
  return f;
}

// Parse one data line; false if it does not match the schema.
inline bool parse_row(const std::string& line, Row& r) {
  const auto f = split(line, ',');
  if (f.size() != kFields) return false;
  try {
    std::size_t p = 0;
    r.family = f[0];
    r.K = std::stoul(f[1], &p);
    if (p != f[1].size()) return false;
    r.sigma = f[2];
    (void)std::stod(f[2]);
    r.seed = static_cast<std::uint32_t>(std::stoul(f[3], &p));
    if (p != f[3].size()) return false;
    r.algo = f[4];
    r.dtype = f[5];
    r.hash = f[6];
    if (r.hash.size() != 16) return false;
    r.err_A = parse_err(f[7]);
    r.err_mu = parse_err(f[8]);
    r.ulps_A = parse_err(f[9]);
  } catch (const std::exception&) {
    return false;
  }
  Algo a;
  return parse_algo(r.algo, a) && (r.dtype == "f64" || r.dtype == "f32");
}

struct LoadResult {
  std::vector<Row> rows;
  bool existed = false;
  bool dropped_partial = false;  // a partial (unterminated) last line was found
  std::size_t valid_bytes = 0;   // length of the file up to the last complete line
};

// Read a sweep CSV. Throws std::runtime_error if the header does not match the schema or a
// complete line is malformed. An unterminated last line (a killed writer) is reported in
// dropped_partial and ignored.
inline LoadResult load_csv(const std::string& path) {
  LoadResult res;
  std::ifstream in(path, std::ios::binary);
  if (!in) return res;
  res.existed = true;
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string all = ss.str();
  if (all.empty()) return res;
  const std::size_t last_nl = all.rfind('\n');
  if (last_nl == std::string::npos) {  // not even a complete header
    res.dropped_partial = true;
    return res;
  }
  res.valid_bytes = last_nl + 1;
  res.dropped_partial = res.valid_bytes != all.size();
  std::size_t pos = 0;
  bool header = true;
  long lineno = 0;
  while (pos < res.valid_bytes) {
    const std::size_t nl = all.find('\n', pos);
    std::string line = all.substr(pos, nl - pos);
    pos = nl + 1;
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (header) {
      if (line != kHeader)
        throw std::runtime_error(path + ": header does not match the sweep schema '" + std::string(kHeader) + "'");
      header = false;
      continue;
    }
    if (line.empty()) continue;
    Row r;
    if (!parse_row(line, r))
      throw std::runtime_error(path + ":" + std::to_string(lineno) + ": malformed sweep row: " + line);
    res.rows.push_back(std::move(r));
  }
  return res;
}

inline std::string worst_path(const std::string& out) {
  std::string base = out;
  if (base.size() > 4 && base.compare(base.size() - 4, 4, ".csv") == 0) base.resize(base.size() - 4);
  return base + ".worst.csv";
}

// Write rows (sorted canonically, keys unique) atomically: tmp file, fsync, rename.
inline void write_sorted(const std::string& path, std::vector<Row> rows) {
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.order() < b.order(); });
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) throw std::runtime_error("cannot write " + tmp);
  std::fprintf(f, "%s\n", kHeader);
  for (const auto& r : rows) std::fprintf(f, "%s\n", r.line().c_str());
  std::fflush(f);
  ::fsync(fileno(f));
  std::fclose(f);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) throw std::runtime_error("cannot rename " + tmp);
}

// The worst case of each (algo,dtype,family,K) group, with the input regenerated and checked
// against the row's hash. Returns the number of groups whose input could not be regenerated.
// Ties (e.g. several infinite errors) go to the first row in the canonical order, so the file does
// not depend on the order of `rows`.
inline std::size_t write_worst(const std::string& path, std::vector<Row> rows) {
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.order() < b.order(); });
  std::map<std::tuple<std::string, std::string, std::string, std::size_t>, std::pair<const Row*, std::size_t>> g;
  for (const auto& r : rows) {
    auto& e = g[{r.algo, r.dtype, r.family, r.K}];
    ++e.second;
    if (!e.first || std::make_pair(r.err_A, r.err_mu) > std::make_pair(e.first->err_A, e.first->err_mu)) e.first = &r;
  }
  std::size_t bad = 0;
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) throw std::runtime_error("cannot write " + tmp);
  std::fprintf(f, "algo,dtype,family,K,n,max_err_A,sigma,seed,hash,input\n");
  for (const auto& [k, v] : g) {
    const Row& r = *v.first;
    std::string hex;
    try {
      const auto z = generate(r.family, r.K, std::stod(r.sigma), r.seed);
      if (r.dtype == "f32") {
        const auto zf = as<float>(z);
        if (hex64(hash_input(zf)) == r.hash) hex = input_hex(zf);
      } else if (hex64(hash_input(z)) == r.hash) {
        hex = input_hex(z);
      }
    } catch (const std::exception&) {
    }
    if (hex.empty()) {
      ++bad;
      hex = "unavailable (generator mismatch)";
    }
    std::fprintf(f, "%s,%s,%s,%zu,%zu,%s,%s,%u,%s,%s\n", r.algo.c_str(), r.dtype.c_str(), r.family.c_str(), r.K,
                 v.second, fmt_err(r.err_A).c_str(), r.sigma.c_str(), r.seed, r.hash.c_str(), hex.c_str());
  }
  std::fflush(f);
  ::fsync(fileno(f));
  std::fclose(f);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) throw std::runtime_error("cannot rename " + tmp);
  return bad;
}

// ------------------------------------------------------------------ the sweep itself
struct Config {
  std::vector<Algo> algos;
  std::vector<std::string> dtypes{"f64", "f32"};
  std::vector<std::string> families = all_families();
  std::vector<std::size_t> Ks{2, 3, 5, 10, 32, 100};
  std::vector<double> sigmas{0.01, 1, 10, 100};
  std::uint32_t seeds = 3;  // replicates per (family, K, sigma)
  std::uint32_t seed = 1;   // base seed: replicate r uses seed + r
  int threads = 0;
  std::size_t shard_i = 0, shard_n = 1;
  std::string out = "sweep.csv";
  bool progress = true;       // progress bar on stderr when it is a terminal
  std::size_t stop_after = 0; // testing: stop (as if killed) after this many inputs (0: never)
  bool quiet = false;
};

struct Input {
  std::string family;
  std::size_t K;
  double sigma;
  std::uint32_t seed;
};

// Every input of the configuration in the canonical order; the shard keeps index % n == i.
inline std::vector<Input> enumerate_inputs(const Config& c) {
  std::vector<Input> v;
  std::size_t idx = 0;
  for (const auto& f : c.families)
    for (std::size_t K : c.Ks)
      for (double s : c.sigmas)
        for (std::uint32_t r = 0; r < c.seeds; ++r, ++idx)
          if (idx % c.shard_n == c.shard_i) v.push_back({f, K, s, c.seed + r});
  return v;
}

struct Summary {
  std::size_t inputs_total = 0, inputs_done_before = 0, inputs_run = 0, rows_written = 0, failures = 0;
  bool complete = false;
  bool dropped_partial = false;
};

}  // namespace ccnorm::sweep
