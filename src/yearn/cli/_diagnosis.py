"""How ``yearn diagnose`` and ``yearn learning-curve`` print their results (Rich tables)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from yearn.cli._console import console


def print_diagnosis(diag: Any, title: str) -> None:
    from yearn.diagnose import GAP_LABELS

    pct = int(diag.confidence * 100)
    table = Table(title=title, show_lines=False)
    for col in ("", "error", f"{pct}% CI", "n"):
        table.add_column(col, justify="right" if col else "left")
    for k, r in diag.errors.items():
        name = k.replace("_", "-") + (" (assumed)" if r.assumed else "")
        table.add_row(
            name,
            diag.fmt(r.value),
            diag.fmt_ci(r.ci_low, r.ci_high),
            "" if r.n is None else str(r.n),
        )
    table.add_section()
    for g in diag.gaps.values():
        if g.value is None:
            continue
        style = "bold red" if g.name in diag.principal else ""
        label = f"[{style}]{GAP_LABELS[g.name]}[/]" if style else GAP_LABELS[g.name]
        table.add_row(label, diag.fmt(g.value, signed=True), diag.fmt_ci(g.ci_low, g.ci_high), "")
    console.print(table)
    console.print(f"[bold]{diag.verdict()}[/] (tolerance {diag.fmt(diag.tolerance)})")
    if diag.gap_confidence is not None and diag.gap_confidence > diag.confidence:
        console.print(
            f"gap intervals hold together at {diag.confidence:.0%} (each at "
            f"{diag.gap_confidence:.2%}); a gap is named when above the tolerance and its "
            "interval lies above half of it",
            highlight=False,
        )
    for gap, steps in diag.recommendations.items():
        head = f" — {GAP_LABELS[gap]}" if gap in GAP_LABELS else ""
        console.print(f"[bold]next steps{head}:[/]")
        for s in steps:
            console.print(f"  • {s}", highlight=False)
    for c in diag.caveats:
        console.print(f"[yellow]note:[/] {c}", highlight=False)


def print_sourced(diag: Any, health: Any, source: str, chart: Path | None = None) -> None:
    """The overall diagnosis, one per task (multi-label), then the training health."""
    overall = getattr(diag, "overall", diag)
    print_diagnosis(overall, f"Diagnosis ({overall.metric}) — {source}")
    for name, d in getattr(diag, "tasks", {}).items():
        print_diagnosis(d, f"task {name}")
    if health is not None:
        console.print(f"[bold]training health:[/] {'healthy' if health.healthy else 'problems'}")
        for f in health.findings:
            mark = "[red]✗[/]" if f.problem else "•"
            console.print(f"  {mark} {f.kind}: {f.message}", highlight=False)
    if chart is not None:
        console.print(f"chart written to {chart}")


def print_learning_curve(lc: Any, estimator: str, chart: Path | None = None) -> None:
    """Train and dev error per size, the fitted power law and the verdict."""
    table = Table(title=f"Learning curve ({estimator}, {lc.metric})")
    for col in ("training examples", f"train {lc.metric}", f"dev {lc.metric}"):
        table.add_column(col, justify="right")
    for n, t, d in zip(lc.sizes, lc.train_errors, lc.dev_errors, strict=True):
        table.add_row(str(n), lc.fmt(t), lc.fmt(d))
    console.print(table)
    a, b, c = lc.fit
    console.print(f"power law: dev {lc.metric} ≈ {a:.3g}·n^(−{b:.2f}) + {c:.3g}", highlight=False)
    console.print(f"[bold]{escape(lc.verdict)}[/]", highlight=False)
    if chart is not None:
        console.print(f"chart written to {chart}")


def show(payload: dict[str, Any], drawn: Any, chart: Path | None, as_json: bool) -> bool:
    """Write ``drawn``'s chart when asked; print ``payload`` as JSON and return True with
    ``--json`` (then nothing else is printed)."""
    if chart is not None:
        drawn.save_chart(chart)
        payload["chart"] = str(chart)
    if as_json:
        typer.echo(json.dumps(payload, indent=2, default=float))
    return as_json
