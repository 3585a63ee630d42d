"""Shared helpers for the ccnorm plot scripts (python3-matplotlib, Agg backend, CSV/JSON in only)."""
import csv
import json
import math
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

U = {"f64": 2.0 ** -53, "f32": 2.0 ** -24}
ALGO_ORDER = ["closed-form", "closed-form-scaled", "sorted-difference", "taylor", "auto", "auto-precise",
              "opitz-expm"]
COLORS = {a: c for a, c in zip(ALGO_ORDER, ["#d62728", "#ff7f0e", "#9467bd", "#2ca02c", "#1f77b4", "#17becf",
                                            "#8c564b"])}
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


def algo_key(a):
    return ALGO_ORDER.index(a) if a in ALGO_ORDER else len(ALGO_ORDER)


def color(a):
    return COLORS.get(a, "#7f7f7f")


def finite_or(x, cap=INF_DRAW):
    return x if math.isfinite(x) else cap


def save(fig, out_dir, name):
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, name)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    print(path)
    return path
