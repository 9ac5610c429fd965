"""``yearn check``: load and validate a project's data, show what each source holds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from yearn.cli._console import console


def _labels_text(task: str, labels: dict[str, Any]) -> str:
    if task in ("binary", "multiclass"):
        shown = [f"{name}: {count}" for name, count in list(labels.items())[:12]]
        if len(labels) > 12:
            shown.append(f"… ({len(labels)} classes)")
        return ", ".join(shown)
    if task == "multilabel":
        return ", ".join(
            f"{name}: {c['positive']}+/{c['negative']}-/{c['unknown']}?"
            for name, c in labels.items()
        )
    if not labels:
        return ""
    return (
        f"mean {labels['mean']:.4g}, std {labels['std']:.4g}, "
        f"range [{labels['min']:.4g}, {labels['max']:.4g}]"
    )


def _missing_text(missing: dict[str, int]) -> str:
    if not missing:
        return "none"
    items = sorted(missing.items(), key=lambda kv: -kv[1])
    shown = ", ".join(f"{name}: {n}" for name, n in items[:5])
    return shown + (f", … ({len(items)} columns)" if len(items) > 5 else "")


def _print_summary(summary: dict[str, Any], project: Path) -> None:
    table = Table(title=f"data of {project}", title_justify="left")
    for header in ("source", "role", "rows", "columns", "labels", "missing values"):
        table.add_column(header, overflow="fold")
    n_columns = len(summary["feature_columns"])
    columns = str(n_columns)
    if summary["image_column"]:
        columns += f" + images ({summary['image_column']})"
    for name, info in summary["sources"].items():
        table.add_row(
            name,
            info["role"],
            str(info["rows"]),
            columns,
            _labels_text(summary["task"], info["labels"]),
            _missing_text(info["missing"]),
        )
    console.print(table)
    console.print(
        f"task [bold]{summary['task']}[/], {summary['rows']} examples, "
        f"id column {summary['id_column']!r}, label {', '.join(summary['label_columns'])}, "
        f"{n_columns} feature column(s)"
        + (f", classes {', '.join(summary['classes'][:20])}" if summary["classes"] else "")
        + (". [green]The data is valid.[/]" if not summary.get("warnings") else "."),
        highlight=False,
    )
    for note in summary.get("warnings", []):
        console.print(f"[yellow]warning:[/] {note}", highlight=False)


def register(app: typer.Typer) -> None:
    @app.command()
    def check(
        project: Path = typer.Option(
            Path("."), "--project", "-p", help="Project folder (the one with yearn.toml)."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
    ) -> None:
        """Load every data source of the project, validate it and summarise each source."""
        from yearn.project import Project

        proj = Project(project)
        proj.config  # noqa: B018  (a missing or invalid yearn.toml fails before the spinner)
        if as_json:
            dataset = proj.dataset
        else:
            with console.status("loading and checking the data…"):
                dataset = proj.dataset
        summary = dataset.summary()
        if as_json:
            typer.echo(json.dumps({"ok": True, "project": str(project), **summary}, indent=2))
        else:
            _print_summary(summary, project)
