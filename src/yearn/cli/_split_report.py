"""How ``yearn split`` prints a split's report (Rich tables) and ``yearn cv`` its folds."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from yearn.cli._console import console


def show_split_report(
    report: Any, title: str, run_id: str | None = None, *, scale: dict | None = None
) -> None:
    """Sizes per split and source, labels per split, group overlap, dev-vs-test tests;
    with ``scale`` (a ``--memory`` run) how the split ran."""
    sources = sorted({s for per in report.sources.values() for s in per})
    table = Table(title=title, title_justify="left")
    table.add_column("split")
    table.add_column("examples", justify="right")
    if report.requested:
        table.add_column("asked", justify="right")
    for source in sources:
        table.add_column(source, justify="right")
    for split, n in report.sizes.items():
        per = report.sources.get(split, {})
        asked = report.requested.get(split)
        table.add_row(
            split,
            f"{n:,}",
            *(() if not report.requested else ("rest" if asked is None else f"{asked:,}",)),
            *(f"{per.get(s, 0):,}" for s in sources),
        )
    console.print(table)
    if report.balance:
        columns = list(dict.fromkeys(k for per in report.balance.values() for k in per))
        regression = set(columns) <= {"n", "mean", "std"}
        hidden = len(columns) - 12 if not regression and len(columns) > 12 else 0
        if hidden:  # the most frequent classes; every class is in --json
            totals = {c: sum(per.get(c, 0) for per in report.balance.values()) for c in columns}
            columns = sorted(columns, key=lambda c: -totals[c])[:12]
        balance = Table(title="labels per split", title_justify="left")
        balance.add_column("split")
        for c in columns:
            balance.add_column(str(c), justify="right")
        if hidden:
            balance.add_column(f"{hidden:,} other classes", justify="right")
        for split, per in report.balance.items():
            total = sum(per.values()) or 1
            rest = total - sum(per.get(c, 0) for c in columns) if hidden else None
            balance.add_row(
                split,
                *(
                    f"{per.get(c, 0):.4g}"
                    if regression
                    else f"{per.get(c, 0):,} ({100 * per.get(c, 0) / total:.0f}%)"
                    for c in columns
                ),
                *(() if rest is None else (f"{rest:,} ({100 * rest / total:.0f}%)",)),
            )
        console.print(balance)
    console.print(
        f"group overlap: [bold]{report.group_overlap}[/]   "
        f"dev/test only from target: [bold]{report.dev_test_from_target}[/]"
    )
    for t in report.distribution:
        verdict = "[green]same[/]" if t.ok else "[red]differs[/]"
        console.print(f"dev vs test on {t.column!r}: {t.test} p = {t.p_value:.3g} → {verdict}")
    for note in report.notes:
        console.print(f"[dim]note:[/] {note}", highlight=False)
    for warning in report.warnings:
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    if run_id:
        console.print(f"[dim]recorded as run {run_id}[/]")
    if scale is not None:
        from yearn.cli._scale import show_scale

        show_scale(scale)


def print_cv(out: dict[str, Any], model: str) -> None:
    """Per-fold scores, the summary with its interval, the look at test and warnings."""
    result = out["result"]
    console.print(f"[bold]{model}[/] on {', '.join(out['on'])} ({out['examples']:,} examples)")
    console.print("folds: " + "  ".join(f"{v:.4g}" for v in result["scores"]), highlight=False)
    console.print(out["summary"], highlight=False)
    if out.get("test"):
        console.print(
            f"test {out['test']['metric']}: {out['test']['value']:.4g} "
            f"(look {out['test']['looks_for_model']} at test for {model})",
            highlight=False,
        )
    for warning in out["warnings"]:
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    if out.get("run_id"):
        console.print(f"[dim]recorded as run {out['run_id']}[/]")
