"""Shared helpers of the ccnorm Python tests (python/tests).

The package is imported at the top: if ccnorm (or NumPy) cannot be imported, every test module
fails to collect and pytest exits with an error; nothing is skipped.
"""
import csv
import os
import sys
from decimal import Decimal, getcontext

import numpy as np
import pytest

import ccnorm  # noqa: F401  (a failure here must fail the suite)

getcontext().prec = 60
csv.field_size_limit(sys.maxsize)

ROOT = os.environ.get("CCNORM_SOURCE_DIR") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DATA = os.path.join(ROOT, "tests", "data")
U = {"f64": 2.0 ** -53, "f32": 2.0 ** -24}
NP = {"f64": np.float64, "f32": np.float32}


def hi_lo(text):
    """A decimal string -> (hi, lo) doubles with hi + lo = the decimal to ~2^-106 relative: errors
    are measured against the unrounded reference (docs/design.md §3.3)."""
    d = Decimal(text)
    hi = float(d)
    return hi, float(d - Decimal(hi))


class CorpusRow:
    __slots__ = ("id", "family", "dtype", "K", "z", "A", "A_rad", "logC", "logC_rad", "mu", "mu_rad", "spread")

    def __init__(self, r):
        self.id, self.family, self.dtype, self.K = r[0], r[1], r[2], int(r[3])
        self.z = np.array([float.fromhex(v) for v in r[4].split(";")])
        self.A, self.A_rad = hi_lo(r[5]), float(r[6])
        self.logC, self.logC_rad = hi_lo(r[7]), float(r[8])
        self.mu, self.mu_rad = None, float(r[10]) if r[10] else None
        if r[9]:
            parts = [hi_lo(v) for v in r[9].split(";")]
            self.mu = (np.array([p[0] for p in parts]), np.array([p[1] for p in parts]))
        self.spread = float(self.z.max() - self.z.min())


_CORPUS = None


def corpus():
    """tests/data/hard_corpus.csv: 1368 rows, certified references (30 digits for A, logC; 25 for mu)."""
    global _CORPUS
    if _CORPUS is None:
        with open(os.path.join(DATA, "hard_corpus.csv")) as f:
            rows = list(csv.reader(line for line in f if not line.startswith("#")))
        assert rows[0][:6] == ["id", "family", "dtype", "K", "z", "A"], rows[0]
        _CORPUS = [CorpusRow(r) for r in rows[1:]]
        assert len(_CORPUS) == 1368
    return _CORPUS


def err_value(got, ref, u):
    """docs/design.md §3.1: |got - ref| / (u max(1, |ref|)); ref = (hi, lo). Non-finite: inf."""
    got = float(got)
    if not np.isfinite(got):
        return np.inf
    hi, lo = ref
    return abs((got - hi) - lo) / (u * max(1.0, abs(hi)))


def err_mean(got, ref, u):
    """docs/design.md §3.1: max_j |got_j - mu_j| / (u mu_j) (absolute below 2^-1000)."""
    got = np.asarray(got, dtype=np.float64)
    if not np.all(np.isfinite(got)):
        return np.inf
    hi, lo = ref
    scale = np.where(hi >= 2.0 ** -1000, hi, 2.0 ** -1022)
    return float(np.max(np.abs((got - hi) - lo) / (u * scale)))


def tolerances(name):
    """tests/data/<name>: CSV with a header, '#' comments -> list of dicts."""
    with open(os.path.join(DATA, name)) as f:
        lines = [line for line in f if line.strip() and not line.startswith("#")]
    return list(csv.DictReader(lines))


@pytest.fixture(scope="session")
def hard_corpus():
    return corpus()
