"""Perceptual image hashes (DCT and average hash) over PIL / numpy, and near-duplicate
pairs by Hamming distance."""

from __future__ import annotations

import numpy as np
from scipy.fft import dctn

__all__ = ["average_hash", "hamming_pairs", "phash"]

_BITS = 1 << np.arange(64, dtype=np.uint64)


def _gray(image, size: int) -> np.ndarray:
    from PIL import Image

    if isinstance(image, np.ndarray):
        arr = image.astype(np.float64)
        if arr.ndim == 3:
            arr = arr.mean(axis=-1 if arr.shape[-1] in (1, 3, 4) else 0)
        lo, hi = float(arr.min()), float(arr.max())
        arr = ((arr - lo) / (hi - lo or 1.0) * 255).astype(np.uint8)
        im = Image.fromarray(arr)
    else:
        with Image.open(image) as opened:
            im = opened.convert("L")
            im.load()
    return np.asarray(im.convert("L").resize((size, size), Image.BILINEAR), dtype=np.float64)


def _pack(bits: np.ndarray) -> np.uint64:
    return np.uint64(np.sum(_BITS[bits.ravel()[:64]]))


def phash(image) -> np.uint64:
    """64-bit DCT hash: low 8×8 frequencies of a 32×32 grey image above their median."""
    coeffs = dctn(_gray(image, 32), type=2, norm="ortho")[:8, :8]
    return _pack(coeffs > np.median(coeffs.ravel()[1:]))


def average_hash(image) -> np.uint64:
    """64-bit average hash: an 8×8 grey image thresholded at its mean."""
    g = _gray(image, 8)
    return _pack(g > g.mean())


def hamming_pairs(hashes: np.ndarray, max_distance: int, block: int = 512):
    """Pairs ``(i, j, distance)`` with ``i < j`` whose hashes differ in ≤ ``max_distance`` bits."""
    h = np.asarray(hashes, dtype=np.uint64)
    out_i, out_j, out_d = [], [], []
    for start in range(0, h.size, block):
        part = h[start : start + block]
        dist = np.bitwise_count(part[:, None] ^ h[None, :])
        ii, jj = np.nonzero(dist <= max_distance)
        keep = jj > ii + start
        out_i.append(ii[keep] + start)
        out_j.append(jj[keep])
        out_d.append(dist[ii[keep], jj[keep]])
    if not out_i:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int64)
    return (np.concatenate(out_i), np.concatenate(out_j), np.concatenate(out_d).astype(np.int64))
