// ccnorm validate: the scorer (see validate.hpp).
#include "validate/validate.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>
#if defined(_OPENMP)
#include <omp.h>
#endif

#include "io/format.hpp"
#include "io/json.hpp"
#include "io/provenance.hpp"
#include "io/rows.hpp"
#include "io/stream.hpp"
#include "reference/reference.hpp"
#include "validate/golden.hpp"

namespace ccnorm::validate {

namespace {

struct Scored {
  const golden::Case* c = nullptr;
  double err = 0;
  double ulps = -1;       // values only
  std::size_t worst_j = 0;  // mean only
  bool nonfinite = false;
  bool error_row = false;
  std::vector<double> got;
  std::string ref_text;  // reference value (or worst mean component) to 25 digits
  long results_line = 0;
};

struct Group {
  std::size_t cases = 0, failures = 0, nonfinite = 0;
  std::vector<double> errs;
};

std::string preview(const std::vector<double>& x, std::size_t n = 6) {
  std::string s;
  for (std::size_t i = 0; i < x.size() && i < n; ++i) {
    if (i) s += ',';
    s += io::format_shortest(x[i]);
  }
  if (x.size() > n) s += fmt::format(",... ({} values)", x.size());
  return s;
}
std::string mp_text(const mp200& x) {
  char buf[128];
  mpfr_snprintf(buf, sizeof buf, "%.25Re", x.backend().data());
  return buf;
}

// The fields of an `ccnorm eval` output row: A,logC[,mu_1..mu_K][,H][,Cov_11..Cov_KK]
// (docs/design.md §4.2). The flags are read off the field count of the first row with K >= 2
// (2 + g K + e + c K^2 is unique there) and every row must then have that layout; rows of
// K = 1 before it take the layout that their count allows with the fewest flags.
struct Layout {
  bool known = false, grad = false, entropy = false, cov = false;
};
Layout eval_layout(const Options& o, std::size_t nfields, const golden::Case& c, std::size_t line, Layout& fixed) {
  auto count = [&](const Layout& l) { return 2 + (l.grad ? c.K : 0) + (l.entropy ? 1 : 0) + (l.cov ? c.K * c.K : 0); };
  if (fixed.known) {
    if (count(fixed) != nfields)
      throw golden::FormatError(fmt::format("{}:{}: eval output row has {} fields; the earlier rows have the layout of {}{}{}{} "
                                            "(expected {} for the case at {}:{}, K = {})",
                                            o.results, line, nfields, "A,logC", fixed.grad ? ",mu" : "", fixed.entropy ? ",H" : "",
                                            fixed.cov ? ",Cov" : "", count(fixed), o.cases, c.line, c.K));
    return fixed;
  }
  // for K = 1 (ambiguous): the fewest flags that include the quantity's own, else the fewest
  const int need = o.q == Quantity::mean ? 1 : o.q == Quantity::H ? 2 : o.q == Quantity::cov ? 4 : 0;
  for (int pass = 0; pass < 2; ++pass)
    for (int bits : {0, 1, 2, 4, 3, 5, 6, 7}) {
      if (pass == 0 && (bits & need) != need) continue;
      Layout l;
      l.known = true;
      l.grad = bits & 1, l.entropy = bits & 2, l.cov = bits & 4;
      if (count(l) != nfields) continue;
      if (c.K >= 2) fixed = l;
      return l;
    }
  if (c.K == 1)
    throw golden::FormatError(fmt::format("{}:{}: eval output row has {} fields; expected 2 to 5 for the case at {}:{} (K = 1)",
                                          o.results, line, nfields, o.cases, c.line));
  throw golden::FormatError(fmt::format("{}:{}: eval output row has {} fields; expected 2 (A,logC) or {} (A,logC,mu_1..mu_K) "
                                        "for the case at {}:{} (K = {}), or a layout of eval --entropy/--cov "
                                        "(A,logC[,mu][,H][,Cov_11..Cov_KK])",
                                        o.results, line, nfields, 2 + c.K, o.cases, c.line, c.K));
}

// Parse results. Throws golden::FormatError naming path:line.
std::vector<Scored> read_results(const Options& o, const std::vector<golden::Case>& cases) {
  auto lines = golden::read_lines(o.results);
  if (o.eval_results && o.q == Quantity::kl)
    throw golden::FormatError("--quantity kl: results are one value per case (`ccnorm kl` output); --results-format eval "
                              "does not apply");
  std::vector<Scored> out;
  Layout layout;  // of the eval output, fixed by its first row with K >= 2
  std::size_t k = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    auto t = io::trim(lines[i]);
    if (t.empty() || t.front() == '#') continue;
    if (k >= cases.size())
      throw golden::FormatError(fmt::format("{}:{}: more result rows than cases ({} cases in {}); the files are misaligned",
                                            o.results, i + 1, cases.size(), o.cases));
    const golden::Case& c = cases[k];
    Scored s;
    s.c = &c;
    s.results_line = static_cast<long>(i + 1);
    if (t.rfind("error", 0) == 0) {
      s.error_row = true;
    } else {
      auto f = io::split_trimmed(t, ',');
      std::size_t first = 0, count = 1;
      const std::size_t want = o.q == Quantity::mean ? c.K : o.q == Quantity::cov ? c.K * c.K : 1;
      if (o.eval_results) {
        const Layout lay = eval_layout(o, f.size(), c, i + 1, layout);
        const bool have = o.q == Quantity::mean ? lay.grad : o.q == Quantity::H ? lay.entropy : o.q == Quantity::cov ? lay.cov : true;
        if (!have)
          throw golden::FormatError(fmt::format("{}:{}: --quantity {} needs eval {} output; this row has {} fields", o.results, i + 1,
                                                quantity_name(o.q),
                                                o.q == Quantity::mean ? "--grad" : o.q == Quantity::H ? "--entropy" : "--cov",
                                                f.size()));
        first = o.q == Quantity::logC ? 1
                : o.q == Quantity::mean ? 2
                : o.q == Quantity::H    ? 2 + (lay.grad ? c.K : 0)
                : o.q == Quantity::cov  ? 2 + (lay.grad ? c.K : 0) + (lay.entropy ? 1 : 0)
                                        : 0;
        count = want;
      } else {
        count = want;
        if (f.size() != count)
          throw golden::FormatError(fmt::format("{}:{}: expected {} value{} ({}) for the case at {}:{} (K = {}), found {} fields",
                                                o.results, i + 1, count, count == 1 ? "" : "s",
                                                o.q == Quantity::mean  ? "the K mean components"
                                                : o.q == Quantity::cov ? "the K*K covariance entries, row-major"
                                                                       : quantity_name(o.q),
                                                o.cases, c.line, c.K, f.size()));
      }
      for (std::size_t j = first; j < first + count; ++j) {
        std::string b(f[j]);
        char* end = nullptr;
        double v = o.f32 ? static_cast<double>(std::strtof(b.c_str(), &end)) : std::strtod(b.c_str(), &end);
        if (b.empty() || end != b.c_str() + b.size())
          throw golden::FormatError(fmt::format("{}:{}: field {}: not a number: '{}'", o.results, i + 1, j + 1, io::shorten(b)));
        s.got.push_back(v);
      }
    }
    out.push_back(std::move(s));
    ++k;
  }
  if (k < cases.size())
    throw golden::FormatError(fmt::format("{}: {} result rows but {} cases in {}; the first case without a result is at {}:{}",
                                          o.results, k, cases.size(), o.cases, o.cases, cases[k].line));
  return out;
}

// Cases from either format. Throws golden::FormatError.
std::vector<golden::Case> read_cases(const Options& o, golden::FileKind& kind) {
  auto lines = golden::read_lines(o.cases);
  kind = golden::detect(lines);
  std::vector<golden::Case> cases;
  if (kind != golden::FileKind::eval) {
    cases = golden::parse_golden(lines, kind, o.cases);
    if (o.f32)
      for (auto& c : cases)
        for (double v : c.x)
          if (!golden::float_representable(v))
            throw golden::FormatError(fmt::format("{}:{}: case {} is not float32-representable (dtype {}); --dtype f32 needs f32 "
                                                  "cases (select the rows with dtype f32)",
                                                  o.cases, c.line, c.id, c.f32 ? "f32" : "f64"));
    return cases;
  }
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string why;
    golden::Case c;
    io::LineKind lk;
    if (o.f32) {
      std::vector<float> v;
      lk = io::parse_row<float>(lines[i], v, why);
      c.x.assign(v.begin(), v.end());
    } else {
      lk = io::parse_row<double>(lines[i], c.x, why);
    }
    if (lk == io::LineKind::skip) continue;
    if (lk == io::LineKind::error) throw golden::FormatError(fmt::format("{}:{}: {}", o.cases, i + 1, why));
    c.line = static_cast<long>(i + 1);
    c.id = "line" + std::to_string(i + 1);
    c.eta = o.eta;
    c.f32 = o.f32;
    c.K = c.x.size() + (o.eta ? 1 : 0);
    cases.push_back(std::move(c));
  }
  return cases;
}

void to_mp(mp200& dst, const ref::mpfloat& src) { mpfr_set(dst.backend().data(), src.backend().data(), MPFR_RNDN); }

// The largest K whose covariance is certified here when the file does not store it.
constexpr std::size_t kCovComputedMaxK = 32;

// Is the case's reference for quantity q stored in the file?
bool stored(const golden::Case& c, Quantity q) {
  switch (q) {
    case Quantity::mean: return c.has_ref && c.has_mu;
    case Quantity::H: return c.has_H;
    case Quantity::cov: return c.has_cov;
    case Quantity::kl: return c.has_kl;
    default: return c.has_ref;
  }
}

// The reference of every case: stored golden values, or the certified reference (in parallel).
std::vector<Ref> references(const Options& o, const std::vector<golden::Case>& cases, std::size_t& computed) {
  std::vector<Ref> refs(cases.size());
  std::vector<std::string> errors(cases.size());
  const Quantity q = o.q;
  std::vector<std::size_t> todo;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    if (!stored(c, q)) {
      if (q == Quantity::kl && c.kl_q.empty())
        throw golden::FormatError(fmt::format("{}:{}: --quantity kl needs the second row of each pair: a golden case with a "
                                              "kl_q column (format version 2)",
                                              o.cases, c.line));
      if (q == Quantity::cov && c.K > kCovComputedMaxK)
        throw golden::FormatError(fmt::format("{}:{}: case {} (K = {}) has no stored covariance, and the certified covariance "
                                              "is computed here only up to K = {} (K*K entries); score the cases that have a "
                                              "cov column",
                                              o.cases, c.line, c.id, c.K, kCovComputedMaxK));
      todo.push_back(i);
      continue;
    }
    Ref& r = refs[i];
    switch (q) {
      case Quantity::H: r.H = hi_lo(c.H, c.H_lo); break;
      case Quantity::kl: r.kl = hi_lo(c.kl, c.kl_lo); break;
      case Quantity::cov:
        r.cov.resize(c.K * c.K);
        for (std::size_t k = 0; k < c.K * c.K; ++k) r.cov[k] = hi_lo(c.cov[k], c.cov_lo[k]);
        break;
      default:
        r.A = hi_lo(c.A, c.A_lo);
        r.logC = hi_lo(c.logC, c.logC_lo);
        if (q == Quantity::mean) {
          r.mu.resize(c.K);
          for (std::size_t j = 0; j < c.K; ++j) r.mu[j] = hi_lo(c.mu[j], c.mu_lo[j]);
        }
    }
  }
  computed = todo.size();
#if defined(_OPENMP)
  const int nt = o.threads > 0 ? o.threads : omp_get_max_threads();
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
#endif
  for (std::ptrdiff_t t = 0; t < static_cast<std::ptrdiff_t>(todo.size()); ++t) {
    const std::size_t i = todo[t];
    const auto z = cases[i].z();
    const std::size_t K = z.size();
    Ref& r = refs[i];
    try {
      if (q == Quantity::H) {
        to_mp(r.H, ref::certified_entropy(z.data(), K).mid);
      } else if (q == Quantity::kl) {
        const auto zq = cases[i].zq();
        to_mp(r.kl, ref::certified_kl(z.data(), zq.data(), K).mid);
      } else if (q == Quantity::cov) {
        r.cov.assign(K * K, mp200(0));
        if (K > 1) {  // K = 1: Cov = 0 exactly
          const auto cv = ref::certified_covariance(z.data(), K);
          for (std::size_t a = 0; a < K; ++a)  // the upper triangle, mirrored (as the golden files)
            for (std::size_t b = a; b < K; ++b) {
              to_mp(r.cov[a * K + b], cv.cov[b * K + a]);
              r.cov[b * K + a] = r.cov[a * K + b];
            }
        }
      } else {
        ref::Certified c = ref::certified(z.data(), K, q == Quantity::mean);
        to_mp(r.A, c.A);
        to_mp(r.logC, c.logC);
        if (q == Quantity::mean) {
          r.mu.resize(K);
          for (std::size_t j = 0; j < K; ++j) to_mp(r.mu[j], c.mu[j]);
        }
      }
    } catch (const std::exception& e) {
      errors[i] = e.what();
    }
  }
  for (std::size_t i = 0; i < cases.size(); ++i)
    if (!errors[i].empty())
      throw golden::FormatError(fmt::format("{}:{}: no certified reference for this case: {}", o.cases, cases[i].line, errors[i]));
  return refs;
}

// The covariance error of one case: the largest over its K*K entries of |got - Cov| / (u s), s =
// Cov_ii on the diagonal, sqrt(Cov_ii Cov_jj) off it (scales below 2^-1000: 2^-1022, as err_mean);
// worst_j: the entry (row-major index) that attains it.
double err_cov(const std::vector<double>& got, const std::vector<mp200>& cov, std::size_t K, double u, std::size_t& worst_j) {
  if (got.size() != K * K || cov.size() != K * K) return kInf;
  std::vector<double> d(K);
  for (std::size_t i = 0; i < K; ++i) d[i] = measures::ref_traits<mp200>::magnitude(cov[i * K + i]);
  double worst = 0;
  worst_j = 0;
  for (std::size_t i = 0; i < K; ++i)
    for (std::size_t j = 0; j < K; ++j) {
      const std::size_t k = i * K + j;
      double scale = i == j ? d[i] : std::sqrt(d[i] * d[j]);
      if (!(scale >= measures::kMeanRelativeFloor)) scale = measures::kMeanAbsoluteScale;
      const double e = measures::err_scaled(got[k], cov[k], scale, u);
      if (!(e <= worst)) {  // the first non-finite or larger one
        worst = e;
        worst_j = k;
        if (!std::isfinite(e)) return kInf;
      }
    }
  return worst;
}

struct Summary {
  std::size_t cases = 0, failures = 0, nonfinite = 0, computed_refs = 0;
  double max_err = 0, max_err_finite = 0, median_err = 0, p99_err = 0, max_ulps = -1;
  std::map<std::string, Group> by_family, by_K;
  std::vector<const Scored*> worst;
};

Summary summarize(const Options& o, const std::vector<Scored>& sc, double tol) {
  Summary S;
  S.cases = sc.size();
  std::vector<double> all;
  for (const auto& s : sc) {
    all.push_back(s.err);
    const bool fail = !(s.err <= tol);
    if (fail) ++S.failures;
    if (s.nonfinite) ++S.nonfinite;
    if (std::isfinite(s.err)) S.max_err_finite = std::max(S.max_err_finite, s.err);
    if (s.ulps >= 0) S.max_ulps = std::max(S.max_ulps, s.ulps);
    for (Group* g : {&S.by_family[s.c->family], &S.by_K[golden::k_band(s.c->K)]}) {
      ++g->cases;
      g->failures += fail;
      g->nonfinite += s.nonfinite;
      g->errs.push_back(s.err);
    }
  }
  std::sort(all.begin(), all.end());
  if (!all.empty()) {
    S.max_err = all.back();
    S.median_err = percentile(all, 50);
    S.p99_err = percentile(all, 99);
  }
  for (auto* m : {&S.by_family, &S.by_K})
    for (auto& [k, g] : *m) std::sort(g.errs.begin(), g.errs.end());
  std::vector<const Scored*> ptr;
  for (const auto& s : sc) ptr.push_back(&s);
  std::stable_sort(ptr.begin(), ptr.end(), [](const Scored* a, const Scored* b) { return a->err > b->err; });
  for (std::size_t i = 0; i < ptr.size() && i < o.worst; ++i)
    if (ptr[i]->err > 0) S.worst.push_back(ptr[i]);
  return S;
}

std::string group_json(const std::map<std::string, Group>& m) {
  std::string s = "{";
  bool first = true;
  for (const auto& [k, g] : m) {
    if (!first) s += ',';
    first = false;
    s += fmt::format(R"("{}":{{"cases":{},"failures":{},"nonfinite":{},"max_err":{},"median_err":{},"p99_err":{}}})",
                     io::json_escape(k), g.cases, g.failures, g.nonfinite, io::json_number(g.errs.empty() ? 0 : g.errs.back(), 0),
                     io::json_number(percentile(g.errs, 50), 0), io::json_number(percentile(g.errs, 99), 0));
  }
  return s + "}";
}

std::string worst_json(const Summary& S, const Options& o) {
  std::string s = "[";
  for (std::size_t i = 0; i < S.worst.size(); ++i) {
    const Scored& w = *S.worst[i];
    if (i) s += ',';
    s += fmt::format(R"({{"id":"{}","family":"{}","K":{},"param":"{}","cases_line":{},"results_line":{},"err":{},)",
                     io::json_escape(w.c->id), io::json_escape(w.c->family), w.c->K, w.c->eta ? "eta" : "logits",
                     w.c->line, w.results_line, io::json_number(w.err, 0));
    if (w.ulps >= 0) s += fmt::format(R"("ulps":{},)", io::json_number(w.ulps, 0));
    if (is_vector(o.q)) s += fmt::format(R"("component":{},)", w.worst_j + 1);
    if (o.q == Quantity::cov) s += fmt::format(R"("entry":"{},{}",)", w.worst_j / w.c->K + 1, w.worst_j % w.c->K + 1);
    std::string got = w.error_row ? "error" : "";
    if (!w.error_row) {
      double g = is_vector(o.q) ? (w.worst_j < w.got.size() ? w.got[w.worst_j] : NAN) : w.got.at(0);
      got = io::format_shortest(g);
    }
    s += fmt::format(R"("got":"{}","reference":"{}","input":"{}"}})", got, w.ref_text, io::json_escape(preview(w.c->x, 8)));
  }
  return s + "]";
}


// Write text to f, close it; throws io::io_error naming path when any of it failed.
void close_checked(std::FILE* f, const std::string& path, const std::string& text) {
  errno = 0;
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  ok = std::fflush(f) == 0 && ok;
  const int e = errno ? errno : EIO;
  ok = std::fclose(f) == 0 && ok;
  if (!ok) throw io::io_error(fmt::format("error writing '{}': {}", path, std::strerror(e)));
}

void write_json(const std::string& path, const Options& o, const Summary& S, double tol, const std::string& kind) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (!f) throw io::io_error(fmt::format("cannot write '{}': {}", path, std::strerror(errno)));
  std::string s = fmt::format(
      R"({{"name":"{}","note":"{}","quantity":"{}","dtype":"{}","tol":{},"cases_file":"{}","cases_format":"{}","results_file":"{}",)"
      R"("date":"{}","cases":{},"failures":{},"nonfinite":{},"passed":{},"references_computed":{},)"
      R"("max_err":{},"max_err_finite":{},"median_err":{},"p99_err":{},"max_ulps":{},)"
      R"("by_family":{},"by_K":{},"worst":{}}})",
      io::json_escape(o.name), io::json_escape(o.note), quantity_name(o.q), o.f32 ? "f32" : "f64", io::json_number(tol, 0), io::json_escape(o.cases), kind,
      io::json_escape(o.results), io::utc_timestamp(), S.cases, S.failures, S.nonfinite, S.failures == 0 ? "true" : "false",
      S.computed_refs, io::json_number(S.max_err, 0), io::json_number(S.max_err_finite, 0), io::json_number(S.median_err, 0), io::json_number(S.p99_err, 0),
      S.max_ulps >= 0 ? io::json_number(S.max_ulps, 0) : "null", group_json(S.by_family), group_json(S.by_K), worst_json(S, o));
  s += '\n';
  close_checked(f, path, s);
}

void write_html(const std::string& path, const Options& o, const Summary& S, double tol) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (!f) throw io::io_error(fmt::format("cannot write '{}': {}", path, std::strerror(errno)));
  const std::string title = o.name.empty() ? std::string("ccnorm validate scorecard") : "ccnorm validate: " + o.name;
  std::string h = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>" + io::html_escape(title) +
                  "</title><style>body{font-family:sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse;margin:1em 0}"
                  "td,th{border:1px solid #bbb;padding:3px 8px;text-align:right}th{background:#eee}td.l{text-align:left;"
                  "font-family:monospace}.bad{color:#b00;font-weight:bold}.ok{color:#070;font-weight:bold}</style></head><body>";
  h += "<h1>" + io::html_escape(title) + "</h1>";
  h += fmt::format("<p>quantity <b>{}</b>, dtype <b>{}</b>, tolerance <b>{} u</b>; cases <code>{}</code>, results <code>{}</code>; {}</p>",
                   quantity_name(o.q), o.f32 ? "f32" : "f64", io::format_g(tol, 3), io::html_escape(o.cases), io::html_escape(o.results), io::utc_timestamp());
  if (!o.note.empty()) h += "<p>" + io::html_escape(o.note) + "</p>";
  h += fmt::format("<p class=\"{}\">{}: {} of {} cases over the tolerance ({} NaN/inf/error)</p>", S.failures ? "bad" : "ok",
                   S.failures ? "FAIL" : "PASS", S.failures, S.cases, S.nonfinite);
  h += fmt::format("<table><tr><th>max err (u)</th><th>p99</th><th>median</th><th>max finite</th><th>max ulps</th></tr>"
                   "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr></table>",
                   io::format_g(S.max_err, 3), io::format_g(S.p99_err, 3), io::format_g(S.median_err, 3), io::format_g(S.max_err_finite, 3),
                   S.max_ulps >= 0 ? io::format_g(S.max_ulps, 3) : "-");
  auto table = [&](const char* head, const std::map<std::string, Group>& m) {
    h += fmt::format("<h2>By {}</h2><table><tr><th>{}</th><th>cases</th><th>failures</th><th>NaN/inf</th><th>max err</th>"
                     "<th>p99</th><th>median</th></tr>", head, head);
    for (const auto& [k, g] : m)
      h += fmt::format("<tr><td class=\"l\">{}</td><td>{}</td><td{}>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                       io::html_escape(k), g.cases, g.failures ? " class=\"bad\"" : "", g.failures, g.nonfinite,
                       io::format_g(g.errs.empty() ? 0 : g.errs.back(), 3), io::format_g(percentile(g.errs, 99), 3), io::format_g(percentile(g.errs, 50), 3));
    h += "</table>";
  };
  table("family", S.by_family);
  table("K", S.by_K);
  h += "<h2>Worst inputs</h2><table><tr><th>case</th><th>K</th><th>err (u)</th><th>got</th><th>reference</th><th>input</th></tr>";
  for (const Scored* w : S.worst) {
    std::string got = w->error_row ? "error" : "";
    if (!w->error_row) {
      double g = is_vector(o.q) ? (w->worst_j < w->got.size() ? w->got[w->worst_j] : NAN) : w->got.at(0);
      got = io::format_shortest(g);
      if (o.q == Quantity::mean) got = fmt::format("mu_{} = {}", w->worst_j + 1, got);
      if (o.q == Quantity::cov) got = fmt::format("Cov_{},{} = {}", w->worst_j / w->c->K + 1, w->worst_j % w->c->K + 1, got);
    }
    h += fmt::format("<tr><td class=\"l\">{} ({}:{})</td><td>{}</td><td>{}</td><td class=\"l\">{}</td><td class=\"l\">{}</td><td class=\"l\">{}</td></tr>",
                     io::html_escape(w->c->id), io::html_escape(w->c->family), w->c->line, w->c->K, io::format_g(w->err, 3), got, w->ref_text,
                     io::html_escape(preview(w->c->x)));
  }
  h += "</table><p>Error measures: docs/design.md §3 (value, H: |v - ref| / (u max(1,|ref|)); mean: componentwise "
       "relative; cov: per entry, relative on the diagonal, against sqrt(Cov_ii Cov_jj) off it; kl: relative, an exact 0 "
       "must be 0); the reference is never rounded to the output type.</p></body></html>\n";
  close_checked(f, path, h);
}

}  // namespace

// Parse arguments; returns 0 when ok, 2 (after printing) otherwise; 3 means help was printed.
int parse_args(int argc, char** argv, Options& o, std::FILE* err) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto need = [&](std::string& dst) -> bool {
      if (i + 1 >= argc) {
        std::fprintf(err, "ccnorm validate: %s needs a value\n", a.c_str());
        return false;
      }
      dst = argv[++i];
      return true;
    };
    std::string v;
    if (a == "-h" || a == "--help") return 3;
    if (a == "--cases") {
      if (!need(o.cases)) return 2;
    } else if (a == "--results") {
      if (!need(o.results)) return 2;
    } else if (a == "--json") {
      if (!need(o.json)) return 2;
    } else if (a == "--html") {
      if (!need(o.html)) return 2;
    } else if (a == "--name") {
      if (!need(o.name)) return 2;
    } else if (a == "--note") {
      if (!need(o.note)) return 2;
    } else if (a == "--quantity") {
      if (!need(v)) return 2;
      if (v == "A") o.q = Quantity::A;
      else if (v == "logC") o.q = Quantity::logC;
      else if (v == "negA") o.q = Quantity::negA;
      else if (v == "mean" || v == "mu") o.q = Quantity::mean;
      else if (v == "H" || v == "entropy") o.q = Quantity::H;
      else if (v == "cov" || v == "covariance") o.q = Quantity::cov;
      else if (v == "kl" || v == "KL") o.q = Quantity::kl;
      else {
        std::fprintf(err, "ccnorm validate: --quantity must be A, logC, negA, mean, H, cov or kl, not '%s'\n", v.c_str());
        return 2;
      }
    } else if (a == "--dtype") {
      if (!need(v)) return 2;
      if (v == "f32") o.f32 = true;
      else if (v == "f64") o.f32 = false;
      else {
        std::fprintf(err, "ccnorm validate: --dtype must be f64 or f32, not '%s'\n", v.c_str());
        return 2;
      }
    } else if (a == "--param") {
      if (!need(v)) return 2;
      o.param_given = true;
      if (v == "eta") o.eta = true;
      else if (v == "logits") o.eta = false;
      else {
        std::fprintf(err, "ccnorm validate: --param must be logits or eta, not '%s'\n", v.c_str());
        return 2;
      }
    } else if (a == "--results-format") {
      if (!need(v)) return 2;
      if (v == "eval") o.eval_results = true;
      else if (v == "values") o.eval_results = false;
      else {
        std::fprintf(err, "ccnorm validate: --results-format must be values or eval, not '%s'\n", v.c_str());
        return 2;
      }
    } else if (a == "--tol") {
      if (!need(v)) return 2;
      char* end = nullptr;
      o.tol = std::strtod(v.c_str(), &end);
      if (end == v.c_str() || *end || !(o.tol >= 0)) {
        std::fprintf(err, "ccnorm validate: --tol must be a number >= 0, not '%s'\n", v.c_str());
        return 2;
      }
    } else if (a == "--threads") {
      if (!need(v)) return 2;
      if (!io::parse_positive_int(v, o.threads)) {
        std::fprintf(err, "ccnorm validate: --threads must be a positive integer, not '%s'\n", io::escape_bytes(v).c_str());
        return 2;
      }
    } else if (a == "--worst") {
      if (!need(v)) return 2;
      o.worst = static_cast<std::size_t>(std::max(0, std::atoi(v.c_str())));
    } else {
      std::fprintf(err, "ccnorm validate: unknown argument '%s' (see ccnorm validate --help)\n", a.c_str());
      return 2;
    }
  }
  if (o.cases.empty() || o.results.empty()) {
    std::fprintf(err, "ccnorm validate: --cases FILE and --results FILE are required (see ccnorm validate --help)\n");
    return 2;
  }
  return 0;
}

int run(const Options& o, std::FILE* out, std::FILE* err) {
  const double tol = o.tol >= 0 ? o.tol : default_tol(o.q, o.f32);
  const double u = measures::unit_roundoff(o.f32);
  const int p = measures::digits(o.f32);
  try {
    golden::FileKind kind;
    std::vector<golden::Case> cases = read_cases(o, kind);
    if (cases.empty()) throw golden::FormatError(fmt::format("{}: no cases", o.cases));
    std::vector<Scored> sc = read_results(o, cases);
    std::size_t computed = 0;
    std::vector<Ref> refs = references(o, cases, computed);
    for (std::size_t i = 0; i < sc.size(); ++i) {
      Scored& s = sc[i];
      const Ref& r = refs[i];
      auto value_ref = [&]() -> mp200 {
        switch (o.q) {
          case Quantity::logC: return r.logC;
          case Quantity::negA: return mp200(-r.A);
          case Quantity::H: return r.H;
          case Quantity::kl: return r.kl;
          default: return r.A;
        }
      };
      if (s.error_row) {
        s.err = kInf;
        s.nonfinite = true;
        s.ref_text = is_vector(o.q) ? "" : mp_text(value_ref());
        continue;
      }
      for (double g : s.got)
        if (!std::isfinite(g)) s.nonfinite = true;
      if (o.q == Quantity::mean) {
        s.err = measures::err_mean(s.got, r.mu, u, &s.worst_j);
        s.ref_text = mp_text(r.mu[s.worst_j]);
      } else if (o.q == Quantity::cov) {
        s.err = err_cov(s.got, r.cov, s.c->K, u, s.worst_j);
        s.ref_text = mp_text(r.cov[s.worst_j]);
      } else {
        const mp200 x = value_ref();
        s.err = o.q == Quantity::kl ? measures::err_relative(s.got[0], x, u) : measures::err_value(s.got[0], x, u);
        s.ulps = measures::ulps(s.got[0], x, p);
        s.ref_text = mp_text(x);
      }
    }
    Summary S = summarize(o, sc, tol);
    S.computed_refs = computed;
    const std::string kind_s = kind == golden::FileKind::eval ? "eval" : kind == golden::FileKind::golden_csv ? "golden-csv" : "golden-jsonl";
    std::fprintf(out, "ccnorm validate%s: %zu cases (%s, %zu references computed), quantity %s, dtype %s, tol %s u\n",
                 o.name.empty() ? "" : (" [" + o.name + "]").c_str(), S.cases, kind_s.c_str(), computed, quantity_name(o.q),
                 o.f32 ? "f32" : "f64", io::format_g(tol, 3).c_str());
    std::fprintf(out, "  %s: %zu failures (%zu NaN/inf/error); err in u: max %s, p99 %s, median %s (max finite %s)\n",
                 S.failures ? "FAIL" : "PASS", S.failures, S.nonfinite, io::format_g(S.max_err, 3).c_str(), io::format_g(S.p99_err, 3).c_str(),
                 io::format_g(S.median_err, 3).c_str(), io::format_g(S.max_err_finite, 3).c_str());
    for (const auto& [k, g] : S.by_family)
      if (g.failures)
        std::fprintf(out, "  family %-14s %zu/%zu failures (%zu NaN/inf), max %s\n", k.c_str(), g.failures, g.cases, g.nonfinite,
                     io::format_g(g.errs.back(), 3).c_str());
    for (const auto& [k, g] : S.by_K)
      if (g.failures)
        std::fprintf(out, "  K %-8s %zu/%zu failures (%zu NaN/inf), max %s\n", k.c_str(), g.failures, g.cases, g.nonfinite,
                     io::format_g(g.errs.back(), 3).c_str());
    for (std::size_t i = 0; i < S.worst.size() && i < 5; ++i) {
      const Scored* w = S.worst[i];
      if (!(w->err > tol)) break;
      std::fprintf(out, "  worst: %s (%s:%ld, K=%zu) err %s u\n", w->c->id.c_str(), o.cases.c_str(), w->c->line, w->c->K,
                   io::format_g(w->err, 3).c_str());
    }
    if (!o.json.empty()) write_json(o.json, o, S, tol, kind_s);
    if (!o.html.empty()) write_html(o.html, o, S, tol);
    return S.failures ? 1 : 0;
  } catch (const golden::FormatError& e) {
    std::fprintf(err, "ccnorm validate: %s\n", e.what());
    return 2;
  } catch (const io::io_error& e) {
    std::fprintf(err, "ccnorm validate: %s\n", e.what());
    return io::kExitIo;
  }
}

}  // namespace ccnorm::validate
