"""In-memory inputs: pandas / polars DataFrames and numpy arrays → :class:`Dataset`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from yearn._validation import check_choice
from yearn.data.build import finish_dataset, generated_id_column, prepare_table
from yearn.data.dataset import ROLE_COLUMN, SOURCE_COLUMN, Dataset
from yearn.data.validate import TASKS, Where
from yearn.errors import DataError

__all__ = ["from_arrays", "from_frame", "infer_task"]


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
