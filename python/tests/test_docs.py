"""The README's "Python and PyTorch" examples run and print what the README shows."""
import contextlib
import io
import os
import re

import numpy as np

import ccnorm
import ccnorm.torch  # noqa: F401
from conftest import ROOT


def _section():
    with open(os.path.join(ROOT, "README.md")) as f:
        text = f.read()
    i = text.index("## Python and PyTorch")
    return text[i:text.index("\n## ", i + 10)]


def test_readme_numpy_example():
    sec = _section()
    code = re.search(r"```python\n(import numpy as np, ccnorm\n.*?)```", sec, re.S).group(1)
    env = {}
    exec(compile(code, "README.md", "exec"), env)
    assert np.allclose(env["A"], -np.log(362880.0), rtol=1e-15) and np.allclose(env["mu"], 0.1, rtol=1e-15)
    assert env["cov"].shape == (4, 10, 10) and env["x"].shape == (1000, 4, 10) and set(env["ref"]) >= {"A", "mean_radius"}


def test_readme_training_loop_runs_and_matches_its_output():
    sec = _section()
    m = re.search(r"<!-- python-example:begin -->\n```python\n(.*?)```\n<!-- python-example:end -->\n\n```\n(.*?)```", sec, re.S)
    code, shown = m.group(1), m.group(2)
    assert len(code.strip().splitlines()) <= 10
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})
    got = out.getvalue().splitlines()
    want = shown.strip().splitlines()
    assert len(got) == len(want)
    losses = []
    for g, w in zip(got[:-1], want[:-1]):
        gs, ws = g.split(), w.split()
        assert gs[0] == ws[0]
        assert abs(float(gs[1]) - float(ws[1])) <= 1e-3 * abs(float(ws[1])), (g, w)
        losses.append(float(gs[1]))
    assert losses == sorted(losses, reverse=True)  # the loss decreases
    assert got[-1].startswith("tensor([") and "_EntropyBackward" in got[-1]
    assert ccnorm.torch.__doc__ and "has_rsample = False" in ccnorm.torch.ContinuousCategorical.__doc__
