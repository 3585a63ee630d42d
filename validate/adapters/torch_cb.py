#!/usr/bin/python3
"""Adapter: PyTorch's ContinuousBernoulli (torch.distributions), the K = 2 case of the CC.

Mapping (worked out in reference/golden/README.md and docs/design.md §1). For logits z = (z1, z2)
the CC with K = 2 has density on x1 in [0, 1] proportional to exp((z1 - z2) x1), i.e. the continuous
Bernoulli CB(lambda) with lambda = sigmoid(z1 - z2) = softmax(z)_1. Its log normalizing constant
    log C(lambda) = log(2 atanh(1 - 2 lambda) / (1 - 2 lambda))
equals LSE(z) - A(z) = our logC (both sides are shift invariant), and its mean E[x1] = mu_1.
So with l = z1 - z2:
    ContinuousBernoulli(logits=l)._cont_bern_log_norm()  ->  logC of the case (l, 0)
    ContinuousBernoulli(logits=l).mean                    ->  mu_1
    ContinuousBernoulli(logits=-l).mean                   ->  mu_2 (asked for directly rather than
                                                              as 1 - mu_1, which would add our own
                                                              cancellation)
The implementation receives the logit l (rounded once to the dtype when z1 - z2 is not exact), so the
case written for `ccnorm validate` is (l, 0) exactly as received: param eta, x = [l]; its reference
is then computed by validate with the certified reference (cases whose l equals the golden eta keep
the golden reference).

Usage: torch_cb.py --golden FILE --dtype f64|f32 --outdir DIR
Writes DIR/cases.csv, DIR/logC.txt (one value per case), DIR/mean.txt (mu_1,mu_2 per case).
Exit status 3 when torch cannot be imported."""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from golden_io import read_golden, write_cases, write_results  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--golden", required=True)
    ap.add_argument("--dtype", choices=["f64", "f32"], required=True)
    ap.add_argument("--outdir", required=True)
    a = ap.parse_args()
    try:
        import numpy as np
        import torch
        from torch.distributions import ContinuousBernoulli
    except ImportError as e:
        print(f"torch_cb: cannot import torch ({e}); install python3-torch", file=sys.stderr)
        return 3
    os.makedirs(a.outdir, exist_ok=True)
    comments, cases = read_golden(a.golden)
    npdt = np.float64 if a.dtype == "f64" else np.float32
    tdt = torch.float64 if a.dtype == "f64" else torch.float32
    rows, logits = [], []
    for c in cases:
        if c.K != 2 or (a.dtype == "f32" and c.dtype != "f32"):
            continue
        z = c.z()
        l = float(npdt(z[0] - z[1]))  # difference in double, then one rounding to the dtype
        keep = c.param == "eta" and l == c.x[0]
        rows.append((c, "eta", [l], keep))
        logits.append(l)
    write_cases(os.path.join(a.outdir, "cases.csv"), comments, rows)
    t = torch.tensor(logits, dtype=tdt)
    with torch.no_grad():
        cb = ContinuousBernoulli(logits=t)
        cbn = ContinuousBernoulli(logits=-t)
        lognorm = cb._cont_bern_log_norm()
        m1, m2 = cb.mean, cbn.mean
    write_results(os.path.join(a.outdir, "logC.txt"), [[float(v)] for v in lognorm.tolist()])
    write_results(os.path.join(a.outdir, "mean.txt"), [[float(u), float(v)] for u, v in zip(m1.tolist(), m2.tolist())])
    print(f"torch_cb {a.dtype}: {len(rows)} K=2 cases (torch {torch.__version__})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
