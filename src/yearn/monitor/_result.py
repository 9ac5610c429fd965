"""What monitoring found: drift per column and window, the domain classifier, performance
with and without labels, and one verdict per window."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from yearn.monitor._domain import DomainDrift
from yearn.monitor._performance import Estimate

__all__ = ["VERDICTS", "ColumnDrift", "MonitorResult", "WindowResult"]

#: Window verdicts, most urgent first; anything but ``ok`` needs attention.
VERDICTS = ("concept drift", "performance drop", "input drift", "ok")


@dataclass
class ColumnDrift:
    """One column in one window: its statistic against the no-drift threshold."""

    column: str
    kind: str
    role: str  # input | prediction
    measure: str  # "wasserstein (sd)" | "total variation"
    value: float
    threshold: float
    min_effect: float
    p_value: float
    drifted: bool
    n: int
    moved: list[dict[str, Any]] = field(default_factory=list)  # biggest bin changes

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class WindowResult:
    """One window: its rows, drift, performance and verdict (with the reasons)."""

    window: str
    start: str | None
    end: str | None
    n: int
    columns: list[ColumnDrift]
    domain: DomainDrift | None
    estimate: Estimate | None
    labelled: Estimate | None
    concept_z: float | None
    verdict: str
    reasons: list[str]
    metrics: list[Estimate] = field(default_factory=list)  # label-free, the project's first
    labelled_metric: Estimate | None = None  # the project's metric on the labelled rows

    @property
    def drifted_columns(self) -> list[str]:
        return [c.column for c in self.columns if c.drifted]

    def to_dict(self) -> dict[str, Any]:
        return {
            "window": self.window,
            "start": self.start,
            "end": self.end,
            "n": self.n,
            "verdict": self.verdict,
            "reasons": self.reasons,
            "drifted_columns": self.drifted_columns,
            "columns": [c.to_dict() for c in self.columns],
            "domain": self.domain.to_dict() if self.domain else None,
            "estimate": self.estimate.to_dict() if self.estimate else None,
            "metrics": [m.to_dict() for m in self.metrics],
            "labelled_metric": self.labelled_metric.to_dict() if self.labelled_metric else None,
            "labelled": self.labelled.to_dict() if self.labelled else None,
            "concept_z": self.concept_z,
        }


@dataclass
class MonitorResult:
    """Every window's result, plus what was not monitored and the settings used."""

    windows: list[WindowResult]
    excluded: dict[str, str]
    settings: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    @property
    def needs_attention(self) -> bool:
        """True when any window's verdict is not ``ok`` (the CLI exits with 3)."""
        return any(w.verdict != "ok" for w in self.windows)

    def to_dict(self) -> dict[str, Any]:
        return {
            "needs_attention": self.needs_attention,
            "windows": [w.to_dict() for w in self.windows],
            "excluded": self.excluded,
            "settings": self.settings,
            "notes": self.notes,
        }

    def summary_frame(self) -> pd.DataFrame:
        """One row per window: rows, verdict, drifted columns, domain AUC, accuracy, and
        each label-free metric estimate with its interval."""
        rows = []
        for w in self.windows:
            est, lab, dom = w.estimate, w.labelled, w.domain
            rows.append(
                {
                    "window": w.window,
                    "rows": w.n,
                    "verdict": w.verdict,
                    "drifted": ", ".join(w.drifted_columns) or "—",
                    "domain_auc": dom.auc if dom else None,
                    "estimated_accuracy": est.value if est else None,
                    "estimate_low": est.low if est else None,
                    "estimate_high": est.high if est else None,
                    "labelled_accuracy": lab.value if lab else None,
                    "labelled_rows": lab.n if lab else 0,
                    **(
                        {
                            f"labelled_{w.labelled_metric.metric}": w.labelled_metric.value,
                            f"labelled_{w.labelled_metric.metric}_low": w.labelled_metric.low,
                            f"labelled_{w.labelled_metric.metric}_high": w.labelled_metric.high,
                        }
                        if w.labelled_metric
                        else {}
                    ),
                    **{
                        key: value
                        for m in w.metrics
                        for key, value in (
                            (f"estimated_{m.metric}", m.value),
                            (f"{m.metric}_low", m.low),
                            (f"{m.metric}_high", m.high),
                        )
                    },
                }
            )
        return pd.DataFrame(rows)

    def drift_frame(self) -> pd.DataFrame:
        """One row per window and column: statistic, threshold, p-value, drifted."""
        rows = [
            {"window": w.window, **{k: v for k, v in c.to_dict().items() if k != "moved"}}
            for w in self.windows
            for c in w.columns
        ]
        return pd.DataFrame(rows)

    def save(self, path: str | Path) -> Path:
        """Write the result as JSON (atomically)."""
        from yearn._io import atomic_write_json

        return atomic_write_json(path, self.to_dict())

    def _repr_html_(self) -> str:
        from html import escape

        from yearn.display import Series, html_table, line_chart

        frame = self.summary_frame()
        metric_columns = {c: ".3f" for c in frame.columns if c.endswith(("_low", "_high"))}
        metric_columns.update({c: ".3f" for c in frame.columns if c.startswith("estimated_")})
        summary = html_table(
            frame,
            formats={
                **metric_columns,
                "domain_auc": ".3f",
                "estimated_accuracy": ".1%",
                "estimate_low": ".1%",
                "estimate_high": ".1%",
                "labelled_accuracy": ".1%",
            },
            caption="Monitoring: one row per window",
        )
        x = list(range(1, len(self.windows) + 1))
        series = []
        est = [w.estimate for w in self.windows]
        if any(e is not None for e in est):
            nan = float("nan")
            series += [
                Series("estimated accuracy", x, [e.value if e else nan for e in est]),
                Series("low", x, [e.low if e else nan for e in est], dashed=True),
                Series("high", x, [e.high if e else nan for e in est], dashed=True),
            ]
            lab = [w.labelled for w in self.windows]
            if any(v is not None for v in lab):
                series.append(Series("labelled accuracy", x, [v.value if v else nan for v in lab]))
        chart = (
            line_chart(series, title="accuracy per window", x_label="window", y_label="accuracy")
            if series
            else ""
        )
        worst = max(
            (
                (c.value / c.threshold if c.threshold else 0.0, c.column)
                for w in self.windows
                for c in w.columns
            ),
            default=None,
        )
        drift_rows = self.drift_frame()
        drifted = drift_rows[drift_rows["drifted"]] if len(drift_rows) else drift_rows
        detail = html_table(
            drifted[["window", "column", "measure", "value", "threshold", "p_value"]]
            if len(drifted)
            else pd.DataFrame({"": ["no column drifted in any window"]}),
            caption="Drifted columns",
        )
        note = (
            f"<p>Largest statistic / threshold: {worst[0]:.2f} ({escape(worst[1])})</p>"
            if worst
            else ""
        )
        left_out = (
            html_table(
                pd.DataFrame({"column": list(self.excluded), "why": list(self.excluded.values())}),
                caption="Not monitored (and why)",
            )
            if self.excluded
            else ""
        )
        notes = "".join(f"<p>Note: {escape(n)}</p>" for n in self.notes)
        return f"<div>{summary}{chart}{detail}{note}{left_out}{notes}</div>"
