// ccnorm report: the case-study section (report.hpp: read_casestudy, section_casestudy). The
// data is DIR/casestudy/results.json, written by `ccnorm casestudy` (python/ccnorm/casestudy,
// format "ccnorm-casestudy/1", docs/design.md §5.14); every number of the section comes from it,
// nothing is typed in. Parsed with Boost.PropertyTree (every JSON scalar is a string there:
// numbers are read with strtod, null and the strings "inf"/"-inf" as NaN and +-inf).
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <map>
#include <sstream>

#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>

#include "io/files.hpp"
#include "io/format.hpp"
#include "reporting/report.hpp"

namespace fs = std::filesystem;
namespace pt = boost::property_tree;

namespace ccnorm::report {

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string str(const pt::ptree& t, const std::string& key, const std::string& dflt = "") {
  auto c = t.get_child_optional(pt::ptree::path_type(key, '.'));
  return c ? c->get_value<std::string>() : dflt;
}

double num_of(const std::string& s) {
  if (s.empty() || s == "null") return kNaN;
  if (s == "inf") return std::numeric_limits<double>::infinity();
  if (s == "-inf") return -std::numeric_limits<double>::infinity();
  char* end = nullptr;
  const double x = std::strtod(s.c_str(), &end);
  return end == s.c_str() ? kNaN : x;
}
double num(const pt::ptree& t, const std::string& key) { return num_of(str(t, key)); }

// T is null in the label-smoothing study, a number in distillation: kept as its %g text ("" for null)
std::string temp(const pt::ptree& t) {
  const std::string s = str(t, "T");
  return (s.empty() || s == "null") ? std::string() : io::format_g(num_of(s));
}

std::vector<double> nums(const pt::ptree& t, const std::string& key) {
  std::vector<double> v;
  if (auto c = t.get_child_optional(key))
    for (auto& [k, x] : *c) v.push_back(num_of(x.get_value<std::string>()));
  return v;
}
std::vector<std::string> strs(const pt::ptree& t, const std::string& key) {
  std::vector<std::string> v;
  if (auto c = t.get_child_optional(key))
    for (auto& [k, x] : *c) v.push_back(x.get_value<std::string>());
  return v;
}

std::string pm(double m, double s, int digits, double scale = 1) {
  if (std::isnan(m)) return "-";
  return fmt::format("{:.{}f} ± {:.{}f}", scale * m, digits, scale * (std::isnan(s) ? 0 : s), digits);
}
std::string pct(double x) { return std::isnan(x) ? std::string("-") : fmt::format("{:.1f} %", 100 * x); }
std::string g3(double x) { return std::isnan(x) ? std::string("-") : io::format_g(x, 3); }

std::string group_title(const CaseStudy::Key& k) {
  return k.study == "ls" ? "Label smoothing, " + k.dataset : "Distillation, " + k.dataset + ", T = " + k.T;
}

}  // namespace

CaseStudy read_casestudy(const std::string& results_json) {
  CaseStudy cs;
  cs.file = results_json;
  if (!fs::exists(results_json)) {
    cs.status = "no case-study results: " + results_json +
                " does not exist (run `ccnorm casestudy --quick --out DIR` before `ccnorm report --out DIR`; "
                "scripts/main.sh does)";
    return cs;
  }
  pt::ptree r;
  try {
    std::istringstream in(io::read_text(results_json));
    pt::read_json(in, r);
  } catch (const std::exception& e) {
    cs.status = "case-study results unreadable: " + results_json + ": " + e.what();
    return cs;
  }
  if (str(r, "format") != "ccnorm-casestudy/1") {
    cs.status = "case-study results: " + results_json + ": unknown format '" + str(r, "format") + "'";
    return cs;
  }
  cs.command = str(r, "command");
  cs.quick = str(r, "quick") == "true";
  cs.started = str(r, "started");
  cs.finished = str(r, "finished");
  cs.wall_s = num(r, "wall_s");
  cs.compute_s = num(r, "compute_s");
  cs.jobs = str(r, "jobs");
  cs.resumed_runs = str(r, "resumed_runs");
  cs.expected_runs = str(r, "expected_runs");
  cs.missing_runs = strs(r, "missing_runs");
  cs.problems = strs(r, "problems");
  cs.git_sha = str(r, "environment.git_sha");
  cs.cpu = str(r, "environment.cpu");
  cs.versions = "Python " + str(r, "environment.python") + ", torch " + str(r, "environment.torch") + ", numpy " +
                str(r, "environment.numpy") + ", ccnorm " + str(r, "environment.ccnorm");
  cs.seeds = std::to_string(r.get_child("config.seeds", pt::ptree()).size());
  cs.eps = str(r, "config.eps");
  cs.batch = str(r, "config.batch");
  cs.lr = str(r, "config.lr");
  cs.reference_note = str(r, "reference.note");
  if (auto c = r.get_child_optional("labels"))
    for (auto& [k, v] : *c) cs.labels[k] = v.get_value<std::string>();
  if (auto c = r.get_child_optional("principled_predictive"))
    for (auto& [k, v] : *c) cs.principled[k] = v.get_value<std::string>();
  if (auto c = r.get_child_optional("arms"))
    for (auto& [study, v] : *c)
      for (auto& [k, a] : v) cs.arms[study].push_back(a.get_value<std::string>());
  if (auto c = r.get_child_optional("datasets"))
    for (auto& [name, v] : *c)
      cs.datasets.push_back({name, str(v, "source"), str(v, "n_train"), str(v, "n_val"), str(v, "n_test")});
  if (auto c = r.get_child_optional("teachers"))
    for (auto& [name, v] : *c)
      cs.teachers.push_back({name, str(v, "epochs"), str(v, "best_epoch"), num(v, "val_acc"), num(v, "test_acc")});
  auto key = [](const pt::ptree& v) { return CaseStudy::Key{str(v, "study"), str(v, "dataset"), temp(v)}; };
  if (auto c = r.get_child_optional("aggregate"))
    for (auto& [k, v] : *c)
      cs.aggregate.push_back({key(v), str(v, "arm"), str(v, "metric"), str(v, "n"), num(v, "mean"), num(v, "std")});
  if (auto c = r.get_child_optional("timing"))
    for (auto& [k, v] : *c)
      cs.timing.push_back({key(v), str(v, "arm"), num(v, "epoch_train_seconds_mean"), num(v, "epoch_train_seconds_std"),
                           num(v, "ratio_to_ce")});
  if (auto c = r.get_child_optional("published"))
    for (auto& [k, v] : *c)
      cs.published.push_back({key(v), str(v, "arm"), num(v, "fallback_fraction"), nums(v, "fallback_fraction_per_epoch"),
                              str(v, "sampled_rows"), num(v, "would_fallback"), num(v, "err_logC_median"),
                              num(v, "err_logC_max"), num(v, "err_logC_over_1pct"), num(v, "nonfinite_logC"),
                              num(v, "ccnorm_err_logC_max"), num(v, "spread_median"), num(v, "spread_max")});
  if (auto c = r.get_child_optional("claims"))
    for (auto& [k, v] : *c) cs.claims.push_back({str(v, "claim"), str(v, "source"), str(v, "measured")});
  cs.helps = strs(r, "statement.helps");
  cs.does_not_help = strs(r, "statement.does_not_help");
  cs.published_not_cc = strs(r, "statement.published_not_cc");
  cs.statement_rule = str(r, "statement.rule");
  const fs::path dir = fs::path(results_json).parent_path();
  if (auto c = r.get_child_optional("figures"))
    for (auto& [k, v] : *c) {
      const std::string f = str(v, "file");
      if (!f.empty() && fs::exists(dir / f)) cs.figures.push_back({f, str(v, "caption")});
    }
  return cs;
}

void section_casestudy(Document& d, const CaseStudy& cs, const std::string& fig_prefix) {
  d.heading(2, "Case studies: label smoothing and distillation with an exact CC normaliser");
  if (!cs.status.empty()) {
    d.paragraph("Not available: " + cs.status + ".");
    return;
  }
  d.paragraph("Generated from `" + cs.file + "` (written by `" + cs.command + "`, " + (cs.quick ? "quick" : "full") +
              " configuration, " + cs.started + " to " + cs.finished + "; git " +
              (cs.git_sha.empty() ? std::string("unknown") : cs.git_sha) + "). Wall time of the study: " +
              fmt::format("{:.1f} s", cs.wall_s) + " (compute time of all runs " + fmt::format("{:.1f} s", cs.compute_s) +
              ", " + cs.jobs + " job(s) of one thread each, " + cs.resumed_runs + " run(s) resumed from an earlier "
              "invocation); " + cs.cpu + "; " + cs.versions + ".");
  if (!cs.missing_runs.empty()) {
    std::string s;
    for (std::size_t i = 0; i < cs.missing_runs.size() && i < 10; ++i) s += (i ? ", " : "") + cs.missing_runs[i];
    d.paragraph("**Incomplete:** " + std::to_string(cs.missing_runs.size()) + " of " + cs.expected_runs +
                " runs are missing (" + s + (cs.missing_runs.size() > 10 ? ", ..." : "") + ").");
  }
  {
    std::vector<std::vector<std::string>> rows;
    for (const auto& ds : cs.datasets) {
      std::string teacher = "-";
      for (const auto& t : cs.teachers)
        if (t.dataset == ds.name)
          teacher = fmt::format("{:.2f} % test accuracy ({} epochs, best validation epoch {})", 100 * t.test_acc, t.epochs,
                                t.best_epoch);
      rows.push_back({ds.name, ds.source, ds.n_train + " / " + ds.n_val + " / " + ds.n_test, teacher});
    }
    d.table({"dataset", "source", "train / validation / test rows", "distillation teacher (CE, hard labels)"}, rows);
  }
  d.paragraph("Arms (one MLP per dataset and study, Adam lr " + cs.lr + ", batch " + cs.batch + ", " + cs.seeds +
              " seeds; a seed fixes the initialisation and the minibatch order, shared by every arm): CE on hard labels; "
              "LS, cross-entropy on the smoothed target (eps " + cs.eps + "); CC (ccnorm), the CC negative log "
              "likelihood of the smoothed target or of softmax(teacher/T) with ccnorm's exact normaliser "
              "(`ccnorm.torch.cc_log_likelihood`); CC (published), the papers' loss as published: the closed form "
              "with std scaling in float32, each row whose mean is NaN or outside the simplex falling back to "
              "cross-entropy. Test metrics are those of the epoch with the best validation accuracy (never selected on "
              "test; the test-selected maximum, the papers' protocol, is shown beside it).");
  d.paragraph("Two predictive class probabilities are scored: softmax(z) and the CC mean E[x] = ∇A(z) "
              "(docs/design.md §1.3). For a model trained with a CC likelihood the CC mean is the principled one: the "
              "model says the label vector is a draw from CC(z), so the probability of class j is E[x_j]; softmax(z) "
              "is only the distribution's λ parameter. For CE and LS the softmax is the model's predictive. Comparisons "
              "and the statements below use each arm's principled predictive (" +
              [&] {
                std::string s;
                for (const auto& [a, p] : cs.principled) {
                  auto l = cs.labels.find(a);
                  s += (s.empty() ? "" : ", ") + (l == cs.labels.end() ? a : l->second) + ": " +
                       (p == "ccmean" ? "CC mean" : p);
                }
                return s;
              }() +
              ").");

  // ---- means ± std over seeds, one table per (study, dataset, T)
  std::vector<CaseStudy::Key> keys;
  std::map<std::string, const CaseStudy::Agg*> agg;
  for (const auto& a : cs.aggregate) {
    bool seen = false;
    for (const auto& k : keys) seen = seen || k == a.key;
    if (!seen) keys.push_back(a.key);
    agg[a.key.study + "|" + a.key.dataset + "|" + a.key.T + "|" + a.arm + "|" + a.metric] = &a;
  }
  auto cell = [&](const CaseStudy::Key& k, const std::string& arm, const std::string& m, int digits, double scale = 1) {
    auto it = agg.find(k.study + "|" + k.dataset + "|" + k.T + "|" + arm + "|" + m);
    return it == agg.end() ? std::string("-") : pm(it->second->mean, it->second->std, digits, scale);
  };
  d.heading(3, "Means ± standard deviations over seeds");
  for (const auto& k : keys) {
    const bool distill = k.study == "distill";
    std::vector<std::string> head{"arm", "seeds", "test acc % (val-selected)", "max test acc % (test-selected)",
                                  "NLL softmax", "NLL CC mean", "ECE softmax", "ECE CC mean"};
    if (distill) head.insert(head.end(), {"KL(teacher‖softmax)", "KL(teacher‖CC mean)"});
    head.push_back("fallback % of rows");
    std::vector<std::vector<std::string>> rows;
    auto arms = cs.arms.find(k.study);
    if (arms == cs.arms.end()) continue;
    for (const auto& arm : arms->second) {
      auto n = agg.find(k.study + "|" + k.dataset + "|" + k.T + "|" + arm + "|acc");
      if (n == agg.end()) continue;
      auto l = cs.labels.find(arm);
      std::vector<std::string> row{l == cs.labels.end() ? arm : l->second, n->second->n, cell(k, arm, "acc", 2, 100),
                                   cell(k, arm, "max_test_acc", 2, 100), cell(k, arm, "nll_softmax", 3),
                                   cell(k, arm, "nll_ccmean", 3), cell(k, arm, "ece_softmax", 4),
                                   cell(k, arm, "ece_ccmean", 4)};
      if (distill) row.insert(row.end(), {cell(k, arm, "kl_softmax", 4), cell(k, arm, "kl_ccmean", 4)});
      row.push_back(arm == "ccpub" ? cell(k, arm, "fallback_fraction", 2, 100) : "-");
      rows.push_back(row);
    }
    d.paragraph("**" + group_title(k) + "**");
    d.table(head, rows);
  }

  // ---- training time per epoch
  {
    std::vector<std::vector<std::string>> rows;
    for (const auto& t : cs.timing) {
      auto l = cs.labels.find(t.arm);
      rows.push_back({group_title(t.key), l == cs.labels.end() ? t.arm : l->second,
                      fmt::format("{:.4f} ± {:.4f}", t.mean_s, std::isnan(t.std_s) ? 0 : t.std_s), g3(t.ratio_to_ce)});
    }
    d.heading(3, "Training time per epoch");
    d.paragraph("Forward, loss, backward and optimiser steps of one epoch (evaluation excluded), one thread, mean ± std "
                "over seeds; × CE: the ratio to the cross-entropy arm of the same study.");
    d.table({"study", "arm", "s / epoch", "× CE"}, rows);
  }

  // ---- the published loss along the trajectories
  {
    std::vector<std::vector<std::string>> rows;
    for (const auto& p : cs.published) {
      auto l = cs.labels.find(p.arm);
      std::string per_epoch = "-";
      if (!p.fallback_per_epoch.empty()) {
        const auto& v = p.fallback_per_epoch;
        const std::size_t n = v.size();
        per_epoch = "1: " + pct(v[0]);
        if (n > 2) per_epoch += ", " + std::to_string(n / 2 + 1) + ": " + pct(v[n / 2]);
        if (n > 1) per_epoch += ", " + std::to_string(n) + ": " + pct(v[n - 1]);
      }
      rows.push_back({group_title(p.key), l == cs.labels.end() ? p.arm : l->second,
                      p.arm == "ccpub" ? pct(p.fallback) : "-", per_epoch, p.sampled_rows, pct(p.would_fallback),
                      g3(p.err_median), g3(p.err_max), pct(p.over_1pct), pct(p.nonfinite), g3(p.ccnorm_err_max),
                      g3(p.spread_median) + " / " + g3(p.spread_max)});
    }
    d.heading(3, "The published loss along the training trajectories");
    d.paragraph("Fallback: the share of training rows on which the published loss used cross-entropy instead of the "
                "CC (mean over seeds; per epoch: epochs 1, middle, last). Normaliser error: the published log C "
                "(closed form with std scaling, float32) on rows sampled from each arm's training batches, every epoch, "
                "against ccnorm's certified path: " + cs.reference_note + ". 1 % relative is about 1.7e5 u.");
    d.table({"study", "arm's logits", "fell back", "fell back per epoch", "sampled rows", "would fall back",
             "median err log C (u)", "max err log C (u)", "off by > 1 %", "non-finite", "ccnorm f32 max err (u)",
             "gap median / max"},
            rows);
  }

  // ---- claims next to measurements, and the plain statement
  d.heading(3, "The papers' claims next to what was measured");
  {
    std::vector<std::vector<std::string>> rows;
    for (const auto& c : cs.claims) rows.push_back({c.claim, c.source, c.measured});
    d.table({"claim", "source", "measured here"}, rows);
  }
  d.heading(3, "Where CC helps, where not, and where the published loss was not computing the CC");
  auto list = [&](const std::string& title, const std::vector<std::string>& v) {
    std::string s = "**" + title + "**";
    if (v.empty()) s += " none measured.";
    d.paragraph(s);
    for (const auto& x : v) d.paragraph("- " + x);
  };
  list("CC (ccnorm) better than the cross-entropy baseline (LS in label smoothing, CE in distillation):", cs.helps);
  list("No measurable difference, or worse:", cs.does_not_help);
  list("Where the published loss was not computing the CC:", cs.published_not_cc);
  if (!cs.statement_rule.empty()) d.paragraph("Rule: " + cs.statement_rule + ".");
  if (!cs.problems.empty()) {
    std::string s;
    for (const auto& p : cs.problems) s += "- " + p + "\n";
    d.paragraph("Problems during the study:");
    d.preformatted(s);
  }
  for (const auto& [file, caption] : cs.figures) d.figure(fig_prefix + file, caption);
}

}  // namespace ccnorm::report
