"""``yearn demo``: create a project from the embedded demo data and summarise it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from yearn.cli._console import console, err_console

if TYPE_CHECKING:
    from yearn.demo import DemoSummary


def create_demo_project(
    directory: Path, *, tabular: bool = False, force: bool = False, random_state: int = 0
) -> Path:
    """Build the demo data (from the cache when possible) into ``directory``, with a spinner."""
    from yearn.demo import make_digits_demo, make_tabular_demo

    kind = "tabular" if tabular else "digits"
    make = make_tabular_demo if tabular else make_digits_demo
    with err_console.status(f"building the {kind} demo in {directory} ..."):
        return make(directory, random_state=random_state, force=force)


def print_demo_summary(summary: DemoSummary) -> None:
    """Rich tables: the sources, their metadata ranges and what was planted."""
    console.print(
        f"[bold]{summary.name}[/] ({summary.kind} demo, random_state={summary.random_state}) "
        f"in {summary.project}",
        highlight=False,
    )
    console.print(f"task {summary.task}, label column '{summary.label}'", highlight=False)
    groups = any(s.groups is not None for s in summary.sources)
    planted = any(s.mislabeled for s in summary.sources)
    images = any(s.quality for s in summary.sources)
    headers = ["source", "role", "rows"] + (["groups"] if groups else []) + ["classes"]
    headers += (["planted wrong labels"] if planted else []) + (
        ["edge sharpness", "contrast (pixel std)"] if images else []
    )
    table = Table(*headers)
    for s in summary.sources:
        counts = list(s.classes.values())
        classes = (
            ", ".join(f"{k}: {v}" for k, v in s.classes.items())
            if len(counts) <= 3
            else f"{len(counts)} ({min(counts)}-{max(counts)} each)"
        )
        row = [s.name, s.role, str(s.rows)]
        row += ["" if s.groups is None else str(s.groups)] if groups else []
        row += [classes]
        row += [f"{s.mislabeled} ({s.mislabeled_share:.1%})"] if planted else []
        if images:
            q = s.quality
            row += [f"{q.sharpness:.2f}", f"{q.contrast:.3f}"] if q else ["", ""]
        table.add_row(*row)
    console.print(table)
    columns = sorted({c for s in summary.sources for c in s.ranges})
    if columns:
        ranges = Table("column", *[s.name for s in summary.sources], title="value ranges")
        for c in columns:
            cells = [
                f"{s.ranges[c][0]:g} .. {s.ranges[c][1]:g}" if c in s.ranges else ""
                for s in summary.sources
            ]
            ranges.add_row(c, *cells)
        console.print(ranges)
    for key, value in summary.notes.items():
        console.print(f"planted {key.replace('_', ' ')}: {value}", highlight=False)
    console.print(
        f"project file: {Path(summary.project) / 'yearn.toml'}  (next: yearn check --project "
        f"{summary.project})",
        highlight=False,
    )


def run_demo_workflow(project: Path, *, tabular: bool, random_state: int, quiet: bool = False):
    """``yearn run`` on the demo project with the demo's settings, with progress bars."""
    from dataclasses import replace

    from yearn.cli.run import run_with_progress
    from yearn.demo import DEMO_OPTIONS
    from yearn.workflow import WorkflowOptions

    options = WorkflowOptions(epochs=10, lr_find_steps=60) if tabular else DEMO_OPTIONS
    options = replace(options, random_state=random_state)
    return run_with_progress(project, options, force=False, out=None, quiet=quiet)


def register(app: typer.Typer) -> None:
    @app.command()
    def demo(
        directory: Path | None = typer.Option(
            None, "--dir", help="Folder to create (default: ./yearn-demo or ./yearn-tabular-demo)."
        ),
        tabular: bool = typer.Option(
            False, "--tabular", help="The tabular demo (a leaky column) instead of the digits."
        ),
        force: bool = typer.Option(False, "--force", help="Write into a non-empty folder."),
        random_state: int = typer.Option(0, "--random-state", help="Seed of the demo data."),
        run: bool = typer.Option(
            True,
            "--run/--no-run",
            help="Run the whole workflow on it and write the report (yearn run).",
        ),
        keywords: bool = typer.Option(
            False,
            "--keywords",
            help="The audio demo: synthetic keyword clips, clean (train) vs in a car (target).",
        ),
        as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    ) -> None:
        """Create a demo project (web → phone digits, --tabular or --keywords) and run the
        workflow on it."""
        if keywords:
            return _keyword_demo(
                directory or Path("yearn-keyword-demo"), random_state, run, as_json
            )
        if directory is None:
            directory = Path("yearn-tabular-demo" if tabular else "yearn-demo")
        project = create_demo_project(
            directory, tabular=tabular, force=force, random_state=random_state
        )
        from yearn.demo import summarize_demo

        summary = summarize_demo(project)
        if not as_json:
            print_demo_summary(summary)
        workflow = None
        if run:
            workflow = run_demo_workflow(
                project, tabular=tabular, random_state=random_state, quiet=as_json
            )
        if as_json:
            data = summary.to_dict()
            if workflow is not None:
                data["workflow"] = workflow.to_dict()
            typer.echo(json.dumps(data, indent=2, default=str))
        elif workflow is not None:
            from yearn.cli.run import print_result

            print_result(workflow)


def _keyword_demo(directory: Path, random_state: int, run: bool, as_json: bool) -> None:
    """``yearn demo --keywords``: build the audio project, then (unless --no-run) yearn run."""
    from yearn.cli.run import print_result, run_with_progress
    from yearn.demo.keywords import make_keyword_demo
    from yearn.workflow import WorkflowOptions

    with err_console.status(f"building the keyword demo in {directory} ..."):
        project = make_keyword_demo(directory, random_state=random_state)
    data: dict = {"project": str(project), "kind": "keywords", "noise_banks": {}}
    for bank in ("one", "varied"):
        data["noise_banks"][bank] = str(project / "noise" / bank)
    if not as_json:
        console.print(
            f"keyword demo in {project}: clean clips (train) vs clips in a car (target); noise "
            f"banks for yearn synthesize --noise-folder: {data['noise_banks']['one']} (one "
            f"clip), {data['noise_banks']['varied']} (varied)",
            highlight=False,
        )
    if run:
        options = WorkflowOptions(random_state=random_state)
        workflow = run_with_progress(project, options, force=False, out=None, quiet=as_json)
        if as_json:
            data["workflow"] = workflow.to_dict()
        else:
            print_result(workflow)
    if as_json:
        typer.echo(json.dumps(data, indent=2, default=str))
