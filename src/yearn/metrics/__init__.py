"""Metrics: the registry (every metric also in error form) and best-model choice.

>>> from yearn.metrics import get_metric
>>> get_metric("accuracy").error([0, 1, 1, 0], [0, 1, 0, 0])
0.25
"""

from __future__ import annotations

from yearn.metrics._candidates import candidates_from_store, candidates_from_table
from yearn.metrics._inputs import Prepared
from yearn.metrics._load import guess_metric, load_for_metric
from yearn.metrics._registry import (
    Metric,
    available_metrics,
    error_from_predictions,
    get_metric,
    predictions_arrays,
    score_predictions,
)
from yearn.metrics._select import Selection, choose_best

__all__ = [
    "Metric",
    "Prepared",
    "Selection",
    "available_metrics",
    "candidates_from_store",
    "candidates_from_table",
    "choose_best",
    "error_from_predictions",
    "get_metric",
    "guess_metric",
    "load_for_metric",
    "predictions_arrays",
    "score_predictions",
]
