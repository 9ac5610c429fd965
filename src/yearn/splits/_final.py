"""The final fit on train + dev and the single, counted look at test."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from yearn.errors import DataError
from yearn.splits._scoring import make_factory, resolve_metric, score_model

__all__ = ["TestLook", "TestSetReuseWarning", "fit_final", "look_at_test"]


class TestSetReuseWarning(UserWarning):
    """The test set was looked at more than once: it is being tuned on."""

    __test__ = False  # not a pytest test class


@dataclass(frozen=True)
class TestLook:
    """One look at the test set: the score, and how many looks there have been."""

    __test__ = False

    model: str
    metric: str
    value: float
    looks: int
    looks_for_model: int
    run_id: str | None = None


def _concat(a: Any, b: Any) -> Any:
    if isinstance(a, pd.DataFrame | pd.Series):
        return pd.concat([a, b], ignore_index=True)
    return np.concatenate([np.asarray(a), np.asarray(b)])


def fit_final(estimator: Any, X_train: Any, y_train: Any, X_dev: Any = None, y_dev: Any = None):
    """Fit ``estimator`` (a fresh clone when it is a scikit-learn estimator) on train + dev.

    Once the choices are made on dev, the final model learns from both; returns it fitted.
    """
    model = make_factory(estimator)()
    if (X_dev is None) != (y_dev is None):
        raise DataError("give both X_dev and y_dev, or neither.")
    X, y = X_train, y_train
    if X_dev is not None:
        X, y = _concat(X_train, X_dev), _concat(y_train, y_dev)
    return model.fit(X, y) or model


def look_at_test(
    model: Any,
    X_test: Any,
    y_test: Any,
    metric: Any = "error",
    *,
    store: Any,
    model_name: str,
    run_id: str | None = None,
) -> TestLook:
    """Score a fitted model on test and record the look in the run store.

    ``store`` is a :class:`yearn.store.RunStore` or a project folder. The first look is the
    honest estimate; from the second on a :class:`TestSetReuseWarning` says how many
    looks there have been: decisions taken after looking at test tune on it.
    """
    name, scorer = resolve_metric(metric)
    value = score_model(model, X_test, y_test, scorer)
    looks, mine = _record_look(store, model_name, run_id, name, value)
    if looks > 1:
        warnings.warn(
            f"the test set has now been looked at {looks} times ({mine} for model "
            f"{model_name!r}): the test set is being tuned on, so its score is no longer an "
            "unbiased estimate. Choose on dev; look at test once, at the end.",
            TestSetReuseWarning,
            stacklevel=2,
        )
    return TestLook(model_name, name, value, looks, mine, run_id)


def _record_look(
    store: Any, model: str, run_id: str | None, metric: str, value: float
) -> tuple[int, int]:
    """All store calls of the test look: record it, count looks in all and for ``model``."""
    opened = None
    if isinstance(store, str | Path):
        from yearn.store import open_store

        store = opened = open_store(store)
    try:
        looks = int(store.record_test_look(model=model, run_id=run_id, metric=metric, value=value))
        table = store.test_looks()
        mine = int((table["model"] == model).sum()) if "model" in table else looks
        return looks, mine
    finally:
        if opened is not None:
            opened.close()
