"""Dev-set size planner: how many examples it takes to see a given gain in error rate.

Normal approximation for two error rates ``p1 = error`` and ``p2 = error - gain``:

- independent samples (two dev sets, or a conservative bound)::

      n = (z_{1-alpha/2} + z_{power})^2 * (p1 (1 - p1) + p2 (1 - p2)) / gain^2

- paired (both models on the same dev set, McNemar), with ``psi`` the share of examples on
  which the two models disagree (Connor, 1987)::

      n = (z_{1-alpha/2} sqrt(psi) + z_{power} sqrt(psi - gain^2))^2 / gain^2

  ``psi`` defaults to the disagreement of two models making independent errors,
  ``p1 (1 - p2) + p2 (1 - p1)``; models that mostly fail on the same examples disagree
  less and need far fewer examples.
"""

from __future__ import annotations

import html
import math
from dataclasses import asdict, dataclass
from typing import Any

from scipy import optimize, stats

from yearn._validation import check_number, check_positive_int
from yearn.errors import ConfigError

__all__ = ["DevSizePlan", "detectable_gain", "required_dev_size"]

_MAX_N = 10**12


@dataclass(frozen=True)
class DevSizePlan:
    """A planner answer: ``n`` examples detect ``gain`` at ``error`` with ``power``."""

    n: int
    error: float
    gain: float
    power: float
    alpha: float
    paired: bool
    discordance: float | None
    question: str  # "size" (n for a gain) or "gain" (gain for an n)

    @property
    def summary(self) -> str:
        design = "paired: one dev set, McNemar" if self.paired else "independent samples"
        if self.question == "size":
            return (
                f"to detect an error drop of {self.gain * 100:.3g} points from "
                f"{self.error * 100:.3g}% with {self.power:.0%} power at alpha = {self.alpha:g} "
                f"({design}), the dev set needs {self.n:,} examples."
            )
        return (
            f"with {self.n:,} dev examples at {self.error * 100:.3g}% error, the smallest error "
            f"drop detectable with {self.power:.0%} power at alpha = {self.alpha:g} ({design}) is "
            f"{self.gain * 100:.3g} points."
        )

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "summary": self.summary}

    def __str__(self) -> str:
        return self.summary

    def curve(self, points: int = 25) -> list[tuple[int, float]]:
        """(n, detectable gain) from n / 10 to n x 10 (log-spaced) at this plan's error,
        power, alpha and design (a paired plan keeps its discordance fixed); sizes too small
        to detect anything are left out."""
        sizes = sorted({max(2, round(self.n * 10 ** (k / (points - 1) * 2 - 1)))
                        for k in range(points)})  # fmt: skip
        out = []
        for size in sizes:
            try:
                plan = detectable_gain(
                    size,
                    self.error,
                    power=self.power,
                    alpha=self.alpha,
                    paired=self.paired,
                    discordance=self.discordance,
                )
            except ConfigError:
                continue
            out.append((size, plan.gain))
        return out

    def _repr_html_(self) -> str:
        from yearn.display import Series, html_table, line_chart

        design = "paired (McNemar)" if self.paired else "independent samples"
        rows = [
            ("dev examples (n)", f"{self.n:,}"),
            ("error", f"{self.error:.2%}"),
            ("detectable gain", f"{self.gain * 100:.3g} points"),
            ("power", f"{self.power:.0%}"),
            ("alpha", f"{self.alpha:g}"),
            ("design", design),
        ]
        if self.discordance is not None:
            rows.append(("discordance", f"{self.discordance:.3g}"))
        table = html_table([{"": k, "value": v} for k, v in rows], ["", "value"])
        curve = self.curve()
        chart = line_chart(
            [Series("gain", [n for n, _ in curve], [g * 100 for _, g in curve])],
            title="detectable error drop vs dev-set size",
            x_label="dev examples (log)",
            y_label="points",
            log_x=True,
            marker=self.n,
            marker_label=f"n = {self.n:,}",
        )
        return f"<p>{html.escape(self.summary)}</p>{table}{chart}"


def _check(error: float, power: float, alpha: float) -> tuple[float, float, float]:
    error = check_number("error", error, low=0.0, high=1.0, low_inclusive=False)
    power = check_number("power", power, low=0.0, high=1.0, low_inclusive=False,
                         high_inclusive=False)  # fmt: skip
    alpha = check_number("alpha", alpha, low=0.0, high=0.5, low_inclusive=False)
    return error, power, alpha


def _default_psi(p1: float, p2: float) -> float:
    return p1 * (1 - p2) + p2 * (1 - p1)


def _n_exact(error: float, gain: float, power: float, alpha: float, paired: bool,
             discordance: float | None) -> tuple[float, float | None]:  # fmt: skip
    p1, p2 = error, error - gain
    za = stats.norm.ppf(1 - alpha / 2)
    zb = stats.norm.ppf(power)
    if not paired:
        return (za + zb) ** 2 * (p1 * (1 - p1) + p2 * (1 - p2)) / gain**2, None
    psi = _default_psi(p1, p2) if discordance is None else discordance
    if psi <= gain**2 or psi < gain:
        raise ConfigError(
            f"discordance must exceed the gain: B can only fix {gain:g} of the examples if the "
            f"models disagree on at least that share; got discordance = {psi:g}."
        )
    return (za * math.sqrt(psi) + zb * math.sqrt(psi - gain**2)) ** 2 / gain**2, psi


def required_dev_size(
    error: float,
    gain: float,
    *,
    power: float = 0.8,
    alpha: float = 0.05,
    paired: bool = False,
    discordance: float | None = None,
) -> DevSizePlan:
    """Examples needed to detect an error drop of ``gain`` from ``error`` (two-sided test).

    ``error`` and ``gain`` are fractions (10% error, 0.1-point gain: ``0.10, 0.001``).
    ``paired=True`` plans for McNemar's test on one shared dev set; ``discordance`` is the
    expected share of examples on which the models disagree (see the module docstring).
    """
    error, power, alpha = _check(error, power, alpha)
    gain = check_number("gain", gain, low=0.0, high=error, low_inclusive=False)
    if discordance is not None:
        discordance = check_number("discordance", discordance, low=0.0, high=1.0,
                                   low_inclusive=False)  # fmt: skip
    n, psi = _n_exact(error, gain, power, alpha, paired, discordance)
    if n > _MAX_N:
        raise ConfigError(f"gain {gain:g} is too small to plan for: it needs over {_MAX_N:.0e} "
                          "examples.")  # fmt: skip
    return DevSizePlan(math.ceil(n - 1e-9), error, gain, power, alpha, paired, psi, "size")


def detectable_gain(
    n: int,
    error: float,
    *,
    power: float = 0.8,
    alpha: float = 0.05,
    paired: bool = False,
    discordance: float | None = None,
) -> DevSizePlan:
    """The smallest error drop from ``error`` that ``n`` dev examples detect with ``power``.

    The inverse of :func:`required_dev_size` (solved numerically on the same formula).
    """
    n = check_positive_int("n", n, minimum=2)
    error, power, alpha = _check(error, power, alpha)
    if discordance is not None:
        discordance = check_number("discordance", discordance, low=0.0, high=1.0,
                                   low_inclusive=False)  # fmt: skip

    def excess(gain: float) -> float:
        return _n_exact(error, gain, power, alpha, paired, discordance)[0] - n

    high = error if discordance is None else min(error, discordance) * (1 - 1e-9)
    if excess(high) > 0:
        raise ConfigError(
            f"{n:,} examples cannot detect even a drop from {error:.3g} to 0 with "
            f"{power:.0%} power; use a larger dev set."
        )
    gain = optimize.brentq(excess, 1e-12, high, xtol=1e-12, rtol=1e-10)
    psi = None
    if paired:
        psi = _default_psi(error, error - gain) if discordance is None else discordance
    return DevSizePlan(n, error, float(gain), power, alpha, paired, psi, "gain")
