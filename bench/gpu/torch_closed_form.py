#!/usr/bin/env python3
"""PyTorch closed form (the papers' formula) on the same GPU and the same inputs as device_check.

A = log sum_k e^{z_k} / prod_{i != k} (z_k - z_i), with a max shift against overflow, written as
the papers' TensorFlow/PyTorch code does (a B x K x K tensor of differences); the mean by autograd.
Reads OUT/timing.csv and the binary inputs/results written by device_check (B = 2^20, K <= 100),
times the closed form with CUDA events (median of 20 after 3 warm-ups; rows processed in chunks
so that the B x K x K tensor stays below 2 GB), measures its error against our GPU result
(in units of u of the dtype; NaN rows counted) and prints the merged table (markdown).
Usage: torch_closed_form.py OUT_DIR [--budget SECONDS]
Environment: CCNORM_TORCH_DEVICE=cpu runs the same code on the CPU (wall-clock timing): a dry run
of this script on files written by hand, for machines without a GPU; the table says so.
"""
import csv
import math
import os
import statistics
import sys
import time


def load(path, dtype, torch):
    with open(path, "rb") as f:
        buf = bytearray(f.read())
    return torch.frombuffer(buf, dtype=dtype)


def closed_form(z, torch):
    m = z.max(dim=1, keepdim=True).values
    d = z.unsqueeze(2) - z.unsqueeze(1)                      # B x K x K: z_k - z_i
    eye = torch.eye(z.shape[1], dtype=torch.bool, device=z.device)
    d = torch.where(eye, torch.ones_like(d), d)
    terms = torch.exp(z - m) / d.prod(dim=2)
    return m.squeeze(1) + torch.log(terms.sum(dim=1))


def run_torch(z_all, K, grad, torch):
    B = z_all.shape[0]
    chunk = max(1, min(B, (2 << 30) // (K * K * z_all.element_size())))
    outs, grads = [], []
    for s in range(0, B, chunk):
        z = z_all[s:s + chunk]
        if grad:
            z = z.detach().clone().requires_grad_(True)
            A = closed_form(z, torch)
            A.sum().backward()
            grads.append(z.grad)
            outs.append(A.detach())
        else:
            with torch.no_grad():
                outs.append(closed_form(z, torch))
    return torch.cat(outs), (torch.cat(grads) if grad else None)


class Timer:
    """CUDA events on a GPU, perf_counter on the CPU (dry run)."""

    def __init__(self, torch, dev):
        self.torch, self.cuda = torch, dev.type == "cuda"

    def __enter__(self):
        if self.cuda:
            self.st = self.torch.cuda.Event(enable_timing=True)
            self.en = self.torch.cuda.Event(enable_timing=True)
            self.st.record()
        else:
            self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc):
        if self.cuda:
            self.en.record()
            self.torch.cuda.synchronize()
            self.ms = self.st.elapsed_time(self.en)
        else:
            self.ms = (time.perf_counter() - self.t0) * 1e3
        return False


def main():
    args = [a for a in sys.argv[1:]]
    budget = 60.0
    if "--budget" in args:
        i = args.index("--budget")
        budget = float(args[i + 1])
        del args[i:i + 2]
    out = args[0] if args else "."
    rows = list(csv.DictReader(open(os.path.join(out, "timing.csv"))))
    info = open(os.path.join(out, "device.txt")).read().splitlines()
    torch_res = {}
    want = os.environ.get("CCNORM_TORCH_DEVICE", "cuda")
    try:
        import torch
        have = want == "cpu" or torch.cuda.is_available()
        why = "" if have else "torch.cuda.is_available() is False"
    except Exception as e:  # noqa: BLE001
        have, why = False, f"no PyTorch ({e})"
    t_start = time.time()
    if have:
        dev = torch.device(want)
        for r in rows:
            dtype, K, B, mode = r["dtype"], int(r["K"]), int(r["B"]), r["mode"]
            stem = os.path.join(out, f"{dtype}_K{K}_B{B}")
            if not os.path.exists(stem + "_z.bin"):
                continue
            if time.time() - t_start > budget:
                torch_res[(dtype, K, B, mode)] = ("skipped: time budget",)
                continue
            tdt = torch.float32 if dtype == "f32" else torch.float64
            u = 2.0 ** -24 if dtype == "f32" else 2.0 ** -53
            z = load(stem + "_z.bin", tdt, torch).reshape(B, K).to(dev)
            ours_A = load(stem + "_A.bin", tdt, torch).to(dev).double()
            grad = mode == "value+mean"
            times = []
            reps = 23
            for i in range(reps):
                with Timer(torch, dev) as t:
                    A, mu = run_torch(z, K, grad, torch)
                if i >= 3:
                    times.append(t.ms)
                if i == 0 and t.ms > 1000:
                    reps = 8 if t.ms < 5000 else 4
                if i + 1 >= reps or time.time() - t_start > budget:
                    break
            ms = statistics.median(times) if times else float("nan")
            A = A.double()
            bad = ~torch.isfinite(A)
            err = ((A - ours_A).abs() / (u * ours_A.abs().clamp(min=1.0)))
            errA = err[~bad].max().item() if (~bad).any() else float("inf")
            errmu = float("nan")
            if grad and os.path.exists(stem + "_mu.bin"):
                ours_mu = load(stem + "_mu.bin", tdt, torch).reshape(B, K).to(dev).double()
                e = (mu.double() - ours_mu).abs() / (u * ours_mu)
                fin = torch.isfinite(e).all(dim=1)
                bad = bad | ~fin
                errmu = e[fin].max().item() if fin.any() else float("inf")
            torch_res[(dtype, K, B, mode)] = (ms, B / (ms * 1e-3), errA, errmu, int(bad.sum().item()))
    # merged table
    print(f"# ccnorm GPU device check: {info[0] if info else '?'}")
    print()
    print(f"device-to-device copy bandwidth: {info[1].split()[1] if len(info) > 1 else '?'} GB/s (read + write). "
          "Effective GB/s = (input + outputs) bytes / time. PyTorch: the papers' closed form, same inputs"
          + ("" if have else f" - not run: {why}")
          + (" - DRY RUN ON THE CPU (CCNORM_TORCH_DEVICE=cpu): the torch columns are CPU timings" if have and want == "cpu" else "")
          + ".")
    print()
    peaks = dict(line.split() for line in info[2:] if len(line.split()) == 2)
    print(f"Peak arithmetic (SMs x lanes x clock): f32 {peaks.get('peak_GFLOPs_f32', '?')} GFLOP/s, f64 "
          f"{peaks.get('peak_GFLOPs_f64', '?')} GFLOP/s. GFLOP/s = useful flops of the series (host-counted degrees x "
          "flops per degree, bench/gpu/host_ref.cpp) / time; % roofline = max(bytes / copy bandwidth, flops / peak) / time.")
    print()
    print("| dtype | K | B | mode | ms | rows/s | GB/s | % copy bw | GFLOP/s | % roofline | escalated rows | torch rows/s | ours / torch | torch max err_A (u) | torch max err_mu (u) | torch NaN rows | note |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        key = (r["dtype"], int(r["K"]), int(r["B"]), r["mode"])
        t = torch_res.get(key)
        def f(x, fmt):
            try:
                x = float(x)
            except ValueError:
                return str(x)
            return "n/a" if math.isnan(x) else format(x, fmt)
        tcols = ["n/a"] * 5
        if t and len(t) == 5:
            ratio = float(r["rows_per_s"]) / t[1] if t[1] > 0 else float("nan")
            tcols = [f(t[1], ".4g"), f(ratio, ".3g"), f(t[2], ".3g"), f(t[3], ".3g"), str(t[4])]
        elif t:
            tcols = [t[0]] + ["n/a"] * 4
        B = int(r["B"])
        print(f"| {r['dtype']} | {r['K']} | 2^{int(math.log2(B))} | {r['mode']} | {f(r['ms'], '.4g')} | {f(r['rows_per_s'], '.4g')} | "
              f"{f(r['GBps'], '.1f')} | {f(r['pct_copy'], '.1f')} | {f(r.get('GFLOPs', 'nan'), '.0f')} | "
              f"{f(r.get('pct_roofline', 'nan'), '.1f')} | {r['escalated']} | " + " | ".join(tcols) + f" | {r['note']} |")

    print_goals(rows, torch_res)


def print_goals(rows, torch_res):
    """The GPU goals (targets in the printed table), read off the timing table (recorded, not asserted)."""
    def num(x):
        try:
            return float(x)
        except (TypeError, ValueError):
            return float("nan")

    def find(dtype, K, mode, B=None):
        c = [r for r in rows if r["dtype"] == dtype and int(r["K"]) == K and r["mode"] == mode
             and (B is None or int(r["B"]) == B) and not math.isnan(num(r["ms"]))]
        return max(c, key=lambda r: int(r["B"])) if c else None

    print()
    print("| GPU goal | target | measured |")
    print("|---|---|---|")
    r = find("f32", 10, "value+mean", 1 << 22)
    print("| f32, K=10, B=2^22, value+mean: % of the roofline | >= 50 % | "
          + (f"{num(r.get('pct_roofline')):.1f} % ({num(r['pct_copy']):.1f} % of the copy bandwidth)" if r else "not measured") + " |")
    for dt in ("f32", "f64"):
        for mode in ("value", "value+mean"):
            t = [(k, v) for k, v in torch_res.items() if k[0] == dt and k[1] == 10 and k[3] == mode and len(v) == 5]
            if not t:
                continue
            (_, K, B, _), v = t[0]
            ours = find(dt, K, mode, B)
            ratio = num(ours["rows_per_s"]) / v[1] if ours and v[1] > 0 else float("nan")
            print(f"| {dt}, K=10, B=2^{int(math.log2(B))}, {mode}: ours / PyTorch closed form (rows/s) | >= 10x, exact where it is not | "
                  f"{ratio:.3g}x (PyTorch max err_A {v[2]:.3g} u, NaN rows {v[4]}) |")
    for mode in ("value", "value+mean"):
        a, b = find("f64", 1000, mode), find("f32", 1000, mode)
        if a and b and int(a["B"]) != int(b["B"]):
            b = find("f32", 1000, mode, int(a["B"]))
        if a and b:
            print(f"| f64 / f32 time, K=1000, B=2^{int(math.log2(int(a['B'])))}, {mode} | <= 3 | {num(a['ms']) / num(b['ms']):.3g} |")


if __name__ == "__main__":
    main()
