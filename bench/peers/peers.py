#!/usr/bin/python3
"""Subprocess peers for `ccnorm bench --peers`: time per row and A = log exp[z_1..z_K] per row.

usage: /usr/bin/python3 bench/peers/peers.py --method scipy|mpmath --in ROWS --out RESULTS

ROWS: one row of logits per line, comma-separated (hex floats as written by C's %a, or decimals).
RESULTS: one line per row, "A,time_ns": A as a decimal string (17 significant digits for scipy,
40 for mpmath; "nan" when the method fails), time_ns the wall time of that row's evaluation
(time.perf_counter_ns around the whole computation, matrix construction included; Python call
overhead of a few microseconds is part of it).

Methods
- scipy: scipy.linalg.expm of the Opitz bidiagonal matrix (nodes z - max z on the diagonal,
  t = 2^s on the superdiagonal, s = round(log2((K-1)!)/(K-1))), A = max z + log(E[0, K-1])
  - (K-1) s log 2. The same matrix as the in-process Eigen peer `opitz-expm`
  (bench/opitz_expm.hpp): the power-of-two superdiagonal is an exact similarity that keeps the
  corner entry (<= 1/(K-1)! with t = 1) out of underflow. O(K^3); run single-threaded
  (the caller sets OPENBLAS_NUM_THREADS=1). Fails (NaN / -inf) where the scaling and squaring
  loses the small corner entry.
- mpmath: the closed form exp[z] = sum_k e^{z_k} / prod_{i != k} (z_k - z_i) in mpmath
  arbitrary precision, with the working precision raised until it exceeds the cancellation
  (log2 of sum|t_k| / |sum t_k|) by at least 100 bits; exact ties are merged by the confluent
  limit only in the trivial all-equal case (bench inputs are random: no ties). O(K^2) big-float
  operations per row: slow, for small K only.
"""
import argparse
import math
import sys
import time


def parse_row(line):
    out = []
    for f in line.split(','):
        f = f.strip()
        if 'x' in f or 'X' in f:
            out.append(float.fromhex(f))
        else:
            out.append(float(f))
    return out


def scipy_A(z):
    import numpy as np
    from scipy.linalg import expm
    K = len(z)
    if K == 1:
        return repr(z[0])
    m = max(z)
    s = int(round(math.lgamma(K) / ((K - 1) * math.log(2.0))))
    t = math.ldexp(1.0, s)
    M = np.diag(np.asarray(z, dtype=np.float64) - m)
    M[np.arange(K - 1), np.arange(1, K)] = t
    E = expm(M)
    c = float(E[0, K - 1])
    with np.errstate(all='ignore'):
        if not (c > 0.0) or not math.isfinite(c):
            return 'nan'
        A = m + math.log(c) - (K - 1) * s * math.log(2.0)
    return '%.17g' % A


def mpmath_A(z):
    import mpmath
    K = len(z)
    if K == 1:
        return mpmath.nstr(mpmath.mpf(z[0]), 40)
    if max(z) == min(z):
        with mpmath.workprec(200):
            return mpmath.nstr(mpmath.mpf(z[0]) - mpmath.log(mpmath.factorial(K - 1)), 40)
    prec = 160
    while True:
        with mpmath.workprec(prec):
            zz = [mpmath.mpf(v) for v in z]
            m = max(zz)
            terms = []
            for k in range(K):
                den = mpmath.mpf(1)
                for i in range(K):
                    if i != k:
                        d = zz[k] - zz[i]
                        if d == 0:
                            return 'nan'  # exact tie: the closed form does not apply
                        den *= d
                terms.append(mpmath.exp(zz[k] - m) / den)
            S = mpmath.fsum(terms)
            absS = mpmath.fsum(abs(t) for t in terms)
            if S > 0:
                lost = float(mpmath.log(absS / S, 2))
                if prec - lost >= 100:
                    return mpmath.nstr(m + mpmath.log(S), 40)
                prec = int(lost) + 160
            else:
                prec *= 2
            if prec > 200000:
                return 'nan'


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--method', choices=['scipy', 'mpmath'], required=True)
    ap.add_argument('--in', dest='inp', required=True)
    ap.add_argument('--out', required=True)
    a = ap.parse_args()
    fn = scipy_A if a.method == 'scipy' else mpmath_A
    if a.method == 'scipy':
        import numpy  # noqa: F401  (import cost outside the timed region)
        import scipy.linalg  # noqa: F401
    else:
        import mpmath  # noqa: F401
    rows = []
    with open(a.inp) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith('#'):
                rows.append(parse_row(line))
    if rows:
        fn(rows[0])  # warm-up (lazy imports, caches); not reported
    with open(a.out, 'w') as f:
        for z in rows:
            t0 = time.perf_counter_ns()
            try:
                A = fn(z)
            except Exception as e:  # a failing row is reported as nan, the others continue
                print('peers.py: %s: %s' % (a.method, e), file=sys.stderr)
                A = 'nan'
            t1 = time.perf_counter_ns()
            f.write('%s,%d\n' % (A, t1 - t0))
    return 0


if __name__ == '__main__':
    sys.exit(main())
