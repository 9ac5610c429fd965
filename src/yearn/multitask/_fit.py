"""One network, one sigmoid output per task: training, per-task scores and diagnosis.

The loss is :func:`yearn.train.masked_bce`: summed over the labelled entries of each
example only (a missing label contributes nothing), averaged over examples.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import torch

from yearn.errors import DataError
from yearn.multitask._scores import (
    TaskScore,
    check_task_labels,
    mean_average_precision,
    scores_frame,
    task_scores,
)
from yearn.train import FitResult, TrainData, fit, make_train_data, predict_outputs

__all__ = ["MultiTaskResult", "fit_multitask", "multilabel_data", "predict_proba"]


def multilabel_data(data: Any, *, splits: Any = None) -> TrainData:
    """The multi-label training data, checked: every task has labels of both kinds in train."""
    prepared = make_train_data(data, splits=splits, task="multilabel")
    if prepared.task != "multilabel":
        raise DataError(f"multi-task learning needs a multilabel task; got {prepared.task}.")
    for split, part in prepared.splits.items():
        if split == "train":
            check_task_labels(part.y, prepared.classes, "the train split")
    return prepared


def predict_proba(model: torch.nn.Module, x: np.ndarray, kind: str = "multilabel") -> np.ndarray:
    """Probabilities: (N, T) sigmoid outputs (multilabel) or (N,) P(class 1) (binary)."""
    # predict_outputs moves each chunk to the model's device; the outputs come back here
    out = predict_outputs(model, torch.as_tensor(x, dtype=torch.float32))
    out = out.float().cpu().numpy().astype(np.float64)
    if kind == "multilabel" or out.shape[1] == 1:
        p = 1.0 / (1.0 + np.exp(-out))
        return p if kind == "multilabel" else p[:, 0]
    z = np.exp(out - out.max(axis=1, keepdims=True))
    return (z / z.sum(axis=1, keepdims=True))[:, 1]


@dataclass
class MultiTaskResult:
    """A joint multi-label model: per-task scores per split, mAP, per-task diagnosis."""

    fit: FitResult
    tasks: tuple[str, ...]
    scores: list[TaskScore]
    map_by_split: dict[str, float]
    diagnosis: Any = None
    notes: list[str] = field(default_factory=list)

    @property
    def run_id(self) -> str | None:
        return self.fit.run_id

    def table(self) -> pd.DataFrame:
        return scores_frame(self.scores)

    def to_dict(self) -> dict[str, Any]:
        rows = self.table().astype(object)
        return {
            "run_id": self.run_id,
            "tasks": list(self.tasks),
            "scores": rows.where(rows.notna(), None).to_dict("records"),
            "mean_average_precision": self.map_by_split,
            "diagnosis": {t: d.verdict() for t, d in getattr(self.diagnosis, "tasks", {}).items()},
        }

    def _repr_html_(self) -> str:
        from yearn.display import bar_chart, html_table

        maps = ", ".join(f"{s}: {v:.3f}" for s, v in self.map_by_split.items())
        split = "dev" if "dev" in self.map_by_split else next(iter(self.map_by_split), "")
        shown = [s for s in self.scores if s.split == split]
        chart = bar_chart(
            [s.task for s in shown],
            [s.average_precision for s in shown],
            title=f"average precision per task ({split})",
            fmt=".3f",
            reference=self.map_by_split.get(split),
            reference_label="mAP",
        )
        table = html_table(self.table(), formats={"error": ".4f", "average_precision": ".4f"})
        return f"<p><b>multi-task</b>: mAP {html.escape(maps)}</p>{chart}{table}"


def fit_multitask(
    model: Any,
    data: Any,
    *,
    splits: Any = None,
    store: Any = None,
    run_name: str = "joint",
    diagnose: bool = True,
    group_column: str | None = None,
    **params: Any,
) -> MultiTaskResult:
    """Train one network with an output per task (masked BCE) and score every task.

    ``model``: ``"mlp"`` / ``"cnn"`` / a torch module with one output per task. ``data``:
    as :func:`yearn.fit` with labels (N, T), NaN = unknown. Returns per-task error and
    average precision over labelled entries per split, mAP, and the per-task diagnosis of
    :func:`yearn.diagnose.diagnose_predictions` (when a train split and dev split exist;
    its intervals count groups of ``group_column`` when the predictions carry it).
    """
    prepared = multilabel_data(data, splits=splits)
    result = fit(model, prepared, store=store, run_name=run_name, **params)
    scores, maps = [], {}
    for split, part in prepared.splits.items():
        if split == "test":
            continue
        proba = predict_proba(result.model, part.x)
        scores += task_scores(part.y, proba, prepared.classes, split)
        maps[split] = mean_average_precision(part.y, proba)
    diagnosis = None
    if diagnose and "dev" in prepared.splits:
        from yearn.diagnose import diagnose_predictions

        table = result.predictions
        grouped = group_column if group_column in getattr(table, "columns", ()) else None
        diagnosis = diagnose_predictions(table, task="multilabel", group_column=grouped)
    return MultiTaskResult(result, prepared.classes, scores, maps, diagnosis)
