"""Building a :class:`Dataset` from tables: per-source checks, then cross-source checks.

:func:`prepare_table` checks and normalises one source's table (columns, labels, numbers);
:func:`finish_dataset` checks the concatenated table (unique ids, classes) and builds the
:class:`Dataset`. Used by :func:`yearn.data.from_frame` and :func:`yearn.data.load_project`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from yearn.data.dataset import ROLE_COLUMN, SOURCE_COLUMN, Dataset
from yearn.data.validate import (
    CLASSIFICATION_TASKS,
    Where,
    check_columns,
    check_no_empty,
    check_numeric_columns,
    check_unique_ids,
    normalize_labels,
    sort_classes,
)
from yearn.errors import DataError

__all__ = ["finish_dataset", "generated_id_column", "prepare_table"]


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
