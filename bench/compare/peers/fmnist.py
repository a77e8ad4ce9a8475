"""Fashion-MNIST straight from the gzipped IDX files (gzip + numpy.frombuffer; no torchvision, no download).

Images stay uint8 (n, 784), one sample per row as in the file; each engine scales its own batches to [0, 1],
so the per-batch gather and scaling is part of every engine's epoch time, as it is in Gatun's loader.
"""
import gzip
import os

import numpy as np

IMAGE_MAGIC = 2051
LABEL_MAGIC = 2049
FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def _read(directory, stem):
    for name in (stem + ".gz", stem):
        path = os.path.join(directory, name)
        if os.path.exists(path):
            opener = gzip.open if name.endswith(".gz") else open
            with opener(path, "rb") as f:
                return path, bytearray(f.read())  # writable: torch.from_numpy wants that
    raise FileNotFoundError(f"{stem}(.gz) not found in {directory}")


def _header(path, raw, magic, dims):
    need = 4 + 4 * dims
    if len(raw) < need:
        raise ValueError(f"{path}: {len(raw)} bytes, shorter than its {need}-byte header")
    found = int.from_bytes(raw[0:4], "big")
    if found != magic:
        raise ValueError(f"{path}: magic {found}, expected {magic}")
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims))
    if len(raw) != need + int(np.prod(shape)):
        raise ValueError(f"{path}: {len(raw)} bytes, header {shape} needs {need + int(np.prod(shape))}")
    return shape, need


def load(directory, split, limit=None):
    """Returns (images uint8 (n, 784), labels int64 (n,)), the first `limit` samples when limit is given."""
    image_stem, label_stem = FILES[split]
    path, raw = _read(directory, image_stem)
    (n, rows, cols), offset = _header(path, raw, IMAGE_MAGIC, 3)
    images = np.frombuffer(raw, dtype=np.uint8, offset=offset).reshape(n, rows * cols)
    path, raw = _read(directory, label_stem)
    (n_labels,), offset = _header(path, raw, LABEL_MAGIC, 1)
    if n_labels != n:
        raise ValueError(f"{path}: {n_labels} labels for {n} images")
    labels = np.frombuffer(raw, dtype=np.uint8, offset=offset).astype(np.int64)
    if limit:
        images, labels = images[:limit], labels[:limit]
    return np.ascontiguousarray(images), labels
