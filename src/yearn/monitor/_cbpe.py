"""The project's metric without labels: the expected confusion matrix from calibrated
probabilities (confidence-based performance estimation, as NannyML's CBPE), binary tasks.

On dev, an isotonic map ``q(s) = P(y = positive | s)`` is fitted to the model's probability
``s`` of the positive class (with refits on bootstrap resamples of dev for its
uncertainty). In a production window, each row predicted positive is a true positive with
probability ``q(s)``, each row predicted negative a false negative with probability
``q(s)``: the expected confusion matrix gives the expected precision, recall, F1, error and
accuracy. The interval is simulated: in each draw a bootstrap map is picked and the window's
true positives and false negatives are drawn as binomials (rows grouped by their score on a
401-point grid), and the metric is computed from that confusion matrix; the interval holds
the middle 95% of the draws. It covers both the window's own sampling (which rows happen to
be positive) and the map's uncertainty. Valid as long as ``P(y | s)`` does not change: the
inputs may drift (covariate shift), the concept may not.

Metrics that are not a function of the confusion matrix are not estimated (see
``NOT_ESTIMATED``: the reason is reported with the result).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from yearn.monitor._performance import GRID, ConfidenceMap, Estimate

__all__ = [
    "ESTIMABLE",
    "NOT_ESTIMATED",
    "ClassCalibration",
    "confusion_metric",
    "not_estimated_reason",
]

#: Metrics estimated without labels for a binary task (project's metric names).
ESTIMABLE = ("f1", "precision", "recall", "error", "accuracy", "f1_macro", "f1_micro")
#: Why the others are not.
NOT_ESTIMATED = {
    "roc_auc": "ranks every positive against every negative: not a function of the expected "
    "confusion matrix, which is all calibrated probabilities give",
    "log_loss": "scores the probabilities themselves, which the calibration map replaces; "
    "yearn estimates confusion-matrix metrics only",
    "rmse": "regression: no class probabilities to calibrate, the error needs the true values",
    "mae": "regression: no class probabilities to calibrate, the error needs the true values",
    "map": "multi-label: no calibrated probabilities per task are fitted",
}
DRAWS = 2_000
METHOD = "expected confusion matrix (CBPE; calibrated on dev)"


def not_estimated_reason(metric: str, task: str) -> str | None:
    """Why ``metric`` is not estimated without labels for ``task`` (None: it is)."""
    base = metric[2:] if metric.startswith("1-") else metric
    if task == "binary" and base in ESTIMABLE:
        return None
    if base in NOT_ESTIMATED:
        return NOT_ESTIMATED[base]
    if task == "multiclass":
        return (
            "multiclass: only accuracy is estimated without labels (per-class one-vs-rest "
            "calibration was tried: under covariate shift its interval covered the true "
            "macro-F1 in only 80-83% of windows, below the 90% required)"
        )
    return f"{task}: no label-free estimate for this task"


def confusion_metric(name: str, tp, fp, fn, tn):
    """A binary metric (or its error form ``1-<name>``) of confusion-matrix counts: a float
    for numbers, an array for arrays of counts; 0 where undefined (as the registry)."""
    if name.startswith("1-"):
        return 1.0 - confusion_metric(name[2:], tp, fp, fn, tn)
    value = _from_counts(name, tp, fp, fn, tn)
    return float(value) if np.ndim(value) == 0 else value


def _from_counts(name: str, tp, fp, fn, tn) -> np.ndarray:
    tp, fp, fn, tn = (np.asarray(a, dtype=np.float64) for a in (tp, fp, fn, tn))

    def ratio(num, den):
        return np.divide(num, den, out=np.zeros_like(num), where=den > 0)

    n = tp + fp + fn + tn
    if name == "precision":
        return ratio(tp, tp + fp)
    if name == "recall":
        return ratio(tp, tp + fn)
    if name == "f1":
        return ratio(2 * tp, 2 * tp + fp + fn)
    if name == "accuracy" or name == "f1_micro":  # micro-F1 of one label per row = accuracy
        return ratio(tp + tn, n)
    if name == "error":
        return ratio(fp + fn, n)
    if name == "f1_macro":  # F1 of each class, averaged (a class absent from both: left out)
        pos = ratio(2 * tp, 2 * tp + fp + fn)
        neg = ratio(2 * tn, 2 * tn + fn + fp)
        present_pos = (2 * tp + fp + fn) > 0
        present_neg = (2 * tn + fp + fn) > 0
        count = present_pos.astype(float) + present_neg
        return ratio(pos * present_pos + neg * present_neg, count)
    raise ValueError(f"{name}: not a confusion-matrix metric")


@dataclass
class ClassCalibration:
    """Dev-fitted map from the positive-class probability to P(positive), and the dev
    metric values it is compared with."""

    positive: str
    curve: ConfidenceMap
    dev_values: dict[str, float]
    n_dev: int
    dev_ses: dict[str, float] = field(default_factory=dict)  # bootstrap standard errors

    def dev_value(self, name: str) -> float:
        """The metric (or its error form ``1-<name>``) on dev."""
        if name.startswith("1-"):
            return 1.0 - self.dev_values[name[2:]]
        return self.dev_values[name]

    def dev_se(self, name: str) -> float:
        """Standard error of the dev value of the metric (resampling dev rows)."""
        return self.dev_ses[name[2:] if name.startswith("1-") else name]

    @classmethod
    def fit(
        cls,
        score: np.ndarray,
        is_positive: np.ndarray,
        predicted_positive: np.ndarray,
        *,
        positive: str,
        n_boot: int = 200,
        random_state: int = 0,
    ) -> ClassCalibration:
        """Fit on dev: the model's probability of the positive class, whether each row is
        truly positive, and whether the model predicted positive."""
        y = np.asarray(is_positive, dtype=bool)
        p = np.asarray(predicted_positive, dtype=bool)
        curve = ConfidenceMap.fit(score, y, n_boot=n_boot, random_state=random_state)
        tp, fp = np.sum(y & p), np.sum(~y & p)
        fn, tn = np.sum(y & ~p), np.sum(~y & ~p)
        dev = {m: confusion_metric(m, tp, fp, fn, tn) for m in ESTIMABLE}
        # dev resampled: the four cells of the confusion matrix drawn again (multinomial)
        rng = np.random.default_rng([random_state, 23])
        cells = np.array([tp, fp, fn, tn], dtype=np.float64)
        draws = rng.multinomial(int(y.size), cells / max(cells.sum(), 1), size=n_boot).T
        ses = {m: float(np.std(confusion_metric(m, *draws), ddof=1)) for m in ESTIMABLE}
        return cls(str(positive), curve, dev, int(y.size), ses)

    def simulate(
        self, score: np.ndarray, predicted_positive: np.ndarray, *, draws: int, rng
    ) -> tuple[tuple[float, ...], tuple[np.ndarray, ...]]:
        """The expected confusion matrix ``(tp, fp, fn, tn)`` of these rows, and ``draws``
        simulated ones (a bootstrap map per draw, binomial positives per score cell)."""
        s = np.asarray(score, dtype=np.float64)
        pp = np.asarray(predicted_positive, dtype=bool)
        q = self.curve.expected(s)
        e_tp, e_fn = float(q[pp].sum()), float(q[~pp].sum())
        n_pp, n_pn = int(pp.sum()), int((~pp).sum())
        cells = np.clip(np.rint(s * (GRID.size - 1)).astype(int), 0, GRID.size - 1)
        c_pp = np.bincount(cells[pp], minlength=GRID.size)
        c_pn = np.bincount(cells[~pp], minlength=GRID.size)
        used = np.flatnonzero(c_pp + c_pn)
        boot = self.curve.boot[:, used]
        which = rng.integers(0, boot.shape[0], draws)
        tp = rng.binomial(c_pp[None, used], boot[which]).sum(axis=1)
        fn = rng.binomial(c_pn[None, used], boot[which]).sum(axis=1)
        expected = (e_tp, n_pp - e_tp, e_fn, n_pn - e_fn)
        return expected, (tp, n_pp - tp, fn, n_pn - fn)

    def estimate(
        self,
        score: np.ndarray,
        predicted_positive: np.ndarray,
        metrics: Sequence[str] = ("f1", "precision", "recall", "error"),
        *,
        confidence_level: float = 0.95,
        draws: int = DRAWS,
        random_state: int = 0,
    ) -> list[Estimate]:
        """The expected value of each metric over rows with these scores and predictions,
        with the middle ``confidence_level`` of simulated windows as its interval."""
        s = np.asarray(score, dtype=np.float64)
        expected, (tp, fp, fn, tn) = self.simulate(
            s, predicted_positive, draws=draws, rng=np.random.default_rng([random_state, 17])
        )
        tail = (1 - confidence_level) / 2
        out = []
        for name in metrics:
            value = confusion_metric(name, *expected)
            sim = confusion_metric(name, tp, fp, fn, tn)
            low, high = np.quantile(sim, [tail, 1 - tail])
            out.append(
                Estimate(
                    name,
                    value,
                    float(min(low, value)),
                    float(max(high, value)),
                    int(s.size),
                    METHOD,
                    float(np.std(sim, ddof=1)),
                )
            )
        return out
