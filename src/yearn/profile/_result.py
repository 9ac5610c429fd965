"""The uniform result of every profile check and the :class:`Profile` that collects them."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

__all__ = ["SEVERITIES", "CheckResult", "Profile", "Severity", "to_jsonable"]

Severity = Literal["info", "warning", "error"]
SEVERITIES: tuple[str, ...] = ("info", "warning", "error")


def to_jsonable(value: Any) -> Any:
    """Turn numpy scalars/arrays, tuples and non-finite floats into plain JSON values."""
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return to_jsonable(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


@dataclass
class CheckResult:
    """What one check found.

    ``summary`` holds JSON-able numbers (the figures behind the message); ``evidence`` lists
    concrete findings (a column and its AUC, a pair of duplicate rows); ``flags`` / ``scores``
    are per-row arrays aligned with the profiled frame (``None`` where not meaningful);
    ``data`` holds what the display layer draws (histogram counts, sampled points, image
    paths) and is not part of the JSON output.
    """

    name: str
    severity: Severity = "info"
    message: str = ""
    summary: dict[str, Any] = field(default_factory=dict)
    evidence: list[dict[str, Any]] = field(default_factory=list)
    flags: np.ndarray | None = None
    scores: np.ndarray | None = None
    data: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def n_flagged(self) -> int:
        """Number of rows flagged (0 when the check has no per-row flags)."""
        return 0 if self.flags is None else int(np.count_nonzero(self.flags))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able view (per-row arrays reduced to the flagged row positions)."""
        out: dict[str, Any] = {
            "name": self.name,
            "severity": self.severity,
            "message": self.message,
            "summary": to_jsonable(self.summary),
            "evidence": to_jsonable(self.evidence),
            "seconds": round(self.seconds, 4),
        }
        if self.flags is not None:
            flagged = np.flatnonzero(self.flags)
            out["n_flagged"] = int(flagged.size)
            out["flagged_rows"] = flagged.tolist()  # every row: --json is complete
        return out

    def _repr_html_(self) -> str:
        from yearn.display import bar_chart, html_table
        from yearn.profile._html import check_html

        rows: list[tuple[str, Any]] = [("severity", self.severity)]
        if self.flags is not None:
            rows.append(("rows flagged", self.n_flagged))
        columns = _column_rows(self.summary)
        rows += [
            (str(k), _compact(v))
            for k, v in self.summary.items()
            if not (k == "columns" and columns)
        ]
        rows.append(("seconds", round(self.seconds, 3)))
        table = html_table([{"": k, "value": v} for k, v in rows], ["", "value"])
        if columns:  # the summary check: one row per column
            table += html_table(columns, formats={"mean": ".4g", "std": ".4g"})
        body = check_html(self)
        chart = ""
        if "<img" not in body:  # no picture of its own: bars of its first numeric mapping
            found = _numeric_mapping(self.summary)
            if found is not None:
                title, values = found
                chart = bar_chart(list(values), list(values.values()), title=title)
        return f"{table}{body}{chart}"


def _column_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """Per-column rows (kind, missing, unique, mean / std or top values, first group) of a
    summary that has ``columns`` as the summary check writes them; else ``[]``."""
    columns = summary.get("columns")
    if not isinstance(columns, dict) or not all(
        isinstance(c, dict) and "kind" in c for c in columns.values()
    ):
        return []
    rows = []
    for name, col in columns.items():
        stats = next(iter((col.get("by_group") or {}).values()), {})
        top = stats.get("top") or {}
        rows.append(
            {
                "column": name,
                "kind": col.get("kind"),
                "missing": col.get("missing"),
                "unique": col.get("unique"),
                "mean": stats.get("mean"),
                "std": stats.get("std"),
                "top values": ", ".join(f"{k} ({v})" for k, v in list(top.items())[:3]),
            }
        )
    return rows


def _compact(value: Any, limit: int = 120) -> Any:
    """A summary value for one table cell: scalars as they are, containers as short JSON."""
    value = to_jsonable(value)
    if isinstance(value, dict | list):
        text = json.dumps(value, default=str)
        return text if len(text) <= limit else text[: limit - 3] + "..."
    return value


def _numeric_mapping(summary: Any, path: str = "", depth: int = 0) -> tuple[str, dict] | None:
    """The first (breadth-first) mapping of names to non-negative numbers in ``summary``."""
    if not isinstance(summary, dict) or depth > 3:
        return None
    values = {
        str(k): float(v)
        for k, v in summary.items()
        if isinstance(v, int | float | np.number) and not isinstance(v, bool)
    }
    complete = path and values and len(values) == len(summary)
    if complete and all(math.isfinite(v) and v >= 0 for v in values.values()):
        return path, values
    for key, sub in summary.items():
        found = _numeric_mapping(sub, f"{path} {key}".strip(), depth + 1)
        if found is not None:
            return found
    return None


@dataclass
class Profile:
    """All check results over one table, grouped by split (or by source)."""

    results: list[CheckResult]
    n_rows: int
    n_columns: int
    group_by: str
    groups: dict[str, int]
    label: str | None = None
    task: str | None = None
    seconds: float = 0.0
    #: with a memory budget: the plan (in memory or streamed) and, per check, whether its
    #: figures are exact, sketched (with the bound) or from a sample (with its size)
    scale: dict[str, Any] | None = None

    def __getitem__(self, name: str) -> CheckResult:
        for result in self.results:
            if result.name == name:
                return result
        names = ", ".join(r.name for r in self.results)
        raise KeyError(f"no check named {name!r} in this profile; it has: {names}")

    def __contains__(self, name: object) -> bool:
        return any(r.name == name for r in self.results)

    @property
    def names(self) -> list[str]:
        return [r.name for r in self.results]

    @property
    def worst_severity(self) -> str:
        """The most severe level among the results (``info`` when all is well)."""
        levels = [SEVERITIES.index(r.severity) for r in self.results] or [0]
        return SEVERITIES[max(levels)]

    @property
    def issues(self) -> list[CheckResult]:
        """Results with severity warning or error."""
        return [r for r in self.results if r.severity != "info"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_rows": self.n_rows,
            "n_columns": self.n_columns,
            "label": self.label,
            "task": self.task,
            "group_by": self.group_by,
            "groups": dict(self.groups),
            "worst_severity": self.worst_severity,
            "seconds": round(self.seconds, 3),
            "checks": [r.to_dict() for r in self.results],
            **({"scale": to_jsonable(self.scale)} if self.scale is not None else {}),
        }

    def sections(self, *, figures: bool = True) -> list[tuple[str, str]]:
        """``(title, html fragment)`` per check, for the HTML report to embed."""
        from yearn.profile._html import check_html

        return [(r.name, check_html(r, figures=figures)) for r in self.results]

    def figures(self) -> dict[str, bytes]:
        """PNG images keyed ``<check>/<name>.png`` (histograms, map, sample grids)."""
        from yearn.profile._plots import figures_of

        out: dict[str, bytes] = {}
        for result in self.results:
            for name, png in figures_of(result).items():
                out[f"{result.name}/{name}.png"] = png
        return out

    def save(self, directory: str | Path) -> list[Path]:
        """Write ``profile.json``, ``profile.html`` and ``figures/<check>/<name>.png`` into
        ``directory`` (each file atomically); returns the paths written."""
        from yearn._io import atomic_write_bytes, atomic_write_json, atomic_write_text

        directory = Path(directory)
        written = [
            atomic_write_json(directory / "profile.json", self.to_dict()),
            atomic_write_text(
                directory / "profile.html",
                "<!doctype html><meta charset='utf-8'><title>yearn data profile</title>"
                + self._repr_html_(),
            ),
        ]
        for name, png in self.figures().items():
            written.append(atomic_write_bytes(directory / "figures" / name, png))
        return written

    def _repr_html_(self) -> str:
        from yearn.profile._html import profile_html

        return profile_html(self)
