"""Python threads: many callers at once give the single-threaded results, and the batched calls
release the GIL (another Python thread makes progress during a long call)."""
import re
import threading
import time

import numpy as np

import ccnorm


def _work(seed):
    rng = np.random.default_rng(seed)
    Z = rng.normal(scale=float(rng.choice([0.1, 3.0, 40.0])), size=(int(rng.integers(1, 150)), int(rng.integers(1, 30))))
    return Z


def _all(Z, threads=None):
    A, mu = ccnorm.log_partition(Z, return_mean=True, threads=threads)
    return [A, mu, ccnorm.log_normalizer(Z, threads=threads), ccnorm.entropy(Z, threads=threads),
            ccnorm.hvp(Z, Z[::-1], threads=threads), ccnorm.kl_divergence(Z, Z[::-1], threads=threads),
            ccnorm.sample(Z, 3, seed=11, threads=threads), ccnorm.variances(Z, threads=threads),
            ccnorm.log_partition(Z.astype(np.float32), algo="auto-precise", threads=threads)]


def test_many_python_threads_at_once():
    inputs = [_work(s) for s in range(16)]
    expected = [_all(Z, threads=1) for Z in inputs]
    results = [None] * len(inputs)
    errors = []
    start = threading.Barrier(8)

    def worker(k):
        try:
            start.wait()
            for i in range(k, len(inputs), 8):
                results[i] = _all(inputs[i])  # default threads: each call runs its own OpenMP team
        except Exception as e:  # noqa: BLE001 (reported below)
            errors.append(repr(e))

    th = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in th:
        t.start()
    for t in th:
        t.join()
    assert not errors, errors
    for i, (got, want) in enumerate(zip(results, expected)):
        for g, w in zip(got, want):
            np.testing.assert_array_equal(g, w, err_msg="input %d" % i)


def test_errors_from_concurrent_threads_stay_in_their_thread():
    bad = np.zeros((50, 4))
    bad[37, 2] = np.nan
    good = _work(3)
    msgs, oks = [], []

    def f(k):
        try:
            if k % 2:
                ccnorm.mean(bad)
            else:
                oks.append(ccnorm.log_partition(good))
        except ValueError as e:
            msgs.append(str(e))

    th = [threading.Thread(target=f, args=(k,)) for k in range(8)]
    for t in th:
        t.start()
    for t in th:
        t.join()
    assert len(msgs) == 4 and all("row 37" in m for m in msgs)
    assert len(oks) == 4 and all(np.array_equal(o, oks[0]) for o in oks)


def _progress_during(call, margin=0.012):
    """Run call() while a second Python thread counts and timestamps every 200th increment.
    Returns (seconds of the call, timestamps in the first half of the call after `margin`, stamps
    per second before it). A C function that holds the GIL lets no Python code run while it
    works: the counter can only run just before it starts (a pending switch request, at most
    one switch interval, 5 ms) and after it returns, so no timestamp falls in that window."""
    stamps = []
    stop = threading.Event()
    running = threading.Event()

    def counter():
        n = 0
        running.set()
        while not stop.is_set():
            n += 1
            if n % 200 == 0:
                stamps.append(time.perf_counter())

    t = threading.Thread(target=counter)
    t.start()
    running.wait()
    time.sleep(0.02)
    t0 = time.perf_counter()
    call()
    t1 = time.perf_counter()
    time.sleep(0.02)
    stop.set()
    t.join()
    inside = [x for x in stamps if t0 + margin < x < t0 + (t1 - t0) / 2]
    before = [x for x in stamps if x < t0]
    rate = len(before) / max(1e-9, before[-1] - before[0]) if len(before) > 1 else 0.0
    return t1 - t0, len(inside), rate


def test_the_gil_probe_detects_a_call_that_holds_the_gil():
    """Control: the regular expression engine backtracks in C without releasing the GIL."""
    dt, inside, rate = _progress_during(lambda: re.match(r"(a+)+$", "a" * 22 + "b"))
    assert dt > 0.1 and rate > 0
    assert inside <= 2, (dt, inside)


def _long(make, seconds=0.12, rows=16):
    """A call of make(rows) lasting at least `seconds` (rows doubled until it does)."""
    while True:
        call = make(rows)
        t0 = time.perf_counter()
        call()
        if time.perf_counter() - t0 >= seconds or rows >= 1 << 16:
            return call
        rows *= 2


def test_gil_is_released_during_a_long_call():
    rng = np.random.default_rng(0)
    Z = rng.normal(scale=20.0, size=(1 << 16, 300))
    call = _long(lambda n: (lambda: ccnorm.log_partition(Z[:n], return_mean=True, threads=1)), seconds=0.3)
    dt, inside, rate = _progress_during(call)
    assert dt > 0.1, "the call was too short to measure (%.3f s)" % dt
    share = inside / max(1.0, rate * (dt / 2 - 0.012))
    print("\ncall %.3f s; the counter thread ran at %.0f%% of its solo speed during it" % (dt, 100 * share))
    assert inside > 20 and share > 0.05, (dt, inside, rate)


def test_gil_is_released_by_every_batched_function():
    rng = np.random.default_rng(1)
    Z = rng.normal(scale=30.0, size=(1 << 12, 200))
    makers = {
        "covariance": lambda n: (lambda: ccnorm.covariance(Z[:n, :80], threads=1)),
        "hvp": lambda n: (lambda: ccnorm.hvp(Z[:n], Z[:n], threads=1)),
        "entropy": lambda n: (lambda: ccnorm.entropy(Z[:n], threads=1)),
        "kl_divergence": lambda n: (lambda: ccnorm.kl_divergence(Z[:n], Z[:n][::-1], threads=1)),
        "sample": lambda n: (lambda: ccnorm.sample(Z[:n], 200, seed=0, threads=1)),
        "reference": lambda n: (lambda: ccnorm.reference(Z[:n, :120], threads=1)),
        "validate": lambda n: (lambda: ccnorm.validate(Z[:n], np.zeros(n), threads=1)),
    }
    for name, make in makers.items():
        dt, inside, rate = _progress_during(_long(make))
        assert dt > 0.06, (name, "too short to measure", dt)
        assert inside > 5, (name, dt, inside, rate)
