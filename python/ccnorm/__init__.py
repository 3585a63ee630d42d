"""ccnorm: the continuous categorical (CC) distribution, computed correctly.

The NumPy API of docs/design.md §4.10 over the C++ library (normalizer/, reference/, validate/).
PyTorch distributions, autograd functions and losses are in :mod:`ccnorm.torch`.

The quantity (docs/design.md §1). For logits ``z`` in R^K the CC density on the simplex, with
respect to Lebesgue measure on the first K-1 coordinates (``x_K = 1 - sum_{i<K} x_i``), is::

    p(x; z) = exp(z.x - A(z)),   log_prob(x) = z.x - A(z),
    A(z)    = log exp[z_1..z_K]          (log-partition: a divided difference of exp)
    logC    = LSE(z) - A(z)              (the papers' log normalising constant)
    mean    = grad A(z),  covariance = grad^2 A(z)

Conventions shared by every function
------------------------------------
Shapes
    Inputs have shape ``(..., K)``: any leading batch shape, the last axis holds one row. Per-row
    outputs have the batch shape ``(...)`` (a NumPy scalar for a single row); vector outputs
    ``(..., K)``; the covariance ``(..., K, K)``.
Dtypes
    float32 and float64 are preserved (float32 rows are widened exactly and computed in double or
    wider, then rounded once). float16 is computed as float32 and returned as float32. Integers
    and booleans are converted to float64. ``longdouble`` is rounded to float64. Complex and
    object arrays raise ``TypeError``. CPU torch tensors are read in place through
    ``.detach().numpy()``; the result is a NumPy array.
Memory
    A C-contiguous array of the right dtype is passed to C++ without a copy; anything else
    (strided, Fortran-ordered, other dtypes, broadcast arguments) is copied once.
``param``
    ``"logits"`` (default): ``z`` holds K logits. ``"eta"``: the papers' K-1 free logits, the
    full logits are ``(eta, 0)``: outputs are for ``K = n + 1``. ``"probs"``: K probabilities,
    every entry > 0 (normalisation is irrelevant); the logits are ``log(probs)``.
``algo``
    ``log_partition``, ``log_normalizer`` and ``mean`` take the registry's names (see
    :func:`algorithms`): ``"auto"`` (default), ``"auto-precise"``, ``"taylor"`` and the
    baselines ``"closed-form"``, ``"closed-form-scaled"``, ``"sorted-difference"``. The other
    quantities have one method and accept only ``"auto"``.
``threads``
    Batched calls release the GIL and use :func:`get_num_threads` OpenMP threads (at most one per
    16 rows and per 2048 logits, so that small calls stay on one thread); ``threads=n`` overrides
    it for one call.
Errors
    Invalid input raises ``ValueError`` naming the row's index in the flattened (C-order) batch
    and the reason: a NaN or infinite entry, K = 0, a probability <= 0, mismatched shapes.
    Nothing comes back NaN silently: rows beyond the accuracy domain (spread max z - min z above
    2^22) give finite values and an :class:`OutsideDomainWarning`; a baseline algorithm's
    documented NaN/inf gives a :class:`NonFiniteResultWarning`.

Error bounds (``auto``; docs/design.md §3, tests/data/tolerances.csv and
distribution_tolerances.csv, checked on the hard corpus; u = 2^-53 for float64, 2^-24 for float32)
    A: ``|err| <= 16 u max(1, |A|)``; logC: the same; mean: ``|err_j| <= 64 u mean_j`` (every component
    relative); covariance: ``64 u sqrt(Cov_ii Cov_jj)`` off the diagonal, ``64 u Cov_ii`` on it;
    hvp: ``64 u sqrt(Cov_ii) sum_j sqrt(Cov_jj) |v_j|``; entropy: ``16 u max(1, |H|)``; KL:
    relative ``2^-40`` (float32 also its own rounding). ``auto-precise``: A within 2 u, mean 4 u.
"""
import functools as _functools
import json as _json
import math as _math
import operator as _operator
import os as _os
import re as _re
import sys as _sys
import tempfile as _tempfile

import numpy as _np

from . import _core
from ._core import NonFiniteResultWarning, OutsideDomainWarning

__version__ = "0.1.0"

__all__ = [
    "log_partition", "log_normalizer", "mean", "covariance", "variances", "hvp", "entropy",
    "kl_divergence", "sample", "reference", "reference_covariance", "reference_entropy",
    "reference_kl", "validate", "algorithms", "set_num_threads", "get_num_threads",
    "OutsideDomainWarning", "NonFiniteResultWarning",
]

_PARAMS = ("logits", "eta", "probs")
_F32 = _np.dtype(_np.float32)
_F64 = _np.dtype(_np.float64)
_STACK = 3  # warnings point at the caller of the public function (user -> wrapper -> body -> _core)


# ---------------------------------------------------------------------------------------------
# threads
def set_num_threads(n):
    """Set the number of threads of every batched call (``0``: the default).

    Parameters
    ----------
    n : int
        Threads per call (>= 1), or 0 for the default: ``OMP_NUM_THREADS`` if set when ccnorm was
        imported, else every core. Independent of ``torch.set_num_threads``.
    """
    n = _operator.index(n)
    if n < 0:
        raise ValueError("ccnorm.set_num_threads: n must be >= 0 (0: the default), not %d" % n)
    _core.set_threads(n)


def get_num_threads():
    """The number of threads a batched call uses (at most one per 16 rows and per 2048 logits are started)."""
    return _core.get_threads()


def algorithms():
    """The host algorithms of the registry (normalizer/registry.hpp), in report order.

    Returns
    -------
    list of dict
        ``name``, ``summary``, ``cost``, ``baseline`` (may return NaN for valid input), ``mean``,
        ``max_K_mean`` (0: no limit).
    """
    return _core.algorithms()


# ---------------------------------------------------------------------------------------------
# input handling
def _threads(threads):
    if threads is None:
        return 0
    t = _operator.index(threads)
    if t < 0:
        raise ValueError("threads must be >= 1 (or None for the default), not %d" % t)
    return t


def _from_torch(x):
    torch = _sys.modules.get("torch")
    if torch is None or not isinstance(x, torch.Tensor):
        return None
    if x.device.type != "cpu":
        raise TypeError("ccnorm works on CPU tensors (got one on %s; move it with .cpu())" % x.device)
    t = x.detach()
    if t.dtype in (torch.float16, torch.bfloat16):
        t = t.float()
    if t.is_complex():
        raise TypeError("complex tensors are not supported")
    return t.resolve_conj().numpy() if hasattr(t, "resolve_conj") else t.numpy()


def _as_float_array(x, what):
    if not isinstance(x, _np.ndarray):
        t = _from_torch(x) if type(x).__module__.startswith("torch") else None
        x = t if t is not None else _np.asarray(x)
    dt = x.dtype
    if dt == _F64 or dt == _F32:
        pass
    elif dt == _np.float16:
        x = x.astype(_F32)
    elif dt.kind in "biuf":  # bool, int, uint, longdouble
        x = x.astype(_F64)
    else:
        raise TypeError("%s: dtype %s is not supported (float32 or float64; float16 is computed as float32, "
                        "integers and booleans as float64)" % (what, dt))
    if x.ndim == 0:
        raise ValueError("%s must have shape (..., K), not be a scalar" % what)
    return x


def _check_param(param):
    if param not in _PARAMS:
        raise ValueError("param must be 'logits', 'eta' or 'probs', not %r" % (param,))


def _rows(z, param, what, nt, label=False):
    """(..., n) input -> (B, K) C-contiguous logits (no copy when possible), batch shape, K.
    label: prefix row errors with `what` (functions of two arrays)."""
    _check_param(param)
    x = _as_float_array(z, what)
    batch = x.shape[:-1]
    B = _math.prod(batch)
    X = _np.ascontiguousarray(x).reshape(B, x.shape[-1])
    if param != "logits":
        X = _prefixed(what, _core.to_logits, X, param, nt) if label else _core.to_logits(X, param, nt)
    return X, batch, X.shape[1]


def _prefixed(what, f, *args):
    try:
        return f(*args)
    except ValueError as e:
        raise ValueError("%s: %s" % (what, e)) from None


def _single_method(fn, algo):
    if algo != "auto":
        raise ValueError("ccnorm.%s: algo must be 'auto' (the only method of this quantity: the moment series, "
                         "normalizer/distribution.hpp), not %r" % (fn, algo))


def _algo(algo):
    if not isinstance(algo, str):
        raise TypeError("algo must be a string (one of: %s)" % ", ".join(a["name"] for a in algorithms()))
    return algo


def _out(a, batch):
    a = a.reshape(batch + a.shape[1:])
    return a[()] if a.ndim == 0 else a


_ROW = _re.compile(r"(?<![\w-])row (\d+): ")


def _api(fn):
    """Public-function wrapper: ValueErrors name the function and say what the row index means."""
    name = fn.__name__

    @_functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ValueError as e:
            msg = str(e)
            if not msg.startswith("ccnorm."):
                msg = _ROW.sub(r"row \1 (index in the flattened batch): ", msg, count=1)
                msg = "ccnorm.%s: %s" % (name, msg)
            raise ValueError(msg) from None

    return wrapper


def _pair(a, b, what_a, what_b, param, nt, fn):
    """Two (..., K) inputs of the same K -> (B, K) contiguous arrays broadcast over the batch."""
    A_, ba, Ka = _rows(a, param, what_a, nt, label=True)
    B_, bb, Kb = _rows(b, param, what_b, nt, label=True)
    if Ka != Kb:
        raise ValueError("ccnorm.%s: %s and %s must have the same K, got %d and %d" % (fn, what_a, what_b, Ka, Kb))
    if param == "logits":
        _prefixed(what_a, _core.check_finite, A_, False)
        _prefixed(what_b, _core.check_finite, B_, False)
    dt = _np.result_type(A_.dtype, B_.dtype)
    A_, B_ = A_.astype(dt, copy=False), B_.astype(dt, copy=False)
    try:
        batch = _np.broadcast_shapes(ba, bb)
    except ValueError:
        raise ValueError("ccnorm.%s: the batch shapes of %s %s and %s %s do not broadcast"
                         % (fn, what_a, ba, what_b, bb)) from None
    B = _math.prod(batch)
    if ba != batch:
        A_ = _np.ascontiguousarray(_np.broadcast_to(A_.reshape(ba + (Ka,)), batch + (Ka,))).reshape(B, Ka)
    if bb != batch:
        B_ = _np.ascontiguousarray(_np.broadcast_to(B_.reshape(bb + (Kb,)), batch + (Kb,))).reshape(B, Kb)
    return A_, B_, batch, Ka


_SHAPES = """
    z : array_like, shape (..., n)
        Logits (n = K), eta (n = K - 1) or probabilities (n = K), see ``param``. float32 or
        float64 (preserved); other dtypes as in the module docstring. Any leading batch shape.
    algo : str, keyword-only
        %s
    param : {"logits", "eta", "probs"}, keyword-only
        How a row is given (docs/design.md §1.2).
    threads : int, optional, keyword-only
        Threads for this call (default :func:`get_num_threads`); the GIL is released."""
_ALGO_MANY = ('"auto" (default) or another name of :func:`algorithms` (baselines may return NaN: '
              'a NonFiniteResultWarning says so).')
_ALGO_ONE = '"auto" only (this quantity has one method); anything else raises ValueError.'
_RAISES = """
    Raises
    ------
    ValueError
        A NaN or infinite entry, K = 0, a probability <= 0 (``param="probs"``) or mismatched
        shapes; the message names the row's index in the flattened batch and the reason.
    TypeError
        An unsupported dtype (complex, object, strings)."""


def _doc(f, algo_many=True):
    f.__doc__ = f.__doc__.replace("%SHAPES%", _SHAPES % (_ALGO_MANY if algo_many else _ALGO_ONE)).replace("%RAISES%", _RAISES)
    return f


# ---------------------------------------------------------------------------------------------
# the quantity
@_api
def log_partition(z, return_mean=False, *, algo="auto", param="logits", threads=None):
    """Log-partition ``A(z) = log exp[z_1..z_K] = log integral_simplex exp(z.x) dx``.

    The integral is over the simplex with Lebesgue measure on the first K-1 coordinates, so
    ``log_prob(x) = z.x - A(z)`` and ``A(c, ..., c) = c - log((K-1)!)``.

    Parameters
    ----------%SHAPES%
    return_mean : bool
        Also return the mean ``grad A`` (computed in the same pass).

    Returns
    -------
    A : ndarray, shape (...) (a NumPy scalar for a single row), dtype of ``z``
        ``auto``: ``|A^ - A| <= 16 u max(1, |A|)`` (measured max 5.5 u float64, 0.9 u float32 on the
        hard corpus); ``auto-precise``: 2 u.
    mean : ndarray, shape (..., K), only with ``return_mean``
        ``grad A``, strictly inside the simplex; ``auto``: every component within 64 u of itself.
    %RAISES%
    """
    nt = _threads(threads)
    Z, batch, K = _rows(z, param, "z", nt)
    A, _, mu = _core.evaluate(Z, _algo(algo), False, bool(return_mean), nt, _STACK)
    if return_mean:
        return _out(A, batch), _out(mu, batch)
    return _out(A, batch)


@_api
def log_normalizer(z, *, algo="auto", param="logits", threads=None):
    """Log normalising constant ``log C = LSE(z) - A(z)`` (the papers' lambda-form, docs/design.md §1.2).

    Invariant under ``z -> z + c``. For ``param="eta"``, ``-A(eta, 0)`` is the papers' ``log C(eta)``
    (use :func:`log_partition`).

    Parameters
    ----------%SHAPES%

    Returns
    -------
    logC : ndarray, shape (...), dtype of ``z``
        ``auto``: ``|err| <= 16 u max(1, |logC|)`` (measured on the hard corpus; ``auto-precise``:
        2 u).
    %RAISES%
    """
    nt = _threads(threads)
    Z, batch, K = _rows(z, param, "z", nt)
    _, L, _ = _core.evaluate(Z, _algo(algo), True, False, nt, _STACK)
    return _out(L, batch)


@_api
def mean(z, *, algo="auto", param="logits", threads=None):
    """Mean ``E[x] = grad A(z)`` of CC(z): every component in (0, 1), summing to 1.

    Parameters
    ----------%SHAPES%

    Returns
    -------
    mean : ndarray, shape (..., K), dtype of ``z``
        ``auto``: ``|mean^_j - mean_j| <= 64 u mean_j`` for every j (relative, tiny components too).
    %RAISES%
    """
    nt = _threads(threads)
    Z, batch, K = _rows(z, param, "z", nt)
    _, _, mu = _core.evaluate(Z, _algo(algo), False, True, nt, _STACK)
    return _out(mu, batch)


# ---------------------------------------------------------------------------------------------
# the rest of the distribution
@_api
def covariance(z, *, algo="auto", param="logits", threads=None):
    """Covariance ``Cov = grad^2 A(z)`` of CC(z): symmetric PSD, rows summing to 0.

    Cost O(K^2 N) per row (N ~ spread + O(sqrt(spread)) + 20 series terms); for products with a
    vector use :func:`hvp` (O(K N)).

    Parameters
    ----------%SHAPES%

    Returns
    -------
    cov : ndarray, shape (..., K, K), dtype of ``z``
        ``|err_ij| <= 64 u sqrt(Cov_ii Cov_jj)``; diagonal ``<= 64 u Cov_ii``.
    %RAISES%
    """
    _single_method("covariance", algo)
    nt = _threads(threads)
    Z, batch, K = _rows(z, param, "z", nt)
    return _out(_core.covariance(Z, nt, _STACK), batch)


@_api
def variances(z, *, algo="auto", param="logits", threads=None):
    """The diagonal of the covariance, ``Var(x_j)``, in O(K N) per row.

    Parameters
    ----------%SHAPES%

    Returns
    -------
    var : ndarray, shape (..., K), dtype of ``z``
        ``|err_j| <= 64 u Var_j``.
    %RAISES%
    """
    _single_method("variances", algo)
    nt = _threads(threads)
    Z, batch, K = _rows(z, param, "z", nt)
    return _out(_core.variances(Z, nt, _STACK), batch)


@_api
def hvp(z, v, *, algo="auto", param="logits", threads=None):
    """Hessian-vector product ``Cov(z) v = grad^2 A(z) v`` without forming the matrix (O(K N)).

    Parameters
    ----------%SHAPES%
    v : array_like, shape (..., K)
        K entries per row (K of the logits: n + 1 for ``param="eta"``); its batch shape broadcasts
        with that of ``z``.

    Returns
    -------
    out : ndarray, shape (broadcast batch..., K), dtype ``result_type(z, v)``
        ``|err_i| <= 64 u sqrt(Cov_ii) sum_j sqrt(Cov_jj) |v_j|``.
    %RAISES%
    """
    _single_method("hvp", algo)
    nt = _threads(threads)
    Z, bz, K = _rows(z, param, "z", nt, label=True)
    V = _as_float_array(v, "v")
    if V.shape[-1] != K:
        raise ValueError("ccnorm.hvp: v must have K = %d entries per row (the logits of z), got shape %s"
                         % (K, V.shape))
    bv = V.shape[:-1]
    V = _np.ascontiguousarray(V).reshape(_math.prod(bv), K)
    if param == "logits":
        _prefixed("z", _core.check_finite, Z, False)
    _prefixed("v", _core.check_finite, V, True)
    dt = _np.result_type(Z.dtype, V.dtype)
    Z, V = Z.astype(dt, copy=False), V.astype(dt, copy=False)
    try:
        batch = _np.broadcast_shapes(bz, bv)
    except ValueError:
        raise ValueError("ccnorm.hvp: the batch shapes of z %s and v %s do not broadcast" % (bz, bv)) from None
    B = _math.prod(batch)
    if bz != batch:
        Z = _np.ascontiguousarray(_np.broadcast_to(Z.reshape(bz + (K,)), batch + (K,))).reshape(B, K)
    if bv != batch:
        V = _np.ascontiguousarray(_np.broadcast_to(V.reshape(bv + (K,)), batch + (K,))).reshape(B, K)
    return _out(_core.hvp(Z, V, nt, _STACK), batch)


@_api
def entropy(z, *, algo="auto", param="logits", threads=None):
    """Differential entropy ``H = -E[log p] = A(z) - z.mean`` (Lebesgue measure on the first K-1
    coordinates, so ``H <= -log((K-1)!)``, equality at equal logits; H can be very negative).

    Parameters
    ----------%SHAPES%

    Returns
    -------
    H : ndarray, shape (...), dtype of ``z``
        ``|err| <= 16 u max(1, |H|)`` (assembled without the cancellation of ``A - z.mean``).
    %RAISES%
    """
    _single_method("entropy", algo)
    nt = _threads(threads)
    Z, batch, K = _rows(z, param, "z", nt)
    return _out(_core.entropy(Z, nt, _STACK), batch)


@_api
def kl_divergence(zp, zq, *, algo="auto", param="logits", threads=None):
    """``KL(CC(zp) || CC(zq)) = A(zq) - A(zp) - (zq - zp).mean(zp)`` (>= 0; 0 exactly when
    ``zq - zp`` is a multiple of (1, ..., 1)).

    Parameters
    ----------
    zp, zq : array_like, shape (..., n)
        The two distributions, in the same ``param``; batch shapes broadcast, K must agree.
    algo, param, threads : keyword-only
        As for :func:`entropy` (``algo="auto"`` only).

    Returns
    -------
    kl : ndarray, shape (broadcast batch...), dtype ``result_type(zp, zq)``
        Relative error ``<= 2^-40`` (no cancellation near p = q: an integral form is used there),
        except when ``zq - zp`` is a constant plus a tiny tilt (``zq = zp + c + eps``): the C++
        quadrature rounds ``zq - zp`` before centring it, so the relative error reaches
        ``~u c / |eps|`` (absolute error below 1e-22 in the measured cases).
    %RAISES%
    """
    _single_method("kl_divergence", algo)
    nt = _threads(threads)
    P, Q, batch, K = _pair(zp, zq, "zp", "zq", param, nt, "kl_divergence")
    return _out(_core.kl(P, Q, nt, _STACK), batch)


def _seed(seed):
    if seed is None:
        return int(_np.random.SeedSequence().generate_state(1, _np.uint64)[0])
    if isinstance(seed, _np.random.Generator):
        return int(seed.integers(0, 2**64, dtype=_np.uint64))
    s = _operator.index(seed)
    if not 0 <= s < 2**64:
        raise ValueError("ccnorm.sample: seed must be in [0, 2^64), not %d" % s)
    return s


@_api
def sample(z, n, seed=None, *, algo="auto", param="logits", threads=None):
    """Exact draws from CC(z) (a Dirichlet mixture over the all-positive series: no rejection).

    Parameters
    ----------%SHAPES%
    n : int
        Number of draws per row (>= 0).
    seed : int in [0, 2^64), numpy.random.Generator or None
        None draws a fresh seed from the OS. Row b of the flattened batch uses the stream
        (seed, b): the draws depend only on (seed, b, z), not on the thread count.

    Returns
    -------
    x : ndarray, shape (n, ..., K), dtype of ``z``
        Points of the simplex (every entry >= 0, summing to 1 up to rounding).
    %RAISES%
        Also for a row whose sampler table would exceed 2^25 entries (K x spread too large).
    """
    _single_method("sample", algo)
    n = _operator.index(n)
    if n < 0:
        raise ValueError("ccnorm.sample: n must be >= 0, not %d" % n)
    nt = _threads(threads)
    Z, batch, K = _rows(z, param, "z", nt)
    X = _core.sample(Z, n, _seed(seed), nt)
    return X.reshape((n,) + batch + (K,))


for _f in (log_partition, log_normalizer, mean):
    _doc(_f, True)
for _f in (covariance, variances, hvp, entropy, sample):
    _doc(_f, False)
kl_divergence.__doc__ = kl_divergence.__doc__.replace("%RAISES%", _RAISES)


# ---------------------------------------------------------------------------------------------
# certified references (reference/reference.hpp; Arb ball arithmetic)
_REF_DOC = """
    Radii are certified: ``|true - value| <= radius`` for the returned float64 value (the ball's
    radius plus the rounding to float64). ``*_lo`` entries hold ``RN(true_midpoint - value)``, so
    that ``value + lo`` carries ~106 bits and errors can be measured without rounding the
    reference first (docs/design.md §3.3). float32 input is widened exactly. Cost O(K N) at a few
    hundred bits per row (rows in parallel, GIL released); spreads above 1e7 are refused.
"""


@_api
def reference(z, *, param="logits", return_mean=True, threads=None):
    """Certified A, logC and mean (ccnorm::ref::certified; never runs the code it judges).

    Parameters
    ----------
    z : array_like, shape (..., n)
        As for :func:`log_partition` (``param``).
    return_mean : bool, keyword-only
        Also compute the mean (default True; the value alone is cheaper).
    %s
    Returns
    -------
    dict of float64 ndarrays
        ``A``, ``A_radius``, ``logC``, ``logC_radius`` (shape (...)), ``mean``, ``mean_radius``
        (shape (..., K)), and ``A_lo``, ``logC_lo``, ``mean_lo``.
    """
    nt = _threads(threads)
    Z, batch, K = _rows(z, param, "z", nt)
    d = _core.reference(Z.astype(_F64, copy=False), bool(return_mean), nt)
    return {k: v.reshape(batch + v.shape[1:]) for k, v in d.items()}


@_api
def reference_covariance(z, *, param="logits", threads=None):
    """Certified covariance ``grad^2 A`` (ccnorm::ref::certified_covariance).

    Parameters
    ----------
    z : array_like, shape (..., n)
        As for :func:`covariance` (``param``).
    %s
    Returns
    -------
    dict of float64 ndarrays, shape (..., K, K)
        ``covariance``, ``covariance_radius``, ``covariance_lo``.
    """
    nt = _threads(threads)
    Z, batch, K = _rows(z, param, "z", nt)
    C, R, L = _core.reference_covariance(Z.astype(_F64, copy=False), nt)
    s = batch + (K, K)
    return {"covariance": C.reshape(s), "covariance_radius": R.reshape(s), "covariance_lo": L.reshape(s)}


@_api
def reference_entropy(z, *, param="logits", threads=None):
    """Certified differential entropy ``A - z.mean`` (ccnorm::ref::certified_entropy).

    Parameters
    ----------
    z : array_like, shape (..., n)
        As for :func:`entropy` (``param``).
    %s
    Returns
    -------
    dict of float64 ndarrays, shape (...)
        ``entropy``, ``entropy_radius``, ``entropy_lo``.
    """
    nt = _threads(threads)
    Z, batch, K = _rows(z, param, "z", nt)
    H, R, L = _core.reference_entropy(Z.astype(_F64, copy=False), nt)
    return {"entropy": H.reshape(batch), "entropy_radius": R.reshape(batch), "entropy_lo": L.reshape(batch)}


@_api
def reference_kl(zp, zq, *, param="logits", threads=None):
    """Certified ``KL(CC(zp) || CC(zq))`` (ccnorm::ref::certified_kl; exactly 0 for a shift).

    Parameters
    ----------
    zp, zq : array_like, shape (..., n)
        As for :func:`kl_divergence` (batch shapes broadcast).
    %s
    Returns
    -------
    dict of float64 ndarrays, shape (broadcast batch...)
        ``kl``, ``kl_radius``, ``kl_lo``.
    """
    nt = _threads(threads)
    P, Q, batch, K = _pair(zp, zq, "zp", "zq", param, nt, "reference_kl")
    D, R, L = _core.reference_kl(P.astype(_F64, copy=False), Q.astype(_F64, copy=False), nt)
    return {"kl": D.reshape(batch), "kl_radius": R.reshape(batch), "kl_lo": L.reshape(batch)}


reference.__doc__ = reference.__doc__ % _REF_DOC
for _f in (reference_covariance, reference_entropy, reference_kl):
    _f.__doc__ = _f.__doc__ % _REF_DOC


# ---------------------------------------------------------------------------------------------
# the golden-vector scorer (`ccnorm validate`, docs/design.md §4.8, §5.11)
def _write_rows(path, rows):
    with open(path, "w") as f:
        for r in rows:
            f.write(",".join(float.hex(float(v)) for v in r))
            f.write("\n")


@_api
def validate(cases, results, quantity="A", dtype="f64", tol=None, *, param="logits", name="", note="",
             worst=10, threads=None):
    """Score another implementation's outputs with the scorer of ``ccnorm validate`` (bound, not
    re-implemented).

    Parameters
    ----------
    cases : path or array_like, shape (B, n)
        A golden file (``reference/golden/golden.csv`` or ``.jsonl``: stored references) or a row
        file in the format of docs/design.md §4.1 (certified references computed on the spot),
        or an array of B rows (written exactly, as hex floats, to a temporary row file). ``param``
        applies to row files and arrays (``"probs"``: arrays only; they are converted to logits).
    results : path or array_like, shape (B,) or (B, K)
        One value per case (``quantity`` A, logC, negA, H, kl), the K mean components
        (``"mean"``) or the K*K covariance entries row-major (``"cov"``, shape (B, K*K));
        NaN/inf count as infinite error.
    quantity : {"A", "logC", "negA", "mean", "H", "cov", "kl"}
        As ``ccnorm validate --quantity`` (docs/design.md §4.8): H is the entropy, cov the
        covariance, kl KL(z || q) with q the golden case's ``kl_q`` row (golden files only).
    dtype : {"f64", "f32"}
        The unit roundoff u of the scores (2^-53 or 2^-24); f32 parses cases and results as float.
    tol : float, optional
        Failure threshold in u (default: the scorer's, 16 for values and 64 for the mean).
    name, note : str, keyword-only
        Stored in the scorecard.
    worst : int, keyword-only
        Number of worst cases listed.

    Returns
    -------
    dict
        The ``ccnorm validate --json`` scorecard (docs/design.md §5.11): ``name``, ``note``,
        ``quantity``, ``dtype``, ``tol``, ``cases_file``, ``cases_format``, ``results_file``,
        ``date``, ``cases``, ``failures``, ``nonfinite``, ``passed``, ``references_computed``,
        ``max_err``, ``max_err_finite``, ``median_err``, ``p99_err``, ``max_ulps``, ``by_family``,
        ``by_K``, ``worst``. Non-finite numbers are None. For array inputs ``cases_file`` /
        ``results_file`` read ``"<array>"``.

    Raises
    ------
    ValueError
        Malformed or misaligned inputs (the scorer's exit status 2; its message).
    """
    _check_param(param)
    args = []
    with _tempfile.TemporaryDirectory(prefix="ccnorm-validate-") as tmp:
        cases_array = not isinstance(cases, (str, bytes, _os.PathLike))
        results_array = not isinstance(results, (str, bytes, _os.PathLike))
        if cases_array:
            nt = _threads(threads)
            X = _as_float_array(cases, "cases")
            if X.ndim != 2:
                raise ValueError("ccnorm.validate: cases must have shape (B, n), got %s" % (X.shape,))
            if param == "probs":
                X = _prefixed("cases", _core.to_logits, _np.ascontiguousarray(X), "probs", nt)
                param = "logits"
            cases_path = _os.path.join(tmp, "cases.csv")
            _write_rows(cases_path, X.tolist())
        else:
            if param == "probs":
                raise ValueError("ccnorm.validate: param='probs' needs the cases as an array (the scorer's files hold "
                                 "logits or eta)")
            cases_path = _os.fsdecode(cases)
        if results_array:
            R = _as_float_array(results, "results")
            if R.ndim == 1:
                R = R[:, None]
            elif R.ndim != 2:
                raise ValueError("ccnorm.validate: results must have shape (B,) or (B, K), got %s" % (R.shape,))
            results_path = _os.path.join(tmp, "results.txt")
            _write_rows(results_path, R.tolist())
        else:
            results_path = _os.fsdecode(results)
        json_path = _os.path.join(tmp, "scorecard.json")
        args += ["--cases", cases_path, "--results", results_path, "--quantity", str(quantity), "--dtype", str(dtype),
                 "--json", json_path, "--worst", str(_operator.index(worst))]
        if param != "logits":
            args += ["--param", param]
        if tol is not None:
            args += ["--tol", repr(float(tol))]
        if name:
            args += ["--name", str(name)]
        if note:
            args += ["--note", str(note)]
        if threads is not None:
            args += ["--threads", str(_threads(threads))]
        rc, out, err = _core.validate_run(args)
        if rc not in (0, 1) or not _os.path.exists(json_path):
            raise ValueError("ccnorm.validate: " + (err.strip() or out.strip() or "the scorer failed (status %d)" % rc))
        with open(json_path) as f:
            card = _json.load(f)
    if cases_array:
        card["cases_file"] = "<array>"
    if results_array:
        card["results_file"] = "<array>"
    return card
