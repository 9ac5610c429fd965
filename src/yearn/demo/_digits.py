"""The web → phone digits demo, built from scikit-learn's bundled handwritten digits.

The 1,797 base images (8×8) are partitioned between two sources, so the target source is
genuinely different data, not a re-draw of the training data:

* ``web`` (role train): several mildly augmented variants of each of its base images,
  upscaled to 16×16 — sharp, high contrast, nearly upright, almost no noise;
* ``phone`` (role target, the distribution the product faces): variants of the other base
  images with Gaussian blur, low contrast, a raised background, rotation and sensor noise;
  30% of them are "bad shots" (dim light, shaky hand) where heavy blur and the lowest
  contrast come together — the slice a model gets wrong most often.

Each source is a folder of PNG files plus ``manifest.csv`` (id, path, label, base_id,
source, blur, brightness, contrast, rotation, noise). A recorded share of labels is wrong
in each source; the truth is in ``truth/mislabeled.csv`` (id, true_label, given_label,
source). Everything follows from ``random_state``.
"""

from __future__ import annotations

import struct
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["DIGITS_SETTINGS", "DigitsSettings", "build_digits_data"]

IMAGE_SIZE = 16
MANIFEST_COLUMNS = [
    "id",
    "path",
    "label",
    "base_id",
    "source",
    "blur",
    "brightness",
    "contrast",
    "rotation",
    "noise",
]
METADATA_COLUMNS = ("blur", "brightness", "contrast", "rotation", "noise")


@dataclass(frozen=True)
class _Look:
    """Ranges (uniform) of the corruptions one source's images get."""

    variants: int
    rotation: float  # degrees, ± this
    scale: tuple[float, float]
    shift: float  # pixels (16×16 grid), ± this
    blur: tuple[float, float]  # Gaussian sigma in pixels
    contrast: tuple[float, float]  # factor on the stroke intensity
    brightness: tuple[float, float]  # background level added, 0..1
    noise: tuple[float, float]  # sigma of additive Gaussian noise, 0..1
    # "bad shots" (dim light, shaky hand): this share of images draws blur and contrast
    # from the ranges below instead, so blur and low contrast come together
    bad_share: float = 0.0
    bad_blur: tuple[float, float] = (0.0, 0.0)
    bad_contrast: tuple[float, float] = (1.0, 1.0)


@dataclass(frozen=True)
class DigitsSettings:
    """What the digits demo is made of; documented in docs/demo.md."""

    phone_share: float = 0.28  # share of base images given to the phone source
    label_noise: float = 0.03  # share of rows per source whose label is wrong
    web: _Look = _Look(
        variants=5,
        rotation=8.0,
        scale=(0.92, 1.08),
        shift=0.75,
        blur=(0.0, 0.3),
        contrast=(0.85, 1.0),
        brightness=(0.0, 0.05),
        noise=(0.0, 0.015),
    )
    phone: _Look = _Look(
        variants=4,
        rotation=12.0,
        scale=(0.9, 1.1),
        shift=1.0,
        blur=(0.3, 0.8),
        contrast=(0.55, 0.85),
        brightness=(0.05, 0.25),
        noise=(0.01, 0.03),
        bad_share=0.3,
        bad_blur=(1.1, 1.4),
        bad_contrast=(0.35, 0.5),
    )


DIGITS_SETTINGS = DigitsSettings()


def _partition(labels: np.ndarray, share: float, rng: np.random.Generator) -> np.ndarray:
    """Boolean mask of base images given to the phone source, stratified by digit."""
    phone = np.zeros(len(labels), dtype=bool)
    for digit in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == digit))
        phone[idx[: round(share * len(idx))]] = True
    return phone


def _render(
    bases: np.ndarray, base_ids: np.ndarray, look: _Look, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Make ``look.variants`` corrupted 16×16 variants of each 8×8 base image."""
    from scipy.ndimage import affine_transform, gaussian_filter

    which = np.repeat(np.arange(len(bases)), look.variants)
    n = len(which)
    params = {
        "rotation": rng.uniform(-look.rotation, look.rotation, n),
        "scale": rng.uniform(*look.scale, n),
        "shift_x": rng.uniform(-look.shift, look.shift, n),
        "shift_y": rng.uniform(-look.shift, look.shift, n),
        "blur": rng.uniform(*look.blur, n),
        "contrast": rng.uniform(*look.contrast, n),
        "brightness": rng.uniform(*look.brightness, n),
        "noise": rng.uniform(*look.noise, n),
    }
    bad = rng.random(n) < look.bad_share
    params["blur"][bad] = rng.uniform(*look.bad_blur, int(bad.sum()))
    params["contrast"][bad] = rng.uniform(*look.bad_contrast, int(bad.sum()))
    noise = rng.standard_normal((n, IMAGE_SIZE, IMAGE_SIZE))
    zoom = 1.75  # the 8×8 digit fills 14 of the 16 pixels before scaling
    c_in, c_out = 3.5, (IMAGE_SIZE - 1) / 2
    out = np.empty((n, IMAGE_SIZE, IMAGE_SIZE), dtype=np.float64)
    for k in range(n):
        theta = np.deg2rad(params["rotation"][k])
        cos, sin = np.cos(theta), np.sin(theta)
        # output pixel -> input pixel: undo shift, rotation, scale and the upscaling
        a = np.array([[cos, sin], [-sin, cos]]) / (zoom * params["scale"][k])
        centre = np.array([c_out + params["shift_y"][k], c_out + params["shift_x"][k]])
        img = affine_transform(
            bases[which[k]],
            a,
            offset=np.array([c_in, c_in]) - a @ centre,
            output_shape=(IMAGE_SIZE, IMAGE_SIZE),
            order=1,
            mode="constant",
            cval=0.0,
        )
        if params["blur"][k] > 0:
            img = gaussian_filter(img, params["blur"][k], mode="constant")
        out[k] = img
    out = params["brightness"][:, None, None] + params["contrast"][:, None, None] * out
    out = out + params["noise"][:, None, None] * noise
    pixels = np.round(np.clip(out, 0.0, 1.0) * 255).astype(np.uint8)
    meta = {key: params[key] for key in METADATA_COLUMNS}
    return pixels, base_ids[which], meta


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png(pixels: np.ndarray) -> bytes:
    """Encode an 8-bit grayscale image as PNG (no timestamps: same pixels, same bytes)."""
    height, width = pixels.shape
    rows = np.hstack([np.zeros((height, 1), dtype=np.uint8), pixels])  # filter byte 0
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows.tobytes(), 6))
        + _chunk(b"IEND", b"")
    )


def _write_files(files: list[tuple[Path, bytes]]) -> None:
    """Write many small files; threads overlap the file-system calls."""

    def write(item: tuple[Path, bytes]) -> None:
        item[0].write_bytes(item[1])

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(write, files))


def _write_source(
    folder: Path,
    name: str,
    pixels: np.ndarray,
    labels: np.ndarray,
    base_ids: np.ndarray,
    meta: dict[str, np.ndarray],
    rng: np.random.Generator,
) -> pd.DataFrame:
    order = rng.permutation(len(labels))  # ids reveal neither the base image nor the digit
    ids = np.array([f"{name}-{i:05d}" for i in range(len(order))])
    images = folder / "images"
    images.mkdir(parents=True, exist_ok=True)
    _write_files([(images / f"{ids[new]}.png", _png(pixels[old])) for new, old in enumerate(order)])
    frame = pd.DataFrame(
        {
            "id": ids,
            "path": [f"images/{i}.png" for i in ids],
            "label": labels[order].astype(np.int64),
            "base_id": base_ids[order],
            "source": name,
            **{key: np.round(meta[key][order], 4) for key in METADATA_COLUMNS},
        }
    )
    return frame[MANIFEST_COLUMNS]


def _plant_noise(
    frame: pd.DataFrame, share: float, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Flip ``share`` of the labels to another digit; return the frame and the truth."""
    n_wrong = round(share * len(frame))
    rows = np.sort(rng.choice(len(frame), size=n_wrong, replace=False))
    true = frame["label"].to_numpy()[rows]
    given = (true + rng.integers(1, 10, size=n_wrong)) % 10
    frame = frame.copy()
    frame.loc[frame.index[rows], "label"] = given
    truth = pd.DataFrame(
        {
            "id": frame["id"].to_numpy()[rows],
            "true_label": true,
            "given_label": given,
            "source": frame["source"].to_numpy()[rows],
        }
    )
    return frame, truth


def build_digits_data(
    folder: str | Path, *, random_state: int = 0, settings: DigitsSettings = DIGITS_SETTINGS
) -> dict[str, object]:
    """Write the digits demo data into ``folder`` (``data/`` and ``truth/``).

    Returns a description (sizes, noise counts, settings) that the caller stores as
    ``truth/demo.json``. Deterministic: the same ``random_state`` gives identical files.
    """
    from sklearn.datasets import load_digits

    folder = Path(folder)
    digits = load_digits()
    bases = digits.images.astype(np.float64) / 16.0
    labels = digits.target.astype(np.int64)
    base_ids = np.array([f"d{i:04d}" for i in range(len(labels))])
    seeds = np.random.SeedSequence(random_state).spawn(3)
    rng_split = np.random.default_rng(seeds[0])
    phone_mask = _partition(labels, settings.phone_share, rng_split)

    truths, sizes = [], {}
    for (name, look, mask), seed in zip(
        [("web", settings.web, ~phone_mask), ("phone", settings.phone, phone_mask)],
        seeds[1:],
        strict=True,
    ):
        rng = np.random.default_rng(seed)
        pixels, groups, meta = _render(bases[mask], base_ids[mask], look, rng)
        frame = _write_source(
            folder / "data" / name,
            name,
            pixels,
            np.repeat(labels[mask], look.variants),
            groups,
            meta,
            rng,
        )
        frame, truth = _plant_noise(frame, settings.label_noise, rng)
        frame.to_csv(folder / "data" / name / "manifest.csv", index=False)
        truths.append(truth)
        sizes[name] = {
            "images": len(frame),
            "base_images": int(mask.sum()),
            "mislabeled": len(truth),
        }
    (folder / "truth").mkdir(parents=True, exist_ok=True)
    pd.concat(truths, ignore_index=True).to_csv(folder / "truth" / "mislabeled.csv", index=False)
    return {"kind": "digits", "random_state": random_state, "sizes": sizes}
