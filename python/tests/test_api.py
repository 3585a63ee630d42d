"""The NumPy API of docs/design.md §4.10: names, shapes, dtypes, keywords, parameterisations,
broadcasting, errors (ValueError naming the flat row index), warnings, zero-copy, identities."""
import inspect
import math
import subprocess
import sys
import warnings

import numpy as np
import pytest

import ccnorm

RNG = np.random.default_rng(42)


def test_names_and_signatures():
    """The contract's functions and keywords (docs/design.md §4.10)."""
    sig = {n: inspect.signature(getattr(ccnorm, n)) for n in
           ["log_partition", "log_normalizer", "mean", "covariance", "hvp", "entropy", "kl_divergence", "sample",
            "reference", "validate"]}
    assert list(sig["log_partition"].parameters)[:2] == ["z", "return_mean"]
    assert sig["log_partition"].parameters["return_mean"].default is False
    assert list(sig["hvp"].parameters)[:2] == ["z", "v"]
    assert list(sig["kl_divergence"].parameters)[:2] == ["zp", "zq"]
    assert list(sig["sample"].parameters)[:3] == ["z", "n", "seed"] and sig["sample"].parameters["seed"].default is None
    p = sig["validate"].parameters
    assert list(p)[:5] == ["cases", "results", "quantity", "dtype", "tol"]
    assert p["quantity"].default == "A" and p["dtype"].default == "f64"
    for n in ["log_partition", "log_normalizer", "mean", "covariance", "hvp", "entropy", "kl_divergence", "sample"]:
        assert sig[n].parameters["algo"].default == "auto", n
        assert sig[n].parameters["param"].default == "logits", n
    assert sig["reference"].parameters["param"].default == "logits"


@pytest.mark.parametrize("batch", [(), (1,), (4,), (2, 3), (2, 1, 3)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_shapes_and_dtypes(batch, dtype):
    K = 5
    z = RNG.normal(size=batch + (K,)).astype(dtype)
    A, mu = ccnorm.log_partition(z, return_mean=True)
    outs = {
        "A": (ccnorm.log_partition(z), batch),
        "A2": (A, batch),
        "mu": (mu, batch + (K,)),
        "logC": (ccnorm.log_normalizer(z), batch),
        "mean": (ccnorm.mean(z), batch + (K,)),
        "cov": (ccnorm.covariance(z), batch + (K, K)),
        "var": (ccnorm.variances(z), batch + (K,)),
        "hvp": (ccnorm.hvp(z, np.ones(K, dtype)), batch + (K,)),
        "H": (ccnorm.entropy(z), batch),
        "kl": (ccnorm.kl_divergence(z, z[..., ::-1]), batch),
        "x": (ccnorm.sample(z, 3, seed=1), (3,) + batch + (K,)),
    }
    for name, (a, shape) in outs.items():
        assert np.shape(a) == shape, name
        assert a.dtype == dtype, name
        if shape == ():
            assert isinstance(a, np.generic), name  # a NumPy scalar for a single row
    ref = ccnorm.reference(z)
    assert ref["A"].shape == batch and ref["mean"].shape == batch + (K,) and ref["A"].dtype == np.float64


def test_batched_equals_row_by_row():
    Z = RNG.normal(scale=4, size=(3, 4, 6))
    A, mu = ccnorm.log_partition(Z, return_mean=True)
    H = ccnorm.entropy(Z)
    for idx in np.ndindex(3, 4):
        a, m = ccnorm.log_partition(Z[idx], return_mean=True)
        assert a == A[idx] and np.array_equal(m, mu[idx])
        assert ccnorm.entropy(Z[idx]) == H[idx]


def test_other_dtypes():
    assert ccnorm.log_partition(np.zeros(3, np.float16)).dtype == np.float32
    assert ccnorm.log_partition(np.array([1, 2, 3])).dtype == np.float64
    assert ccnorm.log_partition(np.array([True, False])).dtype == np.float64
    assert ccnorm.log_partition([1, 2, 3]) == ccnorm.log_partition([1.0, 2.0, 3.0])
    assert ccnorm.log_partition(np.array([1, 2], np.longdouble)).dtype == np.float64
    with pytest.raises(TypeError):
        ccnorm.log_partition(np.array([1 + 2j, 3]))
    with pytest.raises(TypeError):
        ccnorm.log_partition(np.array(["a", "b"]))
    with pytest.raises(ValueError, match="scalar"):
        ccnorm.log_partition(1.0)


def test_zero_copy_for_contiguous_float_arrays():
    x = np.zeros((4, 3))
    X, batch, K = ccnorm._rows(x, "logits", "z", 0)
    assert np.shares_memory(X, x) and batch == (4,) and K == 3
    x32 = np.zeros((2, 2, 3), np.float32)
    assert np.shares_memory(ccnorm._rows(x32, "logits", "z", 0)[0], x32)
    xf = np.asfortranarray(np.zeros((4, 3)))
    assert not np.shares_memory(ccnorm._rows(xf, "logits", "z", 0)[0], xf)  # copied once
    xs = np.zeros((4, 6))[:, ::2]
    X = ccnorm._rows(xs, "logits", "z", 0)[0]
    assert X.flags.c_contiguous and not np.shares_memory(X, xs)


def test_parameterisations():
    eta = RNG.normal(size=(3, 4))
    z = np.concatenate([eta, np.zeros((3, 1))], axis=1)
    np.testing.assert_array_equal(ccnorm.log_partition(eta, param="eta"), ccnorm.log_partition(z))
    m = ccnorm.mean(eta, param="eta")
    assert m.shape == (3, 5)
    np.testing.assert_array_equal(m, ccnorm.mean(z))
    np.testing.assert_array_equal(ccnorm.covariance(eta, param="eta"), ccnorm.covariance(z))
    np.testing.assert_array_equal(ccnorm.hvp(eta, np.ones(5), param="eta"), ccnorm.hvp(z, np.ones(5)))
    lam = RNG.uniform(0.1, 1.0, size=(3, 4))
    # (z = log(probs) in C++, std::log: NumPy's log may differ in the last bit, hence allclose)
    np.testing.assert_allclose(ccnorm.log_normalizer(lam, param="probs"), ccnorm.log_normalizer(np.log(lam)), rtol=1e-14)
    # normalisation is irrelevant
    np.testing.assert_allclose(ccnorm.mean(lam, param="probs"), ccnorm.mean(lam / lam.sum(1, keepdims=True), param="probs"),
                               rtol=1e-13)
    np.testing.assert_allclose(ccnorm.entropy(lam, param="probs"), ccnorm.entropy(np.log(lam)), rtol=1e-14)
    np.testing.assert_allclose(ccnorm.kl_divergence(lam, lam[::-1], param="probs"),
                               ccnorm.kl_divergence(np.log(lam), np.log(lam[::-1])), rtol=1e-12, atol=1e-300)
    assert ccnorm.sample(lam, 2, seed=3, param="probs").shape == (2, 3, 4)
    # eta with no entries: K = 1
    assert ccnorm.log_partition(np.zeros((2, 0)), param="eta").tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match="param"):
        ccnorm.mean(z, param="lambda")


def test_algo_keyword():
    z = RNG.normal(size=(4, 6))
    ref = ccnorm.log_partition(z, algo="auto-precise")
    for a in ccnorm.algorithms():
        A = ccnorm.log_partition(z, algo=a["name"])
        assert np.allclose(A, ref, rtol=1e-6), a["name"]
    names = {a["name"] for a in ccnorm.algorithms()}
    assert {"auto", "auto-precise", "taylor", "closed-form", "closed-form-scaled", "sorted-difference"} <= names
    with pytest.raises(ValueError, match="auto-precise"):  # the message lists what exists
        ccnorm.log_partition(z, algo="fast")
    with pytest.raises(ValueError, match="GPU"):
        ccnorm.mean(z, algo="gpu")
    for f, args in [(ccnorm.covariance, (z,)), (ccnorm.hvp, (z, z)), (ccnorm.entropy, (z,)),
                    (ccnorm.kl_divergence, (z, z)), (ccnorm.sample, (z, 1)), (ccnorm.variances, (z,))]:
        with pytest.raises(ValueError, match="'auto'"):
            f(*args, algo="taylor")


def test_bad_input_names_the_flat_row():
    z = np.zeros((2, 3, 4))
    z[1, 1, 2] = np.nan  # flat row 1 * 3 + 1 = 4
    for f in (ccnorm.log_partition, ccnorm.log_normalizer, ccnorm.mean, ccnorm.covariance, ccnorm.variances,
              ccnorm.entropy, lambda x: ccnorm.sample(x, 2), lambda x: ccnorm.hvp(x, np.ones(4)),
              lambda x: ccnorm.kl_divergence(x, np.zeros(4)), ccnorm.reference):
        with pytest.raises(ValueError, match=r"row 4 .*field 3: NaN is not a valid logit"):
            f(z)
    z[1, 1, 2] = -np.inf
    with pytest.raises(ValueError, match=r"row 4 .*field 3: infinity"):
        ccnorm.log_partition(z)
    with pytest.raises(ValueError, match=r"row 0 .*K = 0"):
        ccnorm.log_partition(np.zeros((3, 0)))
    with pytest.raises(ValueError, match=r"row 0 .*K = 0"):
        ccnorm.covariance(np.zeros((3, 0)))
    p = np.full((5, 3), 0.3)
    p[3, 1] = 0.0
    with pytest.raises(ValueError, match=r"row 3 .*field 2: probability must be > 0"):
        ccnorm.mean(p, param="probs")
    p[3, 1] = -0.2
    with pytest.raises(ValueError, match=r"row 3 .*probability must be > 0"):
        ccnorm.entropy(p, param="probs")
    e = np.zeros((3, 2))
    e[2, 0] = np.nan
    with pytest.raises(ValueError, match=r"row 2 .*field 1: NaN"):
        ccnorm.log_partition(e, param="eta")
    # several bad rows: the first is named, the others counted
    z = np.zeros((6, 2))
    z[[1, 4, 5], 0] = np.nan
    with pytest.raises(ValueError, match=r"row 1 .*2 more rejected rows"):
        ccnorm.mean(z)


def test_bad_input_two_arrays():
    zp = np.zeros((3, 4))
    zq = np.zeros((3, 4))
    zq[2, 3] = np.inf
    with pytest.raises(ValueError, match=r"kl_divergence: zq: row 2 .*field 4: infinity"):
        ccnorm.kl_divergence(zp, zq)
    with pytest.raises(ValueError, match=r"same K, got 4 and 5"):
        ccnorm.kl_divergence(zp, np.zeros(5))
    with pytest.raises(ValueError, match=r"do not broadcast"):
        ccnorm.kl_divergence(np.zeros((3, 4)), np.zeros((2, 4)))
    v = np.ones((3, 4))
    v[1, 0] = np.nan
    with pytest.raises(ValueError, match=r"hvp: v: row 1 .*field 1: NaN is not a valid entry of v"):
        ccnorm.hvp(zp, v)
    with pytest.raises(ValueError, match=r"v must have K = 4"):
        ccnorm.hvp(zp, np.ones(3))
    with pytest.raises(ValueError, match=r"do not broadcast"):
        ccnorm.hvp(zp, np.ones((2, 4)))
    with pytest.raises(ValueError, match=r"n must be >= 0"):
        ccnorm.sample(zp, -1)


def test_broadcasting():
    zp = RNG.normal(size=(3, 1, 5))
    zq = RNG.normal(size=(4, 5))
    kl = ccnorm.kl_divergence(zp, zq)
    assert kl.shape == (3, 4)
    for i in range(3):
        for j in range(4):
            assert kl[i, j] == ccnorm.kl_divergence(zp[i, 0], zq[j])
    v = RNG.normal(size=(2, 1, 1, 5))
    out = ccnorm.hvp(zp, v)
    assert out.shape == (2, 3, 1, 5)
    np.testing.assert_array_equal(out[1, 2, 0], ccnorm.hvp(zp[2, 0], v[1, 0, 0]))
    # float32 with float64: float64
    assert ccnorm.kl_divergence(zp.astype(np.float32), zq).dtype == np.float64


def test_empty_batch_and_K1():
    assert ccnorm.log_partition(np.zeros((0, 3))).shape == (0,)
    assert ccnorm.mean(np.zeros((0, 3))).shape == (0, 3)
    assert ccnorm.covariance(np.zeros((2, 0, 3))).shape == (2, 0, 3, 3)
    assert ccnorm.sample(np.zeros((0, 3)), 4).shape == (4, 0, 3)
    z = np.array([[2.5], [-1.0]])
    A, mu = ccnorm.log_partition(z, return_mean=True)
    np.testing.assert_array_equal(A, [2.5, -1.0])
    np.testing.assert_array_equal(mu, [[1.0], [1.0]])
    np.testing.assert_array_equal(ccnorm.log_normalizer(z), [0.0, 0.0])
    np.testing.assert_array_equal(ccnorm.covariance(z), np.zeros((2, 1, 1)))
    np.testing.assert_array_equal(ccnorm.entropy(z), [0.0, 0.0])
    np.testing.assert_array_equal(ccnorm.sample(z, 2, seed=0), np.ones((2, 2, 1)))


def test_identities_of_design_1_5():
    z = RNG.normal(scale=3, size=(8, 7))
    A, mu = ccnorm.log_partition(z, return_mean=True)
    L = ccnorm.log_normalizer(z)
    # shift
    A2, mu2 = ccnorm.log_partition(z + 0.75, return_mean=True)
    np.testing.assert_allclose(A2, A + 0.75, rtol=1e-15, atol=1e-14)
    np.testing.assert_allclose(mu2, mu, rtol=1e-13)
    # permutation
    perm = RNG.permutation(7)
    np.testing.assert_allclose(ccnorm.mean(z[:, perm]), mu[:, perm], rtol=1e-14)
    # logC = LSE - A
    lse = np.log(np.sum(np.exp(z - z.max(1, keepdims=True)), 1)) + z.max(1)
    np.testing.assert_allclose(L, lse - A, rtol=1e-13)
    # bounds
    lg = math.lgamma(7)
    assert np.all(z.mean(1) - lg <= A) and np.all(A <= z.max(1) - lg)
    # equal nodes
    Ae, me = ccnorm.log_partition(np.full(7, -2.0), return_mean=True)
    assert abs(Ae - (-2.0 - lg)) <= 1e-15 * 10 and np.allclose(me, 1 / 7, rtol=1e-15)
    # K = 2 closed form
    l = 3.25
    assert abs(ccnorm.log_partition([l, 0.0]) - math.log(math.expm1(l) / l)) < 1e-15
    assert abs(ccnorm.mean([l, 0.0])[0] - (1 / (1 - math.exp(-l)) - 1 / l)) < 1e-15
    # simplex
    assert np.all(mu > 0) and np.allclose(mu.sum(1), 1, atol=1e-15)


def test_published_closed_form_nan_cases():
    """Ties and all-zero logits (the initialisation of a network) in both dtypes, and
    z = (1..39, 0) in float32: the papers' formulas give NaN/inf (ccnorm warns when asked for
    them); auto gives the certified values."""
    cases = [(np.zeros(10), np.float64, "closed-form"), (np.zeros(10), np.float32, "closed-form"),
             (np.array([1.0, 1.0, 2.0, 2.0, 3.0]), np.float64, "closed-form"),
             (np.array([1.0, 1.0, 2.0, 2.0, 3.0]), np.float32, "closed-form"),
             (np.zeros(4), np.float64, "closed-form-scaled"),
             (np.r_[np.arange(1.0, 40.0), 0.0], np.float32, "closed-form-scaled")]  # the published TF code
    for z, dt, baseline in cases:
        u = 2.0 ** -53 if dt == np.float64 else 2.0 ** -24
        zt = z.astype(dt)
        with pytest.warns(ccnorm.NonFiniteResultWarning, match=baseline):
            bad = ccnorm.log_partition(zt, algo=baseline)
        assert not np.isfinite(bad)
        ref = ccnorm.reference(zt)
        A, mu = ccnorm.log_partition(zt, return_mean=True)
        assert abs(float(A) - ref["A"] - ref["A_lo"]) <= 16 * u * max(1, abs(ref["A"]))
        assert np.all(np.abs(mu - ref["mean"]) <= 64 * u * ref["mean"])


def test_no_silent_nan_outside_domain():
    # a spread beyond the series that the residue method declines too (its top cluster, 1e9 + 0..5000,
    # is wider than it evaluates: normalizer/separated.hpp); K = 5002, padded second row
    top = np.concatenate([1e9 + np.arange(5001.0), [0.0]])
    z = np.stack([top, np.linspace(0.0, 2.0, top.size)])
    with pytest.warns(ccnorm.OutsideDomainWarning, match="row 0"):
        A, mu = ccnorm.log_partition(z, return_mean=True)
    assert np.all(np.isfinite(A)) and np.all(np.isfinite(mu)) and np.all(mu > 0)
    with pytest.warns(ccnorm.OutsideDomainWarning):
        H = ccnorm.entropy(z)
    assert np.all(np.isfinite(H))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ccnorm.log_partition(z[1:])  # no warning inside the domain
        with pytest.raises(ccnorm.OutsideDomainWarning):
            ccnorm.mean(z)  # a warning filter "error" turns it into an exception


def test_failed_rows_raise_with_the_algorithm_message():
    z = np.linspace(0, 1, 8193)[None, :]
    with pytest.raises(ValueError, match=r"row 0 .*sorted-difference failed"):
        ccnorm.mean(z, algo="sorted-difference")
    with pytest.warns(ccnorm.NonFiniteResultWarning):  # its value underflows for K > 178 (design §2.4)
        ccnorm.log_partition(z, algo="sorted-difference")
    with pytest.raises(ValueError, match=r"row 1 .*sampler table"):
        ccnorm.sample(np.array([[0.0, 1.0], [0.0, 1e8]]), 1, seed=0)


def test_sample():
    z = np.array([[0.0, 1.0, 2.0], [5.0, 0.0, 0.0]])
    x = ccnorm.sample(z, 20000, seed=123)
    assert x.shape == (20000, 2, 3)
    assert np.all(x >= 0) and np.allclose(x.sum(-1), 1, atol=1e-12)
    np.testing.assert_array_equal(x, ccnorm.sample(z, 20000, seed=123))
    np.testing.assert_array_equal(x[:, 1], ccnorm.sample(z, 20000, seed=123)[:, 1])
    assert not np.array_equal(x, ccnorm.sample(z, 20000, seed=124))
    # row b uses the stream (seed, b): independent of the other rows
    np.testing.assert_array_equal(ccnorm.sample(z[:1], 50, seed=9)[:, 0], ccnorm.sample(z, 50, seed=9)[:, 0])
    # thread count does not matter
    np.testing.assert_array_equal(ccnorm.sample(np.tile(z, (40, 1)), 10, seed=5, threads=1),
                                  ccnorm.sample(np.tile(z, (40, 1)), 10, seed=5, threads=2))
    # moments: the sample mean is within 5 standard errors of the mean
    m, var = ccnorm.mean(z), ccnorm.variances(z)
    se = np.sqrt(var / x.shape[0])
    assert np.all(np.abs(x.mean(0) - m) < 5 * se), (x.mean(0), m, se)
    assert np.all(np.abs(x.var(0) / var - 1) < 0.1)
    # float32 preserved; seeds from a Generator or the OS
    assert ccnorm.sample(z.astype(np.float32), 2, seed=np.random.default_rng(0)).dtype == np.float32
    assert ccnorm.sample(z, 2).shape == (2, 2, 3)
    with pytest.raises(ValueError, match="seed"):
        ccnorm.sample(z, 2, seed=-1)


def test_threads_keyword_and_setting():
    Z = RNG.normal(size=(500, 9))
    a1 = ccnorm.log_partition(Z, threads=1)
    a2 = ccnorm.log_partition(Z, threads=2)
    np.testing.assert_array_equal(a1, a2)
    old = ccnorm.get_num_threads()
    try:
        ccnorm.set_num_threads(1)
        assert ccnorm.get_num_threads() == 1
        np.testing.assert_array_equal(ccnorm.log_partition(Z), a1)
        ccnorm.set_num_threads(0)
        assert ccnorm.get_num_threads() >= 1
    finally:
        ccnorm.set_num_threads(old)
    with pytest.raises(ValueError):
        ccnorm.set_num_threads(-2)
    with pytest.raises(ValueError):
        ccnorm.mean(Z, threads=-1)


def test_torch_tensors_are_accepted_by_the_numpy_api():
    import torch

    t = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
    A = ccnorm.log_partition(t)
    assert isinstance(A, np.ndarray) and A.dtype == np.float64
    np.testing.assert_array_equal(A, ccnorm.log_partition(t.detach().numpy()))
    X = ccnorm._rows(t, "logits", "z", 0)[0]
    assert np.shares_memory(X, t.detach().numpy())  # read in place
    assert ccnorm.mean(torch.zeros(2, 3, dtype=torch.float32)).dtype == np.float32


def test_import_does_not_import_torch():
    code = "import sys, ccnorm; ccnorm.log_partition([0.0, 1.0]); assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_docstrings():
    for name in ccnorm.__all__:
        obj = getattr(ccnorm, name)
        doc = inspect.getdoc(obj) or ""
        assert len(doc) > 40, name
        if inspect.isfunction(obj) and name not in ("set_num_threads", "get_num_threads", "algorithms"):
            assert "Returns" in doc and "shape" in doc, name
    for name in ["log_partition", "mean", "covariance", "hvp", "entropy", "kl_divergence"]:
        doc = inspect.getdoc(getattr(ccnorm, name))
        assert " u" in doc, name  # every value function states its error bound in units of u
    assert "Lebesgue measure on the first K-1" in ccnorm.__doc__
    assert "%" not in ccnorm.log_partition.__doc__ and "%" not in ccnorm.reference.__doc__


def test_the_package_under_test_is_the_build():
    """Under CTest the suite must exercise the package just built (build/python/ccnorm), not an
    installed copy: CMake sets CCNORM_EXPECT_PACKAGE."""
    import os

    want = os.environ.get("CCNORM_EXPECT_PACKAGE")
    if want is not None:
        assert os.path.dirname(os.path.abspath(ccnorm.__file__)) == os.path.abspath(want)
        assert os.path.dirname(os.path.abspath(ccnorm._core.__file__)) == os.path.abspath(want)
