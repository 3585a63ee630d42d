#!/usr/bin/python3
"""The rest of the distribution: error vs K of the entropy, variances, covariance and KL divergence,
from a `ccnorm sweep` CSV (its distribution columns err_H, err_var, err_cov, err_kl).

usage: plot_distribution.py SWEEP.csv OUT_DIR
Writes OUT_DIR/distribution_err_vs_K.png: one panel per quantity, the maximum over families, sigma
and seeds of the error (docs/design.md §3 units of u) against K, one line per algorithm
(f64 solid, f32 dashed; auto and auto-precise use the moment series of normalizer/distribution.hpp,
the others the naive compositions of normalizer/naive_moments.hpp). Empty cells (not computed:
K above the sweep's bound) are left out; non-finite errors (NaN/inf/exception) are drawn at 1e18,
above the dotted "fail" line. A sweep file without these columns (schema 1) gives a figure that
says so. Legend order: algorithms.csv in OUT_DIR or next to SWEEP.csv, else first appearance.
"""
import os
import sys
from collections import defaultdict

from common import INF_DRAW, algo_key, color, finite_or, num, plt, read_csv, save, set_algo_order

QUANTITIES = (("err_H", "entropy: err_H"), ("err_var", "variances: err_var"),
              ("err_cov", "covariance: err_cov"), ("err_kl", "KL divergence: err_kl"))


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    rows = read_csv(sys.argv[1])
    out = sys.argv[2]
    set_algo_order([r["algo"] for r in rows], out, os.path.dirname(os.path.abspath(sys.argv[1])))
    fig, axes = plt.subplots(2, 2, figsize=(10, 7.2), squeeze=False)
    have_columns = bool(rows) and "err_H" in rows[0]
    for i, (col, title) in enumerate(QUANTITIES):
        ax = axes[i // 2][i % 2]
        worst = defaultdict(float)
        for r in rows:
            v = r.get(col, "")
            if v is None or v == "":
                continue
            k = (r["algo"], r["dtype"], int(r["K"]))
            worst[k] = max(worst[k], num(v))
        for a in sorted({k[0] for k in worst}, key=algo_key):
            for dt, ls in (("f64", "-"), ("f32", "--")):
                pts = sorted((k[2], v) for k, v in worst.items() if k[0] == a and k[1] == dt)
                if pts:
                    ax.plot([p[0] for p in pts], [max(finite_or(p[1]), 1e-3) for p in pts], ls, marker=".",
                            color=color(a), label=f"{a} {dt}")
        if not worst:
            ax.text(0.5, 0.5, "no distribution columns" if not have_columns else "no values",
                    ha="center", va="center", transform=ax.transAxes)
        ax.axhline(INF_DRAW / 10, color="k", ls=":", lw=0.8)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(title)
        ax.set_xlabel("K")
        ax.set_ylabel("max error (units of u)")
        ax.grid(True, which="major", alpha=0.3)
    h, lab = axes[0][0].get_legend_handles_labels()
    if h:
        fig.legend(h, lab, loc="lower center", ncol=4, fontsize=8, bbox_to_anchor=(0.5, -0.1))
    fig.suptitle("The rest of the distribution: max error vs K\n(naive compositions vs the moment series; inf drawn at 1e18)")
    fig.tight_layout()
    save(fig, out, "distribution_err_vs_K.png")


if __name__ == "__main__":
    main()
