"""ccnorm.torch: the continuous categorical distribution for PyTorch (CPU), with exact gradients.

Contents
--------
ContinuousCategorical(logits=... | probs=..., validate_args=None)
    A ``torch.distributions.Distribution`` on the simplex; KL between two of them is registered
    with ``torch.distributions.kl_divergence``.
cc_log_likelihood(logits, target, reduction="mean"), CCLoss(reduction="mean")
    The CC log likelihood of targets on the simplex (soft labels) and the matching loss module
    (the negative log likelihood; ``reduction`` as in ``torch.nn.CrossEntropyLoss``).
log_partition, mean, entropy, kl_divergence, log_prob
    The differentiable functions underneath.

Density convention (docs/design.md §1): with respect to Lebesgue measure on the first K-1
coordinates of the simplex, ``log_prob(x) = z.x - A(z)`` with ``A(z) = log exp[z_1..z_K]``.

Derivatives (custom ``torch.autograd.Function``s over the C++ library; no torch header in C++):

=========================  =====================================  ===============================
quantity                   first derivative                       second derivative
=========================  =====================================  ===============================
A(z), log_prob, the loss   ``grad A = mean`` (computed with A)    ``Cov v`` (ccnorm.hvp, O(K N))
mean(z)                    ``Cov v`` (Hessian-vector products)    not provided (third of A)
entropy H(z)               ``-Cov (z - c)`` (c: the mean of z;     not provided
                           ``Cov 1 = 0`` makes the shift free)
KL(p || q)                 ``d/dzq = mean_q - mean_p``,           not provided
                           ``d/dzp = -Cov_p (zq - zp)`` (centred)
variance, covariance       not provided (third derivatives of A)
=========================  =====================================  ===============================

``torch.autograd.gradcheck`` and ``gradgradcheck`` pass in float64 for A, ``log_prob`` and
``cc_log_likelihood``. Differentiating where a derivative is "not provided" raises RuntimeError
(never a silent zero). Tensors must be on the CPU; float32 and float64 are computed in their
own dtype (float16/bfloat16 as float32, results cast back). Values carry the error bounds of the
NumPy API (``help(ccnorm)``).
"""
import math as _math

import numpy as _np
import torch
from torch.distributions import Distribution, constraints, register_kl
from torch.distributions.utils import lazy_property

import ccnorm as _cc

__all__ = ["ContinuousCategorical", "cc_log_likelihood", "CCLoss", "log_partition", "mean", "entropy",
           "kl_divergence", "log_prob"]


# ---------------------------------------------------------------------------------------------
# tensors <-> NumPy (zero-copy on CPU)
def _np_of(t):
    if t.device.type != "cpu":
        raise TypeError("ccnorm.torch works on CPU tensors (got one on %s; move it with .cpu())" % t.device)
    t = t.detach()
    if t.dtype in (torch.float16, torch.bfloat16):
        t = t.float()
    elif not t.is_floating_point():
        t = t.to(torch.get_default_dtype())
    return t.numpy()


def _tensor(a, like):
    """NumPy result -> tensor (zero-copy), cast back to like's dtype when that is a float type."""
    out = torch.from_numpy(_np.asarray(a))
    return out.to(like.dtype) if like.is_floating_point() and out.dtype != like.dtype else out


_THIRD = ("ccnorm.torch: {} are not provided (they need third derivatives of the log-partition A); "
          "only first derivatives of the mean, entropy, KL and second derivatives of A / log_prob exist")


class _NotDifferentiable(torch.autograd.Function):
    """Identity on a computed value, attached to the graph of ``src``; its backward raises."""

    @staticmethod
    def forward(ctx, value, src, what):
        ctx.what = what
        return value.clone()

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError(_THIRD.format(ctx.what))


def _attach(value, src, what):
    if torch.is_grad_enabled() and src.requires_grad:
        return _NotDifferentiable.apply(value, src, what)
    return value


def _hvp(z, v):
    return _tensor(_cc.hvp(_np_of(z), _np_of(v)), z)


# ---------------------------------------------------------------------------------------------
# autograd functions
class _LogPartition(torch.autograd.Function):
    @staticmethod
    def forward(ctx, z):
        zn = _np_of(z)
        if ctx.needs_input_grad[0]:
            A, mu = _cc.log_partition(zn, return_mean=True)
            ctx.mu = _tensor(mu, z)
        else:
            A = _cc.log_partition(zn)
            ctx.mu = None
        ctx.save_for_backward(z)
        return _tensor(A, z)

    @staticmethod
    def backward(ctx, gA):
        (z,) = ctx.saved_tensors
        mu = ctx.mu
        if mu is None:
            mu = _tensor(_cc.mean(_np_of(z)), z)
        if torch.is_grad_enabled():  # create_graph: the mean as a differentiable function of z
            mu = _Mean.apply(z, mu)
        return gA.unsqueeze(-1) * mu


class _Mean(torch.autograd.Function):
    @staticmethod
    def forward(ctx, z, mu=None):
        ctx.save_for_backward(z)
        if mu is None:
            return _tensor(_cc.mean(_np_of(z)), z)
        return mu.clone()

    @staticmethod
    def backward(ctx, g):
        (z,) = ctx.saved_tensors
        # the Jacobian of the mean is Cov (symmetric): J^T g = Cov g
        out = _hvp(z, g)
        return _attach(out, z, "derivatives of the mean's gradient (Hessian-vector products)"), None


class _Entropy(torch.autograd.Function):
    @staticmethod
    def forward(ctx, z):
        ctx.save_for_backward(z)
        return _tensor(_cc.entropy(_np_of(z)), z)

    @staticmethod
    def backward(ctx, gH):
        (z,) = ctx.saved_tensors
        zc = z - z.mean(-1, keepdim=True)  # Cov 1 = 0: the shift changes nothing but the rounding
        out = -gH.unsqueeze(-1) * _hvp(z, zc)
        return _attach(out, z, "second derivatives of the entropy")


class _KL(torch.autograd.Function):
    @staticmethod
    def forward(ctx, zp, zq):
        ctx.save_for_backward(zp, zq)
        return _tensor(_cc.kl_divergence(_np_of(zp), _np_of(zq)), zp)

    @staticmethod
    def backward(ctx, g):
        zp, zq = ctx.saved_tensors
        gp = gq = None
        g1 = g.unsqueeze(-1)
        if ctx.needs_input_grad[1]:
            mp, mq = _cc.mean(_np_of(zp)), _cc.mean(_np_of(zq))
            gq = _attach(g1 * _tensor(mq - mp, zq), zq, "second derivatives of the KL divergence")
        if ctx.needs_input_grad[0]:
            d = zq - zp
            d = d - d.mean(-1, keepdim=True)
            gp = _attach(-g1 * _hvp(zp, d), zp, "second derivatives of the KL divergence")
        return gp, gq


class _Variances(torch.autograd.Function):
    @staticmethod
    def forward(ctx, z):
        return _tensor(_cc.variances(_np_of(z)), z)

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError(_THIRD.format("derivatives of the variance"))


class _Covariance(torch.autograd.Function):
    @staticmethod
    def forward(ctx, z):
        return _tensor(_cc.covariance(_np_of(z)), z)

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError(_THIRD.format("derivatives of the covariance"))


# ---------------------------------------------------------------------------------------------
# differentiable functions
def _logits(z, what="logits"):
    if not isinstance(z, torch.Tensor):
        raise TypeError("%s must be a torch.Tensor, got %s" % (what, type(z).__name__))
    if z.dim() < 1:
        raise ValueError("%s must have shape (..., K), not be a scalar" % what)
    return z


def log_partition(logits):
    """``A(z) = log exp[z_1..z_K]`` with gradient ``mean`` and Hessian-vector products for the
    second derivative (gradgradcheck passes). logits: (..., K) -> (...)."""
    return _LogPartition.apply(_logits(logits))


def mean(logits):
    """The CC mean ``grad A`` (..., K), differentiable once (``Cov v``)."""
    return _Mean.apply(_logits(logits), None)


def entropy(logits):
    """Differential entropy ``A - z.mean`` (...), differentiable once: ``grad H = -Cov z``."""
    return _Entropy.apply(_logits(logits))


def kl_divergence(logits_p, logits_q):
    """``KL(CC(logits_p) || CC(logits_q))`` (broadcast batch), differentiable once in both."""
    zp, zq = torch.broadcast_tensors(_logits(logits_p, "logits_p"), _logits(logits_q, "logits_q"))
    if zp.shape[-1:] != zq.shape[-1:]:
        raise ValueError("logits_p and logits_q must have the same K")
    return _KL.apply(zp, zq)


def log_prob(logits, x):
    """``z.x - A(z)`` for x on the simplex, (broadcast batch). Evaluated as
    ``(z - c).x - A(z - c)`` with ``c`` the mean of the logits: the same number for x on the
    simplex, without the rounding of a large common offset, and a smooth function of z and x
    (a max shift would make the x-gradient non-differentiable at tied maxima). Twice
    differentiable in ``logits`` and ``x``."""
    z = _logits(logits)
    zs = z - z.mean(-1, keepdim=True)
    return (zs * x).sum(-1) - _LogPartition.apply(zs)


def _flat_index(mask):
    return int(torch.nonzero(mask.reshape(-1))[0, 0])


def _check_simplex(x, what):
    """x: (..., K) tensor; every row >= 0 and summing to 1 within max(1e-6, K eps) (the rounding
    of a sum of K entries); ValueError with the flat row index."""
    eps = torch.finfo(x.dtype).eps if x.is_floating_point() else 0.0
    atol = max(1e-6, x.shape[-1] * eps)
    with torch.no_grad():
        bad = ~torch.isfinite(x).all(-1) | (x < 0).any(-1) | ((x.sum(-1) - 1).abs() > atol)
        if bad.any():
            i = _flat_index(bad)
            row = x.reshape(-1, x.shape[-1])[i]
            raise ValueError("%s: row %d (index in the flattened batch) is not on the simplex (entries >= 0 summing to "
                             "1 within %g): sum %r, min %r" % (what, i, atol, float(row.sum()), float(row.min())))


def cc_log_likelihood(logits, target, reduction="mean", validate_args=None):
    """CC log likelihood ``log_prob(target) = z.target - A(z)`` of targets on the simplex.

    Parameters
    ----------
    logits : Tensor, shape (..., K)
        Unnormalised logits (any shift gives the same value).
    target : Tensor, shape broadcastable to logits
        Rows on the simplex (soft labels, e.g. smoothed one-hot vectors).
    reduction : {"mean", "sum", "none"}
        As in ``torch.nn.CrossEntropyLoss``: the mean or sum over the batch, or per row.
    validate_args : bool, optional
        Check that every target row is on the simplex (default: ``Distribution._validate_args``).

    Returns
    -------
    Tensor: a scalar, or shape (...) with ``reduction="none"``. Twice differentiable in logits
    (gradient ``target - mean``, Hessian ``-Cov``) and in target (``z``).
    """
    if reduction not in ("mean", "sum", "none"):
        raise ValueError("reduction must be 'mean', 'sum' or 'none', not %r" % (reduction,))
    _logits(logits)
    if not isinstance(target, torch.Tensor):
        raise TypeError("target must be a torch.Tensor")
    if target.shape[-1:] != logits.shape[-1:]:
        raise ValueError("target must have K = %d entries per row like logits, got shape %s"
                         % (logits.shape[-1], tuple(target.shape)))
    if Distribution._validate_args if validate_args is None else validate_args:
        _check_simplex(target, "cc_log_likelihood: target")
    ll = log_prob(logits, target)
    if reduction == "mean":
        return ll.mean()
    if reduction == "sum":
        return ll.sum()
    return ll


class CCLoss(torch.nn.Module):
    """Negative CC log likelihood, ``-cc_log_likelihood(input, target, reduction)``: the
    continuous-categorical replacement of ``torch.nn.CrossEntropyLoss`` for soft labels.

    Parameters
    ----------
    reduction : {"mean", "sum", "none"}
        As in ``torch.nn.CrossEntropyLoss``.

    Shape: input (N, K) or (..., K) logits; target the same shape, rows on the simplex.
    """

    def __init__(self, reduction="mean", validate_args=None):
        super().__init__()
        if reduction not in ("mean", "sum", "none"):
            raise ValueError("reduction must be 'mean', 'sum' or 'none', not %r" % (reduction,))
        self.reduction = reduction
        self.validate_args = validate_args

    def forward(self, input, target):
        return -cc_log_likelihood(input, target, self.reduction, self.validate_args)

    def extra_repr(self):
        return "reduction=%r" % self.reduction


# ---------------------------------------------------------------------------------------------
class ContinuousCategorical(Distribution):
    r"""The continuous categorical distribution CC(z) on the simplex (Gordon-Rodriguez et al. 2020).

    Density with respect to Lebesgue measure on the first K-1 coordinates
    (``x_K = 1 - sum_{i<K} x_i``): ``p(x) = exp(z.x - A(z))``, ``A(z) = log exp[z_1..z_K]``.

    Parameters
    ----------
    logits : Tensor, shape (..., K), optional
        Unnormalised logits ``z`` (kept as given; the distribution is invariant under a shift).
    probs : Tensor, shape (..., K), optional
        Positive weights (normalised here); ``logits = log(probs)``. Every entry must be > 0 (the
        open simplex): a row with an entry <= 0 raises ValueError naming its flat index.
    validate_args : bool, optional
        As for every torch distribution (parameters and ``log_prob``'s argument are checked).

    Exactly one of ``logits`` and ``probs``. ``batch_shape = logits.shape[:-1]``,
    ``event_shape = (K,)``, ``support = constraints.simplex``.

    Notes
    -----
    * ``mean``, ``entropy()``, ``log_prob()`` and KL (``torch.distributions.kl_divergence``)
      propagate gradients to the parameters (first derivatives; ``log_prob`` also second).
      ``variance`` and ``covariance_matrix`` are values only: differentiating them raises.
    * ``sample()`` is the exact sampler (no rejection). It is **not** reparameterised:
      ``has_rsample = False`` and ``rsample()`` raises NotImplementedError, so no pathwise
      gradient flows through samples. The seed of each call is drawn from torch's default
      generator, so ``torch.manual_seed`` makes sampling reproducible.
    * CPU tensors, float32 or float64 (dtype preserved).
    """

    arg_constraints = {"logits": constraints.real_vector, "probs": constraints.simplex}
    support = constraints.simplex
    has_rsample = False

    def __init__(self, logits=None, probs=None, validate_args=None):
        if (logits is None) == (probs is None):
            raise ValueError("Either `logits` or `probs` must be specified, but not both.")
        if probs is not None:
            if not isinstance(probs, torch.Tensor) or probs.dim() < 1:
                raise ValueError("`probs` must be a tensor of shape (..., K)")
            with torch.no_grad():
                bad = ~(probs > 0).all(-1)
                if bad.any():
                    raise ValueError("ContinuousCategorical: probs row %d (index in the flattened batch) has an entry "
                                     "<= 0 or NaN; the CC needs every probability > 0 (the open simplex)" % _flat_index(bad))
            self.probs = probs / probs.sum(-1, keepdim=True)
            self._param = self.probs
        else:
            if not isinstance(logits, torch.Tensor) or logits.dim() < 1:
                raise ValueError("`logits` must be a tensor of shape (..., K)")
            self.logits = logits
            self._param = self.logits
        self._num_events = self._param.shape[-1]
        super().__init__(self._param.shape[:-1], self._param.shape[-1:], validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(ContinuousCategorical, _instance)
        batch_shape = torch.Size(batch_shape)
        param_shape = batch_shape + torch.Size((self._num_events,))
        if "probs" in self.__dict__:
            new.probs = self.probs.expand(param_shape)
            new._param = new.probs
        if "logits" in self.__dict__:
            new.logits = self.logits.expand(param_shape)
            new._param = new.logits
        new._num_events = self._num_events
        super(ContinuousCategorical, new).__init__(batch_shape, self._event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @lazy_property
    def logits(self):
        return torch.log(self.probs)

    @lazy_property
    def probs(self):
        return torch.softmax(self.logits, -1)

    @property
    def param_shape(self):
        return self._param.size()

    @property
    def log_partition(self):
        """``A(logits)`` (batch_shape), differentiable."""
        return log_partition(self.logits)

    @property
    def mean(self):
        return mean(self.logits)

    @property
    def variance(self):
        return _Variances.apply(self.logits)

    @property
    def covariance_matrix(self):
        return _Covariance.apply(self.logits)

    def entropy(self):
        return entropy(self.logits)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return log_prob(self.logits, value)

    def sample(self, sample_shape=torch.Size()):
        sample_shape = torch.Size(sample_shape)
        shape = self._extended_shape(sample_shape)
        with torch.no_grad():
            seed = int(torch.randint(0, 2**63 - 1, (), dtype=torch.int64))
            z = self.logits
            n = _math.prod(sample_shape)
            x = _cc.sample(_np_of(z), n, seed)
            return _tensor(x, z).reshape(shape)

    def rsample(self, sample_shape=torch.Size()):
        raise NotImplementedError("ContinuousCategorical has no reparameterised sampler (has_rsample = False): "
                                  "sample() is exact but carries no pathwise gradient")


@register_kl(ContinuousCategorical, ContinuousCategorical)
def _kl_cc_cc(p, q):
    return kl_divergence(p.logits, q.logits)
