"""Atomic, resumable file writing for the case study (docs/design.md §5.14).

Every final file is written to a temporary name in the same directory, flushed, fsync'ed and
renamed over the target, so a killed process leaves either the old file or the new one. Partial
runs append one JSON line per finished epoch (flushed and fsync'ed) and keep a checkpoint that is
replaced atomically after the line is written.

JSON has no infinity: non-finite floats are written as the strings "inf" / "-inf" and NaN as null
(the convention of summary.json, docs/design.md §4.6); ``from_json_value`` reads them back.
"""
import hashlib
import json
import math
import os
import tempfile


def clean(obj):
    """A copy of obj that the standard JSON writer accepts (numpy scalars/arrays, non-finite floats)."""
    if isinstance(obj, dict):
        return {str(k): clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [clean(v) for v in obj]
    if hasattr(obj, "tolist") and not isinstance(obj, (str, bytes)):
        return clean(obj.tolist())
    if isinstance(obj, bool) or obj is None or isinstance(obj, (int, str)):
        return obj
    if isinstance(obj, float):
        if math.isnan(obj):
            return None
        if math.isinf(obj):
            return "inf" if obj > 0 else "-inf"
        return obj
    if hasattr(obj, "__float__"):
        return clean(float(obj))
    if hasattr(obj, "__int__"):
        return int(obj)
    raise TypeError("cannot write %r to JSON" % (obj,))


def number(v):
    """A JSON value written by ``clean`` back to a float ("inf" -> inf, None -> nan)."""
    if v is None:
        return float("nan")
    if isinstance(v, str):
        return float(v)
    return float(v)


def dumps(obj, indent=None):
    return json.dumps(clean(obj), indent=indent, sort_keys=False, allow_nan=False)


def _atomic(path, data, mode):
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=d)
    try:
        with os.fdopen(fd, mode) as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_json(path, obj, indent=1):
    _atomic(path, dumps(obj, indent) + "\n", "w")


def write_text(path, text):
    _atomic(path, text, "w")


def write_bytes(path, data):
    _atomic(path, data, "wb")


def read_json(path):
    with open(path) as f:
        return json.load(f)


def append_line(path, obj):
    """Append one JSON line and make it durable (the partial-run log)."""
    with open(path, "a") as f:
        f.write(dumps(obj) + "\n")
        f.flush()
        os.fsync(f.fileno())


def read_lines(path):
    """The complete JSON lines of a partial-run log (a torn last line is dropped)."""
    out = []
    if not os.path.exists(path):
        return out
    with open(path) as f:
        for line in f:
            if not line.endswith("\n"):
                break
            try:
                out.append(json.loads(line))
            except ValueError:
                break
    return out


TIMING_SUFFIXES = ("seconds", "_s")


def strip_timing(obj):
    """obj without its wall-clock fields (keys ending in "seconds" or "_s", and "timing"): what must
    be identical between two runs with the same seeds."""
    if isinstance(obj, dict):
        return {k: strip_timing(v) for k, v in obj.items()
                if k != "timing" and not k.endswith(TIMING_SUFFIXES) and k not in ("started", "finished")}
    if isinstance(obj, list):
        return [strip_timing(v) for v in obj]
    return obj


def digest(obj):
    """sha256 of the canonical JSON of ``strip_timing(obj)``."""
    s = json.dumps(strip_timing(clean(obj)), sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(s.encode()).hexdigest()
