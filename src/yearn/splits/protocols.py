"""Evaluation protocols: holdout, K-fold and iterated K-fold with shuffling.

A :class:`Protocol` picks a scikit-learn splitter (``ShuffleSplit`` / ``KFold`` /
``StratifiedKFold`` / ``GroupKFold`` / ``RepeatedStratifiedKFold`` ...) for the data at
hand; :func:`evaluate` runs one fit per fold in parallel processes and returns the
per-fold scores with their mean, spread and a t confidence interval. The final model is
refit on train + dev (:func:`fit_final`) and looked at once on test (:func:`look_at_test`,
which counts every look in the run store and warns from the second one).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
from scipy import stats

from yearn._validation import check_choice, check_number, check_positive_int
from yearn.errors import ConfigError, DataError
from yearn.splits._final import TestLook, TestSetReuseWarning, fit_final, look_at_test
from yearn.splits._scoring import make_factory, resolve_metric, score_model

__all__ = [
    "CVResult",
    "Protocol",
    "TestLook",
    "TestSetReuseWarning",
    "evaluate",
    "fit_final",
    "holdout",
    "kfold",
    "look_at_test",
    "repeated_kfold",
    "t_interval",
]

KINDS = ("holdout", "kfold", "repeated_kfold")
CI_METHODS = ("t", "corrected_t")


@dataclass(frozen=True)
class Protocol:
    """How to cut data into fit / score parts: ``holdout``, ``kfold`` or ``repeated_kfold``.

    Stratified by ``y`` when ``stratify`` and the target is binary or multiclass; grouped
    when :meth:`split` gets ``groups`` (a group never straddles fit and score parts).
    """

    kind: Literal["holdout", "kfold", "repeated_kfold"] = "kfold"
    n_splits: int = 5
    n_repeats: int = 3
    test_size: float = 0.2
    shuffle: bool = True
    stratify: bool = True
    random_state: int | None = 0

    def __post_init__(self) -> None:
        check_choice("protocol kind", self.kind, KINDS)
        check_positive_int("n_splits", self.n_splits, minimum=2)
        check_positive_int("n_repeats", self.n_repeats)
        check_number(
            "test_size", self.test_size, low=0, high=1, low_inclusive=False, high_inclusive=False
        )
        if self.kind == "repeated_kfold" and not self.shuffle:
            raise ConfigError(
                "repeated_kfold reshuffles before every repeat; shuffle=False would repeat "
                "the same folds. Use kfold for unshuffled folds."
            )

    @property
    def n_folds(self) -> int:
        """How many (fit, score) pairs :meth:`split` yields."""
        return {"holdout": 1, "kfold": self.n_splits}.get(self.kind, self.n_splits * self.n_repeats)

    def describe(self) -> str:
        if self.kind == "holdout":
            return f"holdout ({self.test_size:g} held out)"
        if self.kind == "kfold":
            return f"{self.n_splits}-fold"
        return f"{self.n_repeats}×{self.n_splits}-fold (reshuffled)"

    def splitters(self, y: Any = None, groups: Any = None) -> list[Any]:
        """The scikit-learn splitter(s) for this data (several only for grouped repeats)."""
        from sklearn import model_selection as ms  # here: `yearn split` never loads sklearn

        stratified = self.stratify and y is not None and _is_classes(y)
        rs = self.random_state if self.shuffle else None
        if self.kind == "holdout":
            if groups is not None:
                return [ms.GroupShuffleSplit(1, test_size=self.test_size, random_state=rs)]
            cls = ms.StratifiedShuffleSplit if stratified else ms.ShuffleSplit
            return [cls(1, test_size=self.test_size, random_state=rs)]
        if groups is not None:
            cls = ms.StratifiedGroupKFold if stratified else ms.GroupKFold
            repeats = 1 if self.kind == "kfold" else self.n_repeats
            return [
                cls(
                    self.n_splits, shuffle=self.shuffle, random_state=None if rs is None else rs + i
                )
                for i in range(repeats)
            ]
        if self.kind == "kfold":
            cls = ms.StratifiedKFold if stratified else ms.KFold
            return [cls(self.n_splits, shuffle=self.shuffle, random_state=rs)]
        cls = ms.RepeatedStratifiedKFold if stratified else ms.RepeatedKFold
        return [cls(n_splits=self.n_splits, n_repeats=self.n_repeats, random_state=rs)]

    def split(
        self, X: Any, y: Any = None, groups: Any = None
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield ``(fit_indices, score_indices)`` pairs; no data is copied."""
        n = _n_rows(X)
        if y is not None:
            y = np.asarray(y)
            if len(y) != n:
                raise DataError(f"y has {len(y)} entries but X has {n} rows.")
        if groups is not None:
            groups = np.asarray(groups)
            if len(groups) != n:
                raise DataError(f"groups has {len(groups)} entries but X has {n} rows.")
            if len(np.unique(groups)) < (2 if self.kind == "holdout" else self.n_splits):
                raise DataError(
                    f"{len(np.unique(groups))} distinct group(s) cannot fill "
                    f"{self.describe()}; lower n_splits or drop groups."
                )
        splitters = self.splitters(y, groups)
        if y is not None and self.stratify and _is_classes(y):
            _check_class_counts(y, self)
        if n < (2 if self.kind == "holdout" else self.n_splits):
            raise DataError(f"{n} example(s) are too few for {self.describe()}.")
        for splitter in splitters:
            yield from splitter.split(np.zeros((n, 1)), y, groups)


def holdout(
    test_size: float = 0.2, *, stratify: bool = True, random_state: int | None = 0
) -> Protocol:
    """One random fit/score cut: for plenty of data."""
    return Protocol("holdout", test_size=test_size, stratify=stratify, random_state=random_state)


def kfold(
    n_splits: int = 5, *, shuffle: bool = True, stratify: bool = True, random_state: int | None = 0
) -> Protocol:
    """K-fold cross-validation: when a holdout would leave too few examples to score."""
    return Protocol(
        "kfold", n_splits=n_splits, shuffle=shuffle, stratify=stratify, random_state=random_state
    )


def repeated_kfold(
    n_splits: int = 5, n_repeats: int = 3, *, stratify: bool = True, random_state: int | None = 0
) -> Protocol:
    """Iterated K-fold with a reshuffle before each repeat: little data, precise estimate."""
    return Protocol(
        "repeated_kfold",
        n_splits=n_splits,
        n_repeats=n_repeats,
        stratify=stratify,
        random_state=random_state,
    )


@dataclass(frozen=True)
class CVResult:
    """Per-fold scores of one protocol with their mean, spread and confidence interval."""

    metric: str
    protocol: str
    scores: list[float]
    fold_sizes: list[tuple[int, int]]
    mean: float
    std: float
    ci_low: float
    ci_high: float
    confidence: float
    ci_method: str
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def n_folds(self) -> int:
        return len(self.scores)

    def __str__(self) -> str:
        if math.isnan(self.ci_low):
            return f"{self.metric} {self.mean:.4g} ({self.protocol}; one fold: no interval)"
        return (
            f"{self.metric} {self.mean:.4g} ± {self.std:.2g} "
            f"({100 * self.confidence:.0f}% CI [{self.ci_low:.4g}, {self.ci_high:.4g}], "
            f"{self.protocol})"
        )

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for key in ("std", "ci_low", "ci_high"):
            if isinstance(out[key], float) and math.isnan(out[key]):
                out[key] = None
        return out

    def _repr_html_(self) -> str:
        import html

        from yearn.display import bar_chart, html_table

        folds = [f"fold {i + 1}" for i in range(self.n_folds)]
        table = html_table(
            [
                {"fold": f, "fit": n_fit, "scored": n_score, self.metric: s}
                for f, (n_fit, n_score), s in zip(folds, self.fold_sizes, self.scores, strict=False)
            ]
        )
        chart = bar_chart(
            folds,
            self.scores,
            title=f"{self.metric} per fold",
            fmt=".4g",
            reference=self.mean,
            reference_label=f"mean {self.mean:.4g}",
        )
        return f"<div><b>{html.escape(str(self))}</b>{table}{chart}</div>"


def t_interval(
    scores: Any, confidence: float = 0.95, *, test_train_ratio: float | None = None
) -> tuple[float, float, float, float]:
    """``(mean, std, low, high)`` of fold scores: Student t with ``k - 1`` degrees of freedom.

    ``mean ± t(k-1, (1+c)/2) * s * sqrt(1/k)`` with ``s`` the sample std (ddof=1). With
    ``test_train_ratio`` (n_score / n_fit) the variance is inflated by Nadeau & Bengio's
    correction ``1/k + n_score/n_fit`` for folds that share training data.
    """
    arr = np.asarray(scores, dtype=float)
    k = len(arr)
    mean = float(arr.mean()) if k else math.nan
    if k < 2:
        return mean, math.nan, math.nan, math.nan
    std = float(arr.std(ddof=1))
    factor = 1 / k + (test_train_ratio or 0.0)
    half = float(stats.t.ppf(0.5 + confidence / 2, k - 1)) * std * math.sqrt(factor)
    return mean, std, mean - half, mean + half


def evaluate(
    estimator: Any,
    X: Any,
    y: Any,
    protocol: Protocol | str = "kfold",
    metric: str | Callable[[Any, Any], float] = "error",
    *,
    groups: Any = None,
    n_jobs: int = 1,
    confidence: float = 0.95,
    ci: Literal["t", "corrected_t"] = "t",
    map_fn: Callable[[Callable[[Any], Any], list[Any]], list[Any]] | None = None,
) -> CVResult:
    """Score ``estimator`` under ``protocol``: one fresh fit per fold, folds in parallel.

    ``estimator`` is a scikit-learn-style estimator (cloned per fold) or a factory that
    returns a fresh one. ``metric`` is a name from :mod:`yearn.metrics` or any callable
    ``metric(y_true, y_pred) -> float``. ``n_jobs`` > 1 runs folds in separate processes
    (joblib/loky; the estimator and data must be picklable — lambdas are fine).
    ``map_fn(fn, items)`` (an executor's ``map``, e.g. ``yearn.tune.get_executor("ray").map``)
    runs the folds instead; the scores do not depend on where they ran.
    """
    if isinstance(protocol, str):
        protocol = Protocol(check_choice("protocol", protocol, KINDS))
    check_choice("ci", ci, CI_METHODS)
    check_number("confidence", confidence, low=0, high=1, low_inclusive=False, high_inclusive=False)
    if not isinstance(n_jobs, int) or isinstance(n_jobs, bool) or n_jobs == 0 or n_jobs < -1:
        raise ConfigError(f"n_jobs must be a positive integer or -1 (all cores); got {n_jobs!r}.")
    make = make_factory(estimator)
    name, score = resolve_metric(metric)
    y_arr = _check_y(y, _n_rows(X))
    folds = list(protocol.split(X, y_arr, groups))
    start = time.perf_counter()
    if map_fn is not None:
        results = map_fn(_fold_task, [(make, X, y_arr, fit, held, score) for fit, held in folds])
    elif n_jobs == 1:
        results = [_run_fold(make, X, y_arr, fit, held, score) for fit, held in folds]
    else:
        from joblib import Parallel, delayed

        results = Parallel(n_jobs=n_jobs, backend="loky")(
            delayed(_run_fold)(make, X, y_arr, fit, held, score) for fit, held in folds
        )
    sizes = [(len(fit), len(held)) for fit, held in folds]
    ratio = float(np.mean([b / a for a, b in sizes])) if ci == "corrected_t" else None
    mean, std, low, high = t_interval(results, confidence, test_train_ratio=ratio)
    notes = [] if len(results) > 1 else ["one fold: no spread; use kfold or repeated_kfold."]
    if getattr(score, "bounded", False) and (low < 0.0 or high > 1.0):  # a rate stays a rate
        low, high = max(0.0, low), min(1.0, high)
        notes.append(f"the t interval left [0, 1]; clipped to [{low:.4g}, {high:.4g}].")
    return CVResult(
        metric=name,
        protocol=protocol.describe(),
        scores=[float(r) for r in results],
        fold_sizes=sizes,
        mean=mean,
        std=std,
        ci_low=low,
        ci_high=high,
        confidence=confidence,
        ci_method=ci,
        seconds=time.perf_counter() - start,
        notes=notes,
    )


# -- helpers ------------------------------------------------------------------------------


def _is_classes(y: Any) -> bool:
    from sklearn.utils.multiclass import type_of_target

    return type_of_target(np.asarray(y)) in ("binary", "multiclass")


def _check_class_counts(y: np.ndarray, protocol: Protocol) -> None:
    values, counts = np.unique(y.astype(str), return_counts=True)
    need = 2 if protocol.kind == "holdout" else protocol.n_splits
    if len(values) < 2:
        raise DataError(
            f"y holds one class only ({str(values[0])!r}); a classifier cannot be evaluated on it."
        )
    if counts.min() < need:
        rare = str(values[counts.argmin()])
        raise DataError(
            f"class {rare!r} has {counts.min()} example(s), fewer than the {need} that "
            f"{protocol.describe()} needs to stratify; lower n_splits or pass stratify=False."
        )


def _n_rows(X: Any) -> int:
    shape = getattr(X, "shape", None)
    if shape is not None and len(shape):
        return int(shape[0])
    return len(X)


def _take(X: Any, idx: np.ndarray) -> Any:
    return X.iloc[idx] if hasattr(X, "iloc") else X[idx]


def _check_y(y: Any, n: int) -> np.ndarray:
    arr = np.asarray(y)
    if arr.ndim == 0 or len(arr) != n:
        raise DataError(f"y must have one entry per row of X ({n}); got shape {arr.shape}.")
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        row = int(np.flatnonzero(~np.isfinite(arr))[0])
        raise DataError(f"y has a NaN or infinite value at row {row}; drop or fill it.")
    return arr


def _fold_task(args: tuple) -> float:
    """One fold as a single-argument task (for executors)."""
    return _run_fold(*args)


def _run_fold(make, X, y, fit_idx, score_idx, metric) -> float:
    model = make()
    model.fit(_take(X, fit_idx), y[fit_idx])
    return score_model(model, _take(X, score_idx), y[score_idx], metric)
