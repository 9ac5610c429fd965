"""The result of a diagnosis: plain data, with display helpers kept separate."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yearn.diagnose._advice import GAP_LABELS, GAP_NAMES

__all__ = ["Diagnosis", "Gap", "MultiTaskDiagnosis", "Rung"]


@dataclass(frozen=True)
class Rung:
    """One rung of the ladder: an error with its interval and sample size.

    ``assumed`` marks a human-level error that was not given and is taken as 0.
    ``groups``: the number of distinct groups among the ``n`` rows when the interval
    counts groups (a group column was given), else ``None``; ``n_effective``: the sample
    size the interval of an error rate then stands on (``n`` / design effect).
    """

    name: str
    value: float
    ci_low: float | None = None
    ci_high: float | None = None
    n: int | None = None
    assumed: bool = False
    groups: int | None = None
    n_effective: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "n": self.n,
            "assumed": self.assumed,
            "groups": self.groups,
            "n_effective": self.n_effective,
        }


@dataclass(frozen=True)
class Gap:
    """A gap between two adjacent rungs (``upper`` − ``lower``).

    ``value`` is ``None`` when a rung is missing. ``distinguishable`` is whether the
    interval excludes zero (``None`` when no interval could be computed);
    ``above_tolerance`` whether the gap exceeds the tolerance.
    """

    name: str
    lower: str
    upper: str
    value: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    distinguishable: bool | None = None
    above_tolerance: bool = False
    note: str | None = None

    @property
    def stands_out(self) -> bool:
        """Above the tolerance and not explained by sampling noise."""
        return self.value is not None and self.above_tolerance and self.distinguishable is not False

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "between": [self.lower, self.upper],
            "distinguishable_from_zero": self.distinguishable,
            "above_tolerance": self.above_tolerance,
            "stands_out": self.stands_out,
            "note": self.note,
        }


@dataclass(frozen=True)
class Diagnosis:
    """The ladder human → train → train-dev → dev → test, its gaps and the verdict.

    ``principal`` holds the principal gap's name, several names when gaps of similar size
    stand out together, or is empty when nothing stands out. ``recommendations`` maps each
    principal gap (or ``"none"``) to its next steps.
    """

    metric: str
    rate: bool
    errors: dict[str, Rung]
    gaps: dict[str, Gap]
    principal: tuple[str, ...]
    recommendations: dict[str, tuple[str, ...]]
    caveats: tuple[str, ...]
    tolerance: float
    confidence: float = 0.95
    ci_method: str = "none"
    similar_ratio: float = 0.5
    task: str | None = None
    strict: bool = False
    gap_confidence: float | None = None
    group_column: str | None = None

    # -- reading -------------------------------------------------------------------
    @property
    def principal_name(self) -> str | list[str]:
        """``"none"``, one gap name, or a list of names (the JSON ``principal`` field)."""
        if not self.principal:
            return "none"
        return self.principal[0] if len(self.principal) == 1 else list(self.principal)

    def verdict(self) -> str:
        """One sentence: what the principal gap is (several: ranked, with the reason)."""
        if not self.principal:
            if "too_good" in self.recommendations:
                return "dev error far below human level: suspect leakage or an easy dev set"
            return "no gap stands out"
        names = [GAP_LABELS[g] for g in self.principal]
        if len(names) == 1:
            return f"principal gap: {names[0]}"
        ranked = ", then ".join(
            f"{GAP_LABELS[g]} ({self.fmt(self.gaps[g].value, signed=True)})" for g in self.principal
        )
        return (
            f"principal gaps, ranked by size: {ranked} (each at least "
            f"{self.similar_ratio:.0%} of the largest, so all matter; start with the first)"
        )

    def fmt(self, value: float | None, *, signed: bool = False) -> str:
        """Format a value of this metric (percent for error rates)."""
        if value is None:
            return "—"
        if self.rate:
            return f"{value * 100:+.2f}%" if signed else f"{value * 100:.2f}%"
        return f"{value:+.4g}" if signed else f"{value:.4g}"

    def fmt_ci(self, low: float | None, high: float | None) -> str:
        if low is None or high is None:
            return "—"
        return f"[{self.fmt(low)}, {self.fmt(high)}]"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with the keys errors, gaps, principal, recommendations, ..."""
        return {
            "metric": self.metric,
            "task": self.task,
            "errors": {k: r.value for k, r in self.errors.items()},
            "error_intervals": {k: r.to_dict() for k, r in self.errors.items()},
            "gaps": {k: self.gaps[k].to_dict() for k in GAP_NAMES},
            "principal": self.principal_name,
            "verdict": self.verdict(),
            "recommendations": {k: list(v) for k, v in self.recommendations.items()},
            "caveats": list(self.caveats),
            "tolerance": self.tolerance,
            "similar_ratio": self.similar_ratio,
            "strict": self.strict,
            "confidence": self.confidence,
            "gap_confidence": self.gap_confidence,
            "ci_method": self.ci_method,
            "group_column": self.group_column,
        }

    # -- display -------------------------------------------------------------------
    def plot(self, ax: Any = None) -> Any:
        """Draw the ladder chart on ``ax`` (a new figure when ``None``); returns the axes."""
        from yearn.diagnose._chart import plot_ladder

        return plot_ladder(self, ax=ax)

    def save_chart(self, path: str | Path) -> Path:
        """Write the ladder chart as PNG or SVG (by extension), atomically."""
        from yearn.diagnose._chart import save_ladder_chart

        return save_ladder_chart(self, path)

    def svg(self) -> str:
        """The ladder chart as an inline ``<svg>`` string (for HTML reports)."""
        from yearn.diagnose._chart import ladder_svg

        return ladder_svg(self)

    def _repr_html_(self) -> str:
        from yearn.diagnose._chart import ladder_svg

        rows = "".join(
            f"<tr><td>{html.escape(k.replace('_', '-'))}{' (assumed)' if r.assumed else ''}"
            f"</td><td>{self.fmt(r.value)}</td><td>{self.fmt_ci(r.ci_low, r.ci_high)}</td>"
            f"<td>{r.n if r.n is not None else '—'}</td></tr>"
            for k, r in self.errors.items()
        )
        gap_rows = "".join(
            f"<tr style='{'font-weight:bold;color:#b22' if g.name in self.principal else ''}'>"
            f"<td>{GAP_LABELS[g.name]}</td><td>{self.fmt(g.value, signed=True)}</td>"
            f"<td>{self.fmt_ci(g.ci_low, g.ci_high)}</td></tr>"
            for g in self.gaps.values()
        )
        steps = "".join(
            f"<li><b>{html.escape(GAP_LABELS.get(k, k))}</b>: "
            + "; ".join(html.escape(s) for s in v)
            + "</li>"
            for k, v in self.recommendations.items()
        )
        caveats = "".join(f"<li>{html.escape(c)}</li>" for c in self.caveats)
        title = f"Diagnosis ({html.escape(self.metric)}" + (
            f", task {html.escape(self.task)})" if self.task else ")"
        )
        return (
            "<div class='yearn-diagnosis'>"
            f"<h4>{title}: {html.escape(self.verdict())}</h4>"
            "<div style='display:flex;gap:1em;align-items:flex-start'><div>"
            "<table><tr><th>rung</th><th>error</th>"
            f"<th>{int(self.confidence * 100)}% CI</th><th>n</th></tr>{rows}</table>"
            f"<table><tr><th>gap</th><th>value</th>"
            f"<th>{int(self.confidence * 100)}% CI (simultaneous)</th></tr>"
            f"{gap_rows}</table></div><div style='max-width:420px'>{ladder_svg(self)}</div></div>"
            f"<p>Next steps:</p><ul>{steps}</ul>"
            + (f"<p>Caveats:</p><ul>{caveats}</ul>" if caveats else "")
            + "</div>"
        )


@dataclass(frozen=True)
class MultiTaskDiagnosis:
    """A multi-label diagnosis: one over all tasks pooled, and one per task."""

    overall: Diagnosis
    tasks: dict[str, Diagnosis] = field(default_factory=dict)

    @property
    def principal_name(self) -> str | list[str]:
        return self.overall.principal_name

    def to_dict(self) -> dict[str, Any]:
        out = self.overall.to_dict()
        out["tasks"] = {k: d.to_dict() for k, d in self.tasks.items()}
        return out

    def _repr_html_(self) -> str:
        parts = [self.overall._repr_html_()]
        parts += [d._repr_html_() for d in self.tasks.values()]
        return "".join(parts)

    def save_chart(self, path: str | Path) -> Path:
        return self.overall.save_chart(path)
