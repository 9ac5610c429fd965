"""How each registered metric validates its inputs (prepare) and computes (compute).

Label metrics, ROC AUC and log loss are computed with numpy (confusion counts, the
rank-sum formula): the bootstrap calls them thousands of times. Each is tested against
scikit-learn.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import stats

from yearn.errors import ConfigError, DataError
from yearn.metrics._inputs import (
    Prepared,
    class_inputs,
    multilabel_inputs,
    regression_inputs,
)


def _cls(name: str, binary: bool = False) -> Callable[..., Prepared]:
    def prepare(y_true, y_pred, proba, *, classes, pos_label) -> Prepared:
        inp = class_inputs(y_true, y_pred, proba, classes=classes, pos_label=pos_label, metric=name)
        if binary and inp.n_classes > 2:
            hint = "f1_macro or f1_micro" if name == "f1" else "f1_macro or error"
            raise ConfigError(
                f"{name} is a binary metric; these labels have {inp.n_classes} classes. "
                f"Use {hint} for several classes."
            )
        return inp

    return prepare


def _reg(name: str) -> Callable[..., Prepared]:
    def prepare(y_true, y_pred, proba, *, classes, pos_label) -> Prepared:
        return regression_inputs(y_true, y_pred, metric=name)

    return prepare


def _multi(name: str) -> Callable[..., Prepared]:
    def prepare(y_true, y_pred, proba, *, classes, pos_label) -> Prepared:
        return multilabel_inputs(y_true, proba, metric=name)

    return prepare


def _decisions(name: str) -> Callable[..., Prepared]:
    """Single-label classes, or multi-label 0/1 decisions (2-D labels with NaN = unknown)."""
    single = _cls(name)

    def prepare(y_true, y_pred, proba, *, classes, pos_label) -> Prepared:
        if np.ndim(y_true) == 2 and np.shape(y_true)[1] > 1:
            return multilabel_inputs(y_true, proba, metric=name, y_pred=y_pred, need_proba=False)
        return single(y_true, y_pred, proba, classes=classes, pos_label=pos_label)

    return prepare


def _prepare_auc(y_true, y_pred, proba, *, classes, pos_label) -> Prepared:
    if np.ndim(y_true) == 2 and np.shape(y_true)[1] > 1:
        return multilabel_inputs(y_true, proba, metric="roc_auc")
    return _cls("roc_auc")(y_true, y_pred, proba, classes=classes, pos_label=pos_label)


def _accuracy(d: Prepared) -> float:
    if d.y_true.ndim == 2:  # multi-label: right decisions among the known labels
        known = ~np.isnan(d.y_true)
        if not known.any():
            raise DataError("accuracy: every multi-label label is unknown (NaN).")
        return float(np.mean(d.y_pred[known] == d.y_true[known]))
    return float(np.mean(d.y_true == d.y_pred))


def _error(d: Prepared) -> float:
    return 1.0 - _accuracy(d)


def _ratio(num: float, den: float) -> float:
    return float(num / den) if den else 0.0


def _binary(which: str) -> Callable[[Prepared], float]:
    """Precision / recall / F1 of the positive class (0 when undefined, like zero_division=0)."""

    def compute(d: Prepared) -> float:
        t, p = d.y_true == d.pos, d.y_pred == d.pos
        tp = float(np.sum(t & p))
        fp = float(np.sum(~t & p))
        fn = float(np.sum(t & ~p))
        if which == "precision":
            return _ratio(tp, tp + fp)
        if which == "recall":
            return _ratio(tp, tp + fn)
        return _ratio(2 * tp, 2 * tp + fp + fn)

    return compute


def _f1_avg(average: str) -> Callable[[Prepared], float]:
    """F1 averaged over the classes present in labels or predictions (as scikit-learn)."""

    def compute(d: Prepared) -> float:
        k = max(d.n_classes, 1)
        cm = np.bincount(d.y_true * k + d.y_pred, minlength=k * k).reshape(k, k)
        tp = np.diag(cm).astype(float)
        fp = cm.sum(axis=0) - tp
        fn = cm.sum(axis=1) - tp
        present = (cm.sum(axis=0) + cm.sum(axis=1)) > 0
        if average == "micro":
            return _ratio(2 * tp.sum(), 2 * tp.sum() + fp.sum() + fn.sum())
        den = 2 * tp + fp + fn
        f1 = np.divide(2 * tp, den, out=np.zeros_like(tp), where=den > 0)
        return float(f1[present].mean())

    return compute


def _auc(positive: np.ndarray, score: np.ndarray) -> float:
    """Binary ROC AUC by the rank-sum (Mann-Whitney) formula; ties count one half."""
    n1 = int(positive.sum())
    n0 = len(positive) - n1
    ranks = stats.rankdata(score)
    return float((ranks[positive].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def _roc_auc(d: Prepared) -> float:
    if d.y_true.ndim == 2:  # multi-label: macro over tasks, unknown labels ignored
        scores = []
        for t in range(d.y_true.shape[1]):
            known = ~np.isnan(d.y_true[:, t])
            if len(np.unique(d.y_true[known, t])) == 2:
                scores.append(_auc(d.y_true[known, t] == 1, d.proba[known, t]))
        if not scores:
            raise DataError("roc_auc: no task has both positive and negative known labels.")
        return float(np.mean(scores))
    present = np.unique(d.y_true)
    if present.size < 2:
        raise DataError(
            f"roc_auc is undefined when the labels hold one class only "
            f"({d.classes[present[0]]!r}); score a split with both classes or use error."
        )
    if d.n_classes == 2:
        return _auc(d.y_true == d.pos, d.proba[:, d.pos])
    if present.size < d.n_classes:
        missing = [d.classes[i] for i in range(d.n_classes) if i not in set(present)]
        raise DataError(
            f"roc_auc (one-vs-rest) needs every class among the labels; missing "
            f"{', '.join(missing[:10])}. Use a larger split or log_loss."
        )
    return float(np.mean([_auc(d.y_true == c, d.proba[:, c]) for c in range(d.n_classes)]))


def _log_loss(d: Prepared) -> float:
    p = np.clip(d.proba, 1e-15, 1.0)
    p = p / p.sum(axis=1, keepdims=True)
    return float(-np.mean(np.log(p[np.arange(len(p)), d.y_true])))


def average_precision(y: np.ndarray, score: np.ndarray) -> float:
    """Average precision of 0/1 labels ``y`` ranked by ``score`` (ties share a threshold):
    the sum over thresholds of (recall gain) x precision, equal to scikit-learn's
    ``average_precision_score`` at a fraction of its cost (slices bootstrap it)."""
    order = np.argsort(-np.asarray(score, dtype=float), kind="mergesort")
    ranked, hits = np.asarray(score, dtype=float)[order], np.asarray(y, dtype=float)[order]
    last = np.r_[np.flatnonzero(np.diff(ranked)), ranked.size - 1]  # end of each threshold
    tps = np.cumsum(hits)[last]
    return float(np.sum(np.diff(np.r_[0.0, tps / tps[-1]]) * tps / (last + 1)))


def _map(d: Prepared) -> float:
    aps = []
    for t in range(d.y_true.shape[1]):
        known = ~np.isnan(d.y_true[:, t])
        if (d.y_true[known, t] == 1).any():
            aps.append(average_precision(d.y_true[known, t], d.proba[known, t]))
    if not aps:
        raise DataError("map: no task has a known positive label; average precision is undefined.")
    return float(np.mean(aps))


def _rmse(d: Prepared) -> float:
    return float(np.sqrt(np.mean((d.y_true - d.y_pred) ** 2)))


def _mae(d: Prepared) -> float:
    return float(np.mean(np.abs(d.y_true - d.y_pred)))
