"""The case study's data: the scikit-learn 8x8 digits and Fashion-MNIST, with fixed splits.

Splits are fixed (one permutation from ``SPLIT_SEED``), so every arm and every seed sees the same
train / validation / test rows; seeds change only the initialisation and the order of the
minibatches (``ccnorm.casestudy.train``). Inputs are scaled to [0, 1] and standardised with the mean
and standard deviation of the training split (one number each, over all pixels).

digits
    ``sklearn.datasets.load_digits()``: 1797 images of 8x8 pixels (values 0..16), 10 classes.
    Test 360 and validation 360 rows drawn from the permutation, the remaining 1077 for training.
fashion-mnist
    The idx files of the Debian package ``dataset-fashion-mnist``
    (``/usr/share/datasets/fashion-mnist/*-ubyte.gz``; another directory with
    ``CCNORM_FASHION_MNIST_DIR``). Validation and training rows are drawn from the 60000 official
    training images (sizes from the configuration), test rows from the 10000 official test images.
"""
import gzip
import os

import numpy as np

SPLIT_SEED = 20240501
K = 10  # both datasets have ten classes

_FASHION_FILES = {
    "train_x": "train-images-idx3-ubyte.gz",
    "train_y": "train-labels-idx1-ubyte.gz",
    "test_x": "t10k-images-idx3-ubyte.gz",
    "test_y": "t10k-labels-idx1-ubyte.gz",
}


def fashion_mnist_dir():
    """The directory holding the four Fashion-MNIST idx files, or FileNotFoundError saying how to get them."""
    cands = [os.environ.get("CCNORM_FASHION_MNIST_DIR"), "/usr/share/datasets/fashion-mnist"]
    for d in cands:
        if d and all(os.path.exists(os.path.join(d, f)) for f in _FASHION_FILES.values()):
            return d
    raise FileNotFoundError(
        "Fashion-MNIST not found (looked in %s): install the Debian package with "
        "`apt-get install dataset-fashion-mnist`, or set CCNORM_FASHION_MNIST_DIR to a directory holding %s"
        % (", ".join(repr(c) for c in cands if c), ", ".join(sorted(_FASHION_FILES.values()))))


def read_idx(path):
    """An idx file (optionally gzipped) as a NumPy array of its declared shape (uint8 data only)."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError("%s: not an idx file of unsigned bytes" % path)
    nd = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(nd)]
    off = 4 + 4 * nd
    n = int(np.prod(dims))
    if len(raw) - off != n:
        raise ValueError("%s: %d data bytes, expected %d for shape %s" % (path, len(raw) - off, n, dims))
    return np.frombuffer(raw, np.uint8, offset=off).reshape(dims)


def _standardise(splits):
    mu = float(splits["train"][0].mean())
    sd = float(splits["train"][0].std())
    return {k: (((x - mu) / sd).astype(np.float32), y) for k, (x, y) in splits.items()}


def load(name, n_train=None, n_val=None, n_test=None):
    """The splits of one dataset.

    Returns
    -------
    splits : dict
        ``{"train": (X, y), "val": (X, y), "test": (X, y)}``, X float32 (n, features), y int64.
    info : dict
        ``name``, ``source``, ``features``, ``classes`` and the three sizes.
    """
    rng = np.random.default_rng(SPLIT_SEED)
    if name == "digits":
        from sklearn.datasets import load_digits

        b = load_digits()
        X = (b.data / 16.0).astype(np.float32)
        y = b.target.astype(np.int64)
        p = rng.permutation(len(y))
        nt, nv = n_test or 360, n_val or 360
        te, va, tr = p[:nt], p[nt:nt + nv], p[nt + nv:]
        if n_train:
            tr = tr[:n_train]
        splits = {"train": (X[tr], y[tr]), "val": (X[va], y[va]), "test": (X[te], y[te])}
        source = "sklearn.datasets.load_digits (8x8, 1797 images)"
    elif name == "fashion-mnist":
        d = fashion_mnist_dir()
        f = {k: read_idx(os.path.join(d, v)) for k, v in _FASHION_FILES.items()}
        Xtr = f["train_x"].reshape(len(f["train_x"]), -1)
        Xte = f["test_x"].reshape(len(f["test_x"]), -1)
        ytr, yte = f["train_y"].astype(np.int64), f["test_y"].astype(np.int64)
        p = rng.permutation(len(ytr))
        nv = n_val or 10000
        nt = n_train or (len(ytr) - nv)
        va, tr = p[:nv], p[nv:nv + nt]
        q = rng.permutation(len(yte))[: (n_test or len(yte))]
        splits = {"train": (Xtr[tr] / np.float32(255), ytr[tr]), "val": (Xtr[va] / np.float32(255), ytr[va]),
                  "test": (Xte[q] / np.float32(255), yte[q])}
        splits = {k: (x.astype(np.float32), yy) for k, (x, yy) in splits.items()}
        source = "Fashion-MNIST idx files in %s (28x28, 60000 train + 10000 test images)" % d
    else:
        raise ValueError("unknown dataset %r (digits or fashion-mnist)" % (name,))
    splits = _standardise(splits)
    info = {"name": name, "source": source, "features": int(splits["train"][0].shape[1]), "classes": K,
            "n_train": int(len(splits["train"][1])), "n_val": int(len(splits["val"][1])),
            "n_test": int(len(splits["test"][1])), "split_seed": SPLIT_SEED}
    return splits, info
