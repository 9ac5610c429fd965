"""Cheap per-image features (size, brightness, contrast, sharpness, noise, rotation) read
with PIL."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

__all__ = ["IMAGE_FEATURES", "image_features", "measure_image"]

IMAGE_FEATURES = ("width", "height", "brightness", "contrast", "sharpness", "noise", "rotation")
GREY_SIDE = 32  # brightness, contrast and sharpness are measured on a 32×32 grey copy
NOISE_SIDE = 64  # noise and rotation on the grey image at most this large (native when smaller)
_IMMERKAER = np.array([[1.0, -2.0, 1.0], [-2.0, 4.0, -2.0], [1.0, -2.0, 1.0]])


def noise_sigma(grey: np.ndarray) -> float:
    """Immerkær's estimate of the standard deviation of additive noise (grey levels):
    the mean absolute response to a mask that cancels smooth structure."""
    h, w = grey.shape
    if h < 3 or w < 3:
        return float("nan")
    response = ndimage.convolve(grey, _IMMERKAER, mode="nearest")[1:-1, 1:-1]
    return float(np.sqrt(np.pi / 2) * np.abs(response).sum() / (6 * (h - 2) * (w - 2)))


def principal_angle(grey: np.ndarray) -> float:
    """Orientation in degrees (-90..90) of the principal axis of the ink (the pixels that
    differ from the median grey level), from second moments; 0 = vertical stroke."""
    weight = np.abs(grey - np.median(grey))
    total = weight.sum()
    if total <= 0:
        return float("nan")
    yy, xx = np.mgrid[0 : grey.shape[0], 0 : grey.shape[1]]
    my, mx = (weight * yy).sum() / total, (weight * xx).sum() / total
    cyy = (weight * (yy - my) ** 2).sum() / total
    cxx = (weight * (xx - mx) ** 2).sum() / total
    cxy = (weight * (yy - my) * (xx - mx)).sum() / total
    return float(np.degrees(0.5 * np.arctan2(2 * cxy, cyy - cxx)))


def grey_statistics(small: np.ndarray, native: np.ndarray) -> tuple[float, ...]:
    """(brightness, contrast, sharpness, noise, rotation) of one image from its 32×32 grey
    copy ``small`` and its grey image ``native`` (at most 64 pixels a side)."""
    sharp = float(np.abs(ndimage.laplace(small)).mean())
    return (
        float(small.mean()),
        float(small.std()),
        sharp,
        noise_sigma(native),
        principal_angle(native),
    )


def measure_image(im) -> tuple[float, ...]:
    """The :data:`IMAGE_FEATURES` of one open PIL image."""
    width, height = im.width, im.height
    im.draft("L", (NOISE_SIDE, NOISE_SIDE))
    grey = im.convert("L")
    if max(grey.size) > NOISE_SIDE:
        grey.thumbnail((NOISE_SIDE, NOISE_SIDE))
    native = np.asarray(grey, dtype=np.float64)
    small = np.asarray(grey.resize((GREY_SIDE, GREY_SIDE)), dtype=np.float64)
    return (width, height, *grey_statistics(small, native))


def image_features(paths) -> dict[str, np.ndarray]:
    """Per image: width, height, mean grey level (0–255), its standard deviation, the
    mean absolute Laplacian of a 32×32 grey copy (blur lowers it), the estimated noise
    level and the principal-axis angle. NaN when unreadable."""
    from PIL import Image

    out = np.full((len(paths), len(IMAGE_FEATURES)), np.nan)
    for i, path in enumerate(paths):
        try:
            with Image.open(path) as im:
                out[i] = measure_image(im)
        except (OSError, ValueError):
            continue
    return {name: out[:, j] for j, name in enumerate(IMAGE_FEATURES)}
