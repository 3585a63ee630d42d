// Frozen outputs: every algorithm's results on the hard-corpus inputs must stay bitwise what they
// were when tests/data/frozen_outputs.csv was generated. A refactoring that is meant to leave the
// numerics alone (moving code, sharing the series core between host and CUDA) is checked by this
// test; accuracy itself is checked elsewhere (tests/test_accuracy.cpp, tests/test_gpu_replay.cpp).
//
// What is hashed. Inputs: every row of tests/data/hard_corpus.in.csv (the corpus generator's
// exact hex floats), evaluated in f64 (f32 rows are exact there) and in f32 (f64 rows rounded to
// nearest float), each value only and with the mean. Per corpus row id x algorithm x dtype x grad:
// the 64-bit FNV-1a hash of the output bit patterns, A, then log C, then (grad) mu_1..mu_K, each
// value's IEEE bits little-endian in the output type (4 bytes f32, 8 bytes f64). An algorithm that
// throws hashes as `error`; `-` marks a combination that does not exist. Algorithms
// (docs/design.md §2 names, plus two entry points that have no CLI name):
//   closed-form, closed-form-scaled, sorted-difference, taylor, auto, auto-precise
//   gpu-replay      the CUDA kernels' host replay (normalizer/cuda/emulate.hpp: the kernels' own
//                   CCNORM_HD code and operation order, escalation and host fallback)
//   taylor-ld       taylor<long double> on the f64 inputs (the series' generic-type path, which
//                   auto's extended-precision rerun also uses); hashed as the two doubles
//                   hi = double(x), lo = double(x - hi) of each output; its f32 columns are `-`
//
// Provenance of tests/data/frozen_outputs.csv: written by this file's regeneration mode (below)
// from the tree of commit 6867878 ("One corpus reader, one row_consts/Chain, RAII in
// copy_bandwidth_gbs"), unmodified, built Release with g++ 12 (-O2 -march=native
// -ffp-contract=off) on x86-64, before the series core was shared between the host and CUDA; the
// file's own header records the commit and date it was written. It holds results of THIS build
// configuration: another compiler, libm or -march may legitimately differ (the check is then
// meaningless, not the numerics wrong; regenerate locally from a known-good commit to compare).
//
// The CPU's x87 unit. glibc computes expl, expm1l, logl, log1pl and lgammal with the x87
// transcendental instructions (f2xm1, fyl2x, fyl2xp1), whose last bits differ between CPU vendors
// (observed: 20 taylor-ld outputs and one auto row of three nodes, whose extended-precision
// exponentials round to a different double, between the machine that wrote the file and an AMD
// EPYC). The file records a fingerprint of those instructions on fixed arguments (x87_fingerprint);
// on a machine whose fingerprint differs, the algorithms whose paths use them (Algo::x87: auto,
// auto-precise, gpu-replay, taylor-ld) are reported as skipped with the reason, and the others are
// compared as everywhere.
//
// Two executables (tests/frozen.cmake), as test_accuracy: test_frozen_outputs (label unit) checks
// the rows with K <= 1000, test_frozen_outputs_slow (CCNORM_FROZEN_SLOW, label slow) the K = 10^4
// rows (6 rows that cost nearly as much as all the others together in auto-precise and gpu-replay).
//
// Regenerate ONLY when the numerics change on purpose (a new algorithm, a deliberate change of a
// formula, an escalation threshold or a rounding), never to make a failure go away; the commit
// that regenerates it says which outputs changed and why. From the repository root:
//     CCNORM_FROZEN_WRITE=tests/data/frozen_outputs.csv build/test_frozen_outputs
// (all tests, no filter: the file is written once every algorithm has been evaluated on every row,
// whichever executable runs it; in this mode nothing is compared).
#include <gtest/gtest.h>
#include <omp.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "normalizer/auto.hpp"
#include "normalizer/closed_form.hpp"
#include "normalizer/closed_form_scaled.hpp"
#include "normalizer/cuda/emulate.hpp"
#include "normalizer/sorted_difference.hpp"
#include "normalizer/taylor.hpp"

namespace {

constexpr const char* kCorpus = "tests/data/hard_corpus.in.csv";
constexpr const char* kFrozen = "tests/data/frozen_outputs.csv";
constexpr std::size_t kSlowMinK = 1001;  // rows checked by test_frozen_outputs_slow

struct Row {
  std::string id;
  std::vector<double> z;
};

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t p = 0;
  for (;;) {
    const std::size_t q = s.find(sep, p);
    out.push_back(s.substr(p, q == std::string::npos ? std::string::npos : q - p));
    if (q == std::string::npos) return out;
    p = q + 1;
  }
}

std::vector<Row> load_corpus() {
  std::ifstream in(kCorpus);
  if (!in) throw std::runtime_error(std::string("cannot open ") + kCorpus + " (run from the repository root)");
  std::vector<Row> rows;
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (header) {  // id,family,dtype,K,z
      if (line != "id,family,dtype,K,z") throw std::runtime_error(std::string(kCorpus) + ": unexpected header " + line);
      header = false;
      continue;
    }
    const auto f = split(line, ',');
    if (f.size() != 5) throw std::runtime_error(std::string(kCorpus) + ": bad line " + line);
    Row r;
    r.id = f[0];
    for (const auto& t : split(f[4], ';')) {
      char* end = nullptr;
      r.z.push_back(std::strtod(t.c_str(), &end));
      if (end == t.c_str() || *end != '\0') throw std::runtime_error(std::string(kCorpus) + ": bad value " + t);
    }
    if (r.z.size() != std::stoul(f[3])) throw std::runtime_error(std::string(kCorpus) + ": K mismatch in " + r.id);
    rows.push_back(std::move(r));
  }
  return rows;
}

struct Fnv {
  std::uint64_t h = 0xcbf29ce484222325ull;
  void bytes(const void* p, std::size_t n) {
    const auto* c = static_cast<const unsigned char*>(p);
    for (std::size_t i = 0; i < n; ++i) {
      h ^= c[i];
      h *= 0x100000001b3ull;
    }
  }
  void add(float x) {
    std::uint32_t b;
    std::memcpy(&b, &x, 4);
    unsigned char le[4];
    for (int i = 0; i < 4; ++i) le[i] = static_cast<unsigned char>(b >> (8 * i));
    bytes(le, 4);
  }
  void add(double x) {
    std::uint64_t b;
    std::memcpy(&b, &x, 8);
    unsigned char le[8];
    for (int i = 0; i < 8; ++i) le[i] = static_cast<unsigned char>(b >> (8 * i));
    bytes(le, 8);
  }
  void add(long double x) {
    const double hi = static_cast<double>(x);
    add(hi);
    add(static_cast<double>(x - static_cast<long double>(hi)));
  }
};

std::string hex64(std::uint64_t h) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

// One algorithm on one row in output type T: the hash, "error" or "-".
template <class T, class F>
std::string eval_hash(F f, const std::vector<double>& z64, bool grad) {
  const std::size_t K = z64.size();
  std::vector<T> z(K);
  for (std::size_t j = 0; j < K; ++j) z[j] = static_cast<T>(z64[j]);
  std::vector<T> mu(K, std::numeric_limits<T>::quiet_NaN());
  ccnorm::Out<T> o;
  try {
    o = f(z.data(), K, grad ? mu.data() : nullptr);
  } catch (const std::exception&) {
    return "error";
  }
  Fnv h;
  h.add(o.A);
  h.add(o.logC);
  if (grad)
    for (T m : mu) h.add(m);
  return hex64(h.h);
}

// The four columns f64, f64_grad, f32, f32_grad of one algorithm.
struct Algo {
  const char* name;
  bool f32;  // has f32 columns
  std::string (*f64_hash)(const std::vector<double>&, bool);
  std::string (*f32_hash)(const std::vector<double>&, bool);
  bool x87 = false;  // some of its paths use the x87 transcendental functions (see the header)
};

#define CCNORM_FROZEN_ALGO(NAME, FN, X87)                                                                   \
  Algo {                                                                                                   \
    NAME, true, [](const std::vector<double>& z, bool g) { return eval_hash<double>(FN<double>, z, g); }, \
        [](const std::vector<double>& z, bool g) { return eval_hash<float>(FN<float>, z, g); }, X87          \
  }

// FNV-1a 64 of the bits (10 bytes each) of expl, expm1l, logl, log1pl and lgammal on 400 fixed
// arguments: equal on two machines when their x87 transcendental instructions agree there.
std::string x87_fingerprint() {
  Fnv h;
  auto add = [&h](long double x) {
    unsigned char b[sizeof(long double)] = {};
    std::memcpy(b, &x, sizeof x);
    h.bytes(b, 10);
  };
  for (int i = 1; i <= 400; ++i) {
    const long double x = static_cast<long double>(i) * 0.0372L - 7.3L;  // (-7.26, 7.58)
    add(expl(x));
    add(expm1l(x / 16));
    add(logl(static_cast<long double>(i) * 0.173L));
    add(log1pl(static_cast<long double>(i) * 0.0093L));
    int sign = 0;
    add(lgammal_r(static_cast<long double>(i) * 0.61L, &sign));
  }
  return hex64(h.h);
}

template <class T>
ccnorm::Out<T> gpu_replay(const T* z, std::size_t K, T* mu) {
  return ccnorm::gpu::emulate::row<T>(z, K, mu);
}

ccnorm::Out<long double> taylor_ld(const long double* z, std::size_t K, long double* mu) {
  return ccnorm::taylor<long double>(z, K, mu);
}

const std::vector<Algo>& algos() {
  static const std::vector<Algo> a = {
      CCNORM_FROZEN_ALGO("closed-form", ccnorm::closed_form, false),
      CCNORM_FROZEN_ALGO("closed-form-scaled", ccnorm::closed_form_scaled, false),
      CCNORM_FROZEN_ALGO("sorted-difference", ccnorm::sorted_difference, false),
      CCNORM_FROZEN_ALGO("taylor", ccnorm::taylor, false),
      CCNORM_FROZEN_ALGO("auto", ccnorm::auto_eval, true),  // three_nodes, the extended rerun
      CCNORM_FROZEN_ALGO("auto-precise", ccnorm::auto_precise, true),  // the out-of-domain fallback
      CCNORM_FROZEN_ALGO("gpu-replay", gpu_replay, true),  // the host fallback (auto)
      Algo{"taylor-ld", false,
           [](const std::vector<double>& z, bool g) { return eval_hash<long double>(taylor_ld, z, g); }, nullptr, true},
  };
  return a;
}

using Columns = std::vector<std::string>;  // f64, f64_grad, f32, f32_grad
const char* const kColumnNames[4] = {"f64", "f64_grad", "f32", "f32_grad"};

// Rows not selected keep "-" in every column.
std::vector<Columns> compute(const Algo& a, const std::vector<Row>& rows, const std::vector<bool>& selected) {
  std::vector<Columns> out(rows.size(), Columns(4, "-"));
#pragma omp parallel for schedule(dynamic, 1)
  for (std::ptrdiff_t i = 0; i < static_cast<std::ptrdiff_t>(rows.size()); ++i) {
    if (!selected[i]) continue;
    const auto& z = rows[i].z;
    for (int g = 0; g < 2; ++g) {
      out[i][g] = a.f64_hash(z, g == 1);
      if (a.f32) out[i][2 + g] = a.f32_hash(z, g == 1);
    }
  }
  return out;
}

// Regeneration mode: results collected by the tests, written at the end of the run.
struct Collected {
  std::mutex m;
  std::map<std::string, std::vector<Columns>> by_algo;
};
Collected& collected() {
  static Collected c;
  return c;
}
const char* write_path() { return std::getenv("CCNORM_FROZEN_WRITE"); }

std::string run_git(const char* args) {
  std::string cmd = std::string("git ") + args + " 2>/dev/null";
  std::string out;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buf[256];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    pclose(p);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

constexpr const char* kFingerprintPrefix = "# x87 fingerprint (x87_fingerprint): ";

class Writer : public ::testing::Environment {
 public:
  void TearDown() override {
    const char* path = write_path();
    if (!path) return;
    const auto rows = load_corpus();
    auto& c = collected();
    for (const Algo& a : algos())
      if (!c.by_algo.count(a.name)) {
        std::fprintf(stderr, "CCNORM_FROZEN_WRITE: algorithm %s was not evaluated (run without a filter); nothing written\n",
                     a.name);
        std::exit(1);
      }
    // the provenance first: opening (truncating) the output would itself make the tree "modified"
    const std::string sha = run_git("rev-parse HEAD");
    const std::string dirty = run_git("status --porcelain --untracked-files=no");
    char date[32];
    const std::time_t now = std::time(nullptr);
    std::strftime(date, sizeof date, "%Y-%m-%d", std::gmtime(&now));
    std::ofstream f(path);
    f << "# ccnorm frozen outputs: FNV-1a 64 of the output bits (A, log C[, mu]) per corpus row x algorithm x dtype"
         " x grad; see tests/test_frozen_outputs.cpp\n";
    f << "# generated by tests/test_frozen_outputs.cpp (CCNORM_FROZEN_WRITE) on " << date << " from commit "
      << (sha.empty() ? "unknown" : sha) << (dirty.empty() ? "" : " with local changes to tracked files") << "\n";
    f << "# inputs: " << kCorpus << "; regenerate only when the numerics change on purpose (the commit says why)\n";
    f << kFingerprintPrefix << x87_fingerprint() << "\n";
    f << "id,algo,f64,f64_grad,f32,f32_grad\n";
    for (const Algo& a : algos()) {
      const auto& cols = c.by_algo[a.name];
      for (std::size_t i = 0; i < rows.size(); ++i)
        f << rows[i].id << ',' << a.name << ',' << cols[i][0] << ',' << cols[i][1] << ',' << cols[i][2] << ','
          << cols[i][3] << '\n';
    }
    std::fprintf(stderr, "CCNORM_FROZEN_WRITE: wrote %s (%zu rows x %zu algorithms)\n", path, rows.size(), algos().size());
  }
};
const auto* const kWriter = ::testing::AddGlobalTestEnvironment(new Writer);

// id -> algo -> columns, from the frozen file; fingerprint: its x87 fingerprint ("" if none).
std::map<std::string, std::map<std::string, Columns>> load_frozen(std::string& fingerprint) {
  std::ifstream in(kFrozen);
  if (!in) throw std::runtime_error(std::string("cannot open ") + kFrozen + " (run from the repository root)");
  std::map<std::string, std::map<std::string, Columns>> m;
  std::string line;
  bool header = true;
  fingerprint.clear();
  while (std::getline(in, line)) {
    if (line.rfind(kFingerprintPrefix, 0) == 0) fingerprint = line.substr(std::strlen(kFingerprintPrefix));
    if (line.empty() || line[0] == '#') continue;
    if (header) {
      if (line != "id,algo,f64,f64_grad,f32,f32_grad") throw std::runtime_error(std::string(kFrozen) + ": bad header");
      header = false;
      continue;
    }
    const auto f = split(line, ',');
    if (f.size() != 6) throw std::runtime_error(std::string(kFrozen) + ": bad line " + line);
    m[f[0]][f[1]] = Columns(f.begin() + 2, f.end());
  }
  return m;
}

class FrozenOutputs : public ::testing::TestWithParam<std::size_t> {};

TEST_P(FrozenOutputs, BitwiseAsFrozen) {
  const Algo& a = algos()[GetParam()];
  const auto rows = load_corpus();
  ASSERT_GT(rows.size(), 1000u);
  // This executable's rows (all of them when regenerating).
  std::vector<bool> selected(rows.size());
  std::size_t nsel = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
#if defined(CCNORM_FROZEN_SLOW)
    selected[i] = write_path() || rows[i].z.size() >= kSlowMinK;
#else
    selected[i] = write_path() || rows[i].z.size() < kSlowMinK;
#endif
    nsel += selected[i];
  }
  ASSERT_GT(nsel, 0u);
  std::string file_fingerprint;
  const auto frozen = write_path() ? decltype(load_frozen(file_fingerprint)){} : load_frozen(file_fingerprint);
  if (!write_path() && a.x87 && file_fingerprint != x87_fingerprint())
    GTEST_SKIP() << a.name << ": not compared on this CPU: its x87 transcendental instructions (fingerprint "
                 << x87_fingerprint() << ") differ from those of the machine that wrote " << kFrozen << " ("
                 << (file_fingerprint.empty() ? "none recorded" : file_fingerprint)
                 << "), and some of this algorithm's paths use them (see the header of this file)";
  const auto got = compute(a, rows, selected);
  if (write_path()) {
    std::lock_guard<std::mutex> lock(collected().m);
    collected().by_algo[a.name] = got;
    GTEST_SKIP() << "CCNORM_FROZEN_WRITE set: " << a.name << " collected, nothing compared";
  }
  std::size_t compared = 0, differ = 0, rows_in_file = 0;
  for (const auto& [id, per_algo] : frozen) rows_in_file += per_algo.count(a.name);
  EXPECT_EQ(rows_in_file, rows.size()) << a.name << ": the frozen file and the corpus disagree on the rows";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (!selected[i]) continue;
    const auto it = frozen.find(rows[i].id);
    if (it == frozen.end() || !it->second.count(a.name)) {
      ADD_FAILURE() << rows[i].id << " " << a.name << ": not in " << kFrozen;
      continue;
    }
    const Columns& want = it->second.at(a.name);
    for (int c = 0; c < 4; ++c) {
      if (got[i][c] != "-") ++compared;
      if (got[i][c] != want[c]) {
        ++differ;
        if (differ <= 20)
          ADD_FAILURE() << rows[i].id << " (K=" << rows[i].z.size() << ") " << a.name << " " << kColumnNames[c]
                        << ": hash " << got[i][c] << ", frozen " << want[c];
      }
    }
  }
  EXPECT_EQ(differ, 0u) << a.name << ": " << differ << " of " << compared << " outputs differ from the frozen ones";
  EXPECT_GE(compared, 2 * nsel) << a.name;
  std::printf("%s: %zu outputs compared bitwise, %zu differ\n", a.name, compared, differ);
}

#if defined(CCNORM_FROZEN_SLOW)
#define CCNORM_FROZEN_ROWS KAbove1000
#else
#define CCNORM_FROZEN_ROWS KUpTo1000
#endif
INSTANTIATE_TEST_SUITE_P(CCNORM_FROZEN_ROWS, FrozenOutputs, ::testing::Range<std::size_t>(0, algos().size()),
                         [](const ::testing::TestParamInfo<std::size_t>& i) {
                           std::string n = algos()[i.param].name;
                           for (char& ch : n)
                             if (ch == '-') ch = '_';
                           return n;
                         });

}  // namespace
