"""Per-task scores of a multi-label model over the labelled entries only, and mAP."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from yearn.errors import DataError

__all__ = [
    "TaskScore",
    "average_precision",
    "check_task_labels",
    "mean_average_precision",
    "task_scores",
]


def check_task_labels(y: np.ndarray, tasks: Sequence[str], where: str) -> None:
    """Every task needs labelled entries of both values; raise naming the task otherwise."""
    y = np.asarray(y, dtype=np.float64)
    if y.ndim != 2 or y.shape[1] != len(tasks):
        raise DataError(f"{where}: labels must have shape (N, {len(tasks)}); got {y.shape}.")
    for j, task in enumerate(tasks):
        col = y[:, j]
        known = col[~np.isnan(col)]
        if known.size == 0:
            raise DataError(
                f"{where}: every label of task {task!r} is missing ({len(col)} rows, all empty "
                "or the missing-label marker); label some examples of it or drop the task "
                "from label_columns."
            )
        if np.unique(known).size < 2:
            raise DataError(
                f"{where}: task {task!r} has only label {int(known[0])} among its "
                f"{known.size} labelled rows; it needs examples of both 1 and 0."
            )


def average_precision(y: np.ndarray, score: np.ndarray) -> float:
    """Average precision of one task over its labelled entries: ``Σ (R_n - R_{n-1}) P_n``
    over distinct score thresholds (scikit-learn's definition, vectorised)."""
    known = ~np.isnan(y)
    y, score = y[known], score[known]
    if y.size == 0 or y.min() == y.max():
        return float("nan")
    order = np.argsort(-score, kind="mergesort")
    y, score = y[order], score[order]
    last = np.r_[np.flatnonzero(np.diff(score)), y.size - 1]
    tps = np.cumsum(y)[last]
    precision = tps / (last + 1)
    recall = tps / tps[-1]
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def mean_average_precision(y: np.ndarray, proba: np.ndarray) -> float:
    """Mean over tasks of the per-task average precision (tasks with one class skipped)."""
    values = [average_precision(y[:, j], proba[:, j]) for j in range(y.shape[1])]
    finite = [v for v in values if np.isfinite(v)]
    return float(np.mean(finite)) if finite else float("nan")


@dataclass(frozen=True)
class TaskScore:
    """One task on one split: labelled entries, positives, error at 0.5, AP."""

    task: str
    split: str
    n_labelled: int
    n_missing: int
    positives: int
    error: float
    average_precision: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def _repr_html_(self) -> str:
        from yearn.display import bar_chart, html_table

        table = html_table([self.to_dict()], formats={"error": ".1%", "average_precision": ".3f"})
        chart = bar_chart(
            ["error at 0.5", "average precision"],
            [self.error, self.average_precision],
            title=f"task {self.task} on {self.split}",
            fmt=".3f",
        )
        return f"<div>{table}{chart}</div>"


def task_scores(
    y: np.ndarray, proba: np.ndarray, tasks: Sequence[str], split: str
) -> list[TaskScore]:
    """Per-task scores over labelled entries; missing labels count for nothing."""
    out = []
    for j, task in enumerate(tasks):
        col, p = y[:, j], proba[:, j]
        known = ~np.isnan(col)
        wrong = (p[known] >= 0.5) != (col[known] == 1)
        out.append(
            TaskScore(
                task,
                split,
                int(known.sum()),
                int((~known).sum()),
                int((col[known] == 1).sum()),
                float(wrong.mean()) if known.any() else float("nan"),
                average_precision(col, p),
            )
        )
    return out


def scores_frame(scores: Sequence[TaskScore]) -> pd.DataFrame:
    return pd.DataFrame([s.to_dict() for s in scores])
