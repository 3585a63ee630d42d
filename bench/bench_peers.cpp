// ccnorm bench: the peers on identical f64 rows: scipy.linalg.expm and mpmath in a subprocess
// (bench/peers/peers.py), Eigen (opitz-expm), auto and auto+mean in process, and DivDiff value and
// value+mean (bench/peers/divdiff_peer.hpp) in process when built with CCNORM_DIVDIFF_DIR; time per
// row (median) and err_A against the same reference as the accuracy columns.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <stdexcept>

#include <fmt/format.h>

#include "bench/bench_internal.hpp"
#ifdef CCNORM_HAVE_DIVDIFF
#include "bench/peers/divdiff_peer.hpp"
#endif
#include "io/format.hpp"
#include "measures/mpfr.hpp"

namespace ccnorm::bench {

namespace {

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char ch : s) {
    if (ch == '\'') q += "'\\''";
    else q += ch;
  }
  return q + "'";
}

// Error of a peer's A given as a decimal string (parsed at 201 bits; never rounded to double).
double err_of_string(const std::string& s, const RefRow& rr, double u, bool& finite) {
  finite = false;
  measures::mp200 a;
  try {
    a = measures::parse_decimal(s);
  } catch (const std::invalid_argument&) {
    return measures::kFailed;
  }
  finite = true;
  // |peer - reference| / (u max(1, |reference|)), both held at >= 201 bits.
  return measures::err_value(a, rr.certified ? measures::to_mp200(rr.A) : measures::mp200(rr.Ap), u);
}

}  // namespace

std::vector<PeerResult> run_peers(const Options& o, const std::vector<std::size_t>& Ks,
                                  const std::vector<double>& sigmas, Pools& pools, RefCache& refs,
                                  const std::string& tmpdir) {
  if (o.python.empty() || o.peers_script.empty())
    throw std::invalid_argument("the peers need Options::python and Options::peers_script");
  std::vector<PeerResult> out;
  std::regex re;
  bool neg = false, have_re = false;
  if (!o.filter.empty()) {
    std::string f = o.filter;
    if (f[0] == '-') {
      neg = true;
      f = f.substr(1);
    }
    re = std::regex(f);
    have_re = true;
  }
  const double u = 0x1p-53;
  for (std::size_t K : Ks)
    for (double sigma : sigmas) {
      struct P {
        const char* name;
        std::size_t maxK;
      };
      std::vector<P> peers{P{"scipy-expm", 1000}, P{"mpmath", 100}, P{"opitz-expm", 1000}, P{"auto", 100000},
                           P{"auto+mean", 100000}};
#ifdef CCNORM_HAVE_DIVDIFF
      // O(spread K^2): 3 s per row at K = 10^4, sigma = 1; the mean adds one node K times
      peers.push_back(P{"divdiff", 10000});
      peers.push_back(P{"divdiff+mean", 1000});
#endif
      for (P p : peers) {
        const std::string pname = fmt::format("peer/{}/f64/K:{}/sigma:{}", p.name, K, io::format_g(sigma));
        if (have_re && (std::regex_search(pname, re) == neg)) continue;
        PeerResult pr;
        pr.peer = p.name;
        pr.K = K;
        pr.sigma = sigma;
        if (K > p.maxK) {
          const std::string nm(p.name);
          pr.note = fmt::format("skipped above K={} ({})", p.maxK,
                                nm == "mpmath"                ? "O(K^2) Python arbitrary precision"
                                : nm.rfind("divdiff", 0) == 0 ? "O(spread K^2) per row"
                                                              : "O(K^3)");
          out.push_back(pr);
          continue;
        }
        // the same first n rows of the pool for every peer at this (K, sigma)
        std::size_t n = K <= 32 ? 16 : K <= 100 ? 8 : K <= 316 ? 4 : 2;
        n = std::min(n, RefCache::rows_for(K, sigma, o.acc_rows));
        pr.rows = n;
        std::vector<std::string> Avals(n);
        std::vector<double> times(n, std::nan(""));
        const std::string name(p.name);
        if (name == "scipy-expm" || name == "mpmath") {
          const std::string in = tmpdir + "/peer_in.txt", outf = tmpdir + "/peer_out.txt";
          {
            std::ofstream f(in);
            for (std::size_t r = 0; r < n; ++r) {
              std::vector<double> z = refs.row_d(false, K, sigma, r);
              for (std::size_t j = 0; j < K; ++j) f << (j ? "," : "") << fmt::format("{:a}", z[j]);
              f << "\n";
            }
            if (!f.flush()) throw std::runtime_error("cannot write " + in);
          }
          std::filesystem::remove(outf);
          const std::string cmd = fmt::format(
              "OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 {} {} --method {} --in {} --out {}",
              shell_quote(o.python), shell_quote(o.peers_script), name == "mpmath" ? "mpmath" : "scipy", shell_quote(in),
              shell_quote(outf));
          const int rc = std::system(cmd.c_str());
          std::ifstream f(outf);
          std::string line;
          std::size_t r = 0;
          while (r < n && std::getline(f, line)) {
            auto comma = line.find(',');
            if (comma == std::string::npos) break;
            Avals[r] = line.substr(0, comma);
            times[r] = std::strtod(line.c_str() + comma + 1, nullptr);
            ++r;
          }
          if (rc != 0 || r != n) {
            pr.note = fmt::format("peer process failed (exit {}, {} of {} rows)", rc, r, n);
            pr.rows = r;
            n = r;
          }
        } else {
          // in process: one warm-up call, then the median of up to 5 timed calls on each row
          std::function<double(const double*)> eval;
          std::vector<double> mu(K);
          const bool with_mean = name == "auto+mean" || name == "divdiff+mean";
          if (name.rfind("divdiff", 0) == 0) {
#ifdef CCNORM_HAVE_DIVDIFF
            divdiff_peer::reserve(K);  // capacity K + 2, not the shipped 10001
            if (with_mean) eval = [&](const double* z) { return divdiff_peer::log_value_mean(z, K, mu.data()); };
            else eval = [&](const double* z) { return divdiff_peer::log_value(z, K); };
#endif
          } else {
            Fn<double> fn = function_for<double>(with_mean ? std::string("auto") : name);
            eval = [&, fn](const double* z) { return fn(z, K, with_mean ? mu.data() : nullptr).A; };
          }
          const auto& pool = pools.f64(K, sigma);
          for (std::size_t r = 0; r < n; ++r) {
            const double* z = pool.data() + r * K;
            auto t0 = std::chrono::steady_clock::now();
            static volatile double sink;
            double A = eval(z);
            const double warm = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
            std::vector<double> ts;
            const int reps = warm > 1e8 ? 1 : 5;
            for (int t = 0; t < reps; ++t) {
              t0 = std::chrono::steady_clock::now();
              A = eval(z);
              sink = A;  // (a volatile store: benchmark::DoNotOptimize on a double lvalue lost its value here)
              benchmark::ClobberMemory();
              auto t1 = std::chrono::steady_clock::now();
              ts.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count());
            }
            times[r] = measures::median(ts);
            Avals[r] = std::isfinite(A) ? fmt::format("{:.17g}", A) : "nan";
          }
        }
        bool allcert = true;
        double maxe = 0;
        std::vector<double> tv;
        for (std::size_t r = 0; r < n; ++r) {
          const RefRow& rr = refs.get(false, K, sigma, r, false);
          allcert = allcert && rr.certified;
          bool finite = false;
          const double e = err_of_string(Avals[r], rr, u, finite);
          if (!finite) ++pr.nonfinite;
          maxe = std::max(maxe, e);
          if (std::isfinite(times[r])) tv.push_back(times[r]);
        }
        pr.median_ns = measures::median(tv);
        pr.max_err_A = n ? maxe : std::nan("");
        pr.ref = allcert ? "certified" : "auto-precise (not certified)";
        out.push_back(pr);
      }
    }
  return out;
}

}  // namespace ccnorm::bench
