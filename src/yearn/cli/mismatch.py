"""``yearn mismatch`` (what separates train from target) and ``yearn synthesize``
(training data made to look like the target)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from yearn.cli._console import console, fmt_cell


def _examples_table(title: str, rows: list[dict], columns: list[str]) -> Table:
    table = Table(title=title)
    for col in columns:
        table.add_column(col, justify="left" if col in ("id", "source") else "right")
    for row in rows:
        table.add_row(*(fmt_cell(row.get(c)) for c in columns))
    return table


def register(app: typer.Typer) -> None:
    @app.command("mismatch")
    def mismatch(
        project: Path = typer.Option(Path("."), "--project", help="Project folder."),
        examples: int = typer.Option(
            8, "--examples", help="Examples shown on each side (--json has them all)."
        ),
        random_state: int = typer.Option(0, "--random-state", help="Seed of the classifier."),
        as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    ) -> None:
        """Train vs target: the domain classifier's AUC, its drivers, and the most
        target-like training examples beside the most train-like target examples."""
        from yearn.mismatch import find_mismatch, save_mismatch

        result = find_mismatch(project, n_examples=examples, random_state=random_state)
        saved = save_mismatch(project, result)
        if as_json:
            typer.echo(json.dumps(result.to_dict(), indent=2, default=str))
            return
        console.print(result.message(), highlight=False)
        drivers = Table(title="Drivers (AUC drop when shuffled, held out)")
        for col in ("feature", "driver", "auc_drop", "alone_auc", "train_mean", "target_mean"):
            drivers.add_column(col, justify="left" if col == "feature" else "right")
        for d in result.drivers:
            drivers.add_row(
                d["feature"],
                "yes" if d["driver"] else "",
                *(
                    fmt_cell(d.get(c))
                    for c in ("auc_drop", "alone_auc", "train_mean", "target_mean")
                ),
            )
        console.print(drivers)
        names = result.driver_names[:5] or [d["feature"] for d in result.drivers[:3]]
        cols = ["id", "source", "label", "p_target", *names]
        console.print(
            _examples_table(
                "Most target-like training examples",
                [e.row() for e in result.target_like_train],
                cols,
            )
        )
        console.print(
            _examples_table(
                "Most train-like target examples",
                [e.row() for e in result.train_like_target],
                cols,
            )
        )
        console.print(f"saved to {saved} (the report shows it with the images)", highlight=False)
