"""Fit the baselines on train and score them on train, train-dev and dev (never test)."""

from __future__ import annotations

import html
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from yearn.baselines._estimators import baseline_specs
from yearn.errors import ConfigError, DataError
from yearn.metrics import get_metric, score_predictions
from yearn.predictions import load_predictions

__all__ = ["BaselineReport", "fit_baselines", "score_tables"]

log = logging.getLogger(__name__)
TASKS = ("binary", "multiclass", "multilabel", "regression")
EVAL_SPLITS = ("train", "train_dev", "dev")


@dataclass(frozen=True)
class BaselineReport:
    """Scores of every baseline on every split, and their predictions tables.

    ``scores`` has columns ``baseline``, ``kind``, ``split``, ``value`` (the metric) and
    ``error`` (its error form); ``best`` is the best baseline on ``best_split`` (dev when
    present); ``tables`` maps each baseline to its predictions table (the contract of
    :mod:`yearn.predictions`); ``run_ids`` the runs recorded in the store, if any.
    """

    metric: str
    task: str
    scores: pd.DataFrame
    best: str
    best_split: str
    tables: dict[str, pd.DataFrame] = field(repr=False)
    run_ids: dict[str, str] = field(default_factory=dict)
    note: str = ""

    def value(self, baseline: str, split: str) -> float:
        """The metric of one baseline on one split."""
        rows = self.scores[(self.scores["baseline"] == baseline) & (self.scores["split"] == split)]
        if rows.empty:
            raise ConfigError(
                f"no score for baseline {baseline!r} on split {split!r}; baselines are "
                f"{', '.join(self.tables)} and splits {', '.join(self.scores['split'].unique())}."
            )
        return float(rows["value"].iloc[0])

    def wide(self) -> pd.DataFrame:
        """Baselines × splits table of the metric."""
        table = self.scores.pivot(index="baseline", columns="split", values="value")
        order = [s for s in EVAL_SPLITS if s in table.columns]
        return table.loc[list(self.tables), order]

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "error_name": get_metric(self.metric).error_name,
            "task": self.task,
            "best": self.best,
            "best_split": self.best_split,
            "scores": self.scores.to_dict(orient="records"),
            "run_ids": dict(self.run_ids),
            "note": self.note,
        }

    def _repr_html_(self) -> str:
        from yearn.display import bar_chart, html_table

        wide = self.wide()
        records = [
            {"baseline": f"{name} (best)" if name == self.best else name, **wide.loc[name]}
            for name in wide.index
        ]
        table = html_table(records, ["baseline", *wide.columns])
        chart = (
            bar_chart(
                list(wide.index),
                [float(v) for v in wide[self.best_split]],
                title=f"{self.metric} on {self.best_split}",
                fmt=".4g",
            )
            if self.best_split in wide.columns
            else ""
        )
        return (
            f"<p>Baselines ({html.escape(self.metric)}); best on "
            f"{html.escape(self.best_split)}: <b>{html.escape(self.best)}</b></p>{table}{chart}"
        )


def _check_xy(name: str, X: Any, y: Any, task: str) -> tuple[Any, np.ndarray]:
    if not isinstance(X, pd.DataFrame):
        X = np.asarray(X)
        if X.ndim == 1:
            X = X.reshape(-1, 1)
        if X.ndim != 2:
            raise DataError(
                f"X of split {name!r} must be 2-D (examples × features); got {X.shape}."
            )
        if X.dtype.kind not in "biuf":
            raise DataError(
                f"X of split {name!r} holds {X.dtype} values; pass numbers, or a DataFrame "
                "whose text columns are one-hot encoded for you."
            )
        if np.isinf(X.astype(float)).any():
            row = int(np.flatnonzero(np.isinf(X.astype(float)).any(axis=1))[0])
            raise DataError(f"X of split {name!r}: row {row} holds an infinite value.")
    else:
        num = X.select_dtypes("number")
        bad = np.isinf(num.to_numpy(dtype=float)) if num.shape[1] else np.zeros((len(X), 0))
        if bad.any():
            row, col = (int(v[0]) for v in np.nonzero(bad))
            raise DataError(
                f"X of split {name!r}: column {num.columns[col]!r}, row {row} is infinite; "
                "replace it by a finite value or leave it empty (missing)."
            )
    y = np.asarray(y, dtype=float if task in ("regression", "multilabel") else object)
    if len(y) != len(X):
        raise DataError(f"split {name!r}: X has {len(X)} rows but y has {len(y)} labels.")
    if task == "regression" and not np.isfinite(y).all():
        row = int(np.flatnonzero(~np.isfinite(y))[0])
        raise DataError(f"split {name!r}: label of row {row} is {y[row]}, not a finite number.")
    if task in ("binary", "multiclass"):
        missing = pd.isna(y)
        if missing.any():
            raise DataError(
                f"split {name!r}: label of row {int(np.flatnonzero(missing)[0])} is missing."
            )
        y = y.astype(str)
    return X, y


def _table(spec_name, est, X, y, ids, split, task, classes, tasks) -> pd.DataFrame:
    frame: dict[str, Any] = {"id": ids, "split": split}
    if task == "regression":
        frame.update(label=y, pred=np.asarray(est.predict(X), dtype=float))
    elif task == "multilabel":
        proba = est.predict_proba(X)
        for t, name in enumerate(tasks):
            frame[f"label:{name}"] = y[:, t]
            frame[f"proba:{name}"] = proba[:, t]
    else:
        raw = est.predict_proba(X)
        proba = np.zeros((len(y), len(classes)))
        position = {c: i for i, c in enumerate(classes)}
        for j, c in enumerate(est.classes_):
            proba[:, position[str(c)]] = raw[:, j]
        frame["label"] = y
        frame["pred"] = np.asarray(classes, dtype=object)[proba.argmax(axis=1)]
        for i, c in enumerate(classes):
            frame[f"proba:{c}"] = proba[:, i]
    return pd.DataFrame(frame)


def fit_baselines(
    splits: Mapping[str, tuple[Any, Any] | tuple[Any, Any, Any]],
    *,
    task: str,
    metric: str | None = None,
    classes: Sequence[Any] | None = None,
    tasks: Sequence[str] | None = None,
    baselines: Sequence[str] | None = None,
    random_state: int | None = 0,
    n_threads: int = 1,
    fit_on: tuple[Any, Any] | None = None,
    text_columns: Sequence[str] = (),
) -> BaselineReport:
    """Fit every baseline on ``splits["train"]`` and score it on train, train_dev and dev.

    ``splits`` maps a split name to ``(X, y)`` or ``(X, y, ids)``; X is a 2-D array or a
    DataFrame (numeric columns used as they are, others one-hot encoded). A ``test`` split
    is refused: baselines never look at test. ``metric`` defaults to error (rmse for
    regression, map for multi-label); ``baselines`` picks some by name; ``n_threads``
    caps the OpenMP threads of the fits; ``fit_on`` = ``(X, y)`` fits on those examples
    instead of ``splits["train"]`` (used for trivial baselines from a predictions table);
    ``text_columns`` names the DataFrame columns to vectorise as text (TF-IDF).
    """
    if task not in TASKS:
        raise ConfigError(f"task must be one of {', '.join(TASKS)}; got {task!r}.")
    if "test" in splits:
        raise ConfigError("baselines never look at the test split; pass train, train_dev and dev.")
    unknown = sorted(set(splits) - set(EVAL_SPLITS))
    if unknown:
        raise ConfigError(f"unknown split {unknown[0]!r}; give {', '.join(EVAL_SPLITS)}.")
    if "train" not in splits and fit_on is None:
        raise ConfigError("splits needs a 'train' entry to fit the baselines on.")
    metric_name = metric or {"regression": "rmse", "multilabel": "map"}.get(task, "error")
    m = get_metric(metric_name)
    m.check_task(task)
    data = {}
    for name, item in splits.items():
        if len(item) not in (2, 3):
            raise ConfigError(f"splits[{name!r}] must be (X, y) or (X, y, ids).")
        X, y = _check_xy(name, item[0], item[1], task)
        ids = (
            np.asarray(item[2])
            if len(item) == 3
            else np.array([f"{name}:{i}" for i in range(len(y))])
        )
        if len(X):
            data[name] = (X, y, ids)
    if fit_on is not None:
        X_train, y_train = _check_xy("fit_on", fit_on[0], fit_on[1], task)
    elif "train" not in data:
        raise DataError("the train split is empty; baselines need training examples.")
    else:
        X_train, y_train, _ = data["train"]
    if not data:
        raise DataError("every split is empty; give examples to score the baselines on.")
    if task == "multilabel":
        y_train = np.asarray(y_train, dtype=float)
        tasks = tuple(tasks or (f"task{t}" for t in range(y_train.shape[1])))
        classes_t: tuple[str, ...] = ()
    else:
        tasks = ()
        if task != "regression":
            seen = sorted(set(y_train))
            if len(seen) < 2:
                raise DataError(
                    f"the train split holds one class only ({seen[0]!r}); a classifier (and its "
                    "baselines) needs at least two. Check the labels or the split."
                )
            classes_t = tuple(str(c) for c in classes) if classes is not None else None
            if classes_t is None:
                every = set(y_train).union(*(set(d[1]) for d in data.values()))
                classes_t = tuple(sorted(every))
        else:
            classes_t = ()
    specs = baseline_specs(task, X_train, random_state=random_state, text=text_columns)
    if baselines is not None:
        known = [s.name for s in specs]
        bad = [b for b in baselines if b not in known]
        if bad:
            raise ConfigError(
                f"unknown baseline {bad[0]!r}; for {task} they are {', '.join(known)}."
            )
        specs = [s for s in specs if s.name in baselines]

    tables: dict[str, pd.DataFrame] = {}
    for spec in specs:
        log.info("fitting baseline %s on %d examples", spec.name, len(y_train))
        # one OpenMP thread: these models are small, and on a busy machine gradient
        # boosting's thread pool spins for far longer than the fit itself
        with threadpool_limits(limits=n_threads, user_api="openmp"):
            est = spec.estimator.fit(X_train, y_train)
            parts = [
                _table(spec.name, est, X, y, ids, split, task, classes_t, tasks)
                for split, (X, y, ids) in data.items()
            ]
        tables[spec.name] = pd.concat(parts, ignore_index=True)
    return score_tables(tables, {s.name: s.kind for s in specs}, task=task, metric=m.name)


def score_tables(
    tables: Mapping[str, pd.DataFrame],
    kinds: Mapping[str, str],
    *,
    task: str,
    metric: str,
    run_ids: Mapping[str, str] | None = None,
    note: str = "",
) -> BaselineReport:
    """Score baselines' predictions tables on each of their splits (never test) and pick
    the best one on dev (else train_dev, else train)."""
    m = get_metric(metric)
    rows = []
    present: set[str] = set()
    for name, table in tables.items():
        preds = load_predictions(table, task=task)
        for split in EVAL_SPLITS:
            if (preds.frame["split"] == split).any():
                present.add(split)
                value = score_predictions(preds.split(split), m)
                rows.append((name, kinds.get(name, "?"), split, value, m.to_error(value)))
    if not rows:
        raise DataError("the baselines' tables hold no train, train_dev or dev rows to score.")
    scores = pd.DataFrame(rows, columns=["baseline", "kind", "split", "value", "error"])
    best_split = next(s for s in ("dev", "train_dev", "train") if s in present)
    on = scores[scores["split"] == best_split]
    best = on.sort_values("error", kind="stable").iloc[0]["baseline"]
    return BaselineReport(
        m.name, task, scores, str(best), best_split, dict(tables), dict(run_ids or {}), note
    )
