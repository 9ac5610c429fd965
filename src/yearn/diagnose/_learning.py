"""Learning curves: error against training-set size, and what more data would buy.

The estimator (any scikit-learn estimator, including yearn's own trainer behind that
contract: ``yearn.train.TorchClassifier`` / ``TorchRegressor``; cloned, never modified)
is fitted on growing, nested, stratified subsets of the training set. The dev error is
fitted with a power law ``err(n) = a · n^(−b) + c`` (``c`` ≥ 0 the error that data
cannot remove), and the fit is bootstrapped over the curve's points to give an interval
on the dev error expected at twice the data. Verdict: *more data is likely to help* when
the expected gain from doubling is above the tolerance and its interval excludes zero;
and when the train error is already above the target, more data will not fix that bias.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from yearn._io import atomic_write_bytes
from yearn._validation import check_number, check_positive_int, first_nonfinite_row
from yearn.errors import ConfigError, DataError

__all__ = ["LearningCurve", "fit_power_law", "learning_curve"]

DEFAULT_FRACTIONS = (0.1, 0.2, 0.3, 0.45, 0.65, 0.8, 1.0)


def _power(n: np.ndarray, a: float, b: float, c: float) -> np.ndarray:
    return a * np.power(n, -b) + c


_B_GRID = np.linspace(0.0, 3.0, 301)[1:]


def fit_power_law(sizes: Sequence[float], errors: Sequence[float]) -> tuple[float, float, float]:
    """Least-squares fit of ``err(n) = a · n^(−b) + c`` with a ≥ 0, 0 < b ≤ 3 and
    0 ≤ c ≤ min(err).

    For each exponent ``b`` on a fine grid the model is linear in (a, c), solved in closed
    form under the bounds; the (a, b, c) with the least squared error wins. Deterministic
    and fast enough to bootstrap. Raises :class:`DataError` with fewer than three sizes.
    """
    n = np.asarray(sizes, dtype=float)
    e = np.asarray(errors, dtype=float)
    if len(np.unique(n)) < 3:
        raise DataError("a power-law fit needs errors at three or more training-set sizes.")
    floor = max(float(e.min()), 0.0)
    x = np.power(n[None, :], -_B_GRID[:, None])  # (grid, points)
    xm, em = x.mean(axis=1), e.mean()
    xc = x - xm[:, None]
    sxx = (xc * xc).sum(axis=1)
    sxe = (xc * (e - em)).sum(axis=1)
    cands = []
    a = np.where(sxx > 0, sxe / np.where(sxx > 0, sxx, 1), 0.0)  # unconstrained
    cands.append((np.clip(a, 0, None), np.clip(em - a * xm, 0.0, floor)))
    for c_fixed in (0.0, floor):  # c on a bound: a by least squares through c
        sx2 = (x * x).sum(axis=1)
        a_c = np.clip((x * (e - c_fixed)).sum(axis=1) / sx2, 0, None)
        cands.append((a_c, np.full_like(a_c, c_fixed)))
    best = (np.inf, 0.0, 0.0, 0.0)
    for a_k, c_k in cands:
        sse = ((a_k[:, None] * x + c_k[:, None] - e[None, :]) ** 2).sum(axis=1)
        i = int(np.argmin(sse))
        if sse[i] < best[0]:
            best = (float(sse[i]), float(a_k[i]), float(_B_GRID[i]), float(c_k[i]))
    return best[1], best[2], best[3]


@dataclass(frozen=True)
class LearningCurve:
    """Train and dev error at each training-set size, the power-law fit and the verdict."""

    sizes: tuple[int, ...]
    train_errors: tuple[float, ...]
    dev_errors: tuple[float, ...]
    metric: str
    rate: bool
    fit: tuple[float, float, float]
    predicted_dev_at_double: float
    doubling_gain: float
    gain_ci: tuple[float, float]
    tolerance: float
    target_error: float | None
    more_data_helps: bool
    bias_limited: bool
    verdict: str

    def fmt(self, v: float) -> str:
        return f"{v * 100:.2f}%" if self.rate else f"{v:.4g}"

    def to_dict(self) -> dict[str, Any]:
        a, b, c = self.fit
        return {
            "metric": self.metric,
            "sizes": list(self.sizes),
            "train_errors": list(self.train_errors),
            "dev_errors": list(self.dev_errors),
            "power_law": {"a": a, "b": b, "c": c, "formula": "err(n) = a * n^(-b) + c"},
            "predicted_dev_at_double": self.predicted_dev_at_double,
            "doubling_gain": self.doubling_gain,
            "doubling_gain_ci": list(self.gain_ci),
            "tolerance": self.tolerance,
            "target_error": self.target_error,
            "more_data_helps": self.more_data_helps,
            "bias_limited": self.bias_limited,
            "verdict": self.verdict,
        }

    def plot(self, ax: Any = None) -> Any:
        """Train and dev error against size, the fitted curve extended to twice the data."""
        if ax is None:
            import matplotlib.pyplot as plt

            _, ax = plt.subplots(figsize=(6.4, 3.6), dpi=100)
        scale = 100.0 if self.rate else 1.0
        n = np.asarray(self.sizes, dtype=float)
        ax.plot(n, np.asarray(self.train_errors) * scale, "o-", label="train", color="#2c7fb8")
        ax.plot(n, np.asarray(self.dev_errors) * scale, "o-", label="dev", color="#d95f0e")
        grid = np.linspace(n.min(), 2 * n.max(), 100)
        ax.plot(
            grid,
            _power(grid, *self.fit) * scale,
            "--",
            color="#d95f0e",
            alpha=0.6,
            label="power-law fit",
        )
        ax.errorbar(
            [2 * n.max()],
            [self.predicted_dev_at_double * scale],
            yerr=[
                [max(self.gain_ci[1] - self.doubling_gain, 0) * scale],
                [max(self.doubling_gain - self.gain_ci[0], 0) * scale],
            ],
            fmt="s",
            color="#d95f0e",
            capsize=4,
        )
        if self.target_error is not None:
            ax.axhline(self.target_error * scale, color="grey", lw=1, ls=":", label="target")
        ax.set_xlabel("training examples")
        ax.set_ylabel(f"{self.metric} (%)" if self.rate else self.metric)
        ax.set_title(self.verdict.split(":")[0], fontsize=9)
        ax.legend(fontsize=8)
        ax.spines[["top", "right"]].set_visible(False)
        return ax

    def save_chart(self, path: str | Path) -> Path:
        """Write the chart as PNG or SVG (by extension), atomically."""
        from yearn.display import figure_bytes, new_figure

        path = Path(path)
        fmt = path.suffix.lower().lstrip(".")
        if fmt not in ("png", "svg"):
            raise ConfigError(f"{path}: the chart is written as .png or .svg; got {path.suffix!r}.")
        fig, ax = new_figure()
        self.plot(ax=ax)
        return atomic_write_bytes(path, figure_bytes(fig, fmt))

    def _repr_html_(self) -> str:
        from yearn.display import Series, html_table, line_chart

        table = html_table(
            [
                {"n": n, "train": self.fmt(t), "dev": self.fmt(d)}
                for n, t, d in zip(self.sizes, self.train_errors, self.dev_errors, strict=True)
            ]
        )
        chart = line_chart(
            [
                Series("train", self.sizes, self.train_errors, colour="#1f77b4"),
                Series("dev", self.sizes, self.dev_errors, colour="#d62728"),
            ],
            title="error vs training-set size",
            x_label="training examples",
            y_label=self.metric,
            log_x=True,
        )
        return (
            f"<div class='yearn-learning-curve'><h4>Learning curve: {html.escape(self.verdict)}"
            f"</h4>{table}{chart}</div>"
        )


def _fast_error(metric: str):
    """error / rmse / mae on plain predictions (any estimator, any label type)."""
    m = metric.lower()
    if m in ("error", "1-accuracy"):
        return lambda y, p: float(np.mean(np.asarray(y).astype(str) != np.asarray(p).astype(str)))
    if m == "rmse":
        return lambda y, p: float(np.sqrt(np.mean((np.asarray(y, float) - p) ** 2)))
    if m == "mae":
        return lambda y, p: float(np.mean(np.abs(np.asarray(y, float) - p)))
    return None


def _scorer(metric: str, task: str | None) -> tuple[Callable[[Any, Any, Any], float], bool]:
    """(error of a fitted model on (X, y), whether the error is a rate in [0, 1]) for any
    metric of the registry, named plainly (``f1``) or in error form (``1-f1``)."""
    from yearn.metrics import get_metric

    fast = _fast_error(metric) if task != "multilabel" else None
    if fast is not None:
        rate = metric.lower() not in ("rmse", "mae")
        return (lambda model, X, y: fast(y, model.predict(X))), rate
    key = metric.strip().lower().replace("−", "-")
    base = get_metric(key[2:] if key.startswith("1-") else key)
    if task is not None:
        base.check_task(task)
    rate = base.name not in ("rmse", "mae", "log_loss")
    use_proba = base.needs_proba or task == "multilabel"

    def score(model: Any, X: Any, y: Any) -> float:
        classes = getattr(model, "classes_", None)
        kw = {} if classes is None or task == "multilabel" else {"classes": list(classes)}
        if use_proba:
            return float(base.error(y, None, model.predict_proba(X), **kw))
        return float(base.error(y, model.predict(X), **kw))

    return score, rate


def _nested_order(y: np.ndarray, classification: bool, rng: np.random.Generator) -> np.ndarray:
    """A permutation whose every prefix is roughly stratified (classes interleaved)."""
    perm = rng.permutation(len(y))
    if not classification:
        return perm
    keys = np.asarray(y)[perm].astype(str)
    rank = np.empty(len(perm), dtype=float)
    for c in np.unique(keys):
        idx = np.flatnonzero(keys == c)
        rank[idx] = (np.arange(len(idx)) + rng.random()) / len(idx)
    return perm[np.argsort(rank, kind="stable")]


def _check_xy(name: str, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim != 2:
        raise DataError(f"{name}: X must be 2-D (examples × features); got shape {X.shape}.")
    if len(X) != len(y):
        raise DataError(f"{name}: X has {len(X)} rows but y has {len(y)}; they must match.")
    if len(X) == 0:
        raise DataError(f"{name}: no examples.")
    row = first_nonfinite_row(X)
    if row is not None:
        raise DataError(f"{name}: row {row} of X holds NaN or inf; impute or drop it first.")
    return X, y


def _fit_point(args: tuple) -> tuple[float, float]:
    """Fit a clone on one nested subset: (train error, dev error)."""
    from sklearn.base import clone

    estimator, X_train, y_train, X_dev, y_dev, idx, err = args
    try:
        X, y = X_train[idx], y_train[idx]  # one copy of the subset, for the fit and its score
        model = clone(estimator).fit(X, y)
        return err(model, X, y), err(model, X_dev, y_dev)
    except (ValueError, TypeError) as exc:
        raise DataError(
            f"{type(estimator).__name__} could not be fitted/scored on {len(idx)} training "
            f"rows ({type(exc).__name__}: {exc}); check the features and labels."
        ) from None


def learning_curve(
    estimator: Any,
    X_train: Any,
    y_train: Any,
    X_dev: Any,
    y_dev: Any,
    *,
    fractions: Sequence[float] = DEFAULT_FRACTIONS,
    metric: str = "error",
    target_error: float | None = None,
    tolerance: float | None = None,
    n_resamples: int = 500,
    random_state: int | None = 0,
    progress: Callable[[int, int], None] | None = None,
    task: str | None = None,
    map_fn: Callable[[Callable[[Any], Any], list[Any]], list[Any]] | None = None,
    full_size_errors: tuple[float, float] | None = None,
) -> LearningCurve:
    """Fit ``estimator`` on growing fractions of the training set and read the curve.

    ``target_error`` is the error you aim for (e.g. human-level error); when the train
    error at full size is above it by more than the tolerance, more data is declared
    unable to fix the (bias) problem. ``tolerance`` defaults to one percentage point for
    error rates, 5% of the final dev error otherwise. ``progress(done, total)`` is called
    after each fit (the CLI draws a progress bar with it). ``metric`` is any metric of the
    registry (``error``, ``f1``, ``roc_auc``, ``map``, ``rmse``, ...), used in its error form;
    ``task`` (binary, multiclass, multilabel, regression) is checked against it.
    ``map_fn(fn, items)`` (an executor's ``map``) fits the points instead of this process;
    the curve does not depend on where they were fitted. ``full_size_errors`` = (train
    error, dev error) of a model already fitted on the whole training set with this same
    estimator: the point at fraction 1 is then that model's, not fitted again.
    """

    X_train, y_train = _check_xy("training set", X_train, y_train)
    X_dev, y_dev = _check_xy("dev set", X_dev, y_dev)
    from yearn.config import error_name

    err, rate = _scorer(metric, task)
    metric = error_name(metric)  # named in its error form everywhere below
    fr = sorted(
        {check_number("fractions", f, low=0.0, high=1.0, low_inclusive=False) for f in fractions}
    )
    if len(fr) < 3:
        raise ConfigError(f"fractions: give at least three distinct sizes; got {list(fractions)}.")
    n_resamples = check_positive_int("n_resamples", n_resamples, minimum=50)
    rng = np.random.default_rng(random_state)
    if task is None:
        classification = metric.lower() in ("error", "1-accuracy")
    else:
        classification = task in ("binary", "multiclass")
    classification = classification and y_train.ndim == 1
    order = _nested_order(y_train, classification, rng)
    n_classes = len(np.unique(y_train.astype(str))) if classification else 0
    planned: list[np.ndarray] = []  # the nested subsets to fit, smallest first
    for f in fr:
        n = max(round(f * len(order)), 2)
        idx = order[:n]
        if classification and len(np.unique(y_train[idx].astype(str))) < min(2, n_classes):
            continue  # too small to hold two classes
        if planned and n == len(planned[-1]):
            continue
        planned.append(idx)
    known = full_size_errors is not None and len(planned[-1]) == len(order)
    to_fit = planned[:-1] if known else planned
    tasks = [(estimator, X_train, y_train, X_dev, y_dev, idx, err) for idx in to_fit]
    if map_fn is not None:  # an executor (local processes, Ray) fits the points
        points = list(map_fn(_fit_point, tasks)) if tasks else []
        if progress is not None:
            progress(len(fr), len(fr))
    else:
        points = []
        for step, task_args in enumerate(tasks, start=1):
            points.append(_fit_point(task_args))
            if progress is not None:
                progress(step, len(tasks))
    if known:
        points.append(tuple(float(e) for e in full_size_errors))
    sizes = [len(idx) for idx in planned]
    tr = [p[0] for p in points]
    dv = [p[1] for p in points]
    if len(sizes) < 3:
        raise DataError(
            f"only {len(sizes)} usable training-set sizes (the training set has "
            f"{len(order)} rows); a learning curve needs at least three: give more data or "
            "larger fractions."
        )
    n_arr, d_arr = np.asarray(sizes, float), np.asarray(dv)
    fit = fit_power_law(n_arr, d_arr)
    n_max = n_arr.max()
    now = float(_power(n_max, *fit))
    later = float(_power(2 * n_max, *fit))
    gains = []
    for _ in range(n_resamples):
        pick = rng.integers(0, len(n_arr), size=len(n_arr))
        if len(np.unique(pick)) < 3:
            continue
        f = fit_power_law(n_arr[pick], d_arr[pick])
        gains.append(float(_power(n_max, *f) - _power(2 * n_max, *f)))
    # an error cannot fall below zero: no gain larger than the dev error measured now
    g = np.minimum(np.asarray(gains), float(d_arr[-1]))
    gain_ci = (float(np.quantile(g, 0.025)), float(np.quantile(g, 0.975))) if g.size else (0.0, 0.0)
    from yearn.diagnose._values import parse_rate

    if tolerance is None:
        tolerance = 0.01 if rate else 0.05 * float(d_arr[-1])
    elif isinstance(tolerance, str):  # "1%" / "0.01": the rule every rate follows
        tolerance = parse_rate("tolerance", tolerance, rate=rate)
    tolerance = check_number("tolerance", tolerance, low=0.0)
    gain = min(now - later, float(dv[-1]))  # no forecast below zero error
    helps = gain > tolerance and gain_ci[0] > 0
    bias_limited = False
    if isinstance(target_error, str):
        target_error = parse_rate("target", target_error, rate=rate)
    if target_error is not None:
        target_error = check_number("target_error", target_error, low=0.0)
        bias_limited = tr[-1] > target_error + tolerance

    def fmt(v: float) -> str:
        return f"{v * 100:.2f}%" if rate else f"{v:.4g}"

    size_txt = f"doubling the training set ({sizes[-1]} → {2 * sizes[-1]} examples)"
    expect = (
        f"{size_txt} is expected to lower dev {metric} by {fmt(gain)} "
        f"(95% interval {fmt(gain_ci[0])} to {fmt(gain_ci[1])}), from {fmt(dv[-1])} to about "
        f"{fmt(dv[-1] - gain)}"
    )
    if bias_limited:
        verdict = (
            f"more data will not fix bias: train {metric} is {fmt(tr[-1])}, above the target "
            f"{fmt(target_error or 0.0)}, and dev error cannot fall below it; that floor falls "
            f"with less avoidable bias (bigger model, train longer), not with more data of this "
            f"kind. For the record, {expect}."
        )
        helps = False
    elif helps:
        verdict = f"more data is likely to help: {expect}."
    else:
        verdict = (
            f"more data is unlikely to help: {expect}, which is within the tolerance "
            f"{fmt(tolerance)} or not distinguishable from zero."
        )
    return LearningCurve(
        sizes=tuple(sizes),
        train_errors=tuple(tr),
        dev_errors=tuple(dv),
        metric=metric,
        rate=rate,
        fit=fit,
        predicted_dev_at_double=max(0.0, dv[-1] - gain),
        doubling_gain=gain,
        gain_ci=gain_ci,
        tolerance=tolerance,
        target_error=target_error,
        more_data_helps=bool(helps),
        bias_limited=bias_limited,
        verdict=verdict,
    )
