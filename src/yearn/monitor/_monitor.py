"""``monitor()``: every window of a production table against a :class:`Reference`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from yearn._validation import check_fraction
from yearn.errors import DataError
from yearn.monitor._bins import statistic
from yearn.monitor._cbpe import ClassCalibration
from yearn.monitor._columns import LOG_COLUMNS, exclusion_reason
from yearn.monitor._domain import domain_classifier
from yearn.monitor._labelled import labelled_metric
from yearn.monitor._performance import ConfidenceMap, Estimate, wilson
from yearn.monitor._reference import (
    CLASS_COLUMN,
    CONFIDENCE_COLUMN,
    Reference,
    is_input,
    prediction_columns,
)
from yearn.monitor._result import ColumnDrift, MonitorResult, WindowResult
from yearn.monitor._table import Table, open_table, release_memory, row_ids
from yearn.monitor._windows import Windows, find_time_column, make_windows

__all__ = ["MIN_EFFECT", "monitor"]

#: The smallest drift worth reporting, per statistic: 0.1 standard deviations of a number
#: (Wasserstein), 5% of rows changing category (total variation).
MIN_EFFECT = {"numeric": 0.1, "categorical": 0.05}
Z_ALERT = 2.3263478740408408  # norm.ppf(0.99): one-sided 1% for performance drop, concept drift
MIN_DROP = 0.01  # accuracy points: smaller drops are not reported
DOMAIN_ROWS = 5_000
DRIVER_CANDIDATES = 10  # columns whose shuffling is tried to name the domain drivers


def _id_column(table: Table, id_column: str | None) -> str | None:
    if id_column is not None:
        if id_column not in table:
            raise DataError(
                f"{table.name}: no id column {id_column!r}; columns: {table.columns[:20]}."
            )
        return id_column
    return next((c for c in ("request_id", "id") if c in table), None)


def _labels_per_row(
    table: Table, labels: pd.DataFrame, id_column: str | None, label_column: str
) -> np.ndarray:
    """The true label of each row of ``table`` (None where unknown), joined on the id."""
    where = getattr(labels, "attrs", {}).get("source", "labels")
    key = _id_column(table, id_column)
    if key is None:
        raise DataError(
            f"{table.name}: no id column (request_id or id) to join the labels on; pass "
            "--id-column."
        )
    lab_id = key if key in labels else ("id" if "id" in labels else None)
    if lab_id is None or label_column not in labels:
        raise DataError(
            f"{where}: needs columns {key or 'id'!r} (or 'id') and {label_column!r}; got "
            f"{list(labels.columns)[:10]}."
        )
    dup = labels[lab_id].astype(str).duplicated()
    if dup.any():
        row = int(np.flatnonzero(dup.to_numpy())[0]) + 2
        raise DataError(f"{where}: row {row}: id {labels[lab_id].iloc[row - 2]!r} appears twice.")
    mapping = pd.Series(
        labels[label_column].astype(str).to_numpy(), index=labels[lab_id].astype(str)
    )
    joined = row_ids(table, key).map(mapping)
    if joined.notna().sum() == 0:
        raise DataError(
            f"{where}: none of its ids is in {table.name} (column {key!r}); were the labels "
            "made for another log?"
        )
    return joined.to_numpy(dtype=object)


def _moved(bins, delta: np.ndarray, top: int = 3) -> list[dict[str, Any]]:
    order = np.argsort(-np.abs(delta))[:top]
    labels = bins.labels
    return [
        {"bin": labels[k], "reference": float(bins.p[k]), "change": float(delta[k])}
        for k in order
        if abs(delta[k]) > 0
    ]


def _histograms(ref: Reference, name: str, values: pd.Series, windows: Windows) -> np.ndarray:
    """Rows per window and bin of one column, shape ``(windows, bins)``."""
    bins = ref.bins[name]
    codes = bins.codes(values)
    keep = codes >= 0
    return np.bincount(
        windows.codes[keep] * bins.counts.size + codes[keep],
        minlength=len(windows) * bins.counts.size,
    ).reshape(len(windows), bins.counts.size)


def _column_drift(
    ref: Reference,
    name: str,
    role: str,
    hist: np.ndarray,
    alpha_each: float,
    min_effect: Mapping[str, float],
) -> list[ColumnDrift]:
    bins = ref.bins[name]
    p = bins.p
    out = []
    null = ref.null(name)
    measure = "wasserstein (sd)" if bins.kind == "numeric" else "total variation"
    floor = float(min_effect[bins.kind])
    for w in range(hist.shape[0]):
        n = int(hist[w].sum())
        if n == 0:
            out.append(
                ColumnDrift(
                    name,
                    bins.kind,
                    role,
                    measure,
                    float("nan"),
                    float("nan"),
                    floor,
                    float("nan"),
                    False,
                    0,
                )
            )
            continue
        delta = hist[w] / n - p
        value = float(statistic(bins, delta))
        threshold = null.threshold(n, alpha_each)
        drifted = bool(value > threshold and value >= floor)
        out.append(
            ColumnDrift(
                name,
                bins.kind,
                role,
                measure,
                value,
                threshold,
                floor,
                null.p_value(value, n),
                drifted,
                n,
                _moved(bins, delta),
            )
        )
    return out


def monitor(
    reference: Reference,
    current: pd.DataFrame | str | Path | Table,
    *,
    window: str = "10000rows",
    time_column: str | None = None,
    labels: pd.DataFrame | None = None,
    id_column: str | None = None,
    label_column: str = "label",
    confidence_map: ConfidenceMap | None = None,
    class_calibration: ClassCalibration | None = None,
    metrics: Sequence[str] = (),
    not_estimated: Mapping[str, str] | None = None,
    verdict_metric: str | None = None,
    label_metric: str | None = None,
    alpha: float = 0.05,
    min_effect: Mapping[str, float] | None = None,
    domain: bool = True,
    random_state: int = 0,
) -> MonitorResult:
    """Drift, performance and a verdict for every window of ``current``.

    Each column's threshold is the ``1 - alpha / m`` quantile of its no-drift statistic at
    the window's size (``m`` statistics per window, so a window with no drift raises a
    false alarm with probability at most ``alpha``); a column drifts when its statistic is
    above the threshold *and* at least ``min_effect``. ``confidence_map`` (fitted on dev)
    gives the label-free accuracy; ``class_calibration`` (binary, fitted on dev) the
    label-free ``metrics`` (confusion-matrix metrics: the project's first);
    ``not_estimated`` names the metrics left out and why (reported as notes);
    ``verdict_metric`` (one of ``metrics``, the project's) is also tested for a drop against
    dev, as accuracy is. ``label_metric`` (any registry metric: the project's) is measured
    on each window's labelled rows, with a bootstrap interval. ``labels``
    (id + ``label_column``) give the real accuracy and the concept-drift test.
    """
    check_fraction("alpha", alpha)
    floors = {**MIN_EFFECT, **(min_effect or {})}
    table = open_table(current)
    if table.n == 0:
        raise DataError(f"{table.name}: the table has no rows to monitor.")
    tcol = find_time_column(table, time_column)
    windows = make_windows(table, window, tcol)
    excluded = dict(reference.excluded)
    notes: list[str] = []
    # one pass, one column at a time: its histograms per window and the domain sample
    rng = np.random.default_rng(random_state)
    sample_rows = [
        np.sort(rng.choice(np.flatnonzero(windows.codes == w), min(s, DOMAIN_ROWS), replace=False))
        for w, s in enumerate(windows.sizes())
    ]
    hists: dict[str, np.ndarray] = {}
    samples: dict[str, list[np.ndarray]] = {}
    for name in reference.inputs:
        release_memory()  # the previous column's pages, before reading the next
        if name not in table:
            notes.append(f"reference column {name!r} is not in {table.name}: not monitored")
            continue
        values = table.column(name)
        why = exclusion_reason(name, values)
        if why:
            excluded[name] = f"{why} (in the production table)"
            continue
        hists[name] = _histograms(reference, name, values, windows)
        samples[name] = [values.iloc[r].to_numpy() for r in sample_rows]
        del values
    for name in table.columns:
        if name not in reference.bins and name not in excluded and is_input(name):
            if name == tcol or name in LOG_COLUMNS:
                excluded[name] = "timestamp" if name == tcol else "request-log bookkeeping"
            else:
                excluded[name] = "not in the reference"
    derived = prediction_columns(table)
    preds = [c for c in reference.predictions if derived is not None and c in derived]
    m = len(hists) + len(preds)
    if m == 0:
        raise DataError(
            f"{table.name}: no column in common with the reference; is it the right table?"
        )
    alpha_each = alpha / m
    per_column = [
        _column_drift(reference, name, "input", hist, alpha_each, floors)
        for name, hist in hists.items()
    ]
    for name in preds:
        hist = _histograms(reference, name, derived[name], windows)
        per_column.append(_column_drift(reference, name, "prediction", hist, alpha_each, floors))
    release_memory()
    truth = _labels_per_row(table, labels, id_column, label_column) if labels is not None else None
    positive = _positive_scores(table, derived, class_calibration) if metrics else None
    measured = None
    if truth is not None and derived is not None and label_metric is not None:
        measured = _label_inputs(table, derived, truth)
    results = []
    for w in range(len(windows)):
        rows = windows.codes == w
        cols = [pc[w] for pc in per_column]
        dom = None
        if domain and samples:
            cur = pd.DataFrame({c: s[w] for c, s in samples.items()})
            ranked = sorted(cols, key=lambda c: -(c.value / c.threshold if c.threshold else 0))
            dom = domain_classifier(
                reference.sample,
                cur,
                reference.bins,
                candidates=[c.column for c in ranked if c.role == "input"][:DRIVER_CANDIDATES],
                max_rows=DOMAIN_ROWS,
                random_state=random_state + w,
            )
        est = lab = z = None
        if derived is not None and CONFIDENCE_COLUMN in derived and confidence_map is not None:
            est = confidence_map.estimate(derived[CONFIDENCE_COLUMN].to_numpy()[rows])
        labelled_value = None
        if truth is not None and derived is not None:
            known = rows & pd.notna(truth)
            k = int(known.sum())
            if k and measured is not None:
                pred, proba, classes, regression = measured
                try:
                    labelled_value = labelled_metric(
                        label_metric,  # type: ignore[arg-type]
                        truth[known],
                        pred[known],
                        None if proba is None else proba[known],
                        classes,
                        regression=regression,
                        random_state=random_state + w,
                    )
                except DataError as exc:  # e.g. roc_auc without proba: columns in the log
                    notes.append(f"{windows.labels[w]}: {label_metric} not measured: {exc}")
            if k and CONFIDENCE_COLUMN in derived:  # right / wrong: classification only
                correct = derived[CLASS_COLUMN].astype(str).to_numpy()[known] == truth[known]
                low, high = wilson(int(correct.sum()), k)
                lab = Estimate("accuracy", float(correct.mean()), low, high, k, "labels")
                if confidence_map is not None and CONFIDENCE_COLUMN in derived and k >= 30:
                    z = confidence_map.concept_z(
                        derived[CONFIDENCE_COLUMN].to_numpy()[known], correct
                    )
        estimates = []
        if positive is not None:
            score, predicted = positive
            estimates = class_calibration.estimate(  # type: ignore[union-attr]
                score[rows], predicted[rows], metrics, random_state=random_state + w
            )
        verdict, reasons = _verdict(cols, dom, est, lab, z, confidence_map)
        dropped = _metric_drop(estimates, verdict_metric, class_calibration)
        if dropped and verdict not in ("concept drift", "performance drop"):
            verdict = "performance drop"
        reasons += dropped
        results.append(
            WindowResult(
                windows.labels[w],
                windows.starts[w],
                windows.ends[w],
                int(rows.sum()),
                cols,
                dom,
                est,
                lab,
                z,
                verdict,
                reasons,
                estimates,
                labelled_value,
            )
        )
    if derived is None:
        notes.append(
            f"{table.name} has no pred / proba: columns: prediction drift and "
            "performance not measured"
        )
    elif confidence_map is None:
        notes.append("no dev predictions to calibrate on: label-free performance not measured")
    if metrics and positive is None and derived is not None:
        notes.append(
            f"{table.name} has no proba: column of the positive class: "
            f"{', '.join(metrics)} not estimated without labels"
        )
    for name, why in (not_estimated or {}).items():
        notes.append(f"{name} is not estimated without labels: {why}")
    settings = {
        "window": window,
        "time_column": tcol,
        "alpha": alpha,
        "alpha_per_statistic": alpha_each,
        "statistics_per_window": m,
        "min_effect": floors,
        "reference_rows": reference.n,
        "rows": table.n,
        "dev_accuracy": confidence_map.dev_accuracy if confidence_map else None,
        "dev_rows": confidence_map.n_dev if confidence_map else None,
        "estimated_metrics": list(metrics) if positive is not None else [],
        "dev_metrics": (
            {m: class_calibration.dev_value(m) for m in metrics}
            if class_calibration is not None and positive is not None
            else {}
        ),
        "not_estimated": dict(not_estimated or {}),
        "verdict_metric": verdict_metric if positive is not None else None,
    }
    return MonitorResult(results, excluded, settings, notes)


def _label_inputs(
    table: Table, derived: pd.DataFrame, truth: np.ndarray
) -> tuple[np.ndarray, np.ndarray | None, list[str] | None, bool]:
    """Predictions (and probabilities with their classes) of every row for the labelled
    metric, and whether they are numbers (regression); rows without a label get NaN
    probabilities, never read."""
    probas = [c for c in table.columns if c.startswith("proba:")]
    pred = derived[CLASS_COLUMN].to_numpy()
    if not probas:
        return pred, None, None, bool(pd.api.types.is_float_dtype(derived[CLASS_COLUMN]))
    known = pd.notna(truth)
    proba = np.full((table.n, len(probas)), np.nan)
    for j, c in enumerate(probas):
        proba[known, j] = pd.to_numeric(table.column(c), errors="coerce").to_numpy()[known]
    return pred, proba, [c[len("proba:") :] for c in probas], False


def _positive_scores(
    table: Table, derived: pd.DataFrame | None, calibration: ClassCalibration | None
) -> tuple[np.ndarray, np.ndarray] | None:
    """The probability of the positive class and whether it was predicted, per row (None
    when the table lacks them or no calibration was fitted)."""
    if calibration is None or derived is None or CLASS_COLUMN not in derived:
        return None
    column = f"proba:{calibration.positive}"
    if column not in table:
        return None
    score = pd.to_numeric(table.column(column), errors="coerce").to_numpy(dtype=np.float64)
    if np.isnan(score).any():
        row = int(np.flatnonzero(np.isnan(score))[0])
        raise DataError(
            f"{table.name}: row {row}: {column} is missing or not a number; every request "
            "needs the model's probabilities."
        )
    predicted = derived[CLASS_COLUMN].astype(str).to_numpy() == calibration.positive
    return score, predicted


def _metric_drop(
    estimates: list[Estimate], name: str | None, calibration: ClassCalibration | None
) -> list[str]:
    """The reason when the label-free estimate of ``name`` is significantly worse than on
    dev (one-sided 1%, and at least ``MIN_DROP``), else nothing."""
    est = next((e for e in estimates if e.metric == name), None)
    if est is None or calibration is None or not np.isfinite(est.se):
        return []
    dev = calibration.dev_value(est.metric)
    lower_better = est.metric == "error" or est.metric.startswith("1-")
    gap = (est.value - dev) if lower_better else (dev - est.value)
    se = np.sqrt(calibration.dev_se(est.metric) ** 2 + est.se**2)
    if gap >= MIN_DROP and se > 0 and gap / se > Z_ALERT:
        return [
            f"performance drop: estimated (no labels) {est.metric} {est.value:.3f} "
            f"[{est.low:.3f}, {est.high:.3f}] vs dev {dev:.3f}"
        ]
    return []


def _verdict(cols, dom, est, lab, z, cmap) -> tuple[str, list[str]]:
    reasons = []
    drifted = [c for c in cols if c.drifted]
    for c in drifted:
        reasons.append(
            f"{c.role} {c.column!r} drifted: {c.measure} {c.value:.3g} > "
            f"threshold {c.threshold:.3g}"
        )
    if dom is not None and dom.drifted:
        reasons.append(
            f"domain classifier tells production from reference: AUC {dom.auc:.3f} "
            f"[{dom.low:.3f}, {dom.high:.3f}]"
        )
    input_drift = bool(drifted) or bool(dom is not None and dom.drifted)
    concept = False
    if z is not None and lab is not None and z < -Z_ALERT:
        concept = True
        reasons.append(
            f"concept drift: labelled accuracy {lab.value:.1%} on {lab.n} rows is "
            f"below what the calibrated confidence promises (z = {z:.2f})"
        )
    drop = False
    if cmap is not None:
        dev, n_dev = cmap.dev_accuracy, cmap.n_dev
        se_dev = np.sqrt(dev * (1 - dev) / n_dev)
        for e in (lab, est):
            if e is None or e.n == 0:
                continue
            se = e.se if np.isfinite(e.se) else np.sqrt(e.value * (1 - e.value) / e.n)
            gap = dev - e.value
            if gap >= MIN_DROP and gap / np.sqrt(se_dev**2 + se**2) > Z_ALERT:
                drop = True
                what = "labelled" if e.method == "labels" else "estimated (no labels)"
                reasons.append(
                    f"performance drop: {what} accuracy {e.value:.1%} "
                    f"[{e.low:.1%}, {e.high:.1%}] vs dev {dev:.1%}"
                )
                break
    if concept:
        return "concept drift", reasons
    if drop:
        return "performance drop", reasons
    if input_drift:
        return "input drift", reasons
    return "ok", reasons
