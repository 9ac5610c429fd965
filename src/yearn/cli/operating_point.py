"""``yearn operating-point``: the decision threshold from the stakeholders' numbers."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.markup import escape

from yearn.cli._console import console
from yearn.cli._options import JSON_OPTION, PROJECT_OPTION, STORE_URL_OPTION


def register(app: typer.Typer) -> None:
    @app.command("operating-point")
    def operating_point(
        project: Path = PROJECT_OPTION,
        run: str | None = typer.Option(None, "--run", help="Run id (default: the newest)."),
        cost_fp: float | None = typer.Option(None, "--cost-fp", help="Cost of a false alarm."),
        cost_fn: float | None = typer.Option(None, "--cost-fn", help="Cost of a miss."),
        min_precision: float | None = typer.Option(
            None, "--min-precision", help="Highest recall with at least this precision."
        ),
        max_alerts: float | None = typer.Option(
            None, "--max-alerts-per-1000", help="Highest recall with at most this many flags."
        ),
        noun: str = typer.Option("request", "--noun", help="What a row is, for the sentences."),
        no_save: bool = typer.Option(False, "--no-save", help="Show it without saving it."),
        store_url: str | None = STORE_URL_OPTION,
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Choose the decision threshold from costs or constraints, stated with intervals."""
        from yearn.project import Project
        from yearn.ship import choose_operating_point

        result = choose_operating_point(
            Project(project, store_url=store_url), run, cost_fp=cost_fp, cost_fn=cost_fn,
            min_precision=min_precision, max_alerts_per_1000=max_alerts, noun=noun,
            save=not no_save,
        )  # fmt: skip
        if as_json:
            typer.echo(json.dumps(result.to_dict(), indent=2))
            return
        for point in result.points:
            for sentence in point.sentences:
                console.print(escape(sentence), highlight=False)
        for caveat in result.caveats:
            console.print(f"[dim]· {escape(caveat)}[/dim]", highlight=False)
        if result.saved_as:
            console.print(
                f"saved with run {result.run_id} (as {result.saved_as}); export, predict and "
                "serve use it",
                highlight=False,
            )
