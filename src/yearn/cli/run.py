"""``yearn run``: the whole workflow on a project, each step skipped when current."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from yearn.cli._console import console, err_console
from yearn.cli._options import (
    JSON_OPTION,
    KEEP_COLUMN_OPTION,
    PROJECT_OPTION,
    feature_screen,
)
from yearn.errors import ConfigError

_STATUS_STYLE = {
    "ran": "green",
    "skipped": "dim",
    "failed": "red",
    "off": "dim",
    "not run": "yellow",
}


def run_with_progress(
    project: Path, options: Any, *, force: bool, out: Path | None, quiet: bool = False
) -> Any:
    """``run_project`` with one Rich progress bar per step (on stderr; none when ``quiet``)."""
    from yearn.workflow import STEPS, run_project

    if quiet:
        return run_project(project, options=options, force=force, report=out or True)

    titles = {s.name: s.title for s in STEPS} | {"report": "HTML report"}
    tasks: dict[str, Any] = {}
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err_console, transient=False) as bar:

        def tell(step: str, event: str, done: float, total: float) -> None:
            if step not in tasks:
                tasks[step] = bar.add_task(escape(titles.get(step, step)), total=1)
            task = tasks[step]
            if event == "start":
                return
            if event == "advance":
                bar.update(task, total=max(total, 1), completed=done)
                return
            style = _STATUS_STYLE.get(event, "")
            bar.update(
                task,
                description=f"[{style}]{escape(titles.get(step, step))} ({event})[/]",
                total=1,
                completed=1,
            )

        return run_project(project, options=options, force=force, report=out or True, progress=tell)


def print_result(result: Any) -> None:
    """What ran, then — when a step failed — what was left out, ending on the cause."""
    if result.features_note:
        console.print(f"[yellow]features:[/] {escape(result.features_note)}", highlight=False)
    for s in result.steps:  # how a step sized its work (training budget, curve points)
        if s.status == "ran" and s.note:
            console.print(f"[bold]{escape(s.name)}:[/] {escape(s.note)}", highlight=False)
    if result.verdict:
        console.print(f"[bold]diagnosis:[/] {escape(result.verdict)}", highlight=False)
    if result.next_steps:
        console.print("[bold]next steps:[/]")
        for i, step in enumerate(result.next_steps, 1):
            console.print(f"  {i}. {escape(step)}", highlight=False)
    ran = sum(s.status == "ran" for s in result.steps)
    skipped = sum(s.status == "skipped" for s in result.steps)
    left_out = f", {len(result.not_run)} not run" if result.not_run else ""
    console.print(
        f"{ran} steps ran, {skipped} were current, {len(result.failed)} failed{left_out} "
        f"({result.seconds:.1f} s)",
        highlight=False,
    )
    if result.report is not None:
        console.print(f"report: {result.report}", highlight=False, soft_wrap=True)
    elif result.report_note:
        console.print(f"report: {result.report_note}", highlight=False)
    by_need: dict[str, list[str]] = {}
    for s in result.not_run:
        by_need.setdefault(s.note, []).append(s.title)
    for s in result.failed:
        if s not in result.causes:
            by_need.setdefault(f"failed, {s.note}", []).append(s.title)
    for note, titles in by_need.items():
        console.print(f"[yellow]{escape(note)}:[/] {escape(', '.join(titles))}", highlight=False)
    for s in result.causes:  # the last lines: each distinct failure, once
        err_console.print(
            f"[bold red]error:[/] {escape(s.title)} failed: {escape(s.note)}",
            highlight=False,
            soft_wrap=True,
        )


def register(app: typer.Typer) -> None:
    @app.command("run")
    def run_cmd(
        project: Path = PROJECT_OPTION,
        model: str | None = typer.Option(
            None,
            "--model",
            help="Model to train (default: the last run's, else cnn for images, mlp for tables).",
        ),
        epochs: int | None = typer.Option(None, "--epochs", help="Training epochs."),
        batch_size: int | None = typer.Option(
            None,
            "--batch-size",
            help="Training batch size (default: 32, raised with the train split's size).",
        ),
        baseline: list[str] = typer.Option(
            [], "--baseline", help="Baselines to fit (repeatable; default: the last run's, or all)."
        ),
        learning_curve: bool | None = typer.Option(
            None, "--learning-curve/--no-learning-curve", help="Draw the learning curve."
        ),
        lr_find: bool | None = typer.Option(
            None, "--lr-find/--no-lr-find", help="Run the learning-rate range test."
        ),
        force: bool = typer.Option(False, "--force", help="Run every step, even current ones."),
        out: Path | None = typer.Option(
            None, "--out", "-o", help="Report path (default: <project>/report.html)."
        ),
        random_state: int | None = typer.Option(None, "--random-state", help="Seed of every step."),
        keep_column: list[str] = KEEP_COLUMN_OPTION,
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Run the whole workflow (split … slices, learning curve) and write the report.

        Options not given are those of the last `yearn run` on the project (or defaults)."""
        from dataclasses import replace

        from yearn.workflow import WorkflowOptions, saved_options

        if not project.is_dir():
            raise ConfigError(f"{project}: no such project folder; pass --project DIR.")
        if epochs is not None and epochs < 1:
            raise typer.BadParameter(f"must be at least 1; got {epochs}.", param_hint="--epochs")
        if batch_size is not None and batch_size < 1:
            raise typer.BadParameter(
                f"must be at least 1; got {batch_size}.", param_hint="--batch-size"
            )
        options = saved_options(project.resolve()) or WorkflowOptions()
        given = {
            "model": model,
            "epochs": epochs,
            "baselines": tuple(baseline) or None,
            "learning_curve": learning_curve,
            "lr_find": lr_find,
            "random_state": random_state,
        }
        options = replace(options, **{k: v for k, v in given.items() if v is not None})
        if batch_size is not None:
            options = replace(options, train={**options.train, "batch_size": batch_size})
        with feature_screen(project, keep_column, say=False):
            result = run_with_progress(project, options, force=force, out=out, quiet=as_json)
        if as_json:
            typer.echo(json.dumps(result.to_dict(), indent=2, default=str))
        else:
            print_result(result)
        if result.failed:  # a step failed on the user's input: the command did not succeed
            raise typer.Exit(2)
