"""Turn the inputs of :func:`yearn.fit` into per-split arrays.

Accepted inputs:

- a :class:`TrainData` (already prepared);
- a ``yearn.data.Dataset`` plus ``splits``: the split manifest (DataFrame with ``id`` and
  ``split``) or a mapping split → row indices;
- a mapping split → ``(X, y)`` arrays (``X`` (N, ...) features or images, ``y`` labels;
  ``y`` of shape (N, T) with NaN for unknown entries means multi-label).

A Dataset's inputs are prepared with ``yearn.prep`` fitted on the train split only
(tables: ``TabularPreprocessor`` — median + missing indicator + standardisation, one-hot
categories, TF-IDF text; images: ``ImageNormalizer`` — per-channel standardisation); the
fitted preprocessor travels in ``TrainData.preprocessor`` and is saved with the run. When
``yearn.prep`` is unavailable, :func:`standardise` (z-scores + one-hot) stands in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from yearn._validation import first_nonfinite_row
from yearn.errors import DataError, TrainingError
from yearn.predictions import SPLITS

__all__ = ["SplitData", "TrainData", "make_train_data", "split_indices"]

TASKS = ("binary", "multiclass", "multilabel", "regression")


@dataclass
class SplitData:
    """One split: inputs ``x`` (N, ...), targets ``y``, ``ids`` and metadata to carry."""

    x: np.ndarray
    y: np.ndarray  # (N,) int64 class index | (N,) float regression | (N, T) float, NaN = unknown
    ids: np.ndarray
    meta: pd.DataFrame = field(default_factory=pd.DataFrame)

    def __len__(self) -> int:
        return len(self.x)


@dataclass
class TrainData:
    """All splits of one task; ``classes`` are class names (or task names, multi-label)."""

    task: str
    classes: tuple[str, ...]
    splits: dict[str, SplitData]
    preprocessor: Any = None  # fitted on train; has save(directory) when from yearn.prep
    #: the dataset columns the inputs come from (empty for arrays); recorded with each run
    columns: tuple[str, ...] = ()
    #: flagged columns the feature screen left out (→ the profile's reason)
    excluded_columns: dict[str, str] = field(default_factory=dict)

    @property
    def n_outputs(self) -> int:
        """Outputs a model needs: classes, tasks, or 1 for regression."""
        return 1 if self.task == "regression" else len(self.classes)

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.splits["train"].x.shape[1:])

    def labels_as_text(self, split: str) -> np.ndarray:
        """Labels of a single-label split as the strings of the predictions table."""
        y = self.splits[split].y
        if self.task == "regression":
            return y
        return np.asarray(self.classes, dtype=object)[y]


def make_train_data(data: Any, *, splits: Any = None, task: str | None = None) -> TrainData:
    """Normalise any accepted input (see the module docstring) into :class:`TrainData`."""
    if isinstance(data, TrainData):
        prepared = data
    elif isinstance(data, Mapping):
        prepared = _from_arrays(data, task)
    elif hasattr(data, "frame") and hasattr(data, "label_columns"):
        prepared = _from_dataset(data, splits, task)
    else:
        raise DataError(
            f"fit() got data of type {type(data).__name__}; pass a yearn Dataset with its "
            "splits, or a dict like {'train': (X, y), 'dev': (X, y)}."
        )
    if "train" not in prepared.splits or len(prepared.splits["train"]) == 0:
        raise DataError("the train split is empty; a model needs training examples.")
    if prepared.task in ("binary", "multiclass"):
        seen = np.unique(prepared.splits["train"].y)
        if len(seen) < 2:
            only = prepared.classes[int(seen[0])] if len(seen) else "none"
            raise DataError(
                f"the train split holds one class only ({only!r}); a classifier needs "
                "examples of at least two classes — check the labels or the split."
            )
    return prepared


# -- arrays ---------------------------------------------------------------------------
def _from_arrays(data: Mapping[str, Any], task: str | None) -> TrainData:
    unknown = sorted(set(data) - set(SPLITS))
    if unknown:
        raise DataError(f"unknown split {unknown[0]!r}; splits are {', '.join(SPLITS)}.")
    raw: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for name, pair in data.items():
        if not isinstance(pair, tuple | list) or len(pair) != 2:
            raise DataError(f"split {name!r}: give a pair (X, y); got {type(pair).__name__}.")
        x = np.asarray(pair[0], dtype=np.float32)
        y = np.asarray(pair[1])
        if len(x) != len(y):
            raise DataError(f"split {name!r}: X has {len(x)} rows but y has {len(y)}.")
        if x.ndim == 1:
            x = x[:, None]
        row = first_nonfinite_row(x)
        if row is not None:
            raise DataError(f"split {name!r}: X row {row} holds NaN or inf; impute it first.")
        raw[name] = (x, y)
    if "train" not in raw:
        raise DataError("no 'train' split given; pass {'train': (X, y), ...}.")
    y_train = raw["train"][1]
    if task is None:
        if y_train.ndim == 2:
            task = "multilabel"
        elif y_train.dtype.kind == "f" and not np.all(
            np.mod(y_train[np.isfinite(y_train)], 1) == 0
        ):
            task = "regression"
        else:
            task = "binary" if len(np.unique(y_train)) == 2 else "multiclass"
    if task not in TASKS:
        raise DataError(f"task must be one of {', '.join(TASKS)}; got {task!r}.")
    if task == "multilabel":
        classes = tuple(f"task{i}" for i in range(y_train.shape[1]))
    elif task == "regression":
        classes = ()
    else:
        # the distinct values first (hashing), then their text: one str() per class
        distinct = y_train if y_train.dtype.kind == "O" else pd.unique(y_train)
        classes = tuple(sorted({str(v) for v in distinct}, key=_natural))
    out = {}
    for name, (x, y) in raw.items():
        ids = np.asarray([f"{name}-{i}" for i in range(len(x))], dtype=object)
        out[name] = SplitData(x, _encode_labels(y, task, classes, name), ids)
    return TrainData(task, classes, out)


def _natural(text: str) -> tuple[int, float | str]:
    try:
        return (0, float(text))
    except ValueError:
        return (1, text)


def _encode_labels(y: np.ndarray, task: str, classes: tuple[str, ...], where: str) -> np.ndarray:
    if task == "multilabel":
        y = np.asarray(y, dtype=np.float32)
        if y.ndim != 2 or y.shape[1] != len(classes):
            raise DataError(f"{where}: multi-label y must have shape (N, {len(classes)}).")
        ok = np.isnan(y) | (y == 0) | (y == 1)
        if not ok.all():
            row, col = np.argwhere(~ok)[0]
            raise DataError(
                f"{where}: row {row}, task {classes[col]}: label {y[row, col]!r}; use 1, 0 or NaN."
            )
        return y
    if task == "regression":
        y = np.asarray(y, dtype=np.float32).reshape(-1)
        if not np.isfinite(y).all():
            raise DataError(
                f"{where}: row {int(np.flatnonzero(~np.isfinite(y))[0])}: label is NaN or inf."
            )
        return y
    lookup = {c: i for i, c in enumerate(classes)}
    flat = np.asarray(y).reshape(-1)
    if flat.dtype.kind == "O":  # mixed Python objects (1 and 1.0 hash alike): row by row
        codes, uniques = np.arange(len(flat)), flat
    else:  # the text of each distinct value, looked up once (not once per row)
        codes, uniques = pd.factorize(flat, use_na_sentinel=False)
    table = np.fromiter((lookup.get(str(u), -1) for u in uniques), dtype=np.int64)
    idx = table[codes] if len(codes) else np.zeros(0, dtype=np.int64)
    if (idx < 0).any():
        row = int(np.flatnonzero(idx < 0)[0])
        raise DataError(
            f"{where}: row {row}: label {str(flat[row])!r} is not a "
            "class seen in train "
            f"({', '.join(classes)}); fix the label or move such examples into train."
        )
    return idx


# -- Dataset --------------------------------------------------------------------------
def split_indices(dataset: Any, splits: Any) -> dict[str, np.ndarray]:
    """Row indices of each split of ``dataset``: from a manifest, its table or a mapping."""
    if splits is None:
        raise DataError(
            "a Dataset needs its splits: pass splits=<manifest DataFrame with id and split> "
            "(yearn.splits.load_manifest) or {'train': indices, 'dev': indices}."
        )
    if hasattr(splits, "indices") and hasattr(splits, "table"):  # a yearn.splits.SplitManifest
        found = splits.indices(dataset.ids)
        return {s: np.asarray(i, dtype=np.int64) for s, i in found.items() if len(i)}
    if isinstance(splits, pd.DataFrame):
        if not {"id", "split"} <= set(splits.columns):
            raise DataError("the split manifest needs columns 'id' and 'split'.")
        ids = pd.Series(np.asarray(dataset.ids).astype(str))
        where = dict(zip(splits["id"].astype(str), splits["split"].astype(str), strict=False))
        assigned = ids.map(where)
        if assigned.isna().all():
            raise DataError(
                "no example of the dataset is in the split manifest; re-run 'yearn split'."
            )
        return {
            s: np.flatnonzero((assigned == s).to_numpy()) for s in SPLITS if (assigned == s).any()
        }
    return {str(k): np.asarray(v, dtype=np.int64) for k, v in dict(splits).items()}


def _from_dataset(dataset: Any, splits: Any, task: str | None) -> TrainData:
    frame: pd.DataFrame = dataset.frame
    task = task or getattr(dataset, "task", None)
    if task not in TASKS:
        raise DataError(f"the dataset's task must be one of {', '.join(TASKS)}; got {task!r}.")
    index = split_indices(dataset, splits)
    if "train" not in index:
        raise DataError("the split manifest has no 'train' rows; re-run 'yearn split'.")
    labels = list(dataset.label_columns)
    for col in labels:
        if col not in frame:
            raise DataError(f"label column {col!r} is not in the data.")
    if task == "multilabel":
        classes = tuple(labels)
        y_all = frame[labels].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float32)
    elif task == "regression":
        classes = ()
        y_all = pd.to_numeric(frame[labels[0]], errors="coerce").to_numpy(dtype=np.float32)
    else:
        classes = tuple(getattr(dataset, "classes", None) or ()) or tuple(
            sorted(frame[labels[0]].dropna().astype(str).unique(), key=_natural)
        )
        y_all = frame[labels[0]].astype(str).to_numpy()
    xs, prep = _features(dataset, index)
    ids_all = np.asarray(dataset.ids)
    meta_cols = [c for c in getattr(dataset, "metadata_columns", ()) if c in frame]
    extra = ("source", getattr(dataset, "group_column", None))
    meta_cols += [c for c in extra if c and c in frame and c not in meta_cols]
    out = {}
    for name, idx in index.items():
        out[name] = SplitData(
            xs.pop(name),
            _encode_labels(y_all[idx], task, classes, f"{name} split"),
            ids_all[idx],
            frame.iloc[idx][meta_cols].reset_index(drop=True),
        )
    return TrainData(
        task,
        classes,
        out,
        prep,
        columns=tuple(getattr(dataset, "input_columns", ())),
        excluded_columns=dict(getattr(dataset, "excluded_features", {}) or {}),
    )


def _features(dataset: Any, index: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], Any]:
    """Each split's model inputs and the preprocessor fitted on the train rows. Tables are
    transformed split by split: the matrix of all rows is never held next to its parts."""
    train_idx = index["train"]
    image_col = getattr(dataset, "image_column", None)
    if image_col:
        from yearn.data import load_images  # decoded on demand, owned by yearn.data

        # (N, C, H, W) floats in [0, 1]
        images = np.asarray(load_images(list(dataset.frame[image_col])), dtype=np.float32)
        try:
            from yearn.prep import ImageNormalizer
        except ImportError:
            return {s: images[i] for s, i in index.items()}, None
        norm = ImageNormalizer().fit(images[train_idx])
        x = np.asarray(norm.transform(images), dtype=np.float32)
        return {s: x[i] for s, i in index.items()}, norm
    text = [c for c in getattr(dataset, "text_columns", ()) if c in dataset.frame]
    cols = [c for c in getattr(dataset, "feature_columns", ()) if c not in text] + text
    if not cols:
        excluded = dict(getattr(dataset, "excluded_features", {}) or {})
        raise DataError(
            "the dataset has no feature columns to train on; "
            + (
                f"the feature screen left out {', '.join(excluded)} (leaky or id-like); keep "
                "one with --keep-column NAME, [features] keep in yearn.toml or keep= in Python."
                if excluded
                else "list them in yearn.toml."
            )
        )
    table = dataset.frame[cols]
    try:
        from yearn.prep import TabularPreprocessor
    except ImportError:
        x = standardise(table, train_idx)
        return {s: x[i] for s, i in index.items()}, None
    prep = TabularPreprocessor(text=tuple(text)).fit(table.iloc[train_idx])
    out = {}
    for name, idx in index.items():
        x = prep.transform(table.iloc[idx])
        x = x.toarray() if hasattr(x, "toarray") else x
        out[name] = np.asarray(x, dtype=np.float32)
    return out, prep


def standardise(table: pd.DataFrame, train_idx: np.ndarray) -> np.ndarray:
    """Numeric columns → z-scores, other columns → one-hot; statistics from train rows only."""
    parts = []
    train = table.iloc[train_idx]
    for col in table.columns:
        values = table[col]
        if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
            num = pd.to_numeric(values, errors="coerce").astype(float).to_numpy()
            ref = num[train_idx]
            ref = ref[np.isfinite(ref)]
            if ref.size == 0:
                raise TrainingError(f"feature {col!r} has no finite value in the train split.")
            mean, std = float(ref.mean()), float(ref.std())
            z = (num - mean) / (std if std > 0 else 1.0)
            parts.append(np.where(np.isfinite(z), z, 0.0)[:, None])
        else:
            cats = sorted(train[col].dropna().astype(str).unique())
            text = values.astype(str).where(values.notna(), None)
            parts.append(
                np.stack([(text == c).to_numpy() for c in cats], axis=1).astype(float)
                if cats
                else np.zeros((len(table), 0))
            )
    return np.concatenate(parts, axis=1).astype(np.float32)
