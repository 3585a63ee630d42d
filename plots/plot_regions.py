#!/usr/bin/python3
"""Stability regions from `ccnorm regions` output.

usage: plot_regions.py REGIONS_DIR OUT_DIR
Writes
  max_dimension.png      median max computable dimension vs sigma (docs/design.md §3 protocol)
                         per algorithm and dtype, the published points of the 2022 notebook overlaid
                         (stars); the top of the searched K range is drawn as a dotted line
  heat_sigma_<dtype>.png log10 err_A (max over the seeds) over (K, sigma), one panel per algorithm
  heat_gap_<dtype>.png   the same over (K, cluster gap) for clustered rows
with the 16 u contour (solid white) and the 1 % contour (err_A = 0.01/u, dashed black). Non-finite
errors are drawn as log10 = 20. Legend order: algorithms.csv in OUT_DIR, REGIONS_DIR or its parent
(`ccnorm algorithms`), else the order of first appearance.
"""
import math
import os
import sys
from collections import defaultdict

import numpy as np

from common import U, algo_key, color, num, plt, read_csv, read_json, save, set_algo_order

CAP = 20.0


def edges(vals):
    lv = np.log10(np.asarray(vals, dtype=float))
    if len(lv) == 1:
        return 10 ** np.array([lv[0] - 0.5, lv[0] + 0.5])
    mid = (lv[1:] + lv[:-1]) / 2
    return 10 ** np.concatenate([[lv[0] - (mid[0] - lv[0])], mid, [lv[-1] + (lv[-1] - mid[-1])]])


def max_dimension(rdir, out):
    d = read_json(os.path.join(rdir, "max_dimension.json"))
    md, pub, kmax = d["max_dimension"], d.get("published", {}), d.get("kmax")
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.6), sharey=True)
    for ax, dt in zip(axes, ("f64", "f32")):
        for key in sorted(md, key=lambda k: algo_key(k.split("/")[0])):
            a, t = key.split("/")
            if t != dt:
                continue
            pts = sorted((float(s), k) for s, k in md[key].items())
            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", ms=4, color=color(a), label=a)
        for key, pts in pub.items():
            a, t = key.split("/")
            if t != dt:
                continue
            p = sorted((float(s), k) for s, k in pts.items())
            ax.plot([x[0] for x in p], [x[1] for x in p], "*", ms=13, mfc="none",
                    mec="k" if a == "closed-form-scaled" else "#8c564b",
                    label=f"published {a}")
        if kmax:
            ax.axhline(kmax, color="k", ls=":", lw=0.8)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("sigma")
        ax.set_title(f"max computable dimension, {dt} (median of {d.get('seeds')} seeds)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    axes[0].set_ylabel("K")
    fig.tight_layout()
    save(fig, out, "max_dimension.png")


def heat(rdir, out, fname, pname, plabel):
    path = os.path.join(rdir, fname)
    if not os.path.exists(path):
        return
    rows = read_csv(path)
    if not rows:
        return
    worst = defaultdict(float)
    for r in rows:
        k = (r["algo"], r["dtype"], float(r[pname]), int(r["K"]))
        worst[k] = max(worst[k], num(r["err_A"]))
    for dt in ("f64", "f32"):
        algos = sorted({k[0] for k in worst if k[1] == dt}, key=algo_key)
        if not algos:
            continue
        ps = sorted({k[2] for k in worst if k[1] == dt})
        Ks = sorted({k[3] for k in worst if k[1] == dt})
        ncol = 3
        nrow = (len(algos) + ncol - 1) // ncol
        fig, axes = plt.subplots(nrow, ncol, figsize=(5 * ncol, 3.9 * nrow), squeeze=False)
        lvl1 = math.log10(0.01 / U[dt])
        lvl16 = math.log10(16)
        im = None
        for i, a in enumerate(algos):
            ax = axes[i // ncol][i % ncol]
            Z = np.full((len(ps), len(Ks)), np.nan)
            for pi, p in enumerate(ps):
                for ki, K in enumerate(Ks):
                    v = worst.get((a, dt, p, K))
                    if v is None:
                        continue
                    Z[pi, ki] = CAP if not math.isfinite(v) else math.log10(max(v, 1e-3))
            Z = np.minimum(Z, CAP)
            im = ax.pcolormesh(edges(Ks), edges(ps), np.ma.masked_invalid(Z), cmap="viridis", vmin=-1, vmax=CAP,
                               shading="flat")
            if len(Ks) > 1 and len(ps) > 1:
                X, Y = np.meshgrid(Ks, ps)
                Zc = np.nan_to_num(Z, nan=CAP)
                ax.contour(X, Y, Zc, levels=[lvl16], colors="w", linewidths=1.2)
                ax.contour(X, Y, Zc, levels=[lvl1], colors="k", linewidths=1.2, linestyles="--")
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_title(f"{a} {dt}")
            ax.set_xlabel("K")
            ax.set_ylabel(plabel)
        for j in range(len(algos), nrow * ncol):
            axes[j // ncol][j % ncol].axis("off")
        fig.suptitle(f"log10 err_A over (K, {plabel}), max over seeds; white: 16 u, dashed black: 1 % "
                     f"(err_A = 0.01/u); inf drawn as {CAP:g}")
        fig.tight_layout()
        if im is not None:
            fig.colorbar(im, ax=axes.ravel().tolist(), shrink=0.8, label="log10 err_A")
        save(fig, out, f"{fname[:-4]}_{dt}.png")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    rdir, out = sys.argv[1], sys.argv[2]
    names = [k.split("/")[0] for k in read_json(os.path.join(rdir, "max_dimension.json"))["max_dimension"]]
    set_algo_order(names, out, rdir, os.path.dirname(os.path.abspath(rdir)))
    max_dimension(rdir, out)
    heat(rdir, out, "heat_sigma.csv", "sigma", "sigma")
    heat(rdir, out, "heat_gap.csv", "gap", "cluster gap")


if __name__ == "__main__":
    main()
