"""One training run of the case study (and the cached teachers), written incrementally.

A run is one (study, dataset, [T,] arm, seed). Its files in ``OUT/casestudy/runs/`` (docs/design.md
§5.14):

``<id>.partial.jsonl``  one line per finished epoch, appended (and fsync'ed) as the epoch ends
``<id>.ckpt``           model + optimiser state after the last logged epoch (replaced atomically)
``<id>.json``           the finished run (spec, every epoch, the selected epoch), written atomically
``<id>.csv``            its per-epoch table, written atomically with it

A finished run whose stored spec equals the requested one is skipped; a partial run continues from
its checkpoint (the epochs logged after the checkpoint are dropped and redone). Continuing gives the
numbers an uninterrupted run gives: training is single-threaded, the initialisation depends only on
(dataset, seed), the minibatch order of epoch e only on (dataset, seed, e), and nothing else draws
random numbers. So for a given seed every arm starts from the same weights and sees the same
batches (a paired comparison).
"""
import functools
import hashlib
import math
import os
import signal
import sys
import time

import numpy as np
import torch

import ccnorm

from . import data as _data
from . import fileio
from . import losses as L
from . import metrics as M


def set_threads():
    """One thread for torch and for ccnorm (docs/design.md §5.14: the timings are per core)."""
    torch.set_num_threads(1)
    ccnorm.set_num_threads(1)


def _derived_seed(*parts):
    h = hashlib.sha256("/".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(h[:8], "little") >> 1


def mlp(d_in, hidden, K):
    layers, d = [], d_in
    for h in hidden:
        layers += [torch.nn.Linear(d, h), torch.nn.ReLU()]
        d = h
    layers.append(torch.nn.Linear(d, K))
    return torch.nn.Sequential(*layers)


@functools.lru_cache(maxsize=4)
def _load(dataset, n_train, n_val, n_test):
    splits, info = _data.load(dataset, n_train, n_val, n_test)
    t = {k: (torch.from_numpy(x), torch.from_numpy(y)) for k, (x, y) in splits.items()}
    return t, info


def load_data(spec):
    d = spec["data"]
    return _load(spec["dataset"], d.get("n_train"), d.get("n_val"), d.get("n_test"))


def run_id(spec):
    if spec["study"] == "distill":
        return "distill-%s-T%g-%s-s%d" % (spec["dataset"], spec["T"], spec["arm"], spec["seed"])
    return "%s-%s-%s-s%d" % (spec["study"], spec["dataset"], spec["arm"], spec["seed"])


def _log(msg):
    sys.stderr.write("casestudy: " + msg + "\n")
    sys.stderr.flush()


# fault injection for the tests: CCNORM_CASESTUDY_KILL_AT="epochs:N" or "runs:N" makes this
# process SIGKILL itself after N epochs / N runs finished (and were written) in it
_KILL = {"epochs": 0, "runs": 0}


def _maybe_kill(kind):
    spec = os.environ.get("CCNORM_CASESTUDY_KILL_AT", "")
    if not spec:
        return
    what, _, n = spec.partition(":")
    if what != kind:
        return
    _KILL[kind] += 1
    if _KILL[kind] >= int(n):
        os.kill(os.getpid(), signal.SIGKILL)


# ---------------------------------------------------------------------------------------------
# teachers (distillation): trained once per dataset, cached
def teacher_path(out, dataset):
    return os.path.join(out, "teachers", dataset + ".pt")


def train_teacher(spec, out):
    """Train (or load the cached) teacher of spec["dataset"]: cross-entropy on hard labels, the
    epoch with the best validation accuracy kept. Returns the cache's dict (logits of every split)."""
    set_threads()
    path = teacher_path(out, spec["dataset"])
    if os.path.exists(path):
        c = torch.load(path)
        if c.get("spec") == spec:
            return c
    t0 = time.perf_counter()
    tensors, info = load_data(spec)
    Xtr, ytr = tensors["train"]
    torch.manual_seed(_derived_seed(spec["dataset"], "teacher", spec["seed"]))
    model = mlp(info["features"], spec["hidden"], _data.K)
    opt = torch.optim.Adam(model.parameters(), lr=spec["lr"])
    B, n = spec["batch"], len(ytr)
    best = (-1.0, 0, None)
    history = []
    for ep in range(1, spec["epochs"] + 1):
        perm = np.random.default_rng(_derived_seed(spec["dataset"], "teacher-order", spec["seed"], ep)).permutation(n)
        for s in range(0, n, B):
            idx = torch.from_numpy(perm[s:s + B])
            loss = torch.nn.functional.cross_entropy(model(Xtr[idx]), ytr[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        va = float((M.logits_of(model, tensors["val"][0]).argmax(1) == tensors["val"][1]).double().mean())
        history.append(va)
        if va > best[0]:
            best = (va, ep, {k: v.clone() for k, v in model.state_dict().items()})
    model.load_state_dict(best[2])
    logits = {k: M.logits_of(model, x) for k, (x, _) in tensors.items()}
    test = M.predictive_metrics(logits["test"], tensors["test"][1].numpy())
    c = {"spec": spec, "state": best[2], "logits": logits, "best_epoch": best[1], "val_acc": best[0],
         "val_acc_per_epoch": history, "test": test, "train_seconds": time.perf_counter() - t0, "data": info}
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    torch.save(c, tmp)
    os.replace(tmp, path)
    fileio.write_json(os.path.join(out, "teachers", spec["dataset"] + ".json"),
                      {k: v for k, v in c.items() if k not in ("state", "logits")})
    _log("teacher %s: %d epochs, best val acc %.4f at epoch %d, test acc %.4f (%.1f s)"
         % (spec["dataset"], spec["epochs"], best[0], best[1], test["acc"], c["train_seconds"]))
    return c


def tempered(logits, T):
    """``softmax(logits / T)`` computed in float64, returned as float32 rows on the simplex."""
    return torch.softmax(logits.double() / T, dim=1).float()


# ---------------------------------------------------------------------------------------------
def _targets(spec, out, tensors):
    """Training targets and the evaluation targets (for KL) of a run."""
    ytr = tensors["train"][1]
    if spec["study"] == "ls":
        if spec["arm"] == "ce":
            return None, None
        return L.smooth(ytr, _data.K, spec["eps"]), None
    c = torch.load(teacher_path(out, spec["dataset"]))
    if c.get("spec") != spec["teacher"]:
        raise RuntimeError("the cached teacher of %s was trained with another configuration" % spec["dataset"])
    T = spec["T"]
    t = {k: tempered(c["logits"][k], T) for k in ("train", "val", "test")}
    for k, v in t.items():
        L.check_simplex(v, "teacher targets (%s, T=%g)" % (k, T))
    return t["train"], t


def _resume(spec, paths):
    """(start_epoch, epochs logged, checkpoint dict or None) of a partial run."""
    if not os.path.exists(paths["ckpt"]):
        return 0, [], None
    try:
        c = torch.load(paths["ckpt"])
    except Exception:  # a torn checkpoint cannot happen (atomic rename), but never trust it blindly
        return 0, [], None
    if c.get("spec") != spec:
        return 0, [], None
    lines = fileio.read_lines(paths["partial"])[: c["epoch"]]
    if len(lines) != c["epoch"] or [e["epoch"] for e in lines] != list(range(1, c["epoch"] + 1)):
        return 0, [], None
    return c["epoch"], lines, c


def _select(epochs):
    """The epoch chosen on validation accuracy (first best), and the best test accuracy (test-set
    selection, the papers' number)."""
    va = [e["val"]["acc"] for e in epochs]
    te = [e["test"]["acc"] for e in epochs]
    b = int(np.argmax(va))
    bt = int(np.argmax(te))
    return {"epoch": epochs[b]["epoch"], "val": epochs[b]["val"], "test": epochs[b]["test"],
            "max_test_acc": te[bt], "max_test_acc_epoch": epochs[bt]["epoch"],
            "final_test": epochs[-1]["test"]}


CSV_COLUMNS = ("epoch", "train_seconds", "train_loss", "val_acc", "test_acc", "test_nll_softmax", "test_nll_ccmean",
               "test_ece_softmax", "test_ece_ccmean", "test_kl_softmax", "test_kl_ccmean", "test_gap_median",
               "fallback_fraction", "nonfinite_rows", "skipped_steps", "sampled_would_fallback",
               "sampled_err_logC_median", "sampled_err_logC_max")


def _csv(epochs):
    def f(v):
        if v is None:
            return ""
        if isinstance(v, float):
            return repr(v) if math.isfinite(v) else ("inf" if v > 0 else ("-inf" if v < 0 else "nan"))
        return str(v)

    lines = [",".join(CSV_COLUMNS)]
    for e in epochs:
        tr = e["trajectory"]
        errs = [fileio.number(x) for x in tr["err_logC"]]
        row = {"epoch": e["epoch"], "train_seconds": e["train_seconds"], "train_loss": fileio.number(e["train_loss"]),
               "val_acc": e["val"]["acc"], "fallback_fraction": e["fallback_fraction"],
               "nonfinite_rows": e["nonfinite_rows"], "skipped_steps": e["skipped_steps"],
               "sampled_would_fallback": float(np.mean(tr["fallback"])),
               "sampled_err_logC_median": float(np.median(errs)), "sampled_err_logC_max": float(np.max(errs))}
        for k in ("acc", "nll_softmax", "nll_ccmean", "ece_softmax", "ece_ccmean", "kl_softmax", "kl_ccmean",
                  "gap_median"):
            row["test_" + k] = e["test"].get(k)
        lines.append(",".join(f(row.get(c)) for c in CSV_COLUMNS))
    return "\n".join(lines) + "\n"


def run_paths(out, spec):
    rid = run_id(spec)
    d = os.path.join(out, "runs")
    return {"id": rid, "dir": d, "json": os.path.join(d, rid + ".json"), "csv": os.path.join(d, rid + ".csv"),
            "partial": os.path.join(d, rid + ".partial.jsonl"), "ckpt": os.path.join(d, rid + ".ckpt")}


def finished(out, spec):
    """The finished run of spec in out (a dict), or None."""
    p = run_paths(out, spec)
    if not os.path.exists(p["json"]):
        return None
    try:
        r = fileio.read_json(p["json"])
    except ValueError:
        return None
    return r if r.get("spec") == fileio.clean(spec) else None


def run_one(spec, out):
    """Train one run (or continue it), writing its files; returns ("skipped"|"done", run dict)."""
    set_threads()
    r = finished(out, spec)
    if r is not None:
        return "skipped", r
    paths = run_paths(out, spec)
    os.makedirs(paths["dir"], exist_ok=True)
    t_start = time.perf_counter()
    tensors, info = load_data(spec)
    Xtr, ytr = tensors["train"]
    target, eval_targets = _targets(spec, out, tensors)
    torch.manual_seed(_derived_seed(spec["dataset"], spec["study"], "init", spec["seed"]))
    model = mlp(info["features"], spec["hidden"], _data.K)
    opt = torch.optim.Adam(model.parameters(), lr=spec["lr"])
    params = list(model.parameters())
    start, epochs, ckpt = _resume(spec, paths)
    prior_seconds = 0.0
    if ckpt is not None:
        model.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["opt"])
        prior_seconds = ckpt.get("run_seconds", 0.0)
        _log("%s: continuing after epoch %d" % (paths["id"], start))
    fileio.write_text(paths["partial"], "".join(fileio.dumps(e) + "\n" for e in epochs))
    B, n = spec["batch"], len(ytr)
    steps = (n + B - 1) // B
    sample_steps = sorted(set(np.linspace(0, steps - 1, spec["sample_batches"]).round().astype(int).tolist()))
    arm = spec["arm"]
    for ep in range(start + 1, spec["epochs"] + 1):
        perm = torch.from_numpy(np.random.default_rng(
            _derived_seed(spec["dataset"], spec["study"], "order", spec["seed"], ep)).permutation(n))
        hist = np.zeros(len(M.GAP_EDGES), dtype=np.int64)
        sampled = []
        fallback = nonfinite = skipped = 0
        loss_sum = 0.0
        step_s = 0.0
        for s in range(steps):
            idx = perm[s * B:(s + 1) * B]
            xb, yb = Xtr[idx], ytr[idx]
            tb = target[idx] if target is not None else None
            t0 = time.perf_counter()
            z = model(xb)
            loss, st = L.arm_loss(arm, z, tb, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            # the papers' loop: a step whose gradient has a non-finite entry is skipped (all arms)
            if all(bool(torch.isfinite(p.grad).all()) for p in params):
                opt.step()
            else:
                skipped += 1
            step_s += time.perf_counter() - t0
            zd = z.detach()
            hist += M.gap_histogram(zd.numpy())
            if s in sample_steps:
                sampled.append(zd[: spec["sample_rows"]].clone())
            loss_sum += float(loss.detach())
            fallback += st.get("fallback", 0)
            nonfinite += st.get("nonfinite", 0)
        t_eval = time.perf_counter()
        ev = {}
        for split in ("val", "test"):
            X, y = tensors[split]
            ev[split] = M.predictive_metrics(M.logits_of(model, X), y.numpy(),
                                             None if eval_targets is None else eval_targets[split])
        traj = M.normalizer_errors(torch.cat(sampled))
        rec = {"epoch": ep, "train_seconds": step_s, "eval_seconds": time.perf_counter() - t_eval,
               "train_loss": loss_sum / steps, "fallback_fraction": fallback / n, "fallback_rows": fallback,
               "nonfinite_rows": nonfinite, "skipped_steps": skipped, "rows": n, "steps": steps,
               "gap_hist": hist.tolist(), "val": ev["val"], "test": ev["test"], "trajectory": traj}
        rec = fileio.clean(rec)
        epochs.append(rec)
        fileio.append_line(paths["partial"], rec)
        run_s = prior_seconds + time.perf_counter() - t_start
        tmp = paths["ckpt"] + ".tmp"
        torch.save({"spec": spec, "epoch": ep, "model": model.state_dict(), "opt": opt.state_dict(),
                    "run_seconds": run_s}, tmp)
        os.replace(tmp, paths["ckpt"])
        if step_s >= 1.0 or ep == spec["epochs"]:
            _log("%s: epoch %d/%d, %.2f s training, val acc %.4f, test acc %.4f%s"
                 % (paths["id"], ep, spec["epochs"], step_s, ev["val"]["acc"], ev["test"]["acc"],
                    ", fallback %.3f" % (fallback / n) if arm == "ccpub" else ""))
        _maybe_kill("epochs")
    secs = [e["train_seconds"] for e in epochs]
    result = {
        "format": "ccnorm-casestudy-run/1",
        "id": paths["id"], "spec": fileio.clean(spec), "data": info,
        "selected": _select(epochs),
        "epoch_train_seconds": float(np.median(secs)),
        "run_seconds": prior_seconds + time.perf_counter() - t_start,
        "gap_edges": list(M.GAP_EDGES),
        "reference_max_spread": M.REF_MAX_SPREAD,
        "epochs": epochs,
    }
    fileio.write_text(paths["csv"], _csv(epochs))
    fileio.write_json(paths["json"], result, indent=None)
    for k in ("ckpt", "partial"):
        if os.path.exists(paths[k]):
            os.unlink(paths[k])
    _maybe_kill("runs")
    return "done", fileio.read_json(paths["json"])
