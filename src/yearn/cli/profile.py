"""``yearn profile``: the data profile of a project (summaries, missing values, balance,
leakage, duplicates, contamination, shift) as a table, JSON or HTML."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from yearn._io import atomic_write_bytes, atomic_write_text
from yearn.cli._console import console
from yearn.cli._options import JSON_OPTION, MEMORY_OPTION, PROJECT_OPTION, STREAM_OPTION
from yearn.cli._scale import show_scale
from yearn.errors import ConfigError

_STYLE = {"info": "green", "warning": "yellow", "error": "bold red"}


def register(app: typer.Typer) -> None:
    @app.command()
    def profile(
        project: Path = PROJECT_OPTION,
        check: list[str] | None = typer.Option(
            None, "--check", "-c", help="Run only this check (repeatable)."
        ),
        html: Path | None = typer.Option(None, "--html", help="Write the profile as HTML here."),
        figures: Path | None = typer.Option(
            None, "--figures", help="Write the PNG figures (histograms, map, samples) here."
        ),
        max_rows: int = typer.Option(
            200_000, min=100, help="Rows subsampled by the model-based checks."
        ),
        random_state: int = typer.Option(0, help="Seed of every subsample and model."),
        jobs: int | None = typer.Option(
            None, "--jobs", "-j", min=1, help="Checks run at once (threads; default: cores, ≤ 4)."
        ),
        memory: str | None = MEMORY_OPTION,
        stream: bool = STREAM_OPTION,
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Profile the project's data: what to fix before modelling."""
        from yearn.profile import REGISTRY, profile_project

        if not project.is_dir():
            raise ConfigError(f"{project}: no such project folder; pass --project DIR.")
        for name in check or []:
            if name not in REGISTRY:
                raise ConfigError(
                    f"--check {name!r} is not a profile check; choose among {', '.join(REGISTRY)}."
                )
        total = len(check) if check else len(REGISTRY)
        progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=as_json,
        )
        with progress:
            task = progress.add_task("loading the project…", total=total)

            def done(result) -> None:
                progress.update(task, advance=1, description=f"checked {result.name}")

            result = profile_project(
                project,
                checks=check or None,
                random_state=random_state,
                max_rows=max_rows,
                n_jobs=jobs,
                on_check=done,
                memory=memory,
                stream=stream,
            )
        if html is not None:
            atomic_write_text(html, "<!doctype html><meta charset='utf-8'>" + result._repr_html_())
        if figures is not None:
            for name, png in result.figures().items():
                atomic_write_bytes(figures / name, png)
        if as_json:
            typer.echo(json.dumps(result.to_dict(), indent=2))
            return
        groups = ", ".join(f"{k} {v}" for k, v in result.groups.items())
        table = Table(
            title=f"Data profile: {result.n_rows} rows, {result.n_columns} features "
            f"(by {result.group_by}: {groups})"
        )
        table.add_column("check")
        table.add_column("severity")
        table.add_column("finding", overflow="fold")
        for r in result.results:
            style = _STYLE[r.severity]
            table.add_row(r.name, f"[{style}]{r.severity}[/]", r.message)
        console.print(table)
        if result.scale is not None:
            show_scale(result.scale)
        if html is not None:
            console.print(f"HTML written to {html}")
        if figures is not None:
            console.print(f"figures written to {figures}/")
