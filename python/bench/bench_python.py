#!/usr/bin/env python3
"""Per-call cost of the Python layers of ccnorm against the C++ batched path on the same rows.

    /usr/bin/python3 python/bench/bench_python.py --out DIR [--quick] [--dtypes f64,f32]

Cases: B = 1, 64, 4096 rows, K = 10, 100, 1000, rows z = (N(0, 1)^{K-1}, 0) (seed 20240601),
value (A) and value + mean. Three timings per case, interleaved within one run:

  cpp     ccnorm._core.time_evaluate: ccnorm::evaluate_batch on the same buffer, outputs allocated
          once, GIL released (the pure C++ batch call)
  numpy   ccnorm.log_partition(Z, return_mean=...) (argument checks, output allocation, reshape)
  torch   ccnorm.torch.log_partition(T): value = forward under no_grad; value + mean = forward
          with requires_grad (A and the mean) + backward (grad = mean, broadcast by the output grad)

and forward + backward of ccnorm.torch.cc_log_likelihood at B = 4096, K = 10 against
torch.nn.functional.cross_entropy (soft-label targets) on the same batch, at one thread
(torch.set_num_threads(1), ccnorm.set_num_threads(1)) and at all threads.

Each timing is the minimum over --repeats repetitions of the mean of a block of calls lasting at
least --min-time seconds (the minimum resists the noise of a shared machine). Goals (reported,
never asserted): numpy and torch <= 1.2x the C++ time once B*K >= 1e5; cc_log_likelihood
fwd+bwd <= 3x cross_entropy fwd+bwd.

Writes DIR/bench_python.csv, DIR/bench_python_loss.csv, DIR/bench_python.json and prints
markdown tables (also DIR/bench_python.md).
"""
import argparse
import csv
import datetime
import json
import os
import platform
import subprocess
import sys
import time

import numpy as np

import ccnorm
from ccnorm import _core

try:
    import torch
    import torch.nn.functional as F

    import ccnorm.torch as cct
except ImportError as e:  # the benchmark needs torch for two of its three columns
    sys.exit("bench_python: torch is needed (%s)" % e)


def rows(B, K, dtype, seed=20240601):
    rng = np.random.default_rng([seed, B, K])
    Z = np.zeros((B, K))
    Z[:, :-1] = rng.normal(size=(B, K - 1))
    return np.ascontiguousarray(Z.astype(dtype))


def block(fn, min_time):
    """(seconds per call, calls): calls of fn() until min_time has passed (at least 1)."""
    n, t0 = 0, time.perf_counter()
    while True:
        fn()
        n += 1
        t = time.perf_counter() - t0
        if t >= min_time:
            return t / n, n


def time_case(Z, grad, threads, repeats, min_time):
    B, K = Z.shape
    T = torch.from_numpy(Z)
    ones = torch.ones(B, dtype=T.dtype)

    def f_numpy():
        return ccnorm.log_partition(Z, return_mean=grad, threads=threads)

    ccnorm.set_num_threads(threads)  # ccnorm.torch uses the module setting

    if grad:
        def f_torch():
            t = T.detach().requires_grad_()
            cct.log_partition(t).backward(ones)
            return t.grad
    else:
        def f_torch():
            with torch.no_grad():
                return cct.log_partition(T)

    # calibrate the C++ block length on the same criterion
    per, _ = block(lambda: _core.time_evaluate(Z, "auto", grad, threads, 1), min_time / 4)
    calls = max(1, int(min_time / max(per, 1e-9)))
    best = {"cpp": np.inf, "numpy": np.inf, "torch": np.inf}
    f_numpy(), f_torch()  # warm-up (thread pools, workspaces)
    for _ in range(repeats):
        best["cpp"] = min(best["cpp"], _core.time_evaluate(Z, "auto", grad, threads, calls) / calls)
        best["numpy"] = min(best["numpy"], block(f_numpy, min_time)[0])
        best["torch"] = min(best["torch"], block(f_torch, min_time)[0])
    return best


def time_loss(B, K, threads_label, repeats, min_time):
    g = torch.Generator().manual_seed(1)
    logits = torch.randn(B, K, generator=g, dtype=torch.float32)
    target = torch.softmax(torch.randn(B, K, generator=g), -1) * 0.9 + 0.1 / K

    def cc():
        z = logits.detach().requires_grad_()
        cct.cc_log_likelihood(z, target, validate_args=False).neg().backward()
        return z.grad

    def cc_checked():
        z = logits.detach().requires_grad_()
        cct.cc_log_likelihood(z, target, validate_args=True).neg().backward()
        return z.grad

    def ce():
        z = logits.detach().requires_grad_()
        F.cross_entropy(z, target).backward()
        return z.grad

    for f in (cc, cc_checked, ce):
        f()
    best = {"cc_log_likelihood": np.inf, "cc_log_likelihood_validated": np.inf, "cross_entropy": np.inf}
    for _ in range(repeats):
        best["cc_log_likelihood"] = min(best["cc_log_likelihood"], block(cc, min_time)[0])
        best["cc_log_likelihood_validated"] = min(best["cc_log_likelihood_validated"], block(cc_checked, min_time)[0])
        best["cross_entropy"] = min(best["cross_entropy"], block(ce, min_time)[0])
    return best


def environment():
    def git():
        try:
            here = os.path.dirname(os.path.abspath(__file__))
            sha = subprocess.run(["git", "-C", here, "rev-parse", "--short=10", "HEAD"], capture_output=True, text=True).stdout.strip()
            dirty = subprocess.run(["git", "-C", here, "status", "--porcelain", "--untracked-files=no"], capture_output=True,
                                   text=True).stdout.strip()
            return sha + ("-dirty" if dirty else "")
        except OSError:
            return "unknown"

    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), "git": git(),
            "cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "numpy": np.__version__,
            "torch": torch.__version__, "ccnorm": ccnorm.__version__, "ccnorm_threads": ccnorm.get_num_threads(),
            "command": " ".join([os.path.basename(sys.executable)] + sys.argv),
            "load_average": os.getloadavg()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--quick", action="store_true", help="fewer repeats and shorter blocks")
    ap.add_argument("--dtypes", default="f64,f32")
    ap.add_argument("--repeats", type=int, default=None)
    ap.add_argument("--min-time", type=float, default=None, help="seconds per timed block")
    ap.add_argument("--threads", default="all,1",
                    help="ccnorm thread counts of the main table, comma-separated ('all' = get_num_threads())")
    a = ap.parse_args()
    repeats = a.repeats or (3 if a.quick else 5)
    min_time = a.min_time or (0.05 if a.quick else 0.15)
    os.makedirs(a.out, exist_ok=True)
    all_threads = ccnorm.get_num_threads()
    torch_threads = torch.get_num_threads()
    env = environment()

    table = []
    for th in a.threads.split(","):
        nt = all_threads if th == "all" else int(th)
        for dt in a.dtypes.split(","):
            dtype = {"f64": np.float64, "f32": np.float32}[dt]
            for K in (10, 100, 1000):
                for B in (1, 64, 4096):
                    Z = rows(B, K, dtype)
                    for grad in (False, True):
                        t = time_case(Z, grad, nt, repeats, min_time)
                        r = {"dtype": dt, "B": B, "K": K, "mode": "value+mean" if grad else "value", "threads": nt,
                             "BK": B * K, "cpp_us": 1e6 * t["cpp"], "numpy_us": 1e6 * t["numpy"],
                             "torch_us": 1e6 * t["torch"], "numpy_over_cpp": t["numpy"] / t["cpp"],
                             "torch_over_cpp": t["torch"] / t["cpp"]}
                        r["goal_1.2x"] = ("met" if max(r["numpy_over_cpp"], r["torch_over_cpp"]) <= 1.2 else "missed") \
                            if B * K >= 1e5 else "n/a (B*K < 1e5)"
                        table.append(r)
                        print("threads %d %s B=%-5d K=%-5d %-10s cpp %10.2f us  numpy %10.2f us (x%.2f)  torch %10.2f us "
                              "(x%.2f)" % (nt, dt, B, K, r["mode"], r["cpp_us"], r["numpy_us"], r["numpy_over_cpp"],
                                           r["torch_us"], r["torch_over_cpp"]), flush=True)
    ccnorm.set_num_threads(0)

    loss = []
    for label, nt_cc, nt_torch in (("1", 1, 1), ("all", 0, torch_threads)):
        ccnorm.set_num_threads(nt_cc)
        torch.set_num_threads(nt_torch)
        t = time_loss(4096, 10, label, repeats, min_time)
        r = {"B": 4096, "K": 10, "threads": label, "ccnorm_threads": ccnorm.get_num_threads(),
             "torch_threads": torch.get_num_threads(), "cc_fwd_bwd_us": 1e6 * t["cc_log_likelihood"],
             "cc_validated_fwd_bwd_us": 1e6 * t["cc_log_likelihood_validated"],
             "cross_entropy_fwd_bwd_us": 1e6 * t["cross_entropy"],
             "ratio": t["cc_log_likelihood"] / t["cross_entropy"],
             "ratio_validated": t["cc_log_likelihood_validated"] / t["cross_entropy"]}
        r["goal_3x"] = "met" if r["ratio"] <= 3 else "missed"
        loss.append(r)
        print("loss B=4096 K=10 threads=%s: cc_log_likelihood %.1f us (validated %.1f us), cross_entropy %.1f us: x%.2f"
              % (label, r["cc_fwd_bwd_us"], r["cc_validated_fwd_bwd_us"], r["cross_entropy_fwd_bwd_us"], r["ratio"]),
              flush=True)
    ccnorm.set_num_threads(0)
    torch.set_num_threads(torch_threads)

    with open(os.path.join(a.out, "bench_python.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(table[0]))
        w.writeheader()
        for r in table:
            w.writerow({k: ("%.4g" % v if isinstance(v, float) else v) for k, v in r.items()})
    with open(os.path.join(a.out, "bench_python_loss.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(loss[0]))
        w.writeheader()
        for r in loss:
            w.writerow({k: ("%.4g" % v if isinstance(v, float) else v) for k, v in r.items()})
    with open(os.path.join(a.out, "bench_python.json"), "w") as f:
        json.dump({"environment": env, "repeats": repeats, "min_time_s": min_time,
                   "notes": {"cpp": "ccnorm._core.time_evaluate (ccnorm::evaluate_batch, same buffer)",
                             "numpy": "ccnorm.log_partition", "torch": "ccnorm.torch.log_partition (value: no_grad "
                                                                      "forward; value+mean: forward + backward)",
                             "timing": "minimum over repeats of the mean per call of a block >= min_time_s"},
                   "cases": table, "loss": loss}, f, indent=1)
    md = ["*%s, %s, %s (%d cores, load average %.1f at the start), torch %s.*" % (
        env["command"], env["date"], env["cpu"], env["cores"], env["load_average"][0], env["torch"]), "",
          "| threads | dtype | B | K | mode | C++ batch (us) | NumPy (us) | x C++ | torch (us) | x C++ | goal <= 1.2x (B*K >= 1e5) |",
          "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in table:
        md.append("| %d | %s | %d | %d | %s | %.3g | %.3g | %.2f | %.3g | %.2f | %s |" % (
            r["threads"], r["dtype"], r["B"], r["K"], r["mode"], r["cpp_us"], r["numpy_us"], r["numpy_over_cpp"],
            r["torch_us"], r["torch_over_cpp"], r["goal_1.2x"]))
    md += ["", "| B x K | threads (ccnorm / torch) | cc_log_likelihood fwd+bwd (us) | with validate_args (us) | "
               "cross_entropy fwd+bwd (us) | ratio | goal <= 3x |", "|---|---|---|---|---|---|---|"]
    for r in loss:
        md.append("| 4096 x 10 | %d / %d | %.1f | %.1f | %.1f | %.2f | %s |" % (
            r["ccnorm_threads"], r["torch_threads"], r["cc_fwd_bwd_us"], r["cc_validated_fwd_bwd_us"],
            r["cross_entropy_fwd_bwd_us"], r["ratio"], r["goal_3x"]))
    text = "\n".join(md) + "\n"
    with open(os.path.join(a.out, "bench_python.md"), "w") as f:
        f.write(text)
    print()
    print(text)


if __name__ == "__main__":
    main()
