"""Any scikit-learn estimator through the same ``fit``: one epoch = one ``fit`` call."""

from __future__ import annotations

from typing import Any

import numpy as np

from yearn.errors import TrainingError
from yearn.train._data import TrainData
from yearn.train._losses import epoch_metric

__all__ = ["is_sklearn", "sklearn_outputs", "train_sklearn"]


def is_sklearn(model: Any) -> bool:
    """A scikit-learn-style estimator: ``fit`` and ``predict``, not a torch module."""
    import torch

    return (
        not isinstance(model, torch.nn.Module)
        and callable(getattr(model, "fit", None))
        and callable(getattr(model, "predict", None))
    )


def _flat(x: np.ndarray) -> np.ndarray:
    return x.reshape(len(x), -1)


def sklearn_outputs(model: Any, data: TrainData, split: str) -> np.ndarray:
    """Probabilities (N, classes) / (N, tasks), or values (N,) for regression."""
    x = _flat(data.splits[split].x)
    if data.task == "regression":
        return np.asarray(model.predict(x), dtype=float).reshape(-1)
    if data.task == "multilabel":
        if hasattr(model, "predict_proba"):
            raw = model.predict_proba(x)
            if isinstance(raw, list):  # one (N, 2) array per task
                return np.column_stack([r[:, -1] for r in raw])
            return np.asarray(raw, dtype=float)
        return np.asarray(model.predict(x), dtype=float)
    k = len(data.classes)
    proba = np.zeros((len(x), k))
    learned = np.asarray(model.classes_, dtype=int)
    if hasattr(model, "predict_proba"):
        proba[:, learned] = model.predict_proba(x)
    else:  # hard predictions only: one-hot
        proba[np.arange(len(x)), np.asarray(model.predict(x), dtype=int)] = 1.0
    return proba


def _loss(data: TrainData, split: str, out: np.ndarray) -> float:
    y = data.splits[split].y
    if data.task == "regression":
        return float(np.mean((out - y) ** 2))
    eps = 1e-12
    if data.task == "multilabel":
        known = ~np.isnan(y)
        p = np.clip(out, eps, 1 - eps)
        ll = -(np.where(y == 1, np.log(p), np.log(1 - p)))
        return float(np.where(known, ll, 0.0).sum() / len(y))
    return float(-np.mean(np.log(np.clip(out[np.arange(len(y)), y], eps, 1.0))))


def train_sklearn(model: Any, data: TrainData, metric: str) -> tuple[Any, dict[str, float], dict]:
    """Fit on train; returns the model, the one epoch's logs and outputs per split."""
    train = data.splits["train"]
    y = train.y
    if data.task == "multilabel" and np.isnan(y).any():
        raise TrainingError(
            "scikit-learn estimators cannot learn from missing multi-label entries; use a "
            "torch model (masked loss) or fill the missing labels."
        )
    try:
        model.fit(_flat(train.x), y.astype(int) if data.task == "multilabel" else y)
    except ValueError as exc:
        raise TrainingError(
            f"{type(model).__name__}.fit failed on the train split: {exc}"
        ) from None
    logs: dict[str, float] = {}
    outputs = {}
    for split in data.splits:
        out = sklearn_outputs(model, data, split)
        outputs[split] = out
        if split in ("train", "train_dev", "dev"):
            logs[f"{split}_loss"] = _loss(data, split, out)
            logs[f"{split}_metric"] = epoch_metric(
                metric, data.task, data.classes, data.splits[split].y, out
            )
    return model, logs, outputs
