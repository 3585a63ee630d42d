"""Values through the Python API against certified references: the frozen hard corpus
(tests/data/hard_corpus.csv, every family, both dtypes) and ccnorm.reference (the Arb reference
bound through the module). Tolerances: tests/data/tolerances.csv (docs/design.md §3)."""
import collections

import numpy as np
import pytest

import ccnorm
from conftest import NP, U, err_mean, err_value, tolerances


def _tol(algo, dtype):
    for r in tolerances("tolerances.csv"):
        if r["algo"] == algo and r["dtype"] == dtype and r["family"] == "*":
            return float(r["max_err_A"]), float(r["max_err_mu"])
    raise AssertionError("no tolerance for %s/%s" % (algo, dtype))


def _by_K(rows):
    g = collections.defaultdict(list)
    for r in rows:
        g[r.K].append(r)
    return g


def _score(rows, dtype, algo):
    """Evaluate every row batched by K (shape (n, K) per group); worst errors per family."""
    u = U[dtype]
    worst = collections.defaultdict(lambda: [0.0, 0.0, 0.0, "", 0])
    for K, grp in sorted(_by_K(rows).items()):
        Z = np.stack([r.z for r in grp]).astype(NP[dtype])
        A, mu = ccnorm.log_partition(Z, return_mean=True, algo=algo)
        L = ccnorm.log_normalizer(Z, algo=algo)
        assert A.dtype == NP[dtype] and mu.dtype == NP[dtype] and L.dtype == NP[dtype]
        assert A.shape == (len(grp),) and mu.shape == (len(grp), K)
        for i, r in enumerate(grp):
            w = worst[r.family]
            w[4] += 1
            eA = err_value(A[i], r.A, u)
            eL = err_value(L[i], r.logC, u)
            eM = err_mean(mu[i], r.mu, u) if r.mu is not None else 0.0
            if eA > w[0]:
                w[0], w[3] = eA, r.id
            w[1] = max(w[1], eM)
            w[2] = max(w[2], eL)
    return worst




def _report(dtype, algo, worst):
    print("\n%s/%s on the hard corpus (Python API): family n max_err_A max_err_mu max_err_logC worst_A" % (algo, dtype))
    for fam, (eA, eM, eL, wid, n) in sorted(worst.items()):
        print("  %-12s %4d %8.3g %8.3g %8.3g %s" % (fam, n, eA, eM, eL, wid))


_AUTO = {}


def _auto_scores(hard_corpus, dtype):
    if dtype not in _AUTO:
        rows = [r for r in hard_corpus if r.dtype == dtype and r.K <= 1000]
        assert len(rows) > 600
        _AUTO[dtype] = _score(rows, dtype, "auto")
        _report(dtype, "auto", _AUTO[dtype])
    return _AUTO[dtype]


@pytest.mark.parametrize("dtype", ["f64", "f32"])
def test_auto_on_hard_corpus(hard_corpus, dtype):
    tA, tM = _tol("auto", dtype)
    worst = _auto_scores(hard_corpus, dtype)
    assert len(worst) == 12  # every family of the corpus
    bad = [(f, w[0], w[1]) for f, w in worst.items() if not (w[0] <= tA and w[1] <= tM)]
    assert not bad, "over the goal (err_A <= %g, err_mu <= %g): %s" % (tA, tM, bad)
    badL = [(f, w[2]) for f, w in worst.items() if not w[2] <= tA]
    assert not badL, "logC over %g u: %s" % (tA, badL)


def test_logC_on_far_outlier_rows(hard_corpus):
    """f64 rows of spread 1e3..1e4 with one far outlier: log C within auto's goal (the C++ assembly
    once dropped the low parts of the shifted nodes there: 807 u), and within 2 u for auto-precise."""
    tA, _ = _tol("auto", "f64")
    worst = _auto_scores(hard_corpus, "f64")
    precise = _score([r for r in hard_corpus if r.dtype == "f64" and r.family == "outlier"], "f64", "auto-precise")
    assert worst["outlier"][2] <= tA, worst["outlier"]
    assert precise["outlier"][2] <= 2, precise["outlier"]


@pytest.mark.parametrize("dtype", ["f64", "f32"])
def test_auto_precise_on_hard_corpus(hard_corpus, dtype):
    rows = [r for r in hard_corpus if r.dtype == dtype and r.K <= 100]
    tA, tM = _tol("auto-precise", dtype)
    worst = _score(rows, dtype, "auto-precise")
    bad = [(f, w[0], w[1]) for f, w in worst.items() if not (w[0] <= tA and w[1] <= tM)]
    assert not bad, bad
    # logC is assembled in double-double throughout (normalizer/series/assembly.hpp log_c_exact)
    badL = [(f, w[2]) for f, w in worst.items() if not w[2] <= tA]
    assert not badL, badL


def test_reference_matches_the_frozen_corpus(hard_corpus):
    """ccnorm.reference (ccnorm::ref::certified through the module) gives the correctly rounded
    values stored in the corpus, with radii that cover them."""
    picked = collections.defaultdict(list)
    for r in hard_corpus:
        if r.K <= 32 and r.spread <= 300 and len(picked[(r.family, r.dtype)]) < 6:
            picked[(r.family, r.dtype)].append(r)
    rows = [r for v in picked.values() for r in v]
    assert len(rows) > 100
    for K, grp in _by_K(rows).items():
        Z = np.stack([r.z for r in grp])
        ref = ccnorm.reference(Z)
        assert set(ref) >= {"A", "A_radius", "logC", "logC_radius", "mean", "mean_radius"}
        for i, r in enumerate(grp):
            # both are RN(true) where the corpus ball decides the rounding (most rows; not e.g.
            # ulp_apart.f64.m0.v0.K2, frozen with a radius as large as |A| = 2^-1001)
            if r.A_rad <= 2.0 ** -70 * abs(r.A[0]):
                assert ref["A"][i] == r.A[0], r.id
            if r.logC_rad <= 2.0 ** -70 * abs(r.logC[0]):
                assert ref["logC"][i] == r.logC[0], r.id
            if r.mu_rad <= 2.0 ** -70 * r.mu[0].min():
                np.testing.assert_array_equal(ref["mean"][i], r.mu[0], err_msg=r.id)
            # |A - printed| <= A_radius (|A_true - A|) + the corpus radius (|A_true - printed|)
            tiny = 1e-31 * max(1.0, abs(r.A[0]))
            assert abs((ref["A"][i] - r.A[0]) - r.A[1]) <= ref["A_radius"][i] + r.A_rad + tiny, r.id
            assert abs((ref["logC"][i] - r.logC[0]) - r.logC[1]) <= ref["logC_radius"][i] + r.logC_rad + tiny, r.id
            dm = np.abs((ref["mean"][i] - r.mu[0]) - r.mu[1])
            assert np.all(dm <= ref["mean_radius"][i] + r.mu_rad + 1e-31), r.id
            # A + A_lo is the unrounded midpoint to ~2^-106
            assert abs((ref["A"][i] - r.A[0]) + ref["A_lo"][i] - r.A[1]) <= 2 * r.A_rad + 1e-30 * max(1, abs(r.A[0])), r.id


def test_reference_float32_and_eta():
    z32 = np.array([[0.1, -2.5, 3.0]], dtype=np.float32)
    a = ccnorm.reference(z32)
    b = ccnorm.reference(z32.astype(np.float64))  # float32 is widened exactly
    assert a["A"].dtype == np.float64
    np.testing.assert_array_equal(a["A"], b["A"])
    e = ccnorm.reference([0.5, -1.0], param="eta")
    f = ccnorm.reference([0.5, -1.0, 0.0])
    assert e["A"] == f["A"] and e["mean"].shape == (3,)
    v = ccnorm.reference([[1.0, 2.0]], return_mean=False)
    assert "mean" not in v and v["A"].shape == (1,)


def test_reference_refuses_bad_rows():
    with pytest.raises(ValueError, match=r"row 1 .*NaN"):
        ccnorm.reference([[0.0, 1.0], [np.nan, 1.0]])
    with pytest.raises(ValueError, match=r"row 0 .*spread"):
        ccnorm.reference([[0.0, 2e7]])


def test_api_agrees_with_reference_on_random_rows():
    rng = np.random.default_rng(5)
    Z = rng.normal(scale=3.0, size=(64, 7))
    ref = ccnorm.reference(Z)
    A, mu = ccnorm.log_partition(Z, return_mean=True)
    u = U["f64"]
    for i in range(len(Z)):
        assert err_value(A[i], (ref["A"][i], ref["A_lo"][i]), u) <= 16
        assert err_mean(mu[i], (ref["mean"][i], ref["mean_lo"][i]), u) <= 64
