#!/usr/bin/python3
"""Error vs K per input family, from a `ccnorm sweep` CSV.

usage: plot_accuracy.py SWEEP.csv OUT_DIR
Writes OUT_DIR/accuracy_err_A_vs_K.png and OUT_DIR/accuracy_err_mu_vs_K.png: one panel per family,
the maximum over sigma and seeds of err_A (resp. err_mu, docs/design.md §3 units of u) against K,
one line per algorithm (f64 solid, f32 dashed). Non-finite errors (NaN/inf/exception) are drawn at
1e18, above the dotted "fail" line. Legend order: algorithms.csv in OUT_DIR or next to SWEEP.csv
(`ccnorm algorithms`), else the order of first appearance.
"""
import os
import sys
from collections import defaultdict

from common import INF_DRAW, algo_key, color, finite_or, num, plt, read_csv, save, set_algo_order


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    rows = read_csv(sys.argv[1])
    out = sys.argv[2]
    set_algo_order([r["algo"] for r in rows], out, os.path.dirname(os.path.abspath(sys.argv[1])))
    fams = []
    for r in rows:
        if r["family"] not in fams:
            fams.append(r["family"])
    for col, name, label in (("err_A", "accuracy_err_A_vs_K.png", "max err_A (units of u)"),
                             ("err_mu", "accuracy_err_mu_vs_K.png", "max err_mu (units of u)")):
        worst = defaultdict(float)
        for r in rows:
            k = (r["family"], r["algo"], r["dtype"], int(r["K"]))
            worst[k] = max(worst[k], num(r[col]))
        n = len(fams)
        ncol = min(4, n)
        nrow = (n + ncol - 1) // ncol
        fig, axes = plt.subplots(nrow, ncol, figsize=(4.2 * ncol, 3.4 * nrow), squeeze=False)
        algos = sorted({k[1] for k in worst}, key=algo_key)
        for i, fam in enumerate(fams):
            ax = axes[i // ncol][i % ncol]
            for a in algos:
                for dt, ls in (("f64", "-"), ("f32", "--")):
                    pts = sorted((k[3], v) for k, v in worst.items() if k[0] == fam and k[1] == a and k[2] == dt)
                    if not pts:
                        continue
                    ax.plot([p[0] for p in pts], [max(finite_or(p[1]), 1e-3) for p in pts], ls, marker=".",
                            color=color(a), label=f"{a} {dt}")
            ax.axhline(INF_DRAW / 10, color="k", ls=":", lw=0.8)
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_title(fam)
            ax.set_xlabel("K")
            ax.set_ylabel(label)
            ax.grid(True, which="major", alpha=0.3)
        for j in range(n, nrow * ncol):
            axes[j // ncol][j % ncol].axis("off")
        h, lab = axes[0][0].get_legend_handles_labels()
        fig.legend(h, lab, loc="lower center", ncol=6, fontsize=8, bbox_to_anchor=(0.5, -0.06))
        fig.suptitle(f"{label} vs K per family (max over sigma and seeds; inf drawn at 1e18)")
        fig.tight_layout()
        save(fig, out, name)


if __name__ == "__main__":
    main()
