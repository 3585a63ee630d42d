"""The case study's results: results.json (docs/design.md §5.14), summary.md and the figures.

Everything here reads the finished run files (``runs/<id>.json``) and nothing else; the figures
read ``results.json`` and the run files only.
"""
import math
import os

import numpy as np

from . import fileio
from . import losses as L
from . import train

FORMAT = "ccnorm-casestudy/1"
METRICS = ("acc", "max_test_acc", "nll_softmax", "nll_ccmean", "ece_softmax", "ece_ccmean", "kl_softmax",
           "kl_ccmean", "fallback_fraction", "sampled_would_fallback", "sampled_err_logC_median")
# the principled predictive of each arm: softmax for cross-entropy training, the CC mean for a CC model
PRINCIPLED = {"ce": "softmax", "ls": "softmax", "cc": "ccmean", "ccpub": "ccmean"}
ONE_PERCENT_U = 0.01 / 2.0 ** -24  # a relative error of 1 % of max(1, |log C|), in u of float32


def _q(v, q):
    v = np.asarray(v, dtype=np.float64)
    if len(v) == 0:
        return float("nan")
    return float(np.quantile(v, q, method="inverted_cdf"))  # nearest rank (docs/design.md §3.4)


def _mean_std(v):
    v = np.asarray([x for x in v if x is not None], dtype=np.float64)
    if len(v) == 0:
        return float("nan"), float("nan")
    return float(v.mean()), float(v.std(ddof=1)) if len(v) > 1 else 0.0


def run_summary(r):
    """The per-run entry of results.json from a finished run file."""
    sp, sel, eps = r["spec"], r["selected"], r["epochs"]
    rows = sum(e["rows"] for e in eps)
    errs = [fileio.number(x) for e in eps for x in e["trajectory"]["err_logC"]]
    errm = [fileio.number(x) for e in eps for x in e["trajectory"]["err_mean"]]
    errc = [fileio.number(x) for e in eps for x in e["trajectory"]["err_logC_ccnorm"]]
    wf = [bool(x) for e in eps for x in e["trajectory"]["fallback"]]
    refs = [x for e in eps for x in e["trajectory"]["reference"]]
    test = {k: sel["test"].get(k) for k in ("acc", "nll_softmax", "nll_ccmean", "ece_softmax", "ece_ccmean",
                                            "kl_softmax", "kl_ccmean", "conf_softmax", "conf_ccmean", "gap_median",
                                            "gap_max")
            if k in sel["test"]}
    return {
        "id": r["id"], "study": sp["study"], "dataset": sp["dataset"], "T": sp.get("T"), "arm": sp["arm"],
        "seed": sp["seed"], "epochs": len(eps), "best_epoch": sel["epoch"], "val_acc": sel["val"]["acc"],
        "test": test, "max_test_acc": sel["max_test_acc"], "max_test_acc_epoch": sel["max_test_acc_epoch"],
        "final_test_acc": sel["final_test"]["acc"],
        "fallback_fraction": sum(e["fallback_rows"] for e in eps) / rows,
        "fallback_fraction_per_epoch": [e["fallback_fraction"] for e in eps],
        "skipped_steps": sum(e["skipped_steps"] for e in eps),
        "nonfinite_rows": sum(e["nonfinite_rows"] for e in eps),
        "outside_domain_rows_test": sel["test"].get("outside_domain_rows", 0),
        "sampled": {
            "rows": len(errs),
            "would_fallback": float(np.mean(wf)) if wf else float("nan"),
            "err_logC_median": _q(errs, 0.5), "err_logC_p90": _q(errs, 0.9), "err_logC_max": _q(errs, 1.0),
            "err_logC_over_1pct": float(np.mean([x > ONE_PERCENT_U for x in errs])) if errs else float("nan"),
            "nonfinite_logC": float(np.mean([not math.isfinite(x) for x in errs])) if errs else float("nan"),
            "err_mean_median": _q(errm, 0.5), "err_mean_max": _q(errm, 1.0),
            "ccnorm_err_logC_max": _q(errc, 1.0),
            "reference": {"certified": refs.count("certified"), "auto-precise": refs.count("auto-precise")},
            "spread_median": _q([x for e in eps for x in e["trajectory"]["spread"]], 0.5),
            "spread_max": _q([x for e in eps for x in e["trajectory"]["spread"]], 1.0),
        },
        "sampled_per_epoch": {
            "would_fallback": [float(np.mean(e["trajectory"]["fallback"])) for e in eps],
            "err_logC_median": [_q([fileio.number(x) for x in e["trajectory"]["err_logC"]], 0.5) for e in eps],
            "err_logC_max": [_q([fileio.number(x) for x in e["trajectory"]["err_logC"]], 1.0) for e in eps],
        },
        "timing": {"epoch_train_seconds": r["epoch_train_seconds"], "run_seconds": r["run_seconds"]},
    }


def _group_key(r):
    return (r["study"], r["dataset"], r["T"], r["arm"])


def _metric(r, m):
    if m in ("acc", "nll_softmax", "nll_ccmean", "ece_softmax", "ece_ccmean", "kl_softmax", "kl_ccmean"):
        return r["test"].get(m)
    if m == "max_test_acc":
        return r["max_test_acc"]
    if m == "fallback_fraction":
        return r["fallback_fraction"]
    if m == "sampled_would_fallback":
        return r["sampled"]["would_fallback"]
    if m == "sampled_err_logC_median":
        return r["sampled"]["err_logC_median"]
    raise KeyError(m)


def _verdict(d, higher_is_better):
    """Paired differences over seeds -> (mean, std, verdict): "better"/"worse" when the mean is more
    than two standard errors from 0, else "no measurable difference"."""
    d = np.asarray(d, dtype=np.float64)
    if len(d) == 0 or not np.all(np.isfinite(d)):
        return float("nan"), float("nan"), "not comparable"
    m = float(d.mean())
    s = float(d.std(ddof=1)) if len(d) > 1 else 0.0
    se = s / math.sqrt(len(d)) if len(d) > 1 else float("inf")
    if abs(m) <= 2 * se or m == 0:
        return m, s, "no measurable difference"
    good = (m > 0) == higher_is_better
    return m, s, "better" if good else "worse"


def _comparisons(runs):
    """Paired (same seed) differences between arms of one (study, dataset, T)."""
    by = {}
    for r in runs:
        by.setdefault((r["study"], r["dataset"], r["T"]), {}).setdefault(r["arm"], {})[r["seed"]] = r
    out = []
    pairs = [("cc", "ls"), ("cc", "ce"), ("cc", "ccpub"), ("ccpub", "ls"), ("ls", "ce"), ("ccpub", "ce")]
    for (study, ds, T), arms in by.items():
        for a, b in pairs:
            if a not in arms or b not in arms:
                continue
            seeds = sorted(set(arms[a]) & set(arms[b]))
            if not seeds:
                continue
            for metric, hib in (("acc", True), ("nll", False), ("ece", False)):
                def val(r, arm):
                    if metric == "acc":
                        return r["test"]["acc"]
                    return r["test"]["%s_%s" % (metric, PRINCIPLED[arm])]

                d = [val(arms[a][s], a) - val(arms[b][s], b) for s in seeds]
                m, sd, v = _verdict(d, hib)
                out.append({"study": study, "dataset": ds, "T": T, "a": a, "b": b, "metric": metric,
                            "predictive": None if metric == "acc" else [PRINCIPLED[a], PRINCIPLED[b]],
                            "n": len(seeds), "mean_diff": m, "std_diff": sd, "verdict": v})
    return out


def _label(study, ds, T):
    return ("label smoothing, %s" % ds) if study == "ls" else ("distillation, %s, T = %g" % (ds, T))


def _conclusions(res):
    """Plain-language statements generated from the comparisons and fallback numbers."""
    out = []
    comps = res["comparisons"]
    for c in comps:
        if c["metric"] != "acc" or c["a"] != "cc" or c["b"] not in ("ls", "ce"):
            continue
        if c["study"] == "distill" and c["b"] == "ls":
            continue
        out.append("%s: test accuracy (validation-selected) of CC (ccnorm) minus %s: %+.2f ± %.2f points over %d "
                   "paired seeds: %s." % (_label(c["study"], c["dataset"], c["T"]), L.LABELS[c["b"]],
                                          100 * c["mean_diff"], 100 * c["std_diff"], c["n"], c["verdict"]))
    for c in comps:
        if c["metric"] in ("nll", "ece") and c["a"] == "cc" and c["b"] in ("ls", "ce") and not (
                c["study"] == "distill" and c["b"] == "ls"):
            out.append("%s: %s of CC (ccnorm, CC-mean predictive) minus %s (softmax): %+.4f ± %.4f: %s." % (
                _label(c["study"], c["dataset"], c["T"]), c["metric"].upper(), L.LABELS[c["b"]], c["mean_diff"],
                c["std_diff"], c["verdict"] + (" (lower is better)" if c["verdict"] in ("better", "worse") else "")))
    for g in res["aggregate"]:
        if g["arm"] == "ccpub" and g["metric"] == "fallback_fraction":
            tr = next((t for t in res["trajectories"] if (t["study"], t["dataset"], t["T"], t["arm"]) ==
                       (g["study"], g["dataset"], g["T"], "ccpub")), None)
            first = tr["fallback_fraction"][0] if tr else float("nan")
            last = tr["fallback_fraction"][-1] if tr else float("nan")
            out.append("%s: the published CC loss fell back to cross-entropy on %.1f %% of the training rows "
                       "(epoch 1: %.1f %%, last epoch: %.1f %%): on those rows it was not computing the CC at all."
                       % (_label(g["study"], g["dataset"], g["T"]), 100 * g["mean"], 100 * first, 100 * last))
    for g in res["aggregate"]:
        if g["arm"] == "cc" and g["metric"] == "sampled_would_fallback":
            out.append("%s: on the CC (ccnorm) arm's own training logits, the published formula would have fallen "
                       "back on %.1f %% of the sampled rows." % (_label(g["study"], g["dataset"], g["T"]),
                                                                 100 * g["mean"]))
    return out


CLAIMS = [
    {"claim": "The CC is the principled likelihood for simplex-valued targets (smoothed labels, tempered teacher "
              "probabilities); cross-entropy with soft targets is not the log likelihood of such data.",
     "source": "Gordon-Rodriguez, Loaiza-Ganem, Pleiss, Cunningham, 'Uses and Abuses of the Cross-Entropy Loss' "
               "(ICBINB workshop, NeurIPS 2020; arXiv:2011.05231), abstract; the CC paper (ICML 2020, arXiv:2002.08563)",
     "kind": "principle"},
    {"claim": "CC label smoothing (CC-LS) reaches test accuracy comparable to or better than LS and CE "
              "('potential for outperformance'; CIFAR-10 ablation: max test accuracy over 500 epochs, Adam 1e-3, "
              "batch 128, eps 0.1, 10 seeds).",
     "source": "arXiv:2011.05231, abstract and the published ablation script (cunningham-lab/cb_and_cc, "
               "cc/icbinb/ls/cifar10_ablation.py)",
     "kind": "ls"},
    {"claim": "A CC actor-mimic (distillation of softmax(teacher/T)) can outperform the cross-entropy one.",
     "source": "arXiv:2011.05231, abstract (Atari actor-mimic experiments)",
     "kind": "distill"},
    {"claim": "Published numbers: none found. Our search tools reached the abstract and the code, not the paper's "
              "tables, so no published accuracy figures are quoted here.",
     "source": "searches of public pages for arXiv:2011.05231 (this study)",
     "kind": "figures"},
]


def _claims(res):
    out = []
    comps = res["comparisons"]
    for c in CLAIMS:
        c = dict(c)
        if c["kind"] == "ls":
            m = [x for x in comps if x["study"] == "ls" and x["metric"] == "acc" and x["a"] == "cc"
                 and x["b"] in ("ls", "ce")]
            c["measured"] = "; ".join("%s vs %s on %s: %+.2f ± %.2f pp (%s)" % (
                L.LABELS[x["a"]], L.LABELS[x["b"]], x["dataset"], 100 * x["mean_diff"], 100 * x["std_diff"],
                x["verdict"]) for x in m) or "not measured"
        elif c["kind"] == "distill":
            m = [x for x in comps if x["study"] == "distill" and x["metric"] == "acc" and x["a"] == "cc"
                 and x["b"] == "ce"]
            c["measured"] = "; ".join("%s, T = %g: %+.2f ± %.2f pp (%s)" % (
                x["dataset"], x["T"], 100 * x["mean_diff"], 100 * x["std_diff"], x["verdict"]) for x in m) or \
                "not measured"
        elif c["kind"] == "principle":
            m = [x for x in comps if x["metric"] == "nll" and x["a"] == "cc" and x["b"] in ("ls", "ce")
                 and not (x["study"] == "distill" and x["b"] == "ls")]
            c["measured"] = ("NLL of the CC mean of CC (ccnorm) vs the softmax of the cross-entropy arm: " + "; ".join(
                "%s: %+.4f (%s)" % (_label(x["study"], x["dataset"], x["T"]) + " vs " + L.LABELS[x["b"]],
                                    x["mean_diff"], x["verdict"]) for x in m)) if m else "not measured"
        else:
            c["measured"] = "-"
        del c["kind"]
        out.append(c)
    return out


def aggregate(out, cfg, teachers, runs, problems, wall_s, started, skipped, jobs, command, environment):
    """results.json (as a dict) from the finished run files of the planned runs."""
    import time

    summaries, missing = [], []
    data = {}
    for spec in runs:
        r = train.finished(out, spec)
        if r is None:
            missing.append(train.run_id(spec))
            continue
        data[spec["dataset"]] = r["data"]
        summaries.append(run_summary(r))
    groups = {}
    for r in summaries:
        groups.setdefault(_group_key(r), []).append(r)
    agg, trajs, timing = [], [], []
    for key in groups:
        rs = sorted(groups[key], key=lambda r: r["seed"])
        study, ds, T, arm = key
        for m in METRICS:
            vals = [_metric(r, m) for r in rs]
            if all(v is None for v in vals):
                continue
            mean, std = _mean_std(vals)
            agg.append({"study": study, "dataset": ds, "T": T, "arm": arm, "metric": m, "n": len(vals),
                        "mean": mean, "std": std, "values": vals, "seeds": [r["seed"] for r in rs]})
        E = min(len(r["fallback_fraction_per_epoch"]) for r in rs)
        trajs.append({"study": study, "dataset": ds, "T": T, "arm": arm, "epochs": E,
                      "fallback_fraction": [float(np.mean([r["fallback_fraction_per_epoch"][e] for r in rs]))
                                            for e in range(E)],
                      "would_fallback": [float(np.mean([r["sampled_per_epoch"]["would_fallback"][e] for r in rs]))
                                         for e in range(E)],
                      "err_logC_median": [_q([r["sampled_per_epoch"]["err_logC_median"][e] for r in rs], 0.5)
                                          for e in range(E)],
                      "err_logC_max": [_q([r["sampled_per_epoch"]["err_logC_max"][e] for r in rs], 1.0)
                                       for e in range(E)]})
        mean, std = _mean_std([r["timing"]["epoch_train_seconds"] for r in rs])
        timing.append({"study": study, "dataset": ds, "T": T, "arm": arm, "n": len(rs),
                       "epoch_train_seconds_mean": mean, "epoch_train_seconds_std": std})
    for t in timing:
        ce = next((x for x in timing if (x["study"], x["dataset"], x["T"], x["arm"]) ==
                   (t["study"], t["dataset"], t["T"], "ce")), None)
        t["ratio_to_ce"] = t["epoch_train_seconds_mean"] / ce["epoch_train_seconds_mean"] if ce else float("nan")
    tinfo = {}
    for ts in teachers:
        p = os.path.join(out, "teachers", ts["dataset"] + ".json")
        if os.path.exists(p):
            t = fileio.read_json(p)
            tinfo[ts["dataset"]] = {"hidden": ts["hidden"], "epochs": ts["epochs"], "best_epoch": t["best_epoch"],
                                    "val_acc": t["val_acc"], "test_acc": t["test"]["acc"],
                                    "test_nll_softmax": t["test"]["nll_softmax"],
                                    "test_ece_softmax": t["test"]["ece_softmax"]}
    res = {
        "format": FORMAT,
        "command": command,
        "quick": cfg["quick"],
        "config": cfg,
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "wall_s": wall_s,
        "compute_s": float(sum(r["timing"]["run_seconds"] for r in summaries)),
        "jobs": jobs,
        "resumed_runs": skipped,
        "environment": environment,
        "datasets": data,
        "teachers": tinfo,
        "arms": cfg["arms"],
        "labels": dict(L.LABELS),
        "principled_predictive": PRINCIPLED,
        "reference": {"certified_up_to_spread": train.M.REF_MAX_SPREAD,
                      "note": "ccnorm.reference (certified, Arb) for rows of spread <= the bound, auto-precise "
                              "(not certified, within 2 u of float64) above; errors in u = 2^-24 (docs/design.md §3.1)"},
        "expected_runs": len(runs),
        "missing_runs": missing,
        "runs": summaries,
        "aggregate": agg,
        "trajectories": trajs,
        "timing": timing,
    }
    res["comparisons"] = _comparisons(summaries)
    res["published"] = _published(summaries, trajs)
    res["claims"] = _claims(res)
    res["conclusions"] = _conclusions(res)
    res["statement"] = _statement(res)
    res["figures"] = []
    res["problems"] = list(problems)
    res["metrics_sha256"] = fileio.digest({"runs": summaries, "aggregate": agg, "trajectories": trajs})
    return res


# ---------------------------------------------------------------------------------------------
def _fmt(m, s, pct=False, digits=3):
    if m is None or (isinstance(m, float) and math.isnan(m)):
        return "-"
    if pct:
        return "%.2f ± %.2f" % (100 * m, 100 * s)
    return "%.*f ± %.*f" % (digits, m, digits, s)


def tables(res):
    """The summary tables as (title, head, rows) (used by summary.md; the report section builds its own)."""
    agg = {(g["study"], g["dataset"], g["T"], g["arm"], g["metric"]): g for g in res["aggregate"]}
    out = []
    keys = []
    for g in res["aggregate"]:
        k = (g["study"], g["dataset"], g["T"])
        if k not in keys:
            keys.append(k)
    for study, ds, T in keys:
        arms = [a for a in res["arms"][study] if (study, ds, T, a, "acc") in agg]
        distill = study == "distill"
        head = ["arm", "test acc % (val-selected)", "max test acc % (test-selected)", "NLL softmax", "NLL CC mean",
                "ECE softmax", "ECE CC mean"] + (["KL softmax", "KL CC mean"] if distill else []) + [
            "fallback % of rows"]
        rows = []
        for a in arms:
            def g(m, pct=False, digits=3):
                x = agg.get((study, ds, T, a, m))
                return _fmt(x["mean"], x["std"], pct, digits) if x else "-"

            rows.append([res["labels"][a], g("acc", True), g("max_test_acc", True), g("nll_softmax"),
                         g("nll_ccmean"), g("ece_softmax", digits=4), g("ece_ccmean", digits=4)] +
                        ([g("kl_softmax", digits=4), g("kl_ccmean", digits=4)] if distill else []) +
                        [g("fallback_fraction", True) if a == "ccpub" else "-"])
        n = agg[(study, ds, T, arms[0], "acc")]["n"] if arms else 0
        out.append(("%s (mean ± std over %d seeds)" % (_label(study, ds, T), n), head, rows))
    return out


def summary_markdown(res):
    L_ = []
    L_.append("# Case studies: label smoothing and distillation with an exact CC normaliser\n")
    L_.append("Generated by `%s` (%s). Wall time of this invocation: %.1f s; compute time of all runs: %.1f s "
              "(%d job(s), one thread each; %d run(s) resumed from earlier invocations). Every number below comes "
              "from `results.json` and `runs/*.json` in this directory.\n"
              % (res["command"], "quick" if res["quick"] else "full", res["wall_s"], res["compute_s"], res["jobs"],
                 res["resumed_runs"]))
    if res["missing_runs"]:
        L_.append("**Incomplete:** %d of %d runs missing (%s).\n" % (len(res["missing_runs"]), res["expected_runs"],
                                                                      ", ".join(res["missing_runs"][:10])))
    L_.append("Predictives: `softmax` = softmax(z); `CC mean` = E[x] under CC(z) (ccnorm.mean). The principled "
              "predictive is the softmax for CE/LS and the CC mean for the CC arms. Test metrics at the epoch of best "
              "validation accuracy; the 'max test acc' column is the papers' test-set selection, for comparison "
              "only. Std: sample standard deviation over seeds.\n")
    for title, head, rows in tables(res):
        L_.append("## " + title + "\n")
        L_.append("| " + " | ".join(head) + " |")
        L_.append("|" + "---|" * len(head))
        for r in rows:
            L_.append("| " + " | ".join(r) + " |")
        L_.append("")
    L_.append("## Training time per epoch (one thread)\n")
    L_.append("| study | dataset | T | arm | s / epoch | × CE |")
    L_.append("|---|---|---|---|---|---|")
    for t in res["timing"]:
        L_.append("| %s | %s | %s | %s | %.4f ± %.4f | %.2f |" % (t["study"], t["dataset"], "-" if t["T"] is None else
                                                               "%g" % t["T"], res["labels"][t["arm"]],
                                                               t["epoch_train_seconds_mean"],
                                                               t["epoch_train_seconds_std"], t["ratio_to_ce"]))
    L_.append("")
    L_.append("## The published loss on the training trajectories\n")
    L_.append("Sampled rows: %d per epoch per run; reference: %s.\n" % (
        res["config"]["sample_batches"] * res["config"]["sample_rows"], res["reference"]["note"]))
    L_.append("| study | dataset | T | arm | rows fell back (ccpub) | sampled rows that would fall back | median err log C (u) "
              "| max err log C (u) | rows off by > 1 % | non-finite log C |")
    L_.append("|---|---|---|---|---|---|---|---|---|---|")
    for r in _published_rows(res):
        L_.append("| " + " | ".join(r) + " |")
    L_.append("")
    L_.append("## Claims and measurements\n")
    for c in res["claims"]:
        L_.append("- **Claim:** %s *(%s)*  \n  **Measured:** %s" % (c["claim"], c["source"], c["measured"]))
    L_.append("\n## Conclusions (generated)\n")
    for c in res["conclusions"]:
        L_.append("- " + c)
    st = res.get("statement", {})
    for key, title in (("helps", "Where CC (ccnorm) helps"), ("does_not_help", "Where it does not"),
                       ("published_not_cc", "Where the published loss was not computing the CC")):
        L_.append("\n**%s.**\n" % title)
        for x in st.get(key, []) or ["none measured"]:
            L_.append("- " + x)
    if res.get("figures"):
        L_.append("\n## Figures\n")
        for f in res["figures"]:
            L_.append("![%s](%s)\n\n*%s*\n" % (f["caption"], f["file"], f["caption"]))
    if res.get("problems"):
        L_.append("\n## Problems\n")
        for p in res["problems"]:
            L_.append("- " + p)
    return "\n".join(L_) + "\n"


def _published(summaries, trajs):
    """The published loss on the training trajectories, one entry per (study, dataset, T, arm):
    the rows that fell back (ccpub only; overall and per epoch, means over seeds) and the published
    log C / mean scored on the rows sampled from that arm's training batches (all seeds pooled)."""
    by = {}
    for r in summaries:
        by.setdefault(_group_key(r), []).append(r)
    out = []
    for (study, ds, T, arm), rs in by.items():
        s = [r["sampled"] for r in rs]
        tr = next((t for t in trajs if (t["study"], t["dataset"], t["T"], t["arm"]) == (study, ds, T, arm)), None)
        out.append({
            "study": study, "dataset": ds, "T": T, "arm": arm, "n": len(rs),
            "fallback_fraction": float(np.mean([r["fallback_fraction"] for r in rs])) if arm == "ccpub" else None,
            "fallback_fraction_per_epoch": tr["fallback_fraction"] if (tr and arm == "ccpub") else None,
            "sampled_rows": int(sum(x["rows"] for x in s)),
            "would_fallback": float(np.mean([x["would_fallback"] for x in s])),
            "err_logC_median": _q([x["err_logC_median"] for x in s], 0.5),
            "err_logC_max": _q([x["err_logC_max"] for x in s], 1.0),
            "err_logC_over_1pct": float(np.mean([x["err_logC_over_1pct"] for x in s])),
            "nonfinite_logC": float(np.mean([x["nonfinite_logC"] for x in s])),
            "err_mean_median": _q([x["err_mean_median"] for x in s], 0.5),
            "ccnorm_err_logC_max": _q([x["ccnorm_err_logC_max"] for x in s], 1.0),
            "spread_median": _q([x["spread_median"] for x in s], 0.5),
            "spread_max": _q([x["spread_max"] for x in s], 1.0),
        })
    return out


def _statement(res):
    """Where CC (ccnorm) helps, where it does not, and where the published loss was not computing
    the CC: plain sentences generated from the paired comparisons (CC (ccnorm) against LS in the
    label-smoothing study and against CE in distillation; its CC-mean predictive against their
    softmax) and from the published loss's fallback and error numbers."""
    helps, no_help = [], []
    for c in res["comparisons"]:
        if c["a"] != "cc" or c["b"] != ("ls" if c["study"] == "ls" else "ce"):
            continue
        what = "%s: %s vs %s: %s %+.4g ± %.4g (%d seeds)" % (
            _label(c["study"], c["dataset"], c["T"]), L.LABELS["cc"], L.LABELS[c["b"]],
            "accuracy (points)" if c["metric"] == "acc" else c["metric"].upper(),
            (100 if c["metric"] == "acc" else 1) * c["mean_diff"], (100 if c["metric"] == "acc" else 1) * c["std_diff"],
            c["n"])
        (helps if c["verdict"] == "better" else no_help).append(what + ": " + c["verdict"])
    not_cc = []
    for p in res["published"]:
        if p["arm"] == "ccpub" and p["fallback_fraction"] is not None:
            pe = p["fallback_fraction_per_epoch"] or [float("nan")]
            not_cc.append("%s: the published CC loss fell back to cross-entropy on %.1f %% of the training rows "
                          "(epoch 1: %.1f %%, last: %.1f %%); of its log C values on rows sampled from its training batches, "
                          "%.1f %% were off by more than 1 %% and %.1f %% were not finite" % (
                              _label(p["study"], p["dataset"], p["T"]), 100 * p["fallback_fraction"], 100 * pe[0],
                              100 * pe[-1], 100 * p["err_logC_over_1pct"], 100 * p["nonfinite_logC"]))
        elif p["arm"] == "cc":
            not_cc.append("%s: on the CC (ccnorm) arm's own training logits the published formula would have "
                          "fallen back on %.1f %% of the sampled rows (ccnorm's float32 log C: max error %.3g u)" % (
                              _label(p["study"], p["dataset"], p["T"]), 100 * p["would_fallback"],
                              p["ccnorm_err_logC_max"]))
    return {"helps": helps, "does_not_help": no_help, "published_not_cc": not_cc,
            "rule": "better/worse: the mean paired difference over seeds is more than two standard errors from 0; "
                    "NLL and ECE of the principled predictive of each arm (softmax for CE/LS, CC mean for CC)"}


def _published_rows(res):
    rows = []
    for p in res["published"]:
        rows.append([p["study"], p["dataset"], "-" if p["T"] is None else "%g" % p["T"], res["labels"][p["arm"]],
                     "%.2f %%" % (100 * p["fallback_fraction"]) if p["fallback_fraction"] is not None else "-",
                     "%.2f %%" % (100 * p["would_fallback"]), "%.3g" % p["err_logC_median"],
                     "%.3g" % p["err_logC_max"], "%.2f %%" % (100 * p["err_logC_over_1pct"]),
                     "%.2f %%" % (100 * p["nonfinite_logC"])])
    return rows


# ---------------------------------------------------------------------------------------------
def figures(out):
    """The PNGs of DIR/casestudy/ from results.json and the run files; returns [{file, caption}]."""
    from . import figures as F

    return F.make_all(out)
