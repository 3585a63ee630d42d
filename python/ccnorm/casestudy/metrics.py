"""Metrics of the case study: accuracy, NLL, ECE, KL of both predictives; the published normaliser's
error on training logits; logit-gap histograms.

Two predictive class probabilities are scored for every model:

``softmax``  ``softmax(z)``: the model of cross-entropy training (and the lambda parameter of a CC).
``ccmean``   the CC mean ``E[x] = grad A(z)`` (``ccnorm.mean``, float64 of the float32 logits).

For a model trained with a CC likelihood the CC mean is the principled predictive: the model says
the label vector x is a draw from CC(z), so the probability it gives to class j for the next hard
label drawn from x is ``E[x_j]``, the mean; ``softmax(z)`` is only the distribution's lambda
parameter and is not the probability of anything under the model (README "Case studies"). Both
share the argmax (the CC mean orders its components as the logits), so accuracy is the same.

Errors of the published normaliser are in units of u = 2^-24 (the float32 output), the definitions
of docs/design.md §3.1 (err = |got - ref| / (u max(1, |ref|)); mean: componentwise relative), against
``ccnorm.reference`` (certified, Arb) for rows of spread <= ``REF_MAX_SPREAD`` and against
``auto-precise`` (within 2 u of float64; not certified) above it. NaN or infinite results count as
infinite error.
"""
import warnings

import numpy as np
import torch

import ccnorm

from .losses import published_log_norm_const, published_mean

U32 = 2.0 ** -24
N_BINS_ECE = 15
REF_MAX_SPREAD = 1000.0
# logit-gap histogram (max z - min z): bins [e_i, e_{i+1}), the last one [8192, inf)
GAP_EDGES = (0.0,) + tuple(2.0 ** k for k in range(-3, 14))


def gap_histogram(z):
    """Counts of the rows' gaps ``max z - min z`` in the bins of ``GAP_EDGES``."""
    z = np.asarray(z, dtype=np.float64)
    g = z.max(1) - z.min(1)
    idx = np.searchsorted(np.asarray(GAP_EDGES[1:]), g, side="right")
    return np.bincount(idx, minlength=len(GAP_EDGES)).astype(np.int64)


def ece(probs, y, n_bins=N_BINS_ECE):
    """Expected calibration error of the top-class confidence, ``n_bins`` equal-width bins.

    Bin b holds the rows whose confidence ``max_j p_j`` lies in ``(b/n, (b+1)/n]``;
    ``ECE = sum_b (n_b / N) |acc_b - conf_b|``.
    """
    p = np.asarray(probs, dtype=np.float64)
    y = np.asarray(y)
    conf = p.max(1)
    correct = (p.argmax(1) == y).astype(np.float64)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    b = np.clip(np.searchsorted(edges[1:-1], conf, side="left"), 0, n_bins - 1)
    gap = np.bincount(b, weights=correct - conf, minlength=n_bins)
    return float(np.abs(gap).sum() / len(y))


def nll(logp, y):
    """Mean negative log probability of the true labels (logp: (n, K) log probabilities)."""
    logp = np.asarray(logp, dtype=np.float64)
    return float(-logp[np.arange(len(y)), np.asarray(y)].mean())


def kl(t, logq):
    """Mean ``KL(t || q) = sum_j t_j (log t_j - log q_j)`` over rows (0 log 0 = 0)."""
    t = np.asarray(t, dtype=np.float64)
    logq = np.asarray(logq, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(t > 0, t * (np.log(np.where(t > 0, t, 1.0)) - logq), 0.0)
    return float(terms.sum(1).mean())


def cc_mean(z):
    """The CC mean of float logits z (n, K) in float64, and the number of rows ccnorm flagged as
    outside its accuracy domain (spread above 2^22; values still finite)."""
    z64 = np.ascontiguousarray(np.asarray(z, dtype=np.float64))
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always", ccnorm.OutsideDomainWarning)
        mu = ccnorm.mean(z64)
    outside = sum(1 for x in w if issubclass(x.category, ccnorm.OutsideDomainWarning))
    return mu, outside


def logits_of(model, X, chunk=4096):
    with torch.no_grad():
        return torch.cat([model(X[i:i + chunk]) for i in range(0, len(X), chunk)])


def predictive_metrics(z, y, target=None):
    """Accuracy, NLL and ECE of both predictives (and KL(target || predictive) when given).

    z: float32 logits tensor (n, K); y: int labels; target: soft targets (n, K) or None.
    """
    z64 = z.double()
    logp_sm = torch.log_softmax(z64, dim=1).numpy()
    mu, outside = cc_mean(z64.numpy())
    logp_cc = np.log(mu)
    y = np.asarray(y)
    spread = (z64.max(1).values - z64.min(1).values).numpy()
    m = {
        "acc": float((z.argmax(1).numpy() == y).mean()),
        "nll_softmax": nll(logp_sm, y),
        "nll_ccmean": nll(logp_cc, y),
        "ece_softmax": ece(np.exp(logp_sm), y),
        "ece_ccmean": ece(mu, y),
        "conf_softmax": float(np.exp(logp_sm).max(1).mean()),
        "conf_ccmean": float(mu.max(1).mean()),
        "gap_median": float(np.median(spread)),
        "gap_max": float(spread.max()),
        "outside_domain_rows": int(outside),
    }
    if target is not None:
        t = np.asarray(target, dtype=np.float64)
        m["kl_softmax"] = kl(t, logp_sm)
        m["kl_ccmean"] = kl(t, logp_cc)
    return m


# ---------------------------------------------------------------------------------------------
def _err_value(got, hi, lo, u):
    out = np.full(len(got), np.inf)
    ok = np.isfinite(got)
    out[ok] = np.abs((got[ok] - hi[ok]) - lo[ok]) / (u * np.maximum(1.0, np.abs(hi[ok])))
    return out


def _err_mean(got, hi, lo, u):
    out = np.full(len(got), np.inf)
    ok = np.isfinite(got).all(1)
    scale = np.where(hi >= 2.0 ** -1000, hi, 2.0 ** -1022)
    e = np.abs((got - hi) - lo) / (u * scale)
    out[ok] = e[ok].max(1)
    return out


def normalizer_errors(z):
    """The published normaliser and mean on float32 training logits z (n, K), scored against
    ccnorm's certified path; also ccnorm's own float32 ``log C`` on the same rows.

    The rows are the ones the published loss receives: ``(eta, 0)`` with ``eta = z[:K-1] - z[K-1]``
    rounded to float32. Returns a dict of per-row lists: ``spread``, ``err_logC`` (published),
    ``err_mean`` (published, before the NaN rejection), ``fallback`` (the published loss would use
    cross-entropy on the row), ``err_logC_ccnorm`` and ``reference`` ("certified" or
    "auto-precise").
    """
    z = torch.as_tensor(z, dtype=torch.float32)
    eta = z[:, :-1] - z[:, -1:]
    with torch.no_grad():
        logc_pub = published_log_norm_const(eta).double().numpy()
    mu_pub, bad = published_mean(eta)
    mu_pub = mu_pub.double().numpy()
    x32 = torch.cat([eta, eta.new_zeros(len(eta), 1)], 1).numpy()
    x = x32.astype(np.float64)
    n, K = x.shape
    spread = x.max(1) - x.min(1)
    cert = spread <= REF_MAX_SPREAD
    L_hi, L_lo = np.zeros(n), np.zeros(n)
    M_hi, M_lo = np.zeros((n, K)), np.zeros((n, K))
    if cert.any():
        r = ccnorm.reference(x[cert], return_mean=True)
        L_hi[cert], L_lo[cert] = r["logC"], r["logC_lo"]
        M_hi[cert], M_lo[cert] = r["mean"], r["mean_lo"]
    if (~cert).any():
        xs = np.ascontiguousarray(x[~cert])
        L_hi[~cert] = ccnorm.log_normalizer(xs, algo="auto-precise")
        M_hi[~cert] = ccnorm.mean(xs, algo="auto-precise")
    logc_cc = np.asarray(ccnorm.log_normalizer(np.ascontiguousarray(x32)), dtype=np.float64)
    return {
        "spread": spread.tolist(),
        "err_logC": _err_value(logc_pub, L_hi, L_lo, U32).tolist(),
        "err_mean": _err_mean(mu_pub, M_hi, M_lo, U32).tolist(),
        "fallback": bad.numpy().astype(bool).tolist(),
        "err_logC_ccnorm": _err_value(logc_cc, L_hi, L_lo, U32).tolist(),
        "reference": ["certified" if c else "auto-precise" for c in cert],
    }
