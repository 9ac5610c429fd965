"""``yearn runs``: list the runs of a project."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from yearn.cli._console import console
from yearn.cli._options import JSON_OPTION, PROJECT_OPTION, STORE_URL_OPTION
from yearn.errors import StoreError
from yearn.project import Project

_STATUS_STYLE = {"completed": "green", "failed": "red", "running": "yellow"}


def register(app: typer.Typer) -> None:
    runs_app = typer.Typer(help="List the project's runs; 'export' copies them to MLflow.")
    app.add_typer(runs_app, name="runs")

    @runs_app.command("export")
    def export(
        mlflow: str = typer.Option(
            ..., "--mlflow", help='MLflow tracking URI, e.g. "sqlite:///mlflow.db".'
        ),
        project: Path = PROJECT_OPTION,
        store_url: str | None = STORE_URL_OPTION,
        experiment: str = typer.Option("yearn", "--experiment", help="MLflow experiment."),
        run: list[str] = typer.Option([], "--run", help="Only this run (repeatable)."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Copy completed runs (parameters, per-epoch metrics per split, artefacts) to MLflow."""
        from yearn.train import export_runs

        store = Project(project, store_url=store_url).require_store()
        rows = export_runs(store, mlflow, experiment=experiment, run_ids=run or None)
        if as_json:
            typer.echo(json.dumps(rows, indent=2))
            return
        done = sum(r["status"] == "exported" for r in rows)
        console.print(
            f"{done} run(s) exported to MLflow experiment {experiment!r} at {mlflow}; "
            f"{len(rows) - done} already there.",
            highlight=False,
        )

    @runs_app.callback(invoke_without_command=True)
    def runs(
        ctx: typer.Context,
        project: Path = PROJECT_OPTION,
        store_url: str | None = STORE_URL_OPTION,
        kind: str | None = typer.Option(None, help="Only runs of this kind (train, baseline…)."),
        status: str | None = typer.Option(None, help="Only runs with this status."),
        limit: int = typer.Option(50, min=1, help="Show at most this many runs."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """List the project's runs, newest first."""
        if ctx.invoked_subcommand is not None:
            return
        proj = Project(project, store_url=store_url)  # --store-url, env, [store] url, SQLite
        if proj.store_url is None and not project.is_dir():
            raise StoreError(f"{project}: no such project folder; pass --project DIR.")
        records = []
        store = None
        if proj.has_store:  # never create an empty runs.db just to list nothing
            store = proj.store()
            records = store.list_runs(kind=kind, status=status, limit=limit)
        if as_json:
            typer.echo(json.dumps([_as_dict(r) for r in records], indent=2, default=str))
            return
        if not records:
            console.print("No runs yet. Start one with 'yearn run' or 'yearn train'.")
            return
        table = Table(title=f"Runs in {store!r}", show_lines=False)
        for col in ("id", "name", "kind", "status", "started", "seconds", "error"):
            table.add_column(col, overflow="fold")
        for r in records:
            style = _STATUS_STYLE.get(r.status, "")
            table.add_row(
                r.id,
                r.name,
                r.kind,
                f"[{style}]{r.status}[/]" if style else r.status,
                f"{r.started_at:%Y-%m-%d %H:%M:%S}",
                "" if r.duration_s is None else f"{r.duration_s:.1f}",
                (r.error or "")[:80],
            )
        console.print(table)


def _as_dict(record) -> dict:
    out = dict(record.__dict__)
    out["duration_s"] = record.duration_s
    return out
