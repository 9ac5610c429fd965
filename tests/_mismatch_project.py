"""A tiny image project for the mismatch tests: bars (label = orientation) in a clean
``web`` source and a ``phone`` target source that is, or is not, darker and blurred."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image
from scipy.ndimage import gaussian_filter

from yearn.scaffold import write_project_file

SIDE = 12


def bar_image(label: int, rng: np.random.Generator) -> np.ndarray:
    img = np.zeros((SIDE, SIDE))
    pos = rng.integers(3, SIDE - 3)
    if label == 0:
        img[pos - 1 : pos + 1, 2:-2] = 1.0
    else:
        img[2:-2, pos - 1 : pos + 1] = 1.0
    return img


def write_source(folder: Path, name: str, n: int, rng, *, shifted: bool) -> None:
    (folder / "images").mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(n):
        label = int(rng.integers(0, 2))
        img = bar_image(label, rng)
        if shifted:
            img = 0.25 + 0.45 * gaussian_filter(img, 1.0) + 0.03 * rng.standard_normal(img.shape)
        else:
            img = 0.9 * img + 0.01 * rng.standard_normal(img.shape)
        pixels = np.round(np.clip(img, 0, 1) * 255).astype(np.uint8)
        path = f"images/{name}-{i:04d}.png"
        Image.fromarray(pixels).save(folder / path)
        rows.append({"id": f"{name}-{i:04d}", "path": path, "label": label, "g": f"{name}{i}"})
    pd.DataFrame(rows).to_csv(folder / "manifest.csv", index=False)


def make_image_project(root: Path, *, shifted: bool, n_train: int = 120, n_target: int = 120):
    rng = np.random.default_rng(0)
    write_source(root / "data" / "web", "web", n_train, rng, shifted=False)
    write_source(root / "data" / "phone", "phone", n_target, rng, shifted=shifted)
    write_project_file(
        root,
        task="binary",
        label="label",
        id_column="id",
        group_column="g",
        image_column="path",
        sources=[
            {"name": "web", "path": "data/web/manifest.csv", "role": "train", "format": "csv"},
            {"name": "phone", "path": "data/phone/manifest.csv", "role": "target", "format": "csv"},
        ],
        metric="error",
    )
    return root
