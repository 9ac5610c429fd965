"""The metric registry: every metric by name, each also in error form (lower is better).

>>> m = get_metric("f1_macro")
>>> m.error_name
'1-f1_macro'
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from yearn.errors import ConfigError, DataError
from yearn.metrics._impl import (
    _accuracy,
    _binary,
    _cls,
    _decisions,
    _error,
    _f1_avg,
    _log_loss,
    _mae,
    _map,
    _multi,
    _prepare_auc,
    _reg,
    _rmse,
    _roc_auc,
)
from yearn.metrics._inputs import Prepared

__all__ = [
    "CLASSIFICATION",
    "Metric",
    "available_metrics",
    "error_from_predictions",
    "get_metric",
    "score_predictions",
]

CLASSIFICATION = ("binary", "multiclass")
_ALIASES = {
    "auc": "roc_auc",
    "rocauc": "roc_auc",
    "logloss": "log_loss",
    "cross_entropy": "log_loss",
    "f1_binary": "f1",
    "mean_average_precision": "map",
    "acc": "accuracy",
}


@dataclass(frozen=True)
class Metric:
    """One metric: its name, the tasks it applies to, its direction and how to compute it.

    ``score`` returns the metric itself; ``error`` its error form (lower is better:
    ``1 - score`` for bounded higher-is-better metrics, the score itself otherwise),
    named ``error_name``.
    """

    name: str
    task_kinds: tuple[str, ...]
    higher_is_better: bool
    needs_proba: bool
    description: str = ""
    _prepare: Callable[..., Prepared] = field(default=None, repr=False, compare=False)  # type: ignore[assignment]
    _compute: Callable[[Prepared], float] = field(default=None, repr=False, compare=False)  # type: ignore[assignment]

    @property
    def bounded(self) -> bool:
        """Whether values lie in [0, 1] (error, accuracy, F1, AUC, ...; not RMSE, MAE,
        log-loss), so an interval of it is clipped to [0, 1]."""
        base = self.name[2:] if self.name.startswith("1-") else self.name
        return base not in ("log_loss", "rmse", "mae")

    @property
    def error_name(self) -> str:
        """Name of the error form: ``1-<name>`` for higher-is-better metrics, else ``name``."""
        return f"1-{self.name}" if self.higher_is_better else self.name

    def check_task(self, task: str) -> None:
        """Raise :class:`ConfigError` when this metric does not apply to ``task``."""
        if task not in self.task_kinds:
            fits = [n for n in available_metrics() if task in _REGISTRY[n].task_kinds]
            raise ConfigError(
                f"metric {self.name!r} applies to {' / '.join(self.task_kinds)} tasks, not to "
                f"a {task} task; for {task} use one of {', '.join(fits)}."
            )

    def score(
        self,
        y_true: Any,
        y_pred: Any = None,
        proba: Any = None,
        *,
        classes: Sequence[Any] | None = None,
        pos_label: Any = None,
        task: str | None = None,
    ) -> float:
        """The metric on labels and predictions (or probabilities).

        ``classes`` names the columns of ``proba`` (default: the sorted labels);
        ``pos_label`` the positive class of binary metrics (default: the last class);
        ``task`` — when given — is checked against :attr:`task_kinds`.
        """
        if task is not None:
            self.check_task(task)
        data = self.prepare(y_true, y_pred, proba, classes=classes, pos_label=pos_label)
        return self.compute(data)

    def prepare(
        self,
        y_true: Any,
        y_pred: Any = None,
        proba: Any = None,
        *,
        classes: Sequence[Any] | None = None,
        pos_label: Any = None,
    ) -> Prepared:
        """Validate the inputs once (for repeated :meth:`compute` on resamples)."""
        if self.needs_proba and proba is None:
            raise DataError(
                f"{self.name} needs predicted probabilities (proba); got only labels. Write "
                "proba:<class> columns in the predictions table or choose error / f1_macro."
            )
        return self._prepare(y_true, y_pred, proba, classes=classes, pos_label=pos_label)

    def compute(self, data: Prepared) -> float:
        """The metric on inputs from :meth:`prepare` (or a :meth:`Prepared.take` of them)."""
        return float(self._compute(data))

    def error(
        self,
        y_true: Any,
        y_pred: Any = None,
        proba: Any = None,
        *,
        classes: Sequence[Any] | None = None,
        pos_label: Any = None,
        task: str | None = None,
    ) -> float:
        """The error form of the metric (lower is better), see :attr:`error_name`."""
        value = self.score(y_true, y_pred, proba, classes=classes, pos_label=pos_label, task=task)
        return self.to_error(value)

    def to_error(self, value: float) -> float:
        """Turn a score of this metric into its error form."""
        return 1.0 - value if self.higher_is_better else value

    def better(self, a: float, b: float) -> bool:
        """Whether score ``a`` is strictly better than score ``b``."""
        return a > b if self.higher_is_better else a < b


def _m(name, kinds, higher, proba, desc, prepare, compute) -> Metric:
    return Metric(name, kinds, higher, proba, desc, _prepare=prepare, _compute=compute)


_BIN = ("binary",)
_DECISIONS = (*CLASSIFICATION, "multilabel")
_REGISTRY: dict[str, Metric] = {
    m.name: m
    for m in (
        _m("error", _DECISIONS, False, False,
           "share of wrong predictions (multi-label: of wrong decisions on known labels)",
           _decisions("error"), _error),
        _m("accuracy", _DECISIONS, True, False,
           "share of right predictions (multi-label: of right decisions on known labels)",
           _decisions("accuracy"), _accuracy),
        _m("precision", _BIN, True, False, "positive predictive value of the positive class",
           _cls("precision", True), _binary("precision")),
        _m("recall", _BIN, True, False, "share of the positive class found",
           _cls("recall", True), _binary("recall")),
        _m("f1", _BIN, True, False, "F1 of the positive class",
           _cls("f1", True), _binary("f1")),
        _m("f1_macro", CLASSIFICATION, True, False, "F1 averaged over classes",
           _cls("f1_macro"), _f1_avg("macro")),
        _m("f1_micro", CLASSIFICATION, True, False, "F1 over all decisions",
           _cls("f1_micro"), _f1_avg("micro")),
        _m("roc_auc", (*CLASSIFICATION, "multilabel"), True, True,
           "area under the ROC curve (one-vs-rest macro for several classes or tasks)",
           _prepare_auc, _roc_auc),
        _m("log_loss", CLASSIFICATION, False, True, "cross-entropy of the probabilities",
           _cls("log_loss"), _log_loss),
        _m("map", ("multilabel",), True, True,
           "mean over tasks of average precision, unknown labels ignored", _multi("map"), _map),
        _m("rmse", ("regression",), False, False, "root mean squared error",
           _reg("rmse"), _rmse),
        _m("mae", ("regression",), False, False, "mean absolute error", _reg("mae"), _mae),
    )
}  # fmt: skip


def available_metrics() -> list[str]:
    """Names of every registered metric."""
    return list(_REGISTRY)


def _error_form(base: Metric) -> Metric:
    """``1-<base>`` as a metric of its own (lower is better), e.g. ``1-f1``."""
    compute = base._compute

    def one_minus(d: Prepared) -> float:
        return 1.0 - compute(d)

    return Metric(
        base.error_name,
        base.task_kinds,
        False,
        base.needs_proba,
        f"1 - {base.name} (error form)",
        _prepare=base._prepare,
        _compute=one_minus,
    )


def get_metric(name: str) -> Metric:
    """The metric called ``name`` (case-insensitive; ``auc`` → ``roc_auc``, ...).

    ``1-<name>`` of a higher-is-better metric (``1-f1``, ``1-accuracy``) is that metric's
    error form as a metric of its own: ``score`` returns ``1 - <name>``, lower is better.
    """
    if isinstance(name, Metric):
        return name
    if not isinstance(name, str):
        raise ConfigError(f"metric must be a name (str); got {name!r}.")
    text = name.strip().lower().replace(" ", "")
    if text.startswith("1-") and len(text) > 2:
        base = get_metric(text[2:])
        if not base.higher_is_better:
            raise ConfigError(
                f"{name!r}: {base.name} is already lower-is-better; use {base.name!r} itself."
            )
        return _error_form(base)
    key = text.replace("-", "_")
    key = _ALIASES.get(key, key)
    if key not in _REGISTRY:
        raise ConfigError(
            f"unknown metric {name!r}; known metrics are {', '.join(available_metrics())} "
            "(and 1-<metric> for the error form of a higher-is-better one)."
        )
    return _REGISTRY[key]


# -- predictions tables -------------------------------------------------------------------


def _class_positions(preds: Any, column: str) -> np.ndarray:
    """Positions of a label / pred column among ``preds.classes`` (vectorised)."""
    values = preds.frame[column]
    if pd.api.types.is_float_dtype(values) and (values == values.round()).all():
        values = values.astype(np.int64)
    out = pd.Index(preds.classes).get_indexer(values.astype(str)).astype(np.int64)
    if (out < 0).any():  # the contract's own message, naming row and column
        return preds.label_indices() if column == "label" else preds.pred_indices()
    return out


def predictions_arrays(preds: Any, metric: Metric, pos_label: Any) -> dict[str, Any]:
    from yearn.errors import PredictionsError

    if preds.models and len(preds.models) > 1:
        raise PredictionsError(
            f"{preds.source}: the table holds {len(preds.models)} models "
            f"({', '.join(preds.models[:5])}); pick one with preds.for_model(name)."
        )
    present = [str(v) for v in pd.unique(preds.frame["split"])]
    if len(present) > 1:
        raise PredictionsError(
            f"{preds.source}: the table mixes splits ({', '.join(sorted(present))}); score one "
            "split at a time with preds.split(name)."
        )
    metric.check_task(preds.task)
    if preds.task == "regression":
        return {"y_true": preds.frame["label"].to_numpy(float), "y_pred": preds.frame["pred"]}
    if preds.task == "multilabel":
        kw = {"y_true": preds.multilabel_labels(), "proba": preds.proba()}
        decided = [f"pred:{t}" for t in preds.tasks]
        if all(c in preds.frame for c in decided):
            kw["y_pred"] = preds.frame[decided].to_numpy(dtype=float)
        return kw
    has_proba = f"proba:{preds.classes[0]}" in preds.frame
    kw: dict[str, Any] = {
        "y_true": _class_positions(preds, "label"),
        "y_pred": _class_positions(preds, "pred"),
        "proba": preds.proba() if has_proba else None,
        "classes": list(range(len(preds.classes))),
    }
    if pos_label is not None:
        if str(pos_label) not in preds.classes:
            raise PredictionsError(
                f"{preds.source}: pos_label {pos_label!r} is not a class; classes are "
                f"{', '.join(preds.classes)}."
            )
        kw["pos_label"] = preds.classes.index(str(pos_label))
    return kw


def score_predictions(preds: Any, name: str | Metric, *, pos_label: Any = None) -> float:
    """The metric on a predictions table (one split, one model).

    ``preds`` is a :class:`yearn.predictions.Predictions` (or a path / DataFrame, loaded
    with :func:`yearn.predictions.load_predictions`). For binary metrics the positive class
    is ``pos_label`` or else the last class (the second ``proba:`` column).
    """
    from yearn.metrics._load import load_for_metric

    metric = get_metric(name)
    preds = load_for_metric(preds, metric)
    return metric.score(**predictions_arrays(preds, metric, pos_label))


def error_from_predictions(preds: Any, name: str | Metric, *, pos_label: Any = None) -> float:
    """The error form (lower is better) of the metric on a predictions table."""
    metric = get_metric(name)
    return metric.to_error(score_predictions(preds, metric, pos_label=pos_label))
