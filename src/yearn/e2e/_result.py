"""The result of an end-to-end vs pipeline comparison: points, curves, crossing, verdict."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Any

from yearn.e2e._crossing import END_TO_END, PIPELINE, TIE, CurveStats

__all__ = ["E2EResult", "about", "verdict_of"]


def about(n: float) -> str:
    """A size rounded to two significant digits, with thousands separators (1,500)."""
    if not math.isfinite(n) or n <= 0:
        return str(n)
    digits = max(math.floor(math.log10(n)) - 1, 0)
    return f"{round(n, -digits):,.0f}"


def _side(name: str) -> str:
    return "the pipeline" if name == PIPELINE else "end-to-end"


def verdict_of(stats: CurveStats, n_user: int) -> tuple[str, str]:
    """(verdict in words, the choice at the user's size: pipeline | end-to-end | either |
    not measured, when the user's size lies beyond the tested sizes)."""
    sizes, winners = stats.sizes, stats.winners
    at_user = winners[-1]
    if sizes[-1] < n_user:
        choice = "not measured"
        tail = (
            f"you have {n_user:,}, beyond the largest tested size ({sizes[-1]:,}), so "
            f"nothing is said at your size (test sizes up to {n_user:,})"
        )
    else:
        choice = {PIPELINE: PIPELINE, END_TO_END: END_TO_END}.get(at_user, "either")
        advice = {
            PIPELINE: "keep the pipeline",
            END_TO_END: "go end-to-end",
            TIE: "the two are not measurably different there, so the choice rests on other costs",
        }[at_user]
        tail = f"you have {n_user:,}: {advice}"
    if stats.crossing is not None and stats.low_side is not None:
        low = [s for s, w in zip(sizes, winners, strict=True) if w == stats.low_side]
        high = [s for s, w in zip(sizes, winners, strict=True) if w not in (stats.low_side, TIE)]
        lo, hi = stats.crossing_low, stats.crossing_high
        interval = (
            f"{about(lo) if math.isfinite(lo) else f'below {sizes[0]:,}'}"
            f" to {about(hi) if math.isfinite(hi) else f'beyond {sizes[-1]:,}'}"
        )
        other = END_TO_END if stats.low_side == PIPELINE else PIPELINE
        return (
            f"up to about {about(max(low))} examples {_side(stats.low_side)} wins; from about "
            f"{about(min(high))} {_side(other)} does (the curves cross near "
            f"{about(stats.crossing)}, {stats.confidence:.0%} interval {interval}); {tail}.",
            choice,
        )
    sig = [w for w in winners if w != TIE]
    if not sig:
        return (
            f"no tested size ({sizes[0]:,} to {sizes[-1]:,}) where the pipeline and "
            f"end-to-end differ measurably: no crossing claimed; {tail}.",
            choice,
        )
    if len(set(sig)) == 1:
        side = _side(sig[0])
        won = [i for i, w in enumerate(winners) if w != TIE]
        k = len(won)
        if k == len(sizes):
            span = "at every tested size"
        elif won == list(range(k)):  # a block at the small sizes, then ties
            span = (
                f"up to about {about(sizes[k - 1])} examples; from about {about(sizes[k])} "
                "the two are not measurably different"
            )
        elif won == list(range(len(sizes) - k, len(sizes))):  # a block at the large sizes
            span = (
                f"from about {about(sizes[-k])} examples; below that the two are not "
                "measurably different"
            )
        else:
            span = f"at {k} of {len(sizes)} tested sizes (the others are not measurably different)"
        return (
            f"{side} wins {span}: no crossing claimed in {sizes[0]:,} to {sizes[-1]:,}; {tail}.",
            choice,
        )
    return (
        "the winner changes more than once across the tested sizes (a crossing is not "
        f"supported by the intervals); {tail}.",
        choice,
    )


@dataclass(frozen=True)
class E2EResult:
    """Both learning curves (dev, the metric's error form), the crossing and the verdict."""

    project: str
    metric: str
    pipeline: str  # what the pipeline is, in words
    end_to_end: str  # what the end-to-end model is, in words
    n_train: int  # the user's size: training examples available
    n_dev: int
    seeds: int
    stats: CurveStats
    points: list[dict[str, Any]] = field(default_factory=list)  # one per model, size, seed
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        return verdict_of(self.stats, self.n_train)[0]

    @property
    def choice(self) -> str:
        """pipeline | end-to-end | either | not measured: the choice at the user's size."""
        return verdict_of(self.stats, self.n_train)[1]

    def curve_rows(self) -> list[dict[str, Any]]:
        s = self.stats
        rows = []
        for i, n in enumerate(s.sizes):
            rows.append(
                {
                    "size": n,
                    "pipeline": float(s.mean[0, i]),
                    "pipeline_low": float(s.low[0, i]),
                    "pipeline_high": float(s.high[0, i]),
                    "end_to_end": float(s.mean[1, i]),
                    "end_to_end_low": float(s.low[1, i]),
                    "end_to_end_high": float(s.high[1, i]),
                    "difference": float(s.diff[i]),
                    "difference_low": float(s.diff_low[i]),
                    "difference_high": float(s.diff_high[i]),
                    "winner": s.winners[i],
                }
            )
        return rows

    def to_dict(self) -> dict[str, Any]:
        s = self.stats

        def num(v: float | None) -> float | str | None:
            if v is None or (isinstance(v, float) and math.isnan(v)):
                return None
            return v if math.isfinite(v) else ("inf" if v > 0 else "-inf")

        return {
            "project": self.project,
            "metric": self.metric,
            "pipeline": self.pipeline,
            "end_to_end": self.end_to_end,
            "n_train": self.n_train,
            "n_dev": self.n_dev,
            "seeds": self.seeds,
            "confidence": s.confidence,
            "curves": self.curve_rows(),
            "crossing": {
                "size": num(s.crossing),
                "low": num(s.crossing_low),
                "high": num(s.crossing_high),
                "share_of_resamples_crossing_inside": s.crossing_share,
                "small_size_winner": s.low_side,
            },
            "verdict": self.verdict,
            "choice": self.choice,
            "points": list(self.points),
            "settings": dict(self.settings),
        }

    def _repr_html_(self) -> str:
        from yearn.display import Series, html_table, line_chart

        s = self.stats
        x = list(s.sizes)
        blue, red = "#1f77b4", "#d62728"
        chart = line_chart(
            [
                Series("pipeline", x, s.mean[0].tolist(), colour=blue),
                Series("pipeline 95% low", x, s.low[0].tolist(), colour=blue, dashed=True),
                Series("pipeline 95% high", x, s.high[0].tolist(), colour=blue, dashed=True),
                Series("end-to-end", x, s.mean[1].tolist(), colour=red),
                Series("end-to-end 95% low", x, s.low[1].tolist(), colour=red, dashed=True),
                Series("end-to-end 95% high", x, s.high[1].tolist(), colour=red, dashed=True),
            ],
            title="dev error vs training-set size",
            x_label="training examples",
            y_label=self.metric,
            log_x=True,
            marker=float(self.n_train),
            marker_label=f"you: {self.n_train:,}",
        )
        rows = [
            {
                "size": r["size"],
                "pipeline": (
                    f"{r['pipeline']:.4f} [{r['pipeline_low']:.4f}, {r['pipeline_high']:.4f}]"
                ),
                "end-to-end": (
                    f"{r['end_to_end']:.4f} [{r['end_to_end_low']:.4f}, {r['end_to_end_high']:.4f}]"
                ),
                "difference": (
                    f"{r['difference']:+.4f} [{r['difference_low']:+.4f}, "
                    f"{r['difference_high']:+.4f}]"
                ),
                "winner": r["winner"],
            }
            for r in self.curve_rows()
        ]
        return (
            "<div class='yearn-e2e'>"
            f"<h4>End-to-end or pipeline: {html.escape(self.verdict)}</h4>"
            f"<p>pipeline: {html.escape(self.pipeline)}; end-to-end: "
            f"{html.escape(self.end_to_end)}; {self.seeds} seeds per size, dev of "
            f"{self.n_dev:,} rows, {html.escape(self.metric)} (lower is better); difference = "
            "pipeline − end-to-end with simultaneous intervals.</p>"
            f"{chart}{html_table(rows)}</div>"
        )
