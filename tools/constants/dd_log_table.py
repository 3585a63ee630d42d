#!/usr/bin/env python3
"""Print the double-double constants of normalizer/dd.hpp's table-driven dd_log and log_pair.

log(i/64) for i = 45..91 and 1/(2k+1) for k = 0..3 (dd_log), then log(c_i) for the centres
c_i = 1 + (i + 1/2)/128, i = 0..127 (log_pair; `--log-pair` prints only these), each the
double-double nearest the value computed by mpmath at 300 bits (hi = the double nearest, lo = the
double nearest the rest).
Run: /usr/bin/python3 tools/constants/dd_log_table.py  (mpmath 1.2.1, Debian python3-mpmath).
"""
import sys

import mpmath

mpmath.mp.prec = 300


def dd(v):
    hi = float(v)
    lo = float(v - mpmath.mpf(hi))
    return hi, lo


def hexd(x):
    return x.hex() if x else "0.0"


def log_pair_table():
    for i in range(128):
        c = 1 + (mpmath.mpf(i) + mpmath.mpf(1) / 2) / 128
        hi, lo = dd(mpmath.log(c))
        print("    {%s, %s},  // log(1 + %d.5/128)" % (hexd(hi), hexd(lo), i))


if "--log-pair" in sys.argv[1:]:
    log_pair_table()
    sys.exit(0)

for i in range(45, 92):
    hi, lo = dd(mpmath.log(mpmath.mpf(i) / 64))
    print("    {%s, %s},  // log(%d/64)" % (hexd(hi), hexd(lo), i))
for k in range(4):
    hi, lo = dd(mpmath.mpf(1) / (2 * k + 1))
    print("    {%s, %s},  // 1/%d" % (hexd(hi), hexd(lo), 2 * k + 1))
log_pair_table()
