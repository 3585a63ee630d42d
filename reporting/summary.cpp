// ccnorm report: the data of the sections and of summary.json (see report.hpp): the accuracy
// groups, accuracy.csv, the scorecards' fields, summary.json.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <tuple>

#include "bench/sweep/inputs.hpp"
#include "io/format.hpp"
#include "io/json.hpp"
#include "normalizer/naive_moments.hpp"
#include "normalizer/registry.hpp"
#include "reporting/report.hpp"

namespace ccnorm::report {

namespace {
std::string value(const io::TableRow& r, const std::string& k) {
  auto it = r.find(k);
  return it == r.end() ? std::string() : it->second;
}
}  // namespace

std::vector<AccRow> aggregate_accuracy(const std::vector<sweep::Row>& rows, const Table& worst) {
  std::map<std::tuple<int, std::string, std::string, std::size_t>, std::vector<const sweep::Row*>> groups;
  for (const auto& r : rows) groups[{algo_rank(r.algo), r.dtype, r.family, r.K}].push_back(&r);
  std::map<std::tuple<std::string, std::string, std::string, std::size_t>, std::string> worst_in;
  for (const auto& w : worst)
    worst_in[{value(w, "algo"), value(w, "dtype"), value(w, "family"), std::stoul(value(w, "K"))}] = value(w, "input");
  std::vector<AccRow> acc;
  for (const auto& [k, v] : groups) {
    AccRow a;
    a.algo = v[0]->algo, a.dtype = v[0]->dtype, a.family = v[0]->family, a.K = v[0]->K, a.n = v.size();
    std::vector<double> eA;
    for (const sweep::Row* r : v) eA.push_back(r->err_A), a.max_mu = std::max(a.max_mu, r->err_mu);
    std::sort(eA.begin(), eA.end());
    a.max_A = measures::percentile(eA, 100), a.p99_A = measures::percentile(eA, 99), a.med_A = measures::percentile(eA, 50);
    a.worst = worst_in[{a.algo, a.dtype, a.family, a.K}];
    acc.push_back(a);
  }
  return acc;
}

const std::vector<std::string>& dist_quantities() {
  static const std::vector<std::string> q{"H", "var", "cov", "kl"};
  return q;
}

namespace {
double dist_value(const sweep::Row& r, const std::string& q) {
  if (q == "H") return r.err_H;
  if (q == "var") return r.err_var;
  if (q == "cov") return r.err_cov;
  return r.err_kl;
}
// The input of a sweep row, regenerated and checked against its hash (hex floats), or why not.
std::string regenerated_input(const sweep::Row& r) {
  try {
    const auto z = sweep::generate(r.family, r.K, std::stod(r.sigma), r.seed);
    if (r.dtype == "f32") {
      const auto zf = sweep::as<float>(z);
      if (sweep::hex64(sweep::hash_input(zf)) == r.hash) return sweep::input_hex(zf);
    } else if (sweep::hex64(sweep::hash_input(z)) == r.hash) {
      return sweep::input_hex(z);
    }
  } catch (const std::exception&) {
  }
  return "unavailable (generator mismatch)";
}
}  // namespace

std::vector<DistAccRow> aggregate_distribution(const std::vector<sweep::Row>& in) {
  // canonical order first, so that ties go to the first row whatever the file's order
  std::vector<const sweep::Row*> rows;
  for (const auto& r : in) rows.push_back(&r);
  std::stable_sort(rows.begin(), rows.end(), [](const sweep::Row* a, const sweep::Row* b) { return a->order() < b->order(); });
  std::vector<DistAccRow> out;
  for (std::size_t qi = 0; qi < dist_quantities().size(); ++qi) {
    const std::string& q = dist_quantities()[qi];
    std::map<std::tuple<int, std::string, std::string>, std::vector<const sweep::Row*>> groups;
    for (const sweep::Row* r : rows)
      if (!std::isnan(dist_value(*r, q))) groups[{algo_rank(r->algo), r->dtype, r->family}].push_back(r);
    for (const auto& [k, v] : groups) {
      DistAccRow a;
      a.quantity = q;
      a.algo = v[0]->algo, a.dtype = v[0]->dtype, a.family = v[0]->family;
      Algo id;
      a.method = parse_algo(a.algo, id) ? naive::method_name(id) : "naive";
      a.n = v.size();
      std::vector<double> e;
      const sweep::Row* worst = v[0];
      for (const sweep::Row* r : v) {
        const double x = dist_value(*r, q);
        e.push_back(x);
        if (!std::isfinite(x)) ++a.nonfinite;
        if (x > dist_value(*worst, q)) worst = r;
      }
      std::sort(e.begin(), e.end());
      a.max = measures::percentile(e, 100), a.p99 = measures::percentile(e, 99), a.median = measures::percentile(e, 50);
      a.worst_K = worst->K, a.worst_sigma = worst->sigma, a.worst_seed = worst->seed;
      a.worst_input = regenerated_input(*worst);
      out.push_back(std::move(a));
    }
  }
  return out;
}

std::string accuracy_csv(const std::vector<AccRow>& acc) {
  using io::format_error;
  std::string s = "algo,dtype,family,K,n,max_err_A,p99_err_A,median_err_A,max_err_mean\n";
  for (const auto& a : acc)
    s += a.algo + ',' + a.dtype + ',' + a.family + ',' + std::to_string(a.K) + ',' + std::to_string(a.n) + ',' +
         format_error(a.max_A) + ',' + format_error(a.p99_A) + ',' + format_error(a.med_A) + ',' + format_error(a.max_mu) +
         '\n';
  return s;
}

Scorecard parse_scorecard(const std::string& js, const std::string& file) {
  // The first occurrence of each key is the top-level field: `ccnorm validate --json` writes the
  // top-level fields before by_family / by_K.
  auto field = [&](const std::string& key) -> std::string {
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
    const double x = std::strtod(v.c_str(), &end);
    if (end != v.c_str() && v.find('.') != std::string::npos) return io::format_g(x, 3);
    return v;
  };
  return {field("name"),     field("quantity"),   field("dtype"),          field("cases"), field("failures"),
          field("nonfinite"), field("median_err"), field("max_err_finite"), field("note"),  file};
}

std::string summary_json(const SummaryData& s) {
  using io::json_error;
  using io::json_string;
  std::string f = "{\n  \"max_dimension\": {";
  std::map<std::string, std::vector<std::pair<double, std::string>>> m;
  for (const auto& r : s.max_dimension_median)
    m[value(r, "algo") + "/" + value(r, "dtype")].push_back({std::stod(value(r, "sigma")), value(r, "median_K")});
  bool first = true;
  for (auto& [k, v] : m) {
    std::sort(v.begin(), v.end());
    f += std::string(first ? "" : ",") + "\n    " + json_string(k) + ": {";
    first = false;
    for (std::size_t i = 0; i < v.size(); ++i)
      f += (i ? ", " : "") + json_string(io::format_g(v[i].first)) + ": " + v[i].second;
    f += "}";
  }
  const std::string kmax = s.max_dimension_median.empty() ? "" : value(s.max_dimension_median[0], "kmax");
  f += "\n  },\n  \"max_dimension_protocol\": {\"kmax\": " + (kmax.empty() ? std::string("null") : kmax) +
       ", \"relative_error_of_logC_below\": 0.01, \"file\": \"regions/max_dimension.json\"},\n";
  f += "  \"accuracy\": [";
  first = true;
  for (const auto& a : s.accuracy) {
    f += std::string(first ? "" : ",") + "\n    {\"algo\": " + json_string(a.algo) + ", \"dtype\": " + json_string(a.dtype) +
         ", \"family\": " + json_string(a.family) + ", \"K\": " + std::to_string(a.K) + ", \"n\": " + std::to_string(a.n) +
         ", \"max_err_A\": " + json_error(a.max_A) + ", \"p99_err_A\": " + json_error(a.p99_A) +
         ", \"median_err_A\": " + json_error(a.med_A) + ", \"max_err_mean\": " + json_error(a.max_mu) +
         ", \"worst_input\": " + json_string(a.worst) + "}";
    first = false;
  }
  f += "\n  ],\n  \"throughput\": [";
  first = true;
  for (const auto& r : s.bench) {
    if (value(r, "ns_per_eval").empty()) continue;
    const std::string threads = value(r, "threads"), ratio = value(r, "ratio_to_closed_form");
    f += std::string(first ? "" : ",") + "\n    {\"algo\": " + json_string(value(r, "algo")) +
         ", \"dtype\": " + json_string(value(r, "dtype")) + ", \"K\": " + value(r, "K") +
         ", \"sigma\": " + json_error(std::stod(value(r, "sigma"))) +
         ", \"grad\": " + (value(r, "grad") == "1" ? "true" : "false") +
         ", \"ns_per_eval\": " + json_error(std::stod(value(r, "ns_per_eval"))) + ", \"batch\": " + value(r, "batch") +
         ", \"threads\": " + (threads.empty() ? "1" : threads) +
         ", \"ratio_to_closed_form\": " + (ratio.empty() ? "null" : json_error(std::stod(ratio))) + "}";
    first = false;
  }
  f += "\n  ],\n";
  if (!s.bench_status.empty()) f += "  \"throughput_status\": " + json_string(s.bench_status) + ",\n";
  f += "  \"environment\": {\"compiler\": " + json_string(s.env.compiler) + ", \"flags\": " + json_string(s.env.flags) +
       ", \"cpu\": " + json_string(s.env.cpu) + ", \"git_sha\": " + json_string(s.env.git_sha) +
       ", \"date\": " + json_string(s.env.date) + ", \"gpu\": " + json_string(s.gpu_line) + "},\n";
  f += "  \"config\": {\"quick\": " + std::string(s.quick ? "true" : "false") + ", \"sweep_K\": [";
  for (std::size_t i = 0; i < s.Ks.size(); ++i) f += (i ? ", " : "") + std::to_string(s.Ks[i]);
  f += "], \"sweep_sigmas\": [";
  for (std::size_t i = 0; i < s.sigmas.size(); ++i) f += (i ? ", " : "") + io::format_g(s.sigmas[i]);
  f += "], \"sweep_seeds\": " + std::to_string(s.seeds) + "},\n  \"problems\": [";
  for (std::size_t i = 0; i < s.problems.size(); ++i) f += (i ? ", " : "") + json_string(s.problems[i]);
  f += "],\n";
  // the rest of the distribution (docs/design.md §4.6): one object per (quantity, algo, dtype, family)
  f += "  \"distribution_accuracy\": [";
  first = true;
  for (const auto& a : s.distribution) {
    f += std::string(first ? "" : ",") + "\n    {\"quantity\": " + json_string(a.quantity) + ", \"algo\": " + json_string(a.algo) +
         ", \"dtype\": " + json_string(a.dtype) + ", \"family\": " + json_string(a.family) +
         ", \"method\": " + json_string(a.method) + ", \"n\": " + std::to_string(a.n) +
         ", \"nonfinite\": " + std::to_string(a.nonfinite) + ", \"max_err\": " + json_error(a.max) +
         ", \"p99_err\": " + json_error(a.p99) + ", \"median_err\": " + json_error(a.median) +
         ", \"worst_K\": " + std::to_string(a.worst_K) + ", \"worst_sigma\": " + json_error(std::stod(a.worst_sigma)) +
         ", \"worst_seed\": " + std::to_string(a.worst_seed) + ", \"worst_input\": " + json_string(a.worst_input) + "}";
    first = false;
  }
  f += "\n  ],\n  \"distribution_protocol\": {\"units\": \"u of the dtype\", \"err_H\": \"|H^ - H| / (u max(1, |H|))\", "
       "\"err_var\": \"max_i |Var^_i - Var_i| / (u Var_i)\", \"err_cov\": \"max_{i != j} |Cov^_ij - Cov_ij| / (u "
       "sqrt(Var_i Var_j)); all entries for K <= 32, else the column of the top node\", \"err_kl\": \"|KL^ - KL| / (u "
       "KL), pair (z, q), q_j = RN(z_j + max(1e-6 max(1, spread), 8 ulp(z_j)) cos(j)); exact 0 must be 0\", \"max_K\": " +
       std::to_string(s.dist_max_K) + ", \"cov_max_K_naive\": " + std::to_string(s.dist_cov_max_K_naive) +
       ", \"methods\": {\"ccnorm\": \"normalizer/distribution.hpp (auto, auto-precise)\", \"naive\": "
       "\"normalizer/naive_moments.hpp with the algorithm's own A and mean\"}},\n";
  // the sampler benchmark (bench/bench_sample.csv)
  f += "  \"sampling\": [";
  first = true;
  auto num = [](const std::string& v) { return v.empty() ? std::string("null") : json_error(std::stod(v)); };
  for (const auto& r : s.sampling) {
    if (value(r, "samples_per_s").empty()) continue;
    f += std::string(first ? "" : ",") + "\n    {\"sampler\": " + json_string(value(r, "sampler")) + ", \"K\": " + value(r, "K") +
         ", \"sigma\": " + num(value(r, "sigma")) + ", \"samples_per_s\": " + num(value(r, "samples_per_s")) +
         ", \"ns_per_sample\": " + num(value(r, "ns_per_sample")) + ", \"acceptance\": " + num(value(r, "acceptance")) +
         ", \"nan_rate\": " + num(value(r, "nan_rate")) + ", \"setup_ns_per_row\": " + num(value(r, "setup_ns_per_row")) + "}";
    first = false;
  }
  f += "\n  ]\n}\n";
  return f;
}

}  // namespace ccnorm::report
