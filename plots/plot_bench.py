#!/usr/bin/python3
"""Throughput plots from `ccnorm bench --json OUT` (reads bench_ratios.csv next to OUT).

usage: plot_bench.py BENCH_RATIOS.csv OUT_DIR [SWEEP.csv]
Writes
  time_vs_K.png       ns per evaluation vs K on log-log axes, one panel per (dtype, value|value+mean),
                      one-thread rows (batch = 1) at sigma = 1 (or the sigma with most rows), each line
                      labelled with its fitted slope d log(time) / d log K over K >= 32; auto-rows
                      (auto without its SIMD lanes, the old path) dashed beside auto
  time_vs_sigma.png   ns per evaluation vs sigma at the largest K timed at several sigmas
  accuracy_vs_time.png  one panel per K: time (one thread, value only, f64 and f32) against the
                      accuracy of the same algorithm and dtype: the max err_A over the sweep's rows at
                      that K (all families, sigmas, seeds) when SWEEP.csv has that K, else the bench's
                      own max_err_A of the timed rows; the Pareto front (nothing both faster and more
                      accurate) is drawn as a step line. Non-finite errors are drawn at 1e18.
Legend order: algorithms.csv in OUT_DIR or next to BENCH_RATIOS.csv (`ccnorm algorithms`), else the
order of first appearance.
"""
import math
import os
import sys
from collections import defaultdict

import numpy as np

from common import INF_DRAW, algo_key, color, num, plt, read_csv, save, set_algo_order


# `auto-rows`: auto with every row through the scalar kernel (docs/design.md §4.7), drawn beside
# auto in time_vs_K only (it has auto's accuracy, so it is left out of the other figures)
BASELINE = "auto-rows"


def fit_slope(pts, kmin=32):
    pts = [(k, t) for k, t in pts if k >= kmin and t > 0 and math.isfinite(t)]
    if len(pts) < 2:
        return None
    x = np.log([p[0] for p in pts])
    y = np.log([p[1] for p in pts])
    return float(np.polyfit(x, y, 1)[0])


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    rows = [r for r in read_csv(sys.argv[1]) if r.get("ns_per_eval")]
    out = sys.argv[2]
    sweep = read_csv(sys.argv[3]) if len(sys.argv) == 4 else []
    set_algo_order([r["algo"] for r in rows], out, os.path.dirname(os.path.abspath(sys.argv[1])))
    one = [r for r in rows if int(r["batch"]) == 1]
    if not one:
        print("no one-thread rows in", sys.argv[1])
        return
    sig_count = defaultdict(int)
    for r in one:
        sig_count[float(r["sigma"])] += 1
    sig = 1.0 if 1.0 in sig_count else max(sig_count, key=sig_count.get)

    # ---- time vs K
    panels = [(dt, g) for dt in ("f64", "f32") for g in ("0", "1")
              if any(r["dtype"] == dt and r["grad"] == g for r in one)]
    fig, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 4.4), squeeze=False)
    for ax, (dt, g) in zip(axes[0], panels):
        algos = sorted({r["algo"] for r in one if r["dtype"] == dt and r["grad"] == g}, key=algo_key)
        for a in algos:
            pts = sorted((int(r["K"]), float(r["ns_per_eval"])) for r in one
                         if r["algo"] == a and r["dtype"] == dt and r["grad"] == g and float(r["sigma"]) == sig)
            if not pts:
                continue
            s = fit_slope(pts)
            name = "auto-rows (scalar, no SIMD lanes)" if a == BASELINE else a
            lab = f"{name} (slope {s:.2f})" if s is not None else name
            # the scalar baseline of auto's SIMD paths: dashed, in auto's colour
            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", ms=3,
                    color=color("auto" if a == BASELINE else a), ls="--" if a == BASELINE else "-", label=lab)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("K")
        ax.set_ylabel("ns per evaluation (one thread)")
        ax.set_title(f"{dt}, {'value + mean' if g == '1' else 'value'}, sigma = {sig:g}")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle("time vs K (slope fitted over K >= 32)")
    fig.tight_layout()
    save(fig, out, "time_vs_K.png")

    # ---- time vs sigma at the largest K with several sigmas
    byK = defaultdict(set)
    for r in one:
        byK[int(r["K"])].add(float(r["sigma"]))
    Ks = [k for k, s in byK.items() if len(s) >= 2]
    if Ks:
        K = max(Ks)
        fig, ax = plt.subplots(figsize=(6, 4.4))
        for a in sorted({r["algo"] for r in one if r["algo"] != BASELINE}, key=algo_key):
            pts = sorted((float(r["sigma"]), float(r["ns_per_eval"])) for r in one
                         if r["algo"] == a and r["dtype"] == "f64" and r["grad"] == "0" and int(r["K"]) == K)
            if len(pts) >= 2:
                ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", ms=3, color=color(a), label=a)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("sigma")
        ax.set_ylabel("ns per evaluation")
        ax.set_title(f"time vs sigma, f64 value, K = {K}")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
        fig.tight_layout()
        save(fig, out, "time_vs_sigma.png")

    # ---- accuracy vs time with Pareto front
    sw = defaultdict(float)
    for r in sweep:
        k = (r["algo"], r["dtype"], int(r["K"]))
        sw[k] = max(sw[k], num(r["err_A"]))
    pts_by_K = defaultdict(list)
    for r in one:
        if r["grad"] != "0" or float(r["sigma"]) != sig or r["algo"] == BASELINE:
            continue
        k = (r["algo"], r["dtype"], int(r["K"]))
        if k in sw:
            err, src = sw[k], "sweep"
        elif r.get("max_err_A"):
            err, src = num(r["max_err_A"]), "bench"
        else:
            continue
        pts_by_K[int(r["K"])].append((float(r["ns_per_eval"]), err, r["algo"], r["dtype"], src))
    Ks = sorted(pts_by_K)
    if Ks:
        fig, axes = plt.subplots(1, len(Ks), figsize=(4.4 * len(Ks), 4.2), squeeze=False)
        for ax, K in zip(axes[0], Ks):
            P = pts_by_K[K]
            for t, e, a, dt, src in P:
                ax.plot(t, min(e, INF_DRAW) if math.isfinite(e) else INF_DRAW, "o" if dt == "f64" else "s",
                        color=color(a), mfc=color(a) if dt == "f64" else "none", label=f"{a} {dt}")
            front, best = [], float("inf")
            for t, e, *_ in sorted(P, key=lambda p: (p[0], p[1])):
                if e < best:
                    front.append((t, max(e, 1e-3)))
                    best = e
            if front:
                ax.step([p[0] for p in front], [p[1] for p in front], where="post", color="k", lw=1, ls="--")
            srcs = sorted({p[4] for p in P})
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel("ns per evaluation (value, one thread)")
            ax.set_ylabel("max err_A (u)")
            ax.set_title(f"K = {K}, sigma = {sig:g} (err: {'+'.join(srcs)})", fontsize=9)
            ax.grid(True, which="both", alpha=0.3)
        h, lab = axes[0][0].get_legend_handles_labels()
        seen = {}
        for hh, ll in zip(h, lab):
            seen.setdefault(ll, hh)
        fig.legend(list(seen.values()), list(seen.keys()), loc="lower center", ncol=6, fontsize=7,
                   bbox_to_anchor=(0.5, -0.1))
        fig.suptitle("accuracy vs time; dashed: Pareto front (f64 filled, f32 open)")
        fig.tight_layout()
        save(fig, out, "accuracy_vs_time.png")


if __name__ == "__main__":
    main()
