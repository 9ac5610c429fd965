"""``ImageNormalizer``: images → float32 tensors normalised with the training set's
per-channel mean and standard deviation (saved as JSON)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from yearn._io import atomic_write_json
from yearn.errors import DataError

__all__ = ["ImageNormalizer"]

CONFIG_NAME = "image_norm.json"
FORMAT = "yearn.prep.images/1"


def _as_nchw(images: Any, channels_last: bool | None) -> np.ndarray:
    """``images`` (N×H×W, N×H×W×C or N×C×H×W; uint8 0–255 or float 0–1) as float32 N×C×H×W
    in [0, 1]."""
    if hasattr(images, "detach"):  # a torch tensor
        images = images.detach().cpu().numpy()
    arr = np.asarray(images)
    if arr.dtype == object or arr.ndim not in (3, 4) or arr.shape[0] == 0:
        raise DataError(
            f"images must be an array N×H×W, N×H×W×C or N×C×H×W; got shape "
            f"{getattr(arr, 'shape', None)} ({arr.dtype}). Load files with "
            "yearn.data.load_images first."
        )
    scale = 255.0 if arr.dtype == np.uint8 else 1.0
    arr = arr.astype(np.float32) / scale
    if not np.isfinite(arr).all():
        raise DataError("images contain NaN or infinite values; fix or drop those images.")
    if arr.ndim == 3:
        return arr[:, None]
    if channels_last is None:
        channels_last = arr.shape[-1] in (1, 3, 4) and arr.shape[1] not in (1, 3, 4)
    return np.ascontiguousarray(arr.transpose(0, 3, 1, 2)) if channels_last else arr


class ImageNormalizer(TransformerMixin, BaseEstimator):
    """Per-channel standardisation of images with statistics of the training images.

    ``fit`` learns ``mean_`` and ``std_`` (one per channel, images scaled to [0, 1]);
    ``transform`` returns float32 N×C×H×W arrays (``as_tensor=True``: torch tensors).
    """

    def __init__(
        self, *, channels_last: bool | None = None, as_tensor: bool = False, eps: float = 1e-6
    ):
        self.channels_last = channels_last
        self.as_tensor = as_tensor
        self.eps = eps

    def fit(self, X, y=None):
        arr = _as_nchw(X, self.channels_last)
        self.n_channels_ = int(arr.shape[1])
        self.mean_ = arr.mean(axis=(0, 2, 3), dtype=np.float64)
        self.std_ = arr.std(axis=(0, 2, 3), dtype=np.float64)
        return self

    def transform(self, X):
        check_is_fitted(self, "mean_")
        arr = _as_nchw(X, self.channels_last)
        if arr.shape[1] != self.n_channels_:
            raise DataError(
                f"images have {arr.shape[1]} channel(s); the normaliser was fitted "
                f"on {self.n_channels_}. Convert them (e.g. to RGB) first."
            )
        out = (
            (arr - self.mean_[None, :, None, None]) / (self.std_[None, :, None, None] + self.eps)
        ).astype(np.float32)
        if self.as_tensor:
            import torch

            return torch.from_numpy(out)
        return out

    def save(self, directory: str | Path) -> Path:
        """Write ``image_norm.json`` (parameters, per-channel mean and std)."""
        check_is_fitted(self, "mean_")
        atomic_write_json(
            Path(directory) / CONFIG_NAME,
            {
                "format": FORMAT,
                "params": self.get_params(),
                "n_channels": self.n_channels_,
                "mean": [float.hex(float(v)) for v in self.mean_],
                "std": [float.hex(float(v)) for v in self.std_],
            },
        )
        return Path(directory)

    @classmethod
    def load(cls, directory: str | Path) -> ImageNormalizer:
        path = Path(directory) / CONFIG_NAME
        try:
            config = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise DataError(f"{path}: cannot read the saved image normaliser ({exc}).") from None
        if not isinstance(config, dict) or config.get("format") != FORMAT:
            raise DataError(f"{path}: not a yearn image normaliser.")
        obj = cls(**config["params"])
        obj.n_channels_ = int(config["n_channels"])
        obj.mean_ = np.array([float.fromhex(v) for v in config["mean"]])
        obj.std_ = np.array([float.fromhex(v) for v in config["std"]])
        return obj
