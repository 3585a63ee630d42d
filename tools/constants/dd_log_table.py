#!/usr/bin/env python3
"""Print the double-double constants of normalizer/dd.hpp's table-driven dd_log.

log(i/64) for i = 45..91 and 1/(2k+1) for k = 0..3, each the double-double nearest the value
computed by mpmath at 300 bits (hi = the double nearest, lo = the double nearest the rest).
Run: /usr/bin/python3 tools/constants/dd_log_table.py  (mpmath 1.2.1, Debian python3-mpmath).
"""
import mpmath

mpmath.mp.prec = 300


def dd(v):
    hi = float(v)
    lo = float(v - mpmath.mpf(hi))
    return hi, lo


def hexd(x):
    return x.hex() if x else "0.0"


for i in range(45, 92):
    hi, lo = dd(mpmath.log(mpmath.mpf(i) / 64))
    print("    {%s, %s},  // log(%d/64)" % (hexd(hi), hexd(lo), i))
for k in range(4):
    hi, lo = dd(mpmath.mpf(1) / (2 * k + 1))
    print("    {%s, %s},  // 1/%d" % (hexd(hi), hexd(lo), 2 * k + 1))
