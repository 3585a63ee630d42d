#!/usr/bin/python3
"""Adapter: the papers' closed form evaluated with mpmath at a fixed 30 significant digits
(mp.dps = 30, about 103 bits):

    exp[z] = sum_k e^{z_k} / prod_{i != k} (z_k - z_i),      A = log exp[z]

The inputs are converted to mpf exactly (every double is an mpf), so the only errors are mpmath's
roundings at 30 digits, amplified by the closed form's cancellation (about coth(h/2)^(K-1) for gap h);
an exact tie divides by zero (written as an 'error' row), a sum that cancels to <= 0 gives NaN.
The 30-digit result is rounded once to double for the results file (f64 scoring only).
Cases with K > --max-k (default 1000) are skipped: the O(K^2) mpf loop would take minutes.

Usage: mpmath_closed_form.py --golden FILE --outdir DIR [--max-k N]
Writes DIR/cases.csv (the golden rows used, references kept) and DIR/A.txt."""
import argparse
import os
import sys

import mpmath
from mpmath import mp, mpf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from golden_io import read_golden, write_cases, write_results  # noqa: E402


def closed_form_A(z):
    zs = [mpf(v) for v in z]
    total = mpf(0)
    for k, zk in enumerate(zs):
        den = mpf(1)
        for i, zi in enumerate(zs):
            if i != k:
                den *= zk - zi
        total += mpmath.exp(zk) / den  # ZeroDivisionError on an exact tie
    if not total > 0:
        return float("nan")
    return float(mpmath.log(total))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--golden", required=True)
    ap.add_argument("--outdir", required=True)
    ap.add_argument("--max-k", type=int, default=1000)
    a = ap.parse_args()
    mp.dps = 30
    os.makedirs(a.outdir, exist_ok=True)
    comments, cases = read_golden(a.golden)
    rows, res = [], []
    for c in cases:
        if c.K > a.max_k:
            continue
        rows.append((c, c.param, c.x, True))
        try:
            res.append([closed_form_A(c.z())])
        except ZeroDivisionError:
            res.append(None)
    write_cases(os.path.join(a.outdir, "cases.csv"), comments, rows)
    write_results(os.path.join(a.outdir, "A.txt"), res)
    print(f"mpmath_closed_form: {len(rows)} cases with K <= {a.max_k} (mpmath {mpmath.__version__}, dps {mp.dps})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
