"""ccnorm.casestudy on a tiny configuration (digits, 1 seed, 2 epochs, T = 4): results.json holds
every arm, metric and seed and the published loss's fallback fraction per epoch; the per-run CSV
files and the PNGs are valid; a rerun with the same seeds gives identical numbers; a run killed in
the middle of a training run resumes and ends with the numbers of an uninterrupted run; the
report's section (`ccnorm casestudy --print-section`) is generated from results.json and says so
when there is none. About 20-30 s on 2 cores.
"""
import csv
import json
import os
import subprocess
import sys

import pytest

from ccnorm.casestudy import fileio, train

TINY = ["--quick", "--seeds", "1", "--epochs", "2", "--temperatures", "4"]
PNG = b"\x89PNG\r\n\x1a\n"


def _run(out, *extra, env=None):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "ccnorm.casestudy", *TINY, "--out", str(out), *extra],
                          capture_output=True, text=True, env=e, timeout=300)


def _results(out):
    return fileio.read_json(os.path.join(str(out), "casestudy", "results.json"))


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    out = tmp_path_factory.mktemp("cs_base")
    p = _run(out)
    assert p.returncode == 0, p.stderr
    return out, p


def test_results_hold_every_arm_metric_and_seed(base):
    out, p = base
    assert "casestudy: [7/7]" in p.stderr  # progress on stderr
    r = _results(out)
    assert r["format"] == "ccnorm-casestudy/1" and not r["missing_runs"] and not r["problems"]
    assert r["expected_runs"] == 7 and len(r["runs"]) == 7
    got = {(x["study"], x["T"], x["arm"], x["seed"]) for x in r["runs"]}
    want = {("ls", None, a, 1) for a in ("ce", "ls", "cc", "ccpub")} | {("distill", 4, a, 1) for a in ("ce", "cc", "ccpub")}
    assert got == want
    for x in r["runs"]:
        keys = {"acc", "nll_softmax", "nll_ccmean", "ece_softmax", "ece_ccmean"}
        if x["study"] == "distill":
            keys |= {"kl_softmax", "kl_ccmean"}
        assert keys <= set(x["test"]), x["id"]
        assert all(isinstance(x["test"][k], float) for k in keys)
        assert 0 <= x["test"]["acc"] <= 1 and x["epochs"] == 2
        assert len(x["fallback_fraction_per_epoch"]) == 2
        if x["arm"] == "ccpub":
            assert all(0 <= f <= 1 for f in x["fallback_fraction_per_epoch"])
        else:
            assert x["fallback_fraction_per_epoch"] == [0.0, 0.0]
        assert x["sampled"]["rows"] == 2 * r["config"]["sample_batches"] * r["config"]["sample_rows"]
        assert x["timing"]["epoch_train_seconds"] > 0
    metrics = {(g["study"], g["arm"], g["metric"]) for g in r["aggregate"]}
    assert ("ls", "ccpub", "fallback_fraction") in metrics and ("distill", "cc", "kl_ccmean") in metrics
    pub = [x for x in r["published"] if x["arm"] == "ccpub"]
    assert len(pub) == 2 and all(len(x["fallback_fraction_per_epoch"]) == 2 for x in pub)
    assert {t["arm"] for t in r["timing"]} == {"ce", "ls", "cc", "ccpub"}
    assert set(r["statement"]) >= {"helps", "does_not_help", "published_not_cc"}
    assert r["principled_predictive"]["cc"] == "ccmean" and r["principled_predictive"]["ce"] == "softmax"
    assert r["claims"] and r["conclusions"]


def test_run_files_and_figures(base):
    out, _ = base
    d = os.path.join(str(out), "casestudy")
    r = _results(out)
    for x in r["runs"]:
        with open(os.path.join(d, "runs", x["id"] + ".csv")) as f:
            rows = list(csv.reader(f))
        assert tuple(rows[0]) == train.CSV_COLUMNS and len(rows) == 3
        assert not os.path.exists(os.path.join(d, "runs", x["id"] + ".partial.jsonl"))
        assert not os.path.exists(os.path.join(d, "runs", x["id"] + ".ckpt"))
    names = {f["file"] for f in r["figures"]}
    assert {"casestudy_metrics_ls_digits.png", "casestudy_metrics_distill_digits.png", "casestudy_fallback_digits.png",
            "casestudy_normerr_digits.png", "casestudy_gaps_digits.png"} <= names
    for n in names:
        with open(os.path.join(d, n), "rb") as f:
            head = f.read(24)
        assert head[:8] == PNG and head[12:16] == b"IHDR", n
    assert os.path.getsize(os.path.join(d, "summary.md")) > 1000


def test_rerun_gives_identical_numbers(base, tmp_path):
    out, _ = base
    # a fresh directory, two worker processes: the same numbers (runs are single-threaded and seeded)
    p = _run(tmp_path, "--no-figures", "--jobs", "2")
    assert p.returncode == 0, p.stderr
    a, b = _results(out), _results(tmp_path)
    assert a["metrics_sha256"] == b["metrics_sha256"]
    assert fileio.strip_timing(a["runs"]) == fileio.strip_timing(b["runs"])
    # a rerun into the same directory trains nothing and keeps the numbers
    p = _run(out)
    assert p.returncode == 0 and p.stderr.count(" skipped") == 7, p.stderr
    assert _results(out)["metrics_sha256"] == a["metrics_sha256"]


def test_killed_run_resumes_with_the_same_numbers(base, tmp_path):
    out, _ = base
    # SIGKILL after 3 epochs: the first run finished, the second one after its first epoch
    p = _run(tmp_path, "--no-figures", env={"CCNORM_CASESTUDY_KILL_AT": "epochs:3"})
    assert p.returncode == -9, (p.returncode, p.stderr)
    runs = os.path.join(str(tmp_path), "casestudy", "runs")
    assert os.path.exists(os.path.join(runs, "ls-digits-ce-s1.json"))
    assert os.path.exists(os.path.join(runs, "ls-digits-ls-s1.ckpt"))
    assert len(fileio.read_lines(os.path.join(runs, "ls-digits-ls-s1.partial.jsonl"))) == 1
    assert not os.path.exists(os.path.join(str(tmp_path), "casestudy", "results.json"))
    p = _run(tmp_path, "--no-figures")
    assert p.returncode == 0, p.stderr
    assert "ls-digits-ls-s1: continuing after epoch 1" in p.stderr
    r = _results(tmp_path)
    assert r["resumed_runs"] == 1 and not r["missing_runs"]
    assert r["metrics_sha256"] == _results(out)["metrics_sha256"]


@pytest.mark.skipif(not os.environ.get("CCNORM_CLI"), reason="CCNORM_CLI (the ccnorm executable) not set")
def test_report_section_from_results_json(base, tmp_path):
    out, _ = base
    exe = os.environ["CCNORM_CLI"]
    p = subprocess.run([exe, "casestudy", "--print-section", str(out)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    md = p.stdout
    r = _results(out)
    assert "## Case studies" in md and "CC (published)" in md and "(casestudy/casestudy_fallback_digits.png)" in md
    acc = next(g for g in r["aggregate"] if g["study"] == "ls" and g["arm"] == "cc" and g["metric"] == "acc")
    assert "%.2f ± 0.00" % (100 * acc["mean"]) in md  # the table's number is results.json's
    p = subprocess.run([exe, "casestudy", "--print-section", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 1 and "Not available: no case-study results" in p.stdout
