"""Out-of-fold probabilities for a whole project (``yearn label-issues --project DIR``).

A small private adapter until :mod:`yearn.data` / :mod:`yearn.train` offer K-fold training
of the project's model: it reads the CSV / Parquet sources named in ``yearn.toml``,
takes the configured feature columns (else every numeric column that is not the id,
label, group or metadata), or, for image projects, the pixels of each image (grey,
resized to 16x16), and scores every row with scikit-learn ``cross_val_predict``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from yearn.errors import ConfigError, DataError
from yearn.labels._oof import out_of_fold_proba
from yearn.predictions import Predictions, load_predictions

__all__ = ["project_out_of_fold"]

_IMAGE_PX = 16


def _read_sources(cfg: Any) -> pd.DataFrame:
    frames = []
    for src in cfg.sources:
        path = Path(src.path)
        suffix = path.suffix.lower()
        if suffix == ".parquet":
            frame = pd.read_parquet(path)
        elif suffix == ".csv":
            frame = pd.read_csv(path)
        else:
            raise ConfigError(
                f"{path}: --project reads CSV / Parquet sources (a manifest for images); "
                "otherwise write a predictions table with out-of-fold proba: columns and pass "
                "--predictions."
            )
        frame["source"] = src.name
        frame["_base"] = str(path.parent)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _pixels(frame: pd.DataFrame, column: str) -> np.ndarray:
    from PIL import Image

    out = np.empty((len(frame), _IMAGE_PX * _IMAGE_PX), dtype=np.float32)
    for i, (rel, base) in enumerate(zip(frame[column], frame["_base"], strict=True)):
        path = Path(str(rel))
        path = path if path.is_absolute() else Path(base) / path
        try:
            with Image.open(path) as img:
                grey = img.convert("L").resize((_IMAGE_PX, _IMAGE_PX))
        except OSError as exc:
            raise DataError(f"row {i + 2}: cannot read image {path} ({exc}).") from None
        out[i] = np.asarray(grey, dtype=np.float32).ravel() / 255.0
    return out


def _screened(frame: pd.DataFrame, cfg: Any) -> pd.DataFrame:
    """Without the columns the data profile flagged as leaky or id-like (unless kept):
    the out-of-fold model sees the features every other model sees."""
    from yearn.data import kept_columns, read_screen

    flagged = (read_screen(cfg.root) or {}).get("flagged") or {}
    named = {cfg.label_column, cfg.id_column, cfg.group_column, cfg.image_column}
    keep = set(kept_columns(cfg)) | named | set(cfg.metadata_columns)
    return frame.drop(columns=[c for c in flagged if c in frame and c not in keep])


def _splits_of(cfg: Any, ids: pd.Series) -> np.ndarray:
    """Each row's split in the project's manifest (``train`` without one), so the flags
    of dev and test rows are said as such."""
    from yearn.paths import ProjectPaths
    from yearn.splits import load_manifest

    if not ProjectPaths(cfg.root).manifest.is_file():
        return np.full(len(ids), "train", dtype=object)
    table = load_manifest(cfg.root).table
    mapping = dict(zip(table["id"].astype(str), table["split"].astype(str), strict=True))
    return ids.astype(str).map(mapping).fillna("train").to_numpy(dtype=object)


def project_out_of_fold(
    project: str | Path,
    *,
    n_splits: int = 5,
    random_state: int = 0,
    estimator: Any = None,
) -> Predictions:
    """A predictions table of K-fold out-of-fold probabilities over every labelled row,
    each in its split of the manifest (``train`` without one)."""
    from yearn.config import load_config

    cfg = load_config(project)
    frame = _read_sources(cfg)
    label = cfg.label_column
    if label not in frame:
        raise DataError(f"label column {label!r} not found in the sources of {cfg.path}.")
    frame = frame[frame[label].notna()].reset_index(drop=True)
    frame = _screened(frame, cfg)
    id_col = cfg.id_column or "id"
    if id_col not in frame:
        frame[id_col] = [f"row-{i}" for i in range(len(frame))]
    if cfg.image_column:
        X = _pixels(frame, cfg.image_column)
    else:
        skip = {id_col, label, cfg.group_column, "source", "_base", *cfg.metadata_columns}
        cols = list(cfg.feature_columns) or [
            c for c in frame if c not in skip and pd.api.types.is_numeric_dtype(frame[c])
        ]
        if not cols:
            raise DataError(f"{cfg.path}: no numeric feature columns; set project.feature_columns.")
        X = frame[cols].to_numpy(dtype=float)
        if np.isinf(X).any():
            row = int(np.flatnonzero(np.isinf(X).any(axis=1))[0])
            raise DataError(f"row {row + 2}: a feature is infinite; fix that value first.")
        missing = np.isnan(X)
        if missing.any():  # empty cells: the column's median (label-free, so no leak)
            medians = np.nanmedian(np.where(missing.all(axis=0), 0.0, X), axis=0)
            X = np.where(missing, medians, X)
    y = frame[label].astype(str).to_numpy()
    proba, classes = out_of_fold_proba(
        X, y, estimator=estimator, n_splits=n_splits, random_state=random_state
    )
    out = pd.DataFrame({"id": frame[id_col].to_numpy(), "split": "train", "label": y})
    out["split"] = _splits_of(cfg, out["id"])
    for i, c in enumerate(classes):
        out[f"proba:{c}"] = proba[:, i]
    out["source"] = frame["source"].to_numpy()
    for c in cfg.metadata_columns:
        if c in frame:
            out[c] = frame[c].to_numpy()
    return load_predictions(out)
