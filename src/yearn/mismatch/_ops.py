"""Image distortions applied to float images in [0, 1] (``(H, W)`` grey or ``(H, W, C)``),
in camera order: rotate, blur, contrast, brightness, noise, jpeg."""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np

from yearn.errors import ConfigError

__all__ = ["IMAGE_OPS", "apply_ops", "check_ops", "draw_params"]

IMAGE_OPS = ("rotate", "blur", "contrast", "brightness", "noise", "jpeg")


def check_ops(ops: Sequence[str]) -> tuple[str, ...]:
    """The ops in camera order; ConfigError naming an unknown one."""
    ops = [o.strip() for o in ops if o.strip()]
    unknown = [o for o in ops if o not in IMAGE_OPS]
    if unknown or not ops:
        raise ConfigError(
            (f"unknown image op {unknown[0]!r}" if unknown else "no image op given")
            + f"; choose from {', '.join(IMAGE_OPS)} (e.g. --ops blur,contrast,noise)."
        )
    return tuple(o for o in IMAGE_OPS if o in ops)


def draw_params(
    ops: Sequence[str], n: int, side: int, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """``n`` parameter draws per op from a broad prior (the fit then picks among them):
    rotation ±20°, blur sigma up to a tenth of the smaller side, contrast ×0.3–1.2,
    brightness ±0.3, noise sigma up to 0.08, JPEG quality 10–95."""
    prior = {
        "rotate": lambda: rng.uniform(-20.0, 20.0, n),
        "blur": lambda: rng.uniform(0.0, max(side / 10.0, 0.5), n),
        "contrast": lambda: rng.uniform(0.3, 1.2, n),
        "brightness": lambda: rng.uniform(-0.3, 0.3, n),
        "noise": lambda: rng.uniform(0.0, 0.08, n),
        "jpeg": lambda: np.round(rng.uniform(10, 95, n)),
    }
    return {op: prior[op]() for op in ops}


def _jpeg(img: np.ndarray, quality: int) -> np.ndarray:
    from PIL import Image

    pixels = np.round(np.clip(img, 0, 1) * 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="JPEG", quality=int(quality))
    buf.seek(0)
    with Image.open(buf) as im:
        return np.asarray(im, dtype=np.float64) / 255.0


def apply_ops(img: np.ndarray, params: dict[str, float], rng: np.random.Generator) -> np.ndarray:
    """One distorted copy of ``img`` with one value per op in ``params``."""
    from scipy import ndimage

    out = np.asarray(img, dtype=np.float64)
    spatial = (1.0, 1.0) if out.ndim == 2 else (1.0, 1.0, 0.0)
    if "rotate" in params:
        out = ndimage.rotate(
            out, params["rotate"], axes=(1, 0), reshape=False, order=1, mode="nearest"
        )
    if params.get("blur", 0.0) > 0:
        out = ndimage.gaussian_filter(out, [s * params["blur"] for s in spatial], mode="nearest")
    if "contrast" in params:
        mean = out.mean()
        out = mean + params["contrast"] * (out - mean)
    if "brightness" in params:
        out = out + params["brightness"]
    if params.get("noise", 0.0) > 0:
        out = out + params["noise"] * rng.standard_normal(out.shape)
    out = np.clip(out, 0.0, 1.0)
    if "jpeg" in params:
        out = _jpeg(out, int(params["jpeg"]))
    return out
