"""The share of a project metric other than error (1-F1, 1-AUC, ...) due to wrong labels.

The flagged dev errors are taken as wrong labels: their label is set to the model's
prediction (the class confident learning suggests), and the metric's error form is
computed again. ``from_labels`` = now − after. When the overlap correction of
:mod:`yearn.labels._issues` lowers the error attributed to wrong labels from ``flagged``
to ``corrected`` (a share of the dev rows), only that fraction of the flagged errors is
relabelled: in each ``(label, pred)`` cell, ``round(corrected / flagged x k_c)`` of its
``k_c`` flagged errors, most likely wrong first.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from yearn.metrics import Metric, Prepared, predictions_arrays
from yearn.predictions import Predictions


def _relabelled(data: Prepared, rows: np.ndarray) -> Prepared:
    y_true = data.y_true.copy()
    y_true[rows] = data.y_pred[rows]
    return Prepared(y_true, data.y_pred, data.proba, data.classes, data.pos)


def metric_from_labels(
    metric: Metric,
    dev: Predictions,
    flagged: np.ndarray,
    fraction: float,
    pos_label: Any = None,
) -> tuple[float, float]:
    """``(metric now, part of it due to wrong labels)`` on the dev rows ``dev``.

    ``flagged``: positions (in ``dev``, most likely wrong first) of the flagged rows;
    ``fraction``: the share of the flagged errors taken as wrong labels (1 unless the
    overlap correction lowered it).
    """
    data = metric.prepare(**predictions_arrays(dev, metric, pos_label))
    now = metric.to_error(metric.compute(data))
    wrong = flagged[data.y_true[flagged] != data.y_pred[flagged]]
    cells: dict[tuple[int, int], list[int]] = {}
    for r in wrong:
        cells.setdefault((int(data.y_true[r]), int(data.y_pred[r])), []).append(int(r))
    rows = [r for mine in cells.values() for r in mine[: round(fraction * len(mine))]]
    after = metric.to_error(metric.compute(_relabelled(data, np.asarray(rows, dtype=np.int64))))
    return now, max(0.0, now - after)  # relabelling never adds error it explains
