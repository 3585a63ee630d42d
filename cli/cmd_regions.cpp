// ccnorm regions: stability regions of every algorithm and dtype.
//  (i)  the 2022 paper's "max computable dimension" vs sigma (DESIGN.md section 3 protocol):
//       z = (eta, 0), eta ~ N(0, sigma^2 I_{K-1}) (a fresh draw per (seed, K), generator shared
//       with tests/test_baselines.cpp), relative error of log C = LSE - A below 1 %, largest K such
//       that every checked K' <= K passes, median over the seeds.
//       Search (error is not monotone in K): every K' = 2..E (E = 64 by default) is checked; beyond E
//       only the doubling grid 2E, 4E, ... and Kmax (10^4 by default) is checked, and when an
//       algorithm first fails at a grid point G after passing at the previous grid point P, the
//       boundary is bisected between P and G (one fresh row per bisection point). So beyond E the
//       "every K' <= K" clause is sampled, not exhaustive. A seed that passes Kmax counts as Kmax.
//  (ii) heat maps of err_A (DESIGN section 3) over (K, sigma) on the same protocol rows (every
//       algorithm evaluated at K in {2,3,4,6,8,11,16,23,32,45,64} and the doubling grid, first H seeds)
//       and over (K, cluster gap) on clustered rows (sweep.hpp cluster_row: 3 clusters, centres
//       gap apart, nodes centre + w N(0,1), w = 1e-3).
// Reference: ccnorm::ref::certified (value only), differences in 201-bit MPFR (never rounded).
// Outputs (DIR): max_dimension.csv (per seed), max_dimension_median.csv, max_dimension.json
// (medians + published points),
// heat_sigma.csv, heat_gap.csv, regions_meta.json.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "bench/sweep/args.hpp"
#include "bench/sweep/sweep_run.hpp"
#include "cli/command.hpp"

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace {

using namespace ccnorm::sweep;
using ccnorm::Algo;

const char* kHelp =
    "usage: ccnorm regions [--quick] [--out DIR] [--sigmas s,..] [--seeds N] [--kmax K]\n"
    "                      [--exhaustive E] [--heat-seeds H] [--gaps g,..] [--algos A,..]\n"
    "                      [--dtypes f64,f32] [--threads N] [--no-heat]\n"
    "\n"
    "(i) max computable dimension vs sigma (DESIGN.md section 3 protocol: z = (eta, 0), relative\n"
    "error of log C below 1 %, every K' <= K, median over seeds), K searched up to Kmax: every K\n"
    "up to E, then the doubling grid 2E, 4E, .., Kmax with bisection at the first failure (beyond E\n"
    "the every-K' clause is sampled). (ii) err_A over (K, sigma) and over (K, cluster gap).\n"
    "\n"
    "  default: sigmas 0.01,0.0316,0.1,0.316,1,3.16,10,31.6,100,1000; seeds 10; kmax 10000;\n"
    "           exhaustive 64; heat-seeds 1; gaps 0.01,0.1,1,10,100,1000; all algorithms; f64,f32\n"
    "  --quick  sigmas 0.01,0.1,1,10,32,100,1000; seeds 5; kmax 2048; heat-seeds 1;\n"
    "           gaps 0.01,1,100\n"
    "  --out DIR  default regions/: max_dimension.csv (per seed), max_dimension_median.csv,\n"
    "             max_dimension.json (medians, published points), heat_sigma.csv, heat_gap.csv\n";

struct Opts {
  std::vector<double> sigmas{0.01, 0.0316, 0.1, 0.316, 1, 3.16, 10, 31.6, 100, 1000};
  std::uint32_t seeds = 10, heat_seeds = 1;
  std::size_t kmax = 10000, exhaustive = 64;
  std::vector<double> gaps{0.01, 0.1, 1, 10, 100, 1000};
  std::vector<Algo> algos = all_algos();
  std::vector<std::string> dtypes{"f64", "f32"};
  int threads = 0;
  bool heat = true;
  std::string out = "regions";
};

const std::vector<std::size_t> kSmallHeat{2, 3, 4, 6, 8, 11, 16, 23, 32, 45, 64};

// The grid beyond E: 2E, 4E, ..., and kmax.
std::vector<std::size_t> big_grid(const Opts& o) {
  std::vector<std::size_t> g;
  for (std::size_t k = 2 * o.exhaustive; k < o.kmax; k *= 2) g.push_back(k);
  if (o.kmax > o.exhaustive) g.push_back(o.kmax);
  return g;
}

struct Task {
  bool cluster;     // false: protocol rows (max dimension + heat over sigma); true: heat over gap
  double param;     // sigma or gap
  std::uint32_t seed;
  std::string dtype;
  double cost;
};

struct HeatRow {
  std::string algo, dtype;
  double param;
  std::size_t K;
  std::uint32_t seed;
  double err_A, rel_logC;
};
struct DimRow {
  std::string algo, dtype;
  double sigma;
  std::uint32_t seed;
  std::size_t K;
  bool capped;
};

struct Eval {
  double err_A, rel;
};

template <class T>
Eval eval_one(Algo a, const std::vector<T>& z, const RefMP& r) {
  const Errors e = measure<T>(a, z, r, false);
  return {e.err_A, rel_err_logC(e.logC, r.logC)};
}

template <class T>
void run_protocol(const Opts& o, const Task& t, std::vector<HeatRow>& heat, std::vector<DimRow>& dims) {
  const double sigma = t.param;
  const bool do_heat = o.heat && t.seed < o.heat_seeds;
  const std::size_t nA = o.algos.size();
  std::vector<bool> alive(nA, true);
  std::vector<std::size_t> best(nA, o.kmax);
  auto row = [&](std::size_t K) {
    const auto zt = as<T>(protocol_row(sigma, t.seed, K));
    return zt;
  };
  auto ref_of = [&](const std::vector<T>& zt) { return reference(as<double>(zt), false); };
  auto heat_at = [&](std::size_t K) {
    return do_heat && (std::find(kSmallHeat.begin(), kSmallHeat.end(), K) != kSmallHeat.end() || K > o.exhaustive);
  };
  auto record_heat = [&](Algo a, std::size_t K, const Eval& e) {
    heat.push_back({ccnorm::algo_name(a), t.dtype, sigma, K, t.seed, e.err_A, e.rel});
  };
  // exhaustive stage
  for (std::size_t K = 2; K <= std::min(o.exhaustive, o.kmax); ++K) {
    const bool h = heat_at(K);
    bool any = false;
    for (std::size_t a = 0; a < nA; ++a) any = any || alive[a];
    if (!any && !h) {
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
    bool any = false;
    for (std::size_t a = 0; a < nA; ++a) any = any || alive[a];
    if (!any && !do_heat) break;
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
  for (std::size_t a = 0; a < nA; ++a)
    dims.push_back({ccnorm::algo_name(o.algos[a]), t.dtype, sigma, t.seed, best[a], alive[a]});
}

template <class T>
void run_gap(const Opts& o, const Task& t, std::vector<HeatRow>& heat) {
  std::vector<std::size_t> Ks;
  for (std::size_t K : kSmallHeat)
    if (K <= o.kmax) Ks.push_back(K);
  for (std::size_t K : big_grid(o)) Ks.push_back(K);
  for (std::size_t K : Ks) {
    const auto z = as<T>(cluster_row(K, t.param, 1e-3, t.seed));
    const RefMP r = reference(as<double>(z), false);
    for (Algo a : o.algos) {
      const Eval e = eval_one<T>(a, z, r);
      heat.push_back({ccnorm::algo_name(a), t.dtype, t.param, K, t.seed, e.err_A, e.rel});
    }
  }
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

int cmd_regions(int argc, char** argv) {
  if (ccnorm::cli::wants_help(argc, argv)) {
    std::fputs(kHelp, stdout);
    return 0;
  }
  Opts o;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      if (a == "--quick") {
        o.sigmas = {0.01, 0.1, 1, 10, 32, 100, 1000};
        o.seeds = 5;
        o.kmax = 2048;
        o.heat_seeds = 1;
        o.gaps = {0.01, 1, 100};
      } else if (a == "--out") o.out = value_of(argc, argv, i);
      else if (a == "--sigmas") o.sigmas = doubles_arg(value_of(argc, argv, i));
      else if (a == "--seeds") o.seeds = static_cast<std::uint32_t>(sizes_arg(value_of(argc, argv, i)).at(0));
      else if (a == "--heat-seeds") o.heat_seeds = static_cast<std::uint32_t>(std::stoul(value_of(argc, argv, i)));
      else if (a == "--kmax") o.kmax = sizes_arg(value_of(argc, argv, i)).at(0);
      else if (a == "--exhaustive") o.exhaustive = sizes_arg(value_of(argc, argv, i)).at(0);
      else if (a == "--gaps") o.gaps = doubles_arg(value_of(argc, argv, i));
      else if (a == "--algos") o.algos = algos_arg(value_of(argc, argv, i));
      else if (a == "--dtypes") o.dtypes = list_arg(value_of(argc, argv, i));
      else if (a == "--threads") o.threads = std::stoi(value_of(argc, argv, i));
      else if (a == "--no-heat") o.heat = false;
      else throw std::invalid_argument("unknown option " + a);
    }
    for (const auto& d : o.dtypes)
      if (d != "f64" && d != "f32") throw std::invalid_argument("dtype must be f64 or f32: " + d);
    if (o.kmax < 2) throw std::invalid_argument("--kmax must be >= 2");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ccnorm regions: %s\n", e.what());
    return 2;
  }
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
  Progress bar(total, true, "regions");
  std::vector<HeatRow> heat_s, heat_g;
  std::vector<DimRow> dims;
  std::mutex m;
  std::size_t failures = 0;
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
      ++failures;
      std::fprintf(stderr, "\nregions: task %s=%g seed %u %s failed: %s\n", t.cluster ? "gap" : "sigma", t.param,
                   t.seed, t.dtype.c_str(), e.what());
      continue;
    }
    {
      std::lock_guard<std::mutex> l(m);
      auto& H = t.cluster ? heat_g : heat_s;
      H.insert(H.end(), h.begin(), h.end());
      dims.insert(dims.end(), d.begin(), d.end());
    }
    bar.add(t.cost, 1);
  }
  bar.finish();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  std::filesystem::create_directories(o.out);
  auto sort_heat = [](std::vector<HeatRow>& v) {
    std::sort(v.begin(), v.end(), [](const HeatRow& a, const HeatRow& b) {
      return std::tie(a.algo, a.dtype, a.param, a.K, a.seed) < std::tie(b.algo, b.dtype, b.param, b.K, b.seed);
    });
  };
  sort_heat(heat_s);
  sort_heat(heat_g);
  std::sort(dims.begin(), dims.end(), [](const DimRow& a, const DimRow& b) {
    return std::tie(a.algo, a.dtype, a.sigma, a.seed) < std::tie(b.algo, b.dtype, b.sigma, b.seed);
  });
  auto write_heat = [&](const std::string& name, const char* pname, const std::vector<HeatRow>& v) {
    std::FILE* f = std::fopen((o.out + "/" + name).c_str(), "w");
    if (!f) throw std::runtime_error("cannot write " + o.out + "/" + name);
    std::fprintf(f, "algo,dtype,%s,K,seed,err_A,rel_err_logC\n", pname);
    for (const auto& r : v)
      std::fprintf(f, "%s,%s,%s,%zu,%u,%s,%s\n", r.algo.c_str(), r.dtype.c_str(), fmt_g(r.param).c_str(), r.K, r.seed,
                   fmt_err(r.err_A).c_str(), fmt_err(r.rel_logC).c_str());
    std::fclose(f);
  };
  try {
    write_heat("heat_sigma.csv", "sigma", heat_s);
    write_heat("heat_gap.csv", "gap", heat_g);
    std::FILE* f = std::fopen((o.out + "/max_dimension.csv").c_str(), "w");
    if (!f) throw std::runtime_error("cannot write max_dimension.csv");
    std::fprintf(f, "algo,dtype,sigma,seed,K_max,reached_kmax\n");
    for (const auto& r : dims)
      std::fprintf(f, "%s,%s,%s,%u,%zu,%d\n", r.algo.c_str(), r.dtype.c_str(), fmt_g(r.sigma).c_str(), r.seed, r.K,
                   r.capped ? 1 : 0);
    std::fclose(f);
    // medians
    std::map<std::string, std::map<double, std::vector<double>>> med;
    for (const auto& r : dims) med[r.algo + "/" + r.dtype][r.sigma].push_back(static_cast<double>(r.K));
    f = std::fopen((o.out + "/max_dimension_median.csv").c_str(), "w");
    if (!f) throw std::runtime_error("cannot write max_dimension_median.csv");
    std::fprintf(f, "algo,dtype,sigma,median_K,seeds,kmax\n");
    for (const auto& [k, bys] : med) {
      const auto slash = k.find('/');
      for (const auto& [s, v] : bys)
        std::fprintf(f, "%s,%s,%s,%g,%zu,%zu\n", k.substr(0, slash).c_str(), k.substr(slash + 1).c_str(),
                     fmt_g(s).c_str(), median(v), v.size(), o.kmax);
    }
    std::fclose(f);
    f = std::fopen((o.out + "/max_dimension.json").c_str(), "w");
    if (!f) throw std::runtime_error("cannot write max_dimension.json");
    std::fprintf(f, "{\n  \"protocol\": \"z=(eta,0), eta~N(0,sigma^2 I_{K-1}) fresh per (seed,K); rel. error of "
                    "logC=LSE-A < 1%%; every K'<=K checked up to %zu, beyond: doubling grid to %zu with bisection; "
                    "median over %u seeds\",\n",
                 o.exhaustive, o.kmax, o.seeds);
    std::fprintf(f, "  \"kmax\": %zu,\n  \"exhaustive\": %zu,\n  \"seeds\": %u,\n  \"wall_s\": %.1f,\n", o.kmax,
                 o.exhaustive, o.seeds, wall);
    std::fprintf(f, "  \"max_dimension\": {");
    bool first = true;
    for (const auto& [k, bys] : med) {
      std::fprintf(f, "%s\n    \"%s\": {", first ? "" : ",", k.c_str());
      first = false;
      bool f2 = true;
      for (const auto& [s, v] : bys) {
        std::fprintf(f, "%s\"%s\": %g", f2 ? "" : ", ", fmt_g(s).c_str(), median(v));
        f2 = false;
      }
      std::fprintf(f, "}");
    }
    std::fprintf(f, "\n  },\n");
    // published points (DESIGN.md section 3, read off the 2022 notebook's figure, +-1)
    std::fprintf(f,
                 "  \"published\": {\n"
                 "    \"closed-form-scaled/f64\": {\"0.01\": 7.5, \"0.1\": 9.5, \"1\": 15, \"10\": 33, \"32\": 40},\n"
                 "    \"closed-form-scaled/f32\": {\"0.01\": 4, \"1\": 9, \"10\": 22},\n"
                 "    \"inverse-laplace-de-hoog/f64\": {\"0.01\": 29, \"0.1\": 29, \"1\": 29, \"10\": 4}\n"
                 "  },\n"
                 "  \"published_note\": \"DESIGN.md section 3: read off the 2022 notebook's figure (+-1); "
                 "closed-form-scaled f64 at sigma >= 32 is '>= 40'\"\n}\n");
    std::fclose(f);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ccnorm regions: %s\n", e.what());
    return 1;
  }
  std::fprintf(stderr, "regions: %zu tasks in %.1f s -> %s/\n", tasks.size(), wall, o.out.c_str());
  return failures ? 1 : 0;
}

}  // namespace

CCNORM_COMMAND("regions", "stability regions: max computable dimension vs sigma, error heat maps", cmd_regions);
