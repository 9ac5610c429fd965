"""``yearn best``: the best model among candidates (runs or a table) under constraints."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from yearn.cli._console import console
from yearn.cli._options import JSON_OPTION, PROJECT_OPTION, STORE_URL_OPTION


def register(app: typer.Typer) -> None:
    @app.command()
    def best(
        candidates: Path | None = typer.Argument(
            None,
            help="Table of candidates: CSV / Parquet with a 'name' column and one column per "
            "metric, or JSON [{name, metrics}]. Default: the completed runs of the project.",
        ),
        optimizing: str | None = typer.Option(
            None, "--optimizing", help="Metric to optimise (default: the project's, or error)."
        ),
        constraint: list[str] | None = typer.Option(
            None,
            "--constraint",
            help="Satisficing constraint such as 'latency_ms <= 100' (repeat the option; "
            "default: the project's).",
        ),
        split: str = typer.Option("dev", "--split", help="Split whose run metrics count."),
        kind: list[str] | None = typer.Option(
            None, "--kind", help="Only runs of this kind (train, baseline, ...; repeatable)."
        ),
        higher_is_better: bool | None = typer.Option(
            None,
            "--higher-is-better/--lower-is-better",
            help="Direction of an optimising metric that is not in the registry.",
        ),
        project: Path = PROJECT_OPTION,
        store_url: str | None = STORE_URL_OPTION,
        as_json: bool = JSON_OPTION,
    ) -> None:
        """The best model: best optimising metric among the candidates meeting every
        constraint, with the reason each other candidate was excluded."""
        from yearn.metrics import candidates_from_store, candidates_from_table, choose_best
        from yearn.project import Project

        proj = Project(project)
        config = proj.config if proj.has_config else None
        if candidates is not None:
            cands = candidates_from_table(candidates)
        else:
            cands = candidates_from_store(
                project, split=split, kinds=tuple(kind) if kind else None, store_url=store_url
            )
        metric = optimizing or (config.metric.optimizing if config else "error")
        if constraint:
            cons: list = list(constraint)
        else:
            cons = list(config.metric.constraints) if config else []
        sel = choose_best(cands, metric, cons, higher_is_better=higher_is_better)
        if as_json:
            typer.echo(json.dumps(sel.to_dict(), indent=2))
            return
        table = Table(title=f"candidates by {sel.optimizing}", title_justify="left")
        table.add_column("candidate")
        table.add_column(sel.optimizing, justify="right")
        table.add_column("status")
        for name, value in sel.ranking:
            mark = "[bold green]best[/]" if name == sel.best else "meets every constraint"
            table.add_row(name, f"{value:.4g}", mark)
        for name, reasons in sel.excluded.items():
            table.add_row(name, "", f"[red]excluded[/]: {', '.join(reasons)}")
        console.print(table)
        console.print(sel.summary, highlight=False)
