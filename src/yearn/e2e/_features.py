"""Hand-designed features: classic image descriptors, and the user's own features function.

Image descriptors (a few lines of numpy, no image library): first the background is
taken out (:func:`subtract_background`: each image's median level set to 0, the object's
side of it stretched to [0, 1]), then a histogram of oriented gradients per cell
(unsigned orientations, magnitude-weighted, each cell's histogram normalised), the
intensity profile (mean brightness of every row and column, z-scored per image) and the
edge profile (mean gradient magnitude of every row and column, divided by its mean per
image).

The user's features function (the **features contract**): a Python function that takes a
pandas DataFrame of the raw feature columns (one row per example, in the data's order) and
returns a numeric DataFrame or 2-D array with the same number of rows. It is named
``path/to/my_features.py:make_features`` (a file) or ``package.module:make_features``
(an importable module).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from yearn.errors import ConfigError, DataError

__all__ = [
    "apply_features",
    "image_descriptors",
    "load_features_function",
    "subtract_background",
]


def _gradients(img: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Central-difference gradients (N, H, W) in y and x, edges replicated."""
    padded = np.pad(img, ((0, 0), (1, 1), (1, 1)), mode="edge")
    gy = (padded[:, 2:, 1:-1] - padded[:, :-2, 1:-1]) / 2.0
    gx = (padded[:, 1:-1, 2:] - padded[:, 1:-1, :-2]) / 2.0
    return gy, gx


def subtract_background(x: np.ndarray) -> np.ndarray:
    """Grey images ``(N, H, W)`` with the background taken out: the median level of each
    image (its background, when the object covers less than half of it) becomes 0, the
    object's side (the brighter or the darker tail, whichever reaches farther: dark
    strokes on paper are flipped) is scaled so its 99th percentile is 1, and the other
    side is clipped to 0.

    Why: a photo's raised background, lower contrast and sensor noise then stop mattering
    (the noise below the median is cut, the rest is scaled with the object). On the
    digits demo (web training images, phone dev photos) it lowers the pipeline's dev
    error by about 0.03 at 1,000 images (docs/e2e.md). It assumes an object on a plain
    background (digits, scans, products on a table); pass ``background="keep"`` to
    :func:`image_descriptors` for textured scenes."""
    flat = x.reshape(len(x), -1)
    low, mid, high = np.percentile(flat, [1, 50, 99], axis=1)
    dark = (mid - low) > (high - mid)  # the object is darker than its background
    span = np.where(dark, mid - low, high - mid)
    sign = np.where(dark, -1.0, 1.0)
    out = sign[:, None, None] * (x - mid[:, None, None]) / (span[:, None, None] + 1e-3)
    return np.clip(out, 0.0, 1.0)


def image_descriptors(
    images: np.ndarray, *, cell: int = 4, bins: int = 9, background: str = "subtract"
) -> np.ndarray:
    """Descriptors of images ``(N, C, H, W)`` (or ``(N, H, W)``) in [0, 1]: after
    :func:`subtract_background` (``background="subtract"``; ``"keep"`` skips it), HOG with
    ``cell`` × ``cell`` pixel cells and ``bins`` orientations, then the intensity and edge
    profiles of rows and columns (each normalised per image). Colour images are averaged to
    grey first. The 4-pixel cells suit small images (16×16: a 4×4 grid of cells, the
    stroke-scale detail of a digit); give a larger ``cell`` for larger images."""
    x = np.asarray(images, dtype=np.float64)
    if x.ndim == 4:
        x = x.mean(axis=1)
    if x.ndim != 3:
        raise DataError(f"images must be (N, C, H, W) or (N, H, W); got shape {x.shape}.")
    if background not in ("subtract", "keep"):
        raise ValueError(f"background must be 'subtract' or 'keep'; got {background!r}")
    if background == "subtract":
        x = subtract_background(x)
    n, h, w = x.shape
    if h < cell or w < cell:
        raise DataError(f"images of {h}x{w} pixels are smaller than one {cell}x{cell} cell.")
    gy, gx = _gradients(x)
    magnitude = np.hypot(gx, gy)
    angle = np.mod(np.arctan2(gy, gx), np.pi)  # unsigned orientation in [0, pi)
    which = np.minimum((angle / np.pi * bins).astype(int), bins - 1)
    ch, cw = h // cell, w // cell
    hist = np.zeros((n, ch, cw, bins))
    for b in range(bins):
        m = np.where(which == b, magnitude, 0.0)[:, : ch * cell, : cw * cell]
        hist[..., b] = m.reshape(n, ch, cell, cw, cell).sum(axis=(2, 4))
    hist /= np.sqrt((hist**2).sum(axis=-1, keepdims=True) + 1e-6)
    # profiles normalised per image: brightness and contrast do not move them
    intensity = np.concatenate([x.mean(axis=2), x.mean(axis=1)], axis=1)
    intensity = (intensity - intensity.mean(1, keepdims=True)) / (
        intensity.std(1, keepdims=True) + 1e-6
    )
    edges = np.concatenate([magnitude.mean(axis=2), magnitude.mean(axis=1)], axis=1)
    edges = edges / (edges.mean(1, keepdims=True) + 1e-6)
    parts = [hist.reshape(n, -1), intensity, edges]
    return np.concatenate(parts, axis=1).astype(np.float32)


def _load_module(spec_text: str, module_part: str) -> Any:
    path = Path(module_part)
    if module_part.endswith(".py") or path.is_file():
        if not path.is_file():
            raise ConfigError(
                f"features function {spec_text!r}: file {path} not found; give a path to a "
                ".py file (relative to where you run yearn) or an importable module name."
            )
        name = f"yearn_user_features_{abs(hash(str(path.resolve())))}"
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise ConfigError(f"features function {spec_text!r}: {path} is not a Python file.")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except Exception as exc:
            sys.modules.pop(name, None)
            raise ConfigError(
                f"features function {spec_text!r}: importing {path} failed "
                f"({type(exc).__name__}: {exc}); fix the file and run again."
            ) from exc
        return module
    try:
        return importlib.import_module(module_part)
    except ImportError as exc:
        raise ConfigError(
            f"features function {spec_text!r}: module {module_part!r} cannot be imported "
            f"({exc}); give a path to a .py file or put the module on PYTHONPATH."
        ) from exc


def load_features_function(spec: str | Callable[..., Any]) -> Callable[[pd.DataFrame], Any]:
    """The features function named ``FILE.py:FUNCTION`` or ``MODULE:FUNCTION`` (a callable
    is returned as it is)."""
    if callable(spec):
        return spec
    module_part, sep, func_name = str(spec).rpartition(":")
    if not sep or not module_part or not func_name:
        raise ConfigError(
            f"features function {spec!r}: write it as FILE.py:FUNCTION or MODULE:FUNCTION "
            "(e.g. my_features.py:make_features)."
        )
    module = _load_module(str(spec), module_part)
    func = getattr(module, func_name, None)
    if not callable(func):
        raise ConfigError(
            f"features function {spec!r}: {module_part} has no function {func_name!r}; "
            "define def make_features(frame): ... returning one numeric row per input row."
        )
    return func


def apply_features(
    func: Callable[[pd.DataFrame], Any], frame: pd.DataFrame, ids: Any = None
) -> np.ndarray:
    """``func(frame)`` checked against the features contract, as a float array (N, F)."""
    name = getattr(func, "__name__", "the features function")
    try:
        out = func(frame.copy())
    except Exception as exc:
        raise DataError(
            f"{name} raised {type(exc).__name__}: {exc} (it receives a DataFrame of the raw "
            f"feature columns {', '.join(map(str, frame.columns))}); fix the function."
        ) from exc
    if isinstance(out, pd.Series):
        out = out.to_frame()
    if isinstance(out, pd.DataFrame):
        bad = [c for c in out.columns if not pd.api.types.is_numeric_dtype(out[c])]
        if bad:
            raise DataError(
                f"{name} returned non-numeric column(s) {', '.join(map(str, bad))}; return "
                "numbers only (encode categories yourself)."
            )
        out = out.to_numpy(dtype=np.float64)
    arr = np.asarray(out, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or len(arr) != len(frame):
        raise DataError(
            f"{name} returned shape {arr.shape} for {len(frame)} rows; return one row of "
            "numbers per input row (a DataFrame or a 2-D array)."
        )
    if not np.isfinite(arr).all():
        row = int(np.flatnonzero(~np.isfinite(arr).all(axis=1))[0])
        which = f"example {ids[row]!r}" if ids is not None else f"row {row}"
        raise DataError(f"{name} returned NaN or inf for {which}; impute inside the function.")
    return arr
