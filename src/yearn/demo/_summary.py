"""What a demo project holds: sizes per source, classes, metadata ranges, planted noise."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from yearn.config import load_config
from yearn.errors import DataError

__all__ = [
    "DemoSummary",
    "ImageQuality",
    "SourceSummary",
    "edge_sharpness",
    "image_quality",
    "summarize_demo",
]


@dataclass(frozen=True)
class ImageQuality:
    """Pixel statistics of a sample of images (intensities in [0, 1])."""

    images: int
    sharpness: float  # mean edge sharpness (see edge_sharpness): lower = blurrier
    contrast: float  # mean per-image standard deviation of the pixels
    brightness: float  # mean pixel intensity


@dataclass(frozen=True)
class SourceSummary:
    """One source of a demo project."""

    name: str
    role: str
    rows: int
    groups: int | None
    classes: dict[str, int]
    ranges: dict[str, tuple[float, float]]
    mislabeled: int
    mislabeled_share: float
    quality: ImageQuality | None = None


@dataclass(frozen=True)
class DemoSummary:
    """A demo project: where it is, its task, and its sources."""

    project: str
    name: str
    kind: str
    task: str
    label: str
    random_state: int | None
    sources: list[SourceSummary] = field(default_factory=list)
    notes: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        return asdict(self)

    def _repr_html_(self) -> str:
        from yearn.demo._display import summary_html

        return summary_html(self)


def _load_gray(path: Path) -> np.ndarray:
    from PIL import Image

    try:
        with Image.open(path) as img:
            return np.asarray(img.convert("L"), dtype=np.float64) / 255.0
    except OSError as exc:
        raise DataError(f"{path}: cannot decode the image ({exc}).") from None


def edge_sharpness(image: np.ndarray) -> float:
    """Steepness of the edges: 95th percentile of the Sobel gradient over the intensity range.

    A 3×3 median filter first removes pixel noise (which would otherwise read as
    sharpness); blur lowers the value, contrast does not change it.
    """
    from scipy.ndimage import median_filter, sobel

    img = median_filter(np.asarray(image, dtype=np.float64), size=3, mode="nearest")
    spread = float(np.percentile(img, 99) - np.percentile(img, 1))
    if spread <= 1e-6:
        return 0.0
    grad = np.hypot(sobel(img, 0, mode="nearest"), sobel(img, 1, mode="nearest"))
    return float(np.percentile(grad, 95)) / spread


def image_quality(paths: list[Path] | list[str], *, max_images: int = 400) -> ImageQuality:
    """Edge sharpness, contrast (pixel std) and brightness of up to ``max_images`` images."""
    paths = list(paths)
    if not paths:
        raise DataError("image_quality: no image paths given.")
    step = max(1, len(paths) // max_images)
    images = [_load_gray(Path(p)) for p in paths[::step][:max_images]]
    return ImageQuality(
        images=len(images),
        sharpness=float(np.mean([edge_sharpness(img) for img in images])),
        contrast=float(np.mean([img.std() for img in images])),
        brightness=float(np.mean([img.mean() for img in images])),
    )


def summarize_demo(project: str | Path, *, image_sample: int = 400) -> DemoSummary:
    """Summarise a demo project made by ``make_digits_demo`` / ``make_tabular_demo``."""
    config = load_config(project)
    root = config.root
    info_path = root / "truth" / "demo.json"
    info: dict[str, Any] = {}
    if info_path.exists():
        info = json.loads(info_path.read_text(encoding="utf-8"))
    truth_path = root / "truth" / "mislabeled.csv"
    truth = pd.read_csv(truth_path, dtype={"id": str}) if truth_path.exists() else None
    label = config.label_column
    range_columns = list(config.metadata_columns) + list(info.get("geo_columns", []))
    if info.get("leaky_column"):
        range_columns.append(info["leaky_column"])

    sources = []
    for source in config.sources:
        if not source.path.exists():
            raise DataError(
                f"{source.path}: source {source.name!r} is missing; re-create the demo."
            )
        frame = pd.read_csv(source.path, dtype={config.id_column or "id": str})
        counts = frame[label].astype(str).value_counts().sort_index()
        wrong = 0
        if truth is not None and config.id_column:
            wrong = int(truth["id"].isin(frame[config.id_column]).sum())
        quality = None
        if config.image_column and config.image_column in frame:
            base = source.path.parent
            quality = image_quality(
                [base / p for p in frame[config.image_column]], max_images=image_sample
            )
        sources.append(
            SourceSummary(
                name=source.name,
                role=source.role,
                rows=len(frame),
                groups=(
                    int(frame[config.group_column].nunique())
                    if config.group_column and config.group_column in frame
                    else None
                ),
                classes={str(k): int(v) for k, v in counts.items()},
                ranges={
                    c: (float(frame[c].min()), float(frame[c].max()))
                    for c in range_columns
                    if c in frame
                },
                mislabeled=wrong,
                mislabeled_share=wrong / len(frame) if len(frame) else 0.0,
                quality=quality,
            )
        )
    notes = {k: v for k, v in info.items() if k not in {"kind", "random_state", "sizes", "version"}}
    return DemoSummary(
        project=str(root),
        name=config.name,
        kind=str(info.get("kind", "unknown")),
        task=config.task,
        label=label,
        random_state=info.get("random_state"),
        sources=sources,
        notes=notes,
    )
