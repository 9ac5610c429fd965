"""Check a split made elsewhere: any table with ``id`` and ``split`` columns (a predictions
table, a manifest) gets the same checks as a split drawn by :func:`four_way_split`."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from yearn.errors import DataError
from yearn.splits.checks import SplitReport, build_report
from yearn.splits.manifest import SPLITS

__all__ = ["check_predictions_split", "check_split"]


def check_split(
    table: pd.DataFrame,
    *,
    target: str | None = None,
    source_column: str = "source",
    group_column: str | None = None,
    label_column: str | None = "label",
    metadata_columns: list[str] | None = None,
    task: str | None = None,
    expected_error: float | None = 0.1,
    min_gain: float = 0.01,
    confidence: float = 0.95,
) -> SplitReport:
    """Sizes, class balance, group overlap, dev/test only from ``target``, dev vs test
    distribution and precision of a split given as a table (one row per example; a table
    holding several models keeps the first row of each id).

    Without ``target`` (or a source column) the target-only check is reported as not
    checked in the notes; without ``group_column`` no overlap can be found.
    """
    if not isinstance(table, pd.DataFrame):
        raise DataError(f"check_split needs a DataFrame; got {type(table).__name__}.")
    for column in ("id", "split"):
        if column not in table.columns:
            raise DataError(
                f"the table has no {column!r} column (columns: "
                f"{', '.join(map(str, table.columns))}); a split is one row per example "
                "with its id and split."
            )
    frame = table.drop_duplicates("id").reset_index(drop=True)
    split = frame["split"].astype(str)
    unknown = sorted(set(split) - set(SPLITS))
    if unknown:
        row = int(np.flatnonzero(split.to_numpy() == unknown[0])[0])
        raise DataError(
            f"row {row}: split {unknown[0]!r} is not one of {', '.join(SPLITS)}; rename it."
        )
    notes: list[str] = []
    if len(frame) < len(table):
        notes.append(f"{len(table) - len(frame)} repeated id row(s) (several models) ignored.")
    if group_column is not None and group_column not in frame.columns:
        raise DataError(f"group_column {group_column!r} is not a column of the table.")
    has_source = source_column in frame.columns and target is not None
    if has_source and target not in set(frame[source_column].astype(str)):
        raise DataError(
            f"no row has {source_column} = {target!r}; sources present: "
            f"{', '.join(sorted(set(frame[source_column].astype(str))))}."
        )
    if not has_source:
        notes.append(
            "dev/test only from the target source: not checked (give target= and a "
            f"{source_column!r} column)."
        )
    work = pd.DataFrame(
        {
            "id": frame["id"],
            "split": split,
            "source": frame[source_column].astype(str) if has_source else target or "?",
            "group": frame[group_column] if group_column else None,
        }
    )
    work["group"] = work["group"].astype("string")
    labels = None
    if label_column is not None and label_column in frame.columns:
        labels = frame[label_column].to_numpy()
    meta = None
    if metadata_columns:
        missing = [c for c in metadata_columns if c not in frame.columns]
        if missing:
            raise DataError(f"metadata column {missing[0]!r} is not a column of the table.")
        meta = frame[list(metadata_columns)]
    if task is None and labels is not None:
        from yearn.splits._inputs import infer_task

        task = infer_task(labels)
    if task == "regression":
        expected_error = None
    return build_report(
        work,
        target=target if has_source else (target or "?"),
        labels=labels,
        task=task,
        metadata=meta,
        requested={},
        notes=notes,
        expected_error=expected_error,
        min_gain=min_gain,
        confidence=confidence,
    )


def check_predictions_split(
    path: Any,
    *,
    target: str | None = None,
    source_column: str | None = None,
    group_column: str | None = None,
    metadata_columns: list[str] | None = None,
    expected_error: float | None = None,
    min_gain: float | None = None,
) -> SplitReport:
    """:func:`check_split` on the split a predictions table carries (``yearn split --check``).

    Without ``expected_error``, a classification table's measured dev error (of its first
    model) sizes the dev-set check; otherwise 10%.
    """
    from yearn.predictions import load_predictions

    preds = load_predictions(path)
    single = preds.task != "multilabel"
    if expected_error is None:
        expected_error = 0.1
        if preds.task in ("binary", "multiclass") and "dev" in preds.splits:
            first = preds.for_model(preds.models[0]) if preds.models else preds
            measured = first.split("dev").error_rate()
            expected_error = min(max(measured, 1e-3), 0.999)
    return check_split(
        preds.frame,
        target=target,
        source_column=source_column,
        group_column=group_column,
        label_column="label" if single else None,
        metadata_columns=metadata_columns,
        task=preds.task,
        expected_error=expected_error,
        min_gain=min_gain,
    )
