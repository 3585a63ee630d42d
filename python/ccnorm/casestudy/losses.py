"""The losses of the case study's arms, and the papers' CC loss re-implemented from its description.

Arms (README "Case studies"):

``ce``       cross-entropy on hard labels (label-smoothing study) or on the soft targets
             (distillation: ``-sum_j t_j log softmax(z)_j``); batch mean.
``ls``       label-smoothed cross-entropy, target ``(1 - eps) onehot + eps / K``; batch mean.
``cc``       the CC negative log likelihood of the target with ccnorm's exact normaliser
             (``ccnorm.torch.cc_log_likelihood``, docs/design.md §1.2); batch sum.
``ccpub``    the papers' CC loss as published: the closed form of the log normalising constant on
             the K-1 free logits eta with std scaling, and their fallback to cross-entropy on every
             row whose (autodiff) mean is NaN or has a component <= 0; batch sum.

The two CC arms sum over the batch as the papers' code does and the cross-entropy arms average (as
Keras' losses do there); Adam's update is invariant to that constant factor up to its epsilon
(1e-8 here), so the reduction changes nothing that is measured.

The published normaliser (docs/design.md §1.4 for why it fails, §2.3 for the scaled closed form).
With ``eta = z[:K-1] - z[K-1]``, ``a = (eta, 0) / s`` where ``s`` is the population standard
deviation of the K-1 entries of eta (treated as a constant: no gradient), ``lam = softmax(eta, 0)``
and ``d_j = prod_{i != j} (a_i - a_j)``::

    log C = -log((-1)^(K-1) sum_j lam_j / d_j) + (K-1) log s        (= LSE(z) - A(z) exactly)

computed in the dtype of the logits (float32 in every arm, as the papers' TensorFlow code). The mean
is the gradient of ``LSE(eta, 0) - log C`` with respect to eta, the last component ``1 - sum``; a row
is "bad" when any component is <= 0 or NaN. Everything here is written from that description
(never from the papers' source).
"""
import torch
import torch.nn.functional as F

import ccnorm.torch as cct

ARMS_LS = ("ce", "ls", "cc", "ccpub")
ARMS_DISTILL = ("ce", "cc", "ccpub")
LABELS = {"ce": "CE", "ls": "LS", "cc": "CC (ccnorm)", "ccpub": "CC (published)"}


def smooth(y, K, eps):
    """Label smoothing: ``(1 - eps) onehot(y) + eps / K`` (float32, rows on the simplex)."""
    t = torch.full((len(y), K), eps / K, dtype=torch.float32)
    t[torch.arange(len(y)), y] += 1.0 - eps
    return t


def soft_cross_entropy(z, t):
    """Per-row ``-sum_j t_j log softmax(z)_j``."""
    return -(t * F.log_softmax(z, dim=1)).sum(1)


# ---------------------------------------------------------------------------------------------
# the published closed form
def published_log_norm_const(eta):
    """The papers' ``log C`` (lambda-form) of the rows of ``eta`` (n, K-1): closed form with std scaling.

    Differentiable in eta (the scale s is a constant). Returns NaN or +-inf where the formula does
    (ties: s = 0 or a zero denominator; cancellation: a sum <= 0).
    """
    n, k = eta.shape
    s = eta.detach().std(dim=1, unbiased=False)
    aug = torch.cat([eta, eta.new_zeros(n, 1)], 1)
    lam = torch.softmax(aug, dim=1)
    a = aug / s[:, None]
    diff = a[:, :, None] - a[:, None, :] + torch.eye(k + 1, dtype=eta.dtype)
    dens = diff.prod(dim=1)  # dens[j] = prod_i (a_i - a_j), the diagonal factor set to 1
    return -torch.log((-1.0) ** k * (lam / dens).sum(1)) + k * torch.log(s)


def published_log_partition(eta):
    """``A(eta, 0) = LSE(eta, 0) - log C`` with the published log C."""
    aug = torch.cat([eta, eta.new_zeros(eta.shape[0], 1)], 1)
    return torch.logsumexp(aug, dim=1) - published_log_norm_const(eta)


def published_mean(eta):
    """The published mean of the rows of eta: autodiff of the published A (K components).

    Returns ``(mean, bad)``: ``mean`` the raw gradient (n, K) with the last component ``1 - sum``,
    detached; ``bad`` the rows the papers' code rejects (a component <= 0, or NaN).
    """
    with torch.enable_grad():
        e = eta.detach().clone().requires_grad_(True)
        (g,) = torch.autograd.grad(published_log_partition(e).sum(), e)
    mu = torch.cat([g, 1.0 - g.sum(1, keepdim=True)], 1)
    bad = torch.isnan(mu).any(1) | (mu <= 0).any(1)
    return mu, bad


def published_cc_loss(z, t):
    """The papers' CC loss on logits z (n, K) and targets t (n, K), batch sum.

    Rows whose published mean is bad get soft cross-entropy instead; the closed form is evaluated
    on the kept rows only. Returns ``(loss, stats)`` with stats ``fallback`` (rows that fell back)
    and ``nonfinite`` (kept rows whose CC term is NaN or infinite).
    """
    eta = z[:, :-1] - z[:, -1:]
    _, bad = published_mean(eta)
    keep = ~bad
    logits = torch.cat([eta, eta.new_zeros(eta.shape[0], 1)], 1)
    ce_rows = soft_cross_entropy(logits[bad], t[bad])
    ek, tk = eta[keep], t[keep]
    cc_rows = soft_cross_entropy(logits[keep], tk) - published_log_norm_const(ek)
    loss = ce_rows.sum() + cc_rows.sum()
    return loss, {"fallback": int(bad.sum()), "nonfinite": int((~torch.isfinite(cc_rows.detach())).sum())}


# ---------------------------------------------------------------------------------------------
def arm_loss(arm, z, target, y=None):
    """The loss of one arm on a batch: ``(loss, stats)`` (stats empty except for ``ccpub``).

    target: the soft target rows (smoothed labels or tempered teacher probabilities); y: the hard
    labels (used by ``ce`` in the label-smoothing study, where target is None for it).
    """
    if arm == "ce":
        if target is None:
            return F.cross_entropy(z, y), {}
        return soft_cross_entropy(z, target).mean(), {}
    if arm == "ls":
        return soft_cross_entropy(z, target).mean(), {}
    if arm == "cc":
        return -cct.cc_log_likelihood(z, target, reduction="sum", validate_args=False), {}
    if arm == "ccpub":
        return published_cc_loss(z, target)
    raise ValueError("unknown arm %r" % (arm,))


def check_simplex(t, what):
    """Targets must be on the simplex for the CC (entries >= 0, rows summing to 1 within K eps)."""
    tol = max(1e-6, t.shape[1] * float(torch.finfo(t.dtype).eps))
    if not (torch.isfinite(t).all() and (t >= 0).all() and ((t.sum(1) - 1).abs() <= tol).all()):
        raise ValueError("%s: targets are not on the simplex" % what)


__all__ = ["ARMS_LS", "ARMS_DISTILL", "LABELS", "smooth", "soft_cross_entropy", "published_log_norm_const",
           "published_log_partition", "published_mean", "published_cc_loss", "arm_loss", "check_simplex"]
