"""The case study's figures (matplotlib, Agg), from results.json and runs/*.json only.

casestudy_metrics_<study>_<dataset>.png   accuracy / NLL / ECE (/ KL) per arm, one point per seed
casestudy_fallback_<dataset>.png          the published loss's fallback fraction per epoch
casestudy_normerr_<dataset>.png           the published log C's error on sampled training rows
casestudy_gaps_<dataset>.png              logit-gap (max - min) histograms over training
Non-finite errors are drawn at 10^18 (the convention of the report's plots, docs/design.md §5.9).
"""
import math
import os

import numpy as np

from . import fileio

COLORS = {"ce": "#1f77b4", "ls": "#2ca02c", "cc": "#d62728", "ccpub": "#9467bd"}
INF_AT = 1e18


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _runs(out, res):
    rs = {}
    for r in res["runs"]:
        p = os.path.join(out, "runs", r["id"] + ".json")
        rs[r["id"]] = fileio.read_json(p)
    return rs


def _save(fig, out, name, caption, made):
    path = os.path.join(out, name)
    tmp = path + ".tmp.png"
    fig.savefig(tmp, dpi=90)
    os.replace(tmp, path)
    made.append({"file": name, "caption": caption})


def _groups(res):
    keys = []
    for r in res["runs"]:
        k = (r["study"], r["dataset"], r["T"])
        if k not in keys:
            keys.append(k)
    return keys


def _title(study, ds, T):
    return ("LS, %s" % ds) if study == "ls" else ("distill %s, T=%g" % (ds, T))


def metrics_figures(out, res, plt, made):
    labels = res["labels"]
    for study in ("ls", "distill"):
        for ds in res["datasets"]:
            keys = [k for k in _groups(res) if k[0] == study and k[1] == ds]
            if not keys:
                continue
            cols = ["acc", "nll", "ece"] + (["kl"] if study == "distill" else [])
            fig, axes = plt.subplots(len(keys), len(cols), figsize=(3.3 * len(cols), 2.8 * len(keys)), squeeze=False)
            for i, (st, d, T) in enumerate(keys):
                arms = [a for a in res["arms"][study] if any(r["arm"] == a and r["T"] == T and r["dataset"] == d
                                                              and r["study"] == st for r in res["runs"])]
                for j, c in enumerate(cols):
                    ax = axes[i][j]
                    for x, a in enumerate(arms):
                        rs = [r for r in res["runs"] if (r["study"], r["dataset"], r["T"], r["arm"]) == (st, d, T, a)]
                        if c == "acc":
                            v = [100 * r["test"]["acc"] for r in rs]
                            ax.scatter([x] * len(v), v, color=COLORS[a], s=14, alpha=0.8)
                            ax.plot([x - 0.25, x + 0.25], [np.mean(v)] * 2, color=COLORS[a], lw=2)
                            vm = [100 * r["max_test_acc"] for r in rs]
                            ax.scatter([x + 0.18] * len(vm), vm, color=COLORS[a], marker="x", s=12, alpha=0.5)
                        else:
                            for dx, pred, mk in ((-0.12, "softmax", "o"), (0.12, "ccmean", "^")):
                                v = [r["test"]["%s_%s" % (c, pred)] for r in rs]
                                ax.scatter([x + dx] * len(v), v, color=COLORS[a], marker=mk, s=14, alpha=0.8)
                                ax.plot([x + dx - 0.1, x + dx + 0.1], [np.mean(v)] * 2, color=COLORS[a], lw=2)
                    ax.set_xticks(range(len(arms)))
                    ax.set_xticklabels([labels[a] for a in arms], fontsize=7)
                    name = {"acc": "test acc % (o val-selected, x max)", "nll": "test NLL (o softmax, ^ CC mean)",
                            "ece": "test ECE (o softmax, ^ CC mean)", "kl": "KL(target||pred) (o softmax, ^ CC mean)"}[c]
                    ax.set_title("%s: %s" % (_title(st, d, T), name), fontsize=7)
                    if c in ("nll", "kl"):
                        ax.set_yscale("log")
                    ax.tick_params(labelsize=7)
            fig.tight_layout()
            _save(fig, out, "casestudy_metrics_%s_%s.png" % (study, ds),
                  "%s, %s: test accuracy, NLL and ECE per arm (one point per seed; bars: means)"
                  % ("Label smoothing" if study == "ls" else "Distillation", ds), made)
            plt.close(fig)


def fallback_figures(out, res, runs, plt, made):
    for ds in res["datasets"]:
        keys = [k for k in _groups(res) if k[1] == ds]
        if not keys:
            continue
        fig, ax = plt.subplots(figsize=(7, 3.6))
        cmap = plt.get_cmap("tab10")
        for i, (st, d, T) in enumerate(keys):
            for arm, ls in (("ccpub", "-"), ("cc", ":")):
                rs = [runs[r["id"]] for r in res["runs"] if (r["study"], r["dataset"], r["T"], r["arm"]) ==
                      (st, d, T, arm)]
                for k, r in enumerate(rs):
                    ep = [e["epoch"] for e in r["epochs"]]
                    if arm == "ccpub":
                        y = [100 * e["fallback_fraction"] for e in r["epochs"]]
                    else:
                        y = [100 * float(np.mean(e["trajectory"]["fallback"])) for e in r["epochs"]]
                    ax.plot(ep, y, ls, color=cmap(i), lw=1, alpha=0.7,
                            label=("%s: %s" % (_title(st, d, T), "CC (published): rows fell back" if arm == "ccpub"
                                               else "CC (ccnorm): sampled rows that would"))
                            if k == 0 else None)
        ax.set_xlabel("epoch")
        ax.set_ylabel("% of training rows")
        ax.set_title("%s: published CC loss falling back to cross-entropy (one line per seed)" % ds, fontsize=9)
        ax.legend(fontsize=6, ncol=2)
        fig.tight_layout()
        _save(fig, out, "casestudy_fallback_%s.png" % ds,
              "%s: fraction of training rows on which the published CC loss fell back to cross-entropy, per epoch "
              "(solid); dotted: the share of the CC (ccnorm) arm's sampled rows on which it would have" % ds, made)
        plt.close(fig)


def normerr_figures(out, res, runs, plt, made):
    for ds in res["datasets"]:
        keys = [k for k in _groups(res) if k[1] == ds]
        if not keys:
            continue
        fig, axes = plt.subplots(1, len(keys), figsize=(3.2 * len(keys), 3.2), squeeze=False, sharey=True)
        for i, (st, d, T) in enumerate(keys):
            ax = axes[0][i]
            for arm in ("ccpub", "cc", "ls", "ce"):
                rs = [runs[r["id"]] for r in res["runs"] if (r["study"], r["dataset"], r["T"], r["arm"]) ==
                      (st, d, T, arm)]
                xs, ys = [], []
                for r in rs:
                    for e in r["epochs"]:
                        for v in e["trajectory"]["err_logC"]:
                            v = fileio.number(v)
                            xs.append(e["epoch"] + np.random.default_rng(len(xs)).uniform(-0.3, 0.3))
                            ys.append(INF_AT if not math.isfinite(v) else max(v, 1e-2))
                if xs:
                    ax.scatter(xs, ys, s=2, alpha=0.25, color=COLORS[arm], label=res["labels"][arm] + " logits")
            ax.axhline(0.01 / 2.0 ** -24, color="k", lw=0.8, ls="--")
            ax.set_yscale("log")
            ax.set_xlabel("epoch")
            ax.set_title(_title(st, d, T), fontsize=8)
            ax.tick_params(labelsize=7)
            if i == 0:
                ax.set_ylabel("err of published log C (u = 2^-24)")
                ax.legend(fontsize=6, markerscale=4)
        fig.suptitle("%s: published closed form on training logits vs ccnorm's certified path "
                     "(dashed: 1 %% relative; top: NaN/inf)" % ds, fontsize=8)
        fig.tight_layout()
        _save(fig, out, "casestudy_normerr_%s.png" % ds,
              "%s: error of the published log C (closed form with std scaling, float32) on rows sampled from each "
              "arm's training batches, against ccnorm.reference (auto-precise above spread %g); NaN/inf at 1e18"
              % (ds, res["reference"]["certified_up_to_spread"]), made)
        plt.close(fig)


def gap_figures(out, res, runs, plt, made):
    for ds in res["datasets"]:
        keys = [k for k in _groups(res) if k[1] == ds]
        if not keys:
            continue
        arms = ["ce", "ls", "cc", "ccpub"]
        fig, axes = plt.subplots(len(keys), len(arms), figsize=(2.6 * len(arms), 2.2 * len(keys)), squeeze=False)
        edges = None
        for i, (st, d, T) in enumerate(keys):
            for j, arm in enumerate(arms):
                ax = axes[i][j]
                rs = [runs[r["id"]] for r in res["runs"] if (r["study"], r["dataset"], r["T"], r["arm"]) ==
                      (st, d, T, arm)]
                ax.set_title("%s: %s" % (_title(st, d, T), res["labels"][arm]), fontsize=7)
                if not rs:
                    ax.axis("off")
                    continue
                edges = rs[0]["gap_edges"]
                E = min(len(r["epochs"]) for r in rs)
                H = np.zeros((len(edges), E))
                for r in rs:
                    for e in range(E):
                        H[:, e] += np.asarray(r["epochs"][e]["gap_hist"], dtype=float)
                H /= np.maximum(H.sum(0, keepdims=True), 1)
                ax.imshow(H, aspect="auto", origin="lower", cmap="viridis", extent=(0.5, E + 0.5, -0.5, len(edges) - 0.5))
                ticks = [k for k in range(len(edges)) if k % 3 == 0]
                ax.set_yticks(ticks)
                ax.set_yticklabels(["%g" % edges[k] for k in ticks], fontsize=6)
                ax.tick_params(labelsize=6)
                if j == 0:
                    ax.set_ylabel("gap max z - min z", fontsize=7)
                if i == len(keys) - 1:
                    ax.set_xlabel("epoch", fontsize=7)
        fig.tight_layout()
        _save(fig, out, "casestudy_gaps_%s.png" % ds,
              "%s: logit-gap (max z - min z) histograms of the training batches per epoch, all seeds (colour: share "
              "of rows per epoch; bins from 0 by powers of 2)" % ds, made)
        plt.close(fig)


def make_all(out):
    plt = _plt()
    res = fileio.read_json(os.path.join(out, "results.json"))
    runs = _runs(out, res)
    made = []
    if not res["runs"]:
        return made
    metrics_figures(out, res, plt, made)
    fallback_figures(out, res, runs, plt, made)
    normerr_figures(out, res, runs, plt, made)
    gap_figures(out, res, runs, plt, made)
    return made
