"""Input checks shared by the metrics: labels to class indices, probabilities, lengths."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from yearn.errors import DataError

__all__ = ["Prepared", "class_inputs", "multilabel_inputs", "regression_inputs"]


class Prepared:
    """Validated, row-aligned metric inputs.

    Classification: ``y_true`` and ``y_pred`` are int arrays indexing ``classes``,
    ``proba`` is (n, k) or None and ``pos`` the index of the positive class. Regression:
    float ``y_true`` / ``y_pred``. Multi-label: ``y_true`` (n, t) with NaN for unknown and
    ``proba`` (n, t). :meth:`take` selects rows (for bootstrap resamples).
    """

    __slots__ = ("classes", "pos", "proba", "y_pred", "y_true")

    def __init__(self, y_true, y_pred=None, proba=None, classes=(), pos=0):
        self.y_true = y_true
        self.y_pred = y_pred
        self.proba = proba
        self.classes = tuple(classes)
        self.pos = pos

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    def __len__(self) -> int:
        return len(self.y_true)

    def take(self, idx: np.ndarray) -> Prepared:
        """The same inputs restricted to rows ``idx``."""
        return Prepared(
            self.y_true[idx],
            None if self.y_pred is None else self.y_pred[idx],
            None if self.proba is None else self.proba[idx],
            self.classes,
            self.pos,
        )


def _as_1d(name: str, values: Any) -> np.ndarray:
    arr = np.asarray(values)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise DataError(f"{name} must be one-dimensional; got shape {arr.shape}.")
    if arr.size == 0:
        raise DataError(f"{name} is empty; a metric needs at least one example.")
    return arr


def _missing(arr: np.ndarray) -> np.ndarray:
    if arr.dtype.kind == "f":
        return np.isnan(arr)
    if arr.dtype.kind == "O":
        return np.array([v is None or (isinstance(v, float) and np.isnan(v)) for v in arr])
    return np.zeros(arr.shape, dtype=bool)


def _key(v: Any) -> str:
    """Label → string key, so 1, 1.0, "1" and np.int64(1) all name the same class."""
    if isinstance(v, float | np.floating) and float(v).is_integer():
        return str(int(v))
    if isinstance(v, bool | np.bool_):
        return str(int(v))
    return str(v)


def _keys_to_indices(arr: np.ndarray, lookup: dict[str, int]) -> np.ndarray:
    """Positions of the labels ``arr`` among the class keys (-1 when unknown); vectorised
    for integer, whole-float, boolean and string arrays, one by one for mixed objects."""
    kind = arr.dtype.kind
    keys = None
    if kind in "iu":
        if all(k.lstrip("-").isdigit() for k in lookup):  # integer classes: direct lookup
            table = {int(k): i for k, i in lookup.items()}
            low, high = min(table, default=0), max(table, default=-1)
            if high - low < 1_000_000:
                dense = np.full(high - low + 1, -1, dtype=np.int64)
                for k, i in table.items():
                    dense[k - low] = i
                inside = (arr >= low) & (arr <= high)
                out = np.full(len(arr), -1, dtype=np.int64)
                out[inside] = dense[arr[inside].astype(np.int64) - low]
                return out
        keys = arr.astype(str)
    elif kind == "b" or (kind == "f" and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr))):
        keys = arr.astype(np.int64).astype(str)
    elif kind in "US":
        keys = arr.astype(str)
    if keys is None:
        return np.fromiter((lookup.get(_key(v), -1) for v in arr), dtype=np.int64, count=len(arr))
    return pd.Index(list(lookup)).get_indexer(keys).astype(np.int64)


def _check_proba(proba: Any, n: int, k: int | None) -> np.ndarray:
    p = np.asarray(proba, dtype=float)
    if p.ndim == 1:
        p = np.column_stack([1.0 - p, p])  # binary: probability of the positive class
    if p.ndim != 2 or p.shape[0] != n:
        raise DataError(f"proba must have shape (n_examples={n}, n_classes); got {p.shape}.")
    if k is not None and p.shape[1] != k:
        raise DataError(
            f"proba has {p.shape[1]} columns but there are {k} classes; give one column per "
            "class, in the order of `classes`."
        )
    if not np.isfinite(p).all():
        row = int(np.flatnonzero(~np.isfinite(p).all(axis=1))[0])
        raise DataError(f"proba row {row} holds a non-finite value: {p[row].tolist()}.")
    if (p < -1e-6).any() or (p > 1 + 1e-6).any():
        row = int(np.flatnonzero(((p < 0) | (p > 1)).any(axis=1))[0])
        raise DataError(f"proba row {row} has values outside [0, 1]: {p[row].tolist()}.")
    return p


def class_inputs(
    y_true: Any,
    y_pred: Any = None,
    proba: Any = None,
    *,
    classes: Sequence[Any] | None = None,
    pos_label: Any = None,
    metric: str = "metric",
) -> Prepared:
    """Validate single-label classification inputs and map labels to class indices.

    Classes are ``classes`` when given (the order of ``proba``'s columns), else the sorted
    labels seen in ``y_true`` and ``y_pred``; with only ``proba`` and integer labels,
    ``0 .. k-1``. ``y_pred`` defaults to the arg-max of ``proba``.
    """
    yt = _as_1d("y_true", y_true)
    if _missing(yt).any():
        row = int(np.flatnonzero(_missing(yt))[0])
        raise DataError(f"y_true row {row} is missing; every example needs a label.")
    yp = None
    if y_pred is not None:
        yp = _as_1d("y_pred", y_pred)
        if len(yp) != len(yt):
            raise DataError(
                f"y_true has {len(yt)} labels but y_pred has {len(yp)}; give one prediction "
                "per example."
            )
        if _missing(yp).any():
            row = int(np.flatnonzero(_missing(yp))[0])
            raise DataError(f"y_pred row {row} is missing; every example needs a prediction.")
    if yp is None and proba is None:
        raise DataError(f"{metric} needs y_pred or proba; got neither.")

    if classes is not None:
        cls = [_key(c) for c in classes]
        if len(set(cls)) != len(cls):
            raise DataError(f"classes must be distinct; got {list(classes)}.")
    else:
        seen = {_key(v) for v in yt} | ({_key(v) for v in yp} if yp is not None else set())
        k = None if proba is None else _check_proba(proba, len(yt), None).shape[1]
        if k is not None and len(seen) != k:
            if all(s.lstrip("-").isdigit() for s in seen) and all(0 <= int(s) < k for s in seen):
                seen = {str(i) for i in range(k)}
            else:
                raise DataError(
                    f"proba has {k} columns but the labels hold {len(seen)} classes "
                    f"({', '.join(sorted(seen)[:10])}); pass classes=[...] in column order."
                )
        try:
            cls = sorted(seen, key=lambda s: (0, float(s)))
        except ValueError:
            cls = sorted(seen)
    lookup = {c: i for i, c in enumerate(cls)}

    def index(name: str, arr: np.ndarray) -> np.ndarray:
        out = _keys_to_indices(arr, lookup)
        bad = np.flatnonzero(out < 0)
        if bad.size:
            raise DataError(
                f"{name} row {int(bad[0])} is {_key(arr[bad[0]])!r}, not one of the classes "
                f"{', '.join(cls[:20])}; fix the label or pass the full list of classes."
            )
        return out

    t = index("y_true", yt)
    p = None if proba is None else _check_proba(proba, len(yt), len(cls))
    pred = index("y_pred", yp) if yp is not None else p.argmax(axis=1)
    if pos_label is None:
        pos = len(cls) - 1
    else:
        if _key(pos_label) not in lookup:
            raise DataError(f"pos_label {pos_label!r} is not one of the classes {cls}.")
        pos = lookup[_key(pos_label)]
    return Prepared(t, pred, p, tuple(cls), pos)


def regression_inputs(y_true: Any, y_pred: Any, *, metric: str) -> Prepared:
    """Validate regression targets and predictions as finite float arrays."""
    if y_pred is None:
        raise DataError(f"{metric} needs y_pred (the predicted values).")
    out = []
    for name, values in (("y_true", y_true), ("y_pred", y_pred)):
        arr = _as_1d(name, values)
        try:
            arr = arr.astype(float)
        except (TypeError, ValueError):
            raise DataError(
                f"{metric} is a regression metric but {name} holds non-numeric values "
                f"(e.g. {arr[0]!r}); for class labels use error, accuracy or f1_macro."
            ) from None
        bad = ~np.isfinite(arr)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise DataError(f"{name} row {row} is {float(arr[row])!r}, not a finite number.")
        out.append(arr)
    if len(out[0]) != len(out[1]):
        raise DataError(f"y_true has {len(out[0])} values but y_pred has {len(out[1])}.")
    return Prepared(out[0], out[1])


def multilabel_inputs(
    y_true: Any, proba: Any, *, metric: str, y_pred: Any = None, need_proba: bool = True
) -> Prepared:
    """Validate multi-label inputs: labels (n, t) of 1 / 0 / NaN (unknown), proba (n, t)
    and, optionally, 0/1 decisions ``y_pred`` (n, t); without them ``proba >= 0.5``."""
    if proba is None and (need_proba or y_pred is None):
        raise DataError(f"{metric} needs proba (one column of probabilities per task).")
    y = np.asarray(y_true, dtype=float)
    if y.ndim != 2 or y.shape[0] == 0:
        raise DataError(f"{metric}: y_true must have shape (n_examples, n_tasks); got {y.shape}.")
    known = ~np.isnan(y)
    if not np.isin(y[known], (0.0, 1.0)).all():
        raise DataError(f"{metric}: multi-label labels must be 1, 0 or NaN (unknown).")
    p = None
    if proba is not None:
        p = np.asarray(proba, dtype=float)
        if p.shape != y.shape:
            raise DataError(
                f"{metric}: y_true and proba must both have shape (n_examples, n_tasks); got "
                f"{y.shape} and {p.shape}."
            )
        if not np.isfinite(p).all() or (p < 0).any() or (p > 1).any():
            raise DataError(f"{metric}: proba must hold finite probabilities in [0, 1].")
    if y_pred is not None:
        decisions = np.asarray(y_pred, dtype=float)
        if decisions.shape != y.shape or not np.isin(decisions, (0.0, 1.0)).all():
            raise DataError(
                f"{metric}: y_pred must be 0/1 decisions of shape {y.shape}; got shape "
                f"{decisions.shape}."
            )
    else:
        decisions = (p >= 0.5).astype(float)
    return Prepared(y, decisions, p)
