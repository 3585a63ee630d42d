"""Covariance, HVP, variances, entropy and KL through the Python API against the certified
references bound in the module (ccnorm.reference_covariance / _entropy / _kl, i.e.
ccnorm::ref::certified_*), on rows of the hard corpus (every family, both dtypes) and adversarial
KL pairs. Tolerances: tests/data/distribution_tolerances.csv (docs/design.md §3)."""
import collections
from fractions import Fraction

import numpy as np
import pytest

import ccnorm
from conftest import NP, U, tolerances

TOL = {(r["quantity"], r["dtype"]): float(r["max_err"]) for r in tolerances("distribution_tolerances.csv")}


def _pick(hard_corpus, dtype, max_K, max_spread, per_family):
    got = collections.defaultdict(list)
    for r in hard_corpus:
        if r.dtype == dtype and 2 <= r.K <= max_K and r.spread <= max_spread and len(got[r.family]) < per_family:
            got[r.family].append(r)
    rows = [r for v in got.values() for r in v]
    assert len(got) == 12, sorted(got)  # every family is represented
    return rows


def _groups(rows):
    g = collections.defaultdict(list)
    for r in rows:
        g[r.K].append(r)
    return g.items()


@pytest.mark.parametrize("dtype", ["f64", "f32"])
def test_covariance_hvp_variances_entropy(hard_corpus, dtype):
    u, T = U[dtype], NP[dtype]
    rows = _pick(hard_corpus, dtype, 32, 2000, 5)
    worst = collections.defaultdict(float)
    for K, grp in _groups(rows):
        Z = np.stack([r.z for r in grp])
        refc = ccnorm.reference_covariance(Z)
        refh = ccnorm.reference_entropy(Z)
        Zt = Z.astype(T)
        C = ccnorm.covariance(Zt)
        V = ccnorm.variances(Zt)
        H = ccnorm.entropy(Zt)
        E = np.broadcast_to(np.eye(K, dtype=T), (len(grp), K, K))
        cols = np.stack([ccnorm.hvp(Zt, E[:, j, :]) for j in range(K)], axis=-1)  # column j = Cov e_j
        assert C.dtype == T and V.dtype == T and H.dtype == T and cols.dtype == T
        for i, r in enumerate(grp):
            ref = refc["covariance"][i] + refc["covariance_lo"][i]  # ~106 bits (docs/design.md §3.3)
            hi, lo = refc["covariance"][i], refc["covariance_lo"][i]
            d = np.sqrt(np.diag(hi))
            scale = np.outer(d, d)
            off = ~np.eye(K, dtype=bool)
            e_full = np.abs((C[i] - hi) - lo) / (u * scale)
            e_hvp = np.abs((cols[i] - hi) - lo) / (u * scale)
            e_var = np.abs((V[i] - np.diag(hi)) - np.diag(lo)) / (u * np.diag(hi))
            worst["cov_offdiag", r.family] = max(worst["cov_offdiag", r.family], float(e_full[off].max()))
            worst["cov_diag", r.family] = max(worst["cov_diag", r.family], float(np.diag(e_full).max()), float(e_var.max()))
            worst["hvp", r.family] = max(worst["hvp", r.family], float(e_hvp.max()))
            eh = abs((float(H[i]) - refh["entropy"][i]) - refh["entropy_lo"][i]) / (u * max(1.0, abs(refh["entropy"][i])))
            worst["entropy", r.family] = max(worst["entropy", r.family], eh)
            assert np.all(np.isfinite(ref))
            np.testing.assert_allclose(C[i].sum(axis=1), 0, atol=64 * u * d.max() * np.sqrt(K))  # Cov 1 = 0
    print("\n%s: quantity family max_err (tolerance)" % dtype)
    bad = []
    for (q, fam), e in sorted(worst.items()):
        t = TOL[q, dtype]
        print("  %-12s %-12s %8.3g (%g)" % (q, fam, e, t))
        if not e <= t:
            bad.append((q, fam, e))
    assert not bad, bad


def test_hvp_random_vectors_exact_reference(hard_corpus):
    """Cov v for random v against sum_j Cov_ij v_j formed exactly (Fractions) from the certified matrix."""
    rng = np.random.default_rng(11)
    rows = _pick(hard_corpus, "f64", 10, 500, 2)
    u = U["f64"]
    for K, grp in _groups(rows):
        Z = np.stack([r.z for r in grp])
        v = rng.normal(size=Z.shape)
        ref = ccnorm.reference_covariance(Z)
        out = ccnorm.hvp(Z, v)
        for i in range(len(grp)):
            hi, lo = ref["covariance"][i], ref["covariance_lo"][i]
            d = np.sqrt(np.diag(hi))
            for a in range(K):
                exact = sum((Fraction(hi[a, b]) + Fraction(lo[a, b])) * Fraction(v[i, b]) for b in range(K))
                e = abs(Fraction(out[i, a]) - exact) / Fraction(u * d[a] * np.sum(d * np.abs(v[i])))
                assert float(e) <= TOL["hvp", "f64"], (grp[i].id, a, float(e))


def _kl_pairs(z, T):
    """Adversarial partners of zp (those of tests/test_distribution.cpp): one ulp in one
    coordinate, ulps everywhere, tilts 1e-8 and 1e-3, reversed; and a far-away row."""
    K = len(z)
    zp = z.astype(T)
    qs = {}
    q = zp.copy()
    q[K // 2] = np.nextafter(q[K // 2], T(np.inf))
    qs["one-ulp"] = q
    q = zp.copy()
    for j in range(K):
        q[j] = np.nextafter(q[j], T(-np.inf)) if j % 2 else np.nextafter(np.nextafter(q[j], T(np.inf)), T(np.inf))
    qs["ulps-everywhere"] = q
    for eps in (1e-8, 1e-3):
        qs["tilt%g" % eps] = (zp.astype(np.float64) + eps * np.cos(1.0 + np.arange(K))).astype(T)
    qs["reversed"] = zp[::-1].copy()
    qs["scaled"] = (zp.astype(np.float64) * -3.0 + np.arange(K)).astype(T)
    return zp, qs


@pytest.mark.parametrize("dtype", ["f64", "f32"])
def test_kl_adversarial_pairs(hard_corpus, dtype):
    T = NP[dtype]
    rows = _pick(hard_corpus, dtype, 16, 1000, 3)
    floor = float(np.finfo(T).smallest_subnormal) * 2.0 ** 40
    goal = TOL["kl", dtype] + (2.0 ** -24 if dtype == "f32" else 0.0)  # f32: plus its own rounding
    worst = 0.0
    for r in rows:
        zp, qs = _kl_pairs(r.z, T)
        names = list(qs)
        Q = np.stack([qs[n] for n in names])
        P = np.broadcast_to(zp, Q.shape)
        kl = ccnorm.kl_divergence(zp, Q)  # broadcasting zp (K,) against (n, K)
        assert kl.shape == (len(names),) and kl.dtype == T
        ref = ccnorm.reference_kl(P.astype(np.float64), Q.astype(np.float64))
        assert np.all(kl >= 0), (r.id, kl)  # never negative
        for k, n in enumerate(names):
            mag = max(abs(ref["kl"][k]), floor)
            e = abs((float(kl[k]) - ref["kl"][k]) - ref["kl_lo"][k]) / mag
            worst = max(worst, e)
            assert e <= goal, (r.id, n, float(kl[k]), ref["kl"][k], e)
        # exactly 0 for a representable shift
        s = (zp + T(2)).astype(T)
        if np.all(s - T(2) == zp):
            assert ccnorm.kl_divergence(zp, s) == 0
    print("\nKL %s: max relative error %.3g (goal %.3g) over %d rows x 6 partners" % (dtype, worst, goal, len(rows)))


def test_kl_near_shift():
    """zq = zp + c + 1e-9 cos(j): KL ~ 4e-20 is the quadratic form of the tiny tilt; relative
    2^-40 (the C++ quadrature once rounded delta = zq - zp to double before centring it, which
    kept only ~log2(1e-9 / (u c)) bits of the tilt: relative errors 1e-7 to 1e-3)."""
    rng = np.random.default_rng(1)
    worst = 0.0
    for K in (2, 5, 10):
        for c in (1.0, 100.0, 1e4):
            p = rng.normal(size=K)
            q = p + c + 1e-9 * np.cos(1.0 + np.arange(K))
            kl = ccnorm.kl_divergence(p, q)
            ref = ccnorm.reference_kl(p, q)
            assert kl >= 0 and abs(kl - ref["kl"]) < 1e-22
            worst = max(worst, abs((kl - ref["kl"]) - ref["kl_lo"]) / ref["kl"])
    assert worst <= TOL["kl", "f64"], worst


def test_kl_is_nonnegative_on_hard_pairs():
    """Near-equal pairs at huge offsets, ties, clusters, wide spreads: KL >= 0 and matches the
    certified value; the naive formula A(q) - A(p) - (q - p).mu(p) cancels to negative numbers here."""
    rng = np.random.default_rng(3)
    P, Q = [], []
    for _ in range(12):
        K = int(rng.integers(2, 9))
        p = rng.normal(scale=float(rng.choice([1e-6, 1.0, 30.0, 300.0])), size=K) + float(rng.choice([0.0, 1e4, -3e4]))
        q = p + rng.normal(scale=1e-9, size=K)
        P.append(np.pad(p, (0, 8 - K), constant_values=p[0]))
        Q.append(np.pad(q, (0, 8 - K), constant_values=q[0]))
    P, Q = np.array(P), np.array(Q)
    kl = ccnorm.kl_divergence(P, Q)
    ref = ccnorm.reference_kl(P, Q)
    assert np.all(kl >= 0)
    assert np.all(np.abs((kl - ref["kl"]) - ref["kl_lo"]) <= 2.0 ** -40 * ref["kl"] + 1e-300)
    naive = ccnorm.log_partition(Q) - ccnorm.log_partition(P) - np.sum((Q - P) * ccnorm.mean(P), axis=-1)
    assert np.any(np.abs(naive - ref["kl"]) > 1e3 * ref["kl"])  # what the library avoids


def test_identities():
    rng = np.random.default_rng(0)
    Z = np.round(rng.normal(scale=2.0, size=(5, 6)) * 1024) / 1024  # so that Z + 4 is exact
    C = ccnorm.covariance(Z)
    np.testing.assert_allclose(C, np.swapaxes(C, -1, -2), rtol=0, atol=1e-15)
    assert np.all(np.linalg.eigvalsh(C) > -1e-14)
    np.testing.assert_allclose(ccnorm.variances(Z), np.diagonal(C, axis1=-2, axis2=-1), rtol=1e-13)
    H = ccnorm.entropy(Z)
    A, mu = ccnorm.log_partition(Z, return_mean=True)
    np.testing.assert_allclose(H, A - np.sum(Z * mu, axis=-1), rtol=1e-12)
    # equal logits: H = -log((K-1)!), the largest entropy on the simplex
    assert abs(ccnorm.entropy(np.full(6, 3.0)) + np.log(120.0)) < 1e-14
    assert np.all(H < -np.log(120.0))
    np.testing.assert_array_equal(ccnorm.kl_divergence(Z, Z + 4.0), 0.0)
    np.testing.assert_allclose(ccnorm.hvp(Z, np.ones_like(Z)), 0.0, atol=1e-15)  # Cov 1 = 0
