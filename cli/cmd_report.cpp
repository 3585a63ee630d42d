// ccnorm report: runs the default configuration of sweep + regions + bench + plots and writes
// DIR/report.md, DIR/report.html (self-contained: PNGs inlined as base64 data URIs), the PNGs and
// DIR/summary.json (DESIGN.md section 4 keys). Every table is generated from the CSV/JSON files
// the stages wrote; nothing is typed in.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <ccnorm/build_info.hpp>

#include "bench/sweep/args.hpp"
#include "bench/sweep/sweep_run.hpp"
#include "cli/command.hpp"
#include "io/resources.hpp"

namespace fs = std::filesystem;

namespace {

using namespace ccnorm::sweep;

const char* kHelp =
    "usage: ccnorm report [--quick] [--out DIR] [--threads N] [--no-bench] [--resume]\n"
    "                     [--plots DIR] [--python PATH]\n"
    "\n"
    "Runs the suite's default configuration and writes DIR/report.md, DIR/report.html (self-\n"
    "contained), PNG figures and DIR/summary.json (keys: max_dimension, accuracy, throughput,\n"
    "environment; DESIGN.md section 4). Stages (their raw outputs stay in DIR):\n"
    "  sweep    DIR/sweep.csv (+ sweep.worst.csv)      ccnorm sweep, all algorithms, f64+f32,\n"
    "           all families; default K 2,3,5,10,32,100,316,1000, sigma 0.01,1,10,100, 2 seeds;\n"
    "           --quick K 2,3,5,10,32,100,316, sigma 0.01,1,10, 2 seeds\n"
    "  regions  DIR/regions/                           ccnorm regions [--quick]\n"
    "  bench    DIR/bench/bench.json, bench_ratios.csv  ccnorm bench [--quick] --json (if built);\n"
    "           bench_gpu.csv: the GPU family where a device exists, else the reason (\"no GPU: ...\")\n"
    "  plots    DIR/*.png                              plots/*.py with /usr/bin/python3\n"
    "Default: about 10-15 minutes on 2 cores; --quick: about 3 minutes.\n"
    "  --out DIR     default report\n"
    "  --no-bench    skip the throughput stage (tables from an earlier run in DIR/bench are\n"
    "                reused and marked so; otherwise reported as not available)\n"
    "  --resume      keep an existing DIR/sweep.csv and finish it (default: start afresh)\n"
    "  --plots DIR   the plot scripts (default: plots/ in ccnorm's data directory: $CCNORM_DATA_DIR,\n"
    "                else <prefix>/share/ccnorm next to an installed ccnorm, else build/share/ccnorm)\n"
    "  --python P    interpreter for the plots (default /usr/bin/python3)\n";

// ------------------------------------------------------------------ small utilities
double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Run argv (no shell), stdout+stderr appended to log (if not empty). Returns the exit status.
int run_cmd(const std::vector<std::string>& args, const std::string& log) {
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    if (!log.empty()) {
      std::FILE* f = std::fopen(log.c_str(), "a");
      if (f) {
        dup2(fileno(f), 1);
        dup2(fileno(f), 2);
      }
    }
    std::vector<char*> av;
    for (const auto& a : args) av.push_back(const_cast<char*>(a.c_str()));
    av.push_back(nullptr);
    execv(av[0], av.data());
    _exit(127);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// CSV with a header row; fields may be double-quoted ("" escapes a quote).
std::vector<std::map<std::string, std::string>> read_table(const std::string& path) {
  std::vector<std::map<std::string, std::string>> out;
  std::ifstream in(path);
  if (!in) return out;
  auto parse = [](const std::string& line) {
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
  };
  std::string line;
  std::vector<std::string> head;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto f = parse(line);
    if (head.empty()) {
      head = f;
      continue;
    }
    std::map<std::string, std::string> r;
    for (std::size_t i = 0; i < head.size(); ++i) r[head[i]] = i < f.size() ? f[i] : "";
    out.push_back(std::move(r));
  }
  return out;
}

std::string jstr(const std::string& s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\', o += c;
    else if (c == '\n') o += "\\n";
    else if (static_cast<unsigned char>(c) < 0x20) {
      char b[8];
      std::snprintf(b, sizeof b, "\\u%04x", c);
      o += b;
    } else o += c;
  }
  return o + "\"";
}
// JSON number; non-finite as the string "inf" (JSON has no infinity).
std::string jnum(double x) {
  if (std::isnan(x)) return "null";
  if (std::isinf(x)) return x > 0 ? "\"inf\"" : "\"-inf\"";
  char b[40];
  std::snprintf(b, sizeof b, "%.6g", x);
  return b;
}
std::string g3(double x) {
  if (std::isinf(x)) return "inf";
  if (std::isnan(x)) return "-";
  char b[40];
  std::snprintf(b, sizeof b, "%.3g", x);
  return b;
}
std::string secs(double s) {
  char b[40];
  std::snprintf(b, sizeof b, "%.1f s", s);
  return b;
}

std::string base64(const std::string& in) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string o;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    o += t[v >> 18], o += t[(v >> 12) & 63], o += t[(v >> 6) & 63], o += t[v & 63];
  }
  if (i + 1 == in.size()) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16;
    o += t[v >> 18], o += t[(v >> 12) & 63], o += "==";
  } else if (i + 2 == in.size()) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    o += t[v >> 18], o += t[(v >> 12) & 63], o += t[(v >> 6) & 63], o += '=';
  }
  return o;
}

// least squares slope of log y on log x
double loglog_slope(const std::vector<std::pair<double, double>>& p) {
  if (p.size() < 2) return std::nan("");
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (auto [x, y] : p) {
    const double lx = std::log(x), ly = std::log(y);
    sx += lx, sy += ly, sxx += lx * lx, sxy += lx * ly;
  }
  const double n = static_cast<double>(p.size());
  const double d = n * sxx - sx * sx;
  return d == 0 ? std::nan("") : (n * sxy - sx * sy) / d;
}

// ------------------------------------------------------------------ document model
struct Block {
  enum Kind { H, P, Table, Img, Pre } kind;
  int level = 2;
  std::string text;
  std::vector<std::string> head;
  std::vector<std::vector<std::string>> rows;
};

struct Doc {
  std::vector<Block> b;
  void h(int l, const std::string& t) { b.push_back({Block::H, l, t, {}, {}}); }
  void p(const std::string& t) { b.push_back({Block::P, 0, t, {}, {}}); }
  void pre(const std::string& t) { b.push_back({Block::Pre, 0, t, {}, {}}); }
  void img(const std::string& file, const std::string& cap) { b.push_back({Block::Img, 0, file + "\n" + cap, {}, {}}); }
  void table(std::vector<std::string> head, std::vector<std::vector<std::string>> rows) {
    b.push_back({Block::Table, 0, "", std::move(head), std::move(rows)});
  }

  std::string md() const {
    std::string o;
    for (const auto& x : b) {
      switch (x.kind) {
        case Block::H: o += std::string(x.level, '#') + ' ' + x.text + "\n\n"; break;
        case Block::P: o += x.text + "\n\n"; break;
        case Block::Pre: o += "```\n" + x.text + "\n```\n\n"; break;
        case Block::Img: {
          const auto nl = x.text.find('\n');
          o += "![" + x.text.substr(nl + 1) + "](" + x.text.substr(0, nl) + ")\n\n*" + x.text.substr(nl + 1) + "*\n\n";
          break;
        }
        case Block::Table: {
          auto cell = [](std::string s) {
            for (std::size_t i = 0; (i = s.find('|', i)) != std::string::npos; i += 2) s.replace(i, 1, "\\|");
            return s;
          };
          o += "|";
          for (const auto& c : x.head) o += ' ' + cell(c) + " |";
          o += "\n|";
          for (std::size_t i = 0; i < x.head.size(); ++i) o += "---|";
          o += "\n";
          for (const auto& r : x.rows) {
            o += "|";
            for (const auto& c : r) o += ' ' + cell(c) + " |";
            o += "\n";
          }
          o += "\n";
          break;
        }
      }
    }
    return o;
  }

  static std::string esc(const std::string& s) {
    std::string o;
    for (char c : s) {
      if (c == '<') o += "&lt;";
      else if (c == '>') o += "&gt;";
      else if (c == '&') o += "&amp;";
      else if (c == '"') o += "&quot;";
      else o += c;
    }
    return o;
  }
  // `code` spans -> <code>
  static std::string inl(const std::string& s) {
    std::string e = esc(s), o;
    bool in = false;
    for (char c : e) {
      if (c == '`') {
        o += in ? "</code>" : "<code>";
        in = !in;
      } else o += c;
    }
    if (in) o += "</code>";
    return o;
  }

  std::string html(const std::string& dir, const std::string& title) const {
    std::string o =
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + esc(title) +
        "</title>\n<style>\nbody{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:1200px;"
        "margin:2em auto;padding:0 1em;color:#222;line-height:1.45}\ntable{border-collapse:collapse;margin:1em 0;"
        "font-size:0.85em}\nth,td{border:1px solid #bbb;padding:3px 7px;text-align:right}\nth{background:#eee}\n"
        "td:first-child,th:first-child{text-align:left}\ncode,pre{background:#f5f5f5;font-family:monospace}\n"
        "pre{padding:0.6em;overflow-x:auto;font-size:0.8em}\nimg{max-width:100%;border:1px solid #ddd}\n"
        "figure{margin:1.2em 0}\nfigcaption{font-style:italic;font-size:0.9em}\n</style></head><body>\n";
    for (const auto& x : b) {
      switch (x.kind) {
        case Block::H: o += "<h" + std::to_string(x.level) + ">" + inl(x.text) + "</h" + std::to_string(x.level) + ">\n"; break;
        case Block::P: o += "<p>" + inl(x.text) + "</p>\n"; break;
        case Block::Pre: o += "<pre>" + esc(x.text) + "</pre>\n"; break;
        case Block::Img: {
          const auto nl = x.text.find('\n');
          const std::string data = read_text(dir + "/" + x.text.substr(0, nl));
          o += "<figure><img alt=\"" + esc(x.text.substr(nl + 1)) + "\" src=\"data:image/png;base64," + base64(data) +
               "\"><figcaption>" + inl(x.text.substr(nl + 1)) + "</figcaption></figure>\n";
          break;
        }
        case Block::Table: {
          o += "<table><thead><tr>";
          for (const auto& c : x.head) o += "<th>" + inl(c) + "</th>";
          o += "</tr></thead><tbody>\n";
          for (const auto& r : x.rows) {
            o += "<tr>";
            for (const auto& c : r) o += "<td>" + inl(c) + "</td>";
            o += "</tr>\n";
          }
          o += "</tbody></table>\n";
          break;
        }
      }
    }
    return o + "</body></html>\n";
  }
};

// ------------------------------------------------------------------ environment
struct Env {
  std::string compiler, flags, cpu, git_sha, date;
};

Env environment() {
  Env e;
#if defined(__clang__)
  e.compiler = std::string("clang ") + __clang_version__;
#elif defined(__GNUC__)
  e.compiler = std::string("g++ ") + __VERSION__;
#else
  e.compiler = "unknown";
#endif
  // The flags as visible to the compiler (predefined macros), then those CMake used (recorded at
  // build time in <ccnorm/build_info.hpp>).
  std::string f;
#if defined(__OPTIMIZE__)
  f += "optimized (-O1 or higher)";
#else
  f += "-O0";
#endif
#if defined(NDEBUG)
  f += ", NDEBUG";
#endif
#if defined(__FAST_MATH__)
  f += ", -ffast-math(!)";
#endif
#if defined(_OPENMP)
  f += ", -fopenmp";
#endif
#if defined(__AVX512F__)
  f += ", AVX-512F";
#endif
#if defined(__AVX2__)
  f += ", AVX2";
#endif
#if defined(__FMA__)
  f += ", FMA";
#endif
  f += std::string("; CMake flags (") + ccnorm::build_info::build_type + "): " + ccnorm::build_info::cxx_flags;
  e.flags = f;
  {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line))
      if (line.rfind("model name", 0) == 0) {
        e.cpu = line.substr(line.find(':') + 2);
        break;
      }
    e.cpu += " (" + std::to_string(sysconf(_SC_NPROCESSORS_ONLN)) + " logical CPUs online)";
  }
  // the revision the binary was built from (captured at build time; no source tree is read)
  e.git_sha = ccnorm::build_info::git_sha;
  if (e.git_sha.empty()) e.git_sha = "unknown";
  else if (ccnorm::build_info::git_dirty)
    e.git_sha += " (working tree modified)";
  char b[64];
  const std::time_t t = std::time(nullptr);
  std::strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  e.date = b;
  return e;
}

// ------------------------------------------------------------------ accuracy aggregation
struct AccRow {
  std::string algo, dtype, family;
  std::size_t K = 0, n = 0;
  double max_A = 0, p99_A = 0, med_A = 0, max_mu = 0;
  std::string worst;
};

double quantile(std::vector<double> v, double q) {  // nearest-rank (inf sorts last)
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  std::size_t r = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size())));
  r = std::clamp<std::size_t>(r, 1, v.size());
  return v[r - 1];
}

int algo_rank(const std::string& a) {
  ccnorm::Algo x;
  if (!ccnorm::parse_algo(a, x)) return 99;
  return static_cast<int>(x);
}

int cmd_report(int argc, char** argv) {
  if (ccnorm::cli::wants_help(argc, argv)) {
    std::fputs(kHelp, stdout);
    return 0;
  }
  bool quick = false, no_bench = false, resume = false;
  int threads = 0;
  std::string out = "report", plots, python = "/usr/bin/python3";
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      if (a == "--quick") quick = true;
      else if (a == "--out") out = value_of(argc, argv, i);
      else if (a == "--threads") threads = std::stoi(value_of(argc, argv, i));
      else if (a == "--no-bench") no_bench = true;
      else if (a == "--resume") resume = true;
      else if (a == "--plots") plots = value_of(argc, argv, i);
      else if (a == "--python") python = value_of(argc, argv, i);
      else throw std::invalid_argument("unknown option " + a);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ccnorm report: %s\n", e.what());
    return 2;
  }
  fs::create_directories(out);
  const std::string self = fs::read_symlink("/proc/self/exe").string();
  const std::string log = out + "/report.log";
  std::remove(log.c_str());
  std::vector<std::string> problems;
  std::vector<std::pair<std::string, double>> stage_time;
  const double T0 = now_s();

  // ---- 1. sweep (in process)
  Config sc;
  sc.algos = all_algos();
  sc.out = out + "/sweep.csv";
  sc.threads = threads;
  if (quick) {
    sc.Ks = {2, 3, 5, 10, 32, 100, 316};
    sc.sigmas = {0.01, 1, 10};
    sc.seeds = 2;
  } else {
    sc.Ks = {2, 3, 5, 10, 32, 100, 316, 1000};
    sc.sigmas = {0.01, 1, 10, 100};
    sc.seeds = 2;
  }
  if (!resume) {
    std::remove(sc.out.c_str());
    std::remove(worst_path(sc.out).c_str());
  }
  std::fprintf(stderr, "report: [1/4] sweep -> %s\n", sc.out.c_str());
  double t = now_s();
  Summary ss;
  try {
    ss = run_sweep(sc);
    if (!ss.complete) problems.push_back("sweep incomplete: " + std::to_string(ss.failures) + " inputs failed");
  } catch (const std::exception& e) {
    problems.push_back(std::string("sweep failed: ") + e.what());
  }
  stage_time.push_back({"accuracy sweep (certified reference + all algorithms)", now_s() - t});

  // ---- 2. regions (subprocess)
  std::fprintf(stderr, "report: [2/4] regions -> %s/regions\n", out.c_str());
  t = now_s();
  {
    std::vector<std::string> a{self, "regions", "--out", out + "/regions"};
    if (quick) a.push_back("--quick");
    if (threads > 0) a.insert(a.end(), {"--threads", std::to_string(threads)});
    const int rc = run_cmd(a, "");
    if (rc != 0) problems.push_back("ccnorm regions exited with status " + std::to_string(rc));
  }
  stage_time.push_back({"stability regions (max dimension search + heat maps)", now_s() - t});

  // ---- 3. bench (subprocess, if the subcommand exists)
  bool have_bench = false;
  for (const auto& c : ccnorm::cli::commands()) have_bench = have_bench || std::string(c.name) == "bench";
  std::string bench_status;
  const std::string bench_dir = out + "/bench";
  t = now_s();
  if (no_bench) {
    bench_status = "throughput: not available (--no-bench)";
  } else if (!have_bench) {
    bench_status = "throughput: not available (this build has no `ccnorm bench`)";
  } else {
    std::fprintf(stderr, "report: [3/4] bench -> %s/bench.json (log: %s)\n", bench_dir.c_str(), log.c_str());
    fs::create_directories(bench_dir);
    std::remove((bench_dir + "/bench_ratios.csv").c_str());
    std::remove((bench_dir + "/bench_gpu.csv").c_str());
    std::vector<std::string> a{self, "bench", "--json", bench_dir + "/bench.json"};
    if (quick) a.push_back("--quick");
    // Full one-thread grid; the batched family only at K <= 1000 and sigma = 1 (its large-K and
    // large-sigma cases take minutes and add nothing to the all-cores-vs-one-thread comparison).
    else a.insert(a.end(), {"--K", "2,3,5,10,32,100,316,1000,3162,10000", "--sigma", "0.01,1,10,100",
                            "--min-time", "0.02", "--filter",
                            "-log_partition_batch/.*(K:3162|K:10000|sigma:0\\.01|sigma:10)"});
    if (threads > 0) a.insert(a.end(), {"--threads", std::to_string(threads)});
    const int rc = run_cmd(a, log);
    if (rc != 0) {
      problems.push_back("ccnorm bench exited with status " + std::to_string(rc) + " (see report.log)");
      bench_status = "throughput: bench failed (status " + std::to_string(rc) + ")";
    }
  }
  stage_time.push_back({"throughput benchmarks (ccnorm bench)", now_s() - t});
  auto bench = read_table(bench_dir + "/bench_ratios.csv");
  // GPU rows of the same bench run: bench_gpu.csv, whose first line is "# device: NAME; copy_GBps X"
  // or "# no GPU: <reason>" (ccnorm bench registers the GPU family only where a device exists)
  const auto gpu_rows = read_table(bench_dir + "/bench_gpu.csv");
  std::string gpu_line;
  {
    std::ifstream g(bench_dir + "/bench_gpu.csv");
    std::string l;
    if (std::getline(g, l) && l.rfind("# ", 0) == 0) gpu_line = l.substr(2);
  }
  if (gpu_line.empty()) gpu_line = bench.empty() ? "no GPU measured (no throughput stage)" : "no GPU: bench_gpu.csv missing";
  if (bench.empty() && bench_status.empty()) bench_status = "throughput: not available (no bench_ratios.csv)";

  // ---- 4. plots
  std::fprintf(stderr, "report: [4/4] plots\n");
  t = now_s();
  if (plots.empty()) {  // not given: the data directory's plots/ (io/resources.hpp)
    if (auto p = ccnorm::io::find_resource("plots")) {
      plots = p->string();
    } else {
      const std::string why = ccnorm::io::not_found_message("plots") + "; or pass --plots DIR";
      std::fprintf(stderr, "ccnorm report: %s\n", why.c_str());
      problems.push_back("plots skipped: " + why);
    }
  }
  auto plot = [&](std::vector<std::string> a) {
    if (plots.empty()) return;
    a.insert(a.begin(), {python, plots + "/" + a[0]});
    a.erase(a.begin() + 2);
    const int rc = run_cmd(a, log);
    if (rc != 0) problems.push_back(a[1] + " exited with status " + std::to_string(rc) + " (see report.log)");
  };
  if (fs::exists(sc.out)) plot({"plot_accuracy.py", sc.out, out});
  if (fs::exists(out + "/regions/max_dimension.json")) plot({"plot_regions.py", out + "/regions", out});
  if (!bench.empty()) plot({"plot_bench.py", bench_dir + "/bench_ratios.csv", out, sc.out});
  stage_time.push_back({"plots (matplotlib)", now_s() - t});

  // ---- aggregate
  t = now_s();
  std::vector<Row> rows;
  try {
    rows = load_csv(sc.out).rows;
  } catch (const std::exception& e) {
    problems.push_back(std::string("cannot read the sweep: ") + e.what());
  }
  std::map<std::tuple<int, std::string, std::string, std::size_t>, std::vector<const Row*>> groups;
  for (const auto& r : rows) groups[{algo_rank(r.algo), r.dtype, r.family, r.K}].push_back(&r);
  std::map<std::tuple<std::string, std::string, std::string, std::size_t>, std::string> worst_in;
  for (auto& w : read_table(worst_path(sc.out)))
    worst_in[{w["algo"], w["dtype"], w["family"], std::stoul(w["K"])}] = w["input"];
  std::vector<AccRow> acc;
  for (const auto& [k, v] : groups) {
    AccRow a;
    a.algo = v[0]->algo, a.dtype = v[0]->dtype, a.family = v[0]->family, a.K = v[0]->K, a.n = v.size();
    std::vector<double> eA;
    for (const Row* r : v) eA.push_back(r->err_A), a.max_mu = std::max(a.max_mu, r->err_mu);
    a.max_A = quantile(eA, 1.0), a.p99_A = quantile(eA, 0.99), a.med_A = quantile(eA, 0.5);
    a.worst = worst_in[{a.algo, a.dtype, a.family, a.K}];
    acc.push_back(a);
  }
  {
    std::ofstream f(out + "/accuracy.csv");
    f << "algo,dtype,family,K,n,max_err_A,p99_err_A,median_err_A,max_err_mean\n";
    for (const auto& a : acc)
      f << a.algo << ',' << a.dtype << ',' << a.family << ',' << a.K << ',' << a.n << ',' << fmt_err(a.max_A) << ','
        << fmt_err(a.p99_A) << ',' << fmt_err(a.med_A) << ',' << fmt_err(a.max_mu) << '\n';
  }
  auto md = read_table(out + "/regions/max_dimension_median.csv");
  std::string kmax_s;
  if (!md.empty()) kmax_s = md[0].at("kmax");
  const Env env = environment();

  // ---- summary.json
  {
    std::ofstream f(out + "/summary.json");
    f << "{\n  \"max_dimension\": {";
    std::map<std::string, std::vector<std::pair<double, std::string>>> m;
    for (auto& r : md) m[r["algo"] + "/" + r["dtype"]].push_back({std::stod(r["sigma"]), r["median_K"]});
    bool first = true;
    for (auto& [k, v] : m) {
      std::sort(v.begin(), v.end());
      f << (first ? "" : ",") << "\n    " << jstr(k) << ": {";
      first = false;
      for (std::size_t i = 0; i < v.size(); ++i) f << (i ? ", " : "") << jstr(fmt_g(v[i].first)) << ": " << v[i].second;
      f << "}";
    }
    f << "\n  },\n  \"max_dimension_protocol\": {\"kmax\": " << (kmax_s.empty() ? "null" : kmax_s)
      << ", \"relative_error_of_logC_below\": 0.01, \"file\": \"regions/max_dimension.json\"},\n";
    f << "  \"accuracy\": [";
    first = true;
    for (const auto& a : acc) {
      f << (first ? "" : ",") << "\n    {\"algo\": " << jstr(a.algo) << ", \"dtype\": " << jstr(a.dtype)
        << ", \"family\": " << jstr(a.family) << ", \"K\": " << a.K << ", \"n\": " << a.n
        << ", \"max_err_A\": " << jnum(a.max_A) << ", \"p99_err_A\": " << jnum(a.p99_A)
        << ", \"median_err_A\": " << jnum(a.med_A) << ", \"max_err_mean\": " << jnum(a.max_mu)
        << ", \"worst_input\": " << jstr(a.worst) << "}";
      first = false;
    }
    f << "\n  ],\n  \"throughput\": [";
    first = true;
    for (auto& r : bench) {
      if (r["ns_per_eval"].empty()) continue;
      f << (first ? "" : ",") << "\n    {\"algo\": " << jstr(r["algo"]) << ", \"dtype\": " << jstr(r["dtype"])
        << ", \"K\": " << r["K"] << ", \"sigma\": " << jnum(std::stod(r["sigma"]))
        << ", \"grad\": " << (r["grad"] == "1" ? "true" : "false") << ", \"ns_per_eval\": " << jnum(std::stod(r["ns_per_eval"]))
        << ", \"batch\": " << r["batch"] << ", \"threads\": " << (r["threads"].empty() ? "1" : r["threads"])
        << ", \"ratio_to_closed_form\": " << (r["ratio_to_closed_form"].empty() ? "null" : jnum(std::stod(r["ratio_to_closed_form"])))
        << "}";
      first = false;
    }
    f << "\n  ],\n";
    if (!bench_status.empty()) f << "  \"throughput_status\": " << jstr(bench_status) << ",\n";
    f << "  \"environment\": {\"compiler\": " << jstr(env.compiler) << ", \"flags\": " << jstr(env.flags)
      << ", \"cpu\": " << jstr(env.cpu) << ", \"git_sha\": " << jstr(env.git_sha) << ", \"date\": " << jstr(env.date)
      << ", \"gpu\": " << jstr(gpu_line) << "},\n";
    f << "  \"config\": {\"quick\": " << (quick ? "true" : "false") << ", \"sweep_K\": [";
    for (std::size_t i = 0; i < sc.Ks.size(); ++i) f << (i ? ", " : "") << sc.Ks[i];
    f << "], \"sweep_sigmas\": [";
    for (std::size_t i = 0; i < sc.sigmas.size(); ++i) f << (i ? ", " : "") << fmt_g(sc.sigmas[i]);
    f << "], \"sweep_seeds\": " << sc.seeds << "},\n  \"problems\": [";
    for (std::size_t i = 0; i < problems.size(); ++i) f << (i ? ", " : "") << jstr(problems[i]);
    f << "]\n}\n";
  }

  // ---- the document
  Doc d;
  d.h(1, "ccnorm report");
  d.p(std::string("Generated by `ccnorm report") + (quick ? " --quick" : "") + " --out " + out + "` on " + env.date +
      ". Every number and table below is computed from the files in this directory (sweep.csv, regions/, bench/, "
      "accuracy.csv, summary.json); nothing is typed in.");
  d.table({"environment", ""}, {{"compiler", env.compiler},
                                {"flags", env.flags},
                                {"cpu", env.cpu},
                                {"git", env.git_sha},
                                {"GPU", gpu_rows.empty() ? gpu_line + " (every number in this report is CPU-only)" : gpu_line}});
  if (!problems.empty()) {
    d.h(2, "Problems during this run");
    std::string s;
    for (const auto& p : problems) s += "- " + p + "\n";
    d.pre(s);
  }

  // where the time goes
  d.h(2, "Where the time goes");
  {
    std::vector<std::vector<std::string>> tr;
    double tot = 0;
    for (auto& [n, s] : stage_time) tot += s;
    for (auto& [n, s] : stage_time) tr.push_back({n, secs(s), g3(100 * s / std::max(tot, 1e-9)) + " %"});
    tr.push_back({"total (including report assembly)", secs(now_s() - T0), ""});
    d.table({"stage", "wall time", "share"}, tr);
    d.p("The sweep and the regions spend nearly all their time in the certified reference (Arb ball arithmetic, "
        "cost O(K N) with N ~ spread + 20 series terms, at ~150 bits), not in the algorithms under test. The "
        "max-dimension search is dominated by the largest K at the largest sigma (spread ~7000 at sigma = 1000, "
        "K = 10^4).");
  }

  // max dimension
  d.h(2, "Max computable dimension vs sigma");
  {
    std::set<double> sig;
    std::map<std::pair<int, std::string>, std::map<double, std::string>> t2;
    std::map<std::string, std::string> key_algo;
    for (auto& r : md) {
      sig.insert(std::stod(r["sigma"]));
      t2[{algo_rank(r["algo"]), r["algo"] + "/" + r["dtype"]}][std::stod(r["sigma"])] =
          r["median_K"] + (r["median_K"] == r["kmax"] ? " (top)" : "");
    }
    std::vector<std::string> head{"algo/dtype"};
    for (double s : sig) head.push_back("sigma " + fmt_g(s));
    std::vector<std::vector<std::string>> tr;
    for (auto& [k, v] : t2) {
      std::vector<std::string> r{k.second};
      for (double s : sig) r.push_back(v.count(s) ? v[s] : "-");
      tr.push_back(r);
    }
    d.p("DESIGN.md section 3 protocol: z = (eta, 0), eta ~ N(0, sigma^2 I_{K-1}) drawn afresh for each (seed, K); "
        "the largest K such that every checked K' <= K has relative error of log C = LSE - A below 1 %; median over "
        "the seeds. Every K' up to 64 is checked, beyond that the doubling grid 128, 256, ..., " +
        (kmax_s.empty() ? std::string("Kmax") : kmax_s) +
        " with bisection at the first failure (so beyond 64 the every-K' clause is sampled). '(top)' = the median "
        "reached the top of the searched range.");
    d.table(head, tr);
    // the published check
    std::vector<std::vector<std::string>> chk;
    const std::vector<std::tuple<std::string, double, double>> pub{
        {"closed-form-scaled/f64", 0.01, 7.5}, {"closed-form-scaled/f64", 0.1, 9.5}, {"closed-form-scaled/f64", 1, 15},
        {"closed-form-scaled/f64", 10, 33},   {"closed-form-scaled/f32", 0.01, 4},  {"closed-form-scaled/f32", 1, 9},
        {"closed-form-scaled/f32", 10, 22}};
    for (auto& [k, s, v] : pub) {
      std::string got = "-";
      for (auto& [kk, vv] : t2)
        if (kk.second == k && vv.count(s)) got = vv[s];
      std::string verdict = "-";
      if (got != "-") verdict = std::fabs(std::stod(got) - v) <= 3 ? "within +-3" : "OFF by more than 3";
      chk.push_back({k, fmt_g(s), fmt_g(v), got, verdict});
    }
    d.p("Published points (the 2022 notebook's figure, read off to +-1; DESIGN.md section 3) against this run:");
    d.table({"algo/dtype", "sigma", "published", "this run", "check"}, chk);
    if (fs::exists(out + "/max_dimension.png"))
      d.img("max_dimension.png", "Median max computable dimension vs sigma; stars: published points (2022 notebook; "
                                 "brown: inverse Laplace / De Hoog, not implemented here).");
  }

  // accuracy
  d.h(2, "Accuracy (sweep against the certified reference)");
  {
    d.p("Error measures of DESIGN.md section 3, in units of u of the output type (2^-53 f64, 2^-24 f32): err_A = "
        "|A^ - A| / (u max(1,|A|)), err_mean = max_j |mu^_j - mu_j| / (u mu_j); NaN/inf/exception = inf. Sweep: " +
        std::to_string(rows.size()) + " cases, families " + [&] {
          std::string s;
          for (auto& f : sc.families) s += (s.empty() ? "" : ", ") + f;
          return s;
        }() + "; K in {" + [&] {
          std::string s;
          for (auto k : sc.Ks) s += (s.empty() ? "" : ",") + std::to_string(k);
          return s;
        }() + "}; sigma in {" + [&] {
          std::string s;
          for (auto x : sc.sigmas) s += (s.empty() ? "" : ",") + fmt_g(x);
          return s;
        }() + "}; " + std::to_string(sc.seeds) + " seeds. Full table: accuracy.csv and summary.json (with the worst "
        "input of every group in hex).");
    // overall per algo/dtype
    std::map<std::pair<int, std::string>, std::vector<double>> allA;
    std::map<std::pair<int, std::string>, double> allMu;
    std::map<std::pair<int, std::string>, std::size_t> ninf;
    for (const auto& r : rows) {
      auto k = std::make_pair(algo_rank(r.algo), r.algo + "/" + r.dtype);
      allA[k].push_back(r.err_A);
      allMu[k] = std::max(allMu[k], r.err_mu);
      if (!std::isfinite(r.err_A) || !std::isfinite(r.err_mu)) ++ninf[k];
    }
    std::vector<std::vector<std::string>> tr;
    for (auto& [k, v] : allA)
      tr.push_back({k.second, std::to_string(v.size()), g3(quantile(v, 0.5)), g3(quantile(v, 0.99)), g3(quantile(v, 1.0)),
                    g3(allMu[k]), std::to_string(ninf[k])});
    d.table({"algo/dtype", "cases", "median err_A", "p99 err_A", "max err_A", "max err_mean", "non-finite/refused"}, tr);
    // per family max
    std::vector<std::string> head{"algo/dtype"};
    for (auto& f : sc.families) head.push_back(f);
    std::map<std::pair<int, std::string>, std::map<std::string, double>> pf;
    for (const auto& r : rows) {
      auto& x = pf[{algo_rank(r.algo), r.algo + "/" + r.dtype}][r.family];
      x = std::max(x, r.err_A);
    }
    tr.clear();
    for (auto& [k, v] : pf) {
      std::vector<std::string> r{k.second};
      for (auto& f : sc.families) r.push_back(v.count(f) ? g3(v[f]) : "-");
      tr.push_back(r);
    }
    d.p("Max err_A per family (all K, sigma, seeds):");
    d.table(head, tr);
    if (fs::exists(out + "/accuracy_err_A_vs_K.png"))
      d.img("accuracy_err_A_vs_K.png", "err_A vs K per family (max over sigma and seeds).");
    if (fs::exists(out + "/accuracy_err_mu_vs_K.png"))
      d.img("accuracy_err_mu_vs_K.png", "err_mean vs K per family (max over sigma and seeds).");
  }

  // heat maps
  d.h(2, "Stability regions: error heat maps");
  d.p("log10 err_A, max over the heat-map seeds, over (K, sigma) on the protocol rows and over (K, cluster gap) on "
      "clustered rows (3 clusters, centres `gap` apart, nodes centre + 1e-3 N(0,1)). White contour: 16 u; dashed "
      "black: 1 % (err_A = 0.01/u). Raw values: regions/heat_sigma.csv, regions/heat_gap.csv.");
  for (const char* dt : {"f64", "f32"}) {
    const std::string a = std::string("heat_sigma_") + dt + ".png", b = std::string("heat_gap_") + dt + ".png";
    if (fs::exists(out + "/" + a)) d.img(a, std::string("log10 err_A over (K, sigma), ") + dt);
    if (fs::exists(out + "/" + b)) d.img(b, std::string("log10 err_A over (K, cluster gap), ") + dt);
  }

  // throughput
  d.h(2, "Throughput");
  if (bench.empty()) {
    d.p(bench_status.empty() ? "throughput: not available" : bench_status);
  } else {
    if (no_bench) d.p("--no-bench: the tables below are reused from an earlier `ccnorm bench` run in this directory.");
    d.p("From `ccnorm bench` (Google Benchmark; bench/bench.json, bench/bench_ratios.csv). One thread (batch = 1, "
        "CPU time) unless stated; ratio = time / closed-form's time in the same run.");
    // table: f64 sigma=1 one thread, value and grad, by K
    std::set<std::size_t> Ks;
    std::map<std::pair<int, std::string>, std::map<std::size_t, std::string>> tb;
    std::map<std::string, std::vector<std::pair<double, double>>> fitK, fitS;
    std::map<std::string, std::map<double, std::map<double, double>>> bySK;  // key -> K -> sigma -> ns
    for (auto& r : bench) {
      if (r["ns_per_eval"].empty() || r["batch"] != "1") continue;
      const double ns = std::stod(r["ns_per_eval"]), sg = std::stod(r["sigma"]);
      const std::size_t K = std::stoul(r["K"]);
      const std::string key = r["algo"] + "/" + r["dtype"] + (r["grad"] == "1" ? "/grad" : "");
      bySK[key][static_cast<double>(K)][sg] = ns;
      if (sg == 1 && r["dtype"] == "f64") {
        Ks.insert(K);
        std::string cell = g3(ns / 1000) + " us";
        if (!r["ratio_to_closed_form"].empty() && r["algo"] != "closed-form") cell += " (x" + g3(std::stod(r["ratio_to_closed_form"])) + ")";
        tb[{algo_rank(r["algo"]), r["algo"] + (r["grad"] == "1" ? " +mean" : "")}][K] = cell;
      }
    }
    std::vector<std::string> head{"f64, sigma 1"};
    for (auto K : Ks) head.push_back("K " + std::to_string(K));
    std::vector<std::vector<std::string>> tr;
    for (auto& [k, v] : tb) {
      std::vector<std::string> r{k.second};
      for (auto K : Ks) r.push_back(v.count(K) ? v[K] : "-");
      tr.push_back(r);
    }
    d.table(head, tr);
    // fitted exponents
    std::vector<std::vector<std::string>> fr;
    for (auto& [key, bk] : bySK) {
      std::vector<std::pair<double, double>> pk;
      for (auto& [K, bs] : bk)
        if (K >= 32 && bs.count(1.0)) pk.push_back({K, bs.at(1.0)});
      // spread exponent: at the largest K with >= 2 sigmas >= 1
      std::vector<std::pair<double, double>> ps;
      double Kp = 0;
      for (auto& [K, bs] : bk) {
        std::vector<std::pair<double, double>> q;
        for (auto& [s, ns] : bs)
          if (s >= 1) q.push_back({s, ns});
        if (q.size() >= 2) ps = q, Kp = K;
      }
      const double a = loglog_slope(pk), b = loglog_slope(ps);
      if (std::isnan(a) && std::isnan(b)) continue;
      fr.push_back({key, std::isnan(a) ? "-" : g3(a) + " (K " + fmt_g(pk.front().first) + ".." + fmt_g(pk.back().first) + ")",
                    std::isnan(b) ? "-" : g3(b) + " (K " + fmt_g(Kp) + ", sigma " + fmt_g(ps.front().first) + ".." + fmt_g(ps.back().first) + ")"});
    }
    d.p("How cost grows: least-squares exponents of time ~ K^a (sigma = 1, K >= 32) and time ~ sigma^b (sigma >= 1; "
        "the spread grows like sigma) from the one-thread rows. The closed forms and the Newton table are O(K^2); the "
        "series (taylor/auto) is O(K N) with N ~ spread + O(sqrt(spread)) + 20 terms, so a ~ 1 and b -> 1 once the "
        "spread dominates the constant 20.");
    d.table({"algo/dtype", "a: exponent of K", "b: exponent of sigma"}, fr);
    // issue goals (measured, not asserted)
    auto find = [&](const std::string& algo, std::size_t K, double s, bool grad, std::size_t batch1) -> double {
      for (auto& r : bench)
        if (r["algo"] == algo && r["dtype"] == "f64" && !r["ns_per_eval"].empty() && std::stoul(r["K"]) == K &&
            std::stod(r["sigma"]) == s && (r["grad"] == "1") == grad && ((r["batch"] == "1") == (batch1 == 1)))
          return std::stod(r["ns_per_eval"]);
      return std::nan("");
    };
    std::vector<std::vector<std::string>> gr;
    auto us = [](double ns) { return std::isnan(ns) ? std::string("not measured") : g3(ns / 1000) + " us"; };
    const double a316 = find("auto", 316, 1, true, 1), a10k = find("auto", 10000, 1, true, 1);
    gr.push_back({"auto value+mean, K=316 (goal stated at K=300), sigma 1", "<= 100 us", us(a316)});
    gr.push_back({"auto value+mean, K=10^4, sigma 1", "<= 10 ms", us(a10k)});
    const double a10 = find("auto", 10, 1, false, 1), c10 = find("closed-form", 10, 1, false, 1);
    gr.push_back({"auto / closed-form at K=10, sigma 1 (value)", "<= 3x",
                  std::isnan(a10) || std::isnan(c10) ? "not measured" : "x" + g3(a10 / c10)});
    // batched path: all cores vs one thread (same batch family)
    {
      std::map<std::string, std::map<int, double>> bt;
      for (auto& r : bench) {
        if (r["ns_per_eval"].empty() || r["batch"] == "1" || r["threads"].empty()) continue;
        bt[r["algo"] + "/" + r["dtype"] + "/K:" + r["K"] + "/sigma:" + r["sigma"] + (r["grad"] == "1" ? "/grad" : "") +
           "/batch:" + r["batch"]][std::stoi(r["threads"])] = std::stod(r["ns_per_eval"]);
      }
      std::vector<std::vector<std::string>> br;
      for (auto& [k, m] : bt) {
        if (m.size() < 2 || !m.count(1)) continue;
        const auto& [T, ns] = *m.rbegin();
        br.push_back({k, g3(m.at(1)) + " ns", std::to_string(T) + " threads: " + g3(ns) + " ns", "x" + g3(m.at(1) / ns)});
      }
      if (!br.empty()) {
        d.p("Batched path (`evaluate_batch`, wall time per row): all threads vs one thread (goal: >= 1.8x on 2 cores; "
            "only meaningful on an otherwise idle machine):");
        d.table({"case", "1 thread", "all threads", "speed-up"}, br);
      }
    }
    d.p("Speed goals of issue 3 item 6 (measured here, never asserted in tests; this machine is shared, timings are "
        "noisy):");
    d.table({"goal", "target", "measured"}, gr);
    for (const char* png : {"time_vs_K.png", "time_vs_sigma.png", "accuracy_vs_time.png"})
      if (fs::exists(out + "/" + std::string(png))) d.img(png, png == std::string("time_vs_K.png")
                                                                  ? "Time per evaluation vs K (log-log, fitted slopes in the legend)."
                                                                  : png == std::string("time_vs_sigma.png")
                                                                        ? "Time per evaluation vs sigma at the largest K timed at several sigmas."
                                                                        : "Accuracy vs time, Pareto front dashed.");
  }

  // other implementations
  d.h(2, "Other implementations");
  {
    std::vector<std::string> files;
    if (fs::is_directory(out + "/validate"))
      for (auto& e : fs::directory_iterator(out + "/validate"))
        if (e.path().extension() == ".json") files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    if (files.empty()) {
      d.p("No scorecards found (DIR/validate/*.json, written by `ccnorm validate`). Peers timed by `ccnorm bench "
          "--peers` appear in bench/bench_peers.csv when that option is used.");
    } else {
      // One row per scorecard (first occurrence of each key = the top-level field; the files are
      // written by `ccnorm validate --json`, whose top-level fields precede by_family/by_K).
      auto field = [](const std::string& js, const std::string& key) -> std::string {
        const std::string pat = "\"" + key + "\":";
        auto i = js.find(pat);
        if (i == std::string::npos) return "-";
        i += pat.size();
        if (i < js.size() && js[i] == '"') {
          auto e = js.find('"', i + 1);
          return js.substr(i + 1, e == std::string::npos ? std::string::npos : e - i - 1);
        }
        auto e = js.find_first_of(",}", i);
        std::string v = js.substr(i, e == std::string::npos ? std::string::npos : e - i);
        if (v == "null") return "inf/NaN";
        char* end = nullptr;
        double x = std::strtod(v.c_str(), &end);
        if (end != v.c_str() && v.find('.') != std::string::npos) { char b[32]; std::snprintf(b, sizeof b, "%.3g", x); return b; }
        return v;
      };
      std::vector<std::vector<std::string>> rows;
      std::vector<std::string> notes;
      for (auto& f : files) {
        const std::string js = read_text(f);
        rows.push_back({field(js, "name"), field(js, "quantity"), field(js, "dtype"), field(js, "cases"),
                        field(js, "failures"), field(js, "nonfinite"), field(js, "median_err"),
                        field(js, "max_err_finite"), "validate/" + fs::path(f).filename().string()});
        notes.push_back("`" + field(js, "name") + "`: " + field(js, "note"));
      }
      d.p("Scorecards of other implementations on the certified golden vectors (reference/golden), scored by "
          "`ccnorm validate` with DESIGN.md section 3 measures (units of u of the dtype; tolerance 16 for values, "
          "64 for the mean; NaN/inf/error rows count as failures). Produced by validate/run_adapters.sh.");
      d.table({"scorecard", "quantity", "dtype", "cases", "failures", "NaN/inf/error", "median err", "max finite err",
               "details"},
              rows);
      for (auto& n : notes) d.p(n);
    }
  }
  d.h(2, "GPU");
  if (gpu_rows.empty()) {
    d.p(gpu_line + ". The `gpu` algorithm is not measured in this report; bench/gpu/device_check.sh measures it on a "
        "machine with a device.");
  } else {
    d.p("From `ccnorm bench` (bench/bench_gpu.csv), " + gpu_line + " (device-to-device copy, read + write). Device time "
        "per row of one call (CUDA events), inputs resident on the device and rotated over buffers larger than the L2 "
        "cache; transfers to and from the host not included. GB/s = (input + outputs) / time; % copy = that over the "
        "measured copy bandwidth; x CPU = the CPU batched `auto` (all threads, same run) time over the GPU time; "
        "escalated = rows rerun in the wider compute type; accuracy columns in u of the dtype on the first rows of the "
        "input pool, err_A against the reference named in the last column, err_mu against auto-precise.");
    std::vector<std::vector<std::string>> rows;
    for (const auto& r0 : gpu_rows) {
      auto r = r0;
      auto num = [&](const std::string& k) { return r[k].empty() ? std::string("-") : g3(std::stod(r[k])); };
      rows.push_back({r["dtype"], r["K"], r["sigma"], r["grad"] == "1" ? "value+mean" : "value", r["batch"], num("ns_per_row"),
                      num("rows_per_s"), num("GBps"), num("pct_copy_bw"), num("x_cpu_auto_batch"), r["escalated_rows"],
                      num("max_err_A"), num("max_err_mean"), r["err_A_ref"]});
    }
    d.table({"dtype", "K", "sigma", "mode", "batch", "ns/row", "rows/s", "GB/s", "% copy", "x CPU", "escalated", "err_A",
             "err_mu", "err_A ref"},
            rows);
    // issue 4 goals that this grid measures (the device check measures the rest): recorded, not asserted
    auto pick = [&](const char* dt, const char* K, bool grad) -> const std::map<std::string, std::string>* {
      const std::map<std::string, std::string>* best = nullptr;
      for (const auto& r : gpu_rows)
        if (r.at("dtype") == dt && r.at("K") == K && (r.at("grad") == "1") == grad && r.at("sigma") == "1") best = &r;
      return best;
    };
    std::vector<std::vector<std::string>> gr;
    if (auto* r = pick("f32", "10", true))
      gr.push_back({"f32, K=10, value+mean: percent of the copy bandwidth (batch " + r->at("batch") + "; the goal's B=2^22 "
                    "is in bench/gpu/device_check.sh)", ">= 50 % of the roofline", r->at("pct_copy_bw").empty() ? "-" : g3(std::stod(r->at("pct_copy_bw"))) + " %"});
    for (bool grad : {false, true}) {
      auto* a = pick("f64", "1000", grad);
      auto* b = pick("f32", "1000", grad);
      if (a && b && !a->at("ns_per_row").empty() && !b->at("ns_per_row").empty())
        gr.push_back({std::string("f64 / f32 time at K=1000, sigma 1, ") + (grad ? "value+mean" : "value"), "<= 3",
                      g3(std::stod(a->at("ns_per_row")) / std::stod(b->at("ns_per_row")))});
    }
    if (!gr.empty()) d.table({"issue 4 goal", "target", "measured"}, gr);
  }
  d.h(2, "Reproduce");
  d.pre(std::string("ccnorm report") + (quick ? " --quick" : "") + " --out " + out +
        "\n# stages individually:\nccnorm sweep --out sweep.csv   # see ccnorm sweep --help\nccnorm regions" +
        (quick ? " --quick" : "") + " --out regions\nccnorm bench" + (quick ? " --quick" : "") +
        " --json bench/bench.json\n/usr/bin/python3 plots/plot_accuracy.py sweep.csv .\n"
        "/usr/bin/python3 plots/plot_regions.py regions .\n"
        "/usr/bin/python3 plots/plot_bench.py bench/bench_ratios.csv . sweep.csv");

  {
    std::ofstream f(out + "/report.md");
    f << d.md();
  }
  {
    std::ofstream f(out + "/report.html");
    f << d.html(out, "ccnorm report");
  }
  std::fprintf(stderr, "report: wrote %s/report.md, report.html, summary.json in %.1f s%s\n", out.c_str(), now_s() - T0,
               problems.empty() ? "" : " (with problems: see report.md)");
  return problems.empty() ? 0 : 1;
}

}  // namespace

CCNORM_COMMAND("report", "run sweep + regions + bench + plots; write report.md/.html and summary.json", cmd_report);
