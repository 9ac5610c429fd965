"""``yearn report``: the project's HTML report, one self-contained file."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.markup import escape

from yearn.cli._console import console, err_console
from yearn.cli._options import JSON_OPTION, PROJECT_OPTION
from yearn.errors import ConfigError


def register(app: typer.Typer) -> None:
    @app.command()
    def report(
        project: Path = PROJECT_OPTION,
        out: Path | None = typer.Option(
            None, "--out", "-o", help="Where to write the report (default: <project>/report.html)."
        ),
        max_runs: int = typer.Option(100, "--max-runs", help="Training runs to draw curves for."),
        run: str | None = typer.Option(
            None,
            "--run",
            help="The train run to report on (default: best dev metric under the constraints).",
        ),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Write the project's HTML report: one self-contained file that works offline."""
        from yearn.report import build_report

        if not project.is_dir():
            raise ConfigError(f"{project}: no such project folder; pass --project DIR.")
        if max_runs < 1:
            raise typer.BadParameter(
                f"must be at least 1; got {max_runs}.", param_hint="--max-runs"
            )
        with err_console.status("building the report ..."):
            result = build_report(project, max_runs=max_runs, run=run)
            from yearn._io import atomic_write_text

            path = out if out is not None else result_path(project)
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(path, result.to_html())
        if as_json:
            typer.echo(
                json.dumps(
                    {
                        "report": str(path),
                        "sections": [
                            {"id": s.id, "title": s.title, "present": s.present, "note": s.note}
                            for s in result.sections
                        ],
                        "missing": result.missing,
                        "model": result.model,
                        "seconds": round(result.seconds, 3),
                    },
                    indent=2,
                )
            )
            return
        if result.model:
            m = result.model
            console.print(f"model: {m['name']} {m['run_id']} ({escape(m['why'])})", highlight=False)
            console.print(f"model's features: {escape(m['features'])}", highlight=False)
        for s in result.sections:
            if s.note:
                console.print(f"[yellow]{escape(s.title)}:[/] {escape(s.note)}", highlight=False)
        console.print(f"wrote {path}", highlight=False)


def result_path(project: Path) -> Path:
    from yearn.paths import ProjectPaths
    from yearn.project import Project

    return ProjectPaths(Project(project).config.root).report
