"""Metrics in error form on a predictions table, one split at a time.

Built on the metric registry (:mod:`yearn.metrics`): a metric is named as in the
registry (``error``, ``f1``, ``f1_macro``, ``roc_auc``, ``rmse``, ...) or by its error
form (``1-f1``, ``1-accuracy``). Each split's inputs are validated once and then
recomputed on bootstrap resamples.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from yearn.errors import ConfigError
from yearn.metrics import Metric, get_metric, predictions_arrays
from yearn.predictions import Predictions

__all__ = ["ErrorMetric", "resolve_metric"]

#: Metrics whose error form is a share of examples (Wilson / Newcombe intervals apply).
_PROPORTIONS = ("error", "accuracy")
#: Registry metrics not bounded in [0, 1].
_UNBOUNDED = ("rmse", "mae", "log_loss")


@dataclass(frozen=True)
class ErrorMetric:
    """A registry metric used in error form."""

    metric: Metric

    @property
    def name(self) -> str:
        return self.metric.error_name

    @property
    def proportion(self) -> bool:
        return self.metric.name in _PROPORTIONS

    @property
    def rate(self) -> bool:
        return self.metric.name not in _UNBOUNDED

    def row_errors(self, preds: Predictions, split: str) -> np.ndarray:
        """1.0 where a row of the split is wrong, else 0.0 (error rates, one label)."""
        part = preds.split(split)
        data = self.metric.prepare(**predictions_arrays(part, self.metric, None))
        return (np.asarray(data.y_true) != np.asarray(data.y_pred)).astype(float)

    def split_statistic(
        self, preds: Predictions, split: str
    ) -> tuple[float, int, Callable[[np.ndarray], float]]:
        """(error on the split, its number of rows, error as a function of row indices)."""
        part = preds.split(split)
        data = self.metric.prepare(**predictions_arrays(part, self.metric, None))
        m = self.metric

        def stat(idx: np.ndarray) -> float:
            return m.to_error(m.compute(data.take(idx)))

        return m.to_error(m.compute(data)), len(data), stat


def resolve_metric(name: str | None, preds: Predictions) -> ErrorMetric:
    """The metric for ``name`` (default ``error``, or ``rmse`` for regression)."""
    if name is None:
        name = "rmse" if preds.task == "regression" else "error"
    key = str(name).strip().lower()
    if key.startswith(("1-", "1−")):
        key = key[2:]
        metric = get_metric(key)
        if not metric.higher_is_better:
            raise ConfigError(
                f"metric {name!r}: {metric.name} is already an error (lower is better); "
                f"pass {metric.name!r}."
            )
    else:
        metric = get_metric(key)
    metric.check_task(preds.task)
    return ErrorMetric(metric)
