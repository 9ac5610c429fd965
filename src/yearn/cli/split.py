"""``yearn split``: draw (or grow) the four-way split of a project and show its checks."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from yearn.cli._console import console
from yearn.cli._options import JSON_OPTION, PROJECT_OPTION, STORE_URL_OPTION


def register(app: typer.Typer) -> None:
    @app.command()
    def split(
        project: Path = PROJECT_OPTION,
        fresh: bool = typer.Option(
            False, "--fresh", help="Redraw from scratch instead of growing the saved manifest."
        ),
        cross_source_groups: str = typer.Option(
            "error",
            "--cross-source-groups",
            help="Groups spanning target and training sources: 'error' or 'train' "
            "(send them wholly to train).",
        ),
        expected_error: float = typer.Option(
            0.1, "--expected-error", help="Error rate you expect (for the precision check)."
        ),
        min_gain: float = typer.Option(
            0.01, "--min-gain", help="Smallest gain you want to see (0.01 = 1 point)."
        ),
        record: bool = typer.Option(
            True, "--record/--no-record", help="Record the split as a run in the store."
        ),
        show: bool = typer.Option(
            False, "--show", help="Show the saved manifest and its checks; split nothing."
        ),
        store_url: str | None = STORE_URL_OPTION,
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Split the project into train / train-dev / dev / test (dev and test from the
        target source only), save .yearn/splits.parquet and report the checks."""
        from yearn.splits import load_manifest, manifest_path
        from yearn.splits.project import SavedSplit, split_project

        if show:
            root = project.parent if project.is_file() else project
            saved = SavedSplit(load_manifest(root), manifest_path(root), None)
        else:
            saved = split_project(
                project,
                fresh=fresh,
                record=record,
                store_url=store_url,
                cross_source_groups=cross_source_groups,  # type: ignore[arg-type]
                expected_error=expected_error,
                min_gain=min_gain,
            )
        if as_json:
            typer.echo(json.dumps(saved.to_dict(), indent=2, default=str))
            return
        _show(saved)


def _show(saved) -> None:
    manifest, report = saved.manifest, saved.manifest.report
    sources = sorted({s for per in report.sources.values() for s in per})
    table = Table(title=f"split manifest {saved.path}", title_justify="left")
    table.add_column("split")
    table.add_column("examples", justify="right")
    table.add_column("asked", justify="right")
    for source in sources:
        table.add_column(source, justify="right")
    for split, n in manifest.sizes.items():
        per = report.sources.get(split, {})
        asked = report.requested.get(split)
        table.add_row(
            split,
            f"{n:,}",
            "rest" if asked is None else f"{asked:,}",
            *(f"{per.get(s, 0):,}" for s in sources),
        )
    console.print(table)
    if report.balance:
        columns = list(dict.fromkeys(k for per in report.balance.values() for k in per))
        regression = set(columns) <= {"n", "mean", "std"}
        balance = Table(title="labels per split", title_justify="left")
        balance.add_column("split")
        for c in columns:
            balance.add_column(str(c), justify="right")
        for split, per in report.balance.items():
            total = sum(per.values()) or 1
            balance.add_row(
                split,
                *(
                    f"{per.get(c, 0):.4g}"
                    if regression
                    else f"{per.get(c, 0):,} ({100 * per.get(c, 0) / total:.0f}%)"
                    for c in columns
                ),
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
    if saved.run_id:
        console.print(f"[dim]recorded as run {saved.run_id}[/]")
