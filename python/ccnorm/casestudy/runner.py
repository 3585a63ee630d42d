"""The case study's driver: the configurations, the plan of runs, the command line.

    python3 -m ccnorm.casestudy [--quick] [--out DIR] [--jobs N] [...]
    ccnorm casestudy [--quick] [--out DIR] [--python PATH] [...]      (the same, through the CLI)

Writes everything under ``DIR/casestudy/`` (default DIR: ``report``, as ``ccnorm report``):
``runs/`` (one JSON + CSV per run), ``teachers/``, ``results.json``, ``summary.md`` and the PNGs
(docs/design.md §5.14). Rerunning into the same DIR skips the finished runs and continues a partial
one, so a killed study resumes where it stopped.
"""
import argparse
import os
import platform
import sys
import time

from . import fileio
from . import losses as L

TEMPERATURES = (1, 4, 16)


def _dataset_configs(quick):
    digits = {"data": {}, "hidden": [64], "student": [32], "teacher": [256, 256],
              "epochs_ls": 30 if quick else 100, "epochs_distill": 30 if quick else 100,
              "epochs_teacher": 40 if quick else 100}
    if quick:
        return {"digits": digits}
    fashion = {"data": {"n_train": 20000, "n_val": 5000, "n_test": 10000}, "hidden": [64], "student": [32],
               "teacher": [256, 256], "epochs_ls": 15, "epochs_distill": 15, "epochs_teacher": 15}
    return {"digits": digits, "fashion-mnist": fashion}


def config(quick=False, seeds=None, datasets=None, studies=None, arms=None, epochs=None, temperatures=None):
    """The configuration of a study: --quick (digits only, 3 seeds, short training) or the full one
    (digits and Fashion-MNIST, 5 seeds); every field can be narrowed (tests use tiny ones)."""
    ds = _dataset_configs(quick)
    if datasets:
        if any(d not in _dataset_configs(False) for d in datasets):
            raise ValueError("unknown dataset in %s (digits, fashion-mnist)" % (datasets,))
        full = _dataset_configs(False)
        ds = {d: ds.get(d, full[d]) for d in datasets}
    if epochs:
        for d in ds.values():
            d["epochs_ls"] = d["epochs_distill"] = epochs
            d["epochs_teacher"] = max(epochs, 2)
    st = list(studies or ("ls", "distill"))
    for s in st:
        if s not in ("ls", "distill"):
            raise ValueError("unknown study %r (ls, distill)" % (s,))
    arm_sel = {"ls": list(L.ARMS_LS), "distill": list(L.ARMS_DISTILL)}
    if arms:
        for s in arm_sel:
            arm_sel[s] = [a for a in arm_sel[s] if a in arms]
        if any(a not in L.ARMS_LS for a in arms):
            raise ValueError("unknown arm in %s (%s)" % (arms, ", ".join(L.ARMS_LS)))
    return {
        "quick": bool(quick),
        "seeds": list(range(1, (seeds or (3 if quick else 5)) + 1)),
        "datasets": ds,
        "studies": st,
        "arms": arm_sel,
        "temperatures": list(temperatures or TEMPERATURES),
        "eps": 0.1, "batch": 128, "lr": 1e-3,
        "sample_batches": 8, "sample_rows": 8,  # rows scored against the reference per epoch: 8 x 8
    }


def teacher_spec(cfg, dataset):
    d = cfg["datasets"][dataset]
    return {"dataset": dataset, "data": d["data"], "hidden": list(d["teacher"]), "epochs": d["epochs_teacher"],
            "batch": cfg["batch"], "lr": cfg["lr"], "seed": 0}


def plan(cfg):
    """(teacher specs, run specs) in execution order: per dataset, study and seed, all arms together."""
    teachers, runs = [], []
    common = {k: cfg[k] for k in ("batch", "lr", "sample_batches", "sample_rows")}
    for dname, d in cfg["datasets"].items():
        if "ls" in cfg["studies"]:
            for seed in cfg["seeds"]:
                for arm in cfg["arms"]["ls"]:
                    runs.append(dict(common, study="ls", dataset=dname, data=d["data"], arm=arm, seed=seed,
                                     hidden=list(d["hidden"]), epochs=d["epochs_ls"], eps=cfg["eps"]))
        if "distill" in cfg["studies"] and cfg["arms"]["distill"]:
            ts = teacher_spec(cfg, dname)
            teachers.append(ts)
            for T in cfg["temperatures"]:
                for seed in cfg["seeds"]:
                    for arm in cfg["arms"]["distill"]:
                        runs.append(dict(common, study="distill", dataset=dname, data=d["data"], arm=arm, seed=seed,
                                         T=T, hidden=list(d["student"]), epochs=d["epochs_distill"], teacher=ts))
    return teachers, runs


def _work(kind, spec, out):
    from . import train

    if kind == "teacher":
        train.train_teacher(spec, out)
        return "done", None
    status, r = train.run_one(spec, out)
    return status, {"id": r["id"], "acc": r["selected"]["test"]["acc"], "seconds": r["run_seconds"]}


def _execute(jobs, tasks, out, progress):
    """Run (kind, spec) tasks, in this process (jobs 1) or in a pool of spawned processes."""
    problems, statuses = [], []
    if jobs <= 1:
        for kind, spec in tasks:
            try:
                statuses.append(_work(kind, spec, out))
                progress(kind, spec, statuses[-1])
            except Exception as e:  # one failed run does not stop the study
                problems.append("%s %s: %s: %s" % (kind, _name(spec), type(e).__name__, e))
                progress(kind, spec, ("failed", None))
        return statuses, problems
    import concurrent.futures as cf
    import multiprocessing as mp

    with cf.ProcessPoolExecutor(max_workers=jobs, mp_context=mp.get_context("spawn")) as ex:
        futs = {ex.submit(_work, kind, spec, out): (kind, spec) for kind, spec in tasks}
        for f in cf.as_completed(futs):
            kind, spec = futs[f]
            try:
                statuses.append(f.result())
                progress(kind, spec, statuses[-1])
            except Exception as e:
                problems.append("%s %s: %s: %s" % (kind, _name(spec), type(e).__name__, e))
                progress(kind, spec, ("failed", None))
    return statuses, problems


def _name(spec):
    from .train import run_id

    return run_id(spec) if "study" in spec else "teacher-" + spec["dataset"]


def environment():
    import numpy
    import torch

    import ccnorm

    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "")
    except OSError:
        pass
    return {"python": platform.python_version(), "torch": torch.__version__, "numpy": numpy.__version__,
            "ccnorm": ccnorm.__version__, "ccnorm_package": os.path.dirname(ccnorm.__file__), "cpu": cpu,
            "cores": os.cpu_count(), "threads_per_run": 1, "git_sha": os.environ.get("CCNORM_GIT_SHA", "")}


def run(cfg, out_root, jobs=1, figures=True, command=""):
    """Run (or resume) the study of cfg into ``out_root/casestudy``; returns (exit status, results)."""
    from . import report

    out = os.path.join(out_root, "casestudy")
    os.makedirs(os.path.join(out, "runs"), exist_ok=True)
    started = time.time()
    t0 = time.perf_counter()
    teachers, runs = plan(cfg)
    fileio.write_json(os.path.join(out, "config.json"), {"config": cfg, "command": command})
    log = lambda m: (sys.stderr.write("casestudy: " + m + "\n"), sys.stderr.flush())  # noqa: E731
    log("%d teacher(s), %d runs into %s (%d job%s)" % (len(teachers), len(runs), out, jobs, "s" if jobs > 1 else ""))
    count = {"n": 0, "skipped": 0}

    def progress(kind, spec, st):
        if kind != "run":
            return
        count["n"] += 1
        status, info = st
        if status == "skipped":
            count["skipped"] += 1
        el = time.perf_counter() - t0
        msg = "[%d/%d] %s %s" % (count["n"], len(runs), _name(spec), status)
        if info:
            msg += " (test acc %.4f, %.1f s)" % (info["acc"], info["seconds"])
        log(msg + "; %.0f s elapsed" % el)

    _, p1 = _execute(jobs, [("teacher", t) for t in teachers], out, progress)
    _, p2 = _execute(jobs, [("run", r) for r in runs], out, progress)
    problems = p1 + p2
    res = report.aggregate(out, cfg, teachers, runs, problems=problems, wall_s=time.perf_counter() - t0,
                           started=started, skipped=count["skipped"], jobs=jobs, command=command,
                           environment=environment())
    fileio.write_json(os.path.join(out, "results.json"), res)  # the figures read it
    if figures:
        try:
            res["figures"] = report.figures(out)
        except Exception as e:
            problems.append("figures: %s: %s" % (type(e).__name__, e))
    res["problems"] = problems
    res["wall_s"] = time.perf_counter() - t0
    fileio.write_json(os.path.join(out, "results.json"), res)
    fileio.write_text(os.path.join(out, "summary.md"), report.summary_markdown(res))
    log("wrote %s/results.json, summary.md%s in %.1f s%s" % (out, " and the figures" if figures else "",
                                                            res["wall_s"], "; problems: %d" % len(problems) if problems else ""))
    for p in problems:
        log("problem: " + p)
    return (1 if problems else 0), res


def _csv_list(s, conv=str):
    return [conv(x) for x in s.split(",") if x.strip()] if s else None


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="python3 -m ccnorm.casestudy",
        description="The CC case studies with an exact normaliser: label smoothing and distillation, cross-entropy vs "
                    "label smoothing vs the CC likelihood (ccnorm) vs the papers' CC loss as published. Writes "
                    "DIR/casestudy/ (results.json, summary.md, a JSON and CSV per run, PNGs); a rerun resumes.")
    ap.add_argument("--quick", action="store_true", help="digits only, 3 seeds, 30 epochs (a few minutes on 2 cores)")
    ap.add_argument("--out", default="report", help="output root; files go to DIR/casestudy/ (default: report)")
    ap.add_argument("--jobs", type=int, default=1, help="runs in parallel, one thread each (default 1)")
    ap.add_argument("--seeds", type=int, help="number of seeds (default 3 quick, 5 full)")
    ap.add_argument("--datasets", help="comma-separated subset of digits,fashion-mnist")
    ap.add_argument("--studies", help="comma-separated subset of ls,distill")
    ap.add_argument("--arms", help="comma-separated subset of ce,ls,cc,ccpub")
    ap.add_argument("--epochs", type=int, help="override every epoch count (students, LS models and teachers)")
    ap.add_argument("--temperatures", help="distillation temperatures (default 1,4,16)")
    ap.add_argument("--no-figures", action="store_true", help="skip the PNGs")
    ap.add_argument("--aggregate-only", action="store_true",
                    help="train nothing: rebuild results.json, summary.md and the figures from the finished runs")
    a = ap.parse_args(argv)
    if a.jobs < 1:
        ap.error("--jobs must be >= 1")
    try:
        cfg = config(a.quick, a.seeds, _csv_list(a.datasets), _csv_list(a.studies), _csv_list(a.arms), a.epochs,
                     _csv_list(a.temperatures, float))
    except ValueError as e:
        ap.error(str(e))
    cfg["temperatures"] = [int(t) if float(t).is_integer() else t for t in cfg["temperatures"]]
    command = "python3 -m ccnorm.casestudy " + " ".join(sys.argv[1:] if argv is None else argv)
    if a.aggregate_only:
        from . import report

        out = os.path.join(a.out, "casestudy")
        teachers, runs = plan(cfg)
        prev = os.path.join(out, "results.json")
        old = fileio.read_json(prev) if os.path.exists(prev) else {}
        res = report.aggregate(out, cfg, teachers, runs, problems=[], wall_s=old.get("wall_s", 0.0),
                               started=time.time(), skipped=old.get("resumed_runs", 0), jobs=old.get("jobs", 0),
                               command=old.get("command", command), environment=environment())
        # the study's own invocation stays on record (its command, start, wall time); this one is noted
        for k in ("started", "problems"):
            if k in old:
                res[k] = old[k]
        res["aggregated_by"] = command
        fileio.write_json(prev, res)
        if not a.no_figures:
            res["figures"] = report.figures(out)
        else:  # keep the figures an earlier invocation drew (those still present)
            res["figures"] = [f for f in old.get("figures", []) if os.path.exists(os.path.join(out, f["file"]))]
        fileio.write_json(prev, res)
        fileio.write_text(os.path.join(out, "summary.md"), report.summary_markdown(res))
        return 0 if not res["missing_runs"] else 1
    rc, _ = run(cfg, a.out, a.jobs, figures=not a.no_figures, command=command)
    return rc
