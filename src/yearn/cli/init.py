"""``yearn init``: write a commented ``yearn.toml`` from flags, asking for what is missing."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.table import Table

from yearn._validation import check_choice
from yearn.cli._console import console
from yearn.cli._prompt import (
    _ask,
    _ask_many,
    _check_human,
    _check_task,
    _missing,
    _split,
    _split_names,
)
from yearn.config import CONFIG_FILENAME, TASK_KINDS, parse_constraint
from yearn.errors import ConfigError
from yearn.project import Project
from yearn.scaffold import default_metric, known_metrics, parse_source, write_project_file


def register(app: typer.Typer) -> None:
    @app.command()
    def init(
        directory: Path = typer.Argument(
            Path("."), help="Project folder to write yearn.toml into (created if missing)."
        ),
        task: str | None = typer.Option(
            None, "--task", help=f"Kind of task: {', '.join(TASK_KINDS)}."
        ),
        label: list[str] | None = typer.Option(
            None, "--label", help="Label column (repeat or comma-separate for multilabel)."
        ),
        id_column: str | None = typer.Option(None, "--id-column", help="Unique id column."),
        group_column: str | None = typer.Option(
            None, "--group-column", help="Column whose groups never straddle splits."
        ),
        metadata: list[str] | None = typer.Option(
            None, "--metadata", help="Metadata column(s), not model inputs (repeatable)."
        ),
        image_column: str | None = typer.Option(
            None, "--image-column", help="Column of image file paths."
        ),
        text_column: list[str] | None = typer.Option(
            None, "--text-column", help="Free-text column(s) (repeatable)."
        ),
        feature: list[str] | None = typer.Option(
            None, "--feature", help="Model input column(s) (default: all other columns)."
        ),
        missing_label_marker: str | None = typer.Option(
            None, "--missing-label-marker", help="Cell value meaning 'label unknown'."
        ),
        source: list[str] | None = typer.Option(
            None,
            "--source",
            help="Data source as NAME=PATH:ROLE, ROLE train or target (repeatable).",
        ),
        metric: str | None = typer.Option(
            None, "--metric", help="Optimising metric (default: error; rmse for regression)."
        ),
        constraint: list[str] | None = typer.Option(
            None, "--constraint", help="Satisficing constraint, e.g. 'latency_ms <= 100'."
        ),
        human_level_error: float | None = typer.Option(
            None, "--human-level-error", help="Human-level error, e.g. 0.01 for 1%."
        ),
        name: str | None = typer.Option(None, "--name", help="Project name (default: folder)."),
        force: bool = typer.Option(False, "--force", help="Replace an existing yearn.toml."),
        interactive: bool | None = typer.Option(
            None,
            "--interactive/--no-interactive",
            help="Ask for missing values (default: when stdin is a terminal).",
        ),
        as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    ) -> None:
        """Write a commented yearn.toml: task, columns, sources, metric, human-level error."""
        target = directory / CONFIG_FILENAME
        if target.exists() and not force:
            raise ConfigError(
                f"{target}: a project file already exists; edit it, or pass --force to replace it."
            )
        ask = sys.stdin.isatty() if interactive is None else interactive
        labels = _split_names(label)
        sources = [parse_source(s) for s in source or []]
        constraints = [str(parse_constraint(c, key="--constraint")) for c in constraint or []]
        metadata_columns = _split_names(metadata)
        if task is not None:
            _check_task(task)
        if ask:
            if task is None:
                task = _ask(f"Task ({', '.join(TASK_KINDS)})", _check_task)
            if not labels:
                labels = _ask("Label column(s), comma-separated", lambda a: _split_names([a]))
            if id_column is None:
                id_column = _ask("Id column (empty: none)", str, optional=True)
            if group_column is None:
                group_column = _ask("Group column (empty: none)", str, optional=True)
            if not metadata_columns:
                metadata_columns = (
                    _ask("Metadata columns, comma-separated (empty: none)", _split, optional=True)
                    or []
                )
            if not sources:
                sources = _ask_many("Source as NAME=PATH:ROLE", parse_source, at_least_one=True)
            if metric is None:
                choices = known_metrics(task)
                metric = _ask(
                    f"Optimising metric ({', '.join(choices)})",
                    lambda a, c=choices: check_choice("metric.optimizing", a, c),
                    default=default_metric(task),
                )
            if not constraints:
                constraints = _ask_many(
                    "Constraint such as 'latency_ms <= 100'",
                    lambda a: str(parse_constraint(a, key="--constraint")),
                    at_least_one=False,
                )
            if human_level_error is None:
                human_level_error = _ask(
                    "Human-level error as a fraction (empty: unknown)", _check_human, optional=True
                )
        if task is None:
            raise _missing("--task", f"the kind of task, one of {', '.join(TASK_KINDS)}")
        if not labels:
            raise _missing("--label", "the column that holds the label")
        if not sources:
            raise _missing("--source", "at least one data source as NAME=PATH:ROLE")

        path = write_project_file(
            directory,
            force=force,
            name=name,
            task=task,
            label=labels,
            id_column=id_column,
            group_column=group_column,
            metadata_columns=metadata_columns,
            image_column=image_column,
            text_columns=_split_names(text_column),
            feature_columns=_split_names(feature),
            missing_label_marker=missing_label_marker,
            sources=sources,
            metric=metric,
            constraints=constraints,
            human_level_error=human_level_error,
        )
        config = Project(path.parent).config
        missing = [str(s.path) for s in config.sources if not s.path.exists()]
        if as_json:
            typer.echo(
                json.dumps(
                    {
                        "path": str(path),
                        "name": config.name,
                        "task": config.task,
                        "label_columns": list(config.label_columns),
                        "sources": [
                            {"name": s.name, "path": str(s.path), "role": s.role}
                            for s in config.sources
                        ],
                        "metric": config.metric.optimizing,
                        "constraints": [str(c) for c in config.metric.constraints],
                        "human_level_error": config.metric.human_level_error,
                        "missing_paths": missing,
                    },
                    indent=2,
                )
            )
            return
        console.print(f"[green]wrote[/] {path}", highlight=False)
        table = Table("source", "role", "path", "exists")
        for s in config.sources:
            table.add_row(s.name, s.role, str(s.path), "yes" if s.path.exists() else "[red]no[/]")
        console.print(table)
        if config.target_source is None:
            console.print(
                "[yellow]note:[/] no target source: dev and test should come from the data the "
                "product will face; add one with role = 'target' when you have it."
            )
        if missing:
            console.print(
                f"[yellow]note:[/] {len(missing)} source path(s) do not exist yet; "
                "put the data there, then run `yearn check`."
            )
