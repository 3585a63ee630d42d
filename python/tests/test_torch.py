"""ccnorm.torch: autograd (gradcheck / gradgradcheck in float64), the distribution's API
(shapes, expand, sample, validate_args, probs), KL registration, losses, a short training loop."""
import math

import numpy as np
import pytest
import torch
from torch.autograd import gradcheck, gradgradcheck
from torch.distributions import constraints

import ccnorm
import ccnorm.torch as cct
from ccnorm.torch import CCLoss, ContinuousCategorical, cc_log_likelihood


def _inputs(seed=0):
    """Logit batches of different character: random, ties, all-zero, clustered, large offset."""
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(3, 5, generator=g, dtype=torch.float64) * 2
    z[1] = torch.tensor([0.5, 0.5, -1.0, -1.0, 2.0])  # ties
    z[2] = 0.0  # all-zero logits (initialisation)
    zc = 1e3 + torch.randn(2, 4, generator=g, dtype=torch.float64) * 1e-3
    return [z, zc, torch.randn(4, 1, 3, generator=g, dtype=torch.float64)]


def _simplex_like(z, seed=1):
    g = torch.Generator().manual_seed(seed)
    return torch.softmax(torch.randn(z.shape, generator=g, dtype=z.dtype), -1)


@pytest.mark.parametrize("k", range(3))
def test_gradcheck_and_gradgradcheck_A_logprob_loss(k):
    z = _inputs()[k].clone().requires_grad_()
    x = _simplex_like(z).requires_grad_()
    assert gradcheck(cct.log_partition, (z,))
    assert gradgradcheck(cct.log_partition, (z,))
    assert gradcheck(cct.log_prob, (z, x))
    assert gradgradcheck(cct.log_prob, (z, x))
    for red in ("mean", "sum", "none"):
        f = lambda a, b: cc_log_likelihood(a, b, reduction=red, validate_args=False)  # noqa: E731
        assert gradcheck(f, (z, x)), red
        assert gradgradcheck(f, (z, x)), red


@pytest.mark.parametrize("k", range(3))
def test_gradcheck_mean_entropy_kl(k):
    z = _inputs()[k].clone().requires_grad_()
    assert gradcheck(cct.mean, (z,))
    assert gradcheck(cct.entropy, (z,))
    zq = (z.detach().flip(-1) * 0.7 + 0.3).requires_grad_()
    assert gradcheck(cct.kl_divergence, (z, zq))
    d = ContinuousCategorical(logits=z)
    assert gradcheck(lambda a: ContinuousCategorical(logits=a).entropy(), (z,))
    assert gradcheck(lambda a, b: torch.distributions.kl_divergence(ContinuousCategorical(logits=a),
                                                                     ContinuousCategorical(logits=b)), (z, zq))
    assert d.mean.requires_grad


def test_gradients_are_the_formulas():
    z = torch.tensor([[1.0, -0.5, 2.0, 0.25], [3.0, 3.0, 0.0, -4.0]], dtype=torch.float64, requires_grad=True)
    zq = torch.tensor([[0.0, 1.0, -1.0, 2.0], [1.0, 0.0, 0.5, 0.5]], dtype=torch.float64, requires_grad=True)
    zn, qn = z.detach().numpy(), zq.detach().numpy()
    cov = ccnorm.covariance(zn)
    (gA,) = torch.autograd.grad(cct.log_partition(z).sum(), z)
    np.testing.assert_array_equal(gA.numpy(), ccnorm.mean(zn))
    (gH,) = torch.autograd.grad(cct.entropy(z).sum(), z)
    np.testing.assert_allclose(gH.numpy(), -np.einsum("bij,bj->bi", cov, zn), rtol=1e-12, atol=1e-14)
    gp, gq = torch.autograd.grad(cct.kl_divergence(z, zq).sum(), (z, zq))
    np.testing.assert_allclose(gq.numpy(), ccnorm.mean(qn) - ccnorm.mean(zn), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(gp.numpy(), -np.einsum("bij,bj->bi", cov, qn - zn), rtol=1e-12, atol=1e-14)
    # second derivative of A: the covariance
    w = torch.tensor([[0.3, -1.0, 2.0, 0.5], [1.0, 1.0, -2.0, 0.0]], dtype=torch.float64)
    (g,) = torch.autograd.grad(cct.log_partition(z).sum(), z, create_graph=True)
    (h,) = torch.autograd.grad((g * w).sum(), z)
    np.testing.assert_allclose(h.numpy(), np.einsum("bij,bj->bi", cov, w.numpy()), rtol=1e-12, atol=1e-15)


def test_higher_derivatives_raise_clearly():
    z = torch.randn(2, 4, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(cct.log_partition(z).sum(), z, create_graph=True)
    (h,) = torch.autograd.grad((g * g).sum(), z, create_graph=True)  # second derivatives: fine
    with pytest.raises(RuntimeError, match="third derivatives"):
        torch.autograd.grad(h.sum(), z)
    (gH,) = torch.autograd.grad(cct.entropy(z).sum(), z, create_graph=True)
    with pytest.raises(RuntimeError, match="not provided"):
        torch.autograd.grad(gH.sum(), z)
    d = ContinuousCategorical(logits=z)
    with pytest.raises(RuntimeError, match="variance"):
        d.variance.sum().backward()
    with pytest.raises(RuntimeError, match="covariance"):
        d.covariance_matrix.sum().backward()


def test_distribution_values_shapes_and_expand():
    z = torch.randn(2, 3, 4, dtype=torch.float64)
    d = ContinuousCategorical(logits=z)
    assert d.batch_shape == (2, 3) and d.event_shape == (4,)
    assert d.support is constraints.simplex and d.has_rsample is False
    assert set(d.arg_constraints) == {"logits", "probs"}
    zn = z.numpy()
    np.testing.assert_array_equal(d.mean.numpy(), ccnorm.mean(zn))
    np.testing.assert_array_equal(d.variance.numpy(), ccnorm.variances(zn))
    np.testing.assert_array_equal(d.covariance_matrix.numpy(), ccnorm.covariance(zn))
    np.testing.assert_array_equal(d.entropy().numpy(), ccnorm.entropy(zn))
    np.testing.assert_allclose(d.stddev.numpy() ** 2, ccnorm.variances(zn), rtol=1e-15)
    x = d.sample((5,))
    assert x.shape == (5, 2, 3, 4) and x.dtype == torch.float64
    lp = d.log_prob(x)
    assert lp.shape == (5, 2, 3)
    A = ccnorm.log_partition(zn)
    np.testing.assert_allclose(lp.numpy(), (x.numpy() * zn).sum(-1) - A, rtol=1e-12, atol=1e-12)
    e = d.expand((7, 2, 3))
    assert e.batch_shape == (7, 2, 3) and e.sample().shape == (7, 2, 3, 4)
    np.testing.assert_array_equal(e.entropy()[4].numpy(), d.entropy().numpy())
    np.testing.assert_array_equal(e.log_prob(x[0]).numpy(), np.broadcast_to(d.log_prob(x[0]).numpy(), (7, 2, 3)))
    # one row, float32
    d32 = ContinuousCategorical(logits=torch.tensor([0.0, 1.0, 2.0]))
    assert d32.batch_shape == () and d32.sample().dtype == torch.float32 and d32.entropy().dtype == torch.float32
    assert d32.log_prob(d32.sample((3,))).shape == (3,)


def test_sample_is_reproducible_from_torch_rng():
    d = ContinuousCategorical(logits=torch.tensor([[0.0, 1.0, 2.0], [5.0, 0.0, -1.0]], dtype=torch.float64))
    torch.manual_seed(7)
    a = d.sample((100,))
    torch.manual_seed(7)
    b = d.sample((100,))
    c = d.sample((100,))
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert torch.all(a >= 0) and torch.allclose(a.sum(-1), torch.ones(100, 2, dtype=torch.float64))
    x = d.sample((20000,))
    se = (d.variance / 20000).sqrt()
    assert torch.all((x.mean(0) - d.mean).abs() < 5 * se)
    with pytest.raises(NotImplementedError, match="has_rsample"):
        d.rsample()


def test_validate_args_and_constructor_errors():
    with pytest.raises(ValueError):
        ContinuousCategorical(logits=torch.tensor([0.0, float("nan")]), validate_args=True)
    with pytest.raises(ValueError, match="not both"):
        ContinuousCategorical(logits=torch.zeros(3), probs=torch.ones(3) / 3)
    with pytest.raises(ValueError, match="not both"):
        ContinuousCategorical()
    p = torch.full((2, 3, 4), 0.25)
    p[1, 2, 0] = 0.0  # flat row 5
    with pytest.raises(ValueError, match=r"row 5 .*> 0"):
        ContinuousCategorical(probs=p)
    d = ContinuousCategorical(logits=torch.zeros(3), validate_args=True)
    with pytest.raises(ValueError):
        d.log_prob(torch.tensor([0.5, 0.6, 0.1]))  # off the simplex
    # without validation the NumPy layer still refuses a non-finite logit, naming the row
    bad = ContinuousCategorical(logits=torch.tensor([[0.0, 1.0], [float("inf"), 0.0]]), validate_args=False)
    with pytest.raises(ValueError, match=r"row 1 .*infinity"):
        bad.entropy()
    with pytest.raises(TypeError, match="CPU"):
        ccnorm.torch._np_of(torch.zeros(2, device="meta"))


def test_probs_parameterisation():
    p = torch.tensor([[0.2, 0.3, 0.5], [0.9, 0.05, 0.05]], dtype=torch.float64, requires_grad=True)
    d = ContinuousCategorical(probs=p)
    e = ContinuousCategorical(logits=p.detach().log())
    assert torch.allclose(d.logits.exp(), p.detach())
    np.testing.assert_allclose(d.mean.detach().numpy(), e.mean.numpy(), rtol=1e-14)
    np.testing.assert_allclose(d.entropy().detach().numpy(), e.entropy().numpy(), rtol=1e-14)
    x = e.sample((4,))
    np.testing.assert_allclose(d.log_prob(x).detach().numpy(), e.log_prob(x).numpy(), rtol=1e-13)
    d.entropy().sum().backward()
    assert p.grad is not None and torch.all(torch.isfinite(p.grad)) and p.grad.abs().sum() > 0
    # unnormalised probs are normalised
    d2 = ContinuousCategorical(probs=torch.tensor([2.0, 3.0, 5.0], dtype=torch.float64))
    assert torch.allclose(d2.probs, torch.tensor([0.2, 0.3, 0.5], dtype=torch.float64))
    assert gradcheck(lambda q: ContinuousCategorical(probs=q).log_prob(x), (p,))


def test_entropy_and_kl_gradients_reach_the_parameters():
    z = torch.randn(3, 5, dtype=torch.float64, requires_grad=True)
    q = torch.randn(3, 5, dtype=torch.float64, requires_grad=True)
    p_ = ContinuousCategorical(logits=z)
    q_ = ContinuousCategorical(logits=q)
    (p_.entropy().sum() + torch.distributions.kl_divergence(p_, q_).sum()).backward()
    assert z.grad is not None and q.grad is not None
    assert z.grad.abs().sum() > 0 and q.grad.abs().sum() > 0


def test_kl_nonnegative_on_adversarial_pairs():
    base = torch.tensor([[0.0, 0.0, 0.0, 0.0], [1e4, 1e4 + 1e-9, 1e4, 1e4 - 1e-9], [-30.0, 0.0, 30.0, 1.0],
                         [0.1, 0.1, 0.1, 5.0]], dtype=torch.float64)
    for q in (base + 1e-12 * torch.arange(4.0, dtype=torch.float64), base.flip(-1), base + 3.0, base * 1.0000001):
        kl = torch.distributions.kl_divergence(ContinuousCategorical(logits=base), ContinuousCategorical(logits=q))
        assert torch.all(kl >= 0), kl
        ref = ccnorm.reference_kl(base.numpy(), q.numpy())["kl"]
        # `base + 3` is a shift up to rounding (KL ~ 2e-34): relative accuracy there too
        # (test_distribution.py::test_kl_near_shift)
        np.testing.assert_allclose(kl.numpy(), ref, rtol=1e-9, atol=0)


def test_closed_form_nan_cases_have_right_values_and_finite_gradients():
    cases = [torch.zeros(4, 10, dtype=torch.float64), torch.tensor([[1.0, 1.0, 2.0, 2.0, 3.0]], dtype=torch.float64),
             torch.cat([torch.arange(1.0, 40.0), torch.zeros(1)])[None].float()]
    for z0 in cases:
        z = z0.clone().requires_grad_()
        target = torch.softmax(torch.linspace(-1, 1, z.shape[-1], dtype=z.dtype), -1).expand_as(z)
        ll = cc_log_likelihood(z, target)
        ll.backward()
        assert torch.all(torch.isfinite(z.grad))
        zn = z0.numpy()
        mu = ccnorm.mean(zn)
        np.testing.assert_allclose(z.grad.numpy(), (target.numpy() - mu) / z.shape[0], rtol=1e-5, atol=1e-7)
        ref = ccnorm.reference(zn.astype(np.float64))
        u = 2.0 ** -24 if z.dtype == torch.float32 else 2.0 ** -53
        A = cct.log_partition(z0)
        assert np.all(np.abs(A.numpy() - ref["A"]) <= 16 * u * np.maximum(1, np.abs(ref["A"])))


def test_loss_reductions_and_one_hot_targets():
    z = torch.randn(6, 4, dtype=torch.float64)
    x = torch.softmax(torch.randn(6, 4, dtype=torch.float64), -1)
    none = CCLoss(reduction="none")(z, x)
    assert none.shape == (6,)
    assert torch.allclose(CCLoss()(z, x), none.mean()) and torch.allclose(CCLoss(reduction="sum")(z, x), none.sum())
    assert torch.allclose(none, -cc_log_likelihood(z, x, reduction="none"))
    np.testing.assert_allclose(none.numpy(), -(np.sum(z.numpy() * x.numpy(), -1) - ccnorm.log_partition(z.numpy())),
                               rtol=1e-12, atol=1e-12)
    eye = torch.eye(4, dtype=torch.float64)[torch.tensor([0, 3, 1, 2, 2, 0])]
    np.testing.assert_allclose(cc_log_likelihood(z, eye, reduction="none").numpy(),
                               z.numpy()[np.arange(6), [0, 3, 1, 2, 2, 0]] - ccnorm.log_partition(z.numpy()), rtol=1e-12)
    with pytest.raises(ValueError, match="reduction"):
        CCLoss(reduction="avg")
    bad = x.clone()
    bad[4] = torch.tensor([0.5, 0.6, -0.1, 0.0], dtype=torch.float64)
    with pytest.raises(ValueError, match=r"row 4 .*simplex"):
        cc_log_likelihood(z, bad)
    with pytest.raises(ValueError, match="K = 4"):
        cc_log_likelihood(z, x[:, :3])
    assert "reduction='sum'" in repr(CCLoss(reduction="sum"))


def test_training_loop_loss_decreases():
    torch.manual_seed(0)
    n, d, K = 256, 8, 5
    X = torch.randn(n, d)
    W_true = torch.randn(d, K) * 2
    labels = torch.softmax(X @ W_true, -1) * 0.9 + 0.1 / K  # smoothed soft labels
    model = torch.nn.Linear(d, K)
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    loss_fn = CCLoss()
    losses = []
    for _ in range(60):
        opt.zero_grad()
        loss = loss_fn(model(X), labels)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert all(math.isfinite(v) for v in losses)
    assert losses[-1] < losses[0] - 0.5, (losses[0], losses[-1])
    assert sum(b < a for a, b in zip(losses, losses[1:])) > 45  # mostly monotone


def test_float32_and_noncontiguous_inputs():
    base = torch.randn(4, 6)
    z = base.t().contiguous().t().requires_grad_()  # non-contiguous view
    assert not z.is_contiguous()
    ll = cc_log_likelihood(z, torch.softmax(torch.randn(4, 6), -1))
    ll.backward()
    assert ll.dtype == torch.float32 and z.grad.dtype == torch.float32
    e = ContinuousCategorical(logits=torch.zeros(3)).expand((5,))
    assert e.entropy().shape == (5,) and not e.logits.is_contiguous()
    h = cct.log_partition(torch.zeros(2, 3, dtype=torch.float16))
    assert h.dtype == torch.float16
    i = cct.log_partition(torch.zeros(2, 3, dtype=torch.int64))  # integers: computed in the default float dtype
    assert i.dtype == torch.get_default_dtype() and torch.allclose(i, torch.full((2,), -math.log(2.0)))
    # float32 soft labels over many classes: the sum's rounding is not a simplex violation
    big = torch.softmax(torch.randn(8, 2000), -1)
    assert torch.isfinite(cc_log_likelihood(torch.zeros(8, 2000), big))
