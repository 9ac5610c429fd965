"""A vs B: two models' predictions on the same examples of one split, compared."""

from __future__ import annotations

import html
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from yearn._validation import check_number
from yearn.compare._fast import auc_resampler
from yearn.compare._stats import (
    BootstrapResult,
    McNemarResult,
    mcnemar_exact,
    paired_bootstrap,
    paired_bootstrap_binary,
)
from yearn.errors import PredictionsError
from yearn.metrics import Prepared, get_metric, load_for_metric, predictions_arrays
from yearn.predictions import SPLITS, Predictions

__all__ = [
    "Comparison",
    "compare_predictions",
    "format_gain",
    "format_metric",
]

_UNBOUNDED = ("rmse", "mae", "log_loss")
_RIGHT_WRONG = ("error", "accuracy")


def format_metric(metric: str, value: float) -> str:
    """``error`` 0.1023 → ``10.23%``; unbounded metrics with 4 significant digits."""
    if metric in _UNBOUNDED:
        return f"{value:.4g}"
    return f"{value * 100:.2f}%"


def format_gain(metric: str, value: float, low: float, high: float, confidence: float) -> str:
    """``"1.7 points, 95% CI [0.6, 2.8]"``: points (x100) for bounded metrics, raw units for
    rmse / mae / log loss; decimals chosen from the width of the interval."""
    scale = 1.0 if metric in _UNBOUNDED else 100.0
    width = abs(high - low) * scale
    decimals = 2 if not math.isfinite(width) or width <= 0 else 1 - math.floor(math.log10(width))
    decimals = int(min(4, max(1, decimals)))

    def fmt(v: float) -> str:
        return f"{v * scale + 0.0:.{decimals}f}"

    unit = "" if metric in _UNBOUNDED else " points"
    return f"{fmt(value)}{unit}, {confidence:.0%} CI [{fmt(low)}, {fmt(high)}]"


@dataclass(frozen=True)
class Comparison:
    """The result of :func:`compare_predictions`.

    ``difference`` is ``value_b - value_a`` in the metric's own direction and
    ``improvement`` is how much better B is than A (positive: B better), with its
    ``confidence`` interval ``[ci_low, ci_high]``. ``p_value`` comes from ``test``
    (McNemar's exact test for error / accuracy, else the paired bootstrap).
    """

    name_a: str
    name_b: str
    split: str
    metric: str
    n: int
    value_a: float
    value_b: float
    difference: float
    improvement: float
    ci_low: float
    ci_high: float
    p_value: float
    test: str
    alpha: float
    confidence: float
    better: str | None
    verdict: str
    mcnemar: McNemarResult | None
    bootstrap: BootstrapResult

    @property
    def significant(self) -> bool:
        return self.better is not None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        out = asdict(self)
        out["mcnemar"] = asdict(self.mcnemar) if self.mcnemar else None
        out["bootstrap"] = asdict(self.bootstrap)
        return out

    def __str__(self) -> str:
        return self.verdict

    def details_html(self) -> str:
        """The comparison's table and chart, without its verdict sentence."""
        rows = [
            ("split", self.split),
            ("examples", f"{self.n:,}"),
            (f"{self.metric} of {self.name_a}", format_metric(self.metric, self.value_a)),
            (f"{self.metric} of {self.name_b}", format_metric(self.metric, self.value_b)),
            (
                f"improvement of {self.name_b} over {self.name_a}",
                format_gain(
                    self.metric, self.improvement, self.ci_low, self.ci_high, self.confidence
                ),
            ),
            ("p-value", f"{self.p_value:.3g} ({self.test.replace('_', ' ')})"),
        ]
        if self.mcnemar:
            rows.append(
                (
                    "discordant pairs",
                    f"only {self.name_a} right: {self.mcnemar.only_a}, "
                    f"only {self.name_b} right: {self.mcnemar.only_b}",
                )
            )
        from yearn.display import bar_chart, html_table

        table = html_table([{"": k, "value": v} for k, v in rows], ["", "value"])
        chart = bar_chart(
            [self.name_a, self.name_b],
            [self.value_a, self.value_b],
            title=f"{self.metric} on {self.split}",
            fmt=".4g",
        )
        return f"{table}{chart}"

    def _repr_html_(self) -> str:
        return f"<p><b>{html.escape(self.verdict)}</b></p>{self.details_html()}"


def _as_predictions(table: Any, model: str | None, role: str, metric: Any, task) -> Predictions:
    preds = load_for_metric(table, metric, task)
    if model is not None:
        preds = preds.for_model(model)
    elif len(preds.models) > 1:
        raise PredictionsError(
            f"{preds.source}: model {role} holds {len(preds.models)} models "
            f"({', '.join(preds.models[:5])}); choose one with model_{role.lower()}=..."
        )
    return preds


def _default_name(table: Any, model: str | None, fallback: str) -> str:
    if model is not None:
        return str(model)
    if isinstance(table, str | Path):
        return Path(table).stem
    return fallback


def _present(preds: Predictions) -> set[str]:
    """The splits of a table (vectorised; ``Predictions.splits`` iterates row by row)."""
    return {str(v) for v in pd.unique(preds.frame["split"])}


def _split_rows(preds: Predictions, split: str) -> Predictions:
    """The rows of one split, with the contract's error when there are none."""
    mask = (preds.frame["split"] == split).to_numpy()
    if not mask.any():
        return preds.split(split)  # raises naming the splits the table has
    return preds._replace(preds.frame[mask])


def _pick_split(a: Predictions, b: Predictions, split: str | None) -> str:
    if split is not None:
        if split.replace("-", "_") not in SPLITS:
            raise PredictionsError(f"unknown split {split!r}; splits are {', '.join(SPLITS)}.")
        return split.replace("-", "_")
    in_a, in_b = _present(a), _present(b)
    common = [s for s in SPLITS if s in in_a and s in in_b]
    if len(common) == 1:
        return common[0]
    if "dev" in common:
        return "dev"
    raise PredictionsError(
        f"the two tables share the splits {', '.join(common) or 'none'}; choose one with "
        "split=... (--split)."
    )


def _align(a: Predictions, b: Predictions) -> tuple[Predictions, Predictions]:
    ids_a = pd.Index(a.frame["id"].astype(str).to_numpy(dtype=object))
    ids_b = pd.Index(b.frame["id"].astype(str).to_numpy(dtype=object))
    if not ids_a.equals(ids_b):
        only_a = sorted(ids_a.difference(ids_b))
        only_b = sorted(ids_b.difference(ids_a))
        if only_a or only_b:
            raise PredictionsError(
                f"A ({a.source}) and B ({b.source}) do not cover the same examples: "
                f"{len(only_a)} ids only in A (e.g. {', '.join(only_a[:3]) or '-'}), "
                f"{len(only_b)} ids only in B (e.g. {', '.join(only_b[:3]) or '-'}); compare "
                "predictions on the same ids of one split."
            )
        b = b._replace(b.frame.iloc[ids_b.get_indexer(ids_a)])
    if a.task in ("regression",):
        la, lb = a.frame["label"].to_numpy(float), b.frame["label"].to_numpy(float)
        differ = ~np.isclose(la, lb)
    elif a.task == "multilabel":
        la, lb = a.multilabel_labels(), b.multilabel_labels()
        differ = ~((la == lb) | (np.isnan(la) & np.isnan(lb))).all(axis=1)
    else:
        differ = _label_keys(a.frame["label"]) != _label_keys(b.frame["label"])
    if differ.any():
        row = int(np.flatnonzero(differ)[0])
        raise PredictionsError(
            f"A and B disagree on the true label of {int(differ.sum())} examples (e.g. id "
            f"{ids_a[row]}); both tables must hold the same labels."
        )
    return a, b


def _label_keys(values: pd.Series) -> np.ndarray:
    """Class labels as strings, whole floats as integers (``1.0`` and ``1`` are one class)."""
    if pd.api.types.is_float_dtype(values) and (values == values.round()).all():
        values = values.astype(np.int64)
    return values.astype(str).to_numpy(dtype=object)


def _resamplers(m: Any, da: Prepared, db: Prepared) -> tuple[Any, Any]:
    """The metric of A and of B as functions of resampled row indices."""
    if m.name in ("roc_auc", "1-roc_auc"):
        fast_a, fast_b = auc_resampler(da), auc_resampler(db)
        if fast_a is not None and fast_b is not None:
            if m.higher_is_better:
                return fast_a, fast_b
            return (lambda idx: 1.0 - fast_a(idx)), (lambda idx: 1.0 - fast_b(idx))
    return (lambda idx: m.compute(da.take(idx))), (lambda idx: m.compute(db.take(idx)))


def _kind(task: str) -> str:
    return "classification" if task in ("binary", "multiclass") else task


def compare_predictions(
    a: Any,
    b: Any,
    *,
    split: str | None = None,
    metric: str = "error",
    name_a: str | None = None,
    name_b: str | None = None,
    model_a: str | None = None,
    model_b: str | None = None,
    pos_label: Any = None,
    alpha: float = 0.05,
    n_resamples: int = 2000,
    random_state: int | None = 0,
    mid_p: bool = False,
    task: str | None = None,
) -> Comparison:
    """Compare model B against model A on the same examples of one split.

    ``a`` / ``b`` are predictions tables (paths, DataFrames or
    :class:`~yearn.predictions.Predictions`); ``split`` defaults to the one split they
    share (``dev`` when several). The CI (``1 - alpha``) is the paired bootstrap's; the
    p-value is McNemar's exact test for error / accuracy, the bootstrap's otherwise.
    ``task`` overrides the task read from the tables (see :func:`load_for_metric`).
    """
    alpha = check_number("alpha", alpha, low=0.0, high=0.5, low_inclusive=False)
    m = get_metric(metric)
    name_a = name_a or _default_name(a, model_a, "A")
    name_b = name_b or _default_name(b, model_b, "B")
    if name_a == name_b:
        name_a, name_b = f"{name_a} (A)", f"{name_b} (B)"
    pa = _as_predictions(a, model_a, "A", m, task)
    pb = _as_predictions(b, model_b, "B", m, task)
    if _kind(pa.task) != _kind(pb.task):
        raise PredictionsError(
            f"A ({pa.source}) is a {pa.task} table but B ({pb.source}) is {pb.task}; "
            "compare predictions of one task."
        )
    split = _pick_split(pa, pb, split)
    pa, pb = _align(_split_rows(pa, split), _split_rows(pb, split))
    task = pa.task if pa.task == pb.task or _kind(pa.task) != "classification" else "multiclass"
    if _kind(task) == "classification" and len(set(pa.classes) | set(pb.classes)) == 2:
        task = "binary"
    m.check_task(task)
    if pos_label is None and task == "binary":
        pos_label = pa.classes[-1]
    da: Prepared = m.prepare(**predictions_arrays(pa, m, pos_label))
    db: Prepared = m.prepare(**predictions_arrays(pb, m, pos_label))
    n = len(da)
    value_a, value_b = m.compute(da), m.compute(db)

    mc = None
    if _kind(task) == "classification":
        mc = mcnemar_exact(da.y_true == da.y_pred, db.y_true == db.y_pred, mid_p=mid_p)
    if m.name in _RIGHT_WRONG and mc is not None:  # 0/1 per example: multinomial counts
        hit = 1.0 if m.name == "accuracy" else 0.0
        boot = paired_bootstrap_binary(
            (da.y_true == da.y_pred) == hit,
            (db.y_true == db.y_pred) == hit,
            n_resamples=n_resamples,
            confidence=1 - alpha,
            random_state=random_state,
        )
    else:
        stat_a, stat_b = _resamplers(m, da, db)
        boot = paired_bootstrap(
            stat_a,
            stat_b,
            n,
            n_resamples=n_resamples,
            confidence=1 - alpha,
            random_state=random_state,
        )
    if m.name in _RIGHT_WRONG and mc is not None:
        test, p = "mcnemar_exact" + ("_mid_p" if mid_p else ""), mc.p_value
    else:
        test, p = "paired_bootstrap", boot.p_value

    difference = value_b - value_a
    if m.higher_is_better:
        improvement, low, high = difference, boot.ci_low, boot.ci_high
    else:
        improvement, low, high = -difference, -boot.ci_high, -boot.ci_low
    better = None
    if p < alpha and improvement != 0:
        better = name_b if improvement > 0 else name_a
    verdict = _verdict(m.name, name_a, name_b, better, improvement, low, high, p, alpha, split, n)
    verdict += f" ({m.name}: {name_a} {format_metric(m.name, value_a)}, "
    verdict += f"{name_b} {format_metric(m.name, value_b)}; p = {p:.3g}, {test.replace('_', ' ')})"
    return Comparison(
        name_a, name_b, split, m.name, n, value_a, value_b, difference, improvement, low, high,
        p, test, alpha, 1 - alpha, better, verdict, mc, boot,
    )  # fmt: skip


def _verdict(metric, name_a, name_b, better, imp, low, high, p, alpha, split, n) -> str:
    if better is None:
        gain = format_gain(metric, imp, low, high, 1 - alpha)
        return f"no detectable difference on {split} (n = {n:,}): {name_b} - {name_a} = {gain}"
    if better == name_a:
        imp, low, high = -imp, -high, -low
    return f"{better} is better by {format_gain(metric, imp, low, high, 1 - alpha)}"
