"""Drift thresholds calibrated by resampling the reference, valid at any window size.

Under no drift a window of ``n`` rows is a sample of the reference distribution, and so is
the reference itself (``N`` rows): both histograms are multinomial around the same shares
``p``. The null distribution of a column's statistic is simulated on the *binned*
histograms (cost independent of ``n`` and ``N``). When every bin expects at least
``GAUSS_MIN`` rows the share differences are Gaussian with covariance
``(diag(p) - p pᵀ) / n_eff`` (``n_eff = n N / (n + N)``) and the statistic, homogeneous of
degree one, scales exactly as ``1 / sqrt(n_eff)``: one simulation per column serves every
window size. Smaller windows are simulated exactly (multinomial draws at that ``n``),
once per size.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from yearn.monitor._bins import ColumnBins, statistic

__all__ = ["NullCalibration"]

GAUSS_MIN = 10.0
GAUSS_DRAWS = 40_000
EXACT_DRAWS = 20_000
CHUNK = 4_000  # draws simulated at a time (a few MB however many bins a column has)


def _unit_gaussian(p: np.ndarray, draws: int, rng: np.random.Generator) -> np.ndarray:
    """Draws of share differences with covariance ``diag(p) - p pᵀ`` (``n_eff = 1``)."""
    x = np.sqrt(p) * rng.standard_normal((draws, p.size))
    return x - np.outer(x.sum(axis=1), p)


@dataclass
class NullCalibration:
    """The no-drift distribution of one column's statistic, for any window size."""

    bins: ColumnBins
    random_state: int = 0
    _unit: np.ndarray | None = None
    _exact: dict[int, np.ndarray] = field(default_factory=dict)

    @property
    def p_min(self) -> float:
        p = self.bins.p
        return float(p[p > 0].min()) if (p > 0).any() else 1.0

    def n_eff(self, n: int) -> float:
        big = self.bins.n
        return n * big / (n + big)

    def gaussian(self, n: int) -> bool:
        """Whether the scaling law holds at window size ``n``."""
        return min(n, self.bins.n) * self.p_min >= GAUSS_MIN

    def draws(self, n: int) -> np.ndarray:
        """Simulated statistics of no-drift windows of ``n`` rows (sorted)."""
        if self.gaussian(n):
            if self._unit is None:
                rng = np.random.default_rng([self.random_state, 1])
                p = self.bins.p
                unit = [
                    statistic(self.bins, _unit_gaussian(p, CHUNK, rng))
                    for _ in range(GAUSS_DRAWS // CHUNK)
                ]
                self._unit = np.sort(np.concatenate(unit))
            return self._unit / np.sqrt(self.n_eff(n))
        if n not in self._exact:
            self._exact[n] = np.sort(self._simulate(n))
        return self._exact[n]

    def _simulate(self, n: int) -> np.ndarray:
        rng = np.random.default_rng([self.random_state, 2, n])
        p, big = self.bins.p, self.bins.n
        out = []
        for _ in range(EXACT_DRAWS // CHUNK):
            current = rng.multinomial(n, p, size=CHUNK) / n
            if big * self.p_min >= GAUSS_MIN:
                reference = p + _unit_gaussian(p, CHUNK, rng) / np.sqrt(big)
            else:
                reference = rng.multinomial(big, p, size=CHUNK) / big
            out.append(statistic(self.bins, current - reference))
        return np.concatenate(out)

    def threshold(self, n: int, alpha: float) -> float:
        """The statistic a no-drift window of ``n`` rows exceeds with probability ``alpha``."""
        draws = self.draws(n)
        return float(np.quantile(draws, 1.0 - alpha, method="higher"))

    def p_value(self, value: float, n: int) -> float:
        """Share of no-drift windows of ``n`` rows at least this far (resampling p-value)."""
        draws = self.draws(n)
        above = draws.size - np.searchsorted(draws, value, side="left")
        return float((above + 1) / (draws.size + 1))
