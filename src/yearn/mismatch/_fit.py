"""Distortion parameters fitted to the target: candidates drawn from a broad prior are
measured with the profile's image statistics, and for each target image (in turn) the
closest unused candidate is kept, so the synthetic set matches the target's measured
distribution (joint, not only per statistic)."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["MATCHED_STATS", "fit_quality", "match_candidates", "measure_arrays"]

MATCHED_STATS = ("brightness", "contrast", "sharpness", "noise")  # + rotation with rotate


def measure_arrays(images: list[np.ndarray]) -> dict[str, np.ndarray]:
    """The profile's image statistics (:data:`yearn.profile.IMAGE_FEATURES`) of float
    images in [0, 1], measured exactly as on files."""
    from PIL import Image

    from yearn.profile import IMAGE_FEATURES, measure_image

    out = np.empty((len(images), len(IMAGE_FEATURES)))
    for i, img in enumerate(images):
        pixels = np.round(np.clip(img, 0, 1) * 255).astype(np.uint8)
        out[i] = measure_image(Image.fromarray(pixels))
    return {name: out[:, j] for j, name in enumerate(IMAGE_FEATURES)}


def _scale(values: np.ndarray) -> float:
    mad = 1.4826 * float(np.median(np.abs(values - np.median(values))))
    return mad or float(np.std(values)) or 1.0


def match_candidates(
    target: dict[str, np.ndarray],
    candidates: dict[str, np.ndarray],
    stats: tuple[str, ...],
    n: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Indices of ``n`` distinct candidates: target images are visited in a shuffled cycle
    and each takes its nearest unused candidate (statistics scaled by the target's spread)."""
    from scipy.spatial import cKDTree

    t = np.column_stack([target[s] for s in stats])
    c = np.column_stack([candidates[s] for s in stats])
    keep_t = np.isfinite(t).all(axis=1)
    t = t[keep_t]
    scale = np.array([_scale(t[:, j]) for j in range(t.shape[1])])
    t, c = t / scale, np.where(np.isfinite(c), c, 1e9) / scale
    tree = cKDTree(c)
    used = np.zeros(len(c), dtype=bool)
    order = np.concatenate([rng.permutation(len(t)) for _ in range(-(-n // len(t)))])[:n]
    chosen = np.empty(n, dtype=np.int64)
    k = min(len(c), 16)
    for i, row in enumerate(order):
        _, near = tree.query(t[row], k=k)
        near = np.atleast_1d(near)
        free = near[~used[near]]
        if free.size:
            pick = int(free[0])
        else:  # every near one is taken: the nearest unused by brute force
            d = np.where(used, np.inf, ((c - t[row]) ** 2).sum(axis=1))
            pick = int(np.argmin(d))
        used[pick] = True
        chosen[i] = pick
    return chosen


def fit_quality(
    target: dict[str, np.ndarray],
    original: dict[str, np.ndarray],
    synthetic: dict[str, np.ndarray],
    stats: tuple[str, ...],
) -> list[dict[str, Any]]:
    """Per statistic: the Kolmogorov–Smirnov distance to the target of the originals and
    of the synthetic images, and the three medians."""
    from scipy.stats import ks_2samp

    rows = []
    for s in stats:
        t, o, y = (v[s][np.isfinite(v[s])] for v in (target, original, synthetic))
        rows.append(
            {
                "statistic": s,
                "target_median": float(np.median(t)),
                "original_median": float(np.median(o)),
                "synthetic_median": float(np.median(y)),
                "ks_original": round(float(ks_2samp(t, o).statistic), 4),
                "ks_synthetic": round(float(ks_2samp(t, y).statistic), 4),
            }
        )
    return rows
