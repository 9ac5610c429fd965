"""What the protocols and the final fit share: a fresh model per fit, a metric by name or
callable, and the score of a fitted model."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from sklearn.base import clone

from yearn.errors import ConfigError

__all__ = ["make_factory", "resolve_metric", "score_model"]


def make_factory(estimator: Any) -> Callable[[], Any]:
    """A callable returning a fresh, unfitted model: a clone, a deep copy, or the factory."""
    if hasattr(estimator, "get_params") and hasattr(estimator, "fit"):
        return _Clone(estimator)
    if hasattr(estimator, "fit"):
        return _Copy(estimator)
    if callable(estimator):
        return estimator
    raise ConfigError(
        f"estimator must have fit/predict or be a factory returning one; got "
        f"{type(estimator).__name__}."
    )


class _Clone:
    def __init__(self, estimator: Any) -> None:
        self.estimator = estimator

    def __call__(self) -> Any:
        return clone(self.estimator)


class _Copy(_Clone):
    def __call__(self) -> Any:
        return copy.deepcopy(self.estimator)


def resolve_metric(metric: Any) -> tuple[str, Any]:
    """``(name, scorer)`` of a registry metric name, a ``Metric`` or a callable."""
    from yearn.metrics import Metric, get_metric

    if isinstance(metric, str | Metric):
        m = get_metric(metric)
        return m.name, m
    if callable(metric):
        return getattr(metric, "__name__", "metric"), metric
    raise ConfigError(f"metric must be a metric name or a callable; got {metric!r}.")


def score_model(model: Any, X: Any, y: Any, metric: Any) -> float:
    """The metric of a fitted model on ``(X, y)``; probabilities when the metric needs them."""
    if hasattr(metric, "needs_proba"):
        if metric.needs_proba and not hasattr(model, "predict_proba"):
            raise ConfigError(
                f"metric {metric.name!r} needs probabilities but {type(model).__name__} has no "
                "predict_proba; choose a label metric (error, f1_macro, ...) or another model."
            )
        proba = model.predict_proba(X) if metric.needs_proba else None
        pred = None if metric.needs_proba else model.predict(X)
        classes = getattr(model, "classes_", None)
        return float(metric.score(y, pred, proba, classes=classes))
    return float(metric(y, model.predict(X)))
