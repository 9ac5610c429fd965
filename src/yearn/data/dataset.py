"""The one in-memory table every later layer reads: :class:`Dataset`.

A :class:`Dataset` is a pandas DataFrame (one row per example, all sources concatenated,
with added ``source`` and ``role`` columns) plus the names of its columns. Build one with
:func:`from_frame` (pandas or polars), :func:`from_arrays` (numpy) or
:func:`yearn.data.load_project` (the sources of ``yearn.toml``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from yearn._validation import check_choice
from yearn.data.validate import (
    CLASSIFICATION_TASKS,
    TASKS,
    Where,
    check_columns,
    check_no_empty,
    check_numeric_columns,
    check_unique_ids,
    normalize_labels,
    sort_classes,
)
from yearn.errors import DataError

__all__ = ["Dataset", "from_arrays", "from_frame"]

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
        }

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


# -- building ------------------------------------------------------------------------------
def _to_pandas(df: Any) -> pd.DataFrame:
    if isinstance(df, pd.DataFrame):
        return df
    to_pandas = getattr(df, "to_pandas", None)
    if to_pandas is not None and type(df).__module__.startswith("polars"):
        return to_pandas()
    raise DataError(
        f"expected a pandas or polars DataFrame; got {type(df).__name__}. "
        "Use from_arrays for numpy arrays."
    )


def _as_tuple(value: str | Sequence[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def _drop_added_columns(frame: pd.DataFrame, added: dict[str, str], where: Where) -> pd.DataFrame:
    for column, value in added.items():
        if column not in frame.columns:
            continue
        differs = (frame[column].astype(str) != value).to_numpy(dtype=bool)
        if differs.any():
            pos = int(np.flatnonzero(differs)[0])
            what = "role" if column == ROLE_COLUMN else "name"
            raise DataError(
                f"{where.row(pos)}: column {column!r} is {str(frame[column].iloc[pos])!r}, but "
                f"yearn fills {column!r} with the source's {what} {value!r}; rename the "
                f"column (e.g. 'original_{column}') or make it match."
            )
        frame = frame.drop(columns=[column])
    return frame


def prepare_table(
    frame: pd.DataFrame,
    *,
    task: str,
    label_columns: tuple[str, ...],
    id_column: str | None,
    group_column: str | None,
    metadata: tuple[str, ...],
    text_columns: tuple[str, ...],
    image_column: str | None,
    feature_columns: tuple[str, ...] | None,
    where: Where,
    missing_label_marker: str | None = None,
    source: str = "data",
    role: str = "train",
) -> pd.DataFrame:
    """Check one source's table (columns, labels, numeric columns); return it normalised.

    A ``source`` / ``role`` column already in the table must hold the source's name /
    role (it is then replaced by the one yearn adds); other values are an error.
    """
    needed = {c: "label" for c in label_columns}
    if id_column is not None:
        needed[id_column] = "id"
    if group_column is not None:
        needed[group_column] = "group"
    if image_column is not None:
        needed[image_column] = "image"
    needed.update({c: "metadata" for c in metadata})
    needed.update({c: "text" for c in text_columns})
    needed.update({c: "feature" for c in feature_columns or ()})
    check_columns(frame, needed, where)
    frame = _drop_added_columns(frame, {SOURCE_COLUMN: source, ROLE_COLUMN: role}, where)
    if id_column is not None:
        check_no_empty(frame[id_column], f"the id column {id_column!r}", where)
    frame = normalize_labels(
        frame, task, label_columns, where, missing_label_marker=missing_label_marker
    )
    for column in text_columns:
        if not pd.api.types.is_string_dtype(frame[column].dtype):
            frame[column] = frame[column].astype("str")
    skip = set(label_columns) | set(text_columns) | set(metadata) | {id_column, image_column}
    check_numeric_columns(frame, [c for c in frame.columns if c not in skip], where)
    return frame


def finish_dataset(
    frame: pd.DataFrame,
    *,
    task: str,
    label_columns: tuple[str, ...],
    id_column: str,
    group_column: str | None,
    metadata: tuple[str, ...],
    text_columns: tuple[str, ...],
    image_column: str | None,
    feature_columns: tuple[str, ...] | None,
    place: Callable[[int], str] | None = None,
) -> Dataset:
    """Cross-source checks (unique ids, classes) on the concatenated table → Dataset."""
    if not len(frame):
        raise DataError("the data has no rows; check the sources (files are empty?).")
    check_unique_ids(frame[id_column], place)
    classes: tuple[str, ...] = ()
    if task in CLASSIFICATION_TASKS:
        classes = sort_classes(pd.unique(frame[label_columns[0]]))
        if len(classes) < 2:
            raise DataError(
                f"the label column {label_columns[0]!r} has one class only ({classes[0]!r} "
                f"in all {len(frame)} rows); a classifier needs examples of at least two "
                "classes."
            )
        if task == "binary" and len(classes) > 2:
            raise DataError(
                f"task is 'binary' but the label column {label_columns[0]!r} has "
                f"{len(classes)} classes {list(classes)[:10]}; set task = 'multiclass'."
            )
    elif task == "multilabel":
        for column in label_columns:
            arr = frame[column].to_numpy(dtype=float)
            known = arr[~np.isnan(arr)]
            if len(np.unique(known)) < 2:
                seen = sorted({int(v) for v in np.unique(known)})
                raise DataError(
                    f"multi-label column {column!r} has one class only (values {seen} among "
                    f"its {len(known)} known labels); each task needs both 0 and 1."
                )
    reserved = {id_column, group_column, image_column, SOURCE_COLUMN, ROLE_COLUMN}
    reserved |= set(label_columns) | set(metadata)
    if feature_columns is None:
        feature_columns = tuple(c for c in frame.columns if c not in reserved)
    return Dataset(
        frame=frame,
        task=task,
        id_column=id_column,
        label_columns=label_columns,
        feature_columns=tuple(feature_columns),
        metadata_columns=metadata,
        group_column=group_column,
        image_column=image_column,
        text_columns=text_columns,
        classes=classes,
    )


def generated_id_column(columns, base: str = "id") -> str:
    """Name for a generated column: ``base`` unless the data already has such a column."""
    name = base
    while name in columns:
        name = f"_{name}"
    return name


def from_frame(
    df: Any,
    *,
    task: str,
    label: str | Sequence[str],
    id_column: str | None = None,
    group_column: str | None = None,
    metadata: Sequence[str] = (),
    text_columns: Sequence[str] = (),
    image_column: str | None = None,
    feature_columns: Sequence[str] | None = None,
    missing_label_marker: str | None = None,
    source: str = "data",
    role: str = "train",
) -> Dataset:
    """Build a validated :class:`Dataset` from a pandas or polars DataFrame.

    Without ``id_column`` the ids are generated as ``<source>:<row>``. Feature columns
    default to every column that is not id, label, group, metadata, source or role.
    """
    task = check_choice("task", task, TASKS, error=DataError)
    check_choice("role", role, ("train", "target"), error=DataError)
    labels = _as_tuple(label)
    if not labels:
        raise DataError("label: name the label column(s).")
    if task != "multilabel" and len(labels) != 1:
        raise DataError(f"task {task!r} takes one label column; got {list(labels)}.")
    frame = _to_pandas(df)
    frame = frame.reset_index(drop=True)
    features = None if feature_columns is None else tuple(feature_columns)
    frame = prepare_table(
        frame,
        task=task,
        label_columns=labels,
        id_column=id_column,
        group_column=group_column,
        metadata=tuple(metadata),
        text_columns=tuple(text_columns),
        image_column=image_column,
        feature_columns=features,
        where=Where("<DataFrame>", 0),
        missing_label_marker=missing_label_marker,
        source=source,
        role=role,
    )
    if id_column is None:
        id_column = generated_id_column(frame.columns)
        ids = pd.Series(np.arange(len(frame)).astype(str), dtype=object)
        frame.insert(0, id_column, (source + ":") + ids)
    frame[SOURCE_COLUMN] = source
    frame[ROLE_COLUMN] = role
    return finish_dataset(
        frame,
        task=task,
        label_columns=labels,
        id_column=id_column,
        group_column=group_column,
        metadata=tuple(metadata),
        text_columns=tuple(text_columns),
        image_column=image_column,
        feature_columns=features,
    )


def infer_task(y: np.ndarray) -> str:
    """regression for non-integer floats, binary for two classes, else multiclass."""
    y = np.asarray(y)
    if y.ndim == 2:
        return "multilabel"
    if np.issubdtype(y.dtype, np.floating):
        finite = y[np.isfinite(y)]
        if len(finite) and np.any(finite != np.round(finite)):
            return "regression"
    return "binary" if len(pd.unique(pd.Series(y))) == 2 else "multiclass"


def from_arrays(
    X: Any,
    y: Any,
    *,
    ids: Any = None,
    task: str | None = None,
    feature_names: Sequence[str] | None = None,
    source: str = "data",
    role: str = "train",
) -> Dataset:
    """Build a :class:`Dataset` from a 2-D feature array and labels.

    ``y`` 1-D gives a single ``label`` column; 2-D gives multi-label columns
    ``label_0, label_1, ...``. ``task`` is inferred when not given.
    """
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim != 2:
        raise DataError(
            f"X must be 2-D (examples × features); got shape {X.shape}. "
            "Flatten images with X.reshape(len(X), -1) or use an image folder."
        )
    if y.ndim not in (1, 2) or len(y) != len(X):
        raise DataError(
            f"y must have one entry (or one row) per example: X has {len(X)} rows, "
            f"y has shape {y.shape}."
        )
    names = (
        list(feature_names) if feature_names is not None else [f"x{i}" for i in range(X.shape[1])]
    )
    if len(names) != X.shape[1] or len(set(names)) != len(names):
        raise DataError(
            f"feature_names must be {X.shape[1]} unique names; got {len(names)} ({names[:5]}...)."
        )
    task = task or infer_task(y)
    frame = pd.DataFrame(X, columns=names)
    if y.ndim == 2:
        labels = [f"label_{j}" for j in range(y.shape[1])]
        for j, name in enumerate(labels):
            frame[name] = y[:, j]
    else:
        labels = [generated_id_column(names, "label")]
        frame[labels[0]] = y
    id_column = None
    if ids is not None:
        ids = np.asarray(ids)
        if len(ids) != len(X):
            raise DataError(f"ids has {len(ids)} entries; X has {len(X)} rows.")
        id_column = generated_id_column(frame.columns)
        frame.insert(0, id_column, ids)
    return from_frame(
        frame,
        task=task,
        label=labels,
        id_column=id_column,
        feature_columns=names,
        source=source,
        role=role,
    )
