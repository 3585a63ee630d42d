// ccnorm regions: the max-dimension protocol and the heat maps (see regions.hpp).
#include "bench/regions.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <tuple>

#include <fmt/format.h>

#include "bench/progress.hpp"
#include "bench/sweep/inputs.hpp"
#include "bench/sweep/measure.hpp"
#include "io/files.hpp"
#include "io/format.hpp"
#include "measures/measures.hpp"

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace ccnorm::regions {

using sweep::as;
using sweep::RefMP;

std::vector<Candidate> registry_candidates() {
  std::vector<Candidate> c;
  for (const auto& i : algorithms())
    if (i.host()) c.push_back({i.name, i.eval_f32, i.eval_f64});
  return c;
}

void make_quick(Config& c) {
  c.sigmas = {0.01, 0.1, 1, 10, 32, 100, 1000};
  c.seeds = 5;
  c.kmax = 2048;
  c.heat_seeds = 1;
  c.gaps = {0.01, 1, 100};
}

void check(const Config& c) {
  for (const auto& d : c.dtypes)
    if (d != "f64" && d != "f32") throw std::invalid_argument("dtype must be f64 or f32: " + d);
  if (c.kmax < 2) throw std::invalid_argument("--kmax must be >= 2");
  if (c.algos.empty()) throw std::invalid_argument("no algorithms");
}

std::vector<std::size_t> big_grid(const Config& c) {
  std::vector<std::size_t> g;
  for (std::size_t k = 2 * c.exhaustive; k < c.kmax; k *= 2) g.push_back(k);
  if (c.kmax > c.exhaustive) g.push_back(c.kmax);
  return g;
}

namespace {

const std::vector<std::size_t> kSmallHeat{2, 3, 4, 6, 8, 11, 16, 23, 32, 45, 64};

struct Task {
  bool cluster;  // false: protocol rows (max dimension + heat over sigma); true: heat over gap
  double param;  // sigma or gap
  std::uint32_t seed;
  std::string dtype;
  double cost;
};

struct Eval {
  double err_A, rel;
};

template <class T>
Eval eval_one(const Candidate& a, const std::vector<T>& z, const RefMP& r) {
  EntryPoint<T> f;
  if constexpr (std::is_same_v<T, float>) f = a.f32;
  else f = a.f64;
  const sweep::Errors e = sweep::measure<T>(f, z, r, false);
  return {e.err_A, sweep::rel_err_logC(e.logC, r.logC)};
}

template <class T>
void run_protocol(const Config& o, const Task& t, std::vector<HeatRow>& heat, std::vector<DimRow>& dims) {
  const double sigma = t.param;
  const bool do_heat = o.heat && t.seed < o.heat_seeds;
  const std::size_t nA = o.algos.size();
  std::vector<bool> alive(nA, true);
  std::vector<std::size_t> best(nA, o.kmax);
  auto row = [&](std::size_t K) { return as<T>(sweep::protocol_row(sigma, t.seed, K)); };
  auto ref_of = [&](const std::vector<T>& zt) { return sweep::reference(as<double>(zt), false); };
  auto heat_at = [&](std::size_t K) {
    return do_heat && (std::find(kSmallHeat.begin(), kSmallHeat.end(), K) != kSmallHeat.end() || K > o.exhaustive);
  };
  auto record_heat = [&](const Candidate& a, std::size_t K, const Eval& e) {
    heat.push_back({a.name, t.dtype, sigma, K, t.seed, e.err_A, e.rel});
  };
  auto any_alive = [&] { return std::find(alive.begin(), alive.end(), true) != alive.end(); };
  // exhaustive stage
  for (std::size_t K = 2; K <= std::min(o.exhaustive, o.kmax); ++K) {
    const bool h = heat_at(K);
    if (!any_alive() && !h) {
      // nothing left to learn in this stage except heat points further on
      if (!do_heat) break;
      continue;
    }
    const auto z = row(K);
    const RefMP r = ref_of(z);
    for (std::size_t a = 0; a < nA; ++a) {
      if (!alive[a] && !h) continue;
      const Eval e = eval_one<T>(o.algos[a], z, r);
      if (h) record_heat(o.algos[a], K, e);
      if (alive[a] && !(e.rel < 0.01)) {
        alive[a] = false;
        best[a] = K - 1;
      }
    }
  }
  // sampled stage: doubling grid with bisection at the first failure
  std::size_t prev = std::min(o.exhaustive, o.kmax);
  for (std::size_t G : big_grid(o)) {
    if (!any_alive() && !do_heat) break;
    const auto z = row(G);
    const RefMP r = ref_of(z);
    std::vector<std::size_t> failed;
    for (std::size_t a = 0; a < nA; ++a) {
      if (!alive[a] && !do_heat) continue;
      const Eval e = eval_one<T>(o.algos[a], z, r);
      if (do_heat) record_heat(o.algos[a], G, e);
      if (alive[a] && !(e.rel < 0.01)) {
        alive[a] = false;
        failed.push_back(a);
      }
    }
    // bisection (P passes, G fails) with one reference per bisection point shared by the algorithms
    std::map<std::size_t, std::pair<std::vector<T>, RefMP>> cache;
    for (std::size_t a : failed) {
      std::size_t lo = prev, hi = G;
      while (hi - lo > 1) {
        const std::size_t mid = lo + (hi - lo) / 2;
        auto it = cache.find(mid);
        if (it == cache.end()) {
          auto zm = row(mid);
          RefMP rm = ref_of(zm);
          it = cache.emplace(mid, std::make_pair(std::move(zm), std::move(rm))).first;
        }
        const Eval e = eval_one<T>(o.algos[a], it->second.first, it->second.second);
        if (e.rel < 0.01) lo = mid;
        else hi = mid;
      }
      best[a] = lo;
    }
    prev = G;
  }
  for (std::size_t a = 0; a < nA; ++a) dims.push_back({o.algos[a].name, t.dtype, sigma, t.seed, best[a], alive[a]});
}

template <class T>
void run_gap(const Config& o, const Task& t, std::vector<HeatRow>& heat) {
  std::vector<std::size_t> Ks;
  for (std::size_t K : kSmallHeat)
    if (K <= o.kmax) Ks.push_back(K);
  for (std::size_t K : big_grid(o)) Ks.push_back(K);
  for (std::size_t K : Ks) {
    const auto z = as<T>(sweep::cluster_row(K, t.param, 1e-3, t.seed));
    const RefMP r = sweep::reference(as<double>(z), false);
    for (const Candidate& a : o.algos) {
      const Eval e = eval_one<T>(a, z, r);
      heat.push_back({a.name, t.dtype, t.param, K, t.seed, e.err_A, e.rel});
    }
  }
}

}  // namespace

Result run_regions(const Config& o) {
  check(o);
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<Task> tasks;
  const double Kc = static_cast<double>(o.kmax);
  for (const auto& d : o.dtypes) {
    for (double s : o.sigmas)
      for (std::uint32_t seed = 0; seed < o.seeds; ++seed)
        tasks.push_back({false, s, seed, d, 2.6 * Kc * (30 + 7.5 * s) + 3000 * (1 + s)});
    if (o.heat)
      for (double g : o.gaps)
        for (std::uint32_t seed = 0; seed < o.heat_seeds; ++seed)
          tasks.push_back({true, g, seed, d, 2.6 * Kc * (30 + 2.5 * g)});
  }
  std::stable_sort(tasks.begin(), tasks.end(), [](const Task& a, const Task& b) { return a.cost > b.cost; });
  double total = 0;
  for (const auto& t : tasks) total += t.cost;
  bench::Progress bar(total, o.progress, "regions");
  Result res;
  res.tasks = tasks.size();
  std::mutex m;
#if defined(_OPENMP)
  const int nt = o.threads > 0 ? o.threads : omp_get_max_threads();
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
#endif
  for (std::ptrdiff_t i = 0; i < static_cast<std::ptrdiff_t>(tasks.size()); ++i) {
    const Task& t = tasks[i];
    std::vector<HeatRow> h;
    std::vector<DimRow> d;
    try {
      if (t.cluster) {
        if (t.dtype == "f64") run_gap<double>(o, t, h);
        else run_gap<float>(o, t, h);
      } else {
        if (t.dtype == "f64") run_protocol<double>(o, t, h, d);
        else run_protocol<float>(o, t, h, d);
      }
    } catch (const std::exception& e) {
      std::lock_guard<std::mutex> l(m);
      ++res.failures;
      std::fprintf(stderr, "\nregions: task %s=%g seed %u %s failed: %s\n", t.cluster ? "gap" : "sigma", t.param,
                   t.seed, t.dtype.c_str(), e.what());
      continue;
    }
    {
      std::lock_guard<std::mutex> l(m);
      auto& H = t.cluster ? res.heat_gap : res.heat_sigma;
      H.insert(H.end(), h.begin(), h.end());
      res.dims.insert(res.dims.end(), d.begin(), d.end());
    }
    bar.add(t.cost, 1);
  }
  bar.finish();
  res.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto sort_heat = [](std::vector<HeatRow>& v) {
    std::sort(v.begin(), v.end(), [](const HeatRow& a, const HeatRow& b) {
      return std::tie(a.algo, a.dtype, a.param, a.K, a.seed) < std::tie(b.algo, b.dtype, b.param, b.K, b.seed);
    });
  };
  sort_heat(res.heat_sigma);
  sort_heat(res.heat_gap);
  std::sort(res.dims.begin(), res.dims.end(), [](const DimRow& a, const DimRow& b) {
    return std::tie(a.algo, a.dtype, a.sigma, a.seed) < std::tie(b.algo, b.dtype, b.sigma, b.seed);
  });
  return res;
}

const std::vector<PublishedPoint>& published_points() {
  static const std::vector<PublishedPoint> p{
      {"closed-form-scaled/f64", 0.01, 7.5, false, true}, {"closed-form-scaled/f64", 0.1, 9.5, false, true},
      {"closed-form-scaled/f64", 1, 15, false, true},     {"closed-form-scaled/f64", 10, 33, false, true},
      {"closed-form-scaled/f64", 32, 40, true, true},     {"closed-form-scaled/f32", 0.01, 4, false, true},
      {"closed-form-scaled/f32", 1, 9, false, true},      {"closed-form-scaled/f32", 10, 22, false, true},
      {"inverse-laplace-de-hoog/f64", 0.01, 29, false, false}, {"inverse-laplace-de-hoog/f64", 0.1, 29, false, false},
      {"inverse-laplace-de-hoog/f64", 1, 29, false, false},    {"inverse-laplace-de-hoog/f64", 10, 4, false, false}};
  return p;
}

std::map<std::string, std::map<double, double>> medians(const Result& r) {
  std::map<std::string, std::map<double, std::vector<double>>> by;
  for (const auto& d : r.dims) by[d.algo + "/" + d.dtype][d.sigma].push_back(static_cast<double>(d.K));
  std::map<std::string, std::map<double, double>> out;
  for (const auto& [k, bys] : by)
    for (const auto& [s, v] : bys) out[k][s] = measures::median(v);
  return out;
}

void write_regions(const Config& o, const Result& r) {
  namespace fs = std::filesystem;
  fs::create_directories(o.out);
  const std::string dir = o.out + "/";
  using io::format_error;
  using io::format_g;
  auto heat_csv = [](const char* pname, const std::vector<HeatRow>& v) {
    std::string s = std::string("algo,dtype,") + pname + ",K,seed,err_A,rel_err_logC\n";
    for (const auto& h : v)
      s += h.algo + ',' + h.dtype + ',' + format_g(h.param) + ',' + std::to_string(h.K) + ',' + std::to_string(h.seed) +
           ',' + format_error(h.err_A) + ',' + format_error(h.rel_logC) + '\n';
    return s;
  };
  io::write_text(dir + "heat_sigma.csv", heat_csv("sigma", r.heat_sigma));
  io::write_text(dir + "heat_gap.csv", heat_csv("gap", r.heat_gap));
  std::string s = "algo,dtype,sigma,seed,K_max,reached_kmax\n";
  for (const auto& d : r.dims)
    s += d.algo + ',' + d.dtype + ',' + format_g(d.sigma) + ',' + std::to_string(d.seed) + ',' + std::to_string(d.K) + ',' +
         (d.capped ? "1" : "0") + '\n';
  io::write_text(dir + "max_dimension.csv", s);
  // medians (and the seed count of each)
  std::map<std::string, std::map<double, std::size_t>> count;
  for (const auto& d : r.dims) ++count[d.algo + "/" + d.dtype][d.sigma];
  const auto med = medians(r);
  s = "algo,dtype,sigma,median_K,seeds,kmax\n";
  for (const auto& [k, bys] : med) {
    const auto slash = k.find('/');
    for (const auto& [sg, m] : bys)
      s += k.substr(0, slash) + ',' + k.substr(slash + 1) + ',' + format_g(sg) + ',' + format_g(m) + ',' +
           std::to_string(count[k][sg]) + ',' + std::to_string(o.kmax) + '\n';
  }
  io::write_text(dir + "max_dimension_median.csv", s);
  s = fmt::format(
      "{{\n  \"protocol\": \"z=(eta,0), eta~N(0,sigma^2 I_{{K-1}}) fresh per (seed,K); rel. error of "
      "logC=LSE-A < 1%; every K'<=K checked up to {}, beyond: doubling grid to {} with bisection; "
      "median over {} seeds\",\n",
      o.exhaustive, o.kmax, o.seeds);
  s += fmt::format("  \"kmax\": {},\n  \"exhaustive\": {},\n  \"seeds\": {},\n  \"wall_s\": {:.1f},\n", o.kmax,
                   o.exhaustive, o.seeds, r.wall_s);
  s += "  \"max_dimension\": {";
  bool first = true;
  for (const auto& [k, bys] : med) {
    s += std::string(first ? "" : ",") + "\n    \"" + k + "\": {";
    first = false;
    bool f2 = true;
    for (const auto& [sg, m] : bys) {
      s += std::string(f2 ? "" : ", ") + "\"" + format_g(sg) + "\": " + format_g(m);
      f2 = false;
    }
    s += "}";
  }
  s += "\n  },\n";
  // published points (docs/design.md §3, read off the 2022 notebook's figure, +-1)
  s += "  \"published\": {";
  std::string key;
  for (const PublishedPoint& p : published_points()) {
    if (p.key != key) {
      s += std::string(key.empty() ? "" : "},") + "\n    \"" + p.key + "\": {";
      key = p.key;
    } else {
      s += ", ";
    }
    s += "\"" + format_g(p.sigma) + "\": " + format_g(p.K);
  }
  s += "}\n  },\n"
       "  \"published_note\": \"docs/design.md §3: read off the 2022 notebook's figure (+-1); "
       "closed-form-scaled f64 at sigma >= 32 is '>= 40'\"\n}\n";
  io::write_text(dir + "max_dimension.json", s);
}

}  // namespace ccnorm::regions
