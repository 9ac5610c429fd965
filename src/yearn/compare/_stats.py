"""Paired tests: McNemar's exact test and the paired bootstrap."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import stats

from yearn._validation import check_number, check_positive_int
from yearn.errors import DataError

__all__ = [
    "BootstrapResult",
    "McNemarResult",
    "mcnemar_exact",
    "paired_bootstrap",
    "paired_bootstrap_binary",
]


@dataclass(frozen=True)
class McNemarResult:
    """McNemar's exact test on paired right/wrong outcomes.

    ``only_a`` counts examples A gets right and B wrong, ``only_b`` the reverse; the
    concordant pairs carry no information about which model is better.
    """

    only_a: int
    only_b: int
    both_right: int
    both_wrong: int
    p_value: float
    mid_p: bool

    @property
    def discordant(self) -> int:
        return self.only_a + self.only_b


def mcnemar_exact(
    correct_a: np.ndarray | None = None,
    correct_b: np.ndarray | None = None,
    *,
    table: tuple[tuple[int, int], tuple[int, int]] | None = None,
    mid_p: bool = False,
) -> McNemarResult:
    """Two-sided McNemar exact test: binomial(n = discordant, p = 1/2) on the discordant pairs.

    Give the boolean right/wrong arrays of both models, or ``table`` =
    ``((both_right, only_a), (only_b, both_wrong))`` with rows = A right / wrong and columns
    = B right / wrong. ``mid_p`` subtracts the probability of the observed count (less
    conservative).
    """
    if table is not None:
        (both_right, only_a), (only_b, both_wrong) = table
        counts = [both_right, only_a, only_b, both_wrong]
        if any(isinstance(c, bool) or not isinstance(c, int | np.integer) or c < 0 for c in counts):
            raise DataError(f"table must hold non-negative integer counts; got {table!r}.")
    else:
        if correct_a is None or correct_b is None:
            raise DataError("mcnemar_exact needs correct_a and correct_b, or table=.")
        a = np.asarray(correct_a, dtype=bool)
        b = np.asarray(correct_b, dtype=bool)
        if a.shape != b.shape or a.ndim != 1:
            raise DataError(
                f"correct_a and correct_b must be 1-D of one length; got {a.shape} and {b.shape}."
            )
        both_right, only_a = int(np.sum(a & b)), int(np.sum(a & ~b))
        only_b, both_wrong = int(np.sum(~a & b)), int(np.sum(~a & ~b))
    n = int(only_a + only_b)
    if n == 0:
        p = 1.0
    else:
        k = min(only_a, only_b)
        p = 2.0 * float(stats.binom.cdf(k, n, 0.5))
        if mid_p:  # 2 * (P(X < k) + P(X = k) / 2)
            p -= float(stats.binom.pmf(k, n, 0.5))
        p = min(1.0, p)
    return McNemarResult(
        int(only_a), int(only_b), int(both_right), int(both_wrong), float(p), bool(mid_p)
    )


@dataclass(frozen=True)
class BootstrapResult:
    """Paired bootstrap of ``stat_b - stat_a`` over resampled examples."""

    difference: float
    ci_low: float
    ci_high: float
    p_value: float
    n_resamples: int
    n_failed: int
    confidence: float


def paired_bootstrap(
    stat_a: Callable[[np.ndarray], float],
    stat_b: Callable[[np.ndarray], float],
    n: int,
    *,
    n_resamples: int = 2000,
    confidence: float = 0.95,
    random_state: int | None = 0,
    exceptions: tuple[type[BaseException], ...] = (DataError,),
) -> BootstrapResult:
    """Resample the ``n`` paired examples with replacement and collect ``b - a``.

    ``stat_a`` / ``stat_b`` map an index array to a model's metric. The CI is the
    percentile interval; the two-sided p-value is that of the centred bootstrap
    (share of resampled differences at least as far from the observed one as the observed
    one is from zero). Resamples on which a metric is undefined (``exceptions``) are
    skipped and counted in ``n_failed``.
    """
    check_positive_int("n", n)
    check_positive_int("n_resamples", n_resamples, minimum=100)
    check_number("confidence", confidence, low=0.5, high=1.0, high_inclusive=False)
    rng = np.random.default_rng(random_state)
    full = np.arange(n)
    observed = float(stat_b(full) - stat_a(full))
    diffs = []
    failed = 0
    for _ in range(n_resamples):
        idx = rng.integers(0, n, n)
        try:
            diffs.append(stat_b(idx) - stat_a(idx))
        except exceptions:
            failed += 1
    if len(diffs) < n_resamples // 2:
        raise DataError(
            f"the metric is undefined on {failed} of {n_resamples} bootstrap resamples "
            f"(n = {n}); the split is too small or too one-sided for it. Use a larger split "
            "or the error metric."
        )
    return _summarise(np.asarray(diffs, dtype=float), observed, n_resamples, failed, confidence)


def paired_bootstrap_binary(
    a: np.ndarray,
    b: np.ndarray,
    *,
    n_resamples: int = 2000,
    confidence: float = 0.95,
    random_state: int | None = 0,
) -> BootstrapResult:
    """The paired bootstrap of ``mean(b) - mean(a)`` for 0/1 outcomes, in O(1) per resample.

    A resample's difference is ``(#(a=0, b=1) - #(a=1, b=0)) / n``, and the three kinds of
    pair (-1, 0, +1) are multinomially distributed, so drawing the counts gives the same
    distribution as resampling the examples one by one, for any ``n``.
    """
    a = np.asarray(a, dtype=bool)
    b = np.asarray(b, dtype=bool)
    n = check_positive_int("n", int(a.size))
    check_positive_int("n_resamples", n_resamples, minimum=100)
    check_number("confidence", confidence, low=0.5, high=1.0, high_inclusive=False)
    if a.shape != b.shape:
        raise DataError(f"a and b must have one shape; got {a.shape} and {b.shape}.")
    minus, plus = int(np.sum(a & ~b)), int(np.sum(~a & b))
    probs = np.array([minus, n - minus - plus, plus], dtype=float) / n
    counts = np.random.default_rng(random_state).multinomial(n, probs, size=n_resamples)
    diffs = (counts[:, 2] - counts[:, 0]) / n
    return _summarise(diffs, (plus - minus) / n, n_resamples, 0, confidence)


def _summarise(
    d: np.ndarray, observed: float, n_resamples: int, failed: int, confidence: float
) -> BootstrapResult:
    alpha = 1.0 - confidence
    low, high = np.quantile(d, [alpha / 2, 1 - alpha / 2])
    p = float(np.mean(np.abs(d - observed) >= abs(observed) - 1e-12)) if observed else 1.0
    p = max(p, 1.0 / (len(d) + 1))
    return BootstrapResult(
        observed, float(low), float(high), p, n_resamples, failed, float(confidence)
    )
