"""Best-model choice: the best optimising metric among candidates meeting every constraint."""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from yearn.config import Constraint, parse_constraint
from yearn.errors import ConfigError
from yearn.metrics._registry import get_metric

__all__ = ["Selection", "choose_best"]

_NEGATION = {"<=": ">", "<": ">=", ">=": "<", ">": "<=", "==": "!="}


@dataclass(frozen=True)
class Selection:
    """The outcome of :func:`choose_best`.

    ``best`` is the chosen candidate's name (None when no candidate meets every
    constraint); ``ranking`` lists the eligible candidates best first as (name, value);
    ``excluded`` maps each excluded candidate to its reasons ("latency_ms = 140 > 100").
    """

    best: str | None
    best_value: float | None
    optimizing: str
    higher_is_better: bool
    constraints: tuple[Constraint, ...]
    ranking: tuple[tuple[str, float], ...]
    excluded: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def summary(self) -> str:
        """One sentence naming the best candidate and why the others were dropped."""
        if self.best is None:
            text = (
                f"no candidate meets every constraint "
                f"({', '.join(str(c) for c in self.constraints) or 'none'})"
            )
            everywhere = [
                r[: -len(" not measured")]
                for r in next(iter(self.excluded.values()), ())
                if r.endswith(" not measured")
                and all(r in reasons for reasons in self.excluded.values())
            ]
            if everywhere:
                text += (
                    f"; no candidate has a value for {', '.join(everywhere)}: log it with each "
                    "run (run.log_metric) or drop the constraint"
                )
            return text + "."
        text = f"best: {self.best} ({self.optimizing} = {self.best_value:.4g})"
        if self.excluded:
            text += "; excluded: " + "; ".join(
                f"{n} ({', '.join(r)})" for n, r in self.excluded.items()
            )
        return text + "."

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "best": self.best,
            "best_value": self.best_value,
            "optimizing": self.optimizing,
            "higher_is_better": self.higher_is_better,
            "constraints": [str(c) for c in self.constraints],
            "ranking": [{"name": n, "value": v} for n, v in self.ranking],
            "excluded": {n: list(r) for n, r in self.excluded.items()},
            "summary": self.summary,
        }

    def _repr_html_(self) -> str:
        from yearn.display import bar_chart, html_table

        records = [
            {
                "candidate": n,
                self.optimizing: v,
                "status": "best" if n == self.best else "eligible",
            }
            for n, v in self.ranking
        ] + [
            {"candidate": n, self.optimizing: None, "status": "excluded: " + ", ".join(r)}
            for n, r in self.excluded.items()
        ]
        table = html_table(records, ["candidate", self.optimizing, "status"])
        chart = bar_chart(
            [n for n, _ in self.ranking],
            [v for n, v in self.ranking],
            title=f"{self.optimizing} of the eligible candidates",
            fmt=".4g",
        )
        return f"<p>{html.escape(self.summary)}</p>{table}{chart}"


def _direction(optimizing: str, higher_is_better: bool | None) -> bool:
    if higher_is_better is not None:
        return bool(higher_is_better)
    name = optimizing.strip()
    if name.startswith("1-"):
        get_metric(name[2:])  # validates the name
        return False
    try:
        return get_metric(name).higher_is_better
    except ConfigError:
        raise ConfigError(
            f"optimizing metric {optimizing!r} is not a registered metric, so its direction "
            "is unknown; pass higher_is_better=True/False."
        ) from None


def _value(metrics: Mapping[str, Any], key: str) -> float | None:
    if key not in metrics:
        return None
    try:
        value = float(metrics[key])
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def choose_best(
    candidates: Sequence[Mapping[str, Any]],
    optimizing: str,
    constraints: Iterable[Constraint | str] = (),
    *,
    higher_is_better: bool | None = None,
) -> Selection:
    """Pick the best candidate on ``optimizing`` among those meeting every constraint.

    ``candidates`` are ``{"name": ..., "metrics": {"error": 0.1, "latency_ms": 80}}``.
    The direction of ``optimizing`` comes from the registry (``1-<name>`` and error
    metrics: lower is better) unless ``higher_is_better`` is given. Ties keep the
    earlier candidate. A candidate lacking a metric is excluded with that reason.
    """
    cons = tuple(c if isinstance(c, Constraint) else parse_constraint(c) for c in constraints)
    higher = _direction(optimizing, higher_is_better)
    if not candidates:
        raise ConfigError("choose_best: no candidates given; pass at least one.")
    eligible: list[tuple[str, float]] = []
    excluded: dict[str, tuple[str, ...]] = {}
    for i, cand in enumerate(candidates):
        if not isinstance(cand, Mapping) or "metrics" not in cand:
            raise ConfigError(
                f"candidate {i} must be a mapping with 'name' and 'metrics'; got {cand!r}."
            )
        name = str(cand.get("name", f"candidate{i}"))
        if name in excluded or any(name == n for n, _ in eligible):
            raise ConfigError(f"candidate name {name!r} appears twice; names must be unique.")
        metrics = cand["metrics"]
        reasons = []
        for c in cons:
            v = _value(metrics, c.metric)
            if v is None:
                reasons.append(f"{c.metric} not measured")
            elif not c.satisfied(v):
                reasons.append(f"{c.metric} = {v:g} {_NEGATION[c.op]} {c.threshold:g}")
        score = _value(metrics, optimizing)
        if score is None:
            reasons.append(f"{optimizing} not measured")
        if reasons:
            excluded[name] = tuple(reasons)
        else:
            eligible.append((name, score))
    ranked = sorted(eligible, key=lambda nv: -nv[1] if higher else nv[1])  # stable on ties
    best = ranked[0] if ranked else (None, None)
    return Selection(best[0], best[1], optimizing, higher, cons, tuple(ranked), excluded)
