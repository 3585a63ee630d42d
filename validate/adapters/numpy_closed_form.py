#!/usr/bin/python3
"""Adapter: a NumPy transcription of the published CC closed form with std scaling,
`cc_log_norm_const(eta)` from the papers' repository (cunningham-lab/cb_and_cc, cc/cc_funcs.py and the
election example; TensorFlow there, NumPy here, same operations in the same order):

    s      = std(eta)                        (population std of the K-1 entries of eta)
    lam    = softmax((eta, 0))
    a      = (eta, 0) / s
    dens_k = prod_i (a_i - a_k + [i == k])   (the identity keeps the diagonal at 1)
    log_norm_const = -log((-1)^(K-1) sum_k lam_k / dens_k) + (K-1) log s

Since sum_k lam_k / dens_k = (-1)^(K-1) s^(K-1) exp[z] / sum_j e^{z_j} for z = (eta, 0), the function
returns LSE(z) - A(z), i.e. our logC (and cc_log_normalizer = -cc_log_norm_const + LSE = our A).
Everything is computed in the dtype (float64 or float32). K = 2 gives std = 0 and NaN, as the
published function does. The K x K product is taken in column chunks to bound memory at K = 10^4.

The function is eta-parameterised: logits cases are converted with eta_i = z_i - z_K (in double, then
one rounding to the dtype); such cases are written with the eta the function received and an empty
reference, so `ccnorm validate` scores against the certified reference of exactly that input.

Usage: numpy_closed_form.py --golden FILE --dtype f64|f32 --outdir DIR
Writes DIR/cases.csv, DIR/logC.txt (cc_log_norm_const), DIR/A.txt (cc_log_normalizer)."""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from golden_io import read_golden, write_cases, write_results  # noqa: E402


def cc_log_norm_const(eta, dt):
    eta = np.asarray(eta, dtype=dt)
    m = eta.shape[0]  # K - 1
    with np.errstate(all="ignore"):
        s = np.std(eta) if m > 0 else dt(np.nan)
        aug = np.concatenate([eta, np.zeros(1, dtype=dt)])
        e = np.exp(aug - np.max(aug))
        lam = e / np.sum(e)
        a = aug / s
        K = m + 1
        dens = np.empty(K, dtype=dt)
        for k0 in range(0, K, 256):
            k1 = min(K, k0 + 256)
            d = a[:, None] - a[None, k0:k1]  # d[i, k] = a_i - a_k
            d[np.arange(k0, k1), np.arange(k1 - k0)] += dt(1)
            dens[k0:k1] = np.prod(d, axis=0)
        sign = dt(-1) ** m
        lnc = -np.log(sign * np.sum(lam / dens)) + dt(m) * np.log(s)
        mx = np.max(aug)
        lse = mx + np.log(np.sum(np.exp(aug - mx)))
        return dt(lnc), dt(-lnc + lse)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--golden", required=True)
    ap.add_argument("--dtype", choices=["f64", "f32"], required=True)
    ap.add_argument("--outdir", required=True)
    ap.add_argument("--max-k", type=int, default=10000)
    a = ap.parse_args()
    os.makedirs(a.outdir, exist_ok=True)
    comments, cases = read_golden(a.golden)
    dt = np.float64 if a.dtype == "f64" else np.float32
    rows, res_logC, res_A = [], [], []
    for c in cases:
        if c.K > a.max_k or (a.dtype == "f32" and c.dtype != "f32"):
            continue
        if c.param == "eta":
            eta = [float(dt(v)) for v in c.x]
            keep = eta == c.x
        else:
            z = c.z()
            eta = [float(dt(v - z[-1])) for v in z[:-1]]
            keep = False
        rows.append((c, "eta", eta, keep))
        lnc, A = cc_log_norm_const(eta, dt)
        res_logC.append([float(lnc)])
        res_A.append([float(A)])
    write_cases(os.path.join(a.outdir, "cases.csv"), comments, rows)
    write_results(os.path.join(a.outdir, "logC.txt"), res_logC)
    write_results(os.path.join(a.outdir, "A.txt"), res_A)
    print(f"numpy_closed_form {a.dtype}: {len(rows)} cases (numpy {np.__version__})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
