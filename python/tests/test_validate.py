"""ccnorm.validate: the scorer of `ccnorm validate` bound in the module, on the committed golden
vectors (reference/golden/golden.csv) and on arrays; the scorecard equals the CLI's."""
import csv
import json
import os
import subprocess

import numpy as np
import pytest

import ccnorm
from conftest import ROOT

GOLDEN = os.path.join(ROOT, "reference", "golden", "golden.csv")
KEYS = {"name", "note", "quantity", "dtype", "tol", "cases_file", "cases_format", "results_file", "date", "cases",
        "failures", "nonfinite", "passed", "references_computed", "max_err", "max_err_finite", "median_err", "p99_err",
        "max_ulps", "by_family", "by_K", "worst"}


def _golden():
    with open(GOLDEN) as f:
        rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
    assert len(rows) == 535
    return rows


def _auto_results(rows, quantity):
    out = []
    for r in rows:
        x = np.array([float(v) for v in r["z"].split(";")] if r["z"] else [])
        if quantity == "mean":
            out.append(ccnorm.mean(x, param=r["param"]))
        else:
            out.append(ccnorm.log_partition(x, param=r["param"]))
    return out


def test_golden_vectors_pass_with_auto(tmp_path):
    rows = _golden()
    res = np.array(_auto_results(rows, "A"))
    card = ccnorm.validate(GOLDEN, res, name="ccnorm auto via Python")
    assert set(card) == KEYS
    assert card["passed"] is True and card["failures"] == 0 and card["cases"] == 535
    assert card["quantity"] == "A" and card["dtype"] == "f64" and card["tol"] == 16
    assert card["cases_format"] == "golden-csv" and card["results_file"] == "<array>"
    assert card["references_computed"] == 0
    assert card["max_err"] <= 16 and set(card["by_K"]) >= {"1", "2", "3-10"}
    # the same results through a file and the CLI give the same scorecard
    path = tmp_path / "A.txt"
    path.write_text("".join(float.hex(float(v)) + "\n" for v in res))
    jpath = tmp_path / "cli.json"
    cli = os.environ.get("CCNORM_CLI") or os.path.join(ROOT, "build", "ccnorm")
    p = subprocess.run([cli, "validate", "--cases", GOLDEN, "--results", str(path), "--json", str(jpath),
                        "--name", "ccnorm auto via Python"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    c_cli = json.loads(jpath.read_text())
    c_py = ccnorm.validate(GOLDEN, str(path), name="ccnorm auto via Python")
    for k in KEYS - {"date"}:
        assert c_py[k] == c_cli[k], k


def test_failures_are_counted():
    rows = _golden()
    res = np.array(_auto_results(rows, "A"))
    res[10] += 1e-9 * max(1, abs(res[10]))
    res[20] = np.nan
    card = ccnorm.validate(GOLDEN, res)
    assert card["passed"] is False and card["failures"] == 2 and card["nonfinite"] == 1
    assert card["max_err"] is None  # inf is written as null
    ids = [w["id"] for w in card["worst"][:2]]
    assert rows[20]["id"] in ids and rows[10]["id"] in ids


def test_mean_and_float32(tmp_path):
    rows = [r for r in _golden() if r["mu"]]
    sel = [r for r in rows if int(r["K"]) == 5 and r["param"] == "logits"][:20]
    z = np.array([[float(v) for v in r["z"].split(";")] for r in sel])
    mu = ccnorm.mean(z)
    card = ccnorm.validate(z, mu, quantity="mean")
    assert card["passed"] and card["tol"] == 64 and card["references_computed"] == len(sel)
    assert card["cases_format"] == "eval" and card["cases_file"] == "<array>" and card["max_ulps"] is None
    z32 = z.astype(np.float32)
    card = ccnorm.validate(z32, ccnorm.log_normalizer(z32), quantity="logC", dtype="f32")
    assert card["passed"] and card["dtype"] == "f32"
    # eta and probs cases
    eta = z[:, :-1] - z[:, -1:]
    assert ccnorm.validate(eta, ccnorm.log_partition(eta, param="eta"), param="eta")["passed"]
    lam = np.exp(z - z.max(1, keepdims=True))
    lam = lam[np.all(lam > 0, axis=1)]  # rows whose probabilities do not underflow
    assert len(lam) >= 10
    assert ccnorm.validate(lam, ccnorm.log_partition(lam, param="probs"), param="probs")["passed"]
    assert ccnorm.validate(z, ccnorm.log_partition(z), tol=0.25)["tol"] == 0.25


def test_entropy_and_covariance_quantities():
    rng = np.random.default_rng(7)
    z = rng.normal(size=(6, 4))
    card = ccnorm.validate(z, ccnorm.entropy(z), quantity="H")
    assert card["passed"] and card["quantity"] == "H" and card["tol"] == 16 and card["cases"] == 6
    cov = ccnorm.covariance(z).reshape(6, 16)
    card = ccnorm.validate(z, cov, quantity="cov")
    assert card["passed"] and card["quantity"] == "cov" and card["tol"] == 64
    bad = cov.copy()
    bad[2, 5] *= 1 + 1e-9
    card = ccnorm.validate(z, bad, quantity="cov")
    assert not card["passed"] and card["failures"] == 1


def test_bad_inputs_raise():
    z = np.zeros((3, 2))
    with pytest.raises(ValueError, match="result rows but 3 cases"):
        ccnorm.validate(z, np.zeros(2))
    with pytest.raises(ValueError, match="quantity"):
        ccnorm.validate(z, np.zeros(3), quantity="bogus")
    with pytest.raises(ValueError, match="expected 2 values"):
        ccnorm.validate(z, np.zeros((3, 3)), quantity="mean")
    with pytest.raises(ValueError, match="probs"):
        ccnorm.validate(GOLDEN, np.zeros(535), param="probs")
    with pytest.raises(ValueError, match="cannot open|No such|not found|read"):
        ccnorm.validate("/nonexistent/cases.csv", np.zeros(3))
