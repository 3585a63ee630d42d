"""Shared helpers for the ccnorm plot scripts (python3-matplotlib, Agg backend, CSV/JSON in only)."""
import csv
import json
import math
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

U = {"f64": 2.0 ** -53, "f32": 2.0 ** -24}
# The legend order is data: the algorithm registry as `ccnorm algorithms` / `ccnorm report` write it
# (algorithms.csv: name,rank,...), then the names of the data that it does not list (bench peers
# such as opitz-expm) in order of first appearance. set_algo_order() fills it; each algorithm
# keeps the colour of its position.
ALGO_ORDER = []
PALETTE = ["#d62728", "#ff7f0e", "#9467bd", "#2ca02c", "#1f77b4", "#17becf", "#7f7f7f", "#8c564b", "#e377c2",
           "#bcbd22"]
# error value drawn for "inf" (NaN/inf/exception): above every finite error, clearly labelled
INF_DRAW = 1e18


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(row for row in f if not row.startswith("#")))


def read_json(path):
    with open(path) as f:
        return json.load(f)


def num(s):
    return float("inf") if s in ("inf", "+inf") else float(s)


def registry_order(*dirs):
    """Algorithm names by rank from the first algorithms.csv found in dirs ([] when there is none)."""
    for d in dirs:
        path = os.path.join(d, "algorithms.csv")
        if os.path.exists(path):
            return [r["name"] for r in sorted(read_csv(path), key=lambda r: int(r["rank"]))]
    return []


def set_algo_order(names, *dirs):
    """The legend order: registry_order(*dirs), then every name of `names` (the data, in order)
    that it does not list, in order of first appearance."""
    order = registry_order(*dirs)
    for n in names:
        if n not in order:
            order.append(n)
    ALGO_ORDER[:] = order
    return order


def algo_key(a):
    return ALGO_ORDER.index(a) if a in ALGO_ORDER else len(ALGO_ORDER)


def color(a):
    return PALETTE[ALGO_ORDER.index(a) % len(PALETTE)] if a in ALGO_ORDER else "#7f7f7f"


def finite_or(x, cap=INF_DRAW):
    return x if math.isfinite(x) else cap


def save(fig, out_dir, name):
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, name)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    print(path)
    return path
