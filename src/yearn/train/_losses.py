"""Losses and the per-epoch metric of the training loop.

- ``cross_entropy``: logits (N, C), targets (N,) class indices.
- ``bce``: binary — logits (N, 1), targets (N,) in {0, 1}; multi-label — logits (N, T),
  targets (N, T) with NaN for unknown entries. Following the multi-task formula of the
  course, the multi-label loss is ``(1/N) Σ_i Σ_{j labelled} BCE(ŷ_ij, y_ij)``: summed over
  the labelled entries of each example only, averaged over the examples.
- ``mse``: output (N, 1), targets (N,).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F

from yearn.errors import TrainingError

__all__ = [
    "LOSSES",
    "class_weights",
    "default_loss",
    "epoch_metric",
    "masked_bce",
    "outputs_to_proba",
]

LOSSES = ("cross_entropy", "bce", "mse")


def masked_bce(
    logits: torch.Tensor, target: torch.Tensor, pos_weight: torch.Tensor | None = None
) -> torch.Tensor:
    """BCE summed over labelled entries (target not NaN), averaged over examples.

    logits (N, T), target (N, T) float with NaN = unknown → scalar; ``pos_weight`` (T,)
    weights the positives of each task.
    """
    known = ~torch.isnan(target)
    safe = torch.where(known, target, torch.zeros_like(target))
    per_entry = F.binary_cross_entropy_with_logits(
        logits, safe, reduction="none", pos_weight=pos_weight
    )
    return (per_entry * known).sum() / logits.shape[0]


def _bce(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    if target.ndim == 2:
        return masked_bce(logits, target)
    return F.binary_cross_entropy_with_logits(logits.reshape(-1), target.to(logits.dtype))


def _mse(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return F.mse_loss(output.reshape(-1), target)


def _cross_entropy(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(logits, target)


_FUNCS: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {
    "cross_entropy": _cross_entropy,
    "bce": _bce,
    "mse": _mse,
}


def default_loss(task: str) -> str:
    return {"regression": "mse", "multilabel": "bce"}.get(task, "cross_entropy")


def loss_function(
    name: str, weight: torch.Tensor | None = None
) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """The loss ``name``; ``weight`` (from :func:`class_weights`) weights the classes
    (cross-entropy) or the positives of each label (BCE)."""
    if weight is None:
        return _FUNCS[name]
    if name == "cross_entropy":
        return lambda out, y: F.cross_entropy(out, y, weight=weight.to(out.device, out.dtype))

    def bce(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        w = weight.to(out.device, out.dtype)
        if y.ndim == 2:
            return masked_bce(out, y, w)
        return F.binary_cross_entropy_with_logits(out.reshape(-1), y.to(out.dtype), pos_weight=w)

    return bce


def class_weights(
    mode: str | None, task: str, loss: str, y: np.ndarray, n_classes: int
) -> torch.Tensor | None:
    """Loss weights for ``class_weight = mode`` from the train labels (``None``: none).

    ``balanced``: cross-entropy weights ``n / (k · n_c)``; BCE positive weights
    ``n_negative / n_positive`` per label (a label with no positive keeps weight 1).
    """
    if mode is None:
        return None
    if task == "regression":
        raise TrainingError(
            "class_weight applies to classification; this task is regression — drop it."
        )
    y = np.asarray(y)
    if loss == "cross_entropy":
        counts = np.bincount(y.astype(np.int64), minlength=n_classes).astype(float)
        w = np.where(counts > 0, counts.sum() / (n_classes * np.maximum(counts, 1)), 0.0)
        return torch.as_tensor(w, dtype=torch.float32)
    y2 = y.reshape(len(y), -1).astype(float)
    known = ~np.isnan(y2)
    pos = np.where(known, y2 == 1, False).sum(axis=0).astype(float)
    neg = np.where(known, y2 == 0, False).sum(axis=0).astype(float)
    w = np.where(pos > 0, neg / np.maximum(pos, 1), 1.0)
    return torch.as_tensor(w, dtype=torch.float32)


def expected_outputs(task: str, loss: str, n_classes: int) -> int:
    """Output width a model needs for this task and loss."""
    if task == "regression":
        return 1
    if task == "binary" and loss == "bce":
        return 1
    return n_classes


def check_loss(task: str, loss: str) -> None:
    allowed = {
        "binary": ("cross_entropy", "bce"),
        "multiclass": ("cross_entropy",),
        "multilabel": ("bce",),
        "regression": ("mse",),
    }[task]
    if loss not in allowed:
        raise TrainingError(
            f"loss {loss!r} does not fit a {task} task; use {' or '.join(allowed)}."
        )


def outputs_to_proba(out: np.ndarray, task: str, loss: str) -> np.ndarray:
    """Model outputs (N, k) → probabilities (classification) or values (regression)."""
    if task == "regression":
        return out.reshape(-1)
    if task == "multilabel" or loss == "bce":
        p = 1.0 / (1.0 + np.exp(-out))
        return np.column_stack([1 - p[:, 0], p[:, 0]]) if task == "binary" else p
    z = out - out.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def epoch_metric(
    name: str, task: str, classes: tuple[str, ...], y: np.ndarray, proba: np.ndarray
) -> float:
    """The metric in error form (lower is better) on one split.

    ``error`` and ``rmse`` are computed here (fast, every epoch); multi-label ``error`` is
    the share of wrong decisions at 0.5 over labelled entries. Other names come from the
    metric registry (:func:`yearn.metrics.get_metric`).
    """
    if task == "regression" and name == "rmse":
        return float(np.sqrt(np.mean((proba - y) ** 2)))
    if task == "multilabel" and name == "error":
        known = ~np.isnan(y)
        return float(((proba >= 0.5) != (y == 1))[known].mean()) if known.any() else float("nan")
    if task in ("binary", "multiclass") and name == "error":
        return float(np.mean(proba.argmax(axis=1) != y))
    from yearn.metrics import get_metric

    metric = get_metric(name)
    if task == "regression":
        return float(metric.error(y, proba, task=task))
    if task == "multilabel":
        return float(metric.error(y, None, proba, task=task))
    labels = np.asarray(classes, dtype=object)
    return float(metric.error(labels[y], None, proba, classes=classes, task=task))


def error_name(name: str) -> str:
    """The name of a metric's error form (``accuracy`` → ``1-accuracy``; ``error`` stays)."""
    if name in ("error", "rmse"):
        return name
    from yearn.metrics import get_metric

    return get_metric(name).error_name


def check_metric(name: str, task: str) -> None:
    """Fail before training when the metric is unknown or does not fit the task."""
    if (name == "error" and task != "regression") or (name == "rmse" and task == "regression"):
        return
    from yearn.metrics import get_metric

    get_metric(name).check_task(task)


def default_metric(task: str) -> str:
    return "rmse" if task == "regression" else "error"
