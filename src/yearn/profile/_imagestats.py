"""Cheap per-image features (size, brightness, contrast, sharpness) read with PIL."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

__all__ = ["IMAGE_FEATURES", "image_features"]

IMAGE_FEATURES = ("width", "height", "brightness", "contrast", "sharpness")


def image_features(paths) -> dict[str, np.ndarray]:
    """Per image: width, height, mean grey level (0–255), its standard deviation and the
    mean absolute Laplacian of a 32×32 grey copy (blur lowers it). NaN when unreadable."""
    from PIL import Image

    out = np.full((len(paths), len(IMAGE_FEATURES)), np.nan)
    for i, path in enumerate(paths):
        try:
            with Image.open(path) as im:
                width, height = im.width, im.height
                im.draft("L", (64, 64))
                grey = np.asarray(im.convert("L").resize((32, 32)), dtype=np.float64)
        except (OSError, ValueError):
            continue
        sharp = float(np.abs(ndimage.laplace(grey)).mean())
        out[i] = (width, height, grey.mean(), grey.std(), sharp)
    return {name: out[:, j] for j, name in enumerate(IMAGE_FEATURES)}
