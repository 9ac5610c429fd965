"""The one in-memory table every later layer reads: :class:`Dataset`.

A :class:`Dataset` is a pandas DataFrame (one row per example, all sources concatenated,
with added ``source`` and ``role`` columns) plus the names of its columns. Build one with
:func:`yearn.data.from_frame` (pandas or polars), :func:`yearn.data.from_arrays` (numpy) or
:func:`yearn.data.load_project` (the sources of ``yearn.toml``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from yearn._validation import check_choice
from yearn.data.validate import CLASSIFICATION_TASKS, TASKS, id_like_label
from yearn.errors import DataError

__all__ = ["ROLE_COLUMN", "SOURCE_COLUMN", "Dataset"]

SOURCE_COLUMN = "source"
ROLE_COLUMN = "role"


@dataclass(frozen=True, repr=False, eq=False)
class Dataset:
    """All examples of a project in one table, with the roles of its columns.

    ``classes`` holds the sorted class labels as strings (classification only; numeric
    labels sort by value). Classification labels in ``frame`` are strings, regression
    labels floats, multi-label columns floats in {0, 1} with NaN for unknown.
    """

    frame: pd.DataFrame
    task: str
    id_column: str
    label_columns: tuple[str, ...]
    feature_columns: tuple[str, ...] = ()
    metadata_columns: tuple[str, ...] = ()
    group_column: str | None = None
    image_column: str | None = None
    text_columns: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()
    #: columns left out of the features because the data profile flags them (→ reason)
    excluded_features: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_choice("Dataset.task", self.task, TASKS, error=DataError)
        named = [self.id_column, *self.label_columns, *self.feature_columns]
        named += [*self.metadata_columns, *self.text_columns, SOURCE_COLUMN, ROLE_COLUMN]
        named += [c for c in (self.group_column, self.image_column) if c is not None]
        missing = [c for c in dict.fromkeys(named) if c not in self.frame.columns]
        if missing:
            raise DataError(
                f"Dataset: the frame lacks column(s) {missing}; build datasets with "
                "from_frame / from_arrays / load_project, which add 'source' and 'role'."
            )

    def __repr__(self) -> str:
        counts = self.frame[SOURCE_COLUMN].value_counts(sort=False)
        sources = ", ".join(f"{name}={int(n)}" for name, n in counts.items())
        extra = f", classes={len(self.classes)}" if self.classes else ""
        return (
            f"Dataset(task={self.task!r}, rows={len(self)}, sources=({sources}), "
            f"features={len(self.feature_columns)}, labels={list(self.label_columns)}{extra})"
        )

    @property
    def input_columns(self) -> tuple[str, ...]:
        """The columns a model reads: the image column, else the feature columns and then
        the text columns (what a run records as its training columns)."""
        if self.image_column is not None:
            return (self.image_column,)
        text = tuple(c for c in self.text_columns if c in self.frame)
        return tuple(c for c in self.feature_columns if c not in text) + text

    # -- arrays ----------------------------------------------------------------------
    @property
    def ids(self) -> np.ndarray:
        """The example ids, in row order."""
        return self.frame[self.id_column].to_numpy()

    @property
    def label(self) -> str:
        """The name of the single label column (raises for multi-label data)."""
        if len(self.label_columns) != 1:
            raise DataError(
                f"this {self.task} dataset has {len(self.label_columns)} label columns "
                f"{list(self.label_columns)}; use .label_columns / .labels instead of .label."
            )
        return self.label_columns[0]

    @property
    def labels(self) -> np.ndarray:
        """Labels: 1-D (strings for classification, floats for regression), or 2-D float
        with NaN for unknown in multi-label tasks."""
        if self.task == "multilabel":
            return self.frame[list(self.label_columns)].to_numpy(dtype=float)
        values = self.frame[self.label]
        if self.task == "regression":
            return values.to_numpy(dtype=float)
        return values.to_numpy(dtype=object)

    @property
    def label_codes(self) -> np.ndarray:
        """Classification labels as int64 positions in :attr:`classes`."""
        if self.task not in CLASSIFICATION_TASKS:
            raise DataError(f"label_codes needs a classification task; this one is {self.task}.")
        cat = pd.Categorical(self.frame[self.label].astype(str), categories=list(self.classes))
        return np.asarray(cat.codes, dtype=np.int64)

    @property
    def sources(self) -> np.ndarray:
        return self.frame[SOURCE_COLUMN].to_numpy(dtype=object)

    @property
    def roles(self) -> np.ndarray:
        return self.frame[ROLE_COLUMN].to_numpy(dtype=object)

    @property
    def groups(self) -> np.ndarray | None:
        """The group of each example (e.g. base image, user), or None without a group column."""
        if self.group_column is None:
            return None
        return self.frame[self.group_column].to_numpy()

    @property
    def features(self) -> pd.DataFrame:
        return self.frame[list(self.feature_columns)]

    def __len__(self) -> int:
        return len(self.frame)

    # -- derived datasets --------------------------------------------------------------
    def subset(self, indices: Any) -> Dataset:
        """A new Dataset over some rows (integer positions or a boolean mask)."""
        idx = np.asarray(indices)
        if idx.dtype == bool:
            if len(idx) != len(self):
                raise DataError(
                    f"subset: boolean mask has {len(idx)} entries; the dataset has {len(self)}."
                )
            idx = np.flatnonzero(idx)
        elif idx.size and not np.issubdtype(idx.dtype, np.integer):
            raise DataError(f"subset: indices must be integers or a boolean mask; got {idx.dtype}.")
        if idx.size and (idx.max() >= len(self) or idx.min() < -len(self)):
            raise DataError(
                f"subset: index {int(idx.max())} is out of range for {len(self)} examples."
            )
        return replace(self, frame=self.frame.iloc[idx.astype(np.int64)].reset_index(drop=True))

    def summary(self) -> dict[str, Any]:
        """Rows per source, columns, class counts (or label statistics), missing values."""
        frame = self.frame
        per_source: dict[str, Any] = {}
        for name, part in frame.groupby(SOURCE_COLUMN, sort=False):
            per_source[str(name)] = {
                "rows": len(part),
                "role": str(part[ROLE_COLUMN].iloc[0]),
                "labels": _label_summary(self, part),
                "missing": _missing(part, self._data_columns()),
            }
        return {
            "task": self.task,
            "rows": len(frame),
            "id_column": self.id_column,
            "label_columns": list(self.label_columns),
            "feature_columns": list(self.feature_columns),
            "metadata_columns": list(self.metadata_columns),
            "text_columns": list(self.text_columns),
            "group_column": self.group_column,
            "image_column": self.image_column,
            "classes": list(self.classes),
            "labels": _label_summary(self, frame),
            "sources": per_source,
            "warnings": self.warnings(),
        }

    def warnings(self) -> list[str]:
        """What loads but will not work as meant (today: a class label that looks like an id)."""
        out: list[str] = []
        if self.task in CLASSIFICATION_TASKS:
            note = id_like_label(self.frame[self.label], self.label)
            if note:
                out.append(note)
        return out

    def _data_columns(self) -> list[str]:
        return [c for c in self.frame.columns if c not in (SOURCE_COLUMN, ROLE_COLUMN)]


def _missing(part: pd.DataFrame, columns: list[str]) -> dict[str, int]:
    counts = part[columns].isna().sum()
    return {str(c): int(n) for c, n in counts.items() if n}


def _label_summary(ds: Dataset, part: pd.DataFrame) -> dict[str, Any]:
    if ds.task in CLASSIFICATION_TASKS:
        counts = part[ds.label].value_counts()
        return {c: int(counts.get(c, 0)) for c in ds.classes}
    if ds.task == "multilabel":
        out = {}
        for column in ds.label_columns:
            arr = part[column].to_numpy(dtype=float)
            out[column] = {
                "positive": int(np.sum(arr == 1)),
                "negative": int(np.sum(arr == 0)),
                "unknown": int(np.isnan(arr).sum()),
            }
        return out
    arr = part[ds.label].to_numpy(dtype=float)
    if not len(arr):
        return {}
    return {
        "mean": float(arr.mean()),
        "std": float(arr.std()),
        "min": float(arr.min()),
        "max": float(arr.max()),
    }
